/* SPDX-License-Identifier: MIT */
/*
 * Heap allocation wrappers: the only door to malloc/free in Kiln. Allocation failure logs and
 * aborts (STYLE.md B.5 rule 7), so these never return NULL for a non-zero size. Counts of live
 * allocations and bytes are kept for metrics and leak checks.
 * Thread contract: any thread.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "base/str.h"

/* Allocate n bytes (n may be 0: returns a unique pointer). Free with mem_free(). */
void *mem_alloc(size_t n);

/* Allocate count*size zeroed bytes; aborts on overflow. Free with mem_free(). */
void *mem_calloc(size_t count, size_t size);

/* Resize p (which may be NULL) to n bytes. Returns the new owned pointer. */
void *mem_realloc(void *p, size_t n);

/* Free p; NULL is a no-op. */
void mem_free(void *p);

/* Return an owned NUL-terminated copy of s; free with mem_free(). */
char *mem_strdup(const char *s);

/* Return an owned NUL-terminated copy of the slice; free with mem_free(). */
char *mem_strndup(struct str s);

/* Return an owned copy of n bytes at p; free with mem_free(). */
void *mem_dup(const void *p, size_t n);

/* Number of allocations made through mem_* that are still live (approximate, for tests). */
int64_t mem_live_count(void);
