/* SPDX-License-Identifier: MIT */
/*
 * The WHATWG URL Standard's basic URL parser, host parser, serialiser, API getters and setters,
 * and the application/x-www-form-urlencoded parser and serialiser. The parser is the standard's
 * state machine, state for state, walking UTF-8 bytes: only ASCII bytes steer it, and every
 * percent-encode set contains all non-ASCII bytes, so byte-wise encoding equals the standard's
 * code-point-wise encoding. Chapters: record, percent-encoding, hosts, parser, API, params.
 * Thread contract: any thread.
 */
#include "base/url.h"

#include <stdint.h>
#include <string.h>

#include <idn2.h>

#include "base/mem.h"
#include "base/rc.h"
#include "base/utf8.h"

/* ================================================================ the URL record */

struct url {
    struct buf scheme;   /* ASCII lower case, without ':' */
    struct buf username; /* percent-encoded */
    struct buf password;
    struct buf host;     /* serialised host (IPv6 in brackets); meaningful when has_host */
    struct buf path;     /* opaque path, or "/seg1/seg2" (each segment prefixed by '/') */
    struct buf query;    /* without '?'; meaningful when has_query */
    struct buf fragment; /* without '#'; meaningful when has_fragment */
    struct buf href;     /* the serialisation, rebuilt after each change */
    int port;            /* -1: null */
    bool has_host;
    bool opaque_path;
    bool has_query;
    bool has_fragment;
    size_t max_input_bytes;
};

/* Each component is at most 3 bytes per input byte (percent-encoding) plus a base's part. */
static size_t part_max(size_t max_input)
{
    return max_input * 6 + 64;
}

static void url_init_bufs(struct url *u, size_t max_input)
{
    size_t m = part_max(max_input);
    buf_init(&u->scheme, m);
    buf_init(&u->username, m);
    buf_init(&u->password, m);
    buf_init(&u->host, m);
    buf_init(&u->path, m);
    buf_init(&u->query, m);
    buf_init(&u->fragment, m);
    buf_init(&u->href, m * 8);
    u->port = -1;
    u->has_host = false;
    u->opaque_path = false;
    u->has_query = false;
    u->has_fragment = false;
    u->max_input_bytes = max_input;
}

static void url_fini_bufs(struct url *u)
{
    buf_fini(&u->scheme);
    buf_fini(&u->username);
    buf_fini(&u->password);
    buf_fini(&u->host);
    buf_fini(&u->path);
    buf_fini(&u->query);
    buf_fini(&u->fragment);
    buf_fini(&u->href);
}

void url_free(struct url *u)
{
    if (u == NULL) {
        return;
    }
    url_fini_bufs(u);
    mem_free(u);
}

/* Replace dst's contents with src's (same limits); sticky error in *rc. */
static void buf_copy(struct buf *dst, const struct buf *src, int *rc)
{
    buf_reset(dst);
    if (buf_try_append_str(dst, buf_str(src)) != RC_OK) {
        *rc = RC_LIMIT;
    }
}

struct url *url_dup(const struct url *u)
{
    struct url *c = mem_calloc(1, sizeof(*c));
    int rc = RC_OK;
    url_init_bufs(c, u->max_input_bytes);
    buf_copy(&c->scheme, &u->scheme, &rc);
    buf_copy(&c->username, &u->username, &rc);
    buf_copy(&c->password, &u->password, &rc);
    buf_copy(&c->host, &u->host, &rc);
    buf_copy(&c->path, &u->path, &rc);
    buf_copy(&c->query, &u->query, &rc);
    buf_copy(&c->fragment, &u->fragment, &rc);
    buf_copy(&c->href, &u->href, &rc);
    /* Same limits as u, so copies always fit. */
    ASSERT(rc == RC_OK);
    c->port = u->port;
    c->has_host = u->has_host;
    c->opaque_path = u->opaque_path;
    c->has_query = u->has_query;
    c->has_fragment = u->has_fragment;
    return c;
}

struct special_scheme {
    const char *name;
    int port;
};

static const struct special_scheme special_schemes[] = {
    { .name = "ftp", .port = 21 },    { .name = "file", .port = -1 },
    { .name = "http", .port = 80 },   { .name = "https", .port = 443 },
    { .name = "ws", .port = 80 },     { .name = "wss", .port = 443 },
};

/* The special scheme named s, or NULL. */
static const struct special_scheme *find_special(struct str s)
{
    for (size_t i = 0; i < ARRAY_LEN(special_schemes); i++) {
        if (str_eq_cstr(s, special_schemes[i].name)) {
            return &special_schemes[i];
        }
    }
    return NULL;
}

bool url_is_special(const struct url *u)
{
    return find_special(buf_str(&u->scheme)) != NULL;
}

static int default_port(struct str scheme)
{
    const struct special_scheme *s = find_special(scheme);
    return s ? s->port : -1;
}

static bool is_file(const struct url *u)
{
    return str_eq_cstr(buf_str(&u->scheme), "file");
}

static bool has_credentials(const struct url *u)
{
    return u->username.len > 0 || u->password.len > 0;
}

static bool cannot_have_credentials_or_port(const struct url *u)
{
    return !u->has_host || u->host.len == 0 || is_file(u);
}

/* Number of segments of a non-opaque path. */
static size_t path_segments(const struct url *u)
{
    size_t n = 0;
    for (size_t i = 0; i < u->path.len; i++) {
        n += u->path.ptr[i] == '/';
    }
    return n;
}

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_val(int c)
{
    if (is_digit(c)) {
        return c - '0';
    }
    return (c | 0x20) - 'a' + 10;
}

/* A Windows drive letter: an ASCII alpha followed by ':' or '|' (normalized: only ':'). */
static bool is_drive(struct str s, bool normalized)
{
    return s.len == 2 && is_alpha(s.ptr[0]) && (s.ptr[1] == ':' || (!normalized && s.ptr[1] == '|'));
}

/* s starts with a Windows drive letter followed by the end or one of / \ ? #. */
static bool starts_with_drive(struct str s)
{
    if (s.len < 2 || !is_drive(str_make(s.ptr, 2), false)) {
        return false;
    }
    return s.len == 2 || s.ptr[2] == '/' || s.ptr[2] == '\\' || s.ptr[2] == '?' || s.ptr[2] == '#';
}

/* Shorten the path (the standard's "shorten a url's path"). */
static void shorten_path(struct url *u)
{
    DEBUG_ASSERT(!u->opaque_path);
    if (is_file(u) && path_segments(u) == 1 && is_drive(str_make(u->path.ptr + 1, u->path.len - 1),
                                                        true)) {
        return;
    }
    size_t i = u->path.len;
    while (i > 0 && u->path.ptr[i - 1] != '/') {
        i--;
    }
    if (i > 0) {
        u->path.len = i - 1;
        u->path.ptr[u->path.len] = '\0';
    }
}

/* Append the serialisation of u to out (the URL serializer, without exclude-fragment). */
static int serialize(const struct url *u, bool with_fragment, struct buf *out)
{
    int rc = buf_try_append_str(out, buf_str(&u->scheme));
    rc = rc ? rc : buf_try_append_char(out, ':');
    if (u->has_host) {
        rc = rc ? rc : buf_try_append_cstr(out, "//");
        if (has_credentials(u)) {
            rc = rc ? rc : buf_try_append_str(out, buf_str(&u->username));
            if (u->password.len > 0) {
                rc = rc ? rc : buf_try_append_char(out, ':');
                rc = rc ? rc : buf_try_append_str(out, buf_str(&u->password));
            }
            rc = rc ? rc : buf_try_append_char(out, '@');
        }
        rc = rc ? rc : buf_try_append_str(out, buf_str(&u->host));
        if (u->port >= 0) {
            rc = rc ? rc : buf_try_printf(out, ":%d", u->port);
        }
    } else if (!u->opaque_path && path_segments(u) > 1 && u->path.ptr[1] == '/') {
        rc = rc ? rc : buf_try_append_cstr(out, "/.");
    }
    rc = rc ? rc : buf_try_append_str(out, buf_str(&u->path));
    if (u->has_query) {
        rc = rc ? rc : buf_try_append_char(out, '?');
        rc = rc ? rc : buf_try_append_str(out, buf_str(&u->query));
    }
    if (with_fragment && u->has_fragment) {
        rc = rc ? rc : buf_try_append_char(out, '#');
        rc = rc ? rc : buf_try_append_str(out, buf_str(&u->fragment));
    }
    return rc;
}

static int refresh_href(struct url *u)
{
    buf_reset(&u->href);
    return serialize(u, true, &u->href);
}

struct str url_href(const struct url *u)
{
    return buf_str(&u->href);
}

/* ================================================================ percent-encoding */

/* One bit per ASCII byte for each set beyond C0 control (which is c < 0x20 || c > 0x7e). */
static bool in_set(unsigned char c, enum url_encode_set set)
{
    if (c < 0x20 || c > 0x7e) {
        return true;
    }
    switch (set) {
    case URL_SET_C0_CONTROL:
        return false;
    case URL_SET_FRAGMENT:
        return strchr(" \"<>`", c) != NULL;
    case URL_SET_QUERY:
        return strchr(" \"#<>", c) != NULL;
    case URL_SET_SPECIAL_QUERY:
        return strchr(" \"#<>'", c) != NULL;
    case URL_SET_PATH:
        return strchr(" \"#<>?`{}", c) != NULL;
    case URL_SET_USERINFO:
        return strchr(" \"#<>?`{}/:;=@[\\]^|", c) != NULL;
    case URL_SET_COMPONENT:
        return strchr(" \"#<>?`{}/:;=@[\\]^|$%&+,", c) != NULL;
    case URL_SET_FORM:
        return strchr(" \"#<>?`{}/:;=@[\\]^|$%&+,!'()~", c) != NULL;
    }
    return true;
}

static const char hex_upper[] = "0123456789ABCDEF";

int url_percent_encode(struct str s, enum url_encode_set set, struct buf *out)
{
    int rc = RC_OK;
    for (size_t i = 0; i < s.len && rc == RC_OK; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (set == URL_SET_FORM && c == ' ') {
            rc = buf_try_append_char(out, '+');
        } else if (in_set(c, set)) {
            char e[3] = { '%', hex_upper[c >> 4], hex_upper[c & 15] };
            rc = buf_try_append(out, e, 3);
        } else {
            rc = buf_try_append_char(out, (char)c);
        }
    }
    return rc;
}

int url_percent_decode(struct str s, struct buf *out)
{
    int rc = RC_OK;
    for (size_t i = 0; i < s.len && rc == RC_OK; i++) {
        if (s.ptr[i] == '%' && i + 2 < s.len && is_hex(s.ptr[i + 1]) && is_hex(s.ptr[i + 2])) {
            rc = buf_try_append_char(out, (char)(hex_val(s.ptr[i + 1]) * 16 + hex_val(s.ptr[i + 2])));
            i += 2;
        } else {
            rc = buf_try_append_char(out, s.ptr[i]);
        }
    }
    return rc;
}

/* Append s to out, replacing each ill-formed UTF-8 subpart by U+FFFD (UTF-8 decode). */
static int append_utf8_lossy(struct buf *out, struct str s)
{
    int rc = RC_OK;
    size_t i = 0;
    while (i < s.len && rc == RC_OK) {
        uint32_t cp = 0;
        int n = utf8_decode(s.ptr + i, s.len - i, &cp);
        if (n > 0) {
            rc = buf_try_append(out, s.ptr + i, (size_t)n);
            i += (size_t)n;
        } else {
            rc = buf_try_append(out, "\xEF\xBF\xBD", 3);
            i += utf8_bad_len(s.ptr + i, s.len - i);
        }
    }
    return rc;
}

/* ================================================================ hosts */

static bool forbidden_host(unsigned char c)
{
    return c == 0 || c == '\t' || c == '\n' || c == '\r' || strchr(" #/:<>?@[\\]^|", c) != NULL;
}

static bool forbidden_domain(unsigned char c)
{
    return (c != 0 && forbidden_host(c)) || c <= 0x1f || c == '%' || c == 0x7f;
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
        int c = s.ptr[i];
        unsigned d = 0;
        if (radix == 16 && is_hex(c)) {
            d = (unsigned)hex_val(c);
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
    return buf_try_printf(out, "%u.%u.%u.%u", (unsigned)(ip >> 24) & 255,
                          (unsigned)(ip >> 16) & 255, (unsigned)(ip >> 8) & 255,
                          (unsigned)ip & 255);
}

/* The IPv6 parser: 8 pieces or RC_INVAL. */
static int ipv6_parse(struct str s, uint16_t out[8])
{
    unsigned piece[8] = { 0 };
    int idx = 0;
    int compress = -1;
    size_t p = 0;
#define C6(i) ((i) < s.len ? (unsigned char)s.ptr[i] : -1)
    if (C6(p) == ':') {
        if (C6(p + 1) != ':') {
            return RC_INVAL;
        }
        p += 2;
        compress = ++idx;
    }
    while (C6(p) != -1) {
        if (idx == 8) {
            return RC_INVAL;
        }
        if (C6(p) == ':') {
            if (compress != -1) {
                return RC_INVAL;
            }
            p++;
            compress = ++idx;
            continue;
        }
        unsigned value = 0;
        size_t length = 0;
        while (length < 4 && is_hex(C6(p))) {
            value = value * 16 + (unsigned)hex_val(C6(p));
            p++;
            length++;
        }
        if (C6(p) == '.') {
            if (length == 0 || idx > 6) {
                return RC_INVAL;
            }
            p -= length;
            int seen = 0;
            while (C6(p) != -1) {
                int v4 = -1;
                if (seen > 0) {
                    if (C6(p) == '.' && seen < 4) {
                        p++;
                    } else {
                        return RC_INVAL;
                    }
                }
                if (!is_digit(C6(p))) {
                    return RC_INVAL;
                }
                while (is_digit(C6(p))) {
                    int d = C6(p) - '0';
                    if (v4 == -1) {
                        v4 = d;
                    } else if (v4 == 0) {
                        return RC_INVAL;
                    } else {
                        v4 = v4 * 10 + d;
                    }
                    if (v4 > 255) {
                        return RC_INVAL;
                    }
                    p++;
                }
                piece[idx] = piece[idx] * 0x100 + (unsigned)v4;
                seen++;
                if (seen == 2 || seen == 4) {
                    idx++;
                }
            }
            if (seen != 4) {
                return RC_INVAL;
            }
            break;
        }
        if (C6(p) == ':') {
            p++;
            if (C6(p) == -1) {
                return RC_INVAL;
            }
        } else if (C6(p) != -1) {
            return RC_INVAL;
        }
        piece[idx++] = value;
    }
#undef C6
    if (compress != -1) {
        int swaps = idx - compress;
        idx = 7;
        while (idx != 0 && swaps > 0) {
            unsigned t = piece[idx];
            piece[idx] = piece[compress + swaps - 1];
            piece[compress + swaps - 1] = t;
            idx--;
            swaps--;
        }
    } else if (idx != 8) {
        return RC_INVAL;
    }
    for (int i = 0; i < 8; i++) {
        out[i] = (uint16_t)piece[i];
    }
    return RC_OK;
}

/* The IPv6 serializer, with brackets. */
static int ipv6_serialize(const uint16_t a[8], struct buf *out)
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
    int rc = buf_try_append_char(out, '[');
    bool ignore0 = false;
    for (int i = 0; i < 8 && rc == RC_OK; i++) {
        if (ignore0 && a[i] == 0) {
            continue;
        }
        ignore0 = false;
        if (i == best) {
            rc = buf_try_append_cstr(out, i == 0 ? "::" : ":");
            ignore0 = true;
            continue;
        }
        rc = buf_try_printf(out, "%x", a[i]);
        if (rc == RC_OK && i != 7) {
            rc = buf_try_append_char(out, ':');
        }
    }
    return rc ? rc : buf_try_append_char(out, ']');
}

/* True for the code points UTS #46 maps to '.' (U+002E, U+3002, U+FF0E, U+FF61) at s[i]. */
static size_t dot_len(struct str s, size_t i)
{
    static const char *const dots[] = { "\xE3\x80\x82", "\xEF\xBC\x8E", "\xEF\xBD\xA1" };
    if (s.ptr[i] == '.') {
        return 1;
    }
    for (size_t k = 0; k < ARRAY_LEN(dots); k++) {
        if (i + 3 <= s.len && memcmp(s.ptr + i, dots[k], 3) == 0) {
            return 3;
        }
    }
    return 0;
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
    if (ascii && !xn) {
        int rc = RC_OK;
        for (size_t i = 0; i < label.len && rc == RC_OK; i++) {
            rc = buf_try_append_char(out, str_lower_char(label.ptr[i]));
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

/* The host parser: input is the host's text, special is !isOpaque. Appends to out. */
static int host_parse(struct str in, bool special, struct buf *out)
{
    struct buf decoded;
    buf_init(&decoded, in.len + 1);
    int rc = RC_OK;
    if (in.len > 0 && in.ptr[0] == '[') {
        uint16_t a[8];
        if (in.ptr[in.len - 1] != ']') {
            rc = RC_INVAL;
            goto out;
        }
        rc = ipv6_parse(str_make(in.ptr + 1, in.len - 2), a);
        rc = rc ? rc : ipv6_serialize(a, out);
        goto out;
    }
    if (!special) {
        for (size_t i = 0; i < in.len; i++) {
            if (forbidden_host((unsigned char)in.ptr[i])) {
                rc = RC_INVAL;
                goto out;
            }
        }
        rc = url_percent_encode(in, URL_SET_C0_CONTROL, out);
        goto out;
    }
    rc = url_percent_decode(in, &decoded);
    if (rc != RC_OK) {
        goto out;
    }
    struct str dom = buf_str(&decoded);
    /* UTF-8 decode would turn ill-formed bytes into U+FFFD, which ToASCII always rejects; and
     * ASCII forbidden domain code points survive the UTS #46 mapping, so check them first
     * (this also keeps NUL away from libidn2). */
    if (!utf8_is_valid(dom.ptr, dom.len)) {
        rc = RC_INVAL;
        goto out;
    }
    for (size_t i = 0; i < dom.len; i++) {
        if (forbidden_domain((unsigned char)dom.ptr[i])) {
            rc = RC_INVAL;
            goto out;
        }
    }
    size_t start = out->len;
    rc = domain_to_ascii(dom, out);
    if (rc != RC_OK) {
        goto out;
    }
    struct str ascii = str_make(out->ptr + start, out->len - start);
    if (ends_in_number(ascii)) {
        struct buf v4;
        buf_init(&v4, 64);
        rc = ipv4_parse(ascii, &v4);
        out->len = start;
        out->ptr[start] = '\0';
        rc = rc ? rc : buf_try_append_str(out, buf_str(&v4));
        buf_fini(&v4);
    }
out:
    buf_fini(&decoded);
    return rc;
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

/* ================================================================ the basic URL parser */

enum state {
    ST_NONE,
    ST_SCHEME_START,
    ST_SCHEME,
    ST_NO_SCHEME,
    ST_SPECIAL_RELATIVE_OR_AUTHORITY,
    ST_PATH_OR_AUTHORITY,
    ST_RELATIVE,
    ST_RELATIVE_SLASH,
    ST_SPECIAL_AUTHORITY_SLASHES,
    ST_SPECIAL_AUTHORITY_IGNORE_SLASHES,
    ST_AUTHORITY,
    ST_HOST,
    ST_HOSTNAME,
    ST_PORT,
    ST_FILE,
    ST_FILE_SLASH,
    ST_FILE_HOST,
    ST_PATH_START,
    ST_PATH,
    ST_OPAQUE_PATH,
    ST_QUERY,
    ST_FRAGMENT,
};

/* A state's result besides RC_OK (go on) and RC_INVAL (failure): stop, keeping the URL. */
#define DONE 1

struct parser {
    const char *in;
    ptrdiff_t n;
    ptrdiff_t p;
    struct url *u;
    const struct url *base;
    enum state state;
    enum state override;
    struct buf b;
    int rc; /* sticky RC_LIMIT from appends */
    bool at_seen;
    bool in_brackets;
    bool password_seen;
};

static void put(struct parser *ps, struct buf *b, const void *p, size_t n)
{
    if (ps->rc == RC_OK && buf_try_append(b, p, n) != RC_OK) {
        ps->rc = RC_LIMIT;
    }
}

static void putc_(struct parser *ps, struct buf *b, int c)
{
    char ch = (char)c;
    put(ps, b, &ch, 1);
}

static void put_enc(struct parser *ps, struct buf *b, int c, enum url_encode_set set)
{
    char ch = (char)c;
    if (ps->rc == RC_OK && url_percent_encode(str_make(&ch, 1), set, b) != RC_OK) {
        ps->rc = RC_LIMIT;
    }
}

static void set_empty(struct parser *ps, struct buf *b, bool *has)
{
    buf_reset(b);
    *has = true;
    (void)ps;
}

/* The remaining input after the pointer starts with s. */
static bool remaining_starts(const struct parser *ps, const char *s)
{
    size_t k = strlen(s);
    return ps->p + 1 + (ptrdiff_t)k <= ps->n && memcmp(ps->in + ps->p + 1, s, k) == 0;
}

static bool special(const struct parser *ps)
{
    return url_is_special(ps->u);
}

/* Copy the authority parts (username, password, host, port) of src into u. */
static void copy_authority(struct parser *ps, const struct url *src)
{
    struct url *u = ps->u;
    buf_copy(&u->username, &src->username, &ps->rc);
    buf_copy(&u->password, &src->password, &ps->rc);
    buf_copy(&u->host, &src->host, &ps->rc);
    u->has_host = src->has_host;
    u->port = src->port;
}

static void copy_path_query(struct parser *ps, const struct url *src)
{
    struct url *u = ps->u;
    buf_copy(&u->path, &src->path, &ps->rc);
    u->opaque_path = src->opaque_path;
    buf_copy(&u->query, &src->query, &ps->rc);
    u->has_query = src->has_query;
}

static int st_scheme_start(struct parser *ps, int c)
{
    if (is_alpha(c)) {
        putc_(ps, &ps->b, str_lower_char((char)c));
        ps->state = ST_SCHEME;
        return RC_OK;
    }
    if (ps->override == ST_NONE) {
        ps->state = ST_NO_SCHEME;
        ps->p--;
        return RC_OK;
    }
    return RC_INVAL;
}

static int st_scheme(struct parser *ps, int c)
{
    struct url *u = ps->u;
    if (is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.') {
        putc_(ps, &ps->b, str_lower_char((char)c));
        return RC_OK;
    }
    if (c != ':') {
        if (ps->override != ST_NONE) {
            return RC_INVAL;
        }
        buf_reset(&ps->b);
        ps->state = ST_NO_SCHEME;
        ps->p = -1;
        return RC_OK;
    }
    struct str nb = buf_str(&ps->b);
    if (ps->override != ST_NONE) {
        bool was_special = url_is_special(u);
        if (was_special != (find_special(nb) != NULL)) {
            return DONE;
        }
        if ((has_credentials(u) || u->port >= 0) && str_eq_cstr(nb, "file")) {
            return DONE;
        }
        if (is_file(u) && u->has_host && u->host.len == 0) {
            return DONE;
        }
    }
    buf_copy(&u->scheme, &ps->b, &ps->rc);
    if (ps->override != ST_NONE) {
        if (u->port == default_port(buf_str(&u->scheme))) {
            u->port = -1;
        }
        return DONE;
    }
    buf_reset(&ps->b);
    if (is_file(u)) {
        ps->state = ST_FILE;
    } else if (url_is_special(u) && ps->base != NULL &&
               str_eq(buf_str(&ps->base->scheme), buf_str(&u->scheme))) {
        ps->state = ST_SPECIAL_RELATIVE_OR_AUTHORITY;
    } else if (url_is_special(u)) {
        ps->state = ST_SPECIAL_AUTHORITY_SLASHES;
    } else if (remaining_starts(ps, "/")) {
        ps->state = ST_PATH_OR_AUTHORITY;
        ps->p++;
    } else {
        buf_reset(&u->path);
        u->opaque_path = true;
        ps->state = ST_OPAQUE_PATH;
    }
    return RC_OK;
}

static int st_no_scheme(struct parser *ps, int c)
{
    const struct url *base = ps->base;
    struct url *u = ps->u;
    if (base == NULL || (base->opaque_path && c != '#')) {
        return RC_INVAL;
    }
    if (base->opaque_path && c == '#') {
        buf_copy(&u->scheme, &base->scheme, &ps->rc);
        copy_path_query(ps, base);
        set_empty(ps, &u->fragment, &u->has_fragment);
        ps->state = ST_FRAGMENT;
    } else if (!is_file(base)) {
        ps->state = ST_RELATIVE;
        ps->p--;
    } else {
        ps->state = ST_FILE;
        ps->p--;
    }
    return RC_OK;
}

static int st_relative(struct parser *ps, int c)
{
    struct url *u = ps->u;
    buf_copy(&u->scheme, &ps->base->scheme, &ps->rc);
    if (c == '/' || (special(ps) && c == '\\')) {
        ps->state = ST_RELATIVE_SLASH;
        return RC_OK;
    }
    copy_authority(ps, ps->base);
    copy_path_query(ps, ps->base);
    if (c == '?') {
        set_empty(ps, &u->query, &u->has_query);
        ps->state = ST_QUERY;
    } else if (c == '#') {
        set_empty(ps, &u->fragment, &u->has_fragment);
        ps->state = ST_FRAGMENT;
    } else if (c != -1) {
        u->has_query = false;
        buf_reset(&u->query);
        shorten_path(u);
        ps->state = ST_PATH;
        ps->p--;
    }
    return RC_OK;
}

static int st_relative_slash(struct parser *ps, int c)
{
    if (special(ps) && (c == '/' || c == '\\')) {
        ps->state = ST_SPECIAL_AUTHORITY_IGNORE_SLASHES;
    } else if (c == '/') {
        ps->state = ST_AUTHORITY;
    } else {
        copy_authority(ps, ps->base);
        ps->state = ST_PATH;
        ps->p--;
    }
    return RC_OK;
}

static int st_slashes(struct parser *ps, int c)
{
    switch (ps->state) {
    case ST_SPECIAL_RELATIVE_OR_AUTHORITY:
        if (c == '/' && remaining_starts(ps, "/")) {
            ps->state = ST_SPECIAL_AUTHORITY_IGNORE_SLASHES;
            ps->p++;
        } else {
            ps->state = ST_RELATIVE;
            ps->p--;
        }
        break;
    case ST_PATH_OR_AUTHORITY:
        if (c == '/') {
            ps->state = ST_AUTHORITY;
        } else {
            ps->state = ST_PATH;
            ps->p--;
        }
        break;
    case ST_SPECIAL_AUTHORITY_SLASHES:
        ps->state = ST_SPECIAL_AUTHORITY_IGNORE_SLASHES;
        if (c == '/' && remaining_starts(ps, "/")) {
            ps->p++;
        } else {
            ps->p--;
        }
        break;
    default: /* ST_SPECIAL_AUTHORITY_IGNORE_SLASHES */
        if (c != '/' && c != '\\') {
            ps->state = ST_AUTHORITY;
            ps->p--;
        }
        break;
    }
    return RC_OK;
}

static int st_authority(struct parser *ps, int c)
{
    struct url *u = ps->u;
    if (c == '@') {
        if (ps->at_seen) {
            struct buf t;
            buf_init(&t, ps->b.max + 3);
            int rc = buf_try_append_cstr(&t, "%40");
            rc = rc ? rc : buf_try_append_str(&t, buf_str(&ps->b));
            buf_copy(&ps->b, &t, &ps->rc);
            buf_fini(&t);
            if (rc != RC_OK) {
                ps->rc = RC_LIMIT;
            }
        }
        ps->at_seen = true;
        for (size_t i = 0; i < ps->b.len; i++) {
            int cp = (unsigned char)ps->b.ptr[i];
            if (cp == ':' && !ps->password_seen) {
                ps->password_seen = true;
                continue;
            }
            put_enc(ps, ps->password_seen ? &u->password : &u->username, cp, URL_SET_USERINFO);
        }
        buf_reset(&ps->b);
    } else if (c == -1 || c == '/' || c == '?' || c == '#' || (special(ps) && c == '\\')) {
        if (ps->at_seen && ps->b.len == 0) {
            return RC_INVAL;
        }
        ps->p -= (ptrdiff_t)ps->b.len + 1;
        buf_reset(&ps->b);
        ps->state = ST_HOST;
    } else {
        putc_(ps, &ps->b, c);
    }
    return RC_OK;
}

/* Parse the buffer as u's host. */
static int take_host(struct parser *ps)
{
    struct url *u = ps->u;
    struct buf h;
    buf_init(&h, u->host.max);
    int rc = host_parse(buf_str(&ps->b), special(ps), &h);
    if (rc == RC_OK) {
        buf_copy(&u->host, &h, &ps->rc);
        u->has_host = true;
        buf_reset(&ps->b);
    }
    buf_fini(&h);
    return rc == RC_LIMIT ? (ps->rc = RC_LIMIT) : rc;
}

static int st_host(struct parser *ps, int c)
{
    struct url *u = ps->u;
    if (ps->override != ST_NONE && is_file(u)) {
        ps->p--;
        ps->state = ST_FILE_HOST;
        return RC_OK;
    }
    if (c == ':' && !ps->in_brackets) {
        if (ps->b.len == 0 || ps->override == ST_HOSTNAME) {
            return RC_INVAL;
        }
        int rc = take_host(ps);
        if (rc != RC_OK) {
            return rc;
        }
        ps->state = ST_PORT;
        return RC_OK;
    }
    if (c == -1 || c == '/' || c == '?' || c == '#' || (special(ps) && c == '\\')) {
        ps->p--;
        if (special(ps) && ps->b.len == 0) {
            return RC_INVAL;
        }
        if (ps->override != ST_NONE && ps->b.len == 0 && (has_credentials(u) || u->port >= 0)) {
            return RC_INVAL;
        }
        if (ps->b.len == 0) {
            buf_reset(&u->host);
            u->has_host = true;
        } else {
            int rc = take_host(ps);
            if (rc != RC_OK) {
                return rc;
            }
        }
        ps->state = ST_PATH_START;
        return ps->override != ST_NONE ? DONE : RC_OK;
    }
    if (c == '[') {
        ps->in_brackets = true;
    } else if (c == ']') {
        ps->in_brackets = false;
    }
    putc_(ps, &ps->b, c);
    return RC_OK;
}

static int st_port(struct parser *ps, int c)
{
    struct url *u = ps->u;
    if (is_digit(c)) {
        putc_(ps, &ps->b, c);
        return RC_OK;
    }
    if (c == -1 || c == '/' || c == '?' || c == '#' || (special(ps) && c == '\\') ||
        ps->override != ST_NONE) {
        if (ps->b.len > 0) {
            long port = 0;
            for (size_t i = 0; i < ps->b.len; i++) {
                port = port * 10 + (ps->b.ptr[i] - '0');
                if (port > 65535) {
                    return RC_INVAL;
                }
            }
            u->port = port == default_port(buf_str(&u->scheme)) ? -1 : (int)port;
            buf_reset(&ps->b);
        }
        if (ps->override != ST_NONE) {
            return DONE;
        }
        ps->state = ST_PATH_START;
        ps->p--;
        return RC_OK;
    }
    return RC_INVAL;
}

static struct str rest(const struct parser *ps)
{
    return str_make(ps->in + ps->p, (size_t)(ps->n - ps->p));
}

static int st_file(struct parser *ps, int c)
{
    struct url *u = ps->u;
    const struct url *base = ps->base;
    buf_reset(&u->scheme);
    put(ps, &u->scheme, "file", 4);
    buf_reset(&u->host);
    u->has_host = true;
    if (c == '/' || c == '\\') {
        ps->state = ST_FILE_SLASH;
        return RC_OK;
    }
    if (base == NULL || !is_file(base)) {
        ps->state = ST_PATH;
        ps->p--;
        return RC_OK;
    }
    buf_copy(&u->host, &base->host, &ps->rc);
    u->has_host = base->has_host;
    copy_path_query(ps, base);
    if (c == '?') {
        set_empty(ps, &u->query, &u->has_query);
        ps->state = ST_QUERY;
    } else if (c == '#') {
        set_empty(ps, &u->fragment, &u->has_fragment);
        ps->state = ST_FRAGMENT;
    } else if (c != -1) {
        u->has_query = false;
        buf_reset(&u->query);
        if (!starts_with_drive(rest(ps))) {
            shorten_path(u);
        } else {
            buf_reset(&u->path);
        }
        ps->state = ST_PATH;
        ps->p--;
    }
    return RC_OK;
}

static int st_file_slash(struct parser *ps, int c)
{
    struct url *u = ps->u;
    const struct url *base = ps->base;
    if (c == '/' || c == '\\') {
        ps->state = ST_FILE_HOST;
        return RC_OK;
    }
    if (base != NULL && is_file(base)) {
        buf_copy(&u->host, &base->host, &ps->rc);
        u->has_host = base->has_host;
        if (!starts_with_drive(rest(ps)) && path_segments(base) >= 1) {
            struct str first = str_make(base->path.ptr + 1, base->path.len - 1);
            ptrdiff_t slash = str_find_char(first, '/');
            if (slash >= 0) {
                first.len = (size_t)slash;
            }
            if (is_drive(first, true)) {
                putc_(ps, &u->path, '/');
                put(ps, &u->path, first.ptr, first.len);
            }
        }
    }
    ps->state = ST_PATH;
    ps->p--;
    return RC_OK;
}

static int st_file_host(struct parser *ps, int c)
{
    struct url *u = ps->u;
    if (!(c == -1 || c == '/' || c == '\\' || c == '?' || c == '#')) {
        putc_(ps, &ps->b, c);
        return RC_OK;
    }
    ps->p--;
    if (ps->override == ST_NONE && is_drive(buf_str(&ps->b), false)) {
        ps->state = ST_PATH;
        return RC_OK;
    }
    if (ps->b.len == 0) {
        buf_reset(&u->host);
        u->has_host = true;
    } else {
        int rc = take_host(ps);
        if (rc != RC_OK) {
            return rc;
        }
        if (str_eq_cstr(buf_str(&u->host), "localhost")) {
            buf_reset(&u->host);
        }
    }
    if (ps->override != ST_NONE) {
        return DONE;
    }
    ps->state = ST_PATH_START;
    return RC_OK;
}

static int st_path_start(struct parser *ps, int c)
{
    struct url *u = ps->u;
    if (special(ps)) {
        ps->state = ST_PATH;
        if (c != '/' && c != '\\') {
            ps->p--;
        }
    } else if (ps->override == ST_NONE && c == '?') {
        set_empty(ps, &u->query, &u->has_query);
        ps->state = ST_QUERY;
    } else if (ps->override == ST_NONE && c == '#') {
        set_empty(ps, &u->fragment, &u->has_fragment);
        ps->state = ST_FRAGMENT;
    } else if (c != -1) {
        ps->state = ST_PATH;
        if (c != '/') {
            ps->p--;
        }
    } else if (ps->override != ST_NONE && !u->has_host) {
        putc_(ps, &u->path, '/');
    }
    return RC_OK;
}

static bool is_dot(struct str s)
{
    return str_eq_cstr(s, ".") || str_eq_nocase(s, STR("%2e"));
}

static bool is_dotdot(struct str s)
{
    return str_eq_cstr(s, "..") || str_eq_nocase(s, STR(".%2e")) ||
           str_eq_nocase(s, STR("%2e.")) || str_eq_nocase(s, STR("%2e%2e"));
}

static int st_path(struct parser *ps, int c)
{
    struct url *u = ps->u;
    bool slash = c == '/' || (special(ps) && c == '\\');
    if (!(c == -1 || slash || (ps->override == ST_NONE && (c == '?' || c == '#')))) {
        put_enc(ps, &ps->b, c, URL_SET_PATH);
        return RC_OK;
    }
    struct str seg = buf_str(&ps->b);
    if (is_dotdot(seg)) {
        shorten_path(u);
        if (!slash) {
            putc_(ps, &u->path, '/');
        }
    } else if (is_dot(seg) && !slash) {
        putc_(ps, &u->path, '/');
    } else if (!is_dot(seg)) {
        if (is_file(u) && u->path.len == 0 && is_drive(seg, false)) {
            ps->b.ptr[1] = ':';
        }
        putc_(ps, &u->path, '/');
        put(ps, &u->path, ps->b.ptr, ps->b.len);
    }
    buf_reset(&ps->b);
    if (c == '?') {
        set_empty(ps, &u->query, &u->has_query);
        ps->state = ST_QUERY;
    } else if (c == '#') {
        set_empty(ps, &u->fragment, &u->has_fragment);
        ps->state = ST_FRAGMENT;
    }
    return RC_OK;
}

static int st_opaque_path(struct parser *ps, int c)
{
    struct url *u = ps->u;
    if (c == '?') {
        set_empty(ps, &u->query, &u->has_query);
        ps->state = ST_QUERY;
    } else if (c == '#') {
        set_empty(ps, &u->fragment, &u->has_fragment);
        ps->state = ST_FRAGMENT;
    } else if (c != -1) {
        put_enc(ps, &u->path, c, URL_SET_C0_CONTROL);
    }
    return RC_OK;
}

static int st_query(struct parser *ps, int c)
{
    struct url *u = ps->u;
    if ((ps->override == ST_NONE && c == '#') || c == -1) {
        if (c == '#') {
            set_empty(ps, &u->fragment, &u->has_fragment);
            ps->state = ST_FRAGMENT;
        }
    } else {
        put_enc(ps, &u->query, c, special(ps) ? URL_SET_SPECIAL_QUERY : URL_SET_QUERY);
    }
    return RC_OK;
}

static int st_fragment(struct parser *ps, int c)
{
    if (c != -1) {
        put_enc(ps, &ps->u->fragment, c, URL_SET_FRAGMENT);
    }
    return RC_OK;
}

static int step(struct parser *ps, int c)
{
    switch (ps->state) {
    case ST_SCHEME_START:
        return st_scheme_start(ps, c);
    case ST_SCHEME:
        return st_scheme(ps, c);
    case ST_NO_SCHEME:
        return st_no_scheme(ps, c);
    case ST_SPECIAL_RELATIVE_OR_AUTHORITY:
    case ST_PATH_OR_AUTHORITY:
    case ST_SPECIAL_AUTHORITY_SLASHES:
    case ST_SPECIAL_AUTHORITY_IGNORE_SLASHES:
        return st_slashes(ps, c);
    case ST_RELATIVE:
        return st_relative(ps, c);
    case ST_RELATIVE_SLASH:
        return st_relative_slash(ps, c);
    case ST_AUTHORITY:
        return st_authority(ps, c);
    case ST_HOST:
    case ST_HOSTNAME:
        return st_host(ps, c);
    case ST_PORT:
        return st_port(ps, c);
    case ST_FILE:
        return st_file(ps, c);
    case ST_FILE_SLASH:
        return st_file_slash(ps, c);
    case ST_FILE_HOST:
        return st_file_host(ps, c);
    case ST_PATH_START:
        return st_path_start(ps, c);
    case ST_PATH:
        return st_path(ps, c);
    case ST_OPAQUE_PATH:
        return st_opaque_path(ps, c);
    case ST_QUERY:
        return st_query(ps, c);
    case ST_FRAGMENT:
        return st_fragment(ps, c);
    case ST_NONE:
        break;
    }
    UNREACHABLE();
}

/*
 * Clean the input as the parser's first steps do: ill-formed UTF-8 becomes U+FFFD, tabs and
 * newlines go, and (without a state override) leading and trailing C0 controls and spaces.
 */
static int clean_input(struct str in, bool trim, struct buf *out)
{
    if (trim) {
        while (in.len > 0 && (unsigned char)in.ptr[0] <= 0x20) {
            in.ptr++;
            in.len--;
        }
        while (in.len > 0 && (unsigned char)in.ptr[in.len - 1] <= 0x20) {
            in.len--;
        }
    }
    int rc = RC_OK;
    size_t i = 0;
    while (i < in.len && rc == RC_OK) {
        size_t j = i;
        while (j < in.len && in.ptr[j] != '\t' && in.ptr[j] != '\n' && in.ptr[j] != '\r') {
            j++;
        }
        rc = append_utf8_lossy(out, str_make(in.ptr + i, j - i));
        i = j + 1;
    }
    return rc;
}

/* Run the state machine over input on u (fresh, or the setter's URL with an override). */
static int run_parser(struct str input, const struct url *base, struct url *u, enum state start,
                      enum state override)
{
    struct parser ps = { .u = u, .base = base, .state = start, .override = override };
    struct buf clean;
    buf_init(&clean, part_max(u->max_input_bytes));
    buf_init(&ps.b, part_max(u->max_input_bytes));
    int rc = clean_input(input, override == ST_NONE, &clean);
    if (rc != RC_OK) {
        goto out;
    }
    ps.in = clean.ptr ? clean.ptr : "";
    ps.n = (ptrdiff_t)clean.len;
    for (;;) {
        int c = ps.p < ps.n ? (unsigned char)ps.in[ps.p] : -1;
        rc = step(&ps, c);
        if (ps.rc != RC_OK) {
            rc = ps.rc;
        }
        if (rc != RC_OK || ps.p >= ps.n) {
            break;
        }
        ps.p++;
    }
    if (rc == DONE) {
        rc = RC_OK;
    }
out:
    buf_fini(&ps.b);
    buf_fini(&clean);
    return rc;
}

int url_parse(struct str input, const struct url *base, size_t max_input_bytes,
              struct url **out_url, struct diag *d)
{
    struct url *u = NULL;
    size_t max = max_input_bytes ? max_input_bytes : URL_DEFAULT_MAX_INPUT_BYTES;
    int rc = RC_OK;
    *out_url = NULL;
    if (input.len > max) {
        rc = diag_set(d, RC_LIMIT, "url is %zu bytes, limit %zu", input.len, max);
        goto out;
    }
    u = mem_calloc(1, sizeof(*u));
    url_init_bufs(u, max);
    rc = run_parser(input, base, u, ST_SCHEME_START, ST_NONE);
    rc = rc ? rc : refresh_href(u);
    if (rc == RC_LIMIT) {
        rc = diag_set(d, RC_LIMIT, "url components over limit (input %zu bytes)", input.len);
    } else if (rc != RC_OK) {
        rc = diag_set(d, RC_INVAL, "invalid url");
    }
    if (rc != RC_OK) {
        goto out;
    }
    *out_url = u;
    u = NULL;
out:
    url_free(u);
    return rc;
}

bool url_can_parse(struct str input, const struct url *base)
{
    struct url *u = NULL;
    int rc = url_parse(input, base, 0, &u, NULL);
    url_free(u);
    return rc == RC_OK;
}

/* ================================================================ the URL API */

static int append_origin(const struct url *u, struct buf *out)
{
    struct str scheme = buf_str(&u->scheme);
    if (str_eq_cstr(scheme, "blob")) {
        struct url *inner = NULL;
        int rc = RC_OK;
        if (url_parse(buf_str(&u->path), NULL, u->max_input_bytes, &inner, NULL) == RC_OK &&
            (str_eq_cstr(buf_str(&inner->scheme), "http") ||
             str_eq_cstr(buf_str(&inner->scheme), "https"))) {
            rc = append_origin(inner, out);
        } else {
            rc = buf_try_append_cstr(out, "null");
        }
        url_free(inner);
        return rc;
    }
    if (!url_is_special(u) || is_file(u)) {
        return buf_try_append_cstr(out, "null");
    }
    int rc = buf_try_append_str(out, scheme);
    rc = rc ? rc : buf_try_append_cstr(out, "://");
    rc = rc ? rc : buf_try_append_str(out, buf_str(&u->host));
    if (u->port >= 0) {
        rc = rc ? rc : buf_try_printf(out, ":%d", u->port);
    }
    return rc;
}

int url_get(const struct url *u, enum url_part part, struct buf *out)
{
    int rc = RC_OK;
    switch (part) {
    case URL_HREF:
        return buf_try_append_str(out, buf_str(&u->href));
    case URL_ORIGIN:
        return append_origin(u, out);
    case URL_PROTOCOL:
        rc = buf_try_append_str(out, buf_str(&u->scheme));
        return rc ? rc : buf_try_append_char(out, ':');
    case URL_USERNAME:
        return buf_try_append_str(out, buf_str(&u->username));
    case URL_PASSWORD:
        return buf_try_append_str(out, buf_str(&u->password));
    case URL_HOST:
    case URL_HOSTNAME:
        if (!u->has_host) {
            return RC_OK;
        }
        rc = buf_try_append_str(out, buf_str(&u->host));
        if (part == URL_HOST && u->port >= 0) {
            rc = rc ? rc : buf_try_printf(out, ":%d", u->port);
        }
        return rc;
    case URL_PORT:
        return u->port >= 0 ? buf_try_printf(out, "%d", u->port) : RC_OK;
    case URL_PATHNAME:
        return buf_try_append_str(out, buf_str(&u->path));
    case URL_SEARCH:
        if (!u->has_query || u->query.len == 0) {
            return RC_OK;
        }
        rc = buf_try_append_char(out, '?');
        return rc ? rc : buf_try_append_str(out, buf_str(&u->query));
    case URL_HASH:
        if (!u->has_fragment || u->fragment.len == 0) {
            return RC_OK;
        }
        rc = buf_try_append_char(out, '#');
        return rc ? rc : buf_try_append_str(out, buf_str(&u->fragment));
    }
    return RC_INVAL;
}

/* The standard's "potentially strip trailing spaces from an opaque path". */
static void strip_opaque_spaces(struct url *u)
{
    if (!u->opaque_path || u->has_fragment || u->has_query) {
        return;
    }
    while (u->path.len > 0 && u->path.ptr[u->path.len - 1] == ' ') {
        u->path.len--;
    }
    if (u->path.ptr != NULL) {
        u->path.ptr[u->path.len] = '\0';
    }
}

/* Run a state-override parse on a copy of u and keep the copy unless the limit was hit. */
static int set_with_state(struct url *u, struct str value, enum state st)
{
    struct url *w = url_dup(u);
    int rc = run_parser(value, NULL, w, st, st);
    if (rc == RC_LIMIT) {
        goto out;
    }
    /* Failure after partial changes keeps them, as the standard's in-place parse does. */
    rc = refresh_href(w);
    if (rc != RC_OK) {
        goto out;
    }
    url_fini_bufs(u);
    *u = *w;
    mem_free(w);
    w = NULL;
out:
    url_free(w);
    return rc;
}

static int set_search_or_hash(struct url *u, struct str value, bool search)
{
    struct buf *b = search ? &u->query : &u->fragment;
    bool *has = search ? &u->has_query : &u->has_fragment;
    if (value.len == 0) {
        buf_reset(b);
        *has = false;
        strip_opaque_spaces(u);
        return refresh_href(u);
    }
    if (value.ptr[0] == (search ? '?' : '#')) {
        value = str_sub(value, 1, value.len);
    }
    struct url *w = url_dup(u);
    buf_reset(search ? &w->query : &w->fragment);
    *(search ? &w->has_query : &w->has_fragment) = true;
    enum state st = search ? ST_QUERY : ST_FRAGMENT;
    int rc = run_parser(value, NULL, w, st, st);
    rc = rc ? rc : refresh_href(w);
    if (rc == RC_OK) {
        url_fini_bufs(u);
        *u = *w;
        mem_free(w);
        w = NULL;
    }
    url_free(w);
    return rc;
}

static int set_userinfo(struct url *u, struct str value, bool user)
{
    if (cannot_have_credentials_or_port(u)) {
        return RC_OK;
    }
    struct buf *b = user ? &u->username : &u->password;
    struct buf t;
    buf_init(&t, b->max);
    int rc = url_percent_encode(value, URL_SET_USERINFO, &t);
    if (rc == RC_OK) {
        buf_reset(b);
        rc = buf_try_append_str(b, buf_str(&t));
    }
    buf_fini(&t);
    return rc ? rc : refresh_href(u);
}

int url_set(struct url *u, enum url_part part, struct str value)
{
    if (value.len > u->max_input_bytes) {
        return RC_LIMIT;
    }
    switch (part) {
    case URL_HREF: {
        struct url *n = NULL;
        int rc = url_parse(value, NULL, u->max_input_bytes, &n, NULL);
        if (rc == RC_OK) {
            url_fini_bufs(u);
            *u = *n;
            mem_free(n);
        }
        return rc;
    }
    case URL_ORIGIN:
        return RC_INVAL;
    case URL_PROTOCOL: {
        struct buf t;
        buf_init(&t, value.len + 1);
        int rc = buf_try_append_str(&t, value);
        rc = rc ? rc : buf_try_append_char(&t, ':');
        rc = rc ? rc : set_with_state(u, buf_str(&t), ST_SCHEME_START);
        buf_fini(&t);
        return rc == RC_LIMIT ? rc : RC_OK;
    }
    case URL_USERNAME:
    case URL_PASSWORD:
        return set_userinfo(u, value, part == URL_USERNAME);
    case URL_HOST:
    case URL_HOSTNAME:
        if (u->opaque_path) {
            return RC_OK;
        }
        return set_with_state(u, value, part == URL_HOST ? ST_HOST : ST_HOSTNAME) == RC_LIMIT
                   ? RC_LIMIT
                   : RC_OK;
    case URL_PORT:
        if (cannot_have_credentials_or_port(u)) {
            return RC_OK;
        }
        if (value.len == 0) {
            u->port = -1;
            return refresh_href(u);
        }
        return set_with_state(u, value, ST_PORT) == RC_LIMIT ? RC_LIMIT : RC_OK;
    case URL_PATHNAME: {
        if (u->opaque_path) {
            return RC_OK;
        }
        buf_reset(&u->path);
        int rc = set_with_state(u, value, ST_PATH_START);
        return rc == RC_LIMIT ? rc : refresh_href(u);
    }
    case URL_SEARCH:
        return set_search_or_hash(u, value, true);
    case URL_HASH:
        return set_search_or_hash(u, value, false);
    }
    return RC_INVAL;
}

/* ================================================================ URLSearchParams */

struct param {
    char *name;
    size_t name_len;
    char *value;
    size_t value_len;
};

struct url_params {
    struct param *items;
    size_t count;
    size_t cap;
    size_t bytes;
    size_t max_bytes;
};

struct url_params *url_params_new(size_t max_bytes)
{
    struct url_params *p = mem_calloc(1, sizeof(*p));
    p->max_bytes = max_bytes ? max_bytes : URL_DEFAULT_MAX_INPUT_BYTES * 16;
    return p;
}

static void clear_params(struct url_params *p)
{
    for (size_t i = 0; i < p->count; i++) {
        mem_free(p->items[i].name);
        mem_free(p->items[i].value);
    }
    p->count = 0;
    p->bytes = 0;
}

void url_params_free(struct url_params *p)
{
    if (p == NULL) {
        return;
    }
    clear_params(p);
    mem_free(p->items);
    mem_free(p);
}

size_t url_params_count(const struct url_params *p)
{
    return p->count;
}

void url_params_at(const struct url_params *p, size_t i, struct str *out_name,
                   struct str *out_value)
{
    ASSERT(i < p->count);
    *out_name = str_make(p->items[i].name, p->items[i].name_len);
    *out_value = str_make(p->items[i].value, p->items[i].value_len);
}

int url_params_append(struct url_params *p, struct str name, struct str value)
{
    if (name.len + value.len > p->max_bytes - p->bytes) {
        return RC_LIMIT;
    }
    if (p->count == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->items = mem_realloc(p->items, p->cap * sizeof(*p->items));
    }
    p->items[p->count++] = (struct param){ .name = mem_strndup(name),
                                           .name_len = name.len,
                                           .value = mem_strndup(value),
                                           .value_len = value.len };
    p->bytes += name.len + value.len;
    return RC_OK;
}

/* Form-decode s ('+' is space, percent-decode, UTF-8 decode) into out. */
static int form_decode(struct str s, struct buf *tmp, struct buf *out)
{
    buf_reset(tmp);
    buf_reset(out);
    int rc = RC_OK;
    for (size_t i = 0; i < s.len && rc == RC_OK; i++) {
        rc = buf_try_append_char(tmp, s.ptr[i] == '+' ? ' ' : s.ptr[i]);
    }
    struct buf dec;
    buf_init(&dec, tmp->max);
    rc = rc ? rc : url_percent_decode(buf_str(tmp), &dec);
    rc = rc ? rc : append_utf8_lossy(out, buf_str(&dec));
    buf_fini(&dec);
    return rc;
}

int url_params_parse(struct url_params *p, struct str input)
{
    struct buf tmp;
    struct buf name;
    struct buf value;
    size_t m = p->max_bytes * 2 + 16;
    buf_init(&tmp, m);
    buf_init(&name, m);
    buf_init(&value, m);
    clear_params(p);
    int rc = RC_OK;
    struct str rest = input;
    bool more = input.len > 0;
    while (more && rc == RC_OK) {
        struct str seq;
        more = str_split_char(rest, '&', &seq, &rest);
        if (seq.len == 0) {
            continue;
        }
        struct str n;
        struct str v;
        str_split_char(seq, '=', &n, &v);
        rc = form_decode(n, &tmp, &name);
        rc = rc ? rc : form_decode(v, &tmp, &value);
        rc = rc ? rc : url_params_append(p, buf_str(&name), buf_str(&value));
    }
    if (rc != RC_OK) {
        clear_params(p);
    }
    buf_fini(&value);
    buf_fini(&name);
    buf_fini(&tmp);
    return rc;
}

static bool pair_matches(const struct param *it, struct str name, const struct str *value)
{
    return str_eq(str_make(it->name, it->name_len), name) &&
           (value == NULL || str_eq(str_make(it->value, it->value_len), *value));
}

void url_params_delete(struct url_params *p, struct str name, const struct str *value)
{
    size_t w = 0;
    for (size_t i = 0; i < p->count; i++) {
        if (pair_matches(&p->items[i], name, value)) {
            p->bytes -= p->items[i].name_len + p->items[i].value_len;
            mem_free(p->items[i].name);
            mem_free(p->items[i].value);
        } else {
            p->items[w++] = p->items[i];
        }
    }
    p->count = w;
}

bool url_params_get(const struct url_params *p, struct str name, struct str *out_value)
{
    for (size_t i = 0; i < p->count; i++) {
        if (pair_matches(&p->items[i], name, NULL)) {
            *out_value = str_make(p->items[i].value, p->items[i].value_len);
            return true;
        }
    }
    *out_value = STR_NULL;
    return false;
}

bool url_params_has(const struct url_params *p, struct str name, const struct str *value)
{
    for (size_t i = 0; i < p->count; i++) {
        if (pair_matches(&p->items[i], name, value)) {
            return true;
        }
    }
    return false;
}

int url_params_set(struct url_params *p, struct str name, struct str value)
{
    size_t i = 0;
    while (i < p->count && !pair_matches(&p->items[i], name, NULL)) {
        i++;
    }
    if (i == p->count) {
        return url_params_append(p, name, value);
    }
    struct param *it = &p->items[i];
    if (value.len > it->value_len && value.len - it->value_len > p->max_bytes - p->bytes) {
        return RC_LIMIT;
    }
    p->bytes = p->bytes - it->value_len + value.len;
    mem_free(it->value);
    it->value = mem_strndup(value);
    it->value_len = value.len;
    /* Remove the later pairs with this name, keeping the first. */
    size_t w = i + 1;
    for (size_t k = i + 1; k < p->count; k++) {
        if (pair_matches(&p->items[k], name, NULL)) {
            p->bytes -= p->items[k].name_len + p->items[k].value_len;
            mem_free(p->items[k].name);
            mem_free(p->items[k].value);
        } else {
            p->items[w++] = p->items[k];
        }
    }
    p->count = w;
    return RC_OK;
}

/* Next UTF-16 code unit of the UTF-8 string s at *i (*pending holds a low surrogate). */
static uint32_t next_unit(struct str s, size_t *i, uint32_t *pending)
{
    if (*pending) {
        uint32_t u = *pending;
        *pending = 0;
        return u;
    }
    uint32_t cp = 0;
    int n = utf8_decode(s.ptr + *i, s.len - *i, &cp);
    *i += n > 0 ? (size_t)n : utf8_bad_len(s.ptr + *i, s.len - *i);
    if (cp >= 0x10000) {
        *pending = 0xDC00 + ((cp - 0x10000) & 0x3FF);
        return 0xD800 + ((cp - 0x10000) >> 10);
    }
    return cp;
}

/* Compare a and b as sequences of UTF-16 code units. */
static int cmp_utf16(struct str a, struct str b)
{
    size_t i = 0;
    size_t j = 0;
    uint32_t pa = 0;
    uint32_t pb = 0;
    while ((i < a.len || pa) && (j < b.len || pb)) {
        uint32_t ua = next_unit(a, &i, &pa);
        uint32_t ub = next_unit(b, &j, &pb);
        if (ua != ub) {
            return ua < ub ? -1 : 1;
        }
    }
    bool a_more = i < a.len || pa;
    bool b_more = j < b.len || pb;
    return a_more == b_more ? 0 : (a_more ? 1 : -1);
}

void url_params_sort(struct url_params *p)
{
    if (p->count < 2) {
        return;
    }
    struct param *tmp = mem_alloc(p->count * sizeof(*tmp));
    /* Bottom-up merge sort: stable, O(n log n). */
    for (size_t width = 1; width < p->count; width *= 2) {
        for (size_t lo = 0; lo < p->count; lo += 2 * width) {
            size_t mid = lo + width < p->count ? lo + width : p->count;
            size_t hi = lo + 2 * width < p->count ? lo + 2 * width : p->count;
            size_t a = lo;
            size_t b = mid;
            size_t k = lo;
            while (a < mid && b < hi) {
                struct str na = str_make(p->items[a].name, p->items[a].name_len);
                struct str nb = str_make(p->items[b].name, p->items[b].name_len);
                tmp[k++] = cmp_utf16(nb, na) < 0 ? p->items[b++] : p->items[a++];
            }
            while (a < mid) {
                tmp[k++] = p->items[a++];
            }
            while (b < hi) {
                tmp[k++] = p->items[b++];
            }
        }
        memcpy(p->items, tmp, p->count * sizeof(*tmp));
    }
    mem_free(tmp);
}

int url_params_serialize(const struct url_params *p, struct buf *out)
{
    int rc = RC_OK;
    for (size_t i = 0; i < p->count && rc == RC_OK; i++) {
        if (i > 0) {
            rc = buf_try_append_char(out, '&');
        }
        rc = rc ? rc : url_percent_encode(str_make(p->items[i].name, p->items[i].name_len),
                                          URL_SET_FORM, out);
        rc = rc ? rc : buf_try_append_char(out, '=');
        rc = rc ? rc : url_percent_encode(str_make(p->items[i].value, p->items[i].value_len),
                                          URL_SET_FORM, out);
    }
    return rc;
}
