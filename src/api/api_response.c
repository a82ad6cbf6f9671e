/* SPDX-License-Identifier: MIT */
/*
 * Handler results -> HTTP responses (spec/10-http.md §5) and thrown values -> error responses
 * (spec/00-overview.md §6.2). Fast paths in C for strings, bytes, undefined/null and Response
 * objects (three property reads: _status, _headers._l, _body); every other shape goes through
 * the prelude's toResponse(), which also rejects what is not a response (INVALID_RESPONSE).
 * Every path ends the invocation (api_inv_end) before the exchange is given back.
 * Thread contract: the executor thread.
 */
#include <string.h>

#include "api/api_internal.h"
#include "base/buf.h"
#include "base/clk.h"
#include "base/mem.h"
#include "base/rc.h"

static const struct http_header text_plain = { .name = STR("Content-Type"),
                                               .value = STR("text/plain; charset=utf-8") };
static const struct http_header octet_stream = { .name = STR("Content-Type"),
                                                 .value = STR("application/octet-stream") };

void api_respond_error(struct api_inv *inv, int status, const char *code, const char *message)
{
    if (inv->hooks != NULL && inv->hooks->on_error != NULL) {
        inv->hooks->on_error(inv, status, code, message);
        return;
    }
    struct http_exchange *xch = inv->xch;
    api_inv_end(inv);
    http_exchange_respond_error(xch, status, code, str_from_cstr(message), STR(""), NULL, 0);
}

void api_log_exception(struct api_ctx *c, struct str request_id, const char *what,
                       JSValueRef exception)
{
    struct buf b;
    buf_init(&b, (size_t)16 * 1024);
    if (buf_try_printf(&b, "%s: ", what) == RC_OK) {
        js_exception_describe(c->js, exception, &b);
    }
    struct api_log_entry le = {
        .level = LOG_ERROR,
        .ts_ms = clk_realtime_ms(),
        .script = c->ver->uri,
        .request_id = request_id,
        .message = buf_str(&b),
    };
    api_log(c->e, &le);
    buf_fini(&b);
}

static struct str to_arena(JSContextRef ctx, JSValueRef v, struct arena *a)
{
    JSValueRef exc = NULL;
    JSStringRef s = JSValueToStringCopy(ctx, v, &exc);
    if (exc != NULL) {
        return STR("");
    }
    struct str r = js_string_to_arena(s, a);
    JSStringRelease(s);
    return r;
}

static size_t read_header_list(struct api_inv *inv, JSObjectRef l, struct http_header **out,
                               JSValueRef *out_exc);

void api_respond_exception(struct api_inv *inv, JSValueRef exception)
{
    if (inv->hooks != NULL && inv->hooks->on_exception != NULL) {
        inv->hooks->on_exception(inv, exception);
        return;
    }
    struct api_ctx *c = inv->c;
    JSContextRef ctx = c->js;
    struct http_exchange *xch = inv->xch;
    struct arena *a = inv->arena;
    api_log_exception(c, inv->request_id, "handler failed", exception);
    JSValueRef args[2] = { exception, JSValueMakeBoolean(ctx, c->e->cfg.dev) };
    JSValueRef info = NULL;
    struct diag d;
    int rc = js_call(ctx, c->k_error_info, NULL, 2, args, &info, NULL, &d);
    if (rc != RC_OK || !JSValueIsObject(ctx, info)) {
        api_respond_error(inv, 500, "SCRIPT_ERROR", "Internal server error");
        return;
    }
    JSObjectRef arr = (JSObjectRef)info;
    JSValueRef exc = NULL;
    int status = (int)JSValueToNumber(ctx, JSObjectGetPropertyAtIndex(ctx, arr, 0, &exc), &exc);
    struct str code = to_arena(ctx, JSObjectGetPropertyAtIndex(ctx, arr, 1, &exc), a);
    struct str message = to_arena(ctx, JSObjectGetPropertyAtIndex(ctx, arr, 2, &exc), a);
    struct str details = to_arena(ctx, JSObjectGetPropertyAtIndex(ctx, arr, 3, &exc), a);
    JSValueRef hv = JSObjectGetPropertyAtIndex(ctx, arr, 4, &exc);
    struct http_header *hdrs = NULL;
    size_t hn = 0;
    if (exc == NULL && JSValueIsObject(ctx, hv)) {
        hn = read_header_list(inv, (JSObjectRef)hv, &hdrs, &exc);
    }
    if (exc != NULL || status < 400 || status > 599 || code.len == 0) {
        api_respond_error(inv, 500, "SCRIPT_ERROR", "Internal server error");
        return;
    }
    api_inv_end(inv);
    http_exchange_respond_error(xch, status, code.ptr, message, details, hdrs, hn);
}

static void respond_owned(struct api_inv *inv, int status, const struct http_header *h, size_t hn,
                          char *body, size_t len)
{
    struct http_exchange *xch = inv->xch;
    api_inv_end(inv);
    http_exchange_respond_owned(xch, status, h, hn, body, len);
}

/* Read a flat [name, value, ...] JS array into headers in the invocation arena. */
static size_t read_header_list(struct api_inv *inv, JSObjectRef l, struct http_header **out,
                               JSValueRef *out_exc)
{
    JSContextRef ctx = inv->c->js;
    JSValueRef exc = NULL;
    double nd = JSValueToNumber(ctx, js_get(ctx, l, inv->c->names->s[API_N_length], &exc), &exc);
    size_t n = (exc == NULL && nd > 0 && nd < 20000) ? (size_t)nd : 0;
    *out = NULL;
    if (n < 2) {
        *out_exc = exc;
        return 0;
    }
    struct http_header *h = arena_alloc(inv->arena, (n / 2) * sizeof(*h));
    size_t hn = 0;
    for (size_t i = 0; i + 1 < n && exc == NULL; i += 2) {
        h[hn].name =
            to_arena(ctx, JSObjectGetPropertyAtIndex(ctx, l, (unsigned)i, &exc), inv->arena);
        h[hn].value =
            to_arena(ctx, JSObjectGetPropertyAtIndex(ctx, l, (unsigned)i + 1, &exc), inv->arena);
        hn++;
    }
    *out = h;
    *out_exc = exc;
    return hn;
}

/* The body of a Response: an owned buffer (NULL when converting it threw: *out_exc). */
static char *read_body(JSContextRef ctx, JSValueRef bv, size_t *out_len, JSValueRef *out_exc)
{
    struct str bytes;
    *out_len = 0;
    if (JSValueIsUndefined(ctx, bv) || JSValueIsNull(ctx, bv)) {
        return mem_alloc(1);
    }
    if (!JSValueIsString(ctx, bv) && js_bytes_view(ctx, bv, &bytes)) {
        *out_len = bytes.len;
        return mem_dup(bytes.ptr, bytes.len);
    }
    return js_value_to_owned(ctx, bv, out_len, out_exc);
}

/* Read a Response object (prelude class) and send it. */
static void respond_response(struct api_inv *inv, JSObjectRef r)
{
    struct api_ctx *c = inv->c;
    JSContextRef ctx = c->js;
    const struct api_names *nm = c->names;
    JSValueRef exc = NULL;
    double sv = JSValueToNumber(ctx, js_get(ctx, r, nm->s[API_N_status], &exc), &exc);
    if (exc != NULL || !(sv >= 100 && sv <= 599) || sv != (double)(int)sv) {
        api_respond_error(inv, 500, "INVALID_RESPONSE", "Response has an invalid status");
        return;
    }
    struct http_header *hdrs = NULL;
    size_t hn = 0;
    JSValueRef hv = js_get(ctx, r, nm->s[API_N_headers], &exc);
    JSValueRef lv = NULL;
    if (exc == NULL && JSValueIsObject(ctx, hv)) {
        lv = js_get(ctx, (JSObjectRef)hv, nm->s[API_N_list], &exc);
    }
    if (exc == NULL && lv != NULL && JSValueIsObject(ctx, lv)) {
        hn = read_header_list(inv, (JSObjectRef)lv, &hdrs, &exc);
    }
    JSValueRef bv = exc == NULL ? js_get(ctx, r, nm->s[API_N_body], &exc) : NULL;
    size_t len = 0;
    char *body = exc == NULL ? read_body(ctx, bv, &len, &exc) : NULL;
    if (body == NULL) {
        api_respond_exception(inv, exc);
        return;
    }
    respond_owned(inv, (int)sv, hdrs, hn, body, len);
}

void api_respond_value(struct api_inv *inv, JSValueRef v)
{
    if (inv->hooks != NULL) {
        inv->hooks->on_value(inv, v);
        return;
    }
    struct api_ctx *c = inv->c;
    JSContextRef ctx = c->js;
    JSValueRef exc = NULL;
    if (v == NULL || JSValueIsUndefined(ctx, v) || JSValueIsNull(ctx, v)) {
        struct http_exchange *xch = inv->xch;
        api_inv_end(inv);
        http_exchange_respond(xch, 204, NULL, 0, STR(""));
        return;
    }
    if (JSValueIsString(ctx, v)) {
        size_t len = 0;
        char *body = js_value_to_owned(ctx, v, &len, &exc);
        if (body == NULL) {
            api_respond_exception(inv, exc);
            return;
        }
        respond_owned(inv, 200, &text_plain, 1, body, len);
        return;
    }
    if (JSValueIsObject(ctx, v)) {
        struct str bytes;
        if (js_bytes_view(ctx, v, &bytes)) {
            respond_owned(inv, 200, &octet_stream, 1, mem_dup(bytes.ptr, bytes.len), bytes.len);
            return;
        }
        bool is_resp = JSValueIsInstanceOfConstructor(ctx, v, c->k_response, &exc);
        if (exc == NULL && is_resp) {
            respond_response(inv, (JSObjectRef)v);
            return;
        }
    }
    JSValueRef r = NULL;
    struct diag d;
    int rc = js_call(ctx, c->k_to_response, NULL, 1, &v, &r, &exc, &d);
    if (rc != RC_OK) {
        if (exc != NULL) {
            api_respond_exception(inv, exc);
        } else {
            api_respond_error(inv, 500, "INVALID_RESPONSE", "Handler returned an invalid response");
        }
        return;
    }
    if (!JSValueIsObject(ctx, r)) {
        api_respond_error(inv, 500, "INVALID_RESPONSE", "Handler returned an invalid response");
        return;
    }
    respond_response(inv, (JSObjectRef)r);
}
