/* SPDX-License-Identifier: MIT */
/*
 * A chain of blocks with a bump pointer, plus a LIFO list of cleanups. Large requests get a
 * block of their own. With ARENA_MALLOC_EACH (the asan build) every allocation is a separate
 * heap block, so ASan sees overflows that a bump allocator would hide.
 */
#include "base/arena.h"

#include <stdio.h>
#include <string.h>

#include "base/mem.h"

#define ARENA_ALIGN        16
#define ARENA_DEFAULT_SIZE 4096
/* Blocks double up to this size; larger single allocations get a block of their own size. */
#define ARENA_MAX_BLOCK_BYTES ((size_t)1024 * 1024)

struct arena_block {
    struct arena_block *next;
    size_t cap;
    size_t used;
    /* Keep the payload 16-byte aligned. */
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena_cleanup {
    struct arena_cleanup *next;
    arena_cleanup_fn *fn;
    void *arg;
};

struct arena {
    struct arena_block *head; /* current block; the first block is last in the chain */
    struct arena_block *first;
    struct arena_cleanup *cleanups;
    size_t used_bytes;
    size_t block_bytes;
};

static struct arena_block *block_new(size_t cap)
{
    struct arena_block *b = mem_alloc(sizeof(*b) + cap);
    b->next = NULL;
    b->cap = cap;
    b->used = 0;
    return b;
}

struct arena *arena_new(size_t first_block_bytes)
{
    struct arena *a = mem_alloc(sizeof(*a));
    a->block_bytes = first_block_bytes ? first_block_bytes : ARENA_DEFAULT_SIZE;
    a->first = block_new(a->block_bytes);
    a->head = a->first;
    a->cleanups = NULL;
    a->used_bytes = 0;
    return a;
}

static void run_cleanups(struct arena *a)
{
    while (a->cleanups) {
        struct arena_cleanup *c = a->cleanups;
        a->cleanups = c->next;
        c->fn(c->arg);
    }
}

static void free_blocks_after_first(struct arena *a)
{
    struct arena_block *b = a->head;
    while (b != a->first) {
        struct arena_block *next = b->next;
        mem_free(b);
        b = next;
    }
    a->head = a->first;
    a->first->used = 0;
    a->used_bytes = 0;
}

void arena_reset(struct arena *a)
{
    run_cleanups(a);
    free_blocks_after_first(a);
}

void arena_free(struct arena *a)
{
    if (a == NULL) {
        return;
    }
    arena_reset(a);
    mem_free(a->first);
    mem_free(a);
}

#ifdef ARENA_MALLOC_EACH
void *arena_alloc(struct arena *a, size_t n)
{
    /* One block per allocation: exact size, so ASan catches any overflow. */
    struct arena_block *b = mem_alloc(sizeof(*b) + n);
    b->cap = n;
    b->used = n;
    b->next = a->head;
    a->head = b;
    a->used_bytes += n;
    return b->data;
}
#else
void *arena_alloc(struct arena *a, size_t n)
{
    size_t need = (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n) {
        UNREACHABLE();
    }
    struct arena_block *b = a->head;
    if (LIKELY(b->cap - b->used >= need)) {
        void *p = b->data + b->used;
        b->used += need;
        a->used_bytes += need;
        return p;
    }
    size_t cap = a->block_bytes * 2;
    if (cap < need) {
        cap = need;
    }
    if (cap > ARENA_MAX_BLOCK_BYTES && need <= ARENA_MAX_BLOCK_BYTES) {
        cap = ARENA_MAX_BLOCK_BYTES;
    }
    a->block_bytes = cap;
    struct arena_block *nb = block_new(cap);
    nb->next = a->head;
    a->head = nb;
    nb->used = need;
    a->used_bytes += need;
    return nb->data;
}
#endif

void *arena_calloc(struct arena *a, size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        UNREACHABLE();
    }
    void *p = arena_alloc(a, total);
    memset(p, 0, total);
    return p;
}

void *arena_dup(struct arena *a, const void *p, size_t n)
{
    void *q = arena_alloc(a, n);
    if (n) {
        memcpy(q, p, n);
    }
    return q;
}

struct str arena_strdup(struct arena *a, struct str s)
{
    char *p = arena_alloc(a, s.len + 1);
    if (s.len) {
        memcpy(p, s.ptr, s.len);
    }
    p[s.len] = '\0';
    return str_make(p, s.len);
}

char *arena_cstr(struct arena *a, struct str s)
{
    return (char *)arena_strdup(a, s).ptr;
}

struct str arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        return str_make("", 0);
    }
    char *p = arena_alloc(a, (size_t)n + 1);
    (void)vsnprintf(p, (size_t)n + 1, fmt, ap);
    return str_make(p, (size_t)n);
}

struct str arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct str s = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return s;
}

void arena_defer(struct arena *a, arena_cleanup_fn *fn, void *arg)
{
    struct arena_cleanup *c = arena_alloc(a, sizeof(*c));
    c->fn = fn;
    c->arg = arg;
    c->next = a->cleanups;
    a->cleanups = c;
}

size_t arena_used_bytes(const struct arena *a)
{
    return a->used_bytes;
}
