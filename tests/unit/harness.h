/* SPDX-License-Identifier: MIT */
/*
 * Kiln's unit-test harness (STYLE.md B.11). TEST(name) registers itself; each test runs in a
 * fork()ed child with an alarm, so one crash fails one test. Assertions print the expression
 * and both values. The runner's last line is "N passed, N failed".
 *   ./unit-base            run all      ./unit-base arena     run tests whose name has "arena"
 *   ./unit-base --list     list         ./unit-base --no-fork run in-process (for gdb)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/rc.h"
#include "base/str.h"

typedef void harness_test_fn(void);

void harness_register(const char *name, const char *file, harness_test_fn *fn);
_Noreturn void harness_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A temporary directory for this test (created on first call, removed after the test). */
const char *harness_tmpdir(void);

#define TEST(name)                                                 \
    static void test_##name(void);                                 \
    __attribute__((constructor)) static void register_##name(void) \
    {                                                              \
        harness_register(#name, __FILE__, test_##name);            \
    }                                                              \
    static void test_##name(void)

#define ASSERT_TRUE(x)                                               \
    do {                                                             \
        if (!(x)) {                                                  \
            harness_fail(__FILE__, __LINE__, "ASSERT_TRUE(%s)", #x); \
        }                                                            \
    } while (0)

#define ASSERT_FALSE(x)                                               \
    do {                                                              \
        if (x) {                                                      \
            harness_fail(__FILE__, __LINE__, "ASSERT_FALSE(%s)", #x); \
        }                                                             \
    } while (0)

#define ASSERT_EQ_INT(a, b)                                                                 \
    do {                                                                                    \
        long long harness_a_ = (long long)(a), harness_b_ = (long long)(b);                 \
        if (harness_a_ != harness_b_) {                                                     \
            harness_fail(__FILE__, __LINE__, "ASSERT_EQ_INT(%s, %s): %lld != %lld", #a, #b, \
                         harness_a_, harness_b_);                                           \
        }                                                                                   \
    } while (0)

#define ASSERT_EQ_SIZE(a, b)                                                               \
    do {                                                                                   \
        size_t harness_a_ = (size_t)(a), harness_b_ = (size_t)(b);                         \
        if (harness_a_ != harness_b_) {                                                    \
            harness_fail(__FILE__, __LINE__, "ASSERT_EQ_SIZE(%s, %s): %zu != %zu", #a, #b, \
                         harness_a_, harness_b_);                                          \
        }                                                                                  \
    } while (0)

#define ASSERT_EQ_DBL(a, b)                                                                   \
    do {                                                                                      \
        double harness_a_ = (a), harness_b_ = (b);                                            \
        if (harness_a_ != harness_b_) {                                                       \
            harness_fail(__FILE__, __LINE__, "ASSERT_EQ_DBL(%s, %s): %.17g != %.17g", #a, #b, \
                         harness_a_, harness_b_);                                             \
        }                                                                                     \
    } while (0)

#define ASSERT_EQ_STR(a, b)                                                                       \
    do {                                                                                          \
        const char *harness_a_ = (a), *harness_b_ = (b);                                          \
        if (harness_a_ == NULL || harness_b_ == NULL || strcmp(harness_a_, harness_b_) != 0) {    \
            harness_fail(__FILE__, __LINE__, "ASSERT_EQ_STR(%s, %s): \"%s\" != \"%s\"", #a, #b,   \
                         harness_a_ ? harness_a_ : "(null)", harness_b_ ? harness_b_ : "(null)"); \
        }                                                                                         \
    } while (0)

/* Compare a struct str with a C string. */
#define ASSERT_EQ_SLICE(s, cstr)                                                                \
    do {                                                                                        \
        struct str harness_s_ = (s);                                                            \
        const char *harness_c_ = (cstr);                                                        \
        if (!str_eq(harness_s_, str_from_cstr(harness_c_))) {                                   \
            harness_fail(__FILE__, __LINE__, "ASSERT_EQ_SLICE(%s, %s): \"%.*s\" != \"%s\"", #s, \
                         #cstr, STR_FMT(harness_s_), harness_c_);                               \
        }                                                                                       \
    } while (0)

#define ASSERT_EQ_MEM(a, b, n)                                                                  \
    do {                                                                                        \
        if (memcmp((a), (b), (n)) != 0) {                                                       \
            harness_fail(__FILE__, __LINE__, "ASSERT_EQ_MEM(%s, %s, %s): bytes differ", #a, #b, \
                         #n);                                                                   \
        }                                                                                       \
    } while (0)

#define ASSERT_RC(expr, want)                                                                \
    do {                                                                                     \
        int harness_rc_ = (expr);                                                            \
        if (harness_rc_ != (want)) {                                                         \
            harness_fail(__FILE__, __LINE__, "ASSERT_RC(%s, %s): got %s (%d)", #expr, #want, \
                         rc_name(harness_rc_), harness_rc_);                                 \
        }                                                                                    \
    } while (0)

#define ASSERT_OK(expr) ASSERT_RC((expr), RC_OK)

#define ASSERT_NULL(p)                                               \
    do {                                                             \
        if ((p) != NULL) {                                           \
            harness_fail(__FILE__, __LINE__, "ASSERT_NULL(%s)", #p); \
        }                                                            \
    } while (0)

#define ASSERT_NOT_NULL(p)                                               \
    do {                                                                 \
        if ((p) == NULL) {                                               \
            harness_fail(__FILE__, __LINE__, "ASSERT_NOT_NULL(%s)", #p); \
        }                                                                \
    } while (0)
