/* SPDX-License-Identifier: MIT */
/*
 * Open-addressing hash map with tombstones; grows at 70 % load (counting tombstones).
 */
#include "base/map.h"

#include <string.h>

#include "base/mem.h"

struct map_slot {
    char *key; /* NULL: empty; TOMBSTONE: deleted */
    size_t key_len;
    uint64_t hash;
    void *value;
};

struct map {
    struct map_slot *slots;
    size_t cap; /* power of two */
    size_t count;
    size_t used; /* count + tombstones */
};

static char tombstone_mark;
#define TOMBSTONE (&tombstone_mark)

struct map *map_new(void)
{
    struct map *m = mem_alloc(sizeof(*m));
    m->cap = 16;
    m->slots = mem_calloc(m->cap, sizeof(*m->slots));
    m->count = 0;
    m->used = 0;
    return m;
}

void map_free(struct map *m)
{
    if (m == NULL) {
        return;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key && m->slots[i].key != TOMBSTONE) {
            mem_free(m->slots[i].key);
        }
    }
    mem_free(m->slots);
    mem_free(m);
}

static struct map_slot *lookup(const struct map *m, struct str key, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct map_slot *s = &m->slots[i];
        if (s->key == NULL) {
            return NULL;
        }
        if (s->key != TOMBSTONE && s->hash == h && s->key_len == key.len &&
            memcmp(s->key, key.ptr, key.len) == 0) {
            return s;
        }
    }
}

static void insert_fresh(struct map *m, char *key, size_t key_len, uint64_t h, void *value)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct map_slot *s = &m->slots[i];
        if (s->key == NULL || s->key == TOMBSTONE) {
            if (s->key == NULL) {
                m->used++;
            }
            s->key = key;
            s->key_len = key_len;
            s->hash = h;
            s->value = value;
            m->count++;
            return;
        }
    }
}

static void grow(struct map *m)
{
    struct map_slot *old = m->slots;
    size_t old_cap = m->cap;
    size_t cap = m->count * 2 >= old_cap ? old_cap * 2 : old_cap;
    m->slots = mem_calloc(cap, sizeof(*m->slots));
    m->cap = cap;
    m->count = 0;
    m->used = 0;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].key && old[i].key != TOMBSTONE) {
            insert_fresh(m, old[i].key, old[i].key_len, old[i].hash, old[i].value);
        }
    }
    mem_free(old);
}

void map_set(struct map *m, struct str key, void *value, void **out_old)
{
    uint64_t h = str_hash(key);
    struct map_slot *s = lookup(m, key, h);
    if (s) {
        if (out_old) {
            *out_old = s->value;
        }
        s->value = value;
        return;
    }
    if (out_old) {
        *out_old = NULL;
    }
    if ((m->used + 1) * 10 > m->cap * 7) {
        grow(m);
    }
    insert_fresh(m, mem_strndup(key), key.len, h, value);
}

void *map_find(const struct map *m, struct str key)
{
    struct map_slot *s = lookup(m, key, str_hash(key));
    return s ? s->value : NULL;
}

void *map_remove(struct map *m, struct str key)
{
    struct map_slot *s = lookup(m, key, str_hash(key));
    if (s == NULL) {
        return NULL;
    }
    void *v = s->value;
    mem_free(s->key);
    s->key = TOMBSTONE;
    s->value = NULL;
    m->count--;
    return v;
}

size_t map_count(const struct map *m)
{
    return m->count;
}

bool map_next(const struct map *m, size_t *it, struct str *out_key, void **out_value)
{
    for (size_t i = *it; i < m->cap; i++) {
        const struct map_slot *s = &m->slots[i];
        if (s->key && s->key != TOMBSTONE) {
            *out_key = str_make(s->key, s->key_len);
            *out_value = s->value;
            *it = i + 1;
            return true;
        }
    }
    *it = m->cap;
    return false;
}
