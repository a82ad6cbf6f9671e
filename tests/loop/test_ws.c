/* SPDX-License-Identifier: MIT */
/*
 * Loopback tests of WebSocket routes: a real server on 127.0.0.1 port 0, clients that frame by
 * hand (masked, as RFC 6455 requires). Covers the handshake and its refusals, echo of text and
 * binary, fragmented messages with a ping in between, close codes 1009, 1007 and 1002 (other
 * sockets unaffected), the close handshake, groups and sends from another thread across two
 * I/O loops.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/mem.h"
#include "harness.h"
#include "http/http.h"
#include "loop_util.h"

static struct http_ws_hub *_Atomic whub;
static atomic_int opens;
static atomic_int closes;
static atomic_int last_close_code;
static char last_reason[128];

static void on_open(struct http_ws *ws, void *arg)
{
    (void)ws;
    (void)arg;
    atomic_fetch_add(&opens, 1);
}

/* "join:<g>" joins, "id?" answers the id, anything else is echoed. */
static void on_message(struct http_ws *ws, bool binary, struct str data, void *arg)
{
    (void)arg;
    struct diag d;
    if (!binary && str_starts_with(data, STR("join:"))) {
        ASSERT_OK(http_ws_join(ws, str_sub(data, 5, data.len), &d));
        ASSERT_OK(http_ws_send(ws, false, STR("joined")));
    } else if (!binary && str_eq(data, STR("id?"))) {
        ASSERT_OK(http_ws_send(ws, false, http_ws_id(ws)));
    } else if (!binary && str_eq(data, STR("bye"))) {
        ASSERT_OK(http_ws_close(ws, 4000, STR("done"), &d));
    } else {
        ASSERT_OK(http_ws_send(ws, binary, data));
    }
}

static void on_close(struct http_ws *ws, int code, struct str reason, void *arg)
{
    (void)ws;
    (void)arg;
    ASSERT_TRUE(reason.len < sizeof(last_reason));
    memcpy(last_reason, reason.ptr, reason.len);
    last_reason[reason.len] = '\0';
    atomic_store(&last_close_code, code);
    atomic_fetch_add(&closes, 1);
}

static void dispatch(struct http_exchange *ex, void *arg)
{
    (void)arg;
    const struct http_request *r = http_exchange_request(ex);
    struct http_match m;
    struct http_ws_route *route =
        http_ws_match(atomic_load(&whub), r->raw_path, http_exchange_arena(ex), &m);
    if (route == NULL) {
        http_exchange_respond(ex, 404, NULL, 0, STR("no"));
        return;
    }
    struct diag d;
    int rc = http_ws_accept(route, ex, STR_NULL, NULL, &d);
    ASSERT_TRUE(rc == RC_OK || rc == RC_INVAL || rc == RC_DENIED || rc == RC_LIMIT);
}

static struct http_ws_route *echo_route;
static struct http_ws_route *small_route;

static struct http_server *start(size_t threads)
{
    struct http_server_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.listen_host = "127.0.0.1";
    cfg.io_threads = threads;
    http_limits_default(&cfg.limits);
    cfg.dispatch = dispatch;
    struct http_server *s = NULL;
    struct diag d;
    ASSERT_OK(http_server_start(&cfg, &s, &d));
    struct http_ws_hub *h = http_ws_hub_new(s, 0);
    struct str origins[1] = { STR("http://good.example") };
    struct http_ws_config c = { .on_open = on_open,
                                .on_message = on_message,
                                .on_close = on_close,
                                .origins = origins,
                                .origin_count = 1 };
    ASSERT_OK(http_ws_register(h, STR("/ws/echo"), &c, &echo_route, &d));
    struct str protocols[2] = { STR("chat.v2"), STR("chat.v1") };
    c.protocols = protocols;
    c.protocol_count = 2;
    c.max_message_bytes = 16;
    c.max_connections = 2;
    c.ping_interval_ms = 20;
    c.max_messages_per_sec = 5;
    c.idle_timeout_ms = 400;
    c.origins = NULL;
    c.origin_count = 0;
    ASSERT_OK(http_ws_register(h, STR("/ws/small/:x"), &c, &small_route, &d));
    atomic_store(&whub, h);
    return s;
}

static void stop(struct http_server *s)
{
    http_server_stop(s, 1000);
    http_ws_hub_free(atomic_load(&whub));
    atomic_store(&whub, NULL);
}

/* Receive exactly len bytes (false on EOF or after about 10 s). */
static bool recv_exact(int fd, void *p, size_t len)
{
    char *c = p;
    for (int i = 0; i < 1000 && len > 0; i++) {
        struct pollfd pf = { .fd = fd, .events = POLLIN };
        if (poll(&pf, 1, 10) <= 0) {
            continue;
        }
        ssize_t n = recv(fd, c, len, 0);
        if (n <= 0) {
            return false;
        }
        c += n;
        len -= (size_t)n;
        i = 0;
    }
    return len == 0;
}

/* Read a response head; returns its length in buf (NUL-terminated). */
static size_t read_head(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        if (!recv_exact(fd, buf + n, 1)) {
            break;
        }
        n++;
        buf[n] = '\0';
        if (n >= 4 && memcmp(buf + n - 4, "\r\n\r\n", 4) == 0) {
            break;
        }
    }
    buf[n] = '\0';
    return n;
}

static int ws_open(struct http_server *s, const char *path, const char *extra)
{
    int fd = loop_connect(s, 0);
    char req[512];
    (void)snprintf(
        req, sizeof(req),
        "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n%s\r\n",
        path, extra);
    loop_send(fd, req, strlen(req));
    char head[2048];
    read_head(fd, head, sizeof(head));
    if (strstr(head, "HTTP/1.1 101 Switching Protocols\r\n") == NULL) {
        harness_fail(__FILE__, __LINE__, "no 101: %s", head);
    }
    ASSERT_TRUE(strstr(head, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != NULL);
    ASSERT_TRUE(strstr(head, "Upgrade: websocket\r\n") != NULL);
    ASSERT_TRUE(strstr(head, "Connection: Upgrade\r\n") != NULL);
    ASSERT_NULL(strstr(head, "Sec-WebSocket-Protocol"));
    return fd;
}

/* Send one frame, masked unless unmasked (a protocol error from a client). */
static void send_frame(int fd, bool fin, int opcode, const void *data, size_t len, bool unmasked)
{
    unsigned char h[14];
    size_t n = 0;
    h[n++] = (unsigned char)((fin ? 0x80 : 0) | opcode);
    unsigned char mbit = unmasked ? 0 : 0x80;
    if (len < 126) {
        h[n++] = (unsigned char)(mbit | len);
    } else {
        h[n++] = (unsigned char)(mbit | 126);
        h[n++] = (unsigned char)(len >> 8);
        h[n++] = (unsigned char)len;
    }
    const unsigned char key[4] = { 0x11, 0x22, 0x33, 0x44 };
    if (!unmasked) {
        memcpy(h + n, key, 4);
        n += 4;
    }
    loop_send(fd, h, n);
    unsigned char *body = mem_alloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        body[i] = ((const unsigned char *)data)[i] ^ (unmasked ? 0 : key[i % 4]);
    }
    loop_send(fd, body, len);
    mem_free(body);
}

struct frame {
    int opcode;
    bool fin;
    char data[4096];
    size_t len;
};

static bool read_frame(int fd, struct frame *f)
{
    unsigned char h[2];
    if (!recv_exact(fd, h, 2)) {
        return false;
    }
    f->fin = (h[0] & 0x80) != 0;
    f->opcode = h[0] & 0x0f;
    ASSERT_EQ_INT(h[1] & 0x80, 0); /* servers do not mask */
    size_t len = h[1] & 0x7f;
    if (len == 126) {
        unsigned char e[2];
        ASSERT_TRUE(recv_exact(fd, e, 2));
        len = ((size_t)e[0] << 8) | e[1];
    }
    ASSERT_TRUE(len < sizeof(f->data));
    f->len = len;
    f->data[len] = '\0';
    return len == 0 || recv_exact(fd, f->data, len);
}

/* The next frame that is not a server ping (the small route pings every 20 ms). */
static bool read_data_frame(int fd, struct frame *f)
{
    for (;;) {
        if (!read_frame(fd, f)) {
            return false;
        }
        if (f->opcode != 9) {
            return true;
        }
    }
}

static void expect_text(int fd, const char *text)
{
    struct frame f;
    ASSERT_TRUE(read_data_frame(fd, &f));
    ASSERT_EQ_INT(f.opcode, 1);
    ASSERT_TRUE(f.fin);
    ASSERT_EQ_STR(f.data, text);
}

static void expect_close(int fd, int code)
{
    struct frame f;
    ASSERT_TRUE(read_data_frame(fd, &f));
    ASSERT_EQ_INT(f.opcode, 8);
    ASSERT_TRUE(f.len >= 2);
    ASSERT_EQ_INT(((unsigned char)f.data[0] << 8) | (unsigned char)f.data[1], code);
}

static bool wait_eof(int fd)
{
    char b[256];
    for (int i = 0; i < 1000; i++) {
        struct pollfd pf = { .fd = fd, .events = POLLIN };
        if (poll(&pf, 1, 10) <= 0) {
            continue;
        }
        if (recv(fd, b, sizeof(b), 0) <= 0) {
            return true;
        }
    }
    return false;
}

static void wait_int(atomic_int *v, int want)
{
    for (int i = 0; i < 1000 && atomic_load(v) != want; i++) {
        loop_sleep_ms(10);
    }
    ASSERT_EQ_INT(atomic_load(v), want);
}

TEST(ws_handshake_echo_text_and_binary)
{
    struct http_server *s = start(1);
    int fd = ws_open(s, "/ws/echo", "Origin: http://good.example\r\n");
    send_frame(fd, true, 1, "hello", 5, false);
    expect_text(fd, "hello");
    const unsigned char bin[4] = { 0, 1, 0xff, 2 };
    send_frame(fd, true, 2, bin, 4, false);
    struct frame f;
    ASSERT_TRUE(read_frame(fd, &f));
    ASSERT_EQ_INT(f.opcode, 2);
    ASSERT_EQ_MEM(f.data, bin, 4);
    char big[300];
    memset(big, 'b', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    send_frame(fd, true, 1, big, strlen(big), false);
    expect_text(fd, big);
    wait_int(&opens, 1);
    close(fd);
    wait_int(&closes, 1);
    ASSERT_EQ_INT(atomic_load(&last_close_code), 1006);
    stop(s);
}

TEST(ws_subprotocol_choice)
{
    struct http_server *s = start(1);
    int fd = loop_connect(s, 0);
    const char *req =
        "GET /ws/small/p HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: x, chat.v1, chat.v2\r\n\r\n";
    loop_send(fd, req, strlen(req));
    char head[2048];
    read_head(fd, head, sizeof(head));
    ASSERT_TRUE(strstr(head, "HTTP/1.1 101 ") != NULL);
    ASSERT_TRUE(strstr(head, "Sec-WebSocket-Protocol: chat.v1\r\n") != NULL);
    close(fd);
    /* None accepted: no header (the client decides whether to go on). */
    fd = ws_open(s, "/ws/small/q", "Sec-WebSocket-Protocol: other\r\n");
    close(fd);
    stop(s);
}

TEST(ws_server_pings_and_idle_close)
{
    struct http_server *s = start(1);
    int fd = ws_open(s, "/ws/small/idle", "");
    struct frame f;
    ASSERT_TRUE(read_frame(fd, &f));
    ASSERT_EQ_INT(f.opcode, 9);
    ASSERT_EQ_SIZE(f.len, 0);
    /* Never answering: closed as idle, reported as 1006. */
    ASSERT_TRUE(wait_eof(fd));
    wait_int(&closes, 1);
    ASSERT_EQ_INT(atomic_load(&last_close_code), 1006);
    close(fd);
    stop(s);
}

TEST(ws_fragmented_message_with_ping_between)
{
    struct http_server *s = start(1);
    int fd = ws_open(s, "/ws/echo", "");
    send_frame(fd, false, 1, "hel", 3, false);
    send_frame(fd, true, 9, "pp", 2, false);
    send_frame(fd, false, 0, "lo ", 3, false);
    send_frame(fd, true, 0, "you", 3, false);
    struct frame f;
    ASSERT_TRUE(read_frame(fd, &f));
    ASSERT_EQ_INT(f.opcode, 10);
    ASSERT_EQ_STR(f.data, "pp");
    expect_text(fd, "hello you");
    close(fd);
    stop(s);
}

TEST(ws_close_handshake)
{
    struct http_server *s = start(1);
    int fd = ws_open(s, "/ws/echo", "");
    const unsigned char c[4] = { 0x03, 0xe8, 'o', 'k' };
    send_frame(fd, true, 8, c, 4, false);
    expect_close(fd, 1000);
    ASSERT_TRUE(wait_eof(fd));
    wait_int(&closes, 1);
    ASSERT_EQ_INT(atomic_load(&last_close_code), 1000);
    ASSERT_EQ_STR(last_reason, "ok");
    close(fd);
    /* Server-initiated: 4000 "done", then the client answers. */
    fd = ws_open(s, "/ws/echo", "");
    send_frame(fd, true, 1, "bye", 3, false);
    struct frame f;
    ASSERT_TRUE(read_frame(fd, &f));
    ASSERT_EQ_INT(f.opcode, 8);
    ASSERT_EQ_INT(((unsigned char)f.data[0] << 8) | (unsigned char)f.data[1], 4000);
    ASSERT_EQ_STR(f.data + 2, "done");
    const unsigned char back[2] = { 0x0f, 0xa0 };
    send_frame(fd, true, 8, back, 2, false);
    ASSERT_TRUE(wait_eof(fd));
    wait_int(&closes, 2);
    close(fd);
    stop(s);
}

TEST(ws_errors_close_with_codes_others_unaffected)
{
    struct http_server *s = start(1);
    int good = ws_open(s, "/ws/echo", "");
    /* 1009: over max_message_bytes (16) on the small route, also across fragments. */
    int fd = ws_open(s, "/ws/small/a", "");
    send_frame(fd, true, 1, "0123456789abcdefXYZ", 19, false);
    expect_close(fd, 1009);
    close(fd);
    fd = ws_open(s, "/ws/small/b", "");
    send_frame(fd, false, 1, "0123456789", 10, false);
    send_frame(fd, true, 0, "0123456789", 10, false);
    expect_close(fd, 1009);
    close(fd);
    /* 1007: invalid UTF-8 in a text message. */
    fd = ws_open(s, "/ws/echo", "");
    send_frame(fd, true, 1, "ok\xff", 3, false);
    expect_close(fd, 1007);
    close(fd);
    /* 1002: an unmasked client frame; a reserved opcode; a continuation with nothing to
     * continue. */
    fd = ws_open(s, "/ws/echo", "");
    send_frame(fd, true, 1, "x", 1, true);
    expect_close(fd, 1002);
    close(fd);
    fd = ws_open(s, "/ws/echo", "");
    send_frame(fd, true, 3, "x", 1, false);
    expect_close(fd, 1002);
    close(fd);
    fd = ws_open(s, "/ws/echo", "");
    send_frame(fd, true, 0, "x", 1, false);
    expect_close(fd, 1002);
    close(fd);
    /* 1008: more than 5 messages in a second (the 20th is surely over). */
    fd = ws_open(s, "/ws/small/rate", "");
    for (int i = 0; i < 20; i++) {
        send_frame(fd, true, 1, "m", 1, false);
    }
    for (int i = 0; i < 5; i++) {
        expect_text(fd, "m");
    }
    expect_close(fd, 1008);
    close(fd);
    send_frame(good, true, 1, "still here", 10, false);
    expect_text(good, "still here");
    close(good);
    stop(s);
}

static void expect_status(struct http_server *s, const char *req, const char *status)
{
    int fd = loop_connect(s, 0);
    loop_send(fd, req, strlen(req));
    char head[4096];
    read_head(fd, head, sizeof(head));
    if (strstr(head, status) == NULL) {
        harness_fail(__FILE__, __LINE__, "want %s: %s", status, head);
    }
    close(fd);
}

TEST(ws_handshake_refusals)
{
    struct http_server *s = start(1);
    expect_status(s,
                  "GET /ws/echo HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
                  "HTTP/1.1 400 ");
    expect_status(
        s,
        "GET /ws/echo HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 12\r\n\r\n",
        "HTTP/1.1 426 ");
    expect_status(
        s,
        "GET /ws/echo HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        "Origin: http://evil.example\r\n\r\n",
        "HTTP/1.1 403 ");
    /* Default origin rule: the request's own host only. */
    expect_status(s,
                  "GET /ws/small/x HTTP/1.1\r\nHost: h:1\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  "Sec-WebSocket-Version: 13\r\nOrigin: http://other:1\r\n\r\n",
                  "HTTP/1.1 403 ");
    int a = ws_open(s, "/ws/small/x", "Origin: http://127.0.0.1\r\n");
    int b = ws_open(s, "/ws/small/y", "");
    expect_status(s,
                  "GET /ws/small/z HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n",
                  "HTTP/1.1 503 ");
    close(a);
    close(b);
    stop(s);
}

#define WS_CLIENTS 6

TEST(ws_groups_and_sends_from_another_thread)
{
    struct http_server *s = start(2);
    int fds[WS_CLIENTS];
    char ids[WS_CLIENTS][64];
    for (int i = 0; i < WS_CLIENTS; i++) {
        fds[i] = ws_open(s, "/ws/echo", "");
        send_frame(fds[i], true, 1, i % 2 ? "join:odd" : "join:even", i % 2 ? 8 : 9, false);
        expect_text(fds[i], "joined");
        send_frame(fds[i], true, 1, "id?", 3, false);
        struct frame f;
        ASSERT_TRUE(read_frame(fds[i], &f));
        ASSERT_EQ_SIZE(f.len, 29);
        ASSERT_TRUE(memcmp(f.data, "ws_", 3) == 0);
        memcpy(ids[i], f.data, f.len + 1);
    }
    wait_int(&opens, WS_CLIENTS);
    ASSERT_EQ_SIZE(http_ws_connection_count(echo_route), WS_CLIENTS);
    ASSERT_OK(http_ws_send_route(echo_route, STR("odd"), STR_NULL, str_from_cstr(ids[1]), false,
                                 STR("to-odd")));
    ASSERT_OK(http_ws_send_route(echo_route, STR_NULL, str_from_cstr(ids[4]), STR_NULL, false,
                                 STR("to-4")));
    ASSERT_OK(http_ws_send_route(echo_route, STR_NULL, STR_NULL, STR_NULL, false, STR("to-all")));
    for (int i = 0; i < WS_CLIENTS; i++) {
        if (i % 2 == 1 && i != 1) {
            expect_text(fds[i], "to-odd");
        }
        if (i == 4) {
            expect_text(fds[i], "to-4");
        }
        expect_text(fds[i], "to-all");
    }
    for (int i = 0; i < WS_CLIENTS; i++) {
        close(fds[i]);
    }
    wait_int(&closes, WS_CLIENTS);
    stop(s);
}
