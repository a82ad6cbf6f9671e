/* SPDX-License-Identifier: MIT */
/*
 * The store connections of the engine: one struct db per executor (opened lazily on the
 * executor's thread, closed by it when it stops) and one for register runs (the deploying
 * thread, under deploy_mu), plus the translation of store errors into KilnErrors. Host APIs
 * that use the store (api_storage.c, api_assets.c, ...) get their connection with api_db_of().
 * Thread contract: see api_internal.h.
 */
#include "api/api_internal.h"
#include "base/rc.h"

int api_engine_db_open(struct api_engine *e, struct db **out_db, struct diag *d)
{
    *out_db = NULL;
    if (e->cfg.db_path == NULL) {
        return diag_set(d, RC_NOTFOUND, "this Kiln has no store (no data folder configured)");
    }
    return db_open(e->cfg.db_path, &e->cfg.db_opts, d, out_db);
}

static struct db *open_lazy(struct api_engine *e, struct db **slot, struct diag *d)
{
    if (*slot == NULL && api_engine_db_open(e, slot, d) != RC_OK) {
        *slot = NULL;
    }
    return *slot;
}

struct db *api_executor_db(struct api_executor *ex, struct diag *d)
{
    return open_lazy(ex->e, &ex->db, d);
}

struct db *api_ctx_db(struct api_ctx *c, struct diag *d)
{
    if (c->ex != NULL) {
        return api_executor_db(c->ex, d);
    }
    return open_lazy(c->e, &c->e->deploy_db, d);
}

struct db *api_db_of(JSContextRef ctx, JSValueRef *exception)
{
    return api_db_of_ctx(ctx, api_ctx_of(ctx), exception);
}

struct db *api_db_of_ctx(JSContextRef ctx, struct api_ctx *c, JSValueRef *exception)
{
    struct diag d;
    diag_clear(&d);
    struct db *db = c ? api_ctx_db(c, &d) : NULL;
    if (db == NULL) {
        (void)api_throw(ctx, exception, "STORE_UNAVAILABLE",
                        str_from_cstr(c ? d.msg : "no script context"), STR(""));
        return NULL;
    }
    /* An async transaction of another invocation holds this connection: never join it. */
    struct api_tx *tx = api_ctx_tx(c);
    if (tx->depth > 0 && tx->owner != c->current) {
        (void)api_throw(ctx, exception, "DB_CONFLICT",
                        STR("another invocation on this executor holds an open transaction; "
                            "retry"),
                        STR(""));
        return NULL;
    }
    return db;
}

JSValueRef api_throw_db(JSContextRef ctx, JSValueRef *exception, int rc, const struct diag *d)
{
    const char *code = "STORE_ERROR";
    switch (rc) {
    case RC_INVAL:
        code = "INVALID_ARGUMENT";
        break;
    case RC_LIMIT:
        code = "STORAGE_LIMIT";
        break;
    case RC_TIMEOUT:
        code = "STORE_BUSY";
        break;
    case RC_NOTFOUND:
        code = "NOT_FOUND";
        break;
    case RC_CONFLICT:
        code = "CONFLICT";
        break;
    default:
        break;
    }
    return api_throw(ctx, exception, code, str_from_cstr(d->msg), STR(""));
}
