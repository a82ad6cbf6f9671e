/* SPDX-License-Identifier: MIT */
/*
 * Scripts in the store and their administration (spec/80-engine-http.md §4): list, get, raw
 * source, upsert (a new stored version, then a deploy: register run + swap; a script that fails
 * to load keeps its previous version serving and the answer says file, line and message),
 * delete, the route listing; the start-up load from the store and the folder sync hooks of
 * api_watch.c. Thread contract: handlers on the admin thread; the load on the main thread; the
 * folder hooks on the watcher's thread (each with its own connection).
 */
#include <stdio.h>
#include <string.h>

#include "api/api_admin.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rc.h"

static const struct log_ctx scripts_log = { .mod = "api", .action = "syncing scripts" };

/* ------------------------------------------------------------------ helpers */

/* The :uri parameter (decoded by the router). */
static struct str param_uri(struct api_admin_req *r)
{
    for (size_t i = 0; i < r->match.param_count; i++) {
        if (str_eq(r->match.params[i].name, STR("uri"))) {
            return r->match.params[i].value;
        }
    }
    return STR_NULL;
}

/* Write {file, line, message} of a load error "uri:line: message" (or null). */
static void write_init_error(struct json_writer *w, struct str uri, struct str err)
{
    if (err.len == 0) {
        json_write_null(w);
        return;
    }
    int64_t line = 0;
    struct str message = err;
    if (str_starts_with(err, uri) && err.len > uri.len + 1 && err.ptr[uri.len] == ':') {
        size_t i = uri.len + 1;
        size_t digits = 0;
        while (i < err.len && err.ptr[i] >= '0' && err.ptr[i] <= '9' && digits < 9) {
            line = (line * 10) + (err.ptr[i] - '0');
            i++;
            digits++;
        }
        if (digits > 0 && i + 1 < err.len && err.ptr[i] == ':' && err.ptr[i + 1] == ' ') {
            message = str_sub(err, i + 2, err.len - i - 2);
        } else {
            line = 0;
            message = str_sub(err, uri.len + 1, err.len - uri.len - 1);
        }
    }
    json_write_begin_object(w);
    json_write_key(w, STR("file"));
    json_write_string(w, uri);
    json_write_key(w, STR("line"));
    if (line > 0) {
        json_write_int(w, line);
    } else {
        json_write_null(w);
    }
    json_write_key(w, STR("message"));
    json_write_string(w, str_trim(message));
    json_write_end_object(w);
}

/* The metadata object of one script (list items and GET). */
static void write_script(struct api_admin_req *r, struct json_writer *w, const struct db_script *s,
                         bool with_source)
{
    struct str err = api_engine_load_error(r->e, s->uri, r->arena);
    bool active = api_engine_is_active(r->e, s->uri);
    json_write_begin_object(w);
    json_write_key(w, STR("uri"));
    json_write_string(w, s->uri);
    json_write_key(w, STR("name"));
    ptrdiff_t slash = -1;
    for (size_t i = 0; i < s->uri.len; i++) {
        if (s->uri.ptr[i] == '/') {
            slash = (ptrdiff_t)i;
        }
    }
    json_write_string(w, str_sub(s->uri, (size_t)(slash + 1), s->uri.len - (size_t)(slash + 1)));
    json_write_key(w, STR("class"));
    json_write_string(w, s->system ? STR("system") : STR("user"));
    json_write_key(w, STR("version"));
    json_write_int(w, s->version);
    json_write_key(w, STR("size"));
    json_write_int(w, (int64_t)s->size);
    json_write_key(w, STR("owners"));
    json_write_raw(w, s->owners.len ? s->owners : STR("[]"));
    json_write_key(w, STR("fromFolder"));
    json_write_bool(w, s->from_folder);
    json_write_key(w, STR("initialized"));
    json_write_bool(w, active);
    json_write_key(w, STR("initError"));
    write_init_error(w, s->uri, err);
    json_write_key(w, STR("createdAt"));
    api_admin_write_time(w, s->created_ms);
    json_write_key(w, STR("updatedAt"));
    api_admin_write_time(w, s->updated_ms);
    if (with_source) {
        json_write_key(w, STR("source"));
        json_write_string(w, s->content);
    }
    json_write_end_object(w);
}

/* Read the script of the path; false after answering 404 SCRIPT_NOT_FOUND (or a store error). */
static bool load_script(struct api_admin_req *r, struct db_script *out)
{
    struct diag d;
    struct str uri = param_uri(r);
    int rc = db_script_get(r->db, uri, r->arena, &d, out);
    if (rc == RC_NOTFOUND) {
        api_admin_error(r, 404, "SCRIPT_NOT_FOUND", "no script %.*s", STR_FMT(uri));
        return false;
    }
    if (rc != RC_OK) {
        api_admin_db_error(r, rc, &d);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------ handlers */

void api_admin_scripts_list(struct api_admin_req *r)
{
    struct diag d;
    struct db_script *items = NULL;
    size_t n = 0;
    int rc = db_script_list(r->db, r->arena, &d, &items, &n);
    if (rc != RC_OK) {
        api_admin_db_error(r, rc, &d);
        return;
    }
    struct buf b;
    struct json_writer w;
    api_admin_list_begin(&w, &b, (size_t)64 * 1024 * 1024);
    for (size_t i = 0; i < n; i++) {
        write_script(r, &w, &items[i], false);
    }
    api_admin_list_end(r, &w, &b, 0);
}

void api_admin_script_get(struct api_admin_req *r)
{
    struct db_script s;
    if (!load_script(r, &s)) {
        return;
    }
    struct str v;
    bool with_source = api_admin_query(r, "source", &v) && str_eq(v, STR("1"));
    struct buf b;
    buf_init(&b, (size_t)16 * 1024 * 1024);
    struct json_writer w;
    json_writer_init(&w, &b);
    write_script(r, &w, &s, with_source);
    api_admin_json(r, 200, &b);
}

void api_admin_script_source(struct api_admin_req *r)
{
    struct db_script s;
    if (!load_script(r, &s)) {
        return;
    }
    struct http_header h = { .name = STR("Content-Type"),
                             .value = STR("text/javascript; charset=utf-8") };
    http_exchange_respond(r->xch, 200, &h, 1, s.content);
}

/* The source of a PUT: the raw body, or {source} for a JSON body. False after answering. */
static bool put_source(struct api_admin_req *r, struct str *out)
{
    struct str ct;
    *out = r->req->body;
    if (!http_request_header(r->req, STR("content-type"), &ct) ||
        !str_starts_with(ct, STR("application/json"))) {
        return true;
    }
    struct json_value *body = NULL;
    if (!api_admin_body_json(r, &body)) {
        return false;
    }
    struct json_value *src = json_object_find(body, STR("source"));
    if (src == NULL || src->type != JSON_STRING) {
        api_admin_error(r, 400, "INVALID_ARGUMENT", "the JSON body needs a string \"source\"");
        return false;
    }
    *out = src->str;
    return true;
}

/* The If-Match version, DB_VERSION_ANY when absent; false after answering 400. */
static bool put_expect(struct api_admin_req *r, int64_t *out)
{
    struct str v;
    *out = DB_VERSION_ANY;
    if (!http_request_header(r->req, STR("if-match"), &v)) {
        return true;
    }
    v = str_trim(v);
    if (v.len >= 2 && v.ptr[0] == '"' && v.ptr[v.len - 1] == '"') {
        v = str_sub(v, 1, v.len - 2);
    }
    int64_t n = 0;
    bool ok = v.len > 0 && v.len < 18;
    for (size_t i = 0; ok && i < v.len; i++) {
        ok = v.ptr[i] >= '0' && v.ptr[i] <= '9';
        n = (n * 10) + (v.ptr[i] - '0');
    }
    if (!ok) {
        api_admin_error(r, 400, "INVALID_ARGUMENT", "If-Match must be a script version number");
        return false;
    }
    *out = n;
    return true;
}

void api_admin_script_put(struct api_admin_req *r)
{
    struct str uri = param_uri(r);
    struct str source;
    int64_t expect = DB_VERSION_ANY;
    if (!put_source(r, &source) || !put_expect(r, &expect)) {
        return;
    }
    if (source.len > API_MAX_SOURCE_BYTES) {
        api_admin_error(r, 413, "PAYLOAD_TOO_LARGE", "script is %zu bytes, limit %zu", source.len,
                        API_MAX_SOURCE_BYTES);
        return;
    }
    struct diag d;
    if (api_check_uri(uri, &d) != RC_OK) {
        api_admin_error(r, 400, "INVALID_ARGUMENT", "%s", d.msg);
        return;
    }
    struct db_script old;
    int rc = db_script_get(r->db, uri, r->arena, &d, &old);
    if (rc == RC_OK && old.from_folder) {
        api_admin_error(r, 409, "SCRIPT_FROM_FOLDER",
                        "%.*s comes from the scripts folder (its source of truth): edit the file",
                        STR_FMT(uri));
        return;
    }
    if (rc != RC_OK && rc != RC_NOTFOUND) {
        api_admin_db_error(r, rc, &d);
        return;
    }
    bool created = rc == RC_NOTFOUND;
    struct db_script s = { .uri = uri, .content = source, .owners = STR("[\"admin\"]") };
    if (!created) {
        s.owners = old.owners;
        s.system = old.system;
    }
    int64_t version = 0;
    rc = db_script_put(r->db, &s, expect, &d, &version);
    if (rc == RC_CONFLICT) {
        api_admin_error(r, 412, "PRECONDITION_FAILED", "%s", d.msg);
        return;
    }
    if (rc != RC_OK) {
        api_admin_db_error(r, rc, &d);
        return;
    }
    diag_clear(&d);
    rc = api_engine_deploy(r->e, uri, source, &d);
    struct buf b;
    buf_init(&b, (size_t)64 * 1024);
    struct json_writer w;
    json_writer_init(&w, &b);
    json_write_begin_object(&w);
    json_write_key(&w, STR("uri"));
    json_write_string(&w, uri);
    json_write_key(&w, STR("version"));
    json_write_int(&w, version);
    json_write_key(&w, STR("deployed"));
    json_write_bool(&w, rc == RC_OK);
    json_write_key(&w, STR("initError"));
    write_init_error(&w, uri, rc == RC_OK ? STR_NULL : str_from_cstr(d.msg));
    json_write_key(&w, STR("diagnostics"));
    json_write_begin_array(&w);
    json_write_end_array(&w);
    json_write_end_object(&w);
    log_info(&scripts_log, "script upserted script=%.*s version=%lld deployed=%d", STR_FMT(uri),
             (long long)version, rc == RC_OK);
    char detail[64];
    int dn = snprintf(detail, sizeof(detail), "{\"version\":%lld,\"deployed\":%s}",
                      (long long)version, rc == RC_OK ? "true" : "false");
    api_admin_audit(r, "script.upsert", uri, str_make(detail, (size_t)dn));
    api_admin_json(r, created ? 201 : 200, &b);
}

void api_admin_script_delete(struct api_admin_req *r)
{
    struct db_script s;
    if (!load_script(r, &s)) {
        return;
    }
    if (s.from_folder) {
        api_admin_error(r, 409, "SCRIPT_FROM_FOLDER",
                        "%.*s comes from the scripts folder: delete the file", STR_FMT(s.uri));
        return;
    }
    struct diag d;
    int rc = db_script_delete(r->db, s.uri, &d);
    if (rc != RC_OK) {
        api_admin_db_error(r, rc, &d);
        return;
    }
    api_engine_remove(r->e, s.uri);
    api_admin_audit(r, "script.delete", s.uri, STR(""));
    http_exchange_respond(r->xch, 204, NULL, 0, STR(""));
}

/* GET /engine/api/scripts/:uri/versions: the last 50 versions, newest first. */
void api_admin_script_versions(struct api_admin_req *r)
{
    struct db_script s;
    if (!load_script(r, &s)) {
        return;
    }
    struct diag d;
    struct db_script_version *vers = NULL;
    size_t n = 0;
    int rc = db_script_versions(r->db, s.uri, 50, r->arena, &d, &vers, &n);
    if (rc != RC_OK) {
        api_admin_db_error(r, rc, &d);
        return;
    }
    struct buf b;
    struct json_writer w;
    api_admin_list_begin(&w, &b, (size_t)1024 * 1024);
    for (size_t i = 0; i < n; i++) {
        json_write_begin_object(&w);
        json_write_key(&w, STR("version"));
        json_write_int(&w, vers[i].version);
        json_write_key(&w, STR("createdAt"));
        api_admin_write_time(&w, vers[i].created_ms);
        json_write_key(&w, STR("size"));
        json_write_int(&w, (int64_t)vers[i].size);
        json_write_end_object(&w);
    }
    api_admin_list_end(r, &w, &b, 0);
}

void api_admin_routes(struct api_admin_req *r)
{
    struct api_snapshot *s = api_engine_snapshot(r->e);
    struct buf b;
    struct json_writer w;
    api_admin_list_begin(&w, &b, (size_t)16 * 1024 * 1024);
    for (size_t i = 0; i < s->version_count; i++) {
        const struct api_version *v = s->versions[i];
        for (size_t j = 0; j < v->route_count; j++) {
            const struct api_route *rt = v->routes[j];
            json_write_begin_object(&w);
            json_write_key(&w, STR("kind"));
            json_write_string(&w, rt->asset.len ? STR("asset") : STR("route"));
            json_write_key(&w, STR("method"));
            json_write_string(&w, rt->method);
            json_write_key(&w, STR("path"));
            json_write_string(&w, rt->pattern);
            json_write_key(&w, STR("script"));
            json_write_string(&w, v->uri);
            json_write_key(&w, STR("handler"));
            json_write_string(&w, rt->asset.len ? rt->asset : rt->handler_name);
            json_write_end_object(&w);
        }
    }
    api_snapshot_unref(s);
    api_admin_list_end(r, &w, &b, 0);
}

/* ------------------------------------------------------------------ start-up load */

/* Deploy the newest stored version of uri older than `newest` that loads (at most 10 tried). */
static void load_older(struct api_engine *e, struct db *db, struct str uri, int64_t newest,
                       struct arena *a)
{
    struct diag d;
    struct db_script_version *vers = NULL;
    size_t n = 0;
    if (db_script_versions(db, uri, 10, a, &d, &vers, &n) != RC_OK) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct str content;
        if (vers[i].version >= newest ||
            db_script_get_version(db, uri, vers[i].version, a, &d, &content) != RC_OK ||
            api_engine_deploy(e, uri, content, &d) != RC_OK) {
            continue;
        }
        log_warn(&scripts_log, "serving an older version script=%.*s version=%lld", STR_FMT(uri),
                 (long long)vers[i].version);
        return;
    }
}

/* Deploy the newest version of s that loads. */
static void load_one(struct api_engine *e, struct db *db, const struct db_script *s,
                     struct arena *a)
{
    struct diag d;
    struct db_script full;
    if (db_script_get(db, s->uri, a, &d, &full) != RC_OK) {
        log_error(&scripts_log, "cannot read script=%.*s msg=\"%s\"", STR_FMT(s->uri), d.msg);
        return;
    }
    if (api_engine_deploy(e, full.uri, full.content, &d) != RC_OK) {
        load_older(e, db, full.uri, full.version, a);
    }
}

void api_scripts_load_store(struct api_engine *e, bool skip_folder)
{
    struct diag d;
    struct db *db = NULL;
    if (e->cfg.db_path == NULL || api_engine_db_open(e, &db, &d) != RC_OK) {
        return;
    }
    struct arena *a = arena_new((size_t)64 * 1024);
    struct db_script *items = NULL;
    size_t n = 0;
    if (db_script_list(db, a, &d, &items, &n) != RC_OK) {
        log_error(&scripts_log, "cannot list the stored scripts msg=\"%s\"", d.msg);
        n = 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(skip_folder && items[i].from_folder)) {
            load_one(e, db, &items[i], a);
        }
    }
    arena_free(a);
    db_close(db);
}

/* ------------------------------------------------------------------ folder sync */

void api_scripts_folder_put(struct api_engine *e, struct db *db, struct str uri, struct str src)
{
    struct arena *a = arena_new(4096 + src.len);
    struct diag d;
    struct db_script old;
    int rc = db_script_get(db, uri, a, &d, &old);
    if (rc == RC_OK && old.from_folder && str_eq(old.content, src)) {
        arena_free(a);
        return;
    }
    struct db_script s = { .uri = uri, .content = src, .from_folder = true };
    int64_t version = 0;
    rc = db_script_put(db, &s, DB_VERSION_ANY, &d, &version);
    if (rc != RC_OK) {
        log_error(&scripts_log, "cannot store script=%.*s msg=\"%s\"", STR_FMT(uri), d.msg);
    }
    arena_free(a);
    (void)e;
}

void api_scripts_folder_delete(struct api_engine *e, struct db *db, struct str uri)
{
    struct arena *a = arena_new(4096);
    struct diag d;
    struct db_script old;
    if (db_script_get(db, uri, a, &d, &old) == RC_OK && old.from_folder) {
        IGNORE_RC(db_script_delete(db, uri, &d));
    }
    arena_free(a);
    (void)e;
}

void api_scripts_folder_prune(struct api_engine *e, struct db *db, bool (*seen)(void *, struct str),
                              void *arg)
{
    struct arena *a = arena_new(4096);
    struct diag d;
    struct db_script *items = NULL;
    size_t n = 0;
    if (db_script_list(db, a, &d, &items, &n) != RC_OK) {
        n = 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!items[i].from_folder || seen(arg, items[i].uri)) {
            continue;
        }
        IGNORE_RC(db_script_delete(db, items[i].uri, &d));
        api_engine_remove(e, items[i].uri);
    }
    arena_free(a);
}
