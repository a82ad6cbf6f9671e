/* SPDX-License-Identifier: MIT */
/*
 * Client-side helpers shared by the loopback tests: connect to a test server on 127.0.0.1,
 * send bytes, sleep. Every wait in the tests that use them is bounded.
 */
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "harness.h"
#include "http/http.h"

static inline void loop_sleep_ms(int ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Connect to s on 127.0.0.1 with TCP_NODELAY; rcvbuf > 0 also sets SO_RCVBUF (slow readers). */
static inline int loop_connect(struct http_server *s, int rcvbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_TRUE(fd >= 0);
    if (rcvbuf > 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    }
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)http_server_port(s));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ_INT(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* Send all len bytes (the test fails if the peer refuses them). */
static inline void loop_send(int fd, const void *p, size_t len)
{
    const char *c = p;
    while (len > 0) {
        ssize_t n = send(fd, c, len, MSG_NOSIGNAL);
        ASSERT_TRUE(n > 0);
        c += n;
        len -= (size_t)n;
    }
}

static inline void loop_send_str(int fd, const char *s)
{
    loop_send(fd, s, strlen(s));
}
