/* SPDX-License-Identifier: MIT */
/*
 * Strict RFC 8259 JSON: one iterative parser (an explicit stack, so deep input cannot overflow
 * the C stack) that either builds a tree in an arena or calls struct json_events, and a
 * streaming writer whose output equals JSON.stringify's.
 */
#include "base/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "base/arena.h"
#include "base/rc.h"
#include "base/str.h"
#include "base/utf8.h"

#define JSON_DEFAULT_MAX_DEPTH 64

/* One open array or object. In tree mode the items (or members) collect here until the
 * container closes; in event mode only count is used. */
struct frame {
    bool is_object;
    size_t count;
    struct json_value **items;
    struct json_member *members;
    size_t cap;
    struct str key; /* tree mode: the key waiting for its value */
};

struct parser {
    struct arena *a;
    const char *s;
    size_t len;
    size_t pos;
    size_t max_depth;
    const struct json_events *ev; /* NULL: build a tree */
    void *arg;
    struct json_error *err;
    struct frame *stack;
    size_t depth;
    size_t stack_cap;
    char *scratch; /* unescaped string being built (arena memory, reused) */
    size_t scratch_cap;
    struct json_value *root;
};

/* ------------------------------------------------------------------------------- errors */

/* Record the error at offset with line and column (column in code points), return rc. */
static int fail_at(struct parser *p, size_t offset, int rc, const char *fmt, ...) PRINTF_FMT(4, 5);

static int fail_at(struct parser *p, size_t offset, int rc, const char *fmt, ...)
{
    if (p->err == NULL) {
        return rc;
    }
    size_t line = 1;
    size_t col = 1;
    for (size_t i = 0; i < offset && i < p->len; i++) {
        unsigned char c = (unsigned char)p->s[i];
        if (c == '\n') {
            line++;
            col = 1;
        } else if ((c & 0xC0) != 0x80) {
            col++;
        }
    }
    p->err->offset = offset;
    p->err->line = line;
    p->err->column = col;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
    va_end(ap);
    return rc;
}

/* "unexpected character 'x'" (or byte, or end of input) at the current position, with an
 * optional ", expected ..." hint. */
static int fail_unexpected(struct parser *p, const char *expected)
{
    const char *sep = expected ? ", expected " : "";
    const char *hint = expected ? expected : "";
    if (p->pos >= p->len) {
        return fail_at(p, p->pos, RC_INVAL, "unexpected end of input%s%s", sep, hint);
    }
    unsigned char c = (unsigned char)p->s[p->pos];
    if (c >= 0x20 && c < 0x7F) {
        return fail_at(p, p->pos, RC_INVAL, "unexpected character '%c'%s%s", c, sep, hint);
    }
    return fail_at(p, p->pos, RC_INVAL, "unexpected byte 0x%02x%s%s", c, sep, hint);
}

/* ------------------------------------------------------------------------------- lexing */

static void skip_ws(struct parser *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            return;
        }
        p->pos++;
    }
}

static int peek(const struct parser *p)
{
    return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Read the 4 hex digits at p->s[at]; -1 when they are not 4 hex digits. */
static int32_t read_hex4(const struct parser *p, size_t at)
{
    if (p->len - at < 4) {
        return -1;
    }
    int32_t v = 0;
    for (size_t i = 0; i < 4; i++) {
        int h = str_hex_digit(p->s[at + i]);
        if (h < 0) {
            return -1;
        }
        v = (v << 4) | h;
    }
    return v;
}

static void scratch_reserve(struct parser *p, size_t used, size_t more)
{
    if (used + more <= p->scratch_cap) {
        return;
    }
    size_t cap = p->scratch_cap ? p->scratch_cap : 64;
    while (cap < used + more) {
        cap *= 2;
    }
    char *n = arena_alloc(p->a, cap);
    if (used) {
        memcpy(n, p->scratch, used);
    }
    p->scratch = n;
    p->scratch_cap = cap;
}

/* Decode the escape at p->pos (the backslash) into scratch at *used; start is the string's
 * opening quote. */
static int decode_escape(struct parser *p, size_t start, size_t *used)
{
    size_t at = p->pos;
    if (at + 1 >= p->len) {
        return fail_at(p, start, RC_INVAL, "unterminated string");
    }
    char e = p->s[at + 1];
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    const char *hit = e ? memchr(from, e, sizeof(from) - 1) : NULL;
    scratch_reserve(p, *used, 4);
    if (hit) {
        p->scratch[(*used)++] = to[hit - from];
        p->pos += 2;
        return RC_OK;
    }
    if (e != 'u') {
        return fail_at(p, at, RC_INVAL, "invalid escape");
    }
    int32_t cp = read_hex4(p, at + 2);
    if (cp < 0) {
        return fail_at(p, at, RC_INVAL, "invalid \\u escape");
    }
    p->pos += 6;
    if (cp >= 0xD800 && cp <= 0xDBFF && p->len - p->pos >= 6 && p->s[p->pos] == '\\' &&
        p->s[p->pos + 1] == 'u') {
        int32_t lo = read_hex4(p, p->pos + 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p->pos += 6;
        }
    }
    /* A lone surrogate is encoded like any other code point below 0x10000: WTF-8. */
    *used += (size_t)utf8_encode((uint32_t)cp, p->scratch + *used);
    return RC_OK;
}

/* Parse the string starting at the quote at p->pos. *out is the unescaped content: a slice of
 * the input when there was no escape, else of the scratch buffer (valid until the next
 * string). */
static int parse_string(struct parser *p, struct str *out)
{
    size_t start = p->pos;
    p->pos++;
    size_t run = p->pos; /* start of the bytes not yet copied to scratch */
    size_t used = 0;
    bool escaped = false;
    for (;;) {
        if (p->pos >= p->len) {
            return fail_at(p, start, RC_INVAL, "unterminated string");
        }
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '"') {
            break;
        }
        if (c < 0x20) {
            return fail_at(p, p->pos, RC_INVAL, "control character in string");
        }
        if (c < 0x80 && c != '\\') {
            p->pos++;
            continue;
        }
        if (c >= 0x80) {
            uint32_t cp;
            int k = utf8_decode(p->s + p->pos, p->len - p->pos, &cp);
            if (k < 0) {
                return fail_at(p, p->pos, RC_INVAL, "invalid UTF-8 in string");
            }
            p->pos += (size_t)k;
            continue;
        }
        /* A backslash: flush the plain run, then decode the escape. */
        size_t n = p->pos - run;
        scratch_reserve(p, used, n);
        if (n) {
            memcpy(p->scratch + used, p->s + run, n);
        }
        used += n;
        escaped = true;
        int rc = decode_escape(p, start, &used);
        if (rc < 0) {
            return rc;
        }
        run = p->pos;
    }
    if (!escaped) {
        *out = str_make(p->s + start + 1, p->pos - start - 1);
    } else {
        size_t n = p->pos - run;
        scratch_reserve(p, used, n);
        if (n) {
            memcpy(p->scratch + used, p->s + run, n);
        }
        *out = str_make(p->scratch, used + n);
    }
    p->pos++;
    return RC_OK;
}

static void skip_digits(struct parser *p)
{
    while (is_digit(peek(p))) {
        p->pos++;
    }
}

/* Check the number grammar at p->pos and convert it; *out_text is the source slice. */
static int parse_number(struct parser *p, double *out_num, struct str *out_text)
{
    size_t start = p->pos;
    if (peek(p) == '-') {
        p->pos++;
    }
    if (peek(p) == '0') {
        p->pos++;
        if (is_digit(peek(p))) {
            return fail_at(p, p->pos - 1, RC_INVAL, "leading zero in number");
        }
    } else if (is_digit(peek(p))) {
        skip_digits(p);
    } else {
        return fail_unexpected(p, "digit");
    }
    if (peek(p) == '.') {
        p->pos++;
        if (!is_digit(peek(p))) {
            return fail_unexpected(p, "digit after '.'");
        }
        skip_digits(p);
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        p->pos++;
        if (peek(p) == '+' || peek(p) == '-') {
            p->pos++;
        }
        if (!is_digit(peek(p))) {
            return fail_unexpected(p, "digit in exponent");
        }
        skip_digits(p);
    }
    size_t n = p->pos - start;
    char small[64];
    char *cstr = small;
    if (n < sizeof(small)) {
        memcpy(small, p->s + start, n);
        small[n] = '\0';
    } else {
        cstr = arena_cstr(p->a, str_make(p->s + start, n));
    }
    *out_num = strtod(cstr, NULL); /* overflow gives +-HUGE_VAL, as JSON.parse gives Infinity */
    *out_text = str_make(p->s + start, n);
    return RC_OK;
}

static int parse_literal(struct parser *p, const char *word, size_t n)
{
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) {
        return fail_at(p, p->pos, RC_INVAL, "invalid literal");
    }
    p->pos += n;
    return RC_OK;
}

/* ------------------------------------------------------------------------------- building */

static struct json_value *new_value(struct parser *p, enum json_type type)
{
    struct json_value *v = arena_calloc(p->a, 1, sizeof(*v));
    v->type = type;
    return v;
}

/* Return a copy of count elements of elem_size bytes at old in a new arena array of cap. */
static void *grow_array(struct arena *a, const void *old, size_t count, size_t cap,
                        size_t elem_size)
{
    void *n = arena_calloc(a, cap, elem_size);
    if (count) {
        memcpy(n, old, count * elem_size);
    }
    return n;
}

/* A complete value v (tree mode) was parsed: hand it to the enclosing container. */
static void add_value(struct parser *p, struct json_value *v)
{
    if (p->depth == 0) {
        p->root = v;
        return;
    }
    struct frame *f = &p->stack[p->depth - 1];
    if (p->ev != NULL) {
        f->count++;
        return;
    }
    if (f->count == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 8;
        if (f->is_object) {
            f->members = grow_array(p->a, f->members, f->count, f->cap, sizeof(f->members[0]));
        } else {
            f->items = grow_array(p->a, f->items, f->count, f->cap, sizeof(struct json_value *));
        }
    }
    if (f->is_object) {
        f->members[f->count] = (struct json_member){ .key = f->key, .value = v };
    } else {
        f->items[f->count] = v;
    }
    f->count++;
}

/* A callback's result: a negative RC stops the parse, anything else goes on. */
static int cb_rc(int rc)
{
    return rc < 0 ? rc : RC_OK;
}

static int emit_scalar(struct parser *p, enum json_type type, double num, struct str text)
{
    const struct json_events *ev = p->ev;
    if (ev == NULL) {
        struct json_value *v = new_value(p, type);
        if (type == JSON_NUMBER) {
            v->num = num;
            v->num_text = arena_strdup(p->a, text);
        } else if (type == JSON_STRING) {
            v->str = arena_strdup(p->a, text);
        }
        add_value(p, v);
        return RC_OK;
    }
    int rc = RC_OK;
    if (type == JSON_NULL && ev->on_null) {
        rc = ev->on_null(p->arg);
    } else if ((type == JSON_TRUE || type == JSON_FALSE) && ev->on_bool) {
        rc = ev->on_bool(p->arg, type == JSON_TRUE);
    } else if (type == JSON_NUMBER && ev->on_number) {
        rc = ev->on_number(p->arg, num, text);
    } else if (type == JSON_STRING && ev->on_string) {
        rc = ev->on_string(p->arg, text);
    }
    add_value(p, NULL);
    return cb_rc(rc);
}

static int open_container(struct parser *p, bool is_object)
{
    if (p->depth >= p->max_depth) {
        return fail_at(p, p->pos, RC_LIMIT, "nesting deeper than %zu", p->max_depth);
    }
    if (p->depth == p->stack_cap) {
        size_t cap = p->stack_cap ? p->stack_cap * 2 : 16;
        p->stack = grow_array(p->a, p->stack, p->depth, cap, sizeof(p->stack[0]));
        p->stack_cap = cap;
    }
    p->stack[p->depth++] = (struct frame){ .is_object = is_object };
    p->pos++;
    if (p->ev == NULL) {
        return RC_OK;
    }
    int (*fn)(void *) = is_object ? p->ev->on_begin_object : p->ev->on_begin_array;
    return fn ? cb_rc(fn(p->arg)) : RC_OK;
}

static int close_container(struct parser *p)
{
    struct frame f = p->stack[--p->depth];
    p->pos++;
    if (p->ev != NULL) {
        int (*fn)(void *) = f.is_object ? p->ev->on_end_object : p->ev->on_end_array;
        int rc = fn ? fn(p->arg) : RC_OK;
        add_value(p, NULL);
        return cb_rc(rc);
    }
    struct json_value *v = new_value(p, f.is_object ? JSON_OBJECT : JSON_ARRAY);
    if (f.is_object) {
        v->obj.members = f.members;
        v->obj.count = f.count;
    } else {
        v->arr.items = f.items;
        v->arr.count = f.count;
    }
    add_value(p, v);
    return RC_OK;
}

/* Parse a value starting at p->pos (whitespace skipped): a scalar is emitted whole, a
 * container is only opened. */
static int begin_value(struct parser *p)
{
    int c = peek(p);
    double num = 0;
    struct str text = STR_NULL;
    int rc;
    switch (c) {
    case '{':
        return open_container(p, true);
    case '[':
        return open_container(p, false);
    case '"':
        rc = parse_string(p, &text);
        return rc < 0 ? rc : emit_scalar(p, JSON_STRING, 0, text);
    case 't':
        rc = parse_literal(p, "true", 4);
        return rc < 0 ? rc : emit_scalar(p, JSON_TRUE, 0, text);
    case 'f':
        rc = parse_literal(p, "false", 5);
        return rc < 0 ? rc : emit_scalar(p, JSON_FALSE, 0, text);
    case 'n':
        rc = parse_literal(p, "null", 4);
        return rc < 0 ? rc : emit_scalar(p, JSON_NULL, 0, text);
    default:
        if (c == '-' || is_digit(c)) {
            rc = parse_number(p, &num, &text);
            return rc < 0 ? rc : emit_scalar(p, JSON_NUMBER, num, text);
        }
        return fail_unexpected(p, NULL);
    }
}

/* Parse "key" ':' and begin the member's value. */
static int parse_member(struct parser *p, struct frame *f)
{
    if (peek(p) != '"') {
        return fail_unexpected(p, "string key");
    }
    struct str key;
    int rc = parse_string(p, &key);
    if (rc < 0) {
        return rc;
    }
    if (p->ev == NULL) {
        f->key = arena_strdup(p->a, key);
    } else if (p->ev->on_key) {
        rc = cb_rc(p->ev->on_key(p->arg, key));
        if (rc < 0) {
            return rc;
        }
    }
    skip_ws(p);
    if (peek(p) != ':') {
        return fail_unexpected(p, "':'");
    }
    p->pos++;
    skip_ws(p);
    return begin_value(p);
}

/* One step inside the innermost open container: close it, or parse the next item. */
static int container_step(struct parser *p)
{
    struct frame *f = &p->stack[p->depth - 1];
    char close = f->is_object ? '}' : ']';
    skip_ws(p);
    int c = peek(p);
    if (c == close) {
        return close_container(p);
    }
    if (f->count > 0) {
        if (c != ',') {
            return fail_unexpected(p, f->is_object ? "',' or '}'" : "',' or ']'");
        }
        size_t comma = p->pos;
        p->pos++;
        skip_ws(p);
        if (peek(p) == close) {
            return fail_at(p, comma, RC_INVAL, "trailing comma");
        }
    }
    return f->is_object ? parse_member(p, f) : begin_value(p);
}

static int parse_document(struct parser *p)
{
    skip_ws(p);
    int rc = begin_value(p);
    while (rc == RC_OK && p->depth > 0) {
        rc = container_step(p);
    }
    if (rc < 0) {
        return rc;
    }
    skip_ws(p);
    if (p->pos < p->len) {
        return fail_unexpected(p, "end of input");
    }
    return RC_OK;
}

static int run_parser(struct parser *p, struct str text, const struct json_limits *lim)
{
    p->s = text.ptr ? text.ptr : "";
    p->len = text.len;
    p->max_depth = lim && lim->max_depth ? lim->max_depth : JSON_DEFAULT_MAX_DEPTH;
    if (p->err) {
        memset(p->err, 0, sizeof(*p->err));
    }
    if (lim && lim->max_bytes && text.len > lim->max_bytes) {
        return fail_at(p, 0, RC_LIMIT, "input is %zu bytes, limit %zu", text.len, lim->max_bytes);
    }
    return parse_document(p);
}

int json_parse(struct arena *a, struct str text, const struct json_limits *lim,
               struct json_value **out_value, struct json_error *out_err)
{
    struct parser p = { .a = a, .err = out_err };
    int rc = run_parser(&p, text, lim);
    *out_value = rc == RC_OK ? p.root : NULL;
    return rc;
}

int json_parse_events(struct arena *a, struct str text, const struct json_limits *lim,
                      const struct json_events *ev, void *arg, struct json_error *out_err)
{
    static const struct json_events none = { 0 };
    struct parser p = { .a = a, .ev = ev ? ev : &none, .arg = arg, .err = out_err };
    return run_parser(&p, text, lim);
}

struct json_value *json_object_find(const struct json_value *obj, struct str key)
{
    if (obj == NULL || obj->type != JSON_OBJECT) {
        return NULL;
    }
    for (size_t i = obj->obj.count; i > 0; i--) {
        if (str_eq(obj->obj.members[i - 1].key, key)) {
            return obj->obj.members[i - 1].value;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------------------- numbers */

/* A decimal D * 10^e: D is a string of up to 19 digits. */
struct decimal {
    char d[24];
    int e;
};

static bool round_trips(const struct decimal *x, double v)
{
    char tmp[40];
    (void)snprintf(tmp, sizeof(tmp), "%se%d", x->d, x->e);
    return strtod(tmp, NULL) == v;
}

/* x plus or minus one unit in its last digit (step is 1 or -1); the digit count may change. */
static struct decimal step_last_digit(const struct decimal *x, int step)
{
    struct decimal r = *x;
    size_t len = strlen(r.d);
    size_t i = len;
    while (i > 0) {
        i--;
        int c = r.d[i] - '0' + step;
        if (c >= 0 && c <= 9) {
            r.d[i] = (char)('0' + c);
            break;
        }
        r.d[i] = step > 0 ? '0' : '9';
        if (i == 0 && step > 0) { /* 999 + 1 = 1000 */
            memmove(r.d + 1, r.d, len + 1);
            r.d[0] = '1';
        }
    }
    return r;
}

/*
 * Shortest digits that round-trip, as ECMAScript Number::toString asks: for each precision k
 * from 1, the correctly rounded k digits (closest to v); when they do not round-trip, the
 * k-digit neighbour on the other side of v may still do (v a power of two has a narrower gap
 * below), and then it is the closest k-digit value that does. *digits gets the k significant
 * digits; *out_n is such that v = 0.d1d2...dk * 10^n. v is finite and > 0.
 */
/* The prec-digit decimal closest to v that round-trips into *out; false when none does. */
static bool digits_at(double v, int prec, struct decimal *out)
{
    char tmp[40];
    (void)snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
    size_t k = 0;
    const char *q = tmp;
    for (; *q != 'e'; q++) {
        if (*q != '.') {
            out->d[k++] = *q;
        }
    }
    out->d[k] = '\0';
    out->e = (int)strtol(q + 1, NULL, 10) - (prec - 1);
    if (prec == 17 || round_trips(out, v)) {
        return true;
    }
    struct decimal up = step_last_digit(out, 1);
    if (round_trips(&up, v)) {
        *out = up;
        return true;
    }
    struct decimal down = step_last_digit(out, -1);
    if (round_trips(&down, v)) {
        *out = down;
        return true;
    }
    return false;
}

static size_t shortest_digits(double v, char digits[24], int *out_n)
{
    /* The k-digit grid is part of the (k+1)-digit grid, so "some k-digit value round-trips"
     * is monotonic in k: binary search over 1..17 (17 always round-trips). */
    struct decimal x;
    int lo = 1;
    int hi = 17;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (digits_at(v, mid, &x)) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    (void)digits_at(v, lo, &x);
    /* Drop leading zeros (from 100 - 1) and trailing zeros (into the exponent). */
    const char *d = x.d;
    while (d[0] == '0' && d[1] != '\0') {
        d++;
    }
    size_t k = strlen(d);
    int e = x.e;
    while (k > 1 && d[k - 1] == '0') {
        k--;
        e++;
    }
    memcpy(digits, d, k);
    digits[k] = '\0';
    *out_n = (int)k + e;
    return k;
}

/* v in decimal into out (at least 21 bytes, not NUL-terminated); returns the length. */
static size_t format_i64(int64_t v, char *out)
{
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    size_t o = 0;
    if (v < 0) {
        out[o++] = '-';
    }
    while (n > 0) {
        out[o++] = tmp[--n];
    }
    return o;
}

/*
 * The shortest digits of v (finite, > 0) for numbers with few decimals, without formatting
 * and parsing: the smallest j for which an integer m gives m / 10^j == v (that division is
 * correctly rounded, so "m" with j decimals round-trips). It only answers while two
 * neighbouring j-decimal values are more than two doubles apart (10^j * ulp < 0.5: at most
 * one m round-trips, and v * 10^j < 2^51 is within 0.5 of it), so the m it finds is the
 * unique, closest and shortest candidate Number::toString wants. Returns the digit count, or
 * 0 when the caller must search (shortest_digits()).
 */
static size_t shortest_digits_scaled(double v, char digits[24], int *out_n)
{
    static const double p10[] = { 1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
    double ulp = nextafter(v, INFINITY) - v;
    for (size_t j = 0; j < ARRAY_LEN(p10); j++) {
        double scaled = v * p10[j];
        if (scaled >= 2251799813685248.0 || ulp * p10[j] >= 0.5) {
            return 0;
        }
        double m = nearbyint(scaled);
        if (m >= 1 && m / p10[j] == v) {
            size_t k = format_i64((int64_t)m, digits);
            *out_n = (int)k - (int)j;
            while (k > 1 && digits[k - 1] == '0') { /* only for integers (j == 0) */
                k--;
            }
            digits[k] = '\0';
            return k;
        }
    }
    return 0;
}

size_t json_format_number(double v, char out[32])
{
    if (isnan(v)) {
        memcpy(out, "NaN", 4);
        return 3;
    }
    if (isinf(v)) {
        const char *s = v < 0 ? "-Infinity" : "Infinity";
        size_t n = strlen(s);
        memcpy(out, s, n + 1);
        return n;
    }
    if (v == 0) {
        memcpy(out, "0", 2); /* also -0 */
        return 1;
    }
    if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v) {
        /* Fast path: an integer below 2^53 is its own shortest form. */
        size_t len = format_i64((int64_t)v, out);
        out[len] = '\0';
        return len;
    }
    size_t o = 0;
    if (v < 0) {
        out[o++] = '-';
        v = -v;
    }
    char d[24];
    int n;
    int k = (int)shortest_digits_scaled(v, d, &n);
    if (k == 0) {
        k = (int)shortest_digits(v, d, &n);
    }
    if (k <= n && n <= 21) {
        /* an integer: the digits then n-k zeros */
        memcpy(out + o, d, (size_t)k);
        o += (size_t)k;
        for (int i = k; i < n; i++) {
            out[o++] = '0';
        }
    } else if (0 < n && n <= 21) {
        memcpy(out + o, d, (size_t)n);
        o += (size_t)n;
        out[o++] = '.';
        memcpy(out + o, d + n, (size_t)(k - n));
        o += (size_t)(k - n);
    } else if (-6 < n && n <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = 0; i < -n; i++) {
            out[o++] = '0';
        }
        memcpy(out + o, d, (size_t)k);
        o += (size_t)k;
    } else {
        out[o++] = d[0];
        if (k > 1) {
            out[o++] = '.';
            memcpy(out + o, d + 1, (size_t)(k - 1));
            o += (size_t)(k - 1);
        }
        int r = snprintf(out + o, 32 - o, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
        o += (size_t)r;
    }
    out[o] = '\0';
    return o;
}

/* ------------------------------------------------------------------------------- writer */

void json_writer_init(struct json_writer *w, struct buf *out)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
}

/* Room for n bytes (and the buffer's NUL) at the end of the output: where to write them, or
 * NULL with w->rc set when the buffer cannot grow that far. Finish with commit(). The writer
 * appends through these two rather than one buf_try_append call per token: most tokens fit in
 * the capacity already there, which takes a compare and a copy. */
static char *reserve(struct json_writer *w, size_t n)
{
    struct buf *b = w->out;
    if (w->rc != RC_OK) {
        return NULL;
    }
    if (UNLIKELY(b->cap - b->len <= n)) {
        w->rc = buf_try_reserve(b, n);
        if (w->rc != RC_OK) {
            return NULL;
        }
    }
    return b->ptr + b->len;
}

static void commit(struct json_writer *w, size_t n)
{
    w->out->len += n;
    w->out->ptr[w->out->len] = '\0';
}

static void put(struct json_writer *w, const char *p, size_t n)
{
    char *dst = reserve(w, n);
    if (dst != NULL && n > 0) {
        memcpy(dst, p, n);
        commit(w, n);
    }
}

/* Before any value: the comma between siblings (none right after a key). */
static bool before_value(struct json_writer *w)
{
    if (w->rc != RC_OK) {
        return false;
    }
    if (w->after_key) {
        w->after_key = false;
    } else {
        if (w->need_comma[w->depth]) {
            put(w, ",", 1);
        }
        w->need_comma[w->depth] = true;
    }
    return w->rc == RC_OK;
}

void json_write_null(struct json_writer *w)
{
    if (before_value(w)) {
        put(w, "null", 4);
    }
}

void json_write_bool(struct json_writer *w, bool v)
{
    if (before_value(w)) {
        put(w, v ? "true" : "false", v ? 4 : 5);
    }
}

void json_write_number(struct json_writer *w, double v)
{
    if (!isfinite(v)) {
        json_write_null(w);
        return;
    }
    if (before_value(w)) {
        char tmp[32];
        size_t n = json_format_number(v, tmp);
        put(w, tmp, n);
    }
}

void json_write_int(struct json_writer *w, int64_t v)
{
    if (before_value(w)) {
        char tmp[24];
        put(w, tmp, format_i64(v, tmp));
    }
}

/* Write \\uXXXX (lower-case hex, as JSON.stringify) for a code unit below 0x10000. */
static void put_u_escape(struct json_writer *w, uint32_t unit)
{
    static const char hex[] = "0123456789abcdef";
    char esc[6] = { '\\',
                    'u',
                    hex[(unit >> 12) & 0xF],
                    hex[(unit >> 8) & 0xF],
                    hex[(unit >> 4) & 0xF],
                    hex[unit & 0xF] };
    put(w, esc, sizeof(esc));
}

/* The WTF-8 surrogate (U+D800..U+DFFF as ED A0..BF xx) at p, or -1. */
static int32_t wtf8_surrogate(const unsigned char *p, size_t n)
{
    if (n >= 3 && p[0] == 0xED && p[1] >= 0xA0 && p[1] <= 0xBF && (p[2] & 0xC0) == 0x80) {
        return 0xD000 | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    }
    return -1;
}

/* Write the non-ASCII sequence at s[*i]: raw when valid UTF-8, \udXXX for a lone WTF-8
 * surrogate (a high+low pair is joined into one code point), U+FFFD for invalid bytes. */
static void write_non_ascii(struct json_writer *w, const unsigned char *s, size_t n, size_t *i)
{
    int32_t hi = wtf8_surrogate(s + *i, n - *i);
    if (hi >= 0) {
        int32_t lo = hi <= 0xDBFF ? wtf8_surrogate(s + *i + 3, n - *i - 3) : -1;
        if (lo >= 0xDC00) {
            char enc[4];
            uint32_t cp = 0x10000 + (((uint32_t)hi - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
            put(w, enc, (size_t)utf8_encode(cp, enc));
            *i += 6;
            return;
        }
        put_u_escape(w, (uint32_t)hi);
        *i += 3;
        return;
    }
    uint32_t cp;
    int k = utf8_decode((const char *)s + *i, n - *i, &cp);
    if (k < 0) {
        put(w, "\xEF\xBF\xBD", 3);
        *i += utf8_bad_len((const char *)s + *i, n - *i);
        return;
    }
    put(w, (const char *)s + *i, (size_t)k);
    *i += (size_t)k;
}

/* Bytes written as they are inside a JSON string: printable ASCII but '"' and '\\'. */
static bool json_plain_byte(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* True when any of the eight bytes of x is not plain (SWAR: a byte below 0x20 or from 0x80,
 * or equal to '"' or '\\'). Exact for "any"; plain_prefix() then finds which. */
static bool word_has_special(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u;
    uint64_t below_space = (x - ones * 0x20) & ~x;
    uint64_t quote = x ^ (ones * '"');
    uint64_t backslash = x ^ (ones * '\\');
    uint64_t special =
        below_space | x | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash);
    return (special & 0x8080808080808080u) != 0;
}

/* How many bytes at s are plain: eight at a time while a whole word is, a last partial word
 * padded with plain bytes, then byte by byte from the first word that has a special one. */
static size_t plain_prefix(const unsigned char *s, size_t n)
{
    size_t i = 0;
    for (; i < n; i += 8) {
        uint64_t x = 0x6161616161616161u; /* "aaaaaaaa" pads a short tail */
        memcpy(&x, s + i, n - i < 8 ? n - i : 8);
        if (word_has_special(x)) {
            break;
        }
    }
    if (i >= n) {
        return n;
    }
    while (i < n && json_plain_byte(s[i])) {
        i++;
    }
    return i;
}

/* Write "s" then the byte after (':' after a key, or nothing when after is 0) in one copy. */
static void copy_plain_string(struct json_writer *w, struct str str, char after)
{
    size_t total = str.len + 2 + (after != 0);
    char *dst = reserve(w, total);
    if (dst != NULL) {
        dst[0] = '"';
        if (str.len > 0) { /* STR_NULL has a NULL ptr */
            memcpy(dst + 1, str.ptr, str.len);
        }
        dst[str.len + 1] = '"';
        if (after != 0) {
            dst[str.len + 2] = after;
        }
        commit(w, total);
    }
}

/* copy_plain_string() when nothing in s needs escaping (names, identifiers, most text); true
 * when it wrote s. */
static bool write_plain_string(struct json_writer *w, struct str str, char after)
{
    if (plain_prefix((const unsigned char *)str.ptr, str.len) != str.len) {
        return false;
    }
    copy_plain_string(w, str, after);
    return true;
}

static void write_string_body(struct json_writer *w, struct str str)
{
    const unsigned char *s = (const unsigned char *)str.ptr;
    size_t n = str.len;
    if (write_plain_string(w, str, 0)) {
        return;
    }
    put(w, "\"", 1);
    size_t i = 0;
    while (i < n && w->rc == RC_OK) {
        size_t run = i;
        i += plain_prefix(s + i, n - i);
        if (i > run) {
            put(w, (const char *)s + run, i - run);
        }
        if (i >= n) {
            break;
        }
        unsigned char c = s[i];
        if (c >= 0x80) {
            write_non_ascii(w, s, n, &i);
            continue;
        }
        static const char short_esc[] = "\"\\\b\f\n\r\t";
        static const char short_name[] = "\"\\bfnrt";
        const char *hit = memchr(short_esc, c, sizeof(short_esc) - 1);
        char esc[8];
        if (hit) {
            esc[0] = '\\';
            esc[1] = short_name[hit - short_esc];
            put(w, esc, 2);
        } else {
            put_u_escape(w, c);
        }
        i++;
    }
    put(w, "\"", 1);
}

void json_write_string(struct json_writer *w, struct str s)
{
    if (before_value(w)) {
        write_string_body(w, s);
    }
}

/* The comma before a key; false when the writer has failed. */
static bool before_key(struct json_writer *w)
{
    if (w->rc != RC_OK) {
        return false;
    }
    if (w->need_comma[w->depth]) {
        put(w, ",", 1);
    }
    w->need_comma[w->depth] = true;
    w->after_key = true;
    return true;
}

void json_write_key(struct json_writer *w, struct str key)
{
    if (before_key(w) && !write_plain_string(w, key, ':')) {
        write_string_body(w, key);
        put(w, ":", 1);
    }
}

void json_write_key_plain(struct json_writer *w, struct str key)
{
    DEBUG_ASSERT(plain_prefix((const unsigned char *)key.ptr, key.len) == key.len);
    if (before_key(w)) {
        copy_plain_string(w, key, ':');
    }
}

static void begin(struct json_writer *w, char c)
{
    if (!before_value(w)) {
        return;
    }
    if (w->depth + 1 >= JSON_WRITER_MAX_DEPTH) {
        w->rc = RC_LIMIT;
        return;
    }
    put(w, &c, 1);
    w->depth++;
    w->need_comma[w->depth] = false;
}

static void end(struct json_writer *w, char c)
{
    if (w->rc != RC_OK) {
        return;
    }
    if (w->depth == 0) {
        DEBUG_ASSERT(!"json writer: end without begin");
        w->rc = RC_INTERNAL;
        return;
    }
    w->depth--;
    w->after_key = false;
    put(w, &c, 1);
}

void json_write_begin_object(struct json_writer *w)
{
    begin(w, '{');
}

void json_write_end_object(struct json_writer *w)
{
    end(w, '}');
}

void json_write_begin_array(struct json_writer *w)
{
    begin(w, '[');
}

void json_write_end_array(struct json_writer *w)
{
    end(w, ']');
}

void json_write_raw(struct json_writer *w, struct str json)
{
    if (before_value(w)) {
        put(w, json.ptr, json.len);
    }
}

void json_write_value(struct json_writer *w, const struct json_value *v)
{
    if (v == NULL) {
        json_write_null(w);
        return;
    }
    switch (v->type) {
    case JSON_NULL:
        json_write_null(w);
        break;
    case JSON_FALSE:
    case JSON_TRUE:
        json_write_bool(w, v->type == JSON_TRUE);
        break;
    case JSON_NUMBER:
        json_write_number(w, v->num);
        break;
    case JSON_STRING:
        json_write_string(w, v->str);
        break;
    case JSON_ARRAY:
        json_write_begin_array(w);
        for (size_t i = 0; i < v->arr.count && w->rc == RC_OK; i++) {
            json_write_value(w, v->arr.items[i]);
        }
        json_write_end_array(w);
        break;
    case JSON_OBJECT:
        json_write_begin_object(w);
        for (size_t i = 0; i < v->obj.count && w->rc == RC_OK; i++) {
            json_write_key(w, v->obj.members[i].key);
            json_write_value(w, v->obj.members[i].value);
        }
        json_write_end_object(w);
        break;
    }
}

size_t json_text_depth(struct str text)
{
    size_t depth = 0;
    size_t max = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.len; i++) {
        char ch = text.ptr[i];
        if (in_string) {
            if (ch == '\\') {
                i++; /* the escaped character: never ends the string */
            } else if (ch == '"') {
                in_string = false;
            }
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '[' || ch == '{') {
            depth++;
            max = depth > max ? depth : max;
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        }
    }
    return max;
}
