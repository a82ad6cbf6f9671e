/* SPDX-License-Identifier: MIT */
/*
 * The URL Standard's host parser, in the standard's order: IPv6 when bracketed, opaque host for
 * non-special schemes, else percent-decode, domain to ASCII (ASCII fast path, libidn2 for the
 * other labels, one label at a time) and IPv4 when the result "ends in a number".
 * Thread contract: any thread.
 */
#include "base/url_host.h"

#include <stdint.h>
#include <string.h>

#include <idn2.h>

#include "base/mem.h"
#include "base/rc.h"
#include "base/url.h"
#include "base/utf8.h"

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Bit c of a pair is set when ASCII byte c is a forbidden host code point (NUL, tab, LF, CR,
 * space # / : < > ? @ [ \ ] ^ |), or a forbidden domain code point (those, every C0 control,
 * % and DEL). Bytes >= 0x80 are in neither. */
static const uint64_t forbidden_host_bits[2] = { 0xd400800900002601u, 0x1000000078000001u };
static const uint64_t forbidden_domain_bits[2] = { 0xd4008029ffffffffu, 0x9000000078000001u };

static bool forbidden_host(unsigned char c)
{
    return c < 0x80 && ((forbidden_host_bits[c >> 6] >> (c & 63)) & 1);
}

static bool forbidden_domain(unsigned char c)
{
    return c < 0x80 && ((forbidden_domain_bits[c >> 6] >> (c & 63)) & 1);
}

/*
 * Parse an IPv4 number (the standard's "IPv4 number parser"). Values beyond 2^32 saturate,
 * which keeps every comparison the standard makes. Returns false on failure.
 */
static bool ipv4_number(struct str s, uint64_t *out)
{
    if (s.len == 0) {
        return false;
    }
    unsigned radix = 10;
    if (s.len >= 2 && s.ptr[0] == '0' && (s.ptr[1] == 'x' || s.ptr[1] == 'X')) {
        s = str_sub(s, 2, s.len);
        radix = 16;
    } else if (s.len >= 2 && s.ptr[0] == '0') {
        s = str_sub(s, 1, s.len);
        radix = 8;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        int c = (unsigned char)s.ptr[i];
        unsigned d = 0;
        int h = str_hex_digit(c);
        if (radix == 16 && h >= 0) {
            d = (unsigned)h;
        } else if (is_digit(c) && (unsigned)(c - '0') < radix) {
            d = (unsigned)(c - '0');
        } else {
            return false;
        }
        v = v * radix + d;
        if (v > ((uint64_t)1 << 40)) {
            v = (uint64_t)1 << 40;
        }
    }
    *out = v;
    return true;
}

/* The standard's "ends in a number" checker. */
static bool ends_in_number(struct str s)
{
    if (s.len > 0 && s.ptr[s.len - 1] == '.') {
        s.len--;
        if (s.len == 0) {
            return false;
        }
    }
    size_t start = s.len;
    while (start > 0 && s.ptr[start - 1] != '.') {
        start--;
    }
    struct str last = str_sub(s, start, s.len - start);
    if (last.len == 0) {
        return false;
    }
    bool digits = true;
    for (size_t i = 0; i < last.len; i++) {
        digits = digits && is_digit(last.ptr[i]);
    }
    uint64_t v = 0;
    return digits || ipv4_number(last, &v);
}

/* The IPv4 parser: serialised dotted-decimal into out, or RC_INVAL. */
static int ipv4_parse(struct str s, struct buf *out)
{
    uint64_t nums[4] = { 0 };
    size_t count = 0;
    if (s.len > 0 && s.ptr[s.len - 1] == '.') {
        s.len--;
    }
    struct str rest = s;
    for (;;) {
        struct str part;
        bool more = str_split_char(rest, '.', &part, &rest);
        if (count == 4 || !ipv4_number(part, &nums[count])) {
            return RC_INVAL;
        }
        count++;
        if (!more) {
            break;
        }
    }
    for (size_t i = 0; i + 1 < count; i++) {
        if (nums[i] > 255) {
            return RC_INVAL;
        }
    }
    if (nums[count - 1] >= ((uint64_t)1 << (8 * (5 - count)))) {
        return RC_INVAL;
    }
    uint64_t ip = nums[count - 1];
    for (size_t i = 0; i + 1 < count; i++) {
        ip += nums[i] << (8 * (3 - i));
    }
    /* Dotted decimal, written here and appended once (printf was most of an IPv4 host). */
    char t[16];
    size_t n = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
        unsigned v = (unsigned)(ip >> shift) & 255;
        if (v >= 100) {
            t[n++] = (char)('0' + v / 100);
        }
        if (v >= 10) {
            t[n++] = (char)('0' + v / 10 % 10);
        }
        t[n++] = (char)('0' + v % 10);
        if (shift > 0) {
            t[n++] = '.';
        }
    }
    return buf_try_append(out, t, n);
}

/* The byte at i, or -1 past the end (the standard's EOF code point). */
static int at6(struct str s, size_t i)
{
    return i < s.len ? (unsigned char)s.ptr[i] : -1;
}

/*
 * The IPv6 parser's IPv4 part, from *p to the end: fills piece[*idx] and piece[*idx + 1].
 * RC_OK or RC_INVAL.
 */
static int ipv6_v4_part(struct str s, size_t *p, unsigned piece[8], int *idx)
{
    int seen = 0;
    while (at6(s, *p) != -1) {
        int v4 = -1;
        if (seen > 0) {
            if (at6(s, *p) != '.' || seen >= 4) {
                return RC_INVAL;
            }
            (*p)++;
        }
        if (!is_digit(at6(s, *p))) {
            return RC_INVAL;
        }
        while (is_digit(at6(s, *p))) {
            int d = at6(s, *p) - '0';
            if (v4 == 0) {
                return RC_INVAL; /* a leading zero */
            }
            v4 = v4 == -1 ? d : v4 * 10 + d;
            if (v4 > 255) {
                return RC_INVAL;
            }
            (*p)++;
        }
        piece[*idx] = piece[*idx] * 0x100 + (unsigned)v4;
        seen++;
        if (seen == 2 || seen == 4) {
            (*idx)++;
        }
    }
    return seen == 4 ? RC_OK : RC_INVAL;
}

/* Move the pieces after the compression point to the end (the standard's swap loop). */
static void ipv6_expand(unsigned piece[8], int idx, int compress)
{
    int swaps = idx - compress;
    idx = 7;
    while (idx != 0 && swaps > 0) {
        unsigned t = piece[idx];
        piece[idx] = piece[compress + swaps - 1];
        piece[compress + swaps - 1] = t;
        idx--;
        swaps--;
    }
}

#define DONE6 1

/* One hex piece (or the trailing IPv4 part: DONE6) of the IPv6 parser, from *p. */
static int ipv6_piece(struct str s, size_t *p, unsigned piece[8], int *idx)
{
    unsigned value = 0;
    size_t length = 0;
    int h = 0;
    while (length < 4 && (h = str_hex_digit(at6(s, *p))) >= 0) {
        value = value * 16 + (unsigned)h;
        (*p)++;
        length++;
    }
    if (at6(s, *p) == '.') {
        if (length == 0 || *idx > 6) {
            return RC_INVAL;
        }
        *p -= length;
        return ipv6_v4_part(s, p, piece, idx) == RC_OK ? DONE6 : RC_INVAL;
    }
    if (at6(s, *p) == ':') {
        (*p)++;
        if (at6(s, *p) == -1) {
            return RC_INVAL;
        }
    } else if (at6(s, *p) != -1) {
        return RC_INVAL;
    }
    piece[(*idx)++] = value;
    return RC_OK;
}

/* The IPv6 parser: 8 pieces or RC_INVAL. */
static int ipv6_parse(struct str s, uint16_t out[8])
{
    unsigned piece[8] = { 0 };
    int idx = 0;
    int compress = -1;
    size_t p = 0;
    if (at6(s, p) == ':') {
        if (at6(s, p + 1) != ':') {
            return RC_INVAL;
        }
        p += 2;
        compress = ++idx;
    }
    while (at6(s, p) != -1) {
        if (idx == 8) {
            return RC_INVAL;
        }
        if (at6(s, p) == ':') {
            if (compress != -1) {
                return RC_INVAL;
            }
            p++;
            compress = ++idx;
            continue;
        }
        int rc = ipv6_piece(s, &p, piece, &idx);
        if (rc == DONE6) {
            break;
        }
        if (rc != RC_OK) {
            return rc;
        }
    }
    if (compress != -1) {
        ipv6_expand(piece, idx, compress);
    } else if (idx != 8) {
        return RC_INVAL;
    }
    for (int i = 0; i < 8; i++) {
        out[i] = (uint16_t)piece[i];
    }
    return RC_OK;
}

/* The IPv6 serializer, with brackets, into t (at most "[" + 8 * "ffff:" + "]"); its length. */
static size_t ipv6_text(const uint16_t a[8], char t[48])
{
    int best = -1;
    int best_len = 1;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && a[j] == 0) {
            j++;
        }
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j > i ? j : i + 1;
    }
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    t[n++] = '[';
    bool ignore0 = false;
    for (int i = 0; i < 8; i++) {
        if (ignore0 && a[i] == 0) {
            continue;
        }
        ignore0 = false;
        if (i == best) {
            t[n++] = ':';
            if (i == 0) {
                t[n++] = ':';
            }
            ignore0 = true;
            continue;
        }
        bool lead = true; /* no leading zeros, as "%x" */
        for (int shift = 12; shift >= 0; shift -= 4) {
            unsigned d = (a[i] >> shift) & 15;
            if (d != 0 || !lead || shift == 0) {
                t[n++] = hex[d];
                lead = false;
            }
        }
        if (i != 7) {
            t[n++] = ':';
        }
    }
    t[n++] = ']';
    return n;
}

bool url_host_canonical_ipv6(struct str host)
{
    uint16_t a[8];
    char t[48];
    if (host.len < 2 || host.len > sizeof(t) || host.ptr[0] != '[' ||
        host.ptr[host.len - 1] != ']' ||
        ipv6_parse(str_make(host.ptr + 1, host.len - 2), a) != RC_OK) {
        return false;
    }
    size_t n = ipv6_text(a, t);
    return n == host.len && memcmp(t, host.ptr, n) == 0;
}

/* True for the code points UTS #46 maps to '.' (U+002E, U+3002, U+FF0E, U+FF61) at s[i]. */
static size_t dot_len(struct str s, size_t i)
{
    static const char *const dots[] = { "\xE3\x80\x82", "\xEF\xBC\x8E", "\xEF\xBD\xA1" };
    unsigned char c = (unsigned char)s.ptr[i];
    if (c == '.') {
        return 1;
    }
    if (c != 0xE3 && c != 0xEF) {
        return 0;
    }
    for (size_t k = 0; k < ARRAY_LEN(dots); k++) {
        if (i + 3 <= s.len && memcmp(s.ptr + i, dots[k], 3) == 0) {
            return 3;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- Punycode (RFC 3492) */

enum {
    PUNY_BASE = 36,
    PUNY_TMIN = 1,
    PUNY_TMAX = 26,
    PUNY_SKEW = 38,
    PUNY_DAMP = 700,
    PUNY_BIAS = 72,
    PUNY_N = 128,
    PUNY_MAX_LABEL = 63 /* libidn2's label limit, in bytes and in code points */
};

static uint32_t puny_adapt(uint32_t delta, uint32_t points, bool first)
{
    delta = first ? delta / PUNY_DAMP : delta / 2;
    delta += delta / points;
    uint32_t k = 0;
    while (delta > ((PUNY_BASE - PUNY_TMIN) * PUNY_TMAX) / 2) {
        delta /= PUNY_BASE - PUNY_TMIN;
        k += PUNY_BASE;
    }
    return k + (PUNY_BASE - PUNY_TMIN + 1) * delta / (delta + PUNY_SKEW);
}

static uint32_t puny_threshold(uint32_t k, uint32_t bias)
{
    return k <= bias ? PUNY_TMIN : k >= bias + PUNY_TMAX ? PUNY_TMAX : k - bias;
}

/* The value of a lower-case Punycode digit (a-z 0-25, 0-9 26-35), or -1. */
static int puny_digit(char c)
{
    if (c >= 'a' && c <= 'z') {
        return c - 'a';
    }
    return is_digit(c) ? c - '0' + 26 : -1;
}

static char puny_char(uint32_t d)
{
    return (char)(d < 26 ? 'a' + d : '0' + d - 26);
}

/* Read one generalized variable-length integer of s from *from (RFC 3492 3.3) and add it to
 * *i; false on a bad digit, the end of s or overflow. */
static bool puny_read(struct str s, size_t *from, uint32_t bias, uint32_t *i)
{
    uint32_t w = 1;
    for (uint32_t k = PUNY_BASE;; k += PUNY_BASE) {
        int d = *from < s.len ? puny_digit(s.ptr[(*from)++]) : -1;
        if (d < 0 || (uint32_t)d > (UINT32_MAX - *i) / w) {
            return false;
        }
        *i += (uint32_t)d * w;
        uint32_t t = puny_threshold(k, bias);
        if ((uint32_t)d < t) {
            return true;
        }
        if (w > UINT32_MAX / (PUNY_BASE - t)) {
            return false;
        }
        w *= PUNY_BASE - t;
    }
}

/* Decode the Punycode s (lower-case digits only) into at most PUNY_MAX_LABEL code points. */
static bool puny_decode(struct str s, uint32_t out[PUNY_MAX_LABEL], size_t *out_n)
{
    /* The basic code points: everything before the last '-'. */
    size_t n_out = 0;
    size_t from = 0;
    const char *dash = NULL;
    for (size_t j = 0; j < s.len; j++) {
        dash = s.ptr[j] == '-' ? s.ptr + j : dash;
    }
    if (dash != NULL) {
        n_out = (size_t)(dash - s.ptr);
        if (n_out > PUNY_MAX_LABEL) {
            return false;
        }
        for (size_t j = 0; j < n_out; j++) {
            out[j] = (unsigned char)s.ptr[j];
        }
        from = n_out + 1;
    }
    uint32_t n = PUNY_N;
    uint32_t i = 0;
    uint32_t bias = PUNY_BIAS;
    while (from < s.len) {
        uint32_t old_i = i;
        if (!puny_read(s, &from, bias, &i)) {
            return false;
        }
        bias = puny_adapt(i - old_i, (uint32_t)n_out + 1, old_i == 0);
        if (i / (n_out + 1) > UINT32_MAX - n || n_out == PUNY_MAX_LABEL) {
            return false;
        }
        n += i / (uint32_t)(n_out + 1);
        i %= (uint32_t)(n_out + 1);
        memmove(out + i + 1, out + i, (n_out - i) * sizeof(*out));
        out[i++] = n;
        n_out++;
    }
    *out_n = n_out;
    return true;
}

/* Append delta q as a variable-length integer to out[*len..PUNY_MAX_LABEL); false when full. */
static bool puny_put(uint32_t q, uint32_t bias, char out[PUNY_MAX_LABEL], size_t *len)
{
    for (uint32_t k = PUNY_BASE;; k += PUNY_BASE) {
        uint32_t t = puny_threshold(k, bias);
        if (*len == PUNY_MAX_LABEL) {
            return false;
        }
        if (q < t) {
            out[(*len)++] = puny_char(q);
            return true;
        }
        out[(*len)++] = puny_char(t + (q - t) % (PUNY_BASE - t));
        q = (q - t) / (PUNY_BASE - t);
    }
}

/* The smallest code point of cp[0..n) at or above floor (UINT32_MAX when none). */
static uint32_t puny_min_from(const uint32_t *cp, size_t n, uint32_t floor)
{
    uint32_t m = UINT32_MAX;
    for (size_t j = 0; j < n; j++) {
        if (cp[j] >= floor && cp[j] < m) {
            m = cp[j];
        }
    }
    return m;
}

/* Encode the n code points cp as Punycode into out (at most PUNY_MAX_LABEL bytes). */
static bool puny_encode(const uint32_t *cp, size_t n, char out[PUNY_MAX_LABEL], size_t *out_len)
{
    size_t len = 0;
    for (size_t j = 0; j < n; j++) {
        if (cp[j] < 0x80) {
            out[len++] = (char)cp[j];
        }
    }
    size_t basic = len;
    size_t done = len;
    if (basic > 0) {
        out[len++] = '-';
    }
    uint32_t next = PUNY_N;
    uint32_t delta = 0;
    uint32_t bias = PUNY_BIAS;
    while (done < n) {
        uint32_t m = puny_min_from(cp, n, next);
        /* Labels are at most PUNY_MAX_LABEL code points under 0x110000: no overflow. */
        delta += (m - next) * (uint32_t)(done + 1);
        next = m;
        for (size_t j = 0; j < n; j++) {
            delta += cp[j] < next;
            if (cp[j] != next) {
                continue;
            }
            if (!puny_put(delta, bias, out, &len)) {
                return false;
            }
            bias = puny_adapt(delta, (uint32_t)done + 1, done == basic);
            delta = 0;
            done++;
        }
        delta++;
        next++;
    }
    *out_len = len;
    return true;
}

/* A code point UTS #46 and IDNA2008 keep as it is in a label and that needs no context, NFC or
 * bidi check: a-z, 0-9, '-' and the lower-case Latin-1 letters (U+00DF..U+00FF but U+00F7). */
static bool plain_code_point(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           (c >= 0xDF && c <= 0xFF && c != 0xF7);
}

bool url_host_plain_ace(struct str label)
{
    if (label.len <= 4 || label.len > PUNY_MAX_LABEL || memcmp(label.ptr, "xn--", 4) != 0) {
        return false;
    }
    struct str body = str_sub(label, 4, label.len - 4);
    uint32_t cp[PUNY_MAX_LABEL];
    size_t n = 0;
    if (!puny_decode(body, cp, &n) || n == 0 || cp[0] == '-' || cp[n - 1] == '-' ||
        (n >= 4 && cp[2] == '-' && cp[3] == '-')) {
        return false;
    }
    bool wide = false;
    for (size_t i = 0; i < n; i++) {
        if (!plain_code_point(cp[i])) {
            return false;
        }
        wide = wide || cp[i] >= 0x80;
    }
    char again[PUNY_MAX_LABEL];
    size_t len = 0;
    return wide && puny_encode(cp, n, again, &len) && str_eq(str_make(again, len), body);
}

/*
 * One label through UTS #46 ToASCII. ASCII labels that are not "xn--" are lower-cased (the
 * standard's fast path); the rest go to libidn2 (non-transitional, no STD3 rules), label by
 * label, so that its DNS length checks (VerifyDnsLength=false in the standard) never apply to
 * ASCII labels. libidn2 checks IDNA2008 rather than UTS #46 validity: see docs/internals/web.md.
 */
static int label_to_ascii(struct str label, struct buf *out)
{
    bool ascii = true;
    for (size_t i = 0; i < label.len; i++) {
        ascii = ascii && (unsigned char)label.ptr[i] < 0x80;
    }
    bool xn = label.len >= 4 && str_eq_nocase(str_make(label.ptr, 4), STR("xn--"));
    if (ascii && (!xn || url_host_plain_ace(label))) {
        /* Lower-case through a small chunk: one append per 64 bytes. */
        int rc = RC_OK;
        char chunk[64];
        for (size_t i = 0; i < label.len && rc == RC_OK; i += sizeof(chunk)) {
            size_t k = label.len - i < sizeof(chunk) ? label.len - i : sizeof(chunk);
            for (size_t j = 0; j < k; j++) {
                chunk[j] = str_lower_char(label.ptr[i + j]);
            }
            rc = buf_try_append(out, chunk, k);
        }
        return rc;
    }
    char *in = mem_strndup(label);
    uint8_t *res = NULL;
    int irc = idn2_lookup_u8((const uint8_t *)in, &res, IDN2_NONTRANSITIONAL);
    mem_free(in);
    if (irc != IDN2_OK) {
        return RC_INVAL;
    }
    int rc = buf_try_append_cstr(out, (const char *)res);
    idn2_free(res);
    return rc;
}

/* The standard's "domain to ASCII" with beStrict false; appends to out or RC_INVAL. */
static int domain_to_ascii(struct str d, struct buf *out)
{
    size_t start = out->len;
    size_t i = 0;
    size_t label_start = 0;
    int rc = RC_OK;
    for (;;) {
        size_t dl = i < d.len ? dot_len(d, i) : 0;
        if (i == d.len || dl > 0) {
            rc = label_to_ascii(str_sub(d, label_start, i - label_start), out);
            if (rc != RC_OK || i == d.len) {
                break;
            }
            rc = buf_try_append_char(out, '.');
            if (rc != RC_OK) {
                break;
            }
            i += dl;
            label_start = i;
        } else {
            i++;
        }
    }
    if (rc == RC_OK && out->len == start) {
        rc = RC_INVAL;
    }
    for (size_t k = start; k < out->len && rc == RC_OK; k++) {
        if (forbidden_domain((unsigned char)out->ptr[k])) {
            rc = RC_INVAL;
        }
    }
    return rc;
}

/* The special-scheme part of the host parser: percent-decode, domain to ASCII, IPv4. */
static int domain_host(struct str in, struct buf *out)
{
    struct buf decoded;
    buf_init(&decoded, in.len + 1);
    int rc = RC_OK;
    struct str dom = in;
    if (str_find_char(in, '%') >= 0) {
        rc = url_percent_decode(in, &decoded);
        dom = buf_str(&decoded);
    }
    /* UTF-8 decode would turn ill-formed bytes into U+FFFD, which ToASCII always rejects; and
     * ASCII forbidden domain code points survive the UTS #46 mapping, so check them first
     * (this also keeps NUL away from libidn2). */
    if (rc == RC_OK && !utf8_is_valid(dom.ptr, dom.len)) {
        rc = RC_INVAL;
    }
    for (size_t i = 0; i < dom.len && rc == RC_OK; i++) {
        if (forbidden_domain((unsigned char)dom.ptr[i])) {
            rc = RC_INVAL;
        }
    }
    size_t start = out->len;
    rc = rc ? rc : domain_to_ascii(dom, out);
    if (rc == RC_OK && ends_in_number(str_make(out->ptr + start, out->len - start))) {
        struct buf v4;
        buf_init(&v4, 64);
        rc = ipv4_parse(str_make(out->ptr + start, out->len - start), &v4);
        out->len = start;
        out->ptr[start] = '\0';
        rc = rc ? rc : buf_try_append_str(out, buf_str(&v4));
        buf_fini(&v4);
    }
    buf_fini(&decoded);
    return rc;
}

/* The host parser: input is the host's text, special is !isOpaque. Appends to out. */
static int host_parse(struct str in, bool special, struct buf *out)
{
    if (in.len > 0 && in.ptr[0] == '[') {
        uint16_t a[8];
        if (in.ptr[in.len - 1] != ']') {
            return RC_INVAL;
        }
        char t[48];
        int rc = ipv6_parse(str_make(in.ptr + 1, in.len - 2), a);
        return rc ? rc : buf_try_append(out, t, ipv6_text(a, t));
    }
    if (special) {
        return domain_host(in, out);
    }
    for (size_t i = 0; i < in.len; i++) {
        if (forbidden_host((unsigned char)in.ptr[i])) {
            return RC_INVAL;
        }
    }
    return url_percent_encode(in, URL_SET_C0_CONTROL, out);
}

int url_host_parse(struct str input, bool special, struct buf *out)
{
    if (special && input.len == 0) {
        return RC_INVAL;
    }
    size_t start = out->len;
    int rc = host_parse(input, special, out);
    if (rc != RC_OK && out->len > start) {
        out->len = start;
        out->ptr[start] = '\0';
    }
    return rc;
}
