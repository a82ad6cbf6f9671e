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

/* Open a connection with the engine's options; sync: its commits are grouped (or NULL). */
static int open_store(struct api_engine *e, struct db_sync *sync, struct db **out_db,
                      struct diag *d)
{
    *out_db = NULL;
    if (e->cfg.db_path == NULL) {
        return diag_set(d, RC_NOTFOUND, "this Kiln has no store (no data folder configured)");
    }
    struct db_options opts = e->cfg.db_opts;
    opts.sync = sync;
    return db_open(e->cfg.db_path, &opts, d, out_db);
}

int api_engine_db_open(struct api_engine *e, struct db **out_db, struct diag *d)
{
    return open_store(e, NULL, out_db, d);
}

static struct db *open_lazy(struct api_engine *e, struct db_sync *sync, struct db **slot,
                            struct diag *d)
{
    if (*slot == NULL && open_store(e, sync, slot, d) != RC_OK) {
        *slot = NULL;
    }
    return *slot;
}

/* The executors' commits are the grouped ones (e->sync, when group durability is on). */
struct db *api_executor_db(struct api_executor *ex, struct diag *d)
{
    return open_lazy(ex->e, ex->e->sync, &ex->db, d);
}

/* ------------------------------------------------------------------ group durability */

static void durable_release(void *arg)
{
    http_exchange_release(arg);
}

/* The gate of plain HTTP responses: held until every commit made so far is durable. The
 * waiter lives in the exchange's arena, which lives until the response is written. */
static bool durable_hold(struct http_gate *g, struct http_exchange *xch)
{
    struct api_engine *e = CONTAINER_OF(g, struct api_engine, durable_gate);
    struct db_sync_waiter *w = arena_alloc(http_exchange_arena(xch), sizeof(*w));
    /* false (not queued) when those commits are durable already */
    return db_sync_defer(e->sync, w, db_sync_newest(e->sync), durable_release, xch);
}

void api_durable_note(struct api_ctx *c)
{
    struct api_inv *inv = c->current;
    if (c->e == NULL || c->e->sync == NULL || inv == NULL || inv->db_used) {
        return;
    }
    inv->db_used = true;
    if (inv->xch != NULL && inv->hooks == NULL) {
        inv->gated = true;
        http_exchange_set_gate(inv->xch, &c->e->durable_gate);
    }
}

void api_durable_wait_inv(struct api_inv *inv)
{
    struct api_engine *e = inv->c != NULL ? inv->c->e : NULL;
    if (e == NULL || e->sync == NULL || !inv->db_used) {
        return;
    }
    db_sync_wait(e->sync, db_sync_newest(e->sync));
}

int api_durable_start(struct api_engine *e, struct diag *d)
{
    if (!e->cfg.group_sync || e->cfg.db_path == NULL) {
        return RC_OK;
    }
    e->durable_gate.hold = durable_hold;
    return db_sync_start(e->cfg.db_path, e->cfg.batch_sched, d, &e->sync);
}

void api_durable_stop(struct api_engine *e)
{
    db_sync_stop(e->sync); /* the last commits made durable, their responses released */
    e->sync = NULL;
}

struct db *api_ctx_db(struct api_ctx *c, struct diag *d)
{
    if (c->ex != NULL) {
        return api_executor_db(c->ex, d);
    }
    return open_lazy(c->e, NULL, &c->e->deploy_db, d);
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
    api_durable_note(c);
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
