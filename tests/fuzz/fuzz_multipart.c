/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for http/http_multipart.c. The input's first line is a Content-Type value,
 * the rest the body. Checks: the boundary parser and the body parser never crash; parts are
 * slices of the body in order; a parsed body serialised again (http_multipart_write) parses
 * again to as many parts, with the same bytes for every named file part, unless a normalised
 * text value could have created a delimiter (a CR or LF in it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/rc.h"
#include "base/str.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond) {
        abort();
    }
}

static void roundtrip(struct arena *a, struct str boundary, const struct http_multipart_part *p,
                      size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!p[i].has_filename && (memchr(p[i].data.ptr, '\r', p[i].data.len) != NULL ||
                                   memchr(p[i].data.ptr, '\n', p[i].data.len) != NULL)) {
            return;
        }
    }
    struct buf out;
    buf_init(&out, (size_t)64 << 20);
    check(http_multipart_write(&out, boundary, p, n) == RC_OK);
    struct http_multipart_part *q = NULL;
    size_t m = 0;
    struct diag d;
    struct http_multipart_limits lim = { .max_parts = 1000, .max_header_bytes = 1 << 20 };
    check(http_multipart_parse(buf_str(&out), boundary, &lim, a, &q, &m, &d) == RC_OK);
    check(m == n);
    for (size_t i = 0; i < n; i++) {
        check(q[i].has_filename == (p[i].has_filename && p[i].filename.len > 0));
        if (p[i].has_filename && p[i].filename.len > 0) {
            check(str_eq(q[i].data, p[i].data));
        }
    }
    buf_fini(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str in = str_make((const char *)data, size);
    struct str ct;
    struct str body;
    if (!str_split_char(in, '\n', &ct, &body)) {
        return 0;
    }
    struct arena *a = arena_new(0);
    struct diag d;
    struct str boundary;
    if (http_multipart_boundary(ct, a, &boundary, &d) == RC_OK) {
        check(boundary.len >= 1 && boundary.len <= HTTP_MULTIPART_BOUNDARY_MAX);
        struct http_multipart_limits lim = { .max_parts = 50, .max_header_bytes = 512 };
        struct http_multipart_part *p = NULL;
        size_t n = 0;
        int rc = http_multipart_parse(body, boundary, &lim, a, &p, &n, &d);
        if (rc == RC_OK) {
            const char *prev = body.ptr;
            for (size_t i = 0; i < n; i++) {
                check(p[i].name.ptr != NULL && p[i].content_type.ptr != NULL);
                check(p[i].data.ptr >= prev &&
                      p[i].data.ptr + p[i].data.len <= body.ptr + body.len);
                prev = p[i].data.ptr + p[i].data.len;
            }
            roundtrip(a, boundary, p, n);
        } else {
            check(rc == RC_INVAL || rc == RC_LIMIT);
            check(p == NULL && n == 0 && d.msg[0] != '\0');
        }
    }
    arena_free(a);
    return 0;
}
