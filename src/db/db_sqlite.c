/* SPDX-License-Identifier: MIT */
/*
 * The SQLite driver of struct db_driver: the only file that includes sqlite3.h and the only place
 * where SQLITE_* codes and sqlite3_errmsg() become RC_* plus a diag (STYLE.md B.5 rule 6).
 * A connection is opened NOMUTEX: the store's thread contract (one thread at a time per
 * connection) makes SQLite's own connection mutex redundant. WAL + synchronous=FULL: a commit is
 * on disk when it returns.
 */
#include <stdio.h>

#include <sqlite3.h>

#include "base/mem.h"
#include "db/db.h"

struct db_conn {
    sqlite3 *h;
};

struct db_stmt {
    sqlite3_stmt *st;
    sqlite3 *h;
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

static int sq_open(const char *target, const struct db_options *opts, struct diag *d,
                   struct db_conn **out_conn)
{
    struct db_conn *c = NULL;
    sqlite3 *h = NULL;
    int rc = RC_OK;
    char pragma[128];

    *out_conn = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int code = sqlite3_open_v2(target, &h, flags, NULL);
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
        goto out;
    }
    (void)snprintf(pragma, sizeof(pragma),
                   "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF");
    rc = sq_exec(c, pragma, d);
    if (rc != RC_OK) {
        goto out;
    }
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
    *out_st = s;
    return RC_OK;
}

static int sq_bind(struct db_stmt *s, int index, const struct db_value *v, struct diag *d)
{
    char name[16];
    (void)snprintf(name, sizeof(name), "$%d", index);
    int pos = sqlite3_bind_parameter_index(s->st, name);
    if (pos == 0) {
        return diag_set(d, RC_INTERNAL, "sqlite: no placeholder %s", name);
    }
    int code = SQLITE_OK;
    switch (v->type) {
    case DB_TYPE_NULL:
        code = sqlite3_bind_null(s->st, pos);
        break;
    case DB_TYPE_INT:
        code = sqlite3_bind_int64(s->st, pos, v->i);
        break;
    case DB_TYPE_TEXT:
        code = sqlite3_bind_text64(s->st, pos, v->s.len ? v->s.ptr : "", v->s.len, SQLITE_TRANSIENT,
                                   SQLITE_UTF8);
        break;
    case DB_TYPE_BLOB:
        code =
            sqlite3_bind_blob64(s->st, pos, v->s.len ? v->s.ptr : "", v->s.len, SQLITE_TRANSIENT);
        break;
    }
    if (code != SQLITE_OK) {
        return sq_err(s->h, code, d, "bind");
    }
    return RC_OK;
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
};
