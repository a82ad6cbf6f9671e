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
struct buf;
struct diag;

/* ------------------------------------------------------------------ request model */

struct http_header {
    struct str name;  /* requests: lower-cased; responses: as given */
    struct str value; /* leading/trailing whitespace removed */
};

/* A parsed request. All slices point into the exchange's arena; read-only for dispatchers. */
struct http_request {
    struct str method;   /* upper-case, e.g. "GET" */
    struct str target;   /* request-target as received */
    struct str raw_path; /* target up to '?' or '#', not decoded */
    struct str query;    /* after '?', without it; empty if none */
    const struct http_header *headers;
    size_t header_count;
    struct str body;       /* whole body (de-chunked); empty if none */
    uint8_t version_minor; /* 0 or 1 (HTTP/1.x) */
    bool keep_alive;
    struct str client_ip;  /* peer address as text */
    struct str request_id; /* "req_" + 26 base32 characters, generated per request */
    int64_t start_ns;      /* clk_mono_ns() when the request line started */
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

/*
 * A gate holds complete responses back until something they depend on has happened (api/ uses
 * one to send a response only once the store commits it may reveal are durable). Set on an
 * exchange, it is asked once, when the response is complete (on the responding thread): hold()
 * returns false to let the response go now, or true to keep the exchange and call
 * http_exchange_release() later, from any thread. Streaming responses are not gated.
 */
struct http_gate {
    bool (*hold)(struct http_gate *g, struct http_exchange *ex);
};

/* Gate ex's response (the thread that owns ex). A second call replaces the gate. */
void http_exchange_set_gate(struct http_exchange *ex, struct http_gate *g);

/* Send the response a gate held. Any thread. */
void http_exchange_release(struct http_exchange *ex);

/* ------------------------------------------------------------------ multipart form-data */

/*
 * multipart/form-data (RFC 7578 over RFC 2046 framing; docs/internals/http.md): a parser for
 * request bodies and a serializer for FormData bodies. Pure functions over bytes; any thread.
 */

#define HTTP_MULTIPART_MAX_PARTS        100                        /* -> RC_LIMIT */
#define HTTP_MULTIPART_MAX_HEADER_BYTES ((size_t)16 * 1024)        /* per part -> RC_LIMIT */
#define HTTP_MULTIPART_MAX_PART_BYTES   ((size_t)10 * 1024 * 1024) /* per part -> RC_LIMIT */
#define HTTP_MULTIPART_MAX_TOTAL_BYTES  ((size_t)10 * 1024 * 1024) /* body -> RC_LIMIT */
#define HTTP_MULTIPART_BOUNDARY_MAX     70                         /* RFC 2046 */

/* Zero fields mean the defaults above. */
struct http_multipart_limits {
    size_t max_parts;
    size_t max_header_bytes;
    size_t max_part_bytes;
    size_t max_total_bytes;
};

struct http_multipart_part {
    struct str name;         /* the name parameter of Content-Disposition (unquoted) */
    struct str filename;     /* the filename parameter, as sent (unquoted); see has_filename */
    bool has_filename;       /* a file part (filename given, possibly empty) */
    struct str content_type; /* the part's Content-Type value, empty when none */
    struct str data;         /* the part's bytes: a slice of the parsed body */
};

/*
 * The boundary parameter of a multipart Content-Type value (quoted or not). RC_OK with a slice
 * of content_type (or of a in the quoted case); RC_INVAL when the type is not multipart/form-data
 * or the boundary is missing, empty, longer than 70 bytes or has a byte RFC 2046 does not allow
 * (d says which).
 */
WARN_UNUSED int http_multipart_boundary(struct str content_type, struct arena *a,
                                        struct str *out_boundary, struct diag *d);

/*
 * Parse body, delimited by boundary, into parts (array in a; names, filenames and types in a,
 * data slices of body). Lines end with CRLF; a preamble and an epilogue are ignored; every part
 * needs Content-Disposition: form-data with a name. RC_OK with *out_parts and *out_count; RC_INVAL
 * (malformed: no opening or closing delimiter, a bad header line, a missing name; d says what
 * and at which byte offset); RC_LIMIT (lim exceeded: d names the limit). lim may be NULL.
 */
WARN_UNUSED int http_multipart_parse(struct str body, struct str boundary,
                                     const struct http_multipart_limits *lim, struct arena *a,
                                     struct http_multipart_part **out_parts, size_t *out_count,
                                     struct diag *d);

/*
 * Append the multipart/form-data encoding of parts to out, as the HTML standard's algorithm
 * (and browsers, Node) write it: names and string values get their line breaks normalised to
 * CRLF (string parts: has_filename false); in names and filenames `"`, CR and LF become %22,
 * %0D, %0A; a file part without content_type gets application/octet-stream. boundary must be
 * valid (see http_multipart_boundary). RC_OK; RC_LIMIT when out is full.
 */
WARN_UNUSED int http_multipart_write(struct buf *out, struct str boundary,
                                     const struct http_multipart_part *parts, size_t count);

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
    HTTP_MATCH_FOUND,     /* target set */
    HTTP_MATCH_NOT_FOUND, /* 404 */
    HTTP_MATCH_NO_METHOD, /* 405: allow lists the methods ("GET, HEAD, OPTIONS") */
};

struct http_match {
    enum http_match_kind kind;
    void *target;       /* what http_router_add got */
    struct str pattern; /* the matched pattern */
    struct str method;  /* the registered method ("*" for any) */
    bool head_via_get;  /* HEAD matched a GET registration */
    struct http_param params[HTTP_ROUTE_PARAMS_MAX];
    size_t param_count;
    struct str allow; /* for HTTP_MATCH_NO_METHOD (and OPTIONS answers) */
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

/* The body limit of one request in bytes, asked when its head is complete and a body follows
 * (before any body byte is read and before 100 Continue): -1 for the server's own limit.
 * head has no body yet; a is its arena (for scratch). Called on the loop thread. */
typedef int64_t http_body_limit_fn(const struct http_request *head, struct arena *a, void *arg);

/* A zero limit given to http_server_start() means its default. */
struct http_limits {
    size_t max_header_bytes;   /* request line + headers; default 64 KiB -> 431 */
    size_t max_headers;        /* default 100 -> 431 */
    size_t max_body_bytes;     /* default 10 MiB -> 413 before reading the body */
    int64_t header_timeout_ms; /* all headers within; default 10 s */
    int64_t idle_timeout_ms;   /* keep-alive idle; default 60 s */
    size_t max_connections;    /* per instance; default 10,000 -> 503 */
};

/* Fill l with the defaults above. */
void http_limits_default(struct http_limits *l);

struct http_server_config {
    const char *listen_host; /* "127.0.0.1", "0.0.0.0", "::" */
    int listen_port;         /* 0: pick a free port */
    size_t io_threads;       /* >= 1 */
    struct http_limits limits;
    http_dispatch_fn *dispatch; /* called on the loop thread for every complete request */
    void *dispatch_arg;
    http_body_limit_fn *body_limit; /* may be NULL; only lowers max_body_bytes */
    void *body_limit_arg;
    const char *server_header; /* "kiln/0.1.0" */
    bool batch_sched;          /* I/O threads SCHED_BATCH (defs_thread_batch) */
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

#define HTTP_CRITERIA_MAX_KEYS        32   /* per connection -> RC_LIMIT */
#define HTTP_CRITERIA_MAX_KEY_BYTES   128  /* -> RC_LIMIT */
#define HTTP_CRITERIA_MAX_VALUE_BYTES 1024 /* -> RC_LIMIT */
#define HTTP_FILTER_MAX_KEYS          64   /* per message filter -> RC_LIMIT */
#define HTTP_FILTER_MAX_ALTERNATIVES  256  /* patterns in one any-of array -> RC_LIMIT */
#define HTTP_FILTER_MAX_JSON_BYTES    ((size_t)64 * 1024) /* -> RC_LIMIT */

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

/* ------------------------------------------------------------------ streaming responses */

/*
 * A chunk: immutable, reference-counted bytes, written to any number of streams on any loops
 * without copies (one broadcast message is serialised once). The bytes are stored with room
 * for the HTTP/1.1 chunked framing, so every connection writes the same buffer.
 */
struct http_chunk;

/* Return an owned chunk (refcount 1) holding a copy of data. Any thread. */
struct http_chunk *http_chunk_new(struct str data);
struct http_chunk *http_chunk_ref(struct http_chunk *ch);
/* Drop one reference; the last one frees it. NULL is a no-op. Any thread. */
void http_chunk_unref(struct http_chunk *ch);
/* The payload bytes (without framing). */
struct str http_chunk_data(const struct http_chunk *ch);
/* True while a reference other than the caller's exists (e.g. a stream has not written it yet).
 * A hint for pacing a producer; any thread. */
bool http_chunk_shared(const struct http_chunk *ch);

/* A streaming response: status and headers first, then chunks, then the end. */
struct http_stream;

/* Called once on the loop thread when the stream is over: ended and written, the client went
 * away, a write failed, it fell too far behind, or the server stopped (then possibly on the
 * stopping thread). The stream handle itself stays valid until released. */
typedef void http_stream_close_fn(struct http_stream *st, void *arg);

struct http_stream_config {
    size_t max_queue_chunks;      /* queued and unwritten; 0: 1,000. Over it: slow consumer */
    size_t max_queue_bytes;       /* 0: 8 MiB. Over it: slow consumer */
    int64_t heartbeat_ms;         /* > 0: write heartbeat when nothing was written for that long */
    struct http_chunk *heartbeat; /* borrowed (a reference is taken); NULL: no heartbeat */
    int64_t read_idle_ms;         /* > 0: close when the client sent nothing for that long */
    http_stream_close_fn *on_close; /* may be NULL */
    void *arg;
};

/*
 * Begin a streaming response on ex and give up ex (as http_exchange_respond does). headers are
 * copied; Content-Length, Transfer-Encoding and Connection are Kiln's: HTTP/1.1 gets
 * "Transfer-Encoding: chunked" and may keep the connection alive after the end; HTTP/1.0 gets
 * a body delimited by closing the connection. RC_OK with an owned handle in *out_st
 * (release it with http_stream_release() when done with it); RC_INVAL when a header is invalid
 * (a 500 is sent instead; d says why; *out_st NULL). Any thread.
 */
WARN_UNUSED int http_exchange_stream_begin(struct http_exchange *ex, int status,
                                           const struct http_header *headers, size_t header_count,
                                           const struct http_stream_config *cfg,
                                           struct http_stream **out_st, struct diag *d);

/*
 * Queue ch (a reference is taken; the caller keeps its own) for writing. Any thread: from
 * another thread it is posted to the owning loop. RC_OK (queued or posted); RC_IO when the
 * stream is already over (ended or closed); RC_LIMIT when the queue was full: the client is
 * then disconnected as a slow consumer (counted in http_server_slow_consumers()). Posted
 * writes report RC_OK and apply the same rule on the loop. An empty chunk is ignored.
 */
WARN_UNUSED int http_stream_write(struct http_stream *st, struct http_chunk *ch);

/* Same, copying data into a new chunk. */
WARN_UNUSED int http_stream_write_copy(struct http_stream *st, struct str data);

/* End the stream after what is queued (chunked: the last-chunk). Any thread; idempotent. */
void http_stream_end(struct http_stream *st);

/* Close the connection now, dropping what is queued. Any thread. */
void http_stream_abort(struct http_stream *st);

/* True once the stream is over (see http_stream_close_fn). Any thread. */
bool http_stream_is_closed(const struct http_stream *st);

/* Give up the handle from http_exchange_stream_begin(). NULL is a no-op. Any thread. */
void http_stream_release(struct http_stream *st);

/* Clients disconnected because they fell too far behind, since start. Any thread. */
uint64_t http_server_slow_consumers(const struct http_server *s);

/* ------------------------------------------------------------------ server-sent events */

/*
 * SSE streams (spec/20-realtime.md §1; docs/internals/realtime.md). A hub holds the streams
 * of one server, each registered at a path pattern (":name" parameters allowed). A client
 * connection is an http_stream on its I/O loop with its criteria (the filter rule above). A
 * broadcast is formatted once into one chunk, shared by every connection on every loop.
 */
struct http_sse_hub;
struct http_sse_stream;

#define HTTP_SSE_MAX_MESSAGE_BYTES ((size_t)256 * 1024) /* data after encoding -> RC_LIMIT */
#define HTTP_SSE_MAX_REPLAY        1000                 /* replay ring size -> RC_INVAL */

/* A connection accepted by http_sse_connect() has ended and is freed; conn_arg is what the
 * connect got. Once per accepted connection, on its loop (or on the stopping thread). */
typedef void http_sse_disconnect_fn(struct http_sse_stream *ss, void *conn_arg, void *arg);

struct http_sse_config {
    size_t replay;           /* messages kept for Last-Event-ID; 0: none */
    int64_t heartbeat_ms;    /* ":" comment interval; 0: 15,000; < 0: none */
    size_t max_connections;  /* on this instance; 0: 1,000. Full: 503 TOO_MANY_CONNECTIONS */
    size_t max_queue_chunks; /* per connection; 0: 1,000 (slow consumer beyond) */
    size_t max_queue_bytes;  /* per connection; 0: 8 MiB */
    http_sse_disconnect_fn *on_disconnect; /* may be NULL */
    void *arg;
};

/* Return an owned hub for server s with an instance-wide connection limit (0: 10,000). Free
 * it with http_sse_hub_free() after http_server_stop(s). Main thread. */
struct http_sse_hub *http_sse_hub_new(struct http_server *s, size_t max_connections);
void http_sse_hub_free(struct http_sse_hub *h);

/* Register a stream at pattern (copied). RC_OK with a borrowed *out_ss (lives as long as h);
 * RC_INVAL (bad pattern or config); RC_CONFLICT (already registered). Before connections. */
WARN_UNUSED int http_sse_register(struct http_sse_hub *h, struct str pattern,
                                  const struct http_sse_config *cfg,
                                  struct http_sse_stream **out_ss, struct diag *d);

/* The stream registered at exactly pattern, or NULL. Any thread. */
struct http_sse_stream *http_sse_find(struct http_sse_hub *h, struct str pattern);

/* The stream whose pattern matches a request path (raw_path), or NULL; params (decoded in a)
 * go to *out_match as http_router_match() gives them. Any thread. */
struct http_sse_stream *http_sse_match(struct http_sse_hub *h, struct str raw_path, struct arena *a,
                                       struct http_match *out_match);

/* Change the configuration of a registered stream (a redeploy): the connection limit applies
 * to new connections, the heartbeat and queue bounds to new connections; a different replay
 * size drops the kept messages. RC_OK or RC_INVAL. Any thread. */
WARN_UNUSED int http_sse_configure(struct http_sse_stream *ss, const struct http_sse_config *cfg,
                                   struct diag *d);

/* End every connection of ss (after what is queued for it); the stream stays registered and
 * accepts new connections. Any thread (posted to every loop). */
void http_sse_close_all(struct http_sse_stream *ss);

/* The pattern ss was registered at (lives as long as the hub). */
struct str http_sse_pattern(const struct http_sse_stream *ss);

/*
 * Accept ex as a connection of ss with criteria c (taken: freed by the hub; NULL = {}), and
 * give up ex. Sends the text/event-stream head, "retry: 3000" and ": connected", then, when
 * the request has Last-Event-ID and ss keeps a replay ring, the kept messages after that id
 * which match c. RC_OK: the stream's on_disconnect will get conn_arg once the connection
 * ended; RC_LIMIT when ss or the hub is full (503 TOO_MANY_CONNECTIONS is sent; the caller
 * keeps conn_arg). Any thread.
 */
WARN_UNUSED int http_sse_connect(struct http_sse_stream *ss, struct http_exchange *ex,
                                 struct http_criteria *c, void *conn_arg, struct diag *d);

struct http_sse_message {
    struct str data;  /* already serialised; line breaks give several data: lines */
    struct str event; /* empty: none; else ^[A-Za-z0-9_.-]{1,64}$ */
    struct str id;    /* empty: none (assigned "<epoch ms>-<seq>" when ss has replay) */
};

/*
 * Broadcast m to every connection of ss on every loop whose criteria match f (borrowed; a
 * reference is taken; NULL: all). *out_local (may be NULL) gets the number of connections it
 * was sent to: those attached when it was numbered whose criteria match f (the loops then
 * queue it; a connection that closes meanwhile, or is dropped as a slow consumer by this very
 * message, is still counted). RC_OK (posted); RC_INVAL (bad event name or id: d says why);
 * RC_LIMIT (data over HTTP_SSE_MAX_MESSAGE_BYTES). Any thread.
 */
WARN_UNUSED int http_sse_broadcast(struct http_sse_stream *ss, const struct http_sse_message *m,
                                   struct http_filter *f, size_t *out_local, struct diag *d);

/* Connections of ss on this instance (attached or being attached). Any thread. */
size_t http_sse_connection_count(const struct http_sse_stream *ss);
/* Messages delivered to connections since start (one per connection). Any thread. */
uint64_t http_sse_delivered(const struct http_sse_stream *ss);
/* Connections of ss disconnected because their queue was full (spec §1.1 SLOW_CONSUMER; each
 * is also logged at level warn with code=SLOW_CONSUMER). Any thread. */
uint64_t http_sse_slow_consumers(const struct http_sse_stream *ss);

/*
 * Format one event into out: "id: ..\n", "event: ..\n", one "data: ..\n" per line of data
 * (CRLF, CR and LF all end a line), then "\n". RC_OK; RC_INVAL (bad event name, id with a line
 * break or NUL); RC_LIMIT (out is full). Any thread.
 */
WARN_UNUSED int http_sse_format(struct buf *out, const struct http_sse_message *m, struct diag *d);

/* ------------------------------------------------------------------ WebSocket */

/*
 * WebSocket routes (spec/20-realtime.md §2; docs/internals/realtime.md): RFC 6455 handshake,
 * framing by libwslay (ping/pong, fragmentation, the close handshake), UTF-8 checks of text
 * messages (1007), a maximum message size (1009), protocol errors (1002). A socket lives on
 * the I/O loop of its connection; its callbacks run there. Sends and group changes may come
 * from any thread: they are posted to the owning loop.
 */
struct http_ws_hub;
struct http_ws_route;
struct http_ws;

#define HTTP_WS_GROUP_MAX_BYTES 128 /* group name -> RC_INVAL */
#define HTTP_WS_GROUPS_MAX      100 /* groups per socket -> RC_LIMIT */
#define HTTP_WS_ID_BYTES        29  /* "ws_" + 26 base32 characters */
#define HTTP_WS_PROTOCOL_MAX    128 /* a longer chosen subprotocol is not answered */

/* All on the socket's loop thread. ws is valid during the call (keep it with http_ws_ref). */
typedef void http_ws_open_fn(struct http_ws *ws, void *arg);
typedef void http_ws_message_fn(struct http_ws *ws, bool binary, struct str data, void *arg);
/* code: the peer's close code, 1005 when it sent none, 1006 when the connection just ended;
 * reason: the peer's close reason (borrowed for the call; empty when none). */
typedef void http_ws_close_fn(struct http_ws *ws, int code, struct str reason, void *arg);

struct http_ws_config {
    size_t max_message_bytes;  /* 0: 64 KiB; over it: close 1009 */
    size_t max_connections;    /* on this instance; 0: 1,000; full: 503 */
    size_t max_queue_bytes;    /* unsent bytes per socket; 0: 8 MiB; over it: disconnect */
    const struct str *origins; /* allowed Origin values ("*": any); NULL: same origin only */
    size_t origin_count;
    const struct str *protocols; /* accepted subprotocols; the client's first listed one wins */
    size_t protocol_count;
    int64_t ping_interval_ms;    /* server pings; 0: 30,000; < 0: none */
    size_t max_messages_per_sec; /* 0: 50; exceeding it closes with 1008 */
    int64_t idle_timeout_ms;     /* nothing received (pongs count) for that long: closed, 1006;
                                    0: 300,000; < 0: none */
    http_ws_open_fn *on_open;    /* may be NULL */
    http_ws_message_fn *on_message;
    http_ws_close_fn *on_close;
    void *arg;
};

/* Return an owned hub for s (instance limit; 0: 10,000). Free after http_server_stop(s). */
struct http_ws_hub *http_ws_hub_new(struct http_server *s, size_t max_connections);
void http_ws_hub_free(struct http_ws_hub *h);

/* Register a route (cfg and its origins copied). RC_OK with a borrowed *out_r; RC_INVAL;
 * RC_CONFLICT. Before connections. */
WARN_UNUSED int http_ws_register(struct http_ws_hub *h, struct str pattern,
                                 const struct http_ws_config *cfg, struct http_ws_route **out_r,
                                 struct diag *d);

/* The route matching raw_path (params in *out_match), or NULL. Any thread. */
struct http_ws_route *http_ws_match(struct http_ws_hub *h, struct str raw_path, struct arena *a,
                                    struct http_match *out_match);

/* Replace the configuration of a registered route (a redeploy; origins and protocols copied;
 * the callbacks must stay the same). Sockets already open keep the one they opened with. Any
 * thread. */
void http_ws_configure(struct http_ws_route *r, const struct http_ws_config *cfg);

/* A new socket id ("ws_" + 26 base32 characters + NUL), for callers that need the id before
 * the upgrade (http_ws_accept's id). Any thread. */
void http_ws_make_id(char out[HTTP_WS_ID_BYTES + 1]);

/*
 * Complete the upgrade of ex on route r and give up ex. Checks the handshake (GET, HTTP/1.1,
 * Upgrade: websocket, Connection: upgrade, Sec-WebSocket-Key of 16 bytes -> 400;
 * Sec-WebSocket-Version 13 -> 426), the Origin (-> 403) and the limits (-> 503
 * TOO_MANY_CONNECTIONS), answering with a JSON error when one fails (RC_INVAL, RC_DENIED,
 * RC_LIMIT; d says why). RC_OK: 101 is sent and on_open will run on the loop. The socket's id
 * is id when it has HTTP_WS_ID_BYTES bytes (from http_ws_make_id), else a new one. Any thread.
 * Refusing from a script (spec §2 onOpen) happens before this call, with the request.
 */
WARN_UNUSED int http_ws_accept(struct http_ws_route *r, struct http_exchange *ex, struct str id,
                               void *user_data, struct diag *d);

/* The user_data given to http_ws_accept() (the JS layer's per-socket state). Any thread. */
void *http_ws_user_data(const struct http_ws *ws);
/* The chosen subprotocol (Sec-WebSocket-Protocol), empty when none. Any thread. */
struct str http_ws_protocol(const struct http_ws *ws);

/* Sec-WebSocket-Accept for key: base64(SHA-1(key + GUID)), 28 characters + NUL. */
void http_ws_accept_key(struct str key, char out[29]);

/* The socket's id ("ws_" + 26 base32 characters), its route pattern. Any thread. */
struct str http_ws_id(const struct http_ws *ws);
struct http_ws *http_ws_ref(struct http_ws *ws);
void http_ws_release(struct http_ws *ws);

/* Send one message. Any thread (posted). RC_OK; RC_IO when the socket is closed. */
WARN_UNUSED int http_ws_send(struct http_ws *ws, bool binary, struct str data);
/* Start the close handshake with code (1000 or 3000-4999) and reason (<= 123 bytes). */
WARN_UNUSED int http_ws_close(struct http_ws *ws, int code, struct str reason, struct diag *d);
/* Whether g is a valid group name (^[A-Za-z0-9_.:-]{1,128}$). Any thread. */
bool http_ws_group_name_is_valid(struct str g);
/* Join / leave a group (names ^[A-Za-z0-9_.:-]{1,128}$). Any thread (applied on the loop in
 * call order). RC_OK; RC_INVAL (bad name); RC_LIMIT (over HTTP_WS_GROUPS_MAX, on the loop:
 * then the join is dropped). */
WARN_UNUSED int http_ws_join(struct http_ws *ws, struct str group, struct diag *d);
WARN_UNUSED int http_ws_leave(struct http_ws *ws, struct str group, struct diag *d);

/*
 * Send a message to the sockets of r on every loop: all of them (group and socket_id empty),
 * the members of group, or the socket with socket_id; except_id (may be empty) is skipped.
 * The bytes are copied once and shared. RC_OK (posted). Any thread.
 */
WARN_UNUSED int http_ws_send_route(struct http_ws_route *r, struct str group, struct str socket_id,
                                   struct str except_id, bool binary, struct str data);

/* The same, to the picked sockets whose criteria (http_ws_set_criteria; none: {}) match f
 * (a reference is taken; NULL: no filter), by the filter rule above. */
WARN_UNUSED int http_ws_send_route_filtered(struct http_ws_route *r, struct str group,
                                            struct str socket_id, struct str except_id,
                                            struct http_filter *f, bool binary, struct str data);

/* Set the socket's criteria for filtered route sends (taken; NULL: {}); replaces the previous
 * ones. Any thread (posted). RC_OK; RC_IO when it could not be posted (c is freed). */
WARN_UNUSED int http_ws_set_criteria(struct http_ws *ws, struct http_criteria *c);

/* Close the sockets of r on every loop (all, one group, or one id) with code (1000, 1001 or
 * 3000-4999) and reason (<= 123 bytes of UTF-8). RC_OK (posted); RC_INVAL. Any thread. */
WARN_UNUSED int http_ws_close_route(struct http_ws_route *r, struct str group, struct str socket_id,
                                    int code, struct str reason, struct diag *d);

/* Open sockets of r on this instance. Any thread. */
size_t http_ws_connection_count(const struct http_ws_route *r);
