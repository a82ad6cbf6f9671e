/* SPDX-License-Identifier: MIT */
/*
 * The native half of TextEncoder, TextDecoder, atob and btoa (the JS classes are
 * src/js/prelude/51_encoding.js); the byte work is base/textcodec and base/b64.
 * Functions (on __kiln_native):
 *   textEncode(string)                    its UTF-8 (lone surrogates: U+FFFD): the byte count when
 *                                         the bytes are in the context's byte scratch, else a
 *                                         Uint8Array
 *   textEncodeInto(string, u8)            fills u8; slots[0] = code units read, [1] = written
 *   textDecoder(label, fatal, ignoreBOM)  a decoder handle (slots[0] = encoding: 0 utf-8,
 *                                         1 utf-16le, 2 utf-16be), or null for an unknown label
 *   textDecode(decoder, arraybuffer, offset, length, stream)
 *                                         the decoded string, or null on an error in fatal mode
 *   textDecodeOnce(arraybuffer)           the same without a decoder object, for a call without
 *                                         stream on a decoder with nothing pending: slots[0] =
 *                                         offset, [1] = length, [2] = flags (encoding | 0x10
 *                                         fatal | 0x20 ignoreBOM)
 *   textDecodeScratch()                   the same for slots[1] bytes the prelude copied to the
 *                                         byte scratch (a Uint8Array up to API_WEB_BYTES)
 *   b64Encode(string)                     btoa: base64, or null when a code unit is over 0xFF
 *   b64Decode(string)                     atob: the bytes as a Latin-1 string, or null
 * Limits: strings and byte inputs over API_TEXT_MAX_BYTES throw KilnError LIMIT_EXCEEDED.
 * Thread contract: the thread running the context.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"
#include "base/b64.h"
#include "base/buf.h"
#include "base/mem.h"
#include "base/rc.h"
#include "base/textcodec.h"
#include "base/utf8.h"

/* The largest text one call encodes or decodes (the JS heap limit is the real bound). */
#define API_TEXT_MAX_BYTES ((size_t)256 << 20)

static JSValueRef too_big(JSContextRef ctx, JSValueRef *exception)
{
    char details[64];
    int n = snprintf(details, sizeof(details), "{\"limit\":%zu}", API_TEXT_MAX_BYTES);
    return api_throw(ctx, exception, "LIMIT_EXCEEDED", STR("text is over the size limit"),
                     str_make(details, (size_t)n));
}

/* ToString(argv[0]) as a JSStringRef (release it), or NULL with *exception set. */
static JSStringRef arg_string(JSContextRef ctx, JSValueRef v, JSValueRef *exception)
{
    JSValueRef exc = NULL;
    JSStringRef s = JSValueToStringCopy(ctx, v, &exc);
    if (exc != NULL) {
        *exception = exc;
        return NULL;
    }
    return s;
}

static JSValueRef text_encode_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                 const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    JSStringRef s = arg_string(ctx, argv[0], exception);
    if (s == NULL || c == NULL) {
        if (s != NULL) {
            JSStringRelease(s);
        }
        return JSValueMakeUndefined(ctx);
    }
    /* One call that locks (JSValueToStringCopy above); the code units are read in place (a
     * Latin-1 string is widened once by JSC) and encoded by base/textcodec. */
    size_t n = JSStringGetLength(s);
    const JSChar *u = n > 0 ? JSStringGetCharactersPtr(s) : NULL;
    if (TEXTCODEC_UTF8_MAX(n) <= API_WEB_BYTES && c->web_bytes != NULL) {
        /* The common case: the bytes go to the context's scratch and the prelude copies them
         * out with Uint8Array.prototype.slice; only the length crosses back. */
        size_t len = n > 0 ? textcodec_encode_utf8(u, n, (char *)c->web_bytes) : 0;
        JSStringRelease(s);
        return JSValueMakeNumber(ctx, (double)len);
    }
    if (TEXTCODEC_UTF8_MAX(n) + 1 > API_TEXT_MAX_BYTES) {
        JSStringRelease(s);
        return too_big(ctx, exception);
    }
    char *p = mem_alloc(TEXTCODEC_UTF8_MAX(n));
    size_t len = textcodec_encode_utf8(u, n, p);
    JSStringRelease(s);
    JSValueRef exc = NULL;
    JSObjectRef a = js_make_bytes(ctx, str_make(p, len), &exc);
    mem_free(p);
    if (exc != NULL) {
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    return a;
}

/* Encode units into dst (cap bytes) as far as whole code points fit; *out_read gets the
 * code units consumed. Returns the bytes written. */
static size_t encode_into(const JSChar *u, size_t n, unsigned char *dst, size_t cap,
                          size_t *out_read)
{
    size_t i = 0;
    size_t w = 0;
    while (i < n) {
        uint32_t cp = u[i];
        size_t units = 1;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (u[i + 1] - 0xDC00u);
            units = 2;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
        }
        char tmp[4];
        size_t len = (size_t)utf8_encode(cp, tmp);
        if (len > cap - w) {
            break;
        }
        memcpy(dst + w, tmp, len);
        w += len;
        i += units;
    }
    *out_read = i;
    return w;
}

static JSValueRef text_encode_into_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                      const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    JSValueRef exc = NULL;
    if (c == NULL || JSValueGetTypedArrayType(ctx, argv[1], &exc) != kJSTypedArrayTypeUint8Array) {
        return js_throw_type_error(ctx, exception, "encodeInto needs a Uint8Array");
    }
    JSStringRef s = arg_string(ctx, argv[0], exception);
    if (s == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    struct str dst;
    size_t read = 0;
    size_t written = 0;
    if (js_bytes_view(ctx, argv[1], &dst)) {
        written = encode_into(JSStringGetCharactersPtr(s), JSStringGetLength(s),
                              (unsigned char *)dst.ptr, dst.len, &read);
    }
    JSStringRelease(s);
    c->web_slots[0] = (uint32_t)read;
    c->web_slots[1] = (uint32_t)written;
    return JSValueMakeUndefined(ctx);
}

/* ------------------------------------------------------------------ TextDecoder */

static pthread_once_t decoder_once = PTHREAD_ONCE_INIT;
static JSClassRef decoder_class;

static void decoder_finalize(JSObjectRef obj)
{
    mem_free(JSObjectGetPrivate(obj));
}

static void decoder_class_init(void)
{
    JSClassDefinition def = kJSClassDefinitionEmpty;
    def.className = "KilnTextDecoderState";
    def.finalize = decoder_finalize;
    decoder_class = JSClassCreate(&def);
}

static JSValueRef text_decoder_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                  const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL) {
        return js_throw_type_error(ctx, exception, "no Kiln context");
    }
    struct buf label;
    buf_init(&label, 256);
    JSValueRef exc = NULL;
    int rc = js_value_append(ctx, argv[0], &label, &exc);
    if (rc == RC_JS) {
        buf_fini(&label);
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    enum textcodec_encoding enc = TEXTCODEC_UTF8;
    rc = rc ? rc : textcodec_label(buf_str(&label), &enc);
    buf_fini(&label);
    if (rc != RC_OK) {
        return JSValueMakeNull(ctx);
    }
    pthread_once(&decoder_once, decoder_class_init);
    struct textcodec_decoder *d = mem_alloc(sizeof(*d));
    textcodec_decoder_init(d, enc, JSValueToBoolean(ctx, argv[1]), JSValueToBoolean(ctx, argv[2]));
    c->web_slots[0] = (uint32_t)enc;
    return JSObjectMake(ctx, decoder_class, d);
}

static JSValueRef text_decode_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                 const JSValueRef argv[], JSValueRef *exception)
{
    pthread_once(&decoder_once, decoder_class_init);
    if (!JSValueIsObjectOfClass(ctx, argv[0], decoder_class)) {
        return js_throw_type_error(ctx, exception, "not a TextDecoder");
    }
    struct textcodec_decoder *d = JSObjectGetPrivate((JSObjectRef)argv[0]);
    /* argv[1] is an ArrayBuffer, argv[2] and argv[3] the view's offset and length (the prelude
     * reads them from the view: one call into JSC here instead of four). */
    JSValueRef exc = NULL;
    if (!JSValueIsObject(ctx, argv[1]) ||
        JSValueGetTypedArrayType(ctx, argv[1], &exc) != kJSTypedArrayTypeArrayBuffer) {
        return js_throw_type_error(ctx, exception, "textDecode needs an ArrayBuffer");
    }
    double off = JSValueToNumber(ctx, argv[2], &exc);
    double len = JSValueToNumber(ctx, argv[3], &exc);
    const char *base = JSObjectGetArrayBufferBytesPtr(ctx, (JSObjectRef)argv[1], &exc);
    size_t cap = JSObjectGetArrayBufferByteLength(ctx, (JSObjectRef)argv[1], &exc);
    if (exc != NULL || !(off >= 0) || !(len >= 0) || off + len > (double)cap) {
        return js_throw_type_error(ctx, exception, "textDecode: bad offset or length");
    }
    struct str bytes = str_make(base ? base + (size_t)off : "", base ? (size_t)len : 0);
    if (bytes.len > API_TEXT_MAX_BYTES / 3) {
        return too_big(ctx, exception);
    }
    struct buf out;
    /* UTF-8 out of UTF-8 in is at most 3 bytes per byte (U+FFFD for each bad byte). */
    buf_init(&out, bytes.len * 3 + 16);
    int rc = textcodec_decode(d, bytes, JSValueToBoolean(ctx, argv[4]), &out);
    JSValueRef r = rc == RC_OK ? js_make_string(ctx, buf_str(&out)) : JSValueMakeNull(ctx);
    buf_fini(&out);
    return r;
}

/* Decoding flags in slots[2] (the prelude's #flags): the encoding in the low bits. */
#define DECODE_ENC_MASK   0x3u
#define DECODE_FATAL      0x10u
#define DECODE_IGNORE_BOM 0x20u

/* Units a decode builds on the stack; longer inputs get a heap array. */
#define DECODE_STACK_UNITS 2048

/* The string of UTF-8 bytes decoded straight to UTF-16 (no intermediate UTF-8), or null in
 * fatal mode on an error. */
static JSValueRef decode_utf8_once(JSContextRef ctx, struct str bytes, uint32_t flags)
{
    JSChar stack[DECODE_STACK_UNITS];
    JSChar *units = bytes.len <= DECODE_STACK_UNITS ? stack : mem_alloc(bytes.len * sizeof(JSChar));
    size_t n = 0;
    int rc = textcodec_utf8_to_utf16(bytes, (flags & DECODE_FATAL) != 0,
                                     (flags & DECODE_IGNORE_BOM) != 0, units, &n);
    JSValueRef r = rc == RC_OK ? js_make_string_utf16(ctx, units, n) : JSValueMakeNull(ctx);
    if (units != stack) {
        mem_free(units);
    }
    return r;
}

/* Decode bytes for a call without stream from a decoder with nothing pending (flags: the
 * prelude's #flags); the string, or null on an error in fatal mode. */
static JSValueRef decode_once(JSContextRef ctx, struct str bytes, uint32_t flags)
{
    enum textcodec_encoding enc = (enum textcodec_encoding)(flags & DECODE_ENC_MASK);
    if (enc == TEXTCODEC_UTF8) {
        return decode_utf8_once(ctx, bytes, flags);
    }
    struct textcodec_decoder d;
    textcodec_decoder_init(&d, enc, (flags & DECODE_FATAL) != 0, (flags & DECODE_IGNORE_BOM) != 0);
    struct buf out;
    buf_init(&out, bytes.len * 3 + 16);
    int rc = textcodec_decode(&d, bytes, false, &out);
    JSValueRef r = rc == RC_OK ? js_make_string(ctx, buf_str(&out)) : JSValueMakeNull(ctx);
    buf_fini(&out);
    return r;
}

/* textDecodeOnce(arraybuffer): TextDecoder.decode without stream from a decoder with nothing
 * pending (the common case): no decoder object, and the view's offset and length and the
 * decoder's flags come in slots[0..2] (written by the prelude: no JSC calls to read them). */
static JSValueRef text_decode_once_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                      const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL || !JSValueIsObject(ctx, argv[0])) {
        return js_throw_type_error(ctx, exception, "textDecode needs an ArrayBuffer");
    }
    size_t off = c->web_slots[0];
    size_t len = c->web_slots[1];
    JSValueRef exc = NULL;
    const char *base = JSObjectGetArrayBufferBytesPtr(ctx, (JSObjectRef)argv[0], &exc);
    size_t cap = 0;
    if (base != NULL && exc == NULL) {
        cap = JSObjectGetArrayBufferByteLength(ctx, (JSObjectRef)argv[0], &exc);
    } else if (exc == NULL &&
               JSValueGetTypedArrayType(ctx, argv[0], &exc) != kJSTypedArrayTypeArrayBuffer) {
        /* Not an ArrayBuffer (a SharedArrayBuffer's view lands here, as in textDecode). */
        return js_throw_type_error(ctx, exception, "textDecode needs an ArrayBuffer");
    }
    if (exc != NULL || off > cap || len > cap - off) {
        return js_throw_type_error(ctx, exception, "textDecode: bad offset or length");
    }
    if (len > API_TEXT_MAX_BYTES / 3) {
        return too_big(ctx, exception);
    }
    return decode_once(ctx, str_make(base ? base + off : "", len), c->web_slots[2]);
}

/* textDecodeScratch(): the same for bytes the prelude copied into the byte scratch
 * (Uint8Array.prototype.set: no ArrayBuffer object for the view, no JSC call to find the
 * bytes); slots[1] = length, [2] = flags. */
static JSValueRef text_decode_scratch_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                         const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL || c->web_bytes == NULL || c->web_slots[1] > API_WEB_BYTES) {
        return js_throw_type_error(ctx, exception, "textDecodeScratch: no scratch bytes");
    }
    return decode_once(ctx, str_make((const char *)c->web_bytes, c->web_slots[1]), c->web_slots[2]);
}

/* ------------------------------------------------------------------ atob, btoa */

static JSValueRef b64_encode_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                const JSValueRef argv[], JSValueRef *exception)
{
    JSStringRef s = arg_string(ctx, argv[0], exception);
    if (s == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    size_t n = JSStringGetLength(s);
    const JSChar *u = JSStringGetCharactersPtr(s);
    JSValueRef r = JSValueMakeNull(ctx);
    struct buf bytes;
    struct buf out;
    buf_init(&bytes, API_TEXT_MAX_BYTES);
    buf_init(&out, API_TEXT_MAX_BYTES);
    int rc = buf_try_reserve(&bytes, n);
    for (size_t i = 0; i < n && rc == RC_OK; i++) {
        if (u[i] > 0xFF) {
            goto out; /* null: InvalidCharacterError */
        }
        bytes.ptr[bytes.len++] = (char)u[i];
    }
    rc = rc ? rc : b64_encode(buf_str(&bytes), false, true, &out);
    r = rc == RC_OK ? js_make_string(ctx, buf_str(&out)) : too_big(ctx, exception);
out:
    buf_fini(&out);
    buf_fini(&bytes);
    JSStringRelease(s);
    return r;
}

static JSValueRef b64_decode_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                const JSValueRef argv[], JSValueRef *exception)
{
    struct buf in;
    struct buf out;
    buf_init(&in, API_TEXT_MAX_BYTES);
    buf_init(&out, API_TEXT_MAX_BYTES);
    JSValueRef exc = NULL;
    JSValueRef r = JSValueMakeNull(ctx);
    int rc = js_value_append(ctx, argv[0], &in, &exc);
    if (rc == RC_JS) {
        *exception = exc;
        r = JSValueMakeUndefined(ctx);
        goto out;
    }
    /* Non-ASCII characters arrive as bytes >= 0x80: outside the alphabet, so invalid. */
    rc = rc ? rc : b64_decode_forgiving(buf_str(&in), &out);
    if (rc == RC_LIMIT) {
        r = too_big(ctx, exception);
    } else if (rc == RC_OK) {
        /* Each byte is one code unit U+0000..U+00FF. */
        JSChar *units = mem_alloc(out.len * sizeof(JSChar) + 1);
        for (size_t i = 0; i < out.len; i++) {
            units[i] = (unsigned char)out.ptr[i];
        }
        JSStringRef s = JSStringCreateWithCharacters(units, out.len);
        r = JSValueMakeString(ctx, s);
        JSStringRelease(s);
        mem_free(units);
    }
out:
    buf_fini(&out);
    buf_fini(&in);
    return r;
}

static const struct js_fn encoding_fns[] = {
    { .name = "textEncode", .fn = text_encode_fn, .min_args = 1 },
    { .name = "textEncodeInto", .fn = text_encode_into_fn, .min_args = 2 },
    { .name = "textDecoder", .fn = text_decoder_fn, .min_args = 3 },
    { .name = "textDecode", .fn = text_decode_fn, .min_args = 5 },
    { .name = "textDecodeOnce", .fn = text_decode_once_fn, .min_args = 1 },
    { .name = "textDecodeScratch", .fn = text_decode_scratch_fn, .min_args = 0 },
    { .name = "b64Encode", .fn = b64_encode_fn, .min_args = 1 },
    { .name = "b64Decode", .fn = b64_decode_fn, .min_args = 1 },
    { .name = NULL },
};

const struct api_module api_module_encoding = {
    .name = "encoding",
    .init = NULL,
    .fns = encoding_fns,
};
