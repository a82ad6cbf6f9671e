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

#define READ_BUF_BYTES    ((size_t)64 * 1024)
#define ARENA_FIRST_BYTES 8192
#define ARENA_POOL_MAX    256
#define PIPELINE_MAX      32   /* exchanges queued per connection before reading pauses */
#define WRITE_BATCH_MAX   64   /* exchanges per writev */
#define LINGER_MS         2000 /* reading and discarding after the last response */
#define SWEEP_MIN_MS      10
#define SWEEP_MAX_MS      1000

struct conn;
struct io;

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
};

static void conn_flush(struct conn *c);
static void conn_close(struct conn *c);
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);
static void conn_feed(struct conn *c, const char *data, size_t len);
static void io_maybe_finish(struct io *io);

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
static void exchange_complete(struct http_exchange *ex)
{
    struct io *io = ex->io;
    if (net_loop_is_current(io->loop)) {
        exchange_ready(ex, false);
        return;
    }
    ex->post.fn = on_response_post;
    if (!net_loop_post(io->loop, &ex->post)) {
        exchange_free_offloop(ex);
    }
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
    for (struct http_exchange *ex = c->q_head; ex != NULL && ex->done; ex = ex->next) {
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
        if (!maybe_continue(c)) {
            return;
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
    if (nread < 0) {
        /* EOF or error: answer what was asked, then close. */
        uv_read_stop(stream);
        c->reading = false;
        c->read_eof = true;
        if (c->lingering || nread != UV_EOF || (c->q_head == NULL && !c->writing)) {
            conn_close(c);
            return;
        }
        c->no_more_requests = true;
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
    uv_loop_t *uv = net_loop_uv(io->loop);
    uv_timer_init(uv, &io->sweep);
    io->sweep.data = io;
    uv_timer_init(uv, &io->drain);
    io->drain.data = io;
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
