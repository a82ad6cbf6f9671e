/* SPDX-License-Identifier: MIT */
/*
 * Conversions between C data and JS values: UTF-8 <-> JS strings, bytes <-> Uint8Array, and
 * JSON text -> JS values through Kiln's own parser (base/json.h), whose errors carry a line and
 * column (JSC's JSON.parse reports none).
 * Thread contract: the thread owning ctx's runtime.
 */
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/rc.h"
#include "base/textcodec.h"
#include "base/utf8.h"
#include "js/js.h"

#define UTF16_STACK          2048
#define JSON_BUILD_MAX_DEPTH 256

/* UTF-8 text decoded with textcodec_utf8_to_utf16's rules: Latin-1 characters when every code
 * point fits and the direct path is on (an 8-bit string: one byte per character, and the next
 * read of it needs no widening; ASCII text is used in place), else UTF-16 code units. */
struct decoded {
    const unsigned char *latin1; /* or NULL: units */
    const JSChar *units;
    size_t n;
    JSChar *heap;
    JSChar stack[UTF16_STACK];
};

/* Decode s into d (then decoded_fini). False when fatal and s is ill-formed. */
static bool decode_utf8(struct decoded *d, struct str s, bool fatal, bool ignore_bom)
{
    d->latin1 = NULL;
    d->units = NULL;
    d->n = 0;
    d->heap = NULL;
    if (s.len == 0) {
        d->latin1 = (const unsigned char *)"";
        return true;
    }
    bool direct = js_strings_direct();
    if (direct && utf8_ascii_prefix(s.ptr, s.len) == s.len) {
        d->latin1 = (const unsigned char *)s.ptr;
        d->n = s.len;
        return true;
    }
    /* UTF-16 never needs more code units than UTF-8 has bytes (nor Latin-1 more bytes). */
    JSChar *buf = s.len <= UTF16_STACK ? d->stack : (d->heap = mem_alloc(s.len * sizeof(JSChar)));
    if (direct && textcodec_utf8_to_latin1(s, (unsigned char *)buf, &d->n)) {
        d->latin1 = (const unsigned char *)buf;
        return true;
    }
    d->units = buf;
    return textcodec_utf8_to_utf16(s, fatal, ignore_bom, buf, &d->n) == RC_OK;
}

static void decoded_fini(struct decoded *d)
{
    mem_free(d->heap);
}

JSStringRef js_string_new(struct str s)
{
    struct decoded d;
    /* Not fatal: cannot fail. The BOM is text here (ignore_bom). */
    (void)decode_utf8(&d, s, false, true);
    JSStringRef r = d.latin1 != NULL ? js_string_new_latin1(d.latin1, d.n)
                                     : JSStringCreateWithCharacters(d.units, d.n);
    decoded_fini(&d);
    return r;
}

JSValueRef js_make_string_decoded(JSContextRef ctx, struct str utf8, bool fatal, bool ignore_bom)
{
    struct decoded d;
    JSValueRef v = NULL;
    if (decode_utf8(&d, utf8, fatal, ignore_bom)) {
        v = d.latin1 != NULL ? js_make_string_latin1(ctx, d.latin1, d.n)
                             : js_make_string_utf16(ctx, d.units, d.n);
    }
    decoded_fini(&d);
    return v;
}

JSValueRef js_make_string(JSContextRef ctx, struct str s)
{
    return js_make_string_decoded(ctx, s, false, true);
}

size_t js_utf16_length(const char *p, size_t n)
{
    size_t ascii = utf8_ascii_prefix(p, n);
    size_t units = ascii;
    for (size_t i = ascii; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        units += (c & 0xC0) != 0x80;
        units += c >= 0xF0;
    }
    return units;
}

/* An 8-bit string's characters in place (js_wtf.c), else the code units
 * (JSStringGetUTF8CString converts one character per call into WTF's converter, about 29
 * instructions a byte, and stops at a lone surrogate; JSStringGetCharactersPtr widens an 8-bit
 * string once, about 5 a byte). */
size_t js_string_utf8(JSStringRef s, char *dst, size_t cap)
{
    size_t len = JSStringGetLength(s);
    size_t n = 0;
    struct str latin1;
    DEBUG_ASSERT(TEXTCODEC_UTF8_MAX(len) < cap);
    if (len > 0 && TEXTCODEC_UTF8_MAX(len) < cap) {
        n = js_string_latin1(s, &latin1)
                ? textcodec_latin1_to_utf8((const unsigned char *)latin1.ptr, latin1.len, dst)
                : textcodec_encode_utf8(JSStringGetCharactersPtr(s), len, dst);
    }
    dst[n] = '\0';
    return n;
}

static int append_jsstring(JSStringRef s, struct buf *b)
{
    size_t max = JSStringGetMaximumUTF8CStringSize(s);
    if (max > b->max - b->len + 1) {
        /* Maybe the real size fits: convert into a temporary and append what fits. */
        char *tmp = mem_alloc(max);
        size_t n = js_string_utf8(s, tmp, max);
        int rc = buf_try_append(b, tmp, n);
        mem_free(tmp);
        return rc;
    }
    int rc = buf_try_reserve(b, max);
    if (rc != RC_OK) {
        return rc;
    }
    b->len += js_string_utf8(s, b->ptr + b->len, max);
    return RC_OK;
}

int js_value_append(JSContextRef ctx, JSValueRef v, struct buf *b, JSValueRef *out_exception)
{
    struct str latin1;
    if (js_value_latin1(ctx, v, &latin1)) { /* an 8-bit string: its bytes, no wrapper */
        /* Reserve the exact size (a buffer's max may fit it but not the worst case). */
        size_t need = latin1.len;
        for (size_t i = utf8_ascii_prefix(latin1.ptr, latin1.len); i < latin1.len; i++) {
            need += (unsigned char)latin1.ptr[i] >= 0x80;
        }
        int rc = buf_try_reserve(b, need + 1); /* with the NUL when it fits */
        if (rc != RC_OK) {
            rc = buf_try_reserve(b, need);
        }
        if (rc == RC_OK && b->ptr != NULL) {
            b->len += textcodec_latin1_to_utf8((const unsigned char *)latin1.ptr, latin1.len,
                                               b->ptr + b->len);
            if (b->len < b->cap) {
                b->ptr[b->len] = '\0'; /* as append_jsstring leaves it when there is room */
            }
        }
        return rc;
    }
    JSValueRef exc = NULL;
    JSStringRef s = JSValueToStringCopy(ctx, v, &exc);
    if (exc != NULL) {
        *out_exception = exc;
        return RC_JS;
    }
    int rc = append_jsstring(s, b);
    JSStringRelease(s);
    return rc;
}

struct str js_string_to_arena(JSStringRef s, struct arena *a)
{
    size_t max = JSStringGetMaximumUTF8CStringSize(s);
    char *p = arena_alloc(a, max);
    return str_make(p, js_string_utf8(s, p, max));
}

char *js_value_to_owned(JSContextRef ctx, JSValueRef v, size_t *out_len, JSValueRef *out_exception)
{
    *out_len = 0;
    struct str latin1;
    if (js_value_latin1(ctx, v, &latin1)) { /* an 8-bit string: its bytes, no wrapper */
        char *p = mem_alloc(TEXTCODEC_LATIN1_UTF8_MAX(latin1.len) + 1);
        *out_len = textcodec_latin1_to_utf8((const unsigned char *)latin1.ptr, latin1.len, p);
        p[*out_len] = '\0';
        return p;
    }
    JSValueRef exc = NULL;
    JSStringRef s = JSValueToStringCopy(ctx, v, &exc);
    if (exc != NULL) {
        *out_exception = exc;
        return NULL;
    }
    size_t max = JSStringGetMaximumUTF8CStringSize(s);
    char *p = mem_alloc(max);
    *out_len = js_string_utf8(s, p, max);
    JSStringRelease(s);
    return p;
}

JSValueRef js_get(JSContextRef ctx, JSObjectRef obj, JSStringRef name, JSValueRef *out_exception)
{
    JSValueRef exc = NULL;
    JSValueRef v = JSObjectGetProperty(ctx, obj, name, &exc);
    if (exc != NULL) {
        if (out_exception) {
            *out_exception = exc;
        }
        return JSValueMakeUndefined(ctx);
    }
    return v;
}

bool js_set(JSContextRef ctx, JSObjectRef obj, JSStringRef name, JSValueRef value,
            JSValueRef *out_exception)
{
    JSValueRef exc = NULL;
    JSObjectSetProperty(ctx, obj, name, value, kJSPropertyAttributeNone, &exc);
    if (exc != NULL) {
        if (out_exception) {
            *out_exception = exc;
        }
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------ JSON -> JS values */

/*
 * Kiln's parser checks the text (limits, errors with line and column, UTF-8) without building
 * anything; JSC's own JSON parser then builds the value, in one call instead of one C API call
 * per value and per key (and with JSON.parse's semantics: "__proto__" is an own property).
 */
static const struct json_events check_only; /* every callback NULL: validate only */

int js_json_parse(JSContextRef ctx, struct arena *scratch, struct str text, size_t max_depth,
                  JSValueRef *out_value, struct json_error *out_err)
{
    *out_value = NULL;
    struct json_limits lim = {
        .max_depth =
            (max_depth == 0 || max_depth > JSON_BUILD_MAX_DEPTH) ? JSON_BUILD_MAX_DEPTH : max_depth,
        .max_bytes = 0,
    };
    int rc = json_parse_events(scratch, text, &lim, &check_only, NULL, out_err);
    if (rc != RC_OK) {
        return rc;
    }
    /* The check accepted the text, so it is valid UTF-8: ASCII or Latin-1 text becomes an 8-bit
     * string with one copy (js_wtf.c), anything else UTF-16. */
    JSStringRef s = js_string_new(text);
    JSValueRef v = JSValueMakeFromJSONString(ctx, s);
    JSStringRelease(s);
    if (v == NULL) { /* cannot happen for text the check accepted; never hand back NULL */
        if (out_err != NULL) {
            memset(out_err, 0, sizeof(*out_err));
            (void)snprintf(out_err->msg, sizeof(out_err->msg), "JSON value could not be built");
        }
        return RC_INTERNAL;
    }
    *out_value = v;
    return RC_OK;
}

int js_json_append(JSContextRef ctx, JSValueRef v, struct buf *b, JSValueRef *out_exception)
{
    JSValueRef exc = NULL;
    JSStringRef s = JSValueCreateJSONString(ctx, v, 0, &exc);
    if (exc != NULL) {
        *out_exception = exc;
        return RC_JS;
    }
    if (s == NULL) {
        return RC_INVAL;
    }
    int rc = append_jsstring(s, b);
    JSStringRelease(s);
    return rc;
}

/* ------------------------------------------------------------------ bytes */

bool js_bytes_view(JSContextRef ctx, JSValueRef v, struct str *out)
{
    *out = STR_NULL;
    if (!JSValueIsObject(ctx, v)) {
        return false;
    }
    JSValueRef exc = NULL;
    JSTypedArrayType t = JSValueGetTypedArrayType(ctx, v, &exc);
    if (exc != NULL || t == kJSTypedArrayTypeNone) {
        return false;
    }
    JSObjectRef o = (JSObjectRef)v;
    void *p;
    size_t n;
    if (t == kJSTypedArrayTypeArrayBuffer) {
        p = JSObjectGetArrayBufferBytesPtr(ctx, o, &exc);
        if (exc != NULL) {
            return false;
        }
        n = JSObjectGetArrayBufferByteLength(ctx, o, &exc);
    } else {
        p = JSObjectGetTypedArrayBytesPtr(ctx, o, &exc);
        if (exc != NULL) {
            return false;
        }
        n = JSObjectGetTypedArrayByteLength(ctx, o, &exc);
        if (exc != NULL) {
            return false;
        }
        /* The pointer is the start of the underlying buffer, not of the view. */
        size_t off = JSObjectGetTypedArrayByteOffset(ctx, o, &exc);
        if (p != NULL) {
            p = (char *)p + off;
        }
    }
    if (exc != NULL) {
        return false;
    }
    *out = str_make(p ? (const char *)p : "", p ? n : 0);
    return true;
}

JSObjectRef js_make_bytes(JSContextRef ctx, struct str bytes, JSValueRef *out_exception)
{
    JSValueRef exc = NULL;
    JSObjectRef arr = JSObjectMakeTypedArray(ctx, kJSTypedArrayTypeUint8Array, bytes.len, &exc);
    if (exc != NULL) {
        *out_exception = exc;
        return NULL;
    }
    if (bytes.len) {
        void *p = JSObjectGetTypedArrayBytesPtr(ctx, arr, &exc);
        if (exc != NULL) {
            *out_exception = exc;
            return NULL;
        }
        memcpy(p, bytes.ptr, bytes.len);
    }
    return arr;
}
