/* SPDX-License-Identifier: MIT */
/*
 * Assets: the asset routes (routeRegistry.registerAssetRoute) served straight from C — an
 * in-memory cache keyed by script and path, filled on a miss by a store read on the admin
 * thread, never entering JavaScript — with Content-Type, ETag/If-None-Match (304),
 * Last-Modified, Cache-Control and single Range requests (206/416, If-Range); the script API
 * assetStorage (list/fetch/upsert/delete, binary-safe); the Range parser and MIME types.
 * Thread contract: the cache is shared (one mutex; entries are reference counted, so answers
 * are sent outside the lock); assetStorage runs on the context's thread.
 */
#include <stdio.h>
#include <string.h>

#include "api/api_admin.h"
#include "base/b64.h"
#include "base/clk.h"
#include "base/mem.h"
#include "base/rc.h"
#include "base/url.h"

/* ------------------------------------------------------------------ MIME types */

static const struct {
    const char *ext;
    const char *type;
} mime_types[] = {
    { ".html", "text/html" },      { ".htm", "text/html" },       { ".css", "text/css" },
    { ".js", "text/javascript" },  { ".mjs", "text/javascript" }, { ".json", "application/json" },
    { ".txt", "text/plain" },      { ".md", "text/markdown" },    { ".csv", "text/csv" },
    { ".xml", "application/xml" }, { ".svg", "image/svg+xml" },   { ".png", "image/png" },
    { ".jpg", "image/jpeg" },      { ".jpeg", "image/jpeg" },     { ".gif", "image/gif" },
    { ".webp", "image/webp" },     { ".ico", "image/x-icon" },    { ".wasm", "application/wasm" },
    { ".pdf", "application/pdf" }, { ".woff", "font/woff" },      { ".woff2", "font/woff2" },
    { ".mp4", "video/mp4" },       { ".webm", "video/webm" },     { ".mp3", "audio/mpeg" },
};

struct str api_mime_type(struct str name)
{
    for (size_t i = 0; i < ARRAY_LEN(mime_types); i++) {
        struct str ext = str_from_cstr(mime_types[i].ext);
        if (name.len > ext.len && str_eq_nocase(str_sub(name, name.len - ext.len, ext.len), ext)) {
            return str_from_cstr(mime_types[i].type);
        }
    }
    return STR("application/octet-stream");
}

/* ------------------------------------------------------------------ Range */

enum api_range api_range_parse(struct str header, size_t size, size_t *out_from, size_t *out_to)
{
    struct str h = str_trim(header);
    if (h.len > 200 || !str_starts_with(h, STR("bytes="))) {
        return API_RANGE_IGNORE;
    }
    h = str_trim(str_sub(h, 6, h.len - 6));
    if (str_find_char(h, ',') >= 0) {
        return API_RANGE_IGNORE; /* several ranges: the whole body (allowed by RFC 9110) */
    }
    struct str a;
    struct str b;
    if (!str_split_char(h, '-', &a, &b)) {
        return API_RANGE_IGNORE;
    }
    a = str_trim(a);
    b = str_trim(b);
    uint64_t va = 0;
    uint64_t vb = 0;
    for (size_t i = 0; i < a.len; i++) {
        if (a.ptr[i] < '0' || a.ptr[i] > '9' || i >= 18) {
            return API_RANGE_IGNORE;
        }
        va = (va * 10) + (uint64_t)(a.ptr[i] - '0');
    }
    for (size_t i = 0; i < b.len; i++) {
        if (b.ptr[i] < '0' || b.ptr[i] > '9' || i >= 18) {
            return API_RANGE_IGNORE;
        }
        vb = (vb * 10) + (uint64_t)(b.ptr[i] - '0');
    }
    if (a.len == 0 && b.len == 0) {
        return API_RANGE_IGNORE;
    }
    if (a.len == 0) { /* suffix: the last vb bytes */
        if (vb == 0 || size == 0) {
            return API_RANGE_UNSATISFIABLE;
        }
        *out_from = vb >= size ? 0 : size - (size_t)vb;
        *out_to = size - 1;
        return API_RANGE_OK;
    }
    if (b.len != 0 && vb < va) {
        return API_RANGE_IGNORE; /* invalid: ignored, as RFC 9110 §14.2 allows */
    }
    if (va >= size) {
        return API_RANGE_UNSATISFIABLE;
    }
    *out_from = (size_t)va;
    *out_to = (b.len == 0 || vb >= size) ? size - 1 : (size_t)vb;
    return API_RANGE_OK;
}

/* ------------------------------------------------------------------ the cache */

struct asset_blob {
    atomic_size_t refs;
    char *bytes;
    size_t len;
    char content_type[160];
    char etag[68]; /* "\"<sha256>\"" */
    int64_t updated_ms;
};

struct api_asset_cache {
    pthread_mutex_t mu;
    struct map *m; /* "script\npath" -> struct asset_blob * */
    size_t bytes;
};

static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t cache_create_mu;

static void cache_once_init(void)
{
    pthread_mutex_init(&cache_create_mu, NULL);
}

static struct api_asset_cache *cache_of(struct api_engine *e)
{
    pthread_once(&cache_once, cache_once_init);
    pthread_mutex_lock(&cache_create_mu);
    if (e->assets == NULL) {
        struct api_asset_cache *c = mem_calloc(1, sizeof(*c));
        pthread_mutex_init(&c->mu, NULL);
        c->m = map_new();
        e->assets = c;
    }
    struct api_asset_cache *c = e->assets;
    pthread_mutex_unlock(&cache_create_mu);
    return c;
}

static void blob_unref(struct asset_blob *b)
{
    if (b != NULL && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) {
        mem_free(b->bytes);
        mem_free(b);
    }
}

/* The cache key "script\npath" in buf (false when too long). */
static bool cache_key(struct str script, struct str path, char *buf, size_t cap, struct str *out)
{
    int n = snprintf(buf, cap, "%.*s\n%.*s", STR_FMT(script), STR_FMT(path));
    if (n < 0 || (size_t)n >= cap) {
        return false;
    }
    *out = str_make(buf, (size_t)n);
    return true;
}

static struct asset_blob *cache_get(struct api_engine *e, struct str script, struct str path)
{
    char kb[1400];
    struct str key;
    if (!cache_key(script, path, kb, sizeof(kb), &key)) {
        return NULL;
    }
    struct api_asset_cache *c = cache_of(e);
    pthread_mutex_lock(&c->mu);
    struct asset_blob *b = map_find(c->m, key);
    if (b != NULL) {
        atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&c->mu);
    return b;
}

static void cache_clear_locked(struct api_asset_cache *c)
{
    size_t it = 0;
    struct str k;
    void *v;
    while (map_next(c->m, &it, &k, &v)) {
        blob_unref(v);
    }
    map_free(c->m);
    c->m = map_new();
    c->bytes = 0;
}

static void cache_put(struct api_engine *e, struct str script, struct str path,
                      struct asset_blob *b)
{
    char kb[1400];
    struct str key;
    if (b->len > API_ASSET_CACHE_MAX_BYTES / 4 || !cache_key(script, path, kb, sizeof(kb), &key)) {
        return;
    }
    struct api_asset_cache *c = cache_of(e);
    pthread_mutex_lock(&c->mu);
    if (c->bytes + b->len > API_ASSET_CACHE_MAX_BYTES) {
        cache_clear_locked(c); /* simple and bounded: start over when full */
    }
    void *old = NULL;
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    map_set(c->m, key, b, &old);
    c->bytes += b->len;
    if (old != NULL) {
        c->bytes -= ((struct asset_blob *)old)->len;
        blob_unref(old);
    }
    pthread_mutex_unlock(&c->mu);
}

void api_assets_invalidate(struct api_engine *e, struct str script, struct str path)
{
    char kb[1400];
    struct str key;
    struct api_asset_cache *c = cache_of(e);
    pthread_mutex_lock(&c->mu);
    if (!cache_key(script, path, kb, sizeof(kb), &key)) {
        cache_clear_locked(c);
    } else {
        struct asset_blob *old = map_remove(c->m, key);
        if (old != NULL) {
            c->bytes -= old->len;
            blob_unref(old);
        }
    }
    pthread_mutex_unlock(&c->mu);
}

void api_assets_cache_free(struct api_engine *e)
{
    struct api_asset_cache *c = e->assets;
    if (c == NULL) {
        return;
    }
    cache_clear_locked(c);
    map_free(c->m);
    pthread_mutex_destroy(&c->mu);
    mem_free(c);
    e->assets = NULL;
}

/* ------------------------------------------------------------------ serving */

/* The asset path a request of route r asks for (folder routes: prefix + the decoded rest). */
static bool route_asset_path(const struct api_route *r, const struct http_match *m, struct arena *a,
                             struct str *out)
{
    if (!str_ends_with(r->asset, STR("/"))) {
        *out = r->asset;
        return true;
    }
    struct str rest = STR_NULL;
    for (size_t i = 0; i < m->param_count; i++) {
        if (str_eq(m->params[i].name, STR("*"))) {
            rest = m->params[i].value;
        }
    }
    struct buf b;
    buf_init(&b, 2048);
    bool ok = buf_try_append(&b, r->asset.ptr, r->asset.len) == RC_OK &&
              url_percent_decode(rest, &b) == RC_OK;
    struct str p = buf_str(&b);
    ok = ok && rest.len > 0 && str_find(p, STR("..")) < 0 && str_find_char(p, '\\') < 0;
    if (ok) {
        *out = arena_strdup(a, p);
    }
    buf_fini(&b);
    return ok;
}

static bool etag_matches(struct str inm, const char *etag)
{
    struct str want = str_from_cstr(etag);
    while (inm.len > 0) {
        struct str one;
        struct str rest;
        if (!str_split_char(inm, ',', &one, &rest)) {
            one = inm;
            rest = STR_NULL;
        }
        one = str_trim(one);
        if (str_starts_with(one, STR("W/"))) {
            one = str_sub(one, 2, one.len - 2);
        }
        if (str_eq(one, STR("*")) || str_eq(one, want)) {
            return true;
        }
        inm = rest;
    }
    return false;
}

/* Answer xch with b; cache_control empty: the default (no-cache in dev mode). */
static void serve_blob(struct api_engine *e, struct http_exchange *xch, struct asset_blob *b,
                       struct str cache_control)
{
    const struct http_request *req = http_exchange_request(xch);
    char last_mod[30];
    clk_fmt_http_date(b->updated_ms / 1000, last_mod);
    struct http_header h[6] = {
        { .name = STR("Content-Type"), .value = str_from_cstr(b->content_type) },
        { .name = STR("ETag"), .value = str_from_cstr(b->etag) },
        { .name = STR("Last-Modified"), .value = str_from_cstr(last_mod) },
        { .name = STR("Cache-Control"),
          .value = cache_control.len ? cache_control
                   : e->cfg.dev      ? STR("no-cache")
                                     : STR("public, max-age=300") },
        { .name = STR("Accept-Ranges"), .value = STR("bytes") },
    };
    size_t nh = 5;
    struct str v;
    if (http_request_header(req, STR("if-none-match"), &v) && etag_matches(v, b->etag)) {
        http_exchange_respond(xch, 304, h + 1, 4, STR(""));
        return;
    }
    struct str body = str_make(b->bytes, b->len);
    size_t from = 0;
    size_t to = 0;
    struct str if_range;
    bool range_ok = !http_request_header(req, STR("if-range"), &if_range) ||
                    str_eq(str_trim(if_range), str_from_cstr(b->etag));
    if (range_ok && http_request_header(req, STR("range"), &v)) {
        char cr[96];
        switch (api_range_parse(v, b->len, &from, &to)) {
        case API_RANGE_OK:
            (void)snprintf(cr, sizeof(cr), "bytes %zu-%zu/%zu", from, to, b->len);
            h[nh++] =
                (struct http_header){ .name = STR("Content-Range"), .value = str_from_cstr(cr) };
            http_exchange_respond(xch, 206, h, nh, str_sub(body, from, to - from + 1));
            return;
        case API_RANGE_UNSATISFIABLE:
            (void)snprintf(cr, sizeof(cr), "bytes */%zu", b->len);
            h[nh++] =
                (struct http_header){ .name = STR("Content-Range"), .value = str_from_cstr(cr) };
            http_exchange_respond_error(xch, 416, "RANGE_NOT_SATISFIABLE",
                                        STR("Range not satisfiable"), STR(""), h + nh - 1, 1);
            return;
        case API_RANGE_IGNORE:
        default:
            break;
        }
    }
    http_exchange_respond(xch, 200, h, nh, body);
}

void api_assets_serve(struct api_engine *e, struct http_exchange *xch, const struct api_route *r,
                      struct api_snapshot *snap)
{
    struct arena *a = http_exchange_arena(xch);
    const struct http_request *req = http_exchange_request(xch);
    struct http_match m;
    http_router_match(snap->router, req->method, req->raw_path, a, &m);
    struct str path;
    if (!route_asset_path(r, &m, a, &path)) {
        api_snapshot_unref(snap);
        http_exchange_respond_error(xch, 404, "NOT_FOUND", STR("Not found"), STR(""), NULL, 0);
        return;
    }
    struct str script = arena_strdup(a, r->ver->uri);
    struct str cc = arena_strdup(a, r->cache_control);
    api_snapshot_unref(snap);
    struct asset_blob *b = cache_get(e, script, path);
    if (b != NULL) {
        serve_blob(e, xch, b, cc);
        blob_unref(b);
        return;
    }
    api_admin_post_asset(e, xch, script, path, cc);
}

void api_assets_serve_miss(struct api_admin_req *r, struct str script, struct str path,
                           struct str cache_control)
{
    struct diag d;
    struct db_asset asset;
    struct arena *a = arena_new(4096);
    int rc = db_asset_get(r->db, script, path, a, &d, &asset);
    if (rc == RC_NOTFOUND) {
        arena_free(a);
        api_admin_error(r, 404, "NOT_FOUND", "Not found");
        return;
    }
    if (rc != RC_OK) {
        arena_free(a);
        api_admin_db_error(r, rc, &d);
        return;
    }
    struct asset_blob *b = mem_calloc(1, sizeof(*b));
    atomic_init(&b->refs, 1);
    b->len = asset.bytes.len;
    b->bytes = mem_alloc(b->len ? b->len : 1);
    if (b->len) {
        memcpy(b->bytes, asset.bytes.ptr, b->len);
    }
    struct str ct = asset.content_type.len ? asset.content_type : STR("application/octet-stream");
    bool add_charset = str_starts_with(ct, STR("text/")) && str_find(ct, STR("charset")) < 0;
    (void)snprintf(b->content_type, sizeof(b->content_type), "%.*s%s",
                   (int)(ct.len > 120 ? 120 : ct.len), ct.ptr,
                   add_charset ? "; charset=utf-8" : "");
    (void)snprintf(b->etag, sizeof(b->etag), "\"%s\"", asset.sha256);
    b->updated_ms = asset.updated_ms;
    arena_free(a);
    cache_put(r->e, script, path, b);
    serve_blob(r->e, r->xch, b, cache_control);
    blob_unref(b);
}

/* ------------------------------------------------------------------ assetStorage */

static void set_prop(JSContextRef ctx, JSObjectRef obj, const char *name, JSValueRef v)
{
    JSStringRef n = JSStringCreateWithUTF8CString(name);
    JSObjectSetProperty(ctx, obj, n, v, kJSPropertyAttributeNone, NULL);
    JSStringRelease(n);
}

static JSValueRef get_prop(JSContextRef ctx, JSObjectRef obj, const char *name)
{
    JSStringRef n = JSStringCreateWithUTF8CString(name);
    JSValueRef v = JSObjectGetProperty(ctx, obj, n, NULL);
    JSStringRelease(n);
    return v;
}

bool api_asset_path_ok(struct str p)
{
    return p.len > 0 && p.len <= 255 && p.ptr[0] != '/' && str_find(p, STR("..")) < 0 &&
           str_find_char(p, '\\') < 0 && memchr(p.ptr, '\0', p.len) == NULL;
}

/* An asset URI argument: 1-255 bytes, relative, no "..", no backslash. Owned in *out_owned. */
static bool asset_uri_arg(JSContextRef ctx, JSValueRef v, char **out_owned, struct str *out,
                          JSValueRef *exception)
{
    JSValueRef exc = NULL;
    size_t n = 0;
    *out_owned = js_value_to_owned(ctx, v, &n, &exc);
    if (*out_owned == NULL) {
        *exception = exc;
        return false;
    }
    *out = str_make(*out_owned, n);
    if (!api_asset_path_ok(*out)) {
        (void)api_throw(ctx, exception, "INVALID_ARGUMENT",
                        STR("asset URI must be " API_ASSET_PATH_RULE), STR(""));
        mem_free(*out_owned);
        *out_owned = NULL;
        return false;
    }
    return true;
}

static JSObjectRef asset_object(JSContextRef ctx, const struct db_asset *a)
{
    JSObjectRef o = JSObjectMake(ctx, NULL, NULL);
    set_prop(ctx, o, "uri", js_make_string(ctx, a->path));
    set_prop(ctx, o, "name", js_make_string(ctx, a->path));
    set_prop(ctx, o, "size", JSValueMakeNumber(ctx, (double)a->size));
    set_prop(ctx, o, "mimetype", js_make_string(ctx, a->content_type));
    set_prop(ctx, o, "sha256", js_make_string(ctx, str_from_cstr(a->sha256)));
    set_prop(ctx, o, "createdAt", JSValueMakeNumber(ctx, (double)a->created_ms));
    set_prop(ctx, o, "updatedAt", JSValueMakeNumber(ctx, (double)a->updated_ms));
    return o;
}

static JSValueRef as_list(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                          const JSValueRef argv[], JSValueRef *exception)
{
    struct db *db = api_db_of(ctx, exception);
    if (db == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    struct api_ctx *c = api_ctx_of(ctx);
    struct arena *a = arena_new(4096);
    struct diag d;
    struct db_asset *items = NULL;
    size_t n = 0;
    int rc = db_asset_list(db, c->ver->uri, a, &d, &items, &n);
    JSValueRef r;
    if (rc != RC_OK) {
        r = api_throw_db(ctx, exception, rc, &d);
    } else {
        JSValueRef *vals = mem_calloc(n ? n : 1, sizeof(JSValueRef));
        for (size_t i = 0; i < n; i++) {
            vals[i] = asset_object(ctx, &items[i]);
        }
        JSValueRef exc = NULL;
        r = JSObjectMakeArray(ctx, n, vals, &exc);
        mem_free(vals);
        if (exc != NULL) {
            *exception = exc;
            r = JSValueMakeUndefined(ctx);
        }
    }
    arena_free(a);
    return r;
}

enum fetch_encoding {
    ENC_B64,
    ENC_BYTES,
    ENC_TEXT
};

/* The encoding option of fetchAsset (opts may be anything); false when it threw. */
static bool fetch_encoding(JSContextRef ctx, JSValueRef opts, enum fetch_encoding *out,
                           JSValueRef *exception)
{
    if (!JSValueIsObject(ctx, opts)) {
        return true;
    }
    JSValueRef ev = get_prop(ctx, (JSObjectRef)opts, "encoding");
    if (JSValueIsUndefined(ctx, ev)) {
        return true;
    }
    JSValueRef exc = NULL;
    size_t n = 0;
    char *es = js_value_to_owned(ctx, ev, &n, &exc);
    if (es == NULL) {
        *exception = exc;
        return false;
    }
    struct str e = str_make(es, n);
    bool ok = true;
    if (str_eq(e, STR("bytes"))) {
        *out = ENC_BYTES;
    } else if (str_eq(e, STR("text"))) {
        *out = ENC_TEXT;
    } else {
        ok = str_eq(e, STR("base64"));
    }
    mem_free(es);
    if (!ok) {
        (void)api_throw(ctx, exception, "INVALID_ARGUMENT",
                        STR("encoding must be \"base64\", \"bytes\" or \"text\""), STR(""));
    }
    return ok;
}

/* fetchAsset(uri, {encoding: "base64" | "bytes" | "text"}) */
static JSValueRef as_fetch(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                           const JSValueRef argv[], JSValueRef *exception)
{
    struct db *db = api_db_of(ctx, exception);
    char *owned = NULL;
    struct str uri;
    if (db == NULL || !asset_uri_arg(ctx, argv[0], &owned, &uri, exception)) {
        return JSValueMakeUndefined(ctx);
    }

    enum fetch_encoding enc = ENC_B64;
    if (argc > 1 && !fetch_encoding(ctx, argv[1], &enc, exception)) {
        mem_free(owned);
        return JSValueMakeUndefined(ctx);
    }
    struct api_ctx *c = api_ctx_of(ctx);
    struct arena *a = arena_new(4096);
    struct diag d;
    struct db_asset asset;
    int rc = db_asset_get(db, c->ver->uri, uri, a, &d, &asset);
    JSValueRef r = JSValueMakeNull(ctx);
    if (rc == RC_OK && enc == ENC_BYTES) {
        JSValueRef exc = NULL;
        r = js_make_bytes(ctx, asset.bytes, &exc);
        if (exc != NULL) {
            *exception = exc;
        }
    } else if (rc == RC_OK && enc == ENC_TEXT) {
        r = js_make_string(ctx, asset.bytes);
    } else if (rc == RC_OK) {
        struct buf b;
        buf_init(&b, (asset.bytes.len / 3 * 4) + 8);
        IGNORE_RC(b64_encode(asset.bytes, false, true, &b)); /* sized to fit */
        r = js_make_string(ctx, buf_str(&b));
        buf_fini(&b);
    } else if (rc != RC_NOTFOUND) {
        r = api_throw_db(ctx, exception, rc, &d);
    }
    arena_free(a);
    mem_free(owned);
    return r;
}

/* The bytes of upsertAsset's content: base64 string, Uint8Array (any byte view) or {text}.
 * Borrowed from the value or owned in *b. False when it threw. */
static bool content_bytes(JSContextRef ctx, JSValueRef v, struct buf *b, struct str *out,
                          JSValueRef *exception)
{
    if (js_bytes_view(ctx, v, out)) {
        return true;
    }
    JSValueRef src = v;
    bool text = false;
    if (JSValueIsObject(ctx, v)) {
        src = get_prop(ctx, (JSObjectRef)v, "text");
        text = true;
        if (!JSValueIsString(ctx, src)) {
            (void)api_throw(ctx, exception, "INVALID_ARGUMENT",
                            STR("content must be a base64 string, a Uint8Array or {text}"),
                            STR(""));
            return false;
        }
    } else if (!JSValueIsString(ctx, v)) {
        (void)api_throw(ctx, exception, "INVALID_ARGUMENT",
                        STR("content must be a base64 string, a Uint8Array or {text}"), STR(""));
        return false;
    }
    JSValueRef exc = NULL;
    size_t n = 0;
    char *s = js_value_to_owned(ctx, src, &n, &exc);
    if (s == NULL) {
        *exception = exc;
        return false;
    }
    int rc = text ? buf_try_append(b, s, n) : b64_decode_forgiving(str_make(s, n), b);
    mem_free(s);
    if (rc == RC_LIMIT) {
        (void)api_throw(ctx, exception, "STORAGE_LIMIT", STR("the asset is over the size limit"),
                        STR(""));
        return false;
    }
    if (rc != RC_OK) {
        (void)api_throw(ctx, exception, "INVALID_ARGUMENT", STR("content is not valid base64"),
                        STR(""));
        return false;
    }
    *out = buf_str(b);
    return true;
}

/* upsertAsset(uri, mimetype, content, displayName?) -> {uri, size, sha256, created} */
static JSValueRef as_upsert(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                            const JSValueRef argv[], JSValueRef *exception)
{
    struct db *db = api_db_of(ctx, exception);
    char *owned = NULL;
    struct str uri;
    if (db == NULL || !asset_uri_arg(ctx, argv[0], &owned, &uri, exception)) {
        return JSValueMakeUndefined(ctx);
    }
    struct api_ctx *c = api_ctx_of(ctx);
    JSValueRef exc = NULL;
    size_t mlen = 0;
    char *mime = js_value_to_owned(ctx, argv[1], &mlen, &exc);
    if (mime == NULL) {
        mem_free(owned);
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    struct str mt = str_make(mime, mlen);
    JSValueRef r = JSValueMakeUndefined(ctx);
    struct buf b;
    buf_init(&b, c->e->cfg.asset_max_bytes + 1);
    struct str bytes;
    if (mlen == 0 || mlen > 127 || str_find_char(mt, '/') <= 0) {
        r = api_throw(ctx, exception, "INVALID_ARGUMENT",
                      STR("mimetype must be a type/subtype string"), STR(""));
    } else if (content_bytes(ctx, argv[2], &b, &bytes, exception)) {
        if (bytes.len > c->e->cfg.asset_max_bytes) {
            r = api_throw(ctx, exception, "STORAGE_LIMIT", STR("the asset is over the size limit"),
                          STR(""));
        } else {
            struct db_asset a = {
                .script = c->ver->uri, .path = uri, .content_type = mt, .bytes = bytes
            };
            struct diag d;
            bool created = false;
            char sha[65];
            int rc = db_asset_put(db, &a, &d, &created, sha);
            api_assets_invalidate(c->e, c->ver->uri, uri);
            if (rc != RC_OK) {
                r = api_throw_db(ctx, exception, rc, &d);
            } else {
                JSObjectRef o = JSObjectMake(ctx, NULL, NULL);
                set_prop(ctx, o, "uri", js_make_string(ctx, uri));
                set_prop(ctx, o, "size", JSValueMakeNumber(ctx, (double)bytes.len));
                set_prop(ctx, o, "sha256", js_make_string(ctx, str_from_cstr(sha)));
                set_prop(ctx, o, "created", JSValueMakeBoolean(ctx, created));
                r = o;
            }
        }
    }
    buf_fini(&b);
    mem_free(mime);
    mem_free(owned);
    return r;
}

static JSValueRef as_delete(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                            const JSValueRef argv[], JSValueRef *exception)
{
    struct db *db = api_db_of(ctx, exception);
    char *owned = NULL;
    struct str uri;
    if (db == NULL || !asset_uri_arg(ctx, argv[0], &owned, &uri, exception)) {
        return JSValueMakeUndefined(ctx);
    }
    struct api_ctx *c = api_ctx_of(ctx);
    struct diag d;
    int rc = db_asset_delete(db, c->ver->uri, uri, &d);
    api_assets_invalidate(c->e, c->ver->uri, uri);
    mem_free(owned);
    if (rc != RC_OK && rc != RC_NOTFOUND) {
        return api_throw_db(ctx, exception, rc, &d);
    }
    return JSValueMakeBoolean(ctx, rc == RC_OK);
}

static const struct js_fn asset_fns[] = {
    { .name = "listAssets", .fn = as_list, .min_args = 0 },
    { .name = "fetchAsset", .fn = as_fetch, .min_args = 1 },
    { .name = "upsertAsset", .fn = as_upsert, .min_args = 3 },
    { .name = "deleteAsset", .fn = as_delete, .min_args = 1 },
    { .name = NULL },
};

static void assets_init(JSContextRef ctx, JSObjectRef global, JSObjectRef native)
{
    JSObjectRef obj = JSObjectMake(ctx, NULL, NULL);
    js_install_fns(ctx, obj, asset_fns);
    JSStringRef name = JSStringCreateWithUTF8CString("assetStorage");
    JSObjectSetProperty(ctx, global, name, obj, kJSPropertyAttributeDontEnum, NULL);
    JSStringRelease(name);
}

const struct api_module api_module_assets = {
    .name = "assets",
    .init = assets_init,
    .fns = NULL,
};
