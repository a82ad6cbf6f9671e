/* SPDX-License-Identifier: MIT */
/* Unit tests for http_router.c: every rule of spec/10-http.md §1.1 and §1.2. */
#include <stdio.h>

#include "base/arena.h"
#include "base/diag.h"
#include "harness.h"
#include "http/http.h"

static int targets[32];

#define T(i) ((void *)&targets[(i)])

static void add(struct http_router *r, const char *method, const char *pattern, int i)
{
    struct diag d;
    diag_clear(&d);
    int rc = http_router_add(r, str_from_cstr(method), str_from_cstr(pattern), T(i), &d);
    if (rc != RC_OK) {
        harness_fail(__FILE__, __LINE__, "add %s %s: %s %s", method, pattern, rc_name(rc), d.msg);
    }
}

static struct http_match m;

static void match(struct http_router *r, struct arena *a, const char *method, const char *path)
{
    http_router_match(r, str_from_cstr(method), str_from_cstr(path), a, &m);
}

static struct str param(const char *name)
{
    for (size_t i = 0; i < m.param_count; i++) {
        if (str_eq_cstr(m.params[i].name, name)) {
            return m.params[i].value;
        }
    }
    return STR("<missing>");
}

TEST(router_pattern_rules)
{
    struct diag d;
    ASSERT_OK(http_router_check_pattern(STR("/"), &d));
    ASSERT_OK(http_router_check_pattern(STR("/a/:id/b/*"), &d));
    ASSERT_OK(http_router_check_pattern(STR("/a/*/c"), &d));
    ASSERT_OK(http_router_check_pattern(STR("/a/"), &d));
    ASSERT_RC(http_router_check_pattern(STR(""), &d), RC_INVAL);
    ASSERT_RC(http_router_check_pattern(STR("a/b"), &d), RC_INVAL);
    ASSERT_RC(http_router_check_pattern(STR("/a/../b"), &d), RC_INVAL);
    ASSERT_RC(http_router_check_pattern(STR("/a//b"), &d), RC_INVAL);
    ASSERT_RC(http_router_check_pattern(STR("/a?b"), &d), RC_INVAL);
    ASSERT_RC(http_router_check_pattern(STR("/a#b"), &d), RC_INVAL);
    ASSERT_RC(http_router_check_pattern(STR("/:1x"), &d), RC_INVAL);
    ASSERT_RC(http_router_check_pattern(STR("/:"), &d), RC_INVAL);
    ASSERT_RC(http_router_check_pattern(STR("/:a-b"), &d), RC_INVAL);
    ASSERT_RC(http_router_check_pattern(STR("/:a/:a"), &d), RC_INVAL);
    ASSERT_RC(http_router_check_pattern(STR("/a*"), &d), RC_INVAL);
    ASSERT_RC(http_router_check_pattern(STR("/a b"), &d), RC_INVAL);
    char long_path[502];
    long_path[0] = '/';
    memset(long_path + 1, 'a', 500);
    long_path[501] = '\0';
    ASSERT_RC(http_router_check_pattern(str_from_cstr(long_path), &d), RC_INVAL);
    long_path[500] = '\0'; /* exactly 500 bytes */
    ASSERT_OK(http_router_check_pattern(str_from_cstr(long_path), &d));
}

TEST(router_literal_and_trailing_slash)
{
    struct http_router *r = http_router_new();
    struct arena *a = arena_new(0);
    add(r, "GET", "/", 0);
    add(r, "GET", "/a", 1);
    add(r, "GET", "/a/", 2);
    add(r, "GET", "/a/b", 3);
    match(r, a, "GET", "/");
    ASSERT_EQ_INT(m.kind, HTTP_MATCH_FOUND);
    ASSERT_TRUE(m.target == T(0));
    match(r, a, "GET", "/a");
    ASSERT_TRUE(m.target == T(1));
    match(r, a, "GET", "/a/");
    ASSERT_TRUE(m.target == T(2));
    ASSERT_EQ_SLICE(m.pattern, "/a/");
    match(r, a, "GET", "/a/b");
    ASSERT_TRUE(m.target == T(3));
    match(r, a, "GET", "/a/b/");
    ASSERT_EQ_INT(m.kind, HTTP_MATCH_NOT_FOUND);
    match(r, a, "GET", "/b");
    ASSERT_EQ_INT(m.kind, HTTP_MATCH_NOT_FOUND);
    match(r, a, "GET", "");
    ASSERT_EQ_INT(m.kind, HTTP_MATCH_NOT_FOUND);
    match(r, a, "GET", "a");
    ASSERT_EQ_INT(m.kind, HTTP_MATCH_NOT_FOUND);
    arena_free(a);
    http_router_free(r);
}

TEST(router_params_decoded_and_2f_does_not_split)
{
    struct http_router *r = http_router_new();
    struct arena *a = arena_new(0);
    add(r, "GET", "/users/:id/posts/:post_id", 0);
    add(r, "GET", "/files/caf\xc3\xa9", 1);
    match(r, a, "GET", "/users/a%20b/posts/x%2Fy");
    ASSERT_EQ_INT(m.kind, HTTP_MATCH_FOUND);
    ASSERT_EQ_SIZE(m.param_count, 2);
    ASSERT_EQ_SLICE(param("id"), "a b");
    ASSERT_EQ_SLICE(param("post_id"), "x/y");
    /* :name needs a non-empty segment */
    match(r, a, "GET", "/users//posts/1");
    ASSERT_EQ_INT(m.kind, HTTP_MATCH_NOT_FOUND);
    /* literal compared with the decoded segment */
    match(r, a, "GET", "/files/caf%C3%A9");
    ASSERT_TRUE(m.target == T(1));
    /* a malformed escape stays as it is */
    match(r, a, "GET", "/users/%zz/posts/%4");
    ASSERT_EQ_SLICE(param("id"), "%zz");
    ASSERT_EQ_SLICE(param("post_id"), "%4");
    arena_free(a);
    http_router_free(r);
}

TEST(router_wildcards)
{
    struct http_router *r = http_router_new();
    struct arena *a = arena_new(0);
    add(r, "GET", "/files/*", 0);
    add(r, "GET", "/x/*/z", 1);
    match(r, a, "GET", "/files/");
    ASSERT_EQ_INT(m.kind, HTTP_MATCH_FOUND);
    ASSERT_EQ_SLICE(param("*"), "");
    match(r, a, "GET", "/files/a");
    ASSERT_EQ_SLICE(param("*"), "a");
    match(r, a, "GET", "/files/a%20b/c%2Fd");
    ASSERT_EQ_SLICE(param("*"), "a%20b/c%2Fd"); /* undecoded */
    match(r, a, "GET", "/files");
    ASSERT_EQ_INT(m.kind, HTTP_MATCH_NOT_FOUND);
    match(r, a, "GET", "/x/y/z");
    ASSERT_TRUE(m.target == T(1));
    ASSERT_EQ_SIZE(m.param_count, 0); /* a middle * is not captured */
    match(r, a, "GET", "/x//z");
    ASSERT_EQ_INT(m.kind, HTTP_MATCH_NOT_FOUND);
    match(r, a, "GET", "/x/y/y/z");
    ASSERT_EQ_INT(m.kind, HTTP_MATCH_NOT_FOUND);
    arena_free(a);
    http_router_free(r);
}

TEST(router_specificity_left_to_right)
{
    struct http_router *r = http_router_new();
    struct arena *a = arena_new(0);
    add(r, "GET", "/a/*", 0);
    add(r, "GET", "/a/*/c", 1);
    add(r, "GET", "/a/:x/c", 2);
    add(r, "GET", "/a/b/:y", 3);
    add(r, "GET", "/:p/b/c", 4);
    /* first difference decides: literal "a" beats :p even though :p/b/c is more literal later */
    match(r, a, "GET", "/a/b/c");
    ASSERT_TRUE(m.target == T(3));
    ASSERT_EQ_SLICE(param("y"), "c");
    /* :x beats middle * */
    match(r, a, "GET", "/a/q/c");
    ASSERT_TRUE(m.target == T(2));
    ASSERT_EQ_SLICE(param("x"), "q");
    /* middle * beats trailing * */
    match(r, a, "GET", "/a/q/d");
    ASSERT_TRUE(m.target == T(0));
    ASSERT_EQ_SLICE(param("*"), "q/d");
    match(r, a, "GET", "/z/b/c");
    ASSERT_TRUE(m.target == T(4));
    ASSERT_EQ_SLICE(param("p"), "z");
    /* backtracking: the literal branch fails later, the param branch matches */
    add(r, "GET", "/m/lit/end", 5);
    add(r, "GET", "/m/:v/other", 6);
    match(r, a, "GET", "/m/lit/other");
    ASSERT_TRUE(m.target == T(6));
    ASSERT_EQ_SLICE(param("v"), "lit");
    arena_free(a);
    http_router_free(r);
}

TEST(router_methods_star_and_head)
{
    struct http_router *r = http_router_new();
    struct arena *a = arena_new(0);
    add(r, "*", "/any", 0);
    add(r, "POST", "/any", 1);
    add(r, "GET", "/g", 2);
    add(r, "*", "/g/*", 3);
    add(r, "GET", "/h", 4);
    add(r, "HEAD", "/h", 5);
    match(r, a, "POST", "/any");
    ASSERT_TRUE(m.target == T(1)); /* exact beats "*" */
    ASSERT_EQ_SLICE(m.method, "POST");
    match(r, a, "DELETE", "/any");
    ASSERT_TRUE(m.target == T(0));
    ASSERT_EQ_SLICE(m.method, "*");
    match(r, a, "HEAD", "/g");
    ASSERT_TRUE(m.target == T(2));
    ASSERT_TRUE(m.head_via_get);
    match(r, a, "HEAD", "/h");
    ASSERT_TRUE(m.target == T(5));
    ASSERT_FALSE(m.head_via_get);
    match(r, a, "GET", "/h");
    ASSERT_TRUE(m.target == T(4));
    /* a less specific "*" route serves a method the specific route lacks */
    add(r, "GET", "/g/x", 6);
    match(r, a, "POST", "/g/x");
    ASSERT_TRUE(m.target == T(3));
    /* HEAD: no HEAD route anywhere, so GET /g/x (more specific) beats "*" /g/ * */
    match(r, a, "HEAD", "/g/x");
    ASSERT_TRUE(m.target == T(6));
    ASSERT_TRUE(m.head_via_get);
    arena_free(a);
    http_router_free(r);
}

TEST(router_405_allow)
{
    struct http_router *r = http_router_new();
    struct arena *a = arena_new(0);
    add(r, "GET", "/r", 0);
    add(r, "DELETE", "/r", 1);
    add(r, "PURGE", "/r", 2);
    add(r, "POST", "/p/:id", 3);
    match(r, a, "PUT", "/r");
    ASSERT_EQ_INT(m.kind, HTTP_MATCH_NO_METHOD);
    ASSERT_EQ_SLICE(m.allow, "GET, HEAD, DELETE, PURGE, OPTIONS");
    match(r, a, "GET", "/p/1");
    ASSERT_EQ_INT(m.kind, HTTP_MATCH_NO_METHOD);
    ASSERT_EQ_SLICE(m.allow, "POST, OPTIONS");
    match(r, a, "OPTIONS", "/r");
    ASSERT_EQ_INT(m.kind, HTTP_MATCH_NO_METHOD);
    match(r, a, "GET", "/nothing");
    ASSERT_EQ_INT(m.kind, HTTP_MATCH_NOT_FOUND);
    arena_free(a);
    http_router_free(r);
}

TEST(router_conflicts)
{
    struct http_router *r = http_router_new();
    struct diag d;
    add(r, "GET", "/a/:id", 0);
    add(r, "POST", "/a/:id", 1);
    add(r, "*", "/a/:id", 2);
    ASSERT_RC(http_router_add(r, STR("GET"), STR("/a/:id"), T(3), &d), RC_CONFLICT);
    ASSERT_TRUE(strstr(d.msg, "/a/:id") != NULL);
    /* same shape with another parameter name is the same route */
    ASSERT_RC(http_router_add(r, STR("GET"), STR("/a/:other"), T(3), &d), RC_CONFLICT);
    ASSERT_RC(http_router_add(r, STR("*"), STR("/a/:id"), T(3), &d), RC_CONFLICT);
    add(r, "GET", "/a/*", 4); /* trailing * is a different route than :id */
    ASSERT_RC(http_router_add(r, STR("GET"), STR("/a/*"), T(3), &d), RC_CONFLICT);
    ASSERT_RC(http_router_add(r, STR("GET"), STR("/bad//x"), T(3), &d), RC_INVAL);
    http_router_free(r);
}

TEST(router_many_segments)
{
    struct http_router *r = http_router_new();
    struct arena *a = arena_new(0);
    add(r, "GET", "/deep/*", 0);
    char path[400];
    size_t n = 0;
    n += (size_t)snprintf(path, sizeof(path), "/deep");
    for (int i = 0; i < 100; i++) {
        n += (size_t)snprintf(path + n, sizeof(path) - n, "/x");
    }
    match(r, a, "GET", path);
    ASSERT_TRUE(m.target == T(0));
    ASSERT_EQ_SIZE(param("*").len, 199);
    arena_free(a);
    http_router_free(r);
}
