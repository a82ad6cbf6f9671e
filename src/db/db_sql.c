/* SPDX-License-Identifier: MIT */
/*
 * Script SQL (db_sql.h): namespaces and grants, the per-connection cache of rewritten and
 * prepared script statements (invalidated when the schema changes), the cursor, and the records
 * of database.migrate(). Talks to the backend only through struct db_driver; the rewrite is in
 * db_sql_rewrite.c, the guard in the driver.
 * Thread contract: one thread at a time per struct db.
 */
#include "db/db_sql.h"

#include <stdio.h>
#include <string.h>

#include <strings.h>

#include "base/clk.h"
#include "base/mem.h"
#include "base/vec.h"
#include "db/db_internal.h"

#define NS_TABLES_MAX 8 /* namespaces whose table lists a connection keeps */

/* A result column's declared type as last seen and its kind (SQLite recompiles a cached
 * statement when the schema changes, so the type is compared on every open). */
struct sql_col {
    char *decl; /* owned; NULL: no declared type */
    enum db_col_kind kind;
    bool seen; /* decl and kind are set */
};

struct sql_entry {
    char *key; /* prefix NUL ro-flag NUL sql: the cache key (owned) */
    size_t key_len;
    uint64_t hash;
    struct db_stmt *st;
    uint64_t used;        /* LRU clock */
    bool ddl;             /* guard flag of the statement (struct db_guard.ddl) */
    struct sql_col *cols; /* the first ncols columns (at most DB_SQL_KINDS_MAX) */
    size_t ncols;
    struct db_sql_aux aux; /* the caller's data about the statement */
};

struct ns_tables {
    char prefix[DB_SQL_PREFIX_MAX + 1];
    struct str *names; /* owned, each owned */
    size_t n;
};

struct db_sql_cursor {
    struct db *db;
    struct db_stmt *st;
    struct db_guard guard;
    char prefix[DB_SQL_PREFIX_MAX + 1];
    size_t ncols;
    enum db_col_kind kinds[DB_SQL_KINDS_MAX]; /* later columns are DB_COL_ANY */
    struct sql_entry *entry;                  /* the cached statement */
    int64_t recompiles;                       /* drv->recompiles when ncols and kinds were read */
    bool open;
};

struct db_sql_cache {
    int64_t cookie; /* schema version the entries were prepared against */
    uint64_t clock;
    struct sql_entry entries[DB_SQL_STMT_CACHE_MAX];
    size_t count;
    struct ns_tables tables[NS_TABLES_MAX];
    size_t ntables;
    size_t next_table; /* round-robin replacement */
    struct db_sql_cursor cursor;
};

static const char sql_schema_version[] = "PRAGMA schema_version";
static const char sql_ns_get[] = "SELECT namespace FROM script_namespaces WHERE script = $1";
static const char sql_ns_add[] = "INSERT INTO script_namespaces (script, namespace, created_ms)"
                                 " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
static const char sql_ns_tables[] =
    "SELECT substr(name, $2) FROM sqlite_master WHERE type IN ('table', 'view', 'index')"
    " AND substr(name, 1, $3) = $1";
static const char sql_grant_add[] = "INSERT INTO namespace_grants (grantee, target, created_ms)"
                                    " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
static const char sql_grant_del[] =
    "DELETE FROM namespace_grants WHERE grantee = $1 AND target = $2";
static const char sql_grant_get[] = "SELECT count(*) FROM namespace_grants WHERE grantee = $1"
                                    " AND (target = $2 OR target = '*')";
static const char sql_columns[] =
    "SELECT name, type, \"notnull\", coalesce(dflt_value, ''), pk FROM pragma_table_info($1)";
static const char sql_table_exists[] =
    "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name = $1";
static const char sql_tables[] = "SELECT substr(name, $2) FROM sqlite_master WHERE type = 'table'"
                                 " AND substr(name, 1, $3) = $1 ORDER BY name";
static const char sql_mig_get[] =
    "SELECT checksum FROM namespace_migrations WHERE namespace = $1 AND version = $2";
static const char sql_mig_list[] =
    "SELECT version, coalesce(description, ''), checksum, applied_ms FROM namespace_migrations"
    " WHERE namespace = $1 ORDER BY version";
static const char sql_mig_max[] =
    "SELECT coalesce(max(version), 0) FROM namespace_migrations WHERE namespace = $1";
static const char sql_mig_put[] = "INSERT INTO namespace_migrations"
                                  " (namespace, version, checksum, description, applied_ms)"
                                  " VALUES ($1, $2, $3, $4, $5)";

/* ------------------------------------------------------------------ namespaces */

bool db_sql_ns_valid(struct str ns)
{
    if (ns.len == 0 || ns.len > DB_SQL_NS_MAX_BYTES || ns.ptr[0] < 'a' || ns.ptr[0] > 'z' ||
        ns.ptr[ns.len - 1] == '_' || str_starts_with(ns, STR("sqlite"))) {
        return false;
    }
    for (size_t i = 0; i < ns.len; i++) {
        char c = ns.ptr[i];
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '_' && ns.ptr[i - 1] != '_');
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Derive a namespace from a script URI's last segment (without .js/.mjs) into out (41 bytes). */
static size_t ns_derive(struct str uri, char *out)
{
    size_t start = 0;
    for (size_t i = 0; i < uri.len; i++) {
        if (uri.ptr[i] == '/') {
            start = i + 1;
        }
    }
    struct str base = str_sub(uri, start, uri.len - start);
    if (str_ends_with(base, STR(".js"))) {
        base.len -= 3;
    } else if (str_ends_with(base, STR(".mjs"))) {
        base.len -= 4;
    }
    size_t n = 0;
    for (size_t i = 0; i < base.len && n < DB_SQL_NS_MAX_BYTES - 4; i++) {
        char c = str_lower_char(base.ptr[i]);
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (alnum && n == 0 && !(c >= 'a' && c <= 'z')) {
            out[n++] = 's'; /* must start with a letter */
        }
        if (alnum) {
            out[n++] = c;
        } else if (n > 0 && out[n - 1] != '_') {
            out[n++] = '_';
        }
    }
    while (n > 0 && out[n - 1] == '_') {
        n--;
    }
    if (n == 0 || str_starts_with(str_make(out, n), STR("sqlite"))) {
        memcpy(out, "script", 6);
        n = 6;
    }
    out[n] = 0;
    return n;
}

static int ns_lookup(struct db *db, struct str uri, struct arena *arena, struct diag *d,
                     struct str *out_ns)
{
    struct db_q q;
    bool row = false;
    struct db_value args[] = { DBV_TEXT(uri) };
    int rc = db_q_start(db, sql_ns_get, args, 1, d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    rc = db_q_next(&q, d, &row);
    if (rc == RC_OK && row) {
        *out_ns = db_q_col_dup(&q, 0, arena);
    } else if (rc == RC_OK) {
        rc = RC_NOTFOUND;
    }
    db_q_end(&q);
    return rc;
}

int db_sql_namespace(struct db *db, struct str uri, struct arena *arena, struct diag *d,
                     struct str *out_ns)
{
    *out_ns = STR_NULL;
    int rc = ns_lookup(db, uri, arena, d, out_ns);
    if (rc != RC_NOTFOUND) {
        return rc;
    }
    char base[DB_SQL_NS_MAX_BYTES + 1];
    size_t n = ns_derive(uri, base);
    /* Another connection may claim the same name at once: INSERT .. ON CONFLICT DO NOTHING,
     * then read back which namespace the script got. */
    for (int i = 1; i < 1000; i++) {
        char cand[DB_SQL_NS_MAX_BYTES + 8];
        int len = i == 1 ? snprintf(cand, sizeof(cand), "%s", base)
                         : snprintf(cand, sizeof(cand), "%.*s_%d", (int)n, base, i);
        struct db_value args[] = { DBV_TEXT(uri), DBV_TEXT(str_make(cand, (size_t)len)),
                                   DBV_INT(clk_realtime_ms()) };
        rc = db_q_exec(db, sql_ns_add, args, 3, d, NULL);
        if (rc != RC_OK) {
            return rc;
        }
        rc = ns_lookup(db, uri, arena, d, out_ns);
        if (rc != RC_NOTFOUND) {
            return rc;
        }
    }
    return diag_set(d, RC_CONFLICT, "no free namespace for %.*s", STR_FMT(uri));
}

int db_sql_grant(struct db *db, struct str grantee, struct str target, struct diag *d)
{
    if (!db_sql_ns_valid(grantee) || (!db_sql_ns_valid(target) && !str_eq(target, STR("*")))) {
        return diag_set(d, RC_INVAL, "grant %.*s -> %.*s: malformed namespace", STR_FMT(grantee),
                        STR_FMT(target));
    }
    struct db_value args[] = { DBV_TEXT(grantee), DBV_TEXT(target), DBV_INT(clk_realtime_ms()) };
    return db_q_exec(db, sql_grant_add, args, 3, d, NULL);
}

int db_sql_revoke(struct db *db, struct str grantee, struct str target, struct diag *d,
                  bool *out_existed)
{
    int64_t changes = 0;
    struct db_value args[] = { DBV_TEXT(grantee), DBV_TEXT(target) };
    int rc = db_q_exec(db, sql_grant_del, args, 2, d, &changes);
    *out_existed = rc == RC_OK && changes > 0;
    return rc;
}

int db_sql_granted(struct db *db, struct str grantee, struct str target, struct diag *d,
                   bool *out_granted)
{
    int64_t n = 0;
    struct db_value args[] = { DBV_TEXT(grantee), DBV_TEXT(target) };
    int rc = db_q_int(db, sql_grant_get, args, 2, d, &n);
    *out_granted = rc == RC_OK && n > 0;
    return rc;
}

/* ------------------------------------------------------------------ statement cache */

static struct db_sql_cache *cache_of(struct db *db)
{
    if (db->sql == NULL) {
        db->sql = mem_calloc(1, sizeof(*db->sql));
        db->sql->cookie = -1;
    }
    return db->sql;
}

static void tables_clear(struct db_sql_cache *c)
{
    for (size_t i = 0; i < c->ntables; i++) {
        for (size_t j = 0; j < c->tables[i].n; j++) {
            mem_free((void *)c->tables[i].names[j].ptr);
        }
        mem_free(c->tables[i].names);
    }
    c->ntables = 0;
    c->next_table = 0;
}

/* Finalize e's statement and free what it owns. */
static void entry_fini(struct db *db, struct sql_entry *e)
{
    db->drv->finalize(e->st);
    mem_free(e->key);
    for (size_t i = 0; i < e->ncols; i++) {
        mem_free(e->cols[i].decl);
    }
    mem_free(e->cols);
    if (e->aux.free_fn != NULL) {
        e->aux.free_fn(e->aux.ptr);
    }
    *e = (struct sql_entry){ 0 };
}

static void entries_clear(struct db *db, struct db_sql_cache *c)
{
    for (size_t i = 0; i < c->count; i++) {
        entry_fini(db, &c->entries[i]);
    }
    c->count = 0;
}

void db_sql_cache_free(struct db *db)
{
    if (db->sql == NULL) {
        return;
    }
    entries_clear(db, db->sql);
    tables_clear(db->sql);
    mem_free(db->sql);
    db->sql = NULL;
}

/* Drop everything prepared against an older schema (another connection may have changed it). */
static int cache_check_schema(struct db *db, struct db_sql_cache *c, struct diag *d)
{
    int64_t cookie = 0;
    int rc = db_q_int(db, sql_schema_version, NULL, 0, d, &cookie);
    if (rc != RC_OK) {
        return rc;
    }
    if (cookie != c->cookie) {
        entries_clear(db, c);
        tables_clear(c);
        c->cookie = cookie;
    }
    return RC_OK;
}

/* The namespace's table, view and index names (without the prefix). */
static int tables_of(struct db *db, struct db_sql_cache *c, struct str prefix, struct diag *d,
                     struct ns_tables **out)
{
    for (size_t i = 0; i < c->ntables; i++) {
        if (str_eq_cstr(prefix, c->tables[i].prefix)) {
            *out = &c->tables[i];
            return RC_OK;
        }
    }
    struct ns_tables *t = NULL;
    if (c->ntables < NS_TABLES_MAX) {
        t = &c->tables[c->ntables++];
    } else {
        t = &c->tables[c->next_table];
        c->next_table = (c->next_table + 1) % NS_TABLES_MAX;
        for (size_t j = 0; j < t->n; j++) {
            mem_free((void *)t->names[j].ptr);
        }
        mem_free(t->names);
    }
    *t = (struct ns_tables){ .names = NULL, .n = 0 };
    memcpy(t->prefix, prefix.ptr, prefix.len);
    t->prefix[prefix.len] = 0;
    struct db_q q;
    bool row = false;
    size_t cap = 0;
    struct db_value args[] = { DBV_TEXT(prefix), DBV_INT(prefix.len + 1), DBV_INT(prefix.len) };
    int rc = db_q_start(db, sql_ns_tables, args, 3, d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    while ((rc = db_q_next(&q, d, &row)) == RC_OK && row) {
        struct db_value v = db_q_col(&q, 0);
        if (v.type != DB_TYPE_TEXT) {
            continue;
        }
        if (t->n == cap) {
            cap = cap ? cap * 2 : 16;
            t->names = mem_realloc(t->names, cap * sizeof(*t->names));
        }
        t->names[t->n++] = str_make(mem_dup(v.s.ptr, v.s.len ? v.s.len : 1), v.s.len);
    }
    db_q_end(&q);
    *out = t;
    return rc;
}

/* The hash of the cache key prefix NUL ro-flag NUL sql, without writing the key out. */
static uint64_t key_hash(struct str prefix, bool read_only, struct str sql)
{
    return str_hash(sql) * 31 + str_hash(prefix) * 2 + (read_only ? 1 : 0);
}

/* The cached statement of (prefix, read_only, sql), or NULL. */
static struct sql_entry *entry_find(struct db_sql_cache *c, struct str prefix, bool read_only,
                                    struct str sql, uint64_t hash)
{
    size_t len = prefix.len + 3 + sql.len;
    for (size_t i = 0; i < c->count; i++) {
        struct sql_entry *e = &c->entries[i];
        if (e->hash == hash && e->key_len == len && memcmp(e->key, prefix.ptr, prefix.len) == 0 &&
            e->key[prefix.len] == 0 && e->key[prefix.len + 1] == (read_only ? 'r' : 'w') &&
            e->key[prefix.len + 2] == 0 && memcmp(e->key + prefix.len + 3, sql.ptr, sql.len) == 0) {
            e->used = ++c->clock;
            return e;
        }
    }
    return NULL;
}

static struct sql_entry *entry_add(struct db *db, struct db_sql_cache *c, struct buf *key,
                                   uint64_t hash, struct db_stmt *st, bool ddl)
{
    struct sql_entry *e = NULL;
    if (c->count < DB_SQL_STMT_CACHE_MAX) {
        e = &c->entries[c->count++];
    } else {
        e = &c->entries[0];
        for (size_t i = 1; i < c->count; i++) {
            if (c->entries[i].used < e->used) {
                e = &c->entries[i];
            }
        }
        entry_fini(db, e);
    }
    size_t len = 0;
    e->key = buf_take(key, &len);
    e->key_len = len;
    e->hash = hash;
    e->st = st;
    e->ddl = ddl;
    e->used = ++c->clock;
    return e;
}

/* Rewrite and prepare sql for the cursor's guard. */
static int prepare(struct db *db, struct db_sql_cache *c, struct db_sql_cursor *cur, struct str sql,
                   struct diag *d, struct db_sql_error *err, struct db_stmt **out_st)
{
    struct ns_tables *t = NULL;
    struct buf text;
    bool more = false;
    buf_init(&text, DB_SQL_MAX_BYTES * 2);
    int rc = tables_of(db, c, cur->guard.prefix, d, &t);
    if (rc != RC_OK) {
        err->code = "DB_ERROR";
        goto out;
    }
    rc = db_sql_rewrite(sql, cur->guard.prefix, t->names, t->n, &text, d, err);
    if (rc != RC_OK) {
        goto out;
    }
    cur->guard.ddl = err->ddl;
    db->drv->set_guard(db->conn, &cur->guard);
    rc = db->drv->prepare_script(db->conn, buf_str(&text), d, out_st, &more);
    db->drv->set_guard(db->conn, NULL);
    if (rc != RC_OK) {
        err->code = cur->guard.code ? cur->guard.code : "DB_SYNTAX";
        goto out;
    }
    if (more) {
        db->drv->finalize(*out_st);
        *out_st = NULL;
        err->code = "DB_MULTIPLE_STATEMENTS";
        rc = diag_set(d, RC_INVAL, "one statement per call (use database.migrate for several)");
    }
out:
    buf_fini(&text);
    return rc;
}

/* ------------------------------------------------------------------ cursor */

enum db_col_kind db_sql_kind_of(const char *decltype_or_null)
{
    const char *t = decltype_or_null;
    if (t == NULL || *t == 0) {
        return DB_COL_ANY;
    }

    /* Order matters: "BOOLEAN" before "INT"-free checks, "TIMESTAMP"/"DATETIME" before "TEXT".
     * SQLite's affinity rules, extended with the spec's BOOLEAN, TIMESTAMP and JSON. */
    static const struct {
        const char *word;
        enum db_col_kind kind;
    } rules[] = {
        { "BOOL", DB_COL_BOOLEAN }, { "TIMESTAMP", DB_COL_TIMESTAMP }, { "DATE", DB_COL_TIMESTAMP },
        { "JSON", DB_COL_JSON },    { "INT", DB_COL_INTEGER },         { "CHAR", DB_COL_TEXT },
        { "CLOB", DB_COL_TEXT },    { "TEXT", DB_COL_TEXT },           { "BLOB", DB_COL_BLOB },
        { "BYTEA", DB_COL_BLOB },   { "REAL", DB_COL_REAL },           { "FLOA", DB_COL_REAL },
        { "DOUB", DB_COL_REAL },    { "NUMERIC", DB_COL_REAL },        { "DECIMAL", DB_COL_REAL },
    };

    for (size_t i = 0; i < ARRAY_LEN(rules); i++) {
        if (strcasestr(t, rules[i].word) != NULL) {
            return rules[i].kind;
        }
    }
    return DB_COL_ANY;
}

static int bind_all(struct db *db, struct db_stmt *st, const struct db_value *params, size_t n,
                    struct diag *d, struct db_sql_error *err)
{
    int want = db->drv->param_count(st);
    if (want < 0 || (size_t)want != n) {
        err->code = "DB_BIND";
        return diag_set(d, RC_INVAL, "the statement has %d parameters, %zu values given", want, n);
    }
    for (size_t i = 0; i < n; i++) {
        int rc = db->drv->bind_at(st, (int)i + 1, &params[i], d);
        if (rc != RC_OK) {
            err->code = "DB_BIND";
            return rc;
        }
    }
    return RC_OK;
}

static bool same_decl(const char *a, const char *b)
{
    return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* The kinds of cur's columns into cur->kinds: remembered in e while the declared types stay
 * the same (db_sql_kind_of is a dozen substring searches). */
static void entry_kinds(struct db *db, struct sql_entry *e, struct db_sql_cursor *cur)
{
    size_t n = cur->ncols < DB_SQL_KINDS_MAX ? cur->ncols : DB_SQL_KINDS_MAX;
    if (e->ncols < n) {
        e->cols = mem_realloc(e->cols, n * sizeof(*e->cols));
        memset(e->cols + e->ncols, 0, (n - e->ncols) * sizeof(*e->cols));
        e->ncols = n;
    }
    for (size_t i = 0; i < n; i++) {
        const char *decl = db->drv->column_decltype(cur->st, (int)i);
        struct sql_col *col = &e->cols[i];
        if (!col->seen || !same_decl(col->decl, decl)) {
            mem_free(col->decl);
            col->decl = decl ? mem_strdup(decl) : NULL;
            col->kind = db_sql_kind_of(decl);
            col->seen = true;
        }
        cur->kinds[i] = col->kind;
    }
}

/* Remove the namespace prefix from an error message (the script never wrote it). */
static void strip_prefix(struct diag *d, struct str prefix)
{
    char *p = NULL;
    while (prefix.len > 0 && (p = strstr(d->msg, prefix.ptr)) != NULL) {
        memmove(p, p + prefix.len, strlen(p + prefix.len) + 1);
    }
}

int db_sql_open(struct db *db, const struct db_sql_opts *o, struct str sql,
                const struct db_value *params, size_t n, struct diag *d, struct db_sql_error *err,
                struct db_sql_cursor **out)
{
    struct db_sql_cache *c = cache_of(db);
    struct db_sql_cursor *cur = &c->cursor;
    *out = NULL;
    err->code = NULL;
    if (cur->open) {
        err->code = "DB_ERROR";
        return diag_set(d, RC_INTERNAL, "a script statement is already open on this connection");
    }
    if (!db_sql_ns_valid(o->ns)) {
        err->code = "DB_NAMESPACE";
        return diag_set(d, RC_INVAL, "malformed namespace %.*s", STR_FMT(o->ns));
    }
    if (sql.len > DB_SQL_MAX_BYTES || n > DB_SQL_MAX_PARAMS) {
        err->code = "DB_ERROR";
        return diag_set(d, RC_LIMIT, "statement of %zu bytes with %zu parameters (limits %zu, %d)",
                        sql.len, n, DB_SQL_MAX_BYTES, DB_SQL_MAX_PARAMS);
    }
    cur->db = db;
    cur->st = NULL;
    cur->entry = NULL;
    memcpy(cur->prefix, o->ns.ptr, o->ns.len); /* valid namespaces are <= 40 bytes */
    memcpy(cur->prefix + o->ns.len, "__", 3);
    struct str prefix = str_make(cur->prefix, o->ns.len + 2);
    cur->guard = (struct db_guard){
        .prefix = prefix,
        .read_only = o->read_only,
        .deadline_ms = o->timeout_ms > 0 ? clk_mono_ms() + o->timeout_ms : 0,
    };
    uint64_t hash = key_hash(prefix, o->read_only, sql);
    struct sql_entry *e = entry_find(c, prefix, o->read_only, sql, hash);
    struct db_stmt *st = e ? e->st : NULL;
    cur->guard.ddl = e ? e->ddl : false;
    int rc = RC_OK;
    if (st == NULL) {
        /* Only new text needs fresh table lists: a cached statement keeps its rewrite, and
         * SQLite recompiles it (under the guard) when the schema changed. */
        rc = cache_check_schema(db, c, d);
        if (rc != RC_OK) {
            err->code = "DB_ERROR";
            return rc;
        }
        rc = prepare(db, c, cur, sql, d, err, &st);
        if (rc != RC_OK) {
            strip_prefix(d, cur->guard.prefix);
            return rc;
        }
        struct buf key;
        buf_init(&key, DB_SQL_MAX_BYTES + DB_SQL_PREFIX_MAX + 8);
        rc = buf_try_append_str(&key, prefix);
        rc = rc == RC_OK ? buf_try_append(&key, o->read_only ? "\0r\0" : "\0w\0", 3) : rc;
        rc = rc == RC_OK ? buf_try_append_str(&key, sql) : rc;
        ASSERT(rc == RC_OK); /* sized for the limits checked above */
        e = entry_add(db, c, &key, hash, st, cur->guard.ddl);
        buf_fini(&key);
    }
    rc = bind_all(db, st, params, n, d, err);
    if (rc != RC_OK) {
        db->drv->reset(st);
        return rc;
    }
    cur->st = st;
    cur->entry = e;
    cur->ncols = (size_t)db->drv->column_count(st);
    cur->recompiles = db->drv->recompiles(st);
    entry_kinds(db, e, cur);
    cur->open = true;
    *out = cur;
    return RC_OK;
}

struct db_sql_aux *db_sql_cursor_aux(struct db_sql_cursor *cur)
{
    return &cur->entry->aux;
}

int db_sql_next(struct db_sql_cursor *cur, struct diag *d, struct db_sql_error *err, bool *out_row)
{
    struct db *db = cur->db;
    cur->guard.code = NULL;
    db->drv->set_guard(db->conn, &cur->guard);
    int rc = db->drv->step_script(cur->st, d, out_row);
    db->drv->set_guard(db->conn, NULL);
    /* A cached statement whose tables changed (ALTER TABLE ... RENAME/ADD/DROP COLUMN) is
     * compiled again inside the step: its columns are the new ones from now on. */
    int64_t recompiles = db->drv->recompiles(cur->st);
    if (recompiles != cur->recompiles) {
        cur->recompiles = recompiles;
        cur->ncols = (size_t)db->drv->column_count(cur->st);
        entry_kinds(db, cur->entry, cur);
    }
    if (rc != RC_OK) {
        err->code = cur->guard.code ? cur->guard.code : "DB_ERROR";
        strip_prefix(d, cur->guard.prefix);
    }
    return rc;
}

size_t db_sql_column_count(struct db_sql_cursor *cur)
{
    return cur->ncols;
}

struct str db_sql_column_name(struct db_sql_cursor *cur, size_t i)
{
    const char *name = cur->db->drv->column_name(cur->st, (int)i);
    return name ? str_from_cstr(name) : STR("");
}

enum db_col_kind db_sql_column_kind(struct db_sql_cursor *cur, size_t i)
{
    return i < ARRAY_LEN(cur->kinds) ? cur->kinds[i] : DB_COL_ANY;
}

struct db_value db_sql_column(struct db_sql_cursor *cur, size_t i)
{
    struct db_value v;
    cur->db->drv->column_script(cur->st, (int)i, &v);
    return v;
}

void db_sql_close(struct db_sql_cursor *cur, int64_t *out_changes, int64_t *out_last_id)
{
    if (cur == NULL) {
        return;
    }
    struct db *db = cur->db;
    if (out_changes != NULL) {
        *out_changes = db->drv->changes(db->conn);
    }
    if (out_last_id != NULL) {
        *out_last_id = db->drv->last_insert_id(db->conn);
    }
    if (cur->st != NULL) {
        db->drv->reset(cur->st);
    }
    cur->st = NULL;
    cur->open = false;
}

/* ------------------------------------------------------------------ introspection */

/* Growable arena arrays of columns and names (VEC layout, base/vec.h). */
struct col_vec {
    struct db_sql_column *items;
    size_t count;
    size_t cap;
};

struct mig_vec {
    struct db_sql_migration *items;
    size_t count;
    size_t cap;
};

static void mig_push(struct arena *arena, struct mig_vec *v, struct db_q *q)
{
    struct db_sql_migration m = {
        .version = db_q_col(q, 0).i,
        .description = db_q_col_dup(q, 1, arena),
        .checksum = db_q_col_dup(q, 2, arena),
        .applied_ms = db_q_col(q, 3).i,
    };
    VEC_PUSH_ARENA(arena, v, m);
}

struct str_vec {
    struct str *items;
    size_t count;
    size_t cap;
};

static void col_push(struct arena *arena, struct col_vec *v, struct db_q *q)
{
    struct db_sql_column col = {
        .name = db_q_col_dup(q, 0, arena),
        .type = db_q_col_dup(q, 1, arena),
        .not_null = db_q_col(q, 2).i != 0,
        .dflt = db_q_col_dup(q, 3, arena),
        .primary_key = db_q_col(q, 4).i != 0,
    };
    VEC_PUSH_ARENA(arena, v, col);
}

static void str_push(struct arena *arena, struct str_vec *v, struct str s)
{
    VEC_PUSH_ARENA(arena, v, s);
}

int db_sql_columns(struct db *db, struct str ns, struct str table, struct arena *arena,
                   struct diag *d, struct db_sql_column **out_cols, size_t *out_count,
                   bool *out_exists)
{
    *out_cols = NULL;
    *out_count = 0;
    *out_exists = false;
    if (!db_sql_ns_valid(ns) || table.len == 0 || table.len > DB_SQL_NAME_MAX_BYTES) {
        return diag_set(d, RC_INVAL, "bad namespace or table name");
    }
    struct str phys = arena_printf(arena, "%.*s__%.*s", STR_FMT(ns), STR_FMT(table));
    struct db_value args[] = { DBV_TEXT(phys) };
    int64_t n = 0;
    int rc = db_q_int(db, sql_table_exists, args, 1, d, &n);
    if (rc != RC_OK || n == 0) {
        return rc;
    }
    *out_exists = true;
    struct db_q q;
    bool row = false;
    struct col_vec cols = { 0 };
    rc = db_q_start(db, sql_columns, args, 1, d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    while ((rc = db_q_next(&q, d, &row)) == RC_OK && row) {
        col_push(arena, &cols, &q);
    }
    db_q_end(&q);
    *out_cols = cols.items;
    *out_count = cols.count;
    return rc;
}

int db_sql_tables(struct db *db, struct str ns, struct arena *arena, struct diag *d,
                  struct str **out_names, size_t *out_count)
{
    struct db_q q;
    bool row = false;
    struct str_vec names = { 0 };
    *out_names = NULL;
    *out_count = 0;
    struct str prefix = arena_printf(arena, "%.*s__", STR_FMT(ns));
    struct db_value args[] = { DBV_TEXT(prefix), DBV_INT(prefix.len + 1), DBV_INT(prefix.len) };
    int rc = db_q_start(db, sql_tables, args, 3, d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    while ((rc = db_q_next(&q, d, &row)) == RC_OK && row) {
        str_push(arena, &names, db_q_col_dup(&q, 0, arena));
    }
    db_q_end(&q);
    *out_names = names.items;
    *out_count = names.count;
    return rc;
}

/* ------------------------------------------------------------------ migrations of scripts */

int db_sql_migration_get(struct db *db, struct str ns, int64_t version, struct diag *d,
                         bool *out_found, char out_checksum[65])
{
    struct db_q q;
    bool row = false;
    *out_found = false;
    out_checksum[0] = 0;
    struct db_value args[] = { DBV_TEXT(ns), DBV_INT(version) };
    int rc = db_q_start(db, sql_mig_get, args, 2, d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    rc = db_q_next(&q, d, &row);
    if (rc == RC_OK && row) {
        struct db_value v = db_q_col(&q, 0);
        size_t n = v.type == DB_TYPE_TEXT && v.s.len < 65 ? v.s.len : 0;
        memcpy(out_checksum, v.s.ptr, n);
        out_checksum[n] = 0;
        *out_found = true;
    }
    db_q_end(&q);
    return rc;
}

int db_sql_migration_max(struct db *db, struct str ns, struct diag *d, int64_t *out_version)
{
    struct db_value args[] = { DBV_TEXT(ns) };
    return db_q_int(db, sql_mig_max, args, 1, d, out_version);
}

int db_sql_migration_put(struct db *db, struct str ns, int64_t version, struct str checksum,
                         struct str description, struct diag *d)
{
    struct db_value args[] = { DBV_TEXT(ns), DBV_INT(version), DBV_TEXT(checksum),
                               description.len ? DBV_TEXT(description) : DBV_NULL,
                               DBV_INT(clk_realtime_ms()) };
    return db_q_exec(db, sql_mig_put, args, ARRAY_LEN(args), d, NULL);
}

int db_sql_migration_list(struct db *db, struct str ns, struct arena *arena, struct diag *d,
                          struct db_sql_migration **out_items, size_t *out_count)
{
    struct db_q q;
    bool row = false;
    struct mig_vec v = { 0 };
    *out_items = NULL;
    *out_count = 0;
    struct db_value args[] = { DBV_TEXT(ns) };
    int rc = db_q_start(db, sql_mig_list, args, 1, d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    while ((rc = db_q_next(&q, d, &row)) == RC_OK && row) {
        mig_push(arena, &v, &q);
    }
    db_q_end(&q);
    *out_items = v.items;
    *out_count = v.count;
    return rc;
}
