/* SPDX-License-Identifier: MIT */
/*
 * Script logs in the store: the engine's log sink (stderr as logfmt, plus a queue), the log
 * writer thread (drains the queue in batches, one transaction per batch, then feeds the live
 * tails), the query endpoint GET /engine/api/logs (filters script, level, requestId, since,
 * contains/text, limit, cursor) and the live tail GET /engine/api/logs/stream (SSE: `open`,
 * then `log` events; filters script, level, requestId; `backlog` up to 1,000 stored entries
 * first). A query first waits for what was queued before it (api_logs_flush), so a client
 * reads the logs of the requests it already got answers for.
 * Thread contract: the sink on any thread; the writer on its own; handlers on the admin thread.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/api_admin.h"
#include "base/clk.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rc.h"

static const struct log_ctx logs_log = { .mod = "api", .action = "writing script logs" };

#define LOG_QUEUE_MAX 100000 /* entries waiting for the writer; beyond: dropped and counted */

struct log_rec {
    struct log_rec *next;
    struct db_log_entry e; /* slices into the same allocation */
};

struct log_tail {
    struct http_stream *st;
    char *script; /* filter: exact script, or NULL */
    char *request_id;
    int min_level;
};

struct api_logs {
    struct api_engine *e;
    uv_thread_t thread;
    pthread_mutex_t mu; /* guards the queue, counters, stopping and tails */
    pthread_cond_t work;
    pthread_cond_t done;
    struct log_rec *head;
    struct log_rec *tail;
    size_t queued_count;
    uint64_t queued;  /* entries ever queued */
    uint64_t written; /* entries ever taken care of (written, or failed) */
    uint64_t dropped;
    bool stopping;
    bool started;
    struct log_tail tails[API_LOG_TAIL_MAX];
    size_t tail_count;
    struct http_chunk *heartbeat;
    struct db *db; /* writer thread only */
};

static int db_level(enum log_level l)
{
    switch (l) {
    case LOG_DEBUG:
        return DB_LOG_DEBUG;
    case LOG_INFO:
        return DB_LOG_INFO;
    case LOG_WARN:
        return DB_LOG_WARN;
    case LOG_FATAL:
    case LOG_ERROR:
    default:
        return DB_LOG_ERROR;
    }
}

static const char *level_name(int level)
{
    return level >= DB_LOG_ERROR  ? "error"
           : level >= DB_LOG_WARN ? "warn"
           : level >= DB_LOG_INFO ? "info"
                                  : "debug";
}

/* ------------------------------------------------------------------ the sink */

static struct str copy_into(char **p, struct str s)
{
    if (s.len) {
        memcpy(*p, s.ptr, s.len);
    }
    struct str out = str_make(*p, s.len);
    *p += s.len;
    return out;
}

void api_logs_sink(void *arg, const struct api_log_entry *entry)
{
    struct api_engine *e = arg;
    api_log_sink_logfmt(NULL, entry);
    struct api_logs *lg = e->logs;
    if (lg == NULL) {
        return;
    }
    struct buf fields;
    buf_init(&fields, (size_t)64 * 1024);
    if (entry->field_count > 0) {
        struct json_writer w;
        json_writer_init(&w, &fields);
        json_write_begin_object(&w);
        for (size_t i = 0; i < entry->field_count; i++) {
            json_write_key(&w, entry->field_keys[i]);
            json_write_string(&w, entry->field_values[i]);
        }
        json_write_end_object(&w);
        if (json_writer_rc(&w) != RC_OK) {
            fields.len = 0;
        }
    }
    struct str msg = entry->message;
    if (msg.len > DB_LOG_MESSAGE_MAX_BYTES) {
        msg.len = DB_LOG_MESSAGE_MAX_BYTES;
    }
    size_t n =
        sizeof(struct log_rec) + entry->script.len + entry->request_id.len + msg.len + fields.len;
    struct log_rec *rec = mem_alloc(n);
    char *p = (char *)(rec + 1);
    rec->next = NULL;
    rec->e.seq = 0;
    rec->e.ts_ms = entry->ts_ms;
    rec->e.level = db_level(entry->level);
    rec->e.script = copy_into(&p, entry->script);
    rec->e.request_id = copy_into(&p, entry->request_id);
    rec->e.message = copy_into(&p, msg);
    rec->e.fields = copy_into(&p, buf_str(&fields));
    buf_fini(&fields);
    pthread_mutex_lock(&lg->mu);
    if (lg->stopping || lg->queued_count >= LOG_QUEUE_MAX || rec->e.script.len == 0) {
        lg->dropped++;
        pthread_mutex_unlock(&lg->mu);
        mem_free(rec);
        return;
    }
    if (lg->tail) {
        lg->tail->next = rec;
    } else {
        lg->head = rec;
    }
    lg->tail = rec;
    lg->queued_count++;
    lg->queued++;
    pthread_cond_signal(&lg->work);
    pthread_mutex_unlock(&lg->mu);
}

/* ------------------------------------------------------------------ tails */

static void write_entry_json(struct json_writer *w, const struct db_log_entry *en)
{
    json_write_begin_object(w);
    if (en->seq > 0) {
        json_write_key(w, STR("seq"));
        json_write_int(w, en->seq);
    }
    json_write_key(w, STR("ts"));
    api_admin_write_time(w, en->ts_ms);
    json_write_key(w, STR("level"));
    json_write_string(w, str_from_cstr(level_name(en->level)));
    json_write_key(w, STR("script"));
    json_write_string(w, en->script);
    json_write_key(w, STR("requestId"));
    if (en->request_id.len) {
        json_write_string(w, en->request_id);
    } else {
        json_write_null(w);
    }
    json_write_key(w, STR("message"));
    json_write_string(w, en->message);
    json_write_key(w, STR("fields"));
    json_write_raw(w, en->fields.len ? en->fields : STR("{}"));
    json_write_end_object(w);
}

static bool tail_wants(const struct log_tail *t, const struct db_log_entry *en)
{
    return en->level >= t->min_level &&
           (t->script == NULL || str_eq(en->script, str_from_cstr(t->script))) &&
           (t->request_id == NULL || str_eq(en->request_id, str_from_cstr(t->request_id)));
}

/* Format one SSE `log` event into out. */
static void format_event(struct buf *out, const struct db_log_entry *en)
{
    struct buf data;
    buf_init(&data, DB_LOG_MESSAGE_MAX_BYTES * 8);
    struct json_writer w;
    json_writer_init(&w, &data);
    write_entry_json(&w, en);
    struct http_sse_message m = { .data = buf_str(&data), .event = STR("log") };
    struct diag d;
    out->len = 0;
    IGNORE_RC(http_sse_format(out, &m, &d)); /* JSON has no line breaks: fits or is cut */
    buf_fini(&data);
}

static void tail_free(struct log_tail *t)
{
    http_stream_release(t->st);
    mem_free(t->script);
    mem_free(t->request_id);
}

/* Send the batch to every tail that wants it; drop closed tails. Writer thread, mu held. */
static void feed_tails(struct api_logs *lg, const struct log_rec *batch)
{
    size_t w = 0;
    for (size_t i = 0; i < lg->tail_count; i++) {
        struct log_tail *t = &lg->tails[i];
        if (http_stream_is_closed(t->st)) {
            tail_free(t);
            continue;
        }
        lg->tails[w++] = *t;
    }
    lg->tail_count = w;
    if (w == 0) {
        return;
    }
    struct buf ev;
    buf_init(&ev, DB_LOG_MESSAGE_MAX_BYTES * 10);
    for (const struct log_rec *r = batch; r != NULL; r = r->next) {
        bool formatted = false;
        for (size_t i = 0; i < lg->tail_count; i++) {
            if (!tail_wants(&lg->tails[i], &r->e)) {
                continue;
            }
            if (!formatted) {
                format_event(&ev, &r->e);
                formatted = true;
            }
            IGNORE_RC(http_stream_write_copy(lg->tails[i].st, buf_str(&ev))); /* closed: later */
        }
    }
    buf_fini(&ev);
}

/* ------------------------------------------------------------------ the writer */

static void write_batch(struct api_logs *lg, struct log_rec *batch, size_t n)
{
    struct diag d;
    if (lg->db == NULL && api_engine_db_open(lg->e, &lg->db, &d) != RC_OK) {
        lg->db = NULL;
        log_error(&logs_log, "cannot open the store msg=\"%s\"", d.msg);
        return;
    }
    struct db_log_entry *items = mem_calloc(n, sizeof(*items));
    size_t i = 0;
    for (struct log_rec *r = batch; r != NULL; r = r->next) {
        items[i++] = r->e;
    }
    int rc = db_log_append(lg->db, items, n, &d);
    if (rc != RC_OK) {
        log_error(&logs_log, "script log entries lost count=%zu msg=\"%s\"", n, d.msg);
    }
    mem_free(items);
}

static void logs_main(void *arg)
{
    struct api_logs *lg = arg;
    defs_thread_name("log", -1);
    for (;;) {
        pthread_mutex_lock(&lg->mu);
        while (lg->head == NULL && !lg->stopping) {
            pthread_cond_wait(&lg->work, &lg->mu);
        }
        struct log_rec *batch = lg->head;
        size_t n = lg->queued_count;
        bool stopping = lg->stopping;
        lg->head = NULL;
        lg->tail = NULL;
        lg->queued_count = 0;
        pthread_mutex_unlock(&lg->mu);
        if (batch != NULL) {
            write_batch(lg, batch, n);
        }
        pthread_mutex_lock(&lg->mu);
        feed_tails(lg, batch);
        lg->written += n;
        pthread_cond_broadcast(&lg->done);
        pthread_mutex_unlock(&lg->mu);
        while (batch != NULL) {
            struct log_rec *next = batch->next;
            mem_free(batch);
            batch = next;
        }
        if (stopping && n == 0) {
            break;
        }
    }
    db_close(lg->db);
    lg->db = NULL;
}

void api_logs_flush(struct api_engine *e)
{
    struct api_logs *lg = e->logs;
    if (lg == NULL || !lg->started) {
        return;
    }
    pthread_mutex_lock(&lg->mu);
    uint64_t want = lg->queued;
    while (lg->written < want && !lg->stopping) {
        pthread_cond_wait(&lg->done, &lg->mu);
    }
    pthread_mutex_unlock(&lg->mu);
}

int api_logs_start(struct api_engine *e, struct diag *d)
{
    struct api_logs *lg = mem_calloc(1, sizeof(*lg));
    lg->e = e;
    pthread_mutex_init(&lg->mu, NULL);
    pthread_cond_init(&lg->work, NULL);
    pthread_cond_init(&lg->done, NULL);
    lg->heartbeat = http_chunk_new(STR(": heartbeat\n\n"));
    e->logs = lg;
    int rc = uv_thread_create(&lg->thread, logs_main, lg);
    if (rc != 0) {
        return diag_set(d, RC_IO, "log writer thread: %s", uv_strerror(rc));
    }
    lg->started = true;
    return RC_OK;
}

void api_logs_stop(struct api_engine *e)
{
    struct api_logs *lg = e->logs;
    if (lg == NULL) {
        return;
    }
    if (lg->started) {
        pthread_mutex_lock(&lg->mu);
        lg->stopping = true;
        pthread_cond_signal(&lg->work);
        pthread_cond_broadcast(&lg->done);
        pthread_mutex_unlock(&lg->mu);
        uv_thread_join(&lg->thread);
    }
    for (size_t i = 0; i < lg->tail_count; i++) {
        http_stream_end(lg->tails[i].st);
        tail_free(&lg->tails[i]);
    }
    if (lg->dropped) {
        log_warn(&logs_log, "script log entries dropped count=%llu",
                 (unsigned long long)lg->dropped);
    }
    http_chunk_unref(lg->heartbeat);
    pthread_cond_destroy(&lg->work);
    pthread_cond_destroy(&lg->done);
    pthread_mutex_destroy(&lg->mu);
    mem_free(lg);
    e->logs = NULL;
}

/* ------------------------------------------------------------------ filters */

/* Digits only (at most 16): epoch ms. */
static bool parse_epoch_ms(struct str s, int64_t *out_ms)
{
    int64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9' || i >= 16) {
            return false;
        }
        v = (v * 10) + (s.ptr[i] - '0');
    }
    *out_ms = v;
    return s.len > 0;
}

/* The optional ".s", ".ss" or ".sss" between the seconds and the 'Z': milliseconds. */
static bool parse_fraction(struct str frac, int *out_ms)
{
    *out_ms = 0;
    if (frac.len == 0) {
        return true;
    }
    if (frac.ptr[0] != '.' || frac.len < 2 || frac.len > 4) {
        return false;
    }
    int scale = 100;
    for (size_t i = 1; i < frac.len; i++) {
        if (frac.ptr[i] < '0' || frac.ptr[i] > '9') {
            return false;
        }
        *out_ms += (frac.ptr[i] - '0') * scale;
        scale /= 10;
    }
    return true;
}

/* Parse "2026-01-05T09:00:00Z", "2026-01-05T09:00:00.123Z" or epoch ms digits. */
bool api_parse_time_ms(struct str s, int64_t *out_ms)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    const size_t shape_len = sizeof(shape) - 1;
    if (s.len == 0 || s.len > 40) {
        return false;
    }
    if (parse_epoch_ms(s, out_ms)) {
        return true;
    }
    if (s.len <= shape_len || s.ptr[s.len - 1] != 'Z') {
        return false;
    }
    int f[6] = { 0 };
    int fi = 0;
    for (size_t i = 0; i < shape_len; i++) {
        char c = s.ptr[i];
        bool digit = c >= '0' && c <= '9';
        if (shape[i] == 'd' ? !digit : c != shape[i]) {
            return false;
        }
        if (shape[i] == 'd') {
            f[fi] = (f[fi] * 10) + (c - '0');
        } else {
            fi++;
        }
    }
    int ms = 0;
    if (!parse_fraction(str_sub(s, shape_len, s.len - 1 - shape_len), &ms)) {
        return false;
    }
    if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60) {
        return false;
    }
    struct tm tm = { .tm_year = f[0] - 1900,
                     .tm_mon = f[1] - 1,
                     .tm_mday = f[2],
                     .tm_hour = f[3],
                     .tm_min = f[4],
                     .tm_sec = f[5] };
    *out_ms = ((int64_t)timegm(&tm) * 1000) + ms;
    return true;
}

/* Fill f from the query; false after answering 400. */
static bool read_filter(struct api_admin_req *r, struct db_log_filter *f)
{
    memset(f, 0, sizeof(*f));
    struct str v;
    if (api_admin_query(r, "script", &v)) {
        f->script = v;
    }
    if (api_admin_query(r, "requestId", &v)) {
        f->request_id = v;
    }
    if (api_admin_query(r, "contains", &v) || api_admin_query(r, "text", &v)) {
        f->text = v;
    }
    if (api_admin_query(r, "level", &v)) {
        static const struct {
            const char *name;
            int level;
        } levels[] = { { "debug", DB_LOG_DEBUG },
                       { "info", DB_LOG_INFO },
                       { "warn", DB_LOG_WARN },
                       { "error", DB_LOG_ERROR } };

        f->min_level = -1;
        for (size_t i = 0; i < ARRAY_LEN(levels); i++) {
            if (str_eq_cstr(v, levels[i].name)) {
                f->min_level = levels[i].level;
            }
        }
        if (f->min_level < 0) {
            api_admin_error(r, 400, "INVALID_ARGUMENT", "level must be debug, info, warn or error");
            return false;
        }
    }
    if (api_admin_query(r, "since", &v) && !api_parse_time_ms(v, &f->since_ms)) {
        api_admin_error(r, 400, "INVALID_ARGUMENT",
                        "since must be an ISO 8601 UTC time (2026-01-05T09:00:00Z) or epoch ms");
        return false;
    }
    if (api_admin_query(r, "cursor", &v)) {
        int64_t c = 0;
        if (!api_parse_time_ms(v, &c) || str_find_char(v, '-') >= 0 || c <= 0) {
            api_admin_error(r, 400, "INVALID_ARGUMENT", "bad cursor");
            return false;
        }
        f->before_seq = c;
    }
    return api_admin_limit(r, &f->limit);
}

void api_admin_logs_query(struct api_admin_req *r)
{
    struct db_log_filter f;
    if (!read_filter(r, &f)) {
        return;
    }
    api_logs_flush(r->e);
    struct diag d;
    struct db_log_entry *items = NULL;
    size_t n = 0;
    int64_t next = 0;
    int rc = db_log_query(r->db, &f, r->arena, &d, &items, &n, &next);
    if (rc != RC_OK) {
        api_admin_db_error(r, rc, &d);
        return;
    }
    struct buf b;
    struct json_writer w;
    api_admin_list_begin(&w, &b, (size_t)256 * 1024 * 1024);
    for (size_t i = 0; i < n; i++) {
        write_entry_json(&w, &items[i]);
    }
    api_admin_list_end(r, &w, &b, next);
}

void api_admin_logs_stream(struct api_admin_req *r)
{
    struct db_log_filter f;
    if (!read_filter(r, &f)) {
        return;
    }
    struct str v;
    size_t backlog = 0;
    if (api_admin_query(r, "backlog", &v)) {
        int64_t n = 0;
        if (!api_parse_time_ms(v, &n) || str_find_char(v, '-') >= 0 || n > 1000) {
            api_admin_error(r, 400, "INVALID_ARGUMENT", "backlog must be 0..1000");
            return;
        }
        backlog = (size_t)n;
    }
    struct api_logs *lg = r->e->logs;
    if (lg == NULL) {
        api_admin_error(r, 503, "STORE_UNAVAILABLE", "no script log store");
        return;
    }
    api_logs_flush(r->e);
    /* Everything read from the request and its arena is copied before the stream begins: the
     * exchange (and its arena) belongs to the stream from then on. */
    struct db_log_entry *items = NULL;
    size_t n = 0;
    int64_t next = 0;
    struct diag d;
    f.limit = backlog;
    if (backlog > 0 && db_log_query(r->db, &f, r->arena, &d, &items, &n, &next) != RC_OK) {
        n = 0;
    }
    struct buf first;
    buf_init(&first, (size_t)64 * 1024 * 1024);
    IGNORE_RC(buf_try_append_cstr(&first, "retry: 3000\n\nevent: open\ndata: {}\n\n"));
    struct buf ev;
    buf_init(&ev, DB_LOG_MESSAGE_MAX_BYTES * 10);
    for (size_t i = n; i > 0; i--) { /* oldest first */
        format_event(&ev, &items[i - 1]);
        IGNORE_RC(buf_try_append(&first, ev.ptr, ev.len)); /* full: the backlog is cut */
    }
    buf_fini(&ev);
    struct log_tail t = {
        .script = f.script.len ? mem_strndup(f.script) : NULL,
        .request_id = f.request_id.len ? mem_strndup(f.request_id) : NULL,
        .min_level = f.min_level,
    };
    pthread_mutex_lock(&lg->mu);
    if (lg->tail_count >= API_LOG_TAIL_MAX) {
        pthread_mutex_unlock(&lg->mu);
        tail_free(&t);
        buf_fini(&first);
        api_admin_error(r, 503, "TOO_MANY_CONNECTIONS", "too many live log tails");
        return;
    }
    struct http_header h[] = {
        { .name = STR("Content-Type"), .value = STR("text/event-stream; charset=utf-8") },
        { .name = STR("Cache-Control"), .value = STR("no-store") },
    };
    struct http_stream_config sc = { .heartbeat_ms = 15000, .heartbeat = lg->heartbeat };
    if (http_exchange_stream_begin(r->xch, 200, h, ARRAY_LEN(h), &sc, &t.st, &d) != RC_OK) {
        pthread_mutex_unlock(&lg->mu);
        tail_free(&t);
        buf_fini(&first);
        return;
    }
    IGNORE_RC(http_stream_write_copy(t.st, buf_str(&first)));
    buf_fini(&first);
    lg->tails[lg->tail_count++] = t;
    pthread_mutex_unlock(&lg->mu);
}
