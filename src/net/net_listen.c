/* SPDX-License-Identifier: MIT */
/*
 * SO_REUSEPORT listening sockets, one per I/O loop, so the kernel spreads accepted connections
 * over the loops without a shared accept lock. errno is translated here (STYLE.md B.5 rule 6).
 * Thread contract: any thread.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <strings.h>

#include "base/diag.h"
#include "base/rc.h"
#include "net/net.h"

/* Open, bind and listen one socket with SO_REUSEPORT. With probe, bind one without it and close
 * it again: that fails while any other socket listens on the port (SO_REUSEPORT would let this
 * process join another Kiln's port and share its connections, silently). */
static int open_one(const struct addrinfo *ai, int port, bool probe, int *out_fd, int *out_port,
                    struct diag *d)
{
    int rc = RC_OK;
    struct sockaddr_storage ss;
    memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    if (ss.ss_family == AF_INET) {
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
    } else {
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
    }
    int one = 1;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        rc = diag_set_errno(d, errno, "socket");
        goto out;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        (!probe && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0)) {
        rc = diag_set_errno(d, errno, "setsockopt SO_REUSEPORT");
        goto out;
    }
    if (bind(fd, (struct sockaddr *)&ss, ai->ai_addrlen) != 0) {
        rc = diag_set_errno(d, errno, "bind port %d", port);
        goto out;
    }
    if (probe) {
        goto out; /* free: closed below */
    }
    /* Listen at once, so connections queue in the backlog before the loops run. */
    if (listen(fd, 1024) != 0) {
        rc = diag_set_errno(d, errno, "listen");
        goto out;
    }
    struct sockaddr_storage bound;
    memset(&bound, 0, sizeof(bound));
    socklen_t blen = sizeof(bound);
    if (getsockname(fd, (struct sockaddr *)&bound, &blen) != 0) {
        rc = diag_set_errno(d, errno, "getsockname");
        goto out;
    }
    *out_port = bound.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&bound)->sin_port)
                                           : ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
    *out_fd = fd;
    fd = -1;
out:
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

int net_listen_reuseport(const char *host, int port, size_t count, int *out_fds, int *out_port,
                         struct diag *d)
{
    int rc = RC_OK;
    struct addrinfo *res = NULL;
    size_t opened = 0;
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    *out_port = 0;
    int e = getaddrinfo(host, NULL, &hints, &res);
    if (e != 0 || res == NULL) {
        rc = diag_set(d, RC_IO, "cannot resolve listen address '%s': %s", host ? host : "",
                      gai_strerror(e));
        goto out;
    }
    int bound_port = port;
    if (port != 0) {
        int unused_fd = -1;
        int unused_port = 0;
        rc = open_one(res, port, true, &unused_fd, &unused_port, d);
        if (rc != RC_OK) {
            goto out;
        }
    }
    for (size_t i = 0; i < count; i++) {
        int got = 0;
        rc = open_one(res, bound_port, false, &out_fds[i], &got, d);
        if (rc != RC_OK) {
            goto out;
        }
        opened++;
        bound_port = got;
    }
    *out_port = bound_port;
out:
    if (rc != RC_OK) {
        for (size_t i = 0; i < opened; i++) {
            close(out_fds[i]);
            out_fds[i] = -1;
        }
    }
    if (res != NULL) {
        freeaddrinfo(res);
    }
    return rc;
}

size_t net_peer_ip(const uv_tcp_t *tcp, char *out, size_t cap)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    out[0] = '\0';
    if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &len) != 0) {
        return 0;
    }
    if (ss.ss_family == AF_INET) {
        uv_ip4_name((const struct sockaddr_in *)&ss, out, cap);
    } else if (ss.ss_family == AF_INET6) {
        uv_ip6_name((const struct sockaddr_in6 *)&ss, out, cap);
        /* An IPv4 client of a "::" listener: report "1.2.3.4", not "::ffff:1.2.3.4". */
        size_t n = strlen(out);
        if (n > 7 && strncasecmp(out, "::ffff:", 7) == 0 && strchr(out + 7, '.') != NULL) {
            memmove(out, out + 7, n - 7 + 1);
        }
    }
    return strlen(out);
}
