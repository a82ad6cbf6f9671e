/* SPDX-License-Identifier: MIT */
/*
 * Plain one-code-point-at-a-time references for base/textcodec's block-at-a-time converters,
 * shared by tests/unit/base/test_textcodec.c and tests/fuzz/fuzz_textcodec.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/rc.h"
#include "base/textcodec.h"
#include "base/utf8.h"

/* UTF-8 of n WTF-16 units into dst (room for 3 * n): pairs joined, lone surrogates U+FFFD. */
static inline size_t ref_encode_utf8(const uint16_t *u, size_t n, char *dst)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = u[i];
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (u[i + 1] - 0xDC00u);
            i++;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
        }
        w += (size_t)utf8_encode(cp, dst + w);
    }
    return w;
}

/* The UTF-16 TextDecoder.decode gives for bytes (fresh decoder, no stream), through
 * textcodec_decode: RC_OK with *out_n units in dst (room for bytes.len), or its error. */
static inline int ref_decode_utf16(struct str bytes, bool fatal, bool ignore_bom, uint16_t *dst,
                                   size_t *out_n)
{
    struct textcodec_decoder d;
    struct buf b;
    textcodec_decoder_init(&d, TEXTCODEC_UTF8, fatal, ignore_bom);
    buf_init(&b, bytes.len * 3 + 16);
    int rc = textcodec_decode(&d, bytes, false, &b);
    size_t n = 0;
    for (size_t i = 0; rc == RC_OK && i < b.len;) {
        uint32_t cp = 0;
        int k = utf8_decode(b.ptr + i, b.len - i, &cp);
        if (k <= 0) {
            rc = RC_INTERNAL; /* textcodec_decode's output is always valid UTF-8 */
            break;
        }
        i += (size_t)k;
        if (cp >= 0x10000) {
            dst[n++] = (uint16_t)(0xD800 + ((cp - 0x10000) >> 10));
            dst[n++] = (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            dst[n++] = (uint16_t)cp;
        }
    }
    buf_fini(&b);
    *out_n = n;
    return rc;
}
