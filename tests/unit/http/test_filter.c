/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for http_filter.c: one test per row of the pattern truth table (spec/20-realtime.md
 * §3.2), the per-key mode table (§3.3), every example of §3.4 in the three modes, escapes,
 * INVALID_FILTER cases and criteria from query strings.
 */
#include <stdio.h>

#include "base/diag.h"
#include "harness.h"
#include "http/http.h"

static const enum http_filter_mode modes[3] = { HTTP_FILTER_SUBSET, HTTP_FILTER_OVERLAP,
                                                HTTP_FILTER_SELECT };

/* C from a query string ("" is {}). */
static struct http_criteria *crit(const char *query)
{
    struct http_criteria *c = NULL;
    struct diag d;
    int rc = http_criteria_from_query(str_from_cstr(query), &c, &d);
    if (rc != RC_OK) {
        harness_fail(__FILE__, __LINE__, "criteria %s: %s", query, d.msg);
    }
    return c;
}

static struct http_filter *filt(const char *json, enum http_filter_mode mode, bool literal)
{
    struct http_filter *f = NULL;
    struct diag d;
    int rc = http_filter_parse_json(str_from_cstr(json), mode, literal, &f, &d);
    if (rc != RC_OK) {
        harness_fail(__FILE__, __LINE__, "filter %s: %s", json, d.msg);
    }
    return f;
}

/* Whether M (json) delivers to C (query) in mode. */
static bool deliver(const char *query, const char *json, enum http_filter_mode mode, bool literal)
{
    struct http_criteria *c = crit(query);
    struct http_filter *f = filt(json, mode, literal);
    bool r = http_filter_match(f, c);
    http_filter_unref(f);
    http_criteria_free(c);
    return r;
}

/* P(p, c) through select mode, where M = {k: p} decides on its own: c NULL is ⊥. */
static bool p_accepts(const char *pattern_json, const char *c)
{
    char json[256];
    char query[128];
    (void)snprintf(json, sizeof(json), "{\"k\":%s}", pattern_json);
    (void)snprintf(query, sizeof(query), c == NULL ? "other=1" : "k=%s", c == NULL ? "" : c);
    return deliver(query, json, HTTP_FILTER_SELECT, false);
}

/* §3.2 row 1: literal. */
TEST(filter_truth_literal)
{
    ASSERT_FALSE(p_accepts("\"v\"", NULL));
    ASSERT_TRUE(p_accepts("\"v\"", "v"));
    ASSERT_FALSE(p_accepts("\"v\"", "w"));
    ASSERT_FALSE(p_accepts("\"v\"", "V"));
    ASSERT_FALSE(p_accepts("\"v\"", "vv"));
    ASSERT_TRUE(p_accepts("\"\"", ""));
}

/* §3.2 row 2: glob. */
TEST(filter_truth_glob)
{
    ASSERT_FALSE(p_accepts("\"a*b\"", NULL));
    ASSERT_TRUE(p_accepts("\"a*b\"", "ab"));
    ASSERT_TRUE(p_accepts("\"a*b\"", "axxb"));
    ASSERT_FALSE(p_accepts("\"a*b\"", "axxbc"));
    ASSERT_FALSE(p_accepts("\"a*b\"", "b"));
    ASSERT_TRUE(p_accepts("\"*\"", ""));
    ASSERT_FALSE(p_accepts("\"*\"", NULL));
    ASSERT_TRUE(p_accepts("\"a*b*c\"", "abbc"));
    ASSERT_FALSE(p_accepts("\"a*b*c\"", "acb"));
    ASSERT_FALSE(p_accepts("\"aa*aa\"", "aaa"));
    ASSERT_TRUE(p_accepts("\"aa*aa\"", "aaaa"));
    ASSERT_TRUE(p_accepts("\"*x*\"", "abxcd"));
    ASSERT_FALSE(p_accepts("\"*x*\"", "abcd"));
}

/* §3.2 row 3: any-of. */
TEST(filter_truth_any_of)
{
    ASSERT_FALSE(p_accepts("[\"c1\",\"c2\"]", NULL));
    ASSERT_TRUE(p_accepts("[\"c1\",\"c2\"]", "c2"));
    ASSERT_TRUE(p_accepts("[\"c1\",\"ops_*\"]", "ops_x"));
    ASSERT_FALSE(p_accepts("[\"c1\",\"c2\"]", "c3"));
    ASSERT_FALSE(p_accepts("[]", "c1"));
    ASSERT_FALSE(p_accepts("[]", NULL));
    ASSERT_TRUE(p_accepts("[1,true]", "true"));
}

/* §3.2 row 4: negation. */
TEST(filter_truth_negation)
{
    ASSERT_TRUE(p_accepts("\"!system\"", NULL));
    ASSERT_FALSE(p_accepts("\"!system\"", "system"));
    ASSERT_TRUE(p_accepts("\"!system\"", "user"));
    ASSERT_FALSE(p_accepts("\"!sys*\"", "system"));
    ASSERT_TRUE(p_accepts("\"!sys*\"", "user"));
}

TEST(filter_escapes)
{
    ASSERT_TRUE(p_accepts("\"a\\\\*b\"", "a*b"));
    ASSERT_FALSE(p_accepts("\"a\\\\*b\"", "axb"));
    ASSERT_TRUE(p_accepts("\"\\\\!x\"", "!x"));
    ASSERT_FALSE(p_accepts("\"\\\\!x\"", NULL));
    ASSERT_TRUE(p_accepts("\"a\\\\\\\\b\"", "a\\b"));
    ASSERT_TRUE(p_accepts("\"a\\\\qb\"", "a\\qb"));
}

/* §3.3: the per-key table, row by row. */
TEST(filter_modes_key_in_c_and_m)
{
    for (size_t i = 0; i < 3; i++) {
        ASSERT_TRUE(deliver("k=1", "{\"k\":\"1\"}", modes[i], false));
        ASSERT_FALSE(deliver("k=1", "{\"k\":\"2\"}", modes[i], false));
    }
}

TEST(filter_modes_key_in_c_only)
{
    ASSERT_FALSE(deliver("k=1", "{}", HTTP_FILTER_SUBSET, false));
    ASSERT_TRUE(deliver("k=1", "{}", HTTP_FILTER_OVERLAP, false));
    ASSERT_TRUE(deliver("k=1", "{}", HTTP_FILTER_SELECT, false));
}

TEST(filter_modes_key_in_m_only)
{
    ASSERT_TRUE(deliver("a=1", "{\"a\":\"1\",\"k\":\"2\"}", HTTP_FILTER_SUBSET, false));
    ASSERT_TRUE(deliver("a=1", "{\"a\":\"1\",\"k\":\"2\"}", HTTP_FILTER_OVERLAP, false));
    ASSERT_FALSE(deliver("a=1", "{\"a\":\"1\",\"k\":\"2\"}", HTTP_FILTER_SELECT, false));
    ASSERT_TRUE(deliver("a=1", "{\"a\":\"1\",\"k\":\"!2\"}", HTTP_FILTER_SELECT, false));
}

TEST(filter_modes_empty_c)
{
    ASSERT_TRUE(deliver("", "{\"k\":\"2\"}", HTTP_FILTER_SUBSET, false));
    ASSERT_TRUE(deliver("", "{\"k\":\"2\"}", HTTP_FILTER_OVERLAP, false));
    ASSERT_FALSE(deliver("", "{\"k\":\"2\"}", HTTP_FILTER_SELECT, false));
    ASSERT_TRUE(deliver("", "{\"k\":\"!2\"}", HTTP_FILTER_SELECT, false));
    /* NULL criteria are {} too. */
    struct http_filter *f = filt("{\"k\":\"2\"}", HTTP_FILTER_SUBSET, false);
    ASSERT_TRUE(http_filter_match(f, NULL));
    http_filter_unref(f);
}

/* §3.4, one test per example row: expected subset, overlap, select. */
static void example(const char *c, const char *m, bool literal, bool sub, bool over, bool sel)
{
    const bool want[3] = { sub, over, sel };
    for (size_t i = 0; i < 3; i++) {
        if (deliver(c, m, modes[i], literal) != want[i]) {
            harness_fail(__FILE__, __LINE__, "C=%s M=%s mode %zu: expected %d", c, m, i, want[i]);
        }
    }
}

TEST(filter_example_01)
{
    example("ch=c1&user=u1", "{\"ch\":\"c1\"}", false, false, true, true);
}

TEST(filter_example_02)
{
    example("ch=c1", "{\"ch\":\"c1\",\"role\":\"admin\"}", false, true, true, false);
}

TEST(filter_example_03)
{
    example("ch=c2", "{\"ch\":\"c1\"}", false, false, false, false);
}

TEST(filter_example_04)
{
    example("", "{\"ch\":\"c1\"}", false, true, true, false);
}

TEST(filter_example_05)
{
    example("ch=c1", "{}", false, false, true, true);
}

TEST(filter_example_06)
{
    example("", "{}", false, true, true, true);
}

TEST(filter_example_07)
{
    example("ch=channel_7", "{\"ch\":\"channel_*\"}", false, true, true, true);
}

TEST(filter_example_08_json_string_is_literal)
{
    example("ch=channel_7", "{\"ch\":\"channel_*\"}", true, false, false, false);
    example("ch=channel_*", "{\"ch\":\"channel_*\"}", true, true, true, true);
    example("ch=!x", "{\"ch\":\"!x\"}", true, true, true, true);
}

TEST(filter_example_09)
{
    example("ch=c2", "{\"ch\":[\"c1\",\"c2\"]}", false, true, true, true);
}

TEST(filter_example_10)
{
    example("ch=system", "{\"ch\":\"!system\"}", false, false, false, false);
}

TEST(filter_example_11)
{
    example("user=u1", "{\"ch\":\"!system\"}", false, false, true, true);
}

TEST(filter_example_12)
{
    example("ch=c1", "{\"ch\":[]}", false, false, false, false);
}

TEST(filter_invalid)
{
    struct http_filter *f = NULL;
    struct diag d;
    const char *bad[] = {
        "{\"k\":null}", "{\"k\":{}}", "{\"k\":[[\"a\"]]}", "{\"k\":[\"!a\"]}", "{\"k\":[null]}",
        "[]",           "\"x\"",      "{\"k\":",           "{\"k\":[{}]}"
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ASSERT_RC(http_filter_parse_json(str_from_cstr(bad[i]), HTTP_FILTER_SUBSET, false, &f, &d),
                  RC_INVAL);
        ASSERT_NULL(f);
    }
    ASSERT_RC(http_filter_parse_json(STR("{\"k\":[\"a\"]}"), HTTP_FILTER_SUBSET, true, &f, &d),
              RC_INVAL);
    struct http_filter *g = http_filter_new(HTTP_FILTER_SUBSET);
    const struct str alts[1] = { STR("!a") };
    ASSERT_RC(http_filter_set_any_of(g, STR("k"), alts, 1, false, &d), RC_INVAL);
    http_filter_unref(g);
}

TEST(filter_values_become_strings)
{
    example("n=7&b=true", "{\"n\":7,\"b\":true}", false, true, true, true);
    example("n=1.5", "{\"n\":1.5}", true, true, true, true);
    example("n=*", "{\"n\":\"*\"}", false, true, true, true);
}

TEST(filter_last_key_wins_and_refcount)
{
    example("k=2", "{\"k\":\"1\",\"k\":\"2\"}", false, true, true, true);
    struct http_filter *f = http_filter_new(HTTP_FILTER_OVERLAP);
    struct diag d;
    ASSERT_OK(http_filter_set(f, STR("k"), STR("a*"), false, &d));
    ASSERT_OK(http_filter_set(f, STR("k"), STR("b*"), false, &d));
    struct http_filter *g = http_filter_ref(f);
    http_filter_unref(f);
    struct http_criteria *c = crit("k=bee");
    ASSERT_TRUE(http_filter_match(g, c));
    ASSERT_EQ_INT(http_filter_mode(g), HTTP_FILTER_OVERLAP);
    http_filter_unref(g);
    http_criteria_free(c);
}

TEST(criteria_from_query)
{
    struct http_criteria *c = crit("room=7&name=a+b&x=%41%2&&=skip&k&room=8&e=%zz");
    struct str v;
    ASSERT_EQ_SIZE(http_criteria_count(c), 5);
    ASSERT_TRUE(http_criteria_find(c, STR("room"), &v));
    ASSERT_EQ_SLICE(v, "8");
    ASSERT_TRUE(http_criteria_find(c, STR("name"), &v));
    ASSERT_EQ_SLICE(v, "a b");
    ASSERT_TRUE(http_criteria_find(c, STR("x"), &v));
    ASSERT_EQ_SLICE(v, "A%2");
    ASSERT_TRUE(http_criteria_find(c, STR("k"), &v));
    ASSERT_EQ_SLICE(v, "");
    ASSERT_TRUE(http_criteria_find(c, STR("e"), &v));
    ASSERT_EQ_SLICE(v, "%zz");
    ASSERT_FALSE(http_criteria_find(c, STR("zz"), &v));
    http_criteria_free(c);
}

TEST(criteria_limits)
{
    struct http_criteria *c = NULL;
    struct diag d;
    char q[8192];
    size_t n = 0;
    for (int i = 0; i < HTTP_CRITERIA_MAX_KEYS + 1; i++) {
        n += (size_t)snprintf(q + n, sizeof(q) - n, "k%d=v&", i);
    }
    ASSERT_RC(http_criteria_from_query(str_make(q, n), &c, &d), RC_LIMIT);
    ASSERT_NULL(c);
    memset(q, 'a', sizeof(q));
    q[0] = 'k';
    q[1] = '=';
    ASSERT_RC(http_criteria_from_query(str_make(q, HTTP_CRITERIA_MAX_VALUE_BYTES + 3), &c, &d),
              RC_LIMIT);
    ASSERT_OK(http_criteria_from_query(str_make(q, HTTP_CRITERIA_MAX_VALUE_BYTES + 2), &c, &d));
    http_criteria_free(c);
}
