/* SPDX-License-Identifier: MIT */
/*
 * Loopback tests of streaming responses and server-sent events: a real server on 127.0.0.1
 * port 0 with a C dispatch function, raw sockets on the client side. Covers chunked and
 * close-delimited streams, keep-alive after a stream, disconnect callbacks, heartbeats,
 * Last-Event-ID replay, filtered broadcast across two I/O loops, the connection limit,
 * removal on disconnect and slow-consumer disconnects. No assertion depends on timing: waits
 * poll with generous deadlines.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/mem.h"
#include "harness.h"
#include "http/http.h"
#include "loop_util.h"

static struct http_sse_hub *_Atomic hub;
static atomic_int stream_closes;
static atomic_int late_done;

static void on_test_close(struct http_stream *st, void *arg)
{
    (void)st;
    (void)arg;
    atomic_fetch_add(&stream_closes, 1);
}

/* Writes two chunks from another thread, then ends. */
static void *writer_main(void *arg)
{
    struct http_stream *st = arg;
    ASSERT_OK(http_stream_write_copy(st, STR("hello")));
    struct http_chunk *ch = http_chunk_new(STR("world"));
    ASSERT_OK(http_stream_write(st, ch));
    http_chunk_unref(ch);
    ASSERT_OK(http_stream_write_copy(st, STR(""))); /* ignored: not a last-chunk */
    http_stream_end(st);
    http_stream_release(st);
    return NULL;
}

/* Begins a stream only after the client went away. */
static void *late_main(void *arg)
{
    struct http_exchange *ex = arg;
    for (int i = 0; i < 1000 && !http_exchange_is_aborted(ex); i++) {
        loop_sleep_ms(10);
    }
    ASSERT_TRUE(http_exchange_is_aborted(ex));
    struct http_stream_config cfg = { .on_close = on_test_close };
    struct http_stream *st = NULL;
    struct diag d;
    ASSERT_OK(http_exchange_stream_begin(ex, 200, NULL, 0, &cfg, &st, &d));
    for (int i = 0; i < 1000 && !http_stream_is_closed(st); i++) {
        loop_sleep_ms(10);
    }
    ASSERT_TRUE(http_stream_is_closed(st));
    ASSERT_RC(http_stream_write_copy(st, STR("x")), RC_IO);
    http_stream_release(st);
    atomic_store(&late_done, 1);
    return NULL;
}

static void dispatch(struct http_exchange *ex, void *arg)
{
    (void)arg;
    const struct http_request *r = http_exchange_request(ex);
    struct http_header text = { STR("Content-Type"), STR("text/plain") };
    struct diag d;
    if (str_eq(r->raw_path, STR("/stream/basic"))) {
        struct http_stream *st = NULL;
        ASSERT_OK(http_exchange_stream_begin(ex, 200, &text, 1, NULL, &st, &d));
        pthread_t t;
        ASSERT_EQ_INT(pthread_create(&t, NULL, writer_main, st), 0);
        pthread_detach(t);
    } else if (str_eq(r->raw_path, STR("/stream/forever"))) {
        struct http_stream_config cfg = { .on_close = on_test_close };
        struct http_stream *st = NULL;
        ASSERT_OK(http_exchange_stream_begin(ex, 200, &text, 1, &cfg, &st, &d));
        ASSERT_OK(http_stream_write_copy(st, STR("first")));
        http_stream_release(st);
    } else if (str_eq(r->raw_path, STR("/stream/badheader"))) {
        struct http_header bad = { STR("X-Bad"), STR("a\r\nb") };
        struct http_stream *st = NULL;
        ASSERT_RC(http_exchange_stream_begin(ex, 200, &bad, 1, NULL, &st, &d), RC_INVAL);
        ASSERT_NULL(st);
    } else if (str_eq(r->raw_path, STR("/stream/late"))) {
        pthread_t t;
        ASSERT_EQ_INT(pthread_create(&t, NULL, late_main, ex), 0);
        pthread_detach(t);
    } else if (str_eq(r->raw_path, STR("/plain"))) {
        http_exchange_respond(ex, 200, &text, 1, STR("ok"));
    } else {
        struct http_match m;
        struct http_sse_stream *ss =
            http_sse_match(atomic_load(&hub), r->raw_path, http_exchange_arena(ex), &m);
        if (ss == NULL) {
            http_exchange_respond(ex, 404, &text, 1, STR("no"));
            return;
        }
        struct http_criteria *c = NULL;
        if (http_criteria_from_query(r->query, &c, &d) != RC_OK) {
            http_exchange_respond(ex, 400, &text, 1, STR("criteria"));
            return;
        }
        int rc = http_sse_connect(ss, ex, c, NULL, &d);
        ASSERT_TRUE(rc == RC_OK || rc == RC_LIMIT);
    }
}

static struct http_server *start(size_t threads)
{
    struct http_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.listen_host = "127.0.0.1";
    cfg.io_threads = threads;
    http_limits_default(&cfg.limits);
    cfg.dispatch = dispatch;
    cfg.server_header = "kiln/test";
    struct http_server *s = NULL;
    struct diag d;
    ASSERT_OK(http_server_start(&cfg, &s, &d));
    atomic_store(&hub, http_sse_hub_new(s, 0));
    return s;
}

static void stop(struct http_server *s)
{
    http_server_stop(s, 1000);
    http_sse_hub_free(atomic_load(&hub));
    atomic_store(&hub, NULL);
}

static struct http_sse_stream *reg(const char *pattern, const struct http_sse_config *cfg)
{
    struct http_sse_stream *ss = NULL;
    struct diag d;
    ASSERT_OK(http_sse_register(atomic_load(&hub), str_from_cstr(pattern), cfg, &ss, &d));
    return ss;
}

struct reader {
    char buf[256 * 1024];
    size_t len;
    bool eof;
};

/* Read until text appears after byte `from` (true), EOF or about 10 s (false). */
static bool read_until(int fd, struct reader *r, size_t from, const char *text)
{
    for (int i = 0; i < 1000; i++) {
        r->buf[r->len] = '\0';
        if (from <= r->len && strstr(r->buf + from, text) != NULL) {
            return true;
        }
        if (r->eof || r->len + 1 >= sizeof(r->buf)) {
            return false;
        }
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 10) <= 0) {
            continue;
        }
        ssize_t n = recv(fd, r->buf + r->len, sizeof(r->buf) - 1 - r->len, 0);
        if (n <= 0) {
            r->eof = true;
        } else {
            r->len += (size_t)n;
        }
    }
    return false;
}

static bool contains(const struct reader *r, const char *text)
{
    return strstr(r->buf, text) != NULL;
}

/* Poll until fn(ss) is want; false after about 10 s. */
static bool wait_count(size_t (*fn)(const struct http_sse_stream *), struct http_sse_stream *ss,
                       size_t want)
{
    for (int i = 0; i < 1000; i++) {
        if (fn(ss) == want) {
            return true;
        }
        loop_sleep_ms(10);
    }
    return false;
}

static void broadcast(struct http_sse_stream *ss, const char *data, const char *event,
                      const char *id, const char *filter_json)
{
    struct diag d;
    struct http_filter *f = NULL;
    if (filter_json != NULL) {
        ASSERT_OK(
            http_filter_parse_json(str_from_cstr(filter_json), HTTP_FILTER_SUBSET, false, &f, &d));
    }
    struct http_sse_message m = { .data = str_from_cstr(data),
                                  .event = str_from_cstr(event),
                                  .id = str_from_cstr(id) };
    ASSERT_OK(http_sse_broadcast(ss, &m, f, NULL, &d));
    http_filter_unref(f);
}

/* ------------------------------------------------------------------ streaming responses */

TEST(stream_chunked_then_keep_alive)
{
    struct http_server *s = start(1);
    int fd = loop_connect(s, 0);
    struct reader *r = mem_calloc(1, sizeof(*r));
    loop_send_str(fd, "GET /stream/basic HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(read_until(fd, r, 0, "0\r\n\r\n"));
    ASSERT_TRUE(contains(r, "HTTP/1.1 200 OK\r\n"));
    ASSERT_TRUE(contains(r, "Transfer-Encoding: chunked\r\n"));
    ASSERT_TRUE(contains(r, "Connection: keep-alive\r\n"));
    ASSERT_FALSE(contains(r, "Content-Length"));
    ASSERT_TRUE(contains(r, "\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n"));
    size_t mark = r->len;
    loop_send_str(fd, "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(read_until(fd, r, mark, "\r\n\r\nok"));
    close(fd);
    mem_free(r);
    stop(s);
}

TEST(stream_http10_is_close_delimited)
{
    struct http_server *s = start(1);
    int fd = loop_connect(s, 0);
    struct reader *r = mem_calloc(1, sizeof(*r));
    loop_send_str(fd, "GET /stream/basic HTTP/1.0\r\n\r\n");
    ASSERT_FALSE(read_until(fd, r, 0, "never"));
    ASSERT_TRUE(r->eof);
    ASSERT_FALSE(contains(r, "Transfer-Encoding"));
    ASSERT_TRUE(contains(r, "Connection: close\r\n"));
    ASSERT_TRUE(contains(r, "\r\n\r\nhelloworld"));
    ASSERT_EQ_SIZE(strlen(strstr(r->buf, "\r\n\r\n")), 4 + 10);
    close(fd);
    mem_free(r);
    stop(s);
}

TEST(stream_client_disconnect_calls_on_close)
{
    struct http_server *s = start(1);
    int fd = loop_connect(s, 0);
    struct reader *r = mem_calloc(1, sizeof(*r));
    loop_send_str(fd, "GET /stream/forever HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(read_until(fd, r, 0, "5\r\nfirst\r\n"));
    ASSERT_EQ_INT(atomic_load(&stream_closes), 0);
    close(fd);
    for (int i = 0; i < 1000 && atomic_load(&stream_closes) == 0; i++) {
        loop_sleep_ms(10);
    }
    ASSERT_EQ_INT(atomic_load(&stream_closes), 1);
    mem_free(r);
    stop(s);
    ASSERT_EQ_INT(atomic_load(&stream_closes), 1);
}

TEST(stream_begun_after_the_client_left)
{
    struct http_server *s = start(1);
    int fd = loop_connect(s, 0);
    loop_send_str(fd, "GET /stream/late HTTP/1.1\r\nHost: x\r\n\r\n");
    loop_sleep_ms(20);
    /* A reset (an EOF would be a half-close that still waits for the answer). */
    struct linger lg = { .l_onoff = 1, .l_linger = 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
    for (int i = 0; i < 1000 && atomic_load(&stream_closes) == 0; i++) {
        loop_sleep_ms(10);
    }
    ASSERT_EQ_INT(atomic_load(&stream_closes), 1);
    for (int i = 0; i < 1000 && atomic_load(&late_done) == 0; i++) {
        loop_sleep_ms(10);
    }
    ASSERT_EQ_INT(atomic_load(&late_done), 1);
    stop(s);
}

TEST(stream_invalid_header_gives_500)
{
    struct http_server *s = start(1);
    int fd = loop_connect(s, 0);
    struct reader *r = mem_calloc(1, sizeof(*r));
    loop_send_str(fd, "GET /stream/badheader HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(read_until(fd, r, 0, "INVALID_RESPONSE"));
    ASSERT_TRUE(contains(r, "HTTP/1.1 500 "));
    close(fd);
    mem_free(r);
    stop(s);
}

TEST(stream_open_at_stop_is_closed)
{
    struct http_server *s = start(1);
    int fd = loop_connect(s, 0);
    struct reader *r = mem_calloc(1, sizeof(*r));
    loop_send_str(fd, "GET /stream/forever HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(read_until(fd, r, 0, "first"));
    stop(s);
    ASSERT_EQ_INT(atomic_load(&stream_closes), 1);
    ASSERT_FALSE(read_until(fd, r, 0, "never"));
    ASSERT_TRUE(r->eof);
    close(fd);
    mem_free(r);
}

/* ------------------------------------------------------------------ SSE */

TEST(sse_head_hello_and_heartbeat)
{
    struct http_server *s = start(1);
    struct http_sse_config cfg = { .heartbeat_ms = 20 };
    struct http_sse_stream *ss = reg("/hb", &cfg);
    int fd = loop_connect(s, 0);
    struct reader *r = mem_calloc(1, sizeof(*r));
    loop_send_str(fd, "GET /hb HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(read_until(fd, r, 0, "retry: 3000\n: connected\n\n\r\n"));
    ASSERT_TRUE(contains(r, "Content-Type: text/event-stream\r\n"));
    ASSERT_TRUE(contains(r, "Cache-Control: no-cache\r\n"));
    size_t mark = r->len;
    ASSERT_TRUE(read_until(fd, r, mark, "3\r\n:\n\n\r\n"));
    ASSERT_EQ_SIZE(http_sse_connection_count(ss), 1);
    close(fd);
    mem_free(r);
    stop(s);
}

TEST(sse_last_event_id_replay)
{
    struct http_server *s = start(1);
    struct http_sse_config cfg = { .replay = 10, .heartbeat_ms = -1 };
    struct http_sse_stream *ss = reg("/replay", &cfg);
    broadcast(ss, "one", "", "1", NULL);
    broadcast(ss, "two", "", "2", NULL);
    broadcast(ss, "three", "", "3", NULL);
    broadcast(ss, "four", "", "4", "{\"room\":\"x\"}");
    broadcast(ss, "five", "", "5", NULL);
    broadcast(ss, "six", "", "", NULL); /* id assigned */
    int fd = loop_connect(s, 0);
    struct reader *r = mem_calloc(1, sizeof(*r));
    loop_send_str(fd, "GET /replay?room=y HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 3\r\n\r\n");
    ASSERT_TRUE(read_until(fd, r, 0, "data: six\n\n"));
    ASSERT_TRUE(contains(r, "id: 5\ndata: five\n\n"));
    ASSERT_FALSE(contains(r, "data: four"));
    ASSERT_FALSE(contains(r, "data: three"));
    ASSERT_FALSE(contains(r, "data: one"));
    ASSERT_TRUE(contains(r, "-6\ndata: six\n\n"));
    /* Live messages follow the replay; none is sent twice. */
    broadcast(ss, "seven", "", "7", NULL);
    ASSERT_TRUE(read_until(fd, r, 0, "data: seven"));
    const char *first = strstr(r->buf, "data: five");
    ASSERT_NULL(strstr(first + 1, "data: five"));
    /* Without Last-Event-ID: no replay. */
    int fd2 = loop_connect(s, 0);
    struct reader *r2 = mem_calloc(1, sizeof(*r2));
    loop_send_str(fd2, "GET /replay HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(read_until(fd2, r2, 0, ": connected\n\n"));
    broadcast(ss, "eight", "", "8", NULL);
    ASSERT_TRUE(read_until(fd2, r2, 0, "data: eight"));
    ASSERT_FALSE(contains(r2, "data: seven"));
    close(fd);
    close(fd2);
    mem_free(r);
    mem_free(r2);
    stop(s);
}

#define FAN_CLIENTS 40
#define FAN_ROOMS   4

TEST(sse_filtered_broadcast_across_two_loops)
{
    struct http_server *s = start(2);
    struct http_sse_config cfg = { .heartbeat_ms = -1 };
    struct http_sse_stream *ss = reg("/chat/:kind", &cfg);
    int fds[FAN_CLIENTS];
    struct reader *rs = mem_calloc(FAN_CLIENTS, sizeof(*rs));
    for (int i = 0; i < FAN_CLIENTS; i++) {
        fds[i] = loop_connect(s, 0);
        char req[128];
        (void)snprintf(req, sizeof(req), "GET /chat/any?room=r%d HTTP/1.1\r\nHost: x\r\n\r\n",
                       i % FAN_ROOMS);
        loop_send_str(fds[i], req);
    }
    for (int i = 0; i < FAN_CLIENTS; i++) {
        ASSERT_TRUE(read_until(fds[i], &rs[i], 0, ": connected\n\n"));
    }
    ASSERT_EQ_SIZE(http_sse_connection_count(ss), FAN_CLIENTS);
    for (int k = 0; k < FAN_ROOMS; k++) {
        char data[16];
        char filter[64];
        (void)snprintf(data, sizeof(data), "for-r%d", k);
        (void)snprintf(filter, sizeof(filter), "{\"room\":\"r%d\"}", k);
        broadcast(ss, data, "msg", "", filter);
    }
    broadcast(ss, "line1\nline2", "", "", "{\"room\":[\"r0\",\"r1\"]}");
    broadcast(ss, "everyone", "", "", NULL);
    for (int i = 0; i < FAN_CLIENTS; i++) {
        ASSERT_TRUE(read_until(fds[i], &rs[i], 0, "data: everyone\n\n"));
        for (int k = 0; k < FAN_ROOMS; k++) {
            char want[64];
            (void)snprintf(want, sizeof(want), "event: msg\ndata: for-r%d\n\n", k);
            ASSERT_EQ_INT(contains(&rs[i], want), k == i % FAN_ROOMS);
        }
        ASSERT_EQ_INT(contains(&rs[i], "data: line1\ndata: line2\n\n"), i % FAN_ROOMS < 2);
    }
    /* 40 connections got 1 + 1 (any-of for half) + 1 messages. */
    ASSERT_EQ_INT(http_sse_delivered(ss), FAN_CLIENTS * 2 + FAN_CLIENTS / 2);
    for (int i = 0; i < FAN_CLIENTS; i++) {
        close(fds[i]);
    }
    ASSERT_TRUE(wait_count(http_sse_connection_count, ss, 0));
    mem_free(rs);
    stop(s);
}

TEST(sse_connection_limit_503)
{
    struct http_server *s = start(1);
    struct http_sse_config cfg = { .max_connections = 2, .heartbeat_ms = -1 };
    struct http_sse_stream *ss = reg("/small", &cfg);
    int fds[3];
    struct reader *rs = mem_calloc(3, sizeof(*rs));
    for (int i = 0; i < 3; i++) {
        fds[i] = loop_connect(s, 0);
        loop_send_str(fds[i], "GET /small HTTP/1.1\r\nHost: x\r\n\r\n");
        if (i < 2) {
            ASSERT_TRUE(read_until(fds[i], &rs[i], 0, ": connected\n\n"));
        }
    }
    ASSERT_TRUE(read_until(fds[2], &rs[2], 0, "}}"));
    ASSERT_TRUE(contains(&rs[2], "HTTP/1.1 503 "));
    ASSERT_TRUE(contains(&rs[2], "\"code\":\"TOO_MANY_CONNECTIONS\""));
    ASSERT_TRUE(contains(&rs[2], "Content-Type: application/json"));
    ASSERT_EQ_SIZE(http_sse_connection_count(ss), 2);
    /* A slot frees on disconnect. */
    close(fds[0]);
    ASSERT_TRUE(wait_count(http_sse_connection_count, ss, 1));
    int fd = loop_connect(s, 0);
    struct reader *r = mem_calloc(1, sizeof(*r));
    loop_send_str(fd, "GET /small HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(read_until(fd, r, 0, ": connected\n\n"));
    close(fd);
    close(fds[1]);
    close(fds[2]);
    mem_free(r);
    mem_free(rs);
    stop(s);
}

TEST(sse_disconnect_is_removed)
{
    struct http_server *s = start(2);
    struct http_sse_config cfg = { .heartbeat_ms = -1 };
    struct http_sse_stream *ss = reg("/rm", &cfg);
    int fds[3];
    struct reader *rs = mem_calloc(3, sizeof(*rs));
    for (int i = 0; i < 3; i++) {
        fds[i] = loop_connect(s, 0);
        loop_send_str(fds[i], "GET /rm HTTP/1.1\r\nHost: x\r\n\r\n");
        ASSERT_TRUE(read_until(fds[i], &rs[i], 0, ": connected\n\n"));
    }
    ASSERT_EQ_SIZE(http_sse_connection_count(ss), 3);
    close(fds[1]);
    ASSERT_TRUE(wait_count(http_sse_connection_count, ss, 2));
    broadcast(ss, "after", "", "", NULL);
    ASSERT_TRUE(read_until(fds[0], &rs[0], 0, "data: after"));
    ASSERT_TRUE(read_until(fds[2], &rs[2], 0, "data: after"));
    for (int i = 0; i < 1000 && http_sse_delivered(ss) < 2; i++) {
        loop_sleep_ms(10);
    }
    ASSERT_EQ_INT(http_sse_delivered(ss), 2);
    close(fds[0]);
    close(fds[2]);
    mem_free(rs);
    stop(s);
}

#define SLOW_MSG_BYTES ((size_t)16 * 1024)

TEST(sse_slow_client_is_disconnected)
{
    struct http_server *s = start(1);
    struct http_sse_config cfg = { .heartbeat_ms = -1, .max_queue_bytes = (size_t)64 * 1024 };
    struct http_sse_stream *ss = reg("/slow", &cfg);
    int slow = loop_connect(s, 4096);
    struct reader *r = mem_calloc(1, sizeof(*r));
    loop_send_str(slow, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(read_until(slow, r, 0, ": connected\n\n"));
    /* It never reads again: the queue fills once the socket buffers are full. */
    char *big = mem_alloc(SLOW_MSG_BYTES + 1);
    memset(big, 'x', SLOW_MSG_BYTES);
    big[SLOW_MSG_BYTES] = '\0';
    for (int i = 0; i < 4000 && http_server_slow_consumers(s) == 0; i++) {
        broadcast(ss, big, "", "", NULL);
        if (i % 16 == 15) {
            loop_sleep_ms(1);
        }
    }
    ASSERT_EQ_INT(http_server_slow_consumers(s), 1);
    ASSERT_TRUE(wait_count(http_sse_connection_count, ss, 0));
    /* Everything else is unaffected. */
    int fd = loop_connect(s, 0);
    struct reader *r2 = mem_calloc(1, sizeof(*r2));
    loop_send_str(fd, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(read_until(fd, r2, 0, ": connected\n\n"));
    broadcast(ss, "fine", "", "", NULL);
    ASSERT_TRUE(read_until(fd, r2, 0, "data: fine\n\n"));
    close(fd);
    close(slow);
    mem_free(big);
    mem_free(r);
    mem_free(r2);
    stop(s);
}

/* A replay larger than the connection's queue makes it a slow consumer during its attach (under
 * the stream's lock): it is dropped and counted, and the stream keeps working (no deadlock). */
TEST(sse_replay_overflowing_the_queue_disconnects)
{
    struct http_server *s = start(1);
    struct http_sse_config cfg = { .replay = 50, .heartbeat_ms = -1, .max_queue_chunks = 10 };
    struct http_sse_stream *ss = reg("/deep", &cfg);
    for (int i = 0; i < 50; i++) {
        char id[16];
        (void)snprintf(id, sizeof(id), "%d", i);
        broadcast(ss, "kept", "", id, NULL);
    }
    int fd = loop_connect(s, 0);
    struct reader *r = mem_calloc(1, sizeof(*r));
    loop_send_str(fd, "GET /deep HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 0\r\n\r\n");
    for (int i = 0; i < 1000 && http_sse_slow_consumers(ss) == 0; i++) {
        loop_sleep_ms(10);
    }
    ASSERT_EQ_SIZE((size_t)http_sse_slow_consumers(ss), 1);
    ASSERT_TRUE(wait_count(http_sse_connection_count, ss, 0));
    int fd2 = loop_connect(s, 0);
    struct reader *r2 = mem_calloc(1, sizeof(*r2));
    loop_send_str(fd2, "GET /deep HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(read_until(fd2, r2, 0, ": connected\n\n"));
    broadcast(ss, "after", "", "", NULL);
    ASSERT_TRUE(read_until(fd2, r2, 0, "data: after\n\n"));
    close(fd);
    close(fd2);
    mem_free(r);
    mem_free(r2);
    stop(s);
}

/* Delivery.local, a new connection limit, and ending every connection of a stream. */
TEST(sse_local_count_configure_and_close_all)
{
    struct http_server *s = start(2);
    struct http_sse_config cfg = { .heartbeat_ms = -1 };
    struct http_sse_stream *ss = reg("/counted", &cfg);
    const char *paths[3] = { "/counted?ch=a", "/counted?ch=b", "/counted?ch=a&u=1" };
    int fds[3];
    struct reader *rs[3];
    for (int i = 0; i < 3; i++) {
        fds[i] = loop_connect(s, 0);
        rs[i] = mem_calloc(1, sizeof(*rs[i]));
        char req[128];
        (void)snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", paths[i]);
        loop_send_str(fds[i], req);
        ASSERT_TRUE(read_until(fds[i], rs[i], 0, ": connected\n\n"));
    }
    struct diag d;
    struct http_filter *f = NULL;
    ASSERT_OK(http_filter_parse_json(STR("{\"ch\":\"a\"}"), HTTP_FILTER_OVERLAP, false, &f, &d));
    struct http_sse_message m = { .data = STR("to a") };
    size_t local = 99;
    for (int i = 0; i < 1000 && local != 2; i++) { /* the attach is posted after the head */
        ASSERT_OK(http_sse_broadcast(ss, &m, f, &local, &d));
        loop_sleep_ms(local == 2 ? 0 : 10);
    }
    ASSERT_EQ_SIZE(local, 2);
    ASSERT_OK(http_sse_broadcast(ss, &m, NULL, &local, &d));
    ASSERT_EQ_SIZE(local, 3);
    http_filter_unref(f);
    /* A lower limit applies to new connections. */
    cfg.max_connections = 3;
    ASSERT_OK(http_sse_configure(ss, &cfg, &d));
    int extra = loop_connect(s, 0);
    struct reader *rx = mem_calloc(1, sizeof(*rx));
    loop_send_str(extra, "GET /counted HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(read_until(extra, rx, 0, "TOO_MANY_CONNECTIONS"));
    /* Ending them all: each gets the last chunk, the count drops to 0. */
    http_sse_close_all(ss);
    for (int i = 0; i < 3; i++) {
        ASSERT_TRUE(read_until(fds[i], rs[i], 0, "\r\n0\r\n\r\n"));
        close(fds[i]);
        mem_free(rs[i]);
    }
    ASSERT_TRUE(wait_count(http_sse_connection_count, ss, 0));
    ASSERT_TRUE(str_eq(http_sse_pattern(ss), STR("/counted")));
    close(extra);
    mem_free(rx);
    stop(s);
}

TEST(sse_broadcast_rejects_bad_input)
{
    struct http_server *s = start(1);
    struct http_sse_stream *ss = reg("/bad", NULL);
    struct diag d;
    struct http_sse_message m = { .data = STR("x"), .event = STR("bad name") };
    ASSERT_RC(http_sse_broadcast(ss, &m, NULL, NULL, &d), RC_INVAL);
    m.event = STR_NULL;
    m.id = STR("a\nb");
    ASSERT_RC(http_sse_broadcast(ss, &m, NULL, NULL, &d), RC_INVAL);
    char *big = mem_calloc(1, HTTP_SSE_MAX_MESSAGE_BYTES + 1);
    m.id = STR_NULL;
    m.data = str_make(big, HTTP_SSE_MAX_MESSAGE_BYTES + 1);
    ASSERT_RC(http_sse_broadcast(ss, &m, NULL, NULL, &d), RC_LIMIT);
    mem_free(big);
    struct http_sse_stream *dup = NULL;
    ASSERT_RC(http_sse_register(atomic_load(&hub), STR("/bad"), NULL, &dup, &d), RC_CONFLICT);
    struct http_sse_config cfg = { .replay = HTTP_SSE_MAX_REPLAY + 1 };
    ASSERT_RC(http_sse_register(atomic_load(&hub), STR("/big"), &cfg, &dup, &d), RC_INVAL);
    ASSERT_TRUE(http_sse_find(atomic_load(&hub), STR("/bad")) == ss);
    ASSERT_NULL(http_sse_find(atomic_load(&hub), STR("/nope")));
    stop(s);
}
