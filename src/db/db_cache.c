/* SPDX-License-Identifier: MIT */
/*
 * The in-memory cache with TTL (db_cache.h): a map of namespaces, each a map of keys to
 * entries threaded on a doubly linked LRU list (head: most recently used). One mutex guards
 * everything: every operation is a few map probes and list splices, far shorter than the JS
 * call around it. Expired entries are invisible at once and unlinked by the namespace's next
 * call once per DB_CACHE_SWEEP_INTERVAL_MS, or by db_cache_sweep().
 * Thread contract: any thread.
 */
#include "db/db_cache.h"

#include <pthread.h>
#include <stdatomic.h>
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
};

struct cns {
    struct str name;     /* owned copy of the namespace's name */
    struct map *entries; /* key -> struct centry * */
    struct centry *head;
    struct centry *tail;
    size_t bytes;
    int64_t last_sweep_ms;
    struct db_cache_stats st; /* entries and bytes are computed when read */
};

struct db_cache {
    pthread_mutex_t mu;
    struct db_cache_options opts;
    struct map *spaces; /* namespace -> struct cns * */
    struct cns *last;   /* the namespace of the last call (namespaces live as long as c) */
};

/* Stamps of stored values: process-wide, so no two caches (tests make several) share one. */
static atomic_uint_fast64_t stamp_counter;

static int64_t mono_now(void *arg)
{
    (void)arg;
    return clk_mono_ms();
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
    if (c->opts.now_ms == NULL) {
        c->opts.now_ms = mono_now;
    }
    c->spaces = map_new();
    return c;
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
static void entry_drop(struct cns *ns, struct centry *e)
{
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
    pthread_mutex_destroy(&c->mu);
    mem_free(c);
}

/* Remove the expired entries of ns; returns how many. */
static size_t ns_sweep(struct cns *ns, int64_t now)
{
    size_t n = 0;
    struct centry *next = NULL;
    for (struct centry *e = ns->head; e != NULL; e = next) {
        next = e->next;
        if (expired(e, now)) {
            entry_drop(ns, e);
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
    if (ns != NULL && now - ns->last_sweep_ms >= DB_CACHE_SWEEP_INTERVAL_MS) {
        (void)ns_sweep(ns, now);
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
 * removed by a read) until ns holds room for `need` more bytes and one more entry. */
static void ns_make_room(struct db_cache *c, struct cns *ns, size_t need)
{
    while (ns->tail != NULL && (ns->bytes + need > c->opts.ns_max_bytes ||
                                map_count(ns->entries) + 1 > c->opts.ns_max_entries)) {
        entry_drop(ns, ns->tail);
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

    pthread_mutex_lock(&c->mu);
    int64_t now = c->opts.now_ms(c->opts.clock_arg);
    e->expires_ms = ttl_ms ? now + ttl_ms : 0;
    struct cns *ns = ns_get(c, ns_name, true, now);
    struct centry *old = map_find(ns->entries, key);
    if (old != NULL) {
        entry_drop(ns, old);
    }
    ns_make_room(c, ns, need);
    map_set(ns->entries, e->key, e, NULL);
    lru_push_front(ns, e);
    ns->bytes += need;
    ns->st.sets++;
    pthread_mutex_unlock(&c->mu);
    return RC_OK;
}

int db_cache_get(struct db_cache *c, struct str ns_name, struct str key, struct arena *arena,
                 struct diag *d, struct str *out_value)
{
    uint64_t stamp = 0;
    return db_cache_get_stamped(c, ns_name, key, 0, arena, d, out_value, &stamp);
}

int db_cache_get_stamped(struct db_cache *c, struct str ns_name, struct str key,
                         uint64_t known_stamp, struct arena *arena, struct diag *d,
                         struct str *out_value, uint64_t *out_stamp)
{
    *out_value = str_make("", 0);
    *out_stamp = 0;
    int rc = check_key(ns_name, key, d);
    if (rc != RC_OK) {
        return rc;
    }
    pthread_mutex_lock(&c->mu);
    int64_t now = c->opts.now_ms(c->opts.clock_arg);
    struct cns *ns = ns_get(c, ns_name, true, now);
    struct centry *e = map_find(ns->entries, key);
    if (e != NULL && expired(e, now)) {
        entry_drop(ns, e);
        e = NULL;
    }
    if (e == NULL) {
        ns->st.misses++;
        rc = RC_NOTFOUND;
    } else {
        ns->st.hits++;
        if (ns->head != e) {
            lru_unlink(ns, e);
            lru_push_front(ns, e);
        }
        *out_stamp = e->stamp;
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
    pthread_mutex_lock(&c->mu);
    int64_t now = c->opts.now_ms(c->opts.clock_arg);
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
    pthread_mutex_lock(&c->mu);
    int64_t now = c->opts.now_ms(c->opts.clock_arg);
    struct cns *ns = ns_get(c, ns_name, false, now);
    size_t n = 0;
    if (ns != NULL && !has_wildcard(pattern)) {
        struct centry *e = map_find(ns->entries, unescape(pattern, buf));
        if (e != NULL) {
            n += expired(e, now) ? 0 : 1;
            entry_drop(ns, e);
        }
    } else if (ns != NULL) {
        struct centry *next = NULL;
        for (struct centry *e = ns->head; e != NULL; e = next) {
            next = e->next;
            if (db_cache_match(pattern, e->key)) {
                n += expired(e, now) ? 0 : 1;
                entry_drop(ns, e);
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
    pthread_mutex_lock(&c->mu);
    int64_t now = c->opts.now_ms(c->opts.clock_arg);
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
    pthread_mutex_lock(&c->mu);
    int64_t now = c->opts.now_ms(c->opts.clock_arg);
    struct cns *ns = ns_get(c, ns_name, false, now);
    size_t n = 0;
    while (ns != NULL && ns->head != NULL) {
        n += expired(ns->head, now) ? 0 : 1;
        entry_drop(ns, ns->head);
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
    pthread_mutex_lock(&c->mu);
    int64_t now = c->opts.now_ms(c->opts.clock_arg);
    struct cns *ns = ns_get(c, ns_name, false, now);
    size_t n = ns ? ns_live(ns, now) : 0;
    pthread_mutex_unlock(&c->mu);
    return n;
}

void db_cache_stats(struct db_cache *c, struct str ns_name, struct db_cache_stats *out)
{
    *out = (struct db_cache_stats){ 0 };
    pthread_mutex_lock(&c->mu);
    int64_t now = c->opts.now_ms(c->opts.clock_arg);
    struct cns *ns = ns_get(c, ns_name, false, now);
    if (ns != NULL) {
        *out = ns->st;
        out->entries = ns_live(ns, now);
        out->bytes = ns->bytes;
    }
    pthread_mutex_unlock(&c->mu);
}

size_t db_cache_sweep(struct db_cache *c)
{
    size_t n = 0;
    pthread_mutex_lock(&c->mu);
    int64_t now = c->opts.now_ms(c->opts.clock_arg);
    size_t it = 0;
    struct str k;
    void *v = NULL;
    while (map_next(c->spaces, &it, &k, &v)) {
        n += ns_sweep(v, now);
    }
    pthread_mutex_unlock(&c->mu);
    return n;
}
