/* SPDX-License-Identifier: MIT */
/* Unit tests for base/json: parser (tree and events), errors with positions, limits, escapes,
 * number formatting, the writer, and a differential table generated with Node.js. */
#include <stdio.h>
#include <string.h>

#include <math.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/rc.h"
#include "base/str.h"
#include "harness.h"
#include "json_node_cases.h"

/* Parse text (a C string) and return the tree; fails the test on error. */
static struct json_value *parse_ok(struct arena *a, const char *text)
{
    struct json_value *v = NULL;
    struct json_error err;
    int rc = json_parse(a, str_from_cstr(text), NULL, &v, &err);
    if (rc != RC_OK) {
        harness_fail(__FILE__, __LINE__, "parse of '%s' failed: %s at %zu:%zu (%s)", text,
                     rc_name(rc), err.line, err.column, err.msg);
    }
    ASSERT_NOT_NULL(v);
    return v;
}

/* Expect a parse failure with rc, position and a message containing msg. */
static void expect_err(struct str text, int want_rc, size_t offset, size_t line, size_t column,
                       const char *msg)
{
    struct arena *a = arena_new(0);
    struct json_value *v = (struct json_value *)1;
    struct json_error err;
    int rc = json_parse(a, text, NULL, &v, &err);
    if (rc != want_rc || err.offset != offset || err.line != line || err.column != column ||
        strstr(err.msg, msg) == NULL) {
        harness_fail(__FILE__, __LINE__,
                     "input '%.*s': got %s at offset %zu line %zu col %zu \"%s\"; want %s at "
                     "%zu %zu:%zu \"%s\"",
                     STR_FMT(text), rc_name(rc), err.offset, err.line, err.column, err.msg,
                     rc_name(want_rc), offset, line, column, msg);
    }
    ASSERT_NULL(v);
    /* The event parser reports the same error. */
    struct json_error err2;
    ASSERT_RC(json_parse_events(a, text, NULL, NULL, NULL, &err2), want_rc);
    ASSERT_EQ_SIZE(err2.offset, offset);
    ASSERT_EQ_STR(err2.msg, err.msg);
    arena_free(a);
}

#define EXPECT_ERR(lit, rc, off, line, col, msg) expect_err(STR(lit), rc, off, line, col, msg)

/* Serialise v with the writer into a C string in a. */
static const char *write_tree(struct arena *a, const struct json_value *v)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    struct json_writer w;
    json_writer_init(&w, &b);
    json_write_value(&w, v);
    ASSERT_OK(json_writer_rc(&w));
    const char *s = arena_cstr(a, buf_str(&b));
    buf_fini(&b);
    return s;
}

static const char *fmt_num(double d, char out[32])
{
    size_t n = json_format_number(d, out);
    ASSERT_EQ_SIZE(n, strlen(out));
    return out;
}

TEST(json_parse_scalars)
{
    struct arena *a = arena_new(0);
    ASSERT_EQ_INT(parse_ok(a, "null")->type, JSON_NULL);
    ASSERT_EQ_INT(parse_ok(a, " true ")->type, JSON_TRUE);
    ASSERT_EQ_INT(parse_ok(a, "\n\t\rfalse")->type, JSON_FALSE);
    struct json_value *v = parse_ok(a, "-12.5e1");
    ASSERT_EQ_INT(v->type, JSON_NUMBER);
    ASSERT_EQ_DBL(v->num, -125.0);
    ASSERT_EQ_SLICE(v->num_text, "-12.5e1");
    v = parse_ok(a, "\"hi\"");
    ASSERT_EQ_INT(v->type, JSON_STRING);
    ASSERT_EQ_SLICE(v->str, "hi");
    ASSERT_EQ_INT(v->str.ptr[2], '\0'); /* NUL-terminated in the arena */
    arena_free(a);
}

TEST(json_parse_containers_and_order)
{
    struct arena *a = arena_new(0);
    struct json_value *v = parse_ok(a, "{\"b\":[1,2,{\"c\":null}],\"a\":{},\"z\":[]}");
    ASSERT_EQ_INT(v->type, JSON_OBJECT);
    ASSERT_EQ_SIZE(v->obj.count, 3);
    ASSERT_EQ_SLICE(v->obj.members[0].key, "b");
    ASSERT_EQ_SLICE(v->obj.members[1].key, "a");
    ASSERT_EQ_SLICE(v->obj.members[2].key, "z");
    struct json_value *b = v->obj.members[0].value;
    ASSERT_EQ_INT(b->type, JSON_ARRAY);
    ASSERT_EQ_SIZE(b->arr.count, 3);
    ASSERT_EQ_DBL(b->arr.items[1]->num, 2);
    ASSERT_EQ_INT(json_object_find(b->arr.items[2], STR("c"))->type, JSON_NULL);
    ASSERT_EQ_SIZE(json_object_find(v, STR("a"))->obj.count, 0);
    ASSERT_EQ_SIZE(json_object_find(v, STR("z"))->arr.count, 0);
    ASSERT_NULL(json_object_find(v, STR("missing")));
    ASSERT_NULL(json_object_find(b, STR("b"))); /* not an object */
    ASSERT_NULL(json_object_find(NULL, STR("b")));
    arena_free(a);
}

TEST(json_parse_many_items)
{
    /* Growth of the item and member arrays past their first capacity. */
    struct arena *a = arena_new(0);
    struct buf b;
    buf_init(&b, 1 << 20);
    ASSERT_OK(buf_try_append_cstr(&b, "[{"));
    for (int i = 0; i < 1000; i++) {
        ASSERT_OK(buf_try_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i));
    }
    ASSERT_OK(buf_try_append_cstr(&b, "}"));
    for (int i = 0; i < 1000; i++) {
        ASSERT_OK(buf_try_printf(&b, ",%d", i));
    }
    ASSERT_OK(buf_try_append_cstr(&b, "]"));
    struct json_value *v = NULL;
    ASSERT_OK(json_parse(a, buf_str(&b), NULL, &v, NULL));
    ASSERT_EQ_SIZE(v->arr.count, 1001);
    ASSERT_EQ_SIZE(v->arr.items[0]->obj.count, 1000);
    ASSERT_EQ_SLICE(v->arr.items[0]->obj.members[999].key, "k999");
    ASSERT_EQ_DBL(json_object_find(v->arr.items[0], STR("k500"))->num, 500);
    ASSERT_EQ_DBL(v->arr.items[1000]->num, 999);
    buf_fini(&b);
    arena_free(a);
}

TEST(json_duplicate_keys_kept_last_wins)
{
    struct arena *a = arena_new(0);
    struct json_value *v = parse_ok(a, "{\"a\":1,\"b\":2,\"a\":3}");
    ASSERT_EQ_SIZE(v->obj.count, 3);
    ASSERT_EQ_DBL(v->obj.members[0].value->num, 1);
    ASSERT_EQ_DBL(json_object_find(v, STR("a"))->num, 3);
    ASSERT_EQ_STR(write_tree(a, v), "{\"a\":1,\"b\":2,\"a\":3}");
    arena_free(a);
}

TEST(json_string_escapes)
{
    struct arena *a = arena_new(0);
    struct json_value *v = parse_ok(a, "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"");
    ASSERT_EQ_SLICE(v->str, "\"\\/\b\f\n\r\t");
    v = parse_ok(a, "\"a\\u0041\\u00e9\\u20AC\\ud83d\\ude00z\"");
    ASSERT_EQ_SLICE(v->str, "aA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z");
    v = parse_ok(a, "\"\\u0000x\"");
    ASSERT_EQ_SIZE(v->str.len, 2);
    ASSERT_EQ_MEM(v->str.ptr, "\0x", 2);
    /* Lone surrogates become WTF-8. */
    v = parse_ok(a, "\"\\ud800\"");
    ASSERT_EQ_SLICE(v->str, "\xed\xa0\x80");
    v = parse_ok(a, "\"\\udc00\\ud800x\"");
    ASSERT_EQ_SLICE(v->str, "\xed\xb0\x80\xed\xa0\x80x");
    v = parse_ok(a, "\"\\ud800\\u0041\"");
    ASSERT_EQ_SLICE(v->str, "\xed\xa0\x80"
                            "A");
    v = parse_ok(a, "\"\\ud800\\ud800\\udc00\"");
    ASSERT_EQ_SLICE(v->str, "\xed\xa0\x80\xf0\x90\x80\x80");
    /* ... and are written back as \\udXXX. */
    ASSERT_EQ_STR(write_tree(a, v), "\"\\ud800\xf0\x90\x80\x80\"");
    /* Raw UTF-8 passes through; escapes mixed with long plain runs. */
    v = parse_ok(a, "\"\xe4\xb8\xad\xe6\x96\x87 long plain run before \\n and after\"");
    ASSERT_EQ_SLICE(v->str, "\xe4\xb8\xad\xe6\x96\x87 long plain run before \n and after");
    arena_free(a);
}

TEST(json_malformed_positions)
{
    EXPECT_ERR("", RC_INVAL, 0, 1, 1, "unexpected end of input");
    EXPECT_ERR("   ", RC_INVAL, 3, 1, 4, "unexpected end of input");
    EXPECT_ERR("}", RC_INVAL, 0, 1, 1, "unexpected character '}'");
    EXPECT_ERR("{\"a\":1}}", RC_INVAL, 7, 1, 8, "unexpected character '}'");
    EXPECT_ERR("[1,2,]", RC_INVAL, 4, 1, 5, "trailing comma");
    EXPECT_ERR("{\"a\":1,\n }", RC_INVAL, 6, 1, 7, "trailing comma");
    EXPECT_ERR("[1 2]", RC_INVAL, 3, 1, 4, "expected ',' or ']'");
    EXPECT_ERR("{\"a\" 1}", RC_INVAL, 5, 1, 6, "expected ':'");
    EXPECT_ERR("{\"a\":1 \"b\":2}", RC_INVAL, 7, 1, 8, "expected ',' or '}'");
    EXPECT_ERR("{a:1}", RC_INVAL, 1, 1, 2, "expected string key");
    EXPECT_ERR("{1:1}", RC_INVAL, 1, 1, 2, "expected string key");
    EXPECT_ERR("[,1]", RC_INVAL, 1, 1, 2, "unexpected character ','");
    EXPECT_ERR("[1,,2]", RC_INVAL, 3, 1, 4, "unexpected character ','");
    EXPECT_ERR("[1", RC_INVAL, 2, 1, 3, "unexpected end of input");
    EXPECT_ERR("{\"a\":", RC_INVAL, 5, 1, 6, "unexpected end of input");
    EXPECT_ERR("\"abc", RC_INVAL, 0, 1, 1, "unterminated string");
    EXPECT_ERR("[\"abc\\", RC_INVAL, 1, 1, 2, "unterminated string");
    EXPECT_ERR("\"a\\x\"", RC_INVAL, 2, 1, 3, "invalid escape");
    EXPECT_ERR("\"a\\'\"", RC_INVAL, 2, 1, 3, "invalid escape");
    EXPECT_ERR("\"\\u12G4\"", RC_INVAL, 1, 1, 2, "invalid \\u escape");
    EXPECT_ERR("\"\\u12\"", RC_INVAL, 1, 1, 2, "invalid \\u escape");
    EXPECT_ERR("\"a\nb\"", RC_INVAL, 2, 1, 3, "control character in string");
    EXPECT_ERR("\"a\tb\"", RC_INVAL, 2, 1, 3, "control character in string");
    EXPECT_ERR("\"\xff\"", RC_INVAL, 1, 1, 2, "invalid UTF-8");
    EXPECT_ERR("\"\xc0\xaf\"", RC_INVAL, 1, 1, 2, "invalid UTF-8");         /* overlong */
    EXPECT_ERR("\"\xed\xa0\x80\"", RC_INVAL, 1, 1, 2, "invalid UTF-8");     /* raw surrogate */
    EXPECT_ERR("\"\xe2\x82\"", RC_INVAL, 1, 1, 2, "invalid UTF-8");         /* truncated */
    EXPECT_ERR("\"\xf4\x90\x80\x80\"", RC_INVAL, 1, 1, 2, "invalid UTF-8"); /* > U+10FFFF */
    EXPECT_ERR("tru", RC_INVAL, 0, 1, 1, "invalid literal");
    EXPECT_ERR("[nul]", RC_INVAL, 1, 1, 2, "invalid literal");
    EXPECT_ERR("True", RC_INVAL, 0, 1, 1, "unexpected character 'T'");
    EXPECT_ERR("NaN", RC_INVAL, 0, 1, 1, "unexpected character 'N'");
    EXPECT_ERR("1 2", RC_INVAL, 2, 1, 3, "expected end of input");
    EXPECT_ERR("\xef\xbb\xbf{}", RC_INVAL, 0, 1, 1, "unexpected byte 0xef"); /* BOM */
    EXPECT_ERR("[\x01]", RC_INVAL, 1, 1, 2, "unexpected byte 0x01");
    EXPECT_ERR("// c\n1", RC_INVAL, 0, 1, 1, "unexpected character '/'");
    EXPECT_ERR("'a'", RC_INVAL, 0, 1, 1, "unexpected character '''");
    /* Lines and columns: columns count code points, not bytes. */
    EXPECT_ERR("{\n  \"a\": [1,\n  2,]\n}", RC_INVAL, 16, 3, 4, "trailing comma");
    EXPECT_ERR("[\"\xc3\xa9\xc3\xa9\", x]", RC_INVAL, 9, 1, 8, "unexpected character 'x'");
    EXPECT_ERR("\r\n\r\n  ]", RC_INVAL, 6, 3, 3, "unexpected character ']'");
    /* NUL bytes in the input are not whitespace. */
    EXPECT_ERR("1\0", RC_INVAL, 1, 1, 2, "unexpected byte 0x00");
}

TEST(json_malformed_numbers)
{
    EXPECT_ERR("-", RC_INVAL, 1, 1, 2, "expected digit");
    EXPECT_ERR("-a", RC_INVAL, 1, 1, 2, "expected digit");
    EXPECT_ERR("01", RC_INVAL, 0, 1, 1, "leading zero");
    EXPECT_ERR("-012", RC_INVAL, 1, 1, 2, "leading zero");
    EXPECT_ERR("1.", RC_INVAL, 2, 1, 3, "digit after '.'");
    EXPECT_ERR("1.e5", RC_INVAL, 2, 1, 3, "digit after '.'");
    EXPECT_ERR(".5", RC_INVAL, 0, 1, 1, "unexpected character '.'");
    EXPECT_ERR("1e", RC_INVAL, 2, 1, 3, "digit in exponent");
    EXPECT_ERR("1e+", RC_INVAL, 3, 1, 4, "digit in exponent");
    EXPECT_ERR("+1", RC_INVAL, 0, 1, 1, "unexpected character '+'");
    EXPECT_ERR("0x10", RC_INVAL, 1, 1, 2, "unexpected character 'x'");
    EXPECT_ERR("Infinity", RC_INVAL, 0, 1, 1, "unexpected character 'I'");
    EXPECT_ERR("[1.5.2]", RC_INVAL, 4, 1, 5, "expected ',' or ']'");
}

TEST(json_numbers_parse)
{
    struct arena *a = arena_new(0);
    struct json_value *v = parse_ok(a, "12345678901234567890123");
    ASSERT_EQ_DBL(v->num, 1.2345678901234568e22);
    ASSERT_EQ_SLICE(v->num_text, "12345678901234567890123");
    v = parse_ok(a, "9007199254740993"); /* 2^53 + 1: the double rounds, the text does not */
    ASSERT_EQ_DBL(v->num, 9007199254740992.0);
    ASSERT_EQ_SLICE(v->num_text, "9007199254740993");
    v = parse_ok(a, "-0");
    ASSERT_TRUE(v->num == 0 && signbit(v->num));
    v = parse_ok(a, "5e-324");
    ASSERT_EQ_DBL(v->num, 4.9406564584124654e-324);
    v = parse_ok(a, "1.7976931348623157e308");
    ASSERT_EQ_DBL(v->num, 1.7976931348623157e308);
    v = parse_ok(a, "1e400"); /* JSON.parse gives Infinity */
    ASSERT_TRUE(isinf(v->num));
    v = parse_ok(a, "1E+2");
    ASSERT_EQ_DBL(v->num, 100);
    v = parse_ok(a, "0.1");
    ASSERT_EQ_DBL(v->num, 0.1);
    /* A number longer than the parser's stack buffer. */
    char big[200];
    memset(big, '1', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    v = parse_ok(a, big);
    ASSERT_EQ_DBL(v->num, 1.1111111111111111e198);
    ASSERT_EQ_SIZE(v->num_text.len, 199);
    arena_free(a);
}

TEST(json_depth_limit)
{
    struct arena *a = arena_new(0);
    char deep[200];
    for (int i = 0; i < 64; i++) {
        deep[i] = '[';
        deep[64 + i] = ']';
    }
    deep[128] = '\0';
    struct json_value *v = NULL;
    ASSERT_OK(json_parse(a, str_from_cstr(deep), NULL, &v, NULL));
    /* 65 levels fail with RC_LIMIT at the 65th bracket. */
    memset(deep, '[', 65);
    memset(deep + 65, ']', 65);
    deep[130] = '\0';
    struct json_error err;
    ASSERT_RC(json_parse(a, str_from_cstr(deep), NULL, &v, &err), RC_LIMIT);
    ASSERT_NULL(v);
    ASSERT_EQ_SIZE(err.offset, 64);
    ASSERT_TRUE(strstr(err.msg, "deeper than 64") != NULL);
    struct json_limits lim = { .max_depth = 2 };
    ASSERT_OK(json_parse(a, STR("[{\"a\":1}]"), &lim, &v, NULL));
    ASSERT_RC(json_parse(a, STR("[{\"a\":[]}]"), &lim, &v, &err), RC_LIMIT);
    ASSERT_EQ_SIZE(err.column, 7);
    ASSERT_RC(json_parse_events(a, STR("[[[]]]"), &lim, NULL, NULL, &err), RC_LIMIT);
    /* A large configured limit works without recursion (explicit stack). */
    size_t n = 100000;
    char *huge = arena_alloc(a, 2 * n);
    memset(huge, '[', n);
    memset(huge + n, ']', n);
    lim.max_depth = n;
    ASSERT_OK(json_parse(a, str_make(huge, 2 * n), &lim, &v, NULL));
    arena_free(a);
}

TEST(json_size_limit)
{
    struct arena *a = arena_new(0);
    struct json_limits lim = { .max_bytes = 8 };
    struct json_value *v = NULL;
    struct json_error err;
    ASSERT_OK(json_parse(a, STR("[1,2,3]"), &lim, &v, &err));
    ASSERT_OK(json_parse(a, STR("[1,2,34]"), &lim, &v, &err));
    ASSERT_RC(json_parse(a, STR("[1,2,345]"), &lim, &v, &err), RC_LIMIT);
    ASSERT_NULL(v);
    ASSERT_TRUE(strstr(err.msg, "limit 8") != NULL);
    ASSERT_RC(json_parse_events(a, STR("[1,2,345]"), &lim, NULL, NULL, NULL), RC_LIMIT);
    arena_free(a);
}

/* Event recorder: writes a compact trace of the events. */
struct trace {
    struct buf b;
    int stop_at; /* stop with RC_DENIED at this event number (0: never) */
    int n;
};

/* Append tag, then s in parentheses when it is not NULL. */
static int tr(struct trace *t, const char *tag, struct str s)
{
    t->n++;
    if (s.ptr == NULL) {
        ASSERT_OK(buf_try_printf(&t->b, "%s", tag));
    } else {
        ASSERT_OK(buf_try_printf(&t->b, "%s(%.*s)", tag, STR_FMT(s)));
    }
    return t->n == t->stop_at ? RC_DENIED : RC_OK;
}

static int ev_null(void *arg)
{
    return tr(arg, "N", STR_NULL);
}

static int ev_bool(void *arg, bool v)
{
    return tr(arg, v ? "T" : "F", STR_NULL);
}

static int ev_number(void *arg, double v, struct str text)
{
    (void)v;
    return tr(arg, "#", text);
}

static int ev_string(void *arg, struct str v)
{
    return tr(arg, "s", v);
}

static int ev_begin_array(void *arg)
{
    return tr(arg, "[", STR_NULL);
}

static int ev_end_array(void *arg)
{
    return tr(arg, "]", STR_NULL);
}

static int ev_begin_object(void *arg)
{
    return tr(arg, "{", STR_NULL);
}

static int ev_key(void *arg, struct str key)
{
    return tr(arg, "k", key);
}

static int ev_end_object(void *arg)
{
    return tr(arg, "}", STR_NULL);
}

static const struct json_events trace_events = {
    .on_null = ev_null,
    .on_bool = ev_bool,
    .on_number = ev_number,
    .on_string = ev_string,
    .on_begin_array = ev_begin_array,
    .on_end_array = ev_end_array,
    .on_begin_object = ev_begin_object,
    .on_key = ev_key,
    .on_end_object = ev_end_object,
};

TEST(json_events)
{
    struct arena *a = arena_new(0);
    struct trace t = { 0 };
    buf_init(&t.b, 4096);
    ASSERT_OK(json_parse_events(a,
                                STR("{\"a\\n\":[1,-2.5e3,true,false,null,\"x\\u0041\"],\"b\":{}}"),
                                NULL, &trace_events, &t, NULL));
    ASSERT_EQ_SLICE(buf_str(&t.b), "{k(a\n)[#(1)#(-2.5e3)TFNs(xA)]k(b){}}");
    /* A callback's error stops the parse and is returned. */
    buf_reset(&t.b);
    t.n = 0;
    t.stop_at = 3;
    ASSERT_RC(json_parse_events(a, STR("[1,2,3,4]"), NULL, &trace_events, &t, NULL), RC_DENIED);
    ASSERT_EQ_SLICE(buf_str(&t.b), "[#(1)#(2)");
    /* Missing callbacks are skipped. */
    struct json_events only_num = { .on_number = ev_number };
    buf_reset(&t.b);
    t.n = 0;
    t.stop_at = 0;
    ASSERT_OK(json_parse_events(a, STR("{\"k\":[null,7,\"s\"]}"), NULL, &only_num, &t, NULL));
    ASSERT_EQ_SLICE(buf_str(&t.b), "#(7)");
    buf_fini(&t.b);
    arena_free(a);
}

TEST(json_format_number_js)
{
    char b[32];
    ASSERT_EQ_STR(fmt_num(0.1, b), "0.1");
    ASSERT_EQ_STR(fmt_num(0.1 + 0.2, b), "0.30000000000000004");
    ASSERT_EQ_STR(fmt_num(1e21, b), "1e+21");
    ASSERT_EQ_STR(fmt_num(1e20, b), "100000000000000000000");
    ASSERT_EQ_STR(fmt_num(999999999999999900000.0, b), "999999999999999900000");
    ASSERT_EQ_STR(fmt_num(5e-324, b), "5e-324");
    ASSERT_EQ_STR(fmt_num(1.7976931348623157e308, b), "1.7976931348623157e+308");
    ASSERT_EQ_STR(fmt_num(-1.7976931348623157e308, b), "-1.7976931348623157e+308");
    ASSERT_EQ_STR(fmt_num(-0.0, b), "0");
    ASSERT_EQ_STR(fmt_num(0.0, b), "0");
    ASSERT_EQ_STR(fmt_num(1.5e-7, b), "1.5e-7");
    ASSERT_EQ_STR(fmt_num(1e-7, b), "1e-7");
    ASSERT_EQ_STR(fmt_num(1e-6, b), "0.000001");
    ASSERT_EQ_STR(fmt_num(-1.2345e-6, b), "-0.0000012345");
    ASSERT_EQ_STR(fmt_num(123.456, b), "123.456");
    ASSERT_EQ_STR(fmt_num(100, b), "100");
    ASSERT_EQ_STR(fmt_num(9007199254740992.0, b), "9007199254740992");
    ASSERT_EQ_STR(fmt_num(18446744073709551616.0, b), "18446744073709552000");
    ASSERT_EQ_STR(fmt_num(-123456789012345680000.0, b), "-123456789012345680000");
    ASSERT_EQ_STR(fmt_num(1.2345678901234568e22, b), "1.2345678901234568e+22");
    ASSERT_EQ_STR(fmt_num(2.2250738585072014e-308, b), "2.2250738585072014e-308");
    ASSERT_EQ_STR(fmt_num(NAN, b), "NaN");
    ASSERT_EQ_STR(fmt_num(INFINITY, b), "Infinity");
    ASSERT_EQ_STR(fmt_num(-INFINITY, b), "-Infinity");
}

TEST(json_node_numbers_differential)
{
    char b[32];
    for (size_t i = 0; i < ARRAY_LEN(node_numbers); i++) {
        double d;
        memcpy(&d, &node_numbers[i].bits, sizeof(d));
        if (strcmp(fmt_num(d, b), node_numbers[i].js) != 0) {
            harness_fail(__FILE__, __LINE__, "number %.17g: got \"%s\", node says \"%s\"", d, b,
                         node_numbers[i].js);
        }
    }
}

TEST(json_node_strings_differential)
{
    for (size_t i = 0; i < ARRAY_LEN(node_strings); i++) {
        struct buf b;
        buf_init(&b, 4096);
        struct json_writer w;
        json_writer_init(&w, &b);
        json_write_string(&w, str_make(node_strings[i].in, node_strings[i].len));
        ASSERT_OK(json_writer_rc(&w));
        if (!str_eq(buf_str(&b), str_from_cstr(node_strings[i].js))) {
            harness_fail(__FILE__, __LINE__, "string case %zu: got %s, node says %s", i, b.ptr,
                         node_strings[i].js);
        }
        /* The output parses back to the same bytes (WTF-8 included). */
        struct arena *a = arena_new(0);
        struct json_value *v = NULL;
        ASSERT_OK(json_parse(a, buf_str(&b), NULL, &v, NULL));
        ASSERT_EQ_SIZE(v->str.len, node_strings[i].len);
        ASSERT_EQ_MEM(v->str.ptr, node_strings[i].in, node_strings[i].len);
        arena_free(a);
        buf_fini(&b);
    }
}

TEST(json_node_documents_differential)
{
    struct arena *a = arena_new(0);
    for (size_t i = 0; i < ARRAY_LEN(node_docs); i++) {
        struct json_value *v = parse_ok(a, node_docs[i].in);
        ASSERT_EQ_STR(write_tree(a, v), node_docs[i].js);
    }
    arena_free(a);
}

TEST(json_writer_strings)
{
    struct buf b;
    buf_init(&b, 4096);
    struct json_writer w;
    json_writer_init(&w, &b);
    json_write_begin_array(&w);
    json_write_string(&w, STR("a\"b\\c\x01\x1f\x7f/"));
    json_write_string(&w, STR("bad \xff\xfe end"));         /* invalid bytes: U+FFFD each */
    json_write_string(&w, STR("trunc \xe2\x82"));           /* truncated sequence: one U+FFFD */
    json_write_string(&w, STR("\xed\xa0\x80\xed\xb0\x80")); /* CESU pair: one code point */
    json_write_string(&w, STR("\xed\xb0\x80\xed\xa0\x80")); /* low then high: both lone */
    json_write_string(&w, STR_NULL);
    json_write_end_array(&w);
    ASSERT_OK(json_writer_rc(&w));
    ASSERT_EQ_SLICE(buf_str(&b), "[\"a\\\"b\\\\c\\u0001\\u001f\x7f/\","
                                 "\"bad \xef\xbf\xbd\xef\xbf\xbd end\","
                                 "\"trunc \xef\xbf\xbd\","
                                 "\"\xf0\x90\x80\x80\","
                                 "\"\\udc00\\ud800\","
                                 "\"\"]");
    buf_fini(&b);
}

TEST(json_writer_structure)
{
    struct buf b;
    buf_init(&b, 4096);
    struct json_writer w;
    json_writer_init(&w, &b);
    json_write_begin_object(&w);
    json_write_key(&w, STR("n"));
    json_write_null(&w);
    json_write_key(&w, STR("list"));
    json_write_begin_array(&w);
    json_write_bool(&w, true);
    json_write_bool(&w, false);
    json_write_int(&w, INT64_MIN);
    json_write_int(&w, 42);
    json_write_number(&w, NAN);
    json_write_number(&w, -INFINITY);
    json_write_number(&w, 2.5);
    json_write_begin_object(&w);
    json_write_end_object(&w);
    json_write_begin_array(&w);
    json_write_end_array(&w);
    json_write_raw(&w, STR("{\"raw\":[1]}"));
    json_write_end_array(&w);
    json_write_key(&w, STR("k\"q"));
    json_write_begin_object(&w);
    json_write_key(&w, STR("x"));
    json_write_int(&w, -1);
    json_write_end_object(&w);
    json_write_end_object(&w);
    ASSERT_OK(json_writer_rc(&w));
    ASSERT_EQ_SLICE(buf_str(&b), "{\"n\":null,\"list\":[true,false,-9223372036854775808,42,null,"
                                 "null,2.5,{},[],{\"raw\":[1]}],\"k\\\"q\":{\"x\":-1}}");
    buf_fini(&b);
}

TEST(json_writer_limits)
{
    /* A full buffer is sticky RC_LIMIT. */
    struct buf b;
    buf_init(&b, 10);
    struct json_writer w;
    json_writer_init(&w, &b);
    json_write_begin_array(&w);
    json_write_string(&w, STR("0123456789abcdef"));
    ASSERT_RC(json_writer_rc(&w), RC_LIMIT);
    json_write_int(&w, 1);
    json_write_end_array(&w);
    ASSERT_RC(json_writer_rc(&w), RC_LIMIT);
    ASSERT_TRUE(b.len <= 10);
    buf_fini(&b);
    /* Nesting beyond JSON_WRITER_MAX_DEPTH. */
    buf_init(&b, 1 << 16);
    json_writer_init(&w, &b);
    for (int i = 0; i < JSON_WRITER_MAX_DEPTH - 1; i++) {
        json_write_begin_array(&w);
    }
    ASSERT_OK(json_writer_rc(&w));
    json_write_begin_array(&w);
    ASSERT_RC(json_writer_rc(&w), RC_LIMIT);
    buf_fini(&b);
}

TEST(json_writer_bulk_paths)
{
    /* Strings long and short, plain and with escapes at every offset of an 8-byte word, keys
     * through both key calls, and numbers through the scaled shortest-digits path. */
    struct buf b;
    buf_init(&b, 1 << 16);
    struct json_writer w;
    json_writer_init(&w, &b);
    json_write_begin_object(&w);
    json_write_key_plain(&w, STR("plainKey_1"));
    json_write_string(&w, STR("exactly8"));
    json_write_key(&w, STR("seventeen bytes!!"));
    json_write_string(&w, STR("0123456\"89abcdef\x01"));
    json_write_key(&w, STR("k\n"));
    json_write_begin_array(&w);
    json_write_string(&w, STR(""));
    json_write_string(&w, STR("\x7f~ "));
    json_write_string(&w, STR("caf\xc3\xa9 au lait, tr\xc3\xa8s"));
    json_write_number(&w, 4.25);
    json_write_number(&w, -0.001);
    json_write_number(&w, 123456.789);
    json_write_number(&w, 0.1 + 0.2);
    json_write_number(&w, 1e15 + 0.5);
    json_write_int(&w, INT64_MAX);
    json_write_end_array(&w);
    json_write_end_object(&w);
    ASSERT_OK(json_writer_rc(&w));
    ASSERT_EQ_SLICE(buf_str(&b), "{\"plainKey_1\":\"exactly8\",\"seventeen bytes!!\":"
                                 "\"0123456\\\"89abcdef\\u0001\",\"k\\n\":[\"\",\"\x7f~ \","
                                 "\"caf\xc3\xa9 au lait, tr\xc3\xa8s\",4.25,-0.001,123456.789,"
                                 "0.30000000000000004,1000000000000000.5,9223372036854775807]}");
    ASSERT_EQ_SIZE(strlen(b.ptr), b.len); /* still NUL-terminated */
    buf_fini(&b);
    /* A plain string that does not fit: RC_LIMIT, nothing half-written. */
    buf_init(&b, 8);
    json_writer_init(&w, &b);
    json_write_string(&w, STR("12345678"));
    ASSERT_RC(json_writer_rc(&w), RC_LIMIT);
    ASSERT_EQ_SIZE(b.len, 0);
    buf_fini(&b);
}

TEST(json_roundtrip_tree)
{
    struct arena *a = arena_new(0);
    const char *in = "{\"a\":[1,2.5,-0.001,1e100,\"\\u00e9\\ud800\",{\"b\":null}],\"c\":true}";
    struct json_value *v = parse_ok(a, in);
    const char *out = write_tree(a, v);
    ASSERT_EQ_STR(out, "{\"a\":[1,2.5,-0.001,1e+100,\"\xc3\xa9\\ud800\",{\"b\":null}],\"c\":true}");
    struct json_value *v2 = parse_ok(a, out);
    ASSERT_EQ_STR(write_tree(a, v2), out);
    arena_free(a);
}

static int ev_positive(void *arg)
{
    (*(int *)arg)++;
    return 1; /* not an error: only a negative RC stops the parse */
}

TEST(json_events_positive_return_goes_on)
{
    struct arena *a = arena_new(0);
    struct json_events ev = { .on_null = ev_positive, .on_begin_array = ev_positive };
    int n = 0;
    ASSERT_OK(json_parse_events(a, STR("[null,null,[null]]"), NULL, &ev, &n, NULL));
    ASSERT_EQ_INT(n, 5);
    arena_free(a);
}

TEST(json_node_acceptance_differential)
{
    struct arena *a = arena_new(0);
    for (size_t i = 0; i < ARRAY_LEN(node_accept); i++) {
        struct json_value *v = NULL;
        struct json_error err;
        int rc = json_parse(a, str_from_cstr(node_accept[i].in), NULL, &v, &err);
        if ((rc == RC_OK) != node_accept[i].ok) {
            harness_fail(__FILE__, __LINE__, "'%s': got %s (%s), JSON.parse %s it",
                         node_accept[i].in, rc_name(rc), rc == RC_OK ? "" : err.msg,
                         node_accept[i].ok ? "accepts" : "rejects");
        }
    }
    arena_free(a);
}

TEST(json_text_depth_counts_nesting_outside_strings)
{
    ASSERT_EQ_SIZE(json_text_depth(STR("1")), 0);
    ASSERT_EQ_SIZE(json_text_depth(STR("\"[[{\"")), 0);
    ASSERT_EQ_SIZE(json_text_depth(STR("[]")), 1);
    ASSERT_EQ_SIZE(json_text_depth(STR("{\"a\":[1,{\"b\":[]}],\"c\":[]}")), 4);
    ASSERT_EQ_SIZE(json_text_depth(STR("[\"a\\\"[[[\",[\"\\\\\"],{}]")), 2);
    char deep[200];
    for (size_t i = 0; i < 65; i++) {
        deep[i] = '[';
        deep[65 + i] = ']';
    }
    ASSERT_EQ_SIZE(json_text_depth(str_make(deep, 130)), 65);
    ASSERT_EQ_SIZE(json_text_depth(str_make(deep + 1, 128)), 64);
}
