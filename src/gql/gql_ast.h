/* SPDX-License-Identifier: MIT */
/*
 * The GraphQL syntax tree: one node struct for every kind of the language (executable
 * documents and SDL). The parser allocates every node in the caller's arena; names and
 * literal texts are slices into the source text, which must outlive the tree (processed string
 * values with escapes are copied into the arena). Start with enum gql_kind.
 * Thread contract: a tree is used by one thread at a time; a finished tree is read-only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/str.h"

struct gql_node;

/* A growable array of nodes (VEC-compatible: VEC_PUSH_ARENA works on it). */
struct gql_list {
    struct gql_node **items;
    size_t count;
    size_t cap;
};

/* A 1-based line and column (columns count UTF-16 code units, as graphql-js does). */
struct gql_loc {
    uint32_t line;
    uint32_t column;
};

enum gql_kind {
    GQL_DOCUMENT,        /* children: definitions */
    GQL_OPERATION,       /* op, name (may be empty), args: VARIABLE_DEF, directives, children */
    GQL_VARIABLE_DEF,    /* name, type, value: default (or NULL), directives */
    GQL_FIELD,           /* alias (may be empty), name, args: ARGUMENT, directives, children */
    GQL_FRAGMENT_SPREAD, /* name, directives */
    GQL_INLINE_FRAGMENT, /* type: NAMED_TYPE or NULL, directives, children */
    GQL_FRAGMENT_DEF,    /* name, type: NAMED_TYPE condition, directives, children */
    GQL_ARGUMENT,        /* name, value */
    GQL_DIRECTIVE,       /* name, args: ARGUMENT */
    /* values */
    GQL_VARIABLE, /* name */
    GQL_INT,      /* text */
    GQL_FLOAT,    /* text */
    GQL_STRING,   /* text: the processed value; flag: block string */
    GQL_BOOLEAN,  /* flag */
    GQL_NULL,
    GQL_ENUM,         /* text */
    GQL_LIST,         /* children: values */
    GQL_OBJECT,       /* children: OBJECT_FIELD */
    GQL_OBJECT_FIELD, /* name, value */
    /* type references */
    GQL_NAMED_TYPE,    /* name */
    GQL_LIST_TYPE,     /* type: the item type */
    GQL_NON_NULL_TYPE, /* type: NAMED_TYPE or LIST_TYPE */
    /* type system (flag on *_DEF: "extend"; description on definitions) */
    GQL_SCHEMA_DEF,         /* directives, children: OPERATION_TYPE_DEF */
    GQL_OPERATION_TYPE_DEF, /* op, type: NAMED_TYPE */
    GQL_SCALAR_DEF,         /* name, directives */
    GQL_OBJECT_DEF,         /* name, interfaces, directives, children: FIELD_DEF */
    GQL_INTERFACE_DEF,      /* same as OBJECT_DEF */
    GQL_UNION_DEF,          /* name, directives, children: NAMED_TYPE members */
    GQL_ENUM_DEF,           /* name, directives, children: ENUM_VALUE_DEF */
    GQL_INPUT_OBJECT_DEF,   /* name, directives, children: INPUT_VALUE_DEF */
    GQL_FIELD_DEF,          /* name, args: INPUT_VALUE_DEF, type, directives */
    GQL_INPUT_VALUE_DEF,    /* name, type, value: default or NULL, directives */
    GQL_ENUM_VALUE_DEF,     /* name, directives */
    GQL_DIRECTIVE_DEF,      /* name, args, flag: repeatable, children: NAME (locations) */
    GQL_NAME,               /* name (directive locations) */
    GQL_KIND_COUNT,
};

enum gql_op {
    GQL_OP_QUERY,
    GQL_OP_MUTATION,
    GQL_OP_SUBSCRIPTION,
};

struct gql_node {
    enum gql_kind kind;
    enum gql_op op;
    bool flag;
    struct gql_loc loc;      /* where the node starts */
    struct gql_loc name_loc; /* where its name starts (line 0: no name) */
    struct gql_loc sel_loc;  /* where its selection set's '{' is (line 0: none) */
    struct str name;
    struct str alias;
    struct str text;        /* literal value text (processed for strings) */
    struct str description; /* type-system definitions; .ptr NULL when absent */
    struct gql_node *type;
    struct gql_node *value;
    struct gql_list args;
    struct gql_list directives;
    struct gql_list children;
    struct gql_list interfaces;
};

/* A parsed document: the tree and the source it points into. */
struct gql_document {
    struct gql_node *root; /* GQL_DOCUMENT */
    struct str source;
    size_t token_count;
};

/* Return the name of a node kind ("Field"), static storage. */
const char *gql_kind_name(enum gql_kind kind);
