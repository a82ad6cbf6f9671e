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
#include "base/log.h"
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
    (void)api_tx_inv_settle(inv, false); /* a legacy transaction left open: rolled back */
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

/* ------------------------------------------------------------------ streamed bodies */

/*
 * A Response whose body is a ReadableStream: the head goes out at once (chunked on HTTP/1.1),
 * then the prelude's pumpBody(stream, sink) reads the stream and calls sink.write(chunks),
 * sink.end() or sink.abort(). The sink (heap) is shared by the JS object (private pointer,
 * finalizer) and the invocation, which it keeps alive (sink_count) until the body ends or the
 * invocation's deadline cuts it (api_sinks_abort). Executor thread only.
 */
/* A chunk written and still referenced here, so the sink can tell what the client has not
 * taken yet (http_chunk_shared: the stream still holds it). */
struct api_sent {
    struct api_sent *next;
    struct http_chunk *ch;
    size_t len;
};

struct api_sink {
    struct http_stream *st; /* NULL once the body is over */
    struct api_inv *inv;    /* NULL once detached from the invocation */
    struct api_sink *next;  /* in inv->sinks */
    struct api_sent *sent;  /* oldest first */
    struct api_sent *sent_tail;
    size_t sent_bytes;   /* sum of the lens in sent */
    uv_timer_t *wait;    /* whenDrained: polls sent_bytes on the invocation's loop */
    JSObjectRef wait_fn; /* protected while wait runs */
    JSGlobalContextRef wait_ctx;
    size_t wait_low;
};

static void on_wait_closed(uv_handle_t *h)
{
    mem_free(h);
}

/* Stop a whenDrained wait without calling its callback. */
static void wait_stop(struct api_sink *s)
{
    if (s->wait == NULL) {
        return;
    }
    uv_timer_stop(s->wait);
    uv_close((uv_handle_t *)s->wait, on_wait_closed);
    s->wait = NULL;
    JSValueUnprotect(s->wait_ctx, s->wait_fn);
    s->wait_fn = NULL;
}

/* Drop the chunks the stream has written (or dropped); with all, every one. */
static void sent_prune(struct api_sink *s, bool all)
{
    while (s->sent != NULL && (all || !http_chunk_shared(s->sent->ch))) {
        struct api_sent *n = s->sent;
        s->sent = n->next;
        s->sent_bytes -= n->len;
        http_chunk_unref(n->ch);
        mem_free(n);
    }
    if (s->sent == NULL) {
        s->sent_tail = NULL;
    }
}

static void stream_finish(struct api_sink *s, bool ok)
{
    wait_stop(s);
    if (s->st != NULL) {
        if (ok) {
            http_stream_end(s->st);
        } else {
            http_stream_abort(s->st);
        }
        http_stream_release(s->st);
        s->st = NULL;
    }
    sent_prune(s, true);
}

static void sink_detach(struct api_sink *s)
{
    struct api_inv *inv = s->inv;
    if (inv == NULL) {
        return;
    }
    for (struct api_sink **p = &inv->sinks; *p != NULL; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            break;
        }
    }
    inv->sink_count--;
    s->inv = NULL;
}

/* End (or abort) the body and let the invocation go; inv may end (be freed) here. */
static void sink_close(struct api_sink *s, bool ok)
{
    stream_finish(s, ok);
    struct api_inv *inv = s->inv;
    if (inv != NULL) {
        struct api_inv *prev = api_inv_enter(inv);
        sink_detach(s);
        api_inv_leave(inv, prev);
    }
}

size_t api_sinks_abort(struct api_inv *inv)
{
    size_t n = 0;
    while (inv->sinks != NULL) {
        struct api_sink *s = inv->sinks;
        sink_detach(s);
        stream_finish(s, false);
        n++; /* s itself is freed by its JS object's finalizer */
    }
    if (n > 0 && inv->c != NULL) {
        struct api_log_entry le = {
            .level = LOG_WARN,
            .ts_ms = clk_realtime_ms(),
            .script = inv->c->ver->uri,
            .request_id = inv->request_id,
            .message = STR("a streamed response body was cut: its invocation ended (deadline, "
                           "shutdown or discarded context) before the stream closed"),
        };
        api_log(inv->c->e, &le);
    }
    return n;
}

static void sink_finalize(JSObjectRef obj)
{
    struct api_sink *s = JSObjectGetPrivate(obj);
    if (s == NULL) {
        return;
    }
    /* The stream and its promises are garbage: nothing will feed the body any more. */
    stream_finish(s, false);
    if (s->inv != NULL) {
        /* No inv_maybe_free from a finalizer: the deadline frees the invocation. */
        sink_detach(s);
    }
    mem_free(s);
}

static struct api_sink *sink_of(JSObjectRef this_obj)
{
    return JSObjectGetPrivate(this_obj);
}

/* sink.write([Uint8Array, ...]) -> true, or false once the client is gone. */
static JSValueRef sink_write(JSContextRef ctx, JSObjectRef fn, JSObjectRef this_obj, size_t argc,
                             const JSValueRef argv[], JSValueRef *exception)
{
    struct api_sink *s = sink_of(this_obj);
    JSObjectRef list;
    size_t n;
    if (s == NULL || s->st == NULL || argc < 1 ||
        !api_list_of(ctx, argv[0], (size_t)10000000, &list, &n)) {
        return JSValueMakeBoolean(ctx, false);
    }
    JSValueRef exc = NULL;
    struct buf b;
    buf_init(&b, API_MAX_BODY_BUILD_BYTES);
    int rc = RC_OK;
    for (unsigned i = 0; exc == NULL && rc == RC_OK && i < (unsigned)n; i++) {
        struct str bytes;
        JSValueRef v = JSObjectGetPropertyAtIndex(ctx, list, i, &exc);
        if (exc == NULL && js_bytes_view(ctx, v, &bytes)) {
            rc = buf_try_append_str(&b, bytes);
        }
    }
    if (exc != NULL) {
        buf_fini(&b);
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    if (rc == RC_OK && b.len > 0) {
        if (s->inv != NULL) {
            api_durable_wait_inv(s->inv); /* the chunk may show what the handler committed */
        }
        struct http_chunk *ch = http_chunk_new(buf_str(&b));
        rc = http_stream_write(s->st, ch);
        struct api_sent *e = mem_alloc(sizeof(*e));
        *e = (struct api_sent){ .next = NULL, .ch = ch, .len = b.len };
        if (s->sent_tail != NULL) {
            s->sent_tail->next = e;
        } else {
            s->sent = e;
        }
        s->sent_tail = e;
        s->sent_bytes += e->len;
    }
    buf_fini(&b);
    if (rc != RC_OK || http_stream_is_closed(s->st)) {
        sink_close(s, false);
        return JSValueMakeBoolean(ctx, false);
    }
    return JSValueMakeBoolean(ctx, true);
}

/* sink.pending() -> bytes written but not yet taken by the client, or -1 once it is over. */
static JSValueRef sink_pending(JSContextRef ctx, JSObjectRef fn, JSObjectRef this_obj, size_t argc,
                               const JSValueRef argv[], JSValueRef *exception)
{
    struct api_sink *s = sink_of(this_obj);
    if (s == NULL || s->st == NULL || http_stream_is_closed(s->st)) {
        return JSValueMakeNumber(ctx, -1);
    }
    sent_prune(s, false);
    return JSValueMakeNumber(ctx, (double)s->sent_bytes);
}

/* The wait's tick: once at most wait_low bytes are unsent (or the body is over), call the
 * callback with true (or false) in the invocation's context. */
static void on_wait_tick(uv_timer_t *h)
{
    struct api_sink *s = h->data;
    bool over = s->st == NULL || http_stream_is_closed(s->st);
    if (!over) {
        sent_prune(s, false);
        if (s->sent_bytes > s->wait_low) {
            return;
        }
    }
    struct api_inv *inv = s->inv;
    JSObjectRef fn = s->wait_fn;
    JSGlobalContextRef ctx = s->wait_ctx;
    JSValueProtect(ctx, fn); /* survives wait_stop's unprotect until called */
    wait_stop(s);
    if (inv == NULL) {
        JSValueUnprotect(ctx, fn);
        return;
    }
    struct api_ctx *c = inv->c;
    struct api_inv *prev = api_inv_enter(inv);
    JSValueRef arg = JSValueMakeBoolean(ctx, !over);
    struct diag d;
    int rc = js_call(ctx, fn, NULL, 1, &arg, NULL, NULL, &d);
    JSValueUnprotect(ctx, fn);
    api_inv_leave(inv, prev);
    api_exec_after_call(c->ex, c, rc);
}

/* sink.whenDrained(fn, low) -> true: fn(ok) runs once at most low bytes wait for the client
 * (ok false: the body is over); false: nothing to wait for (over, or a wait already runs). */
static JSValueRef sink_when_drained(JSContextRef ctx, JSObjectRef fn, JSObjectRef this_obj,
                                    size_t argc, const JSValueRef argv[], JSValueRef *exception)
{
    struct api_sink *s = sink_of(this_obj);
    if (s == NULL || s->st == NULL || s->inv == NULL || s->wait != NULL || argc < 2 ||
        !JSValueIsObject(ctx, argv[0]) || !JSObjectIsFunction(ctx, (JSObjectRef)argv[0])) {
        return JSValueMakeBoolean(ctx, false);
    }
    JSValueRef exc = NULL;
    double low = JSValueToNumber(ctx, argv[1], &exc);
    if (exc != NULL || !(low >= 0)) {
        return JSValueMakeBoolean(ctx, false);
    }
    s->wait_low = (size_t)low;
    s->wait_ctx = s->inv->c->js;
    s->wait_fn = (JSObjectRef)argv[0];
    JSValueProtect(s->wait_ctx, s->wait_fn);
    s->wait = mem_alloc(sizeof(*s->wait));
    uv_timer_init(api_inv_loop(s->inv), s->wait);
    s->wait->data = s;
    uv_timer_start(s->wait, on_wait_tick, API_STREAM_DRAIN_POLL_MS, API_STREAM_DRAIN_POLL_MS);
    return JSValueMakeBoolean(ctx, true);
}

static JSValueRef sink_finish(JSContextRef ctx, JSObjectRef this_obj, bool ok)
{
    struct api_sink *s = sink_of(this_obj);
    if (s != NULL) {
        sink_close(s, ok);
    }
    return JSValueMakeUndefined(ctx);
}

static JSValueRef sink_end(JSContextRef ctx, JSObjectRef fn, JSObjectRef this_obj, size_t argc,
                           const JSValueRef argv[], JSValueRef *exception)
{
    return sink_finish(ctx, this_obj, true);
}

static JSValueRef sink_abort(JSContextRef ctx, JSObjectRef fn, JSObjectRef this_obj, size_t argc,
                             const JSValueRef argv[], JSValueRef *exception)
{
    return sink_finish(ctx, this_obj, false);
}

static const JSStaticFunction sink_fns[] = {
    { "write", sink_write, kJSPropertyAttributeReadOnly | kJSPropertyAttributeDontDelete },
    { "end", sink_end, kJSPropertyAttributeReadOnly | kJSPropertyAttributeDontDelete },
    { "abort", sink_abort, kJSPropertyAttributeReadOnly | kJSPropertyAttributeDontDelete },
    { "pending", sink_pending, kJSPropertyAttributeReadOnly | kJSPropertyAttributeDontDelete },
    { "whenDrained", sink_when_drained,
      kJSPropertyAttributeReadOnly | kJSPropertyAttributeDontDelete },
    { NULL, NULL, 0 },
};

JSClassRef api_sink_class_new(void)
{
    JSClassDefinition def = kJSClassDefinitionEmpty;
    def.className = "BodySink";
    def.staticFunctions = sink_fns;
    def.finalize = sink_finalize;
    return JSClassCreate(&def);
}

/* Begin a streamed response and hand stream to the prelude's pump. */
static void respond_stream(struct api_inv *inv, int status, struct http_header *hdrs, size_t hn,
                           JSObjectRef stream)
{
    struct api_ctx *c = inv->c;
    JSContextRef ctx = c->js;
    struct http_exchange *xch = inv->xch;
    bool head = str_eq(inv->req->method, STR("HEAD"));
    if (head || status == 204 || status == 304 || c->ex == NULL) {
        /* No body may be sent: the stream is left unread. */
        api_inv_end(inv);
        http_exchange_respond(xch, status, hdrs, hn, STR(""));
        return;
    }
    /* Bounded by bytes: a stream yielding many small chunks (each await is one write) must
     * not look like a slow consumer before 8 MiB are waiting for the client. */
    struct http_stream_config cfg = { .max_queue_chunks = API_STREAM_MAX_QUEUE_CHUNKS,
                                      .max_queue_bytes = API_STREAM_MAX_QUEUE_BYTES };
    struct http_stream *st = NULL;
    struct diag d;
    api_inv_watch_deadline(inv);
    if (inv->gated) { /* a streamed head is not gated: wait here */
        inv->gated = false;
        api_durable_wait_inv(inv);
    }
    api_inv_end(inv); /* inv stays allocated: the caller holds it (busy) */
    int rc = http_exchange_stream_begin(xch, status, hdrs, hn, &cfg, &st, &d);
    if (rc != RC_OK) {
        return; /* a 500 was sent instead (invalid header) */
    }
    struct api_sink *s = mem_calloc(1, sizeof(*s));
    s->st = st;
    s->inv = inv;
    s->next = inv->sinks;
    inv->sinks = s;
    inv->sink_count++;
    JSObjectRef obj = JSObjectMake(ctx, c->ex->sink_class, s);
    JSValueRef args[2] = { stream, obj };
    JSValueRef exc = NULL;
    struct api_inv *prev = api_inv_enter(inv);
    /* js_call: when this is the outermost call of a held JSC lock, the pump's first
     * continuations run before it returns, with inv current (docs/internals/js.md). */
    IGNORE_RC(js_call(ctx, c->k_pump_body, NULL, 2, args, NULL, &exc, &d)); /* exc says */
    api_inv_leave(inv, prev);
    if (exc != NULL) {
        api_log_exception(c, inv->request_id, "streamed body failed", exc);
        sink_close(s, false);
    }
}

/* Split "name\nvalue\nname\nvalue" (the prelude joined a Headers list; names and values never
 * hold a line feed) into headers in the invocation arena. False when it is not whole pairs. */
static bool split_headers(struct api_inv *inv, struct str joined, struct http_header **out,
                          size_t *out_n)
{
    size_t parts = joined.len ? 1 : 0;
    for (size_t i = 0; i < joined.len; i++) {
        parts += joined.ptr[i] == '\n';
    }
    *out = NULL;
    *out_n = 0;
    if (parts % 2 != 0) {
        return false;
    }
    struct http_header *h = arena_alloc(inv->arena, (parts / 2 + 1) * sizeof(*h));
    const char *p = joined.ptr;
    const char *end = joined.ptr + joined.len;
    for (size_t k = 0; k < parts; k++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl != NULL ? nl : end;
        struct str part = str_make(p, (size_t)(e - p));
        if (k % 2 == 0) {
            h[k / 2].name = part;
        } else {
            h[k / 2].value = part;
        }
        p = e + 1;
    }
    *out = h;
    *out_n = parts / 2;
    return true;
}

/*
 * respond(status, headersJoined, body): the prelude's fast path for a handler that returned a
 * Response whose body is a string, bytes or null (K.invoke): one call reads it all, instead of
 * C reading the object back property by property. Returns true when it answered the current
 * invocation; false (nothing done) when there is none to answer here, and the prelude then
 * returns the Response as before.
 */
static JSValueRef respond_fast(JSContextRef ctx, size_t argc, const JSValueRef argv[],
                               JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    struct api_inv *inv = c != NULL ? c->current : NULL;
    if (argc < 3 || inv == NULL || inv->done || inv->hooks != NULL || inv->xch == NULL) {
        return JSValueMakeBoolean(ctx, false);
    }
    JSValueRef exc = NULL;
    double sv = JSValueToNumber(ctx, argv[0], &exc);
    if (exc != NULL || !(sv >= 100 && sv <= 599) || sv != (double)(int)sv) {
        return JSValueMakeBoolean(ctx, false); /* the slow path reports it */
    }
    struct str hs = to_arena(ctx, argv[1], inv->arena); /* a joined string: no ToString */
    struct http_header *hdrs = NULL;
    size_t hn = 0;
    if (!split_headers(inv, hs, &hdrs, &hn)) {
        return JSValueMakeBoolean(ctx, false);
    }
    size_t len = 0;
    char *body = read_body(ctx, argv[2], &len, &exc);
    if (body == NULL) {
        if (exception == NULL) { /* the fast function: the slow path reads it again and fails */
            return JSValueMakeBoolean(ctx, false);
        }
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    respond_owned(inv, (int)sv, hdrs, hn, body, len);
    return JSValueMakeBoolean(ctx, true);
}

JSValueRef api_respond_fast(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                            const JSValueRef argv[], JSValueRef *exception)
{
    return respond_fast(ctx, argc, argv, exception);
}

/* respondFast(status, headersJoined, body): the same as a fast function (js_install_fast_fns:
 * no lock drop around the call), false instead of a throw. */
static JSValueRef respond_fast_fn(JSContextRef ctx, size_t argc, const JSValueRef argv[])
{
    return respond_fast(ctx, argc, argv, NULL);
}
JS_FAST_FN(respond_fast_native, respond_fast_fn)

static const struct js_fast respond_fast_fns[] = {
    { .name = "respondFast", .native = respond_fast_native, .length = 3 },
    { .name = NULL },
};

void api_respond_install_fast(JSContextRef ctx, JSObjectRef native)
{
    /* Nothing installed without the direct path: the prelude checks for it. */
    (void)js_install_fast_fns(ctx, native, respond_fast_fns);
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
    if (exc == NULL && JSValueIsObject(ctx, bv) &&
        JSValueGetTypedArrayType(ctx, bv, NULL) == kJSTypedArrayTypeNone) {
        bool is_stream = JSValueIsInstanceOfConstructor(ctx, bv, c->k_stream_class, &exc);
        if (exc == NULL && is_stream) {
            respond_stream(inv, (int)sv, hdrs, hn, (JSObjectRef)bv);
            return;
        }
    }
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
    if (!api_tx_inv_settle(inv, true)) { /* a legacy transaction left open: committed */
        api_respond_error(inv, 500, "DB_ERROR",
                          "the transaction the handler left open failed to commit");
        return;
    }
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
