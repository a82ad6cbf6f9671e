/* SPDX-License-Identifier: MIT */
/*
 * Bump arenas: one per invocation (request, resolver, job tick, tool call) and one per
 * connection. Nothing is freed one by one; arena_free() releases everything and runs the
 * deferred cleanups in LIFO order. Longer-lived objects never point into an arena.
 * Under ASan (ARENA_MALLOC_EACH) every allocation is its own malloc so overflows are caught.
 * Thread contract: an arena is used by one thread at a time.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "base/defs.h"
#include "base/str.h"

struct arena;

typedef void arena_cleanup_fn(void *arg);

/* Create an arena whose first block holds about first_block_bytes (0: a default of 4 KiB).
 * Returns an owned arena; free with arena_free(). */
struct arena *arena_new(size_t first_block_bytes);

/* Run the deferred cleanups (last registered first) and release all memory. NULL is a no-op. */
void arena_free(struct arena *a);

/* Run the cleanups and release all blocks but the first, so the arena can be reused. */
void arena_reset(struct arena *a);

/* Allocate n bytes aligned for any type. Never returns NULL (aborts on OOM). */
void *arena_alloc(struct arena *a, size_t n);

/* Allocate count*size zeroed bytes; aborts on overflow. */
void *arena_calloc(struct arena *a, size_t count, size_t size);

/* Copy n bytes into the arena. */
void *arena_dup(struct arena *a, const void *p, size_t n);

/* Copy a slice into the arena; the copy is NUL-terminated (the slice's len excludes it). */
struct str arena_strdup(struct arena *a, struct str s);

/* Return a NUL-terminated copy of s, for foreign APIs. */
char *arena_cstr(struct arena *a, struct str s);

/* printf into the arena; returns the formatted slice (NUL-terminated). */
struct str arena_printf(struct arena *a, const char *fmt, ...) PRINTF_FMT(2, 3);
struct str arena_vprintf(struct arena *a, const char *fmt, va_list ap) PRINTF_FMT(2, 0);

/* Register fn(arg) to run when the arena is freed or reset (LIFO). */
void arena_defer(struct arena *a, arena_cleanup_fn *fn, void *arg);

/* Bytes handed out since creation or the last reset (for limits and metrics). */
size_t arena_used_bytes(const struct arena *a);
