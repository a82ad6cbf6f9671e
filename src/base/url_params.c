/* SPDX-License-Identifier: MIT */
/*
 * URLSearchParams' list: an array of owned name/value pairs with a byte budget, the
 * application/x-www-form-urlencoded parser and serialiser, and a stable sort by UTF-16 code
 * units. Thread contract: any thread.
 */
#include "base/url_params.h"

#include <stdint.h>
#include <string.h>

#include "base/mem.h"
#include "base/rc.h"
#include "base/url.h"
#include "base/utf8.h"

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
    p->max_bytes = max_bytes ? max_bytes : URL_PARAMS_DEFAULT_MAX_BYTES;
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

/*
 * Form-decode s ('+' is space, percent-decode, UTF-8 decode with U+FFFD) into *res: s itself
 * when nothing needs decoding (no '+', '%' or non-ASCII byte), else the decoding in out (tmp
 * holds the percent-decoded bytes on the rare ill-formed UTF-8 path).
 */
static int form_decode(struct str s, struct buf *tmp, struct buf *out, struct str *res)
{
    size_t i = 0;
    while (i < s.len && s.ptr[i] != '+' && s.ptr[i] != '%' && (unsigned char)s.ptr[i] < 0x80) {
        i++;
    }
    if (i == s.len) {
        *res = s;
        return RC_OK;
    }
    buf_reset(out);
    int rc = buf_try_reserve(out, s.len);
    if (rc != RC_OK) {
        return rc;
    }
    char *w = out->ptr;
    memcpy(w, s.ptr, i);
    w += i;
    bool ascii = true;
    for (; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < s.len && str_hex_digit(s.ptr[i + 1]) >= 0 &&
                   str_hex_digit(s.ptr[i + 2]) >= 0) {
            c = (unsigned char)(str_hex_digit(s.ptr[i + 1]) * 16 + str_hex_digit(s.ptr[i + 2]));
            i += 2;
        }
        ascii = ascii && c < 0x80;
        *w++ = (char)c;
    }
    out->len = (size_t)(w - out->ptr);
    out->ptr[out->len] = '\0';
    if (ascii || utf8_is_valid(out->ptr, out->len)) {
        *res = buf_str(out);
        return RC_OK;
    }
    buf_reset(tmp);
    rc = url_utf8_lossy(buf_str(out), tmp);
    *res = buf_str(tmp);
    return rc;
}

int url_params_parse_each(struct str input, size_t max_bytes, url_params_pair_fn *on_pair,
                          void *arg)
{
    /* [0] and [1] serve the name, [2] and [3] the value: both slices must live until on_pair. */
    struct buf work[4];
    size_t max = max_bytes ? max_bytes : URL_PARAMS_DEFAULT_MAX_BYTES;
    size_t used = 0;
    for (size_t i = 0; i < ARRAY_LEN(work); i++) {
        buf_init(&work[i], max * 2 + 16);
    }
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
        rc = form_decode(n, &work[0], &work[1], &n);
        rc = rc ? rc : form_decode(v, &work[2], &work[3], &v);
        if (rc == RC_OK && n.len + v.len > max - used) {
            rc = RC_LIMIT;
        }
        used += n.len + v.len;
        rc = rc ? rc : on_pair(n, v, arg);
    }
    for (size_t i = 0; i < ARRAY_LEN(work); i++) {
        buf_fini(&work[i]);
    }
    return rc;
}

static int append_pair(struct str name, struct str value, void *arg)
{
    return url_params_append(arg, name, value);
}

int url_params_parse(struct url_params *p, struct str input)
{
    clear_params(p);
    int rc = url_params_parse_each(input, p->max_bytes, append_pair, p);
    if (rc != RC_OK) {
        clear_params(p);
    }
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
        rc = rc ? rc
                : url_percent_encode(str_make(p->items[i].name, p->items[i].name_len), URL_SET_FORM,
                                     out);
        rc = rc ? rc : buf_try_append_char(out, '=');
        rc = rc ? rc
                : url_percent_encode(str_make(p->items[i].value, p->items[i].value_len),
                                     URL_SET_FORM, out);
    }
    return rc;
}
