/* SPDX-License-Identifier: MIT */
/*
 * The GraphQL parser (spec section 2 and 3): recursive descent over gql_lex.c's tokens,
 * building struct gql_node trees in the caller's arena. It follows the grammar of the
 * October 2021 specification plus the stable working-draft additions (descriptions
 * everywhere, repeatable directives, interfaces implementing interfaces, \u{...} escapes).
 * The first syntax error stops the parse; its message and location match graphql-js.
 * Nesting (selections, values, type references) is bounded by limits.max_nesting, so
 * recursion depth never depends on the input alone. Functions here return early through TRY:
 * they own nothing that needs cleanup (all memory is in the arena).
 * Thread contract: one parse per thread at a time.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/rc.h"
#include "base/vec.h"
#include "gql/gql_internal.h"

#define TRY(expr)               \
    do {                        \
        int try_rc_ = (expr);   \
        if (try_rc_ != RC_OK) { \
            return try_rc_;     \
        }                       \
    } while (0)

struct parser {
    struct gql_lexer lx;
    struct arena *arena;
    size_t nesting;
    size_t max_nesting;
};

static const char *const kind_names[] = {
    [GQL_DOCUMENT] = "Document",
    [GQL_OPERATION] = "OperationDefinition",
    [GQL_VARIABLE_DEF] = "VariableDefinition",
    [GQL_FIELD] = "Field",
    [GQL_FRAGMENT_SPREAD] = "FragmentSpread",
    [GQL_INLINE_FRAGMENT] = "InlineFragment",
    [GQL_FRAGMENT_DEF] = "FragmentDefinition",
    [GQL_ARGUMENT] = "Argument",
    [GQL_DIRECTIVE] = "Directive",
    [GQL_VARIABLE] = "Variable",
    [GQL_INT] = "IntValue",
    [GQL_FLOAT] = "FloatValue",
    [GQL_STRING] = "StringValue",
    [GQL_BOOLEAN] = "BooleanValue",
    [GQL_NULL] = "NullValue",
    [GQL_ENUM] = "EnumValue",
    [GQL_LIST] = "ListValue",
    [GQL_OBJECT] = "ObjectValue",
    [GQL_OBJECT_FIELD] = "ObjectField",
    [GQL_NAMED_TYPE] = "NamedType",
    [GQL_LIST_TYPE] = "ListType",
    [GQL_NON_NULL_TYPE] = "NonNullType",
    [GQL_SCHEMA_DEF] = "SchemaDefinition",
    [GQL_OPERATION_TYPE_DEF] = "OperationTypeDefinition",
    [GQL_SCALAR_DEF] = "ScalarTypeDefinition",
    [GQL_OBJECT_DEF] = "ObjectTypeDefinition",
    [GQL_INTERFACE_DEF] = "InterfaceTypeDefinition",
    [GQL_UNION_DEF] = "UnionTypeDefinition",
    [GQL_ENUM_DEF] = "EnumTypeDefinition",
    [GQL_INPUT_OBJECT_DEF] = "InputObjectTypeDefinition",
    [GQL_FIELD_DEF] = "FieldDefinition",
    [GQL_INPUT_VALUE_DEF] = "InputValueDefinition",
    [GQL_ENUM_VALUE_DEF] = "EnumValueDefinition",
    [GQL_DIRECTIVE_DEF] = "DirectiveDefinition",
    [GQL_NAME] = "Name",
};

const char *gql_kind_name(enum gql_kind kind)
{
    return kind < GQL_KIND_COUNT ? kind_names[kind] : "Unknown";
}

/* ------------------------------------------------------------------ token helpers */

static struct gql_token *cur(struct parser *p)
{
    return &p->lx.tok;
}

static bool peek(struct parser *p, enum gql_tok kind)
{
    return p->lx.tok.kind == kind;
}

static bool peek_keyword(struct parser *p, const char *kw)
{
    return p->lx.tok.kind == GQL_TOK_NAME && str_eq_cstr(p->lx.tok.text, kw);
}

static int advance(struct parser *p)
{
    return gql_lex_next(&p->lx);
}

static int syntax_error(struct parser *p, struct gql_loc loc, const char *fmt, ...)
    PRINTF_FMT(3, 4);

static int syntax_error(struct parser *p, struct gql_loc loc, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct gql_error *e =
        gql_errors_add(p->lx.errs, loc, (struct gql_loc){ 0 }, "Syntax Error: %s", msg);
    if (e != NULL) {
        e->code = STR("GRAPHQL_PARSE_FAILED");
    }
    return RC_INVAL;
}

/* graphql-js's getTokenDesc: the kind, plus the value for names, numbers and strings. */
static void token_desc(const struct gql_token *t, char *out, size_t cap)
{
    const char *kind = gql_tok_kind_desc(t->kind);
    switch (t->kind) {
    case GQL_TOK_NAME:
    case GQL_TOK_INT:
    case GQL_TOK_FLOAT:
    case GQL_TOK_STRING:
    case GQL_TOK_BLOCK_STRING: {
        struct str v = t->value;
        int n = v.len > 200 ? 200 : (int)v.len;
        snprintf(out, cap, "%s \"%.*s\"", kind, n, v.ptr);
        break;
    }
    default:
        snprintf(out, cap, "%s", kind);
        break;
    }
}

static int unexpected(struct parser *p)
{
    char d[256];
    token_desc(cur(p), d, sizeof(d));
    return syntax_error(p, cur(p)->loc, "Unexpected %s.", d);
}

static int expect(struct parser *p, enum gql_tok kind)
{
    if (peek(p, kind)) {
        return advance(p);
    }
    char d[256];
    token_desc(cur(p), d, sizeof(d));
    return syntax_error(p, cur(p)->loc, "Expected %s, found %s.", gql_tok_kind_desc(kind), d);
}

/* Consume kind if it is next: *out_found says whether it was. */
static int expect_optional(struct parser *p, enum gql_tok kind, bool *out_found)
{
    *out_found = peek(p, kind);
    return *out_found ? advance(p) : RC_OK;
}

static int expect_keyword(struct parser *p, const char *kw)
{
    if (peek_keyword(p, kw)) {
        return advance(p);
    }
    char d[256];
    token_desc(cur(p), d, sizeof(d));
    return syntax_error(p, cur(p)->loc, "Expected \"%s\", found %s.", kw, d);
}

static int expect_optional_keyword(struct parser *p, const char *kw, bool *out_found)
{
    *out_found = peek_keyword(p, kw);
    return *out_found ? advance(p) : RC_OK;
}

static struct gql_node *new_node(struct parser *p, enum gql_kind kind, struct gql_loc loc)
{
    struct gql_node *n = arena_calloc(p->arena, 1, sizeof(*n));
    n->kind = kind;
    n->loc = loc;
    return n;
}

static void push(struct parser *p, struct gql_list *l, struct gql_node *n)
{
    gql_list_push(p->arena, l, n);
}

static int enter(struct parser *p)
{
    if (++p->nesting > p->max_nesting) {
        struct gql_error *e = gql_errors_add(
            p->lx.errs, cur(p)->loc, (struct gql_loc){ 0 },
            "Syntax Error: Document nesting exceeds the limit of %zu.", p->max_nesting);
        if (e != NULL) {
            e->code = STR("GRAPHQL_LIMIT");
        }
        return RC_LIMIT;
    }
    return RC_OK;
}

static void leave(struct parser *p)
{
    p->nesting--;
}

static int parse_name_at(struct parser *p, struct str *out_name, struct gql_loc *out_loc)
{
    if (!peek(p, GQL_TOK_NAME)) {
        return expect(p, GQL_TOK_NAME);
    }
    *out_name = cur(p)->text;
    *out_loc = cur(p)->loc;
    return advance(p);
}

/* Parse a Name into n->name, recording where it is. */
static int parse_name(struct parser *p, struct gql_node *n)
{
    return parse_name_at(p, &n->name, &n->name_loc);
}

/* ------------------------------------------------------------------ values and types */

static int parse_value(struct parser *p, bool is_const, struct gql_node **out);

static int parse_variable(struct parser *p, struct gql_node **out)
{
    struct gql_node *n = new_node(p, GQL_VARIABLE, cur(p)->loc);
    TRY(expect(p, GQL_TOK_DOLLAR));
    TRY(parse_name(p, n));
    *out = n;
    return RC_OK;
}

static int parse_list_value(struct parser *p, bool is_const, struct gql_node *n)
{
    TRY(advance(p));
    while (!peek(p, GQL_TOK_BRACKET_R)) {
        struct gql_node *item = NULL;
        TRY(parse_value(p, is_const, &item));
        push(p, &n->children, item);
    }
    return advance(p);
}

static int parse_object_value(struct parser *p, bool is_const, struct gql_node *n)
{
    TRY(advance(p));
    while (!peek(p, GQL_TOK_BRACE_R)) {
        struct gql_node *f = new_node(p, GQL_OBJECT_FIELD, cur(p)->loc);
        TRY(parse_name(p, f));
        TRY(expect(p, GQL_TOK_COLON));
        TRY(parse_value(p, is_const, &f->value));
        push(p, &n->children, f);
    }
    return advance(p);
}

static int parse_number_value(struct parser *p, struct gql_node **out)
{
    struct gql_token *t = cur(p);
    struct gql_node *n = new_node(p, t->kind == GQL_TOK_INT ? GQL_INT : GQL_FLOAT, t->loc);
    n->text = t->text;
    TRY(advance(p));
    *out = n;
    return RC_OK;
}

static int parse_string_value(struct parser *p, struct gql_node **out)
{
    struct gql_token *t = cur(p);
    struct gql_node *n = new_node(p, GQL_STRING, t->loc);
    n->text = t->value;
    n->flag = t->kind == GQL_TOK_BLOCK_STRING;
    TRY(advance(p));
    *out = n;
    return RC_OK;
}

/* A name in value position: true, false, null or an enum value. */
static int parse_name_value(struct parser *p, struct gql_node **out)
{
    struct gql_token *t = cur(p);
    struct gql_node *n = NULL;
    if (str_eq_cstr(t->text, "true") || str_eq_cstr(t->text, "false")) {
        n = new_node(p, GQL_BOOLEAN, t->loc);
        n->flag = str_eq_cstr(t->text, "true");
    } else if (str_eq_cstr(t->text, "null")) {
        n = new_node(p, GQL_NULL, t->loc);
    } else {
        n = new_node(p, GQL_ENUM, t->loc);
    }
    n->text = t->text;
    TRY(advance(p));
    *out = n;
    return RC_OK;
}

/* A '$' where only constant values are allowed: always a syntax error. */
static int reject_const_variable(struct parser *p)
{
    struct gql_loc loc = cur(p)->loc;
    TRY(advance(p));
    if (peek(p, GQL_TOK_NAME)) {
        return syntax_error(p, loc, "Unexpected variable \"$%.*s\" in constant value.",
                            STR_FMT(cur(p)->text));
    }
    return unexpected(p);
}

static int parse_composite_value(struct parser *p, bool is_const, struct gql_node **out)
{
    struct gql_token *t = cur(p);
    struct gql_node *n = NULL;
    if (t->kind == GQL_TOK_BRACKET_L) {
        n = new_node(p, GQL_LIST, t->loc);
        TRY(parse_list_value(p, is_const, n));
    } else {
        n = new_node(p, GQL_OBJECT, t->loc);
        TRY(parse_object_value(p, is_const, n));
    }
    *out = n;
    return RC_OK;
}

static int parse_value_inner(struct parser *p, bool is_const, struct gql_node **out)
{
    switch (cur(p)->kind) {
    case GQL_TOK_BRACKET_L:
    case GQL_TOK_BRACE_L:
        return parse_composite_value(p, is_const, out);
    case GQL_TOK_INT:
    case GQL_TOK_FLOAT:
        return parse_number_value(p, out);
    case GQL_TOK_STRING:
    case GQL_TOK_BLOCK_STRING:
        return parse_string_value(p, out);
    case GQL_TOK_NAME:
        return parse_name_value(p, out);
    case GQL_TOK_DOLLAR:
        return is_const ? reject_const_variable(p) : parse_variable(p, out);
    default:
        return unexpected(p);
    }
}

static int parse_value(struct parser *p, bool is_const, struct gql_node **out)
{
    TRY(enter(p));
    TRY(parse_value_inner(p, is_const, out));
    leave(p);
    return RC_OK;
}

static int parse_named_type(struct parser *p, struct gql_node **out)
{
    struct gql_node *n = new_node(p, GQL_NAMED_TYPE, cur(p)->loc);
    TRY(parse_name(p, n));
    *out = n;
    return RC_OK;
}

static int parse_type_ref(struct parser *p, struct gql_node **out);

/* '[' Type ']' */
static int parse_list_type(struct parser *p, struct gql_loc loc, struct gql_node **out)
{
    TRY(advance(p));
    struct gql_node *t = new_node(p, GQL_LIST_TYPE, loc);
    TRY(parse_type_ref(p, &t->type));
    TRY(expect(p, GQL_TOK_BRACKET_R));
    *out = t;
    return RC_OK;
}

/* Wrap *t in a NonNullType when a '!' follows. */
static int parse_non_null_suffix(struct parser *p, struct gql_loc loc, struct gql_node **t)
{
    bool bang = false;
    TRY(expect_optional(p, GQL_TOK_BANG, &bang));
    if (bang) {
        struct gql_node *nn = new_node(p, GQL_NON_NULL_TYPE, loc);
        nn->type = *t;
        *t = nn;
    }
    return RC_OK;
}

static int parse_type_ref(struct parser *p, struct gql_node **out)
{
    struct gql_loc loc = cur(p)->loc;
    struct gql_node *t = NULL;
    TRY(enter(p));
    if (peek(p, GQL_TOK_BRACKET_L)) {
        TRY(parse_list_type(p, loc, &t));
    } else {
        TRY(parse_named_type(p, &t));
    }
    TRY(parse_non_null_suffix(p, loc, &t));
    leave(p);
    *out = t;
    return RC_OK;
}

/* ------------------------------------------------------------------ directives, arguments */

static int parse_arguments(struct parser *p, bool is_const, struct gql_list *out)
{
    if (!peek(p, GQL_TOK_PAREN_L)) {
        return RC_OK;
    }
    TRY(advance(p));
    do {
        struct gql_node *a = new_node(p, GQL_ARGUMENT, cur(p)->loc);
        TRY(parse_name(p, a));
        TRY(expect(p, GQL_TOK_COLON));
        TRY(parse_value(p, is_const, &a->value));
        push(p, out, a);
    } while (!peek(p, GQL_TOK_PAREN_R));
    return advance(p);
}

static int parse_directives(struct parser *p, bool is_const, struct gql_list *out)
{
    while (peek(p, GQL_TOK_AT)) {
        struct gql_node *d = new_node(p, GQL_DIRECTIVE, cur(p)->loc);
        TRY(advance(p));
        TRY(parse_name(p, d));
        TRY(parse_arguments(p, is_const, &d->args));
        push(p, out, d);
    }
    return RC_OK;
}

/* ------------------------------------------------------------------ executable definitions */

static int parse_selection_set(struct parser *p, struct gql_node *owner);

static int parse_field(struct parser *p, struct gql_node **out)
{
    struct gql_node *f = new_node(p, GQL_FIELD, cur(p)->loc);
    struct str first = STR_NULL;
    struct gql_loc first_loc = { 0 };
    TRY(parse_name_at(p, &first, &first_loc));
    bool colon = false;
    TRY(expect_optional(p, GQL_TOK_COLON, &colon));
    if (colon) {
        f->alias = first;
        TRY(parse_name(p, f));
    } else {
        f->name = first;
        f->name_loc = first_loc;
    }
    TRY(parse_arguments(p, false, &f->args));
    TRY(parse_directives(p, false, &f->directives));
    if (peek(p, GQL_TOK_BRACE_L)) {
        TRY(parse_selection_set(p, f));
    }
    *out = f;
    return RC_OK;
}

static int parse_fragment_name(struct parser *p, struct gql_node *n)
{
    if (peek_keyword(p, "on")) {
        return unexpected(p);
    }
    return parse_name(p, n);
}

/* '...' FragmentName Directives? (after the '...') */
static int parse_fragment_spread(struct parser *p, struct gql_loc loc, struct gql_node **out)
{
    struct gql_node *s = new_node(p, GQL_FRAGMENT_SPREAD, loc);
    TRY(parse_fragment_name(p, s));
    TRY(parse_directives(p, false, &s->directives));
    *out = s;
    return RC_OK;
}

/* '...' TypeCondition? Directives? SelectionSet (after the '...' and the optional 'on') */
static int parse_inline_fragment(struct parser *p, struct gql_loc loc, bool has_cond,
                                 struct gql_node **out)
{
    struct gql_node *f = new_node(p, GQL_INLINE_FRAGMENT, loc);
    if (has_cond) {
        TRY(parse_named_type(p, &f->type));
    }
    TRY(parse_directives(p, false, &f->directives));
    TRY(parse_selection_set(p, f));
    *out = f;
    return RC_OK;
}

static int parse_fragment(struct parser *p, struct gql_node **out)
{
    struct gql_loc loc = cur(p)->loc;
    TRY(expect(p, GQL_TOK_SPREAD));
    bool has_cond = false;
    TRY(expect_optional_keyword(p, "on", &has_cond));
    if (!has_cond && peek(p, GQL_TOK_NAME)) {
        return parse_fragment_spread(p, loc, out);
    }
    return parse_inline_fragment(p, loc, has_cond, out);
}

static int parse_selection(struct parser *p, struct gql_node **out)
{
    if (peek(p, GQL_TOK_SPREAD)) {
        return parse_fragment(p, out);
    }
    return parse_field(p, out);
}

static int parse_selection_set(struct parser *p, struct gql_node *owner)
{
    struct gql_list *out = &owner->children;
    owner->sel_loc = cur(p)->loc;
    TRY(enter(p));
    TRY(expect(p, GQL_TOK_BRACE_L));
    do {
        struct gql_node *s = NULL;
        TRY(parse_selection(p, &s));
        push(p, out, s);
    } while (!peek(p, GQL_TOK_BRACE_R));
    TRY(advance(p));
    leave(p);
    return RC_OK;
}

static int parse_operation_type(struct parser *p, enum gql_op *out)
{
    if (peek_keyword(p, "query")) {
        *out = GQL_OP_QUERY;
    } else if (peek_keyword(p, "mutation")) {
        *out = GQL_OP_MUTATION;
    } else if (peek_keyword(p, "subscription")) {
        *out = GQL_OP_SUBSCRIPTION;
    } else {
        return unexpected(p);
    }
    return advance(p);
}

/* Variable ':' Type DefaultValue? Directives[Const]? */
static int parse_variable_def(struct parser *p, struct gql_node **out)
{
    struct gql_node *v = new_node(p, GQL_VARIABLE_DEF, cur(p)->loc);
    struct gql_node *var = NULL;
    TRY(parse_variable(p, &var));
    v->name = var->name;
    v->name_loc = var->name_loc;
    TRY(expect(p, GQL_TOK_COLON));
    TRY(parse_type_ref(p, &v->type));
    bool eq = false;
    TRY(expect_optional(p, GQL_TOK_EQUALS, &eq));
    if (eq) {
        TRY(parse_value(p, true, &v->value));
    }
    TRY(parse_directives(p, true, &v->directives));
    *out = v;
    return RC_OK;
}

static int parse_variable_defs(struct parser *p, struct gql_list *out)
{
    if (!peek(p, GQL_TOK_PAREN_L)) {
        return RC_OK;
    }
    TRY(advance(p));
    do {
        struct gql_node *v = NULL;
        TRY(parse_variable_def(p, &v));
        push(p, out, v);
    } while (!peek(p, GQL_TOK_PAREN_R));
    return advance(p);
}

/* OperationType Name? VariableDefinitions? Directives? (all but the selection set) */
static int parse_operation_header(struct parser *p, struct gql_node *op)
{
    TRY(parse_operation_type(p, &op->op));
    if (peek(p, GQL_TOK_NAME)) {
        TRY(parse_name(p, op));
    }
    TRY(parse_variable_defs(p, &op->args));
    return parse_directives(p, false, &op->directives);
}

static int parse_operation(struct parser *p, struct gql_node **out)
{
    struct gql_node *op = new_node(p, GQL_OPERATION, cur(p)->loc);
    op->op = GQL_OP_QUERY;
    if (!peek(p, GQL_TOK_BRACE_L)) {
        TRY(parse_operation_header(p, op));
    }
    TRY(parse_selection_set(p, op));
    *out = op;
    return RC_OK;
}

static int parse_fragment_def(struct parser *p, struct gql_node **out)
{
    struct gql_node *f = new_node(p, GQL_FRAGMENT_DEF, cur(p)->loc);
    TRY(expect_keyword(p, "fragment"));
    TRY(parse_fragment_name(p, f));
    TRY(expect_keyword(p, "on"));
    TRY(parse_named_type(p, &f->type));
    TRY(parse_directives(p, false, &f->directives));
    TRY(parse_selection_set(p, f));
    *out = f;
    return RC_OK;
}

/* ------------------------------------------------------------------ type system */

static int parse_description(struct parser *p, struct str *out)
{
    if (peek(p, GQL_TOK_STRING) || peek(p, GQL_TOK_BLOCK_STRING)) {
        *out = cur(p)->value;
        if (out->ptr == NULL) {
            *out = STR("");
        }
        return advance(p);
    }
    return RC_OK;
}

static int parse_input_value_def(struct parser *p, struct gql_node **out)
{
    struct gql_node *n = new_node(p, GQL_INPUT_VALUE_DEF, cur(p)->loc);
    TRY(parse_description(p, &n->description));
    TRY(parse_name(p, n));
    TRY(expect(p, GQL_TOK_COLON));
    TRY(parse_type_ref(p, &n->type));
    bool eq = false;
    TRY(expect_optional(p, GQL_TOK_EQUALS, &eq));
    if (eq) {
        TRY(parse_value(p, true, &n->value));
    }
    TRY(parse_directives(p, true, &n->directives));
    *out = n;
    return RC_OK;
}

static int parse_argument_defs(struct parser *p, struct gql_list *out)
{
    if (!peek(p, GQL_TOK_PAREN_L)) {
        return RC_OK;
    }
    TRY(advance(p));
    do {
        struct gql_node *a = NULL;
        TRY(parse_input_value_def(p, &a));
        push(p, out, a);
    } while (!peek(p, GQL_TOK_PAREN_R));
    return advance(p);
}

static int parse_field_def(struct parser *p, struct gql_node **out)
{
    struct gql_node *n = new_node(p, GQL_FIELD_DEF, cur(p)->loc);
    TRY(parse_description(p, &n->description));
    TRY(parse_name(p, n));
    TRY(parse_argument_defs(p, &n->args));
    TRY(expect(p, GQL_TOK_COLON));
    TRY(parse_type_ref(p, &n->type));
    TRY(parse_directives(p, true, &n->directives));
    *out = n;
    return RC_OK;
}

static int parse_enum_value_def(struct parser *p, struct gql_node **out)
{
    struct gql_node *n = new_node(p, GQL_ENUM_VALUE_DEF, cur(p)->loc);
    TRY(parse_description(p, &n->description));
    if (peek_keyword(p, "true") || peek_keyword(p, "false") || peek_keyword(p, "null")) {
        char d[256];
        token_desc(cur(p), d, sizeof(d));
        return syntax_error(p, cur(p)->loc, "%s is reserved and cannot be used for an enum value.",
                            d);
    }
    TRY(parse_name(p, n));
    TRY(parse_directives(p, true, &n->directives));
    *out = n;
    return RC_OK;
}

static int parse_input_value_def_any(struct parser *p, struct gql_node **out)
{
    return parse_input_value_def(p, out);
}

typedef int parse_item_fn(struct parser *p, struct gql_node **out);

/* '{' item+ '}' when the brace is next (graphql-js optionalMany). */
static int parse_optional_block(struct parser *p, parse_item_fn *fn, struct gql_list *out)
{
    if (!peek(p, GQL_TOK_BRACE_L)) {
        return RC_OK;
    }
    TRY(advance(p));
    do {
        struct gql_node *n = NULL;
        TRY(fn(p, &n));
        push(p, out, n);
    } while (!peek(p, GQL_TOK_BRACE_R));
    return advance(p);
}

/* sep? item (sep item)* (graphql-js delimitedMany). */
static int parse_delimited_types(struct parser *p, enum gql_tok sep, struct gql_list *out)
{
    bool found = false;
    TRY(expect_optional(p, sep, &found));
    do {
        struct gql_node *t = NULL;
        TRY(parse_named_type(p, &t));
        push(p, out, t);
        TRY(expect_optional(p, sep, &found));
    } while (found);
    return RC_OK;
}

static int parse_operation_type_def(struct parser *p, struct gql_node **out)
{
    struct gql_node *n = new_node(p, GQL_OPERATION_TYPE_DEF, cur(p)->loc);
    TRY(parse_operation_type(p, &n->op));
    TRY(expect(p, GQL_TOK_COLON));
    TRY(parse_named_type(p, &n->type));
    *out = n;
    return RC_OK;
}

static bool is_directive_location(struct str name)
{
    bool known = false;
    for (size_t i = 0; i < GQL_LOC_COUNT; i++) {
        known = known || str_eq_cstr(name, gql_dir_loc_names[i]);
    }
    return known;
}

/* One DirectiveLocation, appended to n->children. */
static int parse_directive_location(struct parser *p, struct gql_node *n)
{
    struct gql_token t = *cur(p);
    struct gql_node *l = new_node(p, GQL_NAME, t.loc);
    TRY(parse_name(p, l));
    if (!is_directive_location(l->name)) {
        char d[256];
        token_desc(&t, d, sizeof(d));
        return syntax_error(p, t.loc, "Unexpected %s.", d);
    }
    push(p, &n->children, l);
    return RC_OK;
}

/* '|'? DirectiveLocation ('|' DirectiveLocation)* */
static int parse_directive_locations(struct parser *p, struct gql_node *n)
{
    bool found = false;
    TRY(expect_optional(p, GQL_TOK_PIPE, &found));
    do {
        TRY(parse_directive_location(p, n));
        TRY(expect_optional(p, GQL_TOK_PIPE, &found));
    } while (found);
    return RC_OK;
}

static int parse_directive_def(struct parser *p, struct gql_node *n)
{
    TRY(expect_keyword(p, "directive"));
    TRY(expect(p, GQL_TOK_AT));
    TRY(parse_name(p, n));
    TRY(parse_argument_defs(p, &n->args));
    TRY(expect_optional_keyword(p, "repeatable", &n->flag));
    TRY(expect_keyword(p, "on"));
    return parse_directive_locations(p, n);
}

/* ImplementsInterfaces? on object and interface types. */
static int parse_implements(struct parser *p, struct gql_node *n)
{
    bool impl = false;
    TRY(expect_optional_keyword(p, "implements", &impl));
    if (impl) {
        TRY(parse_delimited_types(p, GQL_TOK_AMP, &n->interfaces));
    }
    return RC_OK;
}

/* UnionMemberTypes? */
static int parse_union_members(struct parser *p, struct gql_node *n)
{
    bool eq = false;
    TRY(expect_optional(p, GQL_TOK_EQUALS, &eq));
    if (eq) {
        TRY(parse_delimited_types(p, GQL_TOK_PIPE, &n->children));
    }
    return RC_OK;
}

/* What follows the directives of a type definition: fields, members or values. */
static int parse_type_def_members(struct parser *p, struct gql_node *n)
{
    switch (n->kind) {
    case GQL_OBJECT_DEF:
    case GQL_INTERFACE_DEF:
        return parse_optional_block(p, parse_field_def, &n->children);
    case GQL_UNION_DEF:
        return parse_union_members(p, n);
    case GQL_ENUM_DEF:
        return parse_optional_block(p, parse_enum_value_def, &n->children);
    case GQL_INPUT_OBJECT_DEF:
        return parse_optional_block(p, parse_input_value_def_any, &n->children);
    default:
        return RC_OK;
    }
}

/* The body of a type definition or extension after its keyword; n->kind is set. */
static int parse_type_def_body(struct parser *p, struct gql_node *n)
{
    TRY(parse_name(p, n));
    if (n->kind == GQL_OBJECT_DEF || n->kind == GQL_INTERFACE_DEF) {
        TRY(parse_implements(p, n));
    }
    TRY(parse_directives(p, true, &n->directives));
    TRY(parse_type_def_members(p, n));
    if (n->flag && n->directives.count == 0 && n->children.count == 0 && n->interfaces.count == 0) {
        return unexpected(p);
    }
    return RC_OK;
}

static const struct {
    const char *keyword;
    enum gql_kind kind;
} type_keywords[] = {
    { "scalar", GQL_SCALAR_DEF }, { "type", GQL_OBJECT_DEF }, { "interface", GQL_INTERFACE_DEF },
    { "union", GQL_UNION_DEF },   { "enum", GQL_ENUM_DEF },   { "input", GQL_INPUT_OBJECT_DEF },
};

/* Whether a type keyword (scalar, type, ...) is next; *out_kind is its definition kind. */
static bool peek_type_keyword(struct parser *p, enum gql_kind *out_kind)
{
    for (size_t i = 0; i < ARRAY_LEN(type_keywords); i++) {
        if (peek_keyword(p, type_keywords[i].keyword)) {
            *out_kind = type_keywords[i].kind;
            return true;
        }
    }
    return false;
}

/* '{' OperationTypeDefinition+ '}' of a schema definition (required). */
static int parse_root_operation_types(struct parser *p, struct gql_node *n)
{
    TRY(expect(p, GQL_TOK_BRACE_L));
    do {
        struct gql_node *o = NULL;
        TRY(parse_operation_type_def(p, &o));
        push(p, &n->children, o);
    } while (!peek(p, GQL_TOK_BRACE_R));
    return advance(p);
}

/* 'schema' Directives? then the root operation types (optional in an extension). */
static int parse_schema_def(struct parser *p, struct gql_node *n, bool is_ext)
{
    n->kind = GQL_SCHEMA_DEF;
    TRY(advance(p));
    TRY(parse_directives(p, true, &n->directives));
    if (!is_ext) {
        return parse_root_operation_types(p, n);
    }
    TRY(parse_optional_block(p, parse_operation_type_def, &n->children));
    if (n->directives.count == 0 && n->children.count == 0) {
        return unexpected(p);
    }
    return RC_OK;
}

/* A type-system definition (or extension when is_ext) at a keyword; n carries the
 * description. Sets *out_matched false when the keyword is not a type-system keyword. */
static int parse_type_system(struct parser *p, struct gql_node *n, bool is_ext, bool *out_matched)
{
    *out_matched = true;
    n->flag = is_ext;
    if (peek_keyword(p, "schema")) {
        return parse_schema_def(p, n, is_ext);
    }
    if (peek_type_keyword(p, &n->kind)) {
        TRY(advance(p));
        return parse_type_def_body(p, n);
    }
    if (!is_ext && peek_keyword(p, "directive")) {
        n->kind = GQL_DIRECTIVE_DEF;
        return parse_directive_def(p, n);
    }
    *out_matched = false;
    return RC_OK;
}

/* 'extend' followed by a type-system extension. */
static int parse_extension(struct parser *p, struct gql_node *n, struct gql_node **out)
{
    bool matched = false;
    if (!peek_keyword(p, "extend")) {
        return unexpected(p);
    }
    TRY(advance(p));
    TRY(parse_type_system(p, n, true, &matched));
    if (!matched) {
        return unexpected(p);
    }
    *out = n;
    return RC_OK;
}

/* An operation or fragment definition at its keyword, taking n's description. */
static int parse_executable_def(struct parser *p, const struct gql_node *n, bool *out_matched,
                                struct gql_node **out)
{
    *out_matched = true;
    if (peek_keyword(p, "query") || peek_keyword(p, "mutation") ||
        peek_keyword(p, "subscription")) {
        TRY(parse_operation(p, out));
    } else if (peek_keyword(p, "fragment")) {
        TRY(parse_fragment_def(p, out));
    } else {
        *out_matched = false;
        return RC_OK;
    }
    (*out)->description = n->description;
    return RC_OK;
}

/* A definition at a name token; n carries the description (desc_loc, has_desc). */
static int parse_keyword_definition(struct parser *p, struct gql_node *n, struct gql_loc desc_loc,
                                    bool has_desc, struct gql_node **out)
{
    bool matched = false;
    n->loc = has_desc ? desc_loc : cur(p)->loc;
    TRY(parse_type_system(p, n, false, &matched));
    if (matched) {
        *out = n;
        return RC_OK;
    }
    TRY(parse_executable_def(p, n, &matched, out));
    if (matched) {
        return RC_OK;
    }
    if (has_desc) {
        return syntax_error(p, desc_loc,
                            "Unexpected description, only GraphQL definitions "
                            "support descriptions.");
    }
    return parse_extension(p, n, out);
}

static int parse_definition(struct parser *p, struct gql_node **out)
{
    if (peek(p, GQL_TOK_BRACE_L)) {
        return parse_operation(p, out);
    }
    struct gql_token first = *cur(p);
    struct gql_node *n = new_node(p, GQL_SCHEMA_DEF, first.loc);
    TRY(parse_description(p, &n->description));
    bool has_desc = n->description.ptr != NULL;
    if (has_desc && peek(p, GQL_TOK_BRACE_L)) {
        return syntax_error(p, first.loc,
                            "Unexpected description, descriptions are not supported "
                            "on shorthand queries.");
    }
    if (has_desc && !peek(p, GQL_TOK_NAME)) {
        return syntax_error(p, first.loc,
                            "Unexpected description, only GraphQL definitions "
                            "support descriptions.");
    }
    if (!peek(p, GQL_TOK_NAME)) {
        return unexpected(p);
    }
    return parse_keyword_definition(p, n, first.loc, has_desc, out);
}

int gql_parse(struct arena *a, struct str src, const struct gql_limits *lim,
              struct gql_errors *errs, struct gql_document **out_doc)
{
    struct gql_limits defaults;
    struct parser p;
    int rc = RC_OK;
    *out_doc = NULL;
    if (lim == NULL) {
        gql_limits_default(&defaults);
        lim = &defaults;
    }
    if (lim->max_document_bytes != 0 && src.len > lim->max_document_bytes) {
        struct gql_error *e = gql_errors_add(errs, (struct gql_loc){ 0 }, (struct gql_loc){ 0 },
                                             "Document is %zu bytes, the limit is %zu bytes.",
                                             src.len, lim->max_document_bytes);
        if (e != NULL) {
            e->code = STR("GRAPHQL_LIMIT");
        }
        rc = RC_LIMIT;
        goto out;
    }
    memset(&p, 0, sizeof(p));
    gql_lex_init(&p.lx, a, src, lim->max_tokens, errs);
    p.arena = a;
    p.max_nesting = lim->max_nesting != 0 ? lim->max_nesting : 64;
    struct gql_node *doc = new_node(&p, GQL_DOCUMENT, (struct gql_loc){ .line = 1, .column = 1 });
    rc = advance(&p);
    if (rc != RC_OK) {
        goto out;
    }
    do {
        struct gql_node *def = NULL;
        rc = parse_definition(&p, &def);
        if (rc != RC_OK) {
            goto out;
        }
        push(&p, &doc->children, def);
    } while (!peek(&p, GQL_TOK_EOF));
    struct gql_document *d = arena_calloc(a, 1, sizeof(*d));
    d->root = doc;
    d->source = src;
    d->token_count = p.lx.token_count;
    *out_doc = d;
out:
    return rc;
}
