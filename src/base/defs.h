/* SPDX-License-Identifier: MIT */
/*
 * Compiler attributes and invariant macros shared by every module. ASSERT is on in every build
 * (STYLE.md B.5 rule 8); DEBUG_ASSERT only in debug builds. Never include <assert.h>.
 * Thread contract: any thread.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define WARN_UNUSED      __attribute__((warn_unused_result))
#define PRINTF_FMT(f, a) __attribute__((format(printf, f, a)))
#define NORETURN         _Noreturn
#define UNUSED           __attribute__((unused))
#define LIKELY(x)        __builtin_expect(!!(x), 1)
#define UNLIKELY(x)      __builtin_expect(!!(x), 0)
#define ARRAY_LEN(a)     (sizeof(a) / sizeof((a)[0]))
/* Drop the result of a WARN_UNUSED call on purpose (gcc ignores a (void) cast there); say why
 * in a comment at the call when it is not obvious. */
#define IGNORE_RC(expr)          \
    do {                         \
        int ignore_rc_ = (expr); \
        (void)ignore_rc_;        \
    } while (0)
#define CONTAINER_OF(ptr, type, member) ((type *)(void *)(((char *)(ptr)) - offsetof(type, member)))

/* Log the failed expression with its place and a backtrace, then abort. */
NORETURN void defs_assert_fail(const char *expr, const char *file, int line, const char *func);

/* Name the calling thread "kiln-<what><index>" (index < 0: none), as top -H, ps -L, perf and
 * gdb show it (Linux keeps 15 characters). Best effort. */
void defs_thread_name(const char *what, long index);

/* Schedule the calling thread as SCHED_BATCH: same share of the CPU, but its wake-ups do not
 * preempt the thread running on its core; it runs when that thread blocks or its time slice
 * ends (docs/internals/net.md, "Scheduling"). false if the system refused (best effort). */
bool defs_thread_batch(void);

#define ASSERT(x)                                               \
    do {                                                        \
        if (UNLIKELY(!(x))) {                                   \
            defs_assert_fail(#x, __FILE__, __LINE__, __func__); \
        }                                                       \
    } while (0)

#ifdef NDEBUG
#define DEBUG_ASSERT(x) ((void)0)
#else
#define DEBUG_ASSERT(x) ASSERT(x)
#endif

#define UNREACHABLE() defs_assert_fail("unreachable", __FILE__, __LINE__, __func__)

/* SQLite-style defensive branches: the condition should never hold (or always hold). */
#define ALWAYS(x) (x)
#define NEVER(x)  (x)
