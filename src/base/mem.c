/* SPDX-License-Identifier: MIT */
/*
 * The allocation wrappers. Out of memory is fatal by design: a server that cannot allocate
 * a few bytes cannot serve, and JSC aborts in that case anyway.
 */
#include "base/mem.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/defs.h"
#include "base/log.h"

static atomic_int_fast64_t live_count;

static NORETURN void oom(size_t n)
{
    log_write(LOG_FATAL, NULL, "out of memory bytes=%zu", n);
    abort();
}

void *mem_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (UNLIKELY(p == NULL)) {
        oom(n);
    }
    atomic_fetch_add_explicit(&live_count, 1, memory_order_relaxed);
    return p;
}

void *mem_calloc(size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        oom(SIZE_MAX);
    }
    void *p = calloc(1, total ? total : 1);
    if (UNLIKELY(p == NULL)) {
        oom(total);
    }
    atomic_fetch_add_explicit(&live_count, 1, memory_order_relaxed);
    return p;
}

void *mem_realloc(void *p, size_t n)
{
    if (p == NULL) {
        return mem_alloc(n);
    }
    void *q = realloc(p, n ? n : 1);
    if (UNLIKELY(q == NULL)) {
        oom(n);
    }
    return q;
}

void mem_free(void *p)
{
    if (p == NULL) {
        return;
    }
    atomic_fetch_sub_explicit(&live_count, 1, memory_order_relaxed);
    free(p);
}

char *mem_strdup(const char *s)
{
    return mem_dup(s, strlen(s) + 1);
}

char *mem_strndup(struct str s)
{
    char *p = mem_alloc(s.len + 1);
    if (s.len) {
        memcpy(p, s.ptr, s.len);
    }
    p[s.len] = '\0';
    return p;
}

void *mem_dup(const void *p, size_t n)
{
    void *q = mem_alloc(n);
    if (n) {
        memcpy(q, p, n);
    }
    return q;
}

int64_t mem_live_count(void)
{
    return atomic_load_explicit(&live_count, memory_order_relaxed);
}
