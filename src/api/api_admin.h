/* SPDX-License-Identifier: MIT */
/*
 * Private to src/api: Kiln's own HTTP endpoints (spec/80-engine-http.md) — /health,
 * /engine/status, the administration API under /engine/api/ (scripts, assets, logs), the
 * welcome page — the script log store with its live tail, the asset cache behind asset routes,
 * and the scripts kept in the store.
 *
 * Threads: the I/O loops hand every /engine/ request to ONE admin thread (struct api_admin),
 * which owns its own store connection and runs the requests one after another. So concurrent
 * upserts of the same script are serialised by construction, deploys (which may run init()
 * for up to the init time limit) never block an I/O loop, and store writes never run on one.
 * Script log entries are queued by any thread and written in batches (one transaction each)
 * by the log writer thread, which also feeds the live tails (SSE).
 */
#pragma once

#include "api/api_internal.h"
#include "base/buf.h"
#include "base/json.h"

#define API_ADMIN_LIST_DEFAULT    100
#define API_ADMIN_LIST_MAX        1000
#define API_ADMIN_JSON_MAX_BYTES  ((size_t)8 * 1024 * 1024) /* JSON bodies of the API */
#define API_ASSET_CACHE_MAX_BYTES ((size_t)64 * 1024 * 1024)
#define API_LOG_TAIL_MAX          100 /* concurrent live log tails */

/* One admin request being served on the admin thread. */
struct api_admin_req {
    struct api_engine *e;
    struct http_exchange *xch;
    const struct http_request *req;
    struct arena *arena; /* the exchange's */
    struct db *db;       /* the admin thread's connection */
    struct http_match match;
};

typedef void api_admin_handler_fn(struct api_admin_req *r);

/* Start / stop the admin thread and the log writer (api_engine_start/stop). */
WARN_UNUSED int api_admin_start(struct api_engine *e, struct diag *d);
void api_admin_stop(struct api_engine *e);

/* Take xch when it is Kiln's own (/health, /engine/...): true when taken. I/O loop thread. */
bool api_admin_dispatch(struct api_engine *e, struct http_exchange *xch);

/* Answer "/" with the welcome page (no script registered "/"). I/O loop thread. */
void api_admin_welcome(struct http_exchange *xch);

/* ------------------------------------------------------------------ response helpers */

void api_admin_json(struct api_admin_req *r, int status, struct buf *body);
void api_admin_error(struct api_admin_req *r, int status, const char *code, const char *fmt, ...)
    PRINTF_FMT(4, 5);
/* The error for a failed store call (404 NOT_FOUND, 413, 409, 503 STORE_BUSY, 500). */
void api_admin_db_error(struct api_admin_req *r, int rc, const struct diag *d);
/* Query parameter name (decoded, in the arena), or false. */
bool api_admin_query(struct api_admin_req *r, const char *name, struct str *out);
/* The list limit (?limit=, default 100, 1..1000); false after answering 400. */
bool api_admin_limit(struct api_admin_req *r, size_t *out_limit);
/* Parse the body as a JSON object; false after answering 400 INVALID_JSON. */
bool api_admin_body_json(struct api_admin_req *r, struct json_value **out);
/* Append an audit entry for a change made with the admin token (actor "admin"); detail is JSON
 * text or empty. A failure is logged, never answered. */
void api_admin_audit(struct api_admin_req *r, const char *action, struct str target,
                     struct str detail);
/* Start a list answer {"items": [ into b (at most max_bytes) through w. */
void api_admin_list_begin(struct json_writer *w, struct buf *b, size_t max_bytes);
/* End it with ], "nextCursor": next_cursor (null when 0) } and send it (200). */
void api_admin_list_end(struct api_admin_req *r, struct json_writer *w, struct buf *b,
                        int64_t next_cursor);
/* Audit an asset change: detail {"path": path} plus "sha256" when sha256 is not NULL. */
void api_admin_audit_asset(struct api_admin_req *r, const char *action, struct str script,
                           struct str path, const char *sha256);
/* ISO 8601 UTC text of epoch ms, written as a JSON string. */
void api_admin_write_time(struct json_writer *w, int64_t ms);

/* Whether ip (a peer address as text: "127.0.0.1", "::1", "::ffff:127.0.0.2") is loopback. */
bool api_is_loopback(struct str ip);

/* ------------------------------------------------------------------ handlers */

void api_admin_scripts_list(struct api_admin_req *r);
/* api_admin_data.c: namespace grants and namespaces of scripts. */
void api_admin_db_grant(struct api_admin_req *r);
void api_admin_db_revoke(struct api_admin_req *r);
void api_admin_db_namespace(struct api_admin_req *r);
void api_admin_script_get(struct api_admin_req *r);
void api_admin_script_source(struct api_admin_req *r);
void api_admin_script_put(struct api_admin_req *r);
void api_admin_script_delete(struct api_admin_req *r);
void api_admin_script_versions(struct api_admin_req *r);
void api_admin_assets_list(struct api_admin_req *r);
void api_admin_asset_get(struct api_admin_req *r);
void api_admin_asset_put(struct api_admin_req *r);
void api_admin_asset_delete(struct api_admin_req *r);
void api_admin_logs_query(struct api_admin_req *r);
void api_admin_logs_stream(struct api_admin_req *r);
void api_admin_routes(struct api_admin_req *r);

/* ------------------------------------------------------------------ scripts in the store */

/* Deploy every script of the store (newest version; when it fails, the newest older version
 * that loads), except, when skip_folder, those synced from the scripts folder (the folder
 * sync deploys them). Main thread, at start-up. */
void api_scripts_load_store(struct api_engine *e, bool skip_folder);

/* Folder sync (api_watch.c): the file uri was deployed from the folder with source; store it
 * as a from-folder script when its content changed. Watcher thread (db: its connection). */
void api_scripts_folder_put(struct api_engine *e, struct db *db, struct str uri, struct str src);
/* The folder file uri is gone: delete its script from the store. */
void api_scripts_folder_delete(struct api_engine *e, struct db *db, struct str uri);
/* After the first scan: delete from-folder scripts of the store whose file is not in the
 * folder any more (seen(uri) false) and remove them from the engine. */
void api_scripts_folder_prune(struct api_engine *e, struct db *db, bool (*seen)(void *, struct str),
                              void *arg);

/* The last load error of uri ("uri:line: message"), copied into a; empty when it loaded. */
struct str api_engine_load_error(struct api_engine *e, struct str uri, struct arena *a);
/* Whether uri has an active (deployed) version. */
bool api_engine_is_active(struct api_engine *e, struct str uri);

/* ------------------------------------------------------------------ script logs */

/* The engine's sink when it has a store: stderr (logfmt) + the store + live tails. */
void api_logs_sink(void *arg, const struct api_log_entry *entry);
/* Wait until every entry queued before the call is written (queries read their own logs). */
void api_logs_flush(struct api_engine *e);
WARN_UNUSED int api_logs_start(struct api_engine *e, struct diag *d);
void api_logs_stop(struct api_engine *e);

/* Parse a time filter: ISO 8601 UTC ("2026-01-05T09:00:00Z", optional .sss) or epoch ms digits
 * (at most 16). Untrusted input; false when malformed. */
bool api_parse_time_ms(struct str s, int64_t *out_ms);

/* ------------------------------------------------------------------ assets */

/* Serve the asset route r (straight from C: the cache, or on a miss a store read on the admin
 * thread). Takes the snapshot reference snap (which keeps r alive). I/O loop thread. */
void api_assets_serve(struct api_engine *e, struct http_exchange *xch, const struct api_route *r,
                      struct api_snapshot *snap);
/* Queue an asset route cache miss (script, path: in the exchange's arena) to the admin
 * thread. Any thread. */
void api_admin_post_asset(struct api_engine *e, struct http_exchange *xch, struct str script,
                          struct str path, struct str cache_control);
/* Forget the cached asset script/path (after a write or delete). Any thread. */
void api_assets_invalidate(struct api_engine *e, struct str script, struct str path);
void api_assets_cache_free(struct api_engine *e);
/* Whether p is an asset path scripts and the admin API may use: 1-255 bytes, relative, without
 * "..", '\\' or NUL bytes. API_ASSET_PATH_RULE is the message for a path that is not. */
bool api_asset_path_ok(struct str p);
#define API_ASSET_PATH_RULE "1-255 bytes, relative, without \"..\" or \"\\\""
/* Admin thread: load the asset from the store, cache it and answer r. */
void api_assets_serve_miss(struct api_admin_req *r, struct str script, struct str path,
                           struct str cache_control);

enum api_range {
    API_RANGE_OK,            /* *from..*to (inclusive) */
    API_RANGE_IGNORE,        /* absent, malformed or several ranges: send the whole body */
    API_RANGE_UNSATISFIABLE, /* 416 */
};
/* Parse one Range header ("bytes=a-b", "bytes=a-", "bytes=-n") against a body of size bytes.
 * Untrusted input: at most 200 bytes are looked at, numbers of at most 18 digits. */
enum api_range api_range_parse(struct str header, size_t size, size_t *out_from, size_t *out_to);
/* The MIME type for a file name (by extension; application/octet-stream otherwise). */
struct str api_mime_type(struct str name);
