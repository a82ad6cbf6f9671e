/* SPDX-License-Identifier: MIT */
/*
 * The filter rule of spec/20-realtime.md §3: connection criteria (C), message filters (M) with
 * literal, glob, any-of and negated patterns, and the subset / overlap / select modes.
 *
 * A pattern is compiled once into its '*'-separated pieces (escapes removed), so matching a
 * glob is a prefix test, a suffix test and a leftmost search per middle piece: linear in the
 * value, no backtracking. Both objects keep their bytes in a small arena of their own. A
 * filter is immutable once built and shared across I/O loops by reference count.
 * Thread contract: see http.h.
 */
#include <stdatomic.h>
#include <string.h>

#include "base/arena.h"
#include "base/diag.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/rc.h"
#include "base/str.h"
#include "http/http.h"

#define CRITERIA_ARENA_BYTES 256
#define FILTER_ARENA_BYTES   512

struct crit_entry {
    struct str key;
    struct str value;
};

struct http_criteria {
    struct arena *arena;
    struct crit_entry *items;
    size_t count;
    size_t cap;
};

/* One literal or glob: pieces between the '*'s, escapes removed (a literal has one piece). */
struct pat {
    struct str *pieces;
    size_t piece_count;
};

struct filter_entry {
    struct str key;
    struct pat *alts; /* one pattern, or the any-of list */
    size_t alt_count;
    bool negated;
};

struct http_filter {
    struct arena *arena;
    struct filter_entry *items;
    size_t count;
    size_t cap;
    enum http_filter_mode mode;
    atomic_size_t refs;
};

/* ------------------------------------------------------------------ criteria */

struct http_criteria *http_criteria_new(void)
{
    struct http_criteria *c = mem_calloc(1, sizeof(*c));
    c->arena = arena_new(CRITERIA_ARENA_BYTES);
    return c;
}

void http_criteria_free(struct http_criteria *c)
{
    if (c == NULL) {
        return;
    }
    arena_free(c->arena);
    mem_free(c);
}

static struct crit_entry *crit_find(const struct http_criteria *c, struct str key)
{
    for (size_t i = 0; i < c->count; i++) {
        if (str_eq(c->items[i].key, key)) {
            return &c->items[i];
        }
    }
    return NULL;
}

int http_criteria_set(struct http_criteria *c, struct str key, struct str value, struct diag *d)
{
    if (key.len > HTTP_CRITERIA_MAX_KEY_BYTES) {
        return diag_set(d, RC_LIMIT, "criteria key is %zu bytes, limit %d", key.len,
                        HTTP_CRITERIA_MAX_KEY_BYTES);
    }
    if (value.len > HTTP_CRITERIA_MAX_VALUE_BYTES) {
        return diag_set(d, RC_LIMIT, "criteria value of '%.*s' is %zu bytes, limit %d",
                        STR_FMT(key), value.len, HTTP_CRITERIA_MAX_VALUE_BYTES);
    }
    struct crit_entry *e = crit_find(c, key);
    if (e != NULL) {
        e->value = arena_strdup(c->arena, value);
        return RC_OK;
    }
    if (c->count == HTTP_CRITERIA_MAX_KEYS) {
        return diag_set(d, RC_LIMIT, "more than %d criteria keys", HTTP_CRITERIA_MAX_KEYS);
    }
    if (c->count == c->cap) {
        size_t cap = c->cap == 0 ? 4 : c->cap * 2;
        struct crit_entry *items = arena_alloc(c->arena, cap * sizeof(*items));
        if (c->count > 0) {
            memcpy(items, c->items, c->count * sizeof(*items));
        }
        c->items = items;
        c->cap = cap;
    }
    c->items[c->count].key = arena_strdup(c->arena, key);
    c->items[c->count].value = arena_strdup(c->arena, value);
    c->count++;
    return RC_OK;
}

/* Form-decode s into out (at least s.len bytes): '+' is a space, %XX a byte, a malformed
 * escape stays as it is. Returns the decoded length. */
static size_t form_decode(struct str s, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        char ch = s.ptr[i];
        if (ch == '+') {
            ch = ' ';
        } else if (ch == '%' && i + 2 < s.len) {
            int hi = str_hex_digit(s.ptr[i + 1]);
            int lo = str_hex_digit(s.ptr[i + 2]);
            if (hi >= 0 && lo >= 0) {
                ch = (char)((hi << 4) | lo);
                i += 2;
            }
        }
        out[n++] = ch;
    }
    return n;
}

int http_criteria_from_query(struct str query, struct http_criteria **out_c, struct diag *d)
{
    int rc = RC_OK;
    struct http_criteria *c = http_criteria_new();
    struct arena *scratch = NULL;
    *out_c = NULL;
    struct str rest = query;
    while (rest.len > 0) {
        struct str pair;
        struct str tail;
        str_split_char(rest, '&', &pair, &tail);
        rest = tail;
        if (pair.len == 0) {
            continue;
        }
        struct str raw_key;
        struct str raw_value;
        str_split_char(pair, '=', &raw_key, &raw_value);
        if (raw_key.len == 0) {
            continue;
        }
        /* Decoding only shrinks (at most 3 to 1): bound the raw text before copying it. */
        if (raw_key.len > (size_t)3 * HTTP_CRITERIA_MAX_KEY_BYTES ||
            raw_value.len > (size_t)3 * HTTP_CRITERIA_MAX_VALUE_BYTES) {
            rc = diag_set(d, RC_LIMIT, "query parameter is %zu bytes, over the criteria limit",
                          pair.len);
            goto out;
        }
        if (scratch == NULL) {
            scratch = arena_new(4096);
        }
        char *kbuf = arena_alloc(scratch, raw_key.len + 1);
        char *vbuf = arena_alloc(scratch, raw_value.len + 1);
        struct str key = str_make(kbuf, form_decode(raw_key, kbuf));
        struct str value = str_make(vbuf, form_decode(raw_value, vbuf));
        rc = http_criteria_set(c, key, value, d);
        if (rc != RC_OK) {
            goto out;
        }
        arena_reset(scratch);
    }
    *out_c = c;
    c = NULL;
out:
    arena_free(scratch);
    http_criteria_free(c);
    return rc;
}

size_t http_criteria_count(const struct http_criteria *c)
{
    return c == NULL ? 0 : c->count;
}

bool http_criteria_find(const struct http_criteria *c, struct str key, struct str *out_value)
{
    struct crit_entry *e = c == NULL ? NULL : crit_find(c, key);
    if (e == NULL) {
        *out_value = STR_NULL;
        return false;
    }
    *out_value = e->value;
    return true;
}

/* ------------------------------------------------------------------ patterns */

/* Compile src into p: with literal, one piece of the bytes as they are; else split at
 * unescaped '*' and remove the escapes \* \! \\ (another backslash stays as it is). */
static void pat_compile(struct arena *a, struct str src, bool literal, struct pat *p)
{
    if (literal) {
        p->pieces = arena_alloc(a, sizeof(*p->pieces));
        p->pieces[0] = arena_strdup(a, src);
        p->piece_count = 1;
        return;
    }
    size_t stars = 0;
    for (size_t i = 0; i < src.len; i++) {
        if (src.ptr[i] == '\\' && i + 1 < src.len) {
            i++;
        } else if (src.ptr[i] == '*') {
            stars++;
        }
    }
    p->pieces = arena_alloc(a, (stars + 1) * sizeof(*p->pieces));
    p->piece_count = 0;
    char *buf = arena_alloc(a, src.len + 1);
    size_t start = 0;
    size_t n = 0;
    for (size_t i = 0; i < src.len; i++) {
        char ch = src.ptr[i];
        if (ch == '\\' && i + 1 < src.len) {
            char next = src.ptr[i + 1];
            if (next == '*' || next == '!' || next == '\\') {
                buf[n++] = next;
                i++;
                continue;
            }
        } else if (ch == '*') {
            p->pieces[p->piece_count++] = str_make(buf + start, n - start);
            start = n;
            continue;
        }
        buf[n++] = ch;
    }
    p->pieces[p->piece_count++] = str_make(buf + start, n - start);
}

static bool pat_match(const struct pat *p, struct str v)
{
    if (p->piece_count == 1) {
        return str_eq(p->pieces[0], v);
    }
    struct str first = p->pieces[0];
    struct str last = p->pieces[p->piece_count - 1];
    if (v.len < first.len + last.len || !str_starts_with(v, first) || !str_ends_with(v, last)) {
        return false;
    }
    struct str mid = str_sub(v, first.len, v.len - first.len - last.len);
    for (size_t i = 1; i + 1 < p->piece_count; i++) {
        ptrdiff_t at = str_find(mid, p->pieces[i]);
        if (at < 0) {
            return false;
        }
        mid = str_sub(mid, (size_t)at + p->pieces[i].len, mid.len);
    }
    return true;
}

/* P(p, c) of §3.2; present is false for ⊥. */
static bool entry_accepts(const struct filter_entry *e, bool present, struct str c)
{
    if (!present) {
        return e->negated;
    }
    bool any = false;
    for (size_t i = 0; i < e->alt_count && !any; i++) {
        any = pat_match(&e->alts[i], c);
    }
    return e->negated ? !any : any;
}

/* ------------------------------------------------------------------ filters */

struct http_filter *http_filter_new(enum http_filter_mode mode)
{
    struct http_filter *f = mem_calloc(1, sizeof(*f));
    f->arena = arena_new(FILTER_ARENA_BYTES);
    f->mode = mode;
    atomic_init(&f->refs, 1);
    return f;
}

struct http_filter *http_filter_ref(struct http_filter *f)
{
    atomic_fetch_add(&f->refs, 1);
    return f;
}

void http_filter_unref(struct http_filter *f)
{
    if (f == NULL || atomic_fetch_sub(&f->refs, 1) != 1) {
        return;
    }
    arena_free(f->arena);
    mem_free(f);
}

enum http_filter_mode http_filter_mode(const struct http_filter *f)
{
    return f->mode;
}

static const struct filter_entry *filter_find(const struct http_filter *f, struct str key)
{
    for (size_t i = 0; i < f->count; i++) {
        if (str_eq(f->items[i].key, key)) {
            return &f->items[i];
        }
    }
    return NULL;
}

/* The entry for key (a new one, or the existing one reset). RC_OK or RC_LIMIT. */
static int filter_slot(struct http_filter *f, struct str key, struct filter_entry **out_e,
                       struct diag *d)
{
    for (size_t i = 0; i < f->count; i++) {
        if (str_eq(f->items[i].key, key)) {
            *out_e = &f->items[i];
            return RC_OK;
        }
    }
    *out_e = NULL;
    if (f->count == HTTP_FILTER_MAX_KEYS) {
        return diag_set(d, RC_LIMIT, "more than %d filter keys", HTTP_FILTER_MAX_KEYS);
    }
    if (f->count == f->cap) {
        size_t cap = f->cap == 0 ? 4 : f->cap * 2;
        struct filter_entry *items = arena_alloc(f->arena, cap * sizeof(*items));
        if (f->count > 0) {
            memcpy(items, f->items, f->count * sizeof(*items));
        }
        f->items = items;
        f->cap = cap;
    }
    struct filter_entry *e = &f->items[f->count++];
    e->key = arena_strdup(f->arena, key);
    *out_e = e;
    return RC_OK;
}

int http_filter_set(struct http_filter *f, struct str key, struct str pattern, bool literal,
                    struct diag *d)
{
    struct filter_entry *e = NULL;
    int rc = filter_slot(f, key, &e, d);
    if (rc != RC_OK) {
        return rc;
    }
    e->negated = false;
    if (!literal && pattern.len > 0 && pattern.ptr[0] == '!') {
        e->negated = true;
        pattern = str_sub(pattern, 1, pattern.len);
    }
    e->alts = arena_alloc(f->arena, sizeof(*e->alts));
    e->alt_count = 1;
    pat_compile(f->arena, pattern, literal, &e->alts[0]);
    return RC_OK;
}

int http_filter_set_any_of(struct http_filter *f, struct str key, const struct str *patterns,
                           size_t count, bool literal, struct diag *d)
{
    if (literal) {
        return diag_set(d, RC_INVAL, "filter '%.*s': an array is not allowed in a literal filter",
                        STR_FMT(key));
    }
    if (count > HTTP_FILTER_MAX_ALTERNATIVES) {
        return diag_set(d, RC_LIMIT, "filter '%.*s' has %zu alternatives, limit %d", STR_FMT(key),
                        count, HTTP_FILTER_MAX_ALTERNATIVES);
    }
    for (size_t i = 0; i < count; i++) {
        if (patterns[i].len > 0 && patterns[i].ptr[0] == '!') {
            return diag_set(d, RC_INVAL, "filter '%.*s': a negation inside an array", STR_FMT(key));
        }
    }
    struct filter_entry *e = NULL;
    int rc = filter_slot(f, key, &e, d);
    if (rc != RC_OK) {
        return rc;
    }
    e->negated = false;
    e->alts = count == 0 ? NULL : arena_alloc(f->arena, count * sizeof(*e->alts));
    e->alt_count = count;
    for (size_t i = 0; i < count; i++) {
        pat_compile(f->arena, patterns[i], false, &e->alts[i]);
    }
    return RC_OK;
}

/* The literal text of a scalar JSON value (numbers as JavaScript's String() writes them), or
 * false for null, arrays and objects. */
static bool scalar_text(struct arena *a, const struct json_value *v, struct str *out)
{
    switch (v->type) {
    case JSON_STRING:
        *out = v->str;
        return true;
    case JSON_TRUE:
        *out = STR("true");
        return true;
    case JSON_FALSE:
        *out = STR("false");
        return true;
    case JSON_NUMBER: {
        char num[32];
        size_t n = json_format_number(v->num, num);
        *out = arena_strdup(a, str_make(num, n));
        return true;
    }
    default:
        return false;
    }
}

static int set_from_json(struct http_filter *f, struct arena *a, struct str key,
                         const struct json_value *v, bool literal, struct diag *d)
{
    struct str text;
    if (v->type == JSON_NUMBER || v->type == JSON_TRUE || v->type == JSON_FALSE) {
        (void)scalar_text(a, v, &text);
        return http_filter_set(f, key, text, true, d);
    }
    if (v->type == JSON_STRING) {
        return http_filter_set(f, key, v->str, literal, d);
    }
    if (v->type != JSON_ARRAY || literal) {
        return diag_set(d, RC_INVAL, "filter '%.*s': unsupported value type", STR_FMT(key));
    }
    size_t n = v->arr.count;
    if (n > HTTP_FILTER_MAX_ALTERNATIVES) {
        return diag_set(d, RC_LIMIT, "filter '%.*s' has %zu alternatives, limit %d", STR_FMT(key),
                        n, HTTP_FILTER_MAX_ALTERNATIVES);
    }
    struct str *alts = arena_alloc(a, (n + 1) * sizeof(*alts));
    for (size_t i = 0; i < n; i++) {
        const struct json_value *item = v->arr.items[i];
        if (!scalar_text(a, item, &alts[i])) {
            return diag_set(d, RC_INVAL, "filter '%.*s': unsupported value in an array",
                            STR_FMT(key));
        }
    }
    return http_filter_set_any_of(f, key, alts, n, false, d);
}

int http_filter_parse_json(struct str json, enum http_filter_mode mode, bool literal,
                           struct http_filter **out_f, struct diag *d)
{
    int rc = RC_OK;
    struct http_filter *f = NULL;
    struct arena *a = NULL;
    *out_f = NULL;
    if (json.len > HTTP_FILTER_MAX_JSON_BYTES) {
        return diag_set(d, RC_LIMIT, "filter is %zu bytes, limit %zu", json.len,
                        HTTP_FILTER_MAX_JSON_BYTES);
    }
    a = arena_new(4096);
    struct json_limits lim = { .max_depth = 8, .max_bytes = HTTP_FILTER_MAX_JSON_BYTES };
    struct json_value *root = NULL;
    struct json_error jerr;
    rc = json_parse(a, json, &lim, &root, &jerr);
    if (rc != RC_OK) {
        rc = diag_set(d, rc == RC_LIMIT ? RC_LIMIT : RC_INVAL, "filter is not valid JSON: %s",
                      jerr.msg);
        goto out;
    }
    if (root->type != JSON_OBJECT) {
        rc = diag_set(d, RC_INVAL, "filter is not a JSON object");
        goto out;
    }
    f = http_filter_new(mode);
    for (size_t i = 0; i < root->obj.count; i++) {
        const struct json_member *m = &root->obj.members[i];
        rc = set_from_json(f, a, m->key, m->value, literal, d);
        if (rc != RC_OK) {
            goto out;
        }
    }
    *out_f = f;
    f = NULL;
out:
    http_filter_unref(f);
    arena_free(a);
    return rc;
}

/* ------------------------------------------------------------------ the rule (§3.3) */

bool http_filter_match(const struct http_filter *f, const struct http_criteria *c)
{
    size_t ccount = http_criteria_count(c);
    if (f->mode == HTTP_FILTER_SELECT) {
        for (size_t i = 0; i < f->count; i++) {
            struct str v;
            bool present = http_criteria_find(c, f->items[i].key, &v);
            if (!entry_accepts(&f->items[i], present, v)) {
                return false;
            }
        }
        return true;
    }
    for (size_t i = 0; i < ccount; i++) {
        const struct filter_entry *e = filter_find(f, c->items[i].key);
        if (e == NULL) {
            if (f->mode == HTTP_FILTER_SUBSET) {
                return false;
            }
            continue;
        }
        if (!entry_accepts(e, true, c->items[i].value)) {
            return false;
        }
    }
    return true;
}
