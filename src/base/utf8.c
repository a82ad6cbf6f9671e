/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 per RFC 3629, with the "maximal subpart" rule the WHATWG Encoding standard uses for
 * replacement characters.
 */
#include "base/utf8.h"

#include <string.h>

/* Valid range of the second byte for a given lead byte (Unicode table 3-7). */
static bool second_ok(unsigned char lead, unsigned char b)
{
    switch (lead) {
    case 0xE0:
        return b >= 0xA0 && b <= 0xBF;
    case 0xED:
        return b >= 0x80 && b <= 0x9F;
    case 0xF0:
        return b >= 0x90 && b <= 0xBF;
    case 0xF4:
        return b >= 0x80 && b <= 0x8F;
    default:
        return b >= 0x80 && b <= 0xBF;
    }
}

static int seq_len(unsigned char lead)
{
    if (lead < 0x80) {
        return 1;
    }
    if (lead >= 0xC2 && lead <= 0xDF) {
        return 2;
    }
    if (lead >= 0xE0 && lead <= 0xEF) {
        return 3;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        return 4;
    }
    return -1;
}

int utf8_decode(const char *p, size_t n, uint32_t *out_cp)
{
    const unsigned char *s = (const unsigned char *)p;
    int len = seq_len(s[0]);
    *out_cp = 0xFFFD;
    if (len < 0 || (size_t)len > n) {
        return -1;
    }
    if (len == 1) {
        *out_cp = s[0];
        return 1;
    }
    if (!second_ok(s[0], s[1])) {
        return -1;
    }
    for (int i = 2; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return -1;
        }
    }
    uint32_t cp;
    if (len == 2) {
        cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    } else if (len == 3) {
        cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    } else {
        cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
             ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    }
    *out_cp = cp;
    return len;
}

size_t utf8_bad_len(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    int len = seq_len(s[0]);
    if (len < 0 || n < 2 || !second_ok(s[0], s[1])) {
        return 1;
    }
    size_t i = 2;
    while (i < (size_t)len && i < n && (s[i] & 0xC0) == 0x80) {
        i++;
    }
    return i;
}

bool utf8_is_valid(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if ((unsigned char)p[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        int k = utf8_decode(p + i, n - i, &cp);
        if (k < 0) {
            return false;
        }
        i += (size_t)k;
    }
    return true;
}

int utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

#if defined(__GNUC__)
typedef uint64_t utf8_u64x2 __attribute__((vector_size(16)));
#endif

size_t utf8_ascii_prefix(const char *p, size_t n)
{
    size_t i = 0;
#if defined(__GNUC__)
    /* Long runs: one test per 64 bytes, OR-ed in 16-byte vectors (SSE2 on x86-64, NEON on
     * arm64). */
    while (i + 64 <= n) {
        utf8_u64x2 a;
        utf8_u64x2 b;
        utf8_u64x2 c;
        utf8_u64x2 d;
        memcpy(&a, p + i, 16);
        memcpy(&b, p + i + 16, 16);
        memcpy(&c, p + i + 32, 16);
        memcpy(&d, p + i + 48, 16);
        utf8_u64x2 x = (a | b) | (c | d);
        if ((x[0] | x[1]) & 0x8080808080808080u) {
            break;
        }
        i += 64;
    }
#endif
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080u) {
            break;
        }
        i += 8;
    }
    while (i < n && (unsigned char)p[i] < 0x80) {
        i++;
    }
    return i;
}
