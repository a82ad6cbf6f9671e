/* SPDX-License-Identifier: MIT */
/*
 * String slices: a pointer and a length, never NUL-terminated by contract. Parsers return
 * slices into their input; NUL-terminate only at a foreign API (mem_strndup, arena_cstr).
 * Thread contract: any thread (pure functions).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/defs.h"

struct str {
    const char *ptr;
    size_t len;
};

/* A slice of a string literal. */
#define STR(lit) ((struct str){ .ptr = (lit), .len = sizeof(lit) - 1 })
#define STR_NULL ((struct str){ .ptr = NULL, .len = 0 })
/* printf support: printf("%.*s", STR_FMT(s)). */
#define STR_FMT(s) (int)(s).len, (s).ptr

/* Return a slice of the NUL-terminated string s (NULL gives the empty slice). */
struct str str_from_cstr(const char *s);

/* Return a slice of n bytes at p. */
static inline struct str str_make(const char *p, size_t n)
{
    return (struct str){ .ptr = p, .len = n };
}

/* Byte equality (inline: the engine's name lookups call it in their inner loops). */
static inline bool str_eq(struct str a, struct str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* ASCII case-insensitive comparison. */
bool str_eq_nocase(struct str a, struct str b);
bool str_eq_cstr(struct str a, const char *b);
bool str_starts_with(struct str s, struct str prefix);
bool str_ends_with(struct str s, struct str suffix);
/* Compare bytewise (memcmp order, shorter first on a tie): <0, 0, >0. */
int str_cmp(struct str a, struct str b);

/* Return the index of the first byte c in s, or -1. */
ptrdiff_t str_find_char(struct str s, char c);
/* Return the index of the first occurrence of needle in s, or -1 (empty needle: 0). */
ptrdiff_t str_find(struct str s, struct str needle);

/* Return s[from .. from+n], clamped to s. */
struct str str_sub(struct str s, size_t from, size_t n);
/* Return s without leading and trailing spaces and tabs (HTTP OWS). */
struct str str_trim(struct str s);

/*
 * Split s at the first c: *out_head gets the part before, *out_tail the part after.
 * Returns false (head = s, tail empty) when c does not occur.
 */
bool str_split_char(struct str s, char c, struct str *out_head, struct str *out_tail);

/*
 * Parse a decimal integer that fills all of s (optional leading '-'). Returns RC_OK,
 * RC_INVAL (not a number) or RC_LIMIT (out of int64 range).
 */
WARN_UNUSED int str_to_i64(struct str s, int64_t *out_value);
/* Same for an unsigned decimal without sign. */
WARN_UNUSED int str_to_u64(struct str s, uint64_t *out_value);

/* ASCII lower-case of one byte. */
static inline char str_lower_char(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
}

/* Value of the hex digit c (either case), or -1 when c is not a hex digit. */
static inline int str_hex_digit(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Percent-decode s into out (room for s.len bytes; the result is never longer): "%XY" with two
 * hex digits becomes that byte, anything else (an invalid or cut escape too) is copied; with
 * plus, '+' becomes a space (form encoding). Returns the bytes written. No UTF-8 check. */
size_t str_percent_decode(struct str s, bool plus, char *out);

/* 64-bit FNV-1a hash of the bytes of s (use for hash tables, not security). */
uint64_t str_hash(struct str s);
/* Same, over the ASCII lower-case of s. */
uint64_t str_hash_nocase(struct str s);
