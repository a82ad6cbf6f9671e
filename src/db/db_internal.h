/* SPDX-License-Identifier: MIT */
/*
 * Private to src/db: the connection object, the statement cache and the query helpers the store
 * files (db_store.c, db_kv.c, db_log.c) are written with. Not for other modules.
 * Thread contract: as db.h (one thread at a time per struct db).
 */
#pragma once

#include "db/db.h"

#define DB_STMT_CACHE_MAX 80

struct db_cached_stmt {
    const char *sql; /* static SQL text: the cache key is its address */
    struct db_stmt *st;
};

struct db {
    const struct db_driver *drv;
    struct db_conn *conn;
    struct db_options opts;
    int tx_depth;
    size_t ncached;
    struct db_cached_stmt cache[DB_STMT_CACHE_MAX];
    struct db_sql_cache *sql; /* script statements (db_sql.c), created on first use */
};

struct db_sql_cache;

/* One migration compiled into the binary (generated from src/db/migrations/NNNN_name.sql). */
struct db_migration {
    int64_t version;
    const char *name;
    const char *sql;
};

extern const struct db_migration db_migrations[];
extern const size_t db_migration_count;

#define DBV_NULL    ((struct db_value){ .type = DB_TYPE_NULL })
#define DBV_INT(x)  ((struct db_value){ .type = DB_TYPE_INT, .i = (int64_t)(x) })
#define DBV_TEXT(x) ((struct db_value){ .type = DB_TYPE_TEXT, .s = (x) })
#define DBV_BLOB(x) ((struct db_value){ .type = DB_TYPE_BLOB, .s = (x) })

/* A statement in use: from db_q_start to db_q_end. */
struct db_q {
    struct db *db;
    struct db_stmt *st;
};

/*
 * Fetch sql's cached statement (preparing it on first use) and bind args to $1..$n. sql must be
 * a string with static storage. The bytes of TEXT/BLOB args are not copied: they must stay
 * valid until db_q_end. On failure the statement is reset and q is inert.
 */
WARN_UNUSED int db_q_start(struct db *db, const char *sql, const struct db_value *args, size_t n,
                           struct diag *d, struct db_q *q);

/* Step to the next row: *out_row false at the end. */
WARN_UNUSED int db_q_next(struct db_q *q, struct diag *d, bool *out_row);

/* Column i of the current row (borrowed until the next step). */
struct db_value db_q_col(struct db_q *q, int i);

/* Reset the statement for reuse. Safe on an inert q. */
void db_q_end(struct db_q *q);

/* Run a statement that returns no rows; *out_changes may be NULL. */
WARN_UNUSED int db_q_exec(struct db *db, const char *sql, const struct db_value *args, size_t n,
                          struct diag *d, int64_t *out_changes);

/* Run a one-integer query: *out is column 0 of the first row, 0 when there is no row. */
WARN_UNUSED int db_q_int(struct db *db, const char *sql, const struct db_value *args, size_t n,
                         struct diag *d, int64_t *out);

/* Copy a TEXT/BLOB column into arena (empty slice for NULL). */
struct str db_q_col_dup(struct db_q *q, int i, struct arena *arena);
