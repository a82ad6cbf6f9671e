/* SPDX-License-Identifier: MIT */
/*
 * Kiln's JSON: a strict RFC 8259 parser with positions in its error messages and depth/size
 * limits, and a streaming writer. Two ways to parse the same grammar:
 *   - json_parse(): builds a small C tree in an arena (config, GraphQL variables, tests);
 *   - json_parse_events(): calls a struct json_events per value (js/ uses it to build JS
 *     values directly without an intermediate tree).
 * The writer formats numbers exactly as ECMAScript's Number::toString does (shortest
 * round-trip, "1e+21"), so its output equals JSON.stringify for the same values.
 * Thread contract: any thread (no globals); an arena or writer is used by one thread at a time.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/defs.h"
#include "base/str.h"

struct arena;
struct diag;

enum json_type {
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
};

struct json_member;

/* A parsed value; all memory (strings included, unescaped and NUL-terminated) is in the arena. */
struct json_value {
    enum json_type type;

    union {
        double num;     /* JSON_NUMBER */
        struct str str; /* JSON_STRING: UTF-8, may contain NUL bytes */

        struct {
            struct json_value **items;
            size_t count;
        } arr; /* JSON_ARRAY */

        struct {
            struct json_member *members; /* in document order; duplicates kept, last wins in
                                            json_object_find */
            size_t count;
        } obj; /* JSON_OBJECT */
    };
    /* The number's source text (JSON_NUMBER), for exact integers beyond 2^53. */
    struct str num_text;
};

struct json_member {
    struct str key;
    struct json_value *value;
};

struct json_limits {
    size_t max_depth; /* nesting of arrays/objects; 0 = default 64 */
    size_t max_bytes; /* input size; 0 = no limit beyond the caller's own */
};

/* Where a parse failed: byte offset, 1-based line and column (column counts UTF-8 code
 * points), and a short message ("unexpected character '}'", "unterminated string"). */
struct json_error {
    size_t offset;
    size_t line;
    size_t column;
    char msg[128];
};

/*
 * Parse text into a tree allocated in a. Returns RC_OK, RC_INVAL (malformed: *out_err says
 * where and why) or RC_LIMIT (depth or size; *out_err says which). out_err may be NULL.
 * Trailing whitespace is allowed; anything else after the value is an error. Lone surrogate
 * escapes (\ud800) are accepted and encoded as WTF-8 so that JS strings round-trip.
 */
WARN_UNUSED int json_parse(struct arena *a, struct str text, const struct json_limits *lim,
                           struct json_value **out_value, struct json_error *out_err);

/* Callbacks of the event parser. Each returns RC_OK to go on or a negative RC to stop (the
 * parse then returns that rc). Strings are borrowed for the duration of the call only. */
struct json_events {
    int (*on_null)(void *arg);
    int (*on_bool)(void *arg, bool v);
    int (*on_number)(void *arg, double v, struct str text);
    int (*on_string)(void *arg, struct str v);
    int (*on_begin_array)(void *arg);
    int (*on_end_array)(void *arg);
    int (*on_begin_object)(void *arg);
    int (*on_key)(void *arg, struct str key);
    int (*on_end_object)(void *arg);
};

/* Parse text, calling ev with arg. Same return codes as json_parse(); scratch memory for
 * unescaped strings comes from a (reset is the caller's business). */
WARN_UNUSED int json_parse_events(struct arena *a, struct str text, const struct json_limits *lim,
                                  const struct json_events *ev, void *arg,
                                  struct json_error *out_err);

/* Return the last member named key of an object value, or NULL (also for non-objects). */
struct json_value *json_object_find(const struct json_value *obj, struct str key);

/* ---------------------------------------------------------------------------------------
 * Writer. Appends to a caller's struct buf (bounded: RC_LIMIT when it is full). Commas and
 * colons are inserted automatically; the caller only says what comes next.
 */
#define JSON_WRITER_MAX_DEPTH 256

struct json_writer {
    struct buf *out;
    int rc; /* first error (sticky): RC_OK, RC_LIMIT (buffer full or too deep) */
    size_t depth;
    bool need_comma[JSON_WRITER_MAX_DEPTH]; /* private */
    bool after_key;                         /* private */
};

/* Start writing into out. Cannot fail. */
void json_writer_init(struct json_writer *w, struct buf *out);

void json_write_null(struct json_writer *w);
void json_write_bool(struct json_writer *w, bool v);
/* Write a number as JSON.stringify would; NaN and infinities are written as null. */
void json_write_number(struct json_writer *w, double v);
void json_write_int(struct json_writer *w, int64_t v);
/* Write s as a JSON string; invalid UTF-8 is replaced by U+FFFD, lone WTF-8 surrogates are
 * escaped as \udXXX (as JSON.stringify does). */
void json_write_string(struct json_writer *w, struct str s);
void json_write_begin_object(struct json_writer *w);
void json_write_key(struct json_writer *w, struct str key);
/* Write a key the caller knows needs no escaping (printable ASCII without '"' and '\\', such
 * as a GraphQL name): one copy, no scan. */
void json_write_key_plain(struct json_writer *w, struct str key);
void json_write_end_object(struct json_writer *w);
void json_write_begin_array(struct json_writer *w);
void json_write_end_array(struct json_writer *w);
/* Write already-serialised JSON as the next value (trusted input). */
void json_write_raw(struct json_writer *w, struct str json);
/* Write a parsed tree. */
void json_write_value(struct json_writer *w, const struct json_value *v);

/* The sticky result: RC_OK or the first error. */
static inline int json_writer_rc(const struct json_writer *w)
{
    return w->rc;
}

/* Format v as ECMAScript Number::toString(10) into out (at least 32 bytes); returns length. */
size_t json_format_number(double v, char out[32]);

/* The deepest nesting of arrays and objects in JSON text that is known to be valid (JSON.stringify
 * wrote it): 0 for a scalar, 1 for [] or {}. Brackets inside strings do not count. */
size_t json_text_depth(struct str text);
