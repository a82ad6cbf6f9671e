/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 validation and decoding (RFC 3629: no overlongs, no surrogates, max U+10FFFF).
 * Thread contract: any thread (pure functions).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when the n bytes at p are well-formed UTF-8. */
bool utf8_is_valid(const char *p, size_t n);

/*
 * Decode one code point at p (n > 0 bytes available). Returns the number of bytes used
 * (1-4), or -1 for an ill-formed sequence (then *out_cp is U+FFFD and the caller should skip
 * the maximal ill-formed prefix: utf8_bad_len()).
 */
int utf8_decode(const char *p, size_t n, uint32_t *out_cp);

/* Length of the maximal subpart of an ill-formed sequence at p (WHATWG decoder rule), >= 1. */
size_t utf8_bad_len(const char *p, size_t n);

/* The length of the ASCII run (bytes < 0x80) at the start of p[0..n), 64 then eight bytes at a
 * time. */
size_t utf8_ascii_prefix(const char *p, size_t n);

/* Encode cp (<= 0x10FFFF) into out; returns 1-4. */
int utf8_encode(uint32_t cp, char out[4]);
