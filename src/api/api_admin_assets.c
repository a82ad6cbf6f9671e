/* SPDX-License-Identifier: MIT */
/*
 * Assets over HTTP (spec/80-engine-http.md §5): list a script's assets, download one (raw bytes
 * with the stored type), upload one (raw body, binary-safe; Content-Type is the mimetype; over
 * the asset size limit 413 PAYLOAD_TOO_LARGE), delete one. Every write forgets the cached copy
 * behind asset routes. Thread contract: the admin thread.
 */
#include <string.h>

#include "api/api_admin.h"
#include "base/mem.h"
#include "base/rc.h"
#include "base/url.h"

/* The script (:uri, which must exist) and the asset path (the decoded "*" rest). False after
 * answering 404 / 400. */
static bool asset_target(struct api_admin_req *r, bool with_path, struct str *out_script,
                         struct str *out_path)
{
    struct str rest = STR_NULL;
    *out_script = STR_NULL;
    for (size_t i = 0; i < r->match.param_count; i++) {
        if (str_eq(r->match.params[i].name, STR("uri"))) {
            *out_script = r->match.params[i].value;
        } else if (str_eq(r->match.params[i].name, STR("*"))) {
            rest = r->match.params[i].value;
        }
    }
    struct diag d;
    struct db_script s;
    int rc = db_script_get(r->db, *out_script, r->arena, &d, &s);
    if (rc == RC_NOTFOUND) {
        api_admin_error(r, 404, "SCRIPT_NOT_FOUND", "no script %.*s", STR_FMT(*out_script));
        return false;
    }
    if (rc != RC_OK) {
        api_admin_db_error(r, rc, &d);
        return false;
    }
    if (!with_path) {
        return true;
    }
    struct buf b;
    buf_init(&b, 1024);
    bool ok = url_percent_decode(rest, &b) == RC_OK;
    struct str p = buf_str(&b);
    ok = ok && api_asset_path_ok(p);
    if (ok) {
        *out_path = arena_strdup(r->arena, p);
    }
    buf_fini(&b);
    if (!ok) {
        api_admin_error(r, 400, "INVALID_ARGUMENT", "asset path must be " API_ASSET_PATH_RULE);
    }
    return ok;
}

/* False after answering 404 (rc is RC_NOTFOUND) or the store's error for a failed read of
 * script/path. */
static bool asset_found(struct api_admin_req *r, int rc, const struct diag *d, struct str script,
                        struct str path)
{
    if (rc == RC_NOTFOUND) {
        api_admin_error(r, 404, "ASSET_NOT_FOUND", "no asset %.*s in script %.*s", STR_FMT(path),
                        STR_FMT(script));
        return false;
    }
    if (rc != RC_OK) {
        api_admin_db_error(r, rc, d);
        return false;
    }
    return true;
}

void api_admin_assets_list(struct api_admin_req *r)
{
    struct str script;
    struct str path;
    if (!asset_target(r, false, &script, &path)) {
        return;
    }
    struct diag d;
    struct db_asset *items = NULL;
    size_t n = 0;
    int rc = db_asset_list(r->db, script, r->arena, &d, &items, &n);
    if (rc != RC_OK) {
        api_admin_db_error(r, rc, &d);
        return;
    }
    struct buf b;
    struct json_writer w;
    api_admin_list_begin(&w, &b, (size_t)16 * 1024 * 1024);
    for (size_t i = 0; i < n; i++) {
        json_write_begin_object(&w);
        json_write_key(&w, STR("uri"));
        json_write_string(&w, items[i].path);
        json_write_key(&w, STR("name"));
        json_write_string(&w, items[i].path);
        json_write_key(&w, STR("size"));
        json_write_int(&w, (int64_t)items[i].size);
        json_write_key(&w, STR("mimetype"));
        json_write_string(&w, items[i].content_type);
        json_write_key(&w, STR("sha256"));
        json_write_string(&w, str_from_cstr(items[i].sha256));
        json_write_key(&w, STR("updatedAt"));
        api_admin_write_time(&w, items[i].updated_ms);
        json_write_end_object(&w);
    }
    api_admin_list_end(r, &w, &b, 0);
}

void api_admin_asset_get(struct api_admin_req *r)
{
    struct str script;
    struct str path;
    if (!asset_target(r, true, &script, &path)) {
        return;
    }
    struct diag d;
    struct db_asset a;
    int rc = db_asset_get(r->db, script, path, r->arena, &d, &a);
    if (!asset_found(r, rc, &d, script, path)) {
        return;
    }
    char etag[68];
    (void)snprintf(etag, sizeof(etag), "\"%s\"", a.sha256);
    struct http_header h[] = {
        { .name = STR("Content-Type"), .value = a.content_type },
        { .name = STR("ETag"), .value = str_from_cstr(etag) },
    };
    http_exchange_respond(r->xch, 200, h, ARRAY_LEN(h), a.bytes);
}

void api_admin_asset_put(struct api_admin_req *r)
{
    struct str script;
    struct str path;
    if (!asset_target(r, true, &script, &path)) {
        return;
    }
    if (r->req->body.len > r->e->cfg.asset_max_bytes) {
        api_admin_error(r, 413, "PAYLOAD_TOO_LARGE", "asset is %zu bytes, limit %zu",
                        r->req->body.len, r->e->cfg.asset_max_bytes);
        return;
    }
    struct str ct;
    if (!http_request_header(r->req, STR("content-type"), &ct) || ct.len == 0) {
        ct = api_mime_type(path);
    }
    if (ct.len > 127) {
        api_admin_error(r, 400, "INVALID_ARGUMENT", "Content-Type is longer than 127 bytes");
        return;
    }
    struct db_asset a = {
        .script = script, .path = path, .content_type = ct, .bytes = r->req->body
    };
    struct diag d;
    bool created = false;
    char sha[65];
    int rc = db_asset_put(r->db, &a, &d, &created, sha);
    api_assets_invalidate(r->e, script, path);
    if (rc != RC_OK) {
        api_admin_db_error(r, rc, &d);
        return;
    }
    api_admin_audit_asset(r, "asset.put", script, path, sha);
    struct buf b;
    buf_init(&b, 4096);
    struct json_writer w;
    json_writer_init(&w, &b);
    json_write_begin_object(&w);
    json_write_key(&w, STR("sha256"));
    json_write_string(&w, str_from_cstr(sha));
    json_write_key(&w, STR("size"));
    json_write_int(&w, (int64_t)r->req->body.len);
    json_write_end_object(&w);
    api_admin_json(r, created ? 201 : 200, &b);
}

void api_admin_asset_delete(struct api_admin_req *r)
{
    struct str script;
    struct str path;
    if (!asset_target(r, true, &script, &path)) {
        return;
    }
    struct diag d;
    int rc = db_asset_delete(r->db, script, path, &d);
    api_assets_invalidate(r->e, script, path);
    if (!asset_found(r, rc, &d, script, path)) {
        return;
    }
    api_admin_audit_asset(r, "asset.delete", script, path, NULL);
    http_exchange_respond(r->xch, 204, NULL, 0, STR(""));
}
