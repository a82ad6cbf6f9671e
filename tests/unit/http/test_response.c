/* SPDX-License-Identifier: MIT */
/* Unit tests for http_response.c: serialisation, header validation, error body, tables. */
#include "base/arena.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/rc.h"
#include "harness.h"
#include "http/http.h"
#include "http/http_internal.h"

static struct str serialize(struct arena *a, int status, bool head, bool keep_alive,
                            const struct http_header *h, size_t n, const char *body)
{
    struct http_response_meta m = { .status = status,
                                    .head_request = head,
                                    .keep_alive = keep_alive,
                                    .request_id = STR("req_0123456789abcdefghjkmnpqrs"),
                                    .server = STR("kiln/test") };
    struct str out;
    bool send_body;
    struct diag d;
    ASSERT_OK(
        http_response_serialize(a, &m, h, n, str_from_cstr(body), true, &out, &send_body, &d));
    return out;
}

/* Replace the 29-byte Date value by a fixed one so outputs compare exactly. */
static struct str fix_date(struct arena *a, struct str s)
{
    char *c = arena_dup(a, s.ptr, s.len);
    struct str cs = str_make(c, s.len);
    ptrdiff_t at = str_find(cs, STR("Date: "));
    ASSERT_TRUE(at >= 0);
    static const char fixed[] = "Thu, 01 Jan 1970 00:00:00 GMT";
    for (size_t i = 0; i + 1 < sizeof(fixed); i++) {
        c[at + 6 + (ptrdiff_t)i] = fixed[i];
    }
    return cs;
}

TEST(response_basic_bytes)
{
    struct arena *a = arena_new(0);
    struct http_header h[] = {
        { STR("Content-Type"), STR("text/plain") },
        { STR("content-length"), STR("999") },     /* dropped */
        { STR("Transfer-Encoding"), STR("gzip") }, /* dropped */
        { STR("Connection"), STR("upgrade") },     /* dropped */
        { STR("X-Request-Id"), STR("spoofed") },   /* dropped */
        { STR("Set-Cookie"), STR("a=1") },
        { STR("Set-Cookie"), STR("b=2") },
    };
    struct str out = fix_date(a, serialize(a, 200, false, true, h, ARRAY_LEN(h), "hello"));
    ASSERT_EQ_SLICE(out, "HTTP/1.1 200 OK\r\n"
                         "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
                         "Server: kiln/test\r\n"
                         "Content-Type: text/plain\r\n"
                         "Set-Cookie: a=1\r\n"
                         "Set-Cookie: b=2\r\n"
                         "X-Request-Id: req_0123456789abcdefghjkmnpqrs\r\n"
                         "Content-Length: 5\r\n"
                         "Connection: keep-alive\r\n\r\n"
                         "hello");
    arena_free(a);
}

TEST(response_head_and_bodyless_statuses)
{
    struct arena *a = arena_new(0);
    struct str out = fix_date(a, serialize(a, 200, true, false, NULL, 0, "hello"));
    ASSERT_TRUE(str_ends_with(out, STR("Content-Length: 5\r\nConnection: close\r\n\r\n")));
    out = serialize(a, 204, false, true, NULL, 0, "ignored");
    ASSERT_TRUE(str_starts_with(out, STR("HTTP/1.1 204 No Content\r\n")));
    ASSERT_TRUE(str_find(out, STR("Content-Length")) < 0);
    ASSERT_TRUE(str_ends_with(out, STR("\r\n\r\n")));
    out = serialize(a, 304, false, true, NULL, 0, "ignored");
    ASSERT_TRUE(str_find(out, STR("Content-Length")) < 0);
    ASSERT_TRUE(str_ends_with(out, STR("\r\n\r\n")));
    out = serialize(a, 404, false, true, NULL, 0, "");
    ASSERT_TRUE(str_find(out, STR("Content-Length: 0\r\n")) > 0);
    out = serialize(a, 599, false, true, NULL, 0, "");
    ASSERT_TRUE(str_starts_with(out, STR("HTTP/1.1 599 Unknown\r\n")));
    arena_free(a);
}

TEST(response_given_date_and_server_win)
{
    struct arena *a = arena_new(0);
    struct http_header h[] = { { STR("date"), STR("x") }, { STR("SERVER"), STR("y") } };
    struct str out = serialize(a, 200, false, true, h, 2, "");
    ASSERT_TRUE(str_find(out, STR("Date: ")) < 0);
    ASSERT_TRUE(str_find(out, STR("Server: ")) < 0);
    ASSERT_TRUE(str_find(out, STR("date: x\r\n")) > 0);
    ASSERT_TRUE(str_find(out, STR("SERVER: y\r\n")) > 0);
    arena_free(a);
}

TEST(response_rejects_bad_headers)
{
    struct arena *a = arena_new(0);
    struct http_response_meta m = { .status = 200, .keep_alive = true };
    struct str out;
    bool send_body;
    struct diag d;
    static const struct http_header bad[][1] = {
        { { STR("X-A"), STR("a\r\nInjected: 1") } },
        { { STR("X-A"), STR("a\nb") } },
        { { STR("X-A"), STR("a\rb") } },
        { { STR("X-A"), { "a\0b", 3 } } },
        { { STR("X A"), STR("v") } },
        { { STR("X:A"), STR("v") } },
        { { STR(""), STR("v") } },
        { { STR("X\r\nA"), STR("v") } },
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        ASSERT_RC(http_response_serialize(a, &m, bad[i], 1, STR(""), true, &out, &send_body, &d),
                  RC_INVAL);
    }
    struct http_header ok = { STR("X-Tab"), STR("a\tb \xc3\xa9") };
    ASSERT_OK(http_response_serialize(a, &m, &ok, 1, STR(""), true, &out, &send_body, &d));
    m.status = 42;
    ASSERT_RC(http_response_serialize(a, &m, NULL, 0, STR(""), true, &out, &send_body, &d),
              RC_INVAL);
    arena_free(a);
}

TEST(response_without_body_copy)
{
    struct arena *a = arena_new(0);
    struct http_response_meta m = { .status = 200, .keep_alive = true };
    struct str out;
    bool send_body;
    struct diag d;
    ASSERT_OK(
        http_response_serialize(a, &m, NULL, 0, STR("0123456789"), false, &out, &send_body, &d));
    ASSERT_TRUE(send_body);
    ASSERT_TRUE(str_ends_with(out, STR("Content-Length: 10\r\nConnection: keep-alive\r\n\r\n")));
    m.head_request = true;
    ASSERT_OK(
        http_response_serialize(a, &m, NULL, 0, STR("0123456789"), false, &out, &send_body, &d));
    ASSERT_FALSE(send_body);
    arena_free(a);
}

TEST(response_error_body)
{
    struct buf b;
    buf_init(&b, 4096);
    ASSERT_OK(http_error_body(&b, STR("NOT_FOUND"), STR("no \"route\"\n"), STR_NULL, STR("req_x")));
    ASSERT_EQ_SLICE(buf_str(&b), "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"no "
                                 "\\\"route\\\"\\n\",\"details\":null,\"requestId\":\"req_x\"}}");
    buf_reset(&b);
    ASSERT_OK(http_error_body(&b, STR("PAYLOAD_TOO_LARGE"), STR("too big"), STR("{\"limit\":10}"),
                              STR("req_y")));
    ASSERT_EQ_SLICE(buf_str(&b), "{\"error\":{\"code\":\"PAYLOAD_TOO_LARGE\",\"message\":\"too "
                                 "big\",\"details\":{\"limit\":10},\"requestId\":\"req_y\"}}");
    buf_fini(&b);
    buf_init(&b, 10);
    ASSERT_RC(http_error_body(&b, STR("X"), STR("longer than ten bytes"), STR_NULL, STR("r")),
              RC_LIMIT);
    buf_fini(&b);
}

TEST(response_tables)
{
    ASSERT_EQ_STR(http_status_reason(404), "Not Found");
    ASSERT_EQ_STR(http_status_reason(431), "Request Header Fields Too Large");
    ASSERT_EQ_STR(http_status_reason(799), "Unknown");
    ASSERT_EQ_INT(http_status_from_rc(RC_OK), 200);
    ASSERT_EQ_INT(http_status_from_rc(RC_INVAL), 400);
    ASSERT_EQ_INT(http_status_from_rc(RC_DENIED), 403);
    ASSERT_EQ_INT(http_status_from_rc(RC_NOTFOUND), 404);
    ASSERT_EQ_INT(http_status_from_rc(RC_LIMIT), 413);
    ASSERT_EQ_INT(http_status_from_rc(RC_TIMEOUT), 504);
    ASSERT_EQ_INT(http_status_from_rc(RC_JS), 500);
    ASSERT_EQ_INT(http_status_from_rc(RC_IO), 500);
}

TEST(response_date_format)
{
    struct str d = http_date_now();
    ASSERT_EQ_SIZE(d.len, 29);
    ASSERT_TRUE(str_ends_with(d, STR(" GMT")));
    ASSERT_TRUE(d.ptr[3] == ',');
}
