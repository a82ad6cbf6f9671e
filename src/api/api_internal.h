/* SPDX-License-Identifier: MIT */
/*
 * Private to src/api and its unit tests: the engine, script versions, route snapshots,
 * executors, per-version JS contexts (struct api_ctx) and invocations.
 *
 * Lifetimes: a struct api_version (uri, source, registrations) is immutable once its register
 * run succeeded and is reference counted; snapshots and contexts hold references. A snapshot
 * (router + versions) is immutable and reference counted; an exchange in flight holds one, so
 * in-flight requests finish on the old version after a redeploy.
 * Thread contract: per struct below.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <JavaScriptCore/JavaScript.h>
#include <uv.h>

#include "api/api.h"
#include "base/arena.h"
#include "base/diag.h"
#include "base/map.h"
#include "base/vec.h"
#include "db/db.h"
#include "http/http.h"
#include "js/js.h"
#include "net/net.h"

#define API_DEFAULT_EXEC_TIMEOUT_MS 5000
#define API_DEFAULT_INIT_TIMEOUT_MS 30000
#define API_DEFAULT_HEAP_LIMIT      ((size_t)512 * 1024 * 1024)
#define API_MAX_SOURCE_BYTES        ((size_t)1024 * 1024)
#define API_MAX_ROUTES_PER_SCRIPT   1000
#define API_HEAP_CHECK_INTERVAL_MS  1000
#define API_JSON_MAX_DEPTH          64
#define API_MAX_TIMERS_PER_INV      1000       /* pending timers per invocation */
#define API_TIMER_MAX_DELAY_MS      2147483647 /* setTimeout delays are clamped to 0..this */
#define API_INTERVAL_MIN_MS         10         /* setInterval runs at most every 10 ms */
#define API_REQUEST_ID_MAX          64
#define API_BATCH_MAX_DELAY_NS      50000 /* a finished response waits at most this + one job */
#define API_MAX_BODY_BUILD_BYTES    ((size_t)64 * 1024 * 1024) /* a body built by a script */
#define API_STREAM_MAX_QUEUE_CHUNKS 65536 /* streamed body: writes not yet sent to the client */
#define API_STREAM_MAX_QUEUE_BYTES  ((size_t)8 * 1024 * 1024) /* ... and their bytes */
#define API_STREAM_DRAIN_POLL_MS    5   /* a paced streamed body checks its client this often */
#define API_WEB_SLOTS               256 /* Uint32Array slots: a URL's offsets, form pair ends */
#define API_WEB_BYTES               ((size_t)16 * 1024) /* byte scratch: TextEncoder output */

/* Property names used on hot paths: created once per runtime thread (JSStringRef). */
#define API_NAMES(X)                   \
    X(status, "_status")               \
    X(headers, "_headers")             \
    X(list, "_l")                      \
    X(body, "_body")                   \
    X(length, "length")                \
    X(invoke, "invoke")                \
    X(invoke_rt, "invokeRealtime")     \
    X(await_result, "awaitResult")     \
    X(to_response, "toResponse")       \
    X(error_info, "errorInfo")         \
    X(run_init, "runInit")             \
    X(init_outcome, "initOutcome")     \
    X(setup, "setup")                  \
    X(response, "Response")            \
    X(kiln_error, "KilnError")         \
    X(bad_request, "BadRequestError")  \
    X(kiln, "__kiln")                  \
    X(kiln_native, "__kiln_native")    \
    X(promise, "Promise")              \
    X(anonymous_auth, "anonymousAuth") \
    X(form_fields, "formFields")       \
    X(pump_body, "pumpBody")           \
    X(stream_class, "ReadableStream")  \
    X(code, "code")                    \
    X(details, "details")              \
    X(line, "line")                    \
    X(column, "column")

enum api_name_id {
#define API_NAME_ENUM(id, text) API_N_##id,
    API_NAMES(API_NAME_ENUM)
#undef API_NAME_ENUM
    API_N_COUNT
};

struct api_names {
    JSStringRef s[API_N_COUNT];
};

void api_names_init(struct api_names *n);
void api_names_fini(struct api_names *n);

/* ------------------------------------------------------------------ scripts and routes */

struct api_version;

enum api_route_kind {
    API_ROUTE_HTTP,   /* registerRoute */
    API_ROUTE_STREAM, /* registerStreamRoute (api_realtime.c) */
    API_ROUTE_WS,     /* registerWebSocketRoute (api_realtime.c) */
};

/* The options of a stream or WebSocket registration (in the version's arena). */
/* Who may call a route (options.auth). Until users exist every caller is anonymous, so a
 * route that needs a user answers 401 (or 302 to the login page for "redirect"). */
enum api_auth {
    API_AUTH_OPTIONAL = 0,
    API_AUTH_REQUIRED = 1,
    API_AUTH_REDIRECT = 2,
};

#define API_ROUTE_TIMEOUT_FACTOR 5                            /* timeoutMs <= 5 x the default */
#define API_ROUTE_BODY_LIMIT_MAX ((int64_t)100 * 1024 * 1024) /* bodyLimit <= 100 MiB */

struct api_rt_opts {
    bool has_handler;         /* onConnect / onOpen given: the connect runs JS on an executor */
    bool criteria_from_query; /* streams without onConnect: C from the query string */
    bool has_close;           /* streams: onClose given (connections report their end) */
    size_t replay;
    int64_t heartbeat_ms;
    size_t max_connections;
    size_t max_message_bytes;
    int64_t idle_timeout_ms;
    size_t max_messages_per_sec;
    struct str *origins;
    size_t origin_count;
    struct str *protocols;
    size_t protocol_count;
};

struct api_rt_entry;

/* One route registration of a script version (immutable after the register run, except
 * `entry`, which publication sets once to the hub object of the pattern). */
struct api_route {
    struct str method; /* upper-case, or "*" */
    struct str pattern;
    struct str key;           /* "GET /path" */
    struct str handler_name;  /* the handler given as a string; empty for a function */
    struct str asset;         /* registerAssetRoute: the asset served from C; else empty */
    struct str cache_control; /* registerAssetRoute's options.cacheControl; empty: default */
    size_t index;             /* in version->routes */
    struct api_version *ver;  /* owner (borrowed: the version outlives its routes) */
    enum api_route_kind kind;
    int64_t timeout_ms;     /* options.timeoutMs: the invocation's limit; 0: the engine's */
    int64_t body_limit;     /* options.bodyLimit in bytes; -1: the server's limit only */
    enum api_auth auth;     /* options.auth (roles/permissions imply API_AUTH_REQUIRED) */
    struct api_rt_opts *rt; /* streams and WebSocket routes */
    _Atomic(struct api_rt_entry *) rt_entry; /* set by publication (api_realtime_sync) */
};

struct api_version {
    atomic_size_t refs;
    struct arena *arena; /* uri, source, routes */
    struct str uri;
    struct str source;
    uint64_t version;
    struct api_route **routes;
    size_t route_count;
    size_t route_cap;
    /* Registrations that threw NAME_CONFLICT in the register run (list in arena): a bind run
     * throws the same error for them, so every context of a version sees what the register
     * run saw. */
    struct api_conflict *conflicts;
};

struct api_conflict {
    struct api_conflict *next;
    struct str key;
    struct str owner;
};

struct api_version *api_version_new(struct str uri, struct str source, uint64_t version);
void api_version_ref(struct api_version *v);
void api_version_unref(struct api_version *v);
/* Return the route of v with this key, or NULL. */
struct api_route *api_version_find_route(const struct api_version *v, struct str key);

/* An immutable routing table: the router plus references on the versions it points into. */
struct api_snapshot {
    atomic_size_t refs;
    struct http_router *router;
    struct api_version **versions;
    size_t version_count;
    size_t route_count;
    bool any_body_limit; /* some route has options.bodyLimit: the head check must match */
};

void api_snapshot_unref(struct api_snapshot *s);

/* ------------------------------------------------------------------ JS contexts */

enum api_phase {
    API_PHASE_REGISTER, /* deploy: registrations are collected into ver */
    API_PHASE_BIND,     /* executor: registrations bind handlers to existing keys */
    API_PHASE_RUN,      /* serving: registrations are refused (not thrown) */
};

struct api_executor;
struct api_inv;
struct api_timer;

/* A timer id of a context: slot index + generation (api_timers.c). */
struct api_timer_slot {
    struct api_timer *t;
    uint32_t gen;
};

/* One JS global context running one script version, on one thread (an executor, or the
 * deploying thread for a register run). Fields named k_* are protected values captured from
 * the prelude's __kiln object. */
struct api_ctx {
    JSGlobalContextRef js;
    struct api_engine *e;
    struct api_executor *ex; /* NULL for a register run */
    const struct api_names *names;
    struct api_version *ver; /* reference held */
    enum api_phase phase;
    JSObjectRef *handlers;     /* per route index: bound function (protected) or NULL */
    JSValueRef *handler_names; /* per route index: its name as a JS string (protected), made
                                  at its first invocation; NULL with handlers */
    JSObjectRef k_invoke;
    JSValueRef v_empty; /* "" (protected) */
    JSObjectRef k_invoke_rt;
    JSObjectRef k_await;
    JSObjectRef k_to_response;
    JSObjectRef k_error_info;
    JSObjectRef k_run_init;
    JSObjectRef k_init_outcome;
    JSObjectRef k_response;
    JSObjectRef k_kiln_error;
    JSObjectRef k_bad_request;
    JSObjectRef k_promise;
    JSObjectRef k_anonymous_auth;
    /* formFields(entries, which), pumpBody(stream, sink) and the ReadableStream class: request
     * form fields and streamed Response bodies. */
    JSObjectRef k_form_fields;
    JSObjectRef k_pump_body;
    JSObjectRef k_stream_class;
    JSValueRef v_anonymous;  /* "<anonymous>" (protected): handlerName of function handlers */
    size_t pending;          /* live invocations of this context (not yet ended) */
    bool dead;               /* discard once nothing is pending */
    struct api_inv *current; /* invocation whose JS runs now (request id, timers), or NULL */
    VEC(struct api_timer_slot) timer_slots; /* timer ids of this context */
    VEC(uint32_t) timer_free;
    char ns[48]; /* the script's database namespace, once known (api_data.c) */
    size_t ns_len;
    struct api_cache_keys *cache_keys; /* the keys cache.get has ids for (api_data.c) */
    struct api_sql_texts *sql_texts;   /* the SQL texts database calls have ids for (same) */
    uint32_t web_slots[API_WEB_SLOTS]; /* api_url.c, api_encoding.c: results beside a value */
    unsigned char *web_bytes; /* API_WEB_BYTES owned by the context's scratch ArrayBuffer */
};

/*
 * Create a context for ver in rt and run prelude, top level and init(context) with phase
 * (REGISTER or BIND); on success the context is left in API_PHASE_RUN. RC_OK with an owned
 * context (api_ctx_close()); RC_JS / RC_TIMEOUT with d = "uri:line: message".
 */
WARN_UNUSED int api_ctx_open(struct api_engine *e, struct api_executor *ex, struct js_runtime *rt,
                             const struct api_names *names, struct api_version *ver,
                             enum api_phase phase, struct api_ctx **out, struct diag *d);
void api_ctx_close(struct api_ctx *c);

/* The api_ctx of a JS context (host callbacks), or NULL. */
static inline struct api_ctx *api_ctx_of(JSContextRef ctx)
{
    return js_context_user(ctx);
}

/* Throw new KilnError(code, message, {details: details_json parsed}) from a host function:
 * sets *exception and returns undefined. details_json may be empty. */
JSValueRef api_throw(JSContextRef ctx, JSValueRef *exception, const char *code, struct str message,
                     struct str details_json);

/* ------------------------------------------------------------------ host API modules */

/* A host API: installs its globals into a new context (before the prelude runs). Functions
 * for the prelude go on `native` (the __kiln_native object), public objects on `global`. */
struct api_module {
    const char *name;
    void (*init)(JSContextRef ctx, JSObjectRef global, JSObjectRef native);
    const struct js_fn *fns; /* installed on native; may be NULL */
};

extern const struct api_module *const api_modules[];

extern const struct api_module api_module_routes;
extern const struct api_module api_module_console;
extern const struct api_module api_module_core;
extern const struct api_module api_module_timers;
extern const struct api_module api_module_url;
extern const struct api_module api_module_encoding;
extern const struct api_module api_module_platform;
extern const struct api_module api_module_storage;
extern const struct api_module api_module_data;
extern const struct api_module api_module_realtime;

/* Register or bind a route of kind (api_routes.c): validation of path, NAME_CONFLICT, the
 * register run's collection (opts copied into the version) and the bind run's binding of
 * handler (a function, or for streams and WebSocket routes the spec object of callbacks).
 * Returns the [key, registered, reason] array or throws. */
JSValueRef api_routes_register(JSContextRef ctx, struct str method, struct str path,
                               enum api_route_kind kind, JSValueRef handler,
                               const struct api_rt_opts *opts, JSValueRef *exception);
extern const struct api_module api_module_web;

/*
 * Parse a multipart/form-data body (content_type carries the boundary; lim may be NULL) into a
 * JS array of
 * [name, value, filename | undefined, type] entries (api_web.c): value is a string for a field,
 * a Uint8Array for a file. On a parse failure NULL with *out_rc (RC_INVAL / RC_LIMIT) and d;
 * NULL with *out_rc RC_OK when JSC threw (*exception set).
 */
JSObjectRef api_multipart_entries(JSContextRef ctx, struct str body, struct str content_type,
                                  const struct http_multipart_limits *lim, struct arena *a,
                                  int *out_rc, struct diag *d, JSValueRef *exception);
/* v as an array-like list of at most max elements: true with the list and its length. */
bool api_list_of(JSContextRef ctx, JSValueRef v, size_t max, JSObjectRef *out_list,
                 size_t *out_count);
extern const struct api_module api_module_assets;

/* ------------------------------------------------------------------ transactions */

#define API_TX_MAX_DEPTH  32
#define API_USER_MAX      256
#define API_MAX_URI_BYTES 255 /* api_check_uri: printable ASCII, so never U+001F */

typedef void api_tx_fn(void *arg);

/* Work that belongs to a transaction: run after the outermost commit, dropped on rollback
 * (drop also runs after run, to free arg). */
struct api_tx_op {
    api_tx_fn *run;
    api_tx_fn *drop;
    void *arg;
};

/* The transaction open on one store connection (api_data.c): levels opened by
 * database.transaction() (savepoints inside the outermost), who owns it, its deadline, the
 * work deferred to its commit. */
struct api_tx {
    struct api_inv *owner; /* the invocation that opened the outermost level */
    int depth;
    bool async;          /* held across an await: the executor holds new jobs */
    bool aborted;        /* rolled back by the time limit; the JS side is unwinding */
    bool legacy;         /* opened by database.beginTransaction(): settled when the handler ends */
    int64_t deadline_ms; /* monotonic */
    uv_timer_t *timer;   /* async deadline */
    size_t marks[API_TX_MAX_DEPTH]; /* ops.count when each level began */
    VEC(struct api_tx_op) ops;
};

/* ------------------------------------------------------------------ engine */

struct api_engine {
    struct api_config cfg;
    pthread_mutex_t deploy_mu; /* serialises deploy/remove; guards scripts and deploy_rt */
    struct js_runtime *deploy_rt;
    struct api_names deploy_names;
    struct map *scripts;     /* uri -> struct api_version * (active) */
    pthread_mutex_t snap_mu; /* guards snap (the pointer swap and the ref increment) */
    struct api_snapshot *snap;
    struct api_executor *execs;
    size_t exec_count;
    atomic_size_t next_exec;
    atomic_uint_fast64_t version_seq;
    atomic_uint_fast64_t publish_gen; /* bumped by every publication (executors retire contexts) */
    api_log_sink_fn *log_sink;
    void *log_arg;
    struct api_watch *watch;
    struct db *deploy_db;           /* register runs' connection (lazy); guarded by deploy_mu */
    struct api_tx deploy_tx;        /* the transaction on deploy_db; guarded by deploy_mu */
    struct api_realtime *rt;        /* streams and WebSocket routes (api_realtime.c) */
    struct map *load_errors;        /* uri -> owned "uri:line: message"; guarded by deploy_mu */
    struct api_admin *admin;        /* the admin thread (api_admin.c) */
    struct api_logs *logs;          /* the script log writer (api_logs.c), with a store */
    struct api_asset_cache *assets; /* asset routes' cache (api_assets.c) */
    struct db_sync *sync;           /* group durability (cfg.group_sync), else NULL */
    struct http_gate durable_gate;  /* holds responses until their commits are durable */
};

/* Check a script URI (1-255 printable ASCII, no "..", JavaScript only): RC_OK or RC_INVAL. */
WARN_UNUSED int api_check_uri(struct str uri, struct diag *d);

/* ------------------------------------------------------------------ realtime (api_realtime.c) */

struct api_realtime;
struct api_job;

enum api_job_kind {
    API_JOB_HTTP,
    API_JOB_STREAM_CONNECT, /* onConnect, then the SSE connection */
    API_JOB_WS_OPEN,        /* onOpen, then the upgrade */
    API_JOB_WS_MESSAGE,     /* onMessage (no exchange; heap job) */
    API_JOB_WS_CLOSE,       /* onClose (no exchange; heap job) */
    API_JOB_STREAM_CLOSE,   /* a stream's onClose (no exchange; heap job) */
};

#define API_RT_OWNER_MAX 256

/* The hub object of one stream or WebSocket pattern, for the life of the engine. */
struct api_rt_entry {
    struct api_realtime *rt;
    struct api_engine *e;
    struct api_rt_entry *next;
    enum api_route_kind kind;
    char *pattern;
    size_t pattern_len;
    struct http_sse_stream *ss;   /* streams */
    struct http_ws_route *wr;     /* WebSocket routes */
    bool active;                  /* in the current snapshot (under the registry's lock) */
    bool seen;                    /* sync scratch */
    char owner[API_RT_OWNER_MAX]; /* script URI (under the registry's lock) */
    size_t owner_len;
};

/* The route of snapshot s that serves en now, or NULL (its script is gone). */
const struct api_route *api_realtime_route_of(const struct api_snapshot *s,
                                              const struct api_rt_entry *en);
/* The active entry of kind at path, or NULL. Any thread. */
struct api_rt_entry *api_realtime_entry_active(struct api_realtime *rt, enum api_route_kind kind,
                                               struct str path);
/* Natives' argument helpers: an owned UTF-8 copy of v (NULL with *exception set); a number
 * (0 for NaN or on error); throw INVALID_ARGUMENT. */
char *api_rt_arg_str(JSContextRef ctx, JSValueRef v, size_t *out_len, JSValueRef *exception);
double api_rt_arg_num(JSContextRef ctx, JSValueRef v);
JSValueRef api_rt_invalid(JSContextRef ctx, JSValueRef *exception, const char *msg);
/* A message filter from (json | null, mode 0 subset / 1 overlap / 2 select, literal): true with
 * an owned *out_f (NULL: none), false with an INVALID_FILTER exception set. */
bool api_rt_arg_filter(JSContextRef ctx, const JSValueRef argv[3], struct http_filter **out_f,
                       JSValueRef *exception);
/* Add a flat [key, value, ...] array of strings to c. RC_OK, RC_LIMIT, RC_INVAL (d says). */
int api_rt_read_criteria(JSContextRef ctx, JSObjectRef arr, struct http_criteria *c,
                         struct diag *d);

/* WebSocket sockets of scripts (api_websocket.c). The http_ws callbacks of every WebSocket
 * route (arg: its entry). */
http_ws_open_fn api_ws_on_open;
http_ws_message_fn api_ws_on_message;
http_ws_close_fn api_ws_on_close;
/* A new socket of en (one reference: the connection's), its executor chosen round-robin. */
struct api_ws_sock *api_ws_sock_new(struct api_engine *e, struct api_rt_entry *en);
void api_ws_sock_ref(struct api_ws_sock *s);
/* Drop a reference; the last frees the socket state. NULL is a no-op. Any thread. */
void api_ws_sock_unref(struct api_ws_sock *s);
struct str api_ws_sock_id(const struct api_ws_sock *s);
struct api_rt_entry *api_ws_sock_entry(const struct api_ws_sock *s);
size_t api_ws_sock_exec(const struct api_ws_sock *s);
/* The socket's callback settled: post the next waiting job (executor thread). */
void api_ws_sock_next(struct api_ws_sock *s);
/* The executor stopped: free the jobs waiting in the socket's queue. NULL is a no-op. */
void api_ws_sock_drain(struct api_ws_sock *s);
/* A WebSocketHandle object for JS holding a reference on s. */
JSObjectRef api_ws_handle_new(JSContextRef ctx, struct api_ws_sock *s);
extern const struct api_module api_module_websocket;

struct api_realtime *api_realtime_new(struct api_engine *e);
/* After the executors stopped and the server stopped. NULL is a no-op. */
void api_realtime_free(struct api_realtime *rt);
/* Create the SSE and WebSocket hubs for server s (main thread, after http_server_start).
 * Deploy lock held (a publication follows). */
void api_realtime_attach(struct api_realtime *rt, struct http_server *s);
/* Publication (deploy lock held, before the snapshot is swapped in): give every stream and
 * WebSocket route of s its hub object (created, or reconfigured), and end the connections of
 * patterns no script registers any more. */
void api_realtime_sync(struct api_engine *e, struct api_snapshot *s);
/* Dispatch of a request matched to a stream or WebSocket route (I/O loop thread): connects at
 * once, or posts the job to an executor when onConnect/onOpen must run. Takes the job. */
void api_realtime_dispatch(struct api_engine *e, struct api_job *job);
/* Executor: run the JS of a realtime job (stream connect, WebSocket open/message/close) as
 * inv, whose context is attached. */
void api_realtime_run(struct api_inv *inv, struct api_job *job);
/* The hooks of a job kind's invocations (NULL for HTTP). */
const struct api_inv_hooks *api_realtime_hooks(enum api_job_kind kind);
/* The id a job's invocation logs with when it has no request (the socket id). */
struct str api_realtime_job_id(const struct api_job *job);
/* Executor, before running job: true when it is a WebSocket message or close whose socket's
 * previous callback has not settled yet; the job then waits in the socket's queue and is
 * posted again when that callback settles (one callback per socket at a time, in order). */
bool api_realtime_defer(struct api_job *job);
/* Free a heap job (WebSocket message or close) and its socket reference. */
void api_realtime_job_free(struct api_job *job);
/* A realtime job that will not run: drop its socket reference and free a heap job (its
 * snapshot reference too); an exchange's job keeps its snapshot and exchange for the caller. */
void api_realtime_job_cancel(struct api_job *job);

/*
 * Send one event to the stream registered at path (the pattern): the single C send path of
 * sendStreamMessage*, so a transaction can defer it to its commit (it borrows m and f; the
 * caller keeps its filter reference). *out_local: connections it was sent to (see
 * http_sse_broadcast). RC_OK; RC_NOTFOUND (no stream at path: STREAM_NOT_FOUND); RC_INVAL;
 * RC_LIMIT. Any thread.
 */
WARN_UNUSED int api_realtime_stream_send(struct api_engine *e, struct str path,
                                         const struct http_sse_message *m, struct http_filter *f,
                                         size_t *out_local, struct diag *d);

/* Return the URI of another script (not skip_uri) that registered method+pattern, or an
 * empty slice. Deploy lock held. */
struct str api_engine_route_owner(struct api_engine *e, struct str skip_uri, struct str method,
                                  struct str pattern);

/* Take a reference on the current snapshot (api_snapshot_unref() to drop). Any thread. */
struct api_snapshot *api_engine_snapshot(struct api_engine *e);

/* Write one script log entry through the engine's sink. */
void api_log(struct api_engine *e, const struct api_log_entry *entry);

/* Log a thrown value with its stack to the script log (level error). */
void api_log_exception(struct api_ctx *c, struct str request_id, const char *what,
                       JSValueRef exception);

/* ------------------------------------------------------------------ executors */

struct api_ws_sock;

struct api_job {
    struct net_post post; /* into the executor's inbox */
    struct api_executor *ex;
    struct http_exchange *xch;
    struct api_snapshot *snap; /* reference held until the invocation ends */
    const struct api_route *route;
    struct http_match match;
    enum api_job_kind kind;
    struct api_ws_sock *sock; /* WebSocket jobs: a reference */
    char *msg;                /* WS_MESSAGE data / WS_CLOSE reason (owned) */
    size_t msg_len;
    bool binary;
    int code;                     /* WS_CLOSE */
    struct api_job *next_in_sock; /* waiting behind the socket's running callback */
    bool resumed;                 /* taken from that queue: runs now */
};

struct api_slot {
    struct api_inv *inv;
    uint32_t gen;
};

struct api_executor {
    struct api_engine *e;
    size_t index;
    uv_thread_t thread;
    uv_loop_t loop;
    struct net_inbox inbox; /* jobs and the stop request */
    struct net_post stop;
    /* Executor thread only: */
    bool stopping;
    struct js_runtime *rt;
    struct api_names names;
    JSClassRef request_class;
    JSClassRef sink_class; /* streamed Response bodies (api_response.c) */
    VEC(struct api_ctx *) ctxs;
    struct api_inv *live; /* invocations not yet ended (list through api_inv.next_live) */
    VEC(struct api_slot) slots;
    VEC(uint32_t) free_slots;
    int64_t last_heap_check_ms;
    uint64_t seen_publish_gen;
    struct db *db;              /* this executor's store connection (lazy, api_executor_db) */
    struct api_tx tx;           /* the transaction open on db, if any */
    struct arena *scratch;      /* reset after each use by host calls (api_data.c) */
    VEC(struct api_job *) held; /* jobs waiting for an async transaction to end */
    uv_timer_t resume;          /* runs the held jobs (api_exec_resume_held) */
    bool resume_on;
    bool started;
};

WARN_UNUSED int api_exec_start(struct api_engine *e, struct api_executor *ex, size_t index,
                               struct diag *d);
/* Hand a job to ex (any thread): one CAS, and a wake-up when ex's inbox was empty (batched per
 * loop iteration on I/O threads). A stopped executor answers 503 at once. */
void api_exec_post(struct api_executor *ex, struct api_job *job);
void api_exec_stop(struct api_executor *ex);

/*
 * The store connection of executor ex, opened on first use on cfg.db_path (every executor has
 * its own struct db: SQLite WAL readers run in parallel, writers queue on the file lock).
 * Thread contract: ex's own thread only (host callbacks of contexts on ex); the connection is
 * closed by the executor thread when it stops. Returns NULL with d set (RC_NOTFOUND when the
 * engine has no store, else the db_open error; the next call tries again).
 */
struct db *api_executor_db(struct api_executor *ex, struct diag *d);

/*
 * Group durability (api_store.c). api_durable_note: the current invocation of c uses the store,
 * so what it answers or sends may reveal commits that are not durable yet: a plain HTTP
 * response is gated (held until they are, without blocking the executor), anything else waits
 * in api_durable_wait_inv (its end, a streamed body, a stream or WebSocket message).
 * No-ops without group durability or when the invocation did not use the store.
 */
void api_durable_note(struct api_ctx *c);
void api_durable_wait_inv(struct api_inv *inv);
/* Start/stop the syncer and the gate (engine start/stop). */
WARN_UNUSED int api_durable_start(struct api_engine *e, struct diag *d);
void api_durable_stop(struct api_engine *e);

/* Open a new connection on the engine's store with its options (cfg.db_opts). RC_OK with an
 * owned *out_db; RC_NOTFOUND when the engine has no store; else db_open's error. The caller's
 * thread owns it (db.h thread contract). */
WARN_UNUSED int api_engine_db_open(struct api_engine *e, struct db **out_db, struct diag *d);

/*
 * The store connection for a host callback of context c: its executor's connection, or, for a
 * register run (c->ex == NULL: deploy, on the deploying thread with deploy_mu held), the
 * engine's deploy connection. So storage calls work the same in init() of a register run as in
 * handlers; register runs are serialised by deploy_mu, and so are their writes. NULL with d
 * set as api_executor_db.
 */
struct db *api_ctx_db(struct api_ctx *c, struct diag *d);

/* api_ctx_db() for a host callback's JS context; on failure throws a KilnError
 * (STORE_UNAVAILABLE) into *exception and returns NULL. */
struct db *api_db_of(JSContextRef ctx, JSValueRef *exception);

/* api_db_of() when the caller already holds ctx's api_ctx c (NULL allowed). */
struct db *api_db_of_ctx(JSContextRef ctx, struct api_ctx *c, JSValueRef *exception);

/* Throw the KilnError for a store call that failed with rc (RC_INVAL: INVALID_ARGUMENT,
 * RC_LIMIT: STORAGE_LIMIT, RC_TIMEOUT: STORE_BUSY, else STORE_ERROR) with d's message;
 * returns undefined. */
JSValueRef api_throw_db(JSContextRef ctx, JSValueRef *exception, int rc, const struct diag *d);

/* ------------------------------------------------------------------ invocations */

enum api_req_field {
    API_REQ_METHOD,
    API_REQ_URL,
    API_REQ_HOST,
    API_REQ_PATH,
    API_REQ_RAW_PATH,
    API_REQ_QUERY,
    API_REQ_PARAMS,
    API_REQ_HEADERS,
    API_REQ_COOKIES,
    API_REQ_IP,
    API_REQ_BODY,
    API_REQ_BYTES,
    API_REQ_JSON,
    API_REQ_TEXT,
    API_REQ_FORM,
    API_REQ_FORM_ENTRIES,
    API_REQ_FILES,
    API_REQ_CONTENT_TYPE,
    API_REQ_AUTH,
    API_REQ_FIELD_COUNT
};

/*
 * One HTTP invocation on an executor (heap). It responds once (the HTTP part: exchange,
 * request, arena, request object; all NULL once `done`), and ends when it has responded, its
 * timers have run or been cleared, and no C frame runs its JS (`busy`), or at its deadline,
 * when what is still pending is cancelled. Executor thread only.
 */
/* How an invocation that is not a plain HTTP handler ends (api_realtime.c): its handler's
 * settled value, a thrown value, or an engine error (time limit, memory, shutdown). */
struct api_inv_hooks {
    void (*on_value)(struct api_inv *inv, JSValueRef v);
    void (*on_exception)(struct api_inv *inv, JSValueRef exception); /* NULL: HTTP error */
    void (*on_error)(struct api_inv *inv, int status, const char *code, const char *message);
};

struct api_inv {
    struct api_executor *ex;
    const struct api_inv_hooks *hooks; /* NULL: an HTTP handler */
    struct api_ctx *c;                 /* NULL when no context could be created */
    struct api_inv *prev_live;
    struct api_inv *next_live;
    struct http_exchange *xch;
    const struct http_request *req;
    struct arena *arena; /* the exchange's: gone once done */
    struct api_job *job;
    JSObjectRef request_obj; /* see request_held */
    /* request_obj is protected (until it responds): from the start for realtime callbacks, and
     * once it outlives the call that made it (start_pending). While that call runs, the
     * executor's stack holds it (JSC scans it), so a synchronous handler costs no protect. */
    bool request_held;
    JSValueRef cache[API_REQ_FIELD_COUNT]; /* protected when set */
    uint32_t slot;                         /* when pending */
    bool pending;                          /* parked in the slot table awaiting its promise */
    bool done;                             /* responded */
    bool live;                             /* linked in ex->live, counted in c->pending */
    bool init_run;                         /* a register or bind run (no exchange) */
    bool db_used;                          /* it used the store (api_durable_note) */
    bool gated;                            /* its response waits at the gate (plain HTTP) */
    int init_rc;                           /* init run: RC_TIMEOUT once it must fail */
    uv_loop_t *loop;                       /* its timers' loop: ex->loop, or the init run's own */
    unsigned busy;                         /* C frames running its JS: it cannot end */
    int64_t deadline_ms;                   /* epoch ms */
    uv_timer_t *timer;                     /* wall-clock deadline once it outlives a call */
    struct api_timer *timers;              /* pending timers (api_timers.c) */
    size_t timer_count;
    /* Of those, timers that do not keep it alive (AbortSignal.timeout): cancelled when it ends. */
    size_t weak_timer_count;
    /* Streamed bodies still open (api_response.c): they keep the invocation alive. */
    struct api_sink *sinks;
    size_t sink_count;
    struct str request_id; /* in rid */
    char rid[API_REQUEST_ID_MAX];
};

/* The request class of an executor (lazy getters over struct api_inv). */
JSClassRef api_request_class_new(void);

/* N.requestQuery(request): request.query computed in C (the prelude's accessor uses it for
 * requests that have no raw query string stored by K.invoke). */
JSValueRef api_request_query(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                             const JSValueRef argv[], JSValueRef *exception);
/* N.requestQuerySet(request, object): the query object the prelude made for it, kept as C's
 * (an async handler reads request.query through C after its first await). */
JSValueRef api_request_query_set(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                                 const JSValueRef argv[], JSValueRef *exception);
/* Release the cached values and detach the request object from inv (before responding). */
void api_request_release(struct api_inv *inv);

/* The class of the sink objects through which the prelude streams a ReadableStream body. */
JSClassRef api_sink_class_new(void);
/* Abort every streamed body of inv still open (the client sees a truncated body) and detach
 * them from inv. Returns how many were open. */
size_t api_sinks_abort(struct api_inv *inv);

/* Convert a handler's result into the HTTP response and send it. */
void api_respond_value(struct api_inv *inv, JSValueRef v);
/* Install respondFast (api_respond_fast as a fast function) on the prelude's native object. */
void api_respond_install_fast(JSContextRef ctx, JSObjectRef native);
/* The prelude's respond(status, headersJoined, body) fast path (api_response.c). */
JSValueRef api_respond_fast(JSContextRef ctx, JSObjectRef this_obj, size_t argc,
                            const JSValueRef argv[], JSValueRef *exception);
/* Map a thrown value to the error response (spec 00-overview §6.2), log it, send it. */
void api_respond_exception(struct api_inv *inv, JSValueRef exception);
/* End the HTTP part of inv: release its request values, free its slot, drop its snapshot
 * reference. Call right before handing the exchange back (idempotent). inv itself ends (and
 * is freed) too unless timers or a running call keep it: do not touch it afterwards. */
void api_inv_end(struct api_inv *inv);

/* Make inv the invocation whose JS runs in its context (console's request id, owner of new
 * timers) and keep it alive until api_inv_leave(). Returns the previous current invocation. */
struct api_inv *api_inv_enter(struct api_inv *inv);
/* Undo api_inv_enter(); inv may end (be freed) here. */
void api_inv_leave(struct api_inv *inv, struct api_inv *prev);

/* Call fn(argv) as inv's JS (inv current): a thrown value, a time-limit stop, a Promise (inv
 * then waits for it), the heap check and the value end in api_respond_*. Executor thread. */
void api_exec_call(struct api_inv *inv, JSObjectRef fn, size_t argc, const JSValueRef *argv);

/* Start inv's wall-clock deadline timer if it is not running (inv outlives the current call). */
void api_inv_watch_deadline(struct api_inv *inv);

/* The loop inv's timers run on; an init run creates its own on first use. */
uv_loop_t *api_inv_loop(struct api_inv *inv);

/* The invocation of a register or bind run of c (current while top level and init run): its
 * timers run on a private loop, driven by api_inv_init_wait(), so init never re-enters the
 * executor's loop. Returns an owned invocation; free with api_inv_init_free(). */
struct api_inv *api_inv_init_new(struct api_ctx *c, int64_t timeout_ms);
/* Run the init run's timers until none is pending, one stops on the time limit, or the run's
 * deadline cancels them. RC_OK, or RC_TIMEOUT with d set. */
WARN_UNUSED int api_inv_init_wait(struct api_inv *inv, struct diag *d);
/* Cancel what is left, close the private loop, free inv. NULL is a no-op. */
void api_inv_init_free(struct api_inv *inv);

/* After JS of ex ran from a loop callback: a time-limit stop discards ctx (504 for what is
 * pending in it, timers cancelled); then dead contexts nothing uses are closed. */
void api_exec_after_call(struct api_executor *ex, struct api_ctx *c, int rc);

/* Cancel every pending timer of inv (no callback runs; values unprotected, handles closed).
 * Returns how many were pending. */
size_t api_timers_cancel(struct api_inv *inv);
/* Log "N timers cancelled <why>" at level warn with inv's request id (script log). */
void api_timers_log_cancel(struct api_inv *inv, size_t n, const char *why);
/* Free the timer id table of c (every timer of c is gone by then). */
void api_timers_fini(struct api_ctx *c);

/* Stop the folder watcher (api_watch.c); no-op without one. */
void api_watch_stop(struct api_engine *e);

/* ------------------------------------------------------------------ data (api_data.c) */

/* The transaction state of c's store connection (its executor's, or the deploy one). */
struct api_tx *api_ctx_tx(struct api_ctx *c);

/*
 * Defer run(arg) to the commit of the transaction the current invocation of c has open (drop
 * on rollback; drop always runs last to free arg). Returns false when none is open: the caller
 * does the work now. Stream messages and events sent inside a transaction use it.
 */
bool api_tx_defer(struct api_ctx *c, api_tx_fn *run, api_tx_fn *drop, void *arg);

/* inv responds (its handler returned, ok, or threw): a transaction it opened with the legacy
 * database.beginTransaction() and left open is committed (ok) or rolled back. Returns false
 * when that commit failed (everything was rolled back). No-op otherwise. */
bool api_tx_inv_settle(struct api_inv *inv, bool ok);

/* inv is ending: roll back a transaction it left open on ex (and release held jobs). */
void api_tx_inv_end(struct api_executor *ex, struct api_inv *inv);

/* True while an async transaction holds ex: new jobs wait in the queue. */
bool api_tx_holds_jobs(struct api_executor *ex);

/* Run the jobs ex held for an async transaction (from the loop, soon). Executor thread. */
void api_exec_resume_held(struct api_executor *ex);

/* The process-wide cache (created on first use with the configured budget). */
struct db_cache *api_data_cache(void);
struct db_cache_options;
/* Set the cache budget before first use (api_engine_start). */
void api_data_cache_configure(const struct db_cache_options *opts);
/* Free the cache (api_engine_stop; tests). */
void api_data_cache_reset(void);
/* Free what api_data.c keeps in c (api_ctx_close). */
void api_data_ctx_fini(struct api_ctx *c);

/* The user of c's current invocation for personalStorage (spec/50-data.md §1): the
 * X-Kiln-Test-User header when cfg.test_user_header is on, "admin" for a request carrying the
 * admin token as a bearer token, else empty (anonymous; also once the invocation responded).
 * Copied into buf. */
struct str api_ctx_user(struct api_ctx *c, char *buf, size_t cap);

/* Whether req carries the admin token (Authorization: Bearer <token>; api_admin.c). */
bool api_admin_token_ok(struct api_engine *e, const struct http_request *req);

/* Send a Kiln error response. */
void api_respond_error(struct api_inv *inv, int status, const char *code, const char *message);
