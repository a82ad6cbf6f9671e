/* SPDX-License-Identifier: MIT */
/*
 * GraphQL error lists (the "errors" of a response) and the default limits. Errors live in
 * the arena of the request; a full list drops further errors, so an abusive document cannot
 * make the validator allocate without bound.
 * Thread contract: one thread at a time.
 */
#include <stdarg.h>
#include <string.h>

#include "base/arena.h"
#include "base/vec.h"
#include "gql/gql_internal.h"

void gql_limits_default(struct gql_limits *lim)
{
    *lim = (struct gql_limits){
        .max_document_bytes = 100000,
        .max_tokens = 10000,
        .max_nesting = 64,
        .max_depth = 15,
        .max_fields = 1000,
        .max_aliases = 100,
        .max_errors = 100,
    };
}

void gql_errors_init(struct gql_errors *errs, struct arena *a, size_t max)
{
    memset(errs, 0, sizeof(*errs));
    errs->arena = a;
    errs->max = max;
}

bool gql_errors_full(const struct gql_errors *errs)
{
    return errs->max != 0 && errs->count >= errs->max;
}

struct gql_error *gql_errors_add(struct gql_errors *errs, struct gql_loc l1, struct gql_loc l2,
                                 const char *fmt, ...)
{
    if (gql_errors_full(errs)) {
        return NULL;
    }
    struct gql_error e = { 0 };
    va_list ap;
    va_start(ap, fmt);
    e.message = arena_vprintf(errs->arena, fmt, ap);
    va_end(ap);
    size_t n = (l1.line != 0) + (l2.line != 0);
    if (n > 0) {
        e.locs = arena_alloc(errs->arena, n * sizeof(*e.locs));
        if (l1.line != 0) {
            e.locs[e.loc_count++] = l1;
        }
        if (l2.line != 0) {
            e.locs[e.loc_count++] = l2;
        }
    }
    VEC_PUSH_ARENA(errs->arena, errs, e);
    return &errs->items[errs->count - 1];
}

void gql_list_push(struct arena *a, struct gql_list *l, struct gql_node *n)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct gql_node **items = arena_alloc(a, cap * sizeof(void *));
        if (l->count > 0) {
            memcpy((void *)items, (const void *)l->items, l->count * sizeof(void *));
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->count++] = n;
}
