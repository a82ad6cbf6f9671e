/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.1 for Kiln: the request model, the exchange (one request and its response, which may
 * be completed from any thread), the router, and the server (libuv I/O loops + llhttp).
 *
 * Life of a request: an I/O loop parses a request into an exchange whose arena holds every
 * byte of it, then calls the server's dispatch function on that loop thread. The dispatcher
 * (api/) either answers at once or hands the exchange to another thread (a JS executor), which
 * later calls http_exchange_respond(); the response is serialised on the calling thread and
 * written by the loop that owns the connection. If the client goes away meanwhile, the exchange
 * stays valid until it is responded to (the bytes are then dropped).
 *
 * Thread contract: per function below. "loop thread" = the I/O loop owning the connection.
 * THIS HEADER IS THE CONTRACT between http/ and api/: extend it, do not break it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/defs.h"
#include "base/str.h"

struct arena;
struct diag;

/* ------------------------------------------------------------------ request model */

struct http_header {
    struct str name;  /* requests: lower-cased; responses: as given */
    struct str value; /* leading/trailing whitespace removed */
};

/* A parsed request. All slices point into the exchange's arena; read-only for dispatchers. */
struct http_request {
    struct str method;       /* upper-case, e.g. "GET" */
    struct str target;       /* request-target as received */
    struct str raw_path;     /* target up to '?' or '#', not decoded */
    struct str query;        /* after '?', without it; empty if none */
    const struct http_header *headers;
    size_t header_count;
    struct str body;         /* whole body (de-chunked); empty if none */
    uint8_t version_minor;   /* 0 or 1 (HTTP/1.x) */
    bool keep_alive;
    struct str client_ip;    /* peer address as text */
    struct str request_id;   /* "req_" + 26 base32 characters, generated per request */
    int64_t start_ns;        /* clk_mono_ns() when the request line started */
};

/* Return the value of the first header named name (case-insensitive), or false. */
bool http_request_header(const struct http_request *req, struct str name, struct str *out_value);

/* ------------------------------------------------------------------ exchange */

struct http_exchange;

/* The request of ex. Borrowed; valid until the exchange is responded to. Any thread that
 * currently owns ex. */
const struct http_request *http_exchange_request(const struct http_exchange *ex);

/* The invocation arena of ex: freed after the response is written. Use it only on the thread
 * that currently owns ex. */
struct arena *http_exchange_arena(struct http_exchange *ex);

/* True when the client has disconnected (a hint: the response will be dropped). Any thread. */
bool http_exchange_is_aborted(const struct http_exchange *ex);

/*
 * Send a complete response and give up ex (it must not be used afterwards). Any thread.
 * headers are copied; Content-Length, Date, Server, X-Request-Id and Connection are added by
 * Kiln (script values of Content-Length / Transfer-Encoding / Connection are ignored). For
 * HEAD requests and 1xx/204/304 statuses no body is sent. body is copied unless the caller
 * transfers it with http_exchange_respond_owned().
 */
void http_exchange_respond(struct http_exchange *ex, int status, const struct http_header *headers,
                           size_t header_count, struct str body);

/* Same, taking ownership of body_owned (allocated with mem_alloc, freed with mem_free), so
 * large bodies are not copied. */
void http_exchange_respond_owned(struct http_exchange *ex, int status,
                                 const struct http_header *headers, size_t header_count,
                                 char *body_owned, size_t body_len);

/*
 * Send Kiln's standard JSON error, {"error":{"code","message","details","requestId"}}, with
 * status. details_json is raw JSON text or an empty slice (written as null). Any thread.
 */
void http_exchange_respond_error(struct http_exchange *ex, int status, const char *code,
                                 struct str message, struct str details_json,
                                 const struct http_header *extra_headers, size_t extra_count);

/* ------------------------------------------------------------------ router */

/* A compiled route table: path patterns of spec/10-http.md §1.1 with methods, matched per
 * §1.2. Build it on one thread, then share it read-only (matching does not modify it). */
struct http_router;

#define HTTP_ROUTE_PARAMS_MAX 32

struct http_param {
    struct str name;  /* ":id" gives "id"; a trailing wildcard gives "*" */
    struct str value; /* percent-decoded for :name, undecoded for "*" */
};

enum http_match_kind {
    HTTP_MATCH_FOUND,       /* target set */
    HTTP_MATCH_NOT_FOUND,   /* 404 */
    HTTP_MATCH_NO_METHOD,   /* 405: allow lists the methods ("GET, HEAD, OPTIONS") */
};

struct http_match {
    enum http_match_kind kind;
    void *target;                 /* what http_router_add got */
    struct str pattern;           /* the matched pattern */
    struct str method;            /* the registered method ("*" for any) */
    bool head_via_get;            /* HEAD matched a GET registration */
    struct http_param params[HTTP_ROUTE_PARAMS_MAX];
    size_t param_count;
    struct str allow;             /* for HTTP_MATCH_NO_METHOD (and OPTIONS answers) */
};

/* Return an owned empty router; free with http_router_free(). */
struct http_router *http_router_new(void);
void http_router_free(struct http_router *r);

/*
 * Add pattern for method ("GET", ..., or "*"), upper-cased by the caller. The router copies
 * pattern and method; target is borrowed. RC_OK; RC_INVAL (bad pattern: d says why);
 * RC_CONFLICT (same method and pattern already present: d names it).
 */
WARN_UNUSED int http_router_add(struct http_router *r, struct str method, struct str pattern,
                                void *target, struct diag *d);

/* Match a request. Decoded parameter values are allocated in a. Never fails: the result kind
 * says 404/405. raw_path is the undecoded path. */
void http_router_match(const struct http_router *r, struct str method, struct str raw_path,
                       struct arena *a, struct http_match *out_match);

/* Validate a pattern without adding it: RC_OK or RC_INVAL with the reason in d. */
WARN_UNUSED int http_router_check_pattern(struct str pattern, struct diag *d);

/* ------------------------------------------------------------------ server */

typedef void http_dispatch_fn(struct http_exchange *ex, void *arg);

/* A zero limit given to http_server_start() means its default. */
struct http_limits {
    size_t max_header_bytes;      /* request line + headers; default 64 KiB -> 431 */
    size_t max_headers;           /* default 100 -> 431 */
    size_t max_body_bytes;        /* default 10 MiB -> 413 before reading the body */
    int64_t header_timeout_ms;    /* all headers within; default 10 s */
    int64_t idle_timeout_ms;      /* keep-alive idle; default 60 s */
    size_t max_connections;       /* per instance; default 10,000 -> 503 */
};

/* Fill l with the defaults above. */
void http_limits_default(struct http_limits *l);

struct http_server_config {
    const char *listen_host;      /* "127.0.0.1", "0.0.0.0", "::" */
    int listen_port;              /* 0: pick a free port */
    size_t io_threads;            /* >= 1 */
    struct http_limits limits;
    http_dispatch_fn *dispatch;   /* called on the loop thread for every complete request */
    void *dispatch_arg;
    const char *server_header;    /* "kiln/0.1.0" */
};

struct http_server;

/* Bind the listeners (SO_REUSEPORT, one per I/O thread) and start the I/O threads. Returns
 * RC_OK with an owned server, or RC_IO (d says why: address in use, ...). Main thread.
 * SIGPIPE is set to be ignored if it still has its default action. */
WARN_UNUSED int http_server_start(const struct http_server_config *cfg,
                                  struct http_server **out_server, struct diag *d);

/* The port actually bound (useful with listen_port 0). */
int http_server_port(const struct http_server *s);

/* Stop accepting, let in-flight exchanges finish (up to drain_ms), close connections, join the
 * threads and free the server. NULL is a no-op. Main thread. */
void http_server_stop(struct http_server *s, int64_t drain_ms);

/* Map an RC_* to an HTTP status (STYLE.md B.5 rule 6). */
int http_status_from_rc(int rc);

/* The reason phrase of a status ("Not Found"), or "Unknown". */
const char *http_status_reason(int status);

/* ------------------------------------------------------------------ filter rule (realtime) */

/*
 * The filter rule of spec/20-realtime.md §3 (docs/internals/realtime.md): connection criteria
 * C (key -> value, fixed at connect) and message filters M (key -> pattern) with the modes
 * subset, overlap and select. Pure data; no I/O.
 */

#define HTTP_CRITERIA_MAX_KEYS       32   /* per connection -> RC_LIMIT */
#define HTTP_CRITERIA_MAX_KEY_BYTES  128  /* -> RC_LIMIT */
#define HTTP_CRITERIA_MAX_VALUE_BYTES 1024 /* -> RC_LIMIT */
#define HTTP_FILTER_MAX_KEYS         64   /* per message filter -> RC_LIMIT */
#define HTTP_FILTER_MAX_ALTERNATIVES 256  /* patterns in one any-of array -> RC_LIMIT */
#define HTTP_FILTER_MAX_JSON_BYTES   ((size_t)64 * 1024) /* -> RC_LIMIT */

enum http_filter_mode {
    HTTP_FILTER_SUBSET,  /* default: C empty, or every key of C is in M and matches */
    HTTP_FILTER_OVERLAP, /* C empty, or every key of C that is in M matches */
    HTTP_FILTER_SELECT,  /* every key of M matches C[k] (absent keys: only negations match) */
};

/* Connection criteria C. Owned by whoever created it; immutable once attached to a stream
 * connection (then read from that connection's loop thread). */
struct http_criteria;

/* Return an owned empty C; free with http_criteria_free(). Any thread. */
struct http_criteria *http_criteria_new(void);
void http_criteria_free(struct http_criteria *c);

/* Set key to value (copied; a key set again is replaced). RC_OK; RC_LIMIT (too many keys or
 * too long: d says which). Thread that owns c. */
WARN_UNUSED int http_criteria_set(struct http_criteria *c, struct str key, struct str value,
                                  struct diag *d);

/*
 * Build C from a raw query string (untrusted): "a=1&b=x+y" gives {a:"1", b:"x y"}, decoded as
 * application/x-www-form-urlencoded; a repeated key keeps its last value (as
 * Object.fromEntries(new URLSearchParams(q)) does); empty keys are skipped. RC_OK with an owned
 * *out_c, or RC_LIMIT (d says which limit; *out_c NULL). Any thread.
 */
WARN_UNUSED int http_criteria_from_query(struct str query, struct http_criteria **out_c,
                                         struct diag *d);

size_t http_criteria_count(const struct http_criteria *c);
/* The value of key, or false when C has no such key. */
bool http_criteria_find(const struct http_criteria *c, struct str key, struct str *out_value);

/* A message filter M with its mode. Build on one thread, then share it read-only across
 * threads: it is reference-counted (http_filter_ref / http_filter_unref, any thread). */
struct http_filter;

/* Return an owned empty M (refcount 1). An empty M is a valid filter. Any thread. */
struct http_filter *http_filter_new(enum http_filter_mode mode);
struct http_filter *http_filter_ref(struct http_filter *f);
/* Drop one reference; the last one frees f. NULL is a no-op. Any thread. */
void http_filter_unref(struct http_filter *f);
enum http_filter_mode http_filter_mode(const struct http_filter *f);

/*
 * Set M[key] to one pattern (§3.1): literal, glob with '*', negation "!q", escapes \* \! \\.
 * With literal, pattern is taken byte for byte. A key set again is replaced. RC_OK; RC_LIMIT.
 * Building thread only.
 */
WARN_UNUSED int http_filter_set(struct http_filter *f, struct str key, struct str pattern,
                                bool literal, struct diag *d);

/* Set M[key] to an any-of array of count literals/globs. A negation inside it is RC_INVAL
 * (INVALID_FILTER); literal=true arrays are RC_INVAL too (§3.1 compatibility rule). */
WARN_UNUSED int http_filter_set_any_of(struct http_filter *f, struct str key,
                                       const struct str *patterns, size_t count, bool literal,
                                       struct diag *d);

/*
 * Parse a filter given as JSON text (an object). literal=false: the object form of §3.1
 * (strings are patterns, numbers and booleans become literal strings, arrays are any-of; null,
 * objects and nested arrays are RC_INVAL). literal=true: the JSON-string form (every value a
 * literal; arrays are RC_INVAL). RC_OK with an owned *out_f; RC_INVAL (d says why); RC_LIMIT.
 * Any thread.
 */
WARN_UNUSED int http_filter_parse_json(struct str json, enum http_filter_mode mode, bool literal,
                                       struct http_filter **out_f, struct diag *d);

/* Whether a message with filter f goes to a connection with criteria c (c NULL = {}).
 * Pure; any thread. */
bool http_filter_match(const struct http_filter *f, const struct http_criteria *c);
