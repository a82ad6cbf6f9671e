/* SPDX-License-Identifier: MIT */
/*
 * The JavaScriptCore embedding: one js_runtime per thread owns a JSC context group with an
 * execution time limit, creates global contexts (each with the embedded prelude evaluated),
 * evaluates source and calls functions with every exception translated into RC_JS + a diag
 * ("file:line: Name: message"), and converts values (strings, JSON built by Kiln's parser).
 * Knows nothing about HTTP or services: api/ builds on it.
 * Thread contract: a runtime and every context it created are used by the one thread that
 * created the runtime (STYLE.md B.7/B.8).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <JavaScriptCore/JavaScript.h>

#include "base/buf.h"
#include "base/defs.h"
#include "base/str.h"

struct arena;
struct diag;
struct json_error;

/* ------------------------------------------------------------------ JSC private API
 * Exported by libjavascriptcoregtk but not declared in its public headers. */
typedef bool (*JSShouldTerminateCallback)(JSContextRef ctx, void *context);
void JSContextGroupSetExecutionTimeLimit(JSContextGroupRef group, double limit,
                                         JSShouldTerminateCallback callback, void *context);
void JSContextGroupClearExecutionTimeLimit(JSContextGroupRef group);
/* Run a full collection now (JSGarbageCollect only schedules one on this JSC). */
void JSSynchronousGarbageCollectForDebugging(JSContextRef ctx);
/* Returns an object {heapSize, heapCapacity, extraMemorySize, objectCount, ...}. */
JSObjectRef JSGetMemoryUsageStatistics(JSContextRef ctx);

/* JSC::JSLockHolder, exported by libjavascriptcoregtk with C++ linkage. A JSContextGroupRef is a
 * JSC::VM* (JSC's APICast.h); the holder object is one pointer (the VM, reference counted). */
void js_jsc_lock_holder_ctor(void *self,
                             JSContextGroupRef vm) __asm__("_ZN3JSC12JSLockHolderC1EPNS_2VME");
void js_jsc_lock_holder_dtor(void *self) __asm__("_ZN3JSC12JSLockHolderD1Ev");
/* JSC::VM::drainMicrotasks(): run the microtask queue (the lock must be held). */
void js_jsc_vm_drain_microtasks(JSContextGroupRef vm) __asm__("_ZN3JSC2VM15drainMicrotasksEv");

/* ------------------------------------------------------------------ runtime */

struct js_runtime;

/* Create a runtime (a context group) whose JS runs at most exec_timeout_ms per entry from C
 * (0: no limit). Returns an owned runtime; free with js_runtime_free() on the same thread. */
struct js_runtime *js_runtime_new(int64_t exec_timeout_ms);

/* Release the group. Every context created by the runtime must be released first. NULL ok. */
void js_runtime_free(struct js_runtime *rt);

/* Change the execution time limit (applies to the next entry into JS). */
void js_runtime_set_timeout(struct js_runtime *rt, int64_t exec_timeout_ms);

/* True when the time limit stopped JS since the last call; clears the flag. */
bool js_runtime_take_timeout(struct js_runtime *rt);

/* After a termination that JSC raised while it drained microtasks (no exception reached C),
 * enter the VM once through ctx so the pending termination is consumed before any other
 * entry (creating a context with it pending aborts). Clears the timeout flag. */
void js_runtime_recover(JSContextRef ctx);

/* The heap size in bytes of the runtime's group as JSC reports it (heapCapacity + extraMemorySize).
 * It walks the heap: costly, call it sparingly, measured through ctx (any context of the runtime).
 */
size_t js_runtime_heap_bytes(JSContextRef ctx);

/*
 * Hold the runtime's JSC lock from js_runtime_lock() to js_runtime_unlock() (they nest; same
 * thread). Every JSC C API call takes this lock; inside a held section that is a counter
 * increment instead of a full acquire and release (which ran about 14 % of a hello-world
 * request). JSC drains the microtask queue when its lock is released; inside a held section
 * js_eval() and js_call() made from C (not from a host function called by JS) drain it
 * themselves when they return, so microtasks run exactly where they ran without the hold.
 * Hold it around one unit of work (one job), never across waiting for I/O.
 */
struct js_lock {
    void *holder[2]; /* a JSC::JSLockHolder (one pointer) with room to spare */
};

void js_runtime_lock(struct js_runtime *rt, struct js_lock *l);
void js_runtime_unlock(struct js_lock *l);

/* Run a full garbage collection synchronously (tests, memory pressure). */
void js_runtime_collect(JSContextRef ctx);

/* ------------------------------------------------------------------ contexts */

/* Create a global context in rt whose global object carries user (js_context_user()), with
 * the prelude NOT yet evaluated. Release with js_context_free(). */
JSGlobalContextRef js_context_new(struct js_runtime *rt, void *user);

/* Release ctx. NULL is a no-op. */
void js_context_free(JSGlobalContextRef ctx);

/* The user pointer given to js_context_new(), from any context of it (host callbacks). */
void *js_context_user(JSContextRef ctx);

/* The runtime that created ctx. */
struct js_runtime *js_context_runtime(JSContextRef ctx);

/* Evaluate every embedded prelude file (src/js/prelude/NAME.js) in name order. RC_OK or RC_JS. */
WARN_UNUSED int js_context_load_prelude(JSContextRef ctx, struct diag *d);

/* ------------------------------------------------------------------ evaluation */

/*
 * Evaluate source as a classic script named url (used in stacks and diag messages).
 * RC_OK with *out_value (may be NULL) set; RC_JS with d = "url:line: Name: message" and
 * *out_exception (may be NULL) = the thrown value; RC_TIMEOUT when the time limit stopped it.
 */
WARN_UNUSED int js_eval(JSContextRef ctx, struct str source, struct str url, JSValueRef *out_value,
                        JSValueRef *out_exception, struct diag *d);

/* Call fn(this_obj, args). Same results as js_eval(). */
WARN_UNUSED int js_call(JSContextRef ctx, JSObjectRef fn, JSObjectRef this_obj, size_t argc,
                        const JSValueRef argv[], JSValueRef *out_value, JSValueRef *out_exception,
                        struct diag *d);

/* Translate a thrown value into d ("url:line: Name: message", or the value as a string) and
 * return RC_JS. The one place where JS exceptions become C errors (STYLE.md B.5 rule 6). */
int js_exception_diag(JSContextRef ctx, JSValueRef exception, struct diag *d);

/* Write "Name: message\n<stack>" of a thrown value into b (best effort; for logs). */
void js_exception_describe(JSContextRef ctx, JSValueRef exception, struct buf *b);

/* ------------------------------------------------------------------ values */

/* Return a JSStringRef of s (copied). Release with JSStringRelease(). */
JSStringRef js_string_new(struct str s);

/* Convert v to a string (ToString) and append its UTF-8 to b. Lone surrogates become U+FFFD
 * (the Web APIs' USVString conversion), here and in every JS string -> UTF-8 conversion below.
 * RC_OK, RC_LIMIT (b full) or RC_JS (ToString threw: *out_exception set). */
WARN_UNUSED int js_value_append(JSContextRef ctx, JSValueRef v, struct buf *b,
                                JSValueRef *out_exception);

/* Write the UTF-8 of s into dst, NUL-terminated, each lone surrogate as U+FFFD (the USVString
 * conversion); cap must be at least JSStringGetMaximumUTF8CStringSize(s). Returns the length
 * without the NUL. */
size_t js_string_utf8(JSStringRef s, char *dst, size_t cap);

/* The number of UTF-16 code units the well-formed UTF-8 p[0..n) decodes to (the length of the
 * JS string made of it). */
size_t js_utf16_length(const char *p, size_t n);

/* Convert a JSStringRef to UTF-8 in arena a (NUL-terminated). */
struct str js_string_to_arena(JSStringRef s, struct arena *a);

/* Convert v (ToString) to an owned NUL-terminated UTF-8 string (mem_free) of *out_len bytes,
 * or NULL when ToString threw (*out_exception set). */
char *js_value_to_owned(JSContextRef ctx, JSValueRef v, size_t *out_len, JSValueRef *out_exception);

/* Make a JS string from UTF-8 (invalid sequences become U+FFFD). */
JSValueRef js_make_string(JSContextRef ctx, struct str s);

/* Make a JS string of UTF-8 bytes the TextDecoder way (textcodec_utf8_to_utf16's rules: a
 * leading BOM dropped unless ignore_bom, ill-formed sequences U+FFFD); NULL when fatal and the
 * bytes are ill-formed. Text of code points up to U+00FF becomes an 8-bit string
 * (js_strings_direct()), anything else UTF-16. */
JSValueRef js_make_string_decoded(JSContextRef ctx, struct str utf8, bool fatal, bool ignore_bom);

/* ------------------------------------------------------------------ strings direct (js_wtf.c)
 * JSC keeps a string of characters up to U+00FF in one byte per character (Latin-1, "8-bit").
 * The public C API reads a string only by wrapping it (JSValueToStringCopy: the JSC lock and
 * an allocation) and widening an 8-bit one to UTF-16, makes one only from UTF-16 or through a
 * byte-by-byte UTF-8 converter, and copies it again into the value (JSValueMakeString). These
 * read strings in place and make them with one copy, through the string layout and functions
 * libjavascriptcoregtk exports, after a check of both against the public API on first use;
 * without it (the check failed, another JSC version, or KILN_JSC_STRINGS=api in the
 * environment) they use the public API: the same results, slower. */

/* True when the direct path is on (the first call runs the check). */
bool js_strings_direct(void);

/* Tests: switch the direct path off (false: the public API everywhere) or back on (true: only
 * when the check passed). Returns the new state. Call while no other thread uses JSC. */
bool js_strings_set_direct(bool on);

/* The characters of s when it is an 8-bit string (Latin-1 bytes, borrowed: valid while s is)
 * and the direct path is on: true with *out (the empty string counts); false otherwise. */
bool js_string_latin1(JSStringRef s, struct str *out);

/* The same for a value v of ctx: true with *out (borrowed: valid while v is reachable and
 * unchanged, so until JS runs again) when v is a resolved 8-bit string; false for anything
 * else (not a string, a 16-bit one, a rope: concatenations JSC has not flattened yet, no
 * direct path): then read it with JSValueToStringCopy, which resolves ropes. */
bool js_value_latin1(JSContextRef ctx, JSValueRef v, struct str *out);

/* A JSStringRef of the Latin-1 characters p[0..n) (copied; n < 2^31): an 8-bit string with
 * one copy on the direct path. Release with JSStringRelease(). */
JSStringRef js_string_new_latin1(const unsigned char *p, size_t n);

/* A JS string of the Latin-1 characters p[0..n): one copy on the direct path (the value
 * shares it). */
JSValueRef js_make_string_latin1(JSContextRef ctx, const unsigned char *p, size_t n);

/* A JS string of n UTF-16 code units (copied once on the direct path, twice through the public
 * API). Decode with textcodec_utf8_to_utf16 first when the text is UTF-8 and must be checked
 * the TextDecoder way (js_make_string_decoded does both). */
JSValueRef js_make_string_utf16(JSContextRef ctx, const uint16_t *units, size_t n);

/* Fast host functions: JSC calls them as its own natives, with its lock held, without the C
 * API's callback wrapper (which drops and retakes the lock: about 850 instructions a call).
 * The body gets the arguments JS passed (argc may be fewer than it needs: check it) and
 * returns a value; it must not throw (it has no exception out-parameter: return a value that
 * sends the prelude to an ordinary host function instead). C API calls inside are fine. The
 * frame layout and JSFunction::create are checked once by calling a probe (js_wtf.c). */
typedef JSValueRef js_fast_fn(JSContextRef ctx, size_t argc, const JSValueRef argv[]);
typedef int64_t js_native_fn(void *global, void *frame);

/* The native entry JSC calls (define one per body with JS_FAST_FN). */
int64_t js_fast_call(void *global, void *frame, js_fast_fn *fn);
#define JS_FAST_FN(native, body)                     \
    static int64_t native(void *global, void *frame) \
    {                                                \
        return js_fast_call(global, frame, body);    \
    }

struct js_fast {
    const char *name;
    js_native_fn *native;
    unsigned length; /* the function's .length */
};

/* Install each fast function of fns (until a NULL name) on target. False when there is no
 * direct path (nothing installed: the prelude then uses the ordinary host functions). */
bool js_install_fast_fns(JSContextRef ctx, JSObjectRef target, const struct js_fast *fns);

/* Read a property by a cached name; never throws (a throwing getter gives undefined and sets
 * *out_exception when out_exception is not NULL). */
JSValueRef js_get(JSContextRef ctx, JSObjectRef obj, JSStringRef name, JSValueRef *out_exception);

/* Set a property (default attributes). Returns false when it threw (*out_exception set). */
bool js_set(JSContextRef ctx, JSObjectRef obj, JSStringRef name, JSValueRef value,
            JSValueRef *out_exception);

/*
 * Build a JS value from JSON text with Kiln's parser (base/json.h), so errors carry a line and
 * column. RC_OK with *out_value; RC_INVAL / RC_LIMIT with *out_err filled.
 */
WARN_UNUSED int js_json_parse(JSContextRef ctx, struct arena *scratch, struct str text,
                              size_t max_depth, JSValueRef *out_value, struct json_error *out_err);

/* Serialize v with JSON.stringify semantics and append to b. RC_OK; RC_INVAL when v is not
 * serialisable (undefined, a function: nothing appended); RC_JS when it threw (cycle,
 * toJSON): *out_exception set; RC_LIMIT when b is full. */
WARN_UNUSED int js_json_append(JSContextRef ctx, JSValueRef v, struct buf *b,
                               JSValueRef *out_exception);

/* Bytes of a Uint8Array/typed array/ArrayBuffer/DataView v: true with *out (borrowed, valid
 * until JS runs again); false when v is none of these. */
bool js_bytes_view(JSContextRef ctx, JSValueRef v, struct str *out);

/* Make a Uint8Array holding a copy of bytes. */
JSObjectRef js_make_bytes(JSContextRef ctx, struct str bytes, JSValueRef *out_exception);

/* ------------------------------------------------------------------ host functions */

typedef JSValueRef js_host_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                              const JSValueRef argv[], JSValueRef *exception);

/* One native function of a host API table (api/ module tables use it). */
struct js_fn {
    const char *name;
    js_host_fn *fn;
    size_t min_args; /* fewer arguments: TypeError before fn runs */
};

/* Install each fn of fns (until a NULL name) as a function property of target. */
void js_install_fns(JSContextRef ctx, JSObjectRef target, const struct js_fn *fns);

/* Throw a TypeError with message: sets *exception and returns undefined (for host fns). */
JSValueRef js_throw_type_error(JSContextRef ctx, JSValueRef *exception, const char *message);
