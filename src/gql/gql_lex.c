/* SPDX-License-Identifier: MIT */
/*
 * The GraphQL lexer (spec section 2.1): turns source text into tokens one at a time. Names and
 * numbers are slices of the source; strings with escapes and block strings are processed into
 * the arena. Errors ("Syntax Error: ...") carry the line and column graphql-js reports.
 * Thread contract: one lexer per thread.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/rc.h"
#include "base/str.h"
#include "base/utf8.h"
#include "gql/gql_internal.h"

static const char *const tok_desc[] = {
    [GQL_TOK_SOF] = "<SOF>",
    [GQL_TOK_EOF] = "<EOF>",
    [GQL_TOK_BANG] = "\"!\"",
    [GQL_TOK_DOLLAR] = "\"$\"",
    [GQL_TOK_AMP] = "\"&\"",
    [GQL_TOK_PAREN_L] = "\"(\"",
    [GQL_TOK_PAREN_R] = "\")\"",
    [GQL_TOK_SPREAD] = "\"...\"",
    [GQL_TOK_COLON] = "\":\"",
    [GQL_TOK_EQUALS] = "\"=\"",
    [GQL_TOK_AT] = "\"@\"",
    [GQL_TOK_BRACKET_L] = "\"[\"",
    [GQL_TOK_BRACKET_R] = "\"]\"",
    [GQL_TOK_BRACE_L] = "\"{\"",
    [GQL_TOK_PIPE] = "\"|\"",
    [GQL_TOK_BRACE_R] = "\"}\"",
    [GQL_TOK_NAME] = "Name",
    [GQL_TOK_INT] = "Int",
    [GQL_TOK_FLOAT] = "Float",
    [GQL_TOK_STRING] = "String",
    [GQL_TOK_BLOCK_STRING] = "BlockString",
};

const char *gql_tok_kind_desc(enum gql_tok kind)
{
    return tok_desc[kind];
}

void gql_lex_init(struct gql_lexer *lx, struct arena *a, struct str src, size_t max_tokens,
                  struct gql_errors *errs)
{
    memset(lx, 0, sizeof(*lx));
    lx->arena = a;
    lx->src = src;
    lx->line = 1;
    lx->col_value = 1;
    lx->max_tokens = max_tokens;
    lx->errs = errs;
    lx->tok.kind = GQL_TOK_SOF;
}

static bool is_name_start(int c)
{
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_name_continue(int c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

bool gql_is_name(struct str s)
{
    if (s.len == 0 || !is_name_start((unsigned char)s.ptr[0])) {
        return false;
    }
    for (size_t i = 1; i < s.len; i++) {
        if (!is_name_continue((unsigned char)s.ptr[i])) {
            return false;
        }
    }
    return true;
}

/* The location of byte offset off, which must not precede the previous call's offset on the
 * same line: columns are counted incrementally so a long line costs O(n) in total. */
static struct gql_loc loc_at(struct gql_lexer *lx, size_t off)
{
    if (lx->col_offset < lx->line_start || lx->col_offset > off) {
        lx->col_offset = lx->line_start;
        lx->col_value = 1;
    }
    for (size_t i = lx->col_offset; i < off; i++) {
        unsigned char c = (unsigned char)lx->src.ptr[i];
        if ((c & 0xC0) != 0x80) {
            lx->col_value += (c >= 0xF0) ? 2 : 1;
        }
    }
    lx->col_offset = off;
    return (struct gql_loc){ .line = lx->line, .column = lx->col_value };
}

static int lex_error(struct gql_lexer *lx, size_t off, const char *fmt, ...) PRINTF_FMT(3, 4);

static int lex_error(struct gql_lexer *lx, size_t off, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct gql_error *e =
        gql_errors_add(lx->errs, loc_at(lx, off), (struct gql_loc){ 0 }, "Syntax Error: %s", msg);
    if (e != NULL) {
        e->code = STR("GRAPHQL_PARSE_FAILED");
    }
    return RC_INVAL;
}

/* Describe the code point at off as graphql-js's printCodePointAt does. */
static void describe_char(struct gql_lexer *lx, size_t off, char out[32])
{
    if (off >= lx->src.len) {
        snprintf(out, 32, "<EOF>");
        return;
    }
    uint32_t cp = 0;
    int n = utf8_decode(lx->src.ptr + off, lx->src.len - off, &cp);
    if (n < 0) {
        cp = 0xFFFD;
    }
    if (cp >= 0x20 && cp <= 0x7E) {
        if (cp == '"') {
            snprintf(out, 32, "'\"'");
        } else {
            snprintf(out, 32, "\"%c\"", (char)cp);
        }
    } else {
        snprintf(out, 32, cp > 0xFFFF ? "U+%06X" : "U+%04X", (unsigned)cp);
    }
}

static void newline(struct gql_lexer *lx, size_t next_line_start)
{
    lx->line++;
    lx->line_start = next_line_start;
}

/* Skip whitespace, line terminators, commas, BOMs and comments. */
static void skip_ignored(struct gql_lexer *lx)
{
    const char *s = lx->src.ptr;
    size_t n = lx->src.len;
    size_t p = lx->pos;
    while (p < n) {
        unsigned char c = (unsigned char)s[p];
        if (c == ' ' || c == '\t' || c == ',') {
            p++;
        } else if (c == '\n') {
            p++;
            newline(lx, p);
        } else if (c == '\r') {
            p += (p + 1 < n && s[p + 1] == '\n') ? 2 : 1;
            newline(lx, p);
        } else if (c == 0xEF && p + 2 < n && (unsigned char)s[p + 1] == 0xBB &&
                   (unsigned char)s[p + 2] == 0xBF) {
            p += 3;
        } else if (c == '#') {
            while (p < n && s[p] != '\n' && s[p] != '\r') {
                p++;
            }
        } else {
            break;
        }
    }
    lx->pos = p;
}

static int read_digits(struct gql_lexer *lx, size_t *p)
{
    const char *s = lx->src.ptr;
    if (*p >= lx->src.len || !is_digit((unsigned char)s[*p])) {
        char d[32];
        describe_char(lx, *p, d);
        return lex_error(lx, *p, "Invalid number, expected digit but got: %s.", d);
    }
    while (*p < lx->src.len && is_digit((unsigned char)s[*p])) {
        (*p)++;
    }
    return RC_OK;
}

/* The integer part of a number: 0, or digits not starting with 0. */
static int read_integer_part(struct gql_lexer *lx, size_t *p)
{
    const char *s = lx->src.ptr;
    size_t n = lx->src.len;
    if (*p < n && s[*p] == '0') {
        (*p)++;
        if (*p < n && is_digit((unsigned char)s[*p])) {
            char d[32];
            describe_char(lx, *p, d);
            return lex_error(lx, *p, "Invalid number, unexpected digit after 0: %s.", d);
        }
        return RC_OK;
    }
    return read_digits(lx, p);
}

/* The optional fraction and exponent; *is_float is set when either is present. */
static int read_fraction_exponent(struct gql_lexer *lx, size_t *p, bool *is_float)
{
    const char *s = lx->src.ptr;
    size_t n = lx->src.len;
    int rc = RC_OK;
    if (*p < n && s[*p] == '.') {
        *is_float = true;
        (*p)++;
        rc = read_digits(lx, p);
    }
    if (rc == RC_OK && *p < n && (s[*p] == 'e' || s[*p] == 'E')) {
        *is_float = true;
        (*p)++;
        if (*p < n && (s[*p] == '+' || s[*p] == '-')) {
            (*p)++;
        }
        rc = read_digits(lx, p);
    }
    return rc;
}

static int read_number(struct gql_lexer *lx, size_t start)
{
    const char *s = lx->src.ptr;
    size_t n = lx->src.len;
    size_t p = s[start] == '-' ? start + 1 : start;
    bool is_float = false;
    int rc = read_integer_part(lx, &p);
    if (rc == RC_OK) {
        rc = read_fraction_exponent(lx, &p, &is_float);
    }
    if (rc != RC_OK) {
        return rc;
    }
    if (p < n && (s[p] == '.' || is_name_start((unsigned char)s[p]))) {
        char d[32];
        describe_char(lx, p, d);
        return lex_error(lx, p, "Invalid number, expected digit but got: %s.", d);
    }
    lx->tok.kind = is_float ? GQL_TOK_FLOAT : GQL_TOK_INT;
    lx->tok.text = str_make(s + start, p - start);
    lx->tok.value = lx->tok.text;
    lx->pos = p;
    return RC_OK;
}

/* Read \uXXXX at p (pointing at the 'u'); returns the code unit or -1. */
static long read_hex4(const char *s, size_t n, size_t p)
{
    if (p + 5 > n) {
        return -1;
    }
    long v = 0;
    for (size_t i = 1; i <= 4; i++) {
        int h = str_hex_digit((unsigned char)s[p + i]);
        if (h < 0) {
            return -1;
        }
        v = v * 16 + h;
    }
    return v;
}

static bool is_surrogate_lead(long v)
{
    return v >= 0xD800 && v <= 0xDBFF;
}

static bool is_surrogate_trail(long v)
{
    return v >= 0xDC00 && v <= 0xDFFF;
}

/* Decode a unicode escape at p (pointing at the 'u'). On success *out_cp gets the scalar and
 * *out_len the bytes used after the backslash. */
static bool read_unicode_escape(const char *s, size_t n, size_t p, uint32_t *out_cp,
                                size_t *out_len)
{
    if (p + 1 < n && s[p + 1] == '{') {
        size_t q = p + 2;
        uint32_t v = 0;
        size_t digits = 0;
        while (q < n && s[q] != '}') {
            int h = str_hex_digit((unsigned char)s[q]);
            if (h < 0 || v > 0x10FFFF) {
                return false;
            }
            v = v * 16 + (uint32_t)h;
            q++;
            digits++;
        }
        if (q >= n || digits == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
            return false;
        }
        *out_cp = v;
        *out_len = q + 1 - p;
        return true;
    }
    long v = read_hex4(s, n, p);
    if (v < 0) {
        return false;
    }
    if (is_surrogate_lead(v)) {
        if (p + 6 < n && s[p + 5] == '\\' && s[p + 6] == 'u') {
            long t = read_hex4(s, n, p + 6);
            if (is_surrogate_trail(t)) {
                *out_cp = 0x10000 + (uint32_t)(((v - 0xD800) << 10) | (t - 0xDC00));
                *out_len = 11;
                return true;
            }
        }
        return false;
    }
    if (is_surrogate_trail(v)) {
        return false;
    }
    *out_cp = (uint32_t)v;
    *out_len = 5;
    return true;
}

/* Check the source character at p inside a string: returns its byte length or an error. */
static int string_char(struct gql_lexer *lx, size_t p, size_t *out_len)
{
    const char *s = lx->src.ptr;
    unsigned char c = (unsigned char)s[p];
    if (c < 0x80) {
        /* Since the 2021 specification any scalar value may appear in a string. */
        *out_len = 1;
        return RC_OK;
    }
    uint32_t cp = 0;
    int len = utf8_decode(s + p, lx->src.len - p, &cp);
    if (len < 0) {
        return lex_error(lx, p, "Invalid character within String: U+FFFD.");
    }
    *out_len = (size_t)len;
    return RC_OK;
}

/* The error for a bad \u escape at p: graphql-js quotes six bytes of a \uXXXX escape, and a
 * \u{...} escape up to its first bad character or its closing brace. */
static int unicode_escape_error(struct gql_lexer *lx, size_t p)
{
    const char *s = lx->src.ptr;
    size_t n = lx->src.len;
    size_t end = p + 6;
    if (p + 2 < n && s[p + 2] == '{') {
        end = p + 3;
        while (end < n && str_hex_digit((unsigned char)s[end]) >= 0) {
            end++;
        }
        end++;
    }
    if (end > n) {
        end = n;
    }
    return lex_error(lx, p, "Invalid Unicode escape sequence: \"%.*s\".", (int)(end - p), s + p);
}

static int read_escape(struct gql_lexer *lx, size_t p, struct buf *out, size_t *out_len)
{
    const char *s = lx->src.ptr;
    size_t n = lx->src.len;
    static const char simple_from[] = "\"\\/bfnrt";
    static const char simple_to[] = "\"\\/\b\f\n\r\t";
    const char *hit = p + 1 < n ? memchr(simple_from, s[p + 1], sizeof(simple_from) - 1) : NULL;
    if (hit != NULL && s[p + 1] != '\0') {
        *out_len = 2;
        return buf_try_append_char(out, simple_to[hit - simple_from]);
    }
    if (p + 1 < n && s[p + 1] == 'u') {
        uint32_t cp = 0;
        size_t len = 0;
        if (!read_unicode_escape(s, n, p + 1, &cp, &len)) {
            return unicode_escape_error(lx, p);
        }
        char enc[4];
        int el = utf8_encode(cp, enc);
        *out_len = len + 1;
        return buf_try_append(out, enc, (size_t)el);
    }
    size_t clen = 1;
    if (p + 1 < n && (unsigned char)s[p + 1] >= 0x80) {
        uint32_t cp = 0;
        int l = utf8_decode(s + p + 1, n - p - 1, &cp);
        clen = l > 0 ? (size_t)l : 1;
    }
    return lex_error(lx, p, "Invalid character escape sequence: \"%.*s\".",
                     (int)(p + 1 < n ? clen + 1 : 1), s + p);
}

/* Finish a string token whose closing quote is at p. */
static int end_string(struct gql_lexer *lx, size_t start, size_t p, bool escaped, size_t chunk,
                      struct buf *out)
{
    const char *s = lx->src.ptr;
    lx->tok.kind = GQL_TOK_STRING;
    lx->tok.text = str_make(s + start, p + 1 - start);
    lx->pos = p + 1;
    if (!escaped) {
        lx->tok.value = str_make(s + start + 1, p - start - 1);
        return RC_OK;
    }
    int rc = buf_try_append(out, s + chunk, p - chunk);
    if (rc == RC_OK) {
        lx->tok.value = arena_strdup(lx->arena, buf_str(out));
    }
    return rc;
}

static int read_string(struct gql_lexer *lx, size_t start)
{
    const char *s = lx->src.ptr;
    size_t n = lx->src.len;
    size_t p = start + 1;
    size_t chunk = p;
    bool escaped = false;
    struct buf out;
    int rc = RC_OK;
    buf_init(&out, n + 16);
    while (p < n && s[p] != '\n' && s[p] != '\r') {
        if (s[p] == '"') {
            rc = end_string(lx, start, p, escaped, chunk, &out);
            goto out;
        }
        size_t len = 0;
        if (s[p] == '\\') {
            escaped = true;
            rc = buf_try_append(&out, s + chunk, p - chunk);
            rc = rc == RC_OK ? read_escape(lx, p, &out, &len) : rc;
            chunk = p + len;
        } else {
            rc = string_char(lx, p, &len);
        }
        if (rc != RC_OK) {
            goto out;
        }
        p += len;
    }
    rc = lex_error(lx, p, "Unterminated string.");
out:
    buf_fini(&out);
    return rc;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Split raw into lines at \r\n, \n or \r; calls fn per line. Returns the line count. */
static size_t split_lines(struct str raw, struct str *lines, size_t max)
{
    size_t count = 0;
    size_t start = 0;
    for (size_t i = 0; i <= raw.len; i++) {
        bool end = i == raw.len;
        if (end || raw.ptr[i] == '\n' || raw.ptr[i] == '\r') {
            if (lines != NULL && count < max) {
                lines[count] = str_make(raw.ptr + start, i - start);
            }
            count++;
            if (!end && raw.ptr[i] == '\r' && i + 1 < raw.len && raw.ptr[i + 1] == '\n') {
                i++;
            }
            start = i + 1;
        }
    }
    return count;
}

static size_t leading_blanks(struct str line)
{
    size_t i = 0;
    while (i < line.len && is_blank(line.ptr[i])) {
        i++;
    }
    return i;
}

struct str gql_block_string_value(struct arena *a, struct str raw)
{
    size_t count = split_lines(raw, NULL, 0);
    struct str *lines = arena_alloc(a, count * sizeof(*lines));
    split_lines(raw, lines, count);
    size_t common = SIZE_MAX;
    size_t first_non_empty = SIZE_MAX;
    size_t last_non_empty = 0;
    for (size_t i = 0; i < count; i++) {
        size_t indent = leading_blanks(lines[i]);
        if (indent == lines[i].len) {
            continue;
        }
        if (first_non_empty == SIZE_MAX) {
            first_non_empty = i;
        }
        last_non_empty = i;
        if (i != 0 && indent < common) {
            common = indent;
        }
    }
    if (first_non_empty == SIZE_MAX) {
        return arena_strdup(a, STR(""));
    }
    size_t total = raw.len + 1;
    char *out = arena_alloc(a, total);
    size_t len = 0;
    for (size_t i = first_non_empty; i <= last_non_empty; i++) {
        struct str line = lines[i];
        if (i != 0 && common != SIZE_MAX) {
            line = str_sub(line, common < line.len ? common : line.len, line.len);
        }
        if (i != first_non_empty) {
            out[len++] = '\n';
        }
        memcpy(out + len, line.ptr, line.len);
        len += line.len;
    }
    out[len] = '\0';
    return str_make(out, len);
}

/* Consume one element of a block string's body at *p: an escaped triple quote, a line
 * terminator or a source character. */
static int block_string_step(struct gql_lexer *lx, size_t *p, size_t *chunk, struct buf *raw)
{
    const char *s = lx->src.ptr;
    size_t n = lx->src.len;
    size_t q = *p;
    if (s[q] == '\\' && q + 3 < n && s[q + 1] == '"' && s[q + 2] == '"' && s[q + 3] == '"') {
        int rc = buf_try_append(raw, s + *chunk, q - *chunk);
        rc = rc == RC_OK ? buf_try_append(raw, "\"\"\"", 3) : rc;
        *p = q + 4;
        *chunk = *p;
        return rc;
    }
    if (s[q] == '\n' || s[q] == '\r') {
        *p = q + ((s[q] == '\r' && q + 1 < n && s[q + 1] == '\n') ? 2 : 1);
        newline(lx, *p);
        return RC_OK;
    }
    size_t len = 0;
    int rc = string_char(lx, q, &len);
    *p = q + len;
    return rc;
}

static int read_block_string(struct gql_lexer *lx, size_t start)
{
    const char *s = lx->src.ptr;
    size_t n = lx->src.len;
    size_t p = start + 3;
    struct buf raw;
    int rc = RC_OK;
    size_t chunk = p;
    uint32_t start_line = lx->line;
    size_t start_line_start = lx->line_start;
    buf_init(&raw, n + 16);
    while (p < n && !(s[p] == '"' && p + 2 < n && s[p + 1] == '"' && s[p + 2] == '"')) {
        rc = block_string_step(lx, &p, &chunk, &raw);
        if (rc != RC_OK) {
            goto out;
        }
    }
    if (p >= n) {
        rc = lex_error(lx, p, "Unterminated string.");
        goto out;
    }
    rc = buf_try_append(&raw, s + chunk, p - chunk);
    if (rc != RC_OK) {
        goto out;
    }
    lx->tok.kind = GQL_TOK_BLOCK_STRING;
    lx->tok.text = str_make(s + start, p + 3 - start);
    lx->tok.value = gql_block_string_value(lx->arena, buf_str(&raw));
    lx->pos = p + 3;
    /* The token's location is where it started, before the lines it spans. */
    uint32_t end_line = lx->line;
    size_t end_line_start = lx->line_start;
    lx->line = start_line;
    lx->line_start = start_line_start;
    lx->tok.loc = loc_at(lx, start);
    lx->line = end_line;
    lx->line_start = end_line_start;
out:
    buf_fini(&raw);
    return rc;
}

static int punct(struct gql_lexer *lx, enum gql_tok kind, size_t start, size_t len)
{
    lx->tok.kind = kind;
    lx->tok.text = str_make(lx->src.ptr + start, len);
    lx->tok.value = lx->tok.text;
    lx->pos = start + len;
    return RC_OK;
}

static int read_token(struct gql_lexer *lx, size_t p)
{
    const char *s = lx->src.ptr;
    size_t n = lx->src.len;
    unsigned char c = (unsigned char)s[p];
    switch (c) {
    case '!':
        return punct(lx, GQL_TOK_BANG, p, 1);
    case '$':
        return punct(lx, GQL_TOK_DOLLAR, p, 1);
    case '&':
        return punct(lx, GQL_TOK_AMP, p, 1);
    case '(':
        return punct(lx, GQL_TOK_PAREN_L, p, 1);
    case ')':
        return punct(lx, GQL_TOK_PAREN_R, p, 1);
    case '.':
        if (p + 2 < n && s[p + 1] == '.' && s[p + 2] == '.') {
            return punct(lx, GQL_TOK_SPREAD, p, 3);
        }
        break;
    case ':':
        return punct(lx, GQL_TOK_COLON, p, 1);
    case '=':
        return punct(lx, GQL_TOK_EQUALS, p, 1);
    case '@':
        return punct(lx, GQL_TOK_AT, p, 1);
    case '[':
        return punct(lx, GQL_TOK_BRACKET_L, p, 1);
    case ']':
        return punct(lx, GQL_TOK_BRACKET_R, p, 1);
    case '{':
        return punct(lx, GQL_TOK_BRACE_L, p, 1);
    case '|':
        return punct(lx, GQL_TOK_PIPE, p, 1);
    case '}':
        return punct(lx, GQL_TOK_BRACE_R, p, 1);
    case '"':
        if (p + 2 < n && s[p + 1] == '"' && s[p + 2] == '"') {
            return read_block_string(lx, p);
        }
        return read_string(lx, p);
    default:
        break;
    }
    if (is_digit(c) || c == '-') {
        return read_number(lx, p);
    }
    if (is_name_start(c)) {
        size_t q = p + 1;
        while (q < n && is_name_continue((unsigned char)s[q])) {
            q++;
        }
        return punct(lx, GQL_TOK_NAME, p, q - p);
    }
    if (c == '\'') {
        return lex_error(lx, p,
                         "Unexpected single quote character ('), did you mean to use a double "
                         "quote (\")?");
    }
    char d[32];
    describe_char(lx, p, d);
    uint32_t cp = 0;
    if (c >= 0x80 && utf8_decode(s + p, n - p, &cp) < 0) {
        return lex_error(lx, p, "Invalid character: %s.", d);
    }
    return lex_error(lx, p, "Unexpected character: %s.", d);
}

int gql_lex_next(struct gql_lexer *lx)
{
    if (lx->tok.kind == GQL_TOK_EOF) {
        return RC_OK;
    }
    skip_ignored(lx);
    size_t p = lx->pos;
    lx->tok.offset = p;
    lx->tok.loc = loc_at(lx, p);
    if (p >= lx->src.len) {
        lx->tok.kind = GQL_TOK_EOF;
        lx->tok.text = STR_NULL;
        lx->tok.value = STR_NULL;
        return RC_OK;
    }
    if (lx->max_tokens != 0 && lx->token_count >= lx->max_tokens) {
        struct gql_error *e =
            gql_errors_add(lx->errs, lx->tok.loc, (struct gql_loc){ 0 },
                           "Syntax Error: Document contains more than %zu tokens. Parsing aborted.",
                           lx->max_tokens);
        if (e != NULL) {
            e->code = STR("GRAPHQL_LIMIT");
        }
        return RC_LIMIT;
    }
    lx->token_count++;
    return read_token(lx, p);
}
