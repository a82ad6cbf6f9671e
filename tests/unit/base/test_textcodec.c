/* SPDX-License-Identifier: MIT */
/* Unit tests for base/textcodec: labels, BOM, fatal mode, streaming split at every byte. */
#include <string.h>

#include "base/buf.h"
#include "base/textcodec.h"
#include "base/utf8.h"
#include "harness.h"
#include "unit/base/textcodec_ref.h"

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

/* textcodec_encode_utf8 (sixteen units per block) against the one-unit-at-a-time reference. */
static void check_encode(const uint16_t *u, size_t n)
{
    static char got[3 * 70000];
    static char want[3 * 70000];
    size_t g = textcodec_encode_utf8(u, n, got);
    size_t w = ref_encode_utf8(u, n, want);
    ASSERT_EQ_SIZE(g, w);
    ASSERT_TRUE(memcmp(got, want, w) == 0);
}

TEST(textcodec_encode_utf8_block_boundaries)
{
    /* One special unit (or pair) at every position of ASCII runs up to three blocks long:
     * the block test must fail exactly where the non-ASCII unit is. */
    static const uint16_t special[][2] = {
        { 0x7F, 0 },   { 0x80, 0 },   { 0xFF, 0 },   { 0x7FF, 0 },       { 0x800, 0 },
        { 0xFFFF, 0 }, { 0xD800, 0 }, { 0xDBFF, 0 }, { 0xDC00, 0 },      { 0xDFFF, 0 },
        { 0xFEFF, 0 }, { 0x100, 0 },  { 0, 0 },      { 0xD83D, 0xDE00 },
    };
    uint16_t u[50];
    for (size_t len = 0; len <= 48; len++) {
        for (size_t k = 0; k < ARRAY_LEN(special); k++) {
            for (size_t at = 0; at < len; at++) {
                for (size_t i = 0; i < len; i++) {
                    u[i] = (uint16_t)('a' + i % 26);
                }
                u[at] = special[k][0];
                if (special[k][1] != 0 && at + 1 < len) {
                    u[at + 1] = special[k][1];
                }
                check_encode(u, len);
            }
        }
    }
    check_encode(u, 0);
    /* Lone surrogates at the very ends, and a pair split by the end of the input. */
    const uint16_t ends[] = { 0xDC00, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h',
                              'i',    'j', 'k', 'l', 'm', 'n', 'o', 'p', 0xD83D };
    check_encode(ends, ARRAY_LEN(ends));
    check_encode(ends, 1);
    check_encode(ends + ARRAY_LEN(ends) - 1, 1);
    char out[3 * ARRAY_LEN(ends)];
    size_t n = textcodec_encode_utf8(ends, ARRAY_LEN(ends), out);
    ASSERT_EQ_SIZE(n, 3 + 16 + 3);
    ASSERT_TRUE(memcmp(out, "\xEF\xBF\xBD", 3) == 0);
    ASSERT_TRUE(memcmp(out + n - 3, "\xEF\xBF\xBD", 3) == 0);
}

/* A small deterministic generator for the random cases (xorshift). */
static uint32_t rnd_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

TEST(textcodec_encode_utf8_random_and_long)
{
    static uint16_t u[65536 + 7];
    uint32_t seed = 0x9E3779B9u;
    for (int round = 0; round < 300; round++) {
        size_t n = rnd_next(&seed) % 200;
        for (size_t i = 0; i < n; i++) {
            uint32_t r = rnd_next(&seed);
            /* Mostly ASCII, with every class of unit mixed in. */
            static const uint16_t pick[] = { 'x', 0xE9, 0x65E5, 0xD83D, 0xDE00, 0x80, 0x7F };
            u[i] = r % 4 ? (uint16_t)(r >> 8 & 0x7F) : pick[(r >> 8) % ARRAY_LEN(pick)];
        }
        check_encode(u, n);
    }
    for (size_t i = 0; i < ARRAY_LEN(u); i++) {
        u[i] = (uint16_t)(i % 5000 == 4999 ? 0x20AC : ' ' + i % 90);
    }
    check_encode(u, ARRAY_LEN(u));
}

/* textcodec_utf8_to_utf16 against textcodec_decode + a plain conversion, in all four
 * fatal/ignoreBOM modes. */
static void check_decode(const char *p, size_t n)
{
    static uint16_t got[70000];
    static uint16_t want[70000];
    for (int mode = 0; mode < 4; mode++) {
        bool fatal = mode & 1;
        bool ignore_bom = mode & 2;
        size_t g = 0;
        size_t w = 0;
        int rg = textcodec_utf8_to_utf16(str_make(p, n), fatal, ignore_bom, got, &g);
        int rw = ref_decode_utf16(str_make(p, n), fatal, ignore_bom, want, &w);
        ASSERT_EQ_INT(rg, rw);
        if (rw == RC_OK) {
            ASSERT_EQ_SIZE(g, w);
            ASSERT_TRUE(memcmp(got, want, w * sizeof(uint16_t)) == 0);
        }
    }
}

/* Call check on the text 'a'..'z' of every length up to max_len (< 100) with each of seqs at
 * every offset: a sequence at every place of a sixteen-byte block and across blocks. */
static void each_placement(const char *const *seqs, size_t nseqs, size_t max_len,
                           void (*check)(const char *, size_t))
{
    char b[100];
    for (size_t len = 0; len <= max_len; len++) {
        for (size_t k = 0; k < nseqs; k++) {
            size_t sl = strlen(seqs[k]);
            for (size_t at = 0; at + sl <= len; at++) {
                for (size_t i = 0; i < len; i++) {
                    b[i] = (char)('a' + i % 26);
                }
                memcpy(b + at, seqs[k], sl);
                check(b, len);
            }
        }
    }
}

TEST(textcodec_utf8_to_utf16_block_boundaries)
{
    static const char *const seqs[] = {
        "\x80",         "\xC3\xA9",     "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
        "\xE2\x82",     "\xF0\x9F\x98", "\xED\xA0\x80", "\xEF\xBB\xBF",
        "\xFF",         "\xC0\x80",     "\xC2",         "\xF4\x90\x80\x80",
        "\xE0\x80\x80", "\xEF\xBF\xBF", "\x7F",
    };
    each_placement(seqs, ARRAY_LEN(seqs), 48, check_decode);
    check_decode("", 0);
    check_decode("\xEF\xBB\xBF", 3);
    check_decode("\xEF\xBB\xBF\xEF\xBB\xBF", 6);
    check_decode("\xEF\xBB", 2);
    /* The BOM is dropped unless ignoreBOM; a second one stays. */
    uint16_t u[8];
    size_t n = 0;
    ASSERT_OK(textcodec_utf8_to_utf16(STR("\xEF\xBB\xBFx\xEF\xBB\xBF"), false, false, u, &n));
    ASSERT_EQ_SIZE(n, 2);
    ASSERT_EQ_INT(u[0], 'x');
    ASSERT_EQ_INT(u[1], 0xFEFF);
    ASSERT_RC(textcodec_utf8_to_utf16(STR("abc\x80"), true, false, u, &n), RC_INVAL);
}

/* Random text of up to 199 bytes into b: ASCII, with a fragment of frag[0..nfrag) in place of
 * one byte in every one_in. Returns its length. */
static size_t random_text(uint32_t *seed, const struct str *frag, size_t nfrag, uint32_t one_in,
                          char *b)
{
    size_t n = 0;
    size_t want = rnd_next(seed) % 200;
    while (n < want) {
        uint32_t r = rnd_next(seed);
        if (r % one_in) {
            b[n++] = (char)(r >> 8 & 0x7F);
        } else {
            struct str f = frag[(r >> 8) % nfrag];
            for (size_t k = 0; k < f.len; k++) {
                b[n++] = f.ptr[k];
            }
        }
    }
    return n;
}

TEST(textcodec_utf8_to_utf16_random_and_long)
{
    static char b[65536 + 5];
    uint32_t seed = 12345;
    static const struct str frag[] = {
        { "\xC3\xA9", 2 }, { "\xE6\x97\xA5", 3 }, { "\xF0\x9F\x98\x80", 4 },
        { "\x80", 1 },     { "\xED\xA0", 2 },     { "\xF0\x9F", 2 },
    };
    for (int round = 0; round < 300; round++) {
        check_decode(b, random_text(&seed, frag, ARRAY_LEN(frag), 4, b));
    }
    for (size_t i = 0; i < sizeof(b); i++) {
        b[i] = (char)(i % 7000 == 6999 ? 0xC3 : ' ' + i % 90);
    }
    check_decode(b, sizeof(b));
}

TEST(utf8_ascii_prefix_every_position)
{
    /* 64 then eight bytes at a time: a non-ASCII byte at every offset of every length. */
    char b[100];
    for (size_t len = 0; len <= sizeof(b); len++) {
        memset(b, 'a', len);
        ASSERT_EQ_SIZE(utf8_ascii_prefix(b, len), len);
        for (size_t at = 0; at < len; at++) {
            b[at] = (char)(at % 2 ? 0x80 : 0xFF);
            ASSERT_EQ_SIZE(utf8_ascii_prefix(b, len), at);
            b[at] = 'a';
        }
    }
}

/* textcodec_latin1_to_utf8 against the reference encoder on the widened characters. */
static void check_latin1_encode(const unsigned char *p, size_t n)
{
    static uint16_t u[70000];
    static char got[2 * 70000];
    static char want[3 * 70000];
    for (size_t i = 0; i < n; i++) {
        u[i] = p[i];
    }
    size_t g = textcodec_latin1_to_utf8(p, n, got);
    size_t w = ref_encode_utf8(u, n, want);
    ASSERT_EQ_SIZE(g, w);
    ASSERT_TRUE(g <= TEXTCODEC_LATIN1_UTF8_MAX(n));
    ASSERT_TRUE(memcmp(got, want, w) == 0);
}

TEST(textcodec_latin1_to_utf8_every_byte_and_position)
{
    static unsigned char b[65536 + 3];
    for (size_t len = 0; len <= 80; len++) {
        for (size_t at = 0; at < len; at++) {
            for (unsigned c = 0x7F; c <= 0xFF; c++) {
                for (size_t i = 0; i < len; i++) {
                    b[i] = (unsigned char)('a' + i % 26);
                }
                b[at] = (unsigned char)c;
                check_latin1_encode(b, len);
            }
        }
    }
    for (size_t i = 0; i < sizeof(b); i++) {
        b[i] = (unsigned char)(i % 3000 == 2999 ? 0x80 + i % 128 : ' ' + i % 90);
    }
    check_latin1_encode(b, sizeof(b));
    for (size_t i = 0; i < 256; i++) {
        b[i] = (unsigned char)i;
    }
    check_latin1_encode(b, 256);
}

/* textcodec_utf8_to_latin1 succeeds exactly when the text is well-formed, has no BOM and every
 * code point is up to U+00FF; then it gives what textcodec_utf8_to_utf16 gives in every mode. */
static void check_latin1_decode(const char *p, size_t n)
{
    static unsigned char got[70000];
    static uint16_t want[70000];
    size_t g = 0;
    size_t w = 0;
    bool ok = textcodec_utf8_to_latin1(str_make(p, n), got, &g);
    int rw = ref_decode_utf16(str_make(p, n), true, true, want, &w);
    bool narrow = rw == RC_OK;
    for (size_t i = 0; i < w && narrow; i++) {
        narrow = want[i] <= 0xFF;
    }
    ASSERT_TRUE(ok == narrow);
    if (!ok) {
        return;
    }
    ASSERT_EQ_SIZE(g, w);
    for (size_t i = 0; i < w; i++) {
        ASSERT_EQ_INT(got[i], want[i]);
    }
    check_decode(p, n); /* and the same in all four modes */
}

TEST(textcodec_utf8_to_latin1_block_boundaries)
{
    static const char *const seqs[] = {
        "\xC3\xA9", "\xC2\x80", "\xC3\xBF", "\xC4\x80",     "\xC3",         "\xC2\xC3", "\x80",
        "\xC1\xBF", "\xC0\x80", "\xFF",     "\xEF\xBB\xBF", "\xE2\x82\xAC", "\xC3\x41", "\x7F",
    };
    each_placement(seqs, ARRAY_LEN(seqs), 80, check_latin1_decode);
    check_latin1_decode("", 0);
    check_latin1_decode("\xEF\xBB\xBF\xC3\xA9", 5); /* a BOM: not Latin-1 */
    unsigned char out[8];
    size_t n = 0;
    ASSERT_TRUE(textcodec_utf8_to_latin1(STR("\xC2\x80\xC3\xBF"
                                             "a"),
                                         out, &n));
    ASSERT_EQ_SIZE(n, 3);
    ASSERT_EQ_MEM(out,
                  "\x80\xFF"
                  "a",
                  3);
}

TEST(textcodec_utf8_to_latin1_random_and_long)
{
    static char b[65536 + 5];
    uint32_t seed = 777;
    /* Mostly Latin-1 pairs; now and then one that is not. */
    static const struct str frag[] = {
        { "\xC3\xA9", 2 }, { "\xC2\xA0", 2 }, { "\xC3\xBF", 2 }, { "\xC3\xA9", 2 },
        { "\xC2\xA0", 2 }, { "\xC3\xBF", 2 }, { "\xC3\xA9", 2 }, { "\xC2\x80", 2 },
        { "\xC3\x80", 2 }, { "\xC4\x80", 2 }, { "\xC3", 1 },
    };
    for (int round = 0; round < 500; round++) {
        check_latin1_decode(b, random_text(&seed, frag, ARRAY_LEN(frag), 3, b));
    }
    size_t n = 0;
    while (n + 2 <= sizeof(b)) {
        if (n % 5000 == 4998) {
            b[n++] = '\xC3';
            b[n++] = '\xA9';
        } else {
            b[n] = (char)(' ' + n % 90);
            n++;
        }
    }
    check_latin1_decode(b, n);
}
