/* SPDX-License-Identifier: MIT */
/*
 * setTimeout, setInterval, clearTimeout, clearInterval (spec/20-realtime.md §5) as uv timers on
 * the executor's own loop. A timer belongs to the invocation whose JS created it (c->current)
 * and keeps it alive after its response until it has run or been cleared, or until the
 * invocation's deadline, which cancels it (api_exec.c); a weak timer (the prelude's
 * AbortSignal.timeout) does not keep it alive and is cancelled when it ends. The callback runs in
 * the invocation's context with the invocation current, so console lines and timers it creates
 * carry its id. Ids are per context: slot index + generation, so a stale id never reaches a reused
 * slot. Timers of a register or bind run run on that run's private loop (api_inv_init_wait). Thread
 * contract: the thread that owns the context (an executor, or the deploying thread).
 */
#include <string.h>

#include <math.h>

#include "api/api_internal.h"
#include "base/buf.h"
#include "base/clk.h"
#include "base/mem.h"
#include "base/rc.h"

#define TIMER_SLOT_BITS 24
#define TIMER_GEN_MASK  0x0FFFFFFFu

struct api_timer {
    uv_timer_t h;
    struct api_inv *inv;
    struct api_timer *prev;
    struct api_timer *next;
    JSObjectRef fn;   /* protected */
    JSValueRef *args; /* each protected */
    size_t argc;
    uint32_t slot;
    bool repeat;
    bool weak;    /* does not keep its invocation alive */
    bool firing;  /* its callback runs now */
    bool cleared; /* cleared while firing: freed once the callback returns */
};

static void on_closed(uv_handle_t *h)
{
    mem_free(CONTAINER_OF(h, struct api_timer, h));
}

/* Unlink t from its invocation and its id, release its values, close its handle. */
static void timer_free(struct api_timer *t)
{
    struct api_inv *inv = t->inv;
    struct api_ctx *c = inv->c;
    if (t->prev) {
        t->prev->next = t->next;
    } else {
        inv->timers = t->next;
    }
    if (t->next) {
        t->next->prev = t->prev;
    }
    inv->timer_count--;
    if (t->weak) {
        inv->weak_timer_count--;
    }
    struct api_timer_slot *s = &c->timer_slots.items[t->slot];
    s->t = NULL;
    s->gen = (s->gen + 1) & TIMER_GEN_MASK;
    VEC_PUSH(&c->timer_free, t->slot);
    JSValueUnprotect(c->js, t->fn);
    for (size_t i = 0; i < t->argc; i++) {
        JSValueUnprotect(c->js, t->args[i]);
    }
    mem_free(t->args);
    uv_timer_stop(&t->h);
    uv_close((uv_handle_t *)&t->h, on_closed);
}

size_t api_timers_cancel(struct api_inv *inv)
{
    size_t n = 0;
    while (inv->timers != NULL) {
        timer_free(inv->timers);
        n++;
    }
    return n;
}

void api_timers_log_cancel(struct api_inv *inv, size_t n, const char *why)
{
    if (n == 0 || inv->c == NULL) {
        return;
    }
    char msg[256];
    int len = snprintf(msg, sizeof(msg), "%zu timer%s cancelled %s", n, n == 1 ? "" : "s", why);
    struct api_log_entry le = {
        .level = LOG_WARN,
        .ts_ms = clk_realtime_ms(),
        .script = inv->c->ver->uri,
        .request_id = inv->request_id,
        .message = str_make(msg, len > 0 ? (size_t)len : 0),
    };
    api_log(inv->c->e, &le);
}

void api_timers_fini(struct api_ctx *c)
{
    VEC_FREE(&c->timer_slots);
    VEC_FREE(&c->timer_free);
}

static void on_fire(uv_timer_t *h)
{
    struct api_timer *t = h->data;
    struct api_inv *inv = t->inv;
    struct api_ctx *c = inv->c;
    struct api_executor *ex = c->ex;
    t->firing = true;
    struct api_inv *prev = api_inv_enter(inv);
    JSValueRef exc = NULL;
    struct diag d;
    int rc = js_call(c->js, t->fn, NULL, t->argc, t->args, NULL, &exc, &d);
    if (rc == RC_JS && exc != NULL) {
        api_log_exception(c, inv->request_id, "timer callback failed", exc);
    }
    t->firing = false;
    if (!t->repeat || t->cleared) {
        timer_free(t);
    }
    if (inv->init_run) {
        bool stopped = rc == RC_TIMEOUT || js_runtime_take_timeout(js_context_runtime(c->js));
        api_inv_leave(inv, prev);
        if (stopped) {
            js_runtime_recover(c->js);
            inv->init_rc = RC_TIMEOUT;
            (void)api_timers_cancel(inv);
        }
        return;
    }
    api_inv_leave(inv, prev);
    api_exec_after_call(ex, c, rc);
}

/* A TypeError with code INVALID_ARGUMENT (spec 20-realtime §5 names the code, WHATWG the class). */
static JSValueRef throw_invalid(JSContextRef ctx, struct api_ctx *c, JSValueRef *exception,
                                const char *message)
{
    JSValueRef r = js_throw_type_error(ctx, exception, message);
    if (*exception != NULL && JSValueIsObject(ctx, *exception)) {
        JSValueRef exc = NULL;
        (void)js_set(ctx, (JSObjectRef)*exception, c->names->s[API_N_code],
                     js_make_string(ctx, STR("INVALID_ARGUMENT")), &exc);
    }
    return r;
}

/* The delay argument: ToNumber, NaN and negatives are 0, clamped to API_TIMER_MAX_DELAY_MS.
 * False when ToNumber threw (*exception set). */
static bool read_delay(JSContextRef ctx, size_t argc, const JSValueRef argv[], bool repeat,
                       uint64_t *out_ms, JSValueRef *exception)
{
    double ms = 0;
    if (argc > 1) {
        JSValueRef exc = NULL;
        ms = JSValueToNumber(ctx, argv[1], &exc);
        if (exc != NULL) {
            *exception = exc;
            return false;
        }
    }
    if (isnan(ms) || ms < 0) {
        ms = 0;
    }
    if (ms > (double)API_TIMER_MAX_DELAY_MS) {
        ms = (double)API_TIMER_MAX_DELAY_MS;
    }
    if (repeat && ms < API_INTERVAL_MIN_MS) {
        ms = API_INTERVAL_MIN_MS;
    }
    *out_ms = (uint64_t)ms;
    return true;
}

static uint32_t take_slot(struct api_ctx *c)
{
    if (c->timer_free.count) {
        return c->timer_free.items[--c->timer_free.count];
    }
    struct api_timer_slot s = { .t = NULL, .gen = 0 };
    VEC_PUSH(&c->timer_slots, s);
    return (uint32_t)(c->timer_slots.count - 1);
}

static JSValueRef timer_set(JSContextRef ctx, size_t argc, const JSValueRef argv[],
                            JSValueRef *exception, bool repeat, bool weak)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL) {
        return js_throw_type_error(ctx, exception, "timers need a Kiln context");
    }
    if (argc < 1 || !JSValueIsObject(ctx, argv[0]) ||
        !JSObjectIsFunction(ctx, (JSObjectRef)argv[0])) {
        return throw_invalid(ctx, c, exception,
                             repeat ? "setInterval: callback must be a function"
                                    : "setTimeout: callback must be a function");
    }
    struct api_inv *inv = c->current;
    if (inv == NULL) {
        return api_throw(ctx, exception, "NOT_SUPPORTED",
                         STR("timers can be set only while an invocation runs"), STR(""));
    }
    uint64_t delay_ms = 0;
    if (!read_delay(ctx, argc, argv, repeat, &delay_ms, exception)) {
        return JSValueMakeUndefined(ctx);
    }
    if (inv->timer_count >= API_MAX_TIMERS_PER_INV ||
        (c->timer_free.count == 0 && c->timer_slots.count >= (1u << TIMER_SLOT_BITS))) {
        char details[64];
        int n = snprintf(details, sizeof(details), "{\"limit\":%d}", API_MAX_TIMERS_PER_INV);
        return api_throw(ctx, exception, "LIMIT_EXCEEDED",
                         STR("too many pending timers in this invocation"),
                         str_make(details, n > 0 ? (size_t)n : 0));
    }
    struct api_timer *t = mem_calloc(1, sizeof(*t));
    t->inv = inv;
    t->repeat = repeat;
    t->weak = weak;
    t->fn = (JSObjectRef)argv[0];
    JSValueProtect(ctx, t->fn);
    if (argc > 2) {
        t->argc = argc - 2;
        t->args = mem_alloc(t->argc * sizeof(JSValueRef));
        for (size_t i = 0; i < t->argc; i++) {
            t->args[i] = argv[i + 2];
            JSValueProtect(ctx, t->args[i]);
        }
    }
    t->slot = take_slot(c);
    struct api_timer_slot *s = &c->timer_slots.items[t->slot];
    s->t = t;
    t->next = inv->timers;
    if (inv->timers) {
        inv->timers->prev = t;
    }
    inv->timers = t;
    inv->timer_count++;
    inv->weak_timer_count += weak ? 1 : 0;
    uv_timer_init(api_inv_loop(inv), &t->h);
    t->h.data = t;
    uv_timer_start(&t->h, on_fire, delay_ms, repeat ? delay_ms : 0);
    api_inv_watch_deadline(inv);
    double id = (double)s->gen * (double)(1u << TIMER_SLOT_BITS) + (double)t->slot + 1;
    return JSValueMakeNumber(ctx, id);
}

static JSValueRef timers_set_timeout(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                     const JSValueRef argv[], JSValueRef *exception)
{
    return timer_set(ctx, argc, argv, exception, false, false);
}

static JSValueRef timers_set_interval(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                      const JSValueRef argv[], JSValueRef *exception)
{
    return timer_set(ctx, argc, argv, exception, true, false);
}

/* setWeakTimeout(fn, ms) for the prelude (AbortSignal.timeout): a setTimeout that does not keep
 * its invocation alive. */
static JSValueRef timers_set_weak_timeout(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                          const JSValueRef argv[], JSValueRef *exception)
{
    return timer_set(ctx, argc, argv, exception, false, true);
}

/* clearTimeout/clearInterval: an unknown, stale or non-numeric id is a no-op (WHATWG). */
static JSValueRef timers_clear(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                               const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c == NULL || argc < 1 || !JSValueIsNumber(ctx, argv[0])) {
        return JSValueMakeUndefined(ctx);
    }
    JSValueRef exc = NULL;
    double id = JSValueToNumber(ctx, argv[0], &exc);
    if (exc != NULL || !(id >= 1) || id > 9007199254740991.0 || id != floor(id)) {
        return JSValueMakeUndefined(ctx);
    }
    uint64_t v = (uint64_t)id - 1;
    uint32_t idx = (uint32_t)(v & ((1u << TIMER_SLOT_BITS) - 1));
    uint32_t gen = (uint32_t)(v >> TIMER_SLOT_BITS);
    if (idx >= c->timer_slots.count || c->timer_slots.items[idx].gen != gen ||
        c->timer_slots.items[idx].t == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    struct api_timer *t = c->timer_slots.items[idx].t;
    if (t->firing) {
        t->cleared = true;
        uv_timer_stop(&t->h);
        return JSValueMakeUndefined(ctx);
    }
    /* Another invocation's last timer may end that invocation: keep it across the free. */
    struct api_inv *inv = t->inv;
    struct api_inv *prev = api_inv_enter(inv);
    timer_free(t);
    api_inv_leave(inv, prev);
    return JSValueMakeUndefined(ctx);
}

/* reportError(e): an exception that escaped a queueMicrotask callback (prelude). */
static JSValueRef timers_report_error(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                      const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c != NULL) {
        api_log_exception(c, c->current ? c->current->request_id : STR_NULL,
                          "microtask callback failed", argv[0]);
    }
    return JSValueMakeUndefined(ctx);
}

static const struct js_fn timers_globals[] = {
    { .name = "setTimeout", .fn = timers_set_timeout, .min_args = 0 },
    { .name = "setInterval", .fn = timers_set_interval, .min_args = 0 },
    { .name = "clearTimeout", .fn = timers_clear, .min_args = 0 },
    { .name = "clearInterval", .fn = timers_clear, .min_args = 0 },
    { .name = NULL },
};

static const struct js_fn timers_native[] = {
    { .name = "reportError", .fn = timers_report_error, .min_args = 1 },
    { .name = "setWeakTimeout", .fn = timers_set_weak_timeout, .min_args = 2 },
    { .name = NULL },
};

static void timers_init(JSContextRef ctx, JSObjectRef global, JSObjectRef native)
{
    js_install_fns(ctx, global, timers_globals);
}

const struct api_module api_module_timers = {
    .name = "timers",
    .init = timers_init,
    .fns = timers_native,
};
