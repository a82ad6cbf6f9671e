/* SPDX-License-Identifier: MIT */
/*
 * Script logs: batched appends (one transaction, so one fsync, per batch) and filtered queries,
 * newest first, paged by a seq cursor. The query picks one of three statements by its most
 * selective filter (request id, script, none) so each can use its index; the other filters are
 * parameters that may be NULL. Thread contract: one thread at a time per struct db.
 */
#include <string.h>

#include "db/db_internal.h"

static const char sql_log_add[] =
    "INSERT INTO script_logs (ts_ms, level, script, request_id, message, fields)"
    " VALUES ($1, $2, $3, $4, $5, $6)";

static const char sql_log_prune[] = "DELETE FROM script_logs WHERE ts_ms < $1";

#define LOG_COLS "SELECT seq, ts_ms, level, script, request_id, message, fields FROM script_logs"
#define LOG_REST                                                                               \
    " AND level >= $2 AND ts_ms >= $4 AND ($5 IS NULL OR instr(message, $5) > 0) AND seq < $6" \
    " ORDER BY seq DESC LIMIT $7"

static const char sql_log_by_request[] =
    LOG_COLS " WHERE request_id = $3 AND ($1 IS NULL OR script = $1)" LOG_REST;
static const char sql_log_by_script[] =
    LOG_COLS " WHERE script = $1 AND ($3 IS NULL OR request_id = $3)" LOG_REST;
static const char sql_log_all[] =
    LOG_COLS " WHERE ($1 IS NULL OR script = $1) AND ($3 IS NULL OR request_id = $3)" LOG_REST;

int db_log_append(struct db *db, const struct db_log_entry *entries, size_t n, struct diag *d)
{
    for (size_t i = 0; i < n; i++) {
        if (entries[i].script.len == 0) {
            return diag_set(d, RC_INVAL, "log entry %zu has no script", i);
        }
        if (entries[i].message.len > DB_LOG_MESSAGE_MAX_BYTES) {
            return diag_set(d, RC_LIMIT, "log message is %zu bytes, limit %zu",
                            entries[i].message.len, DB_LOG_MESSAGE_MAX_BYTES);
        }
    }
    if (n == 0) {
        return RC_OK;
    }
    int rc = db_tx_begin(db, d);
    if (rc != RC_OK) {
        return rc;
    }
    for (size_t i = 0; i < n && rc == RC_OK; i++) {
        const struct db_log_entry *e = &entries[i];
        struct db_value args[] = {
            DBV_INT(e->ts_ms),    DBV_INT(e->level),
            DBV_TEXT(e->script),  e->request_id.len ? DBV_TEXT(e->request_id) : DBV_NULL,
            DBV_TEXT(e->message), e->fields.len ? DBV_TEXT(e->fields) : DBV_NULL,
        };
        rc = db_q_exec(db, sql_log_add, args, ARRAY_LEN(args), d, NULL);
    }
    if (rc == RC_OK) {
        return db_tx_commit(db, d);
    }
    IGNORE_RC(db_tx_rollback(db, NULL)); /* the original error stays in d */
    return rc;
}

static void log_row(struct db_q *q, struct arena *arena, struct db_log_entry *e)
{
    e->seq = db_q_col(q, 0).i;
    e->ts_ms = db_q_col(q, 1).i;
    e->level = (int)db_q_col(q, 2).i;
    e->script = db_q_col_dup(q, 3, arena);
    e->request_id = db_q_col_dup(q, 4, arena);
    e->message = db_q_col_dup(q, 5, arena);
    e->fields = db_q_col_dup(q, 6, arena);
}

int db_log_query(struct db *db, const struct db_log_filter *f, struct arena *arena, struct diag *d,
                 struct db_log_entry **out_items, size_t *out_count, int64_t *out_next_cursor)
{
    struct db_q q;
    bool row = false;
    size_t n = 0;
    *out_items = NULL;
    *out_count = 0;
    *out_next_cursor = 0;
    size_t limit = f->limit == 0 ? 100 : f->limit;
    if (limit > DB_LOG_QUERY_MAX) {
        return diag_set(d, RC_LIMIT, "log query limit is %zu, at most %zu", limit,
                        DB_LOG_QUERY_MAX);
    }
    const char *sql = f->request_id.len ? sql_log_by_request
                      : f->script.len   ? sql_log_by_script
                                        : sql_log_all;
    struct db_value args[] = {
        f->script.len ? DBV_TEXT(f->script) : DBV_NULL,
        DBV_INT(f->min_level),
        f->request_id.len ? DBV_TEXT(f->request_id) : DBV_NULL,
        DBV_INT(f->since_ms),
        f->text.len ? DBV_TEXT(f->text) : DBV_NULL,
        DBV_INT(f->before_seq > 0 ? f->before_seq : INT64_MAX),
        DBV_INT(limit),
    };
    struct db_log_entry *items = arena_calloc(arena, limit, sizeof(*items));
    int rc = db_q_start(db, sql, args, ARRAY_LEN(args), d, &q);
    if (rc != RC_OK) {
        return rc;
    }
    while (n < limit && (rc = db_q_next(&q, d, &row)) == RC_OK && row) {
        log_row(&q, arena, &items[n++]);
    }
    db_q_end(&q);
    if (rc != RC_OK) {
        return rc;
    }
    *out_items = items;
    *out_count = n;
    *out_next_cursor = n == limit ? items[n - 1].seq : 0;
    return RC_OK;
}

int db_log_prune(struct db *db, int64_t before_ms, struct diag *d, size_t *out_deleted)
{
    int64_t changes = 0;
    struct db_value args[] = { DBV_INT(before_ms) };
    *out_deleted = 0;
    int rc = db_q_exec(db, sql_log_prune, args, 1, d, &changes);
    if (rc == RC_OK) {
        *out_deleted = (size_t)changes;
    }
    return rc;
}
