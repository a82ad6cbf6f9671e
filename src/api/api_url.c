/* SPDX-License-Identifier: MIT */
/*
 * The native half of URL and URLSearchParams (the JS classes are src/js/prelude/50_url.js).
 * A JS URL object keeps only its href string and the component offsets (base/url.h
 * url_get_offsets): its getters are slices, so a parse is one call here and a getter none.
 * Setters send the href back, which is reparsed, changed by url_set and serialised again.
 * Parses take base/url's fast path first (url_parse_fast): an input that is already canonical
 * is returned as its own href, with no new string. URLSearchParams keeps its list as a JS array
 * (built on first use); parsing and serialising the
 * application/x-www-form-urlencoded text happen here (base/url_params.h).
 * Functions (on __kiln_native):
 *   urlParse(input, base?)      href, or null when invalid; offsets in the slots
 *   urlParseIn(input)           the same for an ASCII string the prelude also wrote into the
 *                               slots (length in slot 15, bytes from byte 64): input itself
 *                               when it is canonical
 *   urlSet(href, part, value)   the new href (offsets in the slots); null when the href setter
 *                               gets an invalid URL
 *   urlOrigin(href)             the origin getter
 *   urlCanParse(input, base?)   boolean
 *   webSlots()                  the Uint32Array over the context's offset slots
 *   formParse(text)             the decoded names and values as one string, the pair count in
 *                               slots[0] and the end of each name and value (code units) in
 *                               slots[1..]; [name0, value0, ...] when they do not fit there
 *   formSerialize(list)         the serialisation of such a flat list
 *   formGetIn()                 get(name) on form text without the list: text and name as
 *                               ASCII bytes in the slots (as urlParseIn; the name's length in
 *                               slot 14, its bytes after the text); the value or null
 * Limits: URL input (and setter values) over URL_DEFAULT_MAX_INPUT_BYTES, and form text or
 * lists over URL_PARAMS_DEFAULT_MAX_BYTES, throw KilnError LIMIT_EXCEEDED.
 * Thread contract: the thread running the context.
 */
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"
#include "base/buf.h"
#include "base/mem.h"
#include "base/rc.h"
#include "base/url.h"
#include "base/url_params.h"

/* Inputs up to this many ASCII characters are read onto the stack (url_parse_fn). */
#define URL_STACK_BYTES 2048

/* urlParseIn's input: its length in this slot, its bytes from this byte of the slots on (the
 * prelude's Uint8Array view; the offsets it returns are in slots 0..10, before it). */
#define URL_IN_LEN_SLOT 15
#define URL_IN_BYTE     64

/* A setter's href may be longer than an input (percent-encoding): its reparse gets room. */
#define URL_HREF_MAX_BYTES (URL_DEFAULT_MAX_INPUT_BYTES * 8)

/* The order of enum url_part, as the prelude names the parts in urlSet. */
static const char *const part_names[] = {
    [URL_HREF] = "href",         [URL_ORIGIN] = "origin",     [URL_PROTOCOL] = "protocol",
    [URL_USERNAME] = "username", [URL_PASSWORD] = "password", [URL_HOST] = "host",
    [URL_HOSTNAME] = "hostname", [URL_PORT] = "port",         [URL_PATHNAME] = "pathname",
    [URL_SEARCH] = "search",     [URL_HASH] = "hash",
};

static JSValueRef limit_error(JSContextRef ctx, JSValueRef *exception, const char *what,
                              size_t limit)
{
    char msg[128];
    char details[64];
    int n = snprintf(msg, sizeof(msg), "%s is over the limit of %zu bytes", what, limit);
    int m = snprintf(details, sizeof(details), "{\"limit\":%zu}", limit);
    return api_throw(ctx, exception, "LIMIT_EXCEEDED", str_make(msg, (size_t)n),
                     str_make(details, (size_t)m));
}

/* ToString(v) as UTF-8 (USVString) into b; false with *exception set when ToString threw or
 * the text is over max bytes (what names it in the error). */
static bool arg_text(JSContextRef ctx, JSValueRef v, struct buf *b, const char *what,
                     JSValueRef *exception)
{
    JSValueRef exc = NULL;
    int rc = js_value_append(ctx, v, b, &exc);
    if (rc == RC_JS) {
        *exception = exc;
        return false;
    }
    if (rc != RC_OK) {
        limit_error(ctx, exception, what, b->max);
        return false;
    }
    return true;
}

/* Write the offsets o into the context's slots, where the prelude's URL constructor reads them. */
static void put_offsets(JSContextRef ctx, const struct url_offsets *o)
{
    uint32_t *s = api_ctx_of(ctx)->web_slots;
    s[0] = (uint32_t)o->scheme_end;
    s[1] = (uint32_t)o->username_start;
    s[2] = (uint32_t)o->username_end;
    s[3] = (uint32_t)o->password_start;
    s[4] = (uint32_t)o->password_end;
    s[5] = (uint32_t)o->host_start;
    s[6] = (uint32_t)o->host_end;
    s[7] = (uint32_t)o->port_end;
    s[8] = (uint32_t)o->path_start;
    s[9] = (uint32_t)o->query_start;
    s[10] = (uint32_t)o->fragment_start;
}

/* Write the offsets of u into the context's slots and return its href as a JS string. */
static JSValueRef href_result(JSContextRef ctx, const struct url *u)
{
    struct url_offsets o;
    url_get_offsets(u, &o);
    put_offsets(ctx, &o);
    /* From UTF-16 code units: JSStringCreateWithUTF8CString converts byte by byte, several
     * times slower for an href (docs/performance.md). */
    return js_make_string(ctx, url_href(u));
}

/*
 * The text of v when v is a string of at most cap ASCII characters: read from JSC's UTF-16
 * code units and narrowed here (JSStringGetUTF8CString converts an 8-bit string one byte at a
 * time, several times slower). False for anything else (not a string, longer, non-ASCII):
 * the caller converts it in full (arg_text).
 */
static bool ascii_string(JSContextRef ctx, JSValueRef v, char *dst, size_t cap, size_t *out_len)
{
    if (!JSValueIsString(ctx, v)) {
        return false;
    }
    JSStringRef s = JSValueToStringCopy(ctx, v, NULL);
    size_t n = JSStringGetLength(s);
    bool ok = n <= cap;
    if (ok) {
        const JSChar *u = JSStringGetCharactersPtr(s);
        JSChar high = 0;
        for (size_t i = 0; i < n; i++) {
            high |= u[i];
            dst[i] = (char)u[i];
        }
        ok = high < 0x80;
    }
    JSStringRelease(s);
    *out_len = n;
    return ok;
}

/* Parse argv[0] against argv[1] (when given and not undefined). RC_OK with *out_url (may be
 * NULL: not a URL), or RC_JS with *exception set. */
static int parse_args(JSContextRef ctx, size_t argc, const JSValueRef argv[], struct url **out_url,
                      JSValueRef *exception)
{
    struct buf in;
    struct buf base_text;
    struct url *base = NULL;
    int rc = RC_JS;
    *out_url = NULL;
    buf_init(&in, URL_DEFAULT_MAX_INPUT_BYTES);
    buf_init(&base_text, URL_DEFAULT_MAX_INPUT_BYTES);
    if (!arg_text(ctx, argv[0], &in, "URL", exception)) {
        goto out;
    }
    if (argc > 1 && !JSValueIsUndefined(ctx, argv[1])) {
        if (!arg_text(ctx, argv[1], &base_text, "base URL", exception)) {
            goto out;
        }
        if (url_parse(buf_str(&base_text), NULL, 0, &base, NULL) != RC_OK) {
            rc = RC_OK; /* an invalid base: not a URL */
            goto out;
        }
    }
    if (url_parse(buf_str(&in), base, 0, out_url, NULL) == RC_LIMIT) {
        limit_error(ctx, exception, "URL", URL_DEFAULT_MAX_INPUT_BYTES);
        goto out;
    }
    rc = RC_OK;
out:
    url_free(base);
    buf_fini(&base_text);
    buf_fini(&in);
    return rc;
}

/*
 * Parse in (an input of at most URL_STACK_BYTES, so under the limit; its JS string is input)
 * without a base: the fast path first (url_parse_fast), whose href is input itself when it is
 * canonical, else the full parser. The href (or null when invalid), offsets in the slots.
 */
static JSValueRef parse_text(JSContextRef ctx, struct str in, JSValueRef input)
{
    struct url_offsets o;
    struct str href;
    struct buf scratch;
    buf_init(&scratch, URL_HREF_MAX_BYTES);
    JSValueRef r = NULL;
    if (url_parse_fast(in, &scratch, &href, &o)) {
        put_offsets(ctx, &o);
        r = href.ptr == in.ptr ? input : js_make_string(ctx, href);
    } else {
        struct url *u = NULL;
        /* Under the limit: RC_INVAL (u stays NULL) is the only failure. */
        r = url_parse_full(in, NULL, 0, &u, NULL) == RC_OK ? href_result(ctx, u)
                                                           : JSValueMakeNull(ctx);
        url_free(u);
    }
    buf_fini(&scratch);
    return r;
}

/*
 * The common case first: a short ASCII string and no base. When it is already canonical
 * (url_parse_canonical) the href is the argument itself, returned as it is: no record, no new
 * string. Otherwise the full parse runs on the text read here; anything else goes through
 * parse_args.
 */
static JSValueRef url_parse_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                               const JSValueRef argv[], JSValueRef *exception)
{
    struct url *u = NULL;
    char text[URL_STACK_BYTES];
    size_t n = 0;
    if ((argc == 1 || JSValueIsUndefined(ctx, argv[1])) &&
        ascii_string(ctx, argv[0], text, sizeof(text), &n)) {
        return parse_text(ctx, str_make(text, n), argv[0]);
    }
    if (parse_args(ctx, argc, argv, &u, exception) != RC_OK) {
        return JSValueMakeUndefined(ctx);
    }
    JSValueRef r = u ? href_result(ctx, u) : JSValueMakeNull(ctx);
    url_free(u);
    return r;
}

/*
 * new URL(s) for a string s of ASCII characters, which the prelude has written into the slots'
 * bytes (a JS loop over charCodeAt costs less than any way the C API has to read a string).
 * argv[0] is s itself: when it is canonical it is returned as the href, and then no JSC call
 * is made at all. Otherwise the full parse, as urlParse.
 */
static JSValueRef url_parse_in_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                  const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    size_t n = c->web_slots[URL_IN_LEN_SLOT];
    if (n > sizeof(c->web_slots) - URL_IN_BYTE) {
        return js_throw_type_error(ctx, exception, "urlParseIn: input longer than its buffer");
    }
    return parse_text(ctx, str_make((const char *)c->web_slots + URL_IN_BYTE, n), argv[0]);
}

static JSValueRef url_can_parse_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                   const JSValueRef argv[], JSValueRef *exception)
{
    struct url *u = NULL;
    if (parse_args(ctx, argc, argv, &u, exception) != RC_OK) {
        return JSValueMakeUndefined(ctx);
    }
    bool ok = u != NULL;
    url_free(u);
    return JSValueMakeBoolean(ctx, ok);
}

/* Reparse the href a URL object holds (always valid: it came from here). */
static struct url *reparse(JSContextRef ctx, JSValueRef href, JSValueRef *exception)
{
    struct buf h;
    struct url *u = NULL;
    buf_init(&h, URL_HREF_MAX_BYTES);
    if (arg_text(ctx, href, &h, "URL", exception) &&
        url_parse(buf_str(&h), NULL, URL_HREF_MAX_BYTES, &u, NULL) != RC_OK) {
        js_throw_type_error(ctx, exception, "Invalid URL");
    }
    buf_fini(&h);
    return u;
}

static JSValueRef url_set_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                             const JSValueRef argv[], JSValueRef *exception)
{
    struct buf part_name;
    struct buf value;
    JSValueRef r = JSValueMakeUndefined(ctx);
    buf_init(&part_name, 16);
    buf_init(&value, URL_DEFAULT_MAX_INPUT_BYTES);
    struct url *u = reparse(ctx, argv[0], exception);
    if (u == NULL || !arg_text(ctx, argv[1], &part_name, "URL part", exception) ||
        !arg_text(ctx, argv[2], &value, "URL component", exception)) {
        goto out;
    }
    size_t part = 0;
    while (part < ARRAY_LEN(part_names) && !str_eq_cstr(buf_str(&part_name), part_names[part])) {
        part++;
    }
    if (part == ARRAY_LEN(part_names)) {
        r = js_throw_type_error(ctx, exception, "unknown URL part");
        goto out;
    }
    int rc = url_set(u, (enum url_part)part, buf_str(&value));
    if (rc == RC_LIMIT) {
        r = limit_error(ctx, exception, "URL component", URL_DEFAULT_MAX_INPUT_BYTES);
    } else {
        r = rc == RC_OK ? href_result(ctx, u) : JSValueMakeNull(ctx);
    }
out:
    url_free(u);
    buf_fini(&value);
    buf_fini(&part_name);
    return r;
}

static JSValueRef url_origin_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                const JSValueRef argv[], JSValueRef *exception)
{
    struct url *u = reparse(ctx, argv[0], exception);
    if (u == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    struct buf b;
    buf_init(&b, URL_HREF_MAX_BYTES);
    JSValueRef r = url_get(u, URL_ORIGIN, &b) == RC_OK
                       ? js_make_string(ctx, buf_str(&b))
                       : limit_error(ctx, exception, "URL origin", URL_HREF_MAX_BYTES);
    buf_fini(&b);
    url_free(u);
    return r;
}

static void slots_free(void *bytes, void *arg)
{
    /* The slots live in struct api_ctx: nothing to free. */
}

static void bytes_free(void *bytes, void *arg)
{
    mem_free(bytes);
}

static JSValueRef web_bytes_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                               const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL || c->web_bytes != NULL) {
        return js_throw_type_error(ctx, exception, "webBytes: no Kiln context, or called twice");
    }
    /* Owned by the ArrayBuffer (freed with it); the prelude keeps it for the context's life. */
    unsigned char *p = mem_alloc(API_WEB_BYTES);
    JSValueRef exc = NULL;
    JSObjectRef a = JSObjectMakeTypedArrayWithBytesNoCopy(ctx, kJSTypedArrayTypeUint8Array, p,
                                                          API_WEB_BYTES, bytes_free, NULL, &exc);
    if (exc != NULL) {
        mem_free(p);
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    c->web_bytes = p;
    return a;
}

static JSValueRef web_slots_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                               const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL) {
        return js_throw_type_error(ctx, exception, "no Kiln context");
    }
    JSValueRef exc = NULL;
    JSObjectRef a =
        JSObjectMakeTypedArrayWithBytesNoCopy(ctx, kJSTypedArrayTypeUint32Array, c->web_slots,
                                              sizeof(c->web_slots), slots_free, NULL, &exc);
    if (exc != NULL) {
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    return a;
}

/* ------------------------------------------------------------------ form text */

/* The decoded pairs: into one text with the end offset (in UTF-16 code units) of each name
 * and value in the slots after the count, or (too many pairs for the slots) into a JS array. */
struct form_out {
    JSContextRef ctx;
    uint32_t *slots;
    struct buf text;
    size_t units;
    size_t count;
    JSObjectRef list; /* the fallback */
    unsigned index;
};

static int add_piece(struct form_out *f, struct str s)
{
    JSValueRef exc = NULL;
    if (f->list != NULL) {
        JSObjectSetPropertyAtIndex(f->ctx, f->list, f->index++, js_make_string(f->ctx, s), &exc);
        return exc == NULL ? RC_OK : RC_INTERNAL;
    }
    int rc = buf_try_append_str(&f->text, s);
    f->units += js_utf16_length(s.ptr, s.len);
    f->slots[1 + f->count++] = (uint32_t)f->units;
    return rc;
}

static int add_pair(struct str name, struct str value, void *arg)
{
    int rc = add_piece(arg, name);
    return rc ? rc : add_piece(arg, value);
}

static JSValueRef form_parse_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL) {
        return js_throw_type_error(ctx, exception, "no Kiln context");
    }
    struct buf text;
    buf_init(&text, URL_PARAMS_DEFAULT_MAX_BYTES);
    struct form_out f = { .ctx = ctx, .slots = c->web_slots };
    buf_init(&f.text, URL_PARAMS_DEFAULT_MAX_BYTES);
    JSValueRef r = JSValueMakeUndefined(ctx);
    if (!arg_text(ctx, argv[0], &text, "form text", exception)) {
        goto out;
    }
    /* At most one pair more than there are '&': decide up front whether the slots can hold
     * the offsets. */
    size_t pairs = 1;
    for (size_t i = 0; i < text.len; i++) {
        pairs += text.ptr[i] == '&';
    }
    if (1 + 2 * pairs > API_WEB_SLOTS) {
        JSValueRef exc = NULL;
        f.list = JSObjectMakeArray(ctx, 0, NULL, &exc);
        if (exc != NULL) {
            *exception = exc;
            goto out;
        }
    }
    int rc = url_params_parse_each(buf_str(&text), 0, add_pair, &f);
    if (rc == RC_LIMIT) {
        r = limit_error(ctx, exception, "form text", URL_PARAMS_DEFAULT_MAX_BYTES);
    } else if (rc != RC_OK) {
        r = js_throw_type_error(ctx, exception, "form text could not be parsed");
    } else if (f.list != NULL) {
        r = f.list;
    } else {
        c->web_slots[0] = (uint32_t)(f.count / 2);
        r = js_make_string(ctx, buf_str(&f.text));
    }
out:
    buf_fini(&f.text);
    buf_fini(&text);
    return r;
}

/* formGetIn's search: the first pair whose decoded name is name, its value made a JS string. */
struct form_find {
    JSContextRef ctx;
    struct str name;
    JSValueRef value;
};

#define FORM_FOUND 1 /* stops url_params_parse_each */

static int find_pair(struct str name, struct str value, void *arg)
{
    struct form_find *f = arg;
    if (!str_eq(name, f->name)) {
        return RC_OK;
    }
    f->value = js_make_string(f->ctx, value);
    return FORM_FOUND;
}

/*
 * URLSearchParams.get without a list: the prelude wrote the form text (length in slot 15) and
 * the name (length in slot 14, right after the text) as ASCII bytes into the slots' bytes;
 * returns the decoded value of the first pair with that decoded name, or null.
 */
static JSValueRef form_get_in_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                 const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    size_t text_len = c->web_slots[URL_IN_LEN_SLOT];
    size_t name_len = c->web_slots[URL_IN_LEN_SLOT - 1];
    size_t room = sizeof(c->web_slots) - URL_IN_BYTE;
    if (text_len > room || name_len > room - text_len) {
        return js_throw_type_error(ctx, exception, "formGetIn: input longer than its buffer");
    }
    const char *in = (const char *)c->web_slots + URL_IN_BYTE;
    struct form_find f = { .ctx = ctx, .name = str_make(in + text_len, name_len) };
    /* Under the default budget (the buffer is smaller): FORM_FOUND or RC_OK. */
    int rc = url_params_parse_each(str_make(in, text_len), 0, find_pair, &f);
    return rc == FORM_FOUND ? f.value : JSValueMakeNull(ctx);
}

static JSValueRef form_serialize_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                    const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL || !JSValueIsObject(ctx, argv[0])) {
        return js_throw_type_error(ctx, exception, "formSerialize needs a list");
    }
    JSObjectRef list = (JSObjectRef)argv[0];
    JSValueRef exc = NULL;
    double n = JSValueToNumber(ctx, js_get(ctx, list, c->names->s[API_N_length], &exc), &exc);
    if (exc != NULL) {
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    struct buf item;
    struct buf out;
    buf_init(&item, URL_PARAMS_DEFAULT_MAX_BYTES);
    buf_init(&out, URL_PARAMS_DEFAULT_MAX_BYTES * 3);
    JSValueRef r = JSValueMakeUndefined(ctx);
    int rc = RC_OK;
    for (unsigned i = 0; i < (unsigned)n && rc == RC_OK; i++) {
        JSValueRef v = JSObjectGetPropertyAtIndex(ctx, list, i, &exc);
        if (exc != NULL) {
            *exception = exc;
            goto out;
        }
        buf_reset(&item);
        rc = js_value_append(ctx, v, &item, &exc);
        if (rc == RC_JS) {
            *exception = exc;
            goto out;
        }
        if (i > 0) {
            rc = rc ? rc : buf_try_append_char(&out, i % 2 ? '=' : '&');
        }
        rc = rc ? rc : url_percent_encode(buf_str(&item), URL_SET_FORM, &out);
    }
    r = rc == RC_OK ? js_make_string(ctx, buf_str(&out))
                    : limit_error(ctx, exception, "URLSearchParams", out.max);
out:
    buf_fini(&out);
    buf_fini(&item);
    return r;
}

static const struct js_fn url_fns[] = {
    { .name = "urlParse", .fn = url_parse_fn, .min_args = 1 },
    { .name = "urlParseIn", .fn = url_parse_in_fn, .min_args = 1 },
    { .name = "urlCanParse", .fn = url_can_parse_fn, .min_args = 1 },
    { .name = "urlSet", .fn = url_set_fn, .min_args = 3 },
    { .name = "urlOrigin", .fn = url_origin_fn, .min_args = 1 },
    { .name = "webSlots", .fn = web_slots_fn, .min_args = 0 },
    { .name = "webBytes", .fn = web_bytes_fn, .min_args = 0 },
    { .name = "formParse", .fn = form_parse_fn, .min_args = 1 },
    { .name = "formGetIn", .fn = form_get_in_fn, .min_args = 0 },
    { .name = "formSerialize", .fn = form_serialize_fn, .min_args = 1 },
    { .name = NULL },
};

const struct api_module api_module_url = { .name = "url", .init = NULL, .fns = url_fns };
