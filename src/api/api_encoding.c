/* SPDX-License-Identifier: MIT */
/*
 * The native half of TextEncoder, TextDecoder, atob and btoa (the JS classes are
 * src/js/prelude/51_encoding.js); the byte work is base/textcodec and base/b64.
 * Functions (on __kiln_native):
 *   textDirect()                          true when 8-bit strings are read and made directly
 *                                         (js_strings_direct: the prelude then encodes ASCII here
 *                                         too, else in JS)
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
 *   textEncodeFast(string), textDecodeFast()
 *                                         fast functions (js_install_fast_fns: JSC calls them
 *                                         without the C API's callback wrapper; only with the
 *                                         direct string path): textEncode for a flat 8-bit
 *                                         string that fits the scratch and textDecodeScratch;
 *                                         undefined where those would do anything else
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

/* The UTF-8 of a string's n characters into dst: its Latin-1 bytes when latin1.ptr is set, else
 * its code units u. Returns the bytes written. */
static size_t encode_string(struct str latin1, const JSChar *u, size_t n, char *dst)
{
    if (n == 0) {
        return 0;
    }
    return latin1.ptr != NULL
               ? textcodec_latin1_to_utf8((const unsigned char *)latin1.ptr, latin1.len, dst)
               : textcodec_encode_utf8(u, n, dst);
}

static JSValueRef text_encode_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                 const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    /* A flat 8-bit string is read in place (js_value_latin1: no JSC call, ASCII is one copy);
     * anything else through JSValueToStringCopy (ToString, ropes flattened; one call that
     * locks), then as Latin-1 again or as code units (widened once by JSC without the direct
     * path), encoded by base/textcodec. */
    struct str latin1;
    JSStringRef s = NULL;
    if (!js_value_latin1(ctx, argv[0], &latin1)) {
        s = arg_string(ctx, argv[0], exception);
        if (s == NULL) {
            return JSValueMakeUndefined(ctx);
        }
        js_string_latin1(s, &latin1); /* latin1.ptr stays NULL for a 16-bit string */
    }
    size_t n = s != NULL ? JSStringGetLength(s) : latin1.len;
    const JSChar *u = latin1.ptr == NULL && n > 0 ? JSStringGetCharactersPtr(s) : NULL;
    size_t max = latin1.ptr != NULL ? TEXTCODEC_LATIN1_UTF8_MAX(n) : TEXTCODEC_UTF8_MAX(n);
    JSValueRef r;
    if (max <= API_WEB_BYTES && c->web_bytes != NULL) {
        /* The common case: the bytes go to the context's scratch and the prelude copies them
         * out with Uint8Array.prototype.slice; only the length crosses back. */
        r = JSValueMakeNumber(ctx, (double)encode_string(latin1, u, n, (char *)c->web_bytes));
    } else if (max + 1 > API_TEXT_MAX_BYTES) {
        r = too_big(ctx, exception);
    } else {
        char *p = mem_alloc(max);
        size_t len = encode_string(latin1, u, n, p);
        JSValueRef exc = NULL;
        r = js_make_bytes(ctx, str_make(p, len), &exc);
        mem_free(p);
        if (exc != NULL) {
            *exception = exc;
            r = JSValueMakeUndefined(ctx);
        }
    }
    if (s != NULL) {
        JSStringRelease(s);
    }
    return r;
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

/* Decode bytes for a call without stream from a decoder with nothing pending (flags: the
 * prelude's #flags); the string, or null on an error in fatal mode. */
static JSValueRef decode_once(JSContextRef ctx, struct str bytes, uint32_t flags)
{
    enum textcodec_encoding enc = (enum textcodec_encoding)(flags & DECODE_ENC_MASK);
    if (enc == TEXTCODEC_UTF8) {
        /* Straight to the string (no intermediate UTF-8): 8-bit for Latin-1 text. */
        JSValueRef r = js_make_string_decoded(ctx, bytes, (flags & DECODE_FATAL) != 0,
                                              (flags & DECODE_IGNORE_BOM) != 0);
        return r != NULL ? r : JSValueMakeNull(ctx);
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

/* The string of the slots[1] bytes the prelude copied into the byte scratch, decoded with the
 * flags in slots[2]; NULL when there are no such bytes. */
static JSValueRef decode_scratch(JSContextRef ctx)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL || c->web_bytes == NULL || c->web_slots[1] > API_WEB_BYTES) {
        return NULL;
    }
    return decode_once(ctx, str_make((const char *)c->web_bytes, c->web_slots[1]), c->web_slots[2]);
}

/* textDecodeScratch(): the same for bytes the prelude copied into the byte scratch
 * (Uint8Array.prototype.set: no ArrayBuffer object for the view, no JSC call to find the
 * bytes); slots[1] = length, [2] = flags. */
static JSValueRef text_decode_scratch_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                         const JSValueRef argv[], JSValueRef *exception)
{
    JSValueRef r = decode_scratch(ctx);
    return r != NULL ? r
                     : js_throw_type_error(ctx, exception, "textDecodeScratch: no scratch bytes");
}

/* textDecodeFast(): textDecodeScratch as a fast function (js_install_fast_fns: no callback
 * wrapper); undefined instead of a throw. */
static JSValueRef text_decode_fast(JSContextRef ctx, size_t argc, const JSValueRef argv[])
{
    JSValueRef r = decode_scratch(ctx);
    return r != NULL ? r : JSValueMakeUndefined(ctx);
}
JS_FAST_FN(text_decode_native, text_decode_fast)

/* textEncodeFast(string): textEncode's common case as a fast function: a flat 8-bit string
 * whose UTF-8 fits the byte scratch gives its byte count there; anything else undefined (the
 * prelude then calls textEncode). */
static JSValueRef text_encode_fast(JSContextRef ctx, size_t argc, const JSValueRef argv[])
{
    struct api_ctx *c = api_ctx_of(ctx);
    struct str latin1;
    if (argc < 1 || c == NULL || c->web_bytes == NULL || !js_value_latin1(ctx, argv[0], &latin1) ||
        TEXTCODEC_LATIN1_UTF8_MAX(latin1.len) > API_WEB_BYTES) {
        return JSValueMakeUndefined(ctx);
    }
    return JSValueMakeNumber(ctx,
                             (double)encode_string(latin1, NULL, latin1.len, (char *)c->web_bytes));
}
JS_FAST_FN(text_encode_native, text_encode_fast)

static const struct js_fast encoding_fast[] = {
    { .name = "textEncodeFast", .native = text_encode_native, .length = 1 },
    { .name = "textDecodeFast", .native = text_decode_native, .length = 0 },
    { .name = NULL },
};

static void encoding_init(JSContextRef ctx, JSObjectRef global, JSObjectRef native)
{
    /* Nothing installed without the direct path: the prelude checks for them. */
    (void)js_install_fast_fns(ctx, native, encoding_fast);
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
    JSValueRef r = JSValueMakeNull(ctx);
    struct buf bytes;
    struct buf out;
    buf_init(&bytes, API_TEXT_MAX_BYTES);
    buf_init(&out, API_TEXT_MAX_BYTES);
    struct str latin1;
    int rc = RC_OK;
    if (!js_string_latin1(s, &latin1)) {
        /* A 16-bit string (or no direct path): every unit must still be a byte. */
        const JSChar *u = JSStringGetCharactersPtr(s);
        rc = buf_try_reserve(&bytes, n);
        for (size_t i = 0; i < n && rc == RC_OK; i++) {
            if (u[i] > 0xFF) {
                goto out; /* null: InvalidCharacterError */
            }
            bytes.ptr[bytes.len++] = (char)u[i];
        }
        latin1 = buf_str(&bytes);
    }
    rc = rc ? rc : b64_encode(latin1, false, true, &out);
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
        /* Each byte is one character U+0000..U+00FF. */
        r = js_make_string_latin1(ctx, (const unsigned char *)out.ptr, out.len);
    }
out:
    buf_fini(&out);
    buf_fini(&in);
    return r;
}

/* textDirect(): whether 8-bit strings are read and made directly (js_strings_direct); the
 * prelude encodes ASCII in JS when they are not. */
static JSValueRef text_direct_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                 const JSValueRef argv[], JSValueRef *exception)
{
    return JSValueMakeBoolean(ctx, js_strings_direct());
}

static const struct js_fn encoding_fns[] = {
    { .name = "textDirect", .fn = text_direct_fn, .min_args = 0 },
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
    .init = encoding_init,
    .fns = encoding_fns,
};
