/* SPDX-License-Identifier: MIT */
/*
 * The natives behind `database` and `cache` (spec/50-data.md §2-§5): script SQL through
 * db_sql.h on the executor's connection, transactions (struct api_tx: levels, time limit,
 * writes deferred to the commit), the records of database.migrate(), and the process-wide
 * cache (db_cache.h) with values encoded as tagged bytes. The public objects (database, the
 * query builder, the aiwebengine table API, cache, personalStorage) are JS in
 * src/js/prelude/50_data.js on top of these natives (on __kiln_native, hidden from scripts).
 *
 * Async transactions: an open transaction belongs to the invocation that began it (the
 * executor's c->current). While one is open across an await, the executor starts no new
 * invocation (its queued jobs wait), and store calls from another invocation already in
 * flight on the executor throw DB_CONFLICT instead of joining it (api_db_of). So the holder
 * never sees foreign writes and never waits on itself. docs/internals/api.md, "Transactions".
 *
 * Thread contract: the context's thread.
 */
#include <assert.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <math.h>

#include "api/api_internal.h"
#include "base/clk.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/rc.h"
#include "db/db_cache.h"
#include "db/db_sql.h"

#define DATA_DEFAULT_TIMEOUT_MS 5000
#define DATA_MAX_TIMEOUT_MS     30000
#define DATA_DEFAULT_MAX_ROWS   10000
#define DATA_MAX_ROWS           100000
#define DATA_SAFE_INT           9007199254740991LL /* 2^53 - 1 */

/* ------------------------------------------------------------------ the process-wide cache */

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct db_cache *_Atomic the_cache; /* written under cache_mu, read without it */
static struct db_cache_options cache_opts;

void api_data_cache_configure(const struct db_cache_options *opts)
{
    pthread_mutex_lock(&cache_mu);
    if (atomic_load(&the_cache) == NULL && opts != NULL) {
        cache_opts = *opts;
    }
    pthread_mutex_unlock(&cache_mu);
}

struct db_cache *api_data_cache(void)
{
    struct db_cache *c = atomic_load_explicit(&the_cache, memory_order_acquire);
    if (c != NULL) {
        return c; /* the hot path: no lock */
    }
    pthread_mutex_lock(&cache_mu);
    c = atomic_load(&the_cache);
    if (c == NULL) {
        c = db_cache_new(&cache_opts);
        atomic_store_explicit(&the_cache, c, memory_order_release);
    }
    pthread_mutex_unlock(&cache_mu);
    return c;
}

void api_data_cache_reset(void)
{
    pthread_mutex_lock(&cache_mu);
    db_cache_free(atomic_exchange(&the_cache, NULL));
    cache_opts = (struct db_cache_options){ 0 };
    pthread_mutex_unlock(&cache_mu);
}

/* A scratch arena for one call of c: the executor's (reset after the call), or a fresh one
 * for register runs. Give it back with scratch_done(). */
static struct arena *scratch_get(struct api_ctx *c)
{
    if (c->ex == NULL) {
        return arena_new(1024);
    }
    if (c->ex->scratch == NULL) {
        c->ex->scratch = arena_new(4096);
    }
    return c->ex->scratch;
}

static void scratch_done(struct api_ctx *c, struct arena *a)
{
    if (c->ex == NULL) {
        arena_free(a);
    } else {
        arena_reset(a);
    }
}

/* ------------------------------------------------------------------ errors */

/* Throw a database KilnError with its HTTP status (409 for conflicts, 503 when unavailable). */
static JSValueRef throw_code(JSContextRef ctx, JSValueRef *exception, const char *code,
                             const char *msg)
{
    (void)api_throw(ctx, exception, code, str_from_cstr(msg), STR(""));
    int status = 0;
    if (strcmp(code, "DB_CONSTRAINT") == 0 || strcmp(code, "DB_CONFLICT") == 0) {
        status = 409;
    } else if (strcmp(code, "DB_UNAVAILABLE") == 0) {
        status = 503;
    }
    if (status != 0 && *exception != NULL && JSValueIsObject(ctx, *exception)) {
        JSStringRef name = JSStringCreateWithUTF8CString("status");
        JSValueRef exc = NULL;
        JSObjectSetProperty(ctx, (JSObjectRef)*exception, name, JSValueMakeNumber(ctx, status),
                            kJSPropertyAttributeNone, &exc);
        JSStringRelease(name);
    }
    return JSValueMakeUndefined(ctx);
}

/* ------------------------------------------------------------------ transactions */

struct api_tx *api_ctx_tx(struct api_ctx *c)
{
    return c->ex != NULL ? &c->ex->tx : &c->e->deploy_tx;
}

/* The store connection for a database call of c, with the transaction rule applied: NULL
 * (exception set) when another invocation holds the executor's open transaction. */
static struct db *data_db(JSContextRef ctx, struct api_ctx *c, JSValueRef *exception)
{
    struct db *db = api_db_of(ctx, exception);
    if (db == NULL) {
        return NULL;
    }
    struct api_tx *tx = api_ctx_tx(c);
    if (tx->depth > 0 && tx->aborted && tx->owner == c->current) {
        (void)throw_code(ctx, exception, "DB_TRANSACTION_TIMEOUT",
                         "the transaction passed its time limit and was rolled back");
        return NULL;
    }
    return db;
}

static void ops_run(struct api_tx *tx, size_t from, bool commit)
{
    if (commit && from < tx->ops.count && tx->owner != NULL) {
        api_durable_wait_inv(tx->owner); /* messages sent after the commit: once it is durable */
    }
    for (size_t i = from; i < tx->ops.count; i++) {
        struct api_tx_op *op = &tx->ops.items[i];
        if (commit && op->run != NULL) {
            op->run(op->arg);
        }
        if (op->drop != NULL) {
            op->drop(op->arg);
        }
    }
    tx->ops.count = from;
}

bool api_tx_defer(struct api_ctx *c, api_tx_fn *run, api_tx_fn *drop, void *arg)
{
    struct api_tx *tx = api_ctx_tx(c);
    if (tx->depth == 0 || tx->owner != c->current || tx->aborted) {
        return false;
    }
    struct api_tx_op op = { .run = run, .drop = drop, .arg = arg };
    VEC_PUSH(&tx->ops, op);
    return true;
}

static void tx_timer_closed(uv_handle_t *h)
{
    mem_free(h);
}

static void tx_stop_timer(struct api_tx *tx)
{
    if (tx->timer != NULL) {
        uv_timer_stop(tx->timer);
        uv_close((uv_handle_t *)tx->timer, tx_timer_closed);
        tx->timer = NULL;
    }
}

/* The outermost level is over (commit, rollback or abort): let queued jobs run again. */
static void tx_release(struct api_tx *tx, struct api_executor *ex)
{
    bool was_async = tx->async;
    tx_stop_timer(tx);
    tx->async = false;
    tx->owner = NULL;
    tx->aborted = false;
    tx->legacy = false;
    if (was_async && ex != NULL) {
        api_exec_resume_held(ex);
    }
}

/* Roll every level back at once (time limit, the owner ended with the transaction open). */
static void tx_abort(struct api_tx *tx, struct db *db)
{
    while (db != NULL && db_tx_depth(db) > 0) {
        IGNORE_RC(db_tx_rollback(db, NULL)); /* nothing left to report to */
    }
    ops_run(tx, 0, false);
    tx_stop_timer(tx);
}

static void on_tx_deadline(uv_timer_t *t)
{
    struct api_executor *ex = t->data;
    struct api_tx *tx = &ex->tx;
    if (tx->depth == 0) {
        return;
    }
    tx_abort(tx, ex->db);
    tx->aborted = true; /* the JS side unwinds its levels and sees DB_TRANSACTION_TIMEOUT */
    api_exec_resume_held(ex);
}

bool api_tx_inv_settle(struct api_inv *inv, bool ok)
{
    struct api_executor *ex = inv->ex;
    struct api_tx *tx = ex != NULL ? &ex->tx : NULL;
    if (tx == NULL || tx->depth == 0 || tx->owner != inv || !tx->legacy || tx->aborted) {
        return true;
    }
    bool committed = ok;
    while (tx->depth > 0) {
        struct diag d;
        int rc = committed ? db_tx_commit(ex->db, &d) : db_tx_rollback(ex->db, &d);
        committed = committed && rc == RC_OK; /* a failed commit rolled its level back */
        tx->depth--;
    }
    ops_run(tx, 0, committed);
    tx_release(tx, ex);
    return committed || !ok;
}

void api_tx_inv_end(struct api_executor *ex, struct api_inv *inv)
{
    struct api_tx *tx = &ex->tx;
    if (tx->depth == 0 || tx->owner != inv) {
        return;
    }
    tx_abort(tx, ex->db);
    tx->depth = 0;
    tx_release(tx, ex);
}

bool api_tx_holds_jobs(struct api_executor *ex)
{
    return ex->tx.depth > 0 && ex->tx.async && !ex->tx.aborted;
}

static int64_t num_arg(JSContextRef ctx, size_t argc, const JSValueRef argv[], size_t i,
                       int64_t def)
{
    if (i >= argc || !JSValueIsNumber(ctx, argv[i])) {
        return def;
    }
    double v = JSValueToNumber(ctx, argv[i], NULL);
    return isfinite(v) ? (int64_t)v : def;
}

/* txBegin(timeoutMs, legacy): open a transaction, or a savepoint inside the caller's own;
 * legacy (database.beginTransaction): one left open is settled when the handler ends. */
static JSValueRef data_tx_begin(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    struct db *db = data_db(ctx, c, exception);
    if (db == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    struct api_tx *tx = api_ctx_tx(c);
    if (tx->depth >= API_TX_MAX_DEPTH) {
        return throw_code(ctx, exception, "DB_ERROR", "transactions nested too deeply");
    }
    int64_t timeout = num_arg(ctx, argc, argv, 0, DATA_DEFAULT_TIMEOUT_MS);
    if (timeout <= 0 || timeout > DATA_MAX_TIMEOUT_MS) {
        timeout = timeout <= 0 ? DATA_DEFAULT_TIMEOUT_MS : DATA_MAX_TIMEOUT_MS;
    }
    struct diag d;
    int rc = db_tx_begin(db, &d);
    if (rc != RC_OK) {
        return throw_code(ctx, exception, rc == RC_TIMEOUT ? "DB_CONFLICT" : "DB_ERROR", d.msg);
    }
    if (tx->depth == 0) {
        tx->owner = c->current;
        tx->deadline_ms = clk_mono_ms() + timeout;
        tx->ops.count = 0;
        tx->legacy = argc > 1 && JSValueToBoolean(ctx, argv[1]); /* beginTransaction() */
    }
    tx->marks[tx->depth++] = tx->ops.count;
    return JSValueMakeNumber(ctx, tx->depth);
}

/* txAsync(): the outermost transaction stays open across an await: start its deadline timer
 * and hold the executor's new jobs until it ends. */
static JSValueRef data_tx_async(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    struct api_tx *tx = api_ctx_tx(c);
    if (tx->depth == 0 || tx->async || c->ex == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    tx->async = true;
    int64_t left = tx->deadline_ms - clk_mono_ms();
    tx->timer = mem_alloc(sizeof(*tx->timer));
    uv_timer_init(&c->ex->loop, tx->timer);
    tx->timer->data = c->ex;
    uv_timer_start(tx->timer, on_tx_deadline, (uint64_t)(left > 0 ? left : 0), 0);
    return JSValueMakeUndefined(ctx);
}

/* txEnd(commit): close the innermost level. Throws DB_TRANSACTION_TIMEOUT when the time limit
 * passed (everything was rolled back), or the commit's error (the level is rolled back). */
static JSValueRef data_tx_end(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                              const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    struct api_tx *tx = api_ctx_tx(c);
    bool commit = JSValueToBoolean(ctx, argv[0]);
    if (tx->depth == 0 || tx->owner != c->current) {
        return throw_code(ctx, exception, "DB_NO_TRANSACTION", "no transaction is open");
    }
    JSValueRef excd = NULL;
    struct db *db = api_db_of(ctx, &excd);
    bool timed_out = tx->aborted || clk_mono_ms() > tx->deadline_ms;
    int rc = RC_OK;
    struct diag d;
    diag_clear(&d);
    size_t mark = tx->marks[tx->depth - 1];
    if (timed_out && !tx->aborted) {
        tx_abort(tx, db);
        tx->aborted = true;
    }
    if (!tx->aborted && db != NULL) {
        rc = commit ? db_tx_commit(db, &d) : db_tx_rollback(db, &d);
        if (commit && rc == RC_OK && tx->depth == 1) {
            ops_run(tx, 0, true);
        } else if (!commit || rc != RC_OK) {
            ops_run(tx, mark, false);
        }
    }
    tx->depth--;
    bool aborted = tx->aborted;
    if (tx->depth == 0) {
        tx_release(tx, c->ex);
    }
    if (commit && aborted) {
        return throw_code(ctx, exception, "DB_TRANSACTION_TIMEOUT",
                          "the transaction passed its time limit and was rolled back");
    }
    if (rc != RC_OK) {
        return throw_code(ctx, exception, rc == RC_TIMEOUT ? "DB_CONFLICT" : "DB_ERROR", d.msg);
    }
    return JSValueMakeUndefined(ctx);
}

static JSValueRef data_tx_depth(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    struct api_tx *tx = api_ctx_tx(c);
    return JSValueMakeNumber(ctx, tx->owner == c->current ? tx->depth : 0);
}

/* ------------------------------------------------------------------ namespaces */

/* The namespace of c's script (cached in the context). */
static bool ctx_namespace(JSContextRef ctx, struct api_ctx *c, struct db *db, struct str *out,
                          JSValueRef *exception)
{
    if (c->ns_len == 0) {
        struct arena *a = arena_new(256);
        struct diag d;
        struct str ns;
        int rc = db_sql_namespace(db, c->ver->uri, a, &d, &ns);
        if (rc == RC_OK && ns.len < sizeof(c->ns)) {
            memcpy(c->ns, ns.ptr, ns.len);
            c->ns_len = ns.len;
        }
        arena_free(a);
        if (rc != RC_OK) {
            (void)throw_code(ctx, exception, "DB_ERROR", d.msg);
            return false;
        }
    }
    *out = str_make(c->ns, c->ns_len);
    return true;
}

/* The connection and namespace of a database call; NULL with an exception set. */
static struct db *data_ns(JSContextRef ctx, struct str *out_ns, JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    struct db *db = data_db(ctx, c, exception);
    if (db == NULL || !ctx_namespace(ctx, c, db, out_ns, exception)) {
        return NULL;
    }
    return db;
}

/* A JS array of the strings items[0..n) (scratch in a). */
static JSValueRef strings_out(JSContextRef ctx, struct arena *a, const struct str *items, size_t n)
{
    JSValueRef *vals = arena_calloc(a, n ? n : 1, sizeof(JSValueRef));
    for (size_t i = 0; i < n; i++) {
        vals[i] = js_make_string(ctx, items[i]);
    }
    JSValueRef exc = NULL;
    return JSObjectMakeArray(ctx, n, vals, &exc);
}

static JSValueRef data_namespace(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                 const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    struct db *db = api_db_of(ctx, exception);
    struct str ns;
    if (db == NULL || !ctx_namespace(ctx, c, db, &ns, exception)) {
        return JSValueMakeUndefined(ctx);
    }
    return js_make_string(ctx, ns);
}

/* ------------------------------------------------------------------ values in and out */

/* Convert one parameter into *out (bytes copied into a). False with an exception set. */
static bool param_in(JSContextRef ctx, JSValueRef v, struct arena *a, struct db_value *out,
                     JSValueRef *exception)
{
    JSValueRef exc = NULL;
    struct str bytes;
    if (JSValueIsNull(ctx, v)) {
        *out = (struct db_value){ .type = DB_TYPE_NULL };
    } else if (JSValueIsBoolean(ctx, v)) {
        *out = (struct db_value){ .type = DB_TYPE_INT, .i = JSValueToBoolean(ctx, v) };
    } else if (JSValueIsNumber(ctx, v)) {
        double f = JSValueToNumber(ctx, v, NULL);
        if (!isfinite(f)) {
            (void)throw_code(ctx, exception, "DB_BIND", "NaN and Infinity cannot be bound");
            return false;
        }
        bool integral = f == floor(f) && fabs(f) < 9.2e18;
        *out = integral ? (struct db_value){ .type = DB_TYPE_INT, .i = (int64_t)f }
                        : (struct db_value){ .type = DB_TYPE_REAL, .f = f };
    } else if (JSValueIsBigInt(ctx, v)) {
        *out = (struct db_value){ .type = DB_TYPE_INT, .i = JSValueToInt64(ctx, v, &exc) };
    } else if (js_bytes_view(ctx, v, &bytes)) {
        *out = (struct db_value){ .type = DB_TYPE_BLOB, .s = arena_strdup(a, bytes) };
    } else if (JSValueIsString(ctx, v)) {
        JSStringRef s = JSValueToStringCopy(ctx, v, &exc);
        *out = (struct db_value){ .type = DB_TYPE_TEXT, .s = js_string_to_arena(s, a) };
        JSStringRelease(s);
    } else {
        (void)throw_code(ctx, exception, "DB_BIND",
                         "parameters are null, booleans, numbers, bigints, strings, "
                         "Uint8Arrays, Dates or JSON values");
        return false;
    }
    if (exc != NULL) {
        *exception = exc;
        return false;
    }
    return true;
}

/* Convert the n parameters argv[first..first+n) (as bound by the prelude) into db values in
 * arena. False with an exception set. */
static bool params_args(JSContextRef ctx, size_t argc, const JSValueRef argv[], size_t first,
                        size_t n, struct arena *a, struct db_value **out, size_t *out_n,
                        JSValueRef *exception)
{
    struct db_value *vals = arena_calloc(a, n ? n : 1, sizeof(*vals));
    for (size_t i = 0; i < n; i++) {
        JSValueRef v = first + i < argc ? argv[first + i] : JSValueMakeUndefined(ctx);
        if (!param_in(ctx, v, a, &vals[i], exception)) {
            return false;
        }
    }
    *out = vals;
    *out_n = n;
    return true;
}

/* Convert params (a JS array; Dates, objects and undefined were handled by the prelude) into
 * db values in arena. False with an exception set. */
static bool params_in(JSContextRef ctx, JSValueRef arr, struct arena *a, struct db_value **out,
                      size_t *out_n, JSValueRef *exception)
{
    *out = NULL;
    *out_n = 0;
    if (JSValueIsUndefined(ctx, arr) || JSValueIsNull(ctx, arr)) {
        return true;
    }
    JSValueRef exc = NULL;
    JSObjectRef o = JSValueToObject(ctx, arr, &exc);
    if (exc != NULL) {
        *exception = exc;
        return false;
    }
    const struct api_ctx *c = api_ctx_of(ctx);
    double n =
        JSValueToNumber(ctx, JSObjectGetProperty(ctx, o, c->names->s[API_N_length], &exc), NULL);
    if (exc != NULL || !isfinite(n) || n < 0 || n > DB_SQL_MAX_PARAMS) {
        (void)throw_code(ctx, exception, "DB_BIND", "params must be an array of at most 1000");
        return false;
    }
    size_t count = (size_t)n;
    struct db_value *vals = arena_calloc(a, count ? count : 1, sizeof(*vals));
    for (size_t i = 0; i < count; i++) {
        JSValueRef v = JSObjectGetPropertyAtIndex(ctx, o, (unsigned)i, &exc);
        if (exc != NULL) {
            *exception = exc;
            return false;
        }
        if (!param_in(ctx, v, a, &vals[i], exception)) {
            return false;
        }
    }
    *out = vals;
    *out_n = count;
    return true;
}

static JSValueRef int_out(JSContextRef ctx, int64_t i)
{
    if (i > DATA_SAFE_INT || i < -DATA_SAFE_INT) {
        char text[32];
        int n = snprintf(text, sizeof(text), "%lld", (long long)i);
        return js_make_string(ctx, str_make(text, (size_t)n));
    }
    return JSValueMakeNumber(ctx, (double)i);
}

static JSValueRef iso_out(JSContextRef ctx, int64_t ms)
{
    char iso[32];
    clk_fmt_iso8601_ms(ms, iso);
    return js_make_string(ctx, str_from_cstr(iso));
}

/* One column value as JS, by its declared kind (spec §3.2 "Values out"). */
static JSValueRef value_out(JSContextRef ctx, enum db_col_kind kind, struct db_value v,
                            struct arena *a)
{
    switch (v.type) {
    case DB_TYPE_NULL:
        return JSValueMakeNull(ctx);
    case DB_TYPE_INT:
        if (kind == DB_COL_BOOLEAN) {
            return JSValueMakeBoolean(ctx, v.i != 0);
        }
        return kind == DB_COL_TIMESTAMP ? iso_out(ctx, v.i) : int_out(ctx, v.i);
    case DB_TYPE_REAL:
        if (kind == DB_COL_BOOLEAN) {
            return JSValueMakeBoolean(ctx, v.f != 0);
        }
        return kind == DB_COL_TIMESTAMP ? iso_out(ctx, (int64_t)v.f) : JSValueMakeNumber(ctx, v.f);
    case DB_TYPE_BLOB: {
        JSValueRef exc = NULL;
        JSObjectRef b = js_make_bytes(ctx, v.s, &exc);
        return b != NULL ? (JSValueRef)b : JSValueMakeNull(ctx);
    }
    case DB_TYPE_TEXT:
        if (kind == DB_COL_JSON) {
            JSValueRef r = NULL;
            struct json_error je;
            if (js_json_parse(ctx, a, v.s, API_JSON_MAX_DEPTH, &r, &je) == RC_OK) {
                return r;
            }
        }
        return js_make_string(ctx, v.s);
    }
    return JSValueMakeNull(ctx);
}

/* The column names of a cached statement as JS property names, kept with the statement
 * (db_sql_aux) and checked against the current names on every use. */
struct col_names {
    size_t n;
    JSStringRef *js;
    char **text;
    uint64_t stamp; /* new whenever a name changes (the prelude keeps names by stamp) */
};

static atomic_uint_fast64_t names_counter;

static void col_names_free(void *p)
{
    struct col_names *cn = p;
    for (size_t i = 0; i < cn->n; i++) {
        JSStringRelease(cn->js[i]);
        mem_free(cn->text[i]);
    }
    mem_free(cn->js);
    mem_free(cn->text);
    mem_free(cn);
}

/* The property names of cur's columns (borrowed while the cursor is open). */
static struct col_names *col_names_of(struct db_sql_cursor *cur, size_t ncols)
{
    struct db_sql_aux *aux = db_sql_cursor_aux(cur);
    struct col_names *cn = aux->ptr;
    if (cn == NULL || cn->n != ncols) {
        if (cn != NULL) {
            col_names_free(cn);
        }
        cn = mem_calloc(1, sizeof(*cn));
        cn->n = ncols;
        cn->js = mem_calloc(ncols ? ncols : 1, sizeof(JSStringRef));
        cn->text = mem_calloc(ncols ? ncols : 1, sizeof(char *));
        cn->stamp = atomic_fetch_add(&names_counter, 1) + 1;
        *aux = (struct db_sql_aux){ .ptr = cn, .free_fn = col_names_free };
    }
    for (size_t i = 0; i < ncols; i++) {
        struct str name = db_sql_column_name(cur, i);
        if (cn->text[i] == NULL || !str_eq_cstr(name, cn->text[i])) {
            if (cn->js[i] != NULL) {
                JSStringRelease(cn->js[i]);
            }
            mem_free(cn->text[i]);
            cn->text[i] = mem_strndup(name);
            cn->stamp = atomic_fetch_add(&names_counter, 1) + 1;
            cn->js[i] = js_string_new(name);
        }
    }
    return cn;
}

/* The current row of cur as an object with a property per column. */
static JSObjectRef row_out(JSContextRef ctx, struct db_sql_cursor *cur, JSStringRef *names,
                           size_t ncols, struct arena *a)
{
    JSValueRef exc = NULL;
    JSObjectRef o = JSObjectMake(ctx, NULL, NULL);
    for (size_t i = 0; i < ncols; i++) {
        JSValueRef v = value_out(ctx, db_sql_column_kind(cur, i), db_sql_column(cur, i), a);
        JSObjectSetProperty(ctx, o, names[i], v, kJSPropertyAttributeNone, &exc);
    }
    return o;
}

/* queryOne's first row as [names, v0, v1, ...] for the prelude to make the object from (a JSC
 * call per property costs more): names is a JS array of the column names, or undefined when
 * their stamp is names_seen (the prelude kept them); *out_sent gets the stamp of the names
 * sent (0: none). */
static JSValueRef first_row_out(JSContextRef ctx, struct db_sql_cursor *cur,
                                const struct col_names *cn, uint64_t names_seen, struct arena *a,
                                uint64_t *out_sent)
{
    JSValueRef *vals = arena_alloc(a, (cn->n + 1) * sizeof(JSValueRef));
    JSValueRef exc = NULL;
    vals[0] = JSValueMakeUndefined(ctx);
    if (cn->stamp != names_seen) {
        JSValueRef *names = arena_alloc(a, (cn->n ? cn->n : 1) * sizeof(JSValueRef));
        for (size_t i = 0; i < cn->n; i++) {
            names[i] = JSValueMakeString(ctx, cn->js[i]);
        }
        vals[0] = JSObjectMakeArray(ctx, cn->n, names, &exc);
        *out_sent = cn->stamp;
    }
    for (size_t i = 0; i < cn->n; i++) {
        vals[i + 1] = value_out(ctx, db_sql_column_kind(cur, i), db_sql_column(cur, i), a);
    }
    return JSObjectMakeArray(ctx, cn->n + 1, vals, &exc);
}

/* Read every row of cur (at most max_rows, else DB_ROW_LIMIT) into a JS array, or with
 * first_only, the first row as first_row_out makes it, or null (the other rows are still
 * read, for the limit). */
static JSValueRef rows_out(JSContextRef ctx, struct db_sql_cursor *cur, size_t max_rows,
                           bool first_only, uint64_t names_seen, struct arena *a, struct diag *d,
                           struct db_sql_error *err, uint64_t *out_sent, int *out_rc)
{
    size_t ncols = 0;
    struct col_names *cn = NULL;
    JSValueRef exc = NULL;
    JSObjectRef rows = first_only ? NULL : JSObjectMakeArray(ctx, 0, NULL, &exc);
    JSValueRef first = JSValueMakeNull(ctx);
    size_t n = 0;
    bool row = false;
    int rc = RC_OK;
    while ((rc = db_sql_next(cur, d, err, &row)) == RC_OK && row) {
        if (n == max_rows) {
            err->code = "DB_ROW_LIMIT";
            rc = diag_set(d, RC_LIMIT, "the query returns more than %zu rows (maxRows)", max_rows);
            break;
        }
        if (cn == NULL) {
            /* After the first step: a statement compiled again for a changed schema has its
             * new columns only now (db_sql_next). */
            ncols = db_sql_column_count(cur);
            cn = col_names_of(cur, ncols);
        }
        if (rows != NULL) {
            JSObjectSetPropertyAtIndex(ctx, rows, (unsigned)n, row_out(ctx, cur, cn->js, ncols, a),
                                       &exc);
        } else if (n == 0) {
            first = first_row_out(ctx, cur, cn, names_seen, a, out_sent);
        }
        n++;
    }
    *out_rc = rc;
    return rows != NULL ? (JSValueRef)rows : first;
}

/* ------------------------------------------------------------------ running SQL */

/* The time limit of one statement: its own, capped by the open transaction's. */
static int64_t stmt_timeout(struct api_ctx *c, int64_t timeout_ms, bool *out_by_tx)
{
    struct api_tx *tx = api_ctx_tx(c);
    *out_by_tx = false;
    if (tx->depth > 0 && tx->owner == c->current) {
        int64_t left = tx->deadline_ms - clk_mono_ms();
        if (left < timeout_ms) {
            *out_by_tx = true;
            return left > 0 ? left : 1;
        }
    }
    return timeout_ms;
}

/* Expand `IN ($n)` array parameters (db_sql_expand_in): lists holds, at the index of each
 * array parameter, its elements (from the prelude; the parameter itself is the array's JSON
 * text). Replaces *sql and *params. RC_OK; RC_JS with *exception set; else err and d set. */
static int expand_lists(JSContextRef ctx, JSValueRef lists, struct arena *a, struct str *sql,
                        struct db_value **params, size_t *nparams, struct diag *d,
                        struct db_sql_error *err, JSValueRef *exception)
{
    size_t n = *nparams;
    size_t *lens = arena_alloc(a, (n ? n : 1) * sizeof(size_t));
    struct db_value **elems = arena_calloc(a, n ? n : 1, sizeof(struct db_value *));
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        JSValueRef exc = NULL;
        JSValueRef v = JSObjectGetPropertyAtIndex(ctx, (JSObjectRef)lists, (unsigned)i, &exc);
        lens[i] = SIZE_MAX;
        if (exc == NULL && JSValueIsArray(ctx, v)) {
            if (!params_in(ctx, v, a, &elems[i], &lens[i], exception)) {
                return RC_JS;
            }
            any = true;
        }
    }
    if (!any) {
        return RC_OK;
    }
    size_t *map = arena_alloc(a, DB_SQL_MAX_PARAMS * sizeof(size_t));
    size_t count = 0;
    struct buf out;
    buf_init(&out, DB_SQL_MAX_BYTES * 2);
    int rc = db_sql_expand_in(*sql, lens, n, &out, map, DB_SQL_MAX_PARAMS, &count, d, err);
    if (rc == RC_OK) {
        struct db_value *flat = arena_calloc(a, count ? count : 1, sizeof(*flat));
        for (size_t j = 0; j < count; j++) {
            size_t param = map[j] >> 32;
            size_t e = map[j] & 0xffffffffu;
            flat[j] = e ? elems[param][e - 1] : (*params)[param];
        }
        *sql = arena_strdup(a, buf_str(&out));
        *params = flat;
        *nparams = count;
    }
    buf_fini(&out);
    return rc;
}

/* The namespace a statement runs in: the script's own, or (argv[5], from database.use) another
 * one, read-only, when a grant allows it; the grant is checked on every call, so a revocation
 * takes effect at once (also for database.use() objects made before it). RC_OK, or RC_DENIED
 * with err and d set. */
static int sql_target(JSContextRef ctx, struct db *db, struct str own, size_t argc,
                      const JSValueRef argv[], struct arena *a, struct db_sql_opts *o,
                      struct diag *d, struct db_sql_error *err)
{
    if (argc <= 5 || !JSValueIsString(ctx, argv[5])) {
        return RC_OK;
    }
    JSStringRef t = JSValueToStringCopy(ctx, argv[5], NULL);
    o->ns = js_string_to_arena(t, a);
    JSStringRelease(t);
    o->read_only = true;
    bool granted = false;
    int rc = db_sql_granted(db, own, o->ns, d, &granted);
    if (rc == RC_OK && !granted) {
        err->code = "DB_NAMESPACE";
        rc = diag_set(d, RC_DENIED, "no read-only grant on namespace %.*s", STR_FMT(o->ns));
    }
    return rc;
}

/* expand_lists, throwing its error; false when it threw. */
static bool expand_or_throw(JSContextRef ctx, JSValueRef lists, struct arena *a, struct str *sql,
                            struct db_value **params, size_t *nparams, JSValueRef *exception)
{
    struct diag d;
    struct db_sql_error err = { 0 };
    int rc = expand_lists(ctx, lists, a, sql, params, nparams, &d, &err, exception);
    if (rc != RC_OK && rc != RC_JS) {
        (void)throw_code(ctx, exception, err.code ? err.code : "DB_BIND", d.msg);
    }
    return rc == RC_OK;
}

/* Argument i as a number in 1..max; def when absent, zero or negative. */
static int64_t clamp_arg(JSContextRef ctx, size_t argc, const JSValueRef argv[], size_t i,
                         int64_t def, int64_t max)
{
    int64_t v = num_arg(ctx, argc, argv, i, def);
    return v <= 0 ? def : (v > max ? max : v);
}

/* {changes, lastInsertId} of an execute. */
static JSValueRef exec_result(JSContextRef ctx, int64_t changes, int64_t last_id)
{
    JSObjectRef res = JSObjectMake(ctx, NULL, NULL);
    JSStringRef k1 = JSStringCreateWithUTF8CString("changes");
    JSStringRef k2 = JSStringCreateWithUTF8CString("lastInsertId");
    JSValueRef exc = NULL;
    JSObjectSetProperty(ctx, res, k1, JSValueMakeNumber(ctx, (double)changes), 0, &exc);
    JSObjectSetProperty(ctx, res, k2, changes > 0 ? int_out(ctx, last_id) : JSValueMakeNull(ctx), 0,
                        &exc);
    JSStringRelease(k1);
    JSStringRelease(k2);
    return res;
}

/*
 * The SQL text of a dbSql call. The prelude gives each distinct text of at most
 * SQL_ID_MAX_UNITS characters a small id (at most SQL_IDS per context, then they start over)
 * and writes, through a Uint32Array over struct api_sql_texts.slot, before every call: the id
 * (SQL_IDS: none), 1 when the call registers its text under that id, the mode, and the
 * number of parameters passed as arguments 7.. instead of the array argv[1] (SQL_INLINE_NONE:
 * the array; at most SQL_INLINE_MAX). A call by id converts no text, and reading the mode and
 * inline parameters costs no JSC call for a number or an array.
 */
#define SQL_IDS          64   /* as SQL_IDS in prelude/60_data.js */
#define SQL_ID_MAX_UNITS 2048 /* as SQL_ID_MAX_UNITS there */
#define SQL_INLINE_MAX   4    /* as SQL_INLINE_MAX there */
#define SQL_INLINE_NONE  0xffffffffu
#define SQL_INLINE_ARG   7 /* the argument index of the first inline parameter */

struct api_sql_texts {
    uint32_t slot[4];          /* id, register flag, mode, inline parameters */
    struct str texts[SQL_IDS]; /* owned */
    uint64_t names[SQL_IDS];   /* stamp of the column names the prelude keeps for the id */
};

static void sql_slot_free(void *bytes, void *arg)
{
    /* The bytes belong to the context's struct api_sql_texts (api_data_ctx_fini). */
}

/* dbSlot(): the Uint32Array of struct api_sql_texts.slot (once per context). */
static JSValueRef data_slot(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                            const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c->sql_texts != NULL) {
        return api_throw(ctx, exception, "INTERNAL", STR("dbSlot: called twice"), STR(""));
    }
    c->sql_texts = mem_calloc(1, sizeof(*c->sql_texts));
    JSValueRef exc = NULL;
    JSObjectRef a = JSObjectMakeTypedArrayWithBytesNoCopy(
        ctx, kJSTypedArrayTypeUint32Array, c->sql_texts->slot, sizeof(c->sql_texts->slot),
        sql_slot_free, NULL, &exc);
    if (exc != NULL) {
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    return a;
}

/* The SQL text and mode of a dbSql call (text in a, or the registered one). False with an
 * exception set. */
static bool sql_text_of(JSContextRef ctx, struct api_ctx *c, JSValueRef text, struct arena *a,
                        struct str *out_sql, uint32_t *out_id, uint32_t *out_mode,
                        uint32_t *out_inline, JSValueRef *exception)
{
    struct api_sql_texts *t = c->sql_texts;
    if (t == NULL || t->slot[0] > SQL_IDS || t->slot[2] > 2 ||
        (t->slot[3] > SQL_INLINE_MAX && t->slot[3] != SQL_INLINE_NONE)) {
        (void)api_throw(ctx, exception, "INTERNAL", STR("dbSql: bad slot"), STR(""));
        return false;
    }
    uint32_t id = t->slot[0];
    bool reg = t->slot[1] != 0;
    *out_id = id;
    *out_mode = t->slot[2];
    *out_inline = t->slot[3];
    if (id < SQL_IDS && !reg) {
        if (t->texts[id].ptr == NULL) {
            (void)api_throw(ctx, exception, "INTERNAL", STR("dbSql: no text has this id"), STR(""));
            return false;
        }
        *out_sql = t->texts[id];
        return true;
    }
    JSStringRef s = JSValueToStringCopy(ctx, text, exception);
    if (s == NULL) {
        return false;
    }
    *out_sql = js_string_to_arena(s, a);
    JSStringRelease(s);
    if (id < SQL_IDS) {
        t->names[id] = 0;
        mem_free((void *)t->texts[id].ptr);
        t->texts[id] =
            str_make(mem_dup(out_sql->len ? out_sql->ptr : "", out_sql->len ? out_sql->len : 1),
                     out_sql->len);
    }
    return true;
}

/* The text, mode and parameters of a dbSql call (sql_text_of; `IN ($n)` lists expanded). False
 * with an exception set. */
static bool sql_inputs(JSContextRef ctx, struct api_ctx *c, size_t argc, const JSValueRef argv[],
                       struct arena *a, struct str *sql, uint32_t *id, uint32_t *mode,
                       struct db_value **params, size_t *nparams, JSValueRef *exception)
{
    uint32_t inl = 0;
    if (!sql_text_of(ctx, c, argv[0], a, sql, id, mode, &inl, exception)) {
        return false;
    }
    if (inl != SQL_INLINE_NONE
            ? !params_args(ctx, argc, argv, SQL_INLINE_ARG, inl, a, params, nparams, exception)
            : !params_in(ctx, argv[1], a, params, nparams, exception)) {
        return false;
    }
    return !(argc > 6 && JSValueIsObject(ctx, argv[6]) &&
             !expand_or_throw(ctx, argv[6], a, sql, params, nparams, exception));
}

/* sql(text, params, _, timeoutMs, maxRows, namespace?, lists?, p1..p4?), text, mode and where
 * the parameters are as the slot says (sql_text_of): mode 0 returns rows, mode 1 {changes,
 * lastInsertId}, mode 2 the first row or null (queryOne). namespace: another script's, read-only
 * (granted). */
static JSValueRef data_sql(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                           const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    struct str own;
    struct db *db = data_ns(ctx, &own, exception);
    if (db == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    struct arena *a = scratch_get(c);
    struct db_value *params = NULL;
    size_t nparams = 0;
    JSValueRef r = JSValueMakeUndefined(ctx);
    struct diag d;
    struct db_sql_error err = { 0 };
    struct db_sql_cursor *cur = NULL;
    diag_clear(&d);
    struct str sql;
    uint32_t id = 0;
    uint32_t mode = 0;
    if (!sql_inputs(ctx, c, argc, argv, a, &sql, &id, &mode, &params, &nparams, exception)) {
        goto out;
    }
    bool exec = mode == 1;
    uint64_t sent = 0;
    int64_t timeout = clamp_arg(ctx, argc, argv, 3, DATA_DEFAULT_TIMEOUT_MS, DATA_MAX_TIMEOUT_MS);
    int64_t max_rows = clamp_arg(ctx, argc, argv, 4, DATA_DEFAULT_MAX_ROWS, DATA_MAX_ROWS);
    bool by_tx = false;
    struct db_sql_opts o = { .ns = own, .timeout_ms = stmt_timeout(c, timeout, &by_tx) };
    int rc = sql_target(ctx, db, own, argc, argv, a, &o, &d, &err);
    if (rc == RC_OK) {
        rc = db_sql_open(db, &o, sql, params, nparams, &d, &err, &cur);
    }
    if (rc == RC_OK && exec) {
        bool row = false;
        while ((rc = db_sql_next(cur, &d, &err, &row)) == RC_OK && row) {
        }
    } else if (rc == RC_OK) {
        uint64_t seen = id < SQL_IDS ? c->sql_texts->names[id] : 0;
        r = rows_out(ctx, cur, (size_t)max_rows, mode == 2, seen, a, &d, &err, &sent, &rc);
    }
    int64_t changes = 0;
    int64_t last_id = 0;
    db_sql_close(cur, &changes, &last_id);
    if (rc != RC_OK) {
        const char *code = err.code ? err.code : "DB_ERROR";
        if (by_tx && strcmp(code, "DB_TIMEOUT") == 0) {
            code = "DB_TRANSACTION_TIMEOUT";
        }
        r = throw_code(ctx, exception, code, d.msg);
    } else if (exec) {
        r = exec_result(ctx, changes, last_id);
    } else if (sent != 0 && id < SQL_IDS) {
        c->sql_texts->names[id] = sent; /* the prelude keeps them now */
    }
out:
    scratch_done(c, a);
    return r;
}

/* granted(namespace): may this script read that namespace? */
static JSValueRef data_granted(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                               const JSValueRef argv[], JSValueRef *exception)
{
    struct str own;
    struct db *db = data_ns(ctx, &own, exception);
    if (db == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    size_t n = 0;
    JSValueRef exc = NULL;
    char *target = js_value_to_owned(ctx, argv[0], &n, &exc);
    if (target == NULL) {
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    struct diag d;
    bool granted = false;
    int rc = db_sql_granted(db, own, str_make(target, n), &d, &granted);
    mem_free(target);
    if (rc != RC_OK) {
        return throw_code(ctx, exception, "DB_ERROR", d.msg);
    }
    return JSValueMakeBoolean(ctx, granted);
}

/* ------------------------------------------------------------------ introspection */

/* s as a JS string, or null when empty. */
static JSValueRef str_or_null(JSContextRef ctx, struct str s)
{
    return s.len ? js_make_string(ctx, s) : JSValueMakeNull(ctx);
}

static void set_prop(JSContextRef ctx, JSObjectRef o, const char *name, JSValueRef v)
{
    JSStringRef n = JSStringCreateWithUTF8CString(name);
    JSValueRef exc = NULL;
    JSObjectSetProperty(ctx, o, n, v, kJSPropertyAttributeNone, &exc);
    JSStringRelease(n);
}

/* dbColumns(table): [{name, type, nullable, default, primaryKey}] or null when absent. */
static JSValueRef data_columns(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                               const JSValueRef argv[], JSValueRef *exception)
{
    struct str ns;
    struct db *db = data_ns(ctx, &ns, exception);
    if (db == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    struct arena *a = arena_new(4096);
    JSStringRef t = JSValueToStringCopy(ctx, argv[0], exception);
    JSValueRef r = JSValueMakeUndefined(ctx);
    if (t != NULL) {
        struct str table = js_string_to_arena(t, a);
        JSStringRelease(t);
        struct db_sql_column *cols = NULL;
        size_t n = 0;
        bool exists = false;
        struct diag d;
        int rc = db_sql_columns(db, ns, table, a, &d, &cols, &n, &exists);
        if (rc != RC_OK) {
            r = throw_code(ctx, exception, rc == RC_INVAL ? "INVALID_ARGUMENT" : "DB_ERROR", d.msg);
        } else if (!exists) {
            r = JSValueMakeNull(ctx);
        } else {
            JSValueRef *items = arena_calloc(a, n ? n : 1, sizeof(JSValueRef));
            for (size_t i = 0; i < n; i++) {
                JSObjectRef o = JSObjectMake(ctx, NULL, NULL);
                set_prop(ctx, o, "name", js_make_string(ctx, cols[i].name));
                set_prop(ctx, o, "type", js_make_string(ctx, cols[i].type));
                set_prop(ctx, o, "nullable", JSValueMakeBoolean(ctx, !cols[i].not_null));
                set_prop(ctx, o, "default", str_or_null(ctx, cols[i].dflt));
                set_prop(ctx, o, "primaryKey", JSValueMakeBoolean(ctx, cols[i].primary_key));
                items[i] = o;
            }
            JSValueRef exc = NULL;
            r = JSObjectMakeArray(ctx, n, items, &exc);
        }
    }
    arena_free(a);
    return r;
}

/* dbTables(): the namespace's table names, sorted. */
static JSValueRef data_tables(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                              const JSValueRef argv[], JSValueRef *exception)
{
    struct str ns;
    struct db *db = data_ns(ctx, &ns, exception);
    if (db == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    struct arena *a = arena_new(4096);
    struct str *names = NULL;
    size_t n = 0;
    struct diag d;
    JSValueRef r;
    int rc = db_sql_tables(db, ns, a, &d, &names, &n);
    if (rc != RC_OK) {
        r = throw_code(ctx, exception, "DB_ERROR", d.msg);
    } else {
        r = strings_out(ctx, a, names, n);
    }
    arena_free(a);
    return r;
}

/* ------------------------------------------------------------------ migrations */

/* migration(version): the checksum recorded for version, or null; max(): migrationMax. */
static JSValueRef data_mig_get(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                               const JSValueRef argv[], JSValueRef *exception)
{
    struct str ns;
    struct db *db = data_ns(ctx, &ns, exception);
    if (db == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    struct diag d;
    int64_t version = num_arg(ctx, argc, argv, 0, 0);
    if (version <= 0) {
        int64_t max = 0;
        int rc = db_sql_migration_max(db, ns, &d, &max);
        return rc == RC_OK ? JSValueMakeNumber(ctx, (double)max)
                           : throw_code(ctx, exception, "DB_ERROR", d.msg);
    }
    bool found = false;
    char sum[65];
    int rc = db_sql_migration_get(db, ns, version, &d, &found, sum);
    if (rc != RC_OK) {
        return throw_code(ctx, exception, "DB_ERROR", d.msg);
    }
    return found ? js_make_string(ctx, str_from_cstr(sum)) : JSValueMakeNull(ctx);
}

/* dbMigrations(): [{version, description, checksum, appliedAt}] of the namespace. */
static JSValueRef data_mig_list(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                const JSValueRef argv[], JSValueRef *exception)
{
    struct str ns;
    struct db *db = data_ns(ctx, &ns, exception);
    if (db == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    struct arena *a = arena_new(4096);
    struct db_sql_migration *items = NULL;
    size_t n = 0;
    struct diag d;
    JSValueRef r;
    int rc = db_sql_migration_list(db, ns, a, &d, &items, &n);
    if (rc != RC_OK) {
        r = throw_code(ctx, exception, "DB_ERROR", d.msg);
    } else {
        JSValueRef *vals = arena_calloc(a, n ? n : 1, sizeof(JSValueRef));
        for (size_t i = 0; i < n; i++) {
            JSObjectRef o = JSObjectMake(ctx, NULL, NULL);
            set_prop(ctx, o, "version", JSValueMakeNumber(ctx, (double)items[i].version));
            set_prop(ctx, o, "description", str_or_null(ctx, items[i].description));
            set_prop(ctx, o, "checksum", js_make_string(ctx, items[i].checksum));
            set_prop(ctx, o, "appliedAt", iso_out(ctx, items[i].applied_ms));
            vals[i] = o;
        }
        JSValueRef exc = NULL;
        r = JSObjectMakeArray(ctx, n, vals, &exc);
    }
    arena_free(a);
    return r;
}

/* migrationPut(version, source, description): record version with the SHA-256 of source. */
static JSValueRef data_mig_put(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                               const JSValueRef argv[], JSValueRef *exception)
{
    struct str ns;
    struct db *db = data_ns(ctx, &ns, exception);
    if (db == NULL) {
        return JSValueMakeUndefined(ctx);
    }
    size_t n1 = 0;
    size_t n2 = 0;
    JSValueRef exc = NULL;
    char *src = js_value_to_owned(ctx, argv[1], &n1, &exc);
    char *desc = src ? js_value_to_owned(ctx, argv[2], &n2, &exc) : NULL;
    JSValueRef r = JSValueMakeUndefined(ctx);
    if (desc == NULL) {
        *exception = exc;
    } else {
        char sum[65];
        db_sha256_hex(str_make(src, n1), sum);
        struct diag d;
        int rc = db_sql_migration_put(db, ns, num_arg(ctx, argc, argv, 0, 0), str_from_cstr(sum),
                                      str_make(desc, n2), &d);
        r = rc == RC_OK ? js_make_string(ctx, str_from_cstr(sum))
                        : throw_code(ctx, exception, "DB_ERROR", d.msg);
    }
    mem_free(src);
    mem_free(desc);
    return r;
}

static JSValueRef data_checksum(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                const JSValueRef argv[], JSValueRef *exception)
{
    size_t n = 0;
    JSValueRef exc = NULL;
    char *src = js_value_to_owned(ctx, argv[0], &n, &exc);
    if (src == NULL) {
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    char sum[65];
    db_sha256_hex(str_make(src, n), sum);
    mem_free(src);
    return js_make_string(ctx, str_from_cstr(sum));
}

/* ------------------------------------------------------------------ cache */

/* Values are stored as a tag byte and a payload: 'J' JSON text, 'B' bytes (Uint8Array),
 * 'D' a Date as decimal epoch milliseconds. */
static bool cache_encode(JSContextRef ctx, JSValueRef v, struct buf *b, JSValueRef *exception)
{
    struct str bytes;
    int rc = RC_OK;
    if (js_bytes_view(ctx, v, &bytes)) {
        rc = buf_try_append_char(b, 'B');
        rc = rc == RC_OK ? buf_try_append_str(b, bytes) : rc;
    } else if (JSValueIsDate(ctx, v)) {
        double ms = JSValueToNumber(ctx, v, NULL);
        rc = buf_try_printf(b, "D%.0f", isfinite(ms) ? ms : 0);
    } else {
        JSValueRef exc = NULL;
        size_t at = b->len + 1; /* where the JSON text starts */
        rc = buf_try_append_char(b, 'J');
        rc = rc == RC_OK ? js_json_append(ctx, v, b, &exc) : rc;
        if (rc == RC_JS) {
            *exception = exc;
            return false;
        }
        if (rc == RC_INVAL) {
            (void)api_throw(ctx, exception, "INVALID_ARGUMENT",
                            STR("cache values are JSON values, Dates or Uint8Arrays"), STR(""));
            return false;
        }
        /* get parses with the request body's depth limit: refuse here what it could not read
         * back (it used to be stored and then never found). */
        if (rc == RC_OK &&
            json_text_depth(str_sub(buf_str(b), at, b->len - at)) > API_JSON_MAX_DEPTH) {
            (void)api_throw(ctx, exception, "INVALID_ARGUMENT",
                            STR("cache values nest at most 64 arrays or objects deep"), STR(""));
            return false;
        }
    }
    if (rc != RC_OK) {
        (void)api_throw(ctx, exception, "STORAGE_LIMIT", STR("cache value is over 1 MiB"), STR(""));
        return false;
    }
    return true;
}

/* A JSON string without escapes: its text is its value's UTF-8. */
static bool json_plain_string(struct str j)
{
    return j.len >= 2 && j.ptr[0] == '"' && j.ptr[j.len - 1] == '"' &&
           memchr(j.ptr + 1, '\\', j.len - 2) == NULL;
}

/* The value of a stored cache value as JS; *out_primitive tells whether it is a string,
 * number, boolean or null (immutable: cache.get may hand out the same one again). */
static JSValueRef cache_decode(JSContextRef ctx, struct str v, struct arena *a, bool *out_primitive)
{
    *out_primitive = false;
    if (v.len == 0) {
        return JSValueMakeUndefined(ctx);
    }
    struct str body = str_sub(v, 1, v.len - 1);
    if (v.ptr[0] == 'J' && body.len > 0) {
        *out_primitive = body.ptr[0] != '{' && body.ptr[0] != '[';
        if (json_plain_string(body)) {
            return js_make_string(ctx, str_sub(body, 1, body.len - 2));
        }
        if (str_eq(body, STR("true")) || str_eq(body, STR("false"))) {
            return JSValueMakeBoolean(ctx, body.ptr[0] == 't');
        }
        if (str_eq(body, STR("null"))) {
            return JSValueMakeNull(ctx);
        }
    }
    JSValueRef exc = NULL;
    if (v.ptr[0] == 'B') {
        JSObjectRef b = js_make_bytes(ctx, body, &exc);
        return b ? (JSValueRef)b : JSValueMakeUndefined(ctx);
    }
    if (v.ptr[0] == 'D') {
        int64_t ms = 0;
        IGNORE_RC(str_to_i64(body, &ms));
        JSValueRef arg = JSValueMakeNumber(ctx, (double)ms);
        JSObjectRef d = JSObjectMakeDate(ctx, 1, &arg, &exc);
        return d ? (JSValueRef)d : JSValueMakeUndefined(ctx);
    }
    JSValueRef r = NULL;
    struct json_error je;
    if (js_json_parse(ctx, a, body, API_JSON_MAX_DEPTH, &r, &je) != RC_OK) {
        *out_primitive = false;
        return JSValueMakeUndefined(ctx);
    }
    return r;
}

/* The cache namespace of c: its script's URI. */
static struct str cache_ns(struct api_ctx *c)
{
    return c->ver->uri;
}

/* A cache write deferred to the commit of the invocation's transaction. */
struct cache_op {
    char *ns;
    size_t ns_len;
    char *key;
    size_t key_len;
    char *value; /* NULL: delete pattern key; "" with clear: clear */
    size_t value_len;
    int64_t ttl_ms;
    int kind; /* 0 set, 1 delete, 2 clear */
};

static void cache_op_run(void *arg)
{
    struct cache_op *op = arg;
    struct db_cache *cache = api_data_cache();
    struct diag d;
    size_t n = 0;
    struct str ns = str_make(op->ns, op->ns_len);
    if (op->kind == 0) {
        IGNORE_RC(db_cache_set(cache, ns, str_make(op->key, op->key_len),
                               str_make(op->value, op->value_len), op->ttl_ms, &d));
    } else if (op->kind == 1) {
        IGNORE_RC(db_cache_delete(cache, ns, str_make(op->key, op->key_len), &d, &n));
    } else {
        (void)db_cache_clear(cache, ns);
    }
}

static void cache_op_drop(void *arg)
{
    struct cache_op *op = arg;
    mem_free(op->ns);
    mem_free(op->key);
    mem_free(op->value);
    mem_free(op);
}

/* Defer the write when the invocation's transaction is open; true when deferred. */
static bool cache_defer(struct api_ctx *c, int kind, struct str key, struct str value,
                        int64_t ttl_ms)
{
    struct api_tx *tx = api_ctx_tx(c);
    if (tx->depth == 0 || tx->owner != c->current) {
        return false;
    }
    struct cache_op *op = mem_calloc(1, sizeof(*op));
    struct str ns = cache_ns(c);
    op->ns = mem_strndup(ns);
    op->ns_len = ns.len;
    op->key = mem_strndup(key);
    op->key_len = key.len;
    op->value = mem_strndup(value);
    op->value_len = value.len;
    op->ttl_ms = ttl_ms;
    op->kind = kind;
    if (!api_tx_defer(c, cache_op_run, cache_op_drop, op)) {
        cache_op_drop(op);
        return false;
    }
    return true;
}

static bool key_arg(JSContextRef ctx, JSValueRef v, struct buf *b, JSValueRef *exception)
{
    JSValueRef exc = NULL;
    int rc = js_value_append(ctx, v, b, &exc);
    if (rc == RC_JS) {
        *exception = exc;
        return false;
    }
    if (rc != RC_OK) {
        (void)api_throw(ctx, exception, "INVALID_ARGUMENT", STR("cache key is over 1024 bytes"),
                        STR(""));
        return false;
    }
    return true;
}

static JSValueRef cache_throw(JSContextRef ctx, JSValueRef *exception, int rc, const struct diag *d)
{
    return api_throw(ctx, exception, rc == RC_LIMIT ? "STORAGE_LIMIT" : "INVALID_ARGUMENT",
                     str_from_cstr(d->msg), STR(""));
}

/* cacheSet(key, value, ttlMs) */
static JSValueRef cache_set(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                            const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    struct buf key;
    struct buf val;
    buf_init(&key, 2 * DB_CACHE_KEY_MAX_BYTES);
    buf_init(&val, DB_CACHE_VALUE_MAX_BYTES + 1);
    JSValueRef r = JSValueMakeUndefined(ctx);
    int64_t ttl = num_arg(ctx, argc, argv, 2, 0);
    if (key_arg(ctx, argv[0], &key, exception) && cache_encode(ctx, argv[1], &val, exception)) {
        if (key.len == 0 || key.len > DB_CACHE_KEY_MAX_BYTES || ttl < 0) {
            r = api_throw(ctx, exception, "INVALID_ARGUMENT",
                          STR("cache keys are 1..512 bytes and ttl is not negative"), STR(""));
        } else if (!cache_defer(c, 0, buf_str(&key), buf_str(&val), ttl)) {
            struct diag d;
            int rc =
                db_cache_set(api_data_cache(), cache_ns(c), buf_str(&key), buf_str(&val), ttl, &d);
            r = rc == RC_OK ? r : cache_throw(ctx, exception, rc, &d);
        }
    }
    buf_fini(&key);
    buf_fini(&val);
    return r;
}

#define KEY_STACK_BYTES (3 * DB_CACHE_KEY_MAX_BYTES + 1)

/* The key of a read as UTF-8 in out (KEY_STACK_BYTES, no heap: the hot path of cache.get).
 * False with an exception set; a key over 512 characters is refused (its UTF-8 is longer). */
static bool key_stack(JSContextRef ctx, JSValueRef v, char *out, struct str *key,
                      JSValueRef *exception)
{
    JSValueRef exc = NULL;
    JSStringRef s = JSValueToStringCopy(ctx, v, &exc);
    if (s == NULL) {
        *exception = exc;
        return false;
    }
    size_t units = JSStringGetLength(s);
    size_t n =
        units <= DB_CACHE_KEY_MAX_BYTES ? JSStringGetUTF8CString(s, out, KEY_STACK_BYTES) : 0;
    JSStringRelease(s);
    if (units > DB_CACHE_KEY_MAX_BYTES) {
        (void)api_throw(ctx, exception, "INVALID_ARGUMENT", STR("cache key is over 512 bytes"),
                        STR(""));
        return false;
    }
    *key = str_make(out, n > 0 ? n - 1 : 0);
    return true;
}

/*
 * cache.get: the prelude gives each distinct key a small id (at most CACHE_KEY_IDS at a time
 * per context) and C keeps the key's UTF-8 under that id, with the stamp of the value last
 * returned for it when that value was a primitive of at most CACHE_KEEP_MAX_BYTES stored bytes,
 * or an object or array of as many bytes of JSON (then C returns the JSON text and the prelude
 * keeps it and parses a fresh copy for every get). The prelude keeps the value or text: C says
 * so in io.keep, with the entry's stamp, expiry and shared slot. The prelude passes the id in
 * io.id (reading a JS number argument costs a JSC call). A get by id converts no key and, when
 * the entry still holds that stamp, copies and converts no value: it returns `this` (the
 * natives object, never a cache value) and the prelude answers with what it kept. Dates,
 * Uint8Arrays and longer values are made afresh on every get (nothing large stays referenced
 * by a context).
 *
 * A repeated get of a kept value does not call in here at all: the prelude reads the entry's
 * slot in the cache's shared memory (db_cache.h, "Shared memory") and answers while the slot
 * still holds the stamp and the entry has not expired, recording the use for the LRU there and
 * the hit in io.reader.hits (docs/internals/api.md, "cache.get").
 */
#define CACHE_KEY_IDS        256 /* as KEY_IDS in prelude/60_data.js */
#define CACHE_KEEP_MAX_BYTES 4096

/* What the prelude keeps of a value (io.keep): nothing, the value, or its JSON text. */
enum {
    API_CACHE_KEEP_NONE,
    API_CACHE_KEEP_VALUE,
    API_CACHE_KEEP_JSON
};

struct api_cache_key {
    char *key; /* owned UTF-8, NULL: no key has the id */
    size_t len;
    uint64_t stamp; /* the entry stamp of the value (or JSON text) the prelude kept; 0: none */
    int keep;       /* with stamp: API_CACHE_KEEP_VALUE or API_CACHE_KEEP_JSON */
};

/* What the prelude sees of a context's keys (cacheIo()[0]: Float64Array F, Uint32Array U). */
struct api_cache_io {
    struct db_cache_reader reader; /* F[0]: the hits the prelude answered itself */
    double stamp;                  /* F[4]: with keep, the entry's stamp, */
    double expires_ms;             /* F[5]: its expiry (0: never) */
    uint32_t id;                   /* U[12]: the key id (written by the prelude) */
    uint32_t keep;                 /* U[13]: 1: the prelude keeps the value returned, 2: it is
                                      the JSON text of an object or array to parse */
    uint32_t slot;                 /* U[14]: the entry's shared slot (DB_CACHE_NO_SLOT: none) */
    uint32_t unused;
};

static_assert(offsetof(struct api_cache_io, reader.hits) == 0, "F[0] as in 60_data.js");
static_assert(offsetof(struct api_cache_io, stamp) == sizeof(double) * 4, "F[4] as in 60_data.js");
static_assert(offsetof(struct api_cache_io, expires_ms) == sizeof(double) * 5,
              "F[5] as in 60_data.js");
static_assert(offsetof(struct api_cache_io, id) == sizeof(uint32_t) * 12, "U[12] as in 60_data.js");
static_assert(offsetof(struct api_cache_io, slot) == sizeof(uint32_t) * 14,
              "U[14] as in 60_data.js");

struct api_cache_keys {
    struct api_cache_io io;
    struct db_cache *cache; /* the cache io.reader is open on */
    struct api_cache_key keys[CACHE_KEY_IDS];
};

void api_data_ctx_fini(struct api_ctx *c)
{
    if (c->sql_texts != NULL) {
        for (size_t i = 0; i < SQL_IDS; i++) {
            mem_free((void *)c->sql_texts->texts[i].ptr);
        }
        mem_free(c->sql_texts);
        c->sql_texts = NULL;
    }
    if (c->cache_keys != NULL) {
        db_cache_reader_close(c->cache_keys->cache, &c->cache_keys->io.reader);
        for (size_t i = 0; i < CACHE_KEY_IDS; i++) {
            mem_free(c->cache_keys->keys[i].key);
        }
        mem_free(c->cache_keys);
        c->cache_keys = NULL;
    }
}

static void io_free(void *bytes, void *arg)
{
    /* The bytes belong to the context's struct api_cache_keys (api_data_ctx_fini) or to the
     * cache (db_cache_shared_mem), which outlives every context. */
}

/* cacheIo(): [the context's struct api_cache_io, the cache's shared memory] as ArrayBuffers
 * (once per context); the context's reader is open from now on. */
static JSValueRef cache_io(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                           const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (c->cache_keys != NULL) {
        return api_throw(ctx, exception, "INTERNAL", STR("cacheIo: called twice"), STR(""));
    }
    struct db_cache *cache = api_data_cache();
    size_t shared_len = 0;
    void *shared = db_cache_shared_mem(cache, &shared_len);
    JSValueRef exc = NULL;
    JSValueRef v[2];
    c->cache_keys = mem_calloc(1, sizeof(*c->cache_keys));
    v[0] = JSObjectMakeArrayBufferWithBytesNoCopy(ctx, &c->cache_keys->io,
                                                  sizeof(c->cache_keys->io), io_free, NULL, &exc);
    if (exc == NULL) {
        v[1] = JSObjectMakeArrayBufferWithBytesNoCopy(ctx, shared, shared_len, io_free, NULL, &exc);
    }
    JSObjectRef r = exc == NULL ? JSObjectMakeArray(ctx, 2, v, &exc) : NULL;
    if (exc != NULL) { /* the prelude calls again; a buffer made already is unreachable */
        mem_free(c->cache_keys);
        c->cache_keys = NULL;
        *exception = exc;
        return JSValueMakeUndefined(ctx);
    }
    c->cache_keys->cache = cache;
    db_cache_reader_open(cache, cache_ns(c), &c->cache_keys->io.reader);
    return r;
}

/* The key whose id the prelude wrote, or NULL with an exception set. */
static struct api_cache_key *cache_key_at(JSContextRef ctx, struct api_ctx *c,
                                          JSValueRef *exception)
{
    if (c->cache_keys == NULL || c->cache_keys->io.id >= CACHE_KEY_IDS) {
        (void)api_throw(ctx, exception, "INTERNAL", STR("cache key id out of range"), STR(""));
        return NULL;
    }
    return &c->cache_keys->keys[c->cache_keys->io.id];
}

/* A stored JSON object or array of at most CACHE_KEEP_MAX_BYTES that parses within
 * API_JSON_MAX_DEPTH (as cache_decode would): the prelude keeps its text and makes a fresh copy
 * with JSON.parse on every get (JSValueMakeFromJSONString, what cache_decode uses, is JSC's
 * JSON.parse too). */
static bool cache_json_text(struct str v, struct arena *a)
{
    static const struct json_events check_only; /* every callback NULL: validate only */
    if (v.len < 3 || v.len > CACHE_KEEP_MAX_BYTES || v.ptr[0] != 'J' ||
        (v.ptr[1] != '{' && v.ptr[1] != '[')) {
        return false;
    }
    struct json_limits lim = { .max_depth = API_JSON_MAX_DEPTH };
    struct json_error je;
    return json_parse_events(a, str_sub(v, 1, v.len - 1), &lim, &check_only, NULL, &je) == RC_OK;
}

/* Look key (with id k) up and answer as described above. */
static JSValueRef cache_lookup(JSContextRef ctx, JSObjectRef this_obj, struct api_ctx *c,
                               struct str key, struct api_cache_key *k, JSValueRef *exception)
{
    uint64_t known = k->stamp;
    JSValueRef r = JSValueMakeUndefined(ctx);
    struct arena *a = scratch_get(c);
    struct diag d;
    struct str v;
    struct db_cache_found f;
    int rc = db_cache_get_stamped(c->cache_keys->cache, cache_ns(c), key, known, a, &d, &v, &f);
    if (rc == RC_OK && known != 0 && f.stamp == known) {
        r = this_obj;
    } else if (rc == RC_OK && cache_json_text(v, a)) {
        r = js_make_string(ctx, str_sub(v, 1, v.len - 1));
        k->stamp = f.stamp;
        k->keep = API_CACHE_KEEP_JSON;
    } else if (rc == RC_OK) {
        bool primitive = false;
        r = cache_decode(ctx, v, a, &primitive);
        k->stamp = primitive && v.len <= CACHE_KEEP_MAX_BYTES ? f.stamp : 0;
        k->keep = API_CACHE_KEEP_VALUE;
    } else if (rc != RC_NOTFOUND) {
        r = cache_throw(ctx, exception, rc, &d);
    }
    if (rc != RC_OK) {
        k->stamp = 0;
    }
    struct api_cache_io *io = &c->cache_keys->io;
    io->keep = k->stamp != 0 ? k->keep : 0;
    io->stamp = (double)f.stamp;
    io->expires_ms = (double)f.expires_ms;
    io->slot = k->stamp != 0 ? f.slot : DB_CACHE_NO_SLOT;
    scratch_done(c, a);
    return r;
}

/* cacheGetNew(key): cacheGet(key), and key gets the id in the slot from now on. */
static JSValueRef cache_get_new(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    char kbuf[KEY_STACK_BYTES];
    struct str key;
    struct api_cache_key *k = cache_key_at(ctx, c, exception);
    if (k == NULL || !key_stack(ctx, argv[0], kbuf, &key, exception)) {
        return JSValueMakeUndefined(ctx);
    }
    mem_free(k->key);
    *k = (struct api_cache_key){ .key = mem_dup(key.len ? key.ptr : "", key.len ? key.len : 1),
                                 .len = key.len };
    return cache_lookup(ctx, this_obj, c, key, k, exception);
}

/* cacheGetId(): the value of the key with the id in the slot, undefined on a miss, or `this`
 * when it is the primitive returned last time for that id. */
static JSValueRef cache_get_id(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                               const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    struct api_cache_key *k = cache_key_at(ctx, c, exception);
    if (k == NULL || k->key == NULL) {
        return k == NULL ? JSValueMakeUndefined(ctx)
                         : api_throw(ctx, exception, "INTERNAL", STR("no cache key has this id"),
                                     STR(""));
    }
    return cache_lookup(ctx, this_obj, c, str_make(k->key, k->len), k, exception);
}

static JSValueRef cache_has(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                            const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    char kbuf[KEY_STACK_BYTES];
    struct str key;
    bool has = key_stack(ctx, argv[0], kbuf, &key, exception) &&
               db_cache_has(api_data_cache(), cache_ns(c), key);
    return JSValueMakeBoolean(ctx, has);
}

/* cacheDelete(pattern): entries deleted (0 when deferred to a commit). */
static JSValueRef cache_delete(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                               const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    struct buf key;
    buf_init(&key, 2 * DB_CACHE_KEY_MAX_BYTES);
    JSValueRef r = JSValueMakeUndefined(ctx);
    if (key_arg(ctx, argv[0], &key, exception)) {
        size_t n = 0;
        struct diag d;
        int rc = RC_OK;
        if (!cache_defer(c, 1, buf_str(&key), STR(""), 0)) {
            rc = db_cache_delete(api_data_cache(), cache_ns(c), buf_str(&key), &d, &n);
        }
        r = rc == RC_OK ? JSValueMakeNumber(ctx, (double)n) : cache_throw(ctx, exception, rc, &d);
    }
    buf_fini(&key);
    return r;
}

static JSValueRef cache_keys(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                             const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    struct buf pat;
    buf_init(&pat, 2 * DB_CACHE_KEY_MAX_BYTES);
    JSValueRef r = JSValueMakeUndefined(ctx);
    if (argc == 0 || JSValueIsUndefined(ctx, argv[0]) || key_arg(ctx, argv[0], &pat, exception)) {
        struct arena *a = arena_new(4096);
        struct diag d;
        struct str *keys = NULL;
        size_t n = 0;
        int rc = db_cache_keys(api_data_cache(), cache_ns(c), buf_str(&pat), a, &d, &keys, &n);
        if (rc != RC_OK) {
            r = cache_throw(ctx, exception, rc, &d);
        } else {
            r = strings_out(ctx, a, keys, n);
        }
        arena_free(a);
    }
    buf_fini(&pat);
    return r;
}

static JSValueRef cache_clear(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                              const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    if (cache_defer(c, 2, STR(""), STR(""), 0)) {
        return JSValueMakeNumber(ctx, 0);
    }
    return JSValueMakeNumber(ctx, (double)db_cache_clear(api_data_cache(), cache_ns(c)));
}

static JSValueRef cache_size(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                             const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    return JSValueMakeNumber(ctx, (double)db_cache_size(api_data_cache(), cache_ns(c)));
}

/* cacheStats(): [entries, bytes, hits, misses, sets, deletes, evictions] */
static JSValueRef cache_stats(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                              const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    struct db_cache_stats st;
    db_cache_stats(api_data_cache(), cache_ns(c), &st);
    JSValueRef v[7] = {
        JSValueMakeNumber(ctx, (double)st.entries),   JSValueMakeNumber(ctx, (double)st.bytes),
        JSValueMakeNumber(ctx, (double)st.hits),      JSValueMakeNumber(ctx, (double)st.misses),
        JSValueMakeNumber(ctx, (double)st.sets),      JSValueMakeNumber(ctx, (double)st.deletes),
        JSValueMakeNumber(ctx, (double)st.evictions),
    };
    JSValueRef exc = NULL;
    return JSObjectMakeArray(ctx, 7, v, &exc);
}

/* ------------------------------------------------------------------ the caller */

struct str api_ctx_user(struct api_ctx *c, char *buf, size_t cap)
{
    struct api_inv *inv = c->current;
    struct str v;
    if (inv == NULL || inv->req == NULL) {
        return STR_NULL;
    }
    if (c->e->cfg.test_user_header && http_request_header(inv->req, STR("x-kiln-test-user"), &v) &&
        v.len > 0 && v.len < cap) {
        memcpy(buf, v.ptr, v.len);
        return str_make(buf, v.len);
    }
    if (api_admin_token_ok(c->e, inv->req) && cap > 5) {
        int n = snprintf(buf, cap, "admin");
        return str_make(buf, (size_t)n);
    }
    return STR_NULL;
}

/* personalUser(): the user personalStorage belongs to, or null (anonymous). */
static JSValueRef data_user(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                            const JSValueRef argv[], JSValueRef *exception)
{
    struct api_ctx *c = api_ctx_of(ctx);
    char buf[API_USER_MAX];
    struct str u = api_ctx_user(c, buf, sizeof(buf));
    return str_or_null(ctx, u);
}

static const struct js_fn data_fns[] = {
    { .name = "dbSql", .fn = data_sql, .min_args = 3 },
    { .name = "dbSlot", .fn = data_slot, .min_args = 0 },
    { .name = "dbNamespace", .fn = data_namespace, .min_args = 0 },
    { .name = "dbGranted", .fn = data_granted, .min_args = 1 },
    { .name = "dbTxBegin", .fn = data_tx_begin, .min_args = 0 },
    { .name = "dbTxAsync", .fn = data_tx_async, .min_args = 0 },
    { .name = "dbTxEnd", .fn = data_tx_end, .min_args = 1 },
    { .name = "dbTxDepth", .fn = data_tx_depth, .min_args = 0 },
    { .name = "dbColumns", .fn = data_columns, .min_args = 1 },
    { .name = "dbTables", .fn = data_tables, .min_args = 0 },
    { .name = "dbMigration", .fn = data_mig_get, .min_args = 1 },
    { .name = "dbMigrationPut", .fn = data_mig_put, .min_args = 3 },
    { .name = "dbMigrations", .fn = data_mig_list, .min_args = 0 },
    { .name = "dbChecksum", .fn = data_checksum, .min_args = 1 },
    { .name = "cacheSet", .fn = cache_set, .min_args = 2 },
    { .name = "cacheIo", .fn = cache_io, .min_args = 0 },
    { .name = "cacheGetNew", .fn = cache_get_new, .min_args = 1 },
    { .name = "cacheGetId", .fn = cache_get_id, .min_args = 0 },
    { .name = "cacheHas", .fn = cache_has, .min_args = 1 },
    { .name = "cacheDelete", .fn = cache_delete, .min_args = 1 },
    { .name = "cacheKeys", .fn = cache_keys, .min_args = 0 },
    { .name = "cacheClear", .fn = cache_clear, .min_args = 0 },
    { .name = "cacheSize", .fn = cache_size, .min_args = 0 },
    { .name = "cacheStats", .fn = cache_stats, .min_args = 0 },
    { .name = "personalUser", .fn = data_user, .min_args = 0 },
    { .name = NULL },
};

const struct api_module api_module_data = {
    .name = "data",
    .init = NULL,
    .fns = data_fns,
};
