/* SPDX-License-Identifier: MIT */
/*
 * Per-version JS contexts: creation (host modules, prelude, capture of the prelude's __kiln
 * internals), the register and bind runs (top level + init(context)), and api_throw().
 * Thread contract: the thread owning the runtime the context belongs to.
 */
#include <string.h>

#include "api/api_internal.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rc.h"

void api_names_init(struct api_names *n)
{
    static const char *const texts[API_N_COUNT] = {
#define API_NAME_TEXT(id, text) [API_N_##id] = (text),
        API_NAMES(API_NAME_TEXT)
#undef API_NAME_TEXT
    };
    for (size_t i = 0; i < API_N_COUNT; i++) {
        n->s[i] = JSStringCreateWithUTF8CString(texts[i]);
    }
}

void api_names_fini(struct api_names *n)
{
    for (size_t i = 0; i < API_N_COUNT; i++) {
        if (n->s[i]) {
            JSStringRelease(n->s[i]);
            n->s[i] = NULL;
        }
    }
}

static JSObjectRef capture(struct api_ctx *c, JSObjectRef k, enum api_name_id id, struct diag *d,
                           int *rc)
{
    JSValueRef exc = NULL;
    JSValueRef v = JSObjectGetProperty(c->js, k, c->names->s[id], &exc);
    if (exc != NULL || v == NULL || !JSValueIsObject(c->js, v)) {
        *rc = diag_set(d, RC_INTERNAL, "prelude does not define __kiln member %d", (int)id);
        return NULL;
    }
    JSValueProtect(c->js, v);
    return (JSObjectRef)v;
}

static int setup_globals(struct api_ctx *c, struct diag *d)
{
    JSContextRef ctx = c->js;
    JSObjectRef global = JSContextGetGlobalObject(ctx);
    JSObjectRef native = JSObjectMake(ctx, NULL, NULL);
    JSValueRef exc = NULL;
    JSObjectSetProperty(ctx, global, c->names->s[API_N_kiln_native], native,
                        kJSPropertyAttributeDontEnum, &exc);
    if (exc != NULL) {
        return js_exception_diag(ctx, exc, d);
    }
    for (size_t i = 0; api_modules[i] != NULL; i++) {
        const struct api_module *m = api_modules[i];
        if (m->fns) {
            js_install_fns(ctx, native, m->fns);
        }
        if (m->init) {
            m->init(ctx, global, native);
        }
    }
    int rc = js_context_load_prelude(ctx, d);
    if (rc != RC_OK) {
        return rc;
    }
    JSValueRef kv = JSObjectGetProperty(ctx, global, c->names->s[API_N_kiln], &exc);
    if (exc != NULL || !JSValueIsObject(ctx, kv)) {
        return diag_set(d, RC_INTERNAL, "prelude did not define __kiln");
    }
    JSObjectRef k = (JSObjectRef)kv;
    rc = RC_OK;
    c->k_invoke = capture(c, k, API_N_invoke, d, &rc);
    c->k_invoke_rt = capture(c, k, API_N_invoke_rt, d, &rc);
    c->k_await = capture(c, k, API_N_await_result, d, &rc);
    c->k_to_response = capture(c, k, API_N_to_response, d, &rc);
    c->k_error_info = capture(c, k, API_N_error_info, d, &rc);
    c->k_run_init = capture(c, k, API_N_run_init, d, &rc);
    c->k_init_outcome = capture(c, k, API_N_init_outcome, d, &rc);
    c->k_response = capture(c, k, API_N_response, d, &rc);
    c->k_kiln_error = capture(c, k, API_N_kiln_error, d, &rc);
    c->k_bad_request = capture(c, k, API_N_bad_request, d, &rc);
    c->k_anonymous_auth = capture(c, k, API_N_anonymous_auth, d, &rc);
    c->k_form_fields = capture(c, k, API_N_form_fields, d, &rc);
    c->k_pump_body = capture(c, k, API_N_pump_body, d, &rc);
    c->k_stream_class = capture(c, k, API_N_stream_class, d, &rc);
    JSValueRef pv = JSObjectGetProperty(ctx, global, c->names->s[API_N_promise], &exc);
    if (exc != NULL || !JSValueIsObject(ctx, pv)) {
        return diag_set(d, RC_INTERNAL, "no Promise constructor");
    }
    JSValueProtect(ctx, pv);
    c->k_promise = (JSObjectRef)pv;
    if (rc != RC_OK) {
        return rc;
    }
    c->v_anonymous = js_make_string(ctx, STR("<anonymous>"));
    JSValueProtect(ctx, c->v_anonymous);
    c->v_empty = js_make_string(ctx, STR(""));
    JSValueProtect(ctx, c->v_empty);
    JSValueRef setup = JSObjectGetProperty(ctx, k, c->names->s[API_N_setup], &exc);
    if (exc != NULL || !JSValueIsObject(ctx, setup)) {
        return diag_set(d, RC_INTERNAL, "prelude did not define __kiln.setup");
    }
    /* The prototype of request objects (executor contexts only): the prelude puts the query
     * accessor there. */
    JSValueRef req_proto = JSValueMakeUndefined(ctx);
    if (c->ex != NULL) {
        req_proto = JSObjectGetPrototype(ctx, JSObjectMake(ctx, c->ex->request_class, NULL));
    }
    JSValueRef args[4] = {
        js_make_string(ctx, c->ver->uri),
        JSValueMakeNumber(ctx, (double)c->ver->version),
        JSValueMakeBoolean(ctx, c->e ? c->e->cfg.dev : false),
        req_proto,
    };
    rc = js_call(ctx, (JSObjectRef)setup, NULL, 4, args, NULL, NULL, d);
    if (rc != RC_OK) {
        return rc;
    }
    /* Scripts must not reach the internals. */
    (void)JSObjectDeleteProperty(ctx, global, c->names->s[API_N_kiln], &exc);
    if (exc != NULL) {
        return js_exception_diag(ctx, exc, d);
    }
    (void)JSObjectDeleteProperty(ctx, global, c->names->s[API_N_kiln_native], &exc);
    if (exc != NULL) {
        return js_exception_diag(ctx, exc, d);
    }
    return RC_OK;
}

static int run_script(struct api_ctx *c, enum api_phase phase, struct api_inv *inv, struct diag *d)
{
    JSContextRef ctx = c->js;
    int rc = js_eval(ctx, c->ver->source, c->ver->uri, NULL, NULL, d);
    if (rc != RC_OK) {
        return rc;
    }
    JSValueRef args[4] = {
        js_make_string(ctx, phase == API_PHASE_REGISTER ? STR("register") : STR("bind")),
        JSValueMakeBoolean(ctx, false),
        JSValueMakeNumber(ctx, (double)c->ver->version),
        js_make_string(ctx, STR("")),
    };
    rc = js_call(ctx, c->k_run_init, NULL, 4, args, NULL, NULL, d);
    if (rc != RC_OK) {
        return rc;
    }
    /* Timers set by the top level or init belong to this run: run them to the end first (an
     * async init awaiting one settles meanwhile). */
    rc = api_inv_init_wait(inv, d);
    if (rc != RC_OK) {
        return rc;
    }
    JSValueRef outcome = NULL;
    rc = js_call(ctx, c->k_init_outcome, NULL, 0, NULL, &outcome, NULL, d);
    if (rc != RC_OK) {
        return rc;
    }
    if (outcome != NULL && !JSValueIsUndefined(ctx, outcome)) {
        return js_exception_diag(ctx, outcome, d);
    }
    return RC_OK;
}

int api_ctx_open(struct api_engine *e, struct api_executor *ex, struct js_runtime *rt,
                 const struct api_names *names, struct api_version *ver, enum api_phase phase,
                 struct api_ctx **out, struct diag *d)
{
    *out = NULL;
    struct api_ctx *c = mem_calloc(1, sizeof(*c));
    c->e = e;
    c->ex = ex;
    c->names = names;
    c->ver = ver;
    api_version_ref(ver);
    c->phase = phase;
    c->js = js_context_new(rt, c);
    if (phase == API_PHASE_BIND && ver->route_count) {
        c->handlers = mem_calloc(ver->route_count, sizeof(JSObjectRef));
        c->handler_names = mem_calloc(ver->route_count, sizeof(JSValueRef));
    }
    int rc = setup_globals(c, d);
    if (rc == RC_OK) {
        int64_t timeout_ms = e != NULL ? e->cfg.init_timeout_ms : API_DEFAULT_INIT_TIMEOUT_MS;
        struct api_inv *inv = api_inv_init_new(c, timeout_ms);
        c->current = inv;
        rc = run_script(c, phase, inv, d);
        c->current = NULL;
        api_inv_init_free(inv);
    }
    if (rc != RC_OK) {
        api_ctx_close(c);
        return rc;
    }
    c->phase = API_PHASE_RUN;
    *out = c;
    return RC_OK;
}

void api_ctx_close(struct api_ctx *c)
{
    if (c == NULL) {
        return;
    }
    JSContextRef ctx = c->js;
    if (c->handlers) {
        for (size_t i = 0; i < c->ver->route_count; i++) {
            if (c->handlers[i]) {
                JSValueUnprotect(ctx, c->handlers[i]);
            }
        }
        mem_free(c->handlers);
    }
    if (c->handler_names) {
        for (size_t i = 0; i < c->ver->route_count; i++) {
            if (c->handler_names[i]) {
                JSValueUnprotect(ctx, c->handler_names[i]);
            }
        }
        mem_free(c->handler_names);
    }
    JSObjectRef *ks[] = { &c->k_invoke,       &c->k_invoke_rt,  &c->k_await,
                          &c->k_to_response,  &c->k_error_info, &c->k_run_init,
                          &c->k_init_outcome, &c->k_response,   &c->k_kiln_error,
                          &c->k_bad_request,  &c->k_promise,    &c->k_anonymous_auth,
                          &c->k_form_fields,  &c->k_pump_body,  &c->k_stream_class };
    for (size_t i = 0; i < ARRAY_LEN(ks); i++) {
        if (*ks[i]) {
            JSValueUnprotect(ctx, *ks[i]);
            *ks[i] = NULL;
        }
    }
    if (c->v_anonymous) {
        JSValueUnprotect(ctx, c->v_anonymous);
    }
    if (c->v_empty) {
        JSValueUnprotect(ctx, c->v_empty);
    }
    api_timers_fini(c);
    api_data_ctx_fini(c);
    js_context_free(c->js);
    api_version_unref(c->ver);
    mem_free(c);
}

JSValueRef api_throw(JSContextRef ctx, JSValueRef *exception, const char *code, struct str message,
                     struct str details_json)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL || c->k_kiln_error == NULL) {
        return js_throw_type_error(ctx, exception, code);
    }
    JSValueRef args[3];
    args[0] = js_make_string(ctx, str_from_cstr(code));
    args[1] = js_make_string(ctx, message);
    JSObjectRef opts = JSObjectMake(ctx, NULL, NULL);
    if (details_json.len) {
        JSStringRef j = js_string_new(details_json);
        JSValueRef dv = JSValueMakeFromJSONString(ctx, j);
        JSStringRelease(j);
        if (dv != NULL) {
            (void)js_set(ctx, opts, c->names->s[API_N_details], dv, NULL);
        }
    }
    args[2] = opts;
    JSValueRef exc = NULL;
    JSObjectRef err = JSObjectCallAsConstructor(ctx, c->k_kiln_error, 3, args, &exc);
    if (exc != NULL) {
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    *exception = err;
    return JSValueMakeUndefined(ctx);
}
