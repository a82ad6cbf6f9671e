/* SPDX-License-Identifier: MIT */
/*
 * The store's connection: open and close, forward-only migrations at start-up, the prepared
 * statement cache (keyed by the address of each static SQL text) and nested transactions
 * (savepoints inside the outermost transaction). Everything here talks to the backend only
 * through struct db_driver. Thread contract: one thread at a time per struct db.
 */
#include <string.h>

#include "base/clk.h"
#include "base/mem.h"
#include "db/db_internal.h"
#include "db/db_sql.h"

/* ------------------------------------------------------------------ query helpers */

static int stmt_get(struct db *db, const char *sql, struct diag *d, struct db_stmt **out_st)
{
    for (size_t i = 0; i < db->ncached; i++) {
        if (db->cache[i].sql == sql) {
            *out_st = db->cache[i].st;
            return RC_OK;
        }
    }
    int rc = db->drv->prepare(db->conn, sql, d, out_st);
    if (rc != RC_OK) {
        return rc;
    }
    /* Every SQL text of the store is a distinct static string, so the cache cannot overflow
     * unless a new statement is added past DB_STMT_CACHE_MAX: raise the constant then. */
    ASSERT(db->ncached < DB_STMT_CACHE_MAX);
    db->cache[db->ncached++] = (struct db_cached_stmt){ .sql = sql, .st = *out_st };
    return RC_OK;
}

int db_q_start(struct db *db, const char *sql, const struct db_value *args, size_t n,
               struct diag *d, struct db_q *q)
{
    *q = (struct db_q){ .db = db, .st = NULL };
    struct db_stmt *st = NULL;
    int rc = stmt_get(db, sql, d, &st);
    if (rc != RC_OK) {
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        rc = db->drv->bind(st, (int)i + 1, &args[i], d);
        if (rc != RC_OK) {
            db->drv->reset(st);
            return rc;
        }
    }
    q->st = st;
    return RC_OK;
}

int db_q_next(struct db_q *q, struct diag *d, bool *out_row)
{
    return q->db->drv->step(q->st, d, out_row);
}

struct db_value db_q_col(struct db_q *q, int i)
{
    struct db_value v;
    q->db->drv->column(q->st, i, &v);
    return v;
}

struct str db_q_col_dup(struct db_q *q, int i, struct arena *arena)
{
    struct db_value v = db_q_col(q, i);
    if (v.type != DB_TYPE_TEXT && v.type != DB_TYPE_BLOB) {
        return str_make("", 0);
    }
    return arena_strdup(arena, v.s);
}

void db_q_end(struct db_q *q)
{
    if (q->st != NULL) {
        q->db->drv->reset(q->st);
        q->st = NULL;
    }
}

int db_q_int(struct db *db, const char *sql, const struct db_value *args, size_t n, struct diag *d,
             int64_t *out)
{
    struct db_q q;
    bool row = false;
    *out = 0;
    int rc = db_q_start(db, sql, args, n, d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    rc = db_q_next(&q, d, &row);
    if (rc == RC_OK && row) {
        *out = db_q_col(&q, 0).i;
    }
    db_q_end(&q);
    return rc;
}

int db_q_exec(struct db *db, const char *sql, const struct db_value *args, size_t n, struct diag *d,
              int64_t *out_changes)
{
    struct db_q q;
    bool row = false;
    int rc = db_q_start(db, sql, args, n, d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    do {
        rc = db_q_next(&q, d, &row);
    } while (rc == RC_OK && row);
    db_q_end(&q);
    if (rc == RC_OK && out_changes != NULL) {
        *out_changes = db->drv->changes(db->conn);
    }
    return rc;
}

/* ------------------------------------------------------------------ transactions */

int db_tx_begin(struct db *db, struct diag *d)
{
    int rc = db->tx_depth == 0 ? db->drv->begin(db->conn, d)
                               : db->drv->savepoint(db->conn, db->tx_depth, 0, d);
    if (rc == RC_OK) {
        db->tx_depth++;
    }
    return rc;
}

int db_tx_commit(struct db *db, struct diag *d)
{
    if (db->tx_depth == 0) {
        return diag_set(d, RC_INVAL, "no transaction is open");
    }
    int rc = db->tx_depth == 1 ? db->drv->commit(db->conn, d)
                               : db->drv->savepoint(db->conn, db->tx_depth - 1, 1, d);
    if (rc != RC_OK) {
        /* A level that failed to commit is rolled back, so the caller never has to guess
         * whether it is still open; d keeps the commit's error. */
        IGNORE_RC(db_tx_rollback(db, NULL));
        return rc;
    }
    db->tx_depth--;
    return rc;
}

int db_tx_rollback(struct db *db, struct diag *d)
{
    if (db->tx_depth == 0) {
        return diag_set(d, RC_INVAL, "no transaction is open");
    }
    int rc = db->tx_depth == 1 ? db->drv->rollback(db->conn, d)
                               : db->drv->savepoint(db->conn, db->tx_depth - 1, 2, d);
    /* The level is closed even when the rollback reported an error: the caller cannot retry it
     * usefully, and a stale depth would turn the next begin into a savepoint. */
    db->tx_depth--;
    return rc;
}

int db_tx_depth(const struct db *db)
{
    return db->tx_depth;
}

/* ------------------------------------------------------------------ migrations */

static const char sql_migrations_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL)";
static const char sql_migrations_max[] = "SELECT coalesce(max(version), 0) FROM schema_migrations";
static const char sql_migrations_add[] =
    "INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)";

int db_schema_version(struct db *db, struct diag *d, int64_t *out_version)
{
    return db_q_int(db, sql_migrations_max, NULL, 0, d, out_version);
}

static const char sql_integrity[] = "PRAGMA integrity_check";

int db_check_integrity(struct db *db, struct diag *d)
{
    struct db_q q;
    bool row = false;
    int rc = db_q_start(db, sql_integrity, NULL, 0, d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    rc = db_q_next(&q, d, &row);
    if (rc == RC_OK && !row) {
        rc = diag_set(d, RC_DB, "integrity check returned nothing");
    } else if (rc == RC_OK) {
        struct db_value v = db_q_col(&q, 0);
        if (v.type != DB_TYPE_TEXT || !str_eq(v.s, STR("ok"))) {
            rc = diag_set(d, RC_DB, "integrity check: %.*s", STR_FMT(v.s));
        }
    }
    db_q_end(&q);
    return rc;
}

/* Apply the migrations newer than the stored version, all in one transaction: a failure leaves
 * the schema as it was, and a second process opening the file waits on the write lock and then
 * finds nothing left to do. */
static int migrate(struct db *db, struct diag *d)
{
    int64_t have = 0;
    int rc = db->drv->exec(db->conn, sql_migrations_table, d);
    if (rc != RC_OK) {
        return rc;
    }
    rc = db_schema_version(db, d, &have);
    if (rc != RC_OK || have >= (int64_t)db_migration_count) {
        return rc;
    }
    rc = db_tx_begin(db, d);
    if (rc != RC_OK) {
        return rc;
    }
    rc = db_schema_version(db, d, &have);
    for (size_t i = 0; rc == RC_OK && i < db_migration_count; i++) {
        const struct db_migration *m = &db_migrations[i];
        if (m->version <= have) {
            continue;
        }
        rc = db->drv->exec(db->conn, m->sql, d);
        if (rc != RC_OK) {
            break;
        }
        struct db_value args[] = { DBV_INT(m->version), DBV_TEXT(str_from_cstr(m->name)),
                                   DBV_INT(clk_realtime_ms()) };
        rc = db_q_exec(db, sql_migrations_add, args, ARRAY_LEN(args), d, NULL);
    }
    if (rc == RC_OK) {
        return db_tx_commit(db, d);
    }
    IGNORE_RC(db_tx_rollback(db, NULL)); /* keep the migration's error in d */
    return rc;
}

/* ------------------------------------------------------------------ open, close */

int db_open(const char *path, const struct db_options *opts, struct diag *d, struct db **out_db)
{
    struct db *db = NULL;
    int rc = RC_OK;

    *out_db = NULL;
    db = mem_calloc(1, sizeof(*db));
    db->drv = &db_sqlite_driver;
    if (opts != NULL) {
        db->opts = *opts;
    }
    if (db->opts.busy_timeout_ms == 0) {
        db->opts.busy_timeout_ms = DB_BUSY_TIMEOUT_MS_DEFAULT;
    }
    if (db->opts.script_max_bytes == 0) {
        db->opts.script_max_bytes = DB_SCRIPT_MAX_BYTES;
    }
    if (db->opts.asset_max_bytes == 0) {
        db->opts.asset_max_bytes = DB_ASSET_MAX_BYTES;
    }
    if (db->opts.kv_value_max_bytes == 0) {
        db->opts.kv_value_max_bytes = DB_KV_VALUE_MAX_BYTES;
    }
    if (db->opts.kv_keys_max == 0) {
        db->opts.kv_keys_max = DB_KV_KEYS_MAX;
    }
    rc = db->drv->open(path, &db->opts, d, &db->conn);
    if (rc != RC_OK) {
        goto out;
    }
    rc = migrate(db, d);
    if (rc != RC_OK) {
        goto out;
    }
    *out_db = db;
    db = NULL;
out:
    db_close(db);
    return rc;
}

void db_close(struct db *db)
{
    if (db == NULL) {
        return;
    }
    while (db->tx_depth > 0) {
        IGNORE_RC(db_tx_rollback(db, NULL)); /* closing: nothing to report to */
    }
    db_sql_cache_free(db);
    for (size_t i = 0; i < db->ncached; i++) {
        db->drv->finalize(db->cache[i].st);
    }
    if (db->conn != NULL) {
        db->drv->close(db->conn);
    }
    mem_free(db);
}
