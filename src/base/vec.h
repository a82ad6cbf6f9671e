/* SPDX-License-Identifier: MIT */
/*
 * Typed vectors (h2o's H2O_VECTOR): VEC(struct x) is { items, count, cap }. Growth goes through
 * mem_realloc (heap) or an arena (VEC_PUSH_ARENA: old storage is left in the arena).
 * Thread contract: one thread at a time.
 */
#pragma once

#include <stddef.h>
#include <string.h>

#include "base/arena.h"
#include "base/mem.h"

#define VEC(T)        \
    struct {          \
        T *items;     \
        size_t count; \
        size_t cap;   \
    }

/* Grow v (heap) so that one more item fits; then v->items[v->count++] = x. */
#define VEC_PUSH(v, x)                                                            \
    do {                                                                          \
        if ((v)->count == (v)->cap) {                                             \
            (v)->cap = (v)->cap ? (v)->cap * 2 : 8;                               \
            (v)->items = mem_realloc((v)->items, (v)->cap * sizeof(*(v)->items)); \
        }                                                                         \
        (v)->items[(v)->count++] = (x);                                           \
    } while (0)

/* Same, with storage from arena a. */
#define VEC_PUSH_ARENA(a, v, x)                                               \
    do {                                                                      \
        if ((v)->count == (v)->cap) {                                         \
            size_t vec_ncap_ = (v)->cap ? (v)->cap * 2 : 8;                   \
            void *vec_n_ = arena_alloc((a), vec_ncap_ * sizeof(*(v)->items)); \
            if ((v)->count) {                                                 \
                memcpy(vec_n_, (v)->items, (v)->count * sizeof(*(v)->items)); \
            }                                                                 \
            (v)->items = vec_n_;                                              \
            (v)->cap = vec_ncap_;                                             \
        }                                                                     \
        (v)->items[(v)->count++] = (x);                                       \
    } while (0)

/* Free heap storage of v and empty it. */
#define VEC_FREE(v)           \
    do {                      \
        mem_free((v)->items); \
        (v)->items = NULL;    \
        (v)->count = 0;       \
        (v)->cap = 0;         \
    } while (0)
