/* SPDX-License-Identifier: MIT */
/*
 * The native half of crypto.getRandomValues, crypto.randomUUID and performance.now /
 * timeOrigin (the JS objects are src/js/prelude/53_crypto_perf.js). Random bytes come from
 * OpenSSL's CSPRNG (RAND_bytes, seeded from the kernel; issue 7 asks for OpenSSL's RNG). The
 * performance clock is monotonic and shared by every context of the process: timeOrigin is the
 * wall-clock time at the first use, now() the monotonic milliseconds since then. Functions (on
 * __kiln_native): randomFill(view)    fill the bytes of an integer typed array (<= 65536 bytes,
 * checked by the prelude) and return it randomUUID()        a version 4 UUID string perfNow() ms
 * since timeOrigin (double, microsecond resolution) perfTimeOrigin()    epoch ms of the origin
 * (double) Thread contract: the thread running the context; the clock origin is set once (any
 * thread).
 */
#include <pthread.h>

#include <openssl/rand.h>

#include "api/api_internal.h"
#include "base/clk.h"
#include "base/rnd.h"

/* Fill p with n cryptographically strong random bytes: OpenSSL's DRBG, or the kernel's getrandom
 * (base/rnd) in the one case OpenSSL cannot (its seeding failed). */
static void random_bytes(unsigned char *p, size_t n)
{
    if (n > 0 && RAND_bytes(p, (int)n) != 1) {
        rnd_bytes(p, n);
    }
}

#define RANDOM_MAX_BYTES 65536

static JSValueRef random_fill_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                 const JSValueRef argv[], JSValueRef *exception)
{
    struct str bytes;
    if (!js_bytes_view(ctx, argv[0], &bytes) || bytes.len > RANDOM_MAX_BYTES) {
        return js_throw_type_error(ctx, exception, "randomFill needs a typed array of 64 KiB");
    }
    random_bytes((unsigned char *)bytes.ptr, bytes.len);
    return argv[0];
}

static JSValueRef random_uuid_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                 const JSValueRef argv[], JSValueRef *exception)
{
    unsigned char b[16];
    random_bytes(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* variant 10 */
    static const char hex[] = "0123456789abcdef";
    char s[37];
    size_t w = 0;
    for (size_t i = 0; i < sizeof(b); i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            s[w++] = '-';
        }
        s[w++] = hex[b[i] >> 4];
        s[w++] = hex[b[i] & 15];
    }
    s[w] = '\0';
    JSStringRef js = JSStringCreateWithUTF8CString(s);
    JSValueRef v = JSValueMakeString(ctx, js);
    JSStringRelease(js);
    return v;
}

static pthread_once_t origin_once = PTHREAD_ONCE_INIT;
static int64_t origin_mono_ns;
static double origin_epoch_ms;

static void origin_init(void)
{
    origin_mono_ns = clk_mono_ns();
    origin_epoch_ms = (double)clk_realtime_ms();
}

static JSValueRef perf_now_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                              const JSValueRef argv[], JSValueRef *exception)
{
    pthread_once(&origin_once, origin_init);
    /* Microsecond resolution, as browsers and Node coarsen it. */
    int64_t us = (clk_mono_ns() - origin_mono_ns) / 1000;
    return JSValueMakeNumber(ctx, (double)us / 1000.0);
}

static JSValueRef perf_time_origin_fn(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                      const JSValueRef argv[], JSValueRef *exception)
{
    pthread_once(&origin_once, origin_init);
    return JSValueMakeNumber(ctx, origin_epoch_ms);
}

static const struct js_fn platform_fns[] = {
    { .name = "randomFill", .fn = random_fill_fn, .min_args = 1 },
    { .name = "randomUUID", .fn = random_uuid_fn, .min_args = 0 },
    { .name = "perfNow", .fn = perf_now_fn, .min_args = 0 },
    { .name = "perfTimeOrigin", .fn = perf_time_origin_fn, .min_args = 0 },
    { .name = NULL },
};

const struct api_module api_module_platform = {
    .name = "platform",
    .init = NULL,
    .fns = platform_fns,
};
