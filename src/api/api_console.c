/* SPDX-License-Identifier: MIT */
/*
 * console.debug/log/info/warn/error (spec/70-observability.md §1): arguments joined with
 * spaces (strings as they are, Errors as "Name: message" + stack, other values as JSON); a
 * trailing plain object (with two or more arguments) becomes structured fields, with secret
 * looking keys redacted. Entries go to the engine's script log sink (api_log), whose default
 * writes logfmt lines; the store plugs in there later.
 * Thread contract: the thread running the context; the sink may be called from any thread.
 */
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"
#include "base/buf.h"
#include "base/clk.h"
#include "base/mem.h"
#include "base/rc.h"

#define CONSOLE_MSG_MAX    ((size_t)16 * 1024)
#define CONSOLE_FIELDS_MAX 64

static bool is_plain_object(JSContextRef ctx, JSValueRef v)
{
    if (!JSValueIsObject(ctx, v) || JSValueIsArray(ctx, v)) {
        return false;
    }
    JSObjectRef o = (JSObjectRef)v;
    if (JSObjectIsFunction(ctx, o)) {
        return false;
    }
    JSValueRef proto = JSObjectGetPrototype(ctx, o);
    if (JSValueIsNull(ctx, proto)) {
        return true;
    }
    JSValueRef object_proto = JSObjectGetPrototype(ctx, JSObjectMake(ctx, NULL, NULL));
    return JSValueIsStrictEqual(ctx, proto, object_proto);
}

static bool is_error(JSContextRef ctx, JSValueRef v)
{
    if (!JSValueIsObject(ctx, v)) {
        return false;
    }
    JSStringRef n = JSStringCreateWithUTF8CString("Error");
    JSValueRef exc = NULL;
    JSValueRef ctor = JSObjectGetProperty(ctx, JSContextGetGlobalObject(ctx), n, &exc);
    JSStringRelease(n);
    if (exc != NULL || !JSValueIsObject(ctx, ctor)) {
        return false;
    }
    bool r = JSValueIsInstanceOfConstructor(ctx, v, (JSObjectRef)ctor, &exc);
    return exc == NULL && r;
}

/* Append one argument as console formats it. */
static void append_arg(JSContextRef ctx, JSValueRef v, struct buf *b)
{
    JSValueRef exc = NULL;
    int rc;
    if (JSValueIsString(ctx, v)) {
        /* A full buffer keeps what fit (the message limit); ToString of a string cannot throw. */
        rc = js_value_append(ctx, v, b, &exc);
        (void)rc;
        return;
    }
    if (is_error(ctx, v)) {
        js_exception_describe(ctx, v, b);
        return;
    }
    rc = js_json_append(ctx, v, b, &exc);
    if (rc == RC_INVAL || rc == RC_JS) {
        exc = NULL;
        rc = js_value_append(ctx, v, b, &exc);
        if (rc == RC_JS) {
            rc = buf_try_append_cstr(b, "[value that cannot be converted to a string]");
        }
        (void)rc;
    }
}

static bool is_secret_key(struct str k)
{
    static const char *const words[] = { "pass",   "secret", "token",   "authorization",
                                         "cookie", "apikey", "api-key", "api_key" };
    char low[128];
    size_t n = k.len < sizeof(low) ? k.len : sizeof(low);
    for (size_t i = 0; i < n; i++) {
        low[i] = str_lower_char(k.ptr[i]);
    }
    struct str l = str_make(low, n);
    for (size_t i = 0; i < ARRAY_LEN(words); i++) {
        if (str_find(l, str_from_cstr(words[i])) >= 0) {
            return true;
        }
    }
    return false;
}

static JSValueRef console_write(JSContextRef ctx, enum log_level level, size_t argc,
                                const JSValueRef argv[])
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    if (level == LOG_DEBUG && !c->e->cfg.dev) {
        return JSValueMakeUndefined(ctx);
    }
    struct buf msg;
    buf_init(&msg, CONSOLE_MSG_MAX);
    JSObjectRef fields = NULL;
    size_t nmsg = argc;
    if (argc >= 2 && is_plain_object(ctx, argv[argc - 1])) {
        fields = (JSObjectRef)argv[argc - 1];
        nmsg = argc - 1;
    } else if (argc == 1 && is_plain_object(ctx, argv[0])) {
        fields = (JSObjectRef)argv[0];
    }
    for (size_t i = 0; i < nmsg; i++) {
        if (i > 0 && buf_try_append_char(&msg, ' ') != RC_OK) {
            break;
        }
        append_arg(ctx, argv[i], &msg);
    }
    struct arena *a = arena_new(0);
    struct str keys[CONSOLE_FIELDS_MAX];
    struct str values[CONSOLE_FIELDS_MAX];
    size_t nf = 0;
    if (fields != NULL) {
        JSPropertyNameArrayRef names = JSObjectCopyPropertyNames(ctx, fields);
        size_t n = JSPropertyNameArrayGetCount(names);
        for (size_t i = 0; i < n && nf < CONSOLE_FIELDS_MAX; i++) {
            JSStringRef name = JSPropertyNameArrayGetNameAtIndex(names, i);
            JSValueRef exc = NULL;
            JSValueRef v = JSObjectGetProperty(ctx, fields, name, &exc);
            if (exc != NULL) {
                continue;
            }
            keys[nf] = js_string_to_arena(name, a);
            if (is_secret_key(keys[nf])) {
                values[nf] = STR("[redacted]");
            } else {
                struct buf vb;
                buf_init(&vb, CONSOLE_MSG_MAX);
                append_arg(ctx, v, &vb);
                values[nf] = arena_strdup(a, buf_str(&vb));
                buf_fini(&vb);
            }
            nf++;
        }
        JSPropertyNameArrayRelease(names);
    }
    struct api_log_entry le = {
        .level = level,
        .ts_ms = clk_realtime_ms(),
        .script = c->ver->uri,
        .request_id = c->current ? c->current->request_id : STR_NULL,
        .message = buf_str(&msg),
        .field_keys = keys,
        .field_values = values,
        .field_count = nf,
    };
    api_log(c->e, &le);
    arena_free(a);
    buf_fini(&msg);
    return JSValueMakeUndefined(ctx);
}

#define CONSOLE_FN(fname, level)                                                           \
    static JSValueRef console_##fname(JSContextRef ctx, JSObjectRef this_obj, size_t argc, \
                                      const JSValueRef argv[], JSValueRef *exception)      \
    {                                                                                      \
        return console_write(ctx, level, argc, argv);                                      \
    }
CONSOLE_FN(debug, LOG_DEBUG)
CONSOLE_FN(log, LOG_INFO)
CONSOLE_FN(info, LOG_INFO)
CONSOLE_FN(warn, LOG_WARN)
CONSOLE_FN(error, LOG_ERROR)
#undef CONSOLE_FN

static const struct js_fn console_fns[] = {
    { .name = "debug", .fn = console_debug, .min_args = 0 },
    { .name = "log", .fn = console_log, .min_args = 0 },
    { .name = "info", .fn = console_info, .min_args = 0 },
    { .name = "warn", .fn = console_warn, .min_args = 0 },
    { .name = "error", .fn = console_error, .min_args = 0 },
    { .name = NULL },
};

static void console_init(JSContextRef ctx, JSObjectRef global, JSObjectRef native)
{
    JSObjectRef console = JSObjectMake(ctx, NULL, NULL);
    js_install_fns(ctx, console, console_fns);
    JSStringRef name = JSStringCreateWithUTF8CString("console");
    JSValueRef exc = NULL;
    JSObjectSetProperty(ctx, global, name, console, kJSPropertyAttributeDontEnum, &exc);
    JSStringRelease(name);
}

const struct api_module api_module_console = {
    .name = "console",
    .init = console_init,
    .fns = NULL,
};

void api_log_sink_logfmt(void *arg, const struct api_log_entry *e)
{
    if ((int)e->level > (int)log_threshold) {
        return;
    }
    char stamp[32];
    clk_fmt_iso8601_ms(e->ts_ms, stamp);
    struct buf b;
    buf_init(&b, (size_t)64 * 1024);
    int rc = buf_try_printf(&b, "ts=%s level=%s mod=script", stamp, log_level_name(e->level));
    if (rc == RC_OK) {
        rc = log_append_kv(&b, "script", e->script);
    }
    if (rc == RC_OK && e->request_id.len) {
        rc = log_append_kv(&b, "request_id", e->request_id);
    }
    if (rc == RC_OK) {
        rc = log_append_kv(&b, "msg", e->message);
    }
    for (size_t i = 0; i < e->field_count && rc == RC_OK; i++) {
        char key[128];
        size_t n = 0;
        for (size_t j = 0; j < e->field_keys[i].len && n + 1 < sizeof(key); j++) {
            char ch = e->field_keys[i].ptr[j];
            bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
            key[n++] = ok ? ch : '_';
        }
        key[n] = '\0';
        rc = log_append_kv(&b, n ? key : "_", e->field_values[i]);
    }
    log_write_raw(buf_str(&b));
    buf_fini(&b);
}
