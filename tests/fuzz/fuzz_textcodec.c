/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for base/textcodec's block-at-a-time converters (the TextEncoder.encode and
 * TextDecoder.decode fast paths): textcodec_utf8_to_utf16 on any bytes equals textcodec_decode
 * plus a plain conversion in all four fatal/ignoreBOM modes, and textcodec_encode_utf8 on the
 * bytes read as WTF-16 code units (so lone surrogates and pairs at any offset) equals the
 * one-unit-at-a-time reference; textcodec_utf8_to_latin1 succeeds exactly when the strict
 * decode has no BOM and only code points up to U+00FF, and then equals it; and
 * textcodec_latin1_to_utf8 on the bytes read as Latin-1 equals the reference on them widened.
 * The first byte picks an offset, so blocks start anywhere.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/rc.h"
#include "base/str.h"
#include "base/textcodec.h"
#include "unit/base/textcodec_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond) {
        abort();
    }
}

static void decode(struct str in)
{
    uint16_t *got = mem_alloc((in.len + 1) * sizeof(uint16_t));
    uint16_t *want = mem_alloc((in.len + 1) * sizeof(uint16_t));
    for (int mode = 0; mode < 4; mode++) {
        size_t g = 0;
        size_t w = 0;
        int rg = textcodec_utf8_to_utf16(in, mode & 1, mode & 2, got, &g);
        int rw = ref_decode_utf16(in, mode & 1, mode & 2, want, &w);
        check(rg == rw);
        check(rw != RC_OK || (g == w && memcmp(got, want, w * sizeof(uint16_t)) == 0));
    }
    mem_free(want);
    mem_free(got);
}

static void encode(const uint8_t *data, size_t size)
{
    size_t n = size / 2;
    uint16_t *u = mem_alloc((n + 1) * sizeof(uint16_t));
    for (size_t i = 0; i < n; i++) {
        u[i] = (uint16_t)(data[2 * i] | data[2 * i + 1] << 8);
    }
    char *got = mem_alloc(TEXTCODEC_UTF8_MAX(n) + 1);
    char *want = mem_alloc(TEXTCODEC_UTF8_MAX(n) + 1);
    size_t g = textcodec_encode_utf8(u, n, got);
    size_t w = ref_encode_utf8(u, n, want);
    check(g == w && memcmp(got, want, w) == 0);
    mem_free(want);
    mem_free(got);
    mem_free(u);
}

static void latin1(const uint8_t *data, size_t size)
{
    struct str in = str_make((const char *)data, size);
    unsigned char *got = mem_alloc(size + 1);
    uint16_t *want = mem_alloc((size + 1) * sizeof(uint16_t));
    size_t g = 0;
    size_t w = 0;
    bool ok = textcodec_utf8_to_latin1(in, got, &g);
    bool narrow = ref_decode_utf16(in, true, true, want, &w) == RC_OK;
    for (size_t i = 0; i < w && narrow; i++) {
        narrow = want[i] <= 0xFF;
    }
    check(ok == narrow);
    check(!ok || g == w);
    for (size_t i = 0; ok && i < w; i++) {
        check(got[i] == want[i]);
    }
    /* The bytes as Latin-1 characters, encoded. */
    for (size_t i = 0; i < size; i++) {
        want[i] = data[i];
    }
    char *enc = mem_alloc(TEXTCODEC_LATIN1_UTF8_MAX(size) + 1);
    char *ref = mem_alloc(TEXTCODEC_UTF8_MAX(size) + 1);
    g = textcodec_latin1_to_utf8(data, size, enc);
    w = ref_encode_utf8(want, size, ref);
    check(g == w && memcmp(enc, ref, w) == 0);
    mem_free(ref);
    mem_free(enc);
    mem_free(want);
    mem_free(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t skip = size ? data[0] % 17 : 0;
    skip = skip < size ? skip : size;
    decode(str_make((const char *)data, size));
    decode(str_make((const char *)data + skip, size - skip));
    encode(data, size);
    encode(data + skip, size - skip);
    latin1(data, size);
    latin1(data + skip, size - skip);
    return 0;
}
