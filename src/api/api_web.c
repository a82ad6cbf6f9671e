/* SPDX-License-Identifier: MIT */
/*
 * Native helpers of the Web platform classes of the prelude (Blob, FormData, Request and
 * Response bodies; src/js/prelude/15_web.js): multipart/form-data parsing and serialisation
 * through http/http_multipart.c, and byte concatenation. Scripts never see these functions:
 * they sit on __kiln_native, which the prelude captures and C removes.
 * Thread contract: the context's thread.
 */
#include <string.h>

#include "api/api_internal.h"
#include "base/arena.h"
#include "base/b64.h"
#include "base/buf.h"
#include "base/mem.h"
#include "base/rc.h"
#include "base/rnd.h"

bool api_list_of(JSContextRef ctx, JSValueRef v, size_t max, JSObjectRef *out_list,
                 size_t *out_count)
{
    *out_list = NULL;
    *out_count = 0;
    if (!JSValueIsObject(ctx, v)) {
        return false;
    }
    JSObjectRef list = (JSObjectRef)v;
    struct api_ctx *c = api_ctx_of(ctx);
    JSValueRef exc = NULL;
    double nd = JSValueToNumber(ctx, js_get(ctx, list, c->names->s[API_N_length], &exc), &exc);
    if (exc != NULL || !(nd >= 0) || nd > (double)max) {
        return false;
    }
    *out_list = list;
    *out_count = (size_t)nd;
    return true;
}

/* Build [[name, value, filename | undefined, type], ...] from parts: value is a string for a
 * field and a Uint8Array for a file part. NULL when JSC threw (*exception set). */
static JSObjectRef entries_of(JSContextRef ctx, const struct http_multipart_part *p, size_t n,
                              JSValueRef *exception)
{
    JSValueRef exc = NULL;
    JSObjectRef arr = JSObjectMakeArray(ctx, 0, NULL, &exc);
    for (size_t i = 0; i < n && exc == NULL; i++) {
        JSValueRef e[4];
        e[0] = js_make_string(ctx, p[i].name);
        if (p[i].has_filename) {
            e[1] = js_make_bytes(ctx, p[i].data, &exc);
            if (e[1] == NULL) {
                break;
            }
            e[2] = js_make_string(ctx, p[i].filename);
        } else {
            e[1] = js_make_string(ctx, p[i].data);
            e[2] = JSValueMakeUndefined(ctx);
        }
        e[3] = js_make_string(ctx, p[i].content_type);
        JSObjectRef entry = JSObjectMakeArray(ctx, 4, e, &exc);
        if (exc == NULL) {
            JSObjectSetPropertyAtIndex(ctx, arr, (unsigned)i, entry, &exc);
        }
    }
    if (exc != NULL) {
        *exception = exc;
        return NULL;
    }
    return arr;
}

JSObjectRef api_multipart_entries(JSContextRef ctx, struct str body, struct str content_type,
                                  const struct http_multipart_limits *lim, struct arena *a,
                                  int *out_rc, struct diag *d, JSValueRef *exception)
{
    struct str boundary;
    struct http_multipart_part *parts = NULL;
    size_t n = 0;
    *out_rc = http_multipart_boundary(content_type, a, &boundary, d);
    if (*out_rc == RC_OK) {
        *out_rc = http_multipart_parse(body, boundary, lim, a, &parts, &n, d);
    }
    if (*out_rc != RC_OK) {
        return NULL;
    }
    return entries_of(ctx, parts, n, exception);
}

/* multipartParse(bytes, contentType) -> entries; TypeError when malformed (as formData()). */
static JSValueRef web_multipart_parse(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                      const JSValueRef argv[], JSValueRef *exception)
{
    struct arena *a = arena_new(0);
    JSValueRef exc = NULL;
    JSValueRef r = NULL;
    size_t n = 0;
    char *ct = js_value_to_owned(ctx, argv[1], &n, &exc);
    if (ct == NULL) {
        *exception = exc;
        goto out;
    }
    /* The bytes are copied: building the entries runs JS allocation, which may move nothing
     * here, but a borrowed view must not outlive a call into JSC. */
    struct str view;
    if (!js_bytes_view(ctx, argv[0], &view)) {
        r = js_throw_type_error(ctx, exception, "multipartParse needs bytes");
        goto out;
    }
    struct str body = arena_strdup(a, view);
    struct diag d;
    int rc = RC_OK;
    r = api_multipart_entries(ctx, body, str_make(ct, n), NULL, a, &rc, &d, &exc);
    if (rc != RC_OK) {
        struct str msg = arena_printf(a, "invalid multipart/form-data body: %s", d.msg);
        char *m = arena_cstr(a, msg);
        r = js_throw_type_error(ctx, exception, m);
    } else if (r == NULL) {
        *exception = exc;
    }
out:
    mem_free(ct);
    arena_free(a);
    return r != NULL ? r : JSValueMakeUndefined(ctx);
}

/* Read entry i of a flat [name, value, filename | null, type, ...] list into p (in a). */
static bool read_entry(JSContextRef ctx, JSObjectRef list, unsigned i, struct arena *a,
                       struct http_multipart_part *p, JSValueRef *exception)
{
    JSValueRef exc = NULL;
    JSValueRef v[4];
    for (unsigned k = 0; k < 4 && exc == NULL; k++) {
        v[k] = JSObjectGetPropertyAtIndex(ctx, list, i * 4 + k, &exc);
    }
    if (exc != NULL) {
        *exception = exc;
        return false;
    }
    memset(p, 0, sizeof(*p));
    JSStringRef s = JSValueToStringCopy(ctx, v[0], &exc);
    if (exc != NULL) {
        *exception = exc;
        return false;
    }
    p->name = js_string_to_arena(s, a);
    JSStringRelease(s);
    struct str bytes;
    if (js_bytes_view(ctx, v[1], &bytes)) {
        p->data = arena_strdup(a, bytes);
    } else {
        s = JSValueToStringCopy(ctx, v[1], &exc);
        if (exc != NULL) {
            *exception = exc;
            return false;
        }
        p->data = js_string_to_arena(s, a);
        JSStringRelease(s);
    }
    if (!JSValueIsNull(ctx, v[2]) && !JSValueIsUndefined(ctx, v[2])) {
        p->has_filename = true;
        s = JSValueToStringCopy(ctx, v[2], &exc);
        if (exc == NULL) {
            p->filename = js_string_to_arena(s, a);
            JSStringRelease(s);
            s = JSValueToStringCopy(ctx, v[3], &exc);
        }
        if (exc != NULL) {
            *exception = exc;
            return false;
        }
        p->content_type = js_string_to_arena(s, a);
        JSStringRelease(s);
    }
    return true;
}

/* multipartEncode(flatList) -> [contentType, Uint8Array] with a fresh random boundary. */
static JSValueRef web_multipart_encode(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                       const JSValueRef argv[], JSValueRef *exception)
{
    JSObjectRef list;
    size_t n;
    if (!api_list_of(ctx, argv[0], (size_t)4 * 100000, &list, &n)) {
        return js_throw_type_error(ctx, exception, "multipartEncode needs a list");
    }
    JSValueRef exc = NULL;
    size_t count = n / 4;
    struct arena *a = arena_new(0);
    struct buf out;
    buf_init(&out, API_MAX_BODY_BUILD_BYTES);
    JSValueRef r = NULL;
    struct http_multipart_part *parts = arena_alloc(a, (count + 1) * sizeof(*parts));
    for (size_t i = 0; i < count; i++) {
        if (!read_entry(ctx, list, (unsigned)i, a, &parts[i], exception)) {
            goto out;
        }
    }
    uint8_t rnd[12];
    rnd_bytes(rnd, sizeof(rnd));
    struct str boundary = arena_printf(
        a, "----kiln-formdata-%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
        rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7], rnd[8], rnd[9], rnd[10], rnd[11]);
    if (http_multipart_write(&out, boundary, parts, count) != RC_OK) {
        r = api_throw(ctx, exception, "PAYLOAD_TOO_LARGE",
                      STR("FormData body is over the body size limit"), STR(""));
        goto out;
    }
    JSValueRef pair[2];
    pair[0] = js_make_string(
        ctx, arena_printf(a, "multipart/form-data; boundary=%.*s", STR_FMT(boundary)));
    pair[1] = js_make_bytes(ctx, buf_str(&out), &exc);
    if (pair[1] == NULL) {
        *exception = exc;
        goto out;
    }
    r = JSObjectMakeArray(ctx, 2, pair, &exc);
    if (exc != NULL) {
        *exception = exc;
        r = NULL;
    }
out:
    buf_fini(&out);
    arena_free(a);
    return r != NULL ? r : JSValueMakeUndefined(ctx);
}

/* concatBytes([Uint8Array | ArrayBuffer | view, ...]) -> one Uint8Array. */
static JSValueRef web_concat_bytes(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                   const JSValueRef argv[], JSValueRef *exception)
{
    JSObjectRef list;
    size_t n;
    if (!api_list_of(ctx, argv[0], (size_t)10000000, &list, &n)) {
        return js_throw_type_error(ctx, exception, "concatBytes needs a list");
    }
    JSValueRef exc = NULL;
    struct buf out;
    buf_init(&out, API_MAX_BODY_BUILD_BYTES);
    JSValueRef r = NULL;
    for (unsigned i = 0; i < (unsigned)n; i++) {
        JSValueRef v = JSObjectGetPropertyAtIndex(ctx, list, i, &exc);
        struct str bytes;
        if (exc != NULL) {
            *exception = exc;
            goto out;
        }
        if (!js_bytes_view(ctx, v, &bytes)) {
            r = js_throw_type_error(ctx, exception, "concatBytes: not bytes");
            goto out;
        }
        if (buf_try_append_str(&out, bytes) != RC_OK) {
            r = api_throw(ctx, exception, "PAYLOAD_TOO_LARGE",
                          STR("body is over the body size limit"), STR(""));
            goto out;
        }
    }
    r = js_make_bytes(ctx, buf_str(&out), &exc);
    if (r == NULL) {
        *exception = exc;
    }
out:
    buf_fini(&out);
    return r != NULL ? r : JSValueMakeUndefined(ctx);
}

/* bytesToBase64(bytes) -> standard base64 with padding (uploaded files' base64/data). */
static JSValueRef web_bytes_to_base64(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                      const JSValueRef argv[], JSValueRef *exception)
{
    struct str bytes;
    if (!js_bytes_view(ctx, argv[0], &bytes)) {
        return js_throw_type_error(ctx, exception, "bytesToBase64 needs bytes");
    }
    struct buf out;
    buf_init(&out, bytes.len / 3 * 4 + 8);
    JSValueRef r = JSValueMakeUndefined(ctx);
    if (b64_encode(bytes, false, true, &out) == RC_OK) {
        r = js_make_string(ctx, buf_str(&out));
    }
    buf_fini(&out);
    return r;
}

static const struct js_fn web_fns[] = {
    { .name = "bytesToBase64", .fn = web_bytes_to_base64, .min_args = 1 },
    { .name = "multipartParse", .fn = web_multipart_parse, .min_args = 2 },
    { .name = "multipartEncode", .fn = web_multipart_encode, .min_args = 1 },
    { .name = "concatBytes", .fn = web_concat_bytes, .min_args = 1 },
    { .name = NULL },
};

const struct api_module api_module_web = { .name = "web", .init = NULL, .fns = web_fns };
