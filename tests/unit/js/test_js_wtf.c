/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the direct string path (src/js/js_wtf.c) against a real context: 8-bit and
 * 16-bit strings, ropes, substrings, empty and one-character strings, 0x80-0xFF, long strings;
 * every test runs twice, on the direct path and with it switched off (the public API), and
 * checks the results through the public API.
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/mem.h"
#include "harness.h"
#include "js/js.h"
#include "js_test_util.h"

/* True when value v is a string of exactly units[0..n) (read through the public API). */
static bool value_is(JSContextRef ctx, JSValueRef v, const uint16_t *units, size_t n)
{
    if (v == NULL || !JSValueIsString(ctx, v)) {
        return false;
    }
    JSStringRef s = JSValueToStringCopy(ctx, v, NULL);
    bool eq = JSStringGetLength(s) == n &&
              (n == 0 || memcmp(JSStringGetCharactersPtr(s), units, n * sizeof(uint16_t)) == 0);
    JSStringRelease(s);
    return eq;
}

/* The same for a value that should hold the Latin-1 characters p[0..n). */
static bool value_is_latin1(JSContextRef ctx, JSValueRef v, const unsigned char *p, size_t n)
{
    uint16_t *units = mem_alloc(n * sizeof(uint16_t) + 1);
    for (size_t i = 0; i < n; i++) {
        units[i] = p[i];
    }
    bool eq = value_is(ctx, v, units, n);
    mem_free(units);
    return eq;
}

/* Run body on a fresh context twice: on the direct path, then with it switched off. */
static void both_paths(void (*body)(JSContextRef ctx, bool direct))
{
    /* Kiln builds against Debian's JavaScriptCore 2.50, whose layout js_wtf.c was checked
     * against: the direct path must be on there (else every string is slow again). */
    ASSERT_TRUE(js_strings_direct());
    for (int direct = 1; direct >= 0; direct--) {
        ASSERT_TRUE(js_strings_set_direct(direct) == direct);
        ASSERT_TRUE(js_strings_direct() == direct);
        struct js_runtime *rt = js_runtime_new(5000);
        JSGlobalContextRef ctx = js_context_new(rt, NULL);
        body(ctx, direct);
        js_runtime_collect(ctx);
        js_context_free(ctx);
        js_runtime_free(rt);
    }
}

static void js_wtf_read_string_refs_body(JSContextRef ctx, bool direct)
{
    struct str out;
    /* An 8-bit JSStringRef (ASCII through the UTF-8 converter) and a Latin-1 one. */
    JSStringRef a = JSStringCreateWithUTF8CString("plain ascii");
    ASSERT_TRUE(js_string_latin1(a, &out) == direct);
    if (direct) {
        ASSERT_EQ_SLICE(out, "plain ascii");
    }
    static const unsigned char l1[] = { 'c', 'a', 'f', 0xE9, ' ', 0x80, 0xFF };
    JSStringRef b = js_string_new_latin1(l1, sizeof(l1));
    ASSERT_EQ_SIZE(JSStringGetLength(b), sizeof(l1));
    ASSERT_TRUE(js_string_latin1(b, &out) == direct);
    if (direct) {
        ASSERT_EQ_SIZE(out.len, sizeof(l1));
        ASSERT_EQ_MEM(out.ptr, l1, sizeof(l1));
    }
    /* A 16-bit one is never read as Latin-1. */
    static const uint16_t w[] = { 'x', 0x65E5, 0xE9 };
    JSStringRef c = JSStringCreateWithCharacters(w, 3);
    ASSERT_FALSE(js_string_latin1(c, &out));
    ASSERT_NULL(out.ptr);
    /* Empty strings (two ways of making one). */
    JSStringRef e = js_string_new_latin1(NULL, 0);
    JSStringRef e2 = JSStringCreateWithCharacters(NULL, 0);
    ASSERT_TRUE(js_string_latin1(e, &out) == direct);
    ASSERT_EQ_SIZE(out.len, 0);
    ASSERT_TRUE(js_string_latin1(e2, &out) == direct);
    ASSERT_EQ_SIZE(out.len, 0);
    /* js_string_utf8 of each: the same UTF-8 on both paths. */
    char buf[64];
    ASSERT_EQ_SIZE(js_string_utf8(b, buf, sizeof(buf)), 10);
    ASSERT_EQ_STR(buf, "caf\xC3\xA9 \xC2\x80\xC3\xBF");
    ASSERT_EQ_SIZE(js_string_utf8(c, buf, sizeof(buf)), 6);
    ASSERT_EQ_STR(buf, "x\xE6\x97\xA5\xC3\xA9");
    ASSERT_EQ_SIZE(js_string_utf8(e, buf, sizeof(buf)), 0);
    JSStringRelease(e2);
    JSStringRelease(e);
    JSStringRelease(c);
    JSStringRelease(b);
    JSStringRelease(a);
}

TEST(js_wtf_read_string_refs)
{
    both_paths(js_wtf_read_string_refs_body);
}

static void js_wtf_read_values_kinds_body(JSContextRef ctx, bool direct)
{
    struct str out;
    ASSERT_TRUE(js_value_latin1(ctx, js_test_eval(ctx, "'plain'"), &out) == direct);
    if (direct) {
        ASSERT_EQ_SLICE(out, "plain");
    }
    ASSERT_TRUE(js_value_latin1(ctx, js_test_eval(ctx, "'caf\\u00e9\\u00ff'"), &out) == direct);
    if (direct) {
        ASSERT_EQ_MEM(out.ptr, "caf\xE9\xFF", 5);
    }
    ASSERT_TRUE(js_value_latin1(ctx, js_test_eval(ctx, "''"), &out) == direct);
    ASSERT_EQ_SIZE(out.len, 0);
    /* Not 8-bit strings, or not strings. */
    ASSERT_FALSE(js_value_latin1(ctx, js_test_eval(ctx, "'\\u65e5x'"), &out));
    ASSERT_FALSE(js_value_latin1(
        ctx, js_test_eval(ctx, "('\\u65e5' + 'caf\\u00e9'.repeat(3)).slice(1)"), &out));
    ASSERT_FALSE(js_value_latin1(ctx, js_test_eval(ctx, "12"), &out));
    ASSERT_FALSE(js_value_latin1(ctx, js_test_eval(ctx, "12.5"), &out));
    ASSERT_FALSE(js_value_latin1(ctx, js_test_eval(ctx, "null"), &out));
    ASSERT_FALSE(js_value_latin1(ctx, js_test_eval(ctx, "undefined"), &out));
    ASSERT_FALSE(js_value_latin1(ctx, js_test_eval(ctx, "true"), &out));
    ASSERT_FALSE(js_value_latin1(ctx, js_test_eval(ctx, "({ toString() { return 'x'; } })"), &out));
    ASSERT_FALSE(js_value_latin1(ctx, js_test_eval(ctx, "Symbol('s')"), &out));
    ASSERT_FALSE(js_value_latin1(ctx, js_test_eval(ctx, "10n"), &out));
    ASSERT_FALSE(js_value_latin1(ctx, js_test_eval(ctx, "new String('boxed')"), &out));
    ASSERT_NULL(out.ptr);
}

TEST(js_wtf_read_values_kinds)
{
    both_paths(js_wtf_read_values_kinds_body);
}

static void js_wtf_read_values_ropes_and_substrings_body(JSContextRef ctx, bool direct)
{
    struct str out;
    /* A concatenation is a rope until something flattens it: never read in place. */
    JSValueRef rope = js_test_eval(ctx, "var a = 'x'.repeat(40); var r = a + 'caf\\u00e9' + a; r");
    ASSERT_FALSE(js_value_latin1(ctx, rope, &out));
    /* JSValueToStringCopy flattens it; then it is read in place. */
    JSStringRef s = JSValueToStringCopy(ctx, rope, NULL);
    ASSERT_EQ_SIZE(JSStringGetLength(s), 84);
    JSStringRelease(s);
    ASSERT_TRUE(js_value_latin1(ctx, rope, &out) == direct);
    if (direct) {
        ASSERT_EQ_SIZE(out.len, 84);
        ASSERT_EQ_MEM(out.ptr + 40, "caf\xE9", 4);
        ASSERT_TRUE(out.ptr[83] == 'x');
    }
    /* A substring shares its base's characters: read at its own offset and length. */
    JSValueRef sub = js_test_eval(
        ctx,
        "var b = 'Kiln is a JavaScript engine. '.repeat(36); b.charCodeAt(0); b.slice(5, 905)");
    bool got = js_value_latin1(ctx, sub, &out);
    if (got) {
        ASSERT_TRUE(direct);
        ASSERT_EQ_SIZE(out.len, 900);
        ASSERT_EQ_MEM(out.ptr, "is a JavaScript engine. Kiln", 28);
    } else {
        /* Or a rope-like substring JSC has not resolved: the copy path then. */
        s = JSValueToStringCopy(ctx, sub, NULL);
        ASSERT_EQ_SIZE(JSStringGetLength(s), 900);
        JSStringRelease(s);
        ASSERT_TRUE(js_value_latin1(ctx, sub, &out) == direct);
        if (direct) {
            ASSERT_EQ_MEM(out.ptr, "is a JavaScript engine. Kiln", 28);
        }
    }
}

TEST(js_wtf_read_values_ropes_and_substrings)
{
    both_paths(js_wtf_read_values_ropes_and_substrings_body);
}

static void js_wtf_make_latin1_values_body(JSContextRef ctx, bool direct)
{
    unsigned char all[256];
    for (int i = 0; i < 256; i++) {
        all[i] = (unsigned char)(255 - i);
    }
    /* Every length from 0 (and 1: JSC's shared one-character strings) and every byte. */
    for (size_t n = 0; n <= sizeof(all); n += n < 4 ? 1 : 61) {
        JSValueRef v = js_make_string_latin1(ctx, all, n);
        ASSERT_TRUE(value_is_latin1(ctx, v, all, n));
        struct str out;
        if (direct && n > 0) {
            /* Made 8-bit: read back in place. */
            ASSERT_TRUE(js_value_latin1(ctx, v, &out));
            ASSERT_EQ_SIZE(out.len, n);
            ASSERT_EQ_MEM(out.ptr, all, n);
        }
    }
    /* Long: 1 MiB. */
    size_t big = (size_t)1 << 20;
    unsigned char *p = mem_alloc(big);
    for (size_t i = 0; i < big; i++) {
        p[i] = (unsigned char)(i * 7);
    }
    JSValueRef v = js_make_string_latin1(ctx, p, big);
    ASSERT_TRUE(value_is_latin1(ctx, v, p, big));
    mem_free(p);
    /* The value is a real JS string: scripts see it as one. */
    JSObjectRef global = JSContextGetGlobalObject(ctx);
    JSStringRef name = JSStringCreateWithUTF8CString("made");
    JSObjectSetProperty(ctx, global, name,
                        js_make_string_latin1(ctx, (const unsigned char *)"caf\xE9!", 5), 0, NULL);
    JSStringRelease(name);
    struct buf b;
    buf_init(&b, 1024);
    JSValueRef exc = NULL;
    ASSERT_OK(
        js_value_append(ctx,
                        js_test_eval(ctx, "made + '|' + made.length + '|' + made.toUpperCase() + "
                                          "'|' + (made === 'caf\\u00e9!')"),
                        &b, &exc));
    ASSERT_EQ_SLICE(buf_str(&b), "caf\xC3\xA9!|5|CAF\xC3\x89!|true");
    buf_fini(&b);
}

TEST(js_wtf_make_latin1_values)
{
    both_paths(js_wtf_make_latin1_values_body);
}

static void js_wtf_make_utf16_and_decoded_values_body(JSContextRef ctx, bool direct)
{
    static const uint16_t w[] = { 0x65E5, 'a', 0xD800, 0xE9, 0xFFFF };
    for (size_t n = 0; n <= 5; n++) {
        ASSERT_TRUE(value_is(ctx, js_make_string_utf16(ctx, w, n), w, n));
    }
    /* UTF-8 in: ASCII, Latin-1, wider text, ill-formed bytes, the BOM. */
    static const uint16_t cafe[] = { 'c', 'a', 'f', 0xE9 };
    ASSERT_TRUE(
        value_is(ctx, js_make_string_decoded(ctx, STR("caf\xC3\xA9"), true, false), cafe, 4));
    static const uint16_t mixed[] = { 0xE9, 0x65E5 };
    ASSERT_TRUE(value_is(ctx, js_make_string_decoded(ctx, STR("\xC3\xA9\xE6\x97\xA5"), true, false),
                         mixed, 2));
    static const uint16_t bad[] = { 'a', 0xFFFD, 'b', 0xFFFD };
    ASSERT_TRUE(value_is(ctx,
                         js_make_string_decoded(ctx,
                                                STR("a\xC3"
                                                    "b\xC4"),
                                                false, false),
                         bad, 4));
    ASSERT_NULL(js_make_string_decoded(ctx,
                                       STR("a\xC3"
                                           "b"),
                                       true, false));
    ASSERT_NULL(js_make_string_decoded(ctx, STR("\xC0\x80"), true, false));
    static const uint16_t bom_e[] = { 0xFEFF, 0xE9 };
    ASSERT_TRUE(value_is(
        ctx, js_make_string_decoded(ctx, STR("\xEF\xBB\xBF\xC3\xA9"), false, false), bom_e + 1, 1));
    ASSERT_TRUE(value_is(ctx, js_make_string_decoded(ctx, STR("\xEF\xBB\xBF\xC3\xA9"), false, true),
                         bom_e, 2));
    ASSERT_TRUE(value_is(ctx, js_make_string_decoded(ctx, STR(""), true, false), NULL, 0));
    /* js_make_string and js_string_new: UTF-8 in, the BOM kept as text. */
    ASSERT_TRUE(value_is(ctx, js_make_string(ctx, STR("\xEF\xBB\xBF\xC3\xA9")), bom_e, 2));
    JSStringRef s = js_string_new(STR("caf\xC3\xA9"));
    ASSERT_EQ_SIZE(JSStringGetLength(s), 4);
    ASSERT_EQ_MEM(JSStringGetCharactersPtr(s), cafe, sizeof(cafe));
    JSStringRelease(s);
}

TEST(js_wtf_make_utf16_and_decoded_values)
{
    both_paths(js_wtf_make_utf16_and_decoded_values_body);
}

/* A fast function: "argc:first argument as a string" (or undefined without arguments). */
static JSValueRef describe_fast(JSContextRef ctx, size_t argc, const JSValueRef argv[])
{
    if (argc == 0) {
        return JSValueMakeUndefined(ctx);
    }
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "%zu:", argc);
    struct str first;
    if (js_value_latin1(ctx, argv[0], &first)) {
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%.*s",
                      (int)(first.len < 20 ? first.len : 20), first.ptr);
    } else {
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "-");
    }
    return js_make_string_latin1(ctx, (const unsigned char *)buf, (size_t)n);
}
JS_FAST_FN(describe_native, describe_fast)

static const struct js_fast test_fast[] = {
    { .name = "describe", .native = describe_native, .length = 1 },
    { .name = NULL },
};

static void js_wtf_fast_functions_body(JSContextRef ctx, bool direct)
{
    JSObjectRef global = JSContextGetGlobalObject(ctx);
    ASSERT_TRUE(js_install_fast_fns(ctx, global, test_fast) == direct);
    struct buf b;
    buf_init(&b, 4096);
    JSValueRef exc = NULL;
    const char *src = "typeof describe !== 'function' ? 'none' : [describe(), describe('abc'), "
                      "describe('x', 2, 3),"
                      " describe(12), describe('\\u65e5'), describe.length, describe.name,"
                      " (() => { try { new describe('a'); return 'constructed'; } catch (e) { "
                      "return e.name; } })(),"
                      " (() => { const ks = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', "
                      "'k9']; let s = '';"
                      " for (let i = 0; i < 20000; i++) s = describe(ks[i % 10]); return s; })(),"
                      " Object.keys(globalThis).includes('describe')].join('|')";
    ASSERT_OK(js_value_append(ctx, js_test_eval(ctx, src), &b, &exc));
    /* Called from the interpreter and (the loop) from JIT-compiled code alike. */
    ASSERT_EQ_SLICE(buf_str(&b),
                    direct ? "|1:abc|3:x|1:-|1:-|1|describe|TypeError|1:k9|false" : "none");
    buf_fini(&b);
}

TEST(js_wtf_fast_functions)
{
    both_paths(js_wtf_fast_functions_body);
}

/* js_value_append and js_value_to_owned read a flat 8-bit string in place on the direct path:
 * the same UTF-8 as the public API gives, and a buffer whose limit fits the text exactly (but
 * not the worst case of two bytes a character) takes it. */
static void js_wtf_value_append_latin1_body(JSContextRef ctx, bool direct)
{
    JSValueRef v = js_make_string_latin1(ctx, (const unsigned char *)"caf\xE9 ok", 7);
    const char want[] = "caf\xC3\xA9 ok";
    struct buf b;
    buf_init(&b, sizeof(want) - 1);
    JSValueRef exc = NULL;
    ASSERT_OK(js_value_append(ctx, v, &b, &exc));
    ASSERT_EQ_SLICE(buf_str(&b), want);
    ASSERT_TRUE(js_value_append(ctx, v, &b, &exc) == RC_LIMIT); /* full */
    ASSERT_EQ_SIZE(b.len, sizeof(want) - 1);
    buf_fini(&b);
    buf_init(&b, 64);
    ASSERT_OK(
        js_value_append(ctx, js_make_string_latin1(ctx, (const unsigned char *)"", 0), &b, &exc));
    ASSERT_NOT_NULL(b.ptr);
    ASSERT_EQ_STR(b.ptr, "");
    ASSERT_OK(js_value_append(ctx, v, &b, &exc));
    ASSERT_EQ_STR(b.ptr, want); /* NUL-terminated, as before */
    buf_fini(&b);
    size_t n = 0;
    char *s = js_value_to_owned(ctx, v, &n, &exc);
    ASSERT_EQ_SIZE(n, sizeof(want) - 1);
    ASSERT_EQ_STR(s, want);
    mem_free(s);
    (void)direct;
}

TEST(js_wtf_value_append_latin1)
{
    both_paths(js_wtf_value_append_latin1_body);
}
