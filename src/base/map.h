/* SPDX-License-Identifier: MIT */
/*
 * A hash map from byte-string keys to pointers (open addressing, linear probing). The map
 * copies keys it stores; values are borrowed. Iteration order is unspecified.
 * Thread contract: one thread at a time.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/str.h"

struct map;

/* Return an owned empty map; free with map_free(). */
struct map *map_new(void);

/* Free the map and its key copies (not the values). NULL is a no-op. */
void map_free(struct map *m);

/* Set key to value, replacing any previous value (returned in *out_old, may be NULL). */
void map_set(struct map *m, struct str key, void *value, void **out_old);

/* Return the value for key, or NULL. */
void *map_find(const struct map *m, struct str key);

/* Remove key; returns its value or NULL. */
void *map_remove(struct map *m, struct str key);

size_t map_count(const struct map *m);

/* Iterate: start with *it = 0; returns false at the end. Do not modify the map meanwhile. */
bool map_next(const struct map *m, size_t *it, struct str *out_key, void **out_value);
