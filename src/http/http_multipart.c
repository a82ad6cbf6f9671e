/* SPDX-License-Identifier: MIT */
/*
 * multipart/form-data: the boundary of a Content-Type, a parser of request bodies (RFC 7578
 * over RFC 2046's framing, strict CRLF lines, limits on parts, part headers and sizes) and the
 * serializer of FormData bodies (the HTML standard's encoding, as browsers and Node write it).
 * Parts are slices of the body; names and types are copied into the caller's arena.
 * Thread contract: pure functions, any thread.
 */
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/rc.h"
#include "http/http.h"

#define CRLF STR("\r\n")

static bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 2046 bcharsnospace plus space (not last). */
static bool is_bchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    return c != 0 && strchr("'()+_,-./:=? ", c) != NULL;
}

static struct str skip_ows(struct str s)
{
    size_t i = 0;
    while (i < s.len && (s.ptr[i] == ' ' || s.ptr[i] == '\t')) {
        i++;
    }
    return str_sub(s, i, s.len - i);
}

/*
 * Read one parameter value at the start of s (after '='): a token, or a quoted string that ends
 * at the next '"' (no backslash escapes: browsers percent-encode '"' instead, and a Windows
 * path in a filename keeps its backslashes, as the Fetch standard's parser does). In a quoted
 * value %22, %0D and %0A are decoded (the Fetch standard's "parse a multipart/form-data name").
 * Returns the rest of s after the value, and false when a quote is not closed.
 */
/* Copy a quoted value's n bytes at p into a, decoding %22, %0D and %0A. */
static struct str unquote(const char *p, size_t n, struct arena *a)
{
    char *v = arena_alloc(a, n + 1);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '%' && i + 3 <= n) {
            bool quote = p[i + 1] == '2' && p[i + 2] == '2';
            bool crlf = p[i + 1] == '0' && (p[i + 2] == 'D' || p[i + 2] == 'A');
            if (quote || crlf) {
                c = quote ? '"' : p[i + 2] == 'D' ? '\r' : '\n';
                i += 2;
            }
        }
        v[w++] = c;
    }
    v[w] = '\0';
    return str_make(v, w);
}

static bool param_value(struct str s, struct arena *a, struct str *out_value, struct str *out_rest)
{
    if (s.len && s.ptr[0] == '"') {
        const char *end = memchr(s.ptr + 1, '"', s.len - 1);
        if (end == NULL) {
            return false;
        }
        size_t n = (size_t)(end - (s.ptr + 1));
        *out_value = unquote(s.ptr + 1, n, a);
        *out_rest = str_sub(s, n + 2, s.len - n - 2);
        return true;
    }
    size_t i = 0;
    while (i < s.len && s.ptr[i] != ';' && s.ptr[i] != ' ' && s.ptr[i] != '\t') {
        i++;
    }
    *out_value = str_sub(s, 0, i);
    *out_rest = str_sub(s, i, s.len - i);
    return true;
}

/* One parameter of a header value's parameter list: s starts after a ';'. */
struct param {
    struct str name;
    struct str value;
};

/* Parse "; a=b; c="d"" into the next parameter. RC_OK, RC_NOTFOUND at the end, RC_INVAL. */
static int next_param(struct str *s, struct arena *a, struct param *out)
{
    struct str t = skip_ows(*s);
    if (t.len == 0) {
        return RC_NOTFOUND;
    }
    if (t.ptr[0] != ';') {
        return RC_INVAL;
    }
    t = skip_ows(str_sub(t, 1, t.len - 1));
    size_t i = 0;
    while (i < t.len && is_tchar((unsigned char)t.ptr[i])) {
        i++;
    }
    if (i == 0) {
        /* "form-data;" with nothing after the ';' is tolerated, as browsers tolerate it */
        *s = t;
        return t.len == 0 ? RC_NOTFOUND : RC_INVAL;
    }
    out->name = str_sub(t, 0, i);
    t = skip_ows(str_sub(t, i, t.len - i));
    if (t.len == 0 || t.ptr[0] != '=') {
        return RC_INVAL;
    }
    t = skip_ows(str_sub(t, 1, t.len - 1));
    if (!param_value(t, a, &out->value, s)) {
        return RC_INVAL;
    }
    return RC_OK;
}

/* RFC 2046: 1 to 70 bchars, not ending in a space. */
static int check_boundary(struct str b, struct diag *d)
{
    if (b.len == 0 || b.len > HTTP_MULTIPART_BOUNDARY_MAX) {
        return diag_set(d, RC_INVAL, "multipart boundary must be 1 to %d bytes, got %zu",
                        HTTP_MULTIPART_BOUNDARY_MAX, b.len);
    }
    for (size_t i = 0; i < b.len; i++) {
        if (!is_bchar((unsigned char)b.ptr[i]) || (i + 1 == b.len && b.ptr[i] == ' ')) {
            return diag_set(d, RC_INVAL, "multipart boundary has an invalid byte 0x%02x",
                            (unsigned char)b.ptr[i]);
        }
    }
    return RC_OK;
}

int http_multipart_boundary(struct str content_type, struct arena *a, struct str *out_boundary,
                            struct diag *d)
{
    *out_boundary = STR_NULL;
    ptrdiff_t semi = str_find_char(content_type, ';');
    size_t type_len = semi < 0 ? content_type.len : (size_t)semi;
    if (!str_eq_nocase(str_trim(str_sub(content_type, 0, type_len)), STR("multipart/form-data"))) {
        return diag_set(d, RC_INVAL, "content type is not multipart/form-data");
    }
    struct str rest = str_sub(content_type, type_len, content_type.len - type_len);
    struct param p;
    int rc;
    while ((rc = next_param(&rest, a, &p)) == RC_OK) {
        if (str_eq_nocase(p.name, STR("boundary"))) {
            rc = check_boundary(p.value, d);
            *out_boundary = rc == RC_OK ? p.value : STR_NULL;
            return rc;
        }
    }
    if (rc == RC_INVAL) {
        return diag_set(d, RC_INVAL, "malformed parameters in the multipart content type");
    }
    return diag_set(d, RC_INVAL, "multipart content type has no boundary parameter");
}

/* ------------------------------------------------------------------ parser */

struct mp {
    struct str body;
    struct str dash;  /* "--" boundary */
    struct str delim; /* "\r\n--" boundary */
    struct http_multipart_limits lim;
    struct arena *a;
    struct diag *d;
};

static const char *find(struct str hay, size_t from, struct str needle)
{
    if (from > hay.len) {
        return NULL;
    }
    return memmem(hay.ptr + from, hay.len - from, needle.ptr, needle.len);
}

/* Content-Disposition: form-data; name=...; filename=... */
static int parse_disposition(struct mp *m, struct str v, size_t index,
                             struct http_multipart_part *part, bool *out_has_name)
{
    size_t i = 0;
    while (i < v.len && is_tchar((unsigned char)v.ptr[i])) {
        i++;
    }
    if (!str_eq_nocase(str_sub(v, 0, i), STR("form-data"))) {
        return diag_set(m->d, RC_INVAL, "part %zu: Content-Disposition is not form-data", index);
    }
    struct str rest = str_sub(v, i, v.len - i);
    struct param p;
    int rc;
    bool has_name = false;
    while ((rc = next_param(&rest, m->a, &p)) == RC_OK) {
        if (str_eq_nocase(p.name, STR("name")) && !has_name) {
            part->name = p.value;
            has_name = true;
        } else if (str_eq_nocase(p.name, STR("filename")) && !part->has_filename) {
            part->filename = p.value;
            part->has_filename = true;
        }
    }
    if (rc == RC_INVAL) {
        return diag_set(m->d, RC_INVAL, "part %zu: malformed Content-Disposition parameters",
                        index);
    }
    *out_has_name = has_name;
    return RC_OK;
}

/* The header lines of part index in hdr (without the final empty line). */
/* Split one "name: value" header line (value trimmed, no control bytes). */
static int header_line(struct mp *m, struct str line, size_t at, size_t index, struct str *out_name,
                       struct str *out_value)
{
    size_t n = 0;
    while (n < line.len && is_tchar((unsigned char)line.ptr[n])) {
        n++;
    }
    if (n == 0 || n == line.len || line.ptr[n] != ':') {
        return diag_set(m->d, RC_INVAL, "part %zu: malformed header line at byte %zu", index, at);
    }
    *out_name = str_sub(line, 0, n);
    *out_value = str_trim(str_sub(line, n + 1, line.len - n - 1));
    for (size_t i = 0; i < out_value->len; i++) {
        unsigned char c = (unsigned char)out_value->ptr[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return diag_set(m->d, RC_INVAL, "part %zu: control byte in header %.*s", index,
                            STR_FMT(*out_name));
        }
    }
    return RC_OK;
}

/* The header lines of part index in hdr (without the final empty line). */
static int parse_part_headers(struct mp *m, struct str hdr, size_t at, size_t index,
                              struct http_multipart_part *part)
{
    bool has_disposition = false;
    bool has_name = false;
    while (hdr.len) {
        struct str line = hdr;
        const char *e = memmem(hdr.ptr, hdr.len, "\r\n", 2);
        if (e != NULL) {
            line.len = (size_t)(e - hdr.ptr);
            hdr = str_sub(hdr, line.len + 2, hdr.len - line.len - 2);
        } else {
            hdr = STR("");
        }
        struct str name = STR_NULL;
        struct str value = STR_NULL;
        int rc = header_line(m, line, at, index, &name, &value);
        if (rc == RC_OK && str_eq_nocase(name, STR("content-disposition")) && !has_disposition) {
            has_disposition = true;
            rc = parse_disposition(m, value, index, part, &has_name);
        } else if (rc == RC_OK && str_eq_nocase(name, STR("content-type")) &&
                   part->content_type.ptr == NULL) {
            part->content_type = arena_strdup(m->a, value);
        }
        if (rc != RC_OK) {
            return rc;
        }
        at += line.len + 2;
    }
    if (!has_disposition) {
        return diag_set(m->d, RC_INVAL, "part %zu has no Content-Disposition header", index);
    }
    if (!has_name) {
        return diag_set(m->d, RC_INVAL, "part %zu has no name parameter", index);
    }
    if (part->content_type.ptr == NULL) {
        part->content_type = STR("");
    }
    return RC_OK;
}

/* After a "--boundary" ending at pos: "--" (the end: *out_end) or padding and CRLF. Returns the
 * offset of the part's headers. */
static int after_delimiter(struct mp *m, size_t pos, bool *out_end, size_t *out_next)
{
    struct str b = m->body;
    *out_end = false;
    if (pos + 2 <= b.len && b.ptr[pos] == '-' && b.ptr[pos + 1] == '-') {
        *out_end = true;
        *out_next = pos + 2;
        return RC_OK;
    }
    while (pos < b.len && (b.ptr[pos] == ' ' || b.ptr[pos] == '\t')) {
        pos++;
    }
    if (pos + 2 > b.len || b.ptr[pos] != '\r' || b.ptr[pos + 1] != '\n') {
        return diag_set(m->d, RC_INVAL,
                        "multipart boundary at byte %zu is not followed by CRLF or \"--\"", pos);
    }
    *out_next = pos + 2;
    return RC_OK;
}

/* Parse the part whose headers start at pos; *out_pos = the offset just after its data's
 * delimiter ("--boundary"). */
static int parse_part(struct mp *m, size_t pos, size_t index, struct http_multipart_part *part,
                      size_t *out_pos)
{
    struct str b = m->body;
    memset(part, 0, sizeof(*part));
    size_t data_at;
    struct str hdr = STR("");
    if (pos + 2 <= b.len && b.ptr[pos] == '\r' && b.ptr[pos + 1] == '\n') {
        data_at = pos + 2; /* no header lines */
    } else {
        size_t window = b.len - pos;
        if (window > m->lim.max_header_bytes + 4) {
            window = m->lim.max_header_bytes + 4;
        }
        const char *e = memmem(b.ptr + pos, window, "\r\n\r\n", 4);
        if (e == NULL) {
            if (b.len - pos > m->lim.max_header_bytes + 4) {
                return diag_set(m->d, RC_LIMIT, "part %zu: headers over %zu bytes", index,
                                m->lim.max_header_bytes);
            }
            return diag_set(m->d, RC_INVAL, "part %zu: headers are not terminated", index);
        }
        hdr = str_make(b.ptr + pos, (size_t)(e - (b.ptr + pos)));
        data_at = pos + hdr.len + 4;
    }
    int rc = parse_part_headers(m, hdr, pos, index, part);
    if (rc != RC_OK) {
        return rc;
    }
    const char *e = find(b, data_at, m->delim);
    if (e == NULL) {
        return diag_set(m->d, RC_INVAL, "part %zu: no closing boundary (body truncated?)", index);
    }
    size_t data_end = (size_t)(e - b.ptr);
    part->data = str_make(b.ptr + data_at, data_end - data_at);
    if (part->data.len > m->lim.max_part_bytes) {
        return diag_set(m->d, RC_LIMIT, "part %zu is %zu bytes, limit %zu", index, part->data.len,
                        m->lim.max_part_bytes);
    }
    *out_pos = data_end + m->delim.len;
    return RC_OK;
}

int http_multipart_parse(struct str body, struct str boundary,
                         const struct http_multipart_limits *lim, struct arena *a,
                         struct http_multipart_part **out_parts, size_t *out_count, struct diag *d)
{
    *out_parts = NULL;
    *out_count = 0;
    struct mp m = { .body = body, .a = a, .d = d };
    if (lim != NULL) {
        m.lim = *lim;
    }
    m.lim.max_parts = m.lim.max_parts ? m.lim.max_parts : HTTP_MULTIPART_MAX_PARTS;
    m.lim.max_header_bytes =
        m.lim.max_header_bytes ? m.lim.max_header_bytes : HTTP_MULTIPART_MAX_HEADER_BYTES;
    m.lim.max_part_bytes =
        m.lim.max_part_bytes ? m.lim.max_part_bytes : HTTP_MULTIPART_MAX_PART_BYTES;
    m.lim.max_total_bytes =
        m.lim.max_total_bytes ? m.lim.max_total_bytes : HTTP_MULTIPART_MAX_TOTAL_BYTES;
    if (body.len > m.lim.max_total_bytes) {
        return diag_set(d, RC_LIMIT, "multipart body is %zu bytes, limit %zu", body.len,
                        m.lim.max_total_bytes);
    }
    if (boundary.len == 0 || boundary.len > HTTP_MULTIPART_BOUNDARY_MAX) {
        return diag_set(d, RC_INVAL, "invalid multipart boundary");
    }
    m.delim = arena_printf(a, "\r\n--%.*s", STR_FMT(boundary));
    m.dash = str_sub(m.delim, 2, m.delim.len - 2);

    size_t pos;
    if (str_starts_with(body, m.dash)) {
        pos = m.dash.len;
    } else {
        const char *e = find(body, 0, m.delim);
        if (e == NULL) {
            return diag_set(d, RC_INVAL, "multipart body has no opening boundary");
        }
        pos = (size_t)(e - body.ptr) + m.delim.len;
    }
    size_t cap = 8;
    struct http_multipart_part *parts = arena_alloc(a, cap * sizeof(*parts));
    size_t count = 0;
    for (;;) {
        bool end = false;
        size_t next = 0;
        int rc = after_delimiter(&m, pos, &end, &next);
        if (rc != RC_OK) {
            return rc;
        }
        if (end) {
            break; /* the epilogue is ignored */
        }
        if (count == m.lim.max_parts) {
            return diag_set(d, RC_LIMIT, "multipart body has more than %zu parts", m.lim.max_parts);
        }
        if (count == cap) {
            struct http_multipart_part *grown = arena_alloc(a, 2 * cap * sizeof(*parts));
            memcpy(grown, parts, count * sizeof(*parts));
            parts = grown;
            cap *= 2;
        }
        rc = parse_part(&m, next, count, &parts[count], &pos);
        if (rc != RC_OK) {
            return rc;
        }
        count++;
    }
    *out_parts = parts;
    *out_count = count;
    return RC_OK;
}

/* ------------------------------------------------------------------ serializer */

/* Append s with every CR, LF and CRLF turned into CRLF; with escape, then CR, LF and '"'
 * percent-encoded (names and filenames). */
static int append_text(struct buf *out, struct str s, bool normalise, bool escape)
{
    int rc = RC_OK;
    for (size_t i = 0; i < s.len && rc == RC_OK; i++) {
        char c = s.ptr[i];
        if (normalise && (c == '\r' || c == '\n')) {
            if (c == '\r' && i + 1 < s.len && s.ptr[i + 1] == '\n') {
                i++;
            }
            rc = buf_try_append_cstr(out, escape ? "%0D%0A" : "\r\n");
        } else if (escape && c == '\r') {
            rc = buf_try_append_cstr(out, "%0D");
        } else if (escape && c == '\n') {
            rc = buf_try_append_cstr(out, "%0A");
        } else if (escape && c == '"') {
            rc = buf_try_append_cstr(out, "%22");
        } else {
            rc = buf_try_append_char(out, c);
        }
    }
    return rc;
}

static int write_part(struct buf *out, struct str boundary, const struct http_multipart_part *p)
{
    int rc =
        buf_try_printf(out, "--%.*s\r\nContent-Disposition: form-data; name=\"", STR_FMT(boundary));
    if (rc == RC_OK) {
        rc = append_text(out, p->name, true, true);
    }
    if (rc == RC_OK) {
        rc = buf_try_append_char(out, '"');
    }
    if (rc == RC_OK && p->has_filename && p->filename.len) {
        rc = buf_try_append_cstr(out, "; filename=\"");
        if (rc == RC_OK) {
            rc = append_text(out, p->filename, false, true);
        }
        if (rc == RC_OK) {
            rc = buf_try_append_char(out, '"');
        }
    }
    if (rc == RC_OK && p->has_filename) {
        struct str ct = p->content_type.len ? p->content_type : STR("application/octet-stream");
        rc = buf_try_printf(out, "\r\nContent-Type: %.*s", STR_FMT(ct));
    }
    if (rc == RC_OK) {
        rc = buf_try_append_cstr(out, "\r\n\r\n");
    }
    if (rc == RC_OK) {
        rc = p->has_filename ? buf_try_append_str(out, p->data)
                             : append_text(out, p->data, true, false);
    }
    if (rc == RC_OK) {
        rc = buf_try_append_str(out, CRLF);
    }
    return rc;
}

int http_multipart_write(struct buf *out, struct str boundary,
                         const struct http_multipart_part *parts, size_t count)
{
    int rc = RC_OK;
    for (size_t i = 0; i < count && rc == RC_OK; i++) {
        rc = write_part(out, boundary, &parts[i]);
    }
    if (rc == RC_OK) {
        rc = buf_try_printf(out, "--%.*s--\r\n", STR_FMT(boundary));
    }
    return rc;
}
