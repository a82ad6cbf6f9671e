/* SPDX-License-Identifier: MIT */
/*
 * JS strings without the C API's conversions and copies.
 *
 * JavaScriptCore stores a string whose characters are all U+00FF or below in one byte per
 * character: a WTF::StringImpl with its 8-bit flag set (most strings a server handles). The
 * public C API reads every string as UTF-16 (JSStringGetCharactersPtr widens an 8-bit one into
 * a new buffer; JSStringGetUTF8CString converts one character per call), wraps every value it
 * reads in a new JSStringRef (JSValueToStringCopy: a lock and an allocation), makes 8-bit
 * strings only through a UTF-8 converter that widens to UTF-16 byte by byte first, and copies
 * every string once more into the value (JSValueMakeString). Here:
 *   - reading a JSStringRef (an OpaqueJSString: a WTF::String, one StringImpl pointer) or a
 *     string value (a JSC::JSString cell whose "fiber" is the StringImpl pointer once the
 *     string is resolved, bit 0 set while it is a rope) goes through the StringImpl's head
 *     (length, data pointer, 8-bit flag), as JSC's own inline accessors do;
 *   - making a string: WTF::String's Latin-1 constructor or StringImpl::create from UTF-16
 *     (one copy into a new StringImpl), then OpaqueJSString::tryCreate (a JSStringRef, no copy)
 *     or JSC::jsStringWithCacheSlowCase (the value, sharing the StringImpl: no copy; it takes
 *     the JSC lock like any C API call), all exported by libjavascriptcoregtk with C++ linkage
 *     (called through asm labels, like JSLockHolder in js.h).
 * Before first use the layout is checked against the public API on strings it made (8-bit and
 * 16-bit; string values once more on the first context, js_strings_direct()); when a check
 * fails, on another JSC version, or when the environment has KILN_JSC_STRINGS=api, every
 * function here goes through the public API instead (the same results, slower).
 * Thread contract: JSStringRef functions on any thread (they belong to no context); the others
 * on the thread owning ctx's runtime (a runtime's VM is used by one thread: a string cell is
 * read without the JSC lock).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "js/js.h"

/* Exported by libjavascriptcoregtk 2.50 (x86-64 SysV: a std::span is {pointer, size} in two
 * registers; a returned Ref/RefPtr, which has a destructor, goes through a hidden pointer in
 * the first register). */
/* WTF::String::String(std::span<const LChar>): *self = a new 8-bit StringImpl holding a copy of
 * p[0..n) (NULL for a NULL p). */
void js_wtf_string_ctor_latin1(void **self, const unsigned char *p, size_t n) __asm__(
    "_ZN3WTF6StringC1ESt4spanIKhLm18446744073709551615EE");
/* WTF::StringImpl::create(std::span<const char16_t>): *out = a new 16-bit StringImpl (n > 0). */
void js_wtf_impl_create_utf16(void **out, const uint16_t *p, size_t n) __asm__(
    "_ZN3WTF10StringImpl6createESt4spanIKDsLm18446744073709551615EE");
/* WTF::StringImpl::destroy: frees a StringImpl whose last reference went. */
void js_wtf_impl_destroy(void *impl) __asm__("_ZN3WTF10StringImpl7destroyEPS0_");
/* OpaqueJSString::tryCreate(WTF::String&&): *out = a JSStringRef that takes over *string (left
 * null), or NULL for the null string. */
void js_wtf_opaque_try_create(JSStringRef *out, void **string) __asm__(
    "_ZN14OpaqueJSString9tryCreateEON3WTF6StringE");
/* JSC::jsStringWithCacheSlowCase(VM&, StringImpl&): a new JSString cell sharing impl (one more
 * reference; also kept as the VM's last cached string). The JSC lock must be held. */
JSValueRef js_wtf_js_string(JSContextGroupRef vm, void *impl) __asm__(
    "_ZN3JSC25jsStringWithCacheSlowCaseERNS_2VMERN3WTF10StringImplE");
/* JavaScriptCore's version (JSCGLib, declared in jsc/jsc.h with GLib types). */
unsigned js_jsc_major_version(void) __asm__("jsc_get_major_version");
unsigned js_jsc_minor_version(void) __asm__("jsc_get_minor_version");

/* WTF::StringImpl's head (WTF/text/StringImpl.h). */
struct wtf_impl {
    uint32_t ref_count;      /* steps of WTF_IMPL_REF; bit 0: static */
    uint32_t length;         /* in code units */
    const void *data;        /* LChar * (8-bit) or char16_t * */
    uint32_t hash_and_flags; /* WTF_IMPL_8BIT: one byte per character */
};

#define WTF_IMPL_8BIT 0x4u
#define WTF_IMPL_REF  2u

/* OpaqueJSString (API/OpaqueJSString.h): a reference count, the String, its UTF-16 cache. */
struct wtf_opaque {
    uint32_t ref_count;
    struct wtf_impl *impl; /* NULL for the null string */
    const uint16_t *units;
};

/* JSC::JSString (runtime/JSString.h): the JSCell head, then the fiber. */
struct jsc_string_cell {
    uint32_t structure_id;
    uint8_t indexing_type;
    uint8_t type; /* JSC_STRING_TYPE for a string */
    uint8_t flags;
    uint8_t cell_state;
    const struct wtf_impl *fiber; /* the StringImpl of a resolved string; JSC_ROPE_BIT: a rope */
};

#define JSC_STRING_TYPE 2u
#define JSC_ROPE_BIT    0x1u
/* A JSValueRef is a cell pointer when none of these bits is set (JSValue's NotCellMask). */
#define JSC_NOT_CELL_MASK 0xfffe000000000002u

/* The JavaScriptCore versions whose layout was read (2.50.x, Debian's): another version is not
 * probed at all (a moved field could make the probe itself crash rather than fail), so it runs
 * the public API until the layout is checked against it and the range extended. */
#define JSC_LAYOUT_FIRST_MINOR 50
#define JSC_LAYOUT_LAST_MINOR  50

static const struct log_ctx wtf_log = { .mod = "js" };
static pthread_once_t check_once = PTHREAD_ONCE_INIT;
static bool layout_ok;
static atomic_bool direct; /* layout_ok and not switched off */

/* The string-value check (it needs a context): 0 not run yet, CHECK_OK or CHECK_BAD. */
enum {
    CHECK_OK = 1,
    CHECK_BAD = 2
};

static atomic_int values_state;

static struct wtf_impl *impl_of(JSStringRef s)
{
    return ((const struct wtf_opaque *)(const void *)s)->impl;
}

static void impl_deref(struct wtf_impl *impl)
{
    if (atomic_fetch_sub((_Atomic uint32_t *)&impl->ref_count, WTF_IMPL_REF) == WTF_IMPL_REF) {
        js_wtf_impl_destroy(impl);
    }
}

/* The StringImpl of a resolved string value, or NULL (not a string cell, or a rope). */
static const struct wtf_impl *impl_of_value(JSValueRef v)
{
    uintptr_t bits = (uintptr_t)v;
    if (bits == 0 || (bits & JSC_NOT_CELL_MASK) != 0) {
        return NULL;
    }
    const struct jsc_string_cell *cell = (const void *)v;
    if (cell->type != JSC_STRING_TYPE || ((uintptr_t)cell->fiber & JSC_ROPE_BIT) != 0) {
        return NULL;
    }
    return cell->fiber;
}

/* An 8-bit JSStringRef of p[0..n) through the exported constructors (n > 0). */
static JSStringRef make_latin1(const unsigned char *p, size_t n)
{
    void *string = NULL;
    js_wtf_string_ctor_latin1(&string, p, n);
    JSStringRef s = NULL;
    js_wtf_opaque_try_create(&s, &string);
    return s;
}

/* A string value sharing impl (our reference is dropped). */
static JSValueRef value_of_impl(JSContextRef ctx, struct wtf_impl *impl)
{
    JSContextGroupRef vm = JSContextGetGroup(ctx);
    struct js_lock l;
    js_jsc_lock_holder_ctor(l.holder, vm);
    JSValueRef v = js_wtf_js_string(vm, impl);
    js_jsc_lock_holder_dtor(l.holder);
    impl_deref(impl);
    return v;
}

/* True when impl reads as a string of units[0..n), 8-bit or not as expected. */
static bool impl_matches(const struct wtf_impl *impl, const uint16_t *units, size_t n,
                         bool eight_bit)
{
    if (impl == NULL || impl->length != n ||
        ((impl->hash_and_flags & WTF_IMPL_8BIT) != 0) != eight_bit || impl->data == NULL) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        uint16_t c =
            eight_bit ? ((const unsigned char *)impl->data)[i] : ((const uint16_t *)impl->data)[i];
        if (c != units[i]) {
            return false;
        }
    }
    return true;
}

/* The same for a JSStringRef, also against what the public API reads. */
static bool string_matches(JSStringRef s, const uint16_t *units, size_t n, bool eight_bit)
{
    if (s == NULL || !impl_matches(impl_of(s), units, n, eight_bit) || JSStringGetLength(s) != n) {
        return false;
    }
    const JSChar *api = JSStringGetCharactersPtr(s);
    return memcmp(api, units, n * sizeof(JSChar)) == 0;
}

/* The probe strings: ASCII, Latin-1 (8-bit) and 16-bit, with a lone surrogate. */
static const uint16_t probe_ascii[] = { 'K', 'i', 'l', 'n', ' ', '8', '-', 'b', 'i', 't' };
static const uint16_t probe_latin1[] = { 'K', 'i', 'l', 'n', ' ', 0xE9, 0xFF, 0x80, '8' };
static const unsigned char probe_latin1_bytes[] = {
    'K', 'i', 'l', 'n', ' ', 0xE9, 0xFF, 0x80, '8'
};
static const uint16_t probe_wide[] = { 'K', 0x65E5, 0xD800, 0xE9, 'x' };

/* Strings made by the public API read back through the layout, and a string made through the
 * exported constructors read back through the public API. */
static bool layout_check(void)
{
    /* JSStringCreateWithUTF8CString makes an 8-bit string of ASCII text (and a 16-bit one of
     * anything else); JSStringCreateWithCharacters a 16-bit one. */
    JSStringRef a = JSStringCreateWithUTF8CString("Kiln 8-bit");
    JSStringRef b = JSStringCreateWithCharacters(probe_wide, ARRAY_LEN(probe_wide));
    JSStringRef c = make_latin1(probe_latin1_bytes, ARRAY_LEN(probe_latin1_bytes));
    JSStringRef d = JSStringCreateWithCharacters(probe_latin1, ARRAY_LEN(probe_latin1));
    bool ok = string_matches(a, probe_ascii, ARRAY_LEN(probe_ascii), true) &&
              string_matches(b, probe_wide, ARRAY_LEN(probe_wide), false) &&
              string_matches(c, probe_latin1, ARRAY_LEN(probe_latin1), true) &&
              JSStringIsEqual(c, d);
    JSStringRelease(d);
    if (c != NULL) {
        JSStringRelease(c);
    }
    JSStringRelease(b);
    JSStringRelease(a);
    return ok;
}

/* True when the environment switches the direct path off (KILN_JSC_STRINGS=api). */
static bool switched_off(void)
{
    /* Read once, under check_once, before Kiln starts threads that could change the
     * environment (it never does). */
    const char *env = getenv("KILN_JSC_STRINGS"); /* NOLINT(concurrency-mt-unsafe) */
    return env != NULL && strcmp(env, "api") == 0;
}

static void check_init(void)
{
    unsigned major = js_jsc_major_version();
    unsigned minor = js_jsc_minor_version();
    bool known = major == 2 && minor >= JSC_LAYOUT_FIRST_MINOR && minor <= JSC_LAYOUT_LAST_MINOR;
    layout_ok = known && layout_check();
    bool off = switched_off();
    atomic_store(&direct, layout_ok && !off);
    if (known && !layout_ok) {
        log_warn(&wtf_log, "JSC strings path=api reason=\"layout check failed\" jsc=%u.%u", major,
                 minor);
        return;
    }
    const char *reason = !known ? "version" : (off ? "KILN_JSC_STRINGS" : "checked");
    log_info(&wtf_log, "JSC strings path=%s reason=%s jsc=%u.%u",
             layout_ok && !off ? "direct" : "api", reason, major, minor);
}

/* True when value v is a string equal to units[0..n) as the public API reads it. */
static bool value_equals(JSContextRef ctx, JSValueRef v, const uint16_t *units, size_t n)
{
    if (v == NULL || !JSValueIsString(ctx, v)) {
        return false;
    }
    JSStringRef got = JSValueToStringCopy(ctx, v, NULL);
    JSStringRef want = JSStringCreateWithCharacters(units, n);
    bool eq = got != NULL && JSStringIsEqual(got, want);
    JSStringRelease(want);
    if (got != NULL) {
        JSStringRelease(got);
    }
    return eq;
}

/* The string-value half of the check, on the first context: values made by JSValueMakeString
 * read through the cell layout (and other values refused), values made here read through the
 * public API. */
static bool values_check(JSContextRef ctx)
{
    JSStringRef a = JSStringCreateWithUTF8CString("Kiln 8-bit");
    JSStringRef b = JSStringCreateWithCharacters(probe_wide, ARRAY_LEN(probe_wide));
    JSValueRef va = JSValueMakeString(ctx, a);
    JSValueRef vb = JSValueMakeString(ctx, b);
    JSStringRelease(b);
    JSStringRelease(a);
    bool ok = impl_matches(impl_of_value(va), probe_ascii, ARRAY_LEN(probe_ascii), true) &&
              impl_matches(impl_of_value(vb), probe_wide, ARRAY_LEN(probe_wide), false) &&
              impl_of_value(JSValueMakeNumber(ctx, 1.5)) == NULL &&
              impl_of_value(JSValueMakeBoolean(ctx, true)) == NULL &&
              impl_of_value(JSValueMakeNull(ctx)) == NULL &&
              impl_of_value(JSObjectMake(ctx, NULL, NULL)) == NULL;
    if (ok) {
        void *string = NULL;
        js_wtf_string_ctor_latin1(&string, probe_latin1_bytes, ARRAY_LEN(probe_latin1_bytes));
        JSValueRef vc = value_of_impl(ctx, string);
        void *wide = NULL;
        js_wtf_impl_create_utf16(&wide, probe_wide, ARRAY_LEN(probe_wide));
        JSValueRef vd = value_of_impl(ctx, wide);
        ok = value_equals(ctx, vc, probe_latin1, ARRAY_LEN(probe_latin1)) &&
             value_equals(ctx, vd, probe_wide, ARRAY_LEN(probe_wide));
    }
    return ok;
}

/* Run check(ctx) the first time (*state 0), log what failed; true when it passed. Threads that
 * race here run the same check and store the same answer. */
static bool checked_once(atomic_int *state, bool (*check)(JSContextRef), JSContextRef ctx,
                         const char *what)
{
    int st = atomic_load_explicit(state, memory_order_relaxed);
    if (st != 0) {
        return st == CHECK_OK;
    }
    bool ok = check(ctx);
    atomic_store(state, ok ? CHECK_OK : CHECK_BAD);
    if (!ok) {
        log_warn(&wtf_log, "JSC %s: the public API instead reason=\"check failed\"", what);
    }
    return ok;
}

/* The direct path for string values of ctx: js_strings_direct() and the value check. */
static bool values_direct(JSContextRef ctx)
{
    return js_strings_direct() && checked_once(&values_state, values_check, ctx, "string values");
}

bool js_strings_direct(void)
{
    pthread_once(&check_once, check_init);
    return atomic_load_explicit(&direct, memory_order_relaxed);
}

bool js_strings_set_direct(bool on)
{
    pthread_once(&check_once, check_init);
    atomic_store(&direct, on && layout_ok);
    return on && layout_ok;
}

/* *out = the characters of an 8-bit impl (NULL: the empty string); false for a 16-bit one. */
static bool impl_latin1(const struct wtf_impl *impl, struct str *out)
{
    if (impl == NULL || impl->length == 0) {
        *out = str_make("", 0);
        return true;
    }
    if ((impl->hash_and_flags & WTF_IMPL_8BIT) == 0) {
        return false;
    }
    *out = str_make(impl->data, impl->length);
    return true;
}

bool js_string_latin1(JSStringRef s, struct str *out)
{
    *out = STR_NULL;
    return js_strings_direct() && impl_latin1(impl_of(s), out);
}

bool js_value_latin1(JSContextRef ctx, JSValueRef v, struct str *out)
{
    *out = STR_NULL;
    if (!values_direct(ctx)) {
        return false;
    }
    const struct wtf_impl *impl = impl_of_value(v);
    return impl != NULL && impl_latin1(impl, out);
}

JSStringRef js_string_new_latin1(const unsigned char *p, size_t n)
{
    if (n == 0) {
        return JSStringCreateWithCharacters(NULL, 0);
    }
    if (js_strings_direct()) {
        return make_latin1(p, n);
    }
    /* The public API: widened to UTF-16 (copied again by JSC). */
    JSChar *units = mem_alloc(n * sizeof(JSChar));
    for (size_t i = 0; i < n; i++) {
        units[i] = p[i];
    }
    JSStringRef s = JSStringCreateWithCharacters(units, n);
    mem_free(units);
    return s;
}

/* The public API's way: the value of s (copied once more by JSC), s released. */
static JSValueRef value_of_string_ref(JSContextRef ctx, JSStringRef s)
{
    JSValueRef v = JSValueMakeString(ctx, s);
    JSStringRelease(s);
    return v;
}

JSValueRef js_make_string_latin1(JSContextRef ctx, const unsigned char *p, size_t n)
{
    /* Strings of zero or one character: JSC's shared ones (JSValueMakeString picks them). */
    if (n > 1 && values_direct(ctx)) {
        void *string = NULL;
        js_wtf_string_ctor_latin1(&string, p, n);
        return value_of_impl(ctx, string);
    }
    return value_of_string_ref(ctx, js_string_new_latin1(p, n));
}

JSValueRef js_make_string_utf16(JSContextRef ctx, const uint16_t *units, size_t n)
{
    if (n > 1 && values_direct(ctx)) {
        void *impl = NULL;
        js_wtf_impl_create_utf16(&impl, units, n);
        return value_of_impl(ctx, impl);
    }
    return value_of_string_ref(ctx, JSStringCreateWithCharacters(units, n));
}

/* ------------------------------------------------------------------ fast host functions */

/* JSC::JSFunction::create(VM&, JSGlobalObject*, unsigned length, const String& name,
 * NativeFunction, ImplementationVisibility, Intrinsic, NativeFunction constructor,
 * const DOMJIT::Signature*): a function object JSC calls as one of its own natives. A
 * NativeFunction is a plain function pointer; the last three arguments go on the stack. */
JSObjectRef js_wtf_function_create(
    JSContextGroupRef vm, JSContextRef global, unsigned length, void *const *name, js_native_fn *fn,
    unsigned visibility, unsigned intrinsic, js_native_fn *constructor,
    const void *signature) __asm__("_ZN3JSC10JSFunction6createERNS_2VMEPNS_"
                                   "14JSGlobalObjectEjRKN3WTF6StringENS5_11FunctionPtrILNS5_"
                                   "6PtrTagE1EFlS4_PNS_9CallFrameEELNS5_"
                                   "18FunctionAttributesE2EEENS_24ImplementationVisibilityENS_"
                                   "9IntrinsicESF_PKNS_6DOMJIT9SignatureE");
/* JSC::callHostFunctionAsConstructor: what `new` on a native that is no constructor runs (a
 * TypeError). */
int64_t js_wtf_not_a_constructor(void *global,
                                 void *frame) __asm__("_ZN3JSC29callHostFunctionAsConstructorEPNS_"
                                                      "14JSGlobalObjectEPNS_9CallFrameE");

/* A JSC::CallFrame (interpreter/CallFrame.h) is an array of 8-byte registers: caller frame,
 * return PC, code block, callee, the argument count including `this` (low 32 bits), `this`,
 * then the arguments. */
#define FRAME_ARG_COUNT 4
#define FRAME_FIRST_ARG 6

int64_t js_fast_call(void *global, void *frame, js_fast_fn *fn)
{
    const uint64_t *regs = frame;
    uint32_t count = (uint32_t)regs[FRAME_ARG_COUNT];
    size_t argc = count > 0 ? count - 1 : 0;
    const JSValueRef *argv = (const JSValueRef *)(const void *)(regs + FRAME_FIRST_ARG);
    return (int64_t)(uintptr_t)fn((JSContextRef)global, argc, argv);
}

/* The check of the calling convention: a fast function that returns its second argument when
 * it sees exactly two. */
static JSValueRef probe_fast(JSContextRef ctx, size_t argc, const JSValueRef argv[])
{
    return argc == 2 && JSValueIsNumber(ctx, argv[0]) && JSValueToNumber(ctx, argv[0], NULL) == 7.5
               ? argv[1]
               : JSValueMakeNull(ctx);
}
JS_FAST_FN(probe_native, probe_fast)

/* A fast function named name on target; NULL when it could not be made. */
static JSObjectRef fast_function(JSContextRef ctx, const char *name, unsigned length,
                                 js_native_fn *native)
{
    JSContextGroupRef vm = JSContextGetGroup(ctx);
    void *wtf_name = NULL;
    js_wtf_string_ctor_latin1(&wtf_name, (const unsigned char *)name, strlen(name));
    struct js_lock l;
    js_jsc_lock_holder_ctor(l.holder, vm);
    JSObjectRef fn = js_wtf_function_create(vm, ctx, length, &wtf_name, native, 0, 0,
                                            js_wtf_not_a_constructor, NULL);
    js_jsc_lock_holder_dtor(l.holder);
    impl_deref(wtf_name);
    return fn;
}

/* The fast-function check: 0 not run yet, CHECK_OK or CHECK_BAD. */
static atomic_int fast_state;

static bool fast_check(JSContextRef ctx)
{
    JSObjectRef probe = fast_function(ctx, "probe", 2, probe_native);
    if (probe == NULL || !JSObjectIsFunction(ctx, probe)) {
        return false;
    }
    JSStringRef s = JSStringCreateWithUTF8CString("probe");
    JSValueRef args[2] = { JSValueMakeNumber(ctx, 7.5), JSValueMakeString(ctx, s) };
    JSStringRelease(s);
    JSValueRef exc = NULL;
    JSValueRef r = JSObjectCallAsFunction(ctx, probe, NULL, 2, args, &exc);
    JSValueRef r1 = JSObjectCallAsFunction(ctx, probe, NULL, 1, args, &exc);
    return exc == NULL && r == args[1] && r1 != NULL && JSValueIsNull(ctx, r1);
}

bool js_install_fast_fns(JSContextRef ctx, JSObjectRef target, const struct js_fast *fns)
{
    if (!values_direct(ctx) || !checked_once(&fast_state, fast_check, ctx, "fast functions")) {
        return false;
    }
    for (const struct js_fast *f = fns; f->name != NULL; f++) {
        JSObjectRef fn = fast_function(ctx, f->name, f->length, f->native);
        JSStringRef name = JSStringCreateWithUTF8CString(f->name);
        JSValueRef exc = NULL;
        JSObjectSetProperty(ctx, target, name, fn, kJSPropertyAttributeDontEnum, &exc);
        JSStringRelease(name);
        ASSERT(exc == NULL);
    }
    return true;
}
