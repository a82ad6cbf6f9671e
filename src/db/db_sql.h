/* SPDX-License-Identifier: MIT */
/*
 * Script SQL (spec/50-data.md §3): statements written by scripts, run in the script's
 * namespace. On SQLite a namespace is a table prefix ("<ns>__"): Kiln rewrites the bare table
 * names of each statement on tokens (db_sql_rewrite) and the driver's guard (SQLite's
 * authorizer) refuses anything outside the namespace, whatever the text says: other
 * namespaces, Kiln's own tables, ATTACH, PRAGMA, transactions, triggers, load_extension.
 * Positional parameters only ($1.. or ?, never both; never text spliced into SQL), a time
 * limit per statement, rows with their declared column kinds. Prepared statements are cached
 * per connection. docs/internals/db.md ("Script SQL") has the design and the dialect.
 *
 * Thread contract: as db.h (one thread at a time per struct db).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "db/db.h"

#define DB_SQL_MAX_BYTES      ((size_t)100 * 1024)
#define DB_SQL_MAX_PARAMS     1000
#define DB_SQL_NS_MAX_BYTES   40
#define DB_SQL_NAME_MAX_BYTES 63
#define DB_SQL_PREFIX_MAX     (DB_SQL_NS_MAX_BYTES + 3)
#define DB_SQL_STMT_CACHE_MAX 64
#define DB_SQL_KINDS_MAX      64 /* columns with a kind; later ones are DB_COL_ANY */

/* The kind of a result column, from its declared type (spec §3.2 "Values out"). */
enum db_col_kind {
    DB_COL_ANY, /* no declared type: as the backend gives it */
    DB_COL_INTEGER,
    DB_COL_REAL,
    DB_COL_TEXT,
    DB_COL_BOOLEAN,
    DB_COL_TIMESTAMP,
    DB_COL_JSON,
    DB_COL_BLOB,
};

/* How a statement runs. */
struct db_sql_opts {
    struct str ns;      /* namespace whose tables bare names mean */
    bool read_only;     /* reads only (database.use of a granted namespace) */
    int64_t timeout_ms; /* 0: none */
};

/* A failed script statement: the script-facing code ("DB_SYNTAX", "DB_NAMESPACE", ...) plus
 * the diag's message. code is a static string. */
struct db_sql_error {
    const char *code;
    bool ddl; /* set by db_sql_rewrite: the statement is CREATE, DROP or ALTER */
};

struct db_sql_cursor;

/* The caller's data about one cached statement (api/: its column names as JS strings): kept
 * with the prepared statement and freed with free_fn(ptr) when the statement leaves the cache
 * (evicted, schema changed, connection closed). The column names may change while it is
 * cached (SQLite recompiles it after a schema change): check them against db_sql_column_name. */
struct db_sql_aux {
    void *ptr;
    void (*free_fn)(void *ptr);
};

/*
 * Return the namespace of script uri in *out_ns (arena), creating it on first use: derived
 * from the URI's last segment (lower-case letters, digits and single underscores, at most 40
 * bytes, starting with a letter), with _2, _3, ... added on a clash. RC_OK or a store error.
 */
WARN_UNUSED int db_sql_namespace(struct db *db, struct str uri, struct arena *arena, struct diag *d,
                                 struct str *out_ns);

/* True when ns is a well-formed namespace name (^[a-z][a-z0-9]*(_[a-z0-9]+)*$, 1..40 bytes,
 * not starting with "sqlite"). */
bool db_sql_ns_valid(struct str ns);

/* Grant namespace grantee read-only access to namespace target (administrators; idempotent).
 * RC_INVAL for a malformed name. */
WARN_UNUSED int db_sql_grant(struct db *db, struct str grantee, struct str target, struct diag *d);

/* Revoke a grant; *out_existed tells whether there was one. */
WARN_UNUSED int db_sql_revoke(struct db *db, struct str grantee, struct str target, struct diag *d,
                              bool *out_existed);

/* Whether grantee may read target (a grant of target or of "*"). */
WARN_UNUSED int db_sql_granted(struct db *db, struct str grantee, struct str target, struct diag *d,
                               bool *out_granted);

/*
 * Rewrite a script statement for namespace prefix (tables: every bare or quoted identifier
 * spelled like one of names[0..n) (case-insensitively) or named by the statement's CREATE
 * TABLE/VIEW/INDEX or RENAME TO, becomes "<prefix><name>"; parameters: $N becomes ?N). Appends
 * the text to out. RC_OK; RC_INVAL with err->code DB_BIND (named parameters, $ and ? mixed),
 * DB_FORBIDDEN_STATEMENT (ATTACH, PRAGMA, VACUUM, BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE,
 * ANALYZE), DB_NAMESPACE (an identifier starting with sqlite_), DB_NAME_CLASH (a new table named
 * like a keyword or function, a column named like a table), DB_SYNTAX (an unterminated string,
 * quote or comment); RC_LIMIT when out is full. Pure: exposed for the unit tests and the fuzzer.
 */
WARN_UNUSED int db_sql_rewrite(struct str sql, struct str prefix, const struct str *names, size_t n,
                               struct buf *out, struct diag *d, struct db_sql_error *err);

/*
 * Expand array parameters written as `IN ($n)` / `IN (?)` (spec §3.2): lens[i] is the element
 * count of parameter i+1, or SIZE_MAX when it is not an array. Appends to out the text where
 * each such list has one placeholder per element (`IN (NULL)` for an empty array) and every
 * parameter is `?k`; map[k-1] = (parameter index << 32) | element (1-based; 0: the
 * parameter's own value, e.g. an array used elsewhere, bound as its JSON text). *out_count
 * gets the number of positions. RC_INVAL (DB_BIND: a parameter without a value, $ and ?
 * mixed; DB_SYNTAX), RC_LIMIT (more than map_cap positions, or out full). Pure.
 */
WARN_UNUSED int db_sql_expand_in(struct str sql, const size_t *lens, size_t n, struct buf *out,
                                 size_t *map, size_t map_cap, size_t *out_count, struct diag *d,
                                 struct db_sql_error *err);

/*
 * Prepare (or take from the cache) sql for o, bind params (values borrowed; copied by the
 * driver), and return a cursor positioned before the first row in *out (owned by db: one open
 * cursor per connection at a time; close with db_sql_close()). Errors: RC_INVAL / RC_LIMIT /
 * RC_DENIED / RC_DB with err->code and d set: DB_MULTIPLE_STATEMENTS, DB_BIND (count or type),
 * DB_SYNTAX, DB_NAMESPACE, DB_FORBIDDEN_STATEMENT, DB_NAME_CLASH.
 */
WARN_UNUSED int db_sql_open(struct db *db, const struct db_sql_opts *o, struct str sql,
                            const struct db_value *params, size_t n, struct diag *d,
                            struct db_sql_error *err, struct db_sql_cursor **out);

/* Step: *out_row true with a row. Errors: DB_TIMEOUT, DB_CONSTRAINT, DB_CONFLICT (lock wait),
 * DB_NAMESPACE (a recompilation refused), DB_ERROR. */
WARN_UNUSED int db_sql_next(struct db_sql_cursor *cur, struct diag *d, struct db_sql_error *err,
                            bool *out_row);

size_t db_sql_column_count(struct db_sql_cursor *cur);
/* Column name (borrowed while the cursor is open). */
struct str db_sql_column_name(struct db_sql_cursor *cur, size_t i);
enum db_col_kind db_sql_column_kind(struct db_sql_cursor *cur, size_t i);
/* The cached statement's db_sql_aux (valid while the cursor is open). */
struct db_sql_aux *db_sql_cursor_aux(struct db_sql_cursor *cur);
/* Value of column i of the current row (bytes borrowed until the next step). */
struct db_value db_sql_column(struct db_sql_cursor *cur, size_t i);

/* Finish the statement: *out_changes (rows changed) and *out_last_id (rowid of the last insert
 * on the connection) may be NULL. Resets the statement for the cache. NULL is a no-op. */
void db_sql_close(struct db_sql_cursor *cur, int64_t *out_changes, int64_t *out_last_id);

/* Map a declared column type to its kind ("BIGINT" -> INTEGER, "VARCHAR(20)" -> TEXT...). */
enum db_col_kind db_sql_kind_of(const char *decltype_or_null);

/* A column of a namespace table (database.tables(), the aiwebengine schema API). */
struct db_sql_column {
    struct str name;
    struct str type; /* as declared */
    bool not_null;
    struct str dflt; /* default expression text; empty: none */
    bool primary_key;
};

/* List the columns of ns's table (name without prefix) into arena; *out_count 0 and
 * *out_exists false when there is no such table or view. */
WARN_UNUSED int db_sql_columns(struct db *db, struct str ns, struct str table, struct arena *arena,
                               struct diag *d, struct db_sql_column **out_cols, size_t *out_count,
                               bool *out_exists);

/* List ns's tables (names without prefix, sorted) into arena. */
WARN_UNUSED int db_sql_tables(struct db *db, struct str ns, struct arena *arena, struct diag *d,
                              struct str **out_names, size_t *out_count);

/* ------------------------------------------------------------------ migrations of scripts */

/* The checksum recorded for namespace migration `version` of ns: *out_found false when the
 * version was never applied; the text (hex) into out_checksum (65 bytes). */
WARN_UNUSED int db_sql_migration_get(struct db *db, struct str ns, int64_t version, struct diag *d,
                                     bool *out_found, char out_checksum[65]);

/* The highest version applied in ns (0: none). */
WARN_UNUSED int db_sql_migration_max(struct db *db, struct str ns, struct diag *d,
                                     int64_t *out_version);

/* Record version as applied (inside the caller's transaction). */
WARN_UNUSED int db_sql_migration_put(struct db *db, struct str ns, int64_t version,
                                     struct str checksum, struct str description, struct diag *d);

struct db_sql_migration {
    int64_t version;
    struct str description; /* empty when none */
    struct str checksum;    /* hex SHA-256 of the migration's text */
    int64_t applied_ms;
};

/* List ns's applied migrations in version order into arena. */
WARN_UNUSED int db_sql_migration_list(struct db *db, struct str ns, struct arena *arena,
                                      struct diag *d, struct db_sql_migration **out_items,
                                      size_t *out_count);

/* Free the connection's script statement cache (db_close calls it). */
void db_sql_cache_free(struct db *db);
