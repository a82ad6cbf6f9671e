/* SPDX-License-Identifier: MIT */
/*
 * Administration of script data (docs/administration.md, "Database namespaces"): read-only
 * grants of one script namespace to another (database.use), and the namespace of a script.
 *   PUT    /engine/api/db/grants/:grantee/:target   grant (target may be "*"), audited
 *   DELETE /engine/api/db/grants/:grantee/:target   revoke, audited
 *   GET    /engine/api/db/namespaces/:uri           {"uri", "namespace"} (creates it if new)
 * Thread contract: the admin thread.
 */
#include "api/api_admin.h"
#include "base/buf.h"
#include "base/json.h"
#include "db/db_sql.h"

static struct str param(struct api_admin_req *r, const char *name)
{
    for (size_t i = 0; i < r->match.param_count; i++) {
        if (str_eq_cstr(r->match.params[i].name, name)) {
            return r->match.params[i].value;
        }
    }
    return STR_NULL;
}

static void grant(struct api_admin_req *r, bool on)
{
    struct str grantee = param(r, "grantee");
    struct str target = param(r, "target");
    struct diag d;
    bool existed = false;
    int rc = on ? db_sql_grant(r->db, grantee, target, &d)
                : db_sql_revoke(r->db, grantee, target, &d, &existed);
    if (rc == RC_INVAL) {
        api_admin_error(r, 400, "INVALID_ARGUMENT", "%s", d.msg);
        return;
    }
    if (rc != RC_OK) {
        api_admin_db_error(r, rc, &d);
        return;
    }
    if (!on && !existed) {
        api_admin_error(r, 404, "NOT_FOUND", "no grant of %.*s to %.*s", STR_FMT(target),
                        STR_FMT(grantee));
        return;
    }
    struct str what = arena_printf(r->arena, "%.*s -> %.*s", STR_FMT(grantee), STR_FMT(target));
    api_admin_audit(r, on ? "db.grant" : "db.revoke", what, STR(""));
    http_exchange_respond(r->xch, 204, NULL, 0, STR(""));
}

void api_admin_db_grant(struct api_admin_req *r)
{
    grant(r, true);
}

void api_admin_db_revoke(struct api_admin_req *r)
{
    grant(r, false);
}

void api_admin_db_namespace(struct api_admin_req *r)
{
    struct str uri = param(r, "uri");
    struct diag d;
    struct str ns;
    int rc = db_sql_namespace(r->db, uri, r->arena, &d, &ns);
    if (rc != RC_OK) {
        api_admin_db_error(r, rc, &d);
        return;
    }
    struct buf b;
    buf_init(&b, 4096);
    struct json_writer w;
    json_writer_init(&w, &b);
    json_write_begin_object(&w);
    json_write_key(&w, STR("uri"));
    json_write_string(&w, uri);
    json_write_key(&w, STR("namespace"));
    json_write_string(&w, ns);
    json_write_end_object(&w);
    api_admin_json(r, 200, &b);
    buf_fini(&b);
}
