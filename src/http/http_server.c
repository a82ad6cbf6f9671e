/* SPDX-License-Identifier: MIT */
/*
 * The HTTP/1.1 server: N I/O loops (net_loop), each with its own SO_REUSEPORT listener and
 * its connections. A connection parses what it reads (one read buffer per loop: the parser
 * copies what it keeps into the request's arena), queues each complete request as an
 * exchange in request order and calls the dispatch function. A response, serialised on
 * whichever thread calls http_exchange_respond*(), comes back to the owning loop (directly,
 * or through net_loop_post), and the loop writes the completed prefix of the queue with one
 * writev per batch. Timeouts come from one sweep timer per loop.
 *
 * Lifetimes: an exchange lives in its own arena (recycled through a per-loop pool) and belongs
 * to the dispatcher until it responds; if its connection closes first it is detached and freed
 * when the response arrives. The server memory lives until http_server_stop() returns and the
 * last exchange is released (a response may arrive after the loops stopped; it is dropped).
 * Thread contract: see http.h.
 */
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/clk.h"
#include "base/diag.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rc.h"
#include "http/http.h"
#include "http/http_internal.h"
#include "http/http_parse.h"
#include "net/net.h"

#define READ_BUF_BYTES      ((size_t)64 * 1024)
#define ARENA_FIRST_BYTES   8192
#define ARENA_POOL_MAX      256
#define PIPELINE_MAX        32   /* exchanges queued per connection before reading pauses */
#define WRITE_BATCH_MAX     64   /* exchanges per writev */
#define LINGER_MS           2000 /* reading and discarding after the last response */
#define SWEEP_MIN_MS        10
#define SWEEP_MAX_MS        1000
#define STREAM_QUEUE_CHUNKS 1000
#define STREAM_QUEUE_BYTES  ((size_t)8 * 1024 * 1024)
#define STREAM_WRITE_MAX    64 /* chunks per writev */
#define STREAM_BEAT_MIN_MS  10
#define CHUNK_PREFIX_BYTES  18 /* room for "<hex>\r\n" */

struct conn;
struct io;

/* Bytes at bytes[CHUNK_PREFIX_BYTES .. +len], framed as bytes[frame_off .. +frame_len]. A raw
 * chunk (a response head, the last-chunk) has frame == payload. */
struct http_chunk {
    atomic_size_t refs;
    size_t len;
    size_t frame_off;
    size_t frame_len;
    bool raw;
    char bytes[];
};

struct http_stream {
    struct io *io;
    struct conn *conn; /* loop thread; set when the head reaches the writer */
    atomic_size_t refs;
    atomic_bool over;
    bool chunked;
    bool keep_alive;
    bool ended;            /* loop thread: the last-chunk is queued */
    bool closed_done;      /* loop thread: on_close was called */
    bool linked;           /* in io->streams */
    struct http_chunk **q; /* ring, loop thread */
    size_t q_cap;
    size_t q_start;
    size_t q_count;
    size_t q_bytes;
    size_t inflight; /* chunks at the ring's start being written */
    size_t max_chunks;
    size_t max_bytes;
    int64_t heartbeat_ms;
    int64_t read_idle_ms;
    int64_t last_push_ms;
    struct http_chunk *heartbeat;
    http_stream_close_fn *on_close;
    void *arg;
    http_upgrade_data_fn *on_data; /* an upgraded connection */
    void *data_arg;
    struct http_stream *prev; /* io->streams */
    struct http_stream *next;
};

struct http_exchange {
    struct arena *arena;
    struct http_request *req;
    struct io *io;
    struct conn *conn;          /* loop thread only; NULL once the connection is gone */
    struct http_exchange *next; /* in the connection's queue or write batch */
    struct net_post post;
    struct str out;   /* serialised response head (and body when copied) */
    char *owned_body; /* respond_owned: sent after out, freed with the exchange */
    size_t owned_len;
    bool send_owned;
    bool done;        /* response ready (loop thread) */
    bool keep_alive;  /* the request allows keep-alive */
    bool close_after; /* close the connection after this response */
    bool is_head;
    atomic_bool aborted;
    struct http_stream *stream; /* a streaming response, until the writer takes it */
    struct http_gate *gate;     /* asked when the response is complete */
};

struct conn {
    uv_tcp_t tcp;
    uv_write_t wreq;
    uv_shutdown_t sreq;
    struct io *io;
    struct http_parser *parser;
    struct conn *prev; /* all connections of the loop */
    struct conn *next;
    struct conn *dirty_next;
    bool dirty;
    struct http_exchange *q_head; /* waiting for their response or for the writer */
    struct http_exchange *q_tail;
    size_t q_count;
    struct http_exchange *w_head; /* being written */
    struct http_stream *stream;   /* the streaming response being written */
    struct http_stream *ws;       /* the stream whose chunks are in flight */
    bool writing;
    char *pending; /* bytes read but not parsed while paused */
    size_t pending_len;
    bool reading;
    bool paused;
    bool no_more_requests; /* stop parsing (close requested, error, upgrade) */
    bool want_continue;    /* send 100 Continue when the queue is empty */
    bool lingering;
    bool shut_done;
    bool read_eof;
    bool closed;
    bool counted;
    int64_t msg_start_ms;
    int64_t last_ms;
    int64_t last_read_ms;
    size_t requests;         /* requests parsed on this connection */
    size_t last_queue_bytes; /* write queue size at the last sweep (write progress) */
    char ip[64];
    size_t ip_len;
};

struct io {
    struct http_server *srv;
    struct net_loop *loop;
    struct net_post stop_post;
    uv_tcp_t listener;
    int listen_fd;
    bool listening;
    uv_timer_t sweep;
    uv_timer_t drain;
    uv_timer_t beat; /* stream heartbeats */
    int64_t beat_ms; /* 0: not running */
    struct http_stream *streams;
    int64_t tick_ms;
    bool started;
    bool draining;
    bool finished;
    struct conn *conns;
    struct conn *dirty;
    bool in_read;
    struct arena *pool[ARENA_POOL_MAX];
    size_t pool_count;
    char read_buf[READ_BUF_BYTES];
};

struct http_server {
    struct http_server_config cfg;
    char *host;
    char *server_header;
    struct str server_str;
    size_t io_count;
    struct io *ios; /* io_count loops */
    int port;
    int64_t drain_ms;
    atomic_size_t conn_count;
    atomic_long refs; /* 1 for the owner + 1 per live exchange */
    atomic_bool stopping;
    atomic_uint_least64_t slow_consumers;
};

static void conn_flush(struct conn *c);
static void conn_close(struct conn *c);
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);
static void conn_feed(struct conn *c, const char *data, size_t len);
static void io_maybe_finish(struct io *io);
static void stream_over(struct http_stream *st);
static void stream_unref(struct http_stream *st);
static void io_flush_dirty(struct io *io);
static void mark_dirty(struct conn *c);
static void on_write(uv_write_t *req, int status);
static void on_beat(uv_timer_t *t);

/* ------------------------------------------------------------------ server lifetime */

static void server_free(struct http_server *s)
{
    for (size_t i = 0; i < s->io_count; i++) {
        struct io *io = &s->ios[i];
        if (!io->started && io->listen_fd >= 0) {
            close(io->listen_fd);
        }
        for (size_t k = 0; k < io->pool_count; k++) {
            arena_free(io->pool[k]);
        }
        net_loop_free(io->loop);
    }
    mem_free(s->ios);
    mem_free(s->host);
    mem_free(s->server_header);
    mem_free(s);
}

static void server_unref(struct http_server *s)
{
    if (atomic_fetch_sub(&s->refs, 1) == 1) {
        server_free(s);
    }
}

/* ------------------------------------------------------------------ exchanges */

static struct arena *pool_get(void *arg)
{
    struct io *io = arg;
    if (io->pool_count > 0) {
        return io->pool[--io->pool_count];
    }
    return arena_new(ARENA_FIRST_BYTES);
}

/* Free an exchange on its loop thread (the arena goes back to the pool). */
static void exchange_free(struct http_exchange *ex)
{
    struct io *io = ex->io;
    struct http_server *s = io->srv;
    if (ex->stream != NULL) {
        /* A stream that never reached the writer: over, and the exchange's reference. */
        stream_over(ex->stream);
        stream_unref(ex->stream);
        ex->stream = NULL;
    }
    mem_free(ex->owned_body);
    struct arena *a = ex->arena;
    if (io->pool_count < ARENA_POOL_MAX && !io->finished) {
        arena_reset(a);
        io->pool[io->pool_count++] = a;
    } else {
        arena_free(a);
    }
    server_unref(s);
}

/* Free an exchange on a thread that is not its loop's, after the loop stopped. */
static void exchange_free_offloop(struct http_exchange *ex)
{
    struct http_server *s = ex->io->srv;
    if (ex->stream != NULL) {
        /* A stream that never reached the writer: over, and the exchange's reference. */
        stream_over(ex->stream);
        stream_unref(ex->stream);
        ex->stream = NULL;
    }
    mem_free(ex->owned_body);
    arena_free(ex->arena);
    server_unref(s);
}

static struct http_exchange *exchange_new(struct conn *c, struct arena *a, struct http_request *req)
{
    struct http_exchange *ex = arena_calloc(a, 1, sizeof(*ex));
    ex->arena = a;
    ex->req = req;
    ex->io = c->io;
    ex->conn = c;
    atomic_init(&ex->aborted, false);
    atomic_fetch_add(&c->io->srv->refs, 1);
    req->client_ip = arena_strdup(a, str_make(c->ip, c->ip_len));
    ex->is_head = str_eq(req->method, STR("HEAD"));
    if (c->q_tail != NULL) {
        c->q_tail->next = ex;
    } else {
        c->q_head = ex;
    }
    c->q_tail = ex;
    c->q_count++;
    return ex;
}

static void mark_dirty(struct conn *c)
{
    if (!c->dirty) {
        c->dirty = true;
        c->dirty_next = c->io->dirty;
        c->io->dirty = c;
    }
}

static void io_flush_dirty(struct io *io)
{
    while (io->dirty != NULL) {
        struct conn *c = io->dirty;
        io->dirty = c->dirty_next;
        c->dirty = false;
        c->dirty_next = NULL;
        if (!c->closed) {
            conn_flush(c);
        }
    }
}

/* A response is ready; on the loop thread. defer: flushed at the end of the current batch. */
static void exchange_ready(struct http_exchange *ex, bool defer)
{
    struct conn *c = ex->conn;
    if (c == NULL) {
        exchange_free(ex);
        return;
    }
    ex->done = true;
    mark_dirty(c);
    if (!defer && !ex->io->in_read) {
        io_flush_dirty(ex->io);
    }
}

static void on_response_post(struct net_post *item)
{
    struct http_exchange *ex = CONTAINER_OF(item, struct http_exchange, post);
    exchange_ready(ex, true);
}

static void on_batch_end(struct net_loop *l, void *arg)
{
    (void)l;
    io_flush_dirty(arg);
}

/* Hand a serialised response to the owning loop. Any thread. */
void http_exchange_release(struct http_exchange *ex)
{
    ex->post.fn = on_response_post;
    if (!net_loop_post(ex->io->loop, &ex->post)) {
        exchange_free_offloop(ex);
    }
}

void http_exchange_set_gate(struct http_exchange *ex, struct http_gate *g)
{
    ex->gate = g;
}

static void exchange_complete(struct http_exchange *ex)
{
    struct io *io = ex->io;
    struct http_gate *g = ex->gate;
    ex->gate = NULL;
    if (g != NULL && g->hold(g, ex)) {
        return; /* http_exchange_release() sends it */
    }
    if (net_loop_is_current(io->loop)) {
        exchange_ready(ex, false);
        return;
    }
    http_exchange_release(ex);
}

const struct http_request *http_exchange_request(const struct http_exchange *ex)
{
    return ex->req;
}

struct arena *http_exchange_arena(struct http_exchange *ex)
{
    return ex->arena;
}

bool http_exchange_is_aborted(const struct http_exchange *ex)
{
    return atomic_load(&((struct http_exchange *)ex)->aborted);
}

static void meta_of(const struct http_exchange *ex, int status, struct http_response_meta *m)
{
    struct http_server *s = ex->io->srv;
    m->status = status;
    m->head_request = ex->is_head;
    m->keep_alive = ex->keep_alive && !atomic_load(&s->stopping);
    m->request_id = ex->req->request_id;
    m->server = s->server_str;
    m->streaming = false;
    m->chunked = false;
    m->upgrade = false;
}

/* Serialise an error response into ex (never fails: the body is bounded and valid). */
static void serialize_error(struct http_exchange *ex, int status, struct str code,
                            struct str message, struct str details, const struct http_header *extra,
                            size_t extra_count)
{
    struct buf body;
    buf_init(&body, (size_t)1024 * 1024);
    if (http_error_body(&body, code, message, details, ex->req->request_id) != RC_OK) {
        buf_reset(&body);
        ASSERT(http_error_body(&body, code, STR("error message too long"), STR_NULL,
                               ex->req->request_id) == RC_OK);
    }
    struct http_header *hs = arena_alloc(ex->arena, (extra_count + 1) * sizeof(*hs));
    hs[0].name = STR("Content-Type");
    hs[0].value = STR("application/json");
    size_t n = 1;
    for (size_t i = 0; i < extra_count; i++) {
        if (!str_eq_nocase(extra[i].name, STR("content-type"))) {
            hs[n++] = extra[i];
        }
    }
    struct http_response_meta m;
    meta_of(ex, status, &m);
    bool send_body;
    struct diag d;
    int rc = http_response_serialize(ex->arena, &m, hs, n, buf_str(&body), true, &ex->out,
                                     &send_body, &d);
    if (rc != RC_OK) {
        /* A bad extra header: send the error without the extras. */
        rc = http_response_serialize(ex->arena, &m, hs, 1, buf_str(&body), true, &ex->out,
                                     &send_body, &d);
        ASSERT(rc == RC_OK);
    }
    buf_fini(&body);
}

static void respond_common(struct http_exchange *ex, int status, const struct http_header *headers,
                           size_t header_count, struct str body, char *owned)
{
    struct http_response_meta m;
    meta_of(ex, status, &m);
    bool send_body = false;
    struct diag d;
    int rc = http_response_serialize(ex->arena, &m, headers, header_count, body, owned == NULL,
                                     &ex->out, &send_body, &d);
    if (rc != RC_OK) {
        mem_free(owned);
        serialize_error(ex, 500, STR("INVALID_RESPONSE"), str_from_cstr(d.msg), STR_NULL, NULL, 0);
    } else if (owned != NULL) {
        if (send_body) {
            ex->owned_body = owned;
            ex->owned_len = body.len;
            ex->send_owned = true;
        } else {
            mem_free(owned);
        }
    }
    exchange_complete(ex);
}

void http_exchange_respond(struct http_exchange *ex, int status, const struct http_header *headers,
                           size_t header_count, struct str body)
{
    respond_common(ex, status, headers, header_count, body, NULL);
}

void http_exchange_respond_owned(struct http_exchange *ex, int status,
                                 const struct http_header *headers, size_t header_count,
                                 char *body_owned, size_t body_len)
{
    if (body_owned == NULL) {
        respond_common(ex, status, headers, header_count, STR(""), NULL);
        return;
    }
    respond_common(ex, status, headers, header_count, str_make(body_owned, body_len), body_owned);
}

void http_exchange_respond_error(struct http_exchange *ex, int status, const char *code,
                                 struct str message, struct str details_json,
                                 const struct http_header *extra_headers, size_t extra_count)
{
    serialize_error(ex, status, str_from_cstr(code), message, details_json, extra_headers,
                    extra_count);
    exchange_complete(ex);
}

/* ------------------------------------------------------------------ streaming responses */

static struct http_chunk *chunk_alloc(struct str data, bool raw)
{
    struct http_chunk *ch = mem_alloc(sizeof(*ch) + CHUNK_PREFIX_BYTES + data.len + 2);
    atomic_init(&ch->refs, 1);
    ch->len = data.len;
    ch->raw = raw;
    char *p = ch->bytes + CHUNK_PREFIX_BYTES;
    if (data.len > 0) {
        memcpy(p, data.ptr, data.len);
    }
    if (raw) {
        ch->frame_off = CHUNK_PREFIX_BYTES;
        ch->frame_len = data.len;
        return ch;
    }
    /* "<hex>\r\n" right before the payload, "\r\n" after it. */
    static const char hex[] = "0123456789abcdef";
    char tmp[CHUNK_PREFIX_BYTES];
    size_t n = 0;
    size_t v = data.len;
    do {
        tmp[n++] = hex[v & 0xf];
        v >>= 4;
    } while (v != 0);
    size_t off = CHUNK_PREFIX_BYTES - 2 - n;
    for (size_t i = 0; i < n; i++) {
        ch->bytes[off + i] = tmp[n - 1 - i];
    }
    ch->bytes[CHUNK_PREFIX_BYTES - 2] = '\r';
    ch->bytes[CHUNK_PREFIX_BYTES - 1] = '\n';
    p[data.len] = '\r';
    p[data.len + 1] = '\n';
    ch->frame_off = off;
    ch->frame_len = n + 2 + data.len + 2;
    return ch;
}

struct http_chunk *http_chunk_new(struct str data)
{
    return chunk_alloc(data, false);
}

struct http_chunk *http_chunk_ref(struct http_chunk *ch)
{
    atomic_fetch_add(&ch->refs, 1);
    return ch;
}

void http_chunk_unref(struct http_chunk *ch)
{
    if (ch != NULL && atomic_fetch_sub(&ch->refs, 1) == 1) {
        mem_free(ch);
    }
}

struct str http_chunk_data(const struct http_chunk *ch)
{
    return str_make(ch->bytes + CHUNK_PREFIX_BYTES, ch->len);
}

bool http_chunk_shared(const struct http_chunk *ch)
{
    return atomic_load(&((struct http_chunk *)ch)->refs) > 1;
}

/* The bytes st writes for ch. */
static uv_buf_t stream_buf(const struct http_stream *st, struct http_chunk *ch)
{
    if (st->chunked || ch->raw) {
        return uv_buf_init(ch->bytes + ch->frame_off, (unsigned)ch->frame_len);
    }
    return uv_buf_init(ch->bytes + CHUNK_PREFIX_BYTES, (unsigned)ch->len);
}

static struct http_chunk *stream_at(const struct http_stream *st, size_t i)
{
    return st->q[(st->q_start + i) % st->q_cap];
}

/* Drop the first n queued chunks. */
static void stream_pop(struct http_stream *st, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct http_chunk *ch = stream_at(st, 0);
        st->q_bytes -= stream_buf(st, ch).len;
        st->q_start = (st->q_start + 1) % st->q_cap;
        st->q_count--;
        http_chunk_unref(ch);
    }
}

static void stream_unref(struct http_stream *st)
{
    if (atomic_fetch_sub(&st->refs, 1) != 1) {
        return;
    }
    while (st->q_count > 0) {
        stream_pop(st, 1);
    }
    struct http_server *s = st->io->srv;
    mem_free(st->q);
    http_chunk_unref(st->heartbeat);
    mem_free(st);
    server_unref(s);
}

/* The stream is over: call on_close once and drop the loop's reference (unless a write of its
 * chunks is in flight: on_write drops it then). Loop thread (or after the loop stopped). */
static void stream_over(struct http_stream *st)
{
    if (st->closed_done) {
        return;
    }
    st->closed_done = true;
    atomic_store(&st->over, true);
    if (st->linked) {
        struct io *io = st->io;
        if (st->prev != NULL) {
            st->prev->next = st->next;
        } else {
            io->streams = st->next;
        }
        if (st->next != NULL) {
            st->next->prev = st->prev;
        }
        st->linked = false;
    }
    if (st->on_close != NULL) {
        st->on_close(st, st->arg);
    }
    struct conn *c = st->conn;
    if (c != NULL) {
        if (c->stream == st) {
            c->stream = NULL;
        }
        if (c->ws == st) {
            return;
        }
        st->conn = NULL;
    }
    stream_unref(st);
}

/* Close st's connection (or just end st before it reached the writer). */
static void stream_kill(struct http_stream *st)
{
    atomic_fetch_add(&st->refs, 1); /* on_close may release the last other reference */
    if (st->conn != NULL && !st->closed_done) {
        conn_close(st->conn);
    }
    stream_over(st);
    stream_unref(st);
}

int http_stream_push(struct http_stream *st, struct http_chunk *ch)
{
    if (st->closed_done || st->ended) {
        return RC_IO;
    }
    if (ch->len == 0 && !ch->raw) {
        return RC_OK;
    }
    size_t n = stream_buf(st, ch).len;
    if (st->q_count >= st->max_chunks || st->q_bytes + n > st->max_bytes) {
        atomic_fetch_add(&st->io->srv->slow_consumers, 1);
        stream_kill(st);
        return RC_LIMIT;
    }
    if (st->q_count == st->q_cap) {
        size_t cap = st->q_cap == 0 ? 4 : st->q_cap * 2;
        struct http_chunk **q = mem_alloc(cap * sizeof(struct http_chunk *));
        for (size_t i = 0; i < st->q_count; i++) {
            q[i] = stream_at(st, i);
        }
        mem_free(st->q);
        st->q = q;
        st->q_cap = cap;
        st->q_start = 0;
    }
    st->q[(st->q_start + st->q_count) % st->q_cap] = http_chunk_ref(ch);
    st->q_count++;
    st->q_bytes += n;
    if (st->conn != NULL) {
        /* Attached, so on the loop thread (the head is pushed by the beginning thread). */
        st->last_push_ms = (int64_t)uv_now(st->conn->tcp.loop);
    }
    if (st->conn != NULL) {
        mark_dirty(st->conn);
    }
    return RC_OK;
}

enum stream_op_kind {
    STREAM_OP_WRITE,
    STREAM_OP_END,
    STREAM_OP_ABORT,
};

struct stream_op {
    struct net_post post;
    struct http_stream *st;
    struct http_chunk *ch;
    enum stream_op_kind kind;
};

/* Queue the end (chunked: the last-chunk). Loop thread. */
static int stream_end_now(struct http_stream *st)
{
    if (st->ended || st->closed_done) {
        return RC_OK;
    }
    if (st->chunked) {
        struct http_chunk *last = chunk_alloc(STR("0\r\n\r\n"), true);
        int rc = http_stream_push(st, last);
        http_chunk_unref(last);
        if (rc != RC_OK) {
            return rc;
        }
    }
    st->ended = true;
    if (st->conn != NULL) {
        mark_dirty(st->conn);
    }
    return RC_OK;
}

/* Apply an operation on the loop thread. */
static int stream_apply(struct http_stream *st, enum stream_op_kind kind, struct http_chunk *ch)
{
    switch (kind) {
    case STREAM_OP_WRITE:
        return http_stream_push(st, ch);
    case STREAM_OP_END:
        return stream_end_now(st);
    case STREAM_OP_ABORT:
        stream_kill(st);
        return RC_OK;
    }
    return RC_INTERNAL;
}

static void on_stream_op(struct net_post *item)
{
    struct stream_op *op = CONTAINER_OF(item, struct stream_op, post);
    (void)stream_apply(op->st, op->kind, op->ch);
    http_chunk_unref(op->ch);
    stream_unref(op->st);
    mem_free(op);
}

/* Run an operation on st's loop: now when on it (flushing unless a read or a post batch will),
 * else posted. */
static int stream_run(struct http_stream *st, enum stream_op_kind kind, struct http_chunk *ch)
{
    if (atomic_load(&st->over)) {
        return kind == STREAM_OP_WRITE ? RC_IO : RC_OK;
    }
    struct io *io = st->io;
    if (net_loop_is_current(io->loop)) {
        int rc = stream_apply(st, kind, ch);
        if (!io->in_read) {
            io_flush_dirty(io);
        }
        return rc;
    }
    struct stream_op *op = mem_calloc(1, sizeof(*op));
    atomic_fetch_add(&st->refs, 1);
    op->st = st;
    op->ch = ch != NULL ? http_chunk_ref(ch) : NULL;
    op->kind = kind;
    op->post.fn = on_stream_op;
    if (!net_loop_post(io->loop, &op->post)) {
        http_chunk_unref(op->ch);
        stream_unref(st);
        mem_free(op);
        return RC_IO;
    }
    return RC_OK;
}

int http_stream_write(struct http_stream *st, struct http_chunk *ch)
{
    return stream_run(st, STREAM_OP_WRITE, ch);
}

int http_stream_write_copy(struct http_stream *st, struct str data)
{
    struct http_chunk *ch = http_chunk_new(data);
    int rc = stream_run(st, STREAM_OP_WRITE, ch);
    http_chunk_unref(ch);
    return rc;
}

void http_stream_end(struct http_stream *st)
{
    (void)stream_run(st, STREAM_OP_END, NULL);
}

void http_stream_abort(struct http_stream *st)
{
    (void)stream_run(st, STREAM_OP_ABORT, NULL);
}

bool http_stream_is_closed(const struct http_stream *st)
{
    return atomic_load(&((struct http_stream *)st)->over);
}

void http_stream_release(struct http_stream *st)
{
    if (st != NULL) {
        stream_unref(st);
    }
}

uint64_t http_server_slow_consumers(const struct http_server *s)
{
    return atomic_load(&((struct http_server *)s)->slow_consumers);
}

static int stream_begin(struct http_exchange *ex, int status, const struct http_header *headers,
                        size_t header_count, const struct http_stream_config *cfg,
                        http_upgrade_data_fn *on_data, void *data_arg, struct http_stream **out_st,
                        struct diag *d)
{
    *out_st = NULL;
    struct http_response_meta m;
    meta_of(ex, status, &m);
    m.streaming = true;
    bool upgrade = on_data != NULL;
    m.chunked = ex->req->version_minor >= 1 && !upgrade;
    m.upgrade = upgrade;
    m.head_request = false;
    if (!m.chunked) {
        m.keep_alive = false;
    }
    struct str head;
    bool send_body;
    int rc = http_response_serialize(ex->arena, &m, headers, header_count, STR_NULL, false, &head,
                                     &send_body, d);
    if (rc != RC_OK) {
        serialize_error(ex, 500, STR("INVALID_RESPONSE"), str_from_cstr(d->msg), STR_NULL, NULL, 0);
        exchange_complete(ex);
        return rc;
    }
    struct http_stream *st = mem_calloc(1, sizeof(*st));
    st->io = ex->io;
    atomic_init(&st->refs, 3); /* the caller, the loop, the exchange until the writer takes it */
    atomic_init(&st->over, false);
    atomic_fetch_add(&ex->io->srv->refs, 1);
    st->chunked = m.chunked;
    st->keep_alive = m.keep_alive;
    st->on_data = on_data;
    st->data_arg = data_arg;
    st->max_chunks =
        cfg != NULL && cfg->max_queue_chunks > 0 ? cfg->max_queue_chunks : STREAM_QUEUE_CHUNKS;
    st->max_bytes =
        cfg != NULL && cfg->max_queue_bytes > 0 ? cfg->max_queue_bytes : STREAM_QUEUE_BYTES;
    if (cfg != NULL) {
        st->heartbeat_ms = cfg->heartbeat_ms;
        st->read_idle_ms = cfg->read_idle_ms;
        st->heartbeat =
            cfg->heartbeat != NULL && cfg->heartbeat_ms > 0 ? http_chunk_ref(cfg->heartbeat) : NULL;
        st->on_close = cfg->on_close;
        st->arg = cfg->arg;
    }
    /* The head is the first chunk: written raw, before anything the caller writes. */
    struct http_chunk *hc = chunk_alloc(head, true);
    st->max_bytes += hc->len;
    st->max_chunks += 1;
    int prc = http_stream_push(st, hc); /* an empty queue below its limits */
    ASSERT(prc == RC_OK);
    http_chunk_unref(hc);
    ex->stream = st;
    ex->out = STR_NULL;
    if (!m.keep_alive) {
        ex->keep_alive = false;
    }
    *out_st = st;
    exchange_complete(ex);
    return RC_OK;
}

int http_exchange_stream_begin(struct http_exchange *ex, int status,
                               const struct http_header *headers, size_t header_count,
                               const struct http_stream_config *cfg, struct http_stream **out_st,
                               struct diag *d)
{
    return stream_begin(ex, status, headers, header_count, cfg, NULL, NULL, out_st, d);
}

int http_exchange_upgrade(struct http_exchange *ex, const struct http_header *headers,
                          size_t header_count, const struct http_stream_config *cfg,
                          http_upgrade_data_fn *on_data, void *data_arg,
                          struct http_stream **out_st, struct diag *d)
{
    return stream_begin(ex, 101, headers, header_count, cfg, on_data, data_arg, out_st, d);
}

/* The streaming exchange at the head of c's queue reaches the writer: c writes its stream
 * until the end. */
static void stream_attach(struct conn *c)
{
    struct http_exchange *ex = c->q_head;
    struct http_stream *st = ex->stream;
    c->q_head = ex->next;
    if (c->q_head == NULL) {
        c->q_tail = NULL;
    }
    c->q_count--;
    ex->next = NULL;
    ex->stream = NULL;
    exchange_free(ex);
    if (st->closed_done) {
        stream_unref(st);
        conn_close(c);
        return;
    }
    stream_unref(st); /* the exchange's reference */
    struct io *io = c->io;
    st->conn = c;
    c->stream = st;
    st->next = io->streams;
    st->prev = NULL;
    if (io->streams != NULL) {
        io->streams->prev = st;
    }
    io->streams = st;
    st->linked = true;
    st->last_push_ms = (int64_t)uv_now(c->tcp.loop);
    c->last_read_ms = st->last_push_ms;
    if (st->heartbeat != NULL && !io->finished) {
        int64_t want = st->heartbeat_ms / 2;
        want = want < STREAM_BEAT_MIN_MS ? STREAM_BEAT_MIN_MS : want;
        if (io->beat_ms == 0 || want < io->beat_ms) {
            io->beat_ms = want;
            uv_timer_start(&io->beat, on_beat, (uint64_t)want, (uint64_t)want);
        }
    }
}

static void on_beat(uv_timer_t *t)
{
    struct io *io = t->data;
    int64_t now = (int64_t)uv_now(t->loop);
    struct http_stream *st = io->streams;
    while (st != NULL) {
        struct http_stream *next = st->next;
        if (st->heartbeat != NULL && st->q_count == 0 &&
            now - st->last_push_ms >= st->heartbeat_ms) {
            int rc = http_stream_push(st, st->heartbeat); /* RC_LIMIT closed it */
            (void)rc;
        }
        st = next;
    }
    io_flush_dirty(io);
}

/* Write what st queued. Returns 1 when the stream ended and is all written (c goes on with its
 * queue), 0 when waiting (idle, or a write in flight), -1 when c was closed. */
static int stream_flush(struct conn *c)
{
    struct http_stream *st = c->stream;
    while (st->q_count > 0) {
        uv_buf_t bufs[STREAM_WRITE_MAX];
        size_t nb = 0;
        while (nb < st->q_count && nb < STREAM_WRITE_MAX) {
            bufs[nb] = stream_buf(st, stream_at(st, nb));
            nb++;
        }
        int n = uv_try_write((uv_stream_t *)&c->tcp, bufs, (unsigned)nb);
        if (n < 0 && n != UV_EAGAIN) {
            conn_close(c);
            return -1;
        }
        size_t done = n > 0 ? (size_t)n : 0;
        size_t k = 0;
        while (k < nb && done >= bufs[k].len) {
            done -= bufs[k].len;
            k++;
        }
        stream_pop(st, k);
        if (k == nb) {
            continue;
        }
        bufs[k].base += done;
        bufs[k].len -= done;
        c->wreq.data = c;
        if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, bufs + k, (unsigned)(nb - k), on_write) !=
            0) {
            conn_close(c);
            return -1;
        }
        st->inflight = nb - k;
        c->ws = st;
        c->writing = true;
        c->last_ms = (int64_t)uv_now(c->tcp.loop);
        c->last_queue_bytes = c->tcp.write_queue_size;
        return 0;
    }
    if (!st->ended) {
        return 0;
    }
    if (!st->keep_alive) {
        c->no_more_requests = true;
    }
    stream_over(st);
    return 1;
}

/* ------------------------------------------------------------------ connections: writing */

static void conn_release_batch(struct conn *c)
{
    struct http_exchange *ex = c->w_head;
    c->w_head = NULL;
    while (ex != NULL) {
        struct http_exchange *next = ex->next;
        exchange_free(ex);
        ex = next;
    }
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    struct conn *c = req->data;
    if (c->closed) {
        return;
    }
    c->shut_done = true;
    if (c->io->draining || status < 0) {
        /* Stopping: every byte is out, do not wait for the peer. */
        conn_close(c);
        return;
    }
    c->last_ms = (int64_t)uv_now(c->tcp.loop);
}

/* The last response is out: half-close and linger, reading and discarding what comes. */
static void conn_finish(struct conn *c)
{
    if (c->lingering || c->closed) {
        return;
    }
    c->no_more_requests = true;
    if (c->read_eof) {
        conn_close(c);
        return;
    }
    if (!c->reading) {
        c->reading = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0;
    }
    c->sreq.data = c;
    if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
        conn_close(c);
        return;
    }
    c->lingering = true;
    c->last_ms = (int64_t)uv_now(c->tcp.loop);
}

static void conn_resume(struct conn *c);

static void on_write(uv_write_t *req, int status)
{
    struct conn *c = req->data;
    c->writing = false;
    c->last_ms = (int64_t)uv_now(c->tcp.loop);
    conn_release_batch(c);
    if (c->ws != NULL) {
        struct http_stream *st = c->ws;
        c->ws = NULL;
        stream_pop(st, st->inflight);
        st->inflight = 0;
        if (st->closed_done) {
            st->conn = NULL;
            stream_unref(st);
        }
    }
    if (c->closed) {
        return;
    }
    if (status < 0) {
        conn_close(c);
        return;
    }
    conn_flush(c);
}

static const char continue_bytes[] = "HTTP/1.1 100 Continue\r\n\r\n";

/* A batch of consecutive done exchanges at the head of the queue, as iovecs. */
struct wbatch {
    uv_buf_t bufs[WRITE_BATCH_MAX * 2];
    size_t nbufs;
    size_t total;
    size_t count;
    bool close_after;
};

/* Collect the done prefix of the queue (up to WRITE_BATCH_MAX, stopping after a final
 * response) and detach it into c->w_head. False when nothing is ready. */
static bool take_batch(struct conn *c, struct wbatch *b)
{
    b->nbufs = 0;
    b->total = 0;
    b->count = 0;
    b->close_after = false;
    struct http_exchange *last = NULL;
    for (struct http_exchange *ex = c->q_head; ex != NULL && ex->done && ex->stream == NULL;
         ex = ex->next) {
        b->bufs[b->nbufs++] = uv_buf_init((char *)ex->out.ptr, (unsigned)ex->out.len);
        b->total += ex->out.len;
        if (ex->send_owned) {
            b->bufs[b->nbufs++] = uv_buf_init(ex->owned_body, (unsigned)ex->owned_len);
            b->total += ex->owned_len;
        }
        b->count++;
        last = ex;
        b->close_after = ex->close_after || !ex->keep_alive;
        if (b->close_after || b->count == WRITE_BATCH_MAX) {
            break;
        }
    }
    if (last == NULL) {
        return false;
    }
    c->w_head = c->q_head;
    c->q_head = last->next;
    if (c->q_head == NULL) {
        c->q_tail = NULL;
    }
    last->next = NULL;
    c->q_count -= b->count;
    if (b->close_after) {
        c->no_more_requests = true;
    }
    return true;
}

/* Write a batch: uv_try_write, then uv_write for what is left. Returns 1 when all of it went
 * out (the exchanges are released), 0 when a write is in flight, -1 when c was closed. */
static int write_batch(struct conn *c, struct wbatch *b)
{
    int n = uv_try_write((uv_stream_t *)&c->tcp, b->bufs, (unsigned)b->nbufs);
    if (n < 0 && n != UV_EAGAIN) {
        conn_release_batch(c);
        conn_close(c);
        return -1;
    }
    size_t done = n > 0 ? (size_t)n : 0;
    if (done == b->total) {
        conn_release_batch(c);
        return 1;
    }
    size_t k = 0;
    while (done >= b->bufs[k].len) {
        done -= b->bufs[k].len;
        k++;
    }
    b->bufs[k].base += done;
    b->bufs[k].len -= done;
    c->wreq.data = c;
    /* libuv copies the iovec array; the bytes stay in the arenas until on_write. */
    if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, b->bufs + k, (unsigned)(b->nbufs - k),
                 on_write) != 0) {
        conn_release_batch(c);
        conn_close(c);
        return -1;
    }
    c->writing = true;
    c->last_ms = (int64_t)uv_now(c->tcp.loop);
    c->last_queue_bytes = c->tcp.write_queue_size;
    return 0;
}

/* Send the 100 Continue that waits for an empty queue. False when c was closed. */
static bool maybe_continue(struct conn *c)
{
    if (c->q_head != NULL || !c->want_continue) {
        return true;
    }
    c->want_continue = false;
    uv_buf_t b = uv_buf_init((char *)continue_bytes, sizeof(continue_bytes) - 1);
    if (uv_try_write((uv_stream_t *)&c->tcp, &b, 1) != (int)b.len) {
        /* 25 bytes on an idle socket: a failure means the peer is gone. */
        conn_close(c);
        return false;
    }
    return true;
}

/* Write the completed prefix of the queue, batch by batch, then finish or resume reading. */
static void conn_flush(struct conn *c)
{
    if (c->writing || c->closed) {
        return;
    }
    struct wbatch b;
    for (;;) {
        if (c->stream != NULL) {
            if (stream_flush(c) <= 0) {
                return;
            }
            continue;
        }
        if (!maybe_continue(c)) {
            return;
        }
        if (c->q_head != NULL && c->q_head->done && c->q_head->stream != NULL) {
            stream_attach(c);
            if (c->closed) {
                return;
            }
            continue;
        }
        if (!take_batch(c, &b)) {
            break;
        }
        int w = write_batch(c, &b);
        if (w <= 0) {
            return; /* closed, or on_write flushes again */
        }
    }
    if (c->no_more_requests && c->q_head == NULL) {
        conn_finish(c);
        return;
    }
    if (c->paused && c->q_count < PIPELINE_MAX / 2) {
        conn_resume(c);
    }
}

/* ------------------------------------------------------------------ connections: reading */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct conn *c = h->data;
    buf->base = c->io->read_buf;
    buf->len = READ_BUF_BYTES;
}

/* Queue an error response (the parser rejected the input) and stop reading requests. */
static void conn_reject(struct conn *c, int status, const char *code, const char *msg)
{
    struct arena *a = pool_get(c->io);
    struct http_request *req = arena_calloc(a, 1, sizeof(*req));
    char *id = arena_alloc(a, 31);
    http_request_id_make(id);
    req->request_id = str_make(id, 30);
    req->method = STR("GET");
    req->body = STR("");
    req->start_ns = clk_mono_ns();
    struct http_exchange *ex = exchange_new(c, a, req);
    ex->keep_alive = false;
    ex->close_after = true;
    c->no_more_requests = true;
    serialize_error(ex, status, str_from_cstr(code), str_from_cstr(msg), STR_NULL, NULL, 0);
    ex->done = true;
    mark_dirty(c);
}

static void conn_pause(struct conn *c, const char *rest, size_t len)
{
    if (len > 0) {
        char *p = mem_alloc(c->pending_len + len);
        if (c->pending_len > 0) {
            memcpy(p, c->pending, c->pending_len);
        }
        memcpy(p + c->pending_len, rest, len);
        mem_free(c->pending);
        c->pending = p;
        c->pending_len += len;
    }
    if (!c->paused) {
        c->paused = true;
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
    }
}

static void conn_resume(struct conn *c)
{
    c->paused = false;
    if (c->pending_len > 0) {
        char *p = c->pending;
        size_t n = c->pending_len;
        c->pending = NULL;
        c->pending_len = 0;
        c->io->in_read = true;
        conn_feed(c, p, n);
        c->io->in_read = false;
        mem_free(p);
        io_flush_dirty(c->io);
        if (c->closed || c->paused) {
            return;
        }
    }
    if (!c->reading && !c->closed) {
        c->reading = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0;
    }
}

/* A Content-Length over the limit the dispatcher gives this request (a route's bodyLimit)? */
static bool over_request_limit(struct http_server *s, struct conn *c)
{
    if (s->cfg.body_limit == NULL) {
        return false;
    }
    int64_t len = http_parser_content_length(c->parser);
    if (len < 0) {
        return false; /* chunked: the dispatcher checks the body it gets */
    }
    struct arena *a = NULL;
    const struct http_request *head = http_parser_head(c->parser, &a);
    int64_t limit = s->cfg.body_limit(head, a, s->cfg.body_limit_arg);
    return limit >= 0 && len > limit;
}

static void conn_feed(struct conn *c, const char *data, size_t len)
{
    struct io *io = c->io;
    struct http_server *s = io->srv;
    size_t off = 0;
    if (!http_parser_in_message(c->parser) && c->requests > 0) {
        /* The head timer of the next request on a kept-alive connection starts now; a new
         * connection's started when it was accepted. */
        c->msg_start_ms = (int64_t)uv_now(c->tcp.loop);
    }
    while (off < len && !c->closed) {
        if (c->no_more_requests) {
            return; /* discard what follows a final request */
        }
        if (c->q_count >= PIPELINE_MAX) {
            conn_pause(c, data + off, len - off);
            return;
        }
        size_t used = 0;
        int ev = http_parser_execute(c->parser, data + off, len - off, &used);
        off += used;
        if (ev == HTTP_PARSE_MORE) {
            break;
        }
        if (ev == HTTP_PARSE_ERROR) {
            int status;
            const char *code;
            const char *msg;
            http_parser_error(c->parser, &status, &code, &msg);
            conn_reject(c, status, code, msg);
            return;
        }
        if (ev == HTTP_PARSE_BODY_NEXT) {
            if (over_request_limit(s, c)) {
                conn_reject(c, 413, "PAYLOAD_TOO_LARGE",
                            "request body is larger than this route's bodyLimit");
                return;
            }
            if (http_parser_expects_continue(c->parser)) {
                c->want_continue = true;
                mark_dirty(c);
            }
            continue;
        }
        /* HTTP_PARSE_REQUEST */
        struct http_request *req;
        struct arena *a;
        http_parser_take(c->parser, &req, &a);
        c->requests++;
        c->want_continue = false;
        struct http_exchange *ex = exchange_new(c, a, req);
        ex->keep_alive = req->keep_alive && !atomic_load(&s->stopping);
        if (!ex->keep_alive || http_parser_is_upgrade(c->parser)) {
            ex->keep_alive = false;
            c->no_more_requests = true;
        }
        c->msg_start_ms = (int64_t)uv_now(c->tcp.loop);
        s->cfg.dispatch(ex, s->cfg.dispatch_arg);
    }
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = stream->data;
    struct io *io = c->io;
    if (nread == 0) {
        return;
    }
    c->last_ms = (int64_t)uv_now(stream->loop);
    c->last_read_ms = c->last_ms;
    if (nread < 0) {
        /* EOF or error: answer what was asked, then close. */
        uv_read_stop(stream);
        c->reading = false;
        c->read_eof = true;
        if (c->lingering || nread != UV_EOF || c->stream != NULL ||
            (c->q_head == NULL && !c->writing)) {
            conn_close(c);
            return;
        }
        c->no_more_requests = true;
        return;
    }
    if (c->stream != NULL && c->stream->on_data != NULL) {
        io->in_read = true;
        c->stream->on_data(c->stream, buf->base, (size_t)nread, c->stream->data_arg);
        io->in_read = false;
        io_flush_dirty(io);
        return;
    }
    if (c->lingering || c->no_more_requests) {
        return;
    }
    io->in_read = true;
    conn_feed(c, buf->base, (size_t)nread);
    io->in_read = false;
    io_flush_dirty(io);
}

static void on_conn_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    struct io *io = c->io;
    mem_free(c);
    io_maybe_finish(io);
}

static void conn_close(struct conn *c)
{
    if (c->closed) {
        return;
    }
    c->closed = true;
    struct io *io = c->io;
    /* Exchanges still with a dispatcher are detached; finished ones are freed. A write in
     * flight is cancelled by uv_close and on_write frees its batch. */
    struct http_exchange *ex = c->q_head;
    while (ex != NULL) {
        struct http_exchange *next = ex->next;
        ex->next = NULL;
        if (ex->done) {
            exchange_free(ex);
        } else {
            ex->conn = NULL;
            atomic_store(&ex->aborted, true);
        }
        ex = next;
    }
    c->q_head = NULL;
    c->q_tail = NULL;
    c->q_count = 0;
    if (c->stream != NULL) {
        stream_over(c->stream);
    }
    if (c->prev != NULL) {
        c->prev->next = c->next;
    } else {
        io->conns = c->next;
    }
    if (c->next != NULL) {
        c->next->prev = c->prev;
    }
    if (c->counted) {
        atomic_fetch_sub(&io->srv->conn_count, 1);
    }
    http_parser_free(c->parser);
    c->parser = NULL;
    mem_free(c->pending);
    c->pending = NULL;
    uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

/* ------------------------------------------------------------------ accepting */

static void on_connection(uv_stream_t *server, int status)
{
    struct io *io = server->data;
    struct http_server *s = io->srv;
    if (status < 0) {
        return;
    }
    struct conn *c = mem_calloc(1, sizeof(*c));
    c->io = io;
    uv_tcp_init(server->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        c->closed = true;
        uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    c->ip_len = net_peer_ip(&c->tcp, c->ip, sizeof(c->ip));
    c->parser = http_parser_new(&s->cfg.limits, pool_get, io);
    c->next = io->conns;
    if (io->conns != NULL) {
        io->conns->prev = c;
    }
    io->conns = c;
    c->last_ms = (int64_t)uv_now(server->loop);
    c->msg_start_ms = c->last_ms;
    c->reading = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0;
    size_t n = atomic_fetch_add(&s->conn_count, 1) + 1;
    c->counted = true;
    if (n > s->cfg.limits.max_connections) {
        atomic_fetch_sub(&s->conn_count, 1);
        c->counted = false;
        conn_reject(c, 503, "SERVER_BUSY", "too many connections");
        io_flush_dirty(io);
    }
}

/* ------------------------------------------------------------------ timers, start, stop */

/* True when c has outlived its timeout: lingering, head (slowloris) or idle. A connection
 * waiting for its handler has none here. */
static bool conn_expired(const struct conn *c, int64_t now)
{
    const struct http_limits *lim = &c->io->srv->cfg.limits;
    if (c->lingering) {
        return now - c->last_ms >= LINGER_MS;
    }
    if (c->writing) {
        /* A peer that stops reading: no write progress for the idle timeout. */
        return now - c->last_ms >= lim->idle_timeout_ms;
    }
    if (c->stream != NULL) {
        int64_t idle = c->stream->read_idle_ms;
        return idle > 0 && now - c->last_read_ms >= idle;
    }
    if (c->q_head != NULL) {
        return false;
    }
    /* A new connection must send its first head within the header timeout too. */
    bool in_head = http_parser_in_head(c->parser) || c->requests == 0 ||
                   (!http_parser_in_message(c->parser) && c->pending_len > 0);
    if (in_head) {
        return now - c->msg_start_ms >= lim->header_timeout_ms;
    }
    return now - c->last_ms >= lim->idle_timeout_ms;
}

static void on_sweep(uv_timer_t *t)
{
    struct io *io = t->data;
    int64_t now = (int64_t)uv_now(t->loop);
    struct conn *c = io->conns;
    while (c != NULL) {
        struct conn *next = c->next;
        if (c->writing && c->tcp.write_queue_size != c->last_queue_bytes) {
            c->last_queue_bytes = c->tcp.write_queue_size;
            c->last_ms = now;
        }
        if (conn_expired(c, now)) {
            conn_close(c);
        }
        c = next;
    }
}

static void on_io_handle_closed(uv_handle_t *h)
{
    (void)h;
}

static void io_maybe_finish(struct io *io)
{
    if (!io->draining || io->finished || io->conns != NULL) {
        return;
    }
    io->finished = true;
    uv_close((uv_handle_t *)&io->sweep, on_io_handle_closed);
    uv_close((uv_handle_t *)&io->drain, on_io_handle_closed);
    uv_close((uv_handle_t *)&io->beat, on_io_handle_closed);
    net_loop_close_posts(io->loop);
}

static void on_drain_timeout(uv_timer_t *t)
{
    struct io *io = t->data;
    struct conn *c = io->conns;
    while (c != NULL) {
        struct conn *next = c->next;
        conn_close(c);
        c = next;
    }
}

static void on_stop_post(struct net_post *item)
{
    struct io *io = CONTAINER_OF(item, struct io, stop_post);
    io->draining = true;
    if (io->listening) {
        io->listening = false;
        uv_close((uv_handle_t *)&io->listener, on_io_handle_closed);
    }
    struct conn *c = io->conns;
    while (c != NULL) {
        struct conn *next = c->next;
        c->no_more_requests = true;
        if ((c->q_head == NULL && !c->writing && !c->lingering) || c->shut_done) {
            conn_close(c);
        }
        c = next;
    }
    uv_timer_start(&io->drain, on_drain_timeout, (uint64_t)io->srv->drain_ms, 0);
    io_maybe_finish(io);
}

static void on_loop_start(struct net_loop *l, void *arg)
{
    struct io *io = arg;
    (void)l;
    defs_thread_name("io", (long)(io - io->srv->ios));
    if (io->srv->cfg.batch_sched && !defs_thread_batch()) {
        log_warn(NULL, "cannot schedule the I/O thread as SCHED_BATCH (batch_sched)");
    }
    uv_loop_t *uv = net_loop_uv(io->loop);
    uv_timer_init(uv, &io->sweep);
    io->sweep.data = io;
    uv_timer_init(uv, &io->drain);
    io->drain.data = io;
    uv_timer_init(uv, &io->beat);
    io->beat.data = io;
    uv_timer_start(&io->sweep, on_sweep, (uint64_t)io->tick_ms, (uint64_t)io->tick_ms);
    uv_tcp_init(uv, &io->listener);
    io->listener.data = io;
    if (uv_tcp_open(&io->listener, io->listen_fd) != 0 ||
        uv_listen((uv_stream_t *)&io->listener, 1024, on_connection) != 0) {
        log_error(NULL, "cannot listen on an I/O loop fd=%d", io->listen_fd);
        uv_close((uv_handle_t *)&io->listener, on_io_handle_closed);
        return;
    }
    io->listening = true;
}

/* A zero (or negative) limit means its default. */
static void normalize_limits(struct http_limits *l)
{
    struct http_limits def;
    http_limits_default(&def);
    l->max_header_bytes = l->max_header_bytes ? l->max_header_bytes : def.max_header_bytes;
    l->max_headers = l->max_headers ? l->max_headers : def.max_headers;
    l->max_body_bytes = l->max_body_bytes ? l->max_body_bytes : def.max_body_bytes;
    l->header_timeout_ms = l->header_timeout_ms > 0 ? l->header_timeout_ms : def.header_timeout_ms;
    l->idle_timeout_ms = l->idle_timeout_ms > 0 ? l->idle_timeout_ms : def.idle_timeout_ms;
    l->max_connections = l->max_connections ? l->max_connections : def.max_connections;
}

/* A write to a socket the peer reset raises SIGPIPE, whose default action kills the process:
 * ignore it (unless the process installed its own handler); EPIPE is handled per write. */
static void ignore_sigpipe(void)
{
    struct sigaction old;
    if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
        struct sigaction ign;
        memset(&ign, 0, sizeof(ign));
        ign.sa_handler = SIG_IGN;
        (void)sigaction(SIGPIPE, &ign, NULL);
    }
}

int http_server_start(const struct http_server_config *cfg, struct http_server **out_server,
                      struct diag *d)
{
    int rc = RC_OK;
    int *fds = NULL;
    ignore_sigpipe();
    struct http_server *s = mem_calloc(1, sizeof(*s));
    *out_server = NULL;
    s->cfg = *cfg;
    s->host = mem_strdup(cfg->listen_host ? cfg->listen_host : "127.0.0.1");
    s->server_header = mem_strdup(cfg->server_header ? cfg->server_header : "kiln");
    s->cfg.listen_host = s->host;
    s->cfg.server_header = s->server_header;
    s->server_str = str_from_cstr(s->server_header);
    s->io_count = cfg->io_threads ? cfg->io_threads : 1;
    atomic_init(&s->refs, 1);
    atomic_init(&s->conn_count, 0);
    atomic_init(&s->stopping, false);
    normalize_limits(&s->cfg.limits);
    int64_t tick = s->cfg.limits.header_timeout_ms < s->cfg.limits.idle_timeout_ms
                       ? s->cfg.limits.header_timeout_ms
                       : s->cfg.limits.idle_timeout_ms;
    tick /= 4;
    tick = tick < SWEEP_MIN_MS ? SWEEP_MIN_MS : tick > SWEEP_MAX_MS ? SWEEP_MAX_MS : tick;

    fds = mem_alloc(s->io_count * sizeof(int));
    rc = net_listen_reuseport(s->host, cfg->listen_port, s->io_count, fds, &s->port, d);
    if (rc != RC_OK) {
        goto out;
    }
    s->ios = mem_calloc(s->io_count, sizeof(struct io));
    for (size_t i = 0; i < s->io_count; i++) {
        struct io *io = &s->ios[i];
        io->srv = s;
        io->listen_fd = fds[i];
        io->loop = net_loop_new();
        io->tick_ms = tick;
        net_loop_set_batch_hook(io->loop, on_batch_end, io);
    }
    for (size_t i = 0; i < s->io_count; i++) {
        rc = net_loop_start(s->ios[i].loop, on_loop_start, &s->ios[i], d);
        if (rc != RC_OK) {
            /* Stop the loops already running; server_free closes the fds of the others. */
            http_server_stop(s, 0);
            s = NULL;
            goto out;
        }
        s->ios[i].started = true;
    }
    *out_server = s;
    s = NULL;
out:
    if (s != NULL) {
        if (s->ios == NULL) {
            mem_free(s->host);
            mem_free(s->server_header);
            mem_free(s);
        } else {
            server_free(s);
        }
    }
    mem_free(fds);
    return rc;
}

int http_server_port(const struct http_server *s)
{
    return s->port;
}

void http_server_stop(struct http_server *s, int64_t drain_ms)
{
    if (s == NULL) {
        return;
    }
    atomic_store(&s->stopping, true);
    s->drain_ms = drain_ms < 0 ? 0 : drain_ms;
    for (size_t i = 0; i < s->io_count; i++) {
        struct io *io = &s->ios[i];
        if (!io->started) {
            continue;
        }
        io->stop_post.fn = on_stop_post;
        if (!net_loop_post(io->loop, &io->stop_post)) {
            UNREACHABLE(); /* posts close only after the stop */
        }
    }
    for (size_t i = 0; i < s->io_count; i++) {
        net_loop_join(s->ios[i].loop);
    }
    server_unref(s);
}

/* ------------------------------------------------------------------ per-loop access */

size_t http_server_io_count(const struct http_server *s)
{
    return s->io_count;
}

bool http_server_post(struct http_server *s, size_t i, struct net_post *item)
{
    return net_loop_post(s->ios[i].loop, item);
}

bool http_server_on_loop(const struct http_server *s, size_t i)
{
    return net_loop_is_current(s->ios[i].loop);
}

size_t http_exchange_io_index(const struct http_exchange *ex)
{
    return (size_t)(ex->io - ex->io->srv->ios);
}

size_t http_stream_io_index(const struct http_stream *st)
{
    return (size_t)(st->io - st->io->srv->ios);
}
