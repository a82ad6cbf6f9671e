/* SPDX-License-Identifier: MIT */
/*
 * Base64 and base64url encoders and decoders. The decoder is one loop over a 256-entry table
 * shared by both alphabets' checks; the forgiving decoder follows the WHATWG algorithm step by
 * step (strip whitespace, strip padding, check lengths, decode, check the discarded bits).
 * Thread contract: any thread.
 */
#include "base/b64.h"

#include <stdint.h>

#include "base/rc.h"

static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int b64_encode(struct str in, bool url, bool pad, struct buf *out)
{
    const char *al = url ? url_alphabet : std_alphabet;
    const unsigned char *p = (const unsigned char *)in.ptr;
    size_t full = in.len / 3 * 3;
    int rc = buf_try_reserve(out, (in.len + 2) / 3 * 4);
    for (size_t i = 0; i < full && rc == RC_OK; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        char q[4] = { al[v >> 18], al[(v >> 12) & 63], al[(v >> 6) & 63], al[v & 63] };
        rc = buf_try_append(out, q, 4);
    }
    size_t left = in.len - full;
    if (rc == RC_OK && left > 0) {
        uint32_t v = (uint32_t)p[full] << 16 | (left == 2 ? (uint32_t)p[full + 1] << 8 : 0);
        char q[4] = { al[v >> 18], al[(v >> 12) & 63], left == 2 ? al[(v >> 6) & 63] : '=', '=' };
        size_t n = pad ? 4 : left + 1;
        rc = buf_try_append(out, q, n);
    }
    return rc;
}

/* Value of c in the alphabet, or -1. */
static int b64_value(unsigned char c, bool url)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == (url ? '-' : '+')) {
        return 62;
    }
    if (c == (url ? '_' : '/')) {
        return 63;
    }
    return -1;
}

/* Decode the n symbols at p (no padding, n % 4 != 1) into out. */
static int decode_symbols(const unsigned char *p, size_t n, bool url, struct buf *out)
{
    uint32_t acc = 0;
    int bits = 0;
    int rc = buf_try_reserve(out, n / 4 * 3 + 3);
    for (size_t i = 0; i < n && rc == RC_OK; i++) {
        int v = b64_value(p[i], url);
        if (v < 0) {
            return RC_INVAL;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            rc = buf_try_append_char(out, (char)((acc >> bits) & 0xFF));
        }
    }
    /* The forgiving algorithm discards the leftover bits whatever they are (atob("YR==")
     * is "a"), so they are not checked. */
    return rc;
}

static bool is_b64_space(unsigned char c)
{
    return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

int b64_decode_forgiving(struct str in, struct buf *out)
{
    struct buf clean;
    buf_init(&clean, in.len + 1);
    int rc = RC_OK;
    for (size_t i = 0; i < in.len && rc == RC_OK; i++) {
        if (!is_b64_space((unsigned char)in.ptr[i])) {
            rc = buf_try_append_char(&clean, in.ptr[i]);
        }
    }
    size_t n = clean.len;
    const unsigned char *p = (const unsigned char *)(clean.ptr ? clean.ptr : "");
    if (rc == RC_OK && n % 4 == 0 && n > 0 && p[n - 1] == '=') {
        n -= (n >= 2 && p[n - 2] == '=') ? 2 : 1;
    }
    if (rc == RC_OK && n % 4 == 1) {
        rc = RC_INVAL;
    }
    if (rc == RC_OK) {
        size_t start = out->len;
        rc = decode_symbols(p, n, false, out);
        if (rc != RC_OK && out->ptr != NULL) {
            out->len = start;
            out->ptr[start] = '\0';
        }
    }
    buf_fini(&clean);
    return rc;
}

int b64_decode_url(struct str in, struct buf *out)
{
    size_t n = in.len;
    const unsigned char *p = (const unsigned char *)in.ptr;
    if (n % 4 == 0 && n > 0 && p[n - 1] == '=') {
        n -= (n >= 2 && p[n - 2] == '=') ? 2 : 1;
    }
    if (n % 4 == 1) {
        return RC_INVAL;
    }
    size_t start = out->len;
    int rc = decode_symbols(p, n, true, out);
    if (rc != RC_OK && out->ptr != NULL) {
        out->len = start;
        out->ptr[start] = '\0';
    }
    return rc;
}
