/* SPDX-License-Identifier: MIT */
/*
 * sharedStorage (spec/50-data.md §1): a localStorage-like string store per script, kept in the
 * store (db_kv_*) so it survives restarts. Keys 1..512 bytes, values up to 1 MiB
 * (DB_KV_VALUE_MAX_BYTES), at most 100,000 keys per script; keys(prefix) lists at most 10,000.
 * Every call is one synchronous statement on the executor's connection (api_db_of), durable
 * when it returns. Errors are KilnErrors: INVALID_ARGUMENT, STORAGE_LIMIT, STORE_BUSY,
 * STORE_ERROR, INVALID_JSON_ARGUMENT (getJSON of a value that is not JSON).
 * Thread contract: the context's thread.
 */
#include <pthread.h>
#include <string.h>

#include <math.h>

#include "api/api_internal.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/rc.h"
#include "base/utf8.h"

/* An argument converted with ToString: an ASCII string's own bytes (borrowed for the call), else
 * its UTF-8 in buf when it fits (keys), else owned bytes (mem_free). */
#define ST_ARG_STACK 1024

struct st_arg {
    char *owned;
    struct str s;
    char buf[ST_ARG_STACK];
};

static bool st_arg_get(JSContextRef ctx, JSValueRef v, struct st_arg *out, JSValueRef *exception)
{
    JSValueRef exc = NULL;
    out->owned = NULL;
    /* A string of ASCII kept in one byte per character is its own UTF-8: borrowed in place
     * (js_value_latin1) for the call, where argv keeps it alive; JSC does not move strings. */
    struct str latin1;
    if (js_value_latin1(ctx, v, &latin1) &&
        utf8_ascii_prefix(latin1.ptr, latin1.len) == latin1.len) {
        out->s = latin1;
        return true;
    }
    JSStringRef js = JSValueToStringCopy(ctx, v, &exc);
    if (exc != NULL) {
        *exception = exc;
        return false;
    }
    size_t max = JSStringGetMaximumUTF8CStringSize(js);
    char *dst = out->buf;
    if (max > sizeof(out->buf)) {
        out->owned = mem_alloc(max);
        dst = out->owned;
    }
    out->s = (struct str){ .ptr = dst, .len = js_string_utf8(js, dst, max) };
    JSStringRelease(js);
    return true;
}

/* The scope, connection and key of a call (argv[0]); false when it threw. The scope is the
 * script's URI for sharedStorage, "<uri>\x1f<user id>" for personalStorage (the same functions
 * installed on an object of personal_class, reachable only from the prelude). */
struct st_call {
    struct api_ctx *c;
    struct db *db;
    struct st_arg key;
    struct str scope;
    char scope_buf[API_MAX_URI_BYTES + API_USER_MAX + 2];
};

static JSClassRef personal_class;
static pthread_once_t personal_once = PTHREAD_ONCE_INIT;

static void personal_class_create(void)
{
    JSClassDefinition def = kJSClassDefinitionEmpty;
    def.className = "PersonalStorage";
    personal_class = JSClassCreate(&def);
}

static bool st_scope(JSContextRef ctx, JSObjectRef this_obj, struct st_call *call,
                     JSValueRef *exception)
{
    struct str uri = call->c->ver->uri;
    call->scope = uri;
    /* The personal object's private data is personal_class's address (cheaper to read than a
     * class check); sharedStorage and the objects scripts make have other or no private data. */
    if (this_obj == NULL || JSObjectGetPrivate(this_obj) != (void *)&personal_class) {
        return true;
    }
    char user[API_USER_MAX];
    struct str u = api_ctx_user(call->c, user, sizeof(user));
    if (u.len == 0 || uri.len + 1 + u.len > sizeof(call->scope_buf)) {
        (void)api_throw(ctx, exception, "AUTH_REQUIRED",
                        STR("personalStorage needs a signed-in caller"), STR(""));
        return false;
    }
    memcpy(call->scope_buf, uri.ptr, uri.len);
    call->scope_buf[uri.len] = '\x1f';
    memcpy(call->scope_buf + uri.len + 1, u.ptr, u.len);
    call->scope = str_make(call->scope_buf, uri.len + 1 + u.len);
    return true;
}

static bool st_begin(JSContextRef ctx, JSObjectRef this_obj, const JSValueRef argv[], bool with_key,
                     struct st_call *call, JSValueRef *exception)
{
    call->c = api_ctx_of(ctx);
    call->key.owned = NULL;
    call->key.s = STR_NULL;
    call->db = api_db_of_ctx(ctx, call->c, exception);
    if (call->db == NULL || !st_scope(ctx, this_obj, call, exception)) {
        return false;
    }
    return !with_key || st_arg_get(ctx, argv[0], &call->key, exception);
}

struct st_take {
    JSContextRef ctx;
    JSValueRef value;
};

/* Make the JS string straight from the statement's row (db_kv_read). */
static void st_take_string(void *arg, struct str value)
{
    struct st_take *t = arg;
    t->value = js_make_string(t->ctx, value);
}

/* has() needs no copy of the value. */
static void st_take_nothing(void *arg, struct str value)
{
}

/* Read the key argv[0] through take(arg, value): RC_OK, RC_NOTFOUND, or RC_JS when it threw. */
static int st_read(JSContextRef ctx, JSObjectRef this_obj, const JSValueRef argv[],
                   db_kv_take_fn *take, void *arg, JSValueRef *exception)
{
    struct st_call call;
    if (!st_begin(ctx, this_obj, argv, true, &call, exception)) {
        return RC_JS;
    }
    struct diag d;
    int rc = db_kv_read(call.db, call.scope, call.key.s, take, arg, &d);
    mem_free(call.key.owned);
    if (rc != RC_OK && rc != RC_NOTFOUND) {
        (void)api_throw_db(ctx, exception, rc, &d);
        rc = RC_JS;
    }
    return rc;
}

static JSValueRef st_get_item(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                              const JSValueRef argv[], JSValueRef *exception)
{
    struct st_take t = { .ctx = ctx, .value = NULL };
    int rc = st_read(ctx, this_obj, argv, st_take_string, &t, exception);
    if (rc == RC_JS) {
        return JSValueMakeUndefined(ctx);
    }
    return rc == RC_OK ? t.value : JSValueMakeNull(ctx);
}

/* Only whether the key exists: the value (up to 1 MiB) is not turned into a JS string. */
static JSValueRef st_has(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                         const JSValueRef argv[], JSValueRef *exception)
{
    int rc = st_read(ctx, this_obj, argv, st_take_nothing, NULL, exception);
    if (rc == RC_JS) {
        return JSValueMakeUndefined(ctx);
    }
    return JSValueMakeBoolean(ctx, rc == RC_OK);
}

/* Store value (bytes) at the call's key. */
static JSValueRef st_put(JSContextRef ctx, struct st_call *call, struct str value,
                         JSValueRef *exception)
{
    struct diag d;
    int rc = db_kv_set(call->db, call->scope, call->key.s, value, &d);
    if (rc != RC_OK) {
        return api_throw_db(ctx, exception, rc, &d);
    }
    return JSValueMakeUndefined(ctx);
}

static JSValueRef st_set_item(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                              const JSValueRef argv[], JSValueRef *exception)
{
    struct st_call call;
    if (!st_begin(ctx, this_obj, argv, true, &call, exception)) {
        return JSValueMakeUndefined(ctx);
    }
    struct st_arg value;
    JSValueRef r = JSValueMakeUndefined(ctx);
    if (st_arg_get(ctx, argv[1], &value, exception)) {
        r = st_put(ctx, &call, value.s, exception);
        mem_free(value.owned);
    }
    mem_free(call.key.owned);
    return r;
}

static JSValueRef st_remove_item(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                 const JSValueRef argv[], JSValueRef *exception)
{
    struct st_call call;
    if (!st_begin(ctx, this_obj, argv, true, &call, exception)) {
        return JSValueMakeUndefined(ctx);
    }
    struct diag d;
    bool existed = false;
    int rc = db_kv_remove(call.db, call.scope, call.key.s, &d, &existed);
    mem_free(call.key.owned);
    if (rc != RC_OK) {
        return api_throw_db(ctx, exception, rc, &d);
    }
    return JSValueMakeBoolean(ctx, existed);
}

static JSValueRef st_clear(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                           const JSValueRef argv[], JSValueRef *exception)
{
    struct st_call call;
    if (!st_begin(ctx, this_obj, argv, false, &call, exception)) {
        return JSValueMakeUndefined(ctx);
    }
    struct diag d;
    size_t removed = 0;
    int rc = db_kv_clear(call.db, call.scope, &d, &removed);
    if (rc != RC_OK) {
        return api_throw_db(ctx, exception, rc, &d);
    }
    return JSValueMakeNumber(ctx, (double)removed);
}

static JSValueRef st_keys(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                          const JSValueRef argv[], JSValueRef *exception)
{
    struct st_call call;
    if (!st_begin(ctx, this_obj, argv, false, &call, exception)) {
        return JSValueMakeUndefined(ctx);
    }
    struct st_arg prefix = { .owned = NULL, .s = STR_NULL };
    if (argc > 0 && !JSValueIsUndefined(ctx, argv[0]) &&
        !st_arg_get(ctx, argv[0], &prefix, exception)) {
        return JSValueMakeUndefined(ctx);
    }
    struct arena *a = arena_new(4096);
    struct diag d;
    struct str *keys = NULL;
    size_t n = 0;
    int rc = db_kv_keys(call.db, call.scope, prefix.s, a, &d, &keys, &n);
    mem_free(prefix.owned);
    JSValueRef r;
    if (rc != RC_OK) {
        r = api_throw_db(ctx, exception, rc, &d);
    } else {
        JSValueRef *items = mem_calloc(n ? n : 1, sizeof(JSValueRef));
        for (size_t i = 0; i < n; i++) {
            items[i] = js_make_string(ctx, keys[i]);
        }
        JSValueRef exc = NULL;
        r = JSObjectMakeArray(ctx, n, items, &exc);
        mem_free(items);
        if (exc != NULL) {
            *exception = exc;
            r = JSValueMakeUndefined(ctx);
        }
    }
    arena_free(a);
    return r;
}

static JSValueRef st_get_json(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                              const JSValueRef argv[], JSValueRef *exception)
{
    struct st_call call;
    if (!st_begin(ctx, this_obj, argv, true, &call, exception)) {
        return JSValueMakeUndefined(ctx);
    }
    struct arena *a = arena_new(4096);
    struct diag d;
    struct str value;
    int rc = db_kv_get(call.db, call.scope, call.key.s, a, &d, &value);
    JSValueRef r;
    if (rc == RC_NOTFOUND) {
        r = argc > 1 && !JSValueIsUndefined(ctx, argv[1]) ? argv[1] : JSValueMakeNull(ctx);
    } else if (rc != RC_OK) {
        r = api_throw_db(ctx, exception, rc, &d);
    } else {
        struct json_error je;
        rc = js_json_parse(ctx, a, value, API_JSON_MAX_DEPTH, &r, &je);
        if (rc != RC_OK) {
            struct diag jd;
            (void)diag_set(&jd, rc, "stored value of \"%.*s\" is not JSON: %s at line %zu",
                           STR_FMT(call.key.s), je.msg, je.line);
            r = api_throw(ctx, exception, "INVALID_JSON_ARGUMENT", str_from_cstr(jd.msg), STR(""));
        }
    }
    arena_free(a);
    mem_free(call.key.owned);
    return r;
}

static JSValueRef st_set_json(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                              const JSValueRef argv[], JSValueRef *exception)
{
    struct st_call call;
    if (!st_begin(ctx, this_obj, argv, true, &call, exception)) {
        return JSValueMakeUndefined(ctx);
    }
    struct buf b;
    buf_init(&b, DB_KV_VALUE_MAX_BYTES + 1);
    JSValueRef exc = NULL;
    int rc = js_json_append(ctx, argc > 1 ? argv[1] : JSValueMakeUndefined(ctx), &b, &exc);
    JSValueRef r = JSValueMakeUndefined(ctx);
    if (rc == RC_JS) {
        *exception = exc;
    } else if (rc == RC_INVAL) {
        r = api_throw(ctx, exception, "INVALID_ARGUMENT",
                      STR("setJSON: the value is not serialisable as JSON"), STR(""));
    } else if (rc != RC_OK) {
        r = api_throw(ctx, exception, "STORAGE_LIMIT", STR("setJSON: the value is over 1 MiB"),
                      STR(""));
    } else if (json_text_depth(buf_str(&b)) > API_JSON_MAX_DEPTH) {
        /* getJSON parses with the request body's depth limit: refuse what it could not read. */
        r = api_throw(ctx, exception, "INVALID_ARGUMENT",
                      STR("setJSON: the value nests more than 64 arrays or objects deep"), STR(""));
    } else {
        r = st_put(ctx, &call, buf_str(&b), exception);
    }
    buf_fini(&b);
    mem_free(call.key.owned);
    return r;
}

static JSValueRef st_increment(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                               const JSValueRef argv[], JSValueRef *exception)
{
    double by = 1;
    if (argc > 1 && !JSValueIsUndefined(ctx, argv[1])) {
        by = JSValueIsNumber(ctx, argv[1]) ? JSValueToNumber(ctx, argv[1], NULL) : NAN;
        if (!isfinite(by) || by != floor(by) || fabs(by) > 9007199254740991.0) {
            return api_throw(ctx, exception, "INVALID_ARGUMENT",
                             STR("increment: `by` must be a safe integer"), STR(""));
        }
    }
    struct st_call call;
    if (!st_begin(ctx, this_obj, argv, true, &call, exception)) {
        return JSValueMakeUndefined(ctx);
    }
    struct diag d;
    int64_t out = 0;
    int rc = db_kv_increment(call.db, call.scope, call.key.s, (int64_t)by, &d, &out);
    mem_free(call.key.owned);
    if (rc != RC_OK) {
        return api_throw_db(ctx, exception, rc, &d);
    }
    return JSValueMakeNumber(ctx, (double)out);
}

static JSValueRef st_compare_and_set(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                     const JSValueRef argv[], JSValueRef *exception)
{
    struct st_call call;
    if (!st_begin(ctx, this_obj, argv, true, &call, exception)) {
        return JSValueMakeUndefined(ctx);
    }
    struct st_arg expected = { .owned = NULL, .s = STR_NULL };
    struct st_arg value = { .owned = NULL, .s = STR_NULL };
    bool absent = JSValueIsNull(ctx, argv[1]) || JSValueIsUndefined(ctx, argv[1]);
    JSValueRef r = JSValueMakeUndefined(ctx);
    if ((absent || st_arg_get(ctx, argv[1], &expected, exception)) &&
        st_arg_get(ctx, argv[2], &value, exception)) {
        struct diag d;
        bool swapped = false;
        int rc = db_kv_compare_and_set(call.db, call.scope, call.key.s, absent ? NULL : &expected.s,
                                       value.s, &d, &swapped);
        r = rc == RC_OK ? JSValueMakeBoolean(ctx, swapped) : api_throw_db(ctx, exception, rc, &d);
    }
    mem_free(expected.owned);
    mem_free(value.owned);
    mem_free(call.key.owned);
    return r;
}

/* sharedStorage.getItem(key) and setItem(key, value) for string arguments as fast functions
 * (js_install_fast_fns: JSC calls them without dropping and retaking its lock). They cannot
 * throw, so the error they would throw (a KilnError object: a bad key, a limit, a busy store
 * after its wait) is their result, and the prelude throws it; getItem's values are strings or
 * null and setItem's is true, so an object is always an error. Other argument types give
 * undefined and the prelude calls the ordinary getItem/setItem (ToString may run JS there). */
static JSValueRef st_fast_result(JSContextRef ctx, JSValueRef v, JSValueRef exc)
{
    if (exc == NULL) {
        return v;
    }
    return JSValueIsObject(ctx, exc) ? exc : JSValueMakeUndefined(ctx); /* never a primitive */
}

static JSValueRef st_get_fast(JSContextRef ctx, size_t argc, const JSValueRef argv[])
{
    if (argc < 1 || !JSValueIsString(ctx, argv[0])) {
        return JSValueMakeUndefined(ctx);
    }
    JSValueRef exc = NULL;
    JSValueRef v = st_get_item(ctx, NULL, argc, argv, &exc);
    return st_fast_result(ctx, v, exc);
}
JS_FAST_FN(st_get_native, st_get_fast)

static JSValueRef st_set_fast(JSContextRef ctx, size_t argc, const JSValueRef argv[])
{
    if (argc < 2 || !JSValueIsString(ctx, argv[0]) || !JSValueIsString(ctx, argv[1])) {
        return JSValueMakeUndefined(ctx);
    }
    JSValueRef exc = NULL;
    (void)st_set_item(ctx, NULL, argc, argv, &exc);
    return st_fast_result(ctx, JSValueMakeBoolean(ctx, true), exc);
}
JS_FAST_FN(st_set_native, st_set_fast)

static const struct js_fast storage_fast[] = {
    { .name = "storageGetFast", .native = st_get_native, .length = 1 },
    { .name = "storageSetFast", .native = st_set_native, .length = 2 },
    { .name = NULL },
};

static const struct js_fn storage_fns[] = {
    { .name = "getItem", .fn = st_get_item, .min_args = 1 },
    { .name = "setItem", .fn = st_set_item, .min_args = 2 },
    { .name = "removeItem", .fn = st_remove_item, .min_args = 1 },
    { .name = "clear", .fn = st_clear, .min_args = 0 },
    { .name = "has", .fn = st_has, .min_args = 1 },
    { .name = "keys", .fn = st_keys, .min_args = 0 },
    { .name = "getJSON", .fn = st_get_json, .min_args = 1 },
    { .name = "setJSON", .fn = st_set_json, .min_args = 2 },
    { .name = "increment", .fn = st_increment, .min_args = 1 },
    { .name = "compareAndSet", .fn = st_compare_and_set, .min_args = 3 },
    { .name = NULL },
};

static void storage_init(JSContextRef ctx, JSObjectRef global, JSObjectRef native)
{
    JSObjectRef obj = JSObjectMake(ctx, NULL, NULL);
    js_install_fns(ctx, obj, storage_fns);
    JSStringRef name = JSStringCreateWithUTF8CString("sharedStorage");
    JSValueRef exc = NULL;
    JSObjectSetProperty(ctx, global, name, obj, kJSPropertyAttributeDontEnum, &exc);
    JSStringRelease(name);
    /* personalStorage's natives: the prelude wraps them (anonymous callers, 401). */
    pthread_once(&personal_once, personal_class_create);
    JSObjectRef personal = JSObjectMake(ctx, personal_class, (void *)&personal_class);
    js_install_fns(ctx, personal, storage_fns);
    name = JSStringCreateWithUTF8CString("personalStorage");
    JSObjectSetProperty(ctx, native, name, personal, kJSPropertyAttributeDontEnum, &exc);
    JSStringRelease(name);
    /* Nothing installed without the direct path: the prelude checks for them. */
    (void)js_install_fast_fns(ctx, native, storage_fast);
}

const struct api_module api_module_storage = {
    .name = "storage",
    .init = storage_init,
    .fns = NULL,
};
