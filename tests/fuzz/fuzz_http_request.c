/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the HTTP request parser (http_parse.c), with the router and the
 * response serialiser behind it. The input is parsed twice: in one piece and split at points
 * derived from its first bytes; both runs must produce the same requests (same methods,
 * targets, headers and bodies) and both must reject or accept, so split-dependent bugs crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/diag.h"
#include "base/mem.h"
#include "http/http.h"
#include "http/http_internal.h"
#include "http/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_REQS 64

struct run {
    struct http_request *reqs[MAX_REQS];
    struct arena *arenas[MAX_REQS];
    size_t count;
    int error_status;
};

static struct arena *new_arena(void *arg)
{
    (void)arg;
    return arena_new(0);
}

static void parse(const char *p, size_t len, const size_t *cuts, size_t ncuts, struct run *r)
{
    struct http_limits lim;
    http_limits_default(&lim);
    lim.max_header_bytes = 4096;
    lim.max_headers = 20;
    lim.max_body_bytes = 8192;
    struct http_parser *ps = http_parser_new(&lim, new_arena, NULL);
    memset(r, 0, sizeof(*r));
    size_t start = 0;
    for (size_t k = 0; k <= ncuts && r->error_status == 0; k++) {
        size_t end = len;
        if (cuts != NULL && k < ncuts) {
            end = cuts[k];
        }
        if (end < start) {
            end = start;
        }
        size_t off = start;
        while (off < end) {
            size_t used = 0;
            int ev = http_parser_execute(ps, p + off, end - off, &used);
            off += used;
            if (ev == HTTP_PARSE_ERROR) {
                const char *code;
                const char *msg;
                http_parser_error(ps, &r->error_status, &code, &msg);
                break;
            }
            if (ev == HTTP_PARSE_REQUEST) {
                if (r->count == MAX_REQS) {
                    r->error_status = 1;
                    break;
                }
                http_parser_take(ps, &r->reqs[r->count], &r->arenas[r->count]);
                r->count++;
            } else if (ev == HTTP_PARSE_MORE) {
                if (off != end) {
                    abort();
                }
                break;
            }
        }
        start = end;
    }
    http_parser_free(ps);
}

static void same(struct str a, struct str b)
{
    if (!str_eq(a, b)) {
        abort();
    }
}

static void compare(const struct run *a, const struct run *b)
{
    /* Which limit or syntax error is seen first may depend on the split (llhttp reports a
     * span when a buffer ends), so only "rejected or not" must agree, with the same requests
     * before that point. */
    if (a->count != b->count || (a->error_status != 0) != (b->error_status != 0)) {
        abort();
    }
    for (size_t i = 0; i < a->count; i++) {
        const struct http_request *x = a->reqs[i];
        const struct http_request *y = b->reqs[i];
        same(x->method, y->method);
        same(x->target, y->target);
        same(x->raw_path, y->raw_path);
        same(x->query, y->query);
        same(x->body, y->body);
        if (x->header_count != y->header_count || x->keep_alive != y->keep_alive) {
            abort();
        }
        for (size_t h = 0; h < x->header_count; h++) {
            same(x->headers[h].name, y->headers[h].name);
            same(x->headers[h].value, y->headers[h].value);
        }
    }
}

static void exercise(struct http_router *router, const struct run *r)
{
    for (size_t i = 0; i < r->count; i++) {
        const struct http_request *req = r->reqs[i];
        struct arena *a = r->arenas[i];
        struct http_match m;
        http_router_match(router, req->method, req->raw_path, a, &m);
        struct http_response_meta meta = { .status = 200,
                                           .head_request = str_eq(req->method, STR("HEAD")),
                                           .keep_alive = req->keep_alive,
                                           .request_id = req->request_id,
                                           .server = STR("kiln") };
        struct str out;
        bool send_body;
        struct diag d;
        /* Request headers echoed back: invalid values must be refused, never written. */
        if (http_response_serialize(a, &meta, req->headers, req->header_count, req->body, true,
                                    &out, &send_body, &d) == 0) {
            size_t head_len = out.len - (send_body ? req->body.len : 0);
            for (size_t k = 1; k < head_len; k++) {
                if (out.ptr[k] == '\n' && out.ptr[k - 1] != '\r') {
                    abort();
                }
            }
        }
    }
}

static void release(struct run *r)
{
    for (size_t i = 0; i < r->count; i++) {
        arena_free(r->arenas[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct http_router *router;
    if (router == NULL) {
        router = http_router_new();
        static const char *const pats[] = { "/", "/a/:id", "/a/*", "/a/b/c", "/x/*/y", "/f/*" };
        struct diag d;
        for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
            if (http_router_add(router, STR("GET"), str_from_cstr(pats[i]), NULL, &d) != 0) {
                abort();
            }
        }
        if (http_router_add(router, STR("*"), STR("/any/:x"), NULL, &d) != 0) {
            abort();
        }
    }
    if (size < 2) {
        return 0;
    }
    /* The first two bytes choose the split points; the rest is the wire input. */
    size_t seed = (size_t)data[0] << 8 | data[1];
    const char *p = (const char *)data + 2;
    size_t len = size - 2;
    size_t cuts[8];
    size_t ncuts = 0;
    if (len > 0) {
        size_t step = seed % 97 + 1;
        for (size_t c = seed % len; c < len && ncuts < 8; c += step) {
            cuts[ncuts++] = c;
        }
    }
    struct run whole;
    struct run split;
    parse(p, len, NULL, 0, &whole);
    parse(p, len, cuts, ncuts, &split);
    compare(&whole, &split);
    exercise(router, &whole);
    release(&whole);
    release(&split);
    return 0;
}
