/* SPDX-License-Identifier: MIT */
/*
 * String slice helpers.
 */
#include "base/str.h"

#include <string.h>

#include "base/rc.h"

struct str str_from_cstr(const char *s)
{
    if (s == NULL) {
        return STR_NULL;
    }
    return str_make(s, strlen(s));
}

bool str_eq_nocase(struct str a, struct str b)
{
    if (a.len != b.len) {
        return false;
    }
    for (size_t i = 0; i < a.len; i++) {
        if (str_lower_char(a.ptr[i]) != str_lower_char(b.ptr[i])) {
            return false;
        }
    }
    return true;
}

bool str_eq_cstr(struct str a, const char *b)
{
    return str_eq(a, str_from_cstr(b));
}

bool str_starts_with(struct str s, struct str prefix)
{
    return s.len >= prefix.len && (prefix.len == 0 || memcmp(s.ptr, prefix.ptr, prefix.len) == 0);
}

bool str_ends_with(struct str s, struct str suffix)
{
    return s.len >= suffix.len &&
           (suffix.len == 0 || memcmp(s.ptr + s.len - suffix.len, suffix.ptr, suffix.len) == 0);
}

int str_cmp(struct str a, struct str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c != 0) {
        return c;
    }
    return (a.len > b.len) - (a.len < b.len);
}

ptrdiff_t str_find_char(struct str s, char c)
{
    if (s.len == 0) {
        return -1;
    }
    const char *p = memchr(s.ptr, c, s.len);
    return p ? p - s.ptr : -1;
}

ptrdiff_t str_find(struct str s, struct str needle)
{
    if (needle.len == 0) {
        return 0;
    }
    if (s.len < needle.len) {
        return -1;
    }
    const char *p = memmem(s.ptr, s.len, needle.ptr, needle.len);
    return p ? p - s.ptr : -1;
}

struct str str_sub(struct str s, size_t from, size_t n)
{
    if (from > s.len) {
        from = s.len;
    }
    if (n > s.len - from) {
        n = s.len - from;
    }
    return str_make(s.ptr + from, n);
}

struct str str_trim(struct str s)
{
    while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) {
        s.ptr++;
        s.len--;
    }
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) {
        s.len--;
    }
    return s;
}

bool str_split_char(struct str s, char c, struct str *out_head, struct str *out_tail)
{
    ptrdiff_t i = str_find_char(s, c);
    if (i < 0) {
        *out_head = s;
        *out_tail = str_make(s.ptr + s.len, 0);
        return false;
    }
    *out_head = str_make(s.ptr, (size_t)i);
    *out_tail = str_make(s.ptr + i + 1, s.len - (size_t)i - 1);
    return true;
}

int str_to_u64(struct str s, uint64_t *out_value)
{
    *out_value = 0;
    if (s.len == 0) {
        return RC_INVAL;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c < '0' || c > '9') {
            return RC_INVAL;
        }
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(c - '0'), &v)) {
            return RC_LIMIT;
        }
    }
    *out_value = v;
    return RC_OK;
}

int str_to_i64(struct str s, int64_t *out_value)
{
    *out_value = 0;
    bool neg = s.len > 0 && s.ptr[0] == '-';
    uint64_t u;
    int rc = str_to_u64(neg ? str_sub(s, 1, s.len) : s, &u);
    if (rc != RC_OK) {
        return rc;
    }
    if (neg) {
        if (u > (uint64_t)INT64_MAX + 1) {
            return RC_LIMIT;
        }
        *out_value = (int64_t)(0 - u);
    } else {
        if (u > (uint64_t)INT64_MAX) {
            return RC_LIMIT;
        }
        *out_value = (int64_t)u;
    }
    return RC_OK;
}

uint64_t str_hash(struct str s)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < s.len; i++) {
        h ^= (unsigned char)s.ptr[i];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t str_hash_nocase(struct str s)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < s.len; i++) {
        h ^= (unsigned char)str_lower_char(s.ptr[i]);
        h *= 1099511628211ULL;
    }
    return h;
}

size_t str_percent_decode(struct str s, bool plus, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        char ch = s.ptr[i];
        int hi = -1;
        int lo = -1;
        if (ch == '%' && i + 2 < s.len && (hi = str_hex_digit(s.ptr[i + 1])) >= 0 &&
            (lo = str_hex_digit(s.ptr[i + 2])) >= 0) {
            out[n++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[n++] = plus && ch == '+' ? ' ' : ch;
        }
    }
    return n;
}
