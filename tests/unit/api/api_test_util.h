/* SPDX-License-Identifier: MIT */
/* Helpers for the api unit tests: an engine plus a real HTTP server on 127.0.0.1 port 0, and a
 * blocking raw-socket client with a timeout. */
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/api.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/mem.h"
#include "harness.h"
#include "http/http.h"

struct tenv {
    struct api_engine *e;
    struct http_server *s;
    int port;
};

static inline void tenv_start_cfg(struct tenv *t, const struct api_config *cfg)
{
    struct diag d;
    diag_clear(&d);
    if (api_engine_start(cfg, &t->e, &d) != RC_OK) {
        harness_fail(__FILE__, __LINE__, "engine: %s", d.msg);
    }
    struct http_server_config sc = {
        .listen_host = "127.0.0.1",
        .listen_port = 0,
        .io_threads = 1,
        .dispatch = api_engine_dispatch,
        .dispatch_arg = t->e,
        .server_header = "kiln-test",
    };
    http_limits_default(&sc.limits);
    if (http_server_start(&sc, &t->s, &d) != RC_OK) {
        harness_fail(__FILE__, __LINE__, "server: %s", d.msg);
    }
    t->port = http_server_port(t->s);
}

static inline void tenv_start(struct tenv *t)
{
    struct api_config cfg = { .js_threads = 1, .exec_timeout_ms = 1000, .init_timeout_ms = 1000 };
    tenv_start_cfg(t, &cfg);
}

static inline void tenv_stop(struct tenv *t)
{
    http_server_stop(t->s, 1000);
    api_engine_stop(t->e);
}

static inline int tenv_deploy(struct tenv *t, const char *uri, const char *src, struct diag *d)
{
    diag_clear(d);
    return api_engine_deploy(t->e, str_from_cstr(uri), str_from_cstr(src), d);
}

/* Send raw request bytes and read until the server closes (requests say Connection: close).
 * Returns an owned NUL-terminated response (mem_free). */
static inline char *tenv_raw(struct tenv *t, const char *req)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)t->port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        harness_fail(__FILE__, __LINE__, "connect failed");
    }
    size_t n = strlen(req);
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, req + off, n - off);
        if (w <= 0) {
            break;
        }
        off += (size_t)w;
    }
    struct buf b;
    buf_init(&b, 1 << 24);
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 30000) <= 0) { /* generous: CI machines are shared */
            break;
        }
        char chunk[4096];
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r <= 0) {
            break;
        }
        if (buf_try_append(&b, chunk, (size_t)r) != RC_OK) {
            break;
        }
    }
    close(fd);
    return buf_take(&b, NULL);
}

static inline char *tenv_get(struct tenv *t, const char *path)
{
    struct buf b;
    buf_init(&b, 1 << 16);
    if (buf_try_printf(&b, "GET %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n", path) !=
        RC_OK) {
        harness_fail(__FILE__, __LINE__, "request too long");
    }
    char *r = tenv_raw(t, b.ptr);
    buf_fini(&b);
    return r;
}

static inline int resp_status(const char *r)
{
    if (strncmp(r, "HTTP/1.1 ", 9) != 0) {
        return -1;
    }
    return (r[9] - '0') * 100 + (r[10] - '0') * 10 + (r[11] - '0');
}

static inline const char *resp_body(const char *r)
{
    const char *p = strstr(r, "\r\n\r\n");
    return p ? p + 4 : "";
}

/* True when the response has a header line "name: value" (case-insensitive name). */
static inline bool resp_has_header(const char *r, const char *line)
{
    const char *end = strstr(r, "\r\n\r\n");
    size_t n = strlen(line);
    for (const char *p = strstr(r, "\r\n"); p && p < end; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, line, n) == 0 && (p[2 + n] == '\r')) {
            return true;
        }
    }
    return false;
}

#define ASSERT_CONTAINS(hay, needle)                                                   \
    do {                                                                               \
        const char *h_ = (hay);                                                        \
        if (strstr(h_, (needle)) == NULL) {                                            \
            harness_fail(__FILE__, __LINE__, "expected \"%s\" in:\n%s", (needle), h_); \
        }                                                                              \
    } while (0)
