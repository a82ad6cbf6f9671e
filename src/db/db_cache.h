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
 * Time is the wall clock in milliseconds (clk_realtime_ms, the clock of JavaScript's Date.now),
 * or a manual clock (struct db_cache_options.manual_clock, db_cache_clock_set) that tests move
 * by hand instead of sleeping.
 *
 * Readers that keep their own copy of a value (the JS prelude, api_data.c "cache.get") answer a
 * repeated get without calling in here, from memory the cache shares with them
 * (db_cache_shared_mem): each live entry owns a slot holding its stamp, which changes when the
 * entry is replaced, deleted, evicted, cleared or swept; readers also record the entry's use
 * there for the LRU and count their hits in a struct db_cache_reader. The layout and the
 * protocol are below ("Shared memory").
 *
 * Thread contract: any thread; every function takes the cache's mutex except db_cache_match and
 * db_cache_shared_mem.
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

/* Slots of shared memory for entries, by default (one per live entry; entries beyond get none
 * and are always answered here). */
#define DB_CACHE_SLOTS   ((uint32_t)65536)
#define DB_CACHE_NO_SLOT UINT32_MAX

/* Zero fields take the defaults above. */
struct db_cache_options {
    size_t ns_max_bytes;   /* per namespace: key + value + DB_CACHE_ENTRY_OVERHEAD per entry */
    size_t ns_max_entries; /* per namespace */
    bool manual_clock; /* time is what db_cache_clock_set says (starts at 0), not the wall clock */
    uint32_t slots;    /* shared slots (tests use a few to see them reused and run out) */
};

struct db_cache_stats {
    size_t entries; /* live (unexpired) entries */
    size_t bytes;   /* accounted bytes of the namespace, expired entries not yet swept included */
    uint64_t hits;
    uint64_t misses;
    uint64_t sets;
    uint64_t deletes;
    uint64_t evictions;   /* entries dropped by the LRU to stay within the budget */
    uint64_t reader_hits; /* of hits, those readers answered themselves (db_cache_reader) */
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

/* What db_cache_get_stamped says about the entry it found (zeros on a miss). */
struct db_cache_found {
    uint64_t stamp;     /* never 0; unique in the process to each db_cache_set */
    int64_t expires_ms; /* 0: never */
    uint32_t slot;      /* the entry's shared slot, DB_CACHE_NO_SLOT when it has none */
};

/*
 * As db_cache_get, but *out_found tells the entry's stamp (an equal stamp means the same stored
 * value), expiry and shared slot, and the value is copied only when that stamp differs from
 * known_stamp (else *out_value is empty). Pass 0 when no value is known. Counts a hit and marks
 * the entry most recently used either way.
 */
WARN_UNUSED int db_cache_get_stamped(struct db_cache *c, struct str ns, struct str key,
                                     uint64_t known_stamp, struct arena *arena, struct diag *d,
                                     struct str *out_value, struct db_cache_found *out_found);

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

/* Set the manual clock (struct db_cache_options.manual_clock) to now_ms; ignored otherwise. */
void db_cache_clock_set(struct db_cache *c, int64_t now_ms);

/*
 * Shared memory. db_cache_shared_mem returns the cache's shared block (its length in *out_len),
 * fixed for the cache's life, for readers to map (a JS ArrayBuffer). Little-endian layout, in
 * 8-byte words (W) and 4-byte halves (U, U[2w] the low half of word w):
 *
 *   U[0]  use sequence: each use of an entry takes the next value with an atomic add
 *         (JS Atomics.add); 32 bits, wrapping
 *   U[1]  1: the clock is manual and W[1] is its time; 0: the wall clock (JS Date.now())
 *   W[1]  the manual clock's time, ms (a double)
 *   slot i (0 <= i < options.slots) at word 2 + 2i:
 *   W[2+2i]      the stamp of the entry in the slot as a double (exact: stamps stay far below
 *                2^53), 0 when the slot is free; stored with release order after the entry
 *                (and the slot's other word) is complete, cleared before the entry goes
 *   U[4+4i+2]    the use sequence value of the entry's last use by a reader: readers store
 *                the larger (wrapping comparison) of it and their own value with a
 *                compare-and-swap; the cache folds it into its LRU order under its mutex
 *
 * A reader that learned (slot, stamp, expires_ms) from db_cache_get_stamped, and kept the
 * value, may answer a get of the same key without calling in here while W[2+2i] still equals
 * the stamp and the clock reads before expires_ms (0: never): it then takes a use sequence
 * value, records it in the slot, and adds 1 to its struct db_cache_reader's hits. Every 2^30th
 * sequence value (v & 0x3fffffff == 0x3fffffff) it must call db_cache_get_stamped instead, so
 * the cache sees the 32-bit sequence at least once per 2^30 uses (it extends it to 64 bits, and
 * keeps every slot's use word within 2^31 of the sequence so the wrapping comparison holds).
 * Stores are plain 4- and 8-byte aligned stores, atomic on x86-64 (TSO); the C side uses
 * atomics with explicit order.
 */
void *db_cache_shared_mem(struct db_cache *c, size_t *out_len);

#define DB_CACHE_SHARED_SLOT_WORD0 2 /* W index of slot 0's stamp */

/* The hits of one reader of one namespace (caller-owned; JS increments hits as a double in
 * place; the other fields are private). */
struct db_cache_reader {
    _Atomic double hits;
    struct db_cache_reader *prev; /* private */
    struct db_cache_reader *next; /* private */
    void *ns;                     /* private */
};

/* Count r->hits (starting at 0) into ns's statistics from now on. */
void db_cache_reader_open(struct db_cache *c, struct str ns, struct db_cache_reader *r);

/* Stop: r's hits so far stay counted in its namespace. NULL c or an unopened r: no-op. */
void db_cache_reader_close(struct db_cache *c, struct db_cache_reader *r);

/* True when key matches pattern (see db_cache_delete). Any thread, no lock. */
bool db_cache_match(struct str pattern, struct str key);
