/* SPDX-License-Identifier: MIT */
/*
 * The cache with TTL behind the script API `cache` (spec/50-data.md §2): an in-memory map of
 * byte keys to byte values, one namespace per script, each bounded by an entry count and a
 * byte budget with least-recently-used eviction, with per-namespace statistics. One cache is
 * shared by every JS executor of the process. Values are opaque bytes: the caller chooses the
 * encoding (api/ stores a tagged JSON or byte form).
 *
 * Part of the store's layer (src/db) because it is one of the store's services and, with the
 * PostgreSQL driver, gains a shared table and bus invalidation behind the same functions.
 * Time comes from an injected clock (struct db_cache_options.now_ms), so tests move time by
 * hand instead of sleeping.
 *
 * Thread contract: any thread; every function takes the cache's mutex.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/defs.h"
#include "base/diag.h"
#include "base/rc.h"
#include "base/str.h"

#define DB_CACHE_KEY_MAX_BYTES     ((size_t)512)
#define DB_CACHE_VALUE_MAX_BYTES   ((size_t)1024 * 1024)
#define DB_CACHE_NS_MAX_BYTES      ((size_t)64 * 1024 * 1024)
#define DB_CACHE_NS_MAX_ENTRIES    ((size_t)10000)
#define DB_CACHE_LIST_MAX          ((size_t)10000)
#define DB_CACHE_ENTRY_OVERHEAD    ((size_t)64) /* bytes counted per entry besides key+value */
#define DB_CACHE_SWEEP_INTERVAL_MS ((int64_t)1000)

typedef int64_t db_cache_clock_fn(void *arg);

/* Zero fields take the defaults above; now_ms NULL: the monotonic clock (clk_mono_ms). */
struct db_cache_options {
    size_t ns_max_bytes;   /* per namespace: key + value + DB_CACHE_ENTRY_OVERHEAD per entry */
    size_t ns_max_entries; /* per namespace */
    db_cache_clock_fn *now_ms;
    void *clock_arg;
};

struct db_cache_stats {
    size_t entries; /* live (unexpired) entries */
    size_t bytes;   /* accounted bytes of the namespace, expired entries not yet swept included */
    uint64_t hits;
    uint64_t misses;
    uint64_t sets;
    uint64_t deletes;
    uint64_t evictions; /* entries dropped by the LRU to stay within the budget */
};

struct db_cache;

/* Return an owned, empty cache; free with db_cache_free(). opts may be NULL. */
struct db_cache *db_cache_new(const struct db_cache_options *opts);

/* Free the cache and every entry. NULL is a no-op. No other thread may use it meanwhile. */
void db_cache_free(struct db_cache *c);

/*
 * Store value at key in namespace ns (a script's namespace, 1..512 bytes), replacing any
 * previous entry, living ttl_ms milliseconds (0: until evicted). The entry becomes the most
 * recently used; least recently used entries of ns are evicted until the namespace fits its
 * budget. Copies key and value. RC_OK; RC_INVAL for an empty key or namespace or a negative
 * ttl; RC_LIMIT for a key over 512 bytes, a value over 1 MiB, or an entry larger than the
 * whole namespace budget.
 */
WARN_UNUSED int db_cache_set(struct db_cache *c, struct str ns, struct str key, struct str value,
                             int64_t ttl_ms, struct diag *d);

/*
 * Copy the value of key into arena (*out_value) and mark it most recently used; counts a hit.
 * RC_NOTFOUND (a miss, counted; no message) when absent or expired; RC_INVAL / RC_LIMIT for a
 * bad key.
 */
WARN_UNUSED int db_cache_get(struct db_cache *c, struct str ns, struct str key, struct arena *arena,
                             struct diag *d, struct str *out_value);

/*
 * As db_cache_get, but *out_stamp gets the entry's stamp (never 0; unique in the process to
 * each db_cache_set, so an equal stamp means the same stored value) and the value is copied
 * only when that stamp differs from known_stamp (else *out_value is empty). Pass 0 when no
 * value is known. Counts a hit and marks the entry most recently used either way.
 */
WARN_UNUSED int db_cache_get_stamped(struct db_cache *c, struct str ns, struct str key,
                                     uint64_t known_stamp, struct arena *arena, struct diag *d,
                                     struct str *out_value, uint64_t *out_stamp);

/* True when key is present and unexpired (neither a hit nor a miss, no LRU change). */
bool db_cache_has(struct db_cache *c, struct str ns, struct str key);

/*
 * Delete the entries of ns whose key matches pattern (db_cache_match(): `*` matches any run of
 * bytes, `\*` a literal star, `\\` a backslash; a pattern without `*` is one key).
 * *out_deleted gets the number of live entries removed. RC_OK or RC_INVAL (empty pattern).
 */
WARN_UNUSED int db_cache_delete(struct db_cache *c, struct str ns, struct str pattern,
                                struct diag *d, size_t *out_deleted);

/*
 * List the live keys of ns matching pattern, sorted bytewise, at most DB_CACHE_LIST_MAX, copied
 * into arena: an arena array in *out_keys and its length in *out_count.
 */
WARN_UNUSED int db_cache_keys(struct db_cache *c, struct str ns, struct str pattern,
                              struct arena *arena, struct diag *d, struct str **out_keys,
                              size_t *out_count);

/* Remove every entry of ns; returns the number of live entries removed. */
size_t db_cache_clear(struct db_cache *c, struct str ns);

/* Number of live entries of ns. */
size_t db_cache_size(struct db_cache *c, struct str ns);

/* Fill *out with the statistics of ns (zeros for an unknown namespace). */
void db_cache_stats(struct db_cache *c, struct str ns, struct db_cache_stats *out);

/* Remove expired entries of every namespace now (they are invisible already); returns how
 * many were removed. Each namespace is also swept on its own calls at most once per
 * DB_CACHE_SWEEP_INTERVAL_MS. */
size_t db_cache_sweep(struct db_cache *c);

/* True when key matches pattern (see db_cache_delete). Any thread, no lock. */
bool db_cache_match(struct str pattern, struct str key);
