/* SPDX-License-Identifier: MIT */
/*
 * The admin thread and the front door of Kiln's own endpoints (spec/80-engine-http.md):
 * /health (answered on the I/O loop), /engine/status and /engine/api/... (queued to the admin
 * thread, which has its own store connection and serves one request at a time), the bearer
 * admin token check (SHA-256, then CRYPTO_memcmp), and the welcome page. Handlers live in
 * api_admin_scripts.c, api_admin_assets.c and api_logs.c. Thread contract: api_admin.h.
 */
#include "api/api_admin.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>
#include <openssl/crypto.h>

#include "base/clk.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rc.h"
#include "base/url.h"

static const struct log_ctx admin_log = { .mod = "admin" };

struct admin_job {
    struct admin_job *next;
    struct http_exchange *xch;
    bool asset;        /* an asset route cache miss: */
    struct str script; /* its script and asset path (in the exchange's arena) */
    struct str asset_path;
    struct str cache_control;
};

struct api_admin {
    struct api_engine *e;
    uv_thread_t thread;
    pthread_mutex_t mu; /* guards head, tail, stopping */
    pthread_cond_t cv;
    struct admin_job *head;
    struct admin_job *tail;
    bool stopping;
    bool started;
    struct db *db;              /* admin thread only */
    struct http_router *router; /* immutable after start */
    int64_t started_ms;
};

/* ------------------------------------------------------------------ response helpers */

static const struct http_header json_ct = { .name = STR("Content-Type"),
                                            .value = STR("application/json; charset=utf-8") };

void api_admin_json(struct api_admin_req *r, int status, struct buf *body)
{
    size_t n = 0;
    char *owned = buf_take(body, &n);
    if (owned == NULL) {
        http_exchange_respond(r->xch, status, &json_ct, 1, STR("{}"));
        return;
    }
    http_exchange_respond_owned(r->xch, status, &json_ct, 1, owned, n);
}

void api_admin_error(struct api_admin_req *r, int status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    http_exchange_respond_error(r->xch, status, code, str_from_cstr(msg), STR(""), NULL, 0);
}

void api_admin_db_error(struct api_admin_req *r, int rc, const struct diag *d)
{
    switch (rc) {
    case RC_NOTFOUND:
        api_admin_error(r, 404, "NOT_FOUND", "%s", d->msg);
        return;
    case RC_LIMIT:
        api_admin_error(r, 413, "PAYLOAD_TOO_LARGE", "%s", d->msg);
        return;
    case RC_CONFLICT:
        api_admin_error(r, 409, "CONFLICT", "%s", d->msg);
        return;
    case RC_INVAL:
        api_admin_error(r, 400, "INVALID_ARGUMENT", "%s", d->msg);
        return;
    case RC_TIMEOUT:
        api_admin_error(r, 503, "STORE_BUSY", "%s", d->msg);
        return;
    default:
        log_error(&admin_log, "store error rc=%s msg=\"%s\"", rc_name(rc), d->msg);
        api_admin_error(r, 500, "STORE_ERROR", "the store failed");
        return;
    }
}

bool api_admin_query(struct api_admin_req *r, const char *name, struct str *out)
{
    struct str q = r->req->query;
    struct str want = str_from_cstr(name);
    while (q.len > 0) {
        struct str pair;
        struct str rest;
        if (!str_split_char(q, '&', &pair, &rest)) {
            pair = q;
            rest = STR_NULL;
        }
        q = rest;
        struct str k;
        struct str v;
        if (!str_split_char(pair, '=', &k, &v)) {
            k = pair;
            v = STR_NULL;
        }
        if (!str_eq(k, want)) {
            continue;
        }
        struct buf b;
        buf_init(&b, v.len + 1);
        for (size_t i = 0; i < v.len; i++) {
            char ch = v.ptr[i] == '+' ? ' ' : v.ptr[i];
            IGNORE_RC(buf_try_append(&b, &ch, 1)); /* fits: b holds v.len bytes */
        }
        struct buf dec;
        buf_init(&dec, v.len + 1);
        IGNORE_RC(url_percent_decode(buf_str(&b), &dec)); /* decoding never grows */
        *out = arena_strdup(r->arena, buf_str(&dec));
        buf_fini(&b);
        buf_fini(&dec);
        return true;
    }
    return false;
}

bool api_admin_limit(struct api_admin_req *r, size_t *out_limit)
{
    struct str v;
    *out_limit = API_ADMIN_LIST_DEFAULT;
    if (!api_admin_query(r, "limit", &v)) {
        return true;
    }
    size_t n = 0;
    bool ok = v.len > 0 && v.len <= 7;
    for (size_t i = 0; ok && i < v.len; i++) {
        ok = v.ptr[i] >= '0' && v.ptr[i] <= '9';
        n = (n * 10) + (size_t)(v.ptr[i] - '0');
    }
    if (!ok || n < 1 || n > API_ADMIN_LIST_MAX) {
        api_admin_error(r, 400, "INVALID_ARGUMENT", "limit must be 1..%d", (int)API_ADMIN_LIST_MAX);
        return false;
    }
    *out_limit = n;
    return true;
}

bool api_admin_body_json(struct api_admin_req *r, struct json_value **out)
{
    struct json_limits lim = { .max_depth = API_JSON_MAX_DEPTH,
                               .max_bytes = API_ADMIN_JSON_MAX_BYTES };
    struct json_error je;
    int rc = json_parse(r->arena, r->req->body, &lim, out, &je);
    if (rc != RC_OK) {
        api_admin_error(r, 400, "INVALID_JSON", "malformed JSON body: %s at line %zu column %zu",
                        je.msg, je.line, je.column);
        return false;
    }
    if ((*out)->type != JSON_OBJECT) {
        api_admin_error(r, 400, "INVALID_JSON", "the JSON body must be an object");
        return false;
    }
    return true;
}

void api_admin_write_time(struct json_writer *w, int64_t ms)
{
    char stamp[32];
    clk_fmt_iso8601_ms(ms, stamp);
    json_write_string(w, str_from_cstr(stamp));
}

void api_admin_audit(struct api_admin_req *r, const char *action, struct str target,
                     struct str detail)
{
    struct diag d;
    if (db_audit_append(r->db, STR("admin"), str_from_cstr(action), target, detail, &d) != RC_OK) {
        log_error(&admin_log, "audit entry lost action=%s msg=\"%s\"", action, d.msg);
    }
}

void api_admin_audit_asset(struct api_admin_req *r, const char *action, struct str script,
                           struct str path, const char *sha256)
{
    struct buf b;
    buf_init(&b, 4096);
    struct json_writer w;
    json_writer_init(&w, &b);
    json_write_begin_object(&w);
    json_write_key(&w, STR("path"));
    json_write_string(&w, path);
    if (sha256 != NULL) {
        json_write_key(&w, STR("sha256"));
        json_write_string(&w, str_from_cstr(sha256));
    }
    json_write_end_object(&w);
    api_admin_audit(r, action, script, buf_str(&b));
    buf_fini(&b);
}

void api_admin_list_begin(struct json_writer *w, struct buf *b, size_t max_bytes)
{
    buf_init(b, max_bytes);
    json_writer_init(w, b);
    json_write_begin_object(w);
    json_write_key(w, STR("items"));
    json_write_begin_array(w);
}

void api_admin_list_end(struct api_admin_req *r, struct json_writer *w, struct buf *b,
                        int64_t next_cursor)
{
    json_write_end_array(w);
    json_write_key(w, STR("nextCursor"));
    if (next_cursor > 0) {
        char c[24];
        int cn = snprintf(c, sizeof(c), "%lld", (long long)next_cursor);
        json_write_string(w, str_make(c, (size_t)cn));
    } else {
        json_write_null(w);
    }
    json_write_end_object(w);
    api_admin_json(r, 200, b);
}

/* ------------------------------------------------------------------ token */

bool api_is_loopback(struct str ip)
{
    if (str_starts_with(ip, STR("::ffff:"))) {
        ip = str_sub(ip, 7, ip.len - 7);
    }
    return str_starts_with(ip, STR("127.")) || str_eq(ip, STR("::1"));
}

bool api_admin_token_ok(struct api_engine *e, const struct http_request *req)
{
    const char *want = e->cfg.admin_token_hash;
    struct str auth;
    if (want == NULL || strlen(want) != 64 ||
        !http_request_header(req, STR("authorization"), &auth)) {
        return false;
    }
    /* spec/80-engine-http.md §2: from loopback peers only, unless --admin-remote. */
    if (!e->cfg.admin_remote && !api_is_loopback(req->client_ip)) {
        return false;
    }
    if (auth.len < 8 || !str_eq_nocase(str_sub(auth, 0, 7), STR("Bearer "))) {
        return false;
    }
    struct str token = str_trim(str_sub(auth, 7, auth.len - 7));
    char hex[65];
    db_sha256_hex(token, hex);
    return CRYPTO_memcmp(hex, want, 64) == 0;
}

/* ------------------------------------------------------------------ status */

/* "durability": how commits reach the disk, and the syncer's counters (group mode). */
static void write_durability(struct json_writer *w, struct api_engine *e)
{
    json_write_key(w, STR("durability"));
    json_write_begin_object(w);
    json_write_key(w, STR("mode"));
    json_write_string(w, e->sync != NULL           ? STR("group")
                         : e->cfg.db_opts.no_fsync ? STR("none")
                                                   : STR("each-commit"));
    if (e->sync != NULL) {
        struct db_sync_stats st;
        db_sync_stats(e->sync, &st);
        json_write_key(w, STR("commits"));
        json_write_int(w, (int64_t)st.commits);
        json_write_key(w, STR("durable"));
        json_write_int(w, (int64_t)st.synced);
        json_write_key(w, STR("syncs"));
        json_write_int(w, (int64_t)st.syncs);
        json_write_key(w, STR("syncErrors"));
        json_write_int(w, (int64_t)st.errors);
        json_write_key(w, STR("heldResponses"));
        json_write_int(w, (int64_t)st.waiting);
    }
    json_write_end_object(w);
}

static void write_status(struct api_admin_req *r, struct api_admin *a, bool admin)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    struct json_writer w;
    json_writer_init(&w, &b);
    int64_t t0 = clk_mono_us();
    struct diag d;
    int64_t schema = 0;
    bool db_ok = r->db != NULL && db_schema_version(r->db, &d, &schema) == RC_OK;
    int64_t latency_us = clk_mono_us() - t0;
    json_write_begin_object(&w);
    json_write_key(&w, STR("status"));
    json_write_string(&w, db_ok ? STR("ok") : STR("down"));
    json_write_key(&w, STR("version"));
    json_write_string(&w, str_from_cstr(r->e->cfg.version ? r->e->cfg.version : "dev"));
    if (admin) {
        json_write_key(&w, STR("uptimeSec"));
        json_write_int(&w, (clk_realtime_ms() - a->started_ms) / 1000);
        json_write_key(&w, STR("mode"));
        json_write_string(&w, r->e->cfg.dev ? STR("dev") : STR("production"));
        json_write_key(&w, STR("database"));
        json_write_begin_object(&w);
        json_write_key(&w, STR("backend"));
        json_write_string(&w, STR("sqlite"));
        json_write_key(&w, STR("ok"));
        json_write_bool(&w, db_ok);
        json_write_key(&w, STR("latencyMs"));
        json_write_number(&w, (double)latency_us / 1000.0);
        json_write_key(&w, STR("schemaVersion"));
        json_write_int(&w, schema);
        write_durability(&w, r->e);
        json_write_end_object(&w);
        size_t total = 0;
        size_t failed = 0;
        pthread_mutex_lock(&r->e->deploy_mu);
        total = map_count(r->e->scripts);
        failed = map_count(r->e->load_errors);
        pthread_mutex_unlock(&r->e->deploy_mu);
        json_write_key(&w, STR("scripts"));
        json_write_begin_object(&w);
        json_write_key(&w, STR("total"));
        json_write_int(&w, (int64_t)total);
        json_write_key(&w, STR("failed"));
        json_write_int(&w, (int64_t)failed);
        json_write_end_object(&w);
        json_write_key(&w, STR("routes"));
        json_write_begin_object(&w);
        json_write_key(&w, STR("total"));
        json_write_int(&w, (int64_t)api_engine_route_count(r->e));
        json_write_end_object(&w);
    }
    json_write_end_object(&w);
    api_admin_json(r, db_ok ? 200 : 503, &b);
}

/* ------------------------------------------------------------------ backup */

/* A backup's file name: "kiln-YYYYMMDDTHHMMSS.mmmZ.db" (sorts by time). */
static bool is_backup_name(const char *name)
{
    static const char shape[] = "kiln-99999999T999999.999Z.db"; /* 9: a digit */
    if (strlen(name) != sizeof(shape) - 1) {
        return false;
    }
    for (size_t i = 0; shape[i] != '\0'; i++) {
        bool ok = shape[i] == '9' ? name[i] >= '0' && name[i] <= '9' : name[i] == shape[i];
        if (!ok) {
            return false;
        }
    }
    return true;
}

static int cmp_names_desc(const void *a, const void *b)
{
    return strcmp(*(char *const *)b, *(char *const *)a);
}

/* Remove the oldest backups in dir beyond keep (never `made`, the one just written); writes the
 * removed paths as a JSON array. Files of other names are left alone. */
static void prune_backups(const char *dir, const char *made, size_t keep, struct json_writer *w)
{
    json_write_begin_array(w);
    DIR *dh = keep > 0 ? opendir(dir) : NULL;
    if (dh == NULL) {
        json_write_end_array(w);
        return;
    }
    char **names = NULL;
    size_t n = 0;
    size_t cap = 0;
    /* readdir is safe here: the DIR stream is this thread's alone. */
    struct dirent *de = NULL;
    while ((de = readdir(dh)) != NULL) { /* NOLINT(concurrency-mt-unsafe) */
        if (!is_backup_name(de->d_name)) {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = mem_realloc(names, cap * sizeof(*names));
        }
        names[n++] = mem_strdup(de->d_name);
    }
    (void)closedir(dh);
    if (n > 0) {
        qsort(names, n, sizeof(*names), cmp_names_desc);
    }
    const char *made_name = strrchr(made, '/') + 1;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], made_name) == 0 || kept < keep - 1) {
            kept += strcmp(names[i], made_name) != 0;
        } else {
            char path[4200];
            (void)snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
            if (unlink(path) == 0) {
                json_write_string(w, str_from_cstr(path));
            }
        }
        mem_free(names[i]);
    }
    mem_free(names);
    json_write_end_array(w);
}

/* POST /engine/api/backup: a consistent copy of the store in "<data>/backups/", named by the
 * UTC time; {"path", "bytes", "removed"}: the oldest copies beyond backups_keep are removed. The
 * store is held exclusively while Kiln runs: this is how to copy it without stopping Kiln. */
static void admin_backup(struct api_admin_req *r)
{
    const char *db_path = r->e->cfg.db_path;
    const char *slash = db_path != NULL ? strrchr(db_path, '/') : NULL;
    if (r->db == NULL || slash == NULL) {
        api_admin_error(r, 503, "STORE_UNAVAILABLE", "the store is not available");
        return;
    }
    char dir[4096];
    char path[4200];
    int dn = snprintf(dir, sizeof(dir), "%.*s/backups", (int)(slash - db_path), db_path);
    if (dn < 0 || (size_t)dn >= sizeof(dir) || (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
        api_admin_error(r, 500, "BACKUP_FAILED", "cannot create the backup folder %s", dir);
        return;
    }
    int64_t ms = clk_realtime_ms();
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    char stamp[32];
    if (gmtime_r(&secs, &tm) == NULL || strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm) == 0) {
        api_admin_error(r, 500, "BACKUP_FAILED", "cannot format the time");
        return;
    }
    (void)snprintf(path, sizeof(path), "%s/kiln-%s.%03dZ.db", dir, stamp, (int)(ms % 1000));
    struct diag d;
    diag_clear(&d);
    int rc = db_backup(r->db, path, &d);
    struct stat st;
    if (rc != RC_OK || stat(path, &st) != 0) {
        api_admin_error(r, 500, "BACKUP_FAILED", "%s", rc != RC_OK ? d.msg : "backup file missing");
        return;
    }
    api_admin_audit(r, "store.backup", str_from_cstr(path), STR(""));
    struct buf b;
    buf_init(&b, 8192);
    struct json_writer w;
    json_writer_init(&w, &b);
    json_write_begin_object(&w);
    json_write_key(&w, STR("path"));
    json_write_string(&w, str_from_cstr(path));
    json_write_key(&w, STR("bytes"));
    json_write_int(&w, (int64_t)st.st_size);
    json_write_key(&w, STR("removed"));
    prune_backups(dir, path, r->e->cfg.backups_keep, &w);
    json_write_end_object(&w);
    api_admin_json(r, 201, &b);
}

/* ------------------------------------------------------------------ the admin thread */

static void admin_status(struct api_admin_req *r)
{
    write_status(r, r->e->admin, api_admin_token_ok(r->e, r->req));
}

struct admin_route {
    const char *method;
    const char *pattern;
    api_admin_handler_fn *fn;
};

/* The router's targets point into this table (read-only after start). */
static struct admin_route admin_routes[] = {
    { "GET", "/engine/status", admin_status },
    { "GET", "/engine/api/scripts", api_admin_scripts_list },
    { "GET", "/engine/api/scripts/:uri", api_admin_script_get },
    { "PUT", "/engine/api/scripts/:uri", api_admin_script_put },
    { "DELETE", "/engine/api/scripts/:uri", api_admin_script_delete },
    { "GET", "/engine/api/scripts/:uri/source", api_admin_script_source },
    { "GET", "/engine/api/scripts/:uri/versions", api_admin_script_versions },
    { "GET", "/engine/api/scripts/:uri/assets", api_admin_assets_list },
    { "GET", "/engine/api/scripts/:uri/assets/*", api_admin_asset_get },
    { "PUT", "/engine/api/scripts/:uri/assets/*", api_admin_asset_put },
    { "DELETE", "/engine/api/scripts/:uri/assets/*", api_admin_asset_delete },
    { "GET", "/engine/api/logs", api_admin_logs_query },
    { "GET", "/engine/api/logs/stream", api_admin_logs_stream },
    { "GET", "/engine/api/routes", api_admin_routes },
    { "PUT", "/engine/api/db/grants/:grantee/:target", api_admin_db_grant },
    { "DELETE", "/engine/api/db/grants/:grantee/:target", api_admin_db_revoke },
    { "GET", "/engine/api/db/namespaces/:uri", api_admin_db_namespace },
    { "POST", "/engine/api/backup", admin_backup },
};

static void serve_one(struct api_admin *a, struct admin_job *job)
{
    struct api_admin_req r = {
        .e = a->e,
        .xch = job->xch,
        .req = http_exchange_request(job->xch),
        .arena = http_exchange_arena(job->xch),
    };
    struct diag d;
    diag_clear(&d);
    if (a->db == NULL && a->e->cfg.db_path != NULL &&
        api_engine_db_open(a->e, &a->db, &d) != RC_OK) {
        a->db = NULL;
        log_error(&admin_log, "cannot open the store msg=\"%s\"", d.msg);
    }
    r.db = a->db;
    if (job->asset) {
        if (r.db == NULL) {
            api_admin_error(&r, 503, "STORE_UNAVAILABLE", "the store is not available");
        } else {
            api_assets_serve_miss(&r, job->script, job->asset_path, job->cache_control);
        }
        return;
    }
    http_router_match(a->router, r.req->method, r.req->raw_path, r.arena, &r.match);
    if (r.match.kind == HTTP_MATCH_NOT_FOUND) {
        api_admin_error(&r, 404, "NOT_FOUND", "no such engine endpoint");
        return;
    }
    if (r.match.kind == HTTP_MATCH_NO_METHOD) {
        struct http_header allow = { .name = STR("Allow"),
                                     .value = arena_strdup(r.arena, r.match.allow) };
        http_exchange_respond_error(r.xch, 405, "METHOD_NOT_ALLOWED", STR("Method not allowed"),
                                    STR(""), &allow, 1);
        return;
    }
    api_admin_handler_fn *fn = ((const struct admin_route *)r.match.target)->fn;
    bool api = str_starts_with(r.req->raw_path, STR("/engine/api/"));
    if (api && !api_admin_token_ok(a->e, r.req)) {
        struct http_header www = { .name = STR("WWW-Authenticate"), .value = STR("Bearer") };
        http_exchange_respond_error(r.xch, 401, "UNAUTHORIZED",
                                    STR("this endpoint needs the admin token"
                                        " (Authorization: Bearer <token>), from a loopback"
                                        " address unless Kiln runs with --admin-remote"),
                                    STR(""), &www, 1);
        return;
    }
    if (r.db == NULL && fn != admin_status) {
        api_admin_error(&r, 503, "STORE_UNAVAILABLE", "the store is not available");
        return;
    }
    fn(&r);
}

static void admin_main(void *arg)
{
    struct api_admin *a = arg;
    defs_thread_name("admin", -1);
    for (;;) {
        pthread_mutex_lock(&a->mu);
        while (a->head == NULL && !a->stopping) {
            pthread_cond_wait(&a->cv, &a->mu);
        }
        struct admin_job *job = a->head;
        bool stopping = a->stopping;
        a->head = NULL;
        a->tail = NULL;
        pthread_mutex_unlock(&a->mu);
        while (job != NULL) {
            struct admin_job *next = job->next;
            if (stopping) {
                http_exchange_respond_error(job->xch, 503, "SERVER_BUSY",
                                            STR("Server is shutting down"), STR(""), NULL, 0);
            } else {
                serve_one(a, job);
            }
            mem_free(job);
            job = next;
        }
        if (stopping) {
            break;
        }
    }
    db_close(a->db);
    a->db = NULL;
}

static void admin_post(struct api_admin *a, struct admin_job *job)
{
    pthread_mutex_lock(&a->mu);
    if (a->tail) {
        a->tail->next = job;
    } else {
        a->head = job;
    }
    a->tail = job;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

void api_admin_post_asset(struct api_engine *e, struct http_exchange *xch, struct str script,
                          struct str path, struct str cache_control)
{
    struct admin_job *job = mem_calloc(1, sizeof(*job));
    job->xch = xch;
    job->asset = true;
    job->script = script;
    job->asset_path = path;
    job->cache_control = cache_control;
    admin_post(e->admin, job);
}

int api_admin_start(struct api_engine *e, struct diag *d)
{
    struct api_admin *a = mem_calloc(1, sizeof(*a));
    a->e = e;
    a->started_ms = clk_realtime_ms();
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    a->router = http_router_new();
    for (size_t i = 0; i < ARRAY_LEN(admin_routes); i++) {
        int rc = http_router_add(a->router, str_from_cstr(admin_routes[i].method),
                                 str_from_cstr(admin_routes[i].pattern), &admin_routes[i], d);
        ASSERT(rc == RC_OK);
    }
    e->admin = a;
    int rc = uv_thread_create(&a->thread, admin_main, a);
    if (rc != 0) {
        return diag_set(d, RC_IO, "admin thread: %s", uv_strerror(rc));
    }
    a->started = true;
    return RC_OK;
}

void api_admin_stop(struct api_engine *e)
{
    struct api_admin *a = e->admin;
    if (a == NULL) {
        return;
    }
    if (a->started) {
        pthread_mutex_lock(&a->mu);
        a->stopping = true;
        pthread_cond_signal(&a->cv);
        pthread_mutex_unlock(&a->mu);
        uv_thread_join(&a->thread);
    }
    http_router_free(a->router);
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    mem_free(a);
    e->admin = NULL;
}

/* ------------------------------------------------------------------ front door */

bool api_admin_dispatch(struct api_engine *e, struct http_exchange *xch)
{
    const struct http_request *req = http_exchange_request(xch);
    struct str p = req->raw_path;
    if (str_eq(p, STR("/health"))) {
        if (!str_eq(req->method, STR("GET")) && !str_eq(req->method, STR("HEAD"))) {
            struct http_header allow = { .name = STR("Allow"), .value = STR("GET, HEAD") };
            http_exchange_respond_error(xch, 405, "METHOD_NOT_ALLOWED", STR("Method not allowed"),
                                        STR(""), &allow, 1);
            return true;
        }
        http_exchange_respond(xch, 200, &json_ct, 1, STR("{\"status\":\"ok\"}"));
        return true;
    }
    if (!str_starts_with(p, STR("/engine/")) || e->admin == NULL) {
        return false;
    }
    struct admin_job *job = mem_calloc(1, sizeof(*job));
    job->xch = xch;
    admin_post(e->admin, job);
    return true;
}

static const char welcome_html[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<title>Kiln</title><style>body{font-family:system-ui,sans-serif;max-width:40rem;"
    "margin:4rem auto;padding:0 1rem;line-height:1.5;color:#222}h1{font-size:2rem}"
    "code{background:#f3f3f3;padding:0 .2rem}</style></head><body>\n"
    "<h1>Kiln is running</h1>\n"
    "<p>Kiln is a server-side JavaScript application engine: deploy scripts that register HTTP "
    "routes, streams and more, and use the storage, assets and logs Kiln gives them.</p>\n"
    "<p>No script serves <code>/</code> yet. Register a route on <code>/</code> to replace this "
    "page.</p>\n<ul>\n"
    "<li><a href=\"/engine/status\">Engine status</a></li>\n"
    "<li><a href=\"/engine/docs\">Documentation</a></li>\n"
    "<li><a href=\"/engine/editor\">Editor</a></li>\n"
    "</ul>\n</body></html>\n";

void api_admin_welcome(struct http_exchange *xch)
{
    struct http_header h[] = {
        { .name = STR("Content-Type"), .value = STR("text/html; charset=utf-8") },
        { .name = STR("Cache-Control"), .value = STR("no-cache") },
    };
    http_exchange_respond(xch, 200, h, ARRAY_LEN(h),
                          (struct str){ .ptr = welcome_html, .len = sizeof(welcome_html) - 1 });
}
