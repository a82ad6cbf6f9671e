/* SPDX-License-Identifier: MIT */
/*
 * The SQLite driver of struct db_driver: the only file that includes sqlite3.h and the only place
 * where SQLITE_* codes and sqlite3_errmsg() become RC_* plus a diag (STYLE.md B.5 rule 6).
 * A connection is opened NOMUTEX: the store's thread contract (one thread at a time per
 * connection) makes SQLite's own connection mutex redundant. WAL + synchronous=FULL: a commit is
 * on disk when it returns.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>
#include <strings.h>

#include "base/clk.h"
#include "base/mem.h"
#include "base/str.h"
#include "db/db.h"

struct db_conn {
    sqlite3 *h;
    struct db_guard *guard; /* the running script statement's, or NULL (Kiln's own SQL) */
    struct db_sync *sync;   /* group durability: commits are noted there */
};

/* Kiln's own statements name their parameters $1..$n, in any order in the text; SQLite numbers
 * them by first appearance. pos[i - 1] is the position of $i, found once at prepare time. */
#define STMT_PARAMS_MAX 8

struct db_stmt {
    sqlite3_stmt *st;
    sqlite3 *h;
    struct db_conn *c;
    int npos;
    int pos[STMT_PARAMS_MAX];
};

/* Translate a SQLite result code into an RC_* with the connection's message. */
static int sq_err(sqlite3 *h, int code, struct diag *d, const char *what)
{
    int prim = code & 0xff;
    const char *msg = h ? sqlite3_errmsg(h) : sqlite3_errstr(code);
    int rc = RC_DB;
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED) {
        rc = RC_TIMEOUT;
    } else if (prim == SQLITE_CONSTRAINT) {
        rc = RC_CONFLICT;
    } else if (prim == SQLITE_TOOBIG || prim == SQLITE_FULL) {
        rc = RC_LIMIT;
    } else if (prim == SQLITE_CANTOPEN || prim == SQLITE_IOERR || prim == SQLITE_PERM) {
        rc = RC_IO;
    }
    return diag_set(d, rc, "sqlite: %s: %s (%d)", what, msg, code);
}

static int sq_exec(struct db_conn *c, const char *sql, struct diag *d)
{
    char *err = NULL;
    int code = sqlite3_exec(c->h, sql, NULL, NULL, &err);
    if (code != SQLITE_OK) {
        int rc = sq_err(c->h, code, d, "exec");
        sqlite3_free(err);
        return rc;
    }
    return RC_OK;
}

/* ------------------------------------------------------------------ script statement guard */

/* Record why a script statement is refused; the message names what was refused. */
static int deny(struct db_guard *g, const char *code)
{
    if (g->code == NULL) {
        g->code = code;
    }
    return SQLITE_DENY;
}

static bool in_namespace(const struct db_guard *g, const char *table)
{
    return table != NULL && strlen(table) > g->prefix.len &&
           strncmp(table, g->prefix.ptr, g->prefix.len) == 0;
}

static bool is_schema_table(const char *table)
{
    return table != NULL &&
           (strcmp(table, "sqlite_master") == 0 || strcmp(table, "sqlite_schema") == 0 ||
            strcmp(table, "sqlite_temp_master") == 0 || strcmp(table, "sqlite_temp_schema") == 0 ||
            strcmp(table, "sqlite_sequence") == 0);
}

/* Functions a script may not call: they reach outside the namespace or the process. */
static bool forbidden_function(const char *name)
{
    static const char *const names[] = { "load_extension", "fts3_tokenizer", "readfile",
                                         "writefile",      "edit",           "sqlite_offset" };
    for (size_t i = 0; name != NULL && i < ARRAY_LEN(names); i++) {
        if (strcasecmp(name, names[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Table-level actions: the table must be in the namespace (and writable for writes). A DDL
 * statement reads and writes the schema table itself (SQLite does it, the script cannot name
 * it: the rewrite refuses every sqlite_* identifier). */
static int authorize_table(struct db_guard *g, int action, const char *table, const char *db)
{
    if (is_schema_table(table)) {
        return g->ddl && !g->read_only ? SQLITE_OK : deny(g, "DB_NAMESPACE");
    }
    if (db != NULL && strcmp(db, "main") != 0) {
        return deny(g, "DB_NAMESPACE");
    }
    bool write = action != SQLITE_READ;
    if (!in_namespace(g, table)) {
        return deny(g, "DB_NAMESPACE");
    }
    return write && g->read_only ? deny(g, "DB_NAMESPACE") : SQLITE_OK;
}

static int authorizer(void *arg, int action, const char *a1, const char *a2, const char *a3,
                      const char *inner)
{
    struct db_conn *c = arg;
    struct db_guard *g = c->guard;
    (void)inner;
    if (g == NULL) {
        return SQLITE_OK;
    }
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_FUNCTION:
        return forbidden_function(a2) ? deny(g, "DB_FORBIDDEN_STATEMENT") : SQLITE_OK;
    case SQLITE_READ:
    case SQLITE_INSERT:
    case SQLITE_UPDATE:
    case SQLITE_DELETE:
        return authorize_table(g, action, a1, a3);
    case SQLITE_CREATE_TABLE:
    case SQLITE_CREATE_VIEW:
    case SQLITE_DROP_TABLE:
    case SQLITE_DROP_VIEW:
        return authorize_table(g, SQLITE_INSERT, a1, a3);
    case SQLITE_CREATE_INDEX:
    case SQLITE_DROP_INDEX:
        /* a1: the index, a2: its table; both must be the namespace's. */
        if (authorize_table(g, SQLITE_INSERT, a2, a3) != SQLITE_OK) {
            return SQLITE_DENY;
        }
        /* UNIQUE and PRIMARY KEY constraints get SQLite-named indexes on the same table. */
        if (a1 != NULL && strncmp(a1, "sqlite_autoindex_", 17) == 0) {
            return SQLITE_OK;
        }
        return authorize_table(g, SQLITE_INSERT, a1, a3);
    case SQLITE_ALTER_TABLE:
        /* a1: the database, a2: the table. */
        return authorize_table(g, SQLITE_INSERT, a2, a1);
    case SQLITE_REINDEX:
        return authorize_table(g, SQLITE_INSERT, a1, a3);
    default:
        /* PRAGMA, ATTACH, DETACH, transactions, savepoints, triggers, temporary objects,
         * virtual tables, ANALYZE: never from a script. */
        return deny(g, "DB_FORBIDDEN_STATEMENT");
    }
}

/* Interrupt a script statement past its deadline (SQLite calls this every N VM steps). */
static int on_progress(void *arg)
{
    struct db_conn *c = arg;
    struct db_guard *g = c->guard;
    if (g == NULL || g->deadline_ms == 0 || clk_mono_ms() < g->deadline_ms) {
        return 0;
    }
    if (g->code == NULL) {
        g->code = "DB_TIMEOUT";
    }
    return 1;
}

#define PROGRESS_STEPS 1000

static void install_guard_hooks(struct db_conn *c)
{
    (void)sqlite3_set_authorizer(c->h, authorizer, c);
    sqlite3_progress_handler(c->h, PROGRESS_STEPS, on_progress, c);
}

/* Checkpoint once the WAL holds this many frames (about 40 MB of 4 KiB pages; SQLite's default
 * is 1,000). Each checkpoint costs two fsync()s on the committing thread whatever it copies, so
 * under a steady write load fewer, larger ones block an executor less: at 60,000 commits/s the
 * default meant 60 checkpoints a second (docs/performance.md). That holds where the WAL is
 * synced as it grows (group durability, synchronous=FULL). With --no-fsync nothing syncs it
 * until the checkpoint, whose first fsync() then writes everything since the last one: 40 MB
 * held a committing executor for tens of milliseconds (p99 25 ms), so that mode keeps SQLite's
 * 1,000. */
#define WAL_AUTOCHECKPOINT_FRAMES        10000
#define WAL_AUTOCHECKPOINT_FRAMES_NOSYNC 1000

/* After each commit (the write lock already released): note it for the syncer, and checkpoint
 * as SQLite's own hook does, which this one replaces. */
static int on_wal_commit(void *arg, sqlite3 *h, const char *db_name, int frames)
{
    struct db_conn *c = arg;
    (void)db_sync_note_commit(c->sync);
    if (frames >= WAL_AUTOCHECKPOINT_FRAMES) {
        (void)sqlite3_wal_checkpoint_v2(h, db_name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
    return SQLITE_OK;
}

/* Process-wide settings, before SQLite initialises itself at the first open. Without memory
 * statistics (Kiln reads none) sqlite3_malloc() and sqlite3_free() skip the global memory
 * mutex: 22 mutex enters per POST /kv became 10 (callgrind; 1.4k instructions less). Another
 * library in the process that initialised SQLite first keeps SQLite's defaults (the call then
 * fails; no harm). */
static pthread_once_t sq_config_once = PTHREAD_ONCE_INIT;

static void sq_config(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int sq_open(const char *target, const struct db_options *opts, struct diag *d,
                   struct db_conn **out_conn)
{
    (void)pthread_once(&sq_config_once, sq_config);
    struct db_conn *c = NULL;
    sqlite3 *h = NULL;
    int rc = RC_OK;
    char pragma[192];

    *out_conn = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    /*
     * "unix-excl": the process takes an exclusive lock on the file at the first access and keeps
     * it; connections of this process share their locks and the WAL index in memory. Kiln owns
     * its store, so this costs nothing and saves the two fcntl() calls every read transaction
     * (and six every write) pays with the shared-memory "-shm" file, and it stops a second
     * process (another Kiln on the same --data folder) from using the file at the same time.
     */
    int code = sqlite3_open_v2(target, &h, flags, "unix-excl");
    if (code != SQLITE_OK) {
        rc = sq_err(h, code, d, target);
        goto out;
    }
    sqlite3_extended_result_codes(h, 1);
    code = sqlite3_busy_timeout(h, (int)opts->busy_timeout_ms);
    if (code != SQLITE_OK) {
        rc = sq_err(h, code, d, "busy_timeout");
        goto out;
    }
    c = mem_calloc(1, sizeof(*c));
    c->h = h;
    h = NULL;
    /* journal_mode=WAL needs the write lock the first time; the busy timeout covers it. */
    rc = sq_exec(c, "PRAGMA journal_mode=WAL", d);
    if (rc != RC_OK) {
        if ((sqlite3_errcode(c->h) & 0xff) == SQLITE_BUSY) {
            rc = diag_set(d, RC_TIMEOUT,
                          "%s is locked by another process (is another Kiln using this data "
                          "folder?)",
                          target);
        }
        goto out;
    }
    /* Grouped commits are synced by db_sync.c; with no_fsync nothing syncs the WAL at all. */
    bool wal_unsynced = opts->no_fsync && opts->sync == NULL;
    (void)snprintf(pragma, sizeof(pragma),
                   "PRAGMA synchronous=%s; PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF; "
                   "PRAGMA wal_autocheckpoint=%d",
                   wal_unsynced || opts->sync != NULL ? "NORMAL" : "FULL",
                   wal_unsynced ? WAL_AUTOCHECKPOINT_FRAMES_NOSYNC : WAL_AUTOCHECKPOINT_FRAMES);
    rc = sq_exec(c, pragma, d);
    if (rc != RC_OK) {
        goto out;
    }
    if (opts->sync != NULL) {
        c->sync = opts->sync;
        (void)sqlite3_wal_hook(c->h, on_wal_commit, c);
    }
    install_guard_hooks(c);
    *out_conn = c;
    c = NULL;
out:
    if (c != NULL) {
        sqlite3_close_v2(c->h);
        mem_free(c);
    }
    if (h != NULL) {
        sqlite3_close_v2(h);
    }
    return rc;
}

static void sq_close(struct db_conn *c)
{
    if (c == NULL) {
        return;
    }
    sqlite3_close_v2(c->h);
    mem_free(c);
}

static int sq_prepare(struct db_conn *c, const char *sql, struct diag *d, struct db_stmt **out_st)
{
    sqlite3_stmt *st = NULL;
    *out_st = NULL;
    int code = sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (code != SQLITE_OK) {
        return sq_err(c->h, code, d, "prepare");
    }
    struct db_stmt *s = mem_calloc(1, sizeof(*s));
    s->st = st;
    s->h = c->h;
    s->c = c;
    int n = sqlite3_bind_parameter_count(st);
    s->npos = n < STMT_PARAMS_MAX ? n : STMT_PARAMS_MAX;
    for (int i = 0; i < s->npos; i++) {
        char name[16];
        (void)snprintf(name, sizeof(name), "$%d", i + 1);
        s->pos[i] = sqlite3_bind_parameter_index(st, name);
    }
    *out_st = s;
    return RC_OK;
}

static int bind_value(struct db_stmt *s, int pos, const struct db_value *v,
                      sqlite3_destructor_type how, struct diag *d);

/* Kiln's own statements: the values stay the caller's until db_q_end resets the statement and
 * clears its bindings (db_internal.h), so SQLite reads them in place (SQLITE_STATIC). */
static int sq_bind(struct db_stmt *s, int index, const struct db_value *v, struct diag *d)
{
    int pos = 0;
    if (index >= 1 && index <= s->npos) {
        pos = s->pos[index - 1];
    } else {
        char name[16];
        (void)snprintf(name, sizeof(name), "$%d", index);
        pos = sqlite3_bind_parameter_index(s->st, name);
    }
    if (pos == 0) {
        return diag_set(d, RC_INTERNAL, "sqlite: no placeholder $%d", index);
    }
    return bind_value(s, pos, v, SQLITE_STATIC, d);
}

static int sq_step(struct db_stmt *s, struct diag *d, bool *out_row)
{
    int code = sqlite3_step(s->st);
    *out_row = false;
    if (code == SQLITE_ROW) {
        *out_row = true;
        return RC_OK;
    }
    if (code == SQLITE_DONE) {
        return RC_OK;
    }
    return sq_err(s->h, code, d, "step");
}

static void sq_column(struct db_stmt *s, int index, struct db_value *out_v)
{
    int t = sqlite3_column_type(s->st, index);
    *out_v = (struct db_value){ .type = DB_TYPE_NULL };
    if (t == SQLITE_INTEGER || t == SQLITE_FLOAT) {
        out_v->type = DB_TYPE_INT;
        out_v->i = sqlite3_column_int64(s->st, index);
    } else if (t == SQLITE_TEXT) {
        out_v->type = DB_TYPE_TEXT;
        const unsigned char *p = sqlite3_column_text(s->st, index);
        out_v->s = str_make((const char *)p, (size_t)sqlite3_column_bytes(s->st, index));
    } else if (t == SQLITE_BLOB) {
        out_v->type = DB_TYPE_BLOB;
        const void *p = sqlite3_column_blob(s->st, index);
        out_v->s = str_make((const char *)p, (size_t)sqlite3_column_bytes(s->st, index));
    }
}

static void sq_reset(struct db_stmt *s)
{
    /* The step's error, if any, was already reported by sq_step. */
    (void)sqlite3_reset(s->st);
    (void)sqlite3_clear_bindings(s->st);
}

static void sq_finalize(struct db_stmt *s)
{
    if (s == NULL) {
        return;
    }
    sqlite3_finalize(s->st);
    mem_free(s);
}

static int64_t sq_changes(struct db_conn *c)
{
    return sqlite3_changes64(c->h);
}

static int sq_begin(struct db_conn *c, struct diag *d)
{
    return sq_exec(c, "BEGIN IMMEDIATE", d);
}

static int sq_commit(struct db_conn *c, struct diag *d)
{
    return sq_exec(c, "COMMIT", d);
}

static int sq_rollback(struct db_conn *c, struct diag *d)
{
    if (sqlite3_get_autocommit(c->h)) {
        /* SQLite already rolled back (e.g. after SQLITE_FULL); nothing left to undo. */
        return RC_OK;
    }
    return sq_exec(c, "ROLLBACK", d);
}

static int sq_savepoint(struct db_conn *c, int depth, int op, struct diag *d)
{
    /* Savepoint names cannot be parameters; they are generated from the depth, never input. */
    char sql[96];
    if (op == 0) {
        (void)snprintf(sql, sizeof(sql), "SAVEPOINT kiln_sp_%d", depth);
    } else if (op == 1) {
        (void)snprintf(sql, sizeof(sql), "RELEASE kiln_sp_%d", depth);
    } else {
        (void)snprintf(sql, sizeof(sql), "ROLLBACK TO kiln_sp_%d; RELEASE kiln_sp_%d", depth,
                       depth);
    }
    return sq_exec(c, sql, d);
}

/* ------------------------------------------------------------------ script statements */

/* Translate a script statement's failure: the guard gets the script-facing code (a denial or
 * the deadline already set it), d the message. */
static int sq_script_err(sqlite3 *h, struct db_guard *g, int code, struct diag *d)
{
    int prim = code & 0xff;
    const char *fallback = "DB_ERROR";
    int rc = RC_DB;
    if (prim == SQLITE_CONSTRAINT) {
        fallback = "DB_CONSTRAINT";
        rc = RC_CONFLICT;
    } else if (prim == SQLITE_INTERRUPT) {
        fallback = "DB_TIMEOUT";
        rc = RC_TIMEOUT;
    } else if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED) {
        fallback = "DB_CONFLICT";
        rc = RC_TIMEOUT;
    } else if (prim == SQLITE_RANGE || prim == SQLITE_MISMATCH) {
        fallback = "DB_BIND";
        rc = RC_INVAL;
    } else if (prim == SQLITE_AUTH) {
        fallback = "DB_NAMESPACE";
        rc = RC_DENIED;
    } else if (prim == SQLITE_TOOBIG || prim == SQLITE_FULL) {
        rc = RC_LIMIT;
    }
    if (g != NULL && g->code == NULL) {
        g->code = fallback;
    }
    if (g != NULL && strcmp(g->code, "DB_TIMEOUT") == 0) {
        rc = RC_TIMEOUT;
    }
    return diag_set(d, rc, "%s", sqlite3_errmsg(h));
}

static void sq_set_guard(struct db_conn *c, struct db_guard *g)
{
    c->guard = g;
}

/* True when text holds nothing but blanks, comments and semicolons. */
static bool only_blank(const char *p, const char *end)
{
    while (p < end) {
        if (*p == ';' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f') {
            p++;
        } else if (p + 1 < end && p[0] == '-' && p[1] == '-') {
            while (p < end && *p != '\n') {
                p++;
            }
        } else if (p + 1 < end && p[0] == '/' && p[1] == '*') {
            p += 2;
            while (p + 1 < end && !(p[0] == '*' && p[1] == '/')) {
                p++;
            }
            p += 2;
        } else {
            return false;
        }
    }
    return true;
}

static int sq_prepare_script(struct db_conn *c, struct str sql, struct diag *d,
                             struct db_stmt **out_st, bool *out_more)
{
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    *out_st = NULL;
    *out_more = false;
    if (sql.len > (size_t)INT32_MAX) {
        return diag_set(d, RC_LIMIT, "statement too long");
    }
    int code =
        sqlite3_prepare_v3(c->h, sql.ptr, (int)sql.len, SQLITE_PREPARE_PERSISTENT, &st, &tail);
    if (code != SQLITE_OK) {
        if ((code & 0xff) == SQLITE_ERROR && c->guard != NULL && c->guard->code == NULL) {
            c->guard->code = "DB_SYNTAX"; /* compile errors: syntax, unknown table or column */
        }
        return sq_script_err(c->h, c->guard, code, d);
    }
    if (st == NULL) {
        if (c->guard != NULL && c->guard->code == NULL) {
            c->guard->code = "DB_SYNTAX";
        }
        return diag_set(d, RC_INVAL, "empty statement");
    }
    *out_more = tail != NULL && !only_blank(tail, sql.ptr + sql.len);
    struct db_stmt *s = mem_calloc(1, sizeof(*s));
    s->st = st;
    s->h = c->h;
    s->c = c;
    *out_st = s;
    return RC_OK;
}

static int bind_value(struct db_stmt *s, int pos, const struct db_value *v,
                      sqlite3_destructor_type how, struct diag *d)
{
    int code = SQLITE_OK;
    switch (v->type) {
    case DB_TYPE_NULL:
        code = sqlite3_bind_null(s->st, pos);
        break;
    case DB_TYPE_INT:
        code = sqlite3_bind_int64(s->st, pos, v->i);
        break;
    case DB_TYPE_REAL:
        code = sqlite3_bind_double(s->st, pos, v->f);
        break;
    case DB_TYPE_TEXT:
        code =
            sqlite3_bind_text64(s->st, pos, v->s.len ? v->s.ptr : "", v->s.len, how, SQLITE_UTF8);
        break;
    case DB_TYPE_BLOB:
        code = sqlite3_bind_blob64(s->st, pos, v->s.len ? v->s.ptr : "", v->s.len, how);
        break;
    }
    if (code != SQLITE_OK) {
        return diag_set(d, RC_INVAL, "bind $%d: %s", pos, sqlite3_errstr(code));
    }
    return RC_OK;
}

/* Script statements: the bound values may be freed before the statement runs (SQLite copies). */
static int sq_bind_at(struct db_stmt *s, int pos, const struct db_value *v, struct diag *d)
{
    return bind_value(s, pos, v, SQLITE_TRANSIENT, d);
}

static int sq_param_count(struct db_stmt *s)
{
    return sqlite3_bind_parameter_count(s->st);
}

static int sq_column_count(struct db_stmt *s)
{
    return sqlite3_column_count(s->st);
}

static const char *sq_column_name(struct db_stmt *s, int index)
{
    return sqlite3_column_name(s->st, index);
}

static int64_t sq_recompiles(struct db_stmt *s)
{
    return sqlite3_stmt_status(s->st, SQLITE_STMTSTATUS_REPREPARE, 0);
}

static const char *sq_column_decltype(struct db_stmt *s, int index)
{
    return sqlite3_column_decltype(s->st, index);
}

static void sq_column_script(struct db_stmt *s, int index, struct db_value *out_v)
{
    if (sqlite3_column_type(s->st, index) == SQLITE_FLOAT) {
        *out_v =
            (struct db_value){ .type = DB_TYPE_REAL, .f = sqlite3_column_double(s->st, index) };
        return;
    }
    sq_column(s, index, out_v);
}

static int sq_step_script(struct db_stmt *s, struct diag *d, bool *out_row)
{
    int code = sqlite3_step(s->st);
    *out_row = code == SQLITE_ROW;
    if (code == SQLITE_ROW || code == SQLITE_DONE) {
        return RC_OK;
    }
    return sq_script_err(s->h, s->c->guard, code, d);
}

static int64_t sq_last_insert_id(struct db_conn *c)
{
    return sqlite3_last_insert_rowid(c->h);
}

const struct db_driver db_sqlite_driver = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .bind = sq_bind,
    .step = sq_step,
    .column = sq_column,
    .reset = sq_reset,
    .finalize = sq_finalize,
    .changes = sq_changes,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .savepoint = sq_savepoint,
    .set_guard = sq_set_guard,
    .prepare_script = sq_prepare_script,
    .bind_at = sq_bind_at,
    .param_count = sq_param_count,
    .column_count = sq_column_count,
    .column_name = sq_column_name,
    .column_decltype = sq_column_decltype,
    .recompiles = sq_recompiles,
    .column_script = sq_column_script,
    .step_script = sq_step_script,
    .last_insert_id = sq_last_insert_id,
};
