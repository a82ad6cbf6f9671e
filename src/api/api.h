/* SPDX-License-Identifier: MIT */
/*
 * The script engine: scripts (URI + source + version) deployed with a register run, K JS
 * executor threads that each own a JSC context group and one context per active script
 * version (created lazily with a bind run), the HTTP dispatch function that matches a route in
 * an immutable snapshot and hands the exchange to an executor, and a folder loader/watcher.
 * Host JS APIs are tables (struct api_module); adding one is a file plus a line in
 * api_modules.c (docs/internals/HOWTO-add-host-api.md).
 *
 * Thread contract: api_engine_start/stop on the main thread; deploy/remove/watch_dir from any
 * thread (serialised inside); api_engine_dispatch on any I/O loop thread, concurrently.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/defs.h"
#include "base/log.h"
#include "base/str.h"
#include "db/db.h"
#include "http/http.h"

struct diag;
struct api_engine;

struct api_config {
    size_t js_threads;       /* executors; 0: 1 */
    int64_t exec_timeout_ms; /* per invocation (JS time and wall clock); 0: 5000 */
    int64_t init_timeout_ms; /* register and bind runs; 0: 30000 */
    size_t heap_limit_bytes; /* per executor; 0: 512 MiB */
    bool dev;                /* dev mode: error details in responses, debug script logs */
    const char *server_header;
    /* The store file ("<data dir>/kiln.db"), already migrated by the caller (db_open). Every
     * executor opens its own connection on it lazily; NULL: no store (storage calls throw
     * STORE_UNAVAILABLE). Borrowed: must outlive the engine. */
    const char *db_path;
    struct db_options db_opts; /* for every connection the engine opens (zero: defaults) */
    /* Group durability (docs/internals/api.md): the executors' connections commit without
     * waiting for the disk; one syncer thread fdatasync()s for all of them, and a response that
     * may reveal a commit (its handler used the store) is sent once that commit is durable.
     * false: each commit is as db_opts says (synchronous=FULL unless no_fsync). */
    bool group_sync;
    bool batch_sched; /* the syncer thread SCHED_BATCH (defs_thread_batch) */
    /* Lower-case hex SHA-256 of the admin token (64 digits): /engine/api/ accepts
     * "Authorization: Bearer <token>" whose hash matches. NULL: the API always answers 401. */
    const char *admin_token_hash;
    bool admin_remote;      /* accept the admin token from other than loopback peers */
    size_t backups_keep;    /* POST /engine/api/backup keeps this many copies (0: all) */
    const char *version;    /* reported by /engine/status */
    size_t asset_max_bytes; /* per asset; 0: 10 MiB */
    /* cache (spec/50-data.md §2): per-script budget; 0: 64 MiB and 10,000 entries */
    size_t cache_ns_max_bytes;
    size_t cache_ns_max_entries;
    /* personalStorage's user until auth lands: "admin" for requests carrying the admin token
     * (admin_token_hash), and the X-Kiln-Test-User header when test_user_header is on. */
    bool test_user_header;
    /* multipart/form-data request bodies (context.request.form/files/formData()); zero fields:
     * the defaults of http.h (100 parts, 16 KiB of headers and 10 MiB per part, 10 MiB). */
    struct http_multipart_limits multipart;
};

/* Start the executors. RC_OK with an owned engine (stop with api_engine_stop()), or RC_IO
 * when a thread cannot be started. Main thread. */
WARN_UNUSED int api_engine_start(const struct api_config *cfg, struct api_engine **out,
                                 struct diag *d);

/*
 * Deploy a new version of the script uri: bundle-free register run in a fresh context (prelude,
 * top level, init(context) with phase "register"), then swap in its registrations atomically.
 * RC_OK; RC_INVAL (bad URI, source too large, unsupported language); RC_JS or RC_TIMEOUT with
 * d = "uri:line: message" (the previous version keeps serving, the error is logged); RC_LIMIT.
 * Borrows uri and source for the duration of the call. Any thread.
 */
WARN_UNUSED int api_engine_deploy(struct api_engine *e, struct str uri, struct str source,
                                  struct diag *d);

/* Give the engine its HTTP server once it started, for event streams and WebSocket routes
 * (their hubs live on the server's I/O loops). Main thread, after http_server_start(); stop the
 * server before api_engine_stop(). */
void api_engine_attach_server(struct api_engine *e, struct http_server *s);

/* Remove the script uri and all its registrations (no-op when unknown). Any thread. */
void api_engine_remove(struct api_engine *e, struct str uri);

/* The http_dispatch_fn of the server; arg is the engine. Matches the route and hands the
 * exchange to an executor, or answers 404/405 at once. I/O loop thread. */
http_dispatch_fn api_engine_dispatch;

/* The http_body_limit_fn of the server; arg is the engine: the bodyLimit option of the route a
 * request with this head would reach, or -1. Any I/O thread. */
http_body_limit_fn api_engine_body_limit;

/*
 * Load every *.js file under dir (recursively, outside folders named *.assets) as a script
 * whose URI is its path relative to dir, in byte order of URIs, then watch the folder: a
 * saved, added or deleted file is redeployed or removed (polling, debounced). A script that
 * fails to load is logged and skipped. RC_OK, or RC_IO when dir cannot be read. Main thread.
 */
WARN_UNUSED int api_engine_watch_dir(struct api_engine *e, const char *dir, struct diag *d);

/* Stop the watcher, fail queued and pending invocations (503), join the executors and free
 * everything. NULL is a no-op. Main thread, after the HTTP server stopped. */
void api_engine_stop(struct api_engine *e);

/* Deploy the scripts kept in the store (start-up; skip_folder: leave the ones synced from the
 * scripts folder to api_engine_watch_dir). Main thread, before serving. */
void api_engine_load_store(struct api_engine *e, bool skip_folder);

/* Number of routes currently published (tests, status). Any thread. */
size_t api_engine_route_count(struct api_engine *e);

/* ------------------------------------------------------------------ script log sink */

/* One console.* (or engine-written) script log entry. Slices are borrowed for the call. */
struct api_log_entry {
    enum log_level level;
    int64_t ts_ms;         /* epoch ms */
    struct str script;     /* URI */
    struct str request_id; /* empty outside an invocation */
    struct str message;
    const struct str *field_keys; /* structured fields, values already redacted */
    const struct str *field_values;
    size_t field_count;
};

typedef void api_log_sink_fn(void *arg, const struct api_log_entry *entry);

/* Route script log entries to sink (the store, later); NULL restores the default, which
 * writes logfmt lines through base/log.h. Call before deploying. */
void api_engine_set_log_sink(struct api_engine *e, api_log_sink_fn *sink, void *arg);

/* The default sink: one logfmt line "ts level mod=script script request_id msg fields...". */
void api_log_sink_logfmt(void *arg, const struct api_log_entry *entry);
