/* SPDX-License-Identifier: MIT */
/* Unit tests for http_parse.c: requests, limits, bad framing, pipelining at every split. */
#include <stdio.h>

#include "base/arena.h"
#include "base/mem.h"
#include "harness.h"
#include "http/http.h"
#include "http/http_parse.h"

static struct arena *new_arena(void *arg)
{
    (void)arg;
    return arena_new(0);
}

struct got {
    struct http_request *reqs[16];
    struct arena *arenas[16];
    size_t count;
    size_t body_next;
    bool expect_continue;
    int error_status;
    const char *error_code;
};

static void got_free(struct got *g)
{
    for (size_t i = 0; i < g->count; i++) {
        arena_free(g->arenas[i]);
    }
    g->count = 0;
}

/* Feed data in pieces of at most step bytes (0: all at once), collecting requests. */
static void feed(struct http_parser *p, const char *data, size_t len, size_t step, struct got *g)
{
    size_t off = 0;
    while (off < len) {
        size_t n = step ? (len - off < step ? len - off : step) : len - off;
        size_t used = 0;
        while (used < n || n == 0) {
            size_t c = 0;
            int ev = http_parser_execute(p, data + off + used, n - used, &c);
            used += c;
            if (ev == HTTP_PARSE_ERROR) {
                int st;
                const char *msg;
                http_parser_error(p, &st, &g->error_code, &msg);
                g->error_status = st;
                return;
            }
            if (ev == HTTP_PARSE_BODY_NEXT) {
                g->body_next++;
                g->expect_continue = g->expect_continue || http_parser_expects_continue(p);
            } else if (ev == HTTP_PARSE_REQUEST) {
                ASSERT_TRUE(g->count < 16);
                http_parser_take(p, &g->reqs[g->count], &g->arenas[g->count]);
                g->count++;
            } else if (ev == HTTP_PARSE_MORE) {
                ASSERT_EQ_SIZE(used, n);
                break;
            }
        }
        off += n;
    }
}

static struct http_parser *parser(void)
{
    struct http_limits lim;
    http_limits_default(&lim);
    return http_parser_new(&lim, new_arena, NULL);
}

static void parse_all(const char *text, size_t step, struct got *g)
{
    struct http_parser *p = parser();
    memset(g, 0, sizeof(*g));
    feed(p, text, strlen(text), step, g);
    http_parser_free(p);
}

static struct str header(const struct http_request *r, const char *name)
{
    struct str v;
    if (!http_request_header(r, str_from_cstr(name), &v)) {
        return STR("<none>");
    }
    return v;
}

TEST(parse_simple_get)
{
    struct got g;
    parse_all("GET /a/b?x=1&y=2#frag HTTP/1.1\r\nHost: example.com\r\nX-Multi:  a b  \r\n"
              "Empty:\r\n\r\n",
              0, &g);
    ASSERT_EQ_SIZE(g.count, 1);
    struct http_request *r = g.reqs[0];
    ASSERT_EQ_SLICE(r->method, "GET");
    ASSERT_EQ_SLICE(r->target, "/a/b?x=1&y=2#frag");
    ASSERT_EQ_SLICE(r->raw_path, "/a/b");
    ASSERT_EQ_SLICE(r->query, "x=1&y=2");
    ASSERT_EQ_SIZE(r->header_count, 3);
    ASSERT_EQ_SLICE(r->headers[0].name, "host");
    ASSERT_EQ_SLICE(r->headers[1].name, "x-multi");
    ASSERT_EQ_SLICE(header(r, "X-MULTI"), "a b");
    ASSERT_EQ_SLICE(header(r, "empty"), "");
    ASSERT_EQ_SLICE(r->body, "");
    ASSERT_EQ_INT(r->version_minor, 1);
    ASSERT_TRUE(r->keep_alive);
    ASSERT_EQ_SIZE(r->request_id.len, 30);
    ASSERT_TRUE(str_starts_with(r->request_id, STR("req_")));
    ASSERT_TRUE(r->start_ns > 0);
    got_free(&g);
}

TEST(parse_absolute_form_target)
{
    struct got g;
    parse_all("GET http://example.com:8080/a/b?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"
              "GET https://example.com HTTP/1.1\r\n\r\n",
              0, &g);
    ASSERT_EQ_SIZE(g.count, 2);
    ASSERT_EQ_SLICE(g.reqs[0]->target, "http://example.com:8080/a/b?q=1");
    ASSERT_EQ_SLICE(g.reqs[0]->raw_path, "/a/b");
    ASSERT_EQ_SLICE(g.reqs[0]->query, "q=1");
    ASSERT_EQ_SLICE(g.reqs[1]->raw_path, "/");
    got_free(&g);
}

TEST(parse_request_ids_differ_and_are_base32)
{
    char a[31];
    char b[31];
    http_request_id_make(a);
    http_request_id_make(b);
    ASSERT_EQ_SIZE(strlen(a), 30);
    ASSERT_TRUE(strcmp(a, b) != 0);
    for (size_t i = 4; i < 30; i++) {
        ASSERT_TRUE(strchr("0123456789abcdefghjkmnpqrstvwxyz", a[i]) != NULL);
    }
}

TEST(parse_http10_and_connection_close)
{
    struct got g;
    parse_all("GET / HTTP/1.0\r\n\r\n", 0, &g);
    ASSERT_EQ_SIZE(g.count, 1);
    ASSERT_EQ_INT(g.reqs[0]->version_minor, 0);
    ASSERT_FALSE(g.reqs[0]->keep_alive);
    got_free(&g);
    parse_all("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 0, &g);
    ASSERT_TRUE(g.reqs[0]->keep_alive);
    got_free(&g);
    parse_all("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 0, &g);
    ASSERT_FALSE(g.reqs[0]->keep_alive);
    got_free(&g);
}

TEST(parse_content_length_body)
{
    struct got g;
    parse_all("POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 0, &g);
    ASSERT_EQ_SIZE(g.count, 1);
    ASSERT_EQ_SIZE(g.body_next, 1);
    ASSERT_FALSE(g.expect_continue);
    ASSERT_EQ_SLICE(g.reqs[0]->body, "hello");
    ASSERT_EQ_SLICE(g.reqs[0]->method, "POST");
    got_free(&g);
}

TEST(parse_chunked_body)
{
    struct got g;
    const char *req = "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n";
    for (size_t step = 0; step < 8; step++) {
        parse_all(req, step, &g);
        ASSERT_EQ_SIZE(g.count, 1);
        ASSERT_EQ_SLICE(g.reqs[0]->body, "hello world");
        got_free(&g);
    }
}

TEST(parse_expect_continue)
{
    struct got g;
    parse_all("PUT /u HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\nok", 0, &g);
    ASSERT_EQ_SIZE(g.count, 1);
    ASSERT_TRUE(g.expect_continue);
    got_free(&g);
}

TEST(parse_bad_framing_is_400)
{
    static const char *const bad[] = {
        /* CL with TE */
        "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
        /* two Content-Lengths, even equal ones */
        "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
        "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
        /* bad Content-Length */
        "POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n",
        /* TE not ending with chunked */
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        /* bad chunked */
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
        /* garbage */
        "GARBAGE\r\n\r\n",
        "GET / HTTP/9.9\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
        "GET / HTTP/1.1\nHost: x\n\n",
        /* head ended by CR + another byte (found by the fuzzer: llhttp 8.1 loose mode) */
        "POST / HTTP/1.1\r\nContent-Length: 7\r\n\rExpect\nhello",
        "GET / HTTP/1.1\r\nHost: x\r\n\rX",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        for (size_t step = 0; step < 3; step++) {
            struct got g;
            parse_all(bad[i], step, &g);
            if (g.error_status != 400) {
                harness_fail(__FILE__, __LINE__, "case %zu step %zu: status %d, %zu requests", i,
                             step, g.error_status, g.count);
            }
            ASSERT_EQ_STR(g.error_code, "BAD_REQUEST");
            ASSERT_EQ_SIZE(g.count, 0);
            got_free(&g);
        }
    }
}

TEST(parse_body_limit_from_content_length_before_body)
{
    struct http_limits lim;
    http_limits_default(&lim);
    lim.max_body_bytes = 10;
    struct http_parser *p = http_parser_new(&lim, new_arena, NULL);
    const char *head = "POST / HTTP/1.1\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n";
    size_t used = 0;
    /* 413 is decided from the head alone: no body byte was given */
    ASSERT_EQ_INT(http_parser_execute(p, head, strlen(head), &used), HTTP_PARSE_ERROR);
    int st;
    const char *code;
    const char *msg;
    http_parser_error(p, &st, &code, &msg);
    ASSERT_EQ_INT(st, 413);
    ASSERT_EQ_STR(code, "PAYLOAD_TOO_LARGE");
    http_parser_free(p);

    /* exactly at the limit is fine */
    p = http_parser_new(&lim, new_arena, NULL);
    struct got g;
    memset(&g, 0, sizeof(g));
    const char *ok = "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789";
    feed(p, ok, strlen(ok), 0, &g);
    ASSERT_EQ_SIZE(g.count, 1);
    got_free(&g);
    http_parser_free(p);
}

TEST(parse_chunked_body_cut_at_limit)
{
    struct http_limits lim;
    http_limits_default(&lim);
    lim.max_body_bytes = 8;
    struct http_parser *p = http_parser_new(&lim, new_arena, NULL);
    struct got g;
    memset(&g, 0, sizeof(g));
    const char *req = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n";
    feed(p, req, strlen(req), 3, &g);
    ASSERT_EQ_INT(g.error_status, 413);
    ASSERT_EQ_SIZE(g.count, 0);
    http_parser_free(p);
}

TEST(parse_header_limits_431)
{
    struct got g;
    /* too many headers: 101 */
    char *big = mem_alloc(200000);
    size_t n = (size_t)sprintf(big, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 101; i++) {
        n += (size_t)sprintf(big + n, "h%d: v\r\n", i);
    }
    memcpy(big + n, "\r\n", sizeof("\r\n"));
    parse_all(big, 0, &g);
    ASSERT_EQ_INT(g.error_status, 431);
    ASSERT_EQ_STR(g.error_code, "HEADERS_TOO_LARGE");
    /* exactly 100 is fine */
    n = (size_t)sprintf(big, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 100; i++) {
        n += (size_t)sprintf(big + n, "h%d: v\r\n", i);
    }
    memcpy(big + n, "\r\n", sizeof("\r\n"));
    parse_all(big, 0, &g);
    ASSERT_EQ_SIZE(g.count, 1);
    ASSERT_EQ_SIZE(g.reqs[0]->header_count, 100);
    got_free(&g);
    /* over 64 KiB of head in one header */
    n = (size_t)sprintf(big, "GET / HTTP/1.1\r\nX: ");
    memset(big + n, 'a', 70000);
    n += 70000;
    memcpy(big + n, "\r\n\r\n", sizeof("\r\n\r\n"));
    for (size_t step = 0; step <= 4096; step += 4096) {
        parse_all(big, step, &g);
        ASSERT_EQ_INT(g.error_status, 431);
    }
    /* a long URL counts too */
    n = (size_t)sprintf(big, "GET /");
    memset(big + n, 'u', 70000);
    n += 70000;
    memcpy(big + n, " HTTP/1.1\r\n\r\n", sizeof(" HTTP/1.1\r\n\r\n"));
    parse_all(big, 1000, &g);
    ASSERT_EQ_INT(g.error_status, 431);
    /* whitespace padding that makes no span still counts */
    n = (size_t)sprintf(big, "GET / HTTP/1.1\r\nX:");
    memset(big + n, ' ', 70000);
    n += 70000;
    memcpy(big + n, "v\r\n\r\n", sizeof("v\r\n\r\n"));
    parse_all(big, 0, &g);
    ASSERT_EQ_INT(g.error_status, 431);
    mem_free(big);
}

static const char pipeline[] =
    "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
    "POST /two HTTP/1.1\r\nContent-Length: 3\r\nX-Y: z\r\n\r\nabc"
    "PUT /three HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
    "\r\nHEAD /four?q HTTP/1.1\r\n\r\n";

static void check_pipeline(struct got *g)
{
    ASSERT_EQ_SIZE(g->count, 4);
    ASSERT_EQ_SLICE(g->reqs[0]->raw_path, "/one");
    ASSERT_EQ_SLICE(header(g->reqs[0], "host"), "a");
    ASSERT_EQ_SLICE(g->reqs[1]->raw_path, "/two");
    ASSERT_EQ_SLICE(g->reqs[1]->body, "abc");
    ASSERT_EQ_SLICE(header(g->reqs[1], "x-y"), "z");
    ASSERT_EQ_SLICE(g->reqs[2]->method, "PUT");
    ASSERT_EQ_SLICE(g->reqs[2]->body, "hi");
    ASSERT_EQ_SLICE(g->reqs[3]->method, "HEAD");
    ASSERT_EQ_SLICE(g->reqs[3]->query, "q");
    ASSERT_EQ_SLICE(g->reqs[3]->body, "");
}

TEST(parse_pipelined_split_at_every_byte_boundary)
{
    size_t len = strlen(pipeline);
    /* one split point anywhere */
    for (size_t cut = 0; cut <= len; cut++) {
        struct http_parser *p = parser();
        struct got g;
        memset(&g, 0, sizeof(g));
        feed(p, pipeline, cut, 0, &g);
        feed(p, pipeline + cut, len - cut, 0, &g);
        ASSERT_EQ_INT(g.error_status, 0);
        check_pipeline(&g);
        got_free(&g);
        http_parser_free(p);
    }
    /* fixed step sizes, including one byte at a time */
    for (size_t step = 1; step < 12; step++) {
        struct got g;
        parse_all(pipeline, step, &g);
        ASSERT_EQ_INT(g.error_status, 0);
        check_pipeline(&g);
        got_free(&g);
    }
}

TEST(parse_error_is_sticky)
{
    struct http_parser *p = parser();
    size_t used;
    ASSERT_EQ_INT(http_parser_execute(p, "BAD\r\n\r\n", 7, &used), HTTP_PARSE_ERROR);
    ASSERT_EQ_INT(http_parser_execute(p, "GET / HTTP/1.1\r\n\r\n", 18, &used), HTTP_PARSE_ERROR);
    http_parser_free(p);
}

TEST(parse_partial_state)
{
    struct http_parser *p = parser();
    size_t used;
    ASSERT_FALSE(http_parser_in_message(p));
    ASSERT_EQ_INT(http_parser_execute(p, "GET / HT", 8, &used), HTTP_PARSE_MORE);
    ASSERT_TRUE(http_parser_in_message(p));
    ASSERT_TRUE(http_parser_in_head(p));
    http_parser_free(p); /* frees the arena of the partial request */
}

TEST(parse_upgrade_ends_http)
{
    struct got g;
    parse_all("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\nGET / HTTP/1.1\r\n\r\n",
              0, &g);
    ASSERT_EQ_SIZE(g.count, 1);
    ASSERT_EQ_SLICE(g.reqs[0]->method, "CONNECT");
    ASSERT_FALSE(g.reqs[0]->keep_alive);
    ASSERT_EQ_INT(g.error_status, 400); /* what follows is not parsed as HTTP */
    got_free(&g);
    parse_all("GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x85xxxx",
              0, &g);
    ASSERT_EQ_SIZE(g.count, 1);
    ASSERT_FALSE(g.reqs[0]->keep_alive);
    got_free(&g);
}

TEST(parse_head_and_content_length_at_body_next)
{
    struct http_limits lim;
    http_limits_default(&lim);
    struct http_parser *p = http_parser_new(&lim, new_arena, NULL);
    static const char req[] = "POST /up/load?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n";
    size_t used = 0;
    ASSERT_EQ_INT(http_parser_execute(p, req, sizeof(req) - 1, &used), HTTP_PARSE_BODY_NEXT);
    struct arena *a = NULL;
    const struct http_request *head = http_parser_head(p, &a);
    ASSERT_TRUE(a != NULL);
    ASSERT_EQ_SLICE(head->method, "POST");
    ASSERT_EQ_SLICE(head->raw_path, "/up/load");
    ASSERT_EQ_SLICE(head->query, "x=1");
    ASSERT_EQ_INT(http_parser_content_length(p), 12);
    http_parser_free(p);

    p = http_parser_new(&lim, new_arena, NULL);
    static const char chunked[] =
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    ASSERT_EQ_INT(http_parser_execute(p, chunked, sizeof(chunked) - 1, &used),
                  HTTP_PARSE_BODY_NEXT);
    ASSERT_EQ_INT(http_parser_content_length(p), -1);
    http_parser_free(p);
}
