/* SPDX-License-Identifier: MIT */
/*
 * TextDecoder/TextEncoder byte work: the Encoding Standard's UTF-8 decoder (maximal-subpart
 * replacement through utf8_bad_len), UTF-16LE decoder, BOM handling and streaming, and the
 * encoders from WTF-16. A streaming call joins the pending bytes of the previous call with the
 * new ones and keeps an incomplete trailing sequence for the next call.
 * Thread contract: any thread.
 */
#include "base/textcodec.h"

#include <string.h>

#include "base/rc.h"
#include "base/utf8.h"

struct label {
    const char *name;
    enum textcodec_encoding enc;
};

static const struct label labels[] = {
    { .name = "unicode-1-1-utf-8", .enc = TEXTCODEC_UTF8 },
    { .name = "unicode11utf8", .enc = TEXTCODEC_UTF8 },
    { .name = "unicode20utf8", .enc = TEXTCODEC_UTF8 },
    { .name = "utf-8", .enc = TEXTCODEC_UTF8 },
    { .name = "utf8", .enc = TEXTCODEC_UTF8 },
    { .name = "x-unicode20utf8", .enc = TEXTCODEC_UTF8 },
    { .name = "csunicode", .enc = TEXTCODEC_UTF16LE },
    { .name = "iso-10646-ucs-2", .enc = TEXTCODEC_UTF16LE },
    { .name = "ucs-2", .enc = TEXTCODEC_UTF16LE },
    { .name = "unicode", .enc = TEXTCODEC_UTF16LE },
    { .name = "unicodefeff", .enc = TEXTCODEC_UTF16LE },
    { .name = "utf-16", .enc = TEXTCODEC_UTF16LE },
    { .name = "utf-16le", .enc = TEXTCODEC_UTF16LE },
    { .name = "unicodefffe", .enc = TEXTCODEC_UTF16BE },
    { .name = "utf-16be", .enc = TEXTCODEC_UTF16BE },
};

static bool is_ws(char c)
{
    return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

int textcodec_label(struct str label, enum textcodec_encoding *out_enc)
{
    while (label.len > 0 && is_ws(label.ptr[0])) {
        label.ptr++;
        label.len--;
    }
    while (label.len > 0 && is_ws(label.ptr[label.len - 1])) {
        label.len--;
    }
    for (size_t i = 0; i < ARRAY_LEN(labels); i++) {
        if (str_eq_nocase(label, str_from_cstr(labels[i].name))) {
            *out_enc = labels[i].enc;
            return RC_OK;
        }
    }
    *out_enc = TEXTCODEC_UTF8;
    return RC_NOTFOUND;
}

void textcodec_decoder_init(struct textcodec_decoder *d, enum textcodec_encoding enc, bool fatal,
                            bool ignore_bom)
{
    memset(d, 0, sizeof(*d));
    d->enc = enc;
    d->fatal = fatal;
    d->ignore_bom = ignore_bom;
}

static const char replacement[3] = { '\xEF', '\xBF', '\xBD' };

/* Emit one code point (UTF-8 bytes at p, n), dropping a leading BOM unless ignore_bom. */
static int emit(struct textcodec_decoder *d, const char *p, size_t n, uint32_t cp, struct buf *out)
{
    if (!d->bom_seen) {
        d->bom_seen = true;
        if (cp == 0xFEFF && !d->ignore_bom) {
            return RC_OK;
        }
    }
    return buf_try_append(out, p, n);
}

static int emit_cp(struct textcodec_decoder *d, uint32_t cp, struct buf *out)
{
    char tmp[4];
    int n = utf8_encode(cp, tmp);
    return emit(d, tmp, (size_t)n, cp, out);
}

/* Decode the UTF-8 bytes p[0..n); returns how many were consumed (the rest is pending). */
static int decode_utf8(struct textcodec_decoder *d, const char *p, size_t n, bool stream,
                       struct buf *out, size_t *out_used)
{
    size_t i = 0;
    int rc = RC_OK;
    while (i < n && rc == RC_OK) {
        size_t run = i + utf8_ascii_prefix(p + i, n - i);
        if (run > i) {
            /* An ASCII run: no BOM in it, copied in one append. */
            d->bom_seen = true;
            rc = buf_try_append(out, p + i, run - i);
            i = run;
            continue;
        }
        uint32_t cp = 0;
        int k = utf8_decode(p + i, n - i, &cp);
        if (k > 0) {
            rc = emit(d, p + i, (size_t)k, cp, out);
            i += (size_t)k;
            continue;
        }
        size_t bad = utf8_bad_len(p + i, n - i);
        unsigned char lead = (unsigned char)p[i];
        if (stream && i + bad == n && lead >= 0xC2 && lead <= 0xF4 && bad < 4) {
            break; /* an incomplete sequence at the end: wait for more */
        }
        if (d->fatal) {
            rc = RC_INVAL;
            break;
        }
        rc = emit(d, replacement, 3, 0xFFFD, out);
        i += bad;
    }
    *out_used = i;
    return rc;
}

/* Code unit at p in the decoder's byte order. */
static uint32_t unit_at(const struct textcodec_decoder *d, const unsigned char *p)
{
    return d->enc == TEXTCODEC_UTF16BE ? ((uint32_t)p[0] << 8 | p[1])
                                       : ((uint32_t)p[1] << 8 | p[0]);
}

static int decode_utf16(struct textcodec_decoder *d, const unsigned char *p, size_t n, bool stream,
                        struct buf *out, size_t *out_used)
{
    size_t i = 0;
    int rc = RC_OK;
    while (i + 2 <= n && rc == RC_OK) {
        uint32_t u = unit_at(d, p + i);
        if (u < 0xD800 || u > 0xDFFF) {
            rc = emit_cp(d, u, out);
            i += 2;
            continue;
        }
        if (u <= 0xDBFF && i + 4 <= n) {
            uint32_t t = unit_at(d, p + i + 2);
            if (t >= 0xDC00 && t <= 0xDFFF) {
                rc = emit_cp(d, 0x10000 + ((u - 0xD800) << 10) + (t - 0xDC00), out);
                i += 4;
                continue;
            }
        } else if (u <= 0xDBFF && stream) {
            break; /* a lead surrogate at the end: wait for its trail */
        }
        if (d->fatal) {
            return RC_INVAL;
        }
        rc = emit_cp(d, 0xFFFD, out);
        i += 2;
    }
    if (rc == RC_OK && i < n && !stream && !(i + 2 <= n)) {
        /* An odd trailing byte at the end of the stream. */
        if (d->fatal) {
            return RC_INVAL;
        }
        rc = emit_cp(d, 0xFFFD, out);
        i = n;
    }
    *out_used = i;
    return rc;
}

int textcodec_decode(struct textcodec_decoder *d, struct str bytes, bool stream, struct buf *out)
{
    struct buf joined;
    buf_init(&joined, d->pend_len + bytes.len + 1);
    int rc = RC_OK;
    const char *p = bytes.ptr ? bytes.ptr : "";
    size_t n = bytes.len;
    if (d->pend_len > 0) {
        /* Join the previous call's incomplete sequence with the new bytes. */
        rc = buf_try_append(&joined, d->pend, d->pend_len);
        rc = rc ? rc : buf_try_append_str(&joined, bytes);
        p = joined.ptr;
        n = joined.len;
    }
    size_t used = 0;
    if (rc == RC_OK) {
        if (d->enc == TEXTCODEC_UTF8) {
            rc = decode_utf8(d, p, n, stream, out, &used);
        } else {
            rc = decode_utf16(d, (const unsigned char *)p, n, stream, out, &used);
        }
    }
    if (rc == RC_OK && stream) {
        DEBUG_ASSERT(n - used <= sizeof(d->pend));
        d->pend_len = n - used;
        memcpy(d->pend, p + used, d->pend_len);
    } else {
        d->pend_len = 0;
        d->bom_seen = false;
    }
    buf_fini(&joined);
    return rc;
}

/*
 * ASCII runs go sixteen at a time: a test over 64-bit words, then one vector conversion
 * (GCC/clang vector extensions: SSE2 pack/unpack on x86-64, NEON on arm64; a plain loop
 * elsewhere). JSC strings are UTF-16 or Latin-1 widened to UTF-16, so ASCII is the common case.
 */
#define ASCII_STEP 16

#if defined(__GNUC__)
typedef uint16_t tc_u16x16 __attribute__((vector_size(32)));
typedef uint8_t tc_u8x16 __attribute__((vector_size(16)));
#endif

/* True when the sixteen code units at u are all ASCII; then their bytes are written to d. */
static bool narrow_ascii16(const uint16_t *u, unsigned char *d)
{
    uint64_t w[4];
    memcpy(w, u, sizeof(w));
    if (((w[0] | w[1] | w[2] | w[3]) & 0xFF80FF80FF80FF80u) != 0) {
        return false;
    }
#if defined(__GNUC__)
    tc_u16x16 v;
    memcpy(&v, u, sizeof(v));
    tc_u8x16 b = __builtin_convertvector(v, tc_u8x16);
    memcpy(d, &b, sizeof(b));
#else
    for (size_t k = 0; k < ASCII_STEP; k++) {
        d[k] = (unsigned char)u[k];
    }
#endif
    return true;
}

/* True when the sixteen bytes at p are all ASCII; then they are written to d as code units. */
static bool widen_ascii16(const unsigned char *p, uint16_t *d)
{
    uint64_t w[2];
    memcpy(w, p, sizeof(w));
    if (((w[0] | w[1]) & 0x8080808080808080u) != 0) {
        return false;
    }
#if defined(__GNUC__)
    tc_u8x16 v;
    memcpy(&v, p, sizeof(v));
    tc_u16x16 u = __builtin_convertvector(v, tc_u16x16);
    memcpy(d, &u, sizeof(u));
#else
    for (size_t k = 0; k < ASCII_STEP; k++) {
        d[k] = p[k];
    }
#endif
    return true;
}

size_t textcodec_encode_utf8(const uint16_t *units, size_t n, char *dst)
{
    const uint16_t *u = units;
    const uint16_t *end = units + n;
    unsigned char *o = (unsigned char *)dst;
    while (u < end) {
        if (end - u >= ASCII_STEP && narrow_ascii16(u, o)) {
            u += ASCII_STEP;
            o += ASCII_STEP;
            continue;
        }
        /* Not a block of ASCII: the next block's worth one at a time, so mixed text pays
         * for one failed block test per sixteen units, not per unit. */
        const uint16_t *stop = end - u > ASCII_STEP ? u + ASCII_STEP : end;
        while (u < stop) {
            uint32_t cp = *u++;
            if (cp < 0x80) {
                *o++ = (unsigned char)cp;
            } else if (cp < 0x800) {
                o[0] = (unsigned char)(0xC0 | (cp >> 6));
                o[1] = (unsigned char)(0x80 | (cp & 0x3F));
                o += 2;
            } else if (cp < 0xD800 || cp > 0xDFFF) {
                o[0] = (unsigned char)(0xE0 | (cp >> 12));
                o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
                o[2] = (unsigned char)(0x80 | (cp & 0x3F));
                o += 3;
            } else if (cp <= 0xDBFF && u < end && *u >= 0xDC00 && *u <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (*u++ - 0xDC00u);
                o[0] = (unsigned char)(0xF0 | (cp >> 18));
                o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
                o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
                o[3] = (unsigned char)(0x80 | (cp & 0x3F));
                o += 4;
            } else {
                /* A lone surrogate: U+FFFD. */
                o[0] = 0xEF;
                o[1] = 0xBF;
                o[2] = 0xBD;
                o += 3;
            }
        }
    }
    return (size_t)(o - (unsigned char *)dst);
}

int textcodec_utf16_to_utf8(const uint16_t *units, size_t n, struct buf *out)
{
    /* Encode a chunk of units into a stack buffer and append it whole; a chunk never ends
     * between the two halves of a surrogate pair. */
    enum {
        CHUNK_UNITS = 128
    };

    char chunk[TEXTCODEC_UTF8_MAX(CHUNK_UNITS + 1)];
    int rc = buf_try_reserve(out, n);
    size_t i = 0;
    while (i < n && rc == RC_OK) {
        size_t k = n - i < CHUNK_UNITS ? n - i : CHUNK_UNITS;
        if (i + k < n && units[i + k - 1] >= 0xD800 && units[i + k - 1] <= 0xDBFF) {
            k++; /* keep a lead surrogate with what follows it */
        }
        rc = buf_try_append(out, chunk, textcodec_encode_utf8(units + i, k, chunk));
        i += k;
    }
    return rc;
}

/* Copy the ASCII run at *p (up to end) to *o and advance both past it. */
static void copy_ascii(const unsigned char **p, const unsigned char *end, unsigned char **o)
{
    size_t run = utf8_ascii_prefix((const char *)*p, (size_t)(end - *p));
    memcpy(*o, *p, run);
    *p += run;
    *o += run;
}

size_t textcodec_latin1_to_utf8(const unsigned char *src, size_t n, char *dst)
{
    const unsigned char *p = src;
    const unsigned char *end = src + n;
    unsigned char *o = (unsigned char *)dst;
    while (p < end) {
        copy_ascii(&p, end, &o);
        /* Each character of 0x80..0xFF is two bytes: C2 or C3, then its low six bits. */
        while (p < end && *p >= 0x80) {
            o[0] = (unsigned char)(0xC0 | (*p >> 6));
            o[1] = (unsigned char)(0x80 | (*p & 0x3F));
            o += 2;
            p++;
        }
    }
    return (size_t)(o - (unsigned char *)dst);
}

bool textcodec_utf8_to_latin1(struct str bytes, unsigned char *dst, size_t *out_len)
{
    const unsigned char *p = (const unsigned char *)bytes.ptr;
    const unsigned char *end = p + bytes.len;
    unsigned char *o = dst;
    *out_len = 0;
    while (p < end) {
        copy_ascii(&p, end, &o);
        /* U+0080..U+00FF is C2 or C3 and one continuation byte; anything else is out. */
        while (p < end && *p >= 0x80) {
            if ((*p != 0xC2 && *p != 0xC3) || end - p < 2 || (p[1] & 0xC0) != 0x80) {
                return false;
            }
            *o++ = (unsigned char)(((p[0] & 0x03u) << 6) | (p[1] & 0x3Fu));
            p += 2;
        }
    }
    *out_len = (size_t)(o - dst);
    return true;
}

/* True when b may follow the three-byte lead c (Unicode table 3-7: no overlong forms after
 * E0, no surrogates after ED). */
static bool second_of_3_ok(unsigned char c, unsigned char b)
{
    unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
    unsigned char hi = c == 0xED ? 0x9F : 0xBF;
    return b >= lo && b <= hi;
}

/* Decode the sequence with a non-ASCII lead at p (p < end) into *o: the bytes used, or 0 when
 * it is ill-formed in fatal mode. Two- and three-byte sequences are checked inline; four-byte
 * and ill-formed ones go to base/utf8. */
static size_t decode_one(const unsigned char *p, const unsigned char *end, bool fatal, uint16_t **o)
{
    unsigned char c = p[0];
    if (c >= 0xC2 && c <= 0xDF && end - p >= 2 && (p[1] & 0xC0) == 0x80) {
        *(*o)++ = (uint16_t)(((c & 0x1Fu) << 6) | (p[1] & 0x3Fu));
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF && end - p >= 3 && second_of_3_ok(c, p[1]) &&
        (p[2] & 0xC0) == 0x80) {
        *(*o)++ = (uint16_t)(((c & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu));
        return 3;
    }
    const char *q = (const char *)p;
    size_t left = (size_t)(end - p);
    uint32_t cp = 0;
    int k = utf8_decode(q, left, &cp);
    if (k < 0) {
        if (fatal) {
            return 0;
        }
        *(*o)++ = 0xFFFD;
        return utf8_bad_len(q, left);
    }
    if (cp >= 0x10000) {
        cp -= 0x10000;
        *(*o)++ = (uint16_t)(0xD800 + (cp >> 10));
        *(*o)++ = (uint16_t)(0xDC00 + (cp & 0x3FF));
    } else {
        *(*o)++ = (uint16_t)cp;
    }
    return (size_t)k;
}

int textcodec_utf8_to_utf16(struct str bytes, bool fatal, bool ignore_bom, uint16_t *dst,
                            size_t *out_units)
{
    const unsigned char *p = (const unsigned char *)bytes.ptr;
    const unsigned char *end = p + bytes.len;
    uint16_t *o = dst;
    int rc = RC_OK;
    if (!ignore_bom && bytes.len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        p += 3; /* the first code point is U+FEFF: textcodec_decode drops it too */
    }
    while (p < end && rc == RC_OK) {
        if (end - p >= ASCII_STEP && widen_ascii16(p, o)) {
            p += ASCII_STEP;
            o += ASCII_STEP;
            continue;
        }
        /* As in textcodec_encode_utf8: a block's worth one at a time. */
        const unsigned char *stop = end - p > ASCII_STEP ? p + ASCII_STEP : end;
        while (p < stop) {
            if (*p < 0x80) {
                *o++ = *p++;
                continue;
            }
            size_t used = decode_one(p, end, fatal, &o);
            if (used == 0) {
                rc = RC_INVAL;
                break;
            }
            p += used;
        }
    }
    *out_units = (size_t)(o - dst);
    return rc;
}

int textcodec_utf8_to_utf16le(struct str text, struct buf *out)
{
    int rc = RC_OK;
    size_t i = 0;
    while (i < text.len && rc == RC_OK) {
        uint32_t cp = 0;
        int k = utf8_decode(text.ptr + i, text.len - i, &cp);
        i += k > 0 ? (size_t)k : utf8_bad_len(text.ptr + i, text.len - i);
        if (cp >= 0x10000) {
            uint32_t hi = 0xD800 + ((cp - 0x10000) >> 10);
            uint32_t lo = 0xDC00 + ((cp - 0x10000) & 0x3FF);
            char b[4] = { (char)(hi & 0xFF), (char)(hi >> 8), (char)(lo & 0xFF), (char)(lo >> 8) };
            rc = buf_try_append(out, b, 4);
        } else {
            char b[2] = { (char)(cp & 0xFF), (char)(cp >> 8) };
            rc = buf_try_append(out, b, 2);
        }
    }
    return rc;
}

int textcodec_wtf8_to_utf8(struct str text, struct buf *out)
{
    int rc = RC_OK;
    size_t i = 0;
    while (i < text.len && rc == RC_OK) {
        const unsigned char *p = (const unsigned char *)text.ptr + i;
        size_t left = text.len - i;
        /* ED A0..BF xx is an encoded surrogate (WTF-8); pairs never occur in WTF-8. */
        if (left >= 3 && p[0] == 0xED && p[1] >= 0xA0 && p[1] <= 0xBF && (p[2] & 0xC0) == 0x80) {
            rc = buf_try_append(out, replacement, 3);
            i += 3;
            continue;
        }
        uint32_t cp = 0;
        int k = utf8_decode(text.ptr + i, left, &cp);
        if (k > 0) {
            rc = buf_try_append(out, text.ptr + i, (size_t)k);
            i += (size_t)k;
        } else {
            rc = buf_try_append(out, replacement, 3);
            i += utf8_bad_len(text.ptr + i, left);
        }
    }
    return rc;
}
