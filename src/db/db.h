/* SPDX-License-Identifier: MIT */
/*
 * The store: scripts, script versions, assets, script logs, shared storage and the admin token
 * hash, behind one logical schema and a driver vtable (struct db_driver; SQLite today,
 * PostgreSQL later). Every statement is parameterised; SQL text and foreign error codes never
 * leave src/db. Start with db_open(); read docs/internals/db.md for the design.
 *
 * Thread contract: one struct db is one connection and is used by one thread at a time. Each
 * thread that needs the store (every JS executor, the admin endpoints' thread) opens its own
 * struct db on the same file: SQLite in WAL mode lets readers run in parallel with each other and
 * with the one writer; writers queue on the file's write lock (busy timeout, then RC_TIMEOUT).
 * Writes are durable when the call returns (WAL with synchronous=FULL).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/diag.h"
#include "base/rc.h"
#include "base/str.h"

/* ------------------------------------------------------------------ limits and options */

#define DB_BUSY_TIMEOUT_MS_DEFAULT 5000
#define DB_SCRIPT_MAX_BYTES        ((size_t)4 * 1024 * 1024)
#define DB_ASSET_MAX_BYTES         ((size_t)16 * 1024 * 1024)
#define DB_KV_KEY_MAX_BYTES        ((size_t)512)
#define DB_KV_VALUE_MAX_BYTES      ((size_t)1024 * 1024)
#define DB_KV_KEYS_MAX             ((size_t)100000)
#define DB_KV_LIST_MAX             ((size_t)10000)
#define DB_LOG_MESSAGE_MAX_BYTES   ((size_t)64 * 1024)
#define DB_LOG_QUERY_MAX           ((size_t)1000)

/* Zero fields take the defaults above. */
struct db_options {
    uint32_t busy_timeout_ms;
    size_t script_max_bytes;
    size_t asset_max_bytes;
    size_t kv_value_max_bytes;
    size_t kv_keys_max;
    /* false (default): synchronous=FULL, every commit is fsynced before it returns (durable
     * across power loss). true: synchronous=NORMAL, commits are atomic and survive a crash of
     * the process (SIGKILL), but the last ones before a power loss or OS crash may be lost;
     * writes no longer wait for the disk. */
    bool no_fsync;
    /* Group durability (below): commit with synchronous=NORMAL and note every commit with
     * db_sync_note_commit(sync). The owner makes commits durable before it depends on them.
     * NULL: as no_fsync says. */
    struct db_sync *sync;
};

struct db;

/*
 * Open (creating if needed) the store at path, e.g. "<data dir>/kiln.db", switch it to WAL with
 * synchronous=FULL, and apply the pending migrations (idempotent; safe when several threads or
 * processes open the same file at once). opts may be NULL. Returns RC_OK and an owned store in
 * *out_db (free with db_close()), RC_IO when the file cannot be opened, RC_DB when a migration
 * fails, RC_TIMEOUT when the write lock stayed busy; *out_db is NULL on failure.
 */
WARN_UNUSED int db_open(const char *path, const struct db_options *opts, struct diag *d,
                        struct db **out_db);

/* Close the store (finalizes cached statements; an open transaction is rolled back). NULL ok. */
void db_close(struct db *db);

/* Run the backend's integrity check: RC_OK when the database is intact, else RC_DB with the
 * first problem in d. Slow on big files (reads everything): for tests, start-up checks, status. */
WARN_UNUSED int db_check_integrity(struct db *db, struct diag *d);

/* Return the highest applied migration number. */
WARN_UNUSED int db_schema_version(struct db *db, struct diag *d, int64_t *out_version);

/* ------------------------------------------------------------------ transactions */

/*
 * Begin a transaction, or a savepoint when one is already open on this connection (nesting).
 * The outermost level takes the write lock at once (BEGIN IMMEDIATE on SQLite), so a transaction
 * never fails half-way on a lock upgrade. Returns RC_TIMEOUT when the lock stayed busy.
 */
WARN_UNUSED int db_tx_begin(struct db *db, struct diag *d);

/*
 * Commit the innermost level (COMMIT, or RELEASE of the savepoint). RC_INVAL when none is open.
 * When the commit itself fails, the level is rolled back and closed, and the error returned.
 */
WARN_UNUSED int db_tx_commit(struct db *db, struct diag *d);

/* Roll back the innermost level (ROLLBACK, or ROLLBACK TO + RELEASE). RC_INVAL when none. */
WARN_UNUSED int db_tx_rollback(struct db *db, struct diag *d);

/* Return the nesting depth (0: no transaction open). */
int db_tx_depth(const struct db *db);

/* ------------------------------------------------------------------ scripts */

struct db_script {
    struct str uri;
    struct str content;
    struct str owners; /* JSON array of user ids, e.g. ["admin"] */
    int64_t version;   /* 1 on creation, +1 on every upsert */
    bool system;
    bool from_folder; /* synced from --scripts DIR (read-only over the API) */
    size_t size;      /* bytes of content (set by db_script_list, which leaves content empty) */
    int64_t created_ms;
    int64_t updated_ms;
};

/* expect_version for db_script_put: any version, or "must not exist yet". */
#define DB_VERSION_ANY    (-1)
#define DB_VERSION_ABSENT 0

/*
 * Create or replace the script s->uri with s->content, s->owners (empty: "[]") and s->system,
 * bump its version and record the version in script_versions, atomically. expect_version:
 * DB_VERSION_ANY, DB_VERSION_ABSENT, or the version the caller last read (optimistic
 * concurrency). Borrows s for the call. Returns RC_OK and the new version in *out_version,
 * RC_CONFLICT when the stored version differs from expect_version, RC_INVAL for an empty uri,
 * RC_LIMIT when the content exceeds the script size limit.
 */
WARN_UNUSED int db_script_put(struct db *db, const struct db_script *s, int64_t expect_version,
                              struct diag *d, int64_t *out_version);

/* Read the script uri into *out (slices allocated in arena). RC_NOTFOUND when absent. */
WARN_UNUSED int db_script_get(struct db *db, struct str uri, struct arena *arena, struct diag *d,
                              struct db_script *out);

/* Read version `version` of script uri: content into *out_content (arena). RC_NOTFOUND. */
WARN_UNUSED int db_script_get_version(struct db *db, struct str uri, int64_t version,
                                      struct arena *arena, struct diag *d, struct str *out_content);

/*
 * List scripts in uri order, without content (content is empty). Returns an arena array in
 * *out_items and its length in *out_count.
 */
WARN_UNUSED int db_script_list(struct db *db, struct arena *arena, struct diag *d,
                               struct db_script **out_items, size_t *out_count);

struct db_script_version {
    int64_t version;
    size_t size; /* bytes of content */
    int64_t created_ms;
};

/* List the newest `limit` versions of uri (newest first, limit 1..1000) in an arena array.
 * An unknown uri gives an empty list. */
WARN_UNUSED int db_script_versions(struct db *db, struct str uri, size_t limit, struct arena *arena,
                                   struct diag *d, struct db_script_version **out_items,
                                   size_t *out_count);

/* Delete the script uri and its versions (its data is kept). RC_NOTFOUND when absent. */
WARN_UNUSED int db_script_delete(struct db *db, struct str uri, struct diag *d);

/* ------------------------------------------------------------------ assets */

struct db_asset {
    struct str script;
    struct str path;
    struct str content_type;
    struct str bytes; /* binary-safe; empty in lists */
    size_t size;
    char sha256[65]; /* lower-case hex, NUL-terminated: the ETag */
    int64_t created_ms;
    int64_t updated_ms;
};

/*
 * Store the asset (a->script, a->path, a->content_type, a->bytes) and compute its size and
 * SHA-256. Returns RC_OK, *out_created true for a new asset, and the hex digest in out_sha256;
 * RC_LIMIT when the bytes exceed the asset size limit, RC_INVAL for an empty script or path.
 */
WARN_UNUSED int db_asset_put(struct db *db, const struct db_asset *a, struct diag *d,
                             bool *out_created, char out_sha256[65]);

/* Read one asset with its bytes (in arena). RC_NOTFOUND when absent. */
WARN_UNUSED int db_asset_get(struct db *db, struct str script, struct str path, struct arena *arena,
                             struct diag *d, struct db_asset *out);

/* List a script's assets in path order, without bytes. Arena array in *out_items. */
WARN_UNUSED int db_asset_list(struct db *db, struct str script, struct arena *arena, struct diag *d,
                              struct db_asset **out_items, size_t *out_count);

/* Delete one asset. RC_NOTFOUND when absent. */
WARN_UNUSED int db_asset_delete(struct db *db, struct str script, struct str path, struct diag *d);

/* ------------------------------------------------------------------ script logs */

enum db_log_level {
    DB_LOG_DEBUG = 10,
    DB_LOG_INFO = 20,
    DB_LOG_WARN = 30,
    DB_LOG_ERROR = 40,
};

struct db_log_entry {
    int64_t seq; /* set by the store; ignored on append */
    int64_t ts_ms;
    int level; /* enum db_log_level */
    struct str script;
    struct str request_id; /* may be empty */
    struct str message;
    struct str fields; /* JSON object text, may be empty */
};

/*
 * Append n entries in one transaction (one fsync for the batch). Borrows entries. Returns RC_OK,
 * RC_LIMIT when a message exceeds DB_LOG_MESSAGE_MAX_BYTES (nothing is written), RC_INVAL for an
 * empty script.
 */
WARN_UNUSED int db_log_append(struct db *db, const struct db_log_entry *entries, size_t n,
                              struct diag *d);

/* Filters of db_log_query; empty slices and zeros mean "no filter". */
struct db_log_filter {
    struct str script;
    int min_level;
    struct str request_id;
    int64_t since_ms;   /* ts_ms >= since_ms */
    struct str text;    /* message contains text (bytewise) */
    int64_t before_seq; /* cursor: entries with seq < before_seq */
    size_t limit;       /* 0: 100; at most DB_LOG_QUERY_MAX */
};

/*
 * Return matching entries newest first (seq descending) in an arena array, and in
 * *out_next_cursor the before_seq for the next page (0 when this page is the last).
 */
WARN_UNUSED int db_log_query(struct db *db, const struct db_log_filter *f, struct arena *arena,
                             struct diag *d, struct db_log_entry **out_items, size_t *out_count,
                             int64_t *out_next_cursor);

/* Delete log entries older than before_ms (retention); *out_deleted gets the count. */
WARN_UNUSED int db_log_prune(struct db *db, int64_t before_ms, struct diag *d, size_t *out_deleted);

/* ------------------------------------------------------------------ shared storage */

/*
 * Shared storage of one script (sharedStorage in spec/50-data.md §1): string keys of 1..512
 * bytes, string values up to 1 MiB (DB_KV_VALUE_MAX_BYTES, configurable), at most 100,000 keys
 * per script. Keys and values are stored byte for byte.
 */

/* Read key into *out_value (arena). RC_NOTFOUND when absent. RC_INVAL for a bad key. */
WARN_UNUSED int db_kv_get(struct db *db, struct str script, struct str key, struct arena *arena,
                          struct diag *d, struct str *out_value);

/* Read key and pass its value to take(arg, value) while the statement holds it: value is
 * borrowed, valid only during the call (no copy). RC_NOTFOUND (take not called) when absent. */
typedef void db_kv_take_fn(void *arg, struct str value);
WARN_UNUSED int db_kv_read(struct db *db, struct str script, struct str key, db_kv_take_fn *take,
                           void *arg, struct diag *d);

/* Set key to value. RC_LIMIT when the value is too long or the script has too many keys. */
WARN_UNUSED int db_kv_set(struct db *db, struct str script, struct str key, struct str value,
                          struct diag *d);

/* Remove key; *out_existed tells whether it was there. */
WARN_UNUSED int db_kv_remove(struct db *db, struct str script, struct str key, struct diag *d,
                             bool *out_existed);

/* Remove every key of the script; *out_removed gets the count. */
WARN_UNUSED int db_kv_clear(struct db *db, struct str script, struct diag *d, size_t *out_removed);

/*
 * Add by to the integer stored at key (a missing key counts as 0) and store the result as
 * decimal text, atomically. Returns RC_OK and the new value in *out_value, RC_INVAL when the
 * stored value is not a decimal integer, RC_LIMIT on int64 overflow or the key limit.
 */
WARN_UNUSED int db_kv_increment(struct db *db, struct str script, struct str key, int64_t by,
                                struct diag *d, int64_t *out_value);

/*
 * Set key to value only when its current value equals *expected, or, with expected NULL, only
 * when the key is absent; atomically. *out_swapped tells whether it was set. Same limits as
 * db_kv_set.
 */
WARN_UNUSED int db_kv_compare_and_set(struct db *db, struct str script, struct str key,
                                      const struct str *expected, struct str value, struct diag *d,
                                      bool *out_swapped);

/* List keys starting with prefix (may be empty), sorted bytewise, at most DB_KV_LIST_MAX. */
WARN_UNUSED int db_kv_keys(struct db *db, struct str script, struct str prefix, struct arena *arena,
                           struct diag *d, struct str **out_keys, size_t *out_count);

/* ------------------------------------------------------------------ admin token */

/* Read the stored admin token hash (arena). RC_NOTFOUND before the first db_admin_token_set. */
WARN_UNUSED int db_admin_token_get(struct db *db, struct arena *arena, struct diag *d,
                                   struct str *out_hash);

/* Store (replace) the admin token hash. Never pass the token itself. */
WARN_UNUSED int db_admin_token_set(struct db *db, struct str hash, struct diag *d);

/* ------------------------------------------------------------------ audit */

/* Append an audit entry (actor, action, target, detail JSON; all but action may be empty). */
WARN_UNUSED int db_audit_append(struct db *db, struct str actor, struct str action,
                                struct str target, struct str detail, struct diag *d);

/* ------------------------------------------------------------------ backup */

/* Write a consistent copy of the whole store to dest_path, a new file (SQLite VACUUM INTO;
 * readers and writers of other connections go on meanwhile). RC_CONFLICT inside a transaction
 * of db, RC_DB when the file exists or cannot be written. */
WARN_UNUSED int db_backup(struct db *db, const char *dest_path, struct diag *d);

/* ------------------------------------------------------------------ utilities */

/* Compute the SHA-256 of data as 64 lower-case hex digits plus NUL. Any thread. */
void db_sha256_hex(struct str data, char out_hex[65]);

/* ------------------------------------------------------------------ group durability */

/*
 * One syncer thread per store (db_sync.c) makes the commits of every connection opened with
 * db_options.sync durable with one fdatasync() of the WAL for all commits made since the last:
 * commits return as soon as they are in the operating system (they survive the process being
 * killed), and their callers wait for the disk only where something depends on it, all
 * together. Any thread.
 */
struct db_sync;

/* Start the syncer of the store at db_path ("<data>/kiln.db"); batch_sched: schedule its thread
 * as SCHED_BATCH (defs_thread_batch). */
WARN_UNUSED int db_sync_start(const char *db_path, bool batch_sched, struct diag *d,
                              struct db_sync **out);
/* Make every noted commit durable, run the deferred callbacks, stop the thread, free. NULL ok.
 * No connection may note commits any more. */
void db_sync_stop(struct db_sync *s);

/* A commit was made (the WAL hook of a connection calls it). Returns its number. */
uint64_t db_sync_note_commit(struct db_sync *s);
/* The number of the newest commit noted so far: what anything read or written until now
 * depends on at most. */
uint64_t db_sync_newest(struct db_sync *s);
/* Whether commit seq (and every earlier one) is durable. */
bool db_sync_is_durable(struct db_sync *s, uint64_t seq);
/* Block until commit seq is durable. */
void db_sync_wait(struct db_sync *s, uint64_t seq);

typedef void db_sync_fn(void *arg);

/* The caller's storage for a deferred callback; untouched by the caller until fn runs. */
struct db_sync_waiter {
    struct db_sync_waiter *next;
    uint64_t seq;
    db_sync_fn *fn;
    void *arg;
};

/* Run fn(arg) on the syncer thread once commit seq is durable, and return true; return false
 * (fn is not called) when it already is. */
bool db_sync_defer(struct db_sync *s, struct db_sync_waiter *w, uint64_t seq, db_sync_fn *fn,
                   void *arg);

struct db_sync_stats {
    uint64_t commits; /* noted */
    uint64_t synced;  /* durable up to this commit number */
    uint64_t syncs;   /* fdatasync() rounds */
    uint64_t errors;  /* failed rounds (logged) */
    size_t waiting;   /* deferred callbacks pending */
};

/* All zero when s is NULL. */
void db_sync_stats(struct db_sync *s, struct db_sync_stats *out);
/* Tests: while paused, no new fdatasync round starts (one under way finishes); stopping
 * overrides a pause. */
void db_sync_pause(struct db_sync *s, bool paused);

/* ------------------------------------------------------------------ driver interface */

/*
 * A storage backend (STYLE.md B.12). The store calls only these; the driver's file is the only
 * one that includes the client library's header and translates its errors into RC_* + diag.
 * SQL uses $1, $2, ... placeholders (PostgreSQL's syntax; SQLite accepts them as named
 * parameters and the driver maps $N to position N).
 */
enum db_type {
    DB_TYPE_NULL,
    DB_TYPE_INT,
    DB_TYPE_TEXT,
    DB_TYPE_BLOB,
    DB_TYPE_REAL, /* script SQL only (db_sql.h); the store's own columns are integers */
};

struct db_value {
    enum db_type type;
    int64_t i;
    double f;     /* DB_TYPE_REAL */
    struct str s; /* TEXT or BLOB bytes; borrowed */
};

/*
 * The guard of a script statement (db_sql.h): what it may touch. The driver checks it when the
 * statement is compiled and whenever the backend recompiles it (SQLite's authorizer), and
 * interrupts the statement once deadline_ms (monotonic) has passed. While no guard is set the
 * connection runs Kiln's own statements without restriction.
 */
struct db_guard {
    struct str prefix; /* table prefix of the namespace the statement works in: "<ns>__" */
    bool read_only;    /* reads only (a namespace granted read-only) */
    bool ddl;          /* CREATE/DROP/ALTER: the backend may touch its schema table */
    int64_t deadline_ms;
    /* Set by the driver when the statement fails: the script-facing error code
     * ("DB_NAMESPACE", "DB_FORBIDDEN_STATEMENT", "DB_SYNTAX", "DB_CONSTRAINT", "DB_TIMEOUT",
     * "DB_CONFLICT", "DB_BIND", "DB_ERROR"). */
    const char *code;
};

struct db_conn; /* defined by each driver */
struct db_stmt; /* defined by each driver */

struct db_driver {
    const char *name;
    /* Open a connection to target (a file path for SQLite). */
    int (*open)(const char *target, const struct db_options *opts, struct diag *d,
                struct db_conn **out_conn);
    void (*close)(struct db_conn *c);
    /* Run static SQL text that takes no parameters (migrations, several statements). */
    int (*exec)(struct db_conn *c, const char *sql, struct diag *d);
    int (*prepare)(struct db_conn *c, const char *sql, struct diag *d, struct db_stmt **out_st);
    /* Bind v to placeholder $index (1-based); v's bytes are borrowed, not copied: they must
     * stay valid until the statement's reset. */
    int (*bind)(struct db_stmt *st, int index, const struct db_value *v, struct diag *d);
    /* Advance: *out_row true when a row is available. */
    int (*step)(struct db_stmt *st, struct diag *d, bool *out_row);
    /* Read column index (0-based) of the current row; bytes valid until the next step/reset. */
    void (*column)(struct db_stmt *st, int index, struct db_value *out_v);
    /* Make the statement ready for new bindings (keeps it prepared, for the cache). */
    void (*reset)(struct db_stmt *st);
    void (*finalize)(struct db_stmt *st);
    /* Rows changed by the last finished statement on c. */
    int64_t (*changes)(struct db_conn *c);
    int (*begin)(struct db_conn *c, struct diag *d);
    int (*commit)(struct db_conn *c, struct diag *d);
    int (*rollback)(struct db_conn *c, struct diag *d);
    /* Savepoint depth (>= 1): op is 0 to create, 1 to release, 2 to roll back to and release. */
    int (*savepoint)(struct db_conn *c, int depth, int op, struct diag *d);

    /* Script statements (db_sql.c). Install g (borrowed until the next call; NULL: none) as
     * the guard of what runs next on c. */
    void (*set_guard)(struct db_conn *c, struct db_guard *g);
    /* Prepare one statement of sql (len bytes) under the current guard; *out_more is true when
     * text other than blanks, comments and semicolons follows the first statement. */
    int (*prepare_script)(struct db_conn *c, struct str sql, struct diag *d,
                          struct db_stmt **out_st, bool *out_more);
    /* Bind v at position pos (1-based: ?NNN / the pos-th ?); v's bytes are copied. */
    int (*bind_at)(struct db_stmt *st, int pos, const struct db_value *v, struct diag *d);
    int (*param_count)(struct db_stmt *st);
    int (*column_count)(struct db_stmt *st);
    /* Column name and declared type (NULL when none); valid while the statement lives. */
    const char *(*column_name)(struct db_stmt *st, int index);
    const char *(*column_decltype)(struct db_stmt *st, int index);
    /* How many times the statement was compiled again (the schema changed under it): its
     * columns may have changed then. */
    int64_t (*recompiles)(struct db_stmt *st);
    /* Like column, with DB_TYPE_REAL for floating-point values. */
    void (*column_script)(struct db_stmt *st, int index, struct db_value *out_v);
    /* Step under the guard (errors fill the guard's code). */
    int (*step_script)(struct db_stmt *st, struct diag *d, bool *out_row);
    /* Rowid of the last insert on c. */
    int64_t (*last_insert_id)(struct db_conn *c);
};

/* The SQLite driver (db_sqlite.c). */
extern const struct db_driver db_sqlite_driver;
