/* SPDX-License-Identifier: MIT */
/*
 * The in-memory cache with TTL (db_cache.h): a map of namespaces, each a map of keys to
 * entries threaded on a doubly linked LRU list (head: most recently used). One mutex guards
 * everything: every operation is a few map probes and list splices, far shorter than the JS
 * call around it. Expired entries are invisible at once and unlinked by the namespace's next
 * call once per DB_CACHE_SWEEP_INTERVAL_MS, or by db_cache_sweep().
 *
 * Readers answer repeated gets from the shared memory (db_cache.h, "Shared memory") without
 * the mutex, so the LRU order is kept by use sequence values rather than by list moves alone:
 * every use takes a value from one counter (C under the mutex, readers with an atomic add), the
 * list is sorted by each entry's `seq` (its last use seen here), and a reader's use lands in
 * the entry's slot. Eviction looks at the tail: when its slot shows a later use, the entry is
 * moved to where that use puts it and the next tail is looked at; a tail without a later use is
 * the least recently used entry of all (every other entry's last use is at least its `seq`).
 * Thread contract: any thread.
 */
#include "db/db_cache.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/clk.h"
#include "base/map.h"
#include "base/mem.h"

struct centry {
    struct centry *prev; /* towards the most recently used */
    struct centry *next; /* towards the least recently used */
    struct str key;      /* owned (the map keeps its own copy of the key too) */
    char *value;
    size_t value_len;
    int64_t expires_ms; /* 0: never */
    uint64_t stamp;     /* unique in the process (db_cache_get_stamped) */
    uint64_t seq;       /* the use that placed it in the LRU list (the list is sorted by it) */
    uint64_t used;      /* its last use by a reader known here (>= seq once folded) */
    uint32_t slot;      /* its shared slot or DB_CACHE_NO_SLOT */
    uint32_t seen;      /* the slot's use word when last read (a change: a reader used it) */
};

struct cns {
    struct str name;     /* owned copy of the namespace's name */
    struct map *entries; /* key -> struct centry * */
    struct centry *head;
    struct centry *tail;
    size_t bytes;
    int64_t last_sweep_ms;
    struct db_cache_stats st;        /* entries and bytes are computed when read */
    struct db_cache_reader *readers; /* their hits are added to st.hits when read */
};

/* The shared block (db_cache.h, "Shared memory"). */
struct cslot {
    _Atomic double stamp;
    _Atomic uint32_t used;
    uint32_t unused;
};

struct cshared {
    _Atomic uint32_t seq;
    uint32_t manual;
    _Atomic double clock_ms;
    struct cslot slots[]; /* options.slots */
};

static_assert(sizeof(struct cslot) == 16, "a slot is two 8-byte words");
static_assert(offsetof(struct cshared, clock_ms) == 8, "W[1] is the manual clock");
static_assert(offsetof(struct cshared, slots) == sizeof(double) * DB_CACHE_SHARED_SLOT_WORD0,
              "slot 0");
static_assert(offsetof(struct cslot, used) == 8, "U[4+4i+2] is slot i's use");

#define SEQ_FOLD_SHIFT 30 /* every 2^30 uses, all slots' uses are folded (db_cache.h) */

struct db_cache {
    pthread_mutex_t mu;
    struct db_cache_options opts;
    struct map *spaces; /* namespace -> struct cns * */
    struct cns *last;   /* the namespace of the last call (namespaces live as long as c) */
    struct cshared *sh;
    uint32_t *free_slots; /* a ring of opts.slots: reused first in, first out */
    uint32_t free_head;
    uint32_t free_count;
    uint64_t seq;        /* the use sequence extended to 64 bits, as last read (mutex held) */
    uint64_t fold_epoch; /* seq >> SEQ_FOLD_SHIFT at the last fold of every slot's use */
};

/* Stamps of stored values: process-wide, so no two caches (tests make several) share one. */
static atomic_uint_fast64_t stamp_counter;

static int64_t clock_now(struct db_cache *c)
{
    if (c->opts.manual_clock) {
        return (int64_t)atomic_load_explicit(&c->sh->clock_ms, memory_order_relaxed);
    }
    return clk_realtime_ms();
}

/* The use sequence now, extended to 64 bits (mutex held; the counter moved less than 2^32
 * since the last read: readers call in every 2^30 uses). */
static uint64_t seq_sync(struct db_cache *c)
{
    uint32_t v = atomic_load_explicit(&c->sh->seq, memory_order_acquire);
    c->seq += (uint32_t)(v - (uint32_t)c->seq);
    return c->seq;
}

/* Take the next use sequence value (mutex held). */
static uint64_t seq_take(struct db_cache *c)
{
    uint32_t v = atomic_fetch_add_explicit(&c->sh->seq, 1, memory_order_acq_rel);
    c->seq += (uint32_t)(v - (uint32_t)c->seq);
    return c->seq;
}

/* The last use of e: its place in the list or a later use a reader recorded in its slot
 * (folded into e->used). The slot is read before the sequence, so the recorded value is at
 * most the sequence read and within 2^32 of it. */
static uint64_t entry_last_use(struct db_cache *c, struct centry *e)
{
    if (e->slot != DB_CACHE_NO_SLOT) {
        uint32_t u = atomic_load_explicit(&c->sh->slots[e->slot].used, memory_order_acquire);
        if (u != e->seen) {
            uint64_t now = seq_sync(c);
            uint64_t u64 = now - (uint32_t)((uint32_t)now - u);
            e->seen = u;
            e->used = u64 > e->used ? u64 : e->used;
        }
    }
    return e->used > e->seq ? e->used : e->seq;
}

/* Give e a shared slot (if one is free) holding its stamp and use (mutex held). */
static void slot_attach(struct db_cache *c, struct centry *e)
{
    e->used = e->seq;
    e->seen = (uint32_t)e->seq;
    e->slot = DB_CACHE_NO_SLOT;
    if (c->free_count == 0) {
        return;
    }
    e->slot = c->free_slots[c->free_head];
    c->free_head = (c->free_head + 1) % c->opts.slots;
    c->free_count--;
    struct cslot *s = &c->sh->slots[e->slot];
    atomic_store_explicit(&s->used, e->seen, memory_order_relaxed);
    atomic_store_explicit(&s->stamp, (double)e->stamp, memory_order_release);
}

/* Clear e's slot (readers stop answering for it at once) and free it, last in line for reuse. */
static void slot_detach(struct db_cache *c, struct centry *e)
{
    if (e->slot == DB_CACHE_NO_SLOT) {
        return;
    }
    atomic_store_explicit(&c->sh->slots[e->slot].stamp, 0.0, memory_order_release);
    c->free_slots[(c->free_head + c->free_count) % c->opts.slots] = e->slot;
    c->free_count++;
    e->slot = DB_CACHE_NO_SLOT;
}

struct db_cache *db_cache_new(const struct db_cache_options *opts)
{
    struct db_cache *c = mem_calloc(1, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    if (opts != NULL) {
        c->opts = *opts;
    }
    if (c->opts.ns_max_bytes == 0) {
        c->opts.ns_max_bytes = DB_CACHE_NS_MAX_BYTES;
    }
    if (c->opts.ns_max_entries == 0) {
        c->opts.ns_max_entries = DB_CACHE_NS_MAX_ENTRIES;
    }
    if (c->opts.slots == 0 || c->opts.slots > DB_CACHE_SLOTS) {
        c->opts.slots = DB_CACHE_SLOTS;
    }
    c->sh = mem_calloc(1, sizeof(*c->sh) + c->opts.slots * sizeof(struct cslot));
    c->sh->manual = c->opts.manual_clock ? 1 : 0;
    c->free_slots = mem_alloc(c->opts.slots * sizeof(*c->free_slots));
    for (uint32_t i = 0; i < c->opts.slots; i++) {
        c->free_slots[i] = i;
    }
    c->free_count = c->opts.slots;
    c->spaces = map_new();
    return c;
}

/* Fold e's recorded use (entry_last_use), then, when the slot's use word is over 2^30 values
 * old, replace it with one 2^29 old that counts as no use (e->seen), so that a reader's next use
 * compares as later (the wrapping comparison holds within 2^31). A compare-and-swap: a reader's
 * use stored meanwhile stays, for the next fold. */
static void slot_refresh(struct db_cache *c, struct centry *e, uint64_t seq)
{
    (void)entry_last_use(c, e);
    uint32_t u = e->seen;
    if (e->slot == DB_CACHE_NO_SLOT || (uint32_t)((uint32_t)seq - u) <= 1u << SEQ_FOLD_SHIFT) {
        return;
    }
    uint32_t old = (uint32_t)seq - (1u << (SEQ_FOLD_SHIFT - 1));
    if (atomic_compare_exchange_strong_explicit(&c->sh->slots[e->slot].used, &u, old,
                                                memory_order_acq_rel, memory_order_acquire)) {
        e->seen = old;
    }
}

/* Lock c and bring its view of the use sequence up to date; every 2^30 uses, fold every slot's
 * recorded use into its entry and refresh old use words (slot_refresh), so that no recorded
 * use is ever 2^31 values old when a reader compares or C reads it. */
static int64_t cache_lock(struct db_cache *c)
{
    pthread_mutex_lock(&c->mu);
    uint64_t seq = seq_sync(c);
    if (seq >> SEQ_FOLD_SHIFT != c->fold_epoch) {
        c->fold_epoch = seq >> SEQ_FOLD_SHIFT;
        size_t it = 0;
        struct str k;
        void *v = NULL;
        while (map_next(c->spaces, &it, &k, &v)) {
            for (struct centry *e = ((struct cns *)v)->head; e != NULL; e = e->next) {
                slot_refresh(c, e, seq);
            }
        }
    }
    return clock_now(c);
}

void db_cache_clock_set(struct db_cache *c, int64_t now_ms)
{
    atomic_store_explicit(&c->sh->clock_ms, (double)now_ms, memory_order_release);
}

void *db_cache_shared_mem(struct db_cache *c, size_t *out_len)
{
    *out_len = sizeof(*c->sh) + c->opts.slots * sizeof(struct cslot);
    return c->sh;
}

static size_t entry_bytes(const struct centry *e)
{
    return e->key.len + e->value_len + DB_CACHE_ENTRY_OVERHEAD;
}

static void entry_free(struct centry *e)
{
    mem_free((void *)e->key.ptr);
    mem_free(e->value);
    mem_free(e);
}

static void lru_unlink(struct cns *ns, struct centry *e)
{
    if (e->prev) {
        e->prev->next = e->next;
    } else {
        ns->head = e->next;
    }
    if (e->next) {
        e->next->prev = e->prev;
    } else {
        ns->tail = e->prev;
    }
    e->prev = e->next = NULL;
}

static void lru_push_front(struct cns *ns, struct centry *e);

/* Put e in the list by e->seq (the list is sorted by it, largest at the head). */
static void lru_insert_sorted(struct cns *ns, struct centry *e)
{
    struct centry *after = NULL;
    struct centry *at = ns->head;
    while (at != NULL && at->seq > e->seq) {
        after = at;
        at = at->next;
    }
    e->prev = after;
    e->next = at;
    if (after != NULL) {
        after->next = e;
    } else {
        ns->head = e;
    }
    if (at != NULL) {
        at->prev = e;
    } else {
        ns->tail = e;
    }
}

/* Make e the most recently used (a use by the caller, mutex held). */
static void lru_touch(struct db_cache *c, struct cns *ns, struct centry *e)
{
    e->seq = seq_take(c);
    if (ns->head != e) {
        lru_unlink(ns, e);
        lru_push_front(ns, e);
    }
}

static void lru_push_front(struct cns *ns, struct centry *e)
{
    e->prev = NULL;
    e->next = ns->head;
    if (ns->head) {
        ns->head->prev = e;
    }
    ns->head = e;
    if (ns->tail == NULL) {
        ns->tail = e;
    }
}

/* Unlink e from ns and free it. */
static void entry_drop(struct db_cache *c, struct cns *ns, struct centry *e)
{
    slot_detach(c, e);
    lru_unlink(ns, e);
    (void)map_remove(ns->entries, e->key);
    ns->bytes -= entry_bytes(e);
    entry_free(e);
}

static bool expired(const struct centry *e, int64_t now)
{
    return e->expires_ms != 0 && e->expires_ms <= now;
}

static void ns_free(struct cns *ns)
{
    struct centry *next = NULL;
    for (struct centry *e = ns->head; e != NULL; e = next) {
        next = e->next;
        entry_free(e);
    }
    map_free(ns->entries);
    mem_free((void *)ns->name.ptr);
    mem_free(ns);
}

void db_cache_free(struct db_cache *c)
{
    if (c == NULL) {
        return;
    }
    size_t it = 0;
    struct str k;
    void *v = NULL;
    while (map_next(c->spaces, &it, &k, &v)) {
        ns_free(v);
    }
    map_free(c->spaces);
    mem_free(c->free_slots);
    mem_free(c->sh);
    pthread_mutex_destroy(&c->mu);
    mem_free(c);
}

/* Remove the expired entries of ns; returns how many. */
static size_t ns_sweep(struct db_cache *c, struct cns *ns, int64_t now)
{
    size_t n = 0;
    struct centry *next = NULL;
    for (struct centry *e = ns->head; e != NULL; e = next) {
        next = e->next;
        if (expired(e, now)) {
            entry_drop(c, ns, e);
            n++;
        }
    }
    ns->last_sweep_ms = now;
    return n;
}

/* The namespace name's entry (created when create is true), swept when its interval passed. */
static struct cns *ns_get(struct db_cache *c, struct str name, bool create, int64_t now)
{
    struct cns *ns =
        c->last != NULL && str_eq(c->last->name, name) ? c->last : map_find(c->spaces, name);
    if (ns == NULL && create) {
        ns = mem_calloc(1, sizeof(*ns));
        ns->name = str_make(mem_dup(name.ptr, name.len), name.len);
        ns->entries = map_new();
        ns->last_sweep_ms = now;
        map_set(c->spaces, name, ns, NULL);
    }
    if (ns != NULL) {
        c->last = ns;
    }
    /* The wall clock may step back: then the next sweep is an interval after the step. */
    if (ns != NULL &&
        (now - ns->last_sweep_ms >= DB_CACHE_SWEEP_INTERVAL_MS || now < ns->last_sweep_ms)) {
        (void)ns_sweep(c, ns, now);
    }
    return ns;
}

static int check_key(struct str ns, struct str key, struct diag *d)
{
    if (ns.len == 0 || ns.len > DB_CACHE_KEY_MAX_BYTES) {
        return diag_set(d, RC_INVAL, "cache namespace is %zu bytes, allowed 1..%zu", ns.len,
                        DB_CACHE_KEY_MAX_BYTES);
    }
    if (key.len == 0 || key.len > DB_CACHE_KEY_MAX_BYTES) {
        return diag_set(d, key.len ? RC_LIMIT : RC_INVAL, "cache key is %zu bytes, allowed 1..%zu",
                        key.len, DB_CACHE_KEY_MAX_BYTES);
    }
    return RC_OK;
}

/* Evict least recently used entries (expired ones count as evictions too: they were never
 * removed by a read) until ns holds room for `need` more bytes and one more entry. A tail a
 * reader used later than its place in the list moves to where that use puts it first. */
static void ns_make_room(struct db_cache *c, struct cns *ns, size_t need)
{
    while (ns->tail != NULL && (ns->bytes + need > c->opts.ns_max_bytes ||
                                map_count(ns->entries) + 1 > c->opts.ns_max_entries)) {
        struct centry *t = ns->tail;
        uint64_t last = entry_last_use(c, t);
        if (last > t->seq) {
            lru_unlink(ns, t);
            t->seq = last;
            lru_insert_sorted(ns, t);
            continue;
        }
        entry_drop(c, ns, t);
        ns->st.evictions++;
    }
}

int db_cache_set(struct db_cache *c, struct str ns_name, struct str key, struct str value,
                 int64_t ttl_ms, struct diag *d)
{
    int rc = check_key(ns_name, key, d);
    if (rc != RC_OK) {
        return rc;
    }
    if (ttl_ms < 0) {
        return diag_set(d, RC_INVAL, "cache ttl is negative (%lld ms)", (long long)ttl_ms);
    }
    if (value.len > DB_CACHE_VALUE_MAX_BYTES) {
        return diag_set(d, RC_LIMIT, "cache value is %zu bytes, limit %zu", value.len,
                        DB_CACHE_VALUE_MAX_BYTES);
    }
    size_t need = key.len + value.len + DB_CACHE_ENTRY_OVERHEAD;
    if (need > c->opts.ns_max_bytes) {
        return diag_set(d, RC_LIMIT, "cache entry is %zu bytes, the namespace budget is %zu", need,
                        c->opts.ns_max_bytes);
    }
    /* Copy outside the lock. */
    struct centry *e = mem_calloc(1, sizeof(*e));
    e->key = str_make(mem_dup(key.ptr, key.len), key.len);
    e->value = mem_dup(value.len ? value.ptr : "", value.len ? value.len : 1);
    e->value_len = value.len;
    e->stamp = atomic_fetch_add_explicit(&stamp_counter, 1, memory_order_relaxed) + 1;

    int64_t now = cache_lock(c);
    e->expires_ms = ttl_ms ? now + ttl_ms : 0;
    struct cns *ns = ns_get(c, ns_name, true, now);
    struct centry *old = map_find(ns->entries, key);
    if (old != NULL) {
        entry_drop(c, ns, old);
    }
    ns_make_room(c, ns, need);
    map_set(ns->entries, e->key, e, NULL);
    e->seq = seq_take(c);
    slot_attach(c, e);
    lru_push_front(ns, e);
    ns->bytes += need;
    ns->st.sets++;
    pthread_mutex_unlock(&c->mu);
    return RC_OK;
}

int db_cache_get(struct db_cache *c, struct str ns_name, struct str key, struct arena *arena,
                 struct diag *d, struct str *out_value)
{
    struct db_cache_found found;
    return db_cache_get_stamped(c, ns_name, key, 0, arena, d, out_value, &found);
}

int db_cache_get_stamped(struct db_cache *c, struct str ns_name, struct str key,
                         uint64_t known_stamp, struct arena *arena, struct diag *d,
                         struct str *out_value, struct db_cache_found *out_found)
{
    *out_value = str_make("", 0);
    *out_found = (struct db_cache_found){ .slot = DB_CACHE_NO_SLOT };
    int rc = check_key(ns_name, key, d);
    if (rc != RC_OK) {
        return rc;
    }
    int64_t now = cache_lock(c);
    struct cns *ns = ns_get(c, ns_name, true, now);
    struct centry *e = map_find(ns->entries, key);
    if (e != NULL && expired(e, now)) {
        entry_drop(c, ns, e);
        e = NULL;
    }
    if (e == NULL) {
        ns->st.misses++;
        rc = RC_NOTFOUND;
    } else {
        ns->st.hits++;
        lru_touch(c, ns, e);
        *out_found = (struct db_cache_found){ .stamp = e->stamp,
                                              .expires_ms = e->expires_ms,
                                              .slot = e->slot };
        if (e->stamp != known_stamp) {
            *out_value = arena_strdup(arena, str_make(e->value, e->value_len));
        }
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

bool db_cache_has(struct db_cache *c, struct str ns_name, struct str key)
{
    if (ns_name.len == 0 || key.len == 0) {
        return false;
    }
    int64_t now = cache_lock(c);
    struct cns *ns = ns_get(c, ns_name, false, now);
    struct centry *e = ns ? map_find(ns->entries, key) : NULL;
    bool r = e != NULL && !expired(e, now);
    pthread_mutex_unlock(&c->mu);
    return r;
}

bool db_cache_match(struct str p, struct str k)
{
    /* Glob with one wildcard: remember the last star and backtrack to it (linear in practice,
     * O(len(p) * len(k)) at worst, both bounded by 512 bytes). */
    size_t pi = 0;
    size_t ki = 0;
    size_t star_p = SIZE_MAX;
    size_t star_k = 0;
    while (ki < k.len) {
        if (pi < p.len && p.ptr[pi] == '*') {
            star_p = ++pi;
            star_k = ki;
            continue;
        }
        if (pi < p.len) {
            char want = p.ptr[pi];
            size_t step = 1;
            if (want == '\\' && pi + 1 < p.len) {
                want = p.ptr[pi + 1];
                step = 2;
            }
            if (want == k.ptr[ki]) {
                pi += step;
                ki++;
                continue;
            }
        }
        if (star_p == SIZE_MAX) {
            return false;
        }
        pi = star_p;
        ki = ++star_k;
    }
    while (pi < p.len && p.ptr[pi] == '*') {
        pi++;
    }
    return pi == p.len;
}

static bool has_wildcard(struct str p)
{
    for (size_t i = 0; i < p.len; i++) {
        if (p.ptr[i] == '\\') {
            i++;
        } else if (p.ptr[i] == '*') {
            return true;
        }
    }
    return false;
}

/* The key a pattern without wildcards names (escapes removed), in buf (>= p.len bytes). */
static struct str unescape(struct str p, char *buf)
{
    size_t n = 0;
    for (size_t i = 0; i < p.len; i++) {
        if (p.ptr[i] == '\\' && i + 1 < p.len) {
            i++;
        }
        buf[n++] = p.ptr[i];
    }
    return str_make(buf, n);
}

int db_cache_delete(struct db_cache *c, struct str ns_name, struct str pattern, struct diag *d,
                    size_t *out_deleted)
{
    *out_deleted = 0;
    if (pattern.len == 0 || pattern.len > 2 * DB_CACHE_KEY_MAX_BYTES) {
        return diag_set(d, RC_INVAL, "cache pattern is %zu bytes, allowed 1..%zu", pattern.len,
                        2 * DB_CACHE_KEY_MAX_BYTES);
    }
    char buf[2 * DB_CACHE_KEY_MAX_BYTES];
    int64_t now = cache_lock(c);
    struct cns *ns = ns_get(c, ns_name, false, now);
    size_t n = 0;
    if (ns != NULL && !has_wildcard(pattern)) {
        struct centry *e = map_find(ns->entries, unescape(pattern, buf));
        if (e != NULL) {
            n += expired(e, now) ? 0 : 1;
            entry_drop(c, ns, e);
        }
    } else if (ns != NULL) {
        struct centry *next = NULL;
        for (struct centry *e = ns->head; e != NULL; e = next) {
            next = e->next;
            if (db_cache_match(pattern, e->key)) {
                n += expired(e, now) ? 0 : 1;
                entry_drop(c, ns, e);
            }
        }
    }
    if (ns != NULL) {
        ns->st.deletes += n;
    }
    pthread_mutex_unlock(&c->mu);
    *out_deleted = n;
    return RC_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return str_cmp(*(const struct str *)a, *(const struct str *)b);
}

int db_cache_keys(struct db_cache *c, struct str ns_name, struct str pattern, struct arena *arena,
                  struct diag *d, struct str **out_keys, size_t *out_count)
{
    *out_keys = NULL;
    *out_count = 0;
    if (pattern.len > 2 * DB_CACHE_KEY_MAX_BYTES) {
        return diag_set(d, RC_INVAL, "cache pattern is %zu bytes, limit %zu", pattern.len,
                        2 * DB_CACHE_KEY_MAX_BYTES);
    }
    if (pattern.len == 0) {
        pattern = STR("*");
    }
    int64_t now = cache_lock(c);
    struct cns *ns = ns_get(c, ns_name, false, now);
    size_t cap = ns ? map_count(ns->entries) : 0;
    struct str *keys = arena_alloc(arena, (cap ? cap : 1) * sizeof(*keys));
    size_t n = 0;
    for (struct centry *e = ns ? ns->head : NULL; e != NULL; e = e->next) {
        if (!expired(e, now) && db_cache_match(pattern, e->key)) {
            keys[n++] = arena_strdup(arena, e->key);
        }
    }
    pthread_mutex_unlock(&c->mu);
    qsort(keys, n, sizeof(*keys), cmp_str);
    *out_keys = keys;
    *out_count = n < DB_CACHE_LIST_MAX ? n : DB_CACHE_LIST_MAX;
    return RC_OK;
}

size_t db_cache_clear(struct db_cache *c, struct str ns_name)
{
    int64_t now = cache_lock(c);
    struct cns *ns = ns_get(c, ns_name, false, now);
    size_t n = 0;
    while (ns != NULL && ns->head != NULL) {
        n += expired(ns->head, now) ? 0 : 1;
        entry_drop(c, ns, ns->head);
    }
    if (ns != NULL) {
        ns->st.deletes += n;
    }
    pthread_mutex_unlock(&c->mu);
    return n;
}

/* Live entries of ns (lock held). */
static size_t ns_live(const struct cns *ns, int64_t now)
{
    size_t n = 0;
    for (const struct centry *e = ns->head; e != NULL; e = e->next) {
        n += expired(e, now) ? 0 : 1;
    }
    return n;
}

size_t db_cache_size(struct db_cache *c, struct str ns_name)
{
    int64_t now = cache_lock(c);
    struct cns *ns = ns_get(c, ns_name, false, now);
    size_t n = ns ? ns_live(ns, now) : 0;
    pthread_mutex_unlock(&c->mu);
    return n;
}

void db_cache_stats(struct db_cache *c, struct str ns_name, struct db_cache_stats *out)
{
    *out = (struct db_cache_stats){ 0 };
    int64_t now = cache_lock(c);
    struct cns *ns = ns_get(c, ns_name, false, now);
    if (ns != NULL) {
        *out = ns->st;
        out->entries = ns_live(ns, now);
        out->bytes = ns->bytes;
        for (const struct db_cache_reader *r = ns->readers; r != NULL; r = r->next) {
            uint64_t hits = (uint64_t)atomic_load_explicit(&r->hits, memory_order_relaxed);
            out->hits += hits;
            out->reader_hits += hits;
        }
    }
    pthread_mutex_unlock(&c->mu);
}

size_t db_cache_sweep(struct db_cache *c)
{
    size_t n = 0;
    int64_t now = cache_lock(c);
    size_t it = 0;
    struct str k;
    void *v = NULL;
    while (map_next(c->spaces, &it, &k, &v)) {
        n += ns_sweep(c, v, now);
    }
    pthread_mutex_unlock(&c->mu);
    return n;
}

void db_cache_reader_open(struct db_cache *c, struct str ns_name, struct db_cache_reader *r)
{
    int64_t now = cache_lock(c);
    struct cns *ns = ns_get(c, ns_name, true, now);
    atomic_store_explicit(&r->hits, 0.0, memory_order_relaxed);
    r->ns = ns;
    r->prev = NULL;
    r->next = ns->readers;
    if (ns->readers != NULL) {
        ns->readers->prev = r;
    }
    ns->readers = r;
    pthread_mutex_unlock(&c->mu);
}

void db_cache_reader_close(struct db_cache *c, struct db_cache_reader *r)
{
    if (c == NULL || r->ns == NULL) {
        return;
    }
    pthread_mutex_lock(&c->mu);
    struct cns *ns = r->ns;
    uint64_t hits = (uint64_t)atomic_load_explicit(&r->hits, memory_order_relaxed);
    ns->st.hits += hits;
    ns->st.reader_hits += hits;
    if (r->prev != NULL) {
        r->prev->next = r->next;
    } else {
        ns->readers = r->next;
    }
    if (r->next != NULL) {
        r->next->prev = r->prev;
    }
    r->ns = NULL;
    pthread_mutex_unlock(&c->mu);
}
