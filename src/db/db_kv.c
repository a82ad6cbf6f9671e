/* SPDX-License-Identifier: MIT */
/*
 * Shared storage (sharedStorage of spec/50-data.md §1): string keys and values per script, in
 * the shared_storage table. Overwriting an existing key is one autocommit UPDATE; a new key
 * takes the write transaction to check the per-script key limit and insert atomically. The key
 * count of each script is kept in shared_storage_counts (migration 0004), updated in the same
 * transaction as every insert, remove and clear, so the limit check is one primary-key read.
 * Thread contract: one thread at a time per struct db.
 */
#include <stdio.h>
#include <string.h>

#include "base/clk.h"
#include "db/db_internal.h"

static const char sql_kv_get[] = "SELECT value FROM shared_storage WHERE script = $1 AND key = $2";
static const char sql_kv_update[] =
    "UPDATE shared_storage SET value = $3, updated_ms = $4 WHERE script = $1 AND key = $2";
static const char sql_kv_count[] = "SELECT keys FROM shared_storage_counts WHERE script = $1";
static const char sql_kv_count_add[] =
    "INSERT INTO shared_storage_counts (script, keys) VALUES ($1, $2)"
    " ON CONFLICT (script) DO UPDATE SET keys = keys + $2";
static const char sql_kv_count_clear[] = "DELETE FROM shared_storage_counts WHERE script = $1";
static const char sql_kv_insert[] =
    "INSERT INTO shared_storage (script, key, value, updated_ms) VALUES ($1, $2, $3, $4)";
static const char sql_kv_remove[] = "DELETE FROM shared_storage WHERE script = $1 AND key = $2";
static const char sql_kv_clear[] = "DELETE FROM shared_storage WHERE script = $1";
static const char sql_kv_keys[] =
    "SELECT key FROM shared_storage WHERE script = $1 AND key >= $2 AND ($3 IS NULL OR key < $3)"
    " ORDER BY key LIMIT $4";

static int check_key(struct str script, struct str key, struct diag *d)
{
    if (script.len == 0) {
        return diag_set(d, RC_INVAL, "storage script is empty");
    }
    if (key.len == 0 || key.len > DB_KV_KEY_MAX_BYTES) {
        return diag_set(d, key.len ? RC_LIMIT : RC_INVAL,
                        "storage key is %zu bytes, allowed 1..%zu", key.len, DB_KV_KEY_MAX_BYTES);
    }
    return RC_OK;
}

/* check_key, and value within the configured size limit. */
static int check_put(const struct db *db, struct str script, struct str key, struct str value,
                     struct diag *d)
{
    int rc = check_key(script, key, d);
    if (rc == RC_OK && value.len > db->opts.kv_value_max_bytes) {
        rc = diag_set(d, RC_LIMIT, "storage value is %zu bytes, limit %zu", value.len,
                      db->opts.kv_value_max_bytes);
    }
    return rc;
}

int db_kv_read(struct db *db, struct str script, struct str key, db_kv_take_fn *take, void *arg,
               struct diag *d)
{
    struct db_q q;
    bool row = false;
    int rc = check_key(script, key, d);
    if (rc != RC_OK) {
        return rc;
    }
    struct db_value args[] = { DBV_TEXT(script), DBV_TEXT(key) };
    rc = db_q_start(db, sql_kv_get, args, 2, d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    rc = db_q_next(&q, d, &row);
    if (rc == RC_OK && row) {
        struct db_value v = db_q_col(&q, 0);
        take(arg, v.type == DB_TYPE_TEXT || v.type == DB_TYPE_BLOB ? v.s : str_make("", 0));
    } else if (rc == RC_OK) {
        rc = RC_NOTFOUND; /* an expected outcome: no message */
    }
    db_q_end(&q);
    return rc;
}

struct kv_copy {
    struct arena *arena;
    struct str *out;
};

static void kv_copy_take(void *arg, struct str value)
{
    struct kv_copy *c = arg;
    *c->out = arena_strdup(c->arena, value);
}

int db_kv_get(struct db *db, struct str script, struct str key, struct arena *arena, struct diag *d,
              struct str *out_value)
{
    *out_value = str_make("", 0);
    struct kv_copy c = { .arena = arena, .out = out_value };
    return db_kv_read(db, script, key, kv_copy_take, &c, d);
}

/* Add delta to script's key count (shared_storage_counts), inside the caller's transaction. */
static int count_add(struct db *db, struct str script, int64_t delta, struct diag *d)
{
    struct db_value args[] = { DBV_TEXT(script), DBV_INT(delta) };
    return db_q_exec(db, sql_kv_count_add, args, 2, d, NULL);
}

/* End the transaction of a write: commit when rc is RC_OK, else roll back keeping d. */
static int tx_end(struct db *db, int rc, struct diag *d)
{
    if (rc == RC_OK) {
        return db_tx_commit(db, d);
    }
    IGNORE_RC(db_tx_rollback(db, NULL)); /* the original error stays in d */
    return rc;
}

/* Insert a new key under the write lock, after checking the per-script key limit. */
static int kv_insert(struct db *db, const struct db_value *args, struct diag *d)
{
    struct db_q q;
    bool row = false;
    int64_t changes = 0;
    int rc = db_tx_begin(db, d);
    if (rc != RC_OK) {
        return rc;
    }
    /* Another connection may have inserted the key since our UPDATE found nothing. */
    rc = db_q_exec(db, sql_kv_update, args, 4, d, &changes);
    if (rc == RC_OK && changes == 0) {
        rc = db_q_start(db, sql_kv_count, args, 1, d, &q);
        if (rc == RC_OK) {
            rc = db_q_next(&q, d, &row);
            int64_t n = row ? db_q_col(&q, 0).i : 0;
            db_q_end(&q);
            if (rc == RC_OK && n >= (int64_t)db->opts.kv_keys_max) {
                rc = diag_set(d, RC_LIMIT, "script has %lld storage keys, limit %zu", (long long)n,
                              db->opts.kv_keys_max);
            }
        }
        if (rc == RC_OK) {
            rc = db_q_exec(db, sql_kv_insert, args, 4, d, NULL);
        }
        if (rc == RC_OK) {
            rc = count_add(db, args[0].s, 1, d);
        }
    }
    return tx_end(db, rc, d);
}

int db_kv_set(struct db *db, struct str script, struct str key, struct str value, struct diag *d)
{
    int64_t changes = 0;
    int rc = check_put(db, script, key, value, d);
    if (rc != RC_OK) {
        return rc;
    }
    struct db_value args[] = { DBV_TEXT(script), DBV_TEXT(key), DBV_TEXT(value),
                               DBV_INT(clk_realtime_ms()) };
    rc = db_q_exec(db, sql_kv_update, args, 4, d, &changes);
    if (rc != RC_OK || changes > 0) {
        return rc;
    }
    return kv_insert(db, args, d);
}

int db_kv_remove(struct db *db, struct str script, struct str key, struct diag *d,
                 bool *out_existed)
{
    int64_t changes = 0;
    *out_existed = false;
    int rc = check_key(script, key, d);
    if (rc != RC_OK) {
        return rc;
    }
    struct db_value args[] = { DBV_TEXT(script), DBV_TEXT(key) };
    rc = db_tx_begin(db, d);
    if (rc != RC_OK) {
        return rc;
    }
    rc = db_q_exec(db, sql_kv_remove, args, 2, d, &changes);
    if (rc == RC_OK && changes > 0) {
        rc = count_add(db, script, -changes, d);
    }
    rc = tx_end(db, rc, d);
    *out_existed = rc == RC_OK && changes > 0;
    return rc;
}

int db_kv_clear(struct db *db, struct str script, struct diag *d, size_t *out_removed)
{
    int64_t changes = 0;
    *out_removed = 0;
    if (script.len == 0) {
        return diag_set(d, RC_INVAL, "storage script is empty");
    }
    struct db_value args[] = { DBV_TEXT(script) };
    int rc = db_tx_begin(db, d);
    if (rc != RC_OK) {
        return rc;
    }
    rc = db_q_exec(db, sql_kv_clear, args, 1, d, &changes);
    if (rc == RC_OK) {
        rc = db_q_exec(db, sql_kv_count_clear, args, 1, d, NULL);
    }
    rc = tx_end(db, rc, d);
    if (rc == RC_OK) {
        *out_removed = (size_t)changes;
    }
    return rc;
}

/* Read key's value inside the caller's transaction: *out_found false when absent. */
static int kv_read(struct db *db, const struct db_value *args, struct arena *arena, struct diag *d,
                   bool *out_found, struct str *out_value)
{
    int rc = db_kv_get(db, args[0].s, args[1].s, arena, d, out_value);
    *out_found = rc == RC_OK;
    return rc == RC_NOTFOUND ? RC_OK : rc;
}

/* Write value at key inside the caller's transaction (update, else insert under the key
 * limit). */
static int kv_write_locked(struct db *db, const struct db_value *args, bool exists, struct diag *d)
{
    if (exists) {
        return db_q_exec(db, sql_kv_update, args, 4, d, NULL);
    }
    return kv_insert(db, args, d);
}

int db_kv_increment(struct db *db, struct str script, struct str key, int64_t by, struct diag *d,
                    int64_t *out_value)
{
    struct arena *arena = NULL;
    bool found = false;
    struct str cur;
    int64_t n = 0;
    char text[32];
    *out_value = 0;
    int rc = check_key(script, key, d);
    if (rc != RC_OK) {
        return rc;
    }
    rc = db_tx_begin(db, d);
    if (rc != RC_OK) {
        return rc;
    }
    arena = arena_new(256);
    struct db_value args[] = { DBV_TEXT(script), DBV_TEXT(key), DBV_NULL,
                               DBV_INT(clk_realtime_ms()) };
    rc = kv_read(db, args, arena, d, &found, &cur);
    if (rc != RC_OK) {
        goto out;
    }
    if (found && str_to_i64(cur, &n) != RC_OK) {
        rc = diag_set(d, RC_INVAL, "storage value at %.*s is not an integer", STR_FMT(key));
        goto out;
    }
    if (__builtin_add_overflow(n, by, &n)) {
        rc = diag_set(d, RC_LIMIT, "increment of %.*s overflows int64", STR_FMT(key));
        goto out;
    }
    int len = snprintf(text, sizeof(text), "%lld", (long long)n);
    args[2] = DBV_TEXT(str_make(text, (size_t)len));
    rc = kv_write_locked(db, args, found, d);
out:
    arena_free(arena);
    rc = tx_end(db, rc, d);
    *out_value = rc == RC_OK ? n : 0;
    return rc;
}

int db_kv_compare_and_set(struct db *db, struct str script, struct str key,
                          const struct str *expected, struct str value, struct diag *d,
                          bool *out_swapped)
{
    struct arena *arena = NULL;
    bool found = false;
    struct str cur;
    *out_swapped = false;
    int rc = check_put(db, script, key, value, d);
    if (rc != RC_OK) {
        return rc;
    }
    rc = db_tx_begin(db, d);
    if (rc != RC_OK) {
        return rc;
    }
    arena = arena_new(256);
    struct db_value args[] = { DBV_TEXT(script), DBV_TEXT(key), DBV_TEXT(value),
                               DBV_INT(clk_realtime_ms()) };
    rc = kv_read(db, args, arena, d, &found, &cur);
    bool match = expected == NULL ? !found : found && str_eq(cur, *expected);
    if (rc == RC_OK && match) {
        rc = kv_write_locked(db, args, found, d);
    }
    arena_free(arena);
    rc = tx_end(db, rc, d);
    *out_swapped = rc == RC_OK && match;
    return rc;
}

/*
 * The smallest byte string above every string that starts with prefix: drop trailing 0xff
 * bytes and increment the last one. Returns false when there is none (empty or all 0xff).
 */
static bool prefix_upper(struct str prefix, struct arena *arena, struct str *out)
{
    size_t n = prefix.len;
    while (n > 0 && (unsigned char)prefix.ptr[n - 1] == 0xffu) {
        n--;
    }
    if (n == 0) {
        return false;
    }
    char *p = arena_dup(arena, prefix.ptr, n);
    p[n - 1] = (char)((unsigned char)p[n - 1] + 1u);
    *out = str_make(p, n);
    return true;
}

int db_kv_keys(struct db *db, struct str script, struct str prefix, struct arena *arena,
               struct diag *d, struct str **out_keys, size_t *out_count)
{
    struct db_q q;
    bool row = false;
    struct str upper = STR_NULL;
    size_t cap = 16, n = 0;
    *out_keys = NULL;
    *out_count = 0;
    if (script.len == 0) {
        return diag_set(d, RC_INVAL, "storage script is empty");
    }
    bool bounded = prefix_upper(prefix, arena, &upper);
    struct db_value args[] = { DBV_TEXT(script), DBV_TEXT(prefix),
                               bounded ? DBV_TEXT(upper) : DBV_NULL, DBV_INT(DB_KV_LIST_MAX) };
    struct str *keys = arena_calloc(arena, cap, sizeof(*keys));
    int rc = db_q_start(db, sql_kv_keys, args, ARRAY_LEN(args), d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    while ((rc = db_q_next(&q, d, &row)) == RC_OK && row) {
        if (n == cap) {
            struct str *grown = arena_calloc(arena, cap * 2, sizeof(*keys));
            memcpy(grown, keys, n * sizeof(*keys));
            keys = grown;
            cap *= 2;
        }
        keys[n++] = db_q_col_dup(&q, 0, arena);
    }
    db_q_end(&q);
    if (rc == RC_OK) {
        *out_keys = keys;
        *out_count = n;
    }
    return rc;
}
