/* SPDX-License-Identifier: MIT */
/*
 * Kiln's GraphQL engine (October 2021 specification): lexer and parser (gql_lex.c,
 * gql_parse.c), schema from SDL (gql_schema.c), validation (gql_validate.c) and execution
 * (gql_exec.c). No JavaScript here: resolvers are C callbacks. Documents and results live in
 * the caller's arena (one per request); a schema owns its own memory.
 * Thread contract: a document, schema or execution is used by one thread at a time; a built
 * schema is read-only and may be shared by threads.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/defs.h"
#include "base/str.h"
#include "gql/gql_ast.h"

struct arena;

/* ---------------------------------------------------------------------------------------
 * Limits, checked at the edge before the work they bound (STYLE.md B.5 rule 7).
 */
struct gql_limits {
    size_t max_document_bytes; /* 0: 100,000 */
    size_t max_tokens;         /* 0: 10,000 */
    size_t max_nesting;        /* syntactic nesting of selections, values and types; 0: 64 */
    size_t max_depth;          /* selection depth after fragment expansion; 0: 15 */
    size_t max_fields;         /* fields per operation after fragment expansion; 0: 1,000 */
    size_t max_aliases;        /* 0: 100 */
    size_t max_errors;         /* validation errors before giving up; 0: 100 */
};

/* Fill lim with the defaults of spec/30-graphql.md section 8. */
void gql_limits_default(struct gql_limits *lim);

/* ---------------------------------------------------------------------------------------
 * Errors, in the shape of a GraphQL response's "errors" entry.
 */
struct gql_error {
    struct str message;
    struct gql_loc *locs;
    size_t loc_count;
    struct str code;          /* extensions.code ("GRAPHQL_PARSE_FAILED"), may be empty */
};

/* A list of errors in an arena. Initialise with gql_errors_init(). */
struct gql_errors {
    struct gql_error *items;
    size_t count;
    size_t cap;
    struct arena *arena;      /* private */
    size_t max;               /* private: 0 = unbounded */
};

/* Start an empty list in arena a that keeps at most max entries (0: unbounded). */
void gql_errors_init(struct gql_errors *errs, struct arena *a, size_t max);

/* Append an error with up to two locations (a location with line 0 is left out). Returns the
 * entry, or NULL when the list is full (the error is then dropped). */
struct gql_error *gql_errors_add(struct gql_errors *errs, struct gql_loc l1, struct gql_loc l2,
                                 const char *fmt, ...) PRINTF_FMT(4, 5);

/* True when the list reached its maximum. */
bool gql_errors_full(const struct gql_errors *errs);

/* ---------------------------------------------------------------------------------------
 * Parsing.
 */

/*
 * Parse src (executable definitions and/or type-system definitions) into a tree allocated
 * in a. The tree borrows src: keep it alive as long as the tree. Returns RC_OK, RC_INVAL (a
 * syntax error: one entry in errs, "Syntax Error: ..." with its location) or RC_LIMIT (a
 * limit of lim was reached: one entry in errs naming the limit). lim may be NULL (defaults).
 * *out_doc is NULL on failure.
 */
WARN_UNUSED int gql_parse(struct arena *a, struct str src, const struct gql_limits *lim,
                          struct gql_errors *errs, struct gql_document **out_doc);
