/* SPDX-License-Identifier: MIT */
/*
 * Scripts (with their version history), assets, the admin token hash and the audit log: the
 * store's records, each a few parameterised statements through the cached-statement helpers of
 * db_core.c. Multi-statement writes run inside db_tx_begin/commit, so they nest as savepoints
 * inside a caller's transaction. Thread contract: one thread at a time per struct db.
 */
#include <string.h>

#include "base/clk.h"
#include "db/db_internal.h"

/* Finish a write transaction opened by the caller's function: commit on success, else roll
 * back and keep the first error. */
static int tx_end(struct db *db, int rc, struct diag *d)
{
    if (rc == RC_OK) {
        return db_tx_commit(db, d);
    }
    IGNORE_RC(db_tx_rollback(db, NULL)); /* the original error stays in d */
    return rc;
}

/* ------------------------------------------------------------------ scripts */

static const char sql_script_version[] = "SELECT version FROM scripts WHERE uri = $1";
static const char sql_script_insert[] =
    "INSERT INTO scripts (uri, content, owners, version, system, created_ms, updated_ms,"
    " from_folder) VALUES ($1, $2, coalesce($3, '[]'), $4, $5, $6, $6, $7)";
static const char sql_script_update[] =
    "UPDATE scripts SET content = $2, owners = coalesce($3, owners), version = $4, system = $5,"
    " updated_ms = $6, from_folder = $7 WHERE uri = $1";
static const char sql_script_version_add[] =
    "INSERT INTO script_versions (uri, version, content, created_ms) VALUES ($1, $2, $3, $4)";
static const char sql_script_get[] =
    "SELECT uri, content, owners, version, system, created_ms, updated_ms, from_folder"
    " FROM scripts WHERE uri = $1";
static const char sql_script_get_version[] =
    "SELECT content FROM script_versions WHERE uri = $1 AND version = $2";
static const char sql_script_list[] =
    "SELECT uri, '', owners, version, system, created_ms, updated_ms, from_folder, "
    "length(CAST(content AS BLOB)) FROM scripts ORDER BY uri";
static const char sql_script_versions[] =
    "SELECT version, length(CAST(content AS BLOB)), created_ms FROM script_versions"
    " WHERE uri = $1 ORDER BY version DESC LIMIT $2";
static const char sql_script_delete[] = "DELETE FROM scripts WHERE uri = $1";
static const char sql_script_delete_versions[] = "DELETE FROM script_versions WHERE uri = $1";

/* Read the stored version of uri into *out_version (0 when absent). */
static int script_version(struct db *db, struct str uri, struct diag *d, int64_t *out_version)
{
    struct db_value args[] = { DBV_TEXT(uri) };
    return db_q_int(db, sql_script_version, args, 1, d, out_version);
}

int db_script_put(struct db *db, const struct db_script *s, int64_t expect_version, struct diag *d,
                  int64_t *out_version)
{
    int64_t have = 0;
    *out_version = 0;
    if (s->uri.len == 0) {
        return diag_set(d, RC_INVAL, "script uri is empty");
    }
    if (s->content.len > db->opts.script_max_bytes) {
        return diag_set(d, RC_LIMIT, "script is %zu bytes, limit %zu", s->content.len,
                        db->opts.script_max_bytes);
    }
    int rc = db_tx_begin(db, d);
    if (rc != RC_OK) {
        return rc;
    }
    rc = script_version(db, s->uri, d, &have);
    if (rc != RC_OK) {
        return tx_end(db, rc, d);
    }
    if (expect_version != DB_VERSION_ANY && expect_version != have) {
        rc = diag_set(d, RC_CONFLICT, "script %.*s is at version %lld, expected %lld",
                      STR_FMT(s->uri), (long long)have, (long long)expect_version);
        return tx_end(db, rc, d);
    }
    int64_t now = clk_realtime_ms();
    struct db_value args[] = {
        DBV_TEXT(s->uri),
        DBV_TEXT(s->content),
        s->owners.len ? DBV_TEXT(s->owners) : DBV_NULL,
        DBV_INT(have + 1),
        DBV_INT(s->system ? 1 : 0),
        DBV_INT(now),
        DBV_INT(s->from_folder ? 1 : 0),
    };
    rc =
        db_q_exec(db, have ? sql_script_update : sql_script_insert, args, ARRAY_LEN(args), d, NULL);
    if (rc == RC_OK) {
        struct db_value vargs[] = { DBV_TEXT(s->uri), DBV_INT(have + 1), DBV_TEXT(s->content),
                                    DBV_INT(now) };
        rc = db_q_exec(db, sql_script_version_add, vargs, ARRAY_LEN(vargs), d, NULL);
    }
    rc = tx_end(db, rc, d);
    if (rc == RC_OK) {
        *out_version = have + 1;
    }
    return rc;
}

/* Fill *out from a row of sql_script_get's shape. */
static void script_row(struct db_q *q, struct arena *arena, struct db_script *out)
{
    out->uri = db_q_col_dup(q, 0, arena);
    out->content = db_q_col_dup(q, 1, arena);
    out->owners = db_q_col_dup(q, 2, arena);
    out->version = db_q_col(q, 3).i;
    out->system = db_q_col(q, 4).i != 0;
    out->created_ms = db_q_col(q, 5).i;
    out->updated_ms = db_q_col(q, 6).i;
    out->from_folder = db_q_col(q, 7).i != 0;
}

int db_script_get(struct db *db, struct str uri, struct arena *arena, struct diag *d,
                  struct db_script *out)
{
    struct db_q q;
    bool row = false;
    struct db_value args[] = { DBV_TEXT(uri) };
    memset(out, 0, sizeof(*out));
    int rc = db_q_start(db, sql_script_get, args, 1, d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    rc = db_q_next(&q, d, &row);
    if (rc == RC_OK && row) {
        script_row(&q, arena, out);
        out->size = out->content.len;
    } else if (rc == RC_OK) {
        rc = diag_set(d, RC_NOTFOUND, "no script %.*s", STR_FMT(uri));
    }
    db_q_end(&q);
    return rc;
}

int db_script_get_version(struct db *db, struct str uri, int64_t version, struct arena *arena,
                          struct diag *d, struct str *out_content)
{
    struct db_q q;
    bool row = false;
    struct db_value args[] = { DBV_TEXT(uri), DBV_INT(version) };
    *out_content = str_make("", 0);
    int rc = db_q_start(db, sql_script_get_version, args, 2, d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    rc = db_q_next(&q, d, &row);
    if (rc == RC_OK && row) {
        *out_content = db_q_col_dup(&q, 0, arena);
    } else if (rc == RC_OK) {
        rc = diag_set(d, RC_NOTFOUND, "no version %lld of script %.*s", (long long)version,
                      STR_FMT(uri));
    }
    db_q_end(&q);
    return rc;
}

int db_script_list(struct db *db, struct arena *arena, struct diag *d, struct db_script **out_items,
                   size_t *out_count)
{
    struct db_q q;
    bool row = false;
    size_t cap = 16, n = 0;
    struct db_script *items = arena_calloc(arena, cap, sizeof(*items));
    *out_items = NULL;
    *out_count = 0;
    int rc = db_q_start(db, sql_script_list, NULL, 0, d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    while ((rc = db_q_next(&q, d, &row)) == RC_OK && row) {
        if (n == cap) {
            struct db_script *grown = arena_calloc(arena, cap * 2, sizeof(*items));
            memcpy(grown, items, n * sizeof(*items));
            items = grown;
            cap *= 2;
        }
        script_row(&q, arena, &items[n]);
        items[n++].size = (size_t)db_q_col(&q, 8).i;
    }
    db_q_end(&q);
    if (rc == RC_OK) {
        *out_items = items;
        *out_count = n;
    }
    return rc;
}

int db_script_versions(struct db *db, struct str uri, size_t limit, struct arena *arena,
                       struct diag *d, struct db_script_version **out_items, size_t *out_count)
{
    struct db_q q;
    bool row = false;
    size_t n = 0;
    *out_items = NULL;
    *out_count = 0;
    if (limit == 0 || limit > DB_LOG_QUERY_MAX) {
        return diag_set(d, RC_LIMIT, "version list limit is %zu, allowed 1..%zu", limit,
                        DB_LOG_QUERY_MAX);
    }
    struct db_script_version *items = arena_calloc(arena, limit, sizeof(*items));
    struct db_value args[] = { DBV_TEXT(uri), DBV_INT(limit) };
    int rc = db_q_start(db, sql_script_versions, args, 2, d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    while (n < limit && (rc = db_q_next(&q, d, &row)) == RC_OK && row) {
        items[n].version = db_q_col(&q, 0).i;
        items[n].size = (size_t)db_q_col(&q, 1).i;
        items[n].created_ms = db_q_col(&q, 2).i;
        n++;
    }
    db_q_end(&q);
    if (rc == RC_OK) {
        *out_items = items;
        *out_count = n;
    }
    return rc;
}

int db_script_delete(struct db *db, struct str uri, struct diag *d)
{
    int64_t changes = 0;
    struct db_value args[] = { DBV_TEXT(uri) };
    int rc = db_tx_begin(db, d);
    if (rc != RC_OK) {
        return rc;
    }
    rc = db_q_exec(db, sql_script_delete, args, 1, d, &changes);
    if (rc == RC_OK && changes == 0) {
        rc = diag_set(d, RC_NOTFOUND, "no script %.*s", STR_FMT(uri));
    }
    if (rc == RC_OK) {
        rc = db_q_exec(db, sql_script_delete_versions, args, 1, d, NULL);
    }
    return tx_end(db, rc, d);
}

/* ------------------------------------------------------------------ assets */

static const char sql_asset_update[] =
    "UPDATE assets SET content_type = $3, bytes = $4, size = $5, sha256 = $6, updated_ms = $7"
    " WHERE script = $1 AND path = $2";
static const char sql_asset_insert[] =
    "INSERT INTO assets (script, path, content_type, bytes, size, sha256, created_ms,"
    " updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)";
static const char sql_asset_get[] =
    "SELECT script, path, content_type, bytes, size, sha256, created_ms, updated_ms FROM assets"
    " WHERE script = $1 AND path = $2";
static const char sql_asset_list[] =
    "SELECT script, path, content_type, NULL, size, sha256, created_ms, updated_ms FROM assets"
    " WHERE script = $1 ORDER BY path";
static const char sql_asset_delete[] = "DELETE FROM assets WHERE script = $1 AND path = $2";

int db_asset_put(struct db *db, const struct db_asset *a, struct diag *d, bool *out_created,
                 char out_sha256[65])
{
    int64_t changes = 0;
    *out_created = false;
    out_sha256[0] = '\0';
    if (a->script.len == 0 || a->path.len == 0) {
        return diag_set(d, RC_INVAL, "asset script and path must not be empty");
    }
    if (a->bytes.len > db->opts.asset_max_bytes) {
        return diag_set(d, RC_LIMIT, "asset is %zu bytes, limit %zu", a->bytes.len,
                        db->opts.asset_max_bytes);
    }
    char sha[65];
    db_sha256_hex(a->bytes, sha);
    struct db_value args[] = {
        DBV_TEXT(a->script),
        DBV_TEXT(a->path),
        DBV_TEXT(a->content_type.len ? a->content_type : STR("application/octet-stream")),
        DBV_BLOB(a->bytes),
        DBV_INT(a->bytes.len),
        DBV_TEXT(str_make(sha, 64)),
        DBV_INT(clk_realtime_ms()),
    };
    int rc = db_tx_begin(db, d);
    if (rc != RC_OK) {
        return rc;
    }
    rc = db_q_exec(db, sql_asset_update, args, ARRAY_LEN(args), d, &changes);
    if (rc == RC_OK && changes == 0) {
        rc = db_q_exec(db, sql_asset_insert, args, ARRAY_LEN(args), d, NULL);
        *out_created = rc == RC_OK;
    }
    rc = tx_end(db, rc, d);
    if (rc == RC_OK) {
        memcpy(out_sha256, sha, sizeof(sha));
    } else {
        *out_created = false;
    }
    return rc;
}

/* Fill *out from a row of sql_asset_get's shape. */
static void asset_row(struct db_q *q, struct arena *arena, struct db_asset *out)
{
    out->script = db_q_col_dup(q, 0, arena);
    out->path = db_q_col_dup(q, 1, arena);
    out->content_type = db_q_col_dup(q, 2, arena);
    out->bytes = db_q_col_dup(q, 3, arena);
    out->size = (size_t)db_q_col(q, 4).i;
    struct db_value sha = db_q_col(q, 5);
    size_t n = sha.s.len < 64 ? sha.s.len : 64;
    memcpy(out->sha256, sha.s.ptr, n);
    out->sha256[n] = '\0';
    out->created_ms = db_q_col(q, 6).i;
    out->updated_ms = db_q_col(q, 7).i;
}

int db_asset_get(struct db *db, struct str script, struct str path, struct arena *arena,
                 struct diag *d, struct db_asset *out)
{
    struct db_q q;
    bool row = false;
    struct db_value args[] = { DBV_TEXT(script), DBV_TEXT(path) };
    memset(out, 0, sizeof(*out));
    int rc = db_q_start(db, sql_asset_get, args, 2, d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    rc = db_q_next(&q, d, &row);
    if (rc == RC_OK && row) {
        asset_row(&q, arena, out);
    } else if (rc == RC_OK) {
        rc = diag_set(d, RC_NOTFOUND, "no asset %.*s in %.*s", STR_FMT(path), STR_FMT(script));
    }
    db_q_end(&q);
    return rc;
}

int db_asset_list(struct db *db, struct str script, struct arena *arena, struct diag *d,
                  struct db_asset **out_items, size_t *out_count)
{
    struct db_q q;
    bool row = false;
    size_t cap = 16, n = 0;
    struct db_asset *items = arena_calloc(arena, cap, sizeof(*items));
    struct db_value args[] = { DBV_TEXT(script) };
    *out_items = NULL;
    *out_count = 0;
    int rc = db_q_start(db, sql_asset_list, args, 1, d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    while ((rc = db_q_next(&q, d, &row)) == RC_OK && row) {
        if (n == cap) {
            struct db_asset *grown = arena_calloc(arena, cap * 2, sizeof(*items));
            memcpy(grown, items, n * sizeof(*items));
            items = grown;
            cap *= 2;
        }
        asset_row(&q, arena, &items[n++]);
    }
    db_q_end(&q);
    if (rc == RC_OK) {
        *out_items = items;
        *out_count = n;
    }
    return rc;
}

int db_asset_delete(struct db *db, struct str script, struct str path, struct diag *d)
{
    int64_t changes = 0;
    struct db_value args[] = { DBV_TEXT(script), DBV_TEXT(path) };
    int rc = db_q_exec(db, sql_asset_delete, args, 2, d, &changes);
    if (rc == RC_OK && changes == 0) {
        rc = diag_set(d, RC_NOTFOUND, "no asset %.*s in %.*s", STR_FMT(path), STR_FMT(script));
    }
    return rc;
}

/* ------------------------------------------------------------------ admin token, audit */

static const char sql_token_get[] = "SELECT hash FROM admin_token WHERE id = 1";
static const char sql_token_set[] =
    "INSERT INTO admin_token (id, hash, updated_ms) VALUES (1, $1, $2)"
    " ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, updated_ms = excluded.updated_ms";
static const char sql_audit_add[] =
    "INSERT INTO audit (ts_ms, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)";

int db_admin_token_get(struct db *db, struct arena *arena, struct diag *d, struct str *out_hash)
{
    struct db_q q;
    bool row = false;
    *out_hash = str_make("", 0);
    int rc = db_q_start(db, sql_token_get, NULL, 0, d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    rc = db_q_next(&q, d, &row);
    if (rc == RC_OK && row) {
        *out_hash = db_q_col_dup(&q, 0, arena);
    } else if (rc == RC_OK) {
        rc = diag_set(d, RC_NOTFOUND, "no admin token is stored");
    }
    db_q_end(&q);
    return rc;
}

int db_admin_token_set(struct db *db, struct str hash, struct diag *d)
{
    if (hash.len == 0) {
        return diag_set(d, RC_INVAL, "admin token hash is empty");
    }
    struct db_value args[] = { DBV_BLOB(hash), DBV_INT(clk_realtime_ms()) };
    return db_q_exec(db, sql_token_set, args, 2, d, NULL);
}

int db_audit_append(struct db *db, struct str actor, struct str action, struct str target,
                    struct str detail, struct diag *d)
{
    if (action.len == 0) {
        return diag_set(d, RC_INVAL, "audit action is empty");
    }
    struct db_value args[] = {
        DBV_INT(clk_realtime_ms()),
        DBV_TEXT(actor),
        DBV_TEXT(action),
        DBV_TEXT(target),
        detail.len ? DBV_TEXT(detail) : DBV_NULL,
    };
    return db_q_exec(db, sql_audit_add, args, ARRAY_LEN(args), d, NULL);
}

/* ------------------------------------------------------------------ backup */

static const char sql_backup[] = "VACUUM INTO $1";

int db_backup(struct db *db, const char *dest_path, struct diag *d)
{
    if (db_tx_depth(db) > 0) {
        return diag_set(d, RC_CONFLICT, "cannot back up the store inside a transaction");
    }
    struct db_value args[] = { DBV_TEXT(str_from_cstr(dest_path)) };
    return db_q_exec(db, sql_backup, args, ARRAY_LEN(args), d, NULL);
}
