/* SPDX-License-Identifier: MIT */
/*
 * Execution (spec section 6): variable coercion, field collection with @skip/@include and
 * fragments, resolver calls, value completion with null propagation, and the JSON result.
 * Resolvers may complete later (a JavaScript Promise): every field owns a struct gql_resolve
 * handle and a result slot (struct rnode); completing the handle fills the slot and continues
 * below it. ex->pending counts open handles; at zero the next serial mutation field starts,
 * or the execution is done. Null propagation works on the rnode tree: a null in a non-null
 * slot nulls the parent slot, recursively, whenever it happens.
 * Thread contract: one thread (the one that started the execution) drives it to the end.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/map.h"
#include "base/rc.h"
#include "base/vec.h"
#include "gql/gql_internal.h"

enum rn_kind {
    RN_PENDING,
    RN_NULL,
    RN_LEAF,
    RN_LIST,
    RN_OBJECT,
};

struct rnode {
    enum rn_kind kind;
    bool non_null; /* the slot's type is non-null: a null here nulls the parent */
    struct rnode *parent;
    struct str key; /* response key in the parent object; .ptr NULL: list index */
    size_t index;
    struct gql_value *leaf;
    struct rnode **items; /* LIST items or OBJECT fields */
    size_t count;
};

struct group {
    struct str key;
    struct gql_list nodes; /* the merged field nodes */
    /* The field definition found for it on field_owner (a group is executed on many objects of
     * the same type: see struct collected). */
    const struct gql_type *field_owner;
    const struct gql_field *field;
};

struct groups {
    struct group *items;
    size_t count;
    size_t cap;
};

/* The sub-fields collected for one (runtime type, merged field nodes): graphql-js memoises
 * collectSubfields the same way. Every item of a list shares its field nodes, and once the
 * items share their groups, their own sub-fields share nodes too: one collection per list. */
struct collected {
    const struct gql_list *nodes;
    const struct gql_type *type;
    struct groups groups;
};

#define COLLECT_CACHE_SIZE 8

struct gql_exec {
    struct arena *a;
    const struct gql_schema *s;
    const struct gql_document *doc;
    const struct gql_node *op;
    struct gql_value *vars; /* coerced variables (object) */
    void *context;
    struct gql_errors errs;
    struct rnode *data; /* NULL: no data at all (request error) */
    size_t pending;
    bool done;
    bool started;
    bool executed;         /* execution began: the response has "data" */
    struct str extensions; /* top-level "extensions" (JSON), or empty */
    /* Serial execution of mutation root fields. */
    struct groups serial;
    size_t serial_next;
    const struct gql_type *root;
    struct gql_value *root_value;
    void (*on_done)(struct gql_exec *ex, void *arg);
    void *on_done_arg;
    struct collected collected[COLLECT_CACHE_SIZE]; /* ring: the recent collections */
    struct gql_value *no_args;                      /* the arguments of fields without any */
    size_t collected_next;
};

struct gql_resolve {
    struct gql_exec *ex;
    const struct gql_field *field;
    const struct gql_type *parent_type;
    const struct gql_value *parent;
    struct gql_value *args;
    struct gql_list *nodes;
    struct rnode *slot;
    bool completed;
    bool subscribing; /* the subscribe resolver: completes with the stream */
};

static void subscribe_complete_raw(struct gql_resolve *r, struct gql_value *v);

/* Output helpers for messages: buffers are bounded, a message too long is truncated. */
static void put_char(struct buf *b, char c)
{
    IGNORE_RC(buf_try_append_char(b, c));
}

static void put_cstr(struct buf *b, const char *s)
{
    IGNORE_RC(buf_try_append_cstr(b, s));
}

static void put_slice(struct buf *b, struct str s)
{
    IGNORE_RC(buf_try_append_str(b, s));
}

/* ------------------------------------------------------------------ errors and nulls */

static struct gql_error *exec_error(struct gql_exec *ex, const struct rnode *at,
                                    const struct gql_node *node, const char *fmt, ...)
    PRINTF_FMT(4, 5);

static struct gql_error *exec_error(struct gql_exec *ex, const struct rnode *at,
                                    const struct gql_node *node, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct gql_loc none = { 0 };
    struct gql_error *e =
        gql_errors_add(&ex->errs, node != NULL ? node->loc : none, none, "%s", msg);
    if (e == NULL || at == NULL) {
        return e;
    }
    size_t depth = 0;
    for (const struct rnode *n = at; n->parent != NULL; n = n->parent) {
        depth++;
    }
    e->path = arena_alloc(ex->a, (depth + 1) * sizeof(*e->path));
    e->path_len = depth;
    for (const struct rnode *n = at; n->parent != NULL; n = n->parent) {
        e->path[--depth] = (struct gql_path_seg){ .key = n->key, .index = n->index };
    }
    return e;
}

/* Make slot null; a non-null slot nulls its parent, up to data itself. */
static void null_out(struct gql_exec *ex, struct rnode *slot)
{
    while (slot != NULL) {
        slot->kind = RN_NULL;
        if (!slot->non_null) {
            return;
        }
        slot = slot->parent;
        if (slot == NULL) {
            ex->data = NULL;
        }
    }
}

static struct rnode *new_slot(struct gql_exec *ex, struct rnode *parent, struct str key,
                              size_t index)
{
    struct rnode *n = arena_alloc(ex->a, sizeof(*n));
    *n = (struct rnode){ .parent = parent, .key = key, .index = index };
    return n;
}

/* ------------------------------------------------------------------ values from literals */

static struct gql_value *var_value(struct gql_exec *ex, struct str name)
{
    return gql_value_get(ex->vars, name);
}

static struct gql_value *value_from_ast(struct gql_exec *ex, const struct gql_node *n,
                                        const struct gql_type_ref *t);

static struct gql_value *input_object_from_ast(struct gql_exec *ex, const struct gql_node *n,
                                               const struct gql_type *t)
{
    struct gql_value *obj = gql_value_object(ex->a, t->input_field_count);
    size_t count = 0;
    for (size_t i = 0; i < t->input_field_count; i++) {
        const struct gql_input_value *f = &t->input_fields[i];
        const struct gql_node *given = NULL;
        for (size_t k = 0; k < n->children.count; k++) {
            if (str_eq(n->children.items[k]->name, f->name)) {
                given = n->children.items[k]->value;
            }
        }
        if (given != NULL && given->kind == GQL_VARIABLE && var_value(ex, given->name) == NULL) {
            given = NULL;
        }
        const struct gql_node *src = given != NULL ? given : f->default_value;
        if (src == NULL) {
            continue;
        }
        obj->obj.members[count].key = f->name;
        obj->obj.members[count].value = value_from_ast(ex, src, f->type);
        count++;
    }
    obj->obj.count = count;
    return obj;
}

static struct gql_value *list_value_from_ast(struct gql_exec *ex, const struct gql_node *n,
                                             const struct gql_type_ref *t)
{
    const struct gql_type_ref *it = (t != NULL && t->kind == GQL_REF_LIST) ? t->of : NULL;
    struct gql_value *l = gql_value_list(ex->a, n->children.count);
    for (size_t i = 0; i < n->children.count; i++) {
        l->list.items[i] = value_from_ast(ex, n->children.items[i], it);
    }
    return l;
}

/* An integer literal: a float for Float, a string for ID, else an int (a float if too big). */
static struct gql_value *int_value_from_ast(struct gql_exec *ex, const struct gql_node *n,
                                            const struct gql_type *nt)
{
    int64_t i = 0;
    if (nt != NULL && str_eq_cstr(nt->name, "Float")) {
        return gql_value_float(ex->a, strtod(arena_cstr(ex->a, n->text), NULL));
    }
    if (nt != NULL && str_eq_cstr(nt->name, "ID")) {
        return gql_value_string(ex->a, n->text);
    }
    if (str_to_i64(n->text, &i) == RC_OK) {
        return gql_value_int(ex->a, i);
    }
    return gql_value_float(ex->a, strtod(arena_cstr(ex->a, n->text), NULL));
}

static struct gql_value *object_value_from_ast(struct gql_exec *ex, const struct gql_node *n,
                                               const struct gql_type *nt)
{
    if (nt != NULL && nt->kind == GQL_TYPE_INPUT_OBJECT) {
        return input_object_from_ast(ex, n, nt);
    }
    struct gql_value *o = gql_value_object(ex->a, n->children.count);
    for (size_t i = 0; i < n->children.count; i++) {
        o->obj.members[i].key = n->children.items[i]->name;
        o->obj.members[i].value = value_from_ast(ex, n->children.items[i]->value, NULL);
    }
    return o;
}

/* A literal of a custom scalar with a parse_literal hook: null when it rejects it. */
static struct gql_value *custom_value_from_ast(struct gql_exec *ex, const struct gql_node *n,
                                               const struct gql_type *nt)
{
    struct str msg = STR_NULL;
    struct gql_value *out = nt->scalar_ops->parse_literal(value_from_ast(ex, n, NULL), ex->a, &msg);
    return out != NULL ? out : gql_value_null(ex->a);
}

/* A non-list, non-null literal for named type nt (NULL: untyped). */
static struct gql_value *named_value_from_ast(struct gql_exec *ex, const struct gql_node *n,
                                              const struct gql_type *nt)
{
    if (nt != NULL && nt->scalar_ops != NULL && nt->scalar_ops->parse_literal != NULL) {
        return custom_value_from_ast(ex, n, nt);
    }
    switch (n->kind) {
    case GQL_INT:
        return int_value_from_ast(ex, n, nt);
    case GQL_FLOAT:
        return gql_value_float(ex->a, strtod(arena_cstr(ex->a, n->text), NULL));
    case GQL_STRING:
    case GQL_ENUM:
        return gql_value_string(ex->a, n->text);
    case GQL_BOOLEAN:
        return gql_value_bool(ex->a, n->flag);
    case GQL_OBJECT:
        return object_value_from_ast(ex, n, nt);
    default:
        return gql_value_null(ex->a);
    }
}

/* valueFromAST for validated literals (variables are already coerced). */
static struct gql_value *value_from_ast(struct gql_exec *ex, const struct gql_node *n,
                                        const struct gql_type_ref *t)
{
    if (n->kind == GQL_VARIABLE) {
        struct gql_value *v = var_value(ex, n->name);
        return v != NULL ? v : gql_value_null(ex->a);
    }
    if (t != NULL && t->kind == GQL_REF_NON_NULL) {
        t = t->of;
    }
    if (n->kind == GQL_NULL) {
        return gql_value_null(ex->a);
    }
    if (n->kind == GQL_LIST) {
        return list_value_from_ast(ex, n, t);
    }
    if (t != NULL && t->kind == GQL_REF_LIST) {
        struct gql_value *l = gql_value_list(ex->a, 1);
        l->list.items[0] = value_from_ast(ex, n, t->of);
        return l;
    }
    return named_value_from_ast(ex, n, t != NULL ? t->named : NULL);
}

/* The value node given for argument name in node (the last one when repeated), or NULL. */
static const struct gql_node *given_arg(const struct gql_node *node, struct str name)
{
    const struct gql_node *given = NULL;
    for (size_t k = 0; k < node->args.count; k++) {
        if (str_eq(node->args.items[k]->name, name)) {
            given = node->args.items[k]->value;
        }
    }
    return given;
}

/* Argument d has no value (given is NULL or a variable without a runtime value): use its
 * default into obj, skip it, or report a missing required argument (false). */
static bool coerce_missing_arg(struct gql_exec *ex, const struct gql_input_value *d,
                               const struct gql_node *given, const struct gql_node *node,
                               struct rnode *slot, struct gql_value *obj, size_t *n)
{
    if (d->default_value != NULL) {
        obj->obj.members[*n].key = d->name;
        obj->obj.members[(*n)++].value = value_from_ast(ex, d->default_value, d->type);
        return true;
    }
    if (d->type->kind != GQL_REF_NON_NULL) {
        return true;
    }
    struct str ts = gql_ref_print(ex->a, d->type);
    if (given != NULL) {
        exec_error(ex, slot, given,
                   "Argument \"%.*s\" of required type \"%.*s\" was "
                   "provided the variable \"$%.*s\" which was not provided a runtime "
                   "value.",
                   STR_FMT(d->name), STR_FMT(ts), STR_FMT(given->name));
    } else {
        exec_error(ex, slot, node,
                   "Argument \"%.*s\" of required type \"%.*s\" was "
                   "not provided.",
                   STR_FMT(d->name), STR_FMT(ts));
    }
    return false;
}

/* getArgumentValues: returns false (with an error) when a required argument is missing. */
static bool coerce_args(struct gql_exec *ex, const struct gql_input_value *defs, size_t count,
                        const struct gql_node *node, struct rnode *slot,
                        struct gql_value **out_args)
{
    if (count == 0) {
        /* Most fields take no arguments: they share one empty object (resolvers only read). */
        if (ex->no_args == NULL) {
            ex->no_args = gql_value_object(ex->a, 0);
        }
        *out_args = ex->no_args;
        return true;
    }
    struct gql_value *obj = gql_value_object(ex->a, count);
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        const struct gql_input_value *d = &defs[i];
        const struct gql_node *given = given_arg(node, d->name);
        bool var_missing =
            given != NULL && given->kind == GQL_VARIABLE && var_value(ex, given->name) == NULL;
        if (given == NULL || var_missing) {
            if (!coerce_missing_arg(ex, d, given, node, slot, obj, &n)) {
                return false;
            }
            continue;
        }
        struct gql_value *v = value_from_ast(ex, given, d->type);
        if (v->kind == GQL_VAL_NULL && d->type->kind == GQL_REF_NON_NULL) {
            struct str ts = gql_ref_print(ex->a, d->type);
            exec_error(ex, slot, given,
                       "Argument \"%.*s\" of non-null type \"%.*s\" must not be "
                       "null.",
                       STR_FMT(d->name), STR_FMT(ts));
            return false;
        }
        obj->obj.members[n].key = d->name;
        obj->obj.members[n++].value = v;
    }
    obj->obj.count = n;
    *out_args = obj;
    return true;
}

/* ------------------------------------------------------------------ field collection */

static bool if_arg(struct gql_exec *ex, const struct gql_node *d, bool *out)
{
    for (size_t k = 0; k < d->args.count; k++) {
        const struct gql_node *a = d->args.items[k];
        if (!str_eq_cstr(a->name, "if")) {
            continue;
        }
        const struct gql_node *v = a->value;
        if (v->kind == GQL_BOOLEAN) {
            *out = v->flag;
            return true;
        }
        if (v->kind == GQL_VARIABLE) {
            const struct gql_value *x = var_value(ex, v->name);
            if (x != NULL && x->kind == GQL_VAL_BOOL) {
                *out = x->b;
                return true;
            }
        }
    }
    return false;
}

static bool should_include(struct gql_exec *ex, const struct gql_node *sel)
{
    for (size_t i = 0; i < sel->directives.count; i++) {
        const struct gql_node *d = sel->directives.items[i];
        bool cond = false;
        if (str_eq_cstr(d->name, "skip") && if_arg(ex, d, &cond) && cond) {
            return false;
        }
        if (str_eq_cstr(d->name, "include") && if_arg(ex, d, &cond) && !cond) {
            return false;
        }
    }
    return true;
}

static const struct gql_node *find_fragment(struct gql_exec *ex, struct str name)
{
    const struct gql_list *defs = &ex->doc->root->children;
    for (size_t i = 0; i < defs->count; i++) {
        if (defs->items[i]->kind == GQL_FRAGMENT_DEF && str_eq(defs->items[i]->name, name)) {
            return defs->items[i];
        }
    }
    return NULL;
}

static bool condition_matches(struct gql_exec *ex, const struct gql_node *cond,
                              const struct gql_type *t)
{
    if (cond == NULL) {
        return true;
    }
    const struct gql_type *ct = gql_schema_find_type(ex->s, cond->name);
    if (ct == NULL) {
        return false;
    }
    return ct == t || (gql_type_is_abstract(ct) && gql_type_is_possible(ct, t));
}

static void push_group(struct gql_exec *ex, struct groups *out, struct str key)
{
    struct group ng = { .key = key };
    VEC_PUSH_ARENA(ex->a, out, ng);
}

/* Add field node sel to the group of its response key (a new group at the end). */
static void add_to_group(struct gql_exec *ex, struct groups *out, struct gql_node *sel)
{
    struct str key = sel->alias.len ? sel->alias : sel->name;
    size_t g = 0;
    while (g < out->count && !str_eq(out->items[g].key, key)) {
        g++;
    }
    if (g == out->count) {
        push_group(ex, out, key);
    }
    gql_list_push(ex->a, &out->items[g].nodes, sel);
}

/* True the first time a fragment name is spread in this collection. */
static bool first_visit(struct gql_exec *ex, struct gql_list *visited, struct gql_node *spread)
{
    for (size_t k = 0; k < visited->count; k++) {
        if (str_eq(visited->items[k]->name, spread->name)) {
            return false;
        }
    }
    gql_list_push(ex->a, visited, spread);
    return true;
}

/* CollectFields (spec 6.3.2): response keys in order, each with its field nodes. */
static void collect(struct gql_exec *ex, const struct gql_type *t, const struct gql_node *owner,
                    struct groups *out, struct gql_list *visited, size_t depth)
{
    for (size_t i = 0; i < owner->children.count && depth < 64; i++) {
        struct gql_node *sel = owner->children.items[i];
        if (!should_include(ex, sel)) {
            continue;
        }
        const struct gql_node *target = sel;
        if (sel->kind == GQL_FIELD) {
            add_to_group(ex, out, sel);
            continue;
        }
        if (sel->kind == GQL_FRAGMENT_SPREAD) {
            target = first_visit(ex, visited, sel) ? find_fragment(ex, sel->name) : NULL;
        }
        if (target != NULL && condition_matches(ex, target->type, t)) {
            collect(ex, t, target, out, visited, depth + 1);
        }
    }
}

/* ------------------------------------------------------------------ completion */

static void execute_fields(struct gql_exec *ex, const struct gql_type *t,
                           const struct gql_value *value, const struct groups *groups,
                           struct rnode *obj);

static void inspect(struct buf *b, const struct gql_value *v, size_t depth)
{
    char num[32];
    switch (v->kind) {
    case GQL_VAL_NULL:
        put_cstr(b, "null");
        break;
    case GQL_VAL_BOOL:
        put_cstr(b, v->b ? "true" : "false");
        break;
    case GQL_VAL_INT:
        IGNORE_RC(buf_try_printf(b, "%lld", (long long)v->i));
        break;
    case GQL_VAL_FLOAT:
        IGNORE_RC(buf_try_append(b, num, json_format_number(v->f, num)));
        break;
    case GQL_VAL_STRING: {
        struct buf tmp;
        struct json_writer w;
        buf_init(&tmp, (size_t)64 * 1024);
        json_writer_init(&w, &tmp);
        json_write_string(&w, v->s);
        put_slice(b, buf_str(&tmp));
        buf_fini(&tmp);
        break;
    }
    case GQL_VAL_LIST:
        put_char(b, '[');
        for (size_t i = 0; i < v->list.count && depth < 2; i++) {
            put_cstr(b, i ? ", " : "");
            inspect(b, v->list.items[i], depth + 1);
        }
        put_char(b, ']');
        break;
    case GQL_VAL_OBJECT:
        if (v->obj.count == 0) {
            put_cstr(b, "{}");
            break;
        }
        put_cstr(b, "{ ");
        for (size_t i = 0; i < v->obj.count && depth < 2; i++) {
            IGNORE_RC(buf_try_printf(b, "%s%.*s: ", i ? ", " : "", STR_FMT(v->obj.members[i].key)));
            inspect(b, v->obj.members[i].value, depth + 1);
        }
        put_cstr(b, " }");
        break;
    case GQL_VAL_HOST:
        put_cstr(b, "[object]");
        break;
    }
}

static struct str inspect_str(struct gql_exec *ex, const struct gql_value *v)
{
    struct buf b;
    buf_init(&b, (size_t)64 * 1024);
    inspect(&b, v, 0);
    struct str out = arena_strdup(ex->a, buf_str(&b));
    buf_fini(&b);
    return out;
}

static bool enum_has_value(const struct gql_type *t, struct str name)
{
    for (size_t i = 0; i < t->value_count; i++) {
        if (str_eq(t->values[i].name, name)) {
            return true;
        }
    }
    return false;
}

static struct gql_value *serialize_enum(struct gql_exec *ex, const struct gql_type *t,
                                        const struct gql_value *v, struct rnode *slot,
                                        const struct gql_node *node)
{
    if (v->kind == GQL_VAL_STRING && enum_has_value(t, v->s)) {
        return (struct gql_value *)v;
    }
    exec_error(ex, slot, node, "Enum \"%.*s\" cannot represent value: %.*s", STR_FMT(t->name),
               STR_FMT(inspect_str(ex, v)));
    return NULL;
}

static struct gql_value *serialize_custom(struct gql_exec *ex, const struct gql_type *t,
                                          const struct gql_value *v, struct rnode *slot,
                                          const struct gql_node *node)
{
    if (t->scalar_ops == NULL || t->scalar_ops->serialize == NULL) {
        return (struct gql_value *)v;
    }
    struct str msg = STR_NULL;
    struct gql_value *out = t->scalar_ops->serialize(v, ex->a, &msg);
    if (out == NULL) {
        exec_error(ex, slot, node, "%.*s", STR_FMT(msg));
    }
    /* cppcheck-suppress returnDanglingLifetime ; out is arena memory, msg only an out-parameter */
    return out;
}

/* A result value as a number for the built-in scalars' serialize: is_num for ints, floats
 * and (for Int and Float) numeric strings; booleans read as 0 and 1 without being numbers. */
struct leaf_num {
    bool is_num;
    double d;
};

static struct leaf_num leaf_number(struct gql_exec *ex, const struct gql_value *v,
                                   enum gql_scalar sc)
{
    struct leaf_num num = { .is_num = v->kind == GQL_VAL_INT || v->kind == GQL_VAL_FLOAT };
    num.d = v->kind == GQL_VAL_INT ? (double)v->i : v->kind == GQL_VAL_FLOAT ? v->f : 0;
    if (v->kind == GQL_VAL_BOOL) {
        num.d = v->b ? 1 : 0;
    }
    if (v->kind == GQL_VAL_STRING && v->s.len > 0 &&
        (sc == GQL_SCALAR_INT || sc == GQL_SCALAR_FLOAT)) {
        char *end = NULL;
        char *c = arena_cstr(ex->a, v->s);
        num.d = strtod(c, &end);
        num.is_num = end != NULL && *end == '\0';
    }
    return num;
}

static struct gql_value *serialize_int(struct gql_exec *ex, const struct gql_value *v,
                                       struct leaf_num num, struct rnode *slot,
                                       const struct gql_node *node)
{
    double d = num.d;
    if (v->kind == GQL_VAL_INT && v->i <= 2147483647LL && v->i >= -2147483648LL) {
        return (struct gql_value *)v;
    }
    if ((num.is_num || v->kind == GQL_VAL_BOOL) && d == floor(d) && isfinite(d)) {
        if (d > 2147483647.0 || d < -2147483648.0) {
            exec_error(ex, slot, node,
                       "Int cannot represent non 32-bit signed integer value: "
                       "%.*s",
                       STR_FMT(inspect_str(ex, v)));
            return NULL;
        }
        return gql_value_int(ex->a, (int64_t)d);
    }
    exec_error(ex, slot, node, "Int cannot represent non-integer value: %.*s",
               STR_FMT(inspect_str(ex, v)));
    return NULL;
}

static struct gql_value *serialize_float(struct gql_exec *ex, const struct gql_value *v,
                                         struct leaf_num num, struct rnode *slot,
                                         const struct gql_node *node)
{
    if ((num.is_num || v->kind == GQL_VAL_BOOL) && isfinite(num.d)) {
        return gql_value_float(ex->a, num.d);
    }
    exec_error(ex, slot, node, "Float cannot represent non numeric value: %.*s",
               STR_FMT(inspect_str(ex, v)));
    return NULL;
}

static struct gql_value *serialize_string(struct gql_exec *ex, const struct gql_value *v,
                                          struct leaf_num num, struct rnode *slot,
                                          const struct gql_node *node)
{
    if (v->kind == GQL_VAL_BOOL || (num.is_num && isfinite(num.d))) {
        return gql_value_string(ex->a, inspect_str(ex, v));
    }
    exec_error(ex, slot, node, "String cannot represent value: %.*s", STR_FMT(inspect_str(ex, v)));
    return NULL;
}

static struct gql_value *serialize_boolean(struct gql_exec *ex, const struct gql_value *v,
                                           struct leaf_num num, struct rnode *slot,
                                           const struct gql_node *node)
{
    if (v->kind == GQL_VAL_BOOL) {
        return (struct gql_value *)v;
    }
    if (num.is_num && isfinite(num.d)) {
        return gql_value_bool(ex->a, num.d != 0);
    }
    exec_error(ex, slot, node, "Boolean cannot represent a non boolean value: %.*s",
               STR_FMT(inspect_str(ex, v)));
    return NULL;
}

static struct gql_value *serialize_id(struct gql_exec *ex, const struct gql_value *v,
                                      struct leaf_num num, struct rnode *slot,
                                      const struct gql_node *node)
{
    if (v->kind == GQL_VAL_STRING) {
        return (struct gql_value *)v;
    }
    if (num.is_num && num.d == floor(num.d) && isfinite(num.d)) {
        return gql_value_string(ex->a, inspect_str(ex, v));
    }
    exec_error(ex, slot, node, "ID cannot represent value: %.*s", STR_FMT(inspect_str(ex, v)));
    return NULL;
}

/* Serialize a leaf (graphql-js's scalar serialize and enum serialize). NULL: error set. */
static struct gql_value *serialize_leaf(struct gql_exec *ex, const struct gql_type *t,
                                        const struct gql_value *v, struct rnode *slot,
                                        const struct gql_node *node)
{
    enum gql_scalar sc = t->scalar;
    if (t->kind == GQL_TYPE_ENUM) {
        return serialize_enum(ex, t, v, slot, node);
    }
    if (sc == GQL_SCALAR_CUSTOM) {
        return serialize_custom(ex, t, v, slot, node);
    }
    if (sc == GQL_SCALAR_STRING && v->kind == GQL_VAL_STRING) {
        return (struct gql_value *)v;
    }
    struct leaf_num num = leaf_number(ex, v, sc);
    switch (sc) {
    case GQL_SCALAR_INT:
        return serialize_int(ex, v, num, slot, node);
    case GQL_SCALAR_FLOAT:
        return serialize_float(ex, v, num, slot, node);
    case GQL_SCALAR_STRING:
        return serialize_string(ex, v, num, slot, node);
    case GQL_SCALAR_BOOLEAN:
        return serialize_boolean(ex, v, num, slot, node);
    case GQL_SCALAR_ID:
        return serialize_id(ex, v, num, slot, node);
    default:
        return (struct gql_value *)v;
    }
}

struct field_info {
    const struct gql_type *parent_type;
    const struct gql_field *field;
    struct gql_list *nodes;
};

static bool value_is_null(const struct gql_value *v)
{
    return v == NULL || v->kind == GQL_VAL_NULL;
}

static const struct gql_type *runtime_type(struct gql_exec *ex, const struct gql_type *abs,
                                           const struct gql_value *v, const struct field_info *fi,
                                           struct rnode *slot)
{
    struct str name = STR_NULL;
    if (v->kind == GQL_VAL_OBJECT) {
        const struct gql_value *tn = gql_value_get(v, STR("__typename"));
        if (tn != NULL && tn->kind == GQL_VAL_STRING) {
            name = tn->s;
        }
    } else if (v->kind == GQL_VAL_HOST && v->host.ops->type_name != NULL) {
        name = v->host.ops->type_name(v->host.ptr);
    }
    const struct gql_node *node = fi->nodes->items[0];
    if (name.len == 0) {
        exec_error(ex, slot, node,
                   "Abstract type \"%.*s\" must resolve to an Object type at "
                   "runtime for field \"%.*s.%.*s\". Either the \"%.*s\" type should provide a "
                   "\"resolveType\" function or each possible type should provide an \"isTypeOf\" "
                   "function.",
                   STR_FMT(abs->name), STR_FMT(fi->parent_type->name), STR_FMT(fi->field->name),
                   STR_FMT(abs->name));
        return NULL;
    }
    const struct gql_type *t = gql_schema_find_type(ex->s, name);
    if (t == NULL) {
        exec_error(ex, slot, node,
                   "Abstract type \"%.*s\" was resolved to a type \"%.*s\" that "
                   "does not exist inside the schema.",
                   STR_FMT(abs->name), STR_FMT(name));
        return NULL;
    }
    if (t->kind != GQL_TYPE_OBJECT) {
        exec_error(ex, slot, node,
                   "Abstract type \"%.*s\" was resolved to a non-object type "
                   "\"%.*s\".",
                   STR_FMT(abs->name), STR_FMT(name));
        return NULL;
    }
    if (!gql_type_is_possible(abs, t)) {
        exec_error(ex, slot, node,
                   "Runtime Object type \"%.*s\" is not a possible type for "
                   "\"%.*s\".",
                   STR_FMT(name), STR_FMT(abs->name));
        return NULL;
    }
    return t;
}

static void complete(struct gql_exec *ex, const struct field_info *fi, const struct gql_type_ref *t,
                     const struct gql_value *v, struct rnode *slot);

/* completeListValue: v is not null; t is the list type. */
static void complete_list(struct gql_exec *ex, const struct field_info *fi,
                          const struct gql_type_ref *t, const struct gql_value *v,
                          struct rnode *slot)
{
    bool host_list = v->kind == GQL_VAL_HOST && v->host.ops->is_list != NULL &&
                     v->host.ops->is_list(v->host.ptr);
    if (v->kind != GQL_VAL_LIST && !host_list) {
        exec_error(ex, slot, fi->nodes->items[0],
                   "Expected Iterable, but did not find one for field "
                   "\"%.*s.%.*s\".",
                   STR_FMT(fi->parent_type->name), STR_FMT(fi->field->name));
        null_out(ex, slot);
        return;
    }
    size_t n = host_list ? v->host.ops->list_count(v->host.ptr) : v->list.count;
    slot->kind = RN_LIST;
    slot->items = arena_calloc(ex->a, n + 1, sizeof(void *));
    slot->count = n;
    for (size_t i = 0; i < n; i++) {
        slot->items[i] = new_slot(ex, slot, STR_NULL, i);
    }
    for (size_t i = 0; i < n && slot->kind == RN_LIST; i++) {
        const struct gql_value *item =
            host_list ? v->host.ops->list_item(v->host.ptr, i, ex->a) : v->list.items[i];
        complete(ex, fi, t->of, item, slot->items[i]);
    }
}

/* completeLeafValue: v is not null; nt is a scalar or enum type. */
static void complete_leaf(struct gql_exec *ex, const struct field_info *fi,
                          const struct gql_type *nt, const struct gql_value *v, struct rnode *slot)
{
    struct gql_value *leaf = serialize_leaf(ex, nt, v, slot, fi->nodes->items[0]);
    if (leaf == NULL) {
        null_out(ex, slot);
        return;
    }
    slot->kind = RN_LEAF;
    slot->leaf = leaf;
}

/* completeObjectValue (and completeAbstractValue): v is not null; nt is composite. */
static void complete_object(struct gql_exec *ex, const struct field_info *fi,
                            const struct gql_type *nt, const struct gql_value *v,
                            struct rnode *slot)
{
    if (gql_type_is_abstract(nt)) {
        nt = runtime_type(ex, nt, v, fi, slot);
        if (nt == NULL) {
            null_out(ex, slot);
            return;
        }
    }
    for (size_t i = 0; i < COLLECT_CACHE_SIZE; i++) {
        const struct collected *c = &ex->collected[i];
        if (c->nodes == fi->nodes && c->type == nt) {
            /* A copy: the ring entry may be reused while these fields execute (the group
             * arrays themselves stay in the arena, unchanged). */
            struct groups groups = c->groups;
            execute_fields(ex, nt, v, &groups, slot);
            return;
        }
    }
    struct collected *c = &ex->collected[ex->collected_next++ % COLLECT_CACHE_SIZE];
    struct gql_list visited = { 0 };
    *c = (struct collected){ .nodes = fi->nodes, .type = nt };
    for (size_t i = 0; i < fi->nodes->count; i++) {
        collect(ex, nt, fi->nodes->items[i], &c->groups, &visited, 0);
    }
    struct groups groups = c->groups;
    execute_fields(ex, nt, v, &groups, slot);
}

/* Complete v into slot for type t. On a null (error or value) the slot is nulled and the
 * null propagates; "Cannot return null" is reported here for non-null slots. */
static void complete(struct gql_exec *ex, const struct field_info *fi, const struct gql_type_ref *t,
                     const struct gql_value *v, struct rnode *slot)
{
    if (t->kind == GQL_REF_NON_NULL) {
        slot->non_null = true;
        if (value_is_null(v)) {
            exec_error(ex, slot, fi->nodes->items[0],
                       "Cannot return null for non-nullable field %.*s.%.*s.",
                       STR_FMT(fi->parent_type->name), STR_FMT(fi->field->name));
            null_out(ex, slot);
            return;
        }
        t = t->of;
    }
    if (value_is_null(v)) {
        null_out(ex, slot);
        return;
    }
    if (t->kind == GQL_REF_LIST) {
        complete_list(ex, fi, t, v, slot);
        return;
    }
    const struct gql_type *nt = t->named;
    if (nt->kind == GQL_TYPE_SCALAR || nt->kind == GQL_TYPE_ENUM) {
        complete_leaf(ex, fi, nt, v, slot);
        return;
    }
    complete_object(ex, fi, nt, v, slot);
}

/* ------------------------------------------------------------------ resolvers */

static void check_done(struct gql_exec *ex);

static void default_resolver(struct gql_resolve *r, void *arg)
{
    (void)arg;
    const struct gql_value *p = r->parent;
    struct gql_value *v = NULL;
    if (p != NULL && p->kind == GQL_VAL_OBJECT) {
        v = gql_value_get(p, r->field->name);
    } else if (p != NULL && p->kind == GQL_VAL_HOST && p->host.ops->get != NULL) {
        v = p->host.ops->get(p->host.ptr, r->field->name, r->ex->a);
    }
    gql_resolve_complete(r, v != NULL ? v : gql_value_null(r->ex->a));
}

void gql_resolve_complete(struct gql_resolve *r, struct gql_value *v)
{
    ASSERT(!r->completed);
    if (r->subscribing) {
        subscribe_complete_raw(r, v);
        return;
    }
    r->completed = true;
    struct field_info fi = { .parent_type = r->parent_type, .field = r->field, .nodes = r->nodes };
    complete(r->ex, &fi, r->field->type, v, r->slot);
    r->ex->pending--;
    check_done(r->ex);
}

void gql_resolve_fail(struct gql_resolve *r, struct str message)
{
    gql_resolve_fail_ext(r, message, STR_NULL);
}

void gql_resolve_fail_ext(struct gql_resolve *r, struct str message, struct str extensions_json)
{
    ASSERT(!r->completed);
    r->completed = true;
    struct gql_exec *ex = r->ex;
    struct gql_error *e = exec_error(ex, r->slot, r->nodes->items[0], "%.*s", STR_FMT(message));
    if (e != NULL && extensions_json.len > 0) {
        e->extensions_json = arena_strdup(ex->a, extensions_json);
    }
    if (r->field->type->kind == GQL_REF_NON_NULL) {
        r->slot->non_null = true;
    }
    null_out(ex, r->slot);
    ex->pending--;
    check_done(ex);
}

const struct gql_value *gql_resolve_parent(const struct gql_resolve *r)
{
    return r->parent;
}

const struct gql_value *gql_resolve_arg(const struct gql_resolve *r, struct str name)
{
    return gql_value_get(r->args, name);
}

const struct gql_field *gql_resolve_field(const struct gql_resolve *r)
{
    return r->field;
}

void *gql_resolve_context(const struct gql_resolve *r)
{
    return r->ex->context;
}

struct arena *gql_resolve_arena(const struct gql_resolve *r)
{
    return r->ex->a;
}

static void execute_field(struct gql_exec *ex, const struct gql_type *t,
                          const struct gql_value *value, struct group *g, struct rnode *slot)
{
    const struct gql_node *node = g->nodes.items[0];
    bool meta = node->name.len > 1 && node->name.ptr[0] == '_' && node->name.ptr[1] == '_';
    if (meta && str_eq_cstr(node->name, "__typename")) {
        slot->kind = RN_LEAF;
        slot->leaf = gql_value_string(ex->a, t->name);
        return;
    }
    const struct gql_field *f = g->field_owner == t ? g->field : NULL;
    if (f == NULL) {
        f = meta ? gql_schema_meta_field(ex->s, t, node->name) : NULL;
        f = f != NULL ? f : gql_type_find_field(t, node->name);
        g->field_owner = t;
        g->field = f;
    }
    if (f == NULL) {
        return;
    }
    if (f->type->kind == GQL_REF_NON_NULL) {
        slot->non_null = true;
    }
    struct gql_value *args = NULL;
    if (!coerce_args(ex, f->args, f->arg_count, node, slot, &args)) {
        null_out(ex, slot);
        return;
    }
    struct gql_resolve *r = arena_alloc(ex->a, sizeof(*r));
    *r = (struct gql_resolve){ .ex = ex,
                               .field = f,
                               .parent_type = t,
                               .parent = value,
                               .args = args,
                               .nodes = &g->nodes,
                               .slot = slot };
    ex->pending++;
    gql_resolver_fn *fn = f->resolve != NULL ? f->resolve : default_resolver;
    void *arg = f->resolve != NULL ? f->resolve_arg : NULL;
    if (f->resolve == NULL && (meta || (t->builtin && t->name.ptr[0] == '_'))) {
        fn = gql_introspection_resolver(ex->s, f, &arg);
    }
    fn(r, arg);
}

static void execute_fields(struct gql_exec *ex, const struct gql_type *t,
                           const struct gql_value *value, const struct groups *groups,
                           struct rnode *obj)
{
    obj->kind = RN_OBJECT;
    obj->items = arena_alloc(ex->a, (groups->count + 1) * sizeof(void *));
    obj->count = groups->count;
    struct rnode *slots = arena_alloc(ex->a, (groups->count + 1) * sizeof(*slots));
    for (size_t i = 0; i < groups->count; i++) {
        slots[i] = (struct rnode){ .parent = obj, .key = groups->items[i].key };
        obj->items[i] = &slots[i];
    }
    obj->items[groups->count] = NULL;
    for (size_t i = 0; i < groups->count; i++) {
        execute_field(ex, t, value, &groups->items[i], obj->items[i]);
    }
}

/* ------------------------------------------------------------------ variables */

struct coerce_err {
    char msg[512];
    bool failed;
    struct buf path;               /* ".a[1]" below the variable, while descending */
    struct str at;                 /* the path where it failed */
    const struct gql_value *value; /* the value that failed */
    struct gql_exec *ex;
    const struct gql_value *cur; /* the value being coerced */
};

static void cerr(struct coerce_err *ce, const char *fmt, ...) PRINTF_FMT(2, 3);

static void cerr(struct coerce_err *ce, const char *fmt, ...)
{
    if (ce->failed) {
        return;
    }
    ce->at = arena_strdup(ce->ex->a, buf_str(&ce->path));
    ce->value = ce->cur;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ce->msg, sizeof(ce->msg), fmt, ap);
    va_end(ap);
    ce->failed = true;
}

static struct gql_value *coerce_input(struct gql_exec *ex, const struct gql_value *v,
                                      const struct gql_type_ref *t, struct coerce_err *ce,
                                      size_t depth);

/* A list type: each item of a list (path "[i]"), or a single value as a one-item list. */
static struct gql_value *coerce_list_input(struct gql_exec *ex, const struct gql_value *v,
                                           const struct gql_type_ref *t, struct coerce_err *ce,
                                           size_t depth)
{
    if (v->kind != GQL_VAL_LIST) {
        struct gql_value *l = gql_value_list(ex->a, 1);
        l->list.items[0] = coerce_input(ex, v, t->of, ce, depth + 1);
        return l;
    }
    struct gql_value *l = gql_value_list(ex->a, v->list.count);
    for (size_t i = 0; i < v->list.count; i++) {
        size_t mark = ce->path.len;
        IGNORE_RC(buf_try_printf(&ce->path, "[%zu]", i));
        l->list.items[i] = coerce_input(ex, v->list.items[i], t->of, ce, depth + 1);
        ce->path.len = mark;
    }
    return l;
}

/* The declared fields of input object nt from object v: given ones coerced (path ".f"),
 * missing ones from their default, missing required ones reported. */
static struct gql_value *coerce_input_fields(struct gql_exec *ex, const struct gql_value *v,
                                             const struct gql_type *nt, struct coerce_err *ce,
                                             size_t depth)
{
    struct gql_value *o = gql_value_object(ex->a, nt->input_field_count);
    size_t n = 0;
    for (size_t i = 0; i < nt->input_field_count; i++) {
        const struct gql_input_value *f = &nt->input_fields[i];
        const struct gql_value *fv = gql_value_get(v, f->name);
        if (fv == NULL && f->default_value != NULL) {
            o->obj.members[n].key = f->name;
            o->obj.members[n++].value = value_from_ast(ex, f->default_value, f->type);
            continue;
        }
        if (fv == NULL) {
            if (f->type->kind == GQL_REF_NON_NULL) {
                cerr(ce, "Field \"%.*s\" of required type \"%.*s\" was not provided.",
                     STR_FMT(f->name), STR_FMT(gql_ref_print(ex->a, f->type)));
            }
            continue;
        }
        size_t mark = ce->path.len;
        IGNORE_RC(buf_try_printf(&ce->path, ".%.*s", STR_FMT(f->name)));
        o->obj.members[n].key = f->name;
        o->obj.members[n++].value = coerce_input(ex, fv, f->type, ce, depth + 1);
        ce->path.len = mark;
        ce->cur = v;
    }
    o->obj.count = n;
    return o;
}

/* Keys of object v that input object nt does not define, and the @oneOf rule. */
static void check_input_object_keys(const struct gql_value *v, const struct gql_type *nt,
                                    struct coerce_err *ce)
{
    for (size_t i = 0; i < v->obj.count; i++) {
        if (gql_type_find_input_field(nt, v->obj.members[i].key) == NULL) {
            cerr(ce, "Field \"%.*s\" is not defined by type \"%.*s\".",
                 STR_FMT(v->obj.members[i].key), STR_FMT(nt->name));
        }
    }
    if (nt->one_of && (v->obj.count != 1 || v->obj.members[0].value->kind == GQL_VAL_NULL)) {
        cerr(ce,
             v->obj.count != 1 ? "Exactly one key must be specified for OneOf type "
                                 "\"%.*s\"."
                               : "Field \"%.*s\" must be non-null.",
             STR_FMT(v->obj.count != 1 ? nt->name : v->obj.members[0].key));
    }
}

static struct gql_value *coerce_input_object(struct gql_exec *ex, const struct gql_value *v,
                                             const struct gql_type *nt, struct coerce_err *ce,
                                             size_t depth)
{
    if (v->kind != GQL_VAL_OBJECT) {
        cerr(ce, "Expected type \"%.*s\" to be an object.", STR_FMT(nt->name));
        return NULL;
    }
    struct gql_value *o = coerce_input_fields(ex, v, nt, ce, depth);
    check_input_object_keys(v, nt, ce);
    return o;
}

static struct gql_value *coerce_enum_input(const struct gql_value *v, const struct gql_type *nt,
                                           struct str shown, struct coerce_err *ce)
{
    if (v->kind != GQL_VAL_STRING) {
        cerr(ce, "Enum \"%.*s\" cannot represent non-string value: %.*s.", STR_FMT(nt->name),
             STR_FMT(shown));
        return NULL;
    }
    if (enum_has_value(nt, v->s)) {
        return (struct gql_value *)v;
    }
    cerr(ce, "Value %.*s does not exist in \"%.*s\" enum.", STR_FMT(shown), STR_FMT(nt->name));
    return NULL;
}

static struct gql_value *coerce_int_input(struct gql_exec *ex, const struct gql_value *v,
                                          struct str shown, struct coerce_err *ce)
{
    bool integral = v->kind == GQL_VAL_INT || (v->kind == GQL_VAL_FLOAT && v->f == floor(v->f));
    if (!integral) {
        cerr(ce, "Int cannot represent non-integer value: %.*s", STR_FMT(shown));
        return NULL;
    }
    double d = v->kind == GQL_VAL_INT ? (double)v->i : v->f;
    if (d > 2147483647.0 || d < -2147483648.0) {
        cerr(ce, "Int cannot represent non 32-bit signed integer value: %.*s", STR_FMT(shown));
        return NULL;
    }
    return gql_value_int(ex->a, (int64_t)d);
}

static struct gql_value *coerce_float_input(struct gql_exec *ex, const struct gql_value *v,
                                            struct str shown, struct coerce_err *ce)
{
    if (v->kind != GQL_VAL_INT && v->kind != GQL_VAL_FLOAT) {
        cerr(ce, "Float cannot represent non numeric value: %.*s", STR_FMT(shown));
        return NULL;
    }
    return gql_value_float(ex->a, v->kind == GQL_VAL_INT ? (double)v->i : v->f);
}

/* String and Boolean accept only their own kind of value ("String", "string", ...). */
static struct gql_value *coerce_exact_input(const struct gql_value *v, enum gql_value_kind kind,
                                            const char *type_name, const char *kind_name,
                                            struct str shown, struct coerce_err *ce)
{
    if (v->kind != kind) {
        cerr(ce, "%s cannot represent a non %s value: %.*s", type_name, kind_name, STR_FMT(shown));
        return NULL;
    }
    return (struct gql_value *)v;
}

static struct gql_value *coerce_id_input(struct gql_exec *ex, const struct gql_value *v,
                                         struct str shown, struct coerce_err *ce)
{
    if (v->kind == GQL_VAL_STRING) {
        return (struct gql_value *)v;
    }
    if (v->kind == GQL_VAL_INT) {
        return gql_value_string(ex->a, shown);
    }
    cerr(ce, "ID cannot represent value: %.*s", STR_FMT(shown));
    return NULL;
}

static struct gql_value *coerce_custom_input(struct gql_exec *ex, const struct gql_value *v,
                                             const struct gql_type *nt, struct coerce_err *ce)
{
    if (nt->scalar_ops == NULL || nt->scalar_ops->parse_value == NULL) {
        return (struct gql_value *)v;
    }
    struct str msg = STR_NULL;
    struct gql_value *out = nt->scalar_ops->parse_value(v, ex->a, &msg);
    if (out == NULL) {
        cerr(ce, "%.*s", STR_FMT(msg));
    }
    /* cppcheck-suppress returnDanglingLifetime ; out is arena memory, msg only an out-parameter */
    return out;
}

/* A scalar's parseValue: the specified scalars, then a custom scalar's hook. */
static struct gql_value *coerce_scalar_input(struct gql_exec *ex, const struct gql_value *v,
                                             const struct gql_type *nt, struct str shown,
                                             struct coerce_err *ce)
{
    if (str_eq_cstr(nt->name, "Int")) {
        return coerce_int_input(ex, v, shown, ce);
    }
    if (str_eq_cstr(nt->name, "Float")) {
        return coerce_float_input(ex, v, shown, ce);
    }
    if (str_eq_cstr(nt->name, "String")) {
        return coerce_exact_input(v, GQL_VAL_STRING, "String", "string", shown, ce);
    }
    if (nt->scalar == GQL_SCALAR_BOOLEAN) {
        return coerce_exact_input(v, GQL_VAL_BOOL, "Boolean", "boolean", shown, ce);
    }
    if (nt->scalar == GQL_SCALAR_ID) {
        return coerce_id_input(ex, v, shown, ce);
    }
    return coerce_custom_input(ex, v, nt, ce);
}

/* coerceInputValue for a JSON variable value. */
static struct gql_value *coerce_input(struct gql_exec *ex, const struct gql_value *v,
                                      const struct gql_type_ref *t, struct coerce_err *ce,
                                      size_t depth)
{
    ce->cur = v;
    if (depth > 64) {
        cerr(ce, "Input is nested too deeply.");
        return NULL;
    }
    if (t->kind == GQL_REF_NON_NULL) {
        if (v->kind == GQL_VAL_NULL) {
            cerr(ce, "Expected non-nullable type \"%.*s\" not to be null.",
                 STR_FMT(gql_ref_print(ex->a, t)));
            return NULL;
        }
        return coerce_input(ex, v, t->of, ce, depth + 1);
    }
    if (v->kind == GQL_VAL_NULL) {
        return (struct gql_value *)v;
    }
    if (t->kind == GQL_REF_LIST) {
        return coerce_list_input(ex, v, t, ce, depth);
    }
    const struct gql_type *nt = t->named;
    struct str shown = inspect_str(ex, v);
    if (nt->kind == GQL_TYPE_INPUT_OBJECT) {
        return coerce_input_object(ex, v, nt, ce, depth);
    }
    if (nt->kind == GQL_TYPE_ENUM) {
        return coerce_enum_input(v, nt, shown, ce);
    }
    return coerce_scalar_input(ex, v, nt, shown, ce);
}

/* typeFromAST: NULL when a name is unknown. */
static struct gql_type_ref *ref_from_ast(struct gql_exec *ex, const struct gql_node *n)
{
    struct gql_type_ref *r = arena_calloc(ex->a, 1, sizeof(*r));
    if (n->kind == GQL_NAMED_TYPE) {
        r->kind = GQL_REF_NAMED;
        r->named = gql_schema_find_type(ex->s, n->name);
        return r->named != NULL ? r : NULL;
    }
    r->kind = n->kind == GQL_LIST_TYPE ? GQL_REF_LIST : GQL_REF_NON_NULL;
    r->of = ref_from_ast(ex, n->type);
    return r->of != NULL ? r : NULL;
}

static bool coerce_variables(struct gql_exec *ex, const struct json_value *json)
{
    const struct gql_node *op = ex->op;
    struct gql_value *in = json != NULL ? gql_value_from_json(ex->a, json) : NULL;
    ex->vars = gql_value_object(ex->a, op->args.count);
    size_t n = 0;
    bool ok = true;
    struct gql_loc none = { 0 };
    for (size_t i = 0; i < op->args.count; i++) {
        const struct gql_node *vd = op->args.items[i];
        struct gql_type_ref *t = ref_from_ast(ex, vd->type);
        if (t == NULL) {
            return false; /* validated documents name only existing types */
        }
        const struct gql_value *given = gql_value_get(in, vd->name);
        struct str ts = gql_ref_print(ex->a, t);
        if (given == NULL) {
            if (vd->value != NULL) {
                ex->vars->obj.members[n].key = vd->name;
                ex->vars->obj.members[n++].value = value_from_ast(ex, vd->value, t);
            } else if (t->kind == GQL_REF_NON_NULL) {
                gql_errors_add(&ex->errs, vd->loc, none,
                               "Variable \"$%.*s\" of required type "
                               "\"%.*s\" was not provided.",
                               STR_FMT(vd->name), STR_FMT(ts));
                ok = false;
            }
            continue;
        }
        if (given->kind == GQL_VAL_NULL && t->kind == GQL_REF_NON_NULL) {
            gql_errors_add(&ex->errs, vd->loc, none,
                           "Variable \"$%.*s\" of non-null type "
                           "\"%.*s\" must not be null.",
                           STR_FMT(vd->name), STR_FMT(ts));
            ok = false;
            continue;
        }
        struct coerce_err ce = { .failed = false, .ex = ex };
        buf_init(&ce.path, 4096);
        struct gql_value *cv = coerce_input(ex, given, t, &ce, 0);
        buf_fini(&ce.path);
        if (ce.failed) {
            if (ce.at.len > 0) {
                gql_errors_add(&ex->errs, vd->loc, none,
                               "Variable \"$%.*s\" got invalid value "
                               "%.*s at \"%.*s%.*s\"; %s",
                               STR_FMT(vd->name), STR_FMT(inspect_str(ex, ce.value)),
                               STR_FMT(vd->name), STR_FMT(ce.at), ce.msg);
            } else {
                gql_errors_add(&ex->errs, vd->loc, none,
                               "Variable \"$%.*s\" got invalid value "
                               "%.*s; %s",
                               STR_FMT(vd->name), STR_FMT(inspect_str(ex, ce.value)), ce.msg);
            }
            ok = false;
            continue;
        }
        ex->vars->obj.members[n].key = vd->name;
        ex->vars->obj.members[n++].value = cv;
    }
    ex->vars->obj.count = n;
    return ok;
}

/* ------------------------------------------------------------------ driving */

static void check_done(struct gql_exec *ex)
{
    if (!ex->started || ex->done) {
        return;
    }
    while (ex->pending == 0 && ex->serial_next < ex->serial.count && ex->data != NULL) {
        size_t i = ex->serial_next++;
        ex->pending++;
        execute_field(ex, ex->root, ex->root_value, &ex->serial.items[i], ex->data->items[i]);
        ex->pending--;
    }
    if (ex->pending == 0 && (ex->serial_next >= ex->serial.count || ex->data == NULL)) {
        ex->done = true;
        if (ex->on_done != NULL) {
            ex->on_done(ex, ex->on_done_arg);
        }
    }
}

int gql_find_operation(const struct gql_document *doc, struct str name, struct gql_errors *errs,
                       const struct gql_node **out_op)
{
    const struct gql_node *found = NULL;
    size_t count = 0;
    struct gql_loc none = { 0 };
    *out_op = NULL;
    for (size_t i = 0; i < doc->root->children.count; i++) {
        const struct gql_node *d = doc->root->children.items[i];
        if (d->kind != GQL_OPERATION) {
            continue;
        }
        count++;
        if (name.len == 0 ? found == NULL : str_eq(d->name, name)) {
            found = d;
        }
    }
    if (name.len == 0 && count > 1) {
        gql_errors_add(errs, none, none,
                       "Must provide operation name if query contains multiple operations.");
        return RC_INVAL;
    }
    if (found == NULL) {
        if (name.len > 0) {
            gql_errors_add(errs, none, none, "Unknown operation named \"%.*s\".", STR_FMT(name));
        } else {
            gql_errors_add(errs, none, none, "Must provide an operation.");
        }
        return RC_INVAL;
    }
    *out_op = found;
    return RC_OK;
}

int gql_execute(struct arena *a, const struct gql_exec_params *p, struct gql_exec **out_ex)
{
    struct gql_exec *ex = arena_calloc(a, 1, sizeof(*ex));
    int rc = RC_OK;
    ex->a = a;
    ex->s = p->schema;
    ex->doc = p->doc;
    ex->context = p->context;
    ex->on_done = p->on_done;
    ex->on_done_arg = p->on_done_arg;
    ex->root_value = p->root_value != NULL ? p->root_value : gql_value_object(a, 0);
    gql_errors_init(&ex->errs, a, 0);
    *out_ex = ex;
    rc = gql_find_operation(p->doc, p->operation_name, &ex->errs, &ex->op);
    if (rc == RC_OK && !coerce_variables(ex, p->variables)) {
        rc = RC_INVAL;
    }
    if (rc == RC_OK) {
        ex->root = gql_schema_root(ex->s, ex->op->op);
        if (ex->root == NULL) {
            struct gql_loc none = { 0 };
            gql_errors_add(&ex->errs, ex->op->loc, none,
                           "Schema is not configured to execute "
                           "%s operation.",
                           ex->op->op == GQL_OP_MUTATION ? "mutation" : "subscription");
            rc = RC_INVAL;
        }
    }
    if (rc != RC_OK) {
        ex->started = true;
        ex->done = true;
        if (ex->on_done != NULL) {
            ex->on_done(ex, ex->on_done_arg);
        }
        goto out;
    }
    ex->data = new_slot(ex, NULL, STR_NULL, 0);
    ex->executed = true;
    struct groups groups = { 0 };
    struct gql_list visited = { 0 };
    collect(ex, ex->root, ex->op, &groups, &visited, 0);
    if (ex->op->op == GQL_OP_MUTATION) {
        ex->data->kind = RN_OBJECT;
        ex->data->items = arena_calloc(a, groups.count + 1, sizeof(void *));
        ex->data->count = groups.count;
        for (size_t i = 0; i < groups.count; i++) {
            ex->data->items[i] = new_slot(ex, ex->data, groups.items[i].key, 0);
        }
        ex->serial = groups;
    } else {
        execute_fields(ex, ex->root, ex->root_value, &groups, ex->data);
    }
    ex->started = true;
    check_done(ex);
out:
    return rc;
}

void gql_exec_set_extensions(struct gql_exec *ex, struct str extensions_json)
{
    ex->extensions = arena_strdup(ex->a, extensions_json);
}

bool gql_exec_done(const struct gql_exec *ex)
{
    return ex->done;
}

const struct gql_errors *gql_exec_errors(const struct gql_exec *ex)
{
    return &ex->errs;
}

static void write_leaf(struct json_writer *w, const struct gql_value *v)
{
    switch (v->kind) {
    case GQL_VAL_BOOL:
        json_write_bool(w, v->b);
        break;
    case GQL_VAL_INT:
        json_write_int(w, v->i);
        break;
    case GQL_VAL_FLOAT:
        json_write_number(w, v->f);
        break;
    case GQL_VAL_STRING:
        json_write_string(w, v->s);
        break;
    case GQL_VAL_LIST:
        json_write_begin_array(w);
        for (size_t i = 0; i < v->list.count; i++) {
            write_leaf(w, v->list.items[i]);
        }
        json_write_end_array(w);
        break;
    case GQL_VAL_OBJECT:
        json_write_begin_object(w);
        for (size_t i = 0; i < v->obj.count; i++) {
            json_write_key(w, v->obj.members[i].key);
            write_leaf(w, v->obj.members[i].value);
        }
        json_write_end_object(w);
        break;
    default:
        json_write_null(w);
        break;
    }
}

static void write_node(struct json_writer *w, const struct rnode *n)
{
    switch (n->kind) {
    case RN_LEAF:
        write_leaf(w, n->leaf);
        break;
    case RN_LIST:
        json_write_begin_array(w);
        for (size_t i = 0; i < n->count; i++) {
            write_node(w, n->items[i]);
        }
        json_write_end_array(w);
        break;
    case RN_OBJECT:
        json_write_begin_object(w);
        for (size_t i = 0; i < n->count; i++) {
            json_write_key_plain(w, n->items[i]->key); /* a GraphQL name */
            write_node(w, n->items[i]);
        }
        json_write_end_object(w);
        break;
    default:
        json_write_null(w);
        break;
    }
}

static void write_locations(struct json_writer *w, const struct gql_error *e)
{
    json_write_key(w, STR("locations"));
    json_write_begin_array(w);
    for (size_t k = 0; k < e->loc_count; k++) {
        json_write_begin_object(w);
        json_write_key(w, STR("line"));
        json_write_int(w, e->locs[k].line);
        json_write_key(w, STR("column"));
        json_write_int(w, e->locs[k].column);
        json_write_end_object(w);
    }
    json_write_end_array(w);
}

static void write_path(struct json_writer *w, const struct gql_error *e)
{
    json_write_key(w, STR("path"));
    json_write_begin_array(w);
    for (size_t k = 0; k < e->path_len; k++) {
        if (e->path[k].key.ptr != NULL) {
            json_write_string(w, e->path[k].key);
        } else {
            json_write_int(w, (int64_t)e->path[k].index);
        }
    }
    json_write_end_array(w);
}

void gql_write_errors(struct json_writer *w, const struct gql_errors *errs)
{
    json_write_begin_array(w);
    for (size_t i = 0; i < errs->count; i++) {
        const struct gql_error *e = &errs->items[i];
        json_write_begin_object(w);
        json_write_key(w, STR("message"));
        json_write_string(w, e->message);
        if (e->loc_count > 0) {
            write_locations(w, e);
        }
        if (e->path != NULL) {
            write_path(w, e);
        }
        if (e->extensions_json.len > 0) {
            json_write_key(w, STR("extensions"));
            json_write_raw(w, e->extensions_json);
        }
        json_write_end_object(w);
    }
    json_write_end_array(w);
}

void gql_exec_write(const struct gql_exec *ex, struct json_writer *w)
{
    json_write_begin_object(w);
    if (ex->errs.count > 0) {
        json_write_key(w, STR("errors"));
        gql_write_errors(w, &ex->errs);
    }
    if (ex->executed) {
        json_write_key(w, STR("data"));
        if (ex->data == NULL) {
            json_write_null(w);
        } else {
            write_node(w, ex->data);
        }
    }
    if (ex->extensions.len > 0) {
        json_write_key(w, STR("extensions"));
        json_write_raw(w, ex->extensions);
    }
    json_write_end_object(w);
}

/* ------------------------------------------------------------------ subscriptions */

struct gql_subscription {
    struct gql_exec ex; /* request state: operation, variables, errors */
    const struct gql_value *stream;
    void (*on_done)(struct gql_exec *ex, void *arg);
    void *on_done_arg;
};

static void subscribe_done(struct gql_exec *ex, void *arg)
{
    struct gql_subscription *sub = arg;
    struct rnode *slot = ex->data != NULL && ex->data->count > 0 ? ex->data->items[0] : NULL;
    if (slot != NULL && slot->kind == RN_LEAF) {
        sub->stream = slot->leaf;
    }
    if (sub->on_done != NULL) {
        sub->on_done(ex, sub->on_done_arg);
    }
}

/* The subscribe resolver completes with the stream; store it without completing it against
 * the field's type (it is not the field's value). */
static void subscribe_complete_raw(struct gql_resolve *r, struct gql_value *v)
{
    r->completed = true;
    if (v == NULL || v->kind == GQL_VAL_NULL) {
        exec_error(r->ex, r->slot, r->nodes->items[0],
                   "Subscription field must return Async "
                   "Iterable. Received: null.");
        r->slot->kind = RN_NULL;
    } else {
        r->slot->kind = RN_LEAF;
        r->slot->leaf = v;
    }
    r->ex->pending--;
    check_done(r->ex);
}

int gql_subscribe(struct arena *a, const struct gql_exec_params *p,
                  struct gql_subscription **out_sub)
{
    struct gql_subscription *sub = arena_calloc(a, 1, sizeof(*sub));
    struct gql_exec *ex = &sub->ex;
    struct gql_loc none = { 0 };
    int rc = RC_OK;
    *out_sub = sub;
    sub->on_done = p->on_done;
    sub->on_done_arg = p->on_done_arg;
    ex->a = a;
    ex->s = p->schema;
    ex->doc = p->doc;
    ex->context = p->context;
    ex->on_done = subscribe_done;
    ex->on_done_arg = sub;
    ex->root_value = p->root_value != NULL ? p->root_value : gql_value_object(a, 0);
    gql_errors_init(&ex->errs, a, 0);
    rc = gql_find_operation(p->doc, p->operation_name, &ex->errs, &ex->op);
    if (rc == RC_OK && ex->op->op != GQL_OP_SUBSCRIPTION) {
        gql_errors_add(&ex->errs, ex->op->loc, none, "Operation is not a subscription.");
        rc = RC_INVAL;
    }
    if (rc == RC_OK && !coerce_variables(ex, p->variables)) {
        rc = RC_INVAL;
    }
    ex->root = rc == RC_OK ? gql_schema_root(ex->s, GQL_OP_SUBSCRIPTION) : NULL;
    if (rc == RC_OK && ex->root == NULL) {
        gql_errors_add(&ex->errs, ex->op->loc, none,
                       "Schema is not configured to execute "
                       "subscription operation.");
        rc = RC_INVAL;
    }
    struct groups groups = { 0 };
    struct gql_list visited = { 0 };
    const struct gql_field *f = NULL;
    if (rc == RC_OK) {
        collect(ex, ex->root, ex->op, &groups, &visited, 0);
        f = groups.count > 0 ? gql_type_find_field(ex->root, groups.items[0].nodes.items[0]->name)
                             : NULL;
        if (f == NULL) {
            gql_errors_add(&ex->errs, ex->op->loc, none, "The subscription field is not defined.");
            rc = RC_INVAL;
        }
    }
    if (rc != RC_OK) {
        ex->started = true;
        ex->done = true;
        if (sub->on_done != NULL) {
            sub->on_done(ex, sub->on_done_arg);
        }
        return rc;
    }
    ex->data = new_slot(ex, NULL, STR_NULL, 0);
    ex->data->kind = RN_OBJECT;
    ex->data->items = arena_calloc(a, 2, sizeof(void *));
    ex->data->count = 1;
    struct rnode *slot = new_slot(ex, ex->data, groups.items[0].key, 0);
    ex->data->items[0] = slot;
    struct gql_value *args = NULL;
    ex->started = true;
    if (!coerce_args(ex, f->args, f->arg_count, groups.items[0].nodes.items[0], slot, &args)) {
        check_done(ex);
        return RC_OK;
    }
    struct gql_resolve *r = arena_calloc(a, 1, sizeof(*r));
    r->ex = ex;
    r->field = f;
    r->parent_type = ex->root;
    r->parent = ex->root_value;
    r->args = args;
    r->nodes = &groups.items[0].nodes;
    r->slot = slot;
    r->subscribing = true;
    ex->pending++;
    if (f->subscribe != NULL) {
        f->subscribe(r, f->subscribe_arg);
    } else {
        /* graphql-js's default subscribe reads the root value's property. */
        struct gql_value *v = gql_value_get(ex->root_value, f->name);
        subscribe_complete_raw(r, v);
    }
    return RC_OK;
}

const struct gql_value *gql_subscription_stream(const struct gql_subscription *sub)
{
    return sub->stream;
}

const struct gql_errors *gql_subscription_errors(const struct gql_subscription *sub)
{
    return &sub->ex.errs;
}
