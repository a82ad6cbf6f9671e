/* SPDX-License-Identifier: MIT */
/*
 * Script SQL (db_sql.h) against a real SQLite file: namespaces, the token rewrite, the guard
 * (escape attempts through text, identifiers and parameters), the time limit, read-only grants,
 * column kinds, and the statement cache across schema changes.
 */
#include <string.h>

#include "base/arena.h"
#include "db/db_sql.h"
#include "db_test_util.h"

/* Run sql in ns; returns the rc and leaves the error code in *code (NULL on success). The
 * first column of the last row, when it is an integer, goes to *out_int. */
static int run(struct db *db, const char *ns, bool ro, int64_t timeout_ms, const char *sql,
               const struct db_value *params, size_t n, const char **code, int64_t *out_int)
{
    struct diag d;
    struct db_sql_error err = { 0 };
    struct db_sql_cursor *cur = NULL;
    struct db_sql_opts o = { .ns = str_from_cstr(ns), .read_only = ro, .timeout_ms = timeout_ms };
    diag_clear(&d);
    *code = NULL;
    int rc = db_sql_open(db, &o, str_from_cstr(sql), params, n, &d, &err, &cur);
    bool row = false;
    while (rc == RC_OK && (rc = db_sql_next(cur, &d, &err, &row)) == RC_OK && row) {
        struct db_value v = db_sql_column(cur, 0);
        if (out_int != NULL && v.type == DB_TYPE_INT) {
            *out_int = v.i;
        }
    }
    db_sql_close(cur, NULL, NULL);
    if (rc != RC_OK) {
        *code = err.code;
    }
    return rc;
}

#define OK(db, ns, sql)                                              \
    do {                                                             \
        const char *code_;                                           \
        int rc_ = run(db, ns, false, 0, sql, NULL, 0, &code_, NULL); \
        if (rc_ != RC_OK) {                                          \
            harness_fail(__FILE__, __LINE__, "%s: %s", sql, code_);  \
        }                                                            \
    } while (0)

#define REFUSED(db, ns, sql, want)                                       \
    do {                                                                 \
        const char *code_ = NULL;                                        \
        int rc_ = run(db, ns, false, 0, sql, NULL, 0, &code_, NULL);     \
        if (rc_ == RC_OK || code_ == NULL || strcmp(code_, want) != 0) { \
            harness_fail(__FILE__, __LINE__, "%s: got %s, want %s", sql, \
                         code_ ? code_ : "success", want);               \
        }                                                                \
    } while (0)

TEST(sql_namespace_derivation_and_clash)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(256);
    struct diag d;
    struct str ns;
    ASSERT_OK(db_sql_namespace(db, STR("blog/Posts-API.js"), a, &d, &ns));
    ASSERT_TRUE(str_eq(ns, STR("posts_api")));
    ASSERT_OK(db_sql_namespace(db, STR("other/posts-api.js"), a, &d, &ns));
    ASSERT_TRUE(str_eq(ns, STR("posts_api_2")));
    ASSERT_OK(db_sql_namespace(db, STR("blog/Posts-API.js"), a, &d, &ns)); /* stable */
    ASSERT_TRUE(str_eq(ns, STR("posts_api")));
    ASSERT_OK(db_sql_namespace(db, STR("9lives.js"), a, &d, &ns));
    ASSERT_TRUE(str_eq(ns, STR("s9lives")));
    ASSERT_OK(db_sql_namespace(db, STR("sqlite.js"), a, &d, &ns));
    ASSERT_TRUE(db_sql_ns_valid(ns));
    ASSERT_FALSE(db_sql_ns_valid(STR("a__b")));
    ASSERT_FALSE(db_sql_ns_valid(STR("A")));
    ASSERT_FALSE(db_sql_ns_valid(STR("a_")));
    arena_free(a);
    db_close(db);
}

TEST(sql_tables_live_in_the_namespace)
{
    struct db *db = test_db_open(NULL);
    const char *code;
    int64_t v = 0;
    OK(db, "blog", "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL)");
    OK(db, "blog", "CREATE INDEX posts_title ON posts (title)");
    OK(db, "blog", "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
    struct db_value args[] = { DBV_TEXT(STR("hello")) };
    ASSERT_OK(
        run(db, "blog", false, 0, "INSERT INTO posts (title) VALUES ($1)", args, 1, &code, NULL));
    ASSERT_OK(run(db, "blog", false, 0, "SELECT count(*) FROM posts", NULL, 0, &code, &v));
    ASSERT_EQ_INT(v, 1);
    /* The physical table carries the prefix; Kiln's own statements see it. */
    ASSERT_EQ_INT(test_db_scalar(db, "SELECT count(*) FROM blog__posts", NULL, 0, NULL, 0), 1);
    /* Another namespace has its own "posts". */
    OK(db, "shop", "CREATE TABLE posts (id INTEGER PRIMARY KEY)");
    ASSERT_OK(run(db, "shop", false, 0, "SELECT count(*) FROM posts", NULL, 0, &code, &v));
    ASSERT_EQ_INT(v, 0);
    /* Quoted identifiers, aliases, qualified columns, CTEs. */
    ASSERT_OK(run(db, "blog", false, 0,
                  "WITH x AS (SELECT p.id FROM \"posts\" AS p WHERE p.title = 'posts')"
                  " SELECT count(*) FROM x, posts",
                  NULL, 0, &code, &v));
    OK(db, "blog", "ALTER TABLE posts RENAME TO articles");
    ASSERT_OK(run(db, "blog", false, 0, "SELECT count(*) FROM articles", NULL, 0, &code, &v));
    ASSERT_EQ_INT(v, 1);
    OK(db, "blog", "DROP TABLE IF EXISTS nothing_here");
    db_close(db);
}

TEST(sql_escape_attempts_are_refused)
{
    struct db *db = test_db_open(NULL);
    OK(db, "blog", "CREATE TABLE posts (id INTEGER PRIMARY KEY)");
    OK(db, "shop", "CREATE TABLE orders (id INTEGER PRIMARY KEY)");
    REFUSED(db, "blog", "SELECT * FROM scripts", "DB_NAMESPACE");
    REFUSED(db, "blog", "SELECT * FROM shop__orders", "DB_NAMESPACE");
    REFUSED(db, "blog", "SELECT * FROM \"shop__orders\"", "DB_NAMESPACE");
    REFUSED(db, "blog", "SELECT * FROM main.shared_storage", "DB_NAMESPACE");
    REFUSED(db, "blog", "SELECT name FROM sqlite_master", "DB_NAMESPACE");
    REFUSED(db, "blog", "DELETE FROM admin_token", "DB_NAMESPACE");
    /* DDL names are always prefixed: this can only ever mean blog's own "scripts". */
    REFUSED(db, "blog", "DROP TABLE scripts", "DB_SYNTAX");
    ASSERT_EQ_INT(test_db_scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'scripts'",
                                 NULL, 0, NULL, 0),
                  1);
    REFUSED(db, "blog", "SELECT * FROM sqlite_schema", "DB_NAMESPACE");
    REFUSED(db, "blog", "CREATE TABLE leak AS SELECT * FROM sqlite_master", "DB_NAMESPACE");
    /* SQLite checks a view's body when the view is used, with the reader's guard. */
    OK(db, "blog", "CREATE VIEW v AS SELECT * FROM scripts");
    REFUSED(db, "blog", "SELECT * FROM v", "DB_NAMESPACE");
    REFUSED(db, "blog", "INSERT INTO posts SELECT count(*) FROM audit", "DB_NAMESPACE");
    REFUSED(db, "blog", "ATTACH DATABASE '/tmp/x.db' AS x", "DB_FORBIDDEN_STATEMENT");
    REFUSED(db, "blog", "PRAGMA writable_schema = 1", "DB_FORBIDDEN_STATEMENT");
    REFUSED(db, "blog", "  /* hi */ pragma journal_mode", "DB_FORBIDDEN_STATEMENT");
    REFUSED(db, "blog", "SELECT * FROM pragma_table_info('scripts')", "DB_NAMESPACE");
    REFUSED(db, "blog", "SELECT load_extension('/tmp/evil.so')", "DB_FORBIDDEN_STATEMENT");
    REFUSED(db, "blog", "BEGIN", "DB_FORBIDDEN_STATEMENT");
    REFUSED(db, "blog", "COMMIT", "DB_FORBIDDEN_STATEMENT");
    REFUSED(db, "blog", "VACUUM", "DB_FORBIDDEN_STATEMENT");
    REFUSED(db, "blog", "CREATE TEMP TABLE t (x)", "DB_FORBIDDEN_STATEMENT");
    REFUSED(db, "blog", "CREATE TRIGGER tr AFTER INSERT ON posts BEGIN DELETE FROM scripts; END",
            "DB_FORBIDDEN_STATEMENT");
    REFUSED(db, "blog", "SELECT 1; DROP TABLE posts", "DB_MULTIPLE_STATEMENTS");
    REFUSED(db, "blog", "SELECT * FROM posts WHERE id = :id", "DB_BIND");
    REFUSED(db, "blog", "SELECT $1, ?", "DB_BIND");
    REFUSED(db, "blog", "CREATE TABLE count (x)", "DB_NAME_CLASH");
    REFUSED(db, "blog", "CREATE TABLE t2 (id INTEGER, posts TEXT)", "DB_NAME_CLASH");
    REFUSED(db, "blog", "SELECT 'unterminated", "DB_SYNTAX");
    REFUSED(db, "blog", "SELEC 1", "DB_SYNTAX");
    /* Text in literals and comments is never rewritten, and parameters are data. */
    const char *code;
    int64_t v = 0;
    struct db_value inj[] = { DBV_TEXT(STR("1; DROP TABLE posts; --")) };
    ASSERT_OK(
        run(db, "blog", false, 0, "SELECT count(*) FROM posts WHERE id = $1", inj, 1, &code, &v));
    ASSERT_EQ_INT(v, 0);
    ASSERT_EQ_INT(test_db_scalar(db,
                                 "SELECT count(*) FROM sqlite_master WHERE name = 'blog__posts'",
                                 NULL, 0, NULL, 0),
                  1);
    REFUSED(db, "blog", "SELECT 1 FROM posts WHERE id = $1", "DB_BIND"); /* count */
    db_close(db);
}

TEST(sql_read_only_namespace)
{
    struct db *db = test_db_open(NULL);
    const char *code;
    int64_t v = 0;
    OK(db, "shop", "CREATE TABLE orders (id INTEGER PRIMARY KEY)");
    OK(db, "shop", "INSERT INTO orders DEFAULT VALUES");
    ASSERT_OK(run(db, "shop", true, 0, "SELECT count(*) FROM orders", NULL, 0, &code, &v));
    ASSERT_EQ_INT(v, 1);
    ASSERT_RC(run(db, "shop", true, 0, "DELETE FROM orders", NULL, 0, &code, NULL), RC_DENIED);
    ASSERT_EQ_STR(code, "DB_NAMESPACE");
    ASSERT_RC(run(db, "shop", true, 0, "CREATE TABLE x (id)", NULL, 0, &code, NULL), RC_DENIED);
    struct diag d;
    bool granted = false;
    ASSERT_OK(db_sql_granted(db, STR("blog"), STR("shop"), &d, &granted));
    ASSERT_FALSE(granted);
    ASSERT_OK(db_sql_grant(db, STR("blog"), STR("shop"), &d));
    ASSERT_OK(db_sql_granted(db, STR("blog"), STR("shop"), &d, &granted));
    ASSERT_TRUE(granted);
    bool existed = false;
    ASSERT_OK(db_sql_revoke(db, STR("blog"), STR("shop"), &d, &existed));
    ASSERT_TRUE(existed);
    ASSERT_RC(db_sql_grant(db, STR("blog"), STR("Bad Name"), &d), RC_INVAL);
    db_close(db);
}

TEST(sql_time_limit_interrupts)
{
    struct db *db = test_db_open(NULL);
    const char *code;
    int rc = run(db, "blog", false, 50,
                 "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
                 " SELECT max(x) FROM c",
                 NULL, 0, &code, NULL);
    ASSERT_RC(rc, RC_TIMEOUT);
    ASSERT_EQ_STR(code, "DB_TIMEOUT");
    /* The connection serves the next statement. */
    int64_t v = 0;
    ASSERT_OK(run(db, "blog", false, 50, "SELECT 7", NULL, 0, &code, &v));
    ASSERT_EQ_INT(v, 7);
    db_close(db);
}

TEST(sql_column_kinds_and_values)
{
    struct db *db = test_db_open(NULL);
    OK(db, "t",
       "CREATE TABLE v (i INTEGER, b BIGINT, r REAL, s VARCHAR(20), f BOOLEAN,"
       " ts TIMESTAMP, j JSON, bl BLOB, n)");
    struct db_value args[] = { DBV_INT(9007199254740993LL),
                               DBV_INT(1),
                               { .type = DB_TYPE_REAL, .f = 1.5 },
                               DBV_TEXT(STR("x")),
                               DBV_INT(1),
                               DBV_TEXT(STR("2026-01-01T00:00:00.000Z")),
                               DBV_TEXT(STR("{\"a\":1}")),
                               DBV_BLOB(STR("\x01\x02")),
                               DBV_NULL };
    const char *code;
    ASSERT_OK(run(db, "t", false, 0, "INSERT INTO v VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)", args, 9,
                  &code, NULL));
    struct diag d;
    struct db_sql_error err;
    struct db_sql_cursor *cur = NULL;
    struct db_sql_opts o = { .ns = STR("t") };
    ASSERT_OK(db_sql_open(db, &o, STR("SELECT * FROM v"), NULL, 0, &d, &err, &cur));
    bool row = false;
    ASSERT_OK(db_sql_next(cur, &d, &err, &row));
    ASSERT_TRUE(row);
    ASSERT_EQ_SIZE(db_sql_column_count(cur), 9);

    enum db_col_kind want[] = { DB_COL_INTEGER, DB_COL_INTEGER, DB_COL_REAL,
                                DB_COL_TEXT,    DB_COL_BOOLEAN, DB_COL_TIMESTAMP,
                                DB_COL_JSON,    DB_COL_BLOB,    DB_COL_ANY };

    for (size_t i = 0; i < 9; i++) {
        ASSERT_EQ_INT(db_sql_column_kind(cur, i), want[i]);
    }
    ASSERT_TRUE(str_eq(db_sql_column_name(cur, 3), STR("s")));
    ASSERT_EQ_INT(db_sql_column(cur, 0).i, 9007199254740993LL);
    ASSERT_EQ_INT(db_sql_column(cur, 2).type, DB_TYPE_REAL);
    ASSERT_EQ_DBL(db_sql_column(cur, 2).f, 1.5);
    ASSERT_EQ_INT(db_sql_column(cur, 7).type, DB_TYPE_BLOB);
    ASSERT_EQ_INT(db_sql_column(cur, 8).type, DB_TYPE_NULL);
    int64_t changes = -1, last = -1;
    db_sql_close(cur, &changes, &last);
    db_close(db);
}

TEST(sql_cache_follows_schema_changes)
{
    struct db *db = test_db_open(NULL);
    struct db *other = test_db_open(NULL);
    const char *code;
    int64_t v = 0;
    OK(db, "blog", "CREATE TABLE a (id INTEGER PRIMARY KEY)");
    ASSERT_OK(run(db, "blog", false, 0, "SELECT count(*) FROM a", NULL, 0, &code, &v));
    /* Another connection drops and recreates the table with a row: the cached statement is
     * recompiled (and re-checked by the guard). */
    OK(other, "blog", "DROP TABLE a");
    OK(other, "blog", "CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT)");
    OK(other, "blog", "INSERT INTO a (x) VALUES ('y')");
    ASSERT_OK(run(db, "blog", false, 0, "SELECT count(*) FROM a", NULL, 0, &code, &v));
    ASSERT_EQ_INT(v, 1);
    /* A table created elsewhere is known to the rewrite here. */
    OK(other, "blog", "CREATE TABLE b (id INTEGER PRIMARY KEY)");
    ASSERT_OK(run(db, "blog", false, 0, "SELECT count(*) FROM b", NULL, 0, &code, &v));
    ASSERT_EQ_INT(v, 0);
    db_close(other);
    db_close(db);
}

TEST(sql_rewrite_text)
{
    struct str names[] = { STR("posts"), STR("Users") };
    struct buf out;
    struct diag d;
    struct db_sql_error err = { 0 };
    buf_init(&out, 4096);
    ASSERT_OK(db_sql_rewrite(STR("SELECT 'posts', \"posts\".id -- posts\nFROM posts p JOIN users"
                                 " u ON u.id = $12 /* posts */"),
                             STR("ns__"), names, 2, &out, &d, &err));
    ASSERT_TRUE(str_eq(buf_str(&out),
                       STR("SELECT 'posts', \"ns__posts\".id -- posts\nFROM \"ns__posts\" p JOIN "
                           "\"ns__users\" u ON u.id = ?12 /* posts */")));
    buf_reset(&out);
    ASSERT_OK(db_sql_rewrite(STR("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY,"
                                 " p INTEGER REFERENCES posts (id), q INTEGER REFERENCES t (id))"),
                             STR("ns__"), names, 2, &out, &d, &err));
    ASSERT_TRUE(
        str_eq(buf_str(&out), STR("CREATE TABLE IF NOT EXISTS \"ns__t\" (id INTEGER PRIMARY KEY,"
                                  " p INTEGER REFERENCES \"ns__posts\" (id), q INTEGER REFERENCES "
                                  "\"ns__t\" (id))")));
    buf_fini(&out);
}

TEST(sql_expand_in_lists)
{
    size_t lens[] = { 3, SIZE_MAX, 0 };
    size_t map[16];
    size_t count = 0;
    struct buf out;
    struct diag d;
    struct db_sql_error err = { 0 };
    buf_init(&out, 4096);
    ASSERT_OK(db_sql_expand_in(STR("SELECT 'IN ($1)' WHERE a IN ($1) AND b = $2 AND c IN ( $3 )"
                                   " AND d = $1 AND e = $2"),
                               lens, 3, &out, map, 16, &count, &d, &err));
    ASSERT_TRUE(str_eq(buf_str(&out), STR("SELECT 'IN ($1)' WHERE a IN (?1, ?2, ?3) AND b = ?4 "
                                          "AND c IN ( NULL ) AND d = ?5 AND e = ?4")));
    ASSERT_EQ_SIZE(count, 5);
    ASSERT_EQ_SIZE(map[0], (size_t)0 << 32 | 1);
    ASSERT_EQ_SIZE(map[2], (size_t)0 << 32 | 3);
    ASSERT_EQ_SIZE(map[3], (size_t)1 << 32 | 0);
    ASSERT_EQ_SIZE(map[4], (size_t)0 << 32 | 0); /* the array outside IN: its JSON text */
    buf_reset(&out);
    ASSERT_RC(db_sql_expand_in(STR("SELECT $4"), lens, 3, &out, map, 16, &count, &d, &err),
              RC_INVAL);
    ASSERT_EQ_STR(err.code, "DB_BIND");
    buf_reset(&out);
    err.code = NULL;
    ASSERT_RC(db_sql_expand_in(STR("SELECT $1 IN (?)"), lens, 3, &out, map, 16, &count, &d, &err),
              RC_INVAL);
    buf_reset(&out);
    ASSERT_RC(db_sql_expand_in(STR("SELECT x IN ($1)"), lens, 3, &out, map, 2, &count, &d, &err),
              RC_LIMIT);
    buf_fini(&out);
}
