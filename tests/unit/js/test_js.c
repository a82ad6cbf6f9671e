/* SPDX-License-Identifier: MIT */
/* Unit tests of the JSC embedding (src/js) against a real context group. */
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/json.h"
#include "base/mem.h"
#include "harness.h"
#include "js/js.h"
#include "js_test_util.h"

static double eval_number(JSContextRef ctx, const char *src)
{
    JSValueRef exc = NULL;
    double n = JSValueToNumber(ctx, js_test_eval(ctx, src), &exc);
    ASSERT_NULL(exc);
    return n;
}

static void eval_string(JSContextRef ctx, const char *src, struct buf *out)
{
    JSValueRef exc = NULL;
    ASSERT_OK(js_value_append(ctx, js_test_eval(ctx, src), out, &exc));
}

TEST(js_eval_value_and_user_pointer)
{
    struct js_runtime *rt = js_runtime_new(5000);
    int tag = 42;
    JSGlobalContextRef ctx = js_context_new(rt, &tag);
    ASSERT_EQ_DBL(eval_number(ctx, "1 + 2 * 3"), 7);
    ASSERT_TRUE(js_context_user(ctx) == &tag);
    ASSERT_TRUE(js_context_runtime(ctx) == rt);
    js_context_free(ctx);
    js_runtime_free(rt);
}

TEST(js_exception_becomes_diag_with_line)
{
    struct js_runtime *rt = js_runtime_new(5000);
    JSGlobalContextRef ctx = js_context_new(rt, NULL);
    struct diag d;
    JSValueRef exc = NULL;
    int rc = js_eval(ctx, STR("var a = 1;\n\nthrow new TypeError('boom');\n"), STR("blog/api.js"),
                     NULL, &exc, &d);
    ASSERT_RC(rc, RC_JS);
    ASSERT_NOT_NULL(exc);
    ASSERT_EQ_STR(d.msg, "blog/api.js:3: TypeError: boom");
    /* A syntax error also names the line. */
    rc = js_eval(ctx, STR("let x = 1;\nlet = = 2;\n"), STR("bad.js"), NULL, NULL, &d);
    ASSERT_RC(rc, RC_JS);
    ASSERT_TRUE(strncmp(d.msg, "bad.js:2: SyntaxError", 21) == 0);
    /* A thrown non-Error value. */
    rc = js_eval(ctx, STR("throw 17"), STR("t.js"), NULL, NULL, &d);
    ASSERT_RC(rc, RC_JS);
    ASSERT_EQ_STR(d.msg, "17");
    js_context_free(ctx);
    js_runtime_free(rt);
}

TEST(js_time_limit_stops_infinite_loop_and_group_serves_next)
{
    struct js_runtime *rt = js_runtime_new(200);
    JSGlobalContextRef ctx = js_context_new(rt, NULL);
    struct diag d;
    int rc = js_eval(ctx, STR("function spin() { while (true) {} }"), STR("s.js"), NULL, NULL, &d);
    ASSERT_OK(rc);
    rc = js_eval(ctx, STR("spin()"), STR("s.js"), NULL, NULL, &d);
    ASSERT_RC(rc, RC_TIMEOUT);
    /* The flag was consumed. */
    ASSERT_FALSE(js_runtime_take_timeout(rt));
    /* A fresh context of the same group serves the next call at once. */
    JSGlobalContextRef ctx2 = js_context_new(rt, NULL);
    ASSERT_EQ_DBL(eval_number(ctx2, "40 + 2"), 42);
    /* A call through js_call is stopped too. */
    JSStringRef name = JSStringCreateWithUTF8CString("spin");
    JSValueRef exc = NULL;
    rc = js_eval(ctx2, STR("function spin2() { for (;;) {} }"), STR("s2.js"), NULL, NULL, &d);
    ASSERT_OK(rc);
    JSStringRelease(name);
    name = JSStringCreateWithUTF8CString("spin2");
    JSValueRef fn = JSObjectGetProperty(ctx2, JSContextGetGlobalObject(ctx2), name, &exc);
    ASSERT_NULL(exc);
    JSStringRelease(name);
    rc = js_call(ctx2, (JSObjectRef)fn, NULL, 0, NULL, NULL, NULL, &d);
    ASSERT_RC(rc, RC_TIMEOUT);
    ASSERT_EQ_DBL(eval_number(ctx2, "1 + 1"), 2);
    js_context_free(ctx2);
    js_context_free(ctx);
    js_runtime_free(rt);
}

TEST(js_deferred_promise_resolved_later_from_c)
{
    struct js_runtime *rt = js_runtime_new(5000);
    JSGlobalContextRef ctx = js_context_new(rt, NULL);
    JSObjectRef resolve = NULL;
    JSObjectRef reject = NULL;
    JSValueRef exc = NULL;
    JSObjectRef promise = JSObjectMakeDeferredPromise(ctx, &resolve, &reject, &exc);
    ASSERT_NULL(exc);
    JSValueProtect(ctx, resolve);
    JSValueProtect(ctx, reject);
    JSStringRef pname = JSStringCreateWithUTF8CString("pending");
    JSObjectSetProperty(ctx, JSContextGetGlobalObject(ctx), pname, promise, 0, &exc);
    JSStringRelease(pname);
    ASSERT_NULL(exc);
    struct diag d;
    ASSERT_OK(js_eval(ctx,
                      STR("var result = 'none';"
                          "(async () => { const v = await pending; result = 'got ' + v; })();"),
                      STR("p.js"), NULL, NULL, &d));
    struct buf b;
    buf_init(&b, 1024);
    eval_string(ctx, "result", &b);
    ASSERT_EQ_STR(b.ptr, "none");
    /* Later, from C: resolve; the awaiting async function runs when the call returns. */
    JSValueRef arg = JSValueMakeNumber(ctx, 5);
    JSObjectCallAsFunction(ctx, resolve, NULL, 1, &arg, &exc);
    ASSERT_NULL(exc);
    buf_reset(&b);
    eval_string(ctx, "result", &b);
    ASSERT_EQ_STR(b.ptr, "got 5");
    buf_fini(&b);
    JSValueUnprotect(ctx, resolve);
    JSValueUnprotect(ctx, reject);
    js_context_free(ctx);
    js_runtime_free(rt);
}

TEST(js_strings_round_trip_utf8_and_nul)
{
    struct js_runtime *rt = js_runtime_new(5000);
    JSGlobalContextRef ctx = js_context_new(rt, NULL);
    const char text[] = "a\0b \xc3\xa9 \xf0\x9f\x98\x80";
    JSValueRef v = js_make_string(ctx, str_make(text, sizeof(text) - 1));
    JSValueRef exc = NULL;
    ASSERT_EQ_DBL(JSValueToNumber(ctx,
                                  js_get(ctx, (JSObjectRef)JSValueToObject(ctx, v, &exc),
                                         JSStringCreateWithUTF8CString("length"), NULL),
                                  &exc),
                  8);
    size_t n = 0;
    char *s = js_value_to_owned(ctx, v, &n, &exc);
    ASSERT_NOT_NULL(s);
    ASSERT_EQ_SIZE(n, sizeof(text) - 1);
    ASSERT_EQ_MEM(s, text, n);
    mem_free(s);
    /* Invalid UTF-8 becomes U+FFFD. */
    v = js_make_string(ctx, STR("x\xffy"));
    s = js_value_to_owned(ctx, v, &n, &exc);
    ASSERT_EQ_STR(s, "x\xef\xbf\xbdy");
    mem_free(s);
    js_context_free(ctx);
    js_runtime_free(rt);
}

TEST(js_json_parse_builds_values_and_reports_position)
{
    struct js_runtime *rt = js_runtime_new(5000);
    JSGlobalContextRef ctx = js_context_new(rt, NULL);
    struct arena *a = arena_new(0);
    JSValueRef v = NULL;
    struct json_error err;
    ASSERT_OK(js_json_parse(
        ctx, a, STR("{\"a\": [1, true, null, \"x\\u00e9\"], \"b\": {\"c\": -2.5}}"), 64, &v, &err));
    struct buf b;
    buf_init(&b, 1024);
    JSValueRef exc = NULL;
    ASSERT_OK(js_json_append(ctx, v, &b, &exc));
    ASSERT_EQ_STR(b.ptr, "{\"a\":[1,true,null,\"x\xc3\xa9\"],\"b\":{\"c\":-2.5}}");
    ASSERT_RC(js_json_parse(ctx, a, STR("{\n  \"a\": ]"), 64, &v, &err), RC_INVAL);
    ASSERT_EQ_SIZE(err.line, 2);
    ASSERT_EQ_SIZE(err.column, 8);
    ASSERT_RC(js_json_parse(ctx, a, STR("[[[1]]]"), 2, &v, &err), RC_LIMIT);
    /* JSON.parse semantics: "__proto__" is an own data property, not the prototype. */
    ASSERT_OK(
        js_json_parse(ctx, a, STR("{\"__proto__\": {\"polluted\": 1}, \"k\": 2}"), 64, &v, &err));
    buf_reset(&b);
    ASSERT_OK(js_json_append(ctx, v, &b, &exc));
    ASSERT_EQ_STR(b.ptr, "{\"__proto__\":{\"polluted\":1},\"k\":2}");
    JSStringRef pn = JSStringCreateWithUTF8CString("polluted");
    ASSERT_FALSE(JSObjectHasProperty(ctx, (JSObjectRef)v, pn));
    JSStringRelease(pn);
    /* A lone surrogate escape stays a lone surrogate (one UTF-16 unit), as with JSON.parse. */
    ASSERT_OK(js_json_parse(ctx, a, STR("\"a\\ud800b\""), 64, &v, &err));
    JSStringRef ls = JSValueToStringCopy(ctx, v, &exc);
    ASSERT_EQ_SIZE(JSStringGetLength(ls), 3);
    ASSERT_TRUE(JSStringGetCharactersPtr(ls)[1] == 0xd800);
    JSStringRelease(ls);
    /* Invalid UTF-8 and raw control characters are refused before JSC sees the text. */
    ASSERT_RC(js_json_parse(ctx, a, STR("\"\xff\""), 64, &v, &err), RC_INVAL);
    ASSERT_RC(js_json_parse(ctx, a, str_make("\"a\0b\"", 5), 64, &v, &err), RC_INVAL);
    /* undefined is not serialisable. */
    buf_reset(&b);
    ASSERT_RC(js_json_append(ctx, JSValueMakeUndefined(ctx), &b, &exc), RC_INVAL);
    buf_fini(&b);
    arena_free(a);
    js_context_free(ctx);
    js_runtime_free(rt);
}

TEST(js_bytes_view_and_make_bytes)
{
    struct js_runtime *rt = js_runtime_new(5000);
    JSGlobalContextRef ctx = js_context_new(rt, NULL);
    JSValueRef exc = NULL;
    JSObjectRef u8 = js_make_bytes(ctx, STR("hello"), &exc);
    ASSERT_NOT_NULL(u8);
    struct str view;
    ASSERT_TRUE(js_bytes_view(ctx, u8, &view));
    ASSERT_EQ_SLICE(view, "hello");
    struct diag d;
    JSValueRef sub = NULL;
    ASSERT_OK(js_eval(ctx, STR("new Uint8Array([104,105,106,107]).subarray(1,3)"), STR("b.js"),
                      &sub, NULL, &d));
    ASSERT_TRUE(js_bytes_view(ctx, sub, &view));
    ASSERT_EQ_SLICE(view, "ij");
    ASSERT_FALSE(js_bytes_view(ctx, JSValueMakeNumber(ctx, 1), &view));
    js_context_free(ctx);
    js_runtime_free(rt);
}

TEST(js_prelude_loads_and_defines_error_classes_and_response)
{
    struct js_runtime *rt = js_runtime_new(5000);
    JSGlobalContextRef ctx = js_context_new(rt, NULL);
    struct diag d;
    ASSERT_OK(js_context_load_prelude(ctx, &d));
    struct buf b;
    buf_init(&b, 4096);
    eval_string(ctx,
                "const e = new NotFoundError('Post 42 not found');"
                "[e instanceof HttpError, e instanceof KilnError, e instanceof Error, e.status,"
                " e.code, e.name, e.message].join('|')",
                &b);
    ASSERT_EQ_STR(b.ptr, "true|true|true|404|NOT_FOUND|NotFoundError|Post 42 not found");
    buf_reset(&b);
    eval_string(
        ctx,
        "const r = Response.json({a: 1}, 201).setHeader('X-A', 'b').appendHeader('x-a', 'c');"
        "[r.status, r.headers.get('content-type'), r.headers.get('X-A'), r._body].join('|')",
        &b);
    ASSERT_EQ_STR(b.ptr, "201|application/json|b, c|{\"a\":1}");
    buf_reset(&b);
    eval_string(ctx,
                "const h = new Headers({'Content-Type': 'x'}); h.set('content-type', 'y');"
                "h.append('B', '1'); [...h].map(p => p.join('=')).join(',')",
                &b);
    ASSERT_EQ_STR(b.ptr, "b=1,content-type=y"); /* sorted, as the Fetch standard says */
    buf_reset(&b);
    eval_string(
        ctx, "Response.text('x').setCookie('sid', 'a b', {maxAge: 60}).headers.get('set-cookie')",
        &b);
    ASSERT_EQ_STR(b.ptr, "sid=a%20b; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
    /* HttpError checks its status. */
    int rc = js_eval(ctx, STR("new HttpError(200, 'x')"), STR("e.js"), NULL, NULL, &d);
    ASSERT_RC(rc, RC_JS);
    buf_fini(&b);
    js_context_free(ctx);
    js_runtime_free(rt);
}

TEST(js_heap_bytes_is_reported)
{
    struct js_runtime *rt = js_runtime_new(5000);
    JSGlobalContextRef ctx = js_context_new(rt, NULL);
    size_t before = js_runtime_heap_bytes(ctx);
    ASSERT_TRUE(before > 0);
    struct diag d;
    ASSERT_OK(js_eval(ctx, STR("var big = []; for (let i = 0; i < 200000; i++) big.push({i});"),
                      STR("m.js"), NULL, NULL, &d));
    size_t after = js_runtime_heap_bytes(ctx);
    ASSERT_TRUE(after > before + 1000000);
    js_context_free(ctx);
    js_runtime_free(rt);
}

/* A host function that calls back into JS: a nested call must not run the microtasks. */
static JSValueRef host_nested(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                              const JSValueRef argv[], JSValueRef *exception)
{
    struct diag d;
    JSValueRef v = NULL;
    int rc = js_call(ctx, (JSObjectRef)argv[0], NULL, 0, NULL, &v, NULL, &d);
    return rc == RC_OK ? v : JSValueMakeUndefined(ctx);
}

TEST(js_lock_held_section_runs_microtasks_where_calls_end)
{
    struct js_runtime *rt = js_runtime_new(5000);
    JSGlobalContextRef ctx = js_context_new(rt, NULL);
    static const struct js_fn fns[] = { { .name = "nested", .fn = host_nested, .min_args = 1 },
                                        { .name = NULL } };
    js_install_fns(ctx, JSContextGetGlobalObject(ctx), fns);
    struct js_lock lock;
    js_runtime_lock(rt, &lock);
    struct js_lock inner; /* holds nest, each with its own js_lock */
    js_runtime_lock(rt, &inner);
    js_runtime_unlock(&inner);
    struct buf b;
    buf_init(&b, 1024);
    /* A top-level eval inside the held section: its microtasks ran when it returned. */
    struct diag d;
    ASSERT_OK(js_eval(ctx, STR("var log = []; Promise.resolve().then(() => log.push('a'));"),
                      STR("m.js"), NULL, NULL, &d));
    eval_string(ctx, "log.join()", &b);
    ASSERT_EQ_STR(b.ptr, "a");
    /* A call made by a host function (nested): the microtask waits for the outer call's end,
     * so inside the outer call it has not run yet. */
    buf_reset(&b);
    eval_string(ctx,
                "log = []; const seen = nested(() => { Promise.resolve().then(() => "
                "log.push('b')); return log.length; }); seen + ':' + log.length",
                &b);
    ASSERT_EQ_STR(b.ptr, "0:0");
    buf_reset(&b);
    eval_string(ctx, "log.join()", &b);
    ASSERT_EQ_STR(b.ptr, "b");
    js_runtime_unlock(&lock);
    /* Without a hold JSC runs them itself at the end of each call. */
    buf_reset(&b);
    ASSERT_OK(js_eval(ctx, STR("log = []; Promise.resolve().then(() => log.push('c'));"),
                      STR("m.js"), NULL, NULL, &d));
    eval_string(ctx, "log.join()", &b);
    ASSERT_EQ_STR(b.ptr, "c");
    buf_fini(&b);
    js_context_free(ctx);
    js_runtime_free(rt);
}
