/* SPDX-License-Identifier: MIT */
/* Unit tests for http_sse_format() (the SSE wire format), http_chunk and the WebSocket accept key.
 */
#include "base/buf.h"
#include "base/diag.h"
#include "harness.h"
#include "http/http.h"

static struct str fmt(struct buf *b, const char *data, const char *event, const char *id)
{
    struct diag d;
    struct http_sse_message m = { .data = str_from_cstr(data),
                                  .event = str_from_cstr(event),
                                  .id = str_from_cstr(id) };
    buf_reset(b);
    ASSERT_OK(http_sse_format(b, &m, &d));
    return buf_str(b);
}

TEST(sse_format_fields)
{
    struct buf b;
    buf_init(&b, 4096);
    ASSERT_EQ_SLICE(fmt(&b, "hi", "", ""), "data: hi\n\n");
    ASSERT_EQ_SLICE(fmt(&b, "hi", "tick", ""), "event: tick\ndata: hi\n\n");
    ASSERT_EQ_SLICE(fmt(&b, "hi", "a.b-c_9", "17-3"), "id: 17-3\nevent: a.b-c_9\ndata: hi\n\n");
    ASSERT_EQ_SLICE(fmt(&b, "", "", ""), "data: \n\n");
    ASSERT_EQ_SLICE(fmt(&b, "{\"a\":1}", "", "x"), "id: x\ndata: {\"a\":1}\n\n");
    buf_fini(&b);
}

TEST(sse_format_line_breaks)
{
    struct buf b;
    buf_init(&b, 4096);
    ASSERT_EQ_SLICE(fmt(&b, "a\nb", "", ""), "data: a\ndata: b\n\n");
    ASSERT_EQ_SLICE(fmt(&b, "a\r\nb\rc", "", ""), "data: a\ndata: b\ndata: c\n\n");
    ASSERT_EQ_SLICE(fmt(&b, "a\n", "", ""), "data: a\ndata: \n\n");
    ASSERT_EQ_SLICE(fmt(&b, "\n\n", "", ""), "data: \ndata: \ndata: \n\n");
    ASSERT_EQ_SLICE(fmt(&b, "a\r\n\r\nb", "", ""), "data: a\ndata: \ndata: b\n\n");
    buf_fini(&b);
}

TEST(sse_format_rejects)
{
    struct buf b;
    buf_init(&b, 4096);
    struct diag d;
    struct http_sse_message m = { .data = STR("x"), .event = STR("with space") };
    ASSERT_RC(http_sse_format(&b, &m, &d), RC_INVAL);
    m.event = STR("a234567890123456789012345678901234567890123456789012345678901234X");
    ASSERT_RC(http_sse_format(&b, &m, &d), RC_INVAL);
    m.event = STR("a234567890123456789012345678901234567890123456789012345678901234");
    ASSERT_OK(http_sse_format(&b, &m, &d));
    m.event = STR_NULL;
    m.id = STR("a\rb");
    ASSERT_RC(http_sse_format(&b, &m, &d), RC_INVAL);
    m.id = str_make("a\0b", 3);
    ASSERT_RC(http_sse_format(&b, &m, &d), RC_INVAL);
    buf_fini(&b);
    struct buf small;
    buf_init(&small, 8);
    m.id = STR_NULL;
    m.data = STR("too long for eight");
    ASSERT_RC(http_sse_format(&small, &m, &d), RC_LIMIT);
    buf_fini(&small);
}

TEST(chunk_data_and_refs)
{
    struct http_chunk *ch = http_chunk_new(STR("hello"));
    ASSERT_EQ_SLICE(http_chunk_data(ch), "hello");
    struct http_chunk *again = http_chunk_ref(ch);
    http_chunk_unref(ch);
    ASSERT_EQ_SLICE(http_chunk_data(again), "hello");
    http_chunk_unref(again);
    http_chunk_unref(NULL);
    struct http_chunk *empty = http_chunk_new(STR(""));
    ASSERT_EQ_SIZE(http_chunk_data(empty).len, 0);
    http_chunk_unref(empty);
}

/* RFC 6455 §1.3's example. */
TEST(ws_accept_key_rfc_example)
{
    char out[29];
    http_ws_accept_key(STR("dGhlIHNhbXBsZSBub25jZQ=="), out);
    ASSERT_EQ_STR(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    http_ws_accept_key(STR("x3JJHMbDL1EzLkh9GBhXDw=="), out);
    ASSERT_EQ_STR(out, "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
}
