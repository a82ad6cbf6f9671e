/* SPDX-License-Identifier: MIT */
/*
 * The cache with TTL (db_cache.h): set/get, TTL expiry with an injected clock (time is moved by
 * hand, never slept), LRU eviction by entry count and by bytes, patterns, namespaces, stats,
 * and several threads hammering one cache.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sched.h>

#include "base/arena.h"
#include "base/clk.h"
#include "db/db_cache.h"
#include "harness.h"

/* The time of the tests' caches (manual clocks: moved by hand, never slept). */
static int64_t test_now_ms;

/* Set c's manual clock to now_ms. */
static void clock_to(struct db_cache *c, int64_t now_ms)
{
    test_now_ms = now_ms;
    db_cache_clock_set(c, now_ms);
}

static struct db_cache *new_cache(int64_t start_ms, size_t max_bytes, size_t max_entries)
{
    struct db_cache_options o = { .ns_max_bytes = max_bytes,
                                  .ns_max_entries = max_entries,
                                  .manual_clock = true };
    struct db_cache *c = db_cache_new(&o);
    clock_to(c, start_ms);
    return c;
}

/* Get key with a known stamp: returns the rc, *out_stamp, and the copied value ("" when the
 * stamp was the known one) in buf. */
static int get_stamped(struct db_cache *c, const char *ns, const char *key, uint64_t known,
                       uint64_t *out_stamp, char *buf, size_t n)
{
    struct arena *a = arena_new(256);
    struct diag d;
    struct str v;
    struct db_cache_found f;
    int rc = db_cache_get_stamped(c, str_from_cstr(ns), str_from_cstr(key), known, a, &d, &v, &f);
    *out_stamp = f.stamp;
    (void)snprintf(buf, n, "%.*s", STR_FMT(v));
    arena_free(a);
    return rc;
}

/* Get key as a C string in buf ("" on a miss); returns the rc. */
static int get_s(struct db_cache *c, const char *ns, const char *key, char *buf, size_t n)
{
    uint64_t stamp = 0;
    return get_stamped(c, ns, key, 0, &stamp, buf, n);
}

static void set_s(struct db_cache *c, const char *ns, const char *key, const char *val,
                  int64_t ttl_ms)
{
    struct diag d;
    ASSERT_OK(
        db_cache_set(c, str_from_cstr(ns), str_from_cstr(key), str_from_cstr(val), ttl_ms, &d));
}

TEST(cache_set_get_replace)
{
    struct db_cache *c = new_cache(1000, 0, 0);
    char buf[64];
    ASSERT_RC(get_s(c, "s", "a", buf, sizeof(buf)), RC_NOTFOUND);
    set_s(c, "s", "a", "one", 0);
    ASSERT_OK(get_s(c, "s", "a", buf, sizeof(buf)));
    ASSERT_EQ_STR(buf, "one");
    set_s(c, "s", "a", "two", 0);
    ASSERT_OK(get_s(c, "s", "a", buf, sizeof(buf)));
    ASSERT_EQ_STR(buf, "two");
    ASSERT_EQ_SIZE(db_cache_size(c, STR("s")), 1);
    struct db_cache_stats st;
    db_cache_stats(c, STR("s"), &st);
    ASSERT_EQ_INT(st.hits, 2);
    ASSERT_EQ_INT(st.misses, 1);
    ASSERT_EQ_INT(st.sets, 2);
    ASSERT_EQ_SIZE(st.entries, 1);
    ASSERT_EQ_SIZE(st.bytes, 1 + 3 + DB_CACHE_ENTRY_OVERHEAD);
    db_cache_free(c);
}

TEST(cache_ttl_expiry_with_injected_clock)
{
    struct db_cache *c = new_cache(5000, 0, 0);
    char buf[64];
    set_s(c, "s", "short", "x", 1000);
    set_s(c, "s", "forever", "y", 0);
    clock_to(c, test_now_ms + 999);
    ASSERT_OK(get_s(c, "s", "short", buf, sizeof(buf)));
    ASSERT_TRUE(db_cache_has(c, STR("s"), STR("short")));
    clock_to(c, test_now_ms + 1); /* exactly at expiry: gone */
    ASSERT_RC(get_s(c, "s", "short", buf, sizeof(buf)), RC_NOTFOUND);
    ASSERT_FALSE(db_cache_has(c, STR("s"), STR("short")));
    ASSERT_EQ_SIZE(db_cache_size(c, STR("s")), 1);
    clock_to(c, test_now_ms + 365LL * 24 * 3600 * 1000);
    ASSERT_OK(get_s(c, "s", "forever", buf, sizeof(buf)));
    ASSERT_EQ_STR(buf, "y");
    db_cache_free(c);
}

TEST(cache_expired_entries_are_swept)
{
    struct db_cache *c = new_cache(0, 0, 0);
    for (int i = 0; i < 10; i++) {
        char k[16];
        (void)snprintf(k, sizeof(k), "k%d", i);
        set_s(c, "s", k, "v", i < 7 ? 10 : 0);
    }
    struct db_cache_stats st;
    clock_to(c, 20);
    db_cache_stats(c, STR("s"), &st);
    ASSERT_EQ_SIZE(st.entries, 3);
    ASSERT_EQ_SIZE(st.bytes, 10 * (2 + 1 + DB_CACHE_ENTRY_OVERHEAD)); /* invisible, not freed */
    ASSERT_EQ_SIZE(db_cache_sweep(c), 7);
    db_cache_stats(c, STR("s"), &st);
    ASSERT_EQ_SIZE(st.bytes, 3 * (2 + 1 + DB_CACHE_ENTRY_OVERHEAD));
    /* The namespace's own calls sweep once the interval passed. */
    set_s(c, "s", "t", "v", 5);
    clock_to(c, test_now_ms + DB_CACHE_SWEEP_INTERVAL_MS);
    ASSERT_EQ_SIZE(db_cache_size(c, STR("s")), 3);
    db_cache_stats(c, STR("s"), &st);
    ASSERT_EQ_SIZE(st.bytes, 3 * (2 + 1 + DB_CACHE_ENTRY_OVERHEAD));
    db_cache_free(c);
}

TEST(cache_lru_eviction_by_count)
{
    struct db_cache *c = new_cache(0, 0, 3);
    char buf[16];
    set_s(c, "s", "a", "1", 0);
    set_s(c, "s", "b", "2", 0);
    set_s(c, "s", "c", "3", 0);
    ASSERT_OK(get_s(c, "s", "a", buf, sizeof(buf))); /* a becomes most recent: b is oldest */
    set_s(c, "s", "d", "4", 0);
    ASSERT_RC(get_s(c, "s", "b", buf, sizeof(buf)), RC_NOTFOUND);
    ASSERT_OK(get_s(c, "s", "a", buf, sizeof(buf)));
    ASSERT_OK(get_s(c, "s", "c", buf, sizeof(buf)));
    ASSERT_OK(get_s(c, "s", "d", buf, sizeof(buf)));
    struct db_cache_stats st;
    db_cache_stats(c, STR("s"), &st);
    ASSERT_EQ_INT(st.evictions, 1);
    ASSERT_EQ_SIZE(st.entries, 3);
    db_cache_free(c);
}

TEST(cache_stamps_skip_the_copy_of_a_known_value)
{
    struct db_cache *c = new_cache(0, 0, 2);
    struct db_cache *other = new_cache(0, 0, 0);
    char buf[16];
    uint64_t s1 = 0;
    uint64_t s2 = 0;
    uint64_t s3 = 0;
    set_s(c, "s", "a", "one", 1000);
    ASSERT_OK(get_stamped(c, "s", "a", 0, &s1, buf, sizeof(buf)));
    ASSERT_EQ_STR(buf, "one");
    ASSERT_TRUE(s1 != 0);
    /* Known: no copy, same stamp, still a hit. */
    ASSERT_OK(get_stamped(c, "s", "a", s1, &s2, buf, sizeof(buf)));
    ASSERT_EQ_STR(buf, "");
    ASSERT_TRUE(s2 == s1);
    /* Another stamp known: copied. */
    ASSERT_OK(get_stamped(c, "s", "a", s1 + 12345, &s2, buf, sizeof(buf)));
    ASSERT_EQ_STR(buf, "one");
    /* The same value set again is a new stamp, in this cache and in any other. */
    set_s(c, "s", "a", "one", 1000);
    ASSERT_OK(get_stamped(c, "s", "a", s1, &s2, buf, sizeof(buf)));
    ASSERT_EQ_STR(buf, "one");
    ASSERT_TRUE(s2 != s1);
    set_s(other, "s", "a", "one", 0);
    ASSERT_OK(get_stamped(other, "s", "a", 0, &s3, buf, sizeof(buf)));
    ASSERT_TRUE(s3 != s1 && s3 != s2);
    /* A get with the known stamp still makes the entry the most recently used: b is evicted. */
    set_s(c, "s", "b", "two", 0);
    ASSERT_OK(get_stamped(c, "s", "a", s2, &s3, buf, sizeof(buf)));
    ASSERT_TRUE(s3 == s2);
    set_s(c, "s", "c", "three", 0);
    ASSERT_RC(get_s(c, "s", "b", buf, sizeof(buf)), RC_NOTFOUND);
    /* Expired, deleted: misses with stamp 0, whatever stamp was known. */
    clock_to(c, 1000);
    ASSERT_RC(get_stamped(c, "s", "a", s2, &s3, buf, sizeof(buf)), RC_NOTFOUND);
    ASSERT_TRUE(s3 == 0);
    ASSERT_OK(get_stamped(c, "s", "c", 0, &s1, buf, sizeof(buf)));
    size_t n = 0;
    struct diag d;
    ASSERT_OK(db_cache_delete(c, STR("s"), STR("c"), &d, &n));
    ASSERT_RC(get_stamped(c, "s", "c", s1, &s3, buf, sizeof(buf)), RC_NOTFOUND);
    ASSERT_TRUE(s3 == 0);
    struct db_cache_stats st;
    db_cache_stats(c, STR("s"), &st);
    ASSERT_EQ_INT(st.hits, 6);
    ASSERT_EQ_INT(st.misses, 3);
    db_cache_free(c);
    db_cache_free(other);
}

/* Several namespaces in turn: the last-namespace shortcut never answers for another one. */
TEST(cache_namespaces_in_turn)
{
    struct db_cache *c = new_cache(0, 0, 0);
    char buf[16];
    set_s(c, "one", "k", "1", 0);
    set_s(c, "two", "k", "2", 0);
    set_s(c, "on", "k", "3", 0);
    for (int i = 0; i < 3; i++) {
        ASSERT_OK(get_s(c, "one", "k", buf, sizeof(buf)));
        ASSERT_EQ_STR(buf, "1");
        ASSERT_OK(get_s(c, "on", "k", buf, sizeof(buf)));
        ASSERT_EQ_STR(buf, "3");
        ASSERT_OK(get_s(c, "two", "k", buf, sizeof(buf)));
        ASSERT_EQ_STR(buf, "2");
        ASSERT_RC(get_s(c, "three", "k", buf, sizeof(buf)), RC_NOTFOUND);
    }
    ASSERT_EQ_SIZE(db_cache_size(c, STR("one")), 1);
    ASSERT_EQ_SIZE(db_cache_size(c, STR("three")), 0);
    db_cache_free(c);
}

TEST(cache_lru_eviction_by_bytes)
{
    size_t per = 1 + 100 + DB_CACHE_ENTRY_OVERHEAD;
    struct db_cache *c = new_cache(0, 3 * per, 0);
    char big[101];
    memset(big, 'x', 100);
    big[100] = 0;
    set_s(c, "s", "a", big, 0);
    set_s(c, "s", "b", big, 0);
    set_s(c, "s", "c", big, 0);
    set_s(c, "s", "d", big, 0);
    ASSERT_FALSE(db_cache_has(c, STR("s"), STR("a")));
    ASSERT_TRUE(db_cache_has(c, STR("s"), STR("d")));
    struct db_cache_stats st;
    db_cache_stats(c, STR("s"), &st);
    ASSERT_EQ_SIZE(st.bytes, 3 * per);
    ASSERT_EQ_INT(st.evictions, 1);
    /* An entry larger than the whole budget is refused, and evicts nothing. */
    char huge[600];
    memset(huge, 'y', sizeof(huge) - 1);
    huge[sizeof(huge) - 1] = 0;
    struct diag d;
    ASSERT_RC(db_cache_set(c, STR("s"), STR("h"), str_from_cstr(huge), 0, &d), RC_LIMIT);
    ASSERT_EQ_SIZE(db_cache_size(c, STR("s")), 3);
    db_cache_free(c);
}

TEST(cache_namespaces_are_separate)
{
    struct db_cache *c = new_cache(0, 0, 2);
    char buf[16];
    set_s(c, "one", "k", "1", 0);
    set_s(c, "two", "k", "2", 0);
    set_s(c, "two", "k2", "2", 0);
    set_s(c, "two", "k3", "2", 0); /* evicts in "two" only */
    ASSERT_OK(get_s(c, "one", "k", buf, sizeof(buf)));
    ASSERT_EQ_STR(buf, "1");
    ASSERT_EQ_SIZE(db_cache_clear(c, STR("two")), 2);
    ASSERT_EQ_SIZE(db_cache_size(c, STR("one")), 1);
    ASSERT_EQ_SIZE(db_cache_size(c, STR("nobody")), 0);
    db_cache_free(c);
}

TEST(cache_patterns)
{
    ASSERT_TRUE(db_cache_match(STR("user:*"), STR("user:1")));
    ASSERT_TRUE(db_cache_match(STR("user:*"), STR("user:")));
    ASSERT_FALSE(db_cache_match(STR("user:*"), STR("users:1")));
    ASSERT_TRUE(db_cache_match(STR("*"), STR("anything")));
    ASSERT_TRUE(db_cache_match(STR("*:*:x"), STR("a:b:c:x")));
    ASSERT_FALSE(db_cache_match(STR("*:*:x"), STR("a:b:c:y")));
    ASSERT_TRUE(db_cache_match(STR("a\\*b"), STR("a*b")));
    ASSERT_FALSE(db_cache_match(STR("a\\*b"), STR("axxb")));
    ASSERT_TRUE(db_cache_match(STR("a\\\\b"), STR("a\\b")));
    ASSERT_TRUE(db_cache_match(STR("**a**"), STR("bab")));
    ASSERT_FALSE(db_cache_match(STR("exact"), STR("exact2")));

    struct db_cache *c = new_cache(0, 0, 0);
    set_s(c, "s", "user:2", "v", 0);
    set_s(c, "s", "user:1", "v", 0);
    set_s(c, "s", "post:1", "v", 0);
    set_s(c, "s", "star*", "v", 0);
    set_s(c, "s", "gone", "v", 1);
    clock_to(c, 5);
    struct arena *a = arena_new(256);
    struct diag d;
    struct str *keys = NULL;
    size_t n = 0;
    ASSERT_OK(db_cache_keys(c, STR("s"), STR("user:*"), a, &d, &keys, &n));
    ASSERT_EQ_SIZE(n, 2);
    ASSERT_TRUE(str_eq(keys[0], STR("user:1")));
    ASSERT_TRUE(str_eq(keys[1], STR("user:2")));
    ASSERT_OK(db_cache_keys(c, STR("s"), STR(""), a, &d, &keys, &n));
    ASSERT_EQ_SIZE(n, 4); /* the expired one is not listed */
    size_t del = 0;
    ASSERT_OK(db_cache_delete(c, STR("s"), STR("star\\*"), &d, &del));
    ASSERT_EQ_SIZE(del, 1);
    ASSERT_OK(db_cache_delete(c, STR("s"), STR("user:*"), &d, &del));
    ASSERT_EQ_SIZE(del, 2);
    ASSERT_OK(db_cache_delete(c, STR("s"), STR("nothing"), &d, &del));
    ASSERT_EQ_SIZE(del, 0);
    ASSERT_RC(db_cache_delete(c, STR("s"), STR(""), &d, &del), RC_INVAL);
    ASSERT_EQ_SIZE(db_cache_size(c, STR("s")), 1);
    struct db_cache_stats st;
    db_cache_stats(c, STR("s"), &st);
    ASSERT_EQ_INT(st.deletes, 3);
    arena_free(a);
    db_cache_free(c);
}

TEST(cache_limits)
{
    struct db_cache *c = db_cache_new(NULL);
    struct diag d;
    char key[DB_CACHE_KEY_MAX_BYTES + 2];
    memset(key, 'k', sizeof(key) - 1);
    key[sizeof(key) - 1] = 0;
    ASSERT_RC(db_cache_set(c, STR("s"), str_from_cstr(key), STR("v"), 0, &d), RC_LIMIT);
    ASSERT_RC(db_cache_set(c, STR("s"), STR(""), STR("v"), 0, &d), RC_INVAL);
    ASSERT_RC(db_cache_set(c, STR(""), STR("k"), STR("v"), 0, &d), RC_INVAL);
    ASSERT_RC(db_cache_set(c, STR("s"), STR("k"), STR("v"), -1, &d), RC_INVAL);
    struct str big = { .ptr = NULL, .len = DB_CACHE_VALUE_MAX_BYTES + 1 };
    ASSERT_RC(db_cache_set(c, STR("s"), STR("k"), big, 0, &d), RC_LIMIT);
    ASSERT_OK(db_cache_set(c, STR("s"), STR("k"), STR(""), 0, &d)); /* empty values are fine */
    struct arena *a = arena_new(64);
    struct str v;
    ASSERT_OK(db_cache_get(c, STR("s"), STR("k"), a, &d, &v));
    ASSERT_EQ_SIZE(v.len, 0);
    arena_free(a);
    db_cache_free(c);
}

/* ------------------------------------------------------------------ readers (shared memory) */

/* A reader's copy of one key, as the prelude keeps it (60_data.js cacheGet). */
struct kept {
    uint32_t slot;
    uint64_t stamp;
    int64_t expires_ms;
};

/* Get key through the cache (the reader's first or slow get) and keep what it says. */
static int learn(struct db_cache *c, const char *ns, const char *key, struct kept *k)
{
    struct arena *a = arena_new(256);
    struct diag d;
    struct str v;
    struct db_cache_found f;
    int rc = db_cache_get_stamped(c, str_from_cstr(ns), str_from_cstr(key), 0, a, &d, &v, &f);
    *k = (struct kept){ .slot = f.slot, .stamp = f.stamp, .expires_ms = f.expires_ms };
    arena_free(a);
    return rc;
}

/* What the prelude does for a kept value (db_cache.h, "Shared memory"): true when it may
 * answer itself, after recording the use and the hit. */
static bool reader_get(struct db_cache *c, struct db_cache_reader *r, const struct kept *k)
{
    size_t len = 0;
    unsigned char *m = db_cache_shared_mem(c, &len);
    double *w = (double *)(void *)m;
    uint32_t *u = (uint32_t *)(void *)m;
    double stamp = 0;
    if (k->slot != DB_CACHE_NO_SLOT) {
        __atomic_load(&w[DB_CACHE_SHARED_SLOT_WORD0 + 2 * k->slot], &stamp, __ATOMIC_ACQUIRE);
    }
    if (k->slot == DB_CACHE_NO_SLOT || stamp != (double)k->stamp) {
        return false;
    }
    double now = u[1] ? w[1] : (double)clk_realtime_ms();
    if (k->expires_ms != 0 && !(now < (double)k->expires_ms)) {
        return false;
    }
    uint32_t seq = __atomic_fetch_add(&u[0], 1, __ATOMIC_SEQ_CST);
    if ((seq & 0x3fffffff) == 0x3fffffff) {
        return false;
    }
    uint32_t *used = &u[2 * DB_CACHE_SHARED_SLOT_WORD0 + 4 * k->slot + 2];
    uint32_t old = __atomic_load_n(used, __ATOMIC_RELAXED);
    while (
        (int32_t)(seq - old) > 0 &&
        !__atomic_compare_exchange_n(used, &old, seq, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
    }
    atomic_store(&r->hits, atomic_load(&r->hits) + 1);
    return true;
}

/* The use sequence word (U[0]), as a long-running process would have it. */
static void seq_set(struct db_cache *c, uint32_t v)
{
    size_t len = 0;
    uint32_t *u = db_cache_shared_mem(c, &len);
    __atomic_store_n(&u[0], v, __ATOMIC_SEQ_CST);
}

/* Every change to an entry (set, delete, clear, expiry, eviction) stops readers answering from
 * the copy they kept; the hits they answered are counted in stats, also after they close. */
TEST(cache_readers_stop_at_every_change)
{
    struct db_cache *c = new_cache(1000, 0, 3);
    struct db_cache_reader r;
    struct db_cache_reader other;
    db_cache_reader_open(c, STR("s"), &r);
    db_cache_reader_open(c, STR("t"), &other);
    struct kept k;
    set_s(c, "s", "a", "one", 0);
    ASSERT_OK(learn(c, "s", "a", &k));
    ASSERT_TRUE(k.slot != DB_CACHE_NO_SLOT && k.stamp != 0 && k.expires_ms == 0);
    for (int i = 0; i < 3; i++) {
        ASSERT_TRUE(reader_get(c, &r, &k));
    }
    set_s(c, "s", "a", "one", 0); /* the same value again: a new stamp */
    ASSERT_FALSE(reader_get(c, &r, &k));
    ASSERT_OK(learn(c, "s", "a", &k));
    ASSERT_TRUE(reader_get(c, &r, &k));
    size_t n = 0;
    struct diag d;
    ASSERT_OK(db_cache_delete(c, STR("s"), STR("a"), &d, &n));
    ASSERT_FALSE(reader_get(c, &r, &k));
    set_s(c, "s", "a", "two", 0);
    ASSERT_OK(learn(c, "s", "a", &k));
    ASSERT_EQ_SIZE(db_cache_clear(c, STR("s")), 1);
    ASSERT_FALSE(reader_get(c, &r, &k));
    /* Expiry by the cache's clock, exactly. */
    set_s(c, "s", "a", "three", 100);
    ASSERT_OK(learn(c, "s", "a", &k));
    ASSERT_TRUE(k.expires_ms == 1100);
    clock_to(c, 1099);
    ASSERT_TRUE(reader_get(c, &r, &k));
    clock_to(c, 1100);
    ASSERT_FALSE(reader_get(c, &r, &k));
    ASSERT_RC(learn(c, "s", "a", &k), RC_NOTFOUND);
    /* Eviction (3 entries at most). */
    set_s(c, "s", "b", "four", 0);
    ASSERT_OK(learn(c, "s", "b", &k));
    set_s(c, "s", "x", "1", 0);
    set_s(c, "s", "y", "2", 0);
    set_s(c, "s", "z", "3", 0);
    ASSERT_FALSE(reader_get(c, &r, &k));
    struct db_cache_stats st;
    db_cache_stats(c, STR("s"), &st);
    ASSERT_EQ_INT(st.evictions, 1);
    ASSERT_EQ_INT(st.reader_hits, 5);
    ASSERT_EQ_INT(st.hits, 5 + 5); /* and 5 learnt from the cache */
    ASSERT_EQ_INT(st.misses, 1);
    db_cache_reader_close(c, &r);
    db_cache_reader_close(c, &r); /* twice: no-op */
    db_cache_stats(c, STR("s"), &st);
    ASSERT_EQ_INT(st.reader_hits, 5);
    ASSERT_EQ_INT(st.hits, 10);
    db_cache_stats(c, STR("t"), &st);
    ASSERT_EQ_INT(st.hits, 0);
    db_cache_reader_close(c, &other);
    db_cache_free(c);
}

/* A use a reader recorded counts for the LRU: the entry it used is not the one evicted. */
TEST(cache_reader_uses_keep_the_lru_order)
{
    struct db_cache *c = new_cache(0, 0, 2);
    struct db_cache_reader r;
    db_cache_reader_open(c, STR("s"), &r);
    struct kept a;
    struct kept b;
    set_s(c, "s", "a", "1", 0);
    set_s(c, "s", "b", "2", 0);
    ASSERT_OK(learn(c, "s", "a", &a));
    ASSERT_OK(learn(c, "s", "b", &b));  /* b is the most recently used here */
    ASSERT_TRUE(reader_get(c, &r, &a)); /* and now a, seen only by the reader */
    set_s(c, "s", "c", "3", 0);
    ASSERT_TRUE(db_cache_has(c, STR("s"), STR("a")));
    ASSERT_FALSE(db_cache_has(c, STR("s"), STR("b")));
    /* Then the other way round: c used by the cache, a by the reader, then c by the reader. */
    struct kept kc;
    ASSERT_OK(learn(c, "s", "c", &kc));
    ASSERT_TRUE(reader_get(c, &r, &a));
    ASSERT_TRUE(reader_get(c, &r, &kc));
    set_s(c, "s", "d", "4", 0);
    ASSERT_FALSE(db_cache_has(c, STR("s"), STR("a")));
    ASSERT_TRUE(db_cache_has(c, STR("s"), STR("c")));
    db_cache_reader_close(c, &r);
    db_cache_free(c);
}

/* With 2 slots: the third entry has none (readers always ask), and a freed slot holds the next
 * entry under a new stamp (a reader of the slot's old entry asks again). */
TEST(cache_slots_run_out_and_are_reused)
{
    struct db_cache_options o = { .ns_max_entries = 10, .manual_clock = true, .slots = 2 };
    struct db_cache *c = db_cache_new(&o);
    struct db_cache_reader r;
    db_cache_reader_open(c, STR("s"), &r);
    struct kept a;
    struct kept b;
    struct kept k3;
    set_s(c, "s", "a", "1", 0);
    set_s(c, "s", "b", "2", 0);
    set_s(c, "s", "c", "3", 0);
    ASSERT_OK(learn(c, "s", "a", &a));
    ASSERT_OK(learn(c, "s", "b", &b));
    ASSERT_OK(learn(c, "s", "c", &k3));
    ASSERT_TRUE(a.slot != DB_CACHE_NO_SLOT && b.slot != DB_CACHE_NO_SLOT && a.slot != b.slot);
    ASSERT_TRUE(k3.slot == DB_CACHE_NO_SLOT);
    ASSERT_FALSE(reader_get(c, &r, &k3));
    size_t n = 0;
    struct diag d;
    ASSERT_OK(db_cache_delete(c, STR("s"), STR("a"), &d, &n));
    set_s(c, "s", "other", "x", 0); /* takes a's slot */
    struct kept ko;
    ASSERT_OK(learn(c, "s", "other", &ko));
    ASSERT_TRUE(ko.slot == a.slot && ko.stamp != a.stamp);
    ASSERT_FALSE(reader_get(c, &r, &a));
    ASSERT_TRUE(reader_get(c, &r, &ko));
    ASSERT_TRUE(reader_get(c, &r, &b));
    db_cache_reader_close(c, &r);
    db_cache_free(c);
}

/* The 32-bit use sequence wraps: uses recorded across the wrap keep their order, and every
 * 2^30th value sends the reader to the cache (which then folds every slot's use). */
TEST(cache_use_sequence_wraps)
{
    struct db_cache *c = new_cache(0, 0, 2);
    struct db_cache_reader r;
    db_cache_reader_open(c, STR("s"), &r);
    seq_set(c, 0xfffffff0u);
    struct kept a;
    struct kept b;
    set_s(c, "s", "a", "1", 0);
    set_s(c, "s", "b", "2", 0);
    ASSERT_OK(learn(c, "s", "a", &a));
    ASSERT_OK(learn(c, "s", "b", &b));
    int asked = 0;
    for (int i = 0; i < 40; i++) {    /* past 2^32: a's last use is after b's */
        if (!reader_get(c, &r, &a)) { /* at 0xffffffff */
            asked++;
            ASSERT_OK(learn(c, "s", "a", &a));
        }
    }
    ASSERT_EQ_INT(asked, 1);
    struct db_cache_stats st;
    db_cache_stats(c, STR("s"), &st);
    ASSERT_EQ_INT(st.reader_hits, 39);
    set_s(c, "s", "c", "3", 0);
    ASSERT_TRUE(db_cache_has(c, STR("s"), STR("a")));
    ASSERT_FALSE(db_cache_has(c, STR("s"), STR("b")));
    struct kept kc;
    ASSERT_OK(learn(c, "s", "c", &kc));
    seq_set(c, 0x3ffffffeu);
    ASSERT_TRUE(reader_get(c, &r, &a));
    ASSERT_FALSE(reader_get(c, &r, &a)); /* 0x3fffffff: ask the cache */
    ASSERT_OK(learn(c, "s", "a", &a));
    ASSERT_TRUE(reader_get(c, &r, &kc));
    set_s(c, "s", "d", "4", 0); /* a used before c: a goes */
    ASSERT_FALSE(db_cache_has(c, STR("s"), STR("a")));
    ASSERT_TRUE(db_cache_has(c, STR("s"), STR("c")));
    db_cache_reader_close(c, &r);
    db_cache_free(c);
}

/* An entry no reader used for over 2^31 uses (the sequence moved on, seen by the cache every
 * < 2^30 values): a reader's use of it then still counts as its latest. */
TEST(cache_reader_use_after_a_long_idle_counts)
{
    struct db_cache *c = new_cache(0, 0, 2);
    struct db_cache_reader r;
    db_cache_reader_open(c, STR("s"), &r);
    struct kept a;
    struct kept b;
    set_s(c, "s", "a", "1", 0);
    set_s(c, "s", "b", "2", 0);
    ASSERT_OK(learn(c, "s", "b", &b));
    ASSERT_OK(learn(c, "s", "a", &a)); /* a is the most recently used */
    size_t len = 0;
    uint32_t *u = db_cache_shared_mem(c, &len);
    for (int i = 0; i < 3; i++) { /* 3 * 0x30000000 uses by other entries */
        __atomic_fetch_add(&u[0], 0x30000000u, __ATOMIC_SEQ_CST);
        ASSERT_EQ_SIZE(db_cache_size(c, STR("s")), 2);
    }
    ASSERT_TRUE(reader_get(c, &r, &b)); /* now b is */
    set_s(c, "s", "c", "3", 0);
    ASSERT_TRUE(db_cache_has(c, STR("s"), STR("b")));
    ASSERT_FALSE(db_cache_has(c, STR("s"), STR("a")));
    db_cache_reader_close(c, &r);
    db_cache_free(c);
}

/* One writer sets "k" to 1, 2, 3, ... and publishes each number once its set returned; readers
 * (threads, each with its own kept copy, as executors) note the published number, then get "k"
 * as the prelude does (their copy while the slot holds its stamp, else through the cache): the
 * value must never be older than the number noted before the get. */
#define RACE_SETS 4000

struct race {
    struct db_cache *c;
    _Atomic long done; /* the last value whose set returned */
    _Atomic int stop;
    _Atomic long stale;
    _Atomic long fast;
    _Atomic long reads;
};

static void *race_reader(void *arg)
{
    struct race *x = arg;
    struct db_cache_reader r;
    db_cache_reader_open(x->c, STR("s"), &r);
    struct kept k = { .slot = DB_CACHE_NO_SLOT };
    long kept_value = 0;
    struct arena *a = arena_new(256);
    struct diag d;
    while (!atomic_load(&x->stop)) {
        long floor = atomic_load(&x->done);
        long got = 0;
        if (reader_get(x->c, &r, &k)) {
            got = kept_value;
            atomic_fetch_add(&x->fast, 1);
        } else {
            struct str v;
            struct db_cache_found f;
            if (db_cache_get_stamped(x->c, STR("s"), STR("k"), 0, a, &d, &v, &f) != RC_OK) {
                continue;
            }
            char buf[32];
            (void)snprintf(buf, sizeof(buf), "%.*s", STR_FMT(v));
            got = strtol(buf, NULL, 10);
            k = (struct kept){ .slot = f.slot, .stamp = f.stamp, .expires_ms = f.expires_ms };
            kept_value = got;
            arena_reset(a);
        }
        if (got < floor) {
            atomic_fetch_add(&x->stale, 1);
        }
        atomic_fetch_add(&x->reads, 1);
    }
    arena_free(a);
    db_cache_reader_close(x->c, &r);
    return NULL;
}

TEST(cache_readers_never_see_a_value_older_than_a_finished_set)
{
    struct race x = { .c = new_cache(0, 0, 0) };
    struct diag d;
    ASSERT_OK(db_cache_set(x.c, STR("s"), STR("k"), STR("0"), 0, &d));
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ_INT(pthread_create(&t[i], NULL, race_reader, &x), 0);
    }
    for (long i = 1; i <= RACE_SETS; i++) {
        char v[32];
        (void)snprintf(v, sizeof(v), "%ld", i);
        ASSERT_OK(db_cache_set(x.c, STR("s"), STR("k"), str_from_cstr(v), 0, &d));
        atomic_store(&x.done, i);
        if (i % 8 == 0) { /* every 8 sets, wait for a few reads (from copies, mostly) */
            long want = atomic_load(&x.reads) + 6;
            while (atomic_load(&x.reads) < want) {
                sched_yield();
            }
        }
    }
    atomic_store(&x.stop, 1);
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
    }
    ASSERT_EQ_INT(atomic_load(&x.stale), 0);
    ASSERT_TRUE(atomic_load(&x.fast) > 0);
    struct db_cache_stats st;
    db_cache_stats(x.c, STR("s"), &st);
    ASSERT_EQ_INT(st.reader_hits, atomic_load(&x.fast));
    db_cache_free(x.c);
}

#define THREADS 4
#define OPS     20000

static void *hammer(void *arg)
{
    struct db_cache *c = arg;
    struct arena *a = arena_new(1024);
    struct diag d;
    for (int i = 0; i < OPS; i++) {
        char k[16];
        (void)snprintf(k, sizeof(k), "k%d", (i / 3) % 300);
        struct str v;
        if (i % 3 == 0) {
            if (db_cache_set(c, STR("s"), str_from_cstr(k), STR("value"), 0, &d) != RC_OK) {
                break;
            }
        } else if (db_cache_get(c, STR("s"), str_from_cstr(k), a, &d, &v) == RC_OK &&
                   !str_eq(v, STR("value"))) {
            break;
        }
        if (i % 1000 == 0) {
            size_t n = 0;
            IGNORE_RC(db_cache_delete(c, STR("s"), STR("k29*"), &d, &n));
            arena_reset(a);
        }
    }
    arena_free(a);
    return NULL;
}

TEST(cache_threads_share_one_cache)
{
    struct db_cache_options o = { .ns_max_entries = 100 };
    struct db_cache *c = db_cache_new(&o);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        ASSERT_EQ_INT(pthread_create(&t[i], NULL, hammer, c), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
    }
    struct db_cache_stats st;
    db_cache_stats(c, STR("s"), &st);
    ASSERT_TRUE(st.entries <= 100);
    ASSERT_EQ_INT(st.sets, THREADS * ((OPS + 2) / 3));
    ASSERT_TRUE(st.evictions > 0);
    db_cache_free(c);
}
