/* SPDX-License-Identifier: MIT */
/*
 * WebSocket routes: the RFC 6455 handshake, libwslay framing over an upgraded connection
 * (http_exchange_upgrade), per-loop socket lists, groups and sends from any thread.
 *
 * A socket's bytes arrive on its loop (on_data); wslay pulls them through recv_cb, reassembles
 * fragments, answers pings and closes, and hands complete messages to on_msg. What wslay
 * writes goes out through send_cb as chunks of the upgraded stream, whose bounded queue
 * disconnects a socket that does not read. Operations from other threads are posted to the
 * socket's loop; route-wide sends are posted once per loop with the payload shared in one
 * refcounted chunk. A socket is freed by its last reference: the loop holds one until the
 * stream is over (on_close has run), callers hold theirs with http_ws_ref.
 * Thread contract: see http.h.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <openssl/evp.h>
#include <wslay/wslay.h>

#include "base/arena.h"
#include "base/clk.h"
#include "base/diag.h"
#include "base/mem.h"
#include "base/rc.h"
#include "base/utf8.h"
#include "http/http.h"
#include "http/http_internal.h"
#include "http/http_parse.h"
#include "net/net.h"

#define WS_DEFAULT_MAX_MESSAGE ((size_t)64 * 1024)
#define WS_DEFAULT_MAX_CONNS   1000
#define WS_DEFAULT_HUB_CONNS   10000
#define WS_DEFAULT_QUEUE_BYTES ((size_t)8 * 1024 * 1024)
#define WS_QUEUE_CHUNKS        100000
#define WS_ID_LEN              29 /* "ws_" + 26 */
#define WS_CLOSE_REASON_MAX    123
#define WS_DEFAULT_PING_MS     30000
#define WS_DEFAULT_RATE        50
#define WS_DEFAULT_IDLE_MS     300000

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

struct http_ws {
    struct http_ws_route *route;
    void *user_data;
    struct http_stream *st;
    wslay_event_context_ptr ctx;
    size_t io;
    atomic_int refs;
    char id[WS_ID_LEN + 1];
    struct str protocol; /* in proto: the chosen subprotocol, or empty */
    char proto[HTTP_WS_PROTOCOL_MAX + 1];
    size_t max_rate;                      /* messages per second, from the route when it opened */
    char reason[WS_CLOSE_REASON_MAX + 1]; /* the peer's close reason */
    size_t reason_len;
    int64_t rate_window_ms; /* start of the current one-second window */
    size_t rate_count;
    char **groups;
    size_t group_count;
    struct http_criteria *crit; /* for filtered route sends; loop thread */
    const char *in;             /* bytes being fed to wslay */
    size_t in_len;
    bool linked;
    bool closed;
    bool close_reported;
    struct http_ws *prev;
    struct http_ws *next;
    struct net_post open_post;
};

struct http_ws_route {
    struct http_ws_hub *hub;
    pthread_mutex_t mu; /* cfg, origins, protocols (http_ws_configure) */
    struct http_ws_config cfg;
    struct str *origins;
    struct str *protocols;
    struct http_ws **loops; /* per loop: list head, loop thread only */
    atomic_size_t conns;
};

struct http_ws_hub {
    struct http_server *srv;
    size_t io_count;
    pthread_mutex_t mu; /* router, routes, count, cap */
    struct http_router *router;
    struct http_ws_route **routes;
    size_t count;
    size_t cap;
    atomic_size_t conns;
    size_t max_conns;
    struct http_chunk *ping; /* an empty server ping frame */
};

enum ws_op_kind {
    WS_OP_SEND,
    WS_OP_CLOSE,
    WS_OP_JOIN,
    WS_OP_LEAVE,
};

struct ws_op {
    struct net_post post;
    struct http_ws *ws;
    struct http_criteria *crit; /* http_ws_set_criteria */
    enum ws_op_kind kind;
    bool binary;
    int code;
    size_t len;
    char data[]; /* message, reason or group name */
};

struct ws_route_op {
    struct net_post post;
    struct http_ws_route *route;
    size_t io;
    bool binary;
    int close_code;        /* > 0: close the picked sockets with it (payload: the reason) */
    struct http_filter *f; /* NULL: no filter */
    struct http_chunk *payload;
    struct str group;
    struct str id;
    struct str except;
    char names[]; /* group, id and except bytes */
};

/* ------------------------------------------------------------------ handshake */

void http_ws_accept_key(struct str key, char out[29])
{
    unsigned char digest[EVP_MAX_MD_SIZE] = { 0 };
    unsigned int n = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ASSERT(md != NULL);
    ASSERT(EVP_DigestInit_ex(md, EVP_sha1(), NULL) == 1);
    ASSERT(EVP_DigestUpdate(md, key.ptr, key.len) == 1);
    ASSERT(EVP_DigestUpdate(md, ws_guid, sizeof(ws_guid) - 1) == 1);
    ASSERT(EVP_DigestFinal_ex(md, digest, &n) == 1 && n == 20);
    EVP_MD_CTX_free(md);
    EVP_EncodeBlock((unsigned char *)out, digest, 20);
    out[28] = '\0';
}

/* True when the comma-separated header value list has token (case-insensitive). */
static bool has_token(struct str list, struct str token)
{
    struct str rest = list;
    while (rest.len > 0) {
        struct str item;
        struct str tail;
        str_split_char(rest, ',', &item, &tail);
        if (str_eq_nocase(str_trim(item), token)) {
            return true;
        }
        rest = tail;
    }
    return false;
}

/* Whether origin is allowed: listed ("*" for any), or, with no list, the request's own host. */
static bool origin_ok(const struct http_ws_route *r, const struct http_request *req)
{
    struct str origin;
    if (!http_request_header(req, STR("origin"), &origin)) {
        return true; /* not a browser: nothing to protect */
    }
    if (r->cfg.origin_count > 0) {
        for (size_t i = 0; i < r->cfg.origin_count; i++) {
            if (str_eq_cstr(r->origins[i], "*") || str_eq_nocase(r->origins[i], origin)) {
                return true;
            }
        }
        return false;
    }
    struct str host;
    if (!http_request_header(req, STR("host"), &host)) {
        return false;
    }
    ptrdiff_t at = str_find(origin, STR("://"));
    return at >= 0 && str_eq_nocase(str_sub(origin, (size_t)at + 3, origin.len), host);
}

/* The first subprotocol the client offers that r accepts, or an empty slice. */
static struct str pick_protocol(const struct http_ws_route *r, const struct http_request *req)
{
    struct str offered;
    if (r->cfg.protocol_count == 0 ||
        !http_request_header(req, STR("sec-websocket-protocol"), &offered)) {
        return STR_NULL;
    }
    struct str rest = offered;
    while (rest.len > 0) {
        struct str item;
        struct str tail;
        str_split_char(rest, ',', &item, &tail);
        item = str_trim(item);
        for (size_t i = 0; i < r->cfg.protocol_count; i++) {
            if (str_eq(r->protocols[i], item)) {
                return r->protocols[i];
            }
        }
        rest = tail;
    }
    return STR_NULL;
}

/* RC_OK or the error already answered on ex (d says why). */
static int check_handshake(struct http_ws_route *r, struct http_exchange *ex, struct str *out_key,
                           struct diag *d)
{
    const struct http_request *req = http_exchange_request(ex);
    struct str v;
    const char *why = NULL;
    if (!str_eq(req->method, STR("GET")) || req->version_minor < 1) {
        why = "a WebSocket upgrade must be GET over HTTP/1.1";
    } else if (!http_request_header(req, STR("upgrade"), &v) || !has_token(v, STR("websocket"))) {
        why = "missing Upgrade: websocket";
    } else if (!http_request_header(req, STR("connection"), &v) || !has_token(v, STR("upgrade"))) {
        why = "missing Connection: Upgrade";
    } else if (!http_request_header(req, STR("sec-websocket-key"), out_key) || out_key->len != 24 ||
               out_key->ptr[22] != '=' || out_key->ptr[23] != '=') {
        why = "Sec-WebSocket-Key must be 16 bytes in base64";
    }
    if (why != NULL) {
        http_exchange_respond_error(ex, 400, "BAD_REQUEST", str_from_cstr(why), STR_NULL, NULL, 0);
        return diag_set(d, RC_INVAL, "%s", why);
    }
    if (!http_request_header(req, STR("sec-websocket-version"), &v) || !str_eq(v, STR("13"))) {
        struct http_header h = { STR("Sec-WebSocket-Version"), STR("13") };
        http_exchange_respond_error(ex, 426, "UPGRADE_REQUIRED",
                                    STR("Sec-WebSocket-Version 13 is required"), STR_NULL, &h, 1);
        return diag_set(d, RC_INVAL, "unsupported Sec-WebSocket-Version");
    }
    if (!origin_ok(r, req)) {
        http_exchange_respond_error(ex, 403, "FORBIDDEN", STR("origin not allowed"), STR_NULL, NULL,
                                    0);
        return diag_set(d, RC_DENIED, "origin not allowed");
    }
    return RC_OK;
}

/* ------------------------------------------------------------------ sockets */

struct http_ws *http_ws_ref(struct http_ws *ws)
{
    atomic_fetch_add(&ws->refs, 1);
    return ws;
}

void http_ws_release(struct http_ws *ws)
{
    if (ws == NULL || atomic_fetch_sub(&ws->refs, 1) != 1) {
        return;
    }
    atomic_fetch_sub(&ws->route->conns, 1);
    atomic_fetch_sub(&ws->route->hub->conns, 1);
    for (size_t i = 0; i < ws->group_count; i++) {
        mem_free(ws->groups[i]);
    }
    mem_free(ws->groups);
    http_criteria_free(ws->crit);
    if (ws->ctx != NULL) {
        wslay_event_context_free(ws->ctx);
    }
    http_stream_release(ws->st);
    mem_free(ws);
}

void *http_ws_user_data(const struct http_ws *ws)
{
    return ws->user_data;
}

struct str http_ws_protocol(const struct http_ws *ws)
{
    return ws->protocol;
}

struct str http_ws_id(const struct http_ws *ws)
{
    return str_make(ws->id, WS_ID_LEN);
}

static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
    (void)flags;
    struct http_ws *ws = user;
    if (ws->in_len == 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    size_t n = len < ws->in_len ? len : ws->in_len;
    memcpy(buf, ws->in, n);
    ws->in += n;
    ws->in_len -= n;
    return (ssize_t)n;
}

static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                       void *user)
{
    (void)flags;
    struct http_ws *ws = user;
    if (ws->closed) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    struct http_chunk *ch = http_chunk_new(str_make((const char *)data, len));
    int rc = http_stream_push(ws->st, ch);
    http_chunk_unref(ch);
    if (rc != RC_OK) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)len;
}

static void on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                   void *user)
{
    struct http_ws *ws = user;
    if (arg->opcode == WSLAY_CONNECTION_CLOSE && arg->msg_length > 2) {
        size_t n = arg->msg_length - 2;
        n = n > WS_CLOSE_REASON_MAX ? WS_CLOSE_REASON_MAX : n;
        memcpy(ws->reason, arg->msg + 2, n);
        ws->reason_len = n;
    }
    if (arg->opcode != WSLAY_TEXT_FRAME && arg->opcode != WSLAY_BINARY_FRAME) {
        return; /* ping, pong and close are wslay's */
    }
    int64_t now = clk_mono_ms();
    if (now - ws->rate_window_ms >= 1000) {
        ws->rate_window_ms = now;
        ws->rate_count = 0;
    }
    if (++ws->rate_count > ws->max_rate) {
        (void)wslay_event_queue_close(ctx, WSLAY_CODE_POLICY_VIOLATION, NULL, 0);
        return;
    }
    struct str data = str_make((const char *)arg->msg, arg->msg_length);
    bool binary = arg->opcode == WSLAY_BINARY_FRAME;
    if (!binary && !utf8_is_valid(data.ptr, data.len)) {
        (void)wslay_event_queue_close(ctx, WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA, NULL, 0);
        return;
    }
    if (ws->route->cfg.on_message != NULL && !ws->closed) {
        ws->route->cfg.on_message(ws, binary, data, ws->route->cfg.arg);
    }
}

/* Let wslay write, then end the stream once both closes went through. Loop thread. */
static void ws_pump(struct http_ws *ws)
{
    if (ws->closed) {
        return;
    }
    if (wslay_event_send(ws->ctx) != 0) {
        http_stream_abort(ws->st);
        return;
    }
    if (!wslay_event_want_read(ws->ctx) && !wslay_event_want_write(ws->ctx)) {
        http_stream_end(ws->st);
    }
}

static void on_ws_data(struct http_stream *st, const char *data, size_t len, void *arg)
{
    (void)st;
    struct http_ws *ws = arg;
    if (ws->closed) {
        return;
    }
    http_ws_ref(ws);
    ws->in = data;
    ws->in_len = len;
    int rc = wslay_event_recv(ws->ctx);
    ws->in_len = 0;
    if (rc != 0 && !ws->closed) {
        /* WSLAY_ERR_PROTO and friends: fail the connection with 1002. */
        (void)wslay_event_queue_close(ws->ctx, WSLAY_CODE_PROTOCOL_ERROR, NULL, 0);
    }
    ws_pump(ws);
    http_ws_release(ws);
}

static void unlink_ws(struct http_ws *ws)
{
    if (!ws->linked) {
        return;
    }
    struct http_ws **head = &ws->route->loops[ws->io];
    if (ws->prev != NULL) {
        ws->prev->next = ws->next;
    } else {
        *head = ws->next;
    }
    if (ws->next != NULL) {
        ws->next->prev = ws->prev;
    }
    ws->linked = false;
}

/* The stream is over: report the close once and drop the loop's reference. */
static void on_ws_stream_close(struct http_stream *st, void *arg)
{
    (void)st;
    struct http_ws *ws = arg;
    ws->closed = true;
    unlink_ws(ws);
    if (!ws->close_reported) {
        ws->close_reported = true;
        int code = 1006;
        if (wslay_event_get_close_received(ws->ctx)) {
            code = wslay_event_get_status_code_received(ws->ctx);
        }
        if (ws->route->cfg.on_close != NULL) {
            ws->route->cfg.on_close(ws, code, str_make(ws->reason, ws->reason_len),
                                    ws->route->cfg.arg);
        }
    }
    http_ws_release(ws);
}

static void on_open_post(struct net_post *item)
{
    struct http_ws *ws = CONTAINER_OF(item, struct http_ws, open_post);
    if (!ws->closed) {
        struct http_ws **head = &ws->route->loops[ws->io];
        ws->next = *head;
        ws->prev = NULL;
        if (*head != NULL) {
            (*head)->prev = ws;
        }
        *head = ws;
        ws->linked = true;
        if (ws->route->cfg.on_open != NULL) {
            ws->route->cfg.on_open(ws, ws->route->cfg.arg);
        }
    }
    http_ws_release(ws);
}

static void make_id(char out[WS_ID_LEN + 1])
{
    char rid[31];
    http_request_id_make(rid); /* "req_" + 26 */
    memcpy(out, "ws_", 3);
    memcpy(out + 3, rid + 4, 26);
    out[WS_ID_LEN] = '\0';
}

void http_ws_make_id(char out[HTTP_WS_ID_BYTES + 1])
{
    make_id(out);
}

int http_ws_accept(struct http_ws_route *r, struct http_exchange *ex, struct str id,
                   void *user_data, struct diag *d)
{
    struct str key = STR_NULL;
    pthread_mutex_lock(&r->mu);
    struct http_ws_config cfg = r->cfg; /* the socket keeps the configuration it opened with */
    int rc = check_handshake(r, ex, &key, d);
    struct str proto = rc == RC_OK ? pick_protocol(r, http_exchange_request(ex)) : STR_NULL;
    char proto_copy[HTTP_WS_PROTOCOL_MAX + 1];
    size_t proto_len = proto.len > HTTP_WS_PROTOCOL_MAX ? 0 : proto.len;
    memcpy(proto_copy, proto.ptr != NULL ? proto.ptr : "", proto_len);
    pthread_mutex_unlock(&r->mu);
    if (rc != RC_OK) {
        return rc;
    }
    struct http_ws_hub *h = r->hub;
    size_t n = atomic_fetch_add(&r->conns, 1) + 1;
    size_t total = atomic_fetch_add(&h->conns, 1) + 1;
    if (n > cfg.max_connections || total > h->max_conns) {
        atomic_fetch_sub(&r->conns, 1);
        atomic_fetch_sub(&h->conns, 1);
        http_exchange_respond_error(ex, 503, "TOO_MANY_CONNECTIONS",
                                    STR("this WebSocket route has reached its connection limit"),
                                    STR_NULL, NULL, 0);
        return diag_set(d, RC_LIMIT, "WebSocket connection limit");
    }
    char accept[29];
    http_ws_accept_key(key, accept);
    struct http_ws *ws = mem_calloc(1, sizeof(*ws));
    ws->route = r;
    ws->user_data = user_data;
    ws->io = http_exchange_io_index(ex);
    atomic_init(&ws->refs, 2); /* the loop (until the stream is over) and the open post */
    if (id.len == WS_ID_LEN) {
        memcpy(ws->id, id.ptr, WS_ID_LEN);
        ws->id[WS_ID_LEN] = '\0';
    } else {
        make_id(ws->id);
    }
    ws->max_rate = cfg.max_messages_per_sec;
    static const struct wslay_event_callbacks cbs = {
        .recv_callback = recv_cb,
        .send_callback = send_cb,
        .on_msg_recv_callback = on_msg,
    };
    int wrc = wslay_event_context_server_init(&ws->ctx, &cbs, ws);
    ASSERT(wrc == 0); /* wslay fails only when out of memory */
    wslay_event_config_set_max_recv_msg_length(ws->ctx, cfg.max_message_bytes);
    memcpy(ws->proto, proto_copy, proto_len);
    ws->protocol = str_make(ws->proto, proto_len);
    const struct http_header hs[] = {
        { STR("Upgrade"), STR("websocket") },
        { STR("Sec-WebSocket-Accept"), str_make(accept, 28) },
        { STR("Sec-WebSocket-Protocol"), ws->protocol },
    };
    struct http_stream_config scfg = {
        .max_queue_chunks = WS_QUEUE_CHUNKS,
        .max_queue_bytes = cfg.max_queue_bytes,
        .heartbeat_ms = cfg.ping_interval_ms > 0 ? cfg.ping_interval_ms : 0,
        .heartbeat = cfg.ping_interval_ms > 0 ? h->ping : NULL,
        .read_idle_ms = cfg.idle_timeout_ms > 0 ? cfg.idle_timeout_ms : 0,
        .on_close = on_ws_stream_close,
        .arg = ws,
    };
    size_t nh = ws->protocol.len > 0 ? 3 : 2;
    rc = http_exchange_upgrade(ex, hs, nh, &scfg, on_ws_data, ws, &ws->st, d);
    if (rc != RC_OK) {
        atomic_store(&ws->refs, 1);
        http_ws_release(ws);
        return rc;
    }
    ws->open_post.fn = on_open_post;
    if (!http_server_post(h->srv, ws->io, &ws->open_post)) {
        http_ws_release(ws);
    }
    return RC_OK;
}

/* ------------------------------------------------------------------ operations */

bool http_ws_group_name_is_valid(struct str g)
{
    if (g.len == 0 || g.len > HTTP_WS_GROUP_MAX_BYTES) {
        return false;
    }
    for (size_t i = 0; i < g.len; i++) {
        char ch = g.ptr[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == ':' || ch == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool in_group(const struct http_ws *ws, struct str g)
{
    for (size_t i = 0; i < ws->group_count; i++) {
        if (str_eq_cstr(g, ws->groups[i])) {
            return true;
        }
    }
    return false;
}

static void queue_msg(struct http_ws *ws, bool binary, struct str data)
{
    struct wslay_event_msg m = {
        .opcode = binary ? WSLAY_BINARY_FRAME : WSLAY_TEXT_FRAME,
        .msg = (const uint8_t *)data.ptr,
        .msg_length = data.len,
    };
    if (wslay_event_queue_msg(ws->ctx, &m) == 0) {
        ws_pump(ws);
    }
}

static void apply_group(struct http_ws *ws, enum ws_op_kind kind, struct str g)
{
    bool member = in_group(ws, g);
    if (kind == WS_OP_JOIN && !member && ws->group_count < HTTP_WS_GROUPS_MAX) {
        ws->groups = mem_realloc(ws->groups, (ws->group_count + 1) * sizeof(char *));
        ws->groups[ws->group_count++] = mem_strndup(g);
        return;
    }
    if (kind != WS_OP_LEAVE || !member) {
        return;
    }
    for (size_t i = 0; i < ws->group_count; i++) {
        if (str_eq_cstr(g, ws->groups[i])) {
            mem_free(ws->groups[i]);
            ws->groups[i] = ws->groups[--ws->group_count];
            return;
        }
    }
}

static void apply_op(struct http_ws *ws, enum ws_op_kind kind, bool binary, int code,
                     struct str data)
{
    if (ws->closed) {
        return;
    }
    switch (kind) {
    case WS_OP_SEND:
        queue_msg(ws, binary, data);
        break;
    case WS_OP_CLOSE:
        if (wslay_event_queue_close(ws->ctx, (uint16_t)code, (const uint8_t *)data.ptr, data.len) ==
            0) {
            ws_pump(ws);
        }
        break;
    case WS_OP_JOIN:
    case WS_OP_LEAVE:
        apply_group(ws, kind, data);
        break;
    }
}

static void on_ws_op(struct net_post *item)
{
    struct ws_op *op = CONTAINER_OF(item, struct ws_op, post);
    apply_op(op->ws, op->kind, op->binary, op->code, str_make(op->data, op->len));
    http_ws_release(op->ws);
    mem_free(op);
}

static int run_op(struct http_ws *ws, enum ws_op_kind kind, bool binary, int code, struct str data)
{
    if (ws->closed) {
        return RC_IO;
    }
    struct http_ws_hub *h = ws->route->hub;
    if (http_server_on_loop(h->srv, ws->io)) {
        apply_op(ws, kind, binary, code, data);
        return RC_OK;
    }
    struct ws_op *op = mem_alloc(sizeof(*op) + data.len + 1);
    memset(op, 0, sizeof(*op));
    op->ws = http_ws_ref(ws);
    op->kind = kind;
    op->binary = binary;
    op->code = code;
    op->len = data.len;
    if (data.len > 0) {
        memcpy(op->data, data.ptr, data.len);
    }
    op->post.fn = on_ws_op;
    if (!http_server_post(h->srv, ws->io, &op->post)) {
        http_ws_release(ws);
        mem_free(op);
        return RC_IO;
    }
    return RC_OK;
}

int http_ws_send(struct http_ws *ws, bool binary, struct str data)
{
    return run_op(ws, WS_OP_SEND, binary, 0, data);
}

int http_ws_close(struct http_ws *ws, int code, struct str reason, struct diag *d)
{
    if (code != 1000 && (code < 3000 || code > 4999)) {
        return diag_set(d, RC_INVAL, "close code %d (1000 or 3000-4999)", code);
    }
    if (reason.len > WS_CLOSE_REASON_MAX || !utf8_is_valid(reason.ptr, reason.len)) {
        return diag_set(d, RC_INVAL, "close reason over %d bytes or not UTF-8",
                        WS_CLOSE_REASON_MAX);
    }
    return run_op(ws, WS_OP_CLOSE, false, code, reason);
}

int http_ws_join(struct http_ws *ws, struct str group, struct diag *d)
{
    if (!http_ws_group_name_is_valid(group)) {
        return diag_set(d, RC_INVAL, "invalid group name");
    }
    return run_op(ws, WS_OP_JOIN, false, 0, group);
}

int http_ws_leave(struct http_ws *ws, struct str group, struct diag *d)
{
    if (!http_ws_group_name_is_valid(group)) {
        return diag_set(d, RC_INVAL, "invalid group name");
    }
    return run_op(ws, WS_OP_LEAVE, false, 0, group);
}

static void on_crit_op(struct net_post *item)
{
    struct ws_op *op = CONTAINER_OF(item, struct ws_op, post);
    http_criteria_free(op->ws->crit);
    op->ws->crit = op->crit;
    http_ws_release(op->ws);
    mem_free(op);
}

int http_ws_set_criteria(struct http_ws *ws, struct http_criteria *c)
{
    struct http_ws_hub *h = ws->route->hub;
    if (http_server_on_loop(h->srv, ws->io)) {
        http_criteria_free(ws->crit);
        ws->crit = c;
        return RC_OK;
    }
    struct ws_op *op = mem_calloc(1, sizeof(*op));
    op->ws = http_ws_ref(ws);
    op->crit = c;
    op->post.fn = on_crit_op;
    if (!http_server_post(h->srv, ws->io, &op->post)) {
        http_criteria_free(c);
        http_ws_release(ws);
        mem_free(op);
        return RC_IO;
    }
    return RC_OK;
}

static void on_route_op(struct net_post *item)
{
    struct ws_route_op *op = CONTAINER_OF(item, struct ws_route_op, post);
    struct str data = http_chunk_data(op->payload);
    struct http_ws *ws = op->route->loops[op->io];
    while (ws != NULL) {
        struct http_ws *next = ws->next; /* a send may close ws */
        struct str id = http_ws_id(ws);
        bool pick = (op->id.len == 0 || str_eq(op->id, id)) &&
                    (op->group.len == 0 || in_group(ws, op->group)) &&
                    (op->except.len == 0 || !str_eq(op->except, id)) &&
                    (op->f == NULL || http_filter_match(op->f, ws->crit));
        if (pick) {
            http_ws_ref(ws);
            if (op->close_code > 0) {
                apply_op(ws, WS_OP_CLOSE, false, op->close_code, data);
            } else {
                queue_msg(ws, op->binary, data);
            }
            http_ws_release(ws);
        }
        ws = next;
    }
    http_chunk_unref(op->payload);
    http_filter_unref(op->f);
    mem_free(op);
}

static void post_route_op(struct http_ws_route *r, struct str group, struct str socket_id,
                          struct str except_id, struct http_filter *f, bool binary, int close_code,
                          struct str data)
{
    struct http_ws_hub *h = r->hub;
    struct http_chunk *payload = http_chunk_new(data);
    size_t names = group.len + socket_id.len + except_id.len;
    for (size_t i = 0; i < h->io_count; i++) {
        struct ws_route_op *op = mem_alloc(sizeof(*op) + names + 1);
        memset(op, 0, sizeof(*op));
        char *p = op->names;
        memcpy(p, group.ptr != NULL ? group.ptr : "", group.len);
        op->group = str_make(p, group.len);
        p += group.len;
        memcpy(p, socket_id.ptr != NULL ? socket_id.ptr : "", socket_id.len);
        op->id = str_make(p, socket_id.len);
        p += socket_id.len;
        memcpy(p, except_id.ptr != NULL ? except_id.ptr : "", except_id.len);
        op->except = str_make(p, except_id.len);
        op->route = r;
        op->io = i;
        op->binary = binary;
        op->close_code = close_code;
        op->f = f != NULL ? http_filter_ref(f) : NULL;
        op->payload = http_chunk_ref(payload);
        op->post.fn = on_route_op;
        if (!http_server_post(h->srv, i, &op->post)) {
            http_chunk_unref(op->payload);
            http_filter_unref(op->f);
            mem_free(op);
        }
    }
    http_chunk_unref(payload);
}

int http_ws_send_route(struct http_ws_route *r, struct str group, struct str socket_id,
                       struct str except_id, bool binary, struct str data)
{
    post_route_op(r, group, socket_id, except_id, NULL, binary, 0, data);
    return RC_OK;
}

int http_ws_send_route_filtered(struct http_ws_route *r, struct str group, struct str socket_id,
                                struct str except_id, struct http_filter *f, bool binary,
                                struct str data)
{
    post_route_op(r, group, socket_id, except_id, f, binary, 0, data);
    return RC_OK;
}

int http_ws_close_route(struct http_ws_route *r, struct str group, struct str socket_id, int code,
                        struct str reason, struct diag *d)
{
    if (code != 1000 && code != 1001 && (code < 3000 || code > 4999)) {
        return diag_set(d, RC_INVAL, "close code %d (1000, 1001 or 3000-4999)", code);
    }
    if (reason.len > WS_CLOSE_REASON_MAX || !utf8_is_valid(reason.ptr, reason.len)) {
        return diag_set(d, RC_INVAL, "close reason over %d bytes or not UTF-8",
                        WS_CLOSE_REASON_MAX);
    }
    post_route_op(r, group, socket_id, STR_NULL, NULL, false, code, reason);
    return RC_OK;
}

size_t http_ws_connection_count(const struct http_ws_route *r)
{
    return atomic_load(&((struct http_ws_route *)r)->conns);
}

/* ------------------------------------------------------------------ hub */

static void free_lists(struct http_ws_route *r)
{
    for (size_t k = 0; k < r->cfg.origin_count && r->origins != NULL; k++) {
        mem_free((void *)r->origins[k].ptr);
    }
    mem_free(r->origins);
    r->origins = NULL;
    for (size_t k = 0; k < r->cfg.protocol_count && r->protocols != NULL; k++) {
        mem_free((void *)r->protocols[k].ptr);
    }
    mem_free(r->protocols);
    r->protocols = NULL;
}

struct http_ws_hub *http_ws_hub_new(struct http_server *s, size_t max_connections)
{
    struct http_ws_hub *h = mem_calloc(1, sizeof(*h));
    h->srv = s;
    h->io_count = http_server_io_count(s);
    pthread_mutex_init(&h->mu, NULL);
    h->router = http_router_new();
    atomic_init(&h->conns, 0);
    h->max_conns = max_connections > 0 ? max_connections : WS_DEFAULT_HUB_CONNS;
    static const char ping[2] = { (char)0x89, 0x00 };
    h->ping = http_chunk_new(str_make(ping, sizeof(ping)));
    return h;
}

void http_ws_hub_free(struct http_ws_hub *h)
{
    if (h == NULL) {
        return;
    }
    for (size_t i = 0; i < h->count; i++) {
        struct http_ws_route *r = h->routes[i];
        free_lists(r);
        pthread_mutex_destroy(&r->mu);
        mem_free(r->loops);
        mem_free(r);
    }
    mem_free(h->routes);
    http_chunk_unref(h->ping);
    http_router_free(h->router);
    pthread_mutex_destroy(&h->mu);
    mem_free(h);
}

/* Set r's configuration from cfg with defaults (origins and protocols copied). Under r->mu or
 * before r is shared. */
static void set_config(struct http_ws_route *r, const struct http_ws_config *cfg)
{
    free_lists(r);
    r->cfg = *cfg;
    r->cfg.max_message_bytes =
        cfg->max_message_bytes > 0 ? cfg->max_message_bytes : WS_DEFAULT_MAX_MESSAGE;
    r->cfg.max_connections = cfg->max_connections > 0 ? cfg->max_connections : WS_DEFAULT_MAX_CONNS;
    r->cfg.max_queue_bytes =
        cfg->max_queue_bytes > 0 ? cfg->max_queue_bytes : WS_DEFAULT_QUEUE_BYTES;
    r->cfg.ping_interval_ms =
        cfg->ping_interval_ms == 0 ? WS_DEFAULT_PING_MS : cfg->ping_interval_ms;
    r->cfg.idle_timeout_ms = cfg->idle_timeout_ms == 0 ? WS_DEFAULT_IDLE_MS : cfg->idle_timeout_ms;
    r->cfg.max_messages_per_sec =
        cfg->max_messages_per_sec > 0 ? cfg->max_messages_per_sec : WS_DEFAULT_RATE;
    if (cfg->origin_count > 0) {
        r->origins = mem_calloc(cfg->origin_count, sizeof(struct str));
        for (size_t i = 0; i < cfg->origin_count; i++) {
            r->origins[i] = str_make(mem_strndup(cfg->origins[i]), cfg->origins[i].len);
        }
    }
    r->cfg.origins = NULL;
    if (cfg->protocol_count > 0) {
        r->protocols = mem_calloc(cfg->protocol_count, sizeof(struct str));
        for (size_t i = 0; i < cfg->protocol_count; i++) {
            r->protocols[i] = str_make(mem_strndup(cfg->protocols[i]), cfg->protocols[i].len);
        }
    }
    r->cfg.protocols = NULL;
}

int http_ws_register(struct http_ws_hub *h, struct str pattern, const struct http_ws_config *cfg,
                     struct http_ws_route **out_r, struct diag *d)
{
    *out_r = NULL;
    struct http_ws_route *r = mem_calloc(1, sizeof(*r));
    pthread_mutex_lock(&h->mu);
    int rc = http_router_add(h->router, STR("GET"), pattern, r, d);
    if (rc != RC_OK) {
        pthread_mutex_unlock(&h->mu);
        mem_free(r);
        return rc;
    }
    r->hub = h;
    pthread_mutex_init(&r->mu, NULL);
    set_config(r, cfg);
    r->loops = mem_calloc(h->io_count, sizeof(struct http_ws *));
    atomic_init(&r->conns, 0);
    if (h->count == h->cap) {
        h->cap = h->cap == 0 ? 4 : h->cap * 2;
        h->routes = mem_realloc(h->routes, h->cap * sizeof(struct http_ws_route *));
    }
    h->routes[h->count++] = r;
    pthread_mutex_unlock(&h->mu);
    *out_r = r;
    return RC_OK;
}

void http_ws_configure(struct http_ws_route *r, const struct http_ws_config *cfg)
{
    pthread_mutex_lock(&r->mu);
    set_config(r, cfg);
    pthread_mutex_unlock(&r->mu);
}

struct http_ws_route *http_ws_match(struct http_ws_hub *h, struct str raw_path, struct arena *a,
                                    struct http_match *out_match)
{
    pthread_mutex_lock(&h->mu);
    http_router_match(h->router, STR("GET"), raw_path, a, out_match);
    pthread_mutex_unlock(&h->mu);
    return out_match->kind == HTTP_MATCH_FOUND ? out_match->target : NULL;
}
