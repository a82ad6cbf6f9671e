/* SPDX-License-Identifier: MIT */
/*
 * Runtimes (one JSC context group per thread, with its execution time limit) and their global
 * contexts. The global object of every context is a plain JSGlobalObject (so JSC caches
 * global variable accesses); its read-only, non-enumerable property __kilnContextInfo holds an
 * object whose private data is a struct ctx_info, so host callbacks find their runtime and
 * user pointer.
 * Thread contract: the thread that created the runtime.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "base/diag.h"
#include "base/mem.h"
#include "base/rc.h"
#include "base/str.h"
#include "js/js.h"
#include "js/js_prelude.h"

struct js_runtime {
    JSContextGroupRef group;
    JSClassRef info_class; /* the holder of a context's struct ctx_info */
    JSClassRef host_fn_class;
    int64_t timeout_ms;
    bool timed_out;
};

/* This thread's js_runtime_lock() holds, and the nesting of js_eval()/js_call() from C. */
static _Thread_local struct {
    int held;
    int depth;
    JSContextGroupRef group;
} tl_hold;

/* Around a call into JS from C: when the lock is held and this is the outermost call, run the
 * microtasks at its end, as JSC does when a call releases its lock. */
static bool call_enter(void)
{
    return tl_hold.depth++ == 0 && tl_hold.held > 0;
}

static void call_leave(bool top)
{
    tl_hold.depth--;
    if (top) {
        js_jsc_vm_drain_microtasks(tl_hold.group);
    }
}

struct ctx_info {
    struct js_runtime *rt;
    void *user;
};

/* Called by JSC's watchdog when JS ran past the limit: always stop it, and remember why. */
static bool on_should_terminate(JSContextRef ctx, void *context)
{
    struct js_runtime *rt = context;
    rt->timed_out = true;
    return true;
}

static void info_finalize(JSObjectRef obj)
{
    mem_free(JSObjectGetPrivate(obj));
}

/* The global property that holds a context's struct ctx_info (made once; JSStringRefs are
 * immutable and safe to share between threads). */
static JSStringRef info_name;
static pthread_once_t info_name_once = PTHREAD_ONCE_INIT;

static void make_info_name(void)
{
    info_name = JSStringCreateWithUTF8CString("__kilnContextInfo");
}

/* The last context looked up on this thread (a property read costs ~1,700 instructions, and
 * host functions ask for their context on every call). A context's address may be reused once
 * it is freed: every js_context_free and js_context_new bumps ctx_generation, which empties the
 * caches of all threads (so no entry made before a context existed can name it). */
static atomic_uint_fast64_t ctx_generation;

static _Thread_local struct {
    JSContextRef ctx;
    struct ctx_info *info;
    uint_fast64_t generation;
} last_ctx;

static struct ctx_info *info_lookup(JSContextRef ctx)
{
    JSObjectRef g = JSContextGetGlobalObject(ctx);
    JSValueRef v = JSObjectGetProperty(ctx, g, info_name, NULL);
    if (!JSValueIsObject(ctx, v)) {
        return NULL;
    }
    return JSObjectGetPrivate((JSObjectRef)v);
}

static struct ctx_info *info_of(JSContextRef ctx)
{
    uint_fast64_t gen = atomic_load_explicit(&ctx_generation, memory_order_acquire);
    if (last_ctx.ctx == ctx && last_ctx.generation == gen) {
        return last_ctx.info;
    }
    struct ctx_info *info = info_lookup(ctx);
    last_ctx.ctx = ctx;
    last_ctx.info = info;
    last_ctx.generation = gen;
    return info;
}

static JSValueRef host_call(JSContextRef ctx, JSObjectRef function, JSObjectRef this_obj,
                            size_t argc, const JSValueRef argv[], JSValueRef *exception)
{
    const struct js_fn *spec = JSObjectGetPrivate(function);
    if (spec == NULL) {
        return js_throw_type_error(ctx, exception, "not a host function");
    }
    if (argc < spec->min_args) {
        struct diag d;
        (void)diag_set(&d, RC_INVAL, "%s needs at least %zu argument(s), got %zu", spec->name,
                       spec->min_args, argc);
        return js_throw_type_error(ctx, exception, d.msg);
    }
    return spec->fn(ctx, this_obj, argc, argv, exception);
}

struct js_runtime *js_runtime_new(int64_t exec_timeout_ms)
{
    struct js_runtime *rt = mem_calloc(1, sizeof(*rt));
    rt->group = JSContextGroupCreate();
    JSClassDefinition idef = kJSClassDefinitionEmpty;
    idef.className = "KilnContextInfo";
    idef.finalize = info_finalize;
    rt->info_class = JSClassCreate(&idef);
    pthread_once(&info_name_once, make_info_name);
    JSClassDefinition fdef = kJSClassDefinitionEmpty;
    fdef.className = "Function";
    fdef.callAsFunction = host_call;
    rt->host_fn_class = JSClassCreate(&fdef);
    js_runtime_set_timeout(rt, exec_timeout_ms);
    return rt;
}

void js_runtime_free(struct js_runtime *rt)
{
    if (rt == NULL) {
        return;
    }
    JSClassRelease(rt->host_fn_class);
    JSClassRelease(rt->info_class);
    JSContextGroupRelease(rt->group);
    mem_free(rt);
}

void js_runtime_set_timeout(struct js_runtime *rt, int64_t exec_timeout_ms)
{
    rt->timeout_ms = exec_timeout_ms;
    if (exec_timeout_ms > 0) {
        JSContextGroupSetExecutionTimeLimit(rt->group, (double)exec_timeout_ms / 1000.0,
                                            on_should_terminate, rt);
    } else {
        JSContextGroupClearExecutionTimeLimit(rt->group);
    }
}

bool js_runtime_take_timeout(struct js_runtime *rt)
{
    bool t = rt->timed_out;
    rt->timed_out = false;
    return t;
}

void js_runtime_recover(JSContextRef ctx)
{
    JSStringRef src = JSStringCreateWithUTF8CString("0");
    JSValueRef exc = NULL;
    (void)JSEvaluateScript(ctx, src, NULL, NULL, 1, &exc);
    JSStringRelease(src);
    /* exc is the stale termination (or NULL): either way there is nothing more to do. */
    struct js_runtime *rt = js_context_runtime(ctx);
    if (rt) {
        rt->timed_out = false;
    }
}

size_t js_runtime_heap_bytes(JSContextRef ctx)
{
    JSObjectRef stats = JSGetMemoryUsageStatistics(ctx);
    if (stats == NULL) {
        return 0;
    }
    /* heapSize stays 0 between collections on this JSC; heapCapacity is what the heap holds. */
    double total = 0;
    static const char *const keys[] = { "heapCapacity", "extraMemorySize" };
    for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
        JSStringRef name = JSStringCreateWithUTF8CString(keys[i]);
        JSValueRef exc = NULL;
        JSValueRef v = JSObjectGetProperty(ctx, stats, name, &exc);
        JSStringRelease(name);
        if (exc != NULL || v == NULL) {
            continue;
        }
        double n = JSValueToNumber(ctx, v, &exc);
        if (exc == NULL && n == n && n > 0) {
            total += n;
        }
    }
    return (size_t)total;
}

void js_runtime_collect(JSContextRef ctx)
{
    JSSynchronousGarbageCollectForDebugging(ctx);
}

JSGlobalContextRef js_context_new(struct js_runtime *rt, void *user)
{
    /* A plain global object: a global with a class is a JSCallbackObject, whose custom
     * property lookup turns off JSC's caching of every global variable access. */
    JSGlobalContextRef ctx = JSGlobalContextCreateInGroup(rt->group, NULL);
    struct ctx_info *info = mem_calloc(1, sizeof(*info));
    info->rt = rt;
    info->user = user;
    JSObjectRef holder = JSObjectMake(ctx, rt->info_class, info);
    JSValueRef exc = NULL;
    JSObjectSetProperty(ctx, JSContextGetGlobalObject(ctx), info_name, holder,
                        kJSPropertyAttributeReadOnly | kJSPropertyAttributeDontEnum |
                            kJSPropertyAttributeDontDelete,
                        &exc);
    ASSERT(exc == NULL);
    atomic_fetch_add_explicit(&ctx_generation, 1, memory_order_release);
    return ctx;
}

void js_context_free(JSGlobalContextRef ctx)
{
    if (ctx == NULL) {
        return;
    }
    /* The user pointer may be freed before the collector finalizes the global object. */
    struct ctx_info *info = info_lookup(ctx);
    if (info != NULL) {
        info->user = NULL;
    }
    atomic_fetch_add_explicit(&ctx_generation, 1, memory_order_release);
    JSGlobalContextRelease(ctx);
}

void *js_context_user(JSContextRef ctx)
{
    struct ctx_info *info = info_of(ctx);
    return info ? info->user : NULL;
}

struct js_runtime *js_context_runtime(JSContextRef ctx)
{
    struct ctx_info *info = info_of(ctx);
    return info ? info->rt : NULL;
}

int js_context_load_prelude(JSContextRef ctx, struct diag *d)
{
    for (size_t i = 0; i < js_prelude_file_count; i++) {
        const struct js_prelude_file *f = &js_prelude_files[i];
        struct diag tmp;
        (void)diag_set(&tmp, RC_OK, "kiln:prelude/%s", f->name);
        struct str u = str_from_cstr(tmp.msg);
        int rc = js_eval(ctx, str_make(f->text, f->len), u, NULL, NULL, d);
        if (rc != RC_OK) {
            return rc;
        }
    }
    return RC_OK;
}

int js_eval(JSContextRef ctx, struct str source, struct str url, JSValueRef *out_value,
            JSValueRef *out_exception, struct diag *d)
{
    if (out_value) {
        *out_value = NULL;
    }
    if (out_exception) {
        *out_exception = NULL;
    }
    JSStringRef src = js_string_new(source);
    JSStringRef name = js_string_new(url);
    JSValueRef exc = NULL;
    bool top = call_enter();
    JSValueRef v = JSEvaluateScript(ctx, src, NULL, name, 1, &exc);
    call_leave(top);
    JSStringRelease(src);
    JSStringRelease(name);
    struct js_runtime *rt = js_context_runtime(ctx);
    if (exc != NULL) {
        if (out_exception) {
            *out_exception = exc;
        }
        if (rt && js_runtime_take_timeout(rt)) {
            return diag_set(d, RC_TIMEOUT, "%.*s: execution time limit of %lld ms exceeded",
                            STR_FMT(url), (long long)rt->timeout_ms);
        }
        return js_exception_diag(ctx, exc, d);
    }
    if (out_value) {
        *out_value = v;
    }
    return RC_OK;
}

int js_call(JSContextRef ctx, JSObjectRef fn, JSObjectRef this_obj, size_t argc,
            const JSValueRef argv[], JSValueRef *out_value, JSValueRef *out_exception,
            struct diag *d)
{
    if (out_value) {
        *out_value = NULL;
    }
    if (out_exception) {
        *out_exception = NULL;
    }
    JSValueRef exc = NULL;
    bool top = call_enter();
    JSValueRef v = JSObjectCallAsFunction(ctx, fn, this_obj, argc, argv, &exc);
    call_leave(top);
    if (exc != NULL) {
        if (out_exception) {
            *out_exception = exc;
        }
        struct js_runtime *rt = js_context_runtime(ctx);
        if (rt && js_runtime_take_timeout(rt)) {
            return diag_set(d, RC_TIMEOUT, "execution time limit of %lld ms exceeded",
                            (long long)rt->timeout_ms);
        }
        return js_exception_diag(ctx, exc, d);
    }
    if (out_value) {
        *out_value = v;
    }
    return RC_OK;
}

void js_install_fns(JSContextRef ctx, JSObjectRef target, const struct js_fn *fns)
{
    struct js_runtime *rt = js_context_runtime(ctx);
    ASSERT(rt != NULL);
    for (const struct js_fn *f = fns; f->name != NULL; f++) {
        /* The spec table is static const data: the private pointer never dangles. */
        JSObjectRef fn = JSObjectMake(ctx, rt->host_fn_class, (void *)f);
        JSStringRef name = JSStringCreateWithUTF8CString(f->name);
        JSValueRef exc = NULL;
        JSObjectSetProperty(ctx, target, name, fn, kJSPropertyAttributeDontEnum, &exc);
        JSStringRelease(name);
        ASSERT(exc == NULL);
    }
}

JSValueRef js_throw_type_error(JSContextRef ctx, JSValueRef *exception, const char *message)
{
    JSStringRef s = JSStringCreateWithUTF8CString(message);
    JSValueRef arg = JSValueMakeString(ctx, s);
    JSStringRelease(s);
    JSValueRef exc = NULL;
    JSObjectRef err = JSObjectMakeError(ctx, 1, &arg, &exc);
    if (exc != NULL) {
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    /* Make it a TypeError by giving it TypeError's prototype. */
    JSStringRef tname = JSStringCreateWithUTF8CString("TypeError");
    JSValueRef ctor = JSObjectGetProperty(ctx, JSContextGetGlobalObject(ctx), tname, &exc);
    JSStringRelease(tname);
    if (exc == NULL && JSValueIsObject(ctx, ctor)) {
        JSStringRef pname = JSStringCreateWithUTF8CString("prototype");
        JSValueRef proto = JSObjectGetProperty(ctx, (JSObjectRef)ctor, pname, &exc);
        JSStringRelease(pname);
        if (exc == NULL) {
            JSObjectSetPrototype(ctx, err, proto);
        }
    }
    *exception = err;
    return JSValueMakeUndefined(ctx);
}

void js_runtime_lock(struct js_runtime *rt, struct js_lock *l)
{
    js_jsc_lock_holder_ctor(l->holder, rt->group);
    if (tl_hold.held++ == 0) {
        tl_hold.group = rt->group;
    }
}

void js_runtime_unlock(struct js_lock *l)
{
    ASSERT(tl_hold.held > 0);
    tl_hold.held--;
    js_jsc_lock_holder_dtor(l->holder);
}
