/* SPDX-License-Identifier: MIT */
/*
 * The JS side of spec/20-realtime.md §1-§2: routeRegistry.registerStreamRoute,
 * sendStreamMessage(Filtered), streamInfo and registerWebSocketRoute, on top of the SSE and
 * WebSocket hubs of http/: registration, publication, connect dispatch, the invocations of
 * the callbacks and their ends. The socket object, its state and sendWebSocketMessage /
 * closeWebSockets are api_websocket.c.
 *
 * Registrations are routes of kind STREAM / WS (api_routes.c): collected by the register run,
 * published in the snapshot's router like any route. Publication (api_realtime_sync) gives each
 * pattern one hub object (an http_sse_stream or http_ws_route) for the life of the engine: a
 * redeploy that keeps the pattern reconfigures it and its connections survive; a pattern no
 * script registers any more has its connections ended. A request matched to a stream connects
 * on its I/O loop (criteria from the query string and the path parameters), or, with
 * onConnect, after that callback ran on an executor. A WebSocket socket has one executor for
 * its whole life (chosen round-robin at the upgrade): onOpen, every onMessage and onClose run
 * there, in order, each as its own invocation; socket.data is kept in C as JSON.
 * Thread contract: registration natives on the context's thread; sync and attach under the
 * deploy lock; dispatch on I/O loops; sends from any thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"
#include "base/buf.h"
#include "base/clk.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rc.h"

#define RT_MAX_NAME_BYTES 1024

static const struct log_ctx rt_log = { .mod = "api" };

struct api_realtime {
    struct api_engine *e;
    pthread_mutex_t mu; /* entries, their active flags and owners */
    struct http_server *srv;
    struct http_sse_hub *sse;
    struct http_ws_hub *ws;
    struct api_rt_entry *entries;
};

/* ------------------------------------------------------------------ registry */

struct api_realtime *api_realtime_new(struct api_engine *e)
{
    struct api_realtime *rt = mem_calloc(1, sizeof(*rt));
    rt->e = e;
    pthread_mutex_init(&rt->mu, NULL);
    return rt;
}

void api_realtime_free(struct api_realtime *rt)
{
    if (rt == NULL) {
        return;
    }
    struct api_rt_entry *next = NULL;
    for (struct api_rt_entry *en = rt->entries; en != NULL; en = next) {
        next = en->next;
        mem_free(en->pattern);
        mem_free(en);
    }
    http_sse_hub_free(rt->sse);
    http_ws_hub_free(rt->ws);
    pthread_mutex_destroy(&rt->mu);
    mem_free(rt);
}

void api_realtime_attach(struct api_realtime *rt, struct http_server *s)
{
    if (rt->srv != NULL) {
        return;
    }
    rt->srv = s;
    rt->sse = http_sse_hub_new(s, 0);
    rt->ws = http_ws_hub_new(s, 0);
}

/* The entry of kind at pattern, or NULL. Under rt->mu. */
static struct api_rt_entry *entry_find(struct api_realtime *rt, enum api_route_kind kind,
                                       struct str pattern)
{
    for (struct api_rt_entry *en = rt->entries; en != NULL; en = en->next) {
        if (en->kind == kind && str_eq(str_make(en->pattern, en->pattern_len), pattern)) {
            return en;
        }
    }
    return NULL;
}

static http_sse_disconnect_fn on_stream_disconnect;

static void sse_config_of(const struct api_rt_opts *o, struct api_rt_entry *en,
                          struct http_sse_config *out)
{
    memset(out, 0, sizeof(*out));
    out->replay = o->replay;
    out->heartbeat_ms = o->heartbeat_ms;
    out->max_connections = o->max_connections;
    out->on_disconnect = on_stream_disconnect;
    out->arg = en;
}

static void ws_config_of(const struct api_rt_opts *o, struct api_rt_entry *en,
                         struct http_ws_config *out)
{
    memset(out, 0, sizeof(*out));
    out->max_message_bytes = o->max_message_bytes;
    out->max_connections = o->max_connections;
    out->origins = o->origins;
    out->origin_count = o->origin_count;
    out->protocols = o->protocols;
    out->protocol_count = o->protocol_count;
    out->idle_timeout_ms = o->idle_timeout_ms;
    out->max_messages_per_sec = o->max_messages_per_sec;
    out->on_open = api_ws_on_open;
    out->on_message = api_ws_on_message;
    out->on_close = api_ws_on_close;
    out->arg = en;
}

/* Create the hub object of r's pattern. NULL (logged) when the hub refuses it. */
static struct api_rt_entry *entry_new(struct api_realtime *rt, const struct api_route *r)
{
    struct api_rt_entry *en = mem_calloc(1, sizeof(*en));
    en->rt = rt;
    en->e = rt->e;
    en->kind = r->kind;
    en->pattern = mem_strndup(r->pattern);
    en->pattern_len = r->pattern.len;
    struct diag d;
    int rc;
    if (r->kind == API_ROUTE_STREAM) {
        struct http_sse_config cfg;
        sse_config_of(r->rt, en, &cfg);
        rc = http_sse_register(rt->sse, r->pattern, &cfg, &en->ss, &d);
    } else {
        struct http_ws_config cfg;
        ws_config_of(r->rt, en, &cfg);
        rc = http_ws_register(rt->ws, r->pattern, &cfg, &en->wr, &d);
    }
    if (rc != RC_OK) {
        log_warn(&rt_log, "realtime route not published script=%.*s route=\"%.*s\" reason=\"%s\"",
                 STR_FMT(r->ver->uri), STR_FMT(r->key), d.msg);
        mem_free(en->pattern);
        mem_free(en);
        return NULL;
    }
    en->next = rt->entries;
    rt->entries = en;
    return en;
}

static void stream_configure(struct api_rt_entry *en, const struct api_route *r)
{
    struct http_sse_config cfg;
    sse_config_of(r->rt, en, &cfg);
    struct diag d;
    int rc = http_sse_configure(en->ss, &cfg, &d);
    if (rc != RC_OK) {
        log_warn(&rt_log, "stream not reconfigured route=\"%.*s\" reason=\"%s\"", STR_FMT(r->key),
                 d.msg);
    }
}

static void entry_configure(struct api_rt_entry *en, const struct api_route *r)
{
    if (en->kind == API_ROUTE_STREAM) {
        stream_configure(en, r);
        return;
    }
    struct http_ws_config cfg;
    ws_config_of(r->rt, en, &cfg);
    http_ws_configure(en->wr, &cfg);
}

/* End what a pattern no script registers any more has open. */
static void entry_retire(struct api_rt_entry *en)
{
    log_info(&rt_log, "realtime route removed, closing its connections route=\"%.*s\"",
             (int)en->pattern_len, en->pattern);
    if (en->kind == API_ROUTE_STREAM) {
        http_sse_close_all(en->ss);
        return;
    }
    struct diag d;
    IGNORE_RC(http_ws_close_route(en->wr, STR_NULL, STR_NULL, 1001, STR("route removed"), &d));
}

void api_realtime_sync(struct api_engine *e, struct api_snapshot *s)
{
    struct api_realtime *rt = e->rt;
    if (rt == NULL || rt->srv == NULL) {
        return;
    }
    pthread_mutex_lock(&rt->mu);
    for (struct api_rt_entry *en = rt->entries; en != NULL; en = en->next) {
        en->seen = false;
    }
    for (size_t i = 0; i < s->version_count; i++) {
        struct api_version *v = s->versions[i];
        for (size_t j = 0; j < v->route_count; j++) {
            struct api_route *r = v->routes[j];
            if (r->kind == API_ROUTE_HTTP) {
                continue;
            }
            struct api_rt_entry *en = entry_find(rt, r->kind, r->pattern);
            if (en == NULL) {
                en = entry_new(rt, r);
            } else {
                entry_configure(en, r);
            }
            if (en == NULL) {
                continue;
            }
            en->seen = true;
            size_t n = v->uri.len < API_RT_OWNER_MAX ? v->uri.len : API_RT_OWNER_MAX;
            memcpy(en->owner, v->uri.ptr, n);
            en->owner_len = n;
            atomic_store(&r->rt_entry, en);
        }
    }
    for (struct api_rt_entry *en = rt->entries; en != NULL; en = en->next) {
        if (en->active && !en->seen) {
            entry_retire(en);
        }
        en->active = en->seen;
    }
    pthread_mutex_unlock(&rt->mu);
}

/* The active entry of kind at path, or NULL. Any thread. */
struct api_rt_entry *api_realtime_entry_active(struct api_realtime *rt, enum api_route_kind kind,
                                               struct str path)
{
    pthread_mutex_lock(&rt->mu);
    struct api_rt_entry *en = entry_find(rt, kind, path);
    if (en != NULL && !en->active) {
        en = NULL;
    }
    pthread_mutex_unlock(&rt->mu);
    return en;
}

/* ------------------------------------------------------------------ jobs */

struct str api_realtime_job_id(const struct api_job *job)
{
    if (job->kind == API_JOB_STREAM_CLOSE) {
        return str_make(job->msg, job->msg_len); /* the connection id */
    }
    return job->sock != NULL ? api_ws_sock_id(job->sock) : STR("");
}

void api_realtime_job_free(struct api_job *job)
{
    if (job == NULL) {
        return;
    }
    api_snapshot_unref(job->snap);
    api_ws_sock_unref(job->sock);
    mem_free(job->msg);
    mem_free(job);
}

void api_realtime_job_cancel(struct api_job *job)
{
    if (job->xch == NULL) {
        api_ws_sock_drain(job->sock); /* the executor stopped: drop what waits too */
        api_realtime_job_free(job);
        return;
    }
    api_ws_sock_unref(job->sock);
    job->sock = NULL;
}

/* End an event invocation (message or close) and let the socket's next callback run. */
static void event_end(struct api_inv *inv)
{
    struct api_ws_sock *sock = inv->job != NULL ? inv->job->sock : NULL;
    if (sock != NULL) {
        api_ws_sock_ref(sock);
    }
    api_inv_end(inv);
    if (sock != NULL) {
        api_ws_sock_next(sock);
        api_ws_sock_unref(sock);
    }
}

/* The route of snapshot s that serves en now, or NULL (its script is gone). */
const struct api_route *api_realtime_route_of(const struct api_snapshot *s,
                                              const struct api_rt_entry *en)
{
    for (size_t i = 0; i < s->version_count; i++) {
        const struct api_version *v = s->versions[i];
        for (size_t j = 0; j < v->route_count; j++) {
            const struct api_route *r = v->routes[j];
            if (r->kind == en->kind && atomic_load(&r->rt_entry) == en) {
                return r;
            }
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ dispatch */

/* C for a stream connection without onConnect: the query parameters (unless criteriaFrom is
 * "none"), then the path parameters, which win. */
static int base_criteria(const struct api_job *job, const struct http_request *req,
                         struct http_criteria **out, struct diag *d)
{
    struct http_criteria *c = NULL;
    int rc = RC_OK;
    if (job->route->rt->criteria_from_query) {
        rc = http_criteria_from_query(req->query, &c, d);
    } else {
        c = http_criteria_new();
    }
    for (size_t i = 0; rc == RC_OK && i < job->match.param_count; i++) {
        rc = http_criteria_set(c, job->match.params[i].name, job->match.params[i].value, d);
    }
    if (rc != RC_OK) {
        http_criteria_free(c);
        c = NULL;
    }
    *out = c;
    return rc;
}

/* What a connection of a stream with onClose keeps for it: its id (the connect request's). */
struct stream_conn {
    size_t len;
    char id[API_REQUEST_ID_MAX];
};

static void connect_stream(struct api_rt_entry *en, const struct api_route *r,
                           struct http_exchange *xch, struct http_criteria *c)
{
    struct stream_conn *sc = NULL;
    if (r->rt->has_close) {
        struct str id = http_exchange_request(xch)->request_id;
        sc = mem_calloc(1, sizeof(*sc));
        sc->len = id.len < sizeof(sc->id) ? id.len : sizeof(sc->id);
        memcpy(sc->id, id.ptr, sc->len);
    }
    struct diag d;
    if (http_sse_connect(en->ss, xch, c, sc, &d) != RC_OK) { /* a full stream answered 503 */
        mem_free(sc);
    }
}

/* A connection of a stream with onClose ended (its loop): run onClose on an executor. */
static void on_stream_disconnect(struct http_sse_stream *ss, void *conn_arg, void *arg)
{
    (void)ss;
    struct stream_conn *sc = conn_arg;
    struct api_rt_entry *en = arg;
    struct api_engine *e = en->e;
    struct api_snapshot *s = api_engine_snapshot(e);
    const struct api_route *r = api_realtime_route_of(s, en);
    if (r == NULL || !r->rt->has_close) {
        api_snapshot_unref(s);
        mem_free(sc);
        return;
    }
    struct api_job *job = mem_calloc(1, sizeof(*job));
    job->snap = s;
    job->route = r;
    job->kind = API_JOB_STREAM_CLOSE;
    job->msg = mem_dup(sc->id, sc->len);
    job->msg_len = sc->len;
    mem_free(sc);
    size_t i = atomic_fetch_add_explicit(&e->next_exec, 1, memory_order_relaxed);
    api_exec_post(&e->execs[i % e->exec_count], job);
}

/* Upgrade xch to a socket of en with sock as its state; the connection's reference of sock
 * is dropped when the upgrade is refused. */
static void accept_ws(struct api_rt_entry *en, struct http_exchange *xch, struct api_ws_sock *sock)
{
    struct diag d;
    if (http_ws_accept(en->wr, xch, api_ws_sock_id(sock), sock, &d) != RC_OK) {
        api_ws_sock_unref(sock);
    }
}

void api_realtime_dispatch(struct api_engine *e, struct api_job *job)
{
    struct http_exchange *xch = job->xch;
    const struct api_route *r = job->route;
    struct api_rt_entry *en = atomic_load(&r->rt_entry);
    if (en == NULL) {
        api_snapshot_unref(job->snap);
        http_exchange_respond_error(xch, 503, "NOT_READY", STR("The route is not published yet"),
                                    STR(""), NULL, 0);
        return;
    }
    if (r->kind == API_ROUTE_STREAM && job->match.head_via_get) {
        api_snapshot_unref(job->snap);
        static const struct http_header ct = { STR("Content-Type"), STR("text/event-stream") };
        http_exchange_respond(xch, 200, &ct, 1, STR(""));
        return;
    }
    if (r->rt->has_handler) {
        struct api_executor *ex = NULL;
        if (r->kind == API_ROUTE_STREAM) {
            job->kind = API_JOB_STREAM_CONNECT;
            size_t i = atomic_fetch_add_explicit(&e->next_exec, 1, memory_order_relaxed);
            ex = &e->execs[i % e->exec_count];
        } else {
            job->kind = API_JOB_WS_OPEN;
            job->sock = api_ws_sock_new(e, en); /* the job's reference becomes the connection's */
            ex = &e->execs[api_ws_sock_exec(job->sock)];
        }
        api_exec_post(ex, job);
        return;
    }
    api_snapshot_unref(job->snap);
    job->snap = NULL;
    if (r->kind == API_ROUTE_WS) {
        accept_ws(en, xch, api_ws_sock_new(e, en));
        return;
    }
    struct http_criteria *c = NULL;
    struct diag d;
    if (base_criteria(job, http_exchange_request(xch), &c, &d) != RC_OK) {
        http_exchange_respond_error(xch, 400, "INVALID_CRITERIA", str_from_cstr(d.msg), STR(""),
                                    NULL, 0);
        return;
    }
    connect_stream(en, r, xch, c);
}

/* ------------------------------------------------------------------ invocation ends */

/* Read onConnect's normalised result, a flat [key, value, ...] array of strings, into c. */
int api_rt_read_criteria(JSContextRef ctx, JSObjectRef arr, struct http_criteria *c, struct diag *d)
{
    JSValueRef exc = NULL;
    JSStringRef len_name = JSStringCreateWithUTF8CString("length");
    double nd = JSValueToNumber(ctx, JSObjectGetProperty(ctx, arr, len_name, &exc), &exc);
    JSStringRelease(len_name);
    if (exc != NULL || nd < 0 || nd > 2.0 * HTTP_CRITERIA_MAX_KEYS) {
        return diag_set(d, RC_LIMIT, "onConnect returned more than %d criteria",
                        HTTP_CRITERIA_MAX_KEYS);
    }
    size_t n = (size_t)nd;
    int rc = RC_OK;
    for (size_t i = 0; rc == RC_OK && i + 1 < n; i += 2) {
        size_t kl = 0;
        size_t vl = 0;
        char *k = js_value_to_owned(ctx, JSObjectGetPropertyAtIndex(ctx, arr, (unsigned)i, &exc),
                                    &kl, &exc);
        char *v = js_value_to_owned(
            ctx, JSObjectGetPropertyAtIndex(ctx, arr, (unsigned)i + 1, &exc), &vl, &exc);
        if (k == NULL || v == NULL) {
            rc = diag_set(d, RC_INVAL, "onConnect returned an unreadable criterion");
        } else {
            rc = http_criteria_set(c, str_make(k, kl), str_make(v, vl), d);
        }
        mem_free(k);
        mem_free(v);
    }
    return rc;
}

static void respond_http_error(struct api_inv *inv, int status, const char *code,
                               const char *message)
{
    struct http_exchange *xch = inv->xch;
    api_inv_end(inv);
    http_exchange_respond_error(xch, status, code, str_from_cstr(message), STR(""), NULL, 0);
}

static void stream_connect_value(struct api_inv *inv, JSValueRef v)
{
    JSContextRef ctx = inv->c->js;
    const struct api_job *job = inv->job;
    struct api_rt_entry *en = atomic_load(&job->route->rt_entry);
    if (!JSValueIsObject(ctx, v)) {
        respond_http_error(inv, 403, "FORBIDDEN", "The event stream refused the connection");
        return;
    }
    struct http_criteria *c = http_criteria_new();
    struct diag d;
    int rc = api_rt_read_criteria(ctx, (JSObjectRef)v, c, &d);
    for (size_t i = 0; rc == RC_OK && i < job->match.param_count; i++) {
        rc = http_criteria_set(c, job->match.params[i].name, job->match.params[i].value, &d);
    }
    if (rc != RC_OK) {
        http_criteria_free(c);
        struct api_log_entry le = {
            .level = LOG_ERROR,
            .ts_ms = clk_realtime_ms(),
            .script = inv->c->ver->uri,
            .request_id = inv->request_id,
            .message = str_from_cstr(d.msg),
        };
        api_log(inv->c->e, &le);
        respond_http_error(inv, 500, "INVALID_CRITERIA", "onConnect returned invalid criteria");
        return;
    }
    struct http_exchange *xch = inv->xch;
    const struct api_route *r = job->route;
    api_inv_end(inv);
    connect_stream(en, r, xch, c);
}

static void ws_open_value(struct api_inv *inv, JSValueRef v)
{
    struct api_ws_sock *sock = inv->job->sock;
    struct api_rt_entry *en = api_ws_sock_entry(sock);
    inv->job->sock = NULL; /* the connection's reference, from here on */
    if (JSValueIsBoolean(inv->c->js, v) && !JSValueToBoolean(inv->c->js, v)) {
        api_ws_sock_unref(sock);
        respond_http_error(inv, 403, "FORBIDDEN", "The WebSocket route refused the connection");
        return;
    }
    struct http_exchange *xch = inv->xch;
    api_inv_end(inv);
    accept_ws(en, xch, sock);
}

static void ws_open_exception(struct api_inv *inv, JSValueRef exception)
{
    api_ws_sock_unref(inv->job->sock);
    inv->job->sock = NULL;
    inv->hooks = NULL; /* the HTTP error response of the thrown value */
    api_respond_exception(inv, exception);
}

static void ws_open_error(struct api_inv *inv, int status, const char *code, const char *message)
{
    api_ws_sock_unref(inv->job->sock);
    inv->job->sock = NULL;
    respond_http_error(inv, status, code, message);
}

static void event_value(struct api_inv *inv, JSValueRef v)
{
    (void)v;
    event_end(inv);
}

static void event_exception(struct api_inv *inv, JSValueRef exception)
{
    api_log_exception(inv->c, inv->request_id, "WebSocket handler failed", exception);
    event_end(inv);
}

static void event_error(struct api_inv *inv, int status, const char *code, const char *message)
{
    if (inv->c != NULL) {
        char msg[200];
        (void)snprintf(msg, sizeof(msg), "WebSocket handler failed: %s (%s, %d)", message, code,
                       status);
        struct api_log_entry le = {
            .level = LOG_ERROR,
            .ts_ms = clk_realtime_ms(),
            .script = inv->c->ver->uri,
            .request_id = inv->request_id,
            .message = str_from_cstr(msg),
        };
        api_log(inv->c->e, &le);
    }
    event_end(inv);
}

static const struct api_inv_hooks stream_connect_hooks = {
    .on_value = stream_connect_value,
};

static const struct api_inv_hooks ws_open_hooks = {
    .on_value = ws_open_value,
    .on_exception = ws_open_exception,
    .on_error = ws_open_error,
};

static const struct api_inv_hooks event_hooks = {
    .on_value = event_value,
    .on_exception = event_exception,
    .on_error = event_error,
};

const struct api_inv_hooks *api_realtime_hooks(enum api_job_kind kind)
{
    switch (kind) {
    case API_JOB_STREAM_CONNECT:
        return &stream_connect_hooks;
    case API_JOB_WS_OPEN:
        return &ws_open_hooks;
    case API_JOB_WS_MESSAGE:
    case API_JOB_WS_CLOSE:
    case API_JOB_STREAM_CLOSE:
        return &event_hooks;
    case API_JOB_HTTP:
    default:
        return NULL;
    }
}

/* ------------------------------------------------------------------ running callbacks */

static JSValueRef message_value(JSContextRef ctx, const struct api_job *job)
{
    struct str data = str_make(job->msg != NULL ? job->msg : "", job->msg_len);
    if (!job->binary) {
        return js_make_string(ctx, data);
    }
    JSValueRef exc = NULL;
    JSObjectRef bytes = js_make_bytes(ctx, data, &exc);
    return bytes != NULL ? (JSValueRef)bytes : JSValueMakeUndefined(ctx);
}

void api_realtime_run(struct api_inv *inv, struct api_job *job)
{
    struct api_ctx *c = inv->c;
    JSContextRef ctx = c->js;
    const struct api_route *r = job->route;
    JSObjectRef spec = c->handlers != NULL ? c->handlers[r->index] : NULL;
    if (spec == NULL) {
        api_respond_error(inv, 500, "HANDLER_NOT_BOUND",
                          "The route's callbacks were not re-created in this context");
        return;
    }
    JSValueRef request = JSValueMakeUndefined(ctx);
    if (job->xch != NULL) {
        inv->request_obj = JSObjectMake(ctx, inv->ex->request_class, inv);
        JSValueProtect(ctx, inv->request_obj);
        inv->request_held = true;
        request = inv->request_obj;
    }
    JSValueRef undef = JSValueMakeUndefined(ctx);
    JSValueRef a = NULL;
    JSValueRef b = undef;
    JSValueRef x = undef;
    struct str kind = STR("streamCustomization");
    if (job->kind == API_JOB_STREAM_CONNECT || job->kind == API_JOB_STREAM_CLOSE) {
        kind = job->kind == API_JOB_STREAM_CLOSE ? STR("streamClose") : kind;
        a = js_make_string(ctx, r->pattern);
        b = js_make_string(ctx, inv->request_id);
    } else {
        a = api_ws_handle_new(ctx, job->sock);
        if (job->kind == API_JOB_WS_OPEN) {
            kind = STR("wsOpen");
        } else if (job->kind == API_JOB_WS_MESSAGE) {
            kind = STR("wsMessage");
            b = message_value(ctx, job);
        } else {
            kind = STR("wsClose");
            b = JSValueMakeNumber(ctx, job->code);
            x = js_make_string(ctx, str_make(job->msg != NULL ? job->msg : "", job->msg_len));
        }
    }
    JSValueRef args[8] = {
        spec,
        js_make_string(ctx, kind),
        request,
        js_make_string(ctx, inv->request_id),
        JSValueMakeNumber(ctx, (double)inv->deadline_ms),
        a,
        b,
        x,
    };
    api_exec_call(inv, c->k_invoke_rt, 8, args);
}

/* ------------------------------------------------------------------ natives: helpers */

/* An owned UTF-8 copy of v, or NULL with *exception set. */
char *api_rt_arg_str(JSContextRef ctx, JSValueRef v, size_t *out_len, JSValueRef *exception)
{
    JSValueRef exc = NULL;
    char *s = js_value_to_owned(ctx, v, out_len, &exc);
    if (s == NULL) {
        *exception = exc;
    }
    return s;
}

double api_rt_arg_num(JSContextRef ctx, JSValueRef v)
{
    JSValueRef exc = NULL;
    double n = JSValueToNumber(ctx, v, &exc);
    return exc != NULL || n != n ? 0 : n;
}

static size_t arg_size(JSContextRef ctx, JSValueRef v, size_t max)
{
    double n = api_rt_arg_num(ctx, v);
    return n <= 0 ? 0 : n >= (double)max ? max : (size_t)n;
}

/* Read an array of strings into an owned list (free with free_list). RC_OK or RC_LIMIT. */
static int arg_list(JSContextRef ctx, JSValueRef v, struct str **out, size_t *out_n)
{
    *out = NULL;
    *out_n = 0;
    if (!JSValueIsObject(ctx, v)) {
        return RC_OK;
    }
    JSValueRef exc = NULL;
    JSStringRef len_name = JSStringCreateWithUTF8CString("length");
    double nd = api_rt_arg_num(ctx, JSObjectGetProperty(ctx, (JSObjectRef)v, len_name, &exc));
    JSStringRelease(len_name);
    if (nd < 0 || nd > 64) {
        return RC_LIMIT;
    }
    size_t n = (size_t)nd;
    struct str *list = mem_calloc(n ? n : 1, sizeof(*list));
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        char *s = js_value_to_owned(
            ctx, JSObjectGetPropertyAtIndex(ctx, (JSObjectRef)v, (unsigned)i, &exc), &len, &exc);
        list[i] = s != NULL ? str_make(s, len) : STR_NULL;
    }
    *out = list;
    *out_n = n;
    return RC_OK;
}

static void free_list(struct str *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mem_free((void *)list[i].ptr);
    }
    mem_free(list);
}

JSValueRef api_rt_invalid(JSContextRef ctx, JSValueRef *exception, const char *msg)
{
    return api_throw(ctx, exception, "INVALID_ARGUMENT", str_from_cstr(msg), STR(""));
}

/* A registration path: a string, no '*' (streams and sockets take :params only). */
static char *arg_path(JSContextRef ctx, JSValueRef v, size_t *out_len, JSValueRef *exception)
{
    char *path = api_rt_arg_str(ctx, v, out_len, exception);
    if (path != NULL && memchr(path, '*', *out_len) != NULL) {
        mem_free(path);
        (void)api_rt_invalid(ctx, exception,
                             "stream and WebSocket paths take :name parameters, not *");
        return NULL;
    }
    return path;
}

bool api_rt_arg_filter(JSContextRef ctx, const JSValueRef argv[3], struct http_filter **out_f,
                       JSValueRef *exception)
{
    *out_f = NULL;
    if (JSValueIsNull(ctx, argv[0]) || JSValueIsUndefined(ctx, argv[0])) {
        return true;
    }
    size_t len = 0;
    char *json = api_rt_arg_str(ctx, argv[0], &len, exception);
    if (json == NULL) {
        return false;
    }
    double mode = api_rt_arg_num(ctx, argv[1]);
    enum http_filter_mode fm = mode == 1   ? HTTP_FILTER_OVERLAP
                               : mode == 2 ? HTTP_FILTER_SELECT
                                           : HTTP_FILTER_SUBSET;
    struct diag d;
    int rc =
        http_filter_parse_json(str_make(json, len), fm, JSValueToBoolean(ctx, argv[2]), out_f, &d);
    mem_free(json);
    if (rc != RC_OK) {
        (void)api_throw(ctx, exception, "INVALID_FILTER", str_from_cstr(d.msg), STR(""));
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------ natives: registration */

/* Register the route "GET path" of kind for the native's (path, spec, ...) arguments; the path
 * is checked here (arg_path), after the caller's option checks. */
static JSValueRef register_get(JSContextRef ctx, const JSValueRef argv[], enum api_route_kind kind,
                               const struct api_rt_opts *o, JSValueRef *exception)
{
    size_t plen = 0;
    char *path = arg_path(ctx, argv[0], &plen, exception);
    if (path == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    JSValueRef r =
        api_routes_register(ctx, STR("GET"), str_make(path, plen), kind, argv[1], o, exception);
    mem_free(path);
    return r;
}

/* registerStreamRoute(path, spec, replay, heartbeatMs, maxConnections, criteriaFromQuery,
 * hasOnConnect, hasOnClose) -> [key, registered, reason] */
static JSValueRef rt_register_stream(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                     const JSValueRef argv[], JSValueRef *exception)
{
    double replay = api_rt_arg_num(ctx, argv[2]);
    if (replay < 0 || replay > HTTP_SSE_MAX_REPLAY) {
        return api_rt_invalid(ctx, exception, "replay must be 0-1000");
    }
    struct api_rt_opts o = {
        .replay = (size_t)replay,
        .heartbeat_ms = (int64_t)api_rt_arg_num(ctx, argv[3]),
        .max_connections = arg_size(ctx, argv[4], 1000000),
        .criteria_from_query = JSValueToBoolean(ctx, argv[5]),
        .has_handler = JSValueToBoolean(ctx, argv[6]),
        .has_close = JSValueToBoolean(ctx, argv[7]),
    };
    return register_get(ctx, argv, API_ROUTE_STREAM, &o, exception);
}

/* registerWebSocketRoute(path, spec, maxMessageBytes, idleTimeoutMs, maxMessagesPerSec,
 * maxConnections, origins, protocols, hasOnOpen) -> [key, registered, reason] */
static JSValueRef rt_register_ws(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                 const JSValueRef argv[], JSValueRef *exception)
{
    struct api_rt_opts o = {
        .max_message_bytes = arg_size(ctx, argv[2], (size_t)16 * 1024 * 1024),
        .idle_timeout_ms = (int64_t)api_rt_arg_num(ctx, argv[3]),
        .max_messages_per_sec = arg_size(ctx, argv[4], 1000000),
        .max_connections = arg_size(ctx, argv[5], 1000000),
        .has_handler = JSValueToBoolean(ctx, argv[8]),
    };
    JSValueRef r;
    if (arg_list(ctx, argv[6], &o.origins, &o.origin_count) != RC_OK ||
        arg_list(ctx, argv[7], &o.protocols, &o.protocol_count) != RC_OK) {
        r = api_rt_invalid(ctx, exception, "origins and protocols take at most 64 entries");
    } else {
        r = register_get(ctx, argv, API_ROUTE_WS, &o, exception);
    }
    free_list(o.origins, o.origin_count);
    free_list(o.protocols, o.protocol_count);
    return r;
}

/* ------------------------------------------------------------------ natives: streams */

int api_realtime_stream_send(struct api_engine *e, struct str path,
                             const struct http_sse_message *m, struct http_filter *f,
                             size_t *out_local, struct diag *d)
{
    struct api_rt_entry *en = api_realtime_entry_active(e->rt, API_ROUTE_STREAM, path);
    if (en == NULL) {
        *out_local = 0;
        return diag_set(d, RC_NOTFOUND, "no event stream is registered at %.*s", STR_FMT(path));
    }
    return http_sse_broadcast(en->ss, m, f, out_local, d);
}

static JSValueRef throw_rc(JSContextRef ctx, JSValueRef *exception, int rc, const char *msg)
{
    const char *code = rc == RC_NOTFOUND ? "STREAM_NOT_FOUND"
                       : rc == RC_LIMIT  ? "MESSAGE_TOO_LARGE"
                                         : "INVALID_ARGUMENT";
    return api_throw(ctx, exception, code, str_from_cstr(msg), STR(""));
}

/* A stream message sent inside an open transaction: delivered after the commit, dropped on
 * rollback (spec/50-data.md §4). Owns its strings and the filter reference. */
struct deferred_send {
    struct api_engine *e;
    char *path;
    size_t plen;
    char *data;
    size_t dlen;
    char *event;
    size_t elen;
    char *id;
    size_t ilen;
    struct http_filter *f;
};

static void deferred_send_run(void *arg)
{
    struct deferred_send *s = arg;
    struct http_sse_message m = {
        .data = str_make(s->data, s->dlen),
        .event = str_make(s->event, s->elen),
        .id = str_make(s->id, s->ilen),
    };
    size_t local = 0;
    struct diag d;
    /* The path was registered when the message was sent; a redeploy may have removed it
     * since: then the message has nowhere to go. */
    IGNORE_RC(api_realtime_stream_send(s->e, str_make(s->path, s->plen), &m, s->f, &local, &d));
}

static void deferred_send_drop(void *arg)
{
    struct deferred_send *s = arg;
    http_filter_unref(s->f);
    mem_free(s->path);
    mem_free(s->data);
    mem_free(s->event);
    mem_free(s->id);
    mem_free(s);
}

/* Hand the message to the invocation's open transaction, taking the strings and the filter
 * (set to NULL); false when no transaction is open (send now). */
static bool defer_send(struct api_ctx *c, char **path, size_t plen, char **data, size_t dlen,
                       char **event, size_t elen, char **id, size_t ilen, struct http_filter **f)
{
    struct api_tx *tx = api_ctx_tx(c);
    if (tx->depth == 0 || tx->owner != c->current) {
        return false;
    }
    struct deferred_send *s = mem_calloc(1, sizeof(*s));
    *s = (struct deferred_send){ .e = c->e,
                                 .path = *path,
                                 .plen = plen,
                                 .data = *data,
                                 .dlen = dlen,
                                 .event = *event,
                                 .elen = elen,
                                 .id = *id,
                                 .ilen = ilen,
                                 .f = *f };
    if (!api_tx_defer(c, deferred_send_run, deferred_send_drop, s)) {
        mem_free(s);
        return false;
    }
    *path = *data = *event = *id = NULL;
    *f = NULL;
    return true;
}

/* sendStream(path, data, filterJson|null, mode, literal, event, id) -> local */
static JSValueRef rt_send_stream(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                 const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    char *path = NULL;
    char *data = NULL;
    char *event = NULL;
    char *id = NULL;
    struct http_filter *f = NULL;
    size_t plen = 0;
    size_t dlen = 0;
    size_t elen = 0;
    size_t ilen = 0;
    JSValueRef r = JSValueMakeUndefined(ctx);
    struct diag d;
    if (c == NULL || c->e == NULL) {
        return api_throw(ctx, exception, "STREAM_NOT_FOUND", STR("no streams in this context"),
                         STR(""));
    }
    if ((path = api_rt_arg_str(ctx, argv[0], &plen, exception)) == NULL ||
        (data = api_rt_arg_str(ctx, argv[1], &dlen, exception)) == NULL ||
        (event = api_rt_arg_str(ctx, argv[5], &elen, exception)) == NULL ||
        (id = api_rt_arg_str(ctx, argv[6], &ilen, exception)) == NULL) {
        goto out;
    }
    if (!api_rt_arg_filter(ctx, argv + 2, &f, exception)) {
        goto out;
    }
    if (defer_send(c, &path, plen, &data, dlen, &event, elen, &id, ilen, &f)) {
        r = JSValueMakeNull(ctx); /* sent after the commit (api_data.c): Delivery.local is
                                   * null and queued true (spec §1) */
        goto out;
    }
    struct http_sse_message m = {
        .data = str_make(data, dlen),
        .event = str_make(event, elen),
        .id = str_make(id, ilen),
    };
    size_t local = 0;
    if (c->current != NULL) {
        api_durable_wait_inv(c->current); /* the message may show what it committed */
    }
    int rc = api_realtime_stream_send(c->e, str_make(path, plen), &m, f, &local, &d);
    if (rc != RC_OK) {
        r = throw_rc(ctx, exception, rc, d.msg);
        goto out;
    }
    r = JSValueMakeNumber(ctx, (double)local);
out:
    http_filter_unref(f);
    mem_free(path);
    mem_free(data);
    mem_free(event);
    mem_free(id);
    return r;
}

/* streamInfo(path) -> [path, localConnections, registeredBy, slowConsumers, delivered] */
static JSValueRef rt_stream_info(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                 const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    size_t plen = 0;
    char *path = api_rt_arg_str(ctx, argv[0], &plen, exception);
    if (path == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    struct api_rt_entry *en =
        c != NULL && c->e != NULL
            ? api_realtime_entry_active(c->e->rt, API_ROUTE_STREAM, str_make(path, plen))
            : NULL;
    mem_free(path);
    if (en == NULL) {
        return api_throw(ctx, exception, "STREAM_NOT_FOUND",
                         STR("no event stream is registered at that path"), STR(""));
    }
    char owner[API_RT_OWNER_MAX];
    pthread_mutex_lock(&en->rt->mu);
    size_t olen = en->owner_len;
    memcpy(owner, en->owner, olen);
    pthread_mutex_unlock(&en->rt->mu);
    JSValueRef items[5] = {
        js_make_string(ctx, str_make(en->pattern, en->pattern_len)),
        JSValueMakeNumber(ctx, (double)http_sse_connection_count(en->ss)),
        js_make_string(ctx, str_make(owner, olen)),
        JSValueMakeNumber(ctx, (double)http_sse_slow_consumers(en->ss)),
        JSValueMakeNumber(ctx, (double)http_sse_delivered(en->ss)),
    };
    JSValueRef exc = NULL;
    JSObjectRef arr = JSObjectMakeArray(ctx, 5, items, &exc);
    if (exc != NULL) {
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    return arr;
}

static const struct js_fn realtime_fns[] = {
    { .name = "registerStreamRoute", .fn = rt_register_stream, .min_args = 8 },
    { .name = "registerWebSocketRoute", .fn = rt_register_ws, .min_args = 9 },
    { .name = "sendStream", .fn = rt_send_stream, .min_args = 7 },
    { .name = "streamInfo", .fn = rt_stream_info, .min_args = 1 },
    { .name = NULL },
};

const struct api_module api_module_realtime = {
    .name = "realtime",
    .init = NULL,
    .fns = realtime_fns,
};
