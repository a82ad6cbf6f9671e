/* SPDX-License-Identifier: MIT */
/*
 * Loopback tests of the HTTP server: a real server on 127.0.0.1 port 0 with a C dispatch
 * function, raw sockets on the client side, exact bytes checked. Covers keep-alive,
 * pipelining with out-of-order completion from other threads, HEAD, 100-continue, limits,
 * bad framing, timeouts, the connection limit, client aborts and draining stops.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/clk.h"
#include "base/diag.h"
#include "base/mem.h"
#include "harness.h"
#include "http/http.h"
#include "loop_util.h"

/* ------------------------------------------------------------------ dispatch */

static atomic_int outstanding; /* delayed responders still running */
static atomic_int aborted_seen;

struct delayed {
    struct http_exchange *ex;
    int delay_ms;
};

static void *delayed_main(void *arg)
{
    struct delayed *d = arg;
    loop_sleep_ms(d->delay_ms);
    char body[32];
    int n = snprintf(body, sizeof(body), "d%d", d->delay_ms);
    if (http_exchange_is_aborted(d->ex)) {
        atomic_fetch_add(&aborted_seen, 1);
    }
    struct http_header h = { STR("Content-Type"), STR("text/plain") };
    http_exchange_respond(d->ex, 200, &h, 1, str_make(body, (size_t)n));
    mem_free(d);
    atomic_fetch_sub(&outstanding, 1);
    return NULL;
}

static void dispatch(struct http_exchange *ex, void *arg)
{
    (void)arg;
    const struct http_request *r = http_exchange_request(ex);
    struct str path = r->raw_path;
    struct http_header text = { STR("Content-Type"), STR("text/plain") };
    if (str_eq(path, STR("/hello"))) {
        http_exchange_respond(ex, 200, &text, 1, STR("hello"));
    } else if (str_starts_with(path, STR("/delay/"))) {
        struct delayed *d = mem_alloc(sizeof(*d));
        d->ex = ex;
        d->delay_ms = atoi(arena_cstr(http_exchange_arena(ex), str_sub(path, 7, path.len)));
        atomic_fetch_add(&outstanding, 1);
        pthread_t t;
        ASSERT_EQ_INT(pthread_create(&t, NULL, delayed_main, d), 0);
        pthread_detach(t);
    } else if (str_eq(path, STR("/echo"))) {
        http_exchange_respond(ex, 200, &text, 1, r->body);
    } else if (str_starts_with(path, STR("/big/"))) {
        size_t n = (size_t)atoi(arena_cstr(http_exchange_arena(ex), str_sub(path, 5, path.len)));
        char *b = mem_alloc(n);
        for (size_t i = 0; i < n; i++) {
            b[i] = (char)('a' + i % 26);
        }
        http_exchange_respond_owned(ex, 200, &text, 1, b, n);
    } else if (str_eq(path, STR("/badheader"))) {
        struct http_header bad = { STR("X-Bad"), STR("a\r\nInjected: yes") };
        http_exchange_respond(ex, 200, &bad, 1, STR("never"));
    } else if (str_eq(path, STR("/ip"))) {
        http_exchange_respond(ex, 200, &text, 1, r->client_ip);
    } else if (str_eq(path, STR("/nocontent"))) {
        http_exchange_respond(ex, 204, NULL, 0, STR("dropped"));
    } else {
        struct http_header extra = { STR("X-Extra"), STR("1") };
        http_exchange_respond_error(ex, 404, "NOT_FOUND", STR("no route"), STR_NULL, &extra, 1);
    }
}

/* ------------------------------------------------------------------ helpers */

static struct http_server *start(struct http_limits *lim, size_t threads)
{
    struct http_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.listen_host = "127.0.0.1";
    cfg.listen_port = 0;
    cfg.io_threads = threads;
    if (lim != NULL) {
        cfg.limits = *lim;
    } else {
        http_limits_default(&cfg.limits);
    }
    cfg.dispatch = dispatch;
    cfg.server_header = "kiln/test";
    struct http_server *s = NULL;
    struct diag d;
    diag_clear(&d);
    int rc = http_server_start(&cfg, &s, &d);
    if (rc != RC_OK) {
        harness_fail(__FILE__, __LINE__, "start: %s %s", rc_name(rc), d.msg);
    }
    ASSERT_TRUE(http_server_port(s) > 0);
    return s;
}

static void stop(struct http_server *s)
{
    http_server_stop(s, 1000);
    for (int i = 0; i < 500 && atomic_load(&outstanding) > 0; i++) {
        loop_sleep_ms(10);
    }
    ASSERT_EQ_INT(atomic_load(&outstanding), 0);
}

struct reader {
    char *buf;
    size_t len;
    size_t cap;
    bool eof;
};

/* Read until the buffer holds `want` complete responses, EOF, or timeout_ms passes. */
static void read_some(int fd, struct reader *r, int timeout_ms)
{
    if (r->cap - r->len < 65536) {
        r->cap = r->cap * 2 + 65536;
        r->buf = mem_realloc(r->buf, r->cap + 1);
    }
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, timeout_ms) <= 0) {
        return;
    }
    ssize_t n = recv(fd, r->buf + r->len, r->cap - r->len, 0);
    if (n <= 0) {
        r->eof = true;
        return;
    }
    r->len += (size_t)n;
    r->buf[r->len] = '\0';
}

/* Count complete responses in r (head + Content-Length body; bodyless when no CL). */
static size_t count_responses(const struct reader *r, struct str *bodies, size_t max)
{
    size_t count = 0;
    struct str rest = str_make(r->buf ? r->buf : "", r->len);
    while (rest.len > 0) {
        ptrdiff_t end = str_find(rest, STR("\r\n\r\n"));
        if (end < 0) {
            break;
        }
        struct str head = str_sub(rest, 0, (size_t)end);
        size_t cl = 0;
        ptrdiff_t at = str_find(head, STR("Content-Length: "));
        if (at >= 0) {
            cl = (size_t)strtoul(head.ptr + at + 16, NULL, 10);
        }
        bool is_100 = str_starts_with(head, STR("HTTP/1.1 100 "));
        if (is_100) {
            cl = 0;
        }
        size_t total = (size_t)end + 4 + cl;
        if (rest.len < total) {
            break;
        }
        if (!is_100) {
            if (count < max) {
                bodies[count] = str_sub(rest, (size_t)end + 4, cl);
            }
            count++;
        }
        rest = str_sub(rest, total, rest.len);
    }
    return count;
}

static void read_responses(int fd, struct reader *r, size_t want, int timeout_ms)
{
    struct str bodies[1];
    int64_t deadline = clk_mono_ms() + timeout_ms;
    while (count_responses(r, bodies, 0) < want && !r->eof && clk_mono_ms() < deadline) {
        read_some(fd, r, 50);
    }
}

static void read_to_eof(int fd, struct reader *r, int timeout_ms)
{
    int64_t deadline = clk_mono_ms() + timeout_ms;
    while (!r->eof && clk_mono_ms() < deadline) {
        read_some(fd, r, 50);
    }
}

static struct str text_of(const struct reader *r)
{
    return str_make(r->buf ? r->buf : "", r->len);
}

/* ------------------------------------------------------------------ tests */

TEST(loop_hello_keep_alive)
{
    struct http_server *s = start(NULL, 2);
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    loop_send_str(fd, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    read_responses(fd, &r, 1, 2000);
    struct str t = text_of(&r);
    ASSERT_TRUE(str_starts_with(t, STR("HTTP/1.1 200 OK\r\nDate: ")));
    ASSERT_TRUE(str_find(t, STR("\r\nServer: kiln/test\r\n")) > 0);
    ASSERT_TRUE(str_find(t, STR("\r\nContent-Type: text/plain\r\nX-Request-Id: req_")) > 0);
    ASSERT_TRUE(
        str_ends_with(t, STR("\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello")));
    /* the same connection serves a second request */
    r.len = 0;
    loop_send_str(fd, "GET /hello HTTP/1.1\r\n\r\n");
    read_responses(fd, &r, 1, 2000);
    ASSERT_TRUE(str_ends_with(text_of(&r), STR("\r\n\r\nhello")));
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_pipelined_out_of_order_completion)
{
    struct http_server *s = start(NULL, 1);
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    /* the first completes last (on another thread), the second at once, the third in between */
    loop_send_str(fd, "GET /delay/300 HTTP/1.1\r\n\r\n"
                      "GET /hello HTTP/1.1\r\n\r\n"
                      "GET /delay/100 HTTP/1.1\r\n\r\n"
                      "POST /echo HTTP/1.1\r\nContent-Length: 4\r\n\r\nping"
                      "GET /missing HTTP/1.1\r\n\r\n");
    read_responses(fd, &r, 5, 5000);
    struct str bodies[5];
    ASSERT_EQ_SIZE(count_responses(&r, bodies, 5), 5);
    ASSERT_EQ_SLICE(bodies[0], "d300");
    ASSERT_EQ_SLICE(bodies[1], "hello");
    ASSERT_EQ_SLICE(bodies[2], "d100");
    ASSERT_EQ_SLICE(bodies[3], "ping");
    ASSERT_TRUE(
        str_starts_with(bodies[4], STR("{\"error\":{\"code\":\"NOT_FOUND\",\"message\":"
                                       "\"no route\",\"details\":null,\"requestId\":\"req_")));
    ASSERT_TRUE(str_find(text_of(&r), STR("HTTP/1.1 404 Not Found\r\n")) > 0);
    ASSERT_TRUE(str_find(text_of(&r), STR("\r\nX-Extra: 1\r\n")) > 0);
    ASSERT_TRUE(str_find(text_of(&r), STR("\r\nContent-Type: application/json\r\n")) > 0);
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_many_pipelined_requests_in_order)
{
    struct http_server *s = start(NULL, 1);
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    char *req = mem_alloc((size_t)200 * 64);
    size_t n = 0;
    for (int i = 0; i < 200; i++) {
        n += (size_t)sprintf(req + n, "POST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\n%03d", i);
    }
    loop_send(fd, req, n);
    read_responses(fd, &r, 200, 10000);
    struct str bodies[200];
    ASSERT_EQ_SIZE(count_responses(&r, bodies, 200), 200);
    for (int i = 0; i < 200; i++) {
        char want[4];
        snprintf(want, sizeof(want), "%03d", i);
        ASSERT_EQ_SLICE(bodies[i], want);
    }
    mem_free(req);
    close(fd);
    mem_free(r.buf);
    stop(s);
}

struct stress_client {
    struct http_server *s;
    int id;
    bool ok;
};

static void *stress_main(void *arg)
{
    struct stress_client *sc = arg;
    int fd = loop_connect(sc->s, 0);
    char req[2048];
    size_t n = 0;
    char want[10][16];
    for (int i = 0; i < 10; i++) {
        int kind = (sc->id + i) % 3;
        if (kind == 0) {
            n += (size_t)snprintf(req + n, sizeof(req) - n, "GET /hello HTTP/1.1\r\n\r\n");
            snprintf(want[i], sizeof(want[i]), "hello");
        } else if (kind == 1) {
            int ms = 1 + (sc->id * 7 + i * 3) % 20;
            n += (size_t)snprintf(req + n, sizeof(req) - n, "GET /delay/%d HTTP/1.1\r\n\r\n", ms);
            snprintf(want[i], sizeof(want[i]), "d%d", ms);
        } else {
            n += (size_t)snprintf(req + n, sizeof(req) - n,
                                  "POST /echo HTTP/1.1\r\nContent-Length: 4\r\n\r\n%04d",
                                  sc->id * 10 + i);
            snprintf(want[i], sizeof(want[i]), "%04d", sc->id * 10 + i);
        }
    }
    loop_send(fd, req, n);
    struct reader r = { 0 };
    read_responses(fd, &r, 10, 10000);
    struct str bodies[10];
    sc->ok = count_responses(&r, bodies, 10) == 10;
    for (int i = 0; sc->ok && i < 10; i++) {
        sc->ok = str_eq(bodies[i], str_from_cstr(want[i]));
    }
    close(fd);
    mem_free(r.buf);
    return NULL;
}

TEST(loop_many_clients_pipelining_with_threaded_responses)
{
    struct http_server *s = start(NULL, 2);
    struct stress_client cs[24];
    pthread_t t[24];
    for (int i = 0; i < 24; i++) {
        cs[i] = (struct stress_client){ .s = s, .id = i, .ok = false };
        ASSERT_EQ_INT(pthread_create(&t[i], NULL, stress_main, &cs[i]), 0);
    }
    for (int i = 0; i < 24; i++) {
        pthread_join(t[i], NULL);
    }
    for (int i = 0; i < 24; i++) {
        if (!cs[i].ok) {
            harness_fail(__FILE__, __LINE__, "client %d got wrong responses", i);
        }
    }
    stop(s);
}

TEST(loop_request_split_in_small_writes)
{
    struct http_server *s = start(NULL, 1);
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    const char *req = "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    for (size_t i = 0; req[i] != '\0'; i++) {
        loop_send(fd, req + i, 1);
        if (i % 7 == 0) {
            loop_sleep_ms(1);
        }
    }
    read_responses(fd, &r, 1, 2000);
    struct str bodies[1];
    ASSERT_EQ_SIZE(count_responses(&r, bodies, 1), 1);
    ASSERT_EQ_SLICE(bodies[0], "abcde");
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_head_and_204_have_no_body)
{
    struct http_server *s = start(NULL, 1);
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    loop_send_str(
        fd,
        "HEAD /hello HTTP/1.1\r\n\r\nGET /nocontent HTTP/1.1\r\n\r\nGET /hello HTTP/1.1\r\n\r\n");
    read_responses(fd, &r, 3, 2000);
    struct str t = text_of(&r);
    /* HEAD: Content-Length of the body, no body; then 204 without Content-Length */
    ptrdiff_t first_end = str_find(t, STR("\r\n\r\n"));
    ASSERT_TRUE(first_end > 0);
    ASSERT_TRUE(str_find(str_sub(t, 0, (size_t)first_end), STR("Content-Length: 5")) > 0);
    struct str after = str_sub(t, (size_t)first_end + 4, t.len);
    ASSERT_TRUE(str_starts_with(after, STR("HTTP/1.1 204 No Content\r\n")));
    ptrdiff_t second_end = str_find(after, STR("\r\n\r\n"));
    ASSERT_TRUE(str_find(str_sub(after, 0, (size_t)second_end), STR("Content-Length")) < 0);
    ASSERT_TRUE(str_starts_with(str_sub(after, (size_t)second_end + 4, after.len),
                                STR("HTTP/1.1 200 OK\r\n")));
    ASSERT_TRUE(str_ends_with(t, STR("hello")));
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_expect_100_continue)
{
    struct http_server *s = start(NULL, 1);
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    loop_send_str(fd, "POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    int64_t deadline = clk_mono_ms() + 2000;
    while (r.len < 25 && clk_mono_ms() < deadline && !r.eof) {
        read_some(fd, &r, 50);
    }
    ASSERT_EQ_SLICE(text_of(&r), "HTTP/1.1 100 Continue\r\n\r\n");
    loop_send_str(fd, "hello");
    read_responses(fd, &r, 1, 2000);
    struct str bodies[1];
    ASSERT_EQ_SIZE(count_responses(&r, bodies, 1), 1);
    ASSERT_EQ_SLICE(bodies[0], "hello");
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_413_before_body_without_continue)
{
    struct http_limits lim;
    http_limits_default(&lim);
    lim.max_body_bytes = 100;
    struct http_server *s = start(&lim, 1);
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    loop_send_str(fd, "POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 101\r\n\r\n");
    read_to_eof(fd, &r, 5000);
    struct str t = text_of(&r);
    ASSERT_TRUE(str_starts_with(t, STR("HTTP/1.1 413 Payload Too Large\r\n")));
    ASSERT_TRUE(str_find(t, STR("100 Continue")) < 0);
    ASSERT_TRUE(str_find(t, STR("\"code\":\"PAYLOAD_TOO_LARGE\"")) > 0);
    ASSERT_TRUE(str_find(t, STR("Connection: close\r\n")) > 0);
    ASSERT_TRUE(r.eof);
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_bad_framing_400_and_close)
{
    struct http_server *s = start(NULL, 1);
    static const char *const bad[] = {
        "POST /echo HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
        "POST /echo HTTP/1.1\r\nContent-Length: x\r\n\r\n",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        int fd = loop_connect(s, 0);
        struct reader r = { 0 };
        /* a valid request first: it is answered, then the bad one gets 400 and the close */
        loop_send_str(fd, "GET /hello HTTP/1.1\r\n\r\n");
        loop_send_str(fd, bad[i]);
        read_to_eof(fd, &r, 5000);
        struct str bodies[2];
        ASSERT_EQ_SIZE(count_responses(&r, bodies, 2), 2);
        ASSERT_EQ_SLICE(bodies[0], "hello");
        struct str t = text_of(&r);
        ASSERT_TRUE(str_find(t, STR("HTTP/1.1 400 Bad Request\r\n")) > 0);
        ASSERT_TRUE(str_find(t, STR("\"code\":\"BAD_REQUEST\"")) > 0);
        ASSERT_TRUE(r.eof);
        close(fd);
        mem_free(r.buf);
    }
    stop(s);
}

TEST(loop_431_headers_too_large)
{
    struct http_server *s = start(NULL, 1);
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    loop_send_str(fd, "GET /hello HTTP/1.1\r\n");
    char line[1100];
    memset(line, 'a', sizeof(line));
    memcpy(line, "X-Pad: ", 7);
    memcpy(line + sizeof(line) - 2, "\r\n", 2);
    for (int i = 0; i < 70 && !r.eof; i++) {
        if (send(fd, line, sizeof(line), MSG_NOSIGNAL) <= 0) {
            break;
        }
    }
    read_to_eof(fd, &r, 5000);
    ASSERT_TRUE(
        str_starts_with(text_of(&r), STR("HTTP/1.1 431 Request Header Fields Too Large\r\n")));
    ASSERT_TRUE(str_find(text_of(&r), STR("HEADERS_TOO_LARGE")) > 0);
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_invalid_response_header_becomes_500)
{
    struct http_server *s = start(NULL, 1);
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    loop_send_str(fd, "GET /badheader HTTP/1.1\r\n\r\n");
    read_responses(fd, &r, 1, 2000);
    struct str t = text_of(&r);
    ASSERT_TRUE(str_starts_with(t, STR("HTTP/1.1 500 Internal Server Error\r\n")));
    ASSERT_TRUE(str_find(t, STR("Injected")) < 0);
    ASSERT_TRUE(str_find(t, STR("INVALID_RESPONSE")) > 0);
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_large_owned_body)
{
    struct http_server *s = start(NULL, 2);
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    loop_send_str(fd, "GET /big/3000000 HTTP/1.1\r\n\r\nGET /hello HTTP/1.1\r\n\r\n");
    read_responses(fd, &r, 2, 10000);
    struct str bodies[2];
    ASSERT_EQ_SIZE(count_responses(&r, bodies, 2), 2);
    ASSERT_EQ_SIZE(bodies[0].len, 3000000);
    for (size_t i = 0; i < bodies[0].len; i += 9973) {
        ASSERT_EQ_INT(bodies[0].ptr[i], 'a' + (int)(i % 26));
    }
    ASSERT_EQ_SLICE(bodies[1], "hello");
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_connection_close_and_http10)
{
    struct http_server *s = start(NULL, 1);
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    loop_send_str(fd,
                  "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\nGET /hello HTTP/1.1\r\n\r\n");
    read_to_eof(fd, &r, 3000);
    struct str bodies[2];
    ASSERT_EQ_SIZE(count_responses(&r, bodies, 2), 1); /* the second request is not served */
    ASSERT_TRUE(str_find(text_of(&r), STR("Connection: close\r\n")) > 0);
    ASSERT_TRUE(r.eof);
    close(fd);
    fd = loop_connect(s, 0);
    r.len = 0;
    r.eof = false;
    loop_send_str(fd, "GET /ip HTTP/1.0\r\n\r\n");
    read_to_eof(fd, &r, 3000);
    ASSERT_EQ_SIZE(count_responses(&r, bodies, 1), 1);
    ASSERT_EQ_SLICE(bodies[0], "127.0.0.1");
    ASSERT_TRUE(r.eof);
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_client_half_close_still_answered)
{
    struct http_server *s = start(NULL, 1);
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    loop_send_str(fd, "GET /delay/50 HTTP/1.1\r\n\r\n");
    shutdown(fd, SHUT_WR);
    read_to_eof(fd, &r, 3000);
    struct str bodies[1];
    ASSERT_EQ_SIZE(count_responses(&r, bodies, 1), 1);
    ASSERT_EQ_SLICE(bodies[0], "d50");
    ASSERT_TRUE(r.eof);
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_slowloris_header_timeout)
{
    struct http_limits lim;
    http_limits_default(&lim);
    lim.header_timeout_ms = 200;
    struct http_server *s = start(&lim, 1);
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    int64_t t0 = clk_mono_ms();
    loop_send_str(fd, "GET /hello HTTP/1.1\r\nX-A: 1\r\n");
    for (int i = 0; i < 10 && !r.eof; i++) {
        /* trickle one byte every 50 ms: activity does not extend the header deadline */
        if (send(fd, "X", 1, MSG_NOSIGNAL) <= 0) {
            break;
        }
        read_some(fd, &r, 50);
    }
    read_to_eof(fd, &r, 3000);
    ASSERT_TRUE(r.eof);
    ASSERT_EQ_SIZE(r.len, 0);
    int64_t took = clk_mono_ms() - t0;
    ASSERT_TRUE(took >= 150 && took < 2000);
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_silent_new_connection_gets_header_timeout)
{
    struct http_limits lim;
    http_limits_default(&lim);
    lim.header_timeout_ms = 200;
    lim.idle_timeout_ms = 60000;
    struct http_server *s = start(&lim, 1);
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    int64_t t0 = clk_mono_ms();
    read_to_eof(fd, &r, 3000);
    ASSERT_TRUE(r.eof);
    int64_t took = clk_mono_ms() - t0;
    ASSERT_TRUE(took >= 150 && took < 2000);
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_continue_waits_for_earlier_responses)
{
    struct http_server *s = start(NULL, 1);
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    loop_send_str(fd, "GET /delay/200 HTTP/1.1\r\n\r\n"
                      "POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    read_responses(fd, &r, 1, 3000);
    int64_t deadline = clk_mono_ms() + 2000;
    while (str_find(text_of(&r), STR("100 Continue")) < 0 && clk_mono_ms() < deadline) {
        read_some(fd, &r, 50);
    }
    struct str t = text_of(&r);
    ptrdiff_t first = str_find(t, STR("d200"));
    ptrdiff_t cont = str_find(t, STR("HTTP/1.1 100 Continue\r\n\r\n"));
    ASSERT_TRUE(first > 0);
    ASSERT_TRUE(cont > first); /* the interim response never jumps ahead of a final one */
    loop_send_str(fd, "ok");
    read_responses(fd, &r, 2, 2000);
    struct str bodies[2];
    ASSERT_EQ_SIZE(count_responses(&r, bodies, 2), 2);
    ASSERT_EQ_SLICE(bodies[1], "ok");
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_idle_timeout)
{
    struct http_limits lim;
    http_limits_default(&lim);
    lim.idle_timeout_ms = 200;
    lim.header_timeout_ms = 5000;
    struct http_server *s = start(&lim, 1);
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    loop_send_str(fd, "GET /hello HTTP/1.1\r\n\r\n");
    read_responses(fd, &r, 1, 2000);
    int64_t t0 = clk_mono_ms();
    read_to_eof(fd, &r, 3000);
    ASSERT_TRUE(r.eof);
    int64_t took = clk_mono_ms() - t0;
    ASSERT_TRUE(took >= 100 && took < 2000);
    /* a handler that takes longer than the idle timeout is not cut off */
    close(fd);
    fd = loop_connect(s, 0);
    r.len = 0;
    r.eof = false;
    loop_send_str(fd, "GET /delay/400 HTTP/1.1\r\n\r\n");
    read_responses(fd, &r, 1, 3000);
    struct str bodies[1];
    ASSERT_EQ_SIZE(count_responses(&r, bodies, 1), 1);
    ASSERT_EQ_SLICE(bodies[0], "d400");
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_peer_that_stops_reading_is_closed)
{
    struct http_limits lim;
    http_limits_default(&lim);
    lim.idle_timeout_ms = 300;
    lim.header_timeout_ms = 5000;
    struct http_server *s = start(&lim, 1);
    int fd = loop_connect(s, 0);
    loop_send_str(fd, "GET /big/40000000 HTTP/1.1\r\n\r\n");
    loop_sleep_ms(1500); /* read nothing: the server's write makes no progress */
    struct reader r = { 0 };
    read_to_eof(fd, &r, 5000);
    ASSERT_TRUE(r.eof);
    ASSERT_TRUE(r.len < 40000000); /* socket buffers hold far less than the body */
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_connection_limit_503)
{
    struct http_limits lim;
    http_limits_default(&lim);
    lim.max_connections = 2;
    struct http_server *s = start(&lim, 1);
    int a = loop_connect(s, 0);
    int b = loop_connect(s, 0);
    struct reader r = { 0 };
    /* make sure both are accepted before the third */
    loop_send_str(a, "GET /hello HTTP/1.1\r\n\r\n");
    read_responses(a, &r, 1, 2000);
    r.len = 0;
    loop_send_str(b, "GET /hello HTTP/1.1\r\n\r\n");
    read_responses(b, &r, 1, 2000);
    r.len = 0;
    int c = loop_connect(s, 0);
    loop_send_str(c, "GET /hello HTTP/1.1\r\n\r\n");
    read_to_eof(c, &r, 3000);
    ASSERT_TRUE(str_starts_with(text_of(&r), STR("HTTP/1.1 503 Service Unavailable\r\n")));
    ASSERT_TRUE(str_find(text_of(&r), STR("SERVER_BUSY")) > 0);
    ASSERT_TRUE(r.eof);
    close(c);
    /* closing one frees a slot */
    close(a);
    loop_sleep_ms(100);
    int d = loop_connect(s, 0);
    r.len = 0;
    r.eof = false;
    loop_send_str(d, "GET /hello HTTP/1.1\r\n\r\n");
    read_responses(d, &r, 1, 2000);
    struct str bodies[1];
    ASSERT_EQ_SIZE(count_responses(&r, bodies, 1), 1);
    ASSERT_EQ_SLICE(bodies[0], "hello");
    close(b);
    close(d);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_client_gone_before_response)
{
    struct http_server *s = start(NULL, 2);
    atomic_store(&aborted_seen, 0);
    for (int i = 0; i < 5; i++) {
        int fd = loop_connect(s, 0);
        loop_send_str(fd, "GET /delay/150 HTTP/1.1\r\n\r\n");
        loop_sleep_ms(20);
        /* an abortive close (RST): the server learns at once that the client is gone */
        struct linger lg = { .l_onoff = 1, .l_linger = 0 };
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        close(fd);
    }
    for (int i = 0; i < 300 && atomic_load(&outstanding) > 0; i++) {
        loop_sleep_ms(10);
    }
    ASSERT_EQ_INT(atomic_load(&outstanding), 0);
    ASSERT_EQ_INT(atomic_load(&aborted_seen), 5);
    /* the server still serves */
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    loop_send_str(fd, "GET /hello HTTP/1.1\r\n\r\n");
    read_responses(fd, &r, 1, 2000);
    ASSERT_TRUE(str_ends_with(text_of(&r), STR("hello")));
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_peer_closing_during_a_large_write_does_not_kill_the_process)
{
    struct http_server *s = start(NULL, 1);
    for (int i = 0; i < 3; i++) {
        int fd = loop_connect(s, 0);
        loop_send_str(fd, "GET /big/8000000 HTTP/1.1\r\n\r\n");
        char tmp[1024];
        (void)recv(fd, tmp, sizeof(tmp), 0); /* the write has started */
        struct linger lg = { .l_onoff = 1, .l_linger = 0 };
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        close(fd);
    }
    loop_sleep_ms(100);
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    loop_send_str(fd, "GET /hello HTTP/1.1\r\n\r\n");
    read_responses(fd, &r, 1, 2000);
    ASSERT_TRUE(str_ends_with(text_of(&r), STR("hello")));
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_stop_drains_in_flight)
{
    struct http_server *s = start(NULL, 2);
    int fd = loop_connect(s, 0);
    int idle = loop_connect(s, 0);
    struct reader r = { 0 };
    loop_send_str(fd, "GET /delay/200 HTTP/1.1\r\n\r\n");
    loop_sleep_ms(50);
    int64_t t0 = clk_mono_ms();
    http_server_stop(s, 3000); /* returns once the response is written */
    int64_t took = clk_mono_ms() - t0;
    ASSERT_TRUE(took < 2500);
    read_to_eof(fd, &r, 2000);
    struct str bodies[1];
    ASSERT_EQ_SIZE(count_responses(&r, bodies, 1), 1);
    ASSERT_EQ_SLICE(bodies[0], "d200");
    ASSERT_TRUE(str_find(text_of(&r), STR("Connection: close\r\n")) > 0);
    ASSERT_TRUE(r.eof);
    /* the idle connection was closed too */
    struct reader r2 = { 0 };
    read_to_eof(idle, &r2, 2000);
    ASSERT_TRUE(r2.eof);
    close(fd);
    close(idle);
    mem_free(r.buf);
    mem_free(r2.buf);
}

TEST(loop_stop_with_response_after_drain)
{
    /* The handler answers after the drain window: the server is gone, the bytes are dropped
     * and the exchange is freed on the handler's thread. */
    struct http_server *s = start(NULL, 1);
    int fd = loop_connect(s, 0);
    loop_send_str(fd, "GET /delay/300 HTTP/1.1\r\n\r\n");
    loop_sleep_ms(50);
    http_server_stop(s, 20);
    for (int i = 0; i < 300 && atomic_load(&outstanding) > 0; i++) {
        loop_sleep_ms(10);
    }
    ASSERT_EQ_INT(atomic_load(&outstanding), 0);
    close(fd);
}

TEST(loop_ipv6_listener_reports_ipv4_clients_plainly)
{
    struct http_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.listen_host = "::";
    cfg.io_threads = 1;
    cfg.dispatch = dispatch; /* limits all zero: the defaults */
    struct http_server *s = NULL;
    struct diag d;
    if (http_server_start(&cfg, &s, &d) != RC_OK) {
        return; /* no IPv6 on this machine */
    }
    int fd = loop_connect(s, 0);
    struct reader r = { 0 };
    loop_send_str(fd, "POST /ip HTTP/1.1\r\nContent-Length: 1\r\n\r\nx");
    read_responses(fd, &r, 1, 2000);
    struct str bodies[1];
    ASSERT_EQ_SIZE(count_responses(&r, bodies, 1), 1);
    ASSERT_EQ_SLICE(bodies[0], "127.0.0.1");
    close(fd);
    mem_free(r.buf);
    stop(s);
}

TEST(loop_stop_null_is_noop)
{
    http_server_stop(NULL, 0);
}

TEST(loop_start_fails_on_used_port)
{
    struct http_server *s = start(NULL, 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = 0;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ_INT(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ASSERT_EQ_INT(listen(fd, 1), 0);
    socklen_t len = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    struct http_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.listen_host = "127.0.0.1";
    cfg.listen_port = ntohs(a.sin_port);
    cfg.io_threads = 2;
    http_limits_default(&cfg.limits);
    cfg.dispatch = dispatch;
    struct http_server *s2 = NULL;
    struct diag d;
    ASSERT_RC(http_server_start(&cfg, &s2, &d), RC_IO);
    ASSERT_NULL(s2);
    ASSERT_TRUE(strstr(d.msg, "bind") != NULL);
    close(fd);
    stop(s);
}
