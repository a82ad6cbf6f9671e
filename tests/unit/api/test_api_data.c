/* SPDX-License-Identifier: MIT */
/* cache through the script API with a controllable clock: the process-wide cache is created
 * with a fake clock before the engine starts (api_data_cache_configure keeps the first
 * configuration), and the test moves time between real HTTP requests instead of sleeping. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"
#include "api_test_util.h"
#include "db/db_cache.h"

static int64_t fake_now_ms = 1000000;

/* Move the cache's manual clock by delta_ms. */
static void tick(int64_t delta_ms)
{
    fake_now_ms += delta_ms;
    db_cache_clock_set(api_data_cache(), fake_now_ms);
}

static const char *ttl_script =
    "routeRegistry.registerRoute('/set', (c) => { cache.set('k', {v: 1}, {ttl: 60});"
    " cache.set('short', 'x', {ttlMs: 500}); cache.set('forever', [1]); return 'ok'; });\n"
    "routeRegistry.registerRoute('/get', () => JSON.stringify([cache.get('k', null),"
    " cache.get('short', null), cache.get('forever', null), cache.size(), cache.keys()]));\n";

TEST(api_cache_ttl_with_controllable_clock)
{
    struct db_cache_options o = { .manual_clock = true };
    api_data_cache_configure(&o);
    tick(0); /* the cache is created now, with the manual clock; the engine keeps it */
    struct tenv t;
    tenv_start(&t);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "ttl.js", ttl_script, &d));
    char *r = tenv_get(&t, "/set");
    ASSERT_EQ_INT(resp_status(r), 200);
    mem_free(r);
    /* Twice: the second read of each key goes by its id and "short" by the value the prelude
     * kept (api_data.c "cache.get"), until it expires. */
    for (int i = 0; i < 2; i++) {
        r = tenv_get(&t, "/get");
        ASSERT_EQ_STR(resp_body(r), "[{\"v\":1},\"x\",[1],3,[\"forever\",\"k\",\"short\"]]");
        mem_free(r);
    }
    tick(499);
    r = tenv_get(&t, "/get");
    ASSERT_EQ_STR(resp_body(r), "[{\"v\":1},\"x\",[1],3,[\"forever\",\"k\",\"short\"]]");
    mem_free(r);
    tick(1); /* "short" expires exactly now */
    r = tenv_get(&t, "/get");
    ASSERT_EQ_STR(resp_body(r), "[{\"v\":1},null,[1],2,[\"forever\",\"k\"]]");
    mem_free(r);
    tick((int64_t)60 * 1000); /* and "k" one minute later */
    r = tenv_get(&t, "/get");
    ASSERT_EQ_STR(resp_body(r), "[null,null,[1],1,[\"forever\"]]");
    mem_free(r);
    tenv_stop(&t);
}

/* cache.get's fast path (the prelude answering from the cache's shared memory) on two
 * executors: requests alternate between them (round robin), /get reads a key three times (the
 * first read of a key in a context asks C, the next two are the prelude's own), and every write
 * made on one executor is seen by the other's next read, though it kept the old value. */
static const char *two_script =
    "const me = String(Math.random());\n"
    "routeRegistry.registerRoute('/set', (c) => { const q = c.request.query;"
    " cache.set(q.k, q.v, q.ttl ? { ttlMs: Number(q.ttl) } : undefined); return 'ok'; });\n"
    "routeRegistry.registerRoute('/get', (c) => { const r = [];"
    " for (let i = 0; i < 3; i++) r.push(cache.get(c.request.query.k, '-'));"
    " return me + ' ' + r.join(','); });\n"
    "routeRegistry.registerRoute('/del', (c) => String(cache.delete(c.request.query.k)));\n"
    "routeRegistry.registerRoute('/clear', () => String(cache.clear()));\n"
    "routeRegistry.registerRoute('/hits', () => String(cache.stats().hits));\n"
    "routeRegistry.registerRoute('/seto', (c) => { cache.set(c.request.query.k,"
    " { v: c.request.query.v, n: [1, { m: 2 }] }); return 'ok'; });\n"
    "routeRegistry.registerRoute('/geto', (c) => { const k = c.request.query.k;"
    " const a = cache.get(k, null); if (a) { a.v = 'mutated'; a.n.push(3); }"
    " const b = cache.get(k, null); const x = cache.get(k, null);"
    " return me + ' ' + JSON.stringify(b) + (b !== null && b === x ? ' same' : ''); });\n";

static int hits_seen; /* values returned by /get and /geto (all hits) */

/* GET /get?k=key: its three reads must all be want; the executor's id goes to me (64 bytes). */
static void get_one(struct tenv *t, const char *key, const char *want, char *me)
{
    char path[64];
    char three[128];
    (void)snprintf(path, sizeof(path), "/get?k=%s", key);
    (void)snprintf(three, sizeof(three), "%s,%s,%s", want, want, want);
    char *r = tenv_get(t, path);
    const char *body = resp_body(r);
    const char *sp = strchr(body, ' ');
    ASSERT_TRUE(sp != NULL && sp - body < 64);
    (void)snprintf(me, 64, "%.*s", (int)(sp - body), body);
    ASSERT_EQ_STR(sp + 1, three);
    hits_seen += strcmp(want, "-") != 0 ? 3 : 0;
    mem_free(r);
}

/* GET /geto?k=key on both executors (two requests in a row): an object read three times, the
 * first copy mutated by the script; the next reads must be fresh copies equal to want. */
static void get_object_on_both(struct tenv *t, const char *key, const char *want)
{
    char path[64];
    char me[2][64];
    (void)snprintf(path, sizeof(path), "/geto?k=%s", key);
    for (int i = 0; i < 2; i++) {
        char *r = tenv_get(t, path);
        const char *body = resp_body(r);
        const char *sp = strchr(body, ' ');
        ASSERT_TRUE(sp != NULL && sp - body < 64);
        (void)snprintf(me[i], 64, "%.*s", (int)(sp - body), body);
        ASSERT_EQ_STR(sp + 1, want);
        hits_seen += strcmp(want, "null") != 0 ? 3 : 0;
        mem_free(r);
    }
    ASSERT_TRUE(strcmp(me[0], me[1]) != 0);
}

/* The same on both executors: two requests in a row go to different ones (round robin). */
static void get_on_both(struct tenv *t, const char *key, const char *want)
{
    char me1[64];
    char me2[64];
    get_one(t, key, want, me1);
    get_one(t, key, want, me2);
    ASSERT_TRUE(strcmp(me1, me2) != 0);
}

static void request_ok(struct tenv *t, const char *path)
{
    char *r = tenv_get(t, path);
    ASSERT_EQ_INT(resp_status(r), 200);
    mem_free(r);
}

TEST(api_cache_fast_path_on_two_executors)
{
    struct db_cache_options o = { .manual_clock = true, .ns_max_entries = 3 };
    api_data_cache_configure(&o);
    fake_now_ms = 5000;
    tick(0);
    struct tenv t;
    struct api_config cfg = { .js_threads = 2, .exec_timeout_ms = 1000, .init_timeout_ms = 1000 };
    tenv_start_cfg(&t, &cfg);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "two.js", two_script, &d));
    request_ok(&t, "/set?k=a&v=one");
    get_on_both(&t, "a", "one");
    get_on_both(&t, "a", "one");
    struct db_cache_stats st;
    db_cache_stats(api_data_cache(), STR("two.js"), &st);
    ASSERT_EQ_INT(st.reader_hits, 4 * 3 - 2); /* all but each executor's first read */
    /* A write on one executor: both read it next, the other one had kept "one". */
    request_ok(&t, "/set?k=a&v=two");
    get_on_both(&t, "a", "two");
    request_ok(&t, "/del?k=a");
    get_on_both(&t, "a", "-");
    request_ok(&t, "/set?k=a&v=three");
    get_on_both(&t, "a", "three");
    request_ok(&t, "/clear");
    get_on_both(&t, "a", "-");
    /* Objects: the prelude keeps their JSON text and parses a fresh copy for every read. */
    request_ok(&t, "/seto?k=o&v=first");
    get_object_on_both(&t, "o", "{\"v\":\"first\",\"n\":[1,{\"m\":2}]}");
    get_object_on_both(&t, "o", "{\"v\":\"first\",\"n\":[1,{\"m\":2}]}");
    request_ok(&t, "/seto?k=o&v=second");
    get_object_on_both(&t, "o", "{\"v\":\"second\",\"n\":[1,{\"m\":2}]}");
    request_ok(&t, "/del?k=o");
    get_object_on_both(&t, "o", "null");
    /* Expiry by the manual clock, to the millisecond. */
    request_ok(&t, "/set?k=a&v=four&ttl=100");
    get_on_both(&t, "a", "four");
    tick(99);
    get_on_both(&t, "a", "four");
    tick(1);
    get_on_both(&t, "a", "-");
    /* LRU (3 entries): a's last reads are the prelude's own, after b and c were read through
     * C, so b is the least recently used when d comes. */
    request_ok(&t, "/clear");
    request_ok(&t, "/set?k=a&v=A");
    request_ok(&t, "/set?k=b&v=B");
    request_ok(&t, "/set?k=c&v=C");
    get_on_both(&t, "a", "A");
    get_on_both(&t, "b", "B");
    get_on_both(&t, "c", "C");
    get_on_both(&t, "a", "A");
    request_ok(&t, "/set?k=d&v=D");
    char me[64];
    get_one(&t, "b", "-", me);
    get_one(&t, "a", "A", me);
    get_one(&t, "c", "C", me);
    get_one(&t, "d", "D", me);
    /* Hits: every value returned, whoever answered it; they stay counted after a redeploy
     * (the old contexts' counts are folded in when they go). */
    char want[32];
    (void)snprintf(want, sizeof(want), "%d", hits_seen);
    char *r = tenv_get(&t, "/hits");
    ASSERT_EQ_STR(resp_body(r), want);
    mem_free(r);
    r = tenv_get(&t, "/hits");
    ASSERT_EQ_STR(resp_body(r), want);
    mem_free(r);
    ASSERT_OK(tenv_deploy(&t, "two.js", two_script, &d));
    for (int i = 0; i < 2; i++) {
        r = tenv_get(&t, "/hits");
        ASSERT_EQ_STR(resp_body(r), want);
        mem_free(r);
    }
    db_cache_stats(api_data_cache(), STR("two.js"), &st);
    ASSERT_TRUE(st.reader_hits > 0 && st.reader_hits < st.hits);
    tenv_stop(&t);
}

/* Two shared slots only: entries beyond them are always read through C, and a slot freed by a
 * delete holds another key next (the prelude's copy of the old key must not answer for it). */
TEST(api_cache_fast_path_slots_reused)
{
    struct db_cache_options o = { .manual_clock = true, .slots = 2 };
    api_data_cache_configure(&o);
    tick(0);
    struct tenv t;
    tenv_start(&t);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "slots.js", two_script, &d));
    char me[64];
    request_ok(&t, "/set?k=a&v=A");
    request_ok(&t, "/set?k=b&v=B");
    request_ok(&t, "/set?k=c&v=C"); /* no slot left */
    get_one(&t, "a", "A", me);
    get_one(&t, "b", "B", me);
    get_one(&t, "c", "C", me);
    get_one(&t, "c", "C", me);
    struct db_cache_stats st;
    db_cache_stats(api_data_cache(), STR("slots.js"), &st);
    ASSERT_EQ_INT(st.reader_hits, 2 + 2); /* a and b only */
    request_ok(&t, "/del?k=a");
    request_ok(&t, "/set?k=z&v=Z"); /* a's slot */
    get_one(&t, "a", "-", me);
    get_one(&t, "z", "Z", me);
    get_one(&t, "b", "B", me);
    request_ok(&t, "/set?k=z&v=Y");
    get_one(&t, "z", "Y", me);
    tenv_stop(&t);
}

/* Eviction by the byte budget (3 entries of 1 + 4 + 64 bytes fit: key, tag and JSON, overhead)
 * follows the reads the prelude answered itself: a's last reads are its own, so when d comes b
 * is the least recently used. */
TEST(api_cache_fast_path_lru_by_bytes)
{
    struct db_cache_options o = { .manual_clock = true,
                                  .ns_max_bytes = 3 * (1 + 4 + DB_CACHE_ENTRY_OVERHEAD) };
    api_data_cache_configure(&o);
    tick(0);
    struct tenv t;
    tenv_start(&t);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "bytes.js", two_script, &d));
    char me[64];
    request_ok(&t, "/set?k=a&v=A");
    request_ok(&t, "/set?k=b&v=B");
    request_ok(&t, "/set?k=c&v=C");
    get_one(&t, "a", "A", me);
    get_one(&t, "b", "B", me);
    get_one(&t, "c", "C", me);
    get_one(&t, "a", "A", me); /* three reads, none through C */
    request_ok(&t, "/set?k=d&v=D");
    get_one(&t, "b", "-", me);
    get_one(&t, "a", "A", me);
    get_one(&t, "c", "C", me);
    get_one(&t, "d", "D", me);
    struct db_cache_stats st;
    db_cache_stats(api_data_cache(), STR("bytes.js"), &st);
    ASSERT_EQ_INT(st.evictions, 1);
    ASSERT_EQ_SIZE(st.bytes, 3 * (1 + 4 + DB_CACHE_ENTRY_OVERHEAD));
    tenv_stop(&t);
}
