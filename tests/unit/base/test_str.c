/* SPDX-License-Identifier: MIT */
/* Unit tests for base/str, base/buf, base/arena, base/map, base/utf8, base/rc. */
#include <stdio.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/map.h"
#include "base/mem.h"
#include "base/str.h"
#include "base/utf8.h"
#include "harness.h"

TEST(str_eq_and_nocase)
{
    ASSERT_TRUE(str_eq(STR("abc"), STR("abc")));
    ASSERT_FALSE(str_eq(STR("abc"), STR("abd")));
    ASSERT_TRUE(str_eq_nocase(STR("Content-Length"), STR("content-length")));
    ASSERT_FALSE(str_eq_nocase(STR("a"), STR("ab")));
    ASSERT_TRUE(str_eq(STR(""), STR_NULL));
}

TEST(str_find_split_trim)
{
    ASSERT_EQ_INT(str_find_char(STR("a=b"), '='), 1);
    ASSERT_EQ_INT(str_find_char(STR("ab"), '='), -1);
    ASSERT_EQ_INT(str_find(STR("hello world"), STR("wor")), 6);
    ASSERT_EQ_INT(str_find(STR("hi"), STR("high")), -1);
    struct str h, t;
    ASSERT_TRUE(str_split_char(STR("k=v=w"), '=', &h, &t));
    ASSERT_EQ_SLICE(h, "k");
    ASSERT_EQ_SLICE(t, "v=w");
    ASSERT_FALSE(str_split_char(STR("kv"), '=', &h, &t));
    ASSERT_EQ_SLICE(h, "kv");
    ASSERT_EQ_SLICE(str_trim(STR(" \t x y \t")), "x y");
    ASSERT_EQ_SLICE(str_sub(STR("abcdef"), 2, 100), "cdef");
    ASSERT_EQ_SLICE(str_sub(STR("abc"), 10, 1), "");
}

TEST(str_to_int)
{
    int64_t v;
    uint64_t u;
    ASSERT_OK(str_to_i64(STR("-42"), &v));
    ASSERT_EQ_INT(v, -42);
    ASSERT_OK(str_to_i64(STR("9223372036854775807"), &v));
    ASSERT_EQ_INT(v, INT64_MAX);
    ASSERT_OK(str_to_i64(STR("-9223372036854775808"), &v));
    ASSERT_EQ_INT(v, INT64_MIN);
    ASSERT_RC(str_to_i64(STR("9223372036854775808"), &v), RC_LIMIT);
    ASSERT_RC(str_to_u64(STR("18446744073709551616"), &u), RC_LIMIT);
    ASSERT_RC(str_to_u64(STR(""), &u), RC_INVAL);
    ASSERT_RC(str_to_u64(STR("12a"), &u), RC_INVAL);
    ASSERT_RC(str_to_i64(STR("-"), &v), RC_INVAL);
    ASSERT_RC(str_to_u64(STR("+1"), &u), RC_INVAL);
}

TEST(str_hex_digit_values)
{
    ASSERT_EQ_INT(str_hex_digit('0'), 0);
    ASSERT_EQ_INT(str_hex_digit('9'), 9);
    ASSERT_EQ_INT(str_hex_digit('a'), 10);
    ASSERT_EQ_INT(str_hex_digit('F'), 15);
    ASSERT_EQ_INT(str_hex_digit('g'), -1);
    ASSERT_EQ_INT(str_hex_digit('G'), -1);
    ASSERT_EQ_INT(str_hex_digit('/'), -1);
    ASSERT_EQ_INT(str_hex_digit(':'), -1);
    ASSERT_EQ_INT(str_hex_digit('@'), -1);
    ASSERT_EQ_INT(str_hex_digit('`'), -1);
    ASSERT_EQ_INT(str_hex_digit((char)0xC1), -1);
    ASSERT_EQ_INT(str_hex_digit(-1), -1);
}

TEST(str_cmp_order)
{
    ASSERT_TRUE(str_cmp(STR("a"), STR("b")) < 0);
    ASSERT_TRUE(str_cmp(STR("ab"), STR("a")) > 0);
    ASSERT_EQ_INT(str_cmp(STR("x"), STR("x")), 0);
}

TEST(buf_limit_and_take)
{
    struct buf b;
    buf_init(&b, 8);
    ASSERT_OK(buf_try_append_cstr(&b, "1234"));
    ASSERT_OK(buf_try_printf(&b, "%d", 5678));
    ASSERT_RC(buf_try_append_char(&b, 'x'), RC_LIMIT);
    ASSERT_EQ_SIZE(b.len, 8);
    ASSERT_EQ_STR(b.ptr, "12345678");
    buf_consume(&b, 3);
    ASSERT_EQ_STR(b.ptr, "45678");
    size_t n;
    char *p = buf_take(&b, &n);
    ASSERT_EQ_SIZE(n, 5);
    ASSERT_EQ_STR(p, "45678");
    ASSERT_EQ_SIZE(b.len, 0);
    mem_free(p);
    ASSERT_RC(buf_try_reserve(&b, SIZE_MAX), RC_LIMIT);
    buf_fini(&b);
}

static int cleanup_order[4];
static int cleanup_n;

static void record_cleanup(void *arg)
{
    cleanup_order[cleanup_n++] = (int)(intptr_t)arg;
}

TEST(arena_alloc_and_defer)
{
    struct arena *a = arena_new(64);
    char *p = arena_alloc(a, 10);
    memset(p, 'x', 10);
    for (int i = 0; i < 1000; i++) {
        char *q = arena_alloc(a, 100);
        ASSERT_EQ_INT(((uintptr_t)q) % 16, 0);
        memset(q, 'y', 100);
    }
    size_t big_len = (size_t)3 * 1024 * 1024;
    void *big = arena_alloc(a, big_len);
    memset(big, 0, big_len);
    struct str s = arena_printf(a, "%s-%d", "req", 7);
    ASSERT_EQ_SLICE(s, "req-7");
    ASSERT_EQ_SLICE(arena_strdup(a, STR("dup")), "dup");
    arena_defer(a, record_cleanup, (void *)1);
    arena_defer(a, record_cleanup, (void *)2);
    arena_reset(a);
    ASSERT_EQ_INT(cleanup_n, 2);
    ASSERT_EQ_INT(cleanup_order[0], 2);
    ASSERT_EQ_INT(cleanup_order[1], 1);
    ASSERT_EQ_SIZE(arena_used_bytes(a), 0);
    (void)arena_alloc(a, 8);
    arena_free(a);
    arena_free(NULL);
}

TEST(map_set_find_remove_grow)
{
    static int slots[1001];
    struct map *m = map_new();
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        map_set(m, str_from_cstr(key), &slots[i + 1], NULL);
    }
    ASSERT_EQ_SIZE(map_count(m), 1000);
    ASSERT_TRUE(map_find(m, STR("k500")) == &slots[501]);
    void *old;
    map_set(m, STR("k500"), (void *)7, &old);
    ASSERT_TRUE(old == &slots[501]);
    ASSERT_EQ_INT((intptr_t)map_remove(m, STR("k500")), 7);
    ASSERT_NULL(map_find(m, STR("k500")));
    ASSERT_NULL(map_find(m, STR("nope")));
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        (void)map_remove(m, str_from_cstr(key));
        map_set(m, str_from_cstr(key), (void *)1, NULL);
    }
    size_t it = 0, n = 0;
    struct str k;
    void *v;
    while (map_next(m, &it, &k, &v)) {
        n++;
    }
    ASSERT_EQ_SIZE(n, 1000);
    map_free(m);
}

TEST(utf8_validation)
{
    ASSERT_TRUE(utf8_is_valid("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15));
    ASSERT_FALSE(utf8_is_valid("\xc0\xaf", 2));         /* overlong */
    ASSERT_FALSE(utf8_is_valid("\xed\xa0\x80", 3));     /* surrogate */
    ASSERT_FALSE(utf8_is_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    ASSERT_FALSE(utf8_is_valid("\xe2\x82", 2));         /* truncated */
    ASSERT_FALSE(utf8_is_valid("\x80", 1));
    uint32_t cp;
    ASSERT_EQ_INT(utf8_decode("\xe2\x82\xac", 3, &cp), 3);
    ASSERT_EQ_INT(cp, 0x20AC);
    ASSERT_EQ_SIZE(utf8_bad_len("\xe2\x82x", 3), 2);
    char out[4];
    ASSERT_EQ_INT(utf8_encode(0x1F600, out), 4);
    ASSERT_EQ_MEM(out, "\xf0\x9f\x98\x80", 4);
}

TEST(rc_names)
{
    ASSERT_EQ_STR(rc_name(RC_LIMIT), "RC_LIMIT");
    ASSERT_EQ_STR(rc_name(RC_OK), "RC_OK");
    ASSERT_EQ_STR(rc_name(12345), "RC_UNKNOWN");
}

static void expect_decoded(const char *in, bool plus, const char *want)
{
    char out[64];
    size_t n = str_percent_decode(str_from_cstr(in), plus, out);
    ASSERT_EQ_SLICE(str_make(out, n), want);
}

TEST(str_percent_decode_escapes_plus_and_invalid)
{
    expect_decoded("", false, "");
    expect_decoded("a%41b%2f%2F", false, "aAb//");
    expect_decoded("%4", false, "%4"); /* cut at the end */
    expect_decoded("%", false, "%");
    expect_decoded("%zz%4g", false, "%zz%4g"); /* not hex: kept */
    expect_decoded("%%41", false, "%A");
    expect_decoded("%2B+a+", false, "++a+");
    expect_decoded("%2B+a+", true, "+ a "); /* form: '+' is a space, "%2B" a plus */
    char out[8];
    ASSERT_EQ_SIZE(str_percent_decode(STR("%00x"), false, out), 2);
    ASSERT_TRUE(out[0] == '\0' && out[1] == 'x');
}
