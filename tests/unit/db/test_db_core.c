/* SPDX-License-Identifier: MIT */
/*
 * db core: opening, pragmas (WAL, synchronous=FULL), migrations applied once and idempotent on
 * reopen, nested transactions as savepoints, persistence across close and reopen, SHA-256.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/arena.h"
#include "db_test_util.h"

static const char sql_t_journal[] = "PRAGMA journal_mode";
static const char sql_t_sync[] = "PRAGMA synchronous";
static const char sql_t_migrations[] = "SELECT count(*) FROM schema_migrations";

TEST(db_open_creates_file_in_wal_full)
{
    struct db *db = test_db_open(NULL);
    char path[512];
    struct stat st;
    ASSERT_EQ_INT(stat(test_db_path(path, sizeof(path), "kiln.db"), &st), 0);
    char mode[32] = "";
    test_db_scalar(db, sql_t_journal, NULL, 0, mode, sizeof(mode));
    ASSERT_EQ_STR(mode, "wal");
    ASSERT_EQ_INT(test_db_scalar(db, sql_t_sync, NULL, 0, NULL, 0), 2); /* FULL */
    ASSERT_OK(db_check_integrity(db, NULL));
    db_close(db);
}

/* SQLite keeps no memory statistics in Kiln (sq_config): its allocations skip the global
 * memory mutex, so the counter stays at zero however much the connection allocates. */
TEST(db_sqlite_memory_statistics_off)
{
    struct db *db = test_db_open(NULL);
    ASSERT_OK(db_kv_set(db, STR("s"), STR("k"), STR("v"), NULL));
    ASSERT_TRUE(sqlite3_memory_used() == 0);
    db_close(db);
}

TEST(db_open_bad_path_is_io_error)
{
    struct diag d;
    struct db *db = NULL;
    diag_clear(&d);
    char path[512];
    test_db_path(path, sizeof(path), "no/such/dir/kiln.db");
    ASSERT_RC(db_open(path, NULL, &d, &db), RC_IO);
    ASSERT_NULL(db);
    ASSERT_TRUE(strlen(d.msg) > 0);
    db_close(NULL);
}

TEST(db_migrations_applied_once_and_idempotent)
{
    int64_t v = 0;
    struct db *db = test_db_open(NULL);
    ASSERT_OK(db_schema_version(db, NULL, &v));
    ASSERT_EQ_INT(v, (int64_t)db_migration_count);
    ASSERT_EQ_INT(test_db_scalar(db, sql_t_migrations, NULL, 0, NULL, 0),
                  (int64_t)db_migration_count);
    db_close(db);
    /* Reopening applies nothing and keeps one row per migration. */
    db = test_db_open(NULL);
    ASSERT_OK(db_schema_version(db, NULL, &v));
    ASSERT_EQ_INT(v, (int64_t)db_migration_count);
    ASSERT_EQ_INT(test_db_scalar(db, sql_t_migrations, NULL, 0, NULL, 0),
                  (int64_t)db_migration_count);
    db_close(db);
}

TEST(db_migrations_are_numbered_from_one_without_gaps)
{
    ASSERT_TRUE(db_migration_count >= 1);
    for (size_t i = 0; i < db_migration_count; i++) {
        ASSERT_EQ_INT(db_migrations[i].version, (int64_t)i + 1);
        ASSERT_TRUE(db_migrations[i].sql != NULL && db_migrations[i].sql[0] != '\0');
    }
    ASSERT_NULL(db_migrations[db_migration_count].sql);
}

TEST(db_tx_commit_and_rollback_nested)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    struct str v;
    struct str s = STR("s");
    ASSERT_RC(db_tx_commit(db, NULL), RC_INVAL);
    ASSERT_RC(db_tx_rollback(db, NULL), RC_INVAL);

    ASSERT_OK(db_tx_begin(db, NULL));
    ASSERT_OK(db_kv_set(db, s, STR("outer"), STR("1"), NULL));
    ASSERT_OK(db_tx_begin(db, NULL));
    ASSERT_EQ_INT(db_tx_depth(db), 2);
    ASSERT_OK(db_kv_set(db, s, STR("inner"), STR("2"), NULL));
    ASSERT_OK(db_tx_rollback(db, NULL)); /* drops only "inner" */
    ASSERT_OK(db_tx_begin(db, NULL));
    ASSERT_OK(db_kv_set(db, s, STR("kept"), STR("3"), NULL));
    ASSERT_OK(db_tx_commit(db, NULL)); /* releases into the outer one */
    ASSERT_EQ_INT(db_tx_depth(db), 1);
    ASSERT_OK(db_tx_commit(db, NULL));
    ASSERT_EQ_INT(db_tx_depth(db), 0);

    ASSERT_OK(db_kv_get(db, s, STR("outer"), a, NULL, &v));
    ASSERT_EQ_SLICE(v, "1");
    ASSERT_RC(db_kv_get(db, s, STR("inner"), a, NULL, &v), RC_NOTFOUND);
    ASSERT_OK(db_kv_get(db, s, STR("kept"), a, NULL, &v));
    ASSERT_EQ_SLICE(v, "3");

    /* An outer rollback drops everything, including released savepoints. */
    ASSERT_OK(db_tx_begin(db, NULL));
    ASSERT_OK(db_kv_set(db, s, STR("gone"), STR("x"), NULL));
    ASSERT_OK(db_tx_begin(db, NULL));
    ASSERT_OK(db_kv_set(db, s, STR("gone2"), STR("y"), NULL));
    ASSERT_OK(db_tx_commit(db, NULL));
    ASSERT_OK(db_tx_rollback(db, NULL));
    ASSERT_RC(db_kv_get(db, s, STR("gone"), a, NULL, &v), RC_NOTFOUND);
    ASSERT_RC(db_kv_get(db, s, STR("gone2"), a, NULL, &v), RC_NOTFOUND);
    arena_free(a);
    db_close(db);
}

TEST(db_close_rolls_back_open_transaction)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    struct str v;
    ASSERT_OK(db_tx_begin(db, NULL));
    ASSERT_OK(db_kv_set(db, STR("s"), STR("k"), STR("v"), NULL));
    db_close(db);
    db = test_db_open(NULL);
    ASSERT_RC(db_kv_get(db, STR("s"), STR("k"), a, NULL, &v), RC_NOTFOUND);
    arena_free(a);
    db_close(db);
}

TEST(db_restart_keeps_everything)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    int64_t ver = 0;
    bool created = false;
    char sha[65];
    struct db_script s = { .uri = STR("https://example.com/a"), .content = STR("init(){}") };
    ASSERT_OK(db_script_put(db, &s, DB_VERSION_ANY, NULL, &ver));
    struct db_asset as = { .script = s.uri,
                           .path = STR("/logo.png"),
                           .content_type = STR("image/png"),
                           .bytes = STR("\x89PNG\0\1") };
    ASSERT_OK(db_asset_put(db, &as, NULL, &created, sha));
    ASSERT_OK(db_kv_set(db, s.uri, STR("count"), STR("41"), NULL));
    struct db_log_entry e = {
        .ts_ms = 5, .level = DB_LOG_INFO, .script = s.uri, .message = STR("hello")
    };
    ASSERT_OK(db_log_append(db, &e, 1, NULL));
    ASSERT_OK(db_admin_token_set(db, STR("hash-bytes"), NULL));
    db_close(db);

    db = test_db_open(NULL);
    struct db_script got;
    ASSERT_OK(db_script_get(db, s.uri, a, NULL, &got));
    ASSERT_EQ_SLICE(got.content, "init(){}");
    ASSERT_EQ_INT(got.version, 1);
    struct db_asset ga;
    ASSERT_OK(db_asset_get(db, s.uri, STR("/logo.png"), a, NULL, &ga));
    ASSERT_EQ_SIZE(ga.bytes.len, 6);
    ASSERT_EQ_MEM(ga.bytes.ptr, "\x89PNG\0\1", 6);
    struct str v;
    ASSERT_OK(db_kv_get(db, s.uri, STR("count"), a, NULL, &v));
    ASSERT_EQ_SLICE(v, "41");
    struct db_log_filter f = { .script = s.uri };
    struct db_log_entry *items = NULL;
    size_t n = 0;
    int64_t next = 0;
    ASSERT_OK(db_log_query(db, &f, a, NULL, &items, &n, &next));
    ASSERT_EQ_SIZE(n, 1);
    ASSERT_EQ_SLICE(items[0].message, "hello");
    ASSERT_OK(db_admin_token_get(db, a, NULL, &v));
    ASSERT_EQ_SLICE(v, "hash-bytes");
    arena_free(a);
    db_close(db);
}

TEST(db_sha256_known_vectors)
{
    char hex[65];
    db_sha256_hex(STR(""), hex);
    ASSERT_EQ_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    db_sha256_hex(STR("abc"), hex);
    ASSERT_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    db_sha256_hex(STR("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), hex);
    ASSERT_EQ_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* One million 'a': many full blocks. */
    static char million[1000000];
    memset(million, 'a', sizeof(million));
    db_sha256_hex(str_make(million, sizeof(million)), hex);
    ASSERT_EQ_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(db_readers_do_not_wait_for_an_open_writer)
{
    /* WAL: a second connection reads the last committed value while the first holds the write
     * lock, without waiting for the busy timeout. */
    struct db_options opts = { .busy_timeout_ms = 60000 };
    struct db *w = test_db_open(&opts);
    struct db *r = test_db_open(&opts);
    struct arena *a = arena_new(4096);
    struct str v;
    ASSERT_OK(db_kv_set(w, STR("s"), STR("k"), STR("old"), NULL));
    ASSERT_OK(db_tx_begin(w, NULL));
    ASSERT_OK(db_kv_set(w, STR("s"), STR("k"), STR("new"), NULL));
    ASSERT_OK(db_kv_get(r, STR("s"), STR("k"), a, NULL, &v));
    ASSERT_EQ_SLICE(v, "old");
    ASSERT_OK(db_tx_commit(w, NULL));
    ASSERT_OK(db_kv_get(r, STR("s"), STR("k"), a, NULL, &v));
    ASSERT_EQ_SLICE(v, "new");
    arena_free(a);
    db_close(r);
    db_close(w);
}

TEST(db_second_writer_times_out_with_rc_timeout)
{
    struct db_options opts = { .busy_timeout_ms = 50 };
    struct db *w = test_db_open(&opts);
    struct db *w2 = test_db_open(&opts);
    struct diag d;
    diag_clear(&d);
    ASSERT_OK(db_tx_begin(w, NULL));
    ASSERT_RC(db_tx_begin(w2, &d), RC_TIMEOUT);
    ASSERT_EQ_INT(db_tx_depth(w2), 0);
    ASSERT_RC(db_kv_set(w2, STR("s"), STR("k"), STR("v"), &d), RC_TIMEOUT);
    ASSERT_OK(db_tx_rollback(w, NULL));
    ASSERT_OK(db_kv_set(w2, STR("s"), STR("k"), STR("v"), NULL));
    db_close(w2);
    db_close(w);
}

/* A child process that opens path once the parent writes to go[1]; exits 0 when the open
 * had the expected outcome (want_locked: refused with RC_TIMEOUT and a clear message). Forked
 * before the parent opens the file: SQLite's per-process lock state must not be inherited. */
static pid_t spawn_opener(const char *path, int go[2], bool want_locked)
{
    pid_t pid = fork();
    if (pid != 0) {
        close(go[0]);
        return pid;
    }
    close(go[1]);
    char c;
    if (read(go[0], &c, 1) != 1) {
        _exit(2);
    }
    struct db_options opts = { .busy_timeout_ms = 50 };
    struct diag d;
    diag_clear(&d);
    struct db *other = NULL;
    int rc = db_open(path, &opts, &d, &other);
    db_close(other);
    bool ok =
        want_locked ? (rc == RC_TIMEOUT && strstr(d.msg, "another Kiln") != NULL) : rc == RC_OK;
    _exit(ok ? 0 : 1);
}

static void run_opener(pid_t pid, int go[2])
{
    int status = 0;
    ASSERT_TRUE(write(go[1], "g", 1) == 1);
    close(go[1]);
    ASSERT_EQ_INT(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The store is the process's own ("unix-excl"): connections of this process share it, another
 * process (a second Kiln on the same data folder) is refused with a clear error. */
TEST(db_store_is_locked_against_other_processes)
{
    char path[512];
    test_db_path(path, sizeof(path), "kiln.db");
    int go[2];
    ASSERT_EQ_INT(pipe(go), 0);
    pid_t pid = spawn_opener(path, go, true);
    ASSERT_TRUE(pid > 0);
    struct db_options opts = { .busy_timeout_ms = 50 };
    struct db *a = test_db_open(&opts);
    struct db *b = test_db_open(&opts); /* same process: fine */
    ASSERT_OK(db_kv_set(a, STR("s"), STR("k"), STR("v"), NULL));
    struct arena *ar = arena_new(0);
    struct str v;
    ASSERT_OK(db_kv_get(b, STR("s"), STR("k"), ar, NULL, &v));
    ASSERT_EQ_SLICE(v, "v");
    run_opener(pid, go);
    arena_free(ar);
    db_close(b);
    db_close(a);
    /* Once this process has closed it, another one may open it. */
    ASSERT_EQ_INT(pipe(go), 0);
    pid = spawn_opener(path, go, false);
    ASSERT_TRUE(pid > 0);
    run_opener(pid, go);
}

TEST(db_open_garbage_file_is_db_error)
{
    char path[512];
    test_db_path(path, sizeof(path), "kiln.db");
    FILE *f = fopen(path, "wb");
    ASSERT_TRUE(f != NULL);
    for (int i = 0; i < 64; i++) {
        (void)fputs("this is not an SQLite database, just text. ", f);
    }
    ASSERT_EQ_INT(fclose(f), 0);
    struct diag d;
    struct db *db = NULL;
    diag_clear(&d);
    ASSERT_RC(db_open(path, NULL, &d, &db), RC_DB);
    ASSERT_NULL(db);
    ASSERT_TRUE(strstr(d.msg, "sqlite") != NULL);
}

TEST(db_statement_cache_reuses_prepared_statements)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    struct str v;
    ASSERT_OK(db_kv_set(db, STR("s"), STR("k"), STR("v"), NULL));
    size_t before = db->ncached;
    for (int i = 0; i < 100; i++) {
        ASSERT_OK(db_kv_get(db, STR("s"), STR("k"), a, NULL, &v));
        ASSERT_OK(db_kv_set(db, STR("s"), STR("k"), STR("w"), NULL));
    }
    ASSERT_EQ_SIZE(db->ncached, before + 1); /* only the get was new */
    arena_free(a);
    db_close(db);
}

TEST(db_failed_migration_changes_nothing)
{
    /* A file where a table of migration 0001 already exists: the migration fails, and its
     * transaction leaves no table and no schema_migrations row behind. */
    char path[512];
    struct db_options opts = { .busy_timeout_ms = 1000 };
    struct db_conn *c = NULL;
    struct diag d;
    diag_clear(&d);
    test_db_path(path, sizeof(path), "kiln.db");
    ASSERT_OK(db_sqlite_driver.open(path, &opts, &d, &c));
    ASSERT_OK(db_sqlite_driver.exec(c, "CREATE TABLE audit (x INTEGER)", &d));
    db_sqlite_driver.close(c);

    struct db *db = NULL;
    ASSERT_RC(db_open(path, NULL, &d, &db), RC_DB);
    ASSERT_NULL(db);
    ASSERT_TRUE(strstr(d.msg, "audit") != NULL);

    c = NULL;
    ASSERT_OK(db_sqlite_driver.open(path, &opts, &d, &c));
    struct db_stmt *st = NULL;
    bool row = false;
    ASSERT_OK(db_sqlite_driver.prepare(
        c, "SELECT count(*) FROM sqlite_master WHERE name IN ('scripts', 'shared_storage')", &d,
        &st));
    ASSERT_OK(db_sqlite_driver.step(st, &d, &row));
    ASSERT_TRUE(row);
    struct db_value v;
    db_sqlite_driver.column(st, 0, &v);
    ASSERT_EQ_INT(v.i, 0);
    db_sqlite_driver.finalize(st);
    ASSERT_OK(db_sqlite_driver.prepare(c, "SELECT count(*) FROM schema_migrations", &d, &st));
    ASSERT_OK(db_sqlite_driver.step(st, &d, &row));
    db_sqlite_driver.column(st, 0, &v);
    ASSERT_EQ_INT(v.i, 0);
    db_sqlite_driver.finalize(st);
    db_sqlite_driver.close(c);
}
