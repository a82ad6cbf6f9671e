/* SPDX-License-Identifier: MIT */
/*
 * JS executors: K threads, each running its own libuv loop and owning one JSC context group
 * (struct js_runtime) with one context per active script version, created lazily by a bind
 * run. I/O threads post jobs into the executor's lock-free inbox (net/net.h: one CAS per job, one
 * eventfd wake-up per burst, written once per I/O loop iteration), and the executor batches its
 * wake-ups of the I/O loops the same way (responses of one batch: one wake-up per loop). A handler
 * that returns a Promise parks its invocation in a slot table; the prelude calls settle(token, ok,
 * value) when it settles, and a wall-clock timer answers 504 if it does not settle before the
 * deadline. An invocation (heap) may outlive its response while its timers (api_timers.c) are
 * pending: it ends once it has responded, has no timers and no C frame runs its JS, or at its
 * deadline, which cancels what is left. Init runs get an invocation too, with a private loop.
 * Thread contract: api_exec_start/stop on the main thread, api_exec_post on any thread,
 * everything else on the executor's own thread (init invocations: the context's thread).
 */
#include <string.h>

#include "api/api_internal.h"
#include "base/clk.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rc.h"

static const struct log_ctx exec_log = { .mod = "js" };

#define TOKEN_SLOT_BITS 24

/* ------------------------------------------------------------------ contexts */

static void inv_maybe_free(struct api_inv *inv);

/* End every live invocation of c: those that have not responded get status/code, pending
 * timers are cancelled (and logged); mark c dead (it is closed by reap()). */
static void kill_ctx(struct api_executor *ex, struct api_ctx *c, int status, const char *code,
                     const char *message)
{
    if (status == 504) {
        js_runtime_recover(c->js);
    }
    c->dead = true;
    struct api_inv *next = NULL;
    for (struct api_inv *inv = ex->live; inv != NULL; inv = next) {
        next = inv->next_live;
        if (inv->c != c) {
            continue;
        }
        inv->busy++;
        if (!inv->done) {
            api_respond_error(inv, status, code, message);
        }
        size_t n = api_timers_cancel(inv);
        api_timers_log_cancel(inv, n, "because the script's context was discarded");
        (void)api_sinks_abort(inv);
        inv->busy--;
        next = inv->next_live; /* inv may end now: read its successor first */
        inv_maybe_free(inv);
    }
}

/* A time-limit stop that no call reported (it hit code JSC ran while draining microtasks at
 * the end of some call): which context looped is unknown, so every context of the executor is
 * discarded and what was pending in them gets 504. */
static void check_stray_timeout(struct api_executor *ex)
{
    if (!js_runtime_take_timeout(ex->rt)) {
        return;
    }
    log_warn(&exec_log, "script stopped by the time limit outside a call executor=%zu", ex->index);
    for (size_t i = 0; i < ex->ctxs.count; i++) {
        kill_ctx(ex, ex->ctxs.items[i], 504, "SCRIPT_TIMEOUT", "Script timed out");
    }
}

/* Close dead contexts nothing waits on. Only at the top of the executor's stack. */
static void reap(struct api_executor *ex)
{
    size_t w = 0;
    for (size_t i = 0; i < ex->ctxs.count; i++) {
        struct api_ctx *c = ex->ctxs.items[i];
        if (c->dead && c->pending == 0) {
            api_ctx_close(c);
            continue;
        }
        ex->ctxs.items[w++] = c;
    }
    ex->ctxs.count = w;
}

/* After a publication: retire the contexts of versions no longer active (removed scripts,
 * replaced versions); they close once nothing awaits in them. One atomic load per batch. */
static void retire_stale(struct api_executor *ex)
{
    uint64_t gen = atomic_load_explicit(&ex->e->publish_gen, memory_order_acquire);
    if (gen == ex->seen_publish_gen) {
        return;
    }
    ex->seen_publish_gen = gen;
    struct api_snapshot *s = api_engine_snapshot(ex->e);
    for (size_t i = 0; i < ex->ctxs.count; i++) {
        struct api_ctx *c = ex->ctxs.items[i];
        bool active = false;
        for (size_t j = 0; j < s->version_count && !active; j++) {
            active = s->versions[j] == c->ver;
        }
        if (!active) {
            c->dead = true;
        }
    }
    api_snapshot_unref(s);
    reap(ex);
}

static struct api_ctx *get_ctx(struct api_executor *ex, struct api_version *ver, struct diag *d)
{
    for (size_t i = 0; i < ex->ctxs.count; i++) {
        struct api_ctx *c = ex->ctxs.items[i];
        if (c->ver == ver && !c->dead) {
            return c;
        }
    }
    /* A new version retires the contexts of older ones (they finish what is pending). */
    for (size_t i = 0; i < ex->ctxs.count; i++) {
        struct api_ctx *c = ex->ctxs.items[i];
        if (str_eq(c->ver->uri, ver->uri) && c->ver->version < ver->version) {
            c->dead = true;
        }
    }
    reap(ex);
    js_runtime_set_timeout(ex->rt, ex->e->cfg.init_timeout_ms);
    struct api_ctx *c = NULL;
    int rc = api_ctx_open(ex->e, ex, ex->rt, &ex->names, ver, API_PHASE_BIND, &c, d);
    js_runtime_set_timeout(ex->rt, ex->e->cfg.exec_timeout_ms);
    if (rc != RC_OK) {
        return NULL;
    }
    VEC_PUSH(&ex->ctxs, c); /* NOLINT(bugprone-sizeof-expression): a vector of pointers */
    return c;
}

/* ------------------------------------------------------------------ invocations */

static void on_timer_closed(uv_handle_t *h)
{
    mem_free(h);
}

/* Free inv once it has responded, has no timers and no C frame runs its JS. */
static void inv_maybe_free(struct api_inv *inv)
{
    if (!inv->done || inv->timer_count != inv->weak_timer_count || inv->busy != 0 ||
        inv->sink_count != 0) {
        return;
    }
    (void)api_timers_cancel(inv); /* weak timers end with it */
    struct api_executor *ex = inv->ex;
    if (inv->live) {
        if (inv->prev_live) {
            inv->prev_live->next_live = inv->next_live;
        } else {
            ex->live = inv->next_live;
        }
        if (inv->next_live) {
            inv->next_live->prev_live = inv->prev_live;
        }
        inv->c->pending--;
    }
    if (inv->c && inv->c->current == inv) {
        inv->c->current = NULL;
    }
    api_tx_inv_end(ex, inv);
    if (inv->timer) {
        uv_timer_stop(inv->timer);
        uv_close((uv_handle_t *)inv->timer, on_timer_closed);
    }
    mem_free(inv);
}

void api_inv_end(struct api_inv *inv)
{
    if (inv->done) {
        return;
    }
    inv->done = true;
    if (!inv->gated) {
        api_durable_wait_inv(inv); /* what follows may reveal its commits: durable first */
    }
    api_request_release(inv);
    if (inv->pending) {
        struct api_executor *ex = inv->ex;
        struct api_slot *s = &ex->slots.items[inv->slot];
        s->inv = NULL;
        s->gen++;
        VEC_PUSH(&ex->free_slots, inv->slot);
        inv->pending = false;
    }
    if (inv->job) {
        api_snapshot_unref(inv->job->snap);
        inv->job->snap = NULL;
        if (inv->job->xch == NULL) {
            api_realtime_job_free(inv->job); /* a heap job (WebSocket message, close) */
        }
        inv->job = NULL;
    }
    /* The exchange (and its arena) belongs to the I/O side once the caller responds. */
    inv->xch = NULL;
    inv->req = NULL;
    inv->arena = NULL;
    inv_maybe_free(inv);
}

struct api_inv *api_inv_enter(struct api_inv *inv)
{
    struct api_inv *prev = inv->c->current;
    inv->c->current = inv;
    inv->busy++;
    return prev;
}

void api_inv_leave(struct api_inv *inv, struct api_inv *prev)
{
    inv->c->current = prev;
    inv->busy--;
    inv_maybe_free(inv);
}

static void on_deadline(uv_timer_t *t)
{
    struct api_inv *inv = t->data;
    struct api_executor *ex = inv->ex;
    if (inv->init_run) {
        size_t n = api_timers_cancel(inv);
        api_timers_log_cancel(inv, n, "at the init run's deadline");
        inv->init_rc = RC_TIMEOUT;
        return;
    }
    inv->busy++;
    if (!inv->done) {
        api_respond_error(inv, 504, "SCRIPT_TIMEOUT", "Script timed out");
    }
    size_t weak = inv->weak_timer_count;
    size_t n = api_timers_cancel(inv) - weak;
    api_timers_log_cancel(inv, n,
                          "at the deadline; use scheduler.delay for work after the response");
    (void)api_sinks_abort(inv);
    inv->busy--;
    inv_maybe_free(inv);
    check_stray_timeout(ex);
    reap(ex);
}

void api_inv_watch_deadline(struct api_inv *inv)
{
    if (inv->timer != NULL) {
        return;
    }
    int64_t left = inv->deadline_ms - clk_realtime_ms();
    inv->timer = mem_alloc(sizeof(*inv->timer));
    uv_timer_init(api_inv_loop(inv), inv->timer);
    inv->timer->data = inv;
    uv_timer_start(inv->timer, on_deadline, (uint64_t)(left > 0 ? left : 0), 0);
}

uv_loop_t *api_inv_loop(struct api_inv *inv)
{
    if (inv->loop == NULL) {
        ASSERT(inv->init_run);
        inv->loop = mem_alloc(sizeof(*inv->loop));
        int rc = uv_loop_init(inv->loop);
        ASSERT(rc == 0);
    }
    return inv->loop;
}

struct api_inv *api_inv_init_new(struct api_ctx *c, int64_t timeout_ms)
{
    struct api_inv *inv = mem_calloc(1, sizeof(*inv));
    inv->ex = c->ex;
    inv->c = c;
    inv->init_run = true;
    inv->init_rc = RC_OK;
    inv->deadline_ms = clk_realtime_ms() + timeout_ms;
    inv->request_id = STR("");
    return inv;
}

int api_inv_init_wait(struct api_inv *inv, struct diag *d)
{
    while (inv->timer_count > inv->weak_timer_count && inv->init_rc == RC_OK) {
        (void)uv_run(inv->loop, UV_RUN_ONCE);
    }
    if (inv->init_rc != RC_OK) {
        return diag_set(d, inv->init_rc,
                        "%.*s: init run stopped: a timer callback hit the time "
                        "limit or timers were pending at its deadline",
                        STR_FMT(inv->c->ver->uri));
    }
    return RC_OK;
}

void api_inv_init_free(struct api_inv *inv)
{
    if (inv == NULL) {
        return;
    }
    (void)api_timers_cancel(inv);
    if (inv->c->current == inv) {
        inv->c->current = NULL;
    }
    if (inv->loop != NULL) {
        if (inv->timer) {
            uv_timer_stop(inv->timer);
            uv_close((uv_handle_t *)inv->timer, on_timer_closed);
        }
        (void)uv_run(inv->loop, UV_RUN_DEFAULT); /* close callbacks */
        (void)uv_loop_close(inv->loop);
        mem_free(inv->loop);
    }
    mem_free(inv);
}

void api_exec_after_call(struct api_executor *ex, struct api_ctx *c, int rc)
{
    if (rc == RC_TIMEOUT || js_runtime_take_timeout(ex->rt)) {
        kill_ctx(ex, c, 504, "SCRIPT_TIMEOUT", "Script timed out");
    }
    reap(ex);
}

static bool is_promise(struct api_ctx *c, JSValueRef v)
{
    if (!JSValueIsObject(c->js, v)) {
        return false;
    }
    JSValueRef exc = NULL;
    bool r = JSValueIsInstanceOfConstructor(c->js, v, c->k_promise, &exc);
    return exc == NULL && r;
}

/* Park inv until its promise settles. inv may have responded when this returns (the settle
 * callbacks can run while JSC drains microtasks at the end of the call); run_job keeps it
 * allocated (busy) until it returns. */
static void start_pending(struct api_executor *ex, struct api_inv *inv, JSValueRef promise)
{
    struct api_ctx *c = inv->c;
    uint32_t idx;
    if (ex->free_slots.count) {
        idx = ex->free_slots.items[--ex->free_slots.count];
    } else {
        struct api_slot s = { .inv = NULL, .gen = 0 };
        VEC_PUSH(&ex->slots, s);
        idx = (uint32_t)(ex->slots.count - 1);
    }
    struct api_slot *s = &ex->slots.items[idx];
    s->inv = inv;
    inv->slot = idx;
    inv->pending = true;
    if (inv->request_obj != NULL && !inv->request_held) {
        JSValueProtect(c->js, inv->request_obj); /* it outlives the call now */
        inv->request_held = true;
    }
    api_inv_watch_deadline(inv);
    double token = (double)s->gen * (double)(1u << TOKEN_SLOT_BITS) + (double)idx;
    JSValueRef args[2] = { promise, JSValueMakeNumber(c->js, token) };
    struct diag d;
    JSValueRef exc = NULL;
    struct api_inv *prev = api_inv_enter(inv);
    int rc = js_call(c->js, c->k_await, NULL, 2, args, NULL, &exc, &d);
    api_inv_leave(inv, prev);
    if (rc == RC_TIMEOUT || js_runtime_take_timeout(ex->rt)) {
        kill_ctx(ex, c, 504, "SCRIPT_TIMEOUT", "Script timed out");
    } else if (rc != RC_OK && s->inv == inv && !inv->done) {
        api_respond_exception(inv, exc);
    }
}

/* Heap over budget (checked at most every API_HEAP_CHECK_INTERVAL_MS, after a full
 * collection when the first reading is over)? */
static bool heap_over(struct api_executor *ex, JSContextRef ctx)
{
    int64_t now = clk_mono_ms();
    if (now - ex->last_heap_check_ms < API_HEAP_CHECK_INTERVAL_MS && ex->last_heap_check_ms) {
        return false;
    }
    ex->last_heap_check_ms = now;
    size_t limit = ex->e->cfg.heap_limit_bytes;
    if (js_runtime_heap_bytes(ctx) <= limit) {
        return false;
    }
    js_runtime_collect(ctx);
    size_t bytes = js_runtime_heap_bytes(ctx);
    if (bytes <= limit) {
        return false;
    }
    log_error(&exec_log, "executor heap over its limit executor=%zu heap_bytes=%zu limit=%zu",
              ex->index, bytes, limit);
    return true;
}

/* Past the heap budget: fail everything pending and recreate every context of the executor. */
static void memory_reset(struct api_executor *ex)
{
    for (size_t i = 0; i < ex->ctxs.count; i++) {
        kill_ctx(ex, ex->ctxs.items[i], 500, "MEMORY_LIMIT", "Script memory limit exceeded");
    }
}

/* A new invocation of job, kept alive (busy) until inv_run_done(). */
static struct api_inv *inv_new(struct api_executor *ex, struct api_job *job)
{
    struct api_inv *inv = mem_calloc(1, sizeof(*inv));
    inv->ex = ex;
    inv->xch = job->xch;
    inv->req = job->xch ? http_exchange_request(job->xch) : NULL;
    inv->arena = job->xch ? http_exchange_arena(job->xch) : NULL;
    inv->job = job;
    inv->hooks = api_realtime_hooks(job->kind);
    inv->busy = 1;
    inv->loop = &ex->loop;
    int64_t limit = ex->e->cfg.exec_timeout_ms;
    if (job->kind == API_JOB_HTTP && job->route->timeout_ms > 0) {
        limit = job->route->timeout_ms; /* options.timeoutMs */
    }
    inv->deadline_ms = clk_realtime_ms() + limit;
    struct str id = inv->req ? inv->req->request_id : api_realtime_job_id(job);
    size_t n = id.len < sizeof(inv->rid) ? id.len : sizeof(inv->rid);
    memcpy(inv->rid, id.ptr, n);
    inv->request_id = str_make(inv->rid, n);
    return inv;
}

/* Count inv as live in c (it may now outlive the call that started it). */
static void inv_attach(struct api_inv *inv, struct api_ctx *c)
{
    struct api_executor *ex = inv->ex;
    inv->c = c;
    inv->live = true;
    inv->next_live = ex->live;
    if (ex->live) {
        ex->live->prev_live = inv;
    }
    ex->live = inv;
    c->pending++;
}

static void inv_run_done(struct api_inv *inv)
{
    inv->busy--;
    inv_maybe_free(inv);
}

void api_exec_call(struct api_inv *inv, JSObjectRef fn, size_t argc, const JSValueRef *argv)
{
    struct api_executor *ex = inv->ex;
    struct api_ctx *c = inv->c;
    JSContextRef ctx = c->js;
    struct api_inv *prev = c->current;
    c->current = inv;
    JSValueRef result = NULL;
    JSValueRef exc = NULL;
    struct diag d;
    int rc = js_call(ctx, fn, NULL, argc, argv, &result, &exc, &d);
    c->current = prev;
    if (rc == RC_TIMEOUT || js_runtime_take_timeout(ex->rt)) {
        if (!inv->done) {
            api_respond_error(inv, 504, "SCRIPT_TIMEOUT", "Script timed out");
        }
        kill_ctx(ex, c, 504, "SCRIPT_TIMEOUT", "Script timed out");
    } else if (inv->done) {
        /* Answered during the call (the prelude's respond fast path). */
        if (heap_over(ex, ctx)) {
            memory_reset(ex);
        }
    } else if (rc != RC_OK) {
        api_respond_exception(inv, exc);
    } else if (is_promise(c, result)) {
        start_pending(ex, inv, result);
    } else if (heap_over(ex, ctx)) {
        api_respond_error(inv, 500, "MEMORY_LIMIT", "Script memory limit exceeded");
        memory_reset(ex);
    } else {
        api_respond_value(inv, result);
    }
}

static void run_handler(struct api_executor *ex, struct api_inv *inv, const struct api_route *route)
{
    struct api_ctx *c = inv->c;
    JSContextRef ctx = c->js;
    JSValueRef handler;
    if (c->handlers && c->handlers[route->index]) {
        handler = c->handlers[route->index];
    } else if (route->handler_name.len) {
        handler = js_make_string(ctx, route->handler_name);
    } else {
        api_respond_error(inv, 500, "HANDLER_NOT_BOUND",
                          "The route's handler was not re-created in this context");
        return;
    }
    /* Not protected: args[] below holds it on this thread's stack for the whole call, which is
     * where a synchronous handler responds and api_request_release() detaches it. Protected
     * by start_pending() when the invocation outlives the call. */
    inv->request_obj = JSObjectMake(ctx, ex->request_class, inv);
    /* The handler's name, made once per context and route (JS strings cost two C API calls and
     * two copies). */
    JSValueRef name = c->v_anonymous;
    if (route->handler_name.len && c->handler_names != NULL) {
        if (c->handler_names[route->index] == NULL) {
            c->handler_names[route->index] = js_make_string(ctx, route->handler_name);
            JSValueProtect(ctx, c->handler_names[route->index]);
        }
        name = c->handler_names[route->index];
    } else if (route->handler_name.len) {
        name = js_make_string(ctx, route->handler_name);
    }
    JSValueRef args[6] = {
        handler,
        inv->request_obj,
        js_make_string(ctx, inv->request_id),
        JSValueMakeNumber(ctx, (double)inv->deadline_ms),
        name,
        /* request.query is parsed in JS from this (prelude), when the handler asks for it */
        inv->req->query.len ? js_make_string(ctx, inv->req->query) : c->v_empty,
    };
    api_exec_call(inv, c->k_invoke, 6, args);
}

static void run_job(struct api_executor *ex, struct api_job *job)
{
    struct api_engine *e = ex->e;
    struct api_inv *inv = inv_new(ex, job);
    const struct api_route *route = job->route;
    struct diag d;
    struct api_ctx *c = get_ctx(ex, route->ver, &d);
    if (c == NULL) {
        struct api_log_entry le = {
            .level = LOG_ERROR,
            .ts_ms = clk_realtime_ms(),
            .script = route->ver->uri,
            .request_id = inv->request_id,
            .message = str_from_cstr(d.msg),
        };
        api_log(e, &le);
        if (d.rc == RC_TIMEOUT) {
            api_respond_error(inv, 504, "SCRIPT_TIMEOUT", "Script timed out");
        } else {
            api_respond_error(inv, 500, "SCRIPT_ERROR", "Internal server error");
        }
        inv_run_done(inv);
        return;
    }
    inv_attach(inv, c);
    if (job->kind == API_JOB_HTTP && route->timeout_ms > 0) {
        /* options.timeoutMs: the CPU limit of the handler's synchronous part too */
        js_runtime_set_timeout(ex->rt, route->timeout_ms);
        run_handler(ex, inv, route);
        js_runtime_set_timeout(ex->rt, e->cfg.exec_timeout_ms);
    } else if (job->kind == API_JOB_HTTP) {
        run_handler(ex, inv, route);
    } else {
        api_realtime_run(inv, job);
    }
    inv_run_done(inv);
}

/* settle(token, ok, value): the prelude hands back a settled handler promise. */
static JSValueRef core_settle(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                              const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL || c->ex == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    struct api_executor *ex = c->ex;
    JSValueRef exc = NULL;
    double token = JSValueToNumber(ctx, argv[0], &exc);
    if (exc != NULL || token < 0) {
        return JSValueMakeUndefined(ctx);
    }
    uint64_t t = (uint64_t)token;
    uint32_t idx = (uint32_t)(t & ((1u << TOKEN_SLOT_BITS) - 1));
    uint32_t gen = (uint32_t)(t >> TOKEN_SLOT_BITS);
    if (idx >= ex->slots.count || ex->slots.items[idx].gen != gen ||
        ex->slots.items[idx].inv == NULL) {
        return JSValueMakeUndefined(ctx); /* already answered (deadline) */
    }
    struct api_inv *inv = ex->slots.items[idx].inv;
    struct api_inv *prev = api_inv_enter(inv);
    if (JSValueToBoolean(ctx, argv[1])) {
        api_respond_value(inv, argv[2]);
    } else {
        api_respond_exception(inv, argv[2]);
    }
    api_inv_leave(inv, prev);
    return JSValueMakeUndefined(ctx);
}

static JSValueRef core_utf8_decode(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                   const JSValueRef argv[], JSValueRef *exception)
{
    struct str bytes;
    if (!js_bytes_view(ctx, argv[0], &bytes)) {
        return js_throw_type_error(ctx, exception, "utf8Decode needs bytes");
    }
    return js_make_string(ctx, bytes);
}

static JSValueRef core_utf8_encode(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                   const JSValueRef argv[], JSValueRef *exception)
{
    size_t n = 0;
    JSValueRef exc = NULL;
    char *s = js_value_to_owned(ctx, argv[0], &n, &exc);
    if (s == NULL) {
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    JSObjectRef r = js_make_bytes(ctx, str_make(s, n), &exc);
    mem_free(s);
    if (r == NULL) {
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    return r;
}

static const struct js_fn core_fns[] = {
    { .name = "settle", .fn = core_settle, .min_args = 3 },
    { .name = "respond", .fn = api_respond_fast, .min_args = 3 },
    { .name = "requestQuery", .fn = api_request_query, .min_args = 1 },
    { .name = "requestQuerySet", .fn = api_request_query_set, .min_args = 2 },
    { .name = "utf8Decode", .fn = core_utf8_decode, .min_args = 1 },
    { .name = "utf8Encode", .fn = core_utf8_encode, .min_args = 1 },
    { .name = NULL },
};

static void core_init(JSContextRef ctx, JSObjectRef global, JSObjectRef native)
{
    api_respond_install_fast(ctx, native);
}

const struct api_module api_module_core = {
    .name = "core",
    .init = core_init,
    .fns = core_fns,
};

/* ------------------------------------------------------------------ thread and loop */

static void refuse_job(struct api_job *job);

static void shutdown_exec(struct api_executor *ex)
{
    struct api_inv *next = NULL;
    for (struct api_inv *inv = ex->live; inv != NULL; inv = next) {
        inv->busy++;
        if (!inv->done) {
            api_respond_error(inv, 503, "SERVER_BUSY", "Server is shutting down");
        }
        size_t n = api_timers_cancel(inv);
        api_timers_log_cancel(inv, n, "because the server is shutting down");
        (void)api_sinks_abort(inv);
        inv->busy--;
        next = inv->next_live;
        inv_maybe_free(inv);
    }
    for (size_t i = 0; i < ex->ctxs.count; i++) {
        ex->ctxs.items[i]->dead = true;
    }
    reap(ex);
    for (size_t i = 0; i < ex->held.count; i++) {
        refuse_job(ex->held.items[i]);
    }
    ex->held.count = 0;
    if (ex->resume_on) {
        uv_close((uv_handle_t *)&ex->resume, NULL);
        ex->resume_on = false;
    }
}

static void on_batch_start(struct net_inbox *q, void *arg)
{
    struct api_executor *ex = arg;
    if (!ex->stopping) {
        retire_stale(ex);
    }
}

/* A job that will not run: the executor is stopping. */
static void refuse_job(struct api_job *job)
{
    struct http_exchange *xch = job->xch;
    if (job->kind != API_JOB_HTTP) {
        api_realtime_job_cancel(job); /* its socket reference, a heap job */
    }
    if (xch == NULL) {
        return;
    }
    api_snapshot_unref(job->snap);
    http_exchange_respond_error(xch, 503, "SERVER_BUSY", STR("Server is shutting down"), STR(""),
                                NULL, 0);
}

/* Run the jobs held while an async transaction held the executor, in arrival order, until
 * one holds it again. */
static void on_resume(uv_timer_t *t)
{
    struct api_executor *ex = t->data;
    size_t i = 0;
    for (; i < ex->held.count && !api_tx_holds_jobs(ex); i++) {
        struct api_job *job = ex->held.items[i];
        if (ex->stopping) {
            refuse_job(job);
            continue;
        }
        run_job(ex, job);
        check_stray_timeout(ex);
        reap(ex);
    }
    memmove(ex->held.items, ex->held.items + i, (ex->held.count - i) * sizeof(struct api_job *));
    ex->held.count -= i;
}

void api_exec_resume_held(struct api_executor *ex)
{
    if (ex->held.count == 0 || ex->stopping) {
        return;
    }
    if (!ex->resume_on) {
        uv_timer_init(&ex->loop, &ex->resume);
        ex->resume.data = ex;
        ex->resume_on = true;
    }
    uv_timer_start(&ex->resume, on_resume, 0, 0);
}

static void on_job(struct net_post *p)
{
    struct api_job *job = CONTAINER_OF(p, struct api_job, post);
    struct api_executor *ex = job->ex;
    if (ex->stopping) {
        refuse_job(job);
        return;
    }
    if (api_realtime_defer(job)) {
        return;
    }
    if (api_tx_holds_jobs(ex) || ex->held.count > 0) {
        /* An async transaction holds the executor (spec/50-data.md §4): the job waits for its
         * end, behind the jobs that already wait. */
        VEC_PUSH(&ex->held, job); /* NOLINT(bugprone-sizeof-expression): a vector of pointers */
        return;
    }
    /* Responses of earlier jobs of this batch wait for one wake-up of their I/O loop, but not
     * for long: this job may run for its whole time limit. */
    net_batch_flush_older(API_BATCH_MAX_DELAY_NS);
    struct js_lock lock;
    js_runtime_lock(ex->rt, &lock);
    run_job(ex, job);
    js_runtime_unlock(&lock); /* drains the microtasks the job queued */
    check_stray_timeout(ex);
    reap(ex);
}

static void on_stop(struct net_post *p)
{
    struct api_executor *ex = CONTAINER_OF(p, struct api_executor, stop);
    ex->stopping = true;
    net_inbox_close(&ex->inbox); /* jobs posted before the close get 503 */
    shutdown_exec(ex);
    net_batch_uninstall();
}

static void exec_main(void *arg)
{
    struct api_executor *ex = arg;
    defs_thread_name("js", (long)ex->index);
    ex->rt = js_runtime_new(ex->e->cfg.exec_timeout_ms);
    api_names_init(&ex->names);
    ex->request_class = api_request_class_new();
    net_batch_install(&ex->loop);
    ex->sink_class = api_sink_class_new();
    uv_run(&ex->loop, UV_RUN_DEFAULT);
    JSClassRelease(ex->sink_class);
    JSClassRelease(ex->request_class);
    api_names_fini(&ex->names);
    js_runtime_free(ex->rt);
    ex->rt = NULL;
    db_close(ex->db); /* opened on this thread by api_executor_db */
    ex->db = NULL;
}

int api_exec_start(struct api_engine *e, struct api_executor *ex, size_t index, struct diag *d)
{
    ex->e = e;
    ex->index = index;
    ex->stop.fn = on_stop;
    int rc = uv_loop_init(&ex->loop);
    if (rc != 0) {
        return diag_set(d, RC_IO, "executor %zu: uv_loop_init: %s", index, uv_strerror(rc));
    }
    if (net_inbox_init(&ex->inbox, &ex->loop, on_batch_start, NULL, ex, d) != RC_OK) {
        (void)uv_loop_close(&ex->loop);
        return d->rc;
    }
    rc = uv_thread_create(&ex->thread, exec_main, ex);
    if (rc != 0) {
        net_inbox_abandon(&ex->inbox);
        uv_run(&ex->loop, UV_RUN_DEFAULT);
        (void)uv_loop_close(&ex->loop);
        return diag_set(d, RC_IO, "executor %zu: thread: %s", index, uv_strerror(rc));
    }
    ex->started = true;
    return RC_OK;
}

void api_exec_post(struct api_executor *ex, struct api_job *job)
{
    job->ex = ex;
    job->post.fn = on_job;
    if (!net_inbox_post(&ex->inbox, &job->post)) {
        refuse_job(job);
    }
}

void api_exec_stop(struct api_executor *ex)
{
    if (!ex->started) {
        return;
    }
    if (!net_inbox_post(&ex->inbox, &ex->stop)) {
        ASSERT(!"executor stopped twice");
    }
    uv_thread_join(&ex->thread);
    (void)uv_loop_close(&ex->loop);
    VEC_FREE(&ex->ctxs);
    VEC_FREE(&ex->slots);
    VEC_FREE(&ex->free_slots);
    VEC_FREE(&ex->held);
    arena_free(ex->scratch);
    ex->scratch = NULL;
    VEC_FREE(&ex->tx.ops);
    ex->started = false;
}
