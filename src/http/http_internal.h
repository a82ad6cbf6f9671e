/* SPDX-License-Identifier: MIT */
/*
 * Private to src/http/ and its unit tests: the response serialiser, percent-decoding and the
 * error body, shared by http_router.c, http_response.c and http_server.c.
 * Thread contract: per function.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/defs.h"
#include "base/str.h"
#include "http/http.h"

struct arena;
struct diag;
struct net_post;

/* Percent-decode s ("%41" -> "A"; malformed escapes are kept as they are). Returns s itself
 * when it has no '%', else a copy in a. Any thread. */
struct str http_percent_decode(struct arena *a, struct str s);

/* What the serialiser needs besides the headers and the body. */
struct http_response_meta {
    int status;
    bool head_request;     /* HEAD: Content-Length of the body, no body bytes */
    bool keep_alive;       /* Connection: keep-alive or close */
    struct str request_id; /* X-Request-Id; empty: none */
    struct str server;     /* Server; empty: none */
    bool streaming;        /* no Content-Length: chunked when chunked, else close-delimited */
    bool chunked;          /* with streaming: Transfer-Encoding: chunked */
    bool upgrade;          /* 101: Connection: Upgrade */
};

/* True when a response with this status never has a body (1xx, 204, 304). */
bool http_status_has_no_body(int status);

/* True when name is a valid header name (RFC 9110 token) / value (no CR, LF, NUL or other
 * control bytes except HTAB). */
bool http_header_name_is_valid(struct str name);
bool http_header_value_is_valid(struct str value);

/*
 * Serialise the status line and headers, and also the body when with_body (one buffer), into
 * arena a. Adds Date (cached per second per thread), Server, X-Request-Id, Content-Length and
 * Connection; drops given Content-Length, Transfer-Encoding, Connection and X-Request-Id.
 * Returns RC_OK with *out_bytes, or RC_INVAL when a header name or value is invalid (d names
 * it). When with_body is false the caller sends body.len bytes itself (unless the response has
 * no body: see *out_send_body). Any thread (a is the caller's).
 */
WARN_UNUSED int http_response_serialize(struct arena *a, const struct http_response_meta *m,
                                        const struct http_header *headers, size_t header_count,
                                        struct str body, bool with_body, struct str *out_bytes,
                                        bool *out_send_body, struct diag *d);

/* Append Kiln's error body {"error":{"code","message","details","requestId"}} to out.
 * details_json is raw JSON or empty (null). RC_OK or RC_LIMIT (out is full). */
WARN_UNUSED int http_error_body(struct buf *out, struct str code, struct str message,
                                struct str details_json, struct str request_id);

/* The current Date header value (IMF-fixdate, 29 bytes), cached per thread per second. */
struct str http_date_now(void);

/* Queue ch on st without flushing (the loop's batch hook or the caller flushes): the
 * loop-thread form of http_stream_write(), for fan-out from a post. Same return codes. */
WARN_UNUSED int http_stream_push(struct http_stream *st, struct http_chunk *ch);

/* The I/O loops of a server, for modules that keep per-loop state (http_sse.c). */
size_t http_server_io_count(const struct http_server *s);
/* Post item to loop i (see net_loop_post). Any thread. */
WARN_UNUSED bool http_server_post(struct http_server *s, size_t i, struct net_post *item);
/* The index of the loop that owns ex / st. Any thread. */
size_t http_exchange_io_index(const struct http_exchange *ex);
size_t http_stream_io_index(const struct http_stream *st);
/* True when called on the thread of loop i. */
bool http_server_on_loop(const struct http_server *s, size_t i);

/* Bytes read from an upgraded connection (loop thread). */
typedef void http_upgrade_data_fn(struct http_stream *st, const char *data, size_t len, void *arg);

/*
 * Answer ex with 101 Switching Protocols (headers copied; "Connection: Upgrade" is added) and
 * turn its connection into a raw byte stream: what the client sends next goes to on_data, and
 * chunks written to *out_st go out as they are. cfg->on_close reports the end (client gone,
 * write error, http_stream_end() once written). RC_OK or RC_INVAL (a 500 is sent). Any thread.
 */
WARN_UNUSED int http_exchange_upgrade(struct http_exchange *ex, const struct http_header *headers,
                                      size_t header_count, const struct http_stream_config *cfg,
                                      http_upgrade_data_fn *on_data, void *data_arg,
                                      struct http_stream **out_st, struct diag *d);
