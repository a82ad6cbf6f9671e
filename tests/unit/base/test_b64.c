/* SPDX-License-Identifier: MIT */
/* Unit tests for base/b64: both alphabets, padding, the forgiving decoder's rules, limits. */
#include "base/b64.h"
#include "base/buf.h"
#include "harness.h"

TEST(b64_encode_variants)
{
    struct buf b;
    buf_init(&b, 64);
    ASSERT_OK(b64_encode(STR("\xFB\xFF\x01"), false, true, &b));
    ASSERT_EQ_SLICE(buf_str(&b), "+/8B");
    buf_reset(&b);
    ASSERT_OK(b64_encode(STR("\xFB\xFF"), true, false, &b));
    ASSERT_EQ_SLICE(buf_str(&b), "-_8");
    buf_reset(&b);
    ASSERT_OK(b64_encode(STR("a"), false, true, &b));
    ASSERT_EQ_SLICE(buf_str(&b), "YQ==");
    buf_reset(&b);
    ASSERT_OK(b64_encode(STR(""), false, true, &b));
    ASSERT_EQ_SLICE(buf_str(&b), "");
    buf_fini(&b);
    buf_init(&b, 3);
    ASSERT_RC(b64_encode(STR("abcd"), false, true, &b), RC_LIMIT);
    buf_fini(&b);
}

TEST(b64_forgiving_decode)
{
    struct buf b;
    buf_init(&b, 64);
    ASSERT_OK(b64_decode_forgiving(STR(" YW\tJj\n\f\r"), &b));
    ASSERT_EQ_SLICE(buf_str(&b), "abc");
    buf_reset(&b);
    ASSERT_OK(b64_decode_forgiving(STR("YR=="), &b));
    ASSERT_EQ_SLICE(buf_str(&b), "a");
    buf_reset(&b);
    ASSERT_OK(b64_decode_forgiving(STR("YQ"), &b));
    ASSERT_EQ_SLICE(buf_str(&b), "a");
    ASSERT_RC(b64_decode_forgiving(STR("YQ="), &b), RC_INVAL);
    ASSERT_RC(b64_decode_forgiving(STR("Y"), &b), RC_INVAL);
    ASSERT_RC(b64_decode_forgiving(STR("YW=j"), &b), RC_INVAL);
    ASSERT_RC(b64_decode_forgiving(STR("YQ==="), &b), RC_INVAL);
    ASSERT_RC(b64_decode_forgiving(STR("YW-_"), &b), RC_INVAL);
    ASSERT_RC(b64_decode_forgiving(STR("YW\vJj"), &b), RC_INVAL);
    ASSERT_EQ_SLICE(buf_str(&b), "a");
    buf_fini(&b);
}

TEST(b64_url_decode)
{
    struct buf b;
    buf_init(&b, 64);
    ASSERT_OK(b64_decode_url(STR("-_8"), &b));
    ASSERT_EQ_MEM(b.ptr, "\xFB\xFF", 2);
    ASSERT_RC(b64_decode_url(STR("+/8"), &b), RC_INVAL);
    ASSERT_RC(b64_decode_url(STR("YW J"), &b), RC_INVAL);
    buf_fini(&b);
}
