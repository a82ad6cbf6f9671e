/* SPDX-License-Identifier: MIT */
/*
 * Validation of executable documents (spec section 5). One walk over the document keeps the
 * type information graphql-js's TypeInfo keeps (parent type, field definition, expected
 * input type and default) and, at each node, runs the checks of the rules that look at that
 * node in graphql-js's rule order, so errors come out in the order graphql-js reports them.
 * Checks that need a whole operation (variable usages through fragments) run a second walk
 * in "collect" mode, which records usages and reports nothing.
 * Thread contract: one validation per thread at a time; the schema is only read.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/map.h"
#include "base/rc.h"
#include "base/vec.h"
#include "gql/gql_internal.h"

struct usage {
    const struct gql_node *var;
    const struct gql_type_ref *type; /* expected type at the position, or NULL */
    bool location_has_default;
    const struct gql_type *parent_input; /* input object whose field holds it, or NULL */
};

struct usages {
    struct usage *items;
    size_t count;
    size_t cap;
};

struct vctx {
    struct arena *a;
    const struct gql_schema *s;
    const struct gql_document *doc;
    struct gql_errors *errs;
    struct map *frags;      /* name -> first FRAGMENT_DEF */
    struct map *op_names;   /* operation names seen */
    struct map *frag_names; /* fragment names seen */
    struct map *doc_types;  /* type definitions in the document (not executable) */
    struct map *doc_dirs;   /* directive definitions in the document (not executable) */
    size_t op_count;
    bool collect; /* usage-collection walk: report nothing */
    struct usages *usages;
    struct buf msg;
    size_t overlap_budget;       /* comparisons left for OverlappingFieldsCanBeMerged */
    size_t overlap_depth;        /* nesting of sub-selection comparisons */
    size_t introspection_budget; /* node visits left for MaxIntrospectionDepth */
    bool aborted;                /* the error list filled up: validation stopped */
    struct str prefix;           /* put before every message (gql_check_literal) */
    size_t found;                /* problems found, reported or not */
};

static struct gql_loc nl(void)
{
    return (struct gql_loc){ 0 };
}

/* graphql-js's validate(): an error past maxErrors adds "Too many validation errors" (one
 * more than the bound) and stops. True when the list is full. */
static bool abort_when_full(struct vctx *v)
{
    if (!gql_errors_full(v->errs)) {
        return false;
    }
    if (!v->aborted) {
        v->aborted = true;
        size_t max = v->errs->max;
        v->errs->max = 0; /* the one error past the bound */
        struct gql_error *e =
            gql_errors_add(v->errs, nl(), nl(),
                           "Too many validation errors, error limit reached. Validation aborted.");
        e->code = STR("GRAPHQL_VALIDATION_FAILED");
        v->errs->max = max;
    }
    return true;
}

static void report(struct vctx *v, struct gql_loc l1, struct gql_loc l2, const char *fmt, ...)
    PRINTF_FMT(4, 5);

static void report(struct vctx *v, struct gql_loc l1, struct gql_loc l2, const char *fmt, ...)
{
    if (v->collect) {
        return;
    }
    v->found++;
    if (v->errs == NULL || abort_when_full(v)) {
        return;
    }
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    struct gql_error *e = gql_errors_add(v->errs, l1, l2, "%.*s%s", STR_FMT(v->prefix), text);
    if (e != NULL) {
        e->code = STR("GRAPHQL_VALIDATION_FAILED");
    }
}

/* Report the message in v->msg with n locations. */
static void report_msg_locs(struct vctx *v, const struct gql_loc *locs, size_t n)
{
    if (v->collect) {
        return;
    }
    v->found++;
    if (v->errs == NULL || abort_when_full(v)) {
        return;
    }
    struct gql_error *e = gql_errors_add(v->errs, nl(), nl(), "%.*s%.*s", STR_FMT(v->prefix),
                                         STR_FMT(buf_str(&v->msg)));
    if (e == NULL) {
        return;
    }
    e->code = STR("GRAPHQL_VALIDATION_FAILED");
    e->locs = arena_alloc(v->a, (n + 1) * sizeof(*e->locs));
    memcpy(e->locs, locs, n * sizeof(*locs));
    e->loc_count = n;
}

static void msg_reset(struct vctx *v)
{
    buf_reset(&v->msg);
}

static void msg_printf(struct vctx *v, const char *fmt, ...) PRINTF_FMT(2, 3);

static void msg_printf(struct vctx *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* Messages are bounded by v->msg's maximum; a truncated message is still reported. */
    IGNORE_RC(buf_try_vprintf(&v->msg, fmt, ap));
    va_end(ap);
}

static struct str ref_str(struct vctx *v, const struct gql_type_ref *r)
{
    return gql_ref_print(v->a, r);
}

static struct str ast_type_str(struct vctx *v, const struct gql_node *t)
{
    return gql_print_ast_type(v->a, t);
}

/* typeFromAST: the schema type for an AST type reference, or NULL when a name is unknown. */
static struct gql_type_ref *type_from_ast(struct vctx *v, const struct gql_node *t)
{
    struct gql_type_ref *r = arena_calloc(v->a, 1, sizeof(*r));
    if (t->kind == GQL_NAMED_TYPE) {
        r->kind = GQL_REF_NAMED;
        r->named = gql_schema_find_type(v->s, t->name);
        return r->named != NULL ? r : NULL;
    }
    r->kind = t->kind == GQL_LIST_TYPE ? GQL_REF_LIST : GQL_REF_NON_NULL;
    r->of = type_from_ast(v, t->type);
    return r->of != NULL ? r : NULL;
}

static bool is_leaf(const struct gql_type *t)
{
    return t->kind == GQL_TYPE_SCALAR || t->kind == GQL_TYPE_ENUM;
}

static const struct gql_type_ref *nullable(const struct gql_type_ref *r)
{
    return (r != NULL && r->kind == GQL_REF_NON_NULL) ? r->of : r;
}

/* Whether t is a possible type of (or implements) abstract type abs (schema.isSubType). */
static bool is_sub_type(const struct gql_type *abs, const struct gql_type *t)
{
    if (abs->kind == GQL_TYPE_UNION) {
        return gql_type_is_possible(abs, t);
    }
    return (t->kind == GQL_TYPE_OBJECT || t->kind == GQL_TYPE_INTERFACE) &&
           gql_type_implements(t, abs);
}

static bool abstracts_overlap(const struct gql_type *a, const struct gql_type *b)
{
    for (size_t i = 0; i < a->possible_count; i++) {
        if (is_sub_type(b, a->possible[i])) {
            return true;
        }
    }
    return false;
}

/* graphql-js doTypesOverlap. */
static bool types_overlap(const struct gql_type *a, const struct gql_type *b)
{
    bool abs_a = gql_type_is_abstract(a);
    bool abs_b = gql_type_is_abstract(b);
    if (a == b) {
        return true;
    }
    if (abs_a && abs_b) {
        return abstracts_overlap(a, b);
    }
    if (abs_a) {
        return is_sub_type(a, b);
    }
    return abs_b && is_sub_type(b, a);
}

static const struct gql_field *field_def(struct vctx *v, const struct gql_type *parent,
                                         struct str name)
{
    if (parent == NULL) {
        return NULL;
    }
    const struct gql_field *m = gql_schema_meta_field(v->s, parent, name);
    if (m != NULL) {
        return m;
    }
    if (parent->kind == GQL_TYPE_OBJECT || parent->kind == GQL_TYPE_INTERFACE) {
        return gql_type_find_field(parent, name);
    }
    return NULL;
}

/* graphql-js getFragmentSpreads: spreads of a selection set, visiting nested sets LIFO. */
static void fragment_spreads(struct vctx *v, const struct gql_node *owner, struct gql_list *out)
{
    struct gql_list stack = { 0 };
    gql_list_push(v->a, &stack, (struct gql_node *)owner);
    while (stack.count > 0) {
        const struct gql_node *set = stack.items[--stack.count];
        for (size_t i = 0; i < set->children.count; i++) {
            struct gql_node *sel = set->children.items[i];
            if (sel->kind == GQL_FRAGMENT_SPREAD) {
                gql_list_push(v->a, out, sel);
            } else if (sel->children.count > 0) {
                gql_list_push(v->a, &stack, sel);
            }
        }
    }
}

/* graphql-js getRecursivelyReferencedFragments. */
static void referenced_fragments(struct vctx *v, const struct gql_node *op, struct gql_list *out)
{
    struct map *seen = map_new();
    struct gql_list stack = { 0 };
    gql_list_push(v->a, &stack, (struct gql_node *)op);
    while (stack.count > 0) {
        const struct gql_node *node = stack.items[--stack.count];
        struct gql_list spreads = { 0 };
        fragment_spreads(v, node, &spreads);
        for (size_t i = 0; i < spreads.count; i++) {
            struct str name = spreads.items[i]->name;
            if (map_find(seen, name) != NULL) {
                continue;
            }
            map_set(seen, name, (void *)1, NULL);
            struct gql_node *frag = map_find(v->frags, name);
            if (frag != NULL) {
                gql_list_push(v->a, out, frag);
                gql_list_push(v->a, &stack, frag);
            }
        }
    }
    map_free(seen);
}

/* ------------------------------------------------------------------ values */

static bool scalar_literal_error(struct vctx *v, const struct gql_type *t, const struct gql_node *n)
{
    struct str printed = gql_print_value(v->a, n);
    struct str name = t->name;
    if (str_eq_cstr(name, "Int")) {
        if (n->kind != GQL_INT) {
            report(v, n->loc, nl(), "Int cannot represent non-integer value: %.*s",
                   STR_FMT(printed));
            return true;
        }
        int64_t x = 0;
        if (str_to_i64(n->text, &x) != RC_OK || x > 2147483647LL || x < -2147483648LL) {
            report(v, n->loc, nl(), "Int cannot represent non 32-bit signed integer value: %.*s",
                   STR_FMT(n->text));
            return true;
        }
    } else if (str_eq_cstr(name, "Float")) {
        if (n->kind != GQL_INT && n->kind != GQL_FLOAT) {
            report(v, n->loc, nl(), "Float cannot represent non numeric value: %.*s",
                   STR_FMT(printed));
            return true;
        }
    } else if (str_eq_cstr(name, "String")) {
        if (n->kind != GQL_STRING) {
            report(v, n->loc, nl(), "String cannot represent a non string value: %.*s",
                   STR_FMT(printed));
            return true;
        }
    } else if (str_eq_cstr(name, "Boolean")) {
        if (n->kind != GQL_BOOLEAN) {
            report(v, n->loc, nl(), "Boolean cannot represent a non boolean value: %.*s",
                   STR_FMT(printed));
            return true;
        }
    } else if (str_eq_cstr(name, "ID")) {
        if (n->kind != GQL_STRING && n->kind != GQL_INT) {
            report(v, n->loc, nl(), "ID cannot represent a non-string and non-integer value: %.*s",
                   STR_FMT(printed));
            return true;
        }
    }
    return false;
}

static void enum_suggestions(struct vctx *v, const struct gql_type *t, struct str printed)
{
    struct str *names = arena_alloc(v->a, (t->value_count + 1) * sizeof(*names));
    for (size_t i = 0; i < t->value_count; i++) {
        names[i] = t->values[i].name;
    }
    struct buf tail;
    buf_init(&tail, 4096);
    gql_did_you_mean(&tail, "the enum value", printed, names, t->value_count);
    msg_printf(v, "%.*s", STR_FMT(buf_str(&tail)));
    buf_fini(&tail);
}

static bool enum_has(const struct gql_type *t, struct str name)
{
    for (size_t i = 0; i < t->value_count; i++) {
        if (str_eq(t->values[i].name, name)) {
            return true;
        }
    }
    return false;
}

/* graphql-js GraphQLEnumType.parseLiteral's errors. */
static void check_enum_value(struct vctx *v, const struct gql_type *t, const struct gql_node *n,
                             struct str printed)
{
    if (n->kind == GQL_ENUM && enum_has(t, n->text)) {
        return;
    }
    msg_reset(v);
    if (n->kind != GQL_ENUM) {
        msg_printf(v, "Enum \"%.*s\" cannot represent non-enum value: %.*s.", STR_FMT(t->name),
                   STR_FMT(printed));
    } else {
        msg_printf(v, "Value \"%.*s\" does not exist in \"%.*s\" enum.", STR_FMT(printed),
                   STR_FMT(t->name));
    }
    enum_suggestions(v, t, printed);
    report_msg_locs(v, &n->loc, 1);
}

/* isValidValueNode for leaf literals. */
static void check_leaf_value(struct vctx *v, const struct gql_type_ref *expected,
                             const struct gql_node *n)
{
    if (expected == NULL) {
        return;
    }
    const struct gql_type *t = gql_ref_named(expected);
    struct str printed = gql_print_value(v->a, n);
    if (!is_leaf(t)) {
        report(v, n->loc, nl(), "Expected value of type \"%.*s\", found %.*s.",
               STR_FMT(ref_str(v, expected)), STR_FMT(printed));
        return;
    }
    if (t->kind == GQL_TYPE_ENUM) {
        check_enum_value(v, t, n, printed);
        return;
    }
    if (t->scalar_ops != NULL && t->scalar_ops->parse_literal != NULL) {
        struct str msg = STR_NULL;
        if (t->scalar_ops->parse_literal(gql_value_from_literal(v->a, n), v->a, &msg) == NULL) {
            report(v, n->loc, nl(), "Expected value of type \"%.*s\", found %.*s; %.*s",
                   STR_FMT(ref_str(v, expected)), STR_FMT(printed), STR_FMT(msg));
        }
        return;
    }
    scalar_literal_error(v, t, n);
}

struct value_pos {
    const struct gql_type_ref *type;     /* expected input type, or NULL */
    const struct gql_type *parent_input; /* parent input object of an object field */
    bool has_default;                    /* the position has a default value */
};

static void walk_value(struct vctx *v, const struct gql_node *n, struct value_pos pos);

static void check_object_value(struct vctx *v, const struct gql_node *n, const struct gql_type *t)
{
    for (size_t i = 0; i < t->input_field_count; i++) {
        const struct gql_input_value *f = &t->input_fields[i];
        bool given = false;
        for (size_t k = 0; k < n->children.count && !given; k++) {
            given = str_eq(n->children.items[k]->name, f->name);
        }
        if (!given && f->type->kind == GQL_REF_NON_NULL && f->default_value == NULL) {
            report(v, n->loc, nl(),
                   "Field \"%.*s.%.*s\" of required type \"%.*s\" was not "
                   "provided.",
                   STR_FMT(t->name), STR_FMT(f->name), STR_FMT(ref_str(v, f->type)));
        }
    }
    if (!t->one_of) {
        return;
    }
    if (n->children.count != 1) {
        report(v, n->loc, nl(), "OneOf Input Object \"%.*s\" must specify exactly one key.",
               STR_FMT(t->name));
        return;
    }
    const struct gql_node *only = n->children.items[0];
    if (only->value->kind == GQL_NULL) {
        report(v, n->loc, nl(), "Field \"%.*s.%.*s\" must be non-null.", STR_FMT(t->name),
               STR_FMT(only->name));
    }
}

static void walk_object_fields(struct vctx *v, const struct gql_node *n, const struct gql_type *t)
{
    for (size_t i = 0; i < n->children.count; i++) {
        const struct gql_node *f = n->children.items[i];
        const struct gql_input_value *def =
            t != NULL ? gql_type_find_input_field(t, f->name) : NULL;
        if (def == NULL && t != NULL) {
            msg_reset(v);
            msg_printf(v, "Field \"%.*s\" is not defined by type \"%.*s\".", STR_FMT(f->name),
                       STR_FMT(t->name));
            struct str *names = arena_alloc(v->a, (t->input_field_count + 1) * sizeof(*names));
            for (size_t k = 0; k < t->input_field_count; k++) {
                names[k] = t->input_fields[k].name;
            }
            gql_did_you_mean(&v->msg, NULL, f->name, names, t->input_field_count);
            report_msg_locs(v, &f->loc, 1);
        }
        for (size_t k = 0; k < i; k++) {
            if (str_eq(n->children.items[k]->name, f->name)) {
                report(v, n->children.items[k]->name_loc, f->name_loc,
                       "There can be only one input field named \"%.*s\".", STR_FMT(f->name));
                break;
            }
        }
        struct value_pos fp = {
            .type = def != NULL ? def->type : NULL,
            .parent_input = t,
            .has_default = def != NULL && def->default_value != NULL,
        };
        walk_value(v, f->value, fp);
    }
}

static void record_usage(struct vctx *v, const struct gql_node *n, struct value_pos pos)
{
    if (v->usages == NULL) {
        return;
    }
    struct usage u = {
        .var = n,
        .type = pos.type,
        .location_has_default = pos.has_default,
        .parent_input = pos.parent_input,
    };
    VEC_PUSH_ARENA(v->a, v->usages, u);
}

static void walk_list_value(struct vctx *v, const struct gql_node *n, struct value_pos pos)
{
    const struct gql_type_ref *lt = nullable(pos.type);
    if (lt != NULL && lt->kind != GQL_REF_LIST) {
        check_leaf_value(v, pos.type, n);
        return;
    }
    struct value_pos ip = { .type = lt != NULL ? lt->of : NULL };
    for (size_t i = 0; i < n->children.count; i++) {
        walk_value(v, n->children.items[i], ip);
    }
}

static void walk_object_value(struct vctx *v, const struct gql_node *n, struct value_pos pos)
{
    const struct gql_type *t = pos.type != NULL ? gql_ref_named(pos.type) : NULL;
    if (t != NULL && t->kind != GQL_TYPE_INPUT_OBJECT) {
        check_leaf_value(v, pos.type, n);
        return;
    }
    if (t != NULL) {
        check_object_value(v, n, t);
    }
    walk_object_fields(v, n, t);
}

static void walk_value(struct vctx *v, const struct gql_node *n, struct value_pos pos)
{
    switch (n->kind) {
    case GQL_VARIABLE:
        record_usage(v, n, pos);
        return;
    case GQL_LIST:
        walk_list_value(v, n, pos);
        return;
    case GQL_OBJECT:
        walk_object_value(v, n, pos);
        return;
    case GQL_NULL:
        if (pos.type != NULL && pos.type->kind == GQL_REF_NON_NULL) {
            report(v, n->loc, nl(), "Expected value of type \"%.*s\", found null.",
                   STR_FMT(ref_str(v, pos.type)));
        }
        return;
    default:
        check_leaf_value(v, pos.type, n);
        return;
    }
}

/* ------------------------------------------------------------------ directives, arguments */

static void check_unique_args(struct vctx *v, const struct gql_list *args)
{
    for (size_t i = 0; i < args->count; i++) {
        bool first = true;
        for (size_t k = 0; k < i && first; k++) {
            first = !str_eq(args->items[k]->name, args->items[i]->name);
        }
        if (!first) {
            continue;
        }
        struct gql_loc locs[16];
        size_t n = 0;
        for (size_t k = i; k < args->count; k++) {
            if (str_eq(args->items[k]->name, args->items[i]->name) && n < ARRAY_LEN(locs)) {
                locs[n++] = args->items[k]->name_loc;
            }
        }
        if (n > 1) {
            msg_reset(v);
            msg_printf(v, "There can be only one argument named \"%.*s\".",
                       STR_FMT(args->items[i]->name));
            report_msg_locs(v, locs, n);
        }
    }
}

static const struct gql_input_value *find_arg_def(const struct gql_input_value *defs, size_t n,
                                                  struct str name)
{
    for (size_t i = 0; i < n; i++) {
        if (str_eq(defs[i].name, name)) {
            return &defs[i];
        }
    }
    return NULL;
}

static void walk_arg_values(struct vctx *v, const struct gql_list *args,
                            const struct gql_input_value *defs, size_t def_count)
{
    for (size_t i = 0; i < args->count; i++) {
        const struct gql_node *arg = args->items[i];
        const struct gql_input_value *d = find_arg_def(defs, def_count, arg->name);
        struct value_pos pos = {
            .type = d != NULL ? d->type : NULL,
            .has_default = d != NULL && d->default_value != NULL,
        };
        walk_value(v, arg->value, pos);
    }
}

static void check_required_args(struct vctx *v, const struct gql_node *n,
                                const struct gql_input_value *defs, size_t def_count,
                                bool is_directive)
{
    for (size_t i = 0; i < def_count; i++) {
        const struct gql_input_value *d = &defs[i];
        if (d->type->kind != GQL_REF_NON_NULL || d->default_value != NULL) {
            continue;
        }
        bool given = false;
        for (size_t k = 0; k < n->args.count && !given; k++) {
            given = str_eq(n->args.items[k]->name, d->name);
        }
        if (given) {
            continue;
        }
        if (is_directive) {
            report(v, n->loc, nl(),
                   "Directive \"@%.*s\" argument \"%.*s\" of type \"%.*s\" is "
                   "required, but it was not provided.",
                   STR_FMT(n->name), STR_FMT(d->name), STR_FMT(ref_str(v, d->type)));
        } else {
            report(v, n->loc, nl(),
                   "Field \"%.*s\" argument \"%.*s\" of type \"%.*s\" is "
                   "required, but it was not provided.",
                   STR_FMT(n->name), STR_FMT(d->name), STR_FMT(ref_str(v, d->type)));
        }
    }
}

static void check_unique_directives(struct vctx *v, const struct gql_list *dirs)
{
    for (size_t i = 0; i < dirs->count; i++) {
        const struct gql_directive_def *dd = gql_schema_find_directive(v->s, dirs->items[i]->name);
        const struct gql_node *doc_dd =
            v->doc_dirs != NULL ? map_find(v->doc_dirs, dirs->items[i]->name) : NULL;
        if (dd != NULL ? dd->repeatable : (doc_dd == NULL || doc_dd->flag)) {
            continue;
        }
        for (size_t k = 0; k < i; k++) {
            if (str_eq(dirs->items[k]->name, dirs->items[i]->name)) {
                report(v, dirs->items[k]->loc, dirs->items[i]->loc,
                       "The directive \"@%.*s\" can only be used once at this location.",
                       STR_FMT(dirs->items[i]->name));
                break;
            }
        }
    }
}

/* KnownArgumentNames on a directive. */
static void check_directive_arg_names(struct vctx *v, const struct gql_node *d,
                                      const struct gql_directive_def *dd)
{
    for (size_t k = 0; k < d->args.count; k++) {
        const struct gql_node *arg = d->args.items[k];
        if (find_arg_def(dd->args, dd->arg_count, arg->name) != NULL) {
            continue;
        }
        msg_reset(v);
        msg_printf(v, "Unknown argument \"%.*s\" on directive \"@%.*s\".", STR_FMT(arg->name),
                   STR_FMT(d->name));
        struct str *names = arena_alloc(v->a, (dd->arg_count + 1) * sizeof(*names));
        for (size_t m = 0; m < dd->arg_count; m++) {
            names[m] = dd->args[m].name;
        }
        gql_did_you_mean(&v->msg, NULL, arg->name, names, dd->arg_count);
        report_msg_locs(v, &arg->loc, 1);
    }
}

/* A directive the document itself defines (graphql-js's rules know those too): its locations,
 * argument names and required arguments from the definition's AST. */
static void walk_doc_directive(struct vctx *v, const struct gql_node *d, const struct gql_node *def,
                               enum gql_dir_loc where)
{
    bool located = false;
    for (size_t i = 0; i < def->children.count && !located; i++) {
        located = str_eq_cstr(def->children.items[i]->name, gql_dir_loc_names[where]);
    }
    if (!located) {
        report(v, d->loc, nl(), "Directive \"@%.*s\" may not be used on %s.", STR_FMT(d->name),
               gql_dir_loc_names[where]);
    }
    for (size_t k = 0; k < d->args.count; k++) {
        const struct gql_node *arg = d->args.items[k];
        bool known = false;
        for (size_t m = 0; m < def->args.count && !known; m++) {
            known = str_eq(def->args.items[m]->name, arg->name);
        }
        if (known) {
            continue;
        }
        msg_reset(v);
        msg_printf(v, "Unknown argument \"%.*s\" on directive \"@%.*s\".", STR_FMT(arg->name),
                   STR_FMT(d->name));
        struct str *names = arena_alloc(v->a, (def->args.count + 1) * sizeof(*names));
        for (size_t m = 0; m < def->args.count; m++) {
            names[m] = def->args.items[m]->name;
        }
        gql_did_you_mean(&v->msg, NULL, arg->name, names, def->args.count);
        report_msg_locs(v, &arg->loc, 1);
    }
    check_unique_args(v, &d->args);
    walk_arg_values(v, &d->args, NULL, 0);
    for (size_t m = 0; m < def->args.count; m++) {
        const struct gql_node *ad = def->args.items[m];
        bool given = ad->type->kind != GQL_NON_NULL_TYPE || ad->value != NULL;
        for (size_t k = 0; k < d->args.count && !given; k++) {
            given = str_eq(d->args.items[k]->name, ad->name);
        }
        if (!given) {
            struct str ts = gql_print_ast_type(v->a, ad->type);
            report(v, d->loc, nl(),
                   "Directive \"@%.*s\" argument \"%.*s\" of type \"%.*s\" is required, but it "
                   "was not provided.",
                   STR_FMT(d->name), STR_FMT(ad->name), STR_FMT(ts));
        }
    }
}

static void walk_directive(struct vctx *v, const struct gql_node *d, enum gql_dir_loc where)
{
    const struct gql_directive_def *dd = gql_schema_find_directive(v->s, d->name);
    const struct gql_node *doc_dd =
        dd == NULL && v->doc_dirs != NULL ? map_find(v->doc_dirs, d->name) : NULL;
    if (doc_dd != NULL) {
        walk_doc_directive(v, d, doc_dd, where);
        return;
    }
    if (dd == NULL) {
        report(v, d->loc, nl(), "Unknown directive \"@%.*s\".", STR_FMT(d->name));
    } else if ((dd->locations & (1u << where)) == 0) {
        report(v, d->loc, nl(), "Directive \"@%.*s\" may not be used on %s.", STR_FMT(d->name),
               gql_dir_loc_names[where]);
    }
    if (dd != NULL) {
        check_directive_arg_names(v, d, dd);
    }
    check_unique_args(v, &d->args);
    walk_arg_values(v, &d->args, dd != NULL ? dd->args : NULL, dd != NULL ? dd->arg_count : 0);
    if (dd != NULL) {
        check_required_args(v, d, dd->args, dd->arg_count, true);
    }
}

static void walk_directives(struct vctx *v, const struct gql_list *dirs, enum gql_dir_loc where)
{
    for (size_t i = 0; i < dirs->count; i++) {
        walk_directive(v, dirs->items[i], where);
    }
}

/* ------------------------------------------------------------------ selections */

static void walk_selection_set(struct vctx *v, const struct gql_type *parent,
                               const struct gql_node *owner);

static const char *const standard_type_names[] = { "String", "Int", "Float", "Boolean", "ID" };

static bool is_standard_type_name(struct str name)
{
    for (size_t i = 0; i < ARRAY_LEN(standard_type_names); i++) {
        if (str_eq_cstr(name, standard_type_names[i])) {
            return true;
        }
    }
    return false;
}

/* KnownTypeNames: the schema's types and the document's own type definitions are known; in a
 * type-system definition (sdl) the standard scalars are too, and suggested first. */
static void check_known_type_in(struct vctx *v, const struct gql_node *named, bool sdl)
{
    if (gql_schema_find_type(v->s, named->name) != NULL ||
        (v->doc_types != NULL && map_find(v->doc_types, named->name) != NULL) ||
        (sdl && is_standard_type_name(named->name))) {
        return;
    }
    msg_reset(v);
    msg_printf(v, "Unknown type \"%.*s\".", STR_FMT(named->name));
    size_t count = 0;
    struct gql_type *const *types = gql_schema_types(v->s, &count);
    size_t doc_count = v->doc_types != NULL ? map_count(v->doc_types) : 0;
    struct str *names = arena_alloc(v->a, (count + doc_count + ARRAY_LEN(standard_type_names) + 1) *
                                              sizeof(*names));
    size_t n = 0;
    for (size_t i = 0; sdl && i < ARRAY_LEN(standard_type_names); i++) {
        names[n++] = str_from_cstr(standard_type_names[i]);
    }
    for (size_t i = 0; i < count; i++) {
        if (!types[i]->hidden && !(sdl && is_standard_type_name(types[i]->name))) {
            names[n++] = types[i]->name;
        }
    }
    const struct gql_list *defs = &v->doc->root->children;
    for (size_t i = 0; doc_count > 0 && i < defs->count; i++) {
        const struct gql_node *d = defs->items[i];
        if (map_find(v->doc_types, d->name) == d) {
            names[n++] = d->name;
        }
    }
    gql_did_you_mean(&v->msg, NULL, named->name, names, n);
    report_msg_locs(v, &named->loc, 1);
}

static void check_known_type(struct vctx *v, const struct gql_node *named)
{
    check_known_type_in(v, named, false);
}

static const struct gql_node *ast_named(const struct gql_node *t)
{
    while (t->kind != GQL_NAMED_TYPE) {
        t = t->type;
    }
    return t;
}

static void check_known_type_ref(struct vctx *v, const struct gql_node *t)
{
    check_known_type(v, ast_named(t));
}

static int compare_suggested(const struct gql_schema *s, const struct gql_type *a, size_t ua,
                             const struct gql_type *b, size_t ub)
{
    (void)s;
    if (ua != ub) {
        return ua > ub ? -1 : 1;
    }
    if (a->kind == GQL_TYPE_INTERFACE && is_sub_type(a, b)) {
        return -1;
    }
    if (b->kind == GQL_TYPE_INTERFACE && is_sub_type(b, a)) {
        return 1;
    }
    return gql_natural_compare(a->name, b->name);
}

#define SUGGEST_MAX 64

/* Types suggested for a field of an abstract type, with their usage counts
 * (graphql-js getSuggestedTypeNames). */
struct suggested {
    const struct gql_type *types[SUGGEST_MAX];
    size_t use[SUGGEST_MAX];
    size_t count;
};

/* Count one more use of t (adding it when new). */
static void suggest_use(struct suggested *sg, const struct gql_type *t, size_t first_use)
{
    size_t j = 0;
    while (j < sg->count && sg->types[j] != t) {
        j++;
    }
    if (j == sg->count) {
        if (sg->count == SUGGEST_MAX) {
            return;
        }
        sg->types[sg->count] = t;
        sg->use[sg->count++] = first_use;
        return;
    }
    sg->use[j]++;
}

static void suggest_types(const struct gql_type *t, struct str name, struct suggested *sg)
{
    for (size_t i = 0; i < t->possible_count; i++) {
        const struct gql_type *pt = t->possible[i];
        if (gql_type_find_field(pt, name) == NULL) {
            continue;
        }
        suggest_use(sg, pt, 1);
        for (size_t k = 0; k < pt->interface_count; k++) {
            if (gql_type_find_field(pt->interfaces[k], name) != NULL) {
                suggest_use(sg, pt->interfaces[k], 1);
            }
        }
    }
}

static void sort_suggested(const struct gql_schema *s, struct suggested *sg)
{
    for (size_t i = 1; i < sg->count; i++) {
        for (size_t j = i; j > 0 && compare_suggested(s, sg->types[j], sg->use[j], sg->types[j - 1],
                                                      sg->use[j - 1]) < 0;
             j--) {
            const struct gql_type *tt = sg->types[j];
            size_t tu = sg->use[j];
            sg->types[j] = sg->types[j - 1];
            sg->use[j] = sg->use[j - 1];
            sg->types[j - 1] = tt;
            sg->use[j - 1] = tu;
        }
    }
}

static void field_suggestions(struct vctx *v, const struct gql_type *t, struct str name)
{
    if (gql_type_is_abstract(t)) {
        struct suggested sg = { .count = 0 };
        suggest_types(t, name, &sg);
        sort_suggested(v->s, &sg);
        if (sg.count > 0) {
            struct str *names = arena_alloc(v->a, sg.count * sizeof(*names));
            for (size_t i = 0; i < sg.count; i++) {
                names[i] = sg.types[i]->name;
            }
            gql_did_you_mean(&v->msg, "to use an inline fragment on", STR_NULL, names, sg.count);
            return;
        }
    }
    if (t->kind == GQL_TYPE_OBJECT || t->kind == GQL_TYPE_INTERFACE) {
        struct str *names = arena_alloc(v->a, (t->field_count + 1) * sizeof(*names));
        for (size_t i = 0; i < t->field_count; i++) {
            names[i] = t->fields[i].name;
        }
        gql_did_you_mean(&v->msg, NULL, name, names, t->field_count);
    }
}

/* graphql-js MaxIntrospectionDepthRule: below __schema or __type, at most two nested
 * "fields", "interfaces", "possibleTypes" or "inputFields" selections, through fragments (a
 * fragment is not entered inside itself). True when the limit is exceeded, or when the walk
 * has used the validation's node budget (fragments spread many times over could otherwise make
 * it exponential). */
static bool introspection_too_deep(struct vctx *v, const struct gql_node *n, struct map *inside,
                                   unsigned depth)
{
    if (v->introspection_budget == 0) {
        return true;
    }
    v->introspection_budget--;
    if (n->kind == GQL_FRAGMENT_SPREAD) {
        const struct gql_node *frag = map_find(v->frags, n->name);
        if (frag == NULL || map_find(inside, n->name) != NULL) {
            return false;
        }
        map_set(inside, n->name, inside, NULL); /* any non-NULL mark */
        bool deep = introspection_too_deep(v, frag, inside, depth);
        (void)map_remove(inside, n->name);
        return deep;
    }
    if (n->kind == GQL_FIELD &&
        (str_eq_cstr(n->name, "fields") || str_eq_cstr(n->name, "interfaces") ||
         str_eq_cstr(n->name, "possibleTypes") || str_eq_cstr(n->name, "inputFields")) &&
        ++depth >= 3) {
        return true;
    }
    for (size_t i = 0; i < n->children.count; i++) {
        if (introspection_too_deep(v, n->children.items[i], inside, depth)) {
            return true;
        }
    }
    return false;
}

static void check_introspection_depth(struct vctx *v, const struct gql_node *f)
{
    if (!str_eq_cstr(f->name, "__schema") && !str_eq_cstr(f->name, "__type")) {
        return;
    }
    struct map *inside = map_new();
    if (introspection_too_deep(v, f, inside, 0)) {
        report(v, f->loc, nl(), "Maximum introspection depth exceeded");
    }
    map_free(inside);
}

static void walk_field(struct vctx *v, const struct gql_type *parent, const struct gql_node *f)
{
    const struct gql_field *def = field_def(v, parent, f->name);
    if (def != NULL) {
        const struct gql_type *nt = gql_ref_named(def->type);
        if (is_leaf(nt) && f->children.count > 0) {
            report(v, f->sel_loc, nl(),
                   "Field \"%.*s\" must not have a selection since type "
                   "\"%.*s\" has no subfields.",
                   STR_FMT(f->name), STR_FMT(ref_str(v, def->type)));
        } else if (!is_leaf(nt) && f->children.count == 0) {
            report(v, f->loc, nl(),
                   "Field \"%.*s\" of type \"%.*s\" must have a selection of "
                   "subfields. Did you mean \"%.*s { ... }\"?",
                   STR_FMT(f->name), STR_FMT(ref_str(v, def->type)), STR_FMT(f->name));
        }
    } else if (parent != NULL) {
        msg_reset(v);
        msg_printf(v, "Cannot query field \"%.*s\" on type \"%.*s\".", STR_FMT(f->name),
                   STR_FMT(parent->name));
        field_suggestions(v, parent, f->name);
        report_msg_locs(v, &f->loc, 1);
    }
    check_unique_directives(v, &f->directives);
    check_unique_args(v, &f->args);
    if (!v->collect) {
        check_introspection_depth(v, f);
    }
    for (size_t i = 0; i < f->args.count && def != NULL && parent != NULL; i++) {
        const struct gql_node *arg = f->args.items[i];
        if (find_arg_def(def->args, def->arg_count, arg->name) != NULL) {
            continue;
        }
        msg_reset(v);
        msg_printf(v, "Unknown argument \"%.*s\" on field \"%.*s.%.*s\".", STR_FMT(arg->name),
                   STR_FMT(parent->name), STR_FMT(def->name));
        struct str *names = arena_alloc(v->a, (def->arg_count + 1) * sizeof(*names));
        for (size_t k = 0; k < def->arg_count; k++) {
            names[k] = def->args[k].name;
        }
        gql_did_you_mean(&v->msg, NULL, arg->name, names, def->arg_count);
        report_msg_locs(v, &arg->loc, 1);
    }
    walk_arg_values(v, &f->args, def != NULL ? def->args : NULL, def != NULL ? def->arg_count : 0);
    walk_directives(v, &f->directives, GQL_LOC_FIELD);
    if (f->children.count > 0) {
        const struct gql_type *nt = def != NULL ? gql_ref_named(def->type) : NULL;
        walk_selection_set(v, (nt != NULL && gql_type_is_composite(nt)) ? nt : NULL, f);
    }
    if (def != NULL) {
        check_required_args(v, f, def->args, def->arg_count, false);
    }
}

static const struct gql_type *fragment_type(struct vctx *v, const struct gql_node *named)
{
    const struct gql_type *t = gql_schema_find_type(v->s, named->name);
    return (t != NULL && gql_type_is_composite(t)) ? t : NULL;
}

static void walk_inline_fragment(struct vctx *v, const struct gql_type *parent,
                                 const struct gql_node *n)
{
    const struct gql_type *t = parent;
    if (n->type != NULL) {
        t = gql_schema_find_type(v->s, n->type->name);
        if (t != NULL && !gql_type_is_composite(t)) {
            report(v, n->type->loc, nl(),
                   "Fragment cannot condition on non composite type "
                   "\"%.*s\".",
                   STR_FMT(n->type->name));
        }
    }
    if (t != NULL && parent != NULL && gql_type_is_composite(t) && !types_overlap(t, parent)) {
        report(v, n->loc, nl(),
               "Fragment cannot be spread here as objects of type \"%.*s\" can "
               "never be of type \"%.*s\".",
               STR_FMT(parent->name), STR_FMT(t->name));
    }
    check_unique_directives(v, &n->directives);
    if (n->type != NULL) {
        check_known_type(v, n->type);
    }
    walk_directives(v, &n->directives, GQL_LOC_INLINE_FRAGMENT);
    walk_selection_set(v, (t != NULL && gql_type_is_composite(t)) ? t : NULL, n);
}

static void walk_spread(struct vctx *v, const struct gql_type *parent, const struct gql_node *n)
{
    const struct gql_node *frag = map_find(v->frags, n->name);
    if (frag == NULL) {
        report(v, n->name_loc, nl(), "Unknown fragment \"%.*s\".", STR_FMT(n->name));
    } else {
        const struct gql_type *t = fragment_type(v, frag->type);
        if (t != NULL && parent != NULL && !types_overlap(t, parent)) {
            report(v, n->loc, nl(),
                   "Fragment \"%.*s\" cannot be spread here as objects of type "
                   "\"%.*s\" can never be of type \"%.*s\".",
                   STR_FMT(n->name), STR_FMT(parent->name), STR_FMT(t->name));
        }
    }
    check_unique_directives(v, &n->directives);
    walk_directives(v, &n->directives, GQL_LOC_FRAGMENT_SPREAD);
}

static void check_overlaps(struct vctx *v, const struct gql_type *parent,
                           const struct gql_node *owner);

static void walk_selection_set(struct vctx *v, const struct gql_type *parent,
                               const struct gql_node *owner)
{
    if (gql_errors_full(v->errs) && !v->collect) {
        return;
    }
    if (!v->collect) {
        check_overlaps(v, parent, owner);
    }
    for (size_t i = 0; i < owner->children.count; i++) {
        const struct gql_node *sel = owner->children.items[i];
        switch (sel->kind) {
        case GQL_FIELD:
            walk_field(v, parent, sel);
            break;
        case GQL_INLINE_FRAGMENT:
            walk_inline_fragment(v, parent, sel);
            break;
        default:
            walk_spread(v, parent, sel);
            break;
        }
    }
}

/* ------------------------------------------------------------------ overlapping fields */

struct fentry {
    struct str response;
    const struct gql_type *parent;
    const struct gql_node *node;
    const struct gql_field *def;
};

struct fentries {
    struct fentry *items;
    size_t count;
    size_t cap;
};

struct conflict {
    struct str response;
    struct buf reason;
    struct gql_list nodes1;
    struct gql_list nodes2;
};

/* Collect the fields of a selection set (inline fragments flattened); with expand, named
 * fragments too (each once), else their names go to frag_names. */
static void add_fentry(struct vctx *v, const struct gql_type *parent, const struct gql_node *sel,
                       struct fentries *out)
{
    struct fentry e = {
        .response = sel->alias.len ? sel->alias : sel->name,
        .parent = parent,
        .node = sel,
        .def = field_def(v, parent, sel->name),
    };
    VEC_PUSH_ARENA(v->a, out, e);
}

static void collect_fields(struct vctx *v, const struct gql_type *parent,
                           const struct gql_node *owner, bool expand, struct fentries *out,
                           struct gql_list *frag_names, struct map *seen, size_t depth);

/* A fragment spread: its name (once) or, with expand, its fields. */
static void collect_spread(struct vctx *v, const struct gql_node *sel, bool expand,
                           struct fentries *out, struct gql_list *frag_names, struct map *seen,
                           size_t depth)
{
    if (map_find(seen, sel->name) != NULL) {
        return;
    }
    map_set(seen, sel->name, (void *)1, NULL);
    if (!expand) {
        gql_list_push(v->a, frag_names, (struct gql_node *)sel);
        return;
    }
    const struct gql_node *frag = map_find(v->frags, sel->name);
    if (frag != NULL) {
        collect_fields(v, gql_schema_find_type(v->s, frag->type->name), frag, true, out, frag_names,
                       seen, depth + 1);
    }
}

static void collect_fields(struct vctx *v, const struct gql_type *parent,
                           const struct gql_node *owner, bool expand, struct fentries *out,
                           struct gql_list *frag_names, struct map *seen, size_t depth)
{
    if (depth > 64) {
        return;
    }
    for (size_t i = 0; i < owner->children.count; i++) {
        const struct gql_node *sel = owner->children.items[i];
        if (sel->kind == GQL_FIELD) {
            add_fentry(v, parent, sel, out);
        } else if (sel->kind == GQL_INLINE_FRAGMENT) {
            const struct gql_type *t =
                sel->type != NULL ? gql_schema_find_type(v->s, sel->type->name) : parent;
            collect_fields(v, t, sel, expand, out, frag_names, seen, depth + 1);
        } else {
            collect_spread(v, sel, expand, out, frag_names, seen, depth);
        }
    }
}

static void collect_all(struct vctx *v, const struct gql_type *parent, const struct gql_node *owner,
                        struct fentries *out)
{
    struct map *seen = map_new();
    collect_fields(v, parent, owner, true, out, NULL, seen, 0);
    map_free(seen);
}

static bool types_conflict(const struct gql_type_ref *a, const struct gql_type_ref *b)
{
    if (a->kind == GQL_REF_LIST || b->kind == GQL_REF_LIST) {
        return a->kind != b->kind || types_conflict(a->of, b->of);
    }
    if (a->kind == GQL_REF_NON_NULL || b->kind == GQL_REF_NON_NULL) {
        return a->kind != b->kind || types_conflict(a->of, b->of);
    }
    if (is_leaf(a->named) || is_leaf(b->named)) {
        return a->named != b->named;
    }
    return false;
}

static bool same_arguments(struct vctx *v, const struct gql_node *a, const struct gql_node *b)
{
    if (a->args.count != b->args.count) {
        return false;
    }
    for (size_t i = 0; i < a->args.count; i++) {
        const struct gql_node *x = a->args.items[i];
        const struct gql_node *y = NULL;
        for (size_t k = 0; k < b->args.count && y == NULL; k++) {
            if (str_eq(b->args.items[k]->name, x->name)) {
                y = b->args.items[k];
            }
        }
        if (y == NULL ||
            !str_eq(gql_print_value(v->a, x->value), gql_print_value(v->a, y->value))) {
            return false;
        }
    }
    return true;
}

static bool find_conflict(struct vctx *v, bool exclusive, const struct fentry *f1,
                          const struct fentry *f2, struct conflict *out);

/* Add sub-conflict c to parent: "subfields ... conflict because ..." and c's nodes. */
static void merge_sub_conflict(struct vctx *v, struct conflict *parent, const struct conflict *c,
                               size_t found)
{
    IGNORE_RC(buf_try_printf(&parent->reason,
                             "%ssubfields \"%.*s\" conflict "
                             "because %.*s",
                             found ? " and " : "", STR_FMT(c->response),
                             STR_FMT(buf_str(&c->reason))));
    for (size_t m = 0; m < c->nodes1.count; m++) {
        gql_list_push(v->a, &parent->nodes1, c->nodes1.items[m]);
    }
    for (size_t m = 0; m < c->nodes2.count; m++) {
        gql_list_push(v->a, &parent->nodes2, c->nodes2.items[m]);
    }
}

/* One same-named pair below two fields: merged into parent_out (counted in *found) when it
 * conflicts. Uses one unit of the comparison budget. */
static void sub_conflict_pair(struct vctx *v, bool exclusive, const struct fentry *f1,
                              const struct fentry *f2, struct conflict *parent_out, size_t *found)
{
    v->overlap_budget--;
    struct conflict c = { 0 };
    buf_init(&c.reason, (size_t)16 * 1024);
    if (find_conflict(v, exclusive, f1, f2, &c)) {
        merge_sub_conflict(v, parent_out, &c, *found);
        (*found)++;
    }
    buf_fini(&c.reason);
}

/* Compare every pair of same-named fields of two lists; append sub-conflicts to out. */
static void conflicts_between(struct vctx *v, bool exclusive, const struct fentries *a,
                              const struct fentries *b, struct conflict *parent_out, size_t *found)
{
    for (size_t i = 0; i < a->count; i++) {
        for (size_t k = 0; k < b->count; k++) {
            if (!str_eq(a->items[i].response, b->items[k].response) || v->overlap_budget == 0) {
                continue;
            }
            sub_conflict_pair(v, exclusive, &a->items[i], &b->items[k], parent_out, found);
        }
    }
}

static bool find_conflict(struct vctx *v, bool exclusive, const struct fentry *f1,
                          const struct fentry *f2, struct conflict *out)
{
    bool excl =
        exclusive || (f1->parent != f2->parent && f1->parent != NULL && f2->parent != NULL &&
                      f1->parent->kind == GQL_TYPE_OBJECT && f2->parent->kind == GQL_TYPE_OBJECT);
    out->response = f1->response;
    gql_list_push(v->a, &out->nodes1, (struct gql_node *)f1->node);
    gql_list_push(v->a, &out->nodes2, (struct gql_node *)f2->node);
    if (!excl) {
        if (!str_eq(f1->node->name, f2->node->name)) {
            IGNORE_RC(buf_try_printf(&out->reason, "\"%.*s\" and \"%.*s\" are different fields",
                                     STR_FMT(f1->node->name), STR_FMT(f2->node->name)));
            return true;
        }
        if (!same_arguments(v, f1->node, f2->node)) {
            IGNORE_RC(buf_try_append_cstr(&out->reason, "they have differing arguments"));
            return true;
        }
    }
    if (f1->def != NULL && f2->def != NULL && types_conflict(f1->def->type, f2->def->type)) {
        IGNORE_RC(buf_try_printf(&out->reason,
                                 "they return conflicting types \"%.*s\" and "
                                 "\"%.*s\"",
                                 STR_FMT(ref_str(v, f1->def->type)),
                                 STR_FMT(ref_str(v, f2->def->type))));
        return true;
    }
    /* Fragment cycles (reported by NoFragmentCycles) would make this recursion endless. */
    if (f1->node->children.count == 0 || f2->node->children.count == 0 || v->overlap_depth > 32) {
        return false;
    }
    struct fentries a = { 0 };
    struct fentries b = { 0 };
    collect_all(v, f1->def != NULL ? gql_ref_named(f1->def->type) : NULL, f1->node, &a);
    collect_all(v, f2->def != NULL ? gql_ref_named(f2->def->type) : NULL, f2->node, &b);
    size_t found = 0;
    v->overlap_depth++;
    conflicts_between(v, excl, &a, &b, out, &found);
    v->overlap_depth--;
    return found > 0;
}

static void report_conflict(struct vctx *v, struct conflict *c)
{
    msg_reset(v);
    msg_printf(v,
               "Fields \"%.*s\" conflict because %.*s. Use different aliases on the fields to "
               "fetch both if this was intentional.",
               STR_FMT(c->response), STR_FMT(buf_str(&c->reason)));
    size_t n = c->nodes1.count + c->nodes2.count;
    struct gql_loc *locs = arena_alloc(v->a, (n + 1) * sizeof(*locs));
    for (size_t i = 0; i < c->nodes1.count; i++) {
        locs[i] = c->nodes1.items[i]->loc;
    }
    for (size_t i = 0; i < c->nodes2.count; i++) {
        locs[c->nodes1.count + i] = c->nodes2.items[i]->loc;
    }
    report_msg_locs(v, locs, n);
}

static void check_pair(struct vctx *v, bool exclusive, const struct fentry *a,
                       const struct fentry *b)
{
    if (v->overlap_budget == 0) {
        return;
    }
    v->overlap_budget--;
    struct conflict c = { 0 };
    buf_init(&c.reason, (size_t)16 * 1024);
    if (find_conflict(v, exclusive, a, b, &c)) {
        report_conflict(v, &c);
    }
    buf_fini(&c.reason);
}

static void check_lists(struct vctx *v, const struct fentries *a, const struct fentries *b)
{
    for (size_t i = 0; i < a->count; i++) {
        for (size_t k = 0; k < b->count; k++) {
            if (str_eq(a->items[i].response, b->items[k].response)) {
                check_pair(v, false, &a->items[i], &b->items[k]);
            }
        }
    }
}

static void check_overlaps(struct vctx *v, const struct gql_type *parent,
                           const struct gql_node *owner)
{
    struct fentries fields = { 0 };
    struct gql_list names = { 0 };
    struct map *seen = map_new();
    collect_fields(v, parent, owner, false, &fields, &names, seen, 0);
    map_free(seen);
    for (size_t i = 0; i < fields.count; i++) {
        for (size_t k = i + 1; k < fields.count; k++) {
            if (str_eq(fields.items[i].response, fields.items[k].response)) {
                check_pair(v, false, &fields.items[i], &fields.items[k]);
            }
        }
    }
    struct fentries *frag_fields = arena_calloc(v->a, names.count + 1, sizeof(*frag_fields));
    for (size_t i = 0; i < names.count; i++) {
        const struct gql_node *frag = map_find(v->frags, names.items[i]->name);
        if (frag != NULL) {
            collect_all(v, gql_schema_find_type(v->s, frag->type->name), frag, &frag_fields[i]);
        }
        check_lists(v, &fields, &frag_fields[i]);
    }
    for (size_t i = 0; i < names.count; i++) {
        for (size_t k = i + 1; k < names.count; k++) {
            check_lists(v, &frag_fields[i], &frag_fields[k]);
        }
    }
}

/* ------------------------------------------------------------------ operations, fragments */

static void collect_usages(struct vctx *v, const struct gql_node *def, struct usages *out)
{
    bool collect = v->collect;
    struct usages *prev = v->usages;
    v->collect = true;
    v->usages = out;
    const struct gql_type *t = NULL;
    if (def->kind == GQL_OPERATION) {
        t = gql_schema_root(v->s, def->op);
        walk_directives(v, &def->directives, GQL_LOC_QUERY);
    } else {
        t = fragment_type(v, def->type);
        walk_directives(v, &def->directives, GQL_LOC_FRAGMENT_DEFINITION);
    }
    walk_selection_set(v, t, def);
    v->collect = collect;
    v->usages = prev;
}

/* The operation's definition of variable name; the last one when it is defined twice (as
 * graphql-js's VariablesInAllowedPosition, whose map keeps the last). */
static const struct gql_node *find_var_def(const struct gql_node *op, struct str name)
{
    for (size_t i = op->args.count; i > 0; i--) {
        if (str_eq(op->args.items[i - 1]->name, name)) {
            return op->args.items[i - 1];
        }
    }
    return NULL;
}

static void check_undefined_variables(struct vctx *v, const struct gql_node *op,
                                      const struct usages *all)
{
    /* NoUndefinedVariables */
    for (size_t i = 0; i < all->count; i++) {
        const struct gql_node *var = all->items[i].var;
        if (find_var_def(op, var->name) != NULL) {
            continue;
        }
        if (op->name.len > 0) {
            report(v, var->loc, op->loc,
                   "Variable \"$%.*s\" is not defined by operation "
                   "\"%.*s\".",
                   STR_FMT(var->name), STR_FMT(op->name));
        } else {
            report(v, var->loc, op->loc, "Variable \"$%.*s\" is not defined.", STR_FMT(var->name));
        }
    }
}

static void check_unused_variables(struct vctx *v, const struct gql_node *op,
                                   const struct usages *all)
{
    /* NoUnusedVariables */
    for (size_t i = 0; i < op->args.count; i++) {
        const struct gql_node *vd = op->args.items[i];
        bool used = false;
        for (size_t k = 0; k < all->count && !used; k++) {
            used = str_eq(all->items[k].var->name, vd->name);
        }
        if (used) {
            continue;
        }
        if (op->name.len > 0) {
            report(v, vd->loc, nl(), "Variable \"$%.*s\" is never used in operation \"%.*s\".",
                   STR_FMT(vd->name), STR_FMT(op->name));
        } else {
            report(v, vd->loc, nl(), "Variable \"$%.*s\" is never used.", STR_FMT(vd->name));
        }
    }
}

static void check_allowed_positions(struct vctx *v, const struct gql_node *op,
                                    const struct usages *all)
{
    /* VariablesInAllowedPosition */
    for (size_t i = 0; i < all->count; i++) {
        const struct usage *u = &all->items[i];
        const struct gql_node *vd = find_var_def(op, u->var->name);
        if (vd == NULL || u->type == NULL) {
            continue;
        }
        const struct gql_type_ref *vt = type_from_ast(v, vd->type);
        if (vt == NULL) {
            continue;
        }
        bool ok = false;
        if (u->type->kind == GQL_REF_NON_NULL && vt->kind != GQL_REF_NON_NULL) {
            bool var_default = vd->value != NULL && vd->value->kind != GQL_NULL;
            ok = (var_default || u->location_has_default) && gql_ref_is_subtype(vt, u->type->of);
        } else {
            ok = gql_ref_is_subtype(vt, u->type);
        }
        if (!ok) {
            report(v, vd->loc, u->var->loc,
                   "Variable \"$%.*s\" of type \"%.*s\" used in position "
                   "expecting type \"%.*s\".",
                   STR_FMT(u->var->name), STR_FMT(ref_str(v, vt)), STR_FMT(ref_str(v, u->type)));
        }
        if (u->parent_input != NULL && u->parent_input->one_of && vt->kind != GQL_REF_NON_NULL) {
            report(v, vd->loc, u->var->loc,
                   "Variable \"$%.*s\" is of type \"%.*s\" but must be "
                   "non-nullable to be used for OneOf Input Object \"%.*s\".",
                   STR_FMT(u->var->name), STR_FMT(ref_str(v, vt)), STR_FMT(u->parent_input->name));
        }
    }
}

static void check_variable_usages(struct vctx *v, const struct gql_node *op)
{
    struct usages all = { 0 };
    collect_usages(v, op, &all);
    struct gql_list frags = { 0 };
    referenced_fragments(v, op, &frags);
    for (size_t i = 0; i < frags.count; i++) {
        collect_usages(v, frags.items[i], &all);
    }
    check_undefined_variables(v, op, &all);
    check_unused_variables(v, op, &all);
    check_allowed_positions(v, op, &all);
}

/* graphql-js collectFields for SingleFieldSubscriptions: response names in order, honouring
 * literal @skip/@include (variables are unknown during validation). */
static bool literal_skip(const struct gql_node *sel)
{
    for (size_t i = 0; i < sel->directives.count; i++) {
        const struct gql_node *d = sel->directives.items[i];
        bool skip = str_eq_cstr(d->name, "skip");
        bool include = str_eq_cstr(d->name, "include");
        if (!skip && !include) {
            continue;
        }
        for (size_t k = 0; k < d->args.count; k++) {
            const struct gql_node *a = d->args.items[k];
            if (str_eq_cstr(a->name, "if") && a->value->kind == GQL_BOOLEAN &&
                a->value->flag == skip) {
                return true;
            }
        }
    }
    return false;
}

/* The fragment a spread or inline fragment selects (NULL when already seen or unknown). */
static const struct gql_node *fragment_target(struct vctx *v, const struct gql_node *sel,
                                              struct map *seen)
{
    if (sel->kind != GQL_FRAGMENT_SPREAD) {
        return sel;
    }
    if (map_find(seen, sel->name) != NULL) {
        return NULL;
    }
    map_set(seen, sel->name, (void *)1, NULL);
    return map_find(v->frags, sel->name);
}

/* doesFragmentConditionMatch for the subscription root object type. */
static bool condition_matches_root(struct vctx *v, const struct gql_node *cond,
                                   const struct gql_type *root)
{
    if (cond == NULL) {
        return true;
    }
    const struct gql_type *t = gql_schema_find_type(v->s, cond->name);
    return t != NULL && (t == root || (gql_type_is_abstract(t) && is_sub_type(t, root)));
}

static void subscription_fields(struct vctx *v, const struct gql_type *root,
                                const struct gql_node *owner, struct fentries *out,
                                struct map *seen, size_t depth)
{
    for (size_t i = 0; i < owner->children.count && depth < 64; i++) {
        const struct gql_node *sel = owner->children.items[i];
        if (literal_skip(sel)) {
            continue;
        }
        if (sel->kind == GQL_FIELD) {
            add_fentry(v, NULL, sel, out);
            continue;
        }
        const struct gql_node *target = fragment_target(v, sel, seen);
        if (target != NULL && condition_matches_root(v, target->type, root)) {
            subscription_fields(v, root, target, out, seen, depth + 1);
        }
    }
}

/* SingleFieldSubscriptions: the root fields after the first response key, reported at once. */
static void report_extra_root_fields(struct vctx *v, const struct gql_node *op,
                                     const struct fentries *fields)
{
    struct gql_list extra = { 0 };
    for (size_t i = 1; i < fields->count; i++) {
        if (!str_eq(fields->items[i].response, fields->items[0].response)) {
            gql_list_push(v->a, &extra, (struct gql_node *)fields->items[i].node);
        }
    }
    if (extra.count == 0) {
        return;
    }
    msg_reset(v);
    if (op->name.len > 0) {
        msg_printf(v, "Subscription \"%.*s\" must select only one top level field.",
                   STR_FMT(op->name));
    } else {
        msg_printf(v, "Anonymous Subscription must select only one top level field.");
    }
    struct gql_loc *locs = arena_alloc(v->a, extra.count * sizeof(*locs));
    for (size_t i = 0; i < extra.count; i++) {
        locs[i] = extra.items[i]->loc;
    }
    report_msg_locs(v, locs, extra.count);
}

/* Whether fields->items[i] is the first with its response key and selects a __ field. */
static bool is_first_introspection_field(const struct fentries *fields, size_t i)
{
    bool first = true;
    for (size_t k = 0; k < i && first; k++) {
        first = !str_eq(fields->items[k].response, fields->items[i].response);
    }
    struct str name = fields->items[i].node->name;
    return first && name.len >= 2 && name.ptr[0] == '_' && name.ptr[1] == '_';
}

/* An introspection root field (first of its response key i): reported with every field of
 * the same response key. */
static void report_introspection_root_field(struct vctx *v, const struct gql_node *op,
                                            const struct fentries *fields, size_t i)
{
    msg_reset(v);
    if (op->name.len > 0) {
        msg_printf(v,
                   "Subscription \"%.*s\" must not select an introspection top level "
                   "field.",
                   STR_FMT(op->name));
    } else {
        msg_printf(v, "Anonymous Subscription must not select an introspection top level "
                      "field.");
    }
    struct gql_loc locs[16];
    size_t n = 0;
    for (size_t k = i; k < fields->count && n < ARRAY_LEN(locs); k++) {
        if (str_eq(fields->items[k].response, fields->items[i].response)) {
            locs[n++] = fields->items[k].node->loc;
        }
    }
    report_msg_locs(v, locs, n);
}

static void check_single_field_subscription(struct vctx *v, const struct gql_node *op)
{
    const struct gql_type *root = gql_schema_root(v->s, GQL_OP_SUBSCRIPTION);
    if (root == NULL) {
        return;
    }
    struct fentries fields = { 0 };
    struct map *seen = map_new();
    subscription_fields(v, root, op, &fields, seen, 0);
    map_free(seen);
    if (fields.count == 0) {
        return;
    }
    report_extra_root_fields(v, op, &fields);
    for (size_t i = 0; i < fields.count; i++) {
        if (is_first_introspection_field(&fields, i)) {
            report_introspection_root_field(v, op, &fields, i);
        }
    }
}

static void check_variable_defs(struct vctx *v, const struct gql_node *op)
{
    /* UniqueVariableNames */
    for (size_t i = 0; i < op->args.count; i++) {
        bool first = true;
        for (size_t k = 0; k < i && first; k++) {
            first = !str_eq(op->args.items[k]->name, op->args.items[i]->name);
        }
        struct gql_loc locs[16];
        size_t n = 0;
        for (size_t k = i; k < op->args.count && first && n < ARRAY_LEN(locs); k++) {
            if (str_eq(op->args.items[k]->name, op->args.items[i]->name)) {
                locs[n++] = op->args.items[k]->name_loc;
            }
        }
        if (n > 1) {
            msg_reset(v);
            msg_printf(v, "There can be only one variable named \"$%.*s\".",
                       STR_FMT(op->args.items[i]->name));
            report_msg_locs(v, locs, n);
        }
    }
}

static void walk_variable_def(struct vctx *v, const struct gql_node *vd)
{
    const struct gql_type_ref *t = type_from_ast(v, vd->type);
    if (t != NULL && !gql_type_is_input(gql_ref_named(t))) {
        report(v, vd->type->loc, nl(), "Variable \"$%.*s\" cannot be non-input type \"%.*s\".",
               STR_FMT(vd->name), STR_FMT(ast_type_str(v, vd->type)));
    }
    check_known_type_ref(v, vd->type);
    if (vd->value != NULL) {
        struct value_pos pos = { .type = (t != NULL && gql_type_is_input(gql_ref_named(t)))
                                             ? t
                                             : NULL };
        walk_value(v, vd->value, pos);
    }
    check_unique_directives(v, &vd->directives);
    walk_directives(v, &vd->directives, GQL_LOC_VARIABLE_DEFINITION);
}

static void walk_operation(struct vctx *v, const struct gql_node *op)
{
    if (op->name.len > 0) {
        struct gql_node *prev = map_find(v->op_names, op->name);
        if (prev != NULL) {
            report(v, prev->name_loc, op->name_loc,
                   "There can be only one operation named "
                   "\"%.*s\".",
                   STR_FMT(op->name));
        } else {
            map_set(v->op_names, op->name, (void *)op, NULL);
        }
    } else if (v->op_count > 1) {
        report(v, op->loc, nl(), "This anonymous operation must be the only defined operation.");
    }
    if (op->op == GQL_OP_SUBSCRIPTION) {
        check_single_field_subscription(v, op);
    }
    check_variable_defs(v, op);
    check_unique_directives(v, &op->directives);
    for (size_t i = 0; i < op->args.count; i++) {
        walk_variable_def(v, op->args.items[i]);
    }

    static const enum gql_dir_loc op_locs[] = { GQL_LOC_QUERY, GQL_LOC_MUTATION,
                                                GQL_LOC_SUBSCRIPTION };

    walk_directives(v, &op->directives, op_locs[op->op]);
    walk_selection_set(v, gql_schema_root(v->s, op->op), op);
    check_variable_usages(v, op);
}

struct cycle_state {
    struct map *visited;
    struct map *index; /* name -> index + 1 in path */
    struct gql_list path;
};

static void detect_cycles(struct vctx *v, struct cycle_state *cs, const struct gql_node *frag,
                          size_t depth)
{
    if (map_find(cs->visited, frag->name) != NULL || depth > 256) {
        return;
    }
    map_set(cs->visited, frag->name, (void *)1, NULL);
    struct gql_list spreads = { 0 };
    fragment_spreads(v, frag, &spreads);
    if (spreads.count == 0) {
        return;
    }
    size_t *at = arena_alloc(v->a, sizeof(*at));
    *at = cs->path.count + 1;
    map_set(cs->index, frag->name, at, NULL);
    for (size_t i = 0; i < spreads.count; i++) {
        struct gql_node *sp = spreads.items[i];
        const size_t *at_idx = map_find(cs->index, sp->name);
        size_t idx = at_idx != NULL ? *at_idx : 0;
        gql_list_push(v->a, &cs->path, sp);
        if (idx == 0) {
            const struct gql_node *next = map_find(v->frags, sp->name);
            if (next != NULL) {
                detect_cycles(v, cs, next, depth + 1);
            }
        } else {
            size_t from = idx - 1;
            size_t n = cs->path.count - from;
            msg_reset(v);
            msg_printf(v, "Cannot spread fragment \"%.*s\" within itself", STR_FMT(sp->name));
            for (size_t k = from; k + 1 < cs->path.count; k++) {
                msg_printf(v, "%s\"%.*s\"", k == from ? " via " : ", ",
                           STR_FMT(cs->path.items[k]->name));
            }
            msg_printf(v, ".");
            struct gql_loc *locs = arena_alloc(v->a, n * sizeof(*locs));
            for (size_t k = 0; k < n; k++) {
                locs[k] = cs->path.items[from + k]->loc;
            }
            report_msg_locs(v, locs, n);
        }
        cs->path.count--;
    }
    map_remove(cs->index, frag->name);
}

static void walk_fragment_def(struct vctx *v, struct cycle_state *cs, const struct gql_node *f)
{
    const struct gql_type *t = gql_schema_find_type(v->s, f->type->name);
    if (t != NULL && !gql_type_is_composite(t)) {
        report(v, f->type->loc, nl(),
               "Fragment \"%.*s\" cannot condition on non composite type "
               "\"%.*s\".",
               STR_FMT(f->name), STR_FMT(f->type->name));
    }
    struct gql_node *prev = map_find(v->frag_names, f->name);
    if (prev != NULL) {
        report(v, prev->name_loc, f->name_loc, "There can be only one fragment named \"%.*s\".",
               STR_FMT(f->name));
    } else {
        map_set(v->frag_names, f->name, (void *)f, NULL);
    }
    detect_cycles(v, cs, f, 0);
    check_unique_directives(v, &f->directives);
    check_known_type(v, f->type);
    walk_directives(v, &f->directives, GQL_LOC_FRAGMENT_DEFINITION);
    walk_selection_set(v, (t != NULL && gql_type_is_composite(t)) ? t : NULL, f);
}

static void check_unused_fragments(struct vctx *v)
{
    struct map *used = map_new();
    const struct gql_list *defs = &v->doc->root->children;
    for (size_t i = 0; i < defs->count; i++) {
        if (defs->items[i]->kind != GQL_OPERATION) {
            continue;
        }
        struct gql_list frags = { 0 };
        referenced_fragments(v, defs->items[i], &frags);
        for (size_t k = 0; k < frags.count; k++) {
            map_set(used, frags.items[k]->name, (void *)1, NULL);
        }
    }
    for (size_t i = 0; i < defs->count; i++) {
        const struct gql_node *d = defs->items[i];
        if (d->kind == GQL_FRAGMENT_DEF && map_find(used, d->name) == NULL) {
            report(v, d->loc, nl(), "Fragment \"%.*s\" is never used.", STR_FMT(d->name));
        }
    }
    map_free(used);
}

size_t gql_check_literal(struct arena *a, const struct gql_schema *s, const struct gql_node *value,
                         const struct gql_type_ref *type, struct str prefix,
                         struct gql_errors *errs)
{
    /* aborted: a full list just drops errors (no "Too many validation errors" in a schema's). */
    struct vctx v = { .a = a, .s = s, .errs = errs, .prefix = prefix, .aborted = true };
    buf_init(&v.msg, (size_t)16 * 1024);
    walk_value(&v, value, (struct value_pos){ .type = type });
    buf_fini(&v.msg);
    return v.found;
}

/* ------------------------------------------------------------------ type-system definitions */

/* The rules graphql-js's validate() still runs over type-system definitions in an executable
 * document (which ExecutableDefinitions has rejected already): KnownTypeNames, the directive
 * rules and UniqueInputFieldNames in default values, in graphql-js's visiting order. */
static void walk_sdl_directives(struct vctx *v, const struct gql_list *dirs, enum gql_dir_loc where)
{
    check_unique_directives(v, dirs);
    walk_directives(v, dirs, where);
}

static void walk_sdl_input_values(struct vctx *v, const struct gql_list *defs,
                                  enum gql_dir_loc where)
{
    for (size_t i = 0; i < defs->count; i++) {
        const struct gql_node *iv = defs->items[i];
        check_unique_directives(v, &iv->directives);
        check_known_type_in(v, ast_named(iv->type), true);
        if (iv->value != NULL) {
            walk_value(v, iv->value, (struct value_pos){ 0 });
        }
        walk_directives(v, &iv->directives, where);
    }
}

static void walk_sdl_definition(struct vctx *v, const struct gql_node *d)
{
    static const struct {
        enum gql_kind kind;
        enum gql_dir_loc where;
    } locs[] = {
        { GQL_SCHEMA_DEF, GQL_LOC_SCHEMA },
        { GQL_SCALAR_DEF, GQL_LOC_SCALAR },
        { GQL_OBJECT_DEF, GQL_LOC_OBJECT },
        { GQL_INTERFACE_DEF, GQL_LOC_INTERFACE },
        { GQL_UNION_DEF, GQL_LOC_UNION },
        { GQL_ENUM_DEF, GQL_LOC_ENUM },
        { GQL_INPUT_OBJECT_DEF, GQL_LOC_INPUT_OBJECT },
    };

    if (d->kind == GQL_DIRECTIVE_DEF) {
        walk_sdl_input_values(v, &d->args, GQL_LOC_ARGUMENT_DEFINITION);
        return;
    }
    enum gql_dir_loc where = GQL_LOC_SCHEMA;
    for (size_t i = 0; i < ARRAY_LEN(locs); i++) {
        where = locs[i].kind == d->kind ? locs[i].where : where;
    }
    check_unique_directives(v, &d->directives);
    for (size_t i = 0; i < d->interfaces.count; i++) {
        check_known_type_in(v, d->interfaces.items[i], true);
    }
    walk_directives(v, &d->directives, where);
    for (size_t i = 0; i < d->children.count; i++) {
        const struct gql_node *c = d->children.items[i];
        switch (c->kind) {
        case GQL_FIELD_DEF:
            check_unique_directives(v, &c->directives);
            walk_sdl_input_values(v, &c->args, GQL_LOC_ARGUMENT_DEFINITION);
            check_known_type_in(v, ast_named(c->type), true);
            walk_directives(v, &c->directives, GQL_LOC_FIELD_DEFINITION);
            break;
        case GQL_ENUM_VALUE_DEF:
            walk_sdl_directives(v, &c->directives, GQL_LOC_ENUM_VALUE);
            break;
        case GQL_NAMED_TYPE: /* union member */
            check_known_type_in(v, c, true);
            break;
        case GQL_OPERATION_TYPE_DEF:
            check_known_type_in(v, c->type, true);
            break;
        default:
            break;
        }
    }
    if (d->kind == GQL_INPUT_OBJECT_DEF) {
        walk_sdl_input_values(v, &d->children, GQL_LOC_INPUT_FIELD_DEFINITION);
    }
}

/* Keep the first of each name in the maps (first fragment, document-defined types and
 * directives) and count the operations. */
static void index_definition(struct vctx *v, struct gql_node *d)
{
    if (d->kind == GQL_FRAGMENT_DEF && map_find(v->frags, d->name) == NULL) {
        map_set(v->frags, d->name, d, NULL);
    }
    v->op_count += d->kind == GQL_OPERATION;
    /* Type-system definitions are rare here (and invalid): their maps are made on demand. */
    struct map **m = NULL;
    if (d->kind == GQL_DIRECTIVE_DEF) {
        m = &v->doc_dirs;
    } else if (d->kind >= GQL_SCALAR_DEF && d->kind <= GQL_INPUT_OBJECT_DEF && !d->flag) {
        m = &v->doc_types;
    }
    if (m == NULL) {
        return;
    }
    *m = *m != NULL ? *m : map_new();
    if (map_find(*m, d->name) == NULL) {
        map_set(*m, d->name, d, NULL);
    }
}

int gql_validate(struct arena *a, const struct gql_schema *s, const struct gql_document *doc,
                 struct gql_errors *errs)
{
    struct vctx v = { .a = a,
                      .s = s,
                      .doc = doc,
                      .errs = errs,
                      .overlap_budget = 200000,
                      .introspection_budget = 100000 };
    struct cycle_state cs = { 0 };
    size_t before = errs->count;
    const struct gql_list *defs = &doc->root->children;
    v.frags = map_new();
    v.op_names = map_new();
    v.frag_names = map_new();
    cs.visited = map_new();
    cs.index = map_new();
    buf_init(&v.msg, (size_t)16 * 1024);
    for (size_t i = 0; i < defs->count; i++) {
        index_definition(&v, defs->items[i]);
    }
    /* ExecutableDefinitions */
    for (size_t i = 0; i < defs->count; i++) {
        const struct gql_node *d = defs->items[i];
        if (d->kind == GQL_SCHEMA_DEF) {
            report(&v, d->loc, nl(), "The schema definition is not executable.");
        } else if (d->kind != GQL_OPERATION && d->kind != GQL_FRAGMENT_DEF) {
            report(&v, d->loc, nl(), "The \"%.*s\" definition is not executable.",
                   STR_FMT(d->name));
        }
    }
    for (size_t i = 0; i < defs->count && !gql_errors_full(errs); i++) {
        const struct gql_node *d = defs->items[i];
        if (d->kind == GQL_OPERATION) {
            walk_operation(&v, d);
        } else if (d->kind == GQL_FRAGMENT_DEF) {
            walk_fragment_def(&v, &cs, d);
        } else {
            walk_sdl_definition(&v, d);
        }
    }
    check_unused_fragments(&v);
    buf_fini(&v.msg);
    map_free(cs.index);
    map_free(cs.visited);
    map_free(v.doc_dirs);
    map_free(v.doc_types);
    map_free(v.frag_names);
    map_free(v.op_names);
    map_free(v.frags);
    return errs->count > before ? RC_INVAL : RC_OK;
}
