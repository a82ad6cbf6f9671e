/* SPDX-License-Identifier: MIT */
/*
 * WebSocket routes for scripts (spec/20-realtime.md §2), beside api_realtime.c (registration,
 * publication and dispatch of both streams and sockets): the per-socket state (struct
 * api_ws_sock: its executor, id, socket.data as JSON, groups, what onOpen did before the
 * upgrade), the http_ws callbacks that post onMessage/onClose to the socket's executor, one
 * callback per socket at a time (the socket's queue), the WebSocketHandle class JS holds
 * sockets through, and the socket natives (send, close, join/leave, broadcast, data, route
 * sends; sends inside database.transaction() wait for its commit).
 * Thread contract: the http_ws callbacks on I/O loops; the queue on the socket's executor;
 * natives on the context's thread; the rest any thread (sock->mu).
 */
#include <pthread.h>
#include <string.h>

#include "api/api_internal.h"
#include "base/mem.h"
#include "base/rc.h"

#define RT_WS_DATA_MAX     ((size_t)16 * 1024)
#define RT_WS_PENDING_MAX  1000
#define RT_WS_CLOSE_REASON 123

/* What a socket's script did before the upgrade completed (onOpen), applied on open. */
struct ws_pending {
    int kind; /* 0 send, 1 close */
    bool binary;
    int code;
    char *data;
    size_t len;
};

/* The JS layer's per-socket state (http_ws user_data). */
struct api_ws_sock {
    atomic_size_t refs; /* the connection, jobs, JS handles */
    struct api_rt_entry *entry;
    size_t exec;
    char id[HTTP_WS_ID_BYTES + 1];
    pthread_mutex_t mu; /* everything below */
    struct http_ws *ws; /* a reference once open */
    bool open;
    bool closed;
    char protocol[HTTP_WS_PROTOCOL_MAX + 1];
    char *data; /* socket.data as JSON, or NULL */
    size_t data_len;
    VEC(char *) groups;
    VEC(struct ws_pending) pending;
    struct http_criteria *crit; /* from socket.data, waiting for the upgrade; or NULL */
    /* The socket's executor thread only: */
    bool running;           /* a message or close callback has not settled yet */
    struct api_job *q_head; /* the next ones, in arrival order */
    struct api_job *q_tail;
};

/* ------------------------------------------------------------------ sockets */

void api_ws_sock_ref(struct api_ws_sock *s)
{
    atomic_fetch_add(&s->refs, 1);
}

void api_ws_sock_unref(struct api_ws_sock *s)
{
    if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1) {
        return;
    }
    http_ws_release(s->ws);
    mem_free(s->data);
    for (size_t i = 0; i < s->groups.count; i++) {
        mem_free(s->groups.items[i]);
    }
    VEC_FREE(&s->groups);
    for (size_t i = 0; i < s->pending.count; i++) {
        mem_free(s->pending.items[i].data);
    }
    VEC_FREE(&s->pending);
    http_criteria_free(s->crit);
    pthread_mutex_destroy(&s->mu);
    mem_free(s);
}

struct api_ws_sock *api_ws_sock_new(struct api_engine *e, struct api_rt_entry *en)
{
    struct api_ws_sock *s = mem_calloc(1, sizeof(*s));
    atomic_init(&s->refs, 1);
    s->entry = en;
    s->exec = atomic_fetch_add_explicit(&e->next_exec, 1, memory_order_relaxed) % e->exec_count;
    http_ws_make_id(s->id);
    pthread_mutex_init(&s->mu, NULL);
    return s;
}

struct str api_ws_sock_id(const struct api_ws_sock *s)
{
    return str_make(s->id, HTTP_WS_ID_BYTES);
}

bool api_realtime_defer(struct api_job *job)
{
    if (job->kind != API_JOB_WS_MESSAGE && job->kind != API_JOB_WS_CLOSE) {
        return false;
    }
    struct api_ws_sock *sock = job->sock;
    if (job->resumed || !sock->running) {
        job->resumed = false;
        sock->running = true;
        return false;
    }
    job->next_in_sock = NULL;
    if (sock->q_tail != NULL) {
        sock->q_tail->next_in_sock = job;
    } else {
        sock->q_head = job;
    }
    sock->q_tail = job;
    return true;
}

/* The socket's callback settled: post the next waiting one (it keeps `running`). */
void api_ws_sock_next(struct api_ws_sock *sock)
{
    struct api_job *job = sock->q_head;
    if (job == NULL) {
        sock->running = false;
        return;
    }
    sock->q_head = job->next_in_sock;
    if (sock->q_head == NULL) {
        sock->q_tail = NULL;
    }
    job->resumed = true;
    api_exec_post(&sock->entry->e->execs[sock->exec], job);
}

/* Post a WebSocket event of sock to its executor (I/O loop thread). */
static void post_ws_event(struct api_ws_sock *sock, enum api_job_kind kind, bool binary, int code,
                          struct str data)
{
    struct api_engine *e = sock->entry->e;
    struct api_snapshot *s = api_engine_snapshot(e);
    const struct api_route *r = api_realtime_route_of(s, sock->entry);
    if (r == NULL) {
        api_snapshot_unref(s);
        return;
    }
    struct api_job *job = mem_calloc(1, sizeof(*job));
    job->snap = s;
    job->route = r;
    job->kind = kind;
    api_ws_sock_ref(sock);
    job->sock = sock;
    job->binary = binary;
    job->code = code;
    if (data.len > 0) {
        job->msg = mem_dup(data.ptr, data.len);
        job->msg_len = data.len;
    }
    api_exec_post(&e->execs[sock->exec], job);
}

/* ------------------------------------------------------------------ http_ws callbacks */

static void apply_pending(struct api_ws_sock *sock)
{
    struct diag d;
    if (sock->crit != NULL) {
        IGNORE_RC(http_ws_set_criteria(sock->ws, sock->crit)); /* on the loop: set at once */
        sock->crit = NULL;
    }
    for (size_t i = 0; i < sock->groups.count; i++) {
        IGNORE_RC(http_ws_join(sock->ws, str_from_cstr(sock->groups.items[i]), &d));
    }
    for (size_t i = 0; i < sock->pending.count; i++) {
        struct ws_pending *p = &sock->pending.items[i];
        struct str data = str_make(p->data != NULL ? p->data : "", p->len);
        if (p->kind == 0) {
            IGNORE_RC(http_ws_send(sock->ws, p->binary, data));
        } else {
            IGNORE_RC(http_ws_close(sock->ws, p->code, data, &d));
        }
        mem_free(p->data);
    }
    sock->pending.count = 0;
}

void api_ws_on_open(struct http_ws *ws, void *arg)
{
    (void)arg;
    struct api_ws_sock *sock = http_ws_user_data(ws);
    pthread_mutex_lock(&sock->mu);
    sock->ws = http_ws_ref(ws);
    sock->open = true;
    struct str p = http_ws_protocol(ws);
    memcpy(sock->protocol, p.ptr != NULL ? p.ptr : "", p.len);
    sock->protocol[p.len] = '\0';
    apply_pending(sock);
    pthread_mutex_unlock(&sock->mu);
}

void api_ws_on_message(struct http_ws *ws, bool binary, struct str data, void *arg)
{
    (void)arg;
    post_ws_event(http_ws_user_data(ws), API_JOB_WS_MESSAGE, binary, 0, data);
}

void api_ws_on_close(struct http_ws *ws, int code, struct str reason, void *arg)
{
    (void)arg;
    struct api_ws_sock *sock = http_ws_user_data(ws);
    pthread_mutex_lock(&sock->mu);
    sock->open = false;
    sock->closed = true;
    pthread_mutex_unlock(&sock->mu);
    post_ws_event(sock, API_JOB_WS_CLOSE, false, code, reason);
    api_ws_sock_unref(sock); /* the connection's reference */
}

/* ------------------------------------------------------------------ socket handles (JS) */

static void handle_finalize(JSObjectRef o)
{
    api_ws_sock_unref(JSObjectGetPrivate(o));
}

static JSClassRef handle_cls;

static void make_handle_class(void)
{
    JSClassDefinition def = kJSClassDefinitionEmpty;
    def.className = "WebSocketHandle";
    def.finalize = handle_finalize;
    handle_cls = JSClassCreate(&def);
}

JSObjectRef api_ws_handle_new(JSContextRef ctx, struct api_ws_sock *sock)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    (void)pthread_once(&once, make_handle_class);
    api_ws_sock_ref(sock);
    return JSObjectMake(ctx, handle_cls, sock);
}

/* The socket of a handle argument, or NULL (a TypeError is set). */
static struct api_ws_sock *handle_of(JSContextRef ctx, JSValueRef v, JSValueRef *exception)
{
    if (!JSValueIsObjectOfClass(ctx, v, handle_cls)) {
        (void)js_throw_type_error(ctx, exception, "not a WebSocket handle");
        return NULL;
    }
    return JSObjectGetPrivate((JSObjectRef)v);
}

/* ------------------------------------------------------------------ natives: sockets */

/* The bytes of a send: a Uint8Array/ArrayBuffer (binary) or a string (text), owned. */
static char *arg_payload(JSContextRef ctx, JSValueRef v, size_t *out_len, bool *out_binary,
                         JSValueRef *exception)
{
    struct str bytes;
    if (js_bytes_view(ctx, v, &bytes)) {
        *out_binary = true;
        *out_len = bytes.len;
        return mem_dup(bytes.ptr != NULL ? bytes.ptr : "", bytes.len);
    }
    *out_binary = false;
    return api_rt_arg_str(ctx, v, out_len, exception);
}

static JSValueRef socket_closed(JSContextRef ctx, JSValueRef *exception)
{
    return api_throw(ctx, exception, "SOCKET_CLOSED", STR("the WebSocket is closed"), STR(""));
}

/* Run a send or close now (open) or after the upgrade (during onOpen). Under sock->mu. */
static bool sock_op(struct api_ws_sock *sock, int kind, bool binary, int code, struct str data,
                    struct diag *d)
{
    if (sock->closed) {
        return false;
    }
    if (sock->open) {
        if (kind == 0) {
            return http_ws_send(sock->ws, binary, data) == RC_OK;
        }
        return http_ws_close(sock->ws, code, data, d) == RC_OK;
    }
    if (sock->pending.count >= RT_WS_PENDING_MAX) {
        return false;
    }
    struct ws_pending p = {
        .kind = kind,
        .binary = binary,
        .code = code,
        .data = data.len > 0 ? mem_dup(data.ptr, data.len) : NULL,
        .len = data.len,
    };
    VEC_PUSH(&sock->pending, p);
    return true;
}

/* One WebSocket send: to sock when set, else to the sockets of en picked by group, id and
 * except (http_ws_send_route). */
struct ws_send {
    struct api_ws_sock *sock;
    struct api_rt_entry *en;
    struct http_filter *f; /* route sends: NULL, or only sockets whose data matches */
    bool binary;
    struct str group;
    struct str id;
    struct str except;
    struct str data;
};

/* false: the socket is closed. */
static bool ws_send_now(const struct ws_send *s)
{
    if (s->sock == NULL) {
        IGNORE_RC(http_ws_send_route_filtered(s->en->wr, s->group, s->id, s->except, s->f,
                                              s->binary, s->data));
        return true;
    }
    struct diag d;
    pthread_mutex_lock(&s->sock->mu);
    bool ok = sock_op(s->sock, 0, s->binary, 0, s->data, &d);
    pthread_mutex_unlock(&s->sock->mu);
    return ok;
}

/* A send held for the commit of a transaction: its own copies. */
struct held_ws {
    struct ws_send s;
    char bytes[];
};

static void held_ws_run(void *arg)
{
    IGNORE_RC(ws_send_now(&((struct held_ws *)arg)->s));
}

static void held_ws_drop(void *arg)
{
    struct held_ws *h = arg;
    api_ws_sock_unref(h->s.sock);
    http_filter_unref(h->s.f);
    mem_free(h);
}

/* Send now, or, inside database.transaction(), after the outermost commit (spec §4). false:
 * the socket is closed. */
static bool ws_send(struct api_ctx *c, const struct ws_send *s)
{
    struct api_tx *tx = c != NULL ? api_ctx_tx(c) : NULL;
    if (tx == NULL || tx->depth == 0 || tx->owner != c->current) {
        if (c != NULL && c->current != NULL) {
            api_durable_wait_inv(c->current); /* it may show what the handler committed */
        }
        return ws_send_now(s);
    }
    if (s->sock != NULL) {
        pthread_mutex_lock(&s->sock->mu);
        bool closed = s->sock->closed;
        pthread_mutex_unlock(&s->sock->mu);
        if (closed) {
            return false;
        }
    }
    struct str parts[4] = { s->group, s->id, s->except, s->data };
    size_t n = 0;
    for (size_t i = 0; i < 4; i++) {
        n += parts[i].len;
    }
    struct held_ws *h = mem_calloc(1, sizeof(*h) + n + 1);
    char *p = h->bytes;
    for (size_t i = 0; i < 4; i++) {
        memcpy(p, parts[i].ptr != NULL ? parts[i].ptr : "", parts[i].len);
        parts[i] = str_make(p, parts[i].len);
        p += parts[i].len;
    }
    h->s = (struct ws_send){ .sock = s->sock,
                             .en = s->en,
                             .f = s->f != NULL ? http_filter_ref(s->f) : NULL,
                             .binary = s->binary,
                             .group = parts[0],
                             .id = parts[1],
                             .except = parts[2],
                             .data = parts[3] };
    if (h->s.sock != NULL) {
        api_ws_sock_ref(h->s.sock);
    }
    if (!api_tx_defer(c, held_ws_run, held_ws_drop, h)) {
        held_ws_drop(h);
        return ws_send_now(s);
    }
    return true;
}

/* wsSend(handle, data) */
static JSValueRef rt_ws_send(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                             const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ws_sock *sock = handle_of(ctx, argv[0], exception);
    if (sock == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    size_t len = 0;
    bool binary = false;
    char *data = arg_payload(ctx, argv[1], &len, &binary, exception);
    if (data == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    struct ws_send ws = { .sock = sock, .binary = binary, .data = str_make(data, len) };
    bool ok = ws_send(api_ctx_of(ctx), &ws);
    mem_free(data);
    return ok ? JSValueMakeUndefined(ctx) : socket_closed(ctx, exception);
}

/* wsClose(handle, code, reason) */
static JSValueRef rt_ws_close(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                              const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ws_sock *sock = handle_of(ctx, argv[0], exception);
    if (sock == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    int code = (int)api_rt_arg_num(ctx, argv[1]);
    size_t len = 0;
    char *reason = api_rt_arg_str(ctx, argv[2], &len, exception);
    if (reason == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    JSValueRef r = JSValueMakeUndefined(ctx);
    if ((code != 1000 && (code < 3000 || code > 4999)) || len > RT_WS_CLOSE_REASON) {
        r = api_rt_invalid(ctx, exception,
                           "close code must be 1000 or 3000-4999, reason <= 123 bytes");
    } else {
        struct diag d;
        pthread_mutex_lock(&sock->mu);
        (void)sock_op(sock, 1, false, code, str_make(reason, len), &d);
        pthread_mutex_unlock(&sock->mu);
    }
    mem_free(reason);
    return r;
}

/* Join or leave group g (the mirror, and the socket once open). RC_OK, RC_LIMIT, RC_INVAL.
 * Under sock->mu. */
static int sock_group(struct api_ws_sock *sock, struct str g, bool join)
{
    if (!http_ws_group_name_is_valid(g)) {
        return RC_INVAL; /* also before the upgrade, when the join is only recorded */
    }
    size_t at = sock->groups.count;
    for (size_t i = 0; i < sock->groups.count; i++) {
        if (str_eq_cstr(g, sock->groups.items[i])) {
            at = i;
        }
    }
    struct diag d;
    if (!join) {
        if (at == sock->groups.count) {
            return RC_OK;
        }
        mem_free(sock->groups.items[at]);
        sock->groups.items[at] = sock->groups.items[--sock->groups.count];
        return sock->open ? http_ws_leave(sock->ws, g, &d) : RC_OK;
    }
    if (at < sock->groups.count) {
        return RC_OK;
    }
    if (sock->groups.count >= HTTP_WS_GROUPS_MAX) {
        return RC_LIMIT;
    }
    int rc = sock->open ? http_ws_join(sock->ws, g, &d) : RC_OK;
    if (rc == RC_OK && !sock->closed) {
        VEC_PUSH(&sock->groups, mem_strndup(g));
    }
    return rc;
}

/* wsGroup(handle, name, join) */
static JSValueRef rt_ws_group(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                              const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ws_sock *sock = handle_of(ctx, argv[0], exception);
    if (sock == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    size_t len = 0;
    char *g = api_rt_arg_str(ctx, argv[1], &len, exception);
    if (g == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    pthread_mutex_lock(&sock->mu);
    int rc = sock_group(sock, str_make(g, len), JSValueToBoolean(ctx, argv[2]));
    pthread_mutex_unlock(&sock->mu);
    mem_free(g);
    if (rc == RC_LIMIT) {
        return api_throw(ctx, exception, "LIMIT_EXCEEDED", STR("a socket is in at most 100 groups"),
                         STR(""));
    }
    if (rc != RC_OK) {
        return api_rt_invalid(ctx, exception, "group names match ^[A-Za-z0-9_.:-]{1,128}$");
    }
    return JSValueMakeUndefined(ctx);
}

/* wsBroadcast(handle, group, data, exceptSelf) */
static JSValueRef rt_ws_broadcast(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                  const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ws_sock *sock = handle_of(ctx, argv[0], exception);
    if (sock == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    size_t glen = 0;
    size_t len = 0;
    bool binary = false;
    char *g = api_rt_arg_str(ctx, argv[1], &glen, exception);
    char *data = g != NULL ? arg_payload(ctx, argv[2], &len, &binary, exception) : NULL;
    if (data != NULL) {
        struct ws_send ws = {
            .en = sock->entry,
            .binary = binary,
            .group = str_make(g, glen),
            .except = JSValueToBoolean(ctx, argv[3]) ? api_ws_sock_id(sock) : STR_NULL,
            .data = str_make(data, len),
        };
        IGNORE_RC(ws_send(api_ctx_of(ctx), &ws));
    }
    mem_free(g);
    mem_free(data);
    return JSValueMakeUndefined(ctx);
}

/* wsInfo(handle) -> [id, path, protocol, isOpen, groups] */
static JSValueRef rt_ws_info(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                             const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ws_sock *sock = handle_of(ctx, argv[0], exception);
    if (sock == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    JSValueRef exc = NULL;
    pthread_mutex_lock(&sock->mu);
    size_t n = sock->groups.count;
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of JSValueRef */
    JSValueRef *gs = mem_calloc(n ? n : 1, sizeof(*gs));
    for (size_t i = 0; i < n; i++) {
        gs[i] = js_make_string(ctx, str_from_cstr(sock->groups.items[i]));
    }
    JSValueRef items[5] = {
        js_make_string(ctx, api_ws_sock_id(sock)),
        js_make_string(ctx, str_make(sock->entry->pattern, sock->entry->pattern_len)),
        js_make_string(ctx, str_from_cstr(sock->protocol)),
        JSValueMakeBoolean(ctx, !sock->closed),
        JSObjectMakeArray(ctx, n, gs, &exc),
    };
    pthread_mutex_unlock(&sock->mu);
    mem_free(gs);
    JSObjectRef arr = JSObjectMakeArray(ctx, 5, items, &exc);
    if (exc != NULL) {
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    return arr;
}

/* wsData(handle[, json]): get (a JSON string or undefined) or set socket.data. */
static JSValueRef rt_ws_data(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                             const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ws_sock *sock = handle_of(ctx, argv[0], exception);
    if (sock == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    if (argc < 2) {
        pthread_mutex_lock(&sock->mu);
        JSValueRef v = sock->data != NULL
                           ? js_make_string(ctx, str_make(sock->data, sock->data_len))
                           : JSValueMakeUndefined(ctx);
        pthread_mutex_unlock(&sock->mu);
        return v;
    }
    size_t len = 0;
    char *json = NULL;
    if (!JSValueIsUndefined(ctx, argv[1])) {
        json = api_rt_arg_str(ctx, argv[1], &len, exception);
        if (json == NULL) {
            return JSValueMakeUndefined(ctx);
        }
    }
    if (len > RT_WS_DATA_MAX) {
        mem_free(json);
        return api_throw(ctx, exception, "LIMIT_EXCEEDED",
                         STR("socket.data is over 16 KiB as JSON"), STR("{\"limit\":16384}"));
    }
    /* C for filtered route sends: the top-level strings, numbers and booleans (a flat list
     * from the prelude); over the criteria limits, none (the socket matches as {}). */
    struct http_criteria *c = http_criteria_new();
    struct diag d;
    if (argc >= 3 && JSValueIsObject(ctx, argv[2]) &&
        api_rt_read_criteria(ctx, (JSObjectRef)argv[2], c, &d) != RC_OK) {
        http_criteria_free(c);
        c = http_criteria_new();
    }
    pthread_mutex_lock(&sock->mu);
    mem_free(sock->data);
    sock->data = json;
    sock->data_len = len;
    if (sock->open) {
        IGNORE_RC(http_ws_set_criteria(sock->ws, c));
    } else {
        http_criteria_free(sock->crit);
        sock->crit = c;
    }
    pthread_mutex_unlock(&sock->mu);
    return JSValueMakeUndefined(ctx);
}

/* wsRoute(path, op, data, group, socketId, except, code, filterJson|null, mode, literal) ->
 * open sockets of path. op 0: send, 1: close (data is the reason). */
static JSValueRef rt_ws_route(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                              const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    char *path = NULL;
    char *data = NULL;
    char *group = NULL;
    char *id = NULL;
    char *except = NULL;
    size_t plen = 0;
    size_t dlen = 0;
    size_t glen = 0;
    size_t ilen = 0;
    size_t xlen = 0;
    bool binary = false;
    JSValueRef r = JSValueMakeUndefined(ctx);
    if ((path = api_rt_arg_str(ctx, argv[0], &plen, exception)) == NULL ||
        (data = arg_payload(ctx, argv[2], &dlen, &binary, exception)) == NULL ||
        (group = api_rt_arg_str(ctx, argv[3], &glen, exception)) == NULL ||
        (id = api_rt_arg_str(ctx, argv[4], &ilen, exception)) == NULL ||
        (except = api_rt_arg_str(ctx, argv[5], &xlen, exception)) == NULL) {
        goto out;
    }
    struct api_rt_entry *en =
        c != NULL && c->e != NULL
            ? api_realtime_entry_active(c->e->rt, API_ROUTE_WS, str_make(path, plen))
            : NULL;
    if (en == NULL) {
        r = api_throw(ctx, exception, "STREAM_NOT_FOUND",
                      STR("no WebSocket route is registered at that path"), STR(""));
        goto out;
    }
    struct diag d;
    int rc = RC_OK;
    struct http_filter *f = NULL;
    if (!api_rt_arg_filter(ctx, argv + 7, &f, exception)) {
        goto out;
    }
    if (api_rt_arg_num(ctx, argv[1]) == 1) {
        rc = http_ws_close_route(en->wr, str_make(group, glen), str_make(id, ilen),
                                 (int)api_rt_arg_num(ctx, argv[6]), str_make(data, dlen), &d);
    } else {
        struct ws_send ws = { .en = en,
                              .f = f,
                              .binary = binary,
                              .group = str_make(group, glen),
                              .id = str_make(id, ilen),
                              .except = str_make(except, xlen),
                              .data = str_make(data, dlen) };
        IGNORE_RC(ws_send(c, &ws));
    }
    http_filter_unref(f);
    r = rc == RC_OK ? JSValueMakeNumber(ctx, (double)http_ws_connection_count(en->wr))
                    : api_rt_invalid(ctx, exception, d.msg);
out:
    mem_free(path);
    mem_free(data);
    mem_free(group);
    mem_free(id);
    mem_free(except);
    return r;
}

struct api_rt_entry *api_ws_sock_entry(const struct api_ws_sock *s)
{
    return s->entry;
}

size_t api_ws_sock_exec(const struct api_ws_sock *s)
{
    return s->exec;
}

void api_ws_sock_drain(struct api_ws_sock *s)
{
    while (s != NULL && s->q_head != NULL) {
        struct api_job *next = s->q_head;
        s->q_head = next->next_in_sock;
        api_realtime_job_free(next);
    }
    if (s != NULL) {
        s->q_tail = NULL;
    }
}

static const struct js_fn websocket_fns[] = {
    { .name = "wsSend", .fn = rt_ws_send, .min_args = 2 },
    { .name = "wsClose", .fn = rt_ws_close, .min_args = 3 },
    { .name = "wsGroup", .fn = rt_ws_group, .min_args = 3 },
    { .name = "wsBroadcast", .fn = rt_ws_broadcast, .min_args = 4 },
    { .name = "wsInfo", .fn = rt_ws_info, .min_args = 1 },
    { .name = "wsData", .fn = rt_ws_data, .min_args = 1 },
    { .name = "wsRoute", .fn = rt_ws_route, .min_args = 10 },
    { .name = NULL },
};

const struct api_module api_module_websocket = {
    .name = "websocket",
    .init = NULL,
    .fns = websocket_fns,
};
