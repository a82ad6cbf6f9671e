/* SPDX-License-Identifier: MIT */
/*
 * routeRegistry's native half (the prelude's routeRegistry.registerRoute validates types and
 * builds the Registration object). In a register run a call adds a route to the version being
 * deployed (NAME_CONFLICT when another script owns method+path); in a bind run it only binds
 * the function value to the route of the same key; outside both it is refused, not thrown.
 * Thread contract: the thread running the context.
 */
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rc.h"

static const struct log_ctx routes_log = { .mod = "api" };

static const char *const reserved_prefixes[] = {
    "/engine",
    "/auth",
    "/graphql",
    "/mcp",
    "/health",
    "/.well-known/oauth-authorization-server",
    "/.well-known/oauth-protected-resource",
};

static bool is_reserved(struct str path)
{
    for (size_t i = 0; i < ARRAY_LEN(reserved_prefixes); i++) {
        struct str p = str_from_cstr(reserved_prefixes[i]);
        if (str_starts_with(path, p) && (path.len == p.len || path.ptr[p.len] == '/')) {
            return true;
        }
    }
    return false;
}

static const char *const methods[] = { "GET",    "POST", "PUT",     "PATCH",
                                       "DELETE", "HEAD", "OPTIONS", "*" };

static JSValueRef result(JSContextRef ctx, struct str key, bool registered, const char *reason)
{
    JSValueRef items[3] = {
        js_make_string(ctx, key),
        JSValueMakeBoolean(ctx, registered),
        reason ? js_make_string(ctx, str_from_cstr(reason)) : JSValueMakeUndefined(ctx),
    };
    JSValueRef exc = NULL;
    JSObjectRef arr = JSObjectMakeArray(ctx, 3, items, &exc);
    if (exc != NULL) {
        return JSValueMakeUndefined(ctx);
    }
    return arr;
}

static JSValueRef conflict(JSContextRef ctx, JSValueRef *exception, struct str key,
                           struct str owner)
{
    struct buf b;
    buf_init(&b, 4096);
    struct json_writer w;
    json_writer_init(&w, &b);
    json_write_begin_object(&w);
    json_write_key(&w, STR("owner"));
    json_write_string(&w, owner);
    json_write_end_object(&w);
    char msg[600];
    (void)snprintf(msg, sizeof(msg), "%.*s is already registered by script %.*s",
                   (int)(key.len > 260 ? 260 : key.len), key.ptr,
                   (int)(owner.len > 260 ? 260 : owner.len), owner.ptr);
    JSValueRef r = api_throw(ctx, exception, "NAME_CONFLICT", str_from_cstr(msg), buf_str(&b));
    buf_fini(&b);
    return r;
}

/* Find or add the route key of ver (register run). NULL when the script has too many. */
static struct api_route *add_route(struct api_version *ver, struct str method, struct str path,
                                   struct str key)
{
    struct api_route *r = api_version_find_route(ver, key);
    if (r != NULL) {
        return r;
    }
    if (ver->route_count >= API_MAX_ROUTES_PER_SCRIPT) {
        return NULL;
    }
    r = arena_calloc(ver->arena, 1, sizeof(*r));
    r->method = arena_strdup(ver->arena, method);
    r->pattern = arena_strdup(ver->arena, path);
    r->key = arena_strdup(ver->arena, key);
    r->index = ver->route_count;
    r->ver = ver;
    r->body_limit = -1;
    if (ver->route_count == ver->route_cap) {
        ver->route_cap = ver->route_cap ? ver->route_cap * 2 : 8;
        /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
        ver->routes = mem_realloc(ver->routes, ver->route_cap * sizeof(*ver->routes));
    }
    ver->routes[ver->route_count++] = r;
    return r;
}

/* A copy of the string list in a. */
static struct str *dup_list(struct arena *a, const struct str *list, size_t n)
{
    if (n == 0) {
        return NULL;
    }
    struct str *out = arena_alloc(a, n * sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        out[i] = arena_strdup(a, list[i]);
    }
    return out;
}

/* Register run: collect the route (NAME_CONFLICT when another script owns it). */
static JSValueRef register_route(JSContextRef ctx, struct api_ctx *c, struct str method,
                                 struct str path, struct str key, JSValueRef handler, bool is_fn,
                                 enum api_route_kind kind, const struct api_rt_opts *opts,
                                 JSValueRef *exception)
{
    struct api_version *ver = c->ver;
    struct str owner = api_engine_route_owner(c->e, ver->uri, method, path);
    if (owner.len) {
        struct api_conflict *cf = arena_alloc(ver->arena, sizeof(*cf));
        cf->key = arena_strdup(ver->arena, key);
        cf->owner = arena_strdup(ver->arena, owner);
        cf->next = ver->conflicts;
        ver->conflicts = cf;
        return conflict(ctx, exception, key, owner);
    }
    struct api_route *existing = api_version_find_route(ver, key);
    if (existing != NULL && existing->kind != kind) {
        return conflict(ctx, exception, key, ver->uri);
    }
    struct api_route *r = add_route(ver, method, path, key);
    if (r == NULL) {
        return api_throw(ctx, exception, "LIMIT_EXCEEDED", STR("too many routes in one script"),
                         STR("{\"limit\":1000}"));
    }
    r->kind = kind;
    if (opts != NULL) {
        r->rt = arena_alloc(ver->arena, sizeof(*r->rt));
        *r->rt = *opts;
        r->rt->origins = dup_list(ver->arena, opts->origins, opts->origin_count);
        r->rt->protocols = dup_list(ver->arena, opts->protocols, opts->protocol_count);
    }
    r->handler_name = STR_NULL;
    if (kind != API_ROUTE_HTTP) {
        return result(ctx, key, true, NULL); /* callbacks are bound by each context */
    }
    if (!is_fn) {
        size_t n = 0;
        JSValueRef exc = NULL;
        char *name = js_value_to_owned(ctx, handler, &n, &exc);
        if (name == NULL) {
            *exception = exc;
            return JSValueMakeUndefined(ctx);
        }
        r->handler_name = arena_strdup(ver->arena, str_make(name, n));
        mem_free(name);
    }
    return result(ctx, key, true, NULL);
}

/* Bind run: connect the function value to the route the register run collected. */
static JSValueRef bind_route(JSContextRef ctx, struct api_ctx *c, struct str key,
                             JSValueRef handler, bool is_fn, JSValueRef *exception)
{
    struct api_route *r = api_version_find_route(c->ver, key);
    for (const struct api_conflict *cf = c->ver->conflicts; r == NULL && cf; cf = cf->next) {
        if (str_eq(cf->key, key)) {
            return conflict(ctx, exception, key, cf->owner);
        }
    }
    if (r == NULL) {
        log_warn(&routes_log,
                 "registration ignored: not made in the register run script=%.*s route=\"%.*s\"",
                 STR_FMT(c->ver->uri), STR_FMT(key));
        return result(ctx, key, false, "not registered in the register run");
    }
    if (c->handlers == NULL || !is_fn) {
        return result(ctx, key, true, NULL);
    }
    if (c->handlers[r->index]) {
        JSValueUnprotect(ctx, c->handlers[r->index]);
    }
    JSValueProtect(ctx, handler);
    c->handlers[r->index] = (JSObjectRef)handler;
    return result(ctx, key, true, NULL);
}

/* What a registration sets on its route besides pattern and handler: registerRoute's options
 * (checked and normalised by routeOptions in 30_runtime.js) or registerAssetRoute's asset. */
struct http_opts {
    int64_t timeout_ms; /* 0: the engine's */
    int64_t body_limit; /* -1: none */
    enum api_auth auth;
    struct str asset; /* empty: a JS handler */
};

static const struct http_opts no_http_opts = { .timeout_ms = 0, .body_limit = -1 };

static JSValueRef do_register(JSContextRef ctx, struct api_ctx *c, struct str path,
                              struct str method, JSValueRef handler, enum api_route_kind kind,
                              const struct api_rt_opts *opts, const struct http_opts *ho,
                              JSValueRef *exception)
{
    struct diag d;
    if (http_router_check_pattern(path, &d) != RC_OK) {
        return api_throw(ctx, exception, "INVALID_ARGUMENT", str_from_cstr(d.msg), STR(""));
    }
    if (is_reserved(path)) {
        return api_throw(ctx, exception, "RESERVED_PATH",
                         str_from_cstr("the path is reserved for Kiln's own endpoints"), STR(""));
    }
    char keybuf[600];
    int kn = snprintf(keybuf, sizeof(keybuf), "%.*s %.*s", STR_FMT(method), STR_FMT(path));
    struct str key = str_make(keybuf, (size_t)kn);
    bool is_fn = JSValueIsObject(ctx, handler) && JSObjectIsFunction(ctx, (JSObjectRef)handler);
    if (kind != API_ROUTE_HTTP) {
        is_fn = JSValueIsObject(ctx, handler); /* the spec object of callbacks is bound */
    }
    if (c->phase == API_PHASE_REGISTER) {
        JSValueRef r =
            register_route(ctx, c, method, path, key, handler, is_fn, kind, opts, exception);
        struct api_route *rt = *exception ? NULL : api_version_find_route(c->ver, key);
        if (rt != NULL) {
            rt->asset = ho->asset.len ? arena_strdup(c->ver->arena, ho->asset) : STR_NULL;
            rt->timeout_ms = ho->timeout_ms;
            rt->body_limit = ho->body_limit;
            rt->auth = ho->auth;
        }
        return r;
    }
    if (c->phase == API_PHASE_BIND) {
        return bind_route(ctx, c, key, handler, is_fn, exception);
    }
    log_warn(&routes_log,
             "registration refused outside top level and init script=%.*s route=\"%.*s\"",
             STR_FMT(c->ver->uri), STR_FMT(key));
    return result(ctx, key, false, "registrations are only made by the top level and init()");
}

/* Read argv[3..6] of registerRoute: false with *exception set when one is out of range. */
static bool read_http_opts(JSContextRef ctx, struct api_ctx *c, const JSValueRef argv[],
                           struct http_opts *o, JSValueRef *exception)
{
    JSValueRef exc = NULL;
    double t = JSValueToNumber(ctx, argv[3], &exc);
    double b = JSValueToNumber(ctx, argv[4], &exc);
    double a = JSValueToNumber(ctx, argv[5], &exc);
    if (exc != NULL) {
        *exception = exc;
        return false;
    }
    int64_t max_t = c->e->cfg.exec_timeout_ms * API_ROUTE_TIMEOUT_FACTOR;
    if (!(t >= 0 && t <= (double)max_t)) {
        char msg[96];
        (void)snprintf(msg, sizeof(msg), "options.timeoutMs must be at most %lld",
                       (long long)max_t);
        api_throw(ctx, exception, "INVALID_ARGUMENT", str_from_cstr(msg), STR(""));
        return false;
    }
    if (!(b >= -1 && b <= (double)API_ROUTE_BODY_LIMIT_MAX)) {
        api_throw(ctx, exception, "INVALID_ARGUMENT",
                  STR("options.bodyLimit must be at most 104857600 (100 MiB)"), STR(""));
        return false;
    }
    *o = no_http_opts;
    o->timeout_ms = (int64_t)t;
    o->body_limit = (int64_t)b;
    o->auth = a == 2 ? API_AUTH_REDIRECT : a == 1 ? API_AUTH_REQUIRED : API_AUTH_OPTIONAL;
    return true;
}

/* Say once per deploy which options this version accepts but does not apply yet (later:
 * names joined by commas; empty when none). */
static void log_not_applied(JSContextRef ctx, struct api_ctx *c, struct str method, struct str path,
                            JSValueRef later)
{
    size_t n = 0;
    JSValueRef exc = NULL;
    char *names = js_value_to_owned(ctx, later, &n, &exc);
    if (names != NULL && n > 0) {
        log_warn(&routes_log,
                 "route options not applied by this version script=%.*s route=\"%.*s %.*s\" "
                 "options=%s",
                 STR_FMT(c->ver->uri), STR_FMT(method), STR_FMT(path), names);
    }
    mem_free(names);
}

/* The string values of a and b as owned copies (the caller mem_frees both); false with
 * *exception set, and nothing left to free, when either conversion throws. */
static bool two_strings(JSContextRef ctx, JSValueRef a, JSValueRef b, char **out_a,
                        size_t *out_alen, char **out_b, size_t *out_blen, JSValueRef *exception)
{
    JSValueRef exc = NULL;
    *out_a = js_value_to_owned(ctx, a, out_alen, &exc);
    if (*out_a == NULL) {
        *exception = exc;
        return false;
    }
    *out_b = js_value_to_owned(ctx, b, out_blen, &exc);
    if (*out_b == NULL) {
        mem_free(*out_a);
        *out_a = NULL;
        *exception = exc;
        return false;
    }
    return true;
}

/* registerRoute(path, handler, method, timeoutMs, bodyLimit, auth, notApplied)
 * -> [key, registered, reason] */
static JSValueRef routes_register(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                  const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL) {
        return js_throw_type_error(ctx, exception, "routeRegistry is not available here");
    }
    size_t plen = 0;
    size_t mlen = 0;
    char *path = NULL;
    char *method = NULL;
    if (!two_strings(ctx, argv[0], argv[2], &path, &plen, &method, &mlen, exception)) {
        return JSValueMakeUndefined(ctx);
    }
    for (size_t i = 0; i < mlen; i++) {
        if (method[i] >= 'a' && method[i] <= 'z') {
            method[i] = (char)(method[i] - 'a' + 'A');
        }
    }
    bool ok = false;
    for (size_t i = 0; i < ARRAY_LEN(methods) && !ok; i++) {
        ok = str_eq_cstr(str_make(method, mlen), methods[i]);
    }
    JSValueRef r;
    struct http_opts o;
    if (!read_http_opts(ctx, c, argv, &o, exception)) {
        r = JSValueMakeUndefined(ctx);
    } else if (!ok) {
        r = api_throw(ctx, exception, "INVALID_ARGUMENT",
                      STR("method must be GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or *"),
                      STR(""));
    } else if (plen > 500) {
        r = api_throw(ctx, exception, "INVALID_ARGUMENT", STR("path is longer than 500 bytes"),
                      STR(""));
    } else {
        r = do_register(ctx, c, str_make(path, plen), str_make(method, mlen), argv[1],
                        API_ROUTE_HTTP, NULL, &o, exception);
        if (*exception == NULL && c->phase == API_PHASE_REGISTER) {
            log_not_applied(ctx, c, str_make(method, mlen), str_make(path, plen), argv[6]);
        }
    }
    mem_free(path);
    mem_free(method);
    return r;
}

JSValueRef api_routes_register(JSContextRef ctx, struct str method, struct str path,
                               enum api_route_kind kind, JSValueRef handler,
                               const struct api_rt_opts *opts, JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL) {
        return js_throw_type_error(ctx, exception, "routeRegistry is not available here");
    }
    if (path.len > 500) {
        return api_throw(ctx, exception, "INVALID_ARGUMENT", STR("path is longer than 500 bytes"),
                         STR(""));
    }
    return do_register(ctx, c, path, method, handler, kind, opts, &no_http_opts, exception);
}

/* Register run: keep cacheControl (validated by the prelude) on the asset route "GET path". */
static void set_cache_control(JSContextRef ctx, struct api_ctx *c, struct str path, JSValueRef v)
{
    char keybuf[600];
    int kn = snprintf(keybuf, sizeof(keybuf), "GET %.*s", STR_FMT(path));
    struct api_route *rt = api_version_find_route(c->ver, str_make(keybuf, (size_t)kn));
    size_t n = 0;
    JSValueRef exc = NULL;
    char *cc = rt ? js_value_to_owned(ctx, v, &n, &exc) : NULL;
    if (cc != NULL) {
        rt->cache_control = arena_strdup(c->ver->arena, str_make(cc, n));
        mem_free(cc);
    }
}

/* registerAssetRoute(path, assetName, cacheControl?) -> [key, registered, reason]: GET path
 * serves the asset of this script straight from C (api_assets.c). */
static JSValueRef routes_register_asset(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                        const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL) {
        return js_throw_type_error(ctx, exception, "routeRegistry is not available here");
    }
    size_t plen = 0;
    size_t alen = 0;
    char *path = NULL;
    char *asset = NULL;
    if (!two_strings(ctx, argv[0], argv[1], &path, &plen, &asset, &alen, exception)) {
        return JSValueMakeUndefined(ctx);
    }
    JSValueRef r;
    if (plen > 500 || alen == 0 || alen > 1024) {
        r = api_throw(ctx, exception, "INVALID_ARGUMENT",
                      STR("path must be at most 500 bytes and assetName 1-1024 bytes"), STR(""));
    } else {
        struct http_opts ho = no_http_opts;
        ho.asset = str_make(asset, alen);
        r = do_register(ctx, c, str_make(path, plen), STR("GET"), argv[1], API_ROUTE_HTTP, NULL,
                        &ho, exception);
    }
    if (*exception == NULL && c->phase == API_PHASE_REGISTER && argc > 2 &&
        JSValueIsString(ctx, argv[2])) {
        set_cache_control(ctx, c, str_make(path, plen), argv[2]);
    }
    mem_free(path);
    mem_free(asset);
    return r;
}

static const struct js_fn routes_fns[] = {
    { .name = "registerRoute", .fn = routes_register, .min_args = 7 },
    { .name = "registerAssetRoute", .fn = routes_register_asset, .min_args = 2 },
    { .name = NULL },
};

const struct api_module api_module_routes = {
    .name = "routes",
    .init = NULL,
    .fns = routes_fns,
};
