/* SPDX-License-Identifier: MIT */
/* Unit tests for base/textcodec: labels, BOM, fatal mode, streaming split at every byte. */
#include "base/buf.h"
#include "base/textcodec.h"
#include "base/utf8.h"
#include "harness.h"

/* Decode s with every split into two streaming calls; all must give want (or an error). */
static void check_splits(enum textcodec_encoding enc, bool fatal, struct str s, const char *want)
{
    for (size_t cut = 0; cut <= s.len; cut++) {
        struct textcodec_decoder d;
        struct buf b;
        textcodec_decoder_init(&d, enc, fatal, false);
        buf_init(&b, 256);
        int rc = textcodec_decode(&d, str_make(s.ptr, cut), true, &b);
        rc = rc ? rc : textcodec_decode(&d, str_make(s.ptr + cut, s.len - cut), false, &b);
        if (want == NULL) {
            ASSERT_RC(rc, RC_INVAL);
        } else {
            ASSERT_OK(rc);
            ASSERT_EQ_SLICE(buf_str(&b), want);
        }
        buf_fini(&b);
    }
}

TEST(textcodec_labels)
{
    enum textcodec_encoding e;
    ASSERT_OK(textcodec_label(STR(" UTF8\n"), &e));
    ASSERT_EQ_INT(e, TEXTCODEC_UTF8);
    ASSERT_OK(textcodec_label(STR("utf-16"), &e));
    ASSERT_EQ_INT(e, TEXTCODEC_UTF16LE);
    ASSERT_RC(textcodec_label(STR("latin2"), &e), RC_NOTFOUND);
}

TEST(textcodec_utf8_replacement_and_bom)
{
    check_splits(TEXTCODEC_UTF8, false,
                 STR("\xEF\xBB\xBF"
                     "a\xE2\x82\xAC"),
                 "a\xE2\x82\xAC");
    check_splits(TEXTCODEC_UTF8, false,
                 STR("\xE2\x82"
                     "A"),
                 "\xEF\xBF\xBD"
                 "A");
    check_splits(TEXTCODEC_UTF8, false, STR("\xF0\x9F\x98"), "\xEF\xBF\xBD");
    check_splits(TEXTCODEC_UTF8, false, STR("\xED\xA0\x80"),
                 "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    check_splits(TEXTCODEC_UTF8, true, STR("a\xC3"), NULL);
    check_splits(TEXTCODEC_UTF8, true, STR("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
    struct textcodec_decoder d;
    struct buf b;
    buf_init(&b, 64);
    textcodec_decoder_init(&d, TEXTCODEC_UTF8, false, true);
    ASSERT_OK(textcodec_decode(&d, STR("\xEF\xBB\xBFx"), false, &b));
    ASSERT_EQ_SLICE(buf_str(&b), "\xEF\xBB\xBFx");
    buf_fini(&b);
}

TEST(textcodec_utf16)
{
    check_splits(TEXTCODEC_UTF16LE, false,
                 STR("\xFF\xFE"
                     "a\x00\x3D\xD8\x00\xDE"),
                 "a\xF0\x9F\x98\x80");
    check_splits(TEXTCODEC_UTF16LE, false,
                 STR("\x00\xD8"
                     "a\x00"),
                 "\xEF\xBF\xBD"
                 "a");
    check_splits(TEXTCODEC_UTF16LE, false,
                 STR("a\x00"
                     "b"),
                 "a\xEF\xBF\xBD");
    check_splits(TEXTCODEC_UTF16LE, true, STR("\x00\xDC"), NULL);
    check_splits(TEXTCODEC_UTF16BE, false,
                 STR("\x00"
                     "a"),
                 "a");
    struct buf b;
    buf_init(&b, 64);
    ASSERT_OK(textcodec_utf8_to_utf16le(STR("a\xF0\x9F\x98\x80"), &b));
    ASSERT_EQ_MEM(b.ptr, "a\x00\x3D\xD8\x00\xDE", 6);
    buf_fini(&b);
}

TEST(textcodec_encode_from_utf16)
{
    const uint16_t units[] = { 'a', 0xD800, 'b', 0xD83D, 0xDE00, 0xDC00 };
    struct buf b;
    buf_init(&b, 64);
    ASSERT_OK(textcodec_utf16_to_utf8(units, 6, &b));
    ASSERT_EQ_SLICE(buf_str(&b), "a\xEF\xBF\xBD"
                                 "b\xF0\x9F\x98\x80\xEF\xBF\xBD");
    buf_reset(&b);
    ASSERT_OK(textcodec_wtf8_to_utf8(STR("x\xED\xA0\x80y"), &b));
    ASSERT_EQ_SLICE(buf_str(&b), "x\xEF\xBF\xBDy");
    buf_fini(&b);
    buf_init(&b, 2);
    ASSERT_RC(textcodec_utf16_to_utf8(units, 6, &b), RC_LIMIT);
    buf_fini(&b);
}

TEST(utf8_ascii_prefix_word_at_a_time)
{
    const char *s = "0123456789abcdef\xC3\xA9xyz";
    ASSERT_EQ_SIZE(utf8_ascii_prefix(s, strlen(s)), 16);
    ASSERT_EQ_SIZE(utf8_ascii_prefix(s, 5), 5);
    ASSERT_EQ_SIZE(utf8_ascii_prefix("abcdefg\x80", 8), 7);
    ASSERT_EQ_SIZE(utf8_ascii_prefix("", 0), 0);
}
