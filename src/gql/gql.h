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
struct json_value;
struct json_writer;

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
/* One element of an error's path: a response key or a list index. */
struct gql_path_seg {
    struct str key; /* .ptr NULL for an index */
    size_t index;
};

struct gql_error {
    struct str message;
    struct gql_loc *locs;
    size_t loc_count;
    struct gql_path_seg *path; /* execution errors: where in the result */
    size_t path_len;
    struct str code;            /* extensions.code ("GRAPHQL_PARSE_FAILED"), may be empty */
    struct str extensions_json; /* a resolver's error extensions (a JSON object), or empty */
};

/* A list of errors in an arena. Initialise with gql_errors_init(). */
struct gql_errors {
    struct gql_error *items;
    size_t count;
    size_t cap;
    struct arena *arena; /* private */
    size_t max;          /* private: 0 = unbounded */
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

/* ---------------------------------------------------------------------------------------
 * Schema (gql_schema.c). Built once from SDL (several pieces may be added), then frozen by
 * gql_schema_build(); after that the structures below are read-only and may be shared.
 * Every string and node of a schema lives in the schema's own arena.
 */
enum gql_type_kind {
    GQL_TYPE_SCALAR,
    GQL_TYPE_OBJECT,
    GQL_TYPE_INTERFACE,
    GQL_TYPE_UNION,
    GQL_TYPE_ENUM,
    GQL_TYPE_INPUT_OBJECT,
};

enum gql_ref_kind {
    GQL_REF_NAMED,
    GQL_REF_LIST,
    GQL_REF_NON_NULL,
};

struct gql_type;
struct gql_scalar_ops;
struct gql_resolve;

enum gql_scalar {
    GQL_SCALAR_CUSTOM,
    GQL_SCALAR_INT,
    GQL_SCALAR_FLOAT,
    GQL_SCALAR_STRING,
    GQL_SCALAR_BOOLEAN,
    GQL_SCALAR_ID,
};

/* A type reference: Named, [of] or of!. */
struct gql_type_ref {
    enum gql_ref_kind kind;
    struct gql_type_ref *of; /* LIST and NON_NULL */
    struct gql_type *named;  /* NAMED */
};

/* An argument or input field. */
struct gql_input_value {
    struct str name;
    struct str description; /* .ptr NULL when absent */
    struct gql_type_ref *type;
    struct gql_node *default_value; /* const value literal or NULL */
    bool deprecated;
    struct str deprecation_reason;
    struct gql_node *node;
};

/*
 * A field resolver: called once per field to resolve, on the executing thread. It must call
 * gql_resolve_complete() or gql_resolve_fail() on r exactly once, either before returning or
 * later on the same thread (a JavaScript Promise settles later); execution resumes when every
 * pending field has completed. arg is the pointer given when the resolver was set.
 */
typedef void gql_resolver_fn(struct gql_resolve *r, void *arg);

struct gql_field {
    struct str name;
    struct str description;
    struct gql_type_ref *type;
    struct gql_input_value *args;
    size_t arg_count;
    bool deprecated;
    struct str deprecation_reason;
    struct gql_type *parent;
    gql_resolver_fn *resolve; /* NULL: the default resolver (the parent's property) */
    void *resolve_arg;
    gql_resolver_fn *subscribe; /* Subscription fields: creates the source stream */
    void *subscribe_arg;
    struct gql_node *node;
};

struct gql_enum_value {
    struct str name;
    struct str description;
    bool deprecated;
    struct str deprecation_reason;
    struct gql_node *node;
};

struct gql_type {
    enum gql_type_kind kind;
    struct str name;
    struct str description;
    bool builtin;           /* specified scalars and introspection types */
    bool hidden;            /* an unreferenced built-in scalar (not in the schema) */
    enum gql_scalar scalar; /* SCALAR: which specified scalar, or GQL_SCALAR_CUSTOM */
    const struct gql_scalar_ops *scalar_ops; /* custom SCALAR behaviour, or NULL (pass-through) */
    struct gql_field *fields;                /* OBJECT, INTERFACE */
    size_t field_count;
    struct gql_type **interfaces; /* OBJECT, INTERFACE */
    size_t interface_count;
    struct gql_type **possible; /* UNION members; INTERFACE: implementing objects */
    size_t possible_count;
    struct gql_enum_value *values; /* ENUM */
    size_t value_count;
    struct gql_input_value *input_fields; /* INPUT_OBJECT */
    size_t input_field_count;
    struct str specified_by_url; /* SCALAR; .ptr NULL when absent */
    bool one_of;                 /* INPUT_OBJECT with @oneOf */
    struct gql_node *node;
    struct gql_list ext_nodes; /* private: extensions, merged at build */
    bool mark;                 /* private: used while ordering the type map */
};

/* Directive locations as bits (1u << GQL_LOC_*). */
enum gql_dir_loc {
    GQL_LOC_QUERY,
    GQL_LOC_MUTATION,
    GQL_LOC_SUBSCRIPTION,
    GQL_LOC_FIELD,
    GQL_LOC_FRAGMENT_DEFINITION,
    GQL_LOC_FRAGMENT_SPREAD,
    GQL_LOC_INLINE_FRAGMENT,
    GQL_LOC_VARIABLE_DEFINITION,
    GQL_LOC_SCHEMA,
    GQL_LOC_SCALAR,
    GQL_LOC_OBJECT,
    GQL_LOC_FIELD_DEFINITION,
    GQL_LOC_ARGUMENT_DEFINITION,
    GQL_LOC_INTERFACE,
    GQL_LOC_UNION,
    GQL_LOC_ENUM,
    GQL_LOC_ENUM_VALUE,
    GQL_LOC_INPUT_OBJECT,
    GQL_LOC_INPUT_FIELD_DEFINITION,
    GQL_LOC_DIRECTIVE_DEFINITION,
    GQL_LOC_COUNT,
};

struct gql_directive_def {
    struct str name;
    struct str description;
    struct gql_input_value *args;
    size_t arg_count;
    unsigned locations;      /* bits of enum gql_dir_loc */
    uint8_t *location_order; /* the locations as declared (introspection order) */
    size_t location_count;
    bool repeatable;
    bool builtin;
    bool deprecated;
    struct str deprecation_reason;
    struct gql_node *node;
};

struct gql_schema;

/* Return an owned empty schema holding the specified scalars and directives; free with
 * gql_schema_free(). */
struct gql_schema *gql_schema_new(void);

/* Free the schema and everything it owns. NULL is a no-op. */
void gql_schema_free(struct gql_schema *s);

/*
 * Add an SDL document (definitions and extensions) to a schema not yet built. The text is
 * copied. Returns RC_OK, or RC_INVAL/RC_LIMIT with syntax errors (or "executable definitions
 * are not allowed") appended to errs; errs must live in an arena of the caller's.
 * `type Query/Mutation/Subscription` may appear in several documents: their fields are merged.
 */
WARN_UNUSED int gql_schema_add_sdl(struct gql_schema *s, struct str sdl, struct gql_errors *errs);

/*
 * Add one field to the root type of op, from a field definition ("post(id: ID!): Post"),
 * with its resolver (and, for subscriptions, subscribe; both may be NULL). Returns RC_OK or
 * RC_INVAL (syntax error in errs).
 */
WARN_UNUSED int gql_schema_add_root_field(struct gql_schema *s, enum gql_op op,
                                          struct str field_sdl, gql_resolver_fn *resolve,
                                          void *resolve_arg, gql_resolver_fn *subscribe,
                                          void *subscribe_arg, struct gql_errors *errs);

/*
 * Set the resolver of type_name.field_name (after gql_schema_build()). Returns RC_OK or
 * RC_NOTFOUND.
 */
WARN_UNUSED int gql_schema_set_resolver(struct gql_schema *s, struct str type_name,
                                        struct str field_name, gql_resolver_fn *resolve,
                                        void *resolve_arg);

/*
 * Resolve every type reference, apply extensions and check the schema against the type
 * system rules (spec section 3 "Type Validation"), with graphql-js's messages. Returns RC_OK
 * (the schema is frozen) or RC_INVAL with every problem in errs.
 */
WARN_UNUSED int gql_schema_build(struct gql_schema *s, struct gql_errors *errs);

/*
 * Behaviour of a custom scalar (Kiln's JSON and DateTime, a script's own). Each hook returns
 * the coerced value (allocated in a), or NULL with *out_error set to a message (allocated in
 * a) such as "DateTime cannot represent an invalid date-time string: \"x\"". A NULL hook
 * passes values through unchanged, as graphql-js does without serialize/parseValue.
 */
struct gql_scalar_ops {
    /* A resolver's value, for the response (may return a list or object, e.g. JSON). */
    struct gql_value *(*serialize)(const struct gql_value *v, struct arena *a,
                                   struct str *out_error);
    /* A variable's value (from JSON). */
    struct gql_value *(*parse_value)(const struct gql_value *v, struct arena *a,
                                     struct str *out_error);
    /* A literal in the document, already converted to a value (variables not allowed). */
    struct gql_value *(*parse_literal)(const struct gql_value *v, struct arena *a,
                                       struct str *out_error);
};

/* Attach ops (borrowed: static storage) to the custom scalar name of a built schema. Returns
 * RC_OK or RC_NOTFOUND (no such custom scalar). */
WARN_UNUSED int gql_schema_set_scalar(struct gql_schema *s, struct str name,
                                      const struct gql_scalar_ops *ops);

/* Return the named type, or NULL. Borrowed; valid as long as the schema. */
struct gql_type *gql_schema_find_type(const struct gql_schema *s, struct str name);

/* Return the root type of op, or NULL when the schema has none. */
struct gql_type *gql_schema_root(const struct gql_schema *s, enum gql_op op);

/* Return the directive named name (without '@'), or NULL. */
struct gql_directive_def *gql_schema_find_directive(const struct gql_schema *s, struct str name);

/* Return the field named name of an object or interface type, or NULL. */
struct gql_field *gql_type_find_field(const struct gql_type *t, struct str name);

/* Return the input field named name of an input object type, or NULL. */
struct gql_input_value *gql_type_find_input_field(const struct gql_type *t, struct str name);

/* True when object type obj is a possible type of abstract type t (or is t). */
bool gql_type_is_possible(const struct gql_type *t, const struct gql_type *obj);

/* The named type at the core of r. */
struct gql_type *gql_ref_named(const struct gql_type_ref *r);

/* Print r as GraphQL writes it ("[Int!]!") into a. */
struct str gql_ref_print(struct arena *a, const struct gql_type_ref *r);

/* ---------------------------------------------------------------------------------------
 * Validation (gql_validate.c): every rule of the specification's Validation section, with the
 * messages and locations graphql-js reports, in graphql-js's order.
 */

/*
 * Validate doc against a built schema. Errors are appended to errs (which bounds their
 * number: when it is full validation stops). Returns RC_OK (valid) or RC_INVAL.
 * Borrows everything for the duration of the call; scratch memory comes from a.
 */
WARN_UNUSED int gql_validate(struct arena *a, const struct gql_schema *s,
                             const struct gql_document *doc, struct gql_errors *errs);

/*
 * Check the abuse limits of lim (selection depth, fields and aliases after fragment
 * expansion) for the operation op of doc (from gql_find_operation()). Returns RC_OK or
 * RC_LIMIT with one error (code GRAPHQL_LIMIT) naming the limit and the value.
 */
WARN_UNUSED int gql_check_limits(const struct gql_document *doc, const struct gql_node *op,
                                 const struct gql_limits *lim, struct gql_errors *errs);

/*
 * Find the operation to run: the one named name, or the only one when name is empty.
 * Returns RC_OK, or RC_INVAL with the graphql-js error ("Must provide operation name if query
 * contains multiple operations.", "Unknown operation named \"x\".").
 */
WARN_UNUSED int gql_find_operation(const struct gql_document *doc, struct str name,
                                   struct gql_errors *errs, const struct gql_node **out_op);

/* ---------------------------------------------------------------------------------------
 * Values (gql_value.c): coerced arguments and variables, and what resolvers return.
 */
enum gql_value_kind {
    GQL_VAL_NULL,
    GQL_VAL_BOOL,
    GQL_VAL_INT,
    GQL_VAL_FLOAT,
    GQL_VAL_STRING, /* also enum values (by name) and IDs */
    GQL_VAL_LIST,
    GQL_VAL_OBJECT,
    GQL_VAL_HOST, /* a value owned by the embedder (a JS object), read through ops */
};

struct gql_value;
struct arena;
struct json_value;
struct json_writer;

/* Accessors for GQL_VAL_HOST values (the extension point for the JavaScript layer): the
 * default resolver asks a host object for a property; completion asks for list items and, for
 * abstract types, the runtime type name. Each returns a value allocated in a. */
struct gql_host_ops {
    struct gql_value *(*get)(void *host, struct str name, struct arena *a);
    bool (*is_list)(void *host);
    size_t (*list_count)(void *host);
    struct gql_value *(*list_item)(void *host, size_t i, struct arena *a);
    struct str (*type_name)(void *host); /* empty when unknown */
};

struct gql_member {
    struct str key;
    struct gql_value *value;
};

struct gql_value {
    enum gql_value_kind kind;

    union {
        bool b;
        int64_t i;
        double f;
        struct str s;

        struct {
            struct gql_value **items;
            size_t count;
        } list;

        struct {
            struct gql_member *members;
            size_t count;
        } obj;

        struct {
            void *ptr;
            const struct gql_host_ops *ops;
        } host;
    };
};

/* Constructors; every value is allocated in a. */
struct gql_value *gql_value_null(struct arena *a);
struct gql_value *gql_value_bool(struct arena *a, bool b);
struct gql_value *gql_value_int(struct arena *a, int64_t i);
struct gql_value *gql_value_float(struct arena *a, double f);
struct gql_value *gql_value_string(struct arena *a, struct str s); /* s is copied */
struct gql_value *gql_value_list(struct arena *a, size_t count);   /* items NULL-filled */
struct gql_value *gql_value_object(struct arena *a, size_t count); /* members to fill */
struct gql_value *gql_value_host(struct arena *a, void *ptr, const struct gql_host_ops *ops);
/* Return the member key of an object value, or NULL. */
struct gql_value *gql_value_get(const struct gql_value *obj, struct str key);
/* Convert a parsed JSON tree (base/json.h) to a value. */
struct gql_value *gql_value_from_json(struct arena *a, const struct json_value *j);

/* ---------------------------------------------------------------------------------------
 * Execution (gql_exec.c).
 */
struct gql_exec;

struct gql_exec_params {
    const struct gql_schema *schema;
    const struct gql_document *doc;     /* parsed and validated */
    struct str operation_name;          /* empty: the only operation */
    const struct json_value *variables; /* JSON object or NULL */
    struct gql_value *root_value;       /* parent of the root fields, or NULL */
    void *context;                      /* given to every resolver */
    /* Called once when the result is complete (possibly inside gql_execute() itself when
     * every resolver completed synchronously). */
    void (*on_done)(struct gql_exec *ex, void *arg);
    void *on_done_arg;
};

/* Start executing. Everything lives in a (the request's arena), which must outlive the
 * execution. Returns RC_OK with *out_ex set (check gql_exec_done()), or RC_INVAL when the
 * request is invalid before execution (unknown operation, bad variables: the errors are in
 * the result; on_done has been called). */
WARN_UNUSED int gql_execute(struct arena *a, const struct gql_exec_params *p,
                            struct gql_exec **out_ex);

/* True once every field has completed. */
bool gql_exec_done(const struct gql_exec *ex);

/* Write the GraphQL-over-HTTP response to w: {"data": ...} or {"errors": [...], "data": ...}
 * (graphql-js's key order). Requires gql_exec_done(). */
void gql_exec_write(const struct gql_exec *ex, struct json_writer *w);

/* The errors collected so far. Borrowed. */
const struct gql_errors *gql_exec_errors(const struct gql_exec *ex);

/* Resolver side. All values passed in are borrowed for the execution's lifetime. */
const struct gql_value *gql_resolve_parent(const struct gql_resolve *r);
/* The coerced argument name (NULL when absent and without default). */
const struct gql_value *gql_resolve_arg(const struct gql_resolve *r, struct str name);
const struct gql_field *gql_resolve_field(const struct gql_resolve *r);
void *gql_resolve_context(const struct gql_resolve *r);
struct arena *gql_resolve_arena(const struct gql_resolve *r);
/* Complete the field with v (allocated in gql_resolve_arena()). Exactly once per call. */
void gql_resolve_complete(struct gql_resolve *r, struct gql_value *v);
/* Fail the field with message (copied): the field becomes null with an error. */
void gql_resolve_fail(struct gql_resolve *r, struct str message);
/* Same, with the error's "extensions" given as serialised JSON (an object, copied; trusted:
 * written as is). */
void gql_resolve_fail_ext(struct gql_resolve *r, struct str message, struct str extensions_json);

/* Set the response's top-level "extensions" (serialised JSON object, copied; trusted). */
void gql_exec_set_extensions(struct gql_exec *ex, struct str extensions_json);

/* Write an "errors" array (message, locations, path) as GraphQL responses carry it. */
void gql_write_errors(struct json_writer *w, const struct gql_errors *errs);

/* ---------------------------------------------------------------------------------------
 * Subscriptions (spec 6.2.3): gql_subscribe() creates the source stream once by calling the
 * root field's subscribe resolver (which completes with a value standing for the stream, e.g.
 * a host handle); each event is then executed with gql_execute() on the same document and
 * variables, with params.root_value = the event (MapSourceToResponseEvent): the root field's
 * resolver, or the default one, reads it.
 */
struct gql_subscription;

/*
 * Start a subscription: find the operation (it must be a subscription), coerce variables and
 * the root field's arguments, and call its subscribe resolver. on_done (in p) is called when
 * the resolver completed; then gql_subscription_stream() gives its value, or
 * gql_subscription_errors() the errors (request errors or the resolver's failure).
 * Returns RC_OK, or RC_INVAL for a request error (on_done has been called).
 */
WARN_UNUSED int gql_subscribe(struct arena *a, const struct gql_exec_params *p,
                              struct gql_subscription **out_sub);

/* The source stream value (NULL until complete, or on failure). Borrowed. */
const struct gql_value *gql_subscription_stream(const struct gql_subscription *sub);

/* The errors of creating the stream (empty on success). Borrowed. */
const struct gql_errors *gql_subscription_errors(const struct gql_subscription *sub);

/* Print the user-defined part of a built schema as SDL (graphql-js printSchema's format:
 * built-in scalars, directives and introspection types left out). Returns the text in a. */
struct str gql_print_schema(struct arena *a, const struct gql_schema *s);
