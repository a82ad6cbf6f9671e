/* SPDX-License-Identifier: MIT */
/*
 * The engine: script versions, deploys (register run + atomic swap of the route snapshot),
 * removal, and the dispatch function that I/O threads call for every request.
 * Publication: the current snapshot pointer is swapped under snap_mu; a dispatcher takes a
 * reference under the same tiny lock (two instructions) and matches without any lock, so I/O
 * threads never wait for a deploy. In-flight requests keep their snapshot (and versions).
 * Thread contract: see api.h.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api_admin.h"
#include "base/buf.h"
#include "base/clk.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rc.h"
#include "base/url.h"
#include "db/db_cache.h"

static const struct log_ctx api_log_ctx = { .mod = "api" };

/* ------------------------------------------------------------------ versions */

struct api_version *api_version_new(struct str uri, struct str source, uint64_t version)
{
    struct api_version *v = mem_calloc(1, sizeof(*v));
    atomic_init(&v->refs, 1);
    v->arena = arena_new(source.len + uri.len + 4096);
    v->uri = arena_strdup(v->arena, uri);
    v->source = arena_strdup(v->arena, source);
    v->version = version;
    return v;
}

void api_version_ref(struct api_version *v)
{
    atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
}

void api_version_unref(struct api_version *v)
{
    if (v == NULL) {
        return;
    }
    if (atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) != 1) {
        return;
    }
    mem_free(v->routes);
    arena_free(v->arena);
    mem_free(v);
}

struct api_route *api_version_find_route(const struct api_version *v, struct str key)
{
    for (size_t i = 0; i < v->route_count; i++) {
        if (str_eq(v->routes[i]->key, key)) {
            return v->routes[i];
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ snapshots */

void api_snapshot_unref(struct api_snapshot *s)
{
    if (s == NULL) {
        return;
    }
    if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) {
        return;
    }
    http_router_free(s->router);
    for (size_t i = 0; i < s->version_count; i++) {
        api_version_unref(s->versions[i]);
    }
    mem_free(s->versions);
    mem_free(s);
}

struct api_snapshot *api_engine_snapshot(struct api_engine *e)
{
    pthread_mutex_lock(&e->snap_mu);
    struct api_snapshot *s = e->snap;
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&e->snap_mu);
    return s;
}

static int cmp_versions(const void *a, const void *b)
{
    const struct api_version *x = *(struct api_version *const *)a;
    const struct api_version *y = *(struct api_version *const *)b;
    return str_cmp(x->uri, y->uri);
}

/* Add the routes of v to the snapshot's router. */
static void add_routes(struct api_snapshot *s, const struct api_version *v)
{
    for (size_t j = 0; j < v->route_count; j++) {
        struct api_route *r = v->routes[j];
        struct diag d;
        if (http_router_add(s->router, r->method, r->pattern, r, &d) == RC_OK) {
            s->route_count++;
            s->any_body_limit |= r->body_limit >= 0;
            continue;
        }
        log_warn(&api_log_ctx, "route not published script=%.*s route=\"%.*s\" reason=\"%s\"",
                 STR_FMT(v->uri), STR_FMT(r->key), d.msg);
    }
}

/* Build a snapshot of every active script (in byte order of URI) and publish it. Deploy lock
 * held. */
static void publish(struct api_engine *e)
{
    struct api_snapshot *s = mem_calloc(1, sizeof(*s));
    atomic_init(&s->refs, 1);
    s->router = http_router_new();
    size_t n = map_count(e->scripts);
    s->versions = mem_calloc(n ? n : 1, sizeof(struct api_version *));
    size_t it = 0;
    struct str key;
    void *val;
    while (map_next(e->scripts, &it, &key, &val)) {
        s->versions[s->version_count++] = val;
        api_version_ref(val);
    }
    if (s->version_count > 1) {
        qsort(s->versions, s->version_count, sizeof(struct api_version *), cmp_versions);
    }
    for (size_t i = 0; i < s->version_count; i++) {
        add_routes(s, s->versions[i]);
    }
    api_realtime_sync(e, s);
    pthread_mutex_lock(&e->snap_mu);
    struct api_snapshot *old = e->snap;
    e->snap = s;
    pthread_mutex_unlock(&e->snap_mu);
    atomic_fetch_add_explicit(&e->publish_gen, 1, memory_order_release);
    api_snapshot_unref(old);
}

size_t api_engine_route_count(struct api_engine *e)
{
    struct api_snapshot *s = api_engine_snapshot(e);
    size_t n = s->route_count;
    api_snapshot_unref(s);
    return n;
}

/* Patterns that match the same paths: ":name" segments compare equal whatever the name. */
static bool same_shape(struct str a, struct str b)
{
    size_t i = 0;
    size_t j = 0;
    while (i < a.len && j < b.len) {
        if (a.ptr[i] == ':' && b.ptr[j] == ':' && (i == 0 || a.ptr[i - 1] == '/') &&
            (j == 0 || b.ptr[j - 1] == '/')) {
            while (i < a.len && a.ptr[i] != '/') {
                i++;
            }
            while (j < b.len && b.ptr[j] != '/') {
                j++;
            }
            continue;
        }
        if (a.ptr[i] != b.ptr[j]) {
            return false;
        }
        i++;
        j++;
    }
    return i == a.len && j == b.len;
}

struct str api_engine_route_owner(struct api_engine *e, struct str skip_uri, struct str method,
                                  struct str pattern)
{
    size_t it = 0;
    struct str key;
    void *val;
    while (map_next(e->scripts, &it, &key, &val)) {
        struct api_version *v = val;
        if (str_eq(v->uri, skip_uri)) {
            continue;
        }
        for (size_t j = 0; j < v->route_count; j++) {
            if (str_eq(v->routes[j]->method, method) &&
                same_shape(v->routes[j]->pattern, pattern)) {
                return v->uri;
            }
        }
    }
    return STR_NULL;
}

/* ------------------------------------------------------------------ start / stop */

int api_engine_start(const struct api_config *cfg, struct api_engine **out, struct diag *d)
{
    *out = NULL;
    struct api_engine *e = mem_calloc(1, sizeof(*e));
    e->cfg = *cfg;
    if (e->cfg.js_threads == 0) {
        e->cfg.js_threads = 1;
    }
    if (e->cfg.exec_timeout_ms <= 0) {
        e->cfg.exec_timeout_ms = API_DEFAULT_EXEC_TIMEOUT_MS;
    }
    if (e->cfg.init_timeout_ms <= 0) {
        e->cfg.init_timeout_ms = API_DEFAULT_INIT_TIMEOUT_MS;
    }
    if (e->cfg.heap_limit_bytes == 0) {
        e->cfg.heap_limit_bytes = API_DEFAULT_HEAP_LIMIT;
    }
    pthread_mutex_init(&e->deploy_mu, NULL);
    pthread_mutex_init(&e->snap_mu, NULL);
    e->scripts = map_new();
    e->deploy_rt = js_runtime_new(e->cfg.init_timeout_ms);
    api_names_init(&e->deploy_names);
    e->log_sink = api_log_sink_logfmt;
    e->rt = api_realtime_new(e);
    atomic_init(&e->next_exec, 0);
    atomic_init(&e->version_seq, 0);
    atomic_init(&e->publish_gen, 0);
    e->load_errors = map_new();
    if (e->cfg.asset_max_bytes == 0) {
        e->cfg.asset_max_bytes = (size_t)10 * 1024 * 1024;
    }
    struct db_cache_options copts = { .ns_max_bytes = e->cfg.cache_ns_max_bytes,
                                      .ns_max_entries = e->cfg.cache_ns_max_entries };
    api_data_cache_configure(&copts);
    publish(e);
    if (e->cfg.db_path != NULL) {
        int rc = api_logs_start(e, d);
        if (rc != RC_OK) {
            api_engine_stop(e);
            return rc;
        }
        e->log_sink = api_logs_sink;
        e->log_arg = e;
    }
    int drc = api_durable_start(e, d);
    if (drc != RC_OK) {
        api_engine_stop(e);
        return drc;
    }
    int arc = api_admin_start(e, d);
    if (arc != RC_OK) {
        api_engine_stop(e);
        return arc;
    }
    e->execs = mem_calloc(e->cfg.js_threads, sizeof(*e->execs));
    for (size_t i = 0; i < e->cfg.js_threads; i++) {
        int rc = api_exec_start(e, &e->execs[i], i, d);
        if (rc != RC_OK) {
            e->exec_count = i;
            api_engine_stop(e);
            return rc;
        }
        e->exec_count = i + 1;
    }
    *out = e;
    return RC_OK;
}

void api_engine_stop(struct api_engine *e)
{
    if (e == NULL) {
        return;
    }
    api_watch_stop(e);
    api_admin_stop(e);
    for (size_t i = 0; i < e->exec_count; i++) {
        api_exec_stop(&e->execs[i]);
    }
    mem_free(e->execs);
    api_durable_stop(e); /* after the executors: no commit is noted any more */
    pthread_mutex_lock(&e->snap_mu);
    struct api_snapshot *s = e->snap;
    e->snap = NULL;
    pthread_mutex_unlock(&e->snap_mu);
    api_snapshot_unref(s);
    size_t it = 0;
    struct str key;
    void *val;
    while (map_next(e->scripts, &it, &key, &val)) {
        api_version_unref(val);
    }
    map_free(e->scripts);
    api_realtime_free(e->rt);
    it = 0;
    while (map_next(e->load_errors, &it, &key, &val)) {
        mem_free(val);
    }
    map_free(e->load_errors);
    api_logs_stop(e);
    api_assets_cache_free(e);
    api_names_fini(&e->deploy_names);
    js_runtime_free(e->deploy_rt);
    while (e->deploy_db != NULL && db_tx_depth(e->deploy_db) > 0) {
        IGNORE_RC(db_tx_rollback(e->deploy_db, NULL)); /* closing: nothing to report to */
    }
    VEC_FREE(&e->deploy_tx.ops);
    db_close(e->deploy_db);
    api_data_cache_reset();
    pthread_mutex_destroy(&e->deploy_mu);
    pthread_mutex_destroy(&e->snap_mu);
    mem_free(e);
}

/* ------------------------------------------------------------------ deploy / remove */

int api_check_uri(struct str uri, struct diag *d)
{
    if (uri.len == 0 || uri.len > 255) {
        return diag_set(d, RC_INVAL, "script URI must be 1-255 characters, got %zu", uri.len);
    }
    for (size_t i = 0; i < uri.len; i++) {
        unsigned char ch = (unsigned char)uri.ptr[i];
        if (ch <= 0x20 || ch >= 0x7f) {
            return diag_set(d, RC_INVAL, "script URI has a character outside printable ASCII");
        }
    }
    if (str_find(uri, STR("..")) >= 0) {
        return diag_set(d, RC_INVAL, "script URI must not contain \"..\"");
    }
    if (str_ends_with(uri, STR(".ts")) || str_ends_with(uri, STR(".tsx")) ||
        str_ends_with(uri, STR(".jsx"))) {
        return diag_set(d, RC_INVAL, "%.*s: unsupported-language (JavaScript only)", STR_FMT(uri));
    }
    return RC_OK;
}

/* Record (msg) or forget (NULL) the load error of uri. Deploy lock held. */
static void set_load_error(struct api_engine *e, struct str uri, const char *msg)
{
    mem_free(map_remove(e->load_errors, uri));
    if (msg != NULL) {
        map_set(e->load_errors, uri, mem_strndup(str_from_cstr(msg)), NULL);
    }
}

struct str api_engine_load_error(struct api_engine *e, struct str uri, struct arena *a)
{
    pthread_mutex_lock(&e->deploy_mu);
    const char *msg = map_find(e->load_errors, uri);
    struct str out = msg ? arena_strdup(a, str_from_cstr(msg)) : STR_NULL;
    pthread_mutex_unlock(&e->deploy_mu);
    return out;
}

bool api_engine_is_active(struct api_engine *e, struct str uri)
{
    pthread_mutex_lock(&e->deploy_mu);
    bool active = map_find(e->scripts, uri) != NULL;
    pthread_mutex_unlock(&e->deploy_mu);
    return active;
}

void api_engine_load_store(struct api_engine *e, bool skip_folder)
{
    api_scripts_load_store(e, skip_folder);
}

int api_engine_deploy(struct api_engine *e, struct str uri, struct str source, struct diag *d)
{
    int rc = api_check_uri(uri, d);
    if (rc != RC_OK) {
        return rc;
    }
    if (source.len > API_MAX_SOURCE_BYTES) {
        return diag_set(d, RC_LIMIT, "%.*s: source is %zu bytes, limit %zu", STR_FMT(uri),
                        source.len, API_MAX_SOURCE_BYTES);
    }
    pthread_mutex_lock(&e->deploy_mu);
    uint64_t seq = atomic_fetch_add(&e->version_seq, 1) + 1;
    struct api_version *ver = api_version_new(uri, source, seq);
    struct api_ctx *c = NULL;
    rc = api_ctx_open(e, NULL, e->deploy_rt, &e->deploy_names, ver, API_PHASE_REGISTER, &c, d);
    api_ctx_close(c);
    if (rc != RC_OK) {
        set_load_error(e, uri, d ? d->msg : "script load failed");
        pthread_mutex_unlock(&e->deploy_mu);
        struct api_log_entry le = {
            .level = LOG_ERROR,
            .ts_ms = clk_realtime_ms(),
            .script = uri,
            .message = str_from_cstr(d ? d->msg : "script load failed"),
        };
        api_log(e, &le);
        log_error(&api_log_ctx, "script load failed script=%.*s error=\"%s\"", STR_FMT(uri),
                  d ? d->msg : "");
        api_version_unref(ver);
        return rc;
    }
    void *old = NULL;
    map_set(e->scripts, ver->uri, ver, &old);
    set_load_error(e, uri, NULL);
    publish(e);
    pthread_mutex_unlock(&e->deploy_mu);
    api_version_unref(old);
    log_info(&api_log_ctx, "script deployed script=%.*s version=%llu routes=%zu", STR_FMT(uri),
             (unsigned long long)seq, ver->route_count);
    return RC_OK;
}

void api_engine_attach_server(struct api_engine *e, struct http_server *s)
{
    pthread_mutex_lock(&e->deploy_mu);
    api_realtime_attach(e->rt, s);
    publish(e);
    pthread_mutex_unlock(&e->deploy_mu);
}

void api_engine_remove(struct api_engine *e, struct str uri)
{
    pthread_mutex_lock(&e->deploy_mu);
    struct api_version *old = map_remove(e->scripts, uri);
    set_load_error(e, uri, NULL);
    if (old != NULL) {
        publish(e);
    }
    pthread_mutex_unlock(&e->deploy_mu);
    if (old != NULL) {
        log_info(&api_log_ctx, "script removed script=%.*s", STR_FMT(uri));
        api_version_unref(old);
    }
}

void api_engine_set_log_sink(struct api_engine *e, api_log_sink_fn *sink, void *arg)
{
    e->log_sink = sink ? sink : api_log_sink_logfmt;
    e->log_arg = sink ? arg : NULL;
}

void api_log(struct api_engine *e, const struct api_log_entry *entry)
{
    if (e == NULL) {
        api_log_sink_logfmt(NULL, entry);
        return;
    }
    e->log_sink(e->log_arg, entry);
}

/* ------------------------------------------------------------------ dispatch */

/* The route layer before the handler (spec/10-http.md §8): auth, then the route's body limit.
 * False when it answered the request itself. Until users exist every caller is anonymous. */
static bool route_admits(const struct api_route *r, struct http_exchange *xch, struct arena *a)
{
    const struct http_request *req = http_exchange_request(xch);
    if (r->auth == API_AUTH_REDIRECT &&
        (str_eq(req->method, STR("GET")) || str_eq(req->method, STR("HEAD")))) {
        struct buf b;
        buf_init(&b, 8192);
        bool ok = buf_try_append_cstr(&b, "/auth/login?redirect=") == RC_OK &&
                  url_percent_encode(req->raw_path, URL_SET_COMPONENT, &b) == RC_OK;
        if (ok && req->query.len) {
            ok = url_percent_encode(STR("?"), URL_SET_COMPONENT, &b) == RC_OK &&
                 url_percent_encode(req->query, URL_SET_COMPONENT, &b) == RC_OK;
        }
        struct http_header loc = { .name = STR("Location"),
                                   .value =
                                       arena_strdup(a, ok ? buf_str(&b) : STR("/auth/login")) };
        buf_fini(&b);
        http_exchange_respond(xch, 302, &loc, 1, STR(""));
        return false;
    }
    if (r->auth != API_AUTH_OPTIONAL) {
        http_exchange_respond_error(xch, 401, "AUTH_REQUIRED", STR("Authentication required"),
                                    STR(""), NULL, 0);
        return false;
    }
    if (r->body_limit >= 0 && req->body.len > (size_t)r->body_limit) {
        http_exchange_respond_error(xch, 413, "PAYLOAD_TOO_LARGE",
                                    STR("request body is larger than this route's bodyLimit"),
                                    STR(""), NULL, 0);
        return false;
    }
    return true;
}

int64_t api_engine_body_limit(const struct http_request *head, struct arena *a, void *arg)
{
    struct api_engine *e = arg;
    struct api_snapshot *s = api_engine_snapshot(e);
    struct http_match m = { .kind = HTTP_MATCH_NOT_FOUND };
    if (s->any_body_limit) { /* no route match on the head of every POST otherwise */
        http_router_match(s->router, head->method, head->raw_path, a, &m);
    }
    int64_t limit = -1;
    if (m.kind == HTTP_MATCH_FOUND) {
        const struct api_route *r = m.target;
        limit = r->kind == API_ROUTE_HTTP ? r->body_limit : -1;
    }
    api_snapshot_unref(s);
    return limit;
}

void api_engine_dispatch(struct http_exchange *xch, void *arg)
{
    struct api_engine *e = arg;
    const struct http_request *req = http_exchange_request(xch);
    if (req->raw_path.len > 1 && (req->raw_path.ptr[1] == 'e' || req->raw_path.ptr[1] == 'h') &&
        api_admin_dispatch(e, xch)) {
        return;
    }
    struct arena *a = http_exchange_arena(xch);
    struct api_snapshot *s = api_engine_snapshot(e);
    struct api_job *job = arena_alloc(a, sizeof(*job));
    job->xch = xch;
    job->snap = s;
    http_router_match(s->router, req->method, req->raw_path, a, &job->match);
    switch (job->match.kind) {
    case HTTP_MATCH_FOUND:
        job->route = job->match.target;
        if (job->route->asset.len) {
            api_assets_serve(e, xch, job->route, s); /* takes the snapshot reference */
            return;
        }
        job->kind = API_JOB_HTTP;
        job->sock = NULL;
        job->msg = NULL;
        if (job->route->kind != API_ROUTE_HTTP) {
            api_realtime_dispatch(e, job);
            return;
        }
        if (!route_admits(job->route, xch, a)) {
            api_snapshot_unref(s);
            return;
        }
        size_t i = atomic_fetch_add_explicit(&e->next_exec, 1, memory_order_relaxed);
        api_exec_post(&e->execs[i % e->exec_count], job);
        return;
    case HTTP_MATCH_NO_METHOD: {
        struct http_header allow = { .name = STR("Allow"), .value = job->match.allow };
        allow.value = arena_strdup(a, allow.value);
        api_snapshot_unref(s);
        if (str_eq(req->method, STR("OPTIONS"))) {
            http_exchange_respond(xch, 204, &allow, 1, STR(""));
            return;
        }
        http_exchange_respond_error(xch, 405, "METHOD_NOT_ALLOWED", STR("Method not allowed"),
                                    STR(""), &allow, 1);
        return;
    }
    case HTTP_MATCH_NOT_FOUND:
    default:
        api_snapshot_unref(s);
        if (str_eq(req->raw_path, STR("/")) &&
            (str_eq(req->method, STR("GET")) || str_eq(req->method, STR("HEAD")))) {
            api_admin_welcome(xch); /* no script serves "/" */
            return;
        }
        http_exchange_respond_error(xch, 404, "NOT_FOUND", STR("Not found"), STR(""), NULL, 0);
        return;
    }
}
