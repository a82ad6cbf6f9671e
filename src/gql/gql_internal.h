/* SPDX-License-Identifier: MIT */
/*
 * Private to src/gql and its unit tests: the lexer's token stream and helpers shared by the
 * parser, the schema builder and the validator.
 * Thread contract: one thread at a time.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/defs.h"
#include "base/str.h"
#include "gql/gql.h"

struct arena;

enum gql_tok {
    GQL_TOK_SOF,
    GQL_TOK_EOF,
    GQL_TOK_BANG,
    GQL_TOK_DOLLAR,
    GQL_TOK_AMP,
    GQL_TOK_PAREN_L,
    GQL_TOK_PAREN_R,
    GQL_TOK_SPREAD,
    GQL_TOK_COLON,
    GQL_TOK_EQUALS,
    GQL_TOK_AT,
    GQL_TOK_BRACKET_L,
    GQL_TOK_BRACKET_R,
    GQL_TOK_BRACE_L,
    GQL_TOK_PIPE,
    GQL_TOK_BRACE_R,
    GQL_TOK_NAME,
    GQL_TOK_INT,
    GQL_TOK_FLOAT,
    GQL_TOK_STRING,
    GQL_TOK_BLOCK_STRING,
};

struct gql_token {
    enum gql_tok kind;
    struct str text;  /* raw source text of the token (names, numbers) */
    struct str value; /* processed value of a string; raw text otherwise */
    struct gql_loc loc;
    size_t offset;
};

struct gql_lexer {
    struct arena *arena;
    struct str src;
    size_t pos;
    uint32_t line;
    size_t line_start; /* offset of the current line's first byte */
    size_t col_offset; /* column cache: the column at col_offset is col_value */
    uint32_t col_value;
    size_t token_count;
    size_t max_tokens;
    struct gql_token tok; /* the current token */
    struct gql_errors *errs;
};

/* Start lexing src; the first call to gql_lex_next() reads the first token. */
void gql_lex_init(struct gql_lexer *lx, struct arena *a, struct str src, size_t max_tokens,
                  struct gql_errors *errs);

/* Read the next token into lx->tok. Returns RC_OK, RC_INVAL (syntax error recorded in
 * lx->errs) or RC_LIMIT (token count). */
WARN_UNUSED int gql_lex_next(struct gql_lexer *lx);

/* Describe a token kind the way graphql-js does ("Name", "\"{\"", "<EOF>"). */
const char *gql_tok_kind_desc(enum gql_tok kind);

/* Compute the dedented value of a block string's raw content (between the quotes, with \"""
 * already unescaped) into a. */
struct str gql_block_string_value(struct arena *a, struct str raw);

/* True when s is a valid GraphQL Name. */
bool gql_is_name(struct str s);

/* The built-in scalars, directives and introspection types as SDL (gql_builtin.c). */
extern const char gql_builtin_sdl[];

/* Names of directive locations, indexed by enum gql_dir_loc. */
extern const char *const gql_dir_loc_names[GQL_LOC_COUNT];

/* Type-reference predicates shared by the schema builder and the validator. */
bool gql_type_is_input(const struct gql_type *t);
bool gql_type_is_output(const struct gql_type *t);
bool gql_type_is_abstract(const struct gql_type *t);
bool gql_type_is_composite(const struct gql_type *t);
bool gql_ref_equal(const struct gql_type_ref *a, const struct gql_type_ref *b);
/* True when sub may be used where super is expected (spec IsSubType / graphql-js
 * isTypeSubTypeOf). */
bool gql_ref_is_subtype(const struct gql_type_ref *sub, const struct gql_type_ref *super);
/* True when object or interface t implements interface iface. */
bool gql_type_implements(const struct gql_type *t, const struct gql_type *iface);
/* The schema's types in definition order (built-ins first) and its directives. */
struct gql_type *const *gql_schema_types(const struct gql_schema *s, size_t *out_count);
struct gql_directive_def *const *gql_schema_directives(const struct gql_schema *s,
                                                       size_t *out_count);
struct str gql_schema_description(const struct gql_schema *s);

/* The meta-field name (__typename on any composite type; __schema and __type on the query
 * root) of parent, or NULL. */
struct gql_field *gql_schema_meta_field(const struct gql_schema *s, const struct gql_type *parent,
                                        struct str name);

/* Print a value literal as graphql-js's print() does ("{a: [1, \"x\"]}") into a. */
struct str gql_print_value(struct arena *a, const struct gql_node *v);

/* graphql-js's suggestionList + didYouMean: append " Did you mean ...?" for the options close
 * to input (or nothing) to out. sub may be NULL ("to use an inline fragment on"). */
struct buf;
void gql_did_you_mean(struct buf *out, const char *sub, struct str input, const struct str *options,
                      size_t count);

/* The options close to input, sorted as graphql-js sorts them; returns the count written to
 * out (at most count). */
size_t gql_suggestion_list(struct arena *a, struct str input, const struct str *options,
                           size_t count, struct str *out);

/* graphql-js naturalCompare: digits compare as numbers. */
int gql_natural_compare(struct str a, struct str b);

/* The built-in resolver of an introspection field (gql_introspect.c); *out_arg gets its
 * argument. */
gql_resolver_fn *gql_introspection_resolver(const struct gql_schema *s, const struct gql_field *f,
                                            void **out_arg);

/* Print a default value the way graphql-js does after coercing it (astFromValue + print):
 * input objects list their fields in definition order with field defaults filled in, numbers
 * are normalised ("1.0" as 1), integer-like IDs unquoted. */
struct str gql_print_default(struct arena *a, const struct gql_node *v,
                             const struct gql_type_ref *type);

/* Check a constant literal against an input type with ValuesOfCorrectType's checks (graphql-js
 * messages), each message prefixed with prefix; errors go to errs, or nowhere when errs is NULL.
 * The schema's types must be resolved. Returns the number of problems found. */
size_t gql_check_literal(struct arena *a, const struct gql_schema *s, const struct gql_node *value,
                         const struct gql_type_ref *type, struct str prefix,
                         struct gql_errors *errs);

/* Convert a literal (no variables: they become null) to an untyped value in a. */
struct gql_value *gql_value_from_literal(struct arena *a, const struct gql_node *n);

/* Append n to l, growing it in arena a. */
void gql_list_push(struct arena *a, struct gql_list *l, struct gql_node *n);

/* Print an AST type reference ("[Int!]!") into a. */
struct str gql_print_ast_type(struct arena *a, const struct gql_node *t);
