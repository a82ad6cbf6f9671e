/* SPDX-License-Identifier: MIT */
/*
 * The HTTP/1.1 request parser: llhttp glue with Kiln's limits (spec/10-http.md §2.3). Bytes go
 * in as they arrive (any split, pipelined requests back to back); complete requests come out,
 * each in its own arena (an invocation arena obtained from the owner's get_arena callback).
 * Exposed beside http.h for the server, the unit tests and the fuzzer.
 * Thread contract: a parser is used by one thread at a time (its connection's loop thread).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/defs.h"
#include "http/http.h"

struct arena;
struct http_parser;

/* Return an arena for the next request (owned by the parser until http_parser_take()). */
typedef struct arena *http_parser_arena_fn(void *arg);

enum http_parse_event {
    HTTP_PARSE_MORE = 0,      /* every byte given was consumed: feed more */
    HTTP_PARSE_BODY_NEXT = 1, /* the head is complete and a body follows (100-continue point) */
    HTTP_PARSE_REQUEST = 2,   /* a request is complete: take it with http_parser_take() */
    HTTP_PARSE_ERROR = 3,     /* the input is rejected: see http_parser_error(); close after */
};

/* Return an owned parser; free with http_parser_free(). lim is copied. get_arena(arg) is
 * called at the start of every request. */
struct http_parser *http_parser_new(const struct http_limits *lim, http_parser_arena_fn *get_arena,
                                    void *arg);

/* Free p and the arena of a request in progress. NULL is a no-op. */
void http_parser_free(struct http_parser *p);

/*
 * Feed len bytes. Stops after an event: *out_consumed says how many bytes were used; call
 * again with the rest. Returns an enum http_parse_event. After HTTP_PARSE_ERROR every further
 * call returns HTTP_PARSE_ERROR again.
 */
WARN_UNUSED int http_parser_execute(struct http_parser *p, const char *data, size_t len,
                                    size_t *out_consumed);

/* After HTTP_PARSE_BODY_NEXT: true when the request carries "Expect: 100-continue". */
bool http_parser_expects_continue(const struct http_parser *p);

/* After HTTP_PARSE_BODY_NEXT: the request so far (method, target, path, query, headers; no
 * body) and the arena it lives in (still the parser's). */
const struct http_request *http_parser_head(const struct http_parser *p, struct arena **out_arena);

/* After HTTP_PARSE_BODY_NEXT: the Content-Length, or -1 for a chunked body. */
int64_t http_parser_content_length(const struct http_parser *p);

/* After HTTP_PARSE_REQUEST: move the request and its arena out (the caller owns the arena;
 * the request lives in it). The request's client_ip is empty: the caller sets it. */
void http_parser_take(struct http_parser *p, struct http_request **out_req,
                      struct arena **out_arena);

/* True when the last request asked for a protocol upgrade (the rest of the stream is not
 * HTTP/1.1 any more). */
bool http_parser_is_upgrade(const struct http_parser *p);

/* True while a request has started but is not complete (for the header and body timeouts). */
bool http_parser_in_message(const struct http_parser *p);

/* True while the request line and headers are not complete. */
bool http_parser_in_head(const struct http_parser *p);

/* After HTTP_PARSE_ERROR: the status (400, 413, 431), the error code ("BAD_REQUEST",
 * "PAYLOAD_TOO_LARGE", "HEADERS_TOO_LARGE") and a message (static or parser-owned). */
void http_parser_error(const struct http_parser *p, int *out_status, const char **out_code,
                       const char **out_message);

/* Fill out (30 bytes: "req_" + 26 base32 characters + NUL) with a fresh random request id.
 * Any thread (a per-thread pool of random bytes). */
void http_request_id_make(char out[31]);
