/* SPDX-License-Identifier: MIT */
/*
 * context.request: an object of a per-executor JSClass whose fields are static getters over
 * the struct api_inv (spec/10-http.md §2). Nothing is computed until a script reads it; each
 * value is then cached (protected) until the invocation ends, when the object is detached
 * from the invocation (later reads give undefined).
 * Thread contract: the executor thread.
 */
#include <string.h>

#include "api/api_internal.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/rc.h"
#include "base/str.h"
#include "base/utf8.h"

/* ------------------------------------------------------------------ decoding helpers */

/* Percent-decode s (and '+' as space when plus); invalid escapes are kept as they are. */
static struct str pct_decode(struct arena *a, struct str s, bool plus)
{
    bool need = false;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] == '%' || (plus && s.ptr[i] == '+')) {
            need = true;
            break;
        }
    }
    if (!need) {
        return s;
    }
    char *out = arena_alloc(a, s.len + 1);
    size_t n = str_percent_decode(s, plus, out);
    out[n] = '\0';
    return str_make(out, n);
}

static JSObjectRef make_object(JSContextRef ctx)
{
    return JSObjectMake(ctx, NULL, NULL);
}

static void set_prop(JSContextRef ctx, JSObjectRef o, struct str key, JSValueRef v)
{
    JSStringRef k = js_string_new(key);
    JSValueRef exc = NULL;
    JSObjectSetProperty(ctx, o, k, v, kJSPropertyAttributeNone, &exc);
    JSStringRelease(k);
    (void)exc; /* plain objects without setters cannot throw here */
}

/* Parse application/x-www-form-urlencoded text into an object (last wins) or, when entries,
 * an array of [name, value] pairs. The decoded pairs are written as JSON text and built by
 * JSC's JSON parser in one call (a property set per pair cost six C API calls); invalid UTF-8
 * after percent-decoding becomes U+FFFD, as the JSON writer writes it, and "__proto__" is an
 * own property as in Object.fromEntries(). */
static JSValueRef parse_urlencoded(JSContextRef ctx, struct arena *a, struct str s, bool entries)
{
    struct buf b;
    buf_init(&b, s.len * 6 + 64); /* a percent-decoded byte takes at most six bytes of JSON */
    struct json_writer w;
    json_writer_init(&w, &b);
    if (entries) {
        json_write_begin_array(&w);
    } else {
        json_write_begin_object(&w);
    }
    while (s.len) {
        struct str part;
        struct str rest;
        (void)str_split_char(s, '&', &part, &rest);
        s = rest;
        if (part.len == 0) {
            continue;
        }
        struct str name;
        struct str value;
        (void)str_split_char(part, '=', &name, &value);
        if (entries) {
            json_write_begin_array(&w);
            json_write_string(&w, pct_decode(a, name, true));
            json_write_string(&w, pct_decode(a, value, true));
            json_write_end_array(&w);
        } else {
            json_write_key(&w, pct_decode(a, name, true));
            json_write_string(&w, pct_decode(a, value, true));
        }
    }
    if (entries) {
        json_write_end_array(&w);
    } else {
        json_write_end_object(&w);
    }
    JSValueRef v = NULL;
    if (json_writer_rc(&w) == RC_OK && buf_try_append(&b, "", 1) == RC_OK) {
        JSStringRef text = JSStringCreateWithUTF8CString(b.ptr);
        v = JSValueMakeFromJSONString(ctx, text);
        JSStringRelease(text);
    }
    buf_fini(&b);
    if (v == NULL) { /* only when out of memory: an empty result rather than a crash */
        return entries ? (JSValueRef)JSObjectMakeArray(ctx, 0, NULL, NULL) : make_object(ctx);
    }
    return v;
}

static struct str media_type(const struct http_request *req, struct str *out_params)
{
    struct str ct = STR_NULL;
    *out_params = STR_NULL;
    if (!http_request_header(req, STR("content-type"), &ct)) {
        return STR_NULL;
    }
    struct str type;
    (void)str_split_char(ct, ';', &type, out_params);
    return str_trim(type);
}

static struct str lower_dup(struct arena *a, struct str s)
{
    char *p = arena_alloc(a, s.len + 1);
    for (size_t i = 0; i < s.len; i++) {
        p[i] = str_lower_char(s.ptr[i]);
    }
    p[s.len] = '\0';
    return str_make(p, s.len);
}

/* ------------------------------------------------------------------ fields */

/* True when an earlier header than i has the same name (already joined into it). */
static bool seen_before(const struct http_request *req, size_t i)
{
    for (size_t j = 0; j < i; j++) {
        if (str_eq_nocase(req->headers[j].name, req->headers[i].name)) {
            return true;
        }
    }
    return false;
}

/* Append the values of header i and of every later one of the same name, joined by ", ". */
static int join_values(const struct http_request *req, size_t i, struct buf *b)
{
    int rc = buf_try_append_str(b, req->headers[i].value);
    for (size_t j = i + 1; j < req->header_count && rc == RC_OK; j++) {
        if (!str_eq_nocase(req->headers[j].name, req->headers[i].name)) {
            continue;
        }
        rc = buf_try_append_cstr(b, ", ");
        if (rc == RC_OK) {
            rc = buf_try_append_str(b, req->headers[j].value);
        }
    }
    return rc;
}

static JSValueRef make_headers(JSContextRef ctx, struct api_inv *inv)
{
    const struct http_request *req = inv->req;
    JSObjectRef o = make_object(ctx);
    for (size_t i = 0; i < req->header_count; i++) {
        struct str name = req->headers[i].name;
        if (seen_before(req, i) || str_eq_nocase(name, STR("set-cookie"))) {
            continue;
        }
        struct buf b;
        buf_init(&b, (size_t)1 << 30);
        /* The request's headers are bounded by the server's limits: this cannot fill b. */
        int rc = join_values(req, i, &b);
        (void)rc;
        set_prop(ctx, o, lower_dup(inv->arena, name), js_make_string(ctx, buf_str(&b)));
        buf_fini(&b);
    }
    return o;
}

static JSValueRef make_cookies(JSContextRef ctx, struct api_inv *inv)
{
    const struct http_request *req = inv->req;
    JSObjectRef o = make_object(ctx);
    for (size_t i = 0; i < req->header_count; i++) {
        if (!str_eq_nocase(req->headers[i].name, STR("cookie"))) {
            continue;
        }
        struct str s = req->headers[i].value;
        while (s.len) {
            struct str part;
            struct str rest;
            (void)str_split_char(s, ';', &part, &rest);
            s = rest;
            part = str_trim(part);
            struct str name;
            struct str value;
            if (!str_split_char(part, '=', &name, &value)) {
                continue;
            }
            name = str_trim(name);
            value = str_trim(value);
            if (value.len >= 2 && value.ptr[0] == '"' && value.ptr[value.len - 1] == '"') {
                value = str_sub(value, 1, value.len - 2);
            }
            struct str dec = pct_decode(inv->arena, value, false);
            if (!utf8_is_valid(dec.ptr, dec.len)) {
                dec = value;
            }
            if (name.len) {
                set_prop(ctx, o, name, js_make_string(ctx, dec));
            }
        }
    }
    return o;
}

static JSValueRef make_params(JSContextRef ctx, struct api_inv *inv)
{
    JSObjectRef o = make_object(ctx);
    const struct http_match *m = &inv->job->match;
    for (size_t i = 0; i < m->param_count; i++) {
        set_prop(ctx, o, m->params[i].name, js_make_string(ctx, m->params[i].value));
    }
    return o;
}

static JSValueRef throw_bad_request(JSContextRef ctx, struct api_inv *inv, const char *code,
                                    struct str message, struct str details_json,
                                    JSValueRef *exception)
{
    struct api_ctx *c = inv->c;
    JSObjectRef opts = make_object(ctx);
    set_prop(ctx, opts, STR("code"), js_make_string(ctx, str_from_cstr(code)));
    if (details_json.len) {
        JSStringRef j = js_string_new(details_json);
        JSValueRef dv = JSValueMakeFromJSONString(ctx, j);
        JSStringRelease(j);
        if (dv) {
            set_prop(ctx, opts, STR("details"), dv);
        }
    }
    JSValueRef args[2] = { js_make_string(ctx, message), opts };
    JSValueRef exc = NULL;
    JSObjectRef err = JSObjectCallAsConstructor(ctx, c->k_bad_request, 2, args, &exc);
    *exception = exc != NULL ? exc : err;
    return NULL;
}

static JSValueRef make_json(JSContextRef ctx, struct api_inv *inv, JSValueRef *exception)
{
    struct str body = inv->req->body;
    struct str t = str_trim(body);
    if (t.len == 0) {
        return JSValueMakeNull(ctx);
    }
    struct arena *scratch = arena_new(0);
    JSValueRef v = NULL;
    struct json_error err;
    memset(&err, 0, sizeof(err));
    int rc = js_json_parse(ctx, scratch, body, API_JSON_MAX_DEPTH, &v, &err);
    arena_free(scratch);
    if (rc == RC_OK) {
        return v;
    }
    struct str msg = arena_printf(inv->arena, "Invalid JSON body: %s at line %zu, column %zu",
                                  err.msg, err.line, err.column);
    struct str details =
        arena_printf(inv->arena, "{\"line\":%zu,\"column\":%zu}", err.line, err.column);
    return throw_bad_request(ctx, inv, "INVALID_JSON", msg, details, exception);
}

static JSValueRef make_text(JSContextRef ctx, struct api_inv *inv, JSValueRef *exception)
{
    struct str params;
    (void)media_type(inv->req, &params);
    struct str body = inv->req->body;
    struct str lp = lower_dup(inv->arena, params);
    ptrdiff_t at = str_find(lp, STR("charset="));
    struct str cs = STR("utf-8");
    if (at >= 0) {
        cs = str_sub(lp, (size_t)at + 8, lp.len);
        struct str rest;
        (void)str_split_char(cs, ';', &cs, &rest);
        cs = str_trim(cs);
        if (cs.len >= 2 && cs.ptr[0] == '"') {
            cs = str_sub(cs, 1, cs.len - 2);
        }
    }
    if (str_eq(cs, STR("iso-8859-1")) || str_eq(cs, STR("latin1")) || str_eq(cs, STR("us-ascii"))) {
        bool ascii = str_eq(cs, STR("us-ascii"));
        JSChar *units = arena_alloc(inv->arena, (body.len + 1) * sizeof(JSChar));
        for (size_t i = 0; i < body.len; i++) {
            unsigned char ch = (unsigned char)body.ptr[i];
            if (ascii && ch >= 0x80) {
                return throw_bad_request(ctx, inv, "INVALID_ENCODING",
                                         STR("Request body is not valid US-ASCII"), STR(""),
                                         exception);
            }
            units[i] = ch;
        }
        JSStringRef s = JSStringCreateWithCharacters(units, body.len);
        JSValueRef v = JSValueMakeString(ctx, s);
        JSStringRelease(s);
        return v;
    }
    if (!utf8_is_valid(body.ptr, body.len)) {
        return throw_bad_request(ctx, inv, "INVALID_ENCODING",
                                 STR("Request body is not valid UTF-8"), STR(""), exception);
    }
    return js_make_string(ctx, body);
}

static JSValueRef empty_array(JSContextRef ctx, JSValueRef *exception)
{
    JSValueRef exc = NULL;
    JSObjectRef arr = JSObjectMakeArray(ctx, 0, NULL, &exc);
    if (exc != NULL) {
        *exception = exc;
        return NULL;
    }
    return arr;
}

/* The parsed entries of inv's multipart/form-data body (api_multipart_entries), or NULL with
 * *exception: a BadRequestError INVALID_FORM when malformed, a KilnError PAYLOAD_TOO_LARGE
 * (status 413) over a limit. */
static JSObjectRef multipart_entries(JSContextRef ctx, struct api_inv *inv, JSValueRef *exception)
{
    struct str ct = STR("");
    (void)http_request_header(inv->req, STR("content-type"), &ct);
    struct diag d;
    int rc = RC_OK;
    JSValueRef exc = NULL;
    JSObjectRef entries = api_multipart_entries(ctx, inv->req->body, ct, &inv->ex->e->cfg.multipart,
                                                inv->arena, &rc, &d, &exc);
    if (rc == RC_LIMIT) {
        JSObjectRef opts = make_object(ctx);
        set_prop(ctx, opts, STR("status"), JSValueMakeNumber(ctx, 413));
        JSValueRef args[3] = { js_make_string(ctx, STR("PAYLOAD_TOO_LARGE")),
                               js_make_string(ctx, str_from_cstr(d.msg)), opts };
        JSObjectRef err = JSObjectCallAsConstructor(ctx, inv->c->k_kiln_error, 3, args, &exc);
        *exception = exc != NULL ? exc : err;
        return NULL;
    }
    if (rc != RC_OK) {
        struct str msg = arena_printf(inv->arena, "Invalid multipart/form-data body: %s", d.msg);
        (void)throw_bad_request(ctx, inv, "INVALID_FORM", msg, STR(""), exception);
        return NULL;
    }
    if (entries == NULL) {
        *exception = exc;
    }
    return entries;
}

/* The prelude's formFields(entries, which): 0 form, 1 formEntries, 2 files, 3 a FormData. */
static JSValueRef form_fields(JSContextRef ctx, struct api_inv *inv, JSValueRef entries, int which,
                              JSValueRef *exception)
{
    JSValueRef args[2] = { entries, JSValueMakeNumber(ctx, which) };
    JSValueRef exc = NULL;
    JSValueRef r = NULL;
    struct diag d;
    if (js_call(ctx, inv->c->k_form_fields, NULL, 2, args, &r, &exc, &d) != RC_OK) {
        *exception = exc;
        return NULL;
    }
    return r;
}

/* form, formEntries or files of a multipart/form-data body. */
static JSValueRef multipart_field(JSContextRef ctx, struct api_inv *inv, enum api_req_field f,
                                  JSValueRef *exception)
{
    JSObjectRef entries = multipart_entries(ctx, inv, exception);
    if (entries == NULL) {
        return NULL;
    }
    int which = f == API_REQ_FORM ? 0 : f == API_REQ_FORM_ENTRIES ? 1 : 2;
    return form_fields(ctx, inv, entries, which, exception);
}

/* The body-derived fields. */
static JSValueRef compute_body(JSContextRef ctx, struct api_inv *inv, enum api_req_field f,
                               JSValueRef *exception)
{
    const struct http_request *req = inv->req;
    struct str params;
    struct str type;
    switch (f) {
    case API_REQ_FORM:
    case API_REQ_FORM_ENTRIES:
    case API_REQ_FILES:
        type = media_type(req, &params);
        if (str_eq_nocase(type, STR("multipart/form-data"))) {
            return multipart_field(ctx, inv, f, exception);
        }
        if (f != API_REQ_FILES && str_eq_nocase(type, STR("application/x-www-form-urlencoded"))) {
            return parse_urlencoded(ctx, inv->arena, req->body, f == API_REQ_FORM_ENTRIES);
        }
        return f == API_REQ_FORM ? make_object(ctx) : empty_array(ctx, exception);
    case API_REQ_CONTENT_TYPE:
        return js_make_string(ctx, lower_dup(inv->arena, media_type(req, &params)));
    case API_REQ_AUTH:
        return inv->c->k_anonymous_auth;
    case API_REQ_FIELD_COUNT:
    default:
        return JSValueMakeUndefined(ctx);
    }
}

static JSValueRef compute(JSContextRef ctx, struct api_inv *inv, enum api_req_field f,
                          JSValueRef *exception)
{
    const struct http_request *req = inv->req;
    JSValueRef exc = NULL;
    switch (f) {
    case API_REQ_METHOD:
        return js_make_string(ctx, req->method);
    case API_REQ_RAW_PATH:
        return js_make_string(ctx, req->raw_path);
    case API_REQ_PATH:
        return js_make_string(ctx, pct_decode(inv->arena, req->raw_path, false));
    case API_REQ_HOST: {
        struct str host = STR("");
        (void)http_request_header(req, STR("host"), &host);
        return js_make_string(ctx, lower_dup(inv->arena, host));
    }
    case API_REQ_URL: {
        struct str host = STR("localhost");
        (void)http_request_header(req, STR("host"), &host);
        return js_make_string(
            ctx, arena_printf(inv->arena, "http://%.*s%.*s", STR_FMT(host), STR_FMT(req->target)));
    }
    case API_REQ_QUERY:
        return parse_urlencoded(ctx, inv->arena, req->query, false);
    case API_REQ_PARAMS:
        return make_params(ctx, inv);
    case API_REQ_HEADERS:
        return make_headers(ctx, inv);
    case API_REQ_COOKIES:
        return make_cookies(ctx, inv);
    case API_REQ_IP:
        return js_make_string(ctx, req->client_ip);
    case API_REQ_BODY:
        if (req->body.len == 0 || !utf8_is_valid(req->body.ptr, req->body.len)) {
            return JSValueMakeNull(ctx);
        }
        return js_make_string(ctx, req->body);
    case API_REQ_BYTES: {
        JSObjectRef b = js_make_bytes(ctx, req->body, &exc);
        if (b == NULL) {
            *exception = exc;
        }
        return b;
    }
    case API_REQ_JSON:
        return make_json(ctx, inv, exception);
    case API_REQ_TEXT:
        return make_text(ctx, inv, exception);
    default:
        return compute_body(ctx, inv, f, exception);
    }
}

static JSValueRef field(JSContextRef ctx, JSObjectRef obj, enum api_req_field f,
                        JSValueRef *exception)
{
    struct api_inv *inv = JSObjectGetPrivate(obj);
    if (inv == NULL || inv->done) {
        return JSValueMakeUndefined(ctx);
    }
    if (inv->cache[f] != NULL) {
        return inv->cache[f];
    }
    JSValueRef exc = NULL;
    JSValueRef v = compute(ctx, inv, f, &exc);
    if (exc != NULL || v == NULL) {
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    JSValueProtect(ctx, v);
    inv->cache[f] = v;
    return v;
}

#define API_REQ_GETTERS(X)               \
    X(method, API_REQ_METHOD)            \
    X(url, API_REQ_URL)                  \
    X(host, API_REQ_HOST)                \
    X(path, API_REQ_PATH)                \
    X(rawPath, API_REQ_RAW_PATH)         \
    X(params, API_REQ_PARAMS)            \
    X(headers, API_REQ_HEADERS)          \
    X(cookies, API_REQ_COOKIES)          \
    X(ip, API_REQ_IP)                    \
    X(body, API_REQ_BODY)                \
    X(bytes, API_REQ_BYTES)              \
    X(json, API_REQ_JSON)                \
    X(text, API_REQ_TEXT)                \
    X(form, API_REQ_FORM)                \
    X(formEntries, API_REQ_FORM_ENTRIES) \
    X(files, API_REQ_FILES)              \
    X(contentType, API_REQ_CONTENT_TYPE) \
    X(auth, API_REQ_AUTH)

#define API_REQ_GETTER_FN(js, id)                                                   \
    static JSValueRef get_##js(JSContextRef ctx, JSObjectRef obj, JSStringRef name, \
                               JSValueRef *exception)                               \
    {                                                                               \
        return field(ctx, obj, id, exception);                                      \
    }
API_REQ_GETTERS(API_REQ_GETTER_FN)
API_REQ_GETTER_FN(query, API_REQ_QUERY)
#undef API_REQ_GETTER_FN

/* Every field but query: the prelude defines query as an accessor of the class's prototype
 * (K.setup), which parses the raw query string K.invoke stored on the request in JS, without a
 * call into C (each one drops and re-takes the JSC lock); requestQuery() below serves requests
 * that did not come through K.invoke. */
static const JSStaticValue request_values[] = {
#define API_REQ_STATIC(js, id) \
    { #js, get_##js, NULL, kJSPropertyAttributeReadOnly | kJSPropertyAttributeDontDelete },
    API_REQ_GETTERS(API_REQ_STATIC)
#undef API_REQ_STATIC
        { NULL, NULL, NULL, 0 },
};

/* v when it is a request object of this context's executor, else NULL. The prelude's
 * accessors pass their `this`, which a script can make anything (getter.call(other)): an
 * object of another class has private data of another type. */
static JSObjectRef request_object(JSContextRef ctx, JSValueRef v)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL || c->ex == NULL || !JSValueIsObjectOfClass(ctx, v, c->ex->request_class)) {
        return NULL;
    }
    return (JSObjectRef)v;
}

JSValueRef api_request_query(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                             const JSValueRef argv[], JSValueRef *exception)
{
    JSObjectRef req = request_object(ctx, argv[0]);
    if (req == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    return get_query(ctx, req, NULL, exception);
}

JSValueRef api_request_query_set(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                 const JSValueRef argv[], JSValueRef *exception)
{
    JSObjectRef req = request_object(ctx, argv[0]);
    struct api_inv *inv = req != NULL ? JSObjectGetPrivate(req) : NULL;
    if (inv != NULL && !inv->done && inv->cache[API_REQ_QUERY] == NULL &&
        JSValueIsObject(ctx, argv[1])) {
        JSValueProtect(ctx, argv[1]);
        inv->cache[API_REQ_QUERY] = argv[1];
    }
    return JSValueMakeUndefined(ctx);
}

/* The FormData of inv's body (multipart or urlencoded), or NULL with *exception. */
static JSValueRef form_data(JSContextRef ctx, struct api_inv *inv, JSValueRef *exception)
{
    struct str params;
    struct str type = media_type(inv->req, &params);
    JSValueRef entries = NULL;
    if (str_eq_nocase(type, STR("multipart/form-data"))) {
        entries = multipart_entries(ctx, inv, exception);
    } else if (str_eq_nocase(type, STR("application/x-www-form-urlencoded"))) {
        entries = parse_urlencoded(ctx, inv->arena, inv->req->body, true);
    } else {
        struct str msg = arena_printf(inv->arena,
                                      "formData() needs a multipart/form-data or "
                                      "application/x-www-form-urlencoded body, not \"%.*s\"",
                                      STR_FMT(type));
        (void)throw_bad_request(ctx, inv, "INVALID_FORM", msg, STR(""), exception);
    }
    return entries == NULL ? NULL : form_fields(ctx, inv, entries, 3, exception);
}

/* context.request.formData(): a Promise of the body as a FormData (Fetch's Body.formData()). */
static JSValueRef req_form_data(JSContextRef ctx, JSObjectRef fn, JSObjectRef this_obj, size_t argc,
                                const JSValueRef argv[], JSValueRef *exception)
{
    struct api_inv *inv = JSObjectGetPrivate(this_obj);
    if (inv == NULL || inv->done) {
        return js_throw_type_error(ctx, exception, "formData(): the request is over");
    }
    JSObjectRef resolve = NULL;
    JSObjectRef reject = NULL;
    JSValueRef exc = NULL;
    JSObjectRef promise = JSObjectMakeDeferredPromise(ctx, &resolve, &reject, &exc);
    if (exc != NULL || promise == NULL) {
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    JSValueRef err = NULL;
    JSValueRef fd = form_data(ctx, inv, &err);
    JSValueRef arg = fd != NULL ? fd : err;
    struct diag d;
    IGNORE_RC(js_call(ctx, fd != NULL ? resolve : reject, NULL, 1, &arg, NULL, &exc, &d));
    return promise;
}

static const JSStaticFunction request_fns[] = {
    { "formData", req_form_data, kJSPropertyAttributeReadOnly | kJSPropertyAttributeDontDelete },
    { NULL, NULL, 0 },
};

JSClassRef api_request_class_new(void)
{
    JSClassDefinition def = kJSClassDefinitionEmpty;
    def.className = "Request";
    def.staticValues = request_values;
    def.staticFunctions = request_fns;
    return JSClassCreate(&def);
}

void api_request_release(struct api_inv *inv)
{
    if (inv->c == NULL) {
        return;
    }
    JSContextRef ctx = inv->c->js;
    for (size_t i = 0; i < API_REQ_FIELD_COUNT; i++) {
        if (inv->cache[i] != NULL) {
            JSValueUnprotect(ctx, inv->cache[i]);
            inv->cache[i] = NULL;
        }
    }
    if (inv->request_obj != NULL) {
        JSObjectSetPrivate(inv->request_obj, NULL);
        if (inv->request_held) {
            JSValueUnprotect(ctx, inv->request_obj);
            inv->request_held = false;
        }
        inv->request_obj = NULL;
    }
}
