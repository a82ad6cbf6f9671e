/* SPDX-License-Identifier: MIT */
/*
 * Shared storage (limits, prefixes, injection attempts stored literally, per-script isolation)
 * and script logs (batched append, filters, cursor paging).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/mem.h"
#include "db_test_util.h"

static const char sql_t_tables[] = "SELECT count(*) FROM sqlite_master WHERE type = 'table'";

TEST(db_kv_get_set_remove_clear)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    struct str v;
    bool existed = true;
    size_t removed = 0;
    ASSERT_RC(db_kv_get(db, STR("s"), STR("k"), a, NULL, &v), RC_NOTFOUND);
    ASSERT_OK(db_kv_set(db, STR("s"), STR("k"), STR("v1"), NULL));
    ASSERT_OK(db_kv_set(db, STR("s"), STR("k"), STR("v2"), NULL));
    ASSERT_OK(db_kv_set(db, STR("s"), STR("empty"), STR(""), NULL));
    ASSERT_OK(db_kv_set(db, STR("other"), STR("k"), STR("o"), NULL));
    ASSERT_OK(db_kv_get(db, STR("s"), STR("k"), a, NULL, &v));
    ASSERT_EQ_SLICE(v, "v2");
    ASSERT_OK(db_kv_get(db, STR("s"), STR("empty"), a, NULL, &v));
    ASSERT_EQ_SIZE(v.len, 0);
    ASSERT_OK(db_kv_remove(db, STR("s"), STR("k"), NULL, &existed));
    ASSERT_TRUE(existed);
    ASSERT_OK(db_kv_remove(db, STR("s"), STR("k"), NULL, &existed));
    ASSERT_FALSE(existed);
    ASSERT_OK(db_kv_set(db, STR("s"), STR("k2"), STR("x"), NULL));
    ASSERT_OK(db_kv_clear(db, STR("s"), NULL, &removed));
    ASSERT_EQ_SIZE(removed, 2);
    ASSERT_RC(db_kv_get(db, STR("s"), STR("k2"), a, NULL, &v), RC_NOTFOUND);
    /* Another script's keys are untouched. */
    ASSERT_OK(db_kv_get(db, STR("other"), STR("k"), a, NULL, &v));
    ASSERT_EQ_SLICE(v, "o");
    arena_free(a);
    db_close(db);
}

TEST(db_kv_limits)
{
    struct db_options opts = { .kv_value_max_bytes = 100, .kv_keys_max = 3 };
    struct db *db = test_db_open(&opts);
    struct arena *a = arena_new(4096);
    struct diag d;
    struct str v;
    diag_clear(&d);
    char key[DB_KV_KEY_MAX_BYTES + 1];
    memset(key, 'k', sizeof(key));
    ASSERT_RC(db_kv_set(db, STR("s"), str_make(key, sizeof(key)), STR("v"), &d), RC_LIMIT);
    ASSERT_OK(db_kv_set(db, STR("s"), str_make(key, DB_KV_KEY_MAX_BYTES), STR("v"), NULL));
    ASSERT_RC(db_kv_set(db, STR("s"), STR(""), STR("v"), NULL), RC_INVAL);
    ASSERT_RC(db_kv_get(db, STR("s"), STR(""), a, NULL, &v), RC_INVAL);
    ASSERT_RC(db_kv_set(db, STR(""), STR("k"), STR("v"), NULL), RC_INVAL);
    char val[101];
    memset(val, 'v', sizeof(val));
    ASSERT_RC(db_kv_set(db, STR("s"), STR("k"), str_make(val, 101), &d), RC_LIMIT);
    ASSERT_TRUE(strstr(d.msg, "101") != NULL);
    ASSERT_OK(db_kv_set(db, STR("s"), STR("k"), str_make(val, 100), NULL));
    ASSERT_OK(db_kv_set(db, STR("s"), STR("k3"), STR("3"), NULL));
    ASSERT_RC(db_kv_set(db, STR("s"), STR("k4"), STR("4"), &d), RC_LIMIT); /* 4th key */
    ASSERT_OK(db_kv_set(db, STR("s"), STR("k3"), STR("again"), NULL));     /* update still ok */
    ASSERT_OK(db_kv_set(db, STR("t"), STR("k4"), STR("4"), NULL));         /* per script */
    ASSERT_RC(db_kv_get(db, STR("s"), STR("k4"), a, NULL, &v), RC_NOTFOUND);
    arena_free(a);
    db_close(db);
}

/* The key limit counts keys through shared_storage_counts: removes and clears give room back,
 * a failed insert counts nothing, and the count survives a reopen. */
TEST(db_kv_key_count_follows_removes_and_clears)
{
    struct db_options opts = { .kv_keys_max = 3 };
    struct db *db = test_db_open(&opts);
    bool existed = false;
    size_t removed = 0;
    ASSERT_OK(db_kv_set(db, STR("s"), STR("a"), STR("1"), NULL));
    ASSERT_OK(db_kv_set(db, STR("s"), STR("b"), STR("2"), NULL));
    ASSERT_OK(db_kv_set(db, STR("s"), STR("c"), STR("3"), NULL));
    ASSERT_RC(db_kv_set(db, STR("s"), STR("d"), STR("4"), NULL), RC_LIMIT);
    ASSERT_OK(db_kv_remove(db, STR("s"), STR("b"), NULL, &existed));
    ASSERT_TRUE(existed);
    ASSERT_OK(db_kv_remove(db, STR("s"), STR("b"), NULL, &existed)); /* absent: no change */
    ASSERT_FALSE(existed);
    ASSERT_OK(db_kv_set(db, STR("s"), STR("d"), STR("4"), NULL));
    ASSERT_RC(db_kv_set(db, STR("s"), STR("e"), STR("5"), NULL), RC_LIMIT);
    db_close(db);
    db = test_db_open(&opts);
    ASSERT_RC(db_kv_set(db, STR("s"), STR("e"), STR("5"), NULL), RC_LIMIT);
    ASSERT_OK(db_kv_clear(db, STR("s"), NULL, &removed));
    ASSERT_EQ_SIZE(removed, 3);
    ASSERT_OK(db_kv_set(db, STR("s"), STR("x"), STR("1"), NULL));
    ASSERT_OK(db_kv_set(db, STR("s"), STR("y"), STR("2"), NULL));
    ASSERT_OK(db_kv_set(db, STR("s"), STR("z"), STR("3"), NULL));
    ASSERT_RC(db_kv_set(db, STR("s"), STR("w"), STR("4"), NULL), RC_LIMIT);
    /* increment and compareAndSet of new keys count too. */
    ASSERT_OK(db_kv_remove(db, STR("s"), STR("x"), NULL, &existed));
    int64_t n = 0;
    ASSERT_OK(db_kv_increment(db, STR("s"), STR("n"), 1, NULL, &n));
    ASSERT_RC(db_kv_increment(db, STR("s"), STR("m"), 1, NULL, &n), RC_LIMIT);
    ASSERT_OK(db_kv_remove(db, STR("s"), STR("n"), NULL, &existed));
    bool swapped = false;
    ASSERT_OK(db_kv_compare_and_set(db, STR("s"), STR("c"), NULL, STR("v"), NULL, &swapped));
    ASSERT_TRUE(swapped);
    ASSERT_RC(db_kv_compare_and_set(db, STR("s"), STR("c2"), NULL, STR("v"), NULL, &swapped),
              RC_LIMIT);
    db_close(db);
}

/* A rolled-back insert leaves the count as it was. */
TEST(db_kv_key_count_rolls_back_with_the_caller)
{
    struct db_options opts = { .kv_keys_max = 1 };
    struct db *db = test_db_open(&opts);
    ASSERT_OK(db_tx_begin(db, NULL));
    ASSERT_OK(db_kv_set(db, STR("s"), STR("a"), STR("1"), NULL));
    ASSERT_OK(db_tx_rollback(db, NULL));
    ASSERT_OK(db_kv_set(db, STR("s"), STR("b"), STR("2"), NULL));
    ASSERT_RC(db_kv_set(db, STR("s"), STR("c"), STR("3"), NULL), RC_LIMIT);
    db_close(db);
}

static const char sql_t_count_of_s[] = "SELECT keys FROM shared_storage_counts WHERE script = 's'";
static const char sql_t_kv_table[] =
    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'shared_storage'";

/* Migration 0004 fills the counts from the keys a store already holds: undo it by hand on a
 * store with keys (and forget 0005 after it, which then runs again), reopen, and the limit sees
 * them. */
TEST(db_kv_key_count_migration_counts_existing_keys)
{
    struct db_options opts = { .kv_keys_max = 3 };
    struct db *db = test_db_open(&opts);
    ASSERT_OK(db_kv_set(db, STR("s"), STR("a"), STR("1"), NULL));
    ASSERT_OK(db_kv_set(db, STR("s"), STR("b"), STR("2"), NULL));
    ASSERT_OK(db_kv_set(db, STR("s"), STR("c"), STR("3"), NULL));
    ASSERT_OK(db_kv_set(db, STR("t"), STR("a"), STR("1"), NULL));
    ASSERT_OK(db->drv->exec(db->conn,
                            "DROP TABLE shared_storage_counts;"
                            " DELETE FROM schema_migrations WHERE version >= 4",
                            NULL));
    db_close(db);
    db = test_db_open(&opts);
    ASSERT_EQ_INT(test_db_scalar(db, sql_t_count_of_s, NULL, 0, NULL, 0), 3);
    ASSERT_RC(db_kv_set(db, STR("s"), STR("d"), STR("4"), NULL), RC_LIMIT);
    ASSERT_OK(db_kv_set(db, STR("t"), STR("b"), STR("2"), NULL));
    db_close(db);
}

/* Migration 0005 rebuilds shared_storage WITHOUT ROWID: every row survives, values of every
 * size (local, and on overflow pages) read back the same. */
TEST(db_kv_without_rowid_migration_keeps_every_value)
{
    static const size_t sizes[] = { 0, 1, 1000, 1100, 3000, 4100, 5000, 100000 };
    struct db *db = test_db_open(NULL);
    char *big = mem_alloc(100000);
    for (size_t i = 0; i < 100000; i++) {
        big[i] = (char)('a' + i % 26);
    }
    char key[32];
    for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
        int n = snprintf(key, sizeof(key), "k%zu", sizes[i]);
        ASSERT_OK(db_kv_set(db, STR("s"), str_make(key, (size_t)n), str_make(big, sizes[i]), NULL));
        ASSERT_OK(db_kv_set(db, STR("t"), str_make(key, (size_t)n), STR("other"), NULL));
    }
    /* Back to 0004's shape (an ordinary rowid table) with the same rows, then migrate again. */
    ASSERT_OK(db->drv->exec(db->conn,
                            "CREATE TABLE kv_old AS SELECT * FROM shared_storage;"
                            " DROP TABLE shared_storage;"
                            " CREATE TABLE shared_storage (script TEXT NOT NULL, key TEXT NOT NULL,"
                            " value TEXT NOT NULL, updated_ms INTEGER NOT NULL,"
                            " PRIMARY KEY (script, key));"
                            " INSERT INTO shared_storage SELECT * FROM kv_old; DROP TABLE kv_old;"
                            " DELETE FROM schema_migrations WHERE version = 5",
                            NULL));
    db_close(db);
    db = test_db_open(NULL);
    char sql[256] = "";
    test_db_scalar(db, sql_t_kv_table, NULL, 0, sql, sizeof(sql));
    ASSERT_TRUE(strstr(sql, "WITHOUT ROWID") != NULL);
    struct arena *a = arena_new(0);
    for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
        int n = snprintf(key, sizeof(key), "k%zu", sizes[i]);
        struct str v;
        ASSERT_OK(db_kv_get(db, STR("s"), str_make(key, (size_t)n), a, NULL, &v));
        ASSERT_EQ_SIZE(v.len, sizes[i]);
        ASSERT_TRUE(sizes[i] == 0 || memcmp(v.ptr, big, sizes[i]) == 0);
        ASSERT_OK(db_kv_get(db, STR("t"), str_make(key, (size_t)n), a, NULL, &v));
        ASSERT_EQ_SLICE(v, "other");
    }
    ASSERT_EQ_INT(test_db_scalar(db, sql_t_count_of_s, NULL, 0, NULL, 0),
                  (int64_t)ARRAY_LEN(sizes));
    arena_free(a);
    mem_free(big);
    db_close(db);
}

TEST(db_kv_default_value_limit_is_one_mib)
{
    struct db *db = test_db_open(NULL);
    size_t n = DB_KV_VALUE_MAX_BYTES + 1;
    char *big = mem_calloc(n, 1);
    memset(big, 'x', n);
    ASSERT_RC(db_kv_set(db, STR("s"), STR("k"), str_make(big, n), NULL), RC_LIMIT);
    ASSERT_OK(db_kv_set(db, STR("s"), STR("k"), str_make(big, n - 1), NULL));
    mem_free(big);
    db_close(db);
}

TEST(db_kv_injection_attempts_are_stored_literally)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    struct str v;
    const char *evil[] = {
        "'; DROP TABLE shared_storage; --",
        "\" OR 1=1 --",
        "k') ON CONFLICT DO NOTHING; DELETE FROM scripts; --",
        "%_*\\",
        "$1",
    };
    int64_t tables = test_db_scalar(db, sql_t_tables, NULL, 0, NULL, 0);
    for (size_t i = 0; i < ARRAY_LEN(evil); i++) {
        struct str k = str_from_cstr(evil[i]);
        ASSERT_OK(db_kv_set(db, k, k, k, NULL)); /* as script, key and value */
    }
    /* Bytes the SQL text could never carry: NUL and invalid UTF-8. */
    ASSERT_OK(db_kv_set(db, STR("s"), str_make("a\0b", 3), str_make("\xff\0\xfe", 3), NULL));
    for (size_t i = 0; i < ARRAY_LEN(evil); i++) {
        struct str k = str_from_cstr(evil[i]);
        ASSERT_OK(db_kv_get(db, k, k, a, NULL, &v));
        ASSERT_TRUE(str_eq(v, k));
    }
    ASSERT_OK(db_kv_get(db, STR("s"), str_make("a\0b", 3), a, NULL, &v));
    ASSERT_EQ_SIZE(v.len, 3);
    ASSERT_EQ_MEM(v.ptr, "\xff\0\xfe", 3);
    ASSERT_RC(db_kv_get(db, STR("s"), STR("a"), a, NULL, &v), RC_NOTFOUND);
    ASSERT_EQ_INT(test_db_scalar(db, sql_t_tables, NULL, 0, NULL, 0), tables);
    /* A prefix with LIKE wildcards matches only itself. */
    struct str *keys = NULL;
    size_t n = 0;
    ASSERT_OK(db_kv_set(db, STR("p"), STR("%x"), STR("1"), NULL));
    ASSERT_OK(db_kv_set(db, STR("p"), STR("ax"), STR("1"), NULL));
    ASSERT_OK(db_kv_keys(db, STR("p"), STR("%"), a, NULL, &keys, &n));
    ASSERT_EQ_SIZE(n, 1);
    ASSERT_EQ_SLICE(keys[0], "%x");
    ASSERT_OK(db_check_integrity(db, NULL));
    arena_free(a);
    db_close(db);
}

TEST(db_kv_keys_prefix_sorted)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    const char *ks[] = { "user:2", "user:10", "user;", "use", "user:", "admin", "user:\xff\xff" };
    for (size_t i = 0; i < ARRAY_LEN(ks); i++) {
        ASSERT_OK(db_kv_set(db, STR("s"), str_from_cstr(ks[i]), STR("v"), NULL));
    }
    for (int i = 0; i < 30; i++) {
        char k[16];
        (void)snprintf(k, sizeof(k), "n%02d", i);
        ASSERT_OK(db_kv_set(db, STR("s"), str_from_cstr(k), STR("v"), NULL));
    }
    struct str *keys = NULL;
    size_t n = 0;
    ASSERT_OK(db_kv_keys(db, STR("s"), STR("user:"), a, NULL, &keys, &n));
    ASSERT_EQ_SIZE(n, 4);
    ASSERT_EQ_SLICE(keys[0], "user:");
    ASSERT_EQ_SLICE(keys[1], "user:10");
    ASSERT_EQ_SLICE(keys[2], "user:2");
    ASSERT_EQ_SLICE(keys[3], "user:\xff\xff");
    ASSERT_OK(db_kv_keys(db, STR("s"), STR("user:\xff"), a, NULL, &keys, &n));
    ASSERT_EQ_SIZE(n, 1); /* a prefix ending in 0xff has no upper bound: still exact */
    ASSERT_OK(db_kv_keys(db, STR("s"), STR(""), a, NULL, &keys, &n));
    ASSERT_EQ_SIZE(n, ARRAY_LEN(ks) + 30);
    ASSERT_EQ_SLICE(keys[0], "admin");
    ASSERT_EQ_SLICE(keys[1], "n00");
    ASSERT_OK(db_kv_keys(db, STR("nobody"), STR(""), a, NULL, &keys, &n));
    ASSERT_EQ_SIZE(n, 0);
    arena_free(a);
    db_close(db);
}

TEST(db_kv_write_joins_callers_transaction)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    struct str v;
    ASSERT_OK(db_tx_begin(db, NULL));
    ASSERT_OK(db_kv_set(db, STR("s"), STR("new"), STR("1"), NULL)); /* insert path: savepoint */
    ASSERT_EQ_INT(db_tx_depth(db), 1);
    ASSERT_OK(db_tx_rollback(db, NULL));
    ASSERT_RC(db_kv_get(db, STR("s"), STR("new"), a, NULL, &v), RC_NOTFOUND);
    arena_free(a);
    db_close(db);
}

/* ------------------------------------------------------------------ logs */

static void add_logs(struct db *db)
{
    struct db_log_entry e[6] = {
        { .ts_ms = 1000, .level = DB_LOG_DEBUG, .script = STR("a"), .message = STR("boot") },
        { .ts_ms = 2000,
          .level = DB_LOG_INFO,
          .script = STR("a"),
          .request_id = STR("r1"),
          .message = STR("GET /x"),
          .fields = STR("{\"status\":200}") },
        { .ts_ms = 3000,
          .level = DB_LOG_ERROR,
          .script = STR("a"),
          .request_id = STR("r1"),
          .message = STR("boom: 100% broken") },
        { .ts_ms = 4000,
          .level = DB_LOG_WARN,
          .script = STR("b"),
          .request_id = STR("r2"),
          .message = STR("slow") },
        { .ts_ms = 5000, .level = DB_LOG_INFO, .script = STR("a"), .message = STR("GET /y") },
        { .ts_ms = 6000, .level = DB_LOG_INFO, .script = STR("b"), .message = STR("GET /z") },
    };
    ASSERT_OK(db_log_append(db, e, ARRAY_LEN(e), NULL));
}

static size_t query(struct db *db, const struct db_log_filter *f, struct arena *a,
                    struct db_log_entry **items, int64_t *next)
{
    size_t n = 0;
    ASSERT_OK(db_log_query(db, f, a, NULL, items, &n, next));
    return n;
}

TEST(db_log_filters)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    struct db_log_entry *it = NULL;
    int64_t next = 0;
    add_logs(db);

    struct db_log_filter f = { .script = STR("a") };
    ASSERT_EQ_SIZE(query(db, &f, a, &it, &next), 4);
    ASSERT_EQ_SLICE(it[0].message, "GET /y"); /* newest first */
    ASSERT_EQ_SLICE(it[3].message, "boot");
    ASSERT_TRUE(it[0].seq > it[1].seq);
    ASSERT_EQ_INT(next, 0);

    f = (struct db_log_filter){ .script = STR("a"), .min_level = DB_LOG_INFO };
    ASSERT_EQ_SIZE(query(db, &f, a, &it, &next), 3);
    f = (struct db_log_filter){ .min_level = DB_LOG_WARN };
    ASSERT_EQ_SIZE(query(db, &f, a, &it, &next), 2);
    ASSERT_EQ_SLICE(it[0].script, "b");

    f = (struct db_log_filter){ .request_id = STR("r1") };
    ASSERT_EQ_SIZE(query(db, &f, a, &it, &next), 2);
    ASSERT_EQ_SLICE(it[1].fields, "{\"status\":200}");
    ASSERT_EQ_SLICE(it[1].request_id, "r1");
    ASSERT_EQ_INT(it[1].ts_ms, 2000);
    ASSERT_EQ_INT(it[1].level, DB_LOG_INFO);
    f = (struct db_log_filter){ .request_id = STR("r1"), .script = STR("b") };
    ASSERT_EQ_SIZE(query(db, &f, a, &it, &next), 0);

    f = (struct db_log_filter){ .since_ms = 4000 };
    ASSERT_EQ_SIZE(query(db, &f, a, &it, &next), 3);
    f = (struct db_log_filter){ .text = STR("GET") };
    ASSERT_EQ_SIZE(query(db, &f, a, &it, &next), 3);
    f = (struct db_log_filter){ .text = STR("100%") }; /* no wildcard meaning */
    ASSERT_EQ_SIZE(query(db, &f, a, &it, &next), 1);
    f = (struct db_log_filter){ .text = STR("%"), .script = STR("b") };
    ASSERT_EQ_SIZE(query(db, &f, a, &it, &next), 0);
    f = (struct db_log_filter){ .script = STR("nobody") };
    ASSERT_EQ_SIZE(query(db, &f, a, &it, &next), 0);
    arena_free(a);
    db_close(db);
}

TEST(db_log_cursor_paging)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    struct db_log_entry *it = NULL;
    int64_t next = 0;
    add_logs(db);
    struct db_log_filter f = { .limit = 4 };
    ASSERT_EQ_SIZE(query(db, &f, a, &it, &next), 4);
    ASSERT_EQ_SLICE(it[0].message, "GET /z");
    ASSERT_EQ_INT(next, it[3].seq);
    f.before_seq = next;
    ASSERT_EQ_SIZE(query(db, &f, a, &it, &next), 2);
    ASSERT_EQ_SLICE(it[1].message, "boot");
    ASSERT_EQ_INT(next, 0);
    /* A new entry does not shift pages already served. */
    f.limit = 2;
    f.before_seq = 0;
    ASSERT_EQ_SIZE(query(db, &f, a, &it, &next), 2);
    int64_t cursor = next;
    add_logs(db);
    f.before_seq = cursor;
    ASSERT_EQ_SIZE(query(db, &f, a, &it, &next), 2);
    ASSERT_EQ_SLICE(it[0].message, "slow");
    arena_free(a);
    db_close(db);
}

TEST(db_log_bad_input)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    struct db_log_entry *it = NULL;
    size_t n = 0;
    int64_t next = 0;
    size_t big = DB_LOG_MESSAGE_MAX_BYTES + 1;
    char *msg = mem_calloc(big, 1);
    struct db_log_entry e[2] = {
        { .level = DB_LOG_INFO, .script = STR("a"), .message = STR("fine") },
        { .level = DB_LOG_INFO, .script = STR("a"), .message = str_make(msg, big) },
    };
    ASSERT_RC(db_log_append(db, e, 2, NULL), RC_LIMIT);
    struct db_log_filter f = { .script = STR("a") };
    ASSERT_OK(db_log_query(db, &f, a, NULL, &it, &n, &next));
    ASSERT_EQ_SIZE(n, 0); /* all or nothing */
    e[1].message = STR("ok");
    e[1].script = STR("");
    ASSERT_RC(db_log_append(db, e, 2, NULL), RC_INVAL);
    ASSERT_OK(db_log_append(db, e, 0, NULL));
    f.limit = DB_LOG_QUERY_MAX + 1;
    ASSERT_RC(db_log_query(db, &f, a, NULL, &it, &n, &next), RC_LIMIT);
    mem_free(msg);
    arena_free(a);
    db_close(db);
}

/* ------------------------------------------------------------------ increment, compare-and-set */

TEST(db_kv_increment_values_and_errors)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    struct str v;
    int64_t n = 0;
    ASSERT_OK(db_kv_increment(db, STR("s"), STR("c"), 1, NULL, &n));
    ASSERT_EQ_INT(n, 1);
    ASSERT_OK(db_kv_increment(db, STR("s"), STR("c"), 41, NULL, &n));
    ASSERT_EQ_INT(n, 42);
    ASSERT_OK(db_kv_increment(db, STR("s"), STR("c"), -50, NULL, &n));
    ASSERT_EQ_INT(n, -8);
    ASSERT_OK(db_kv_get(db, STR("s"), STR("c"), a, NULL, &v));
    ASSERT_EQ_SLICE(v, "-8");
    ASSERT_OK(db_kv_set(db, STR("s"), STR("t"), STR("12abc"), NULL));
    ASSERT_RC(db_kv_increment(db, STR("s"), STR("t"), 1, NULL, &n), RC_INVAL);
    ASSERT_OK(db_kv_get(db, STR("s"), STR("t"), a, NULL, &v));
    ASSERT_EQ_SLICE(v, "12abc");
    ASSERT_OK(db_kv_set(db, STR("s"), STR("big"), STR("9223372036854775807"), NULL));
    ASSERT_RC(db_kv_increment(db, STR("s"), STR("big"), 1, NULL, &n), RC_LIMIT);
    ASSERT_EQ_INT(db_tx_depth(db), 0);
    arena_free(a);
    db_close(db);
}

#define INC_THREADS 4
#define INC_EACH    50

static void *inc_thread(void *p)
{
    int *errors = p;
    struct db *db = NULL;
    char path[512];
    if (db_open(test_db_path(path, sizeof(path), "kiln.db"), NULL, NULL, &db) != RC_OK) {
        (*errors)++;
        return NULL;
    }
    for (int i = 0; i < INC_EACH; i++) {
        int64_t n = 0;
        if (db_kv_increment(db, STR("s"), STR("hits"), 1, NULL, &n) != RC_OK) {
            (*errors)++;
        }
    }
    db_close(db);
    return NULL;
}

TEST(db_kv_increment_is_atomic_across_threads)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    pthread_t th[INC_THREADS];
    int errors[INC_THREADS] = { 0 };
    for (int i = 0; i < INC_THREADS; i++) {
        ASSERT_EQ_INT(pthread_create(&th[i], NULL, inc_thread, &errors[i]), 0);
    }
    for (int i = 0; i < INC_THREADS; i++) {
        ASSERT_EQ_INT(pthread_join(th[i], NULL), 0);
        ASSERT_EQ_INT(errors[i], 0);
    }
    struct str v;
    ASSERT_OK(db_kv_get(db, STR("s"), STR("hits"), a, NULL, &v));
    char want[16];
    (void)snprintf(want, sizeof(want), "%d", INC_THREADS * INC_EACH);
    ASSERT_EQ_SLICE(v, want);
    arena_free(a);
    db_close(db);
}

TEST(db_kv_compare_and_set)
{
    struct db_options opts = { .kv_value_max_bytes = 10 };
    struct db *db = test_db_open(&opts);
    struct arena *a = arena_new(4096);
    struct str v;
    bool swapped = true;
    ASSERT_OK(db_kv_compare_and_set(db, STR("s"), STR("k"), NULL, STR("a"), NULL, &swapped));
    ASSERT_TRUE(swapped); /* absent, as expected */
    ASSERT_OK(db_kv_compare_and_set(db, STR("s"), STR("k"), NULL, STR("b"), NULL, &swapped));
    ASSERT_FALSE(swapped); /* present now */
    struct str exp = STR("x");
    ASSERT_OK(db_kv_compare_and_set(db, STR("s"), STR("k"), &exp, STR("b"), NULL, &swapped));
    ASSERT_FALSE(swapped);
    exp = STR("a");
    ASSERT_OK(db_kv_compare_and_set(db, STR("s"), STR("k"), &exp, STR("b"), NULL, &swapped));
    ASSERT_TRUE(swapped);
    ASSERT_OK(db_kv_get(db, STR("s"), STR("k"), a, NULL, &v));
    ASSERT_EQ_SLICE(v, "b");
    exp = STR("b");
    ASSERT_RC(
        db_kv_compare_and_set(db, STR("s"), STR("k"), &exp, STR("01234567890"), NULL, &swapped),
        RC_LIMIT);
    ASSERT_FALSE(swapped);
    exp = STR(""); /* an empty value is not "absent" */
    ASSERT_OK(db_kv_compare_and_set(db, STR("s"), STR("n"), &exp, STR("v"), NULL, &swapped));
    ASSERT_FALSE(swapped);
    ASSERT_RC(db_kv_get(db, STR("s"), STR("n"), a, NULL, &v), RC_NOTFOUND);
    arena_free(a);
    db_close(db);
}

TEST(db_log_prune_by_time)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    struct db_log_entry *it = NULL;
    int64_t next = 0;
    size_t deleted = 0;
    add_logs(db);
    ASSERT_OK(db_log_prune(db, 3000, NULL, &deleted));
    ASSERT_EQ_SIZE(deleted, 2);
    struct db_log_filter f = { 0 };
    ASSERT_EQ_SIZE(query(db, &f, a, &it, &next), 4);
    ASSERT_EQ_INT(it[3].ts_ms, 3000);
    ASSERT_OK(db_log_prune(db, 3000, NULL, &deleted));
    ASSERT_EQ_SIZE(deleted, 0);
    arena_free(a);
    db_close(db);
}
