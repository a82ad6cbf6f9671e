/* SPDX-License-Identifier: MIT */
/*
 * Schema construction: SDL pieces are parsed into the schema's arena and collected; at
 * gql_schema_build() every definition becomes a struct gql_type (or gql_directive_def),
 * extensions are merged, type references are resolved and the type-system rules are checked
 * with graphql-js's messages. Built-ins (gql_builtin.c) take the same path. Lookups by name go
 * through heap maps owned by the schema.
 * Thread contract: one thread while building; read-only (any thread) once built.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/map.h"
#include "base/mem.h"
#include "base/rc.h"
#include "base/vec.h"
#include "gql/gql_internal.h"

struct root_field {
    enum gql_op op;
    struct str name;
    gql_resolver_fn *resolve;
    void *resolve_arg;
    gql_resolver_fn *subscribe;
    void *subscribe_arg;
};

struct gql_schema {
    struct arena *arena;
    struct map *types;                /* name -> struct gql_type */
    struct map *directives;           /* name -> struct gql_directive_def */
    VEC(struct gql_type *) type_list; /* definition order */
    VEC(struct gql_directive_def *) directive_list;
    struct gql_list defs; /* pending definitions and extensions */
    VEC(bool) def_builtin;
    VEC(struct root_field) root_fields;
    struct gql_type *roots[3];
    struct str description;
    bool built;
    struct gql_field meta[3]; /* __typename, __schema, __type */
};

const char *const gql_dir_loc_names[GQL_LOC_COUNT] = {
    "QUERY",
    "MUTATION",
    "SUBSCRIPTION",
    "FIELD",
    "FRAGMENT_DEFINITION",
    "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT",
    "VARIABLE_DEFINITION",
    "SCHEMA",
    "SCALAR",
    "OBJECT",
    "FIELD_DEFINITION",
    "ARGUMENT_DEFINITION",
    "INTERFACE",
    "UNION",
    "ENUM",
    "ENUM_VALUE",
    "INPUT_OBJECT",
    "INPUT_FIELD_DEFINITION",
    "DIRECTIVE_DEFINITION",
};

static const char *const root_names[3] = { "Query", "Mutation", "Subscription" };

static void push_def(struct gql_schema *s, struct gql_node *d, bool builtin)
{
    gql_list_push(s->arena, &s->defs, d);
    VEC_PUSH_ARENA(s->arena, &s->def_builtin, builtin);
}

static void push_root_field(struct gql_schema *s, struct root_field rf)
{
    VEC_PUSH_ARENA(s->arena, &s->root_fields, rf);
}

static int add_doc(struct gql_schema *s, struct str sdl, bool builtin, struct gql_errors *errs)
{
    struct str copy = arena_strdup(s->arena, sdl);
    struct gql_document *doc = NULL;
    struct gql_limits lim;
    gql_limits_default(&lim);
    lim.max_document_bytes = 0;
    lim.max_tokens = 0;
    int rc = gql_parse(s->arena, copy, &lim, errs, &doc);
    if (rc != RC_OK) {
        return rc;
    }
    for (size_t i = 0; i < doc->root->children.count; i++) {
        struct gql_node *d = doc->root->children.items[i];
        if (d->kind == GQL_OPERATION || d->kind == GQL_FRAGMENT_DEF) {
            gql_errors_add(errs, d->loc, (struct gql_loc){ 0 },
                           "The %s definition is not executable.", gql_kind_name(d->kind));
            rc = RC_INVAL;
            continue;
        }
        push_def(s, d, builtin);
    }
    return rc;
}

struct gql_schema *gql_schema_new(void)
{
    struct gql_schema *s = mem_calloc(1, sizeof(*s));
    s->arena = arena_new((size_t)64 * 1024);
    s->types = map_new();
    s->directives = map_new();
    struct gql_errors errs;
    gql_errors_init(&errs, s->arena, 1);
    int rc = add_doc(s, str_from_cstr(gql_builtin_sdl), true, &errs);
    ASSERT(rc == RC_OK);
    return s;
}

void gql_schema_free(struct gql_schema *s)
{
    if (s == NULL) {
        return;
    }
    map_free(s->types);
    map_free(s->directives);
    arena_free(s->arena);
    mem_free(s);
}

int gql_schema_add_sdl(struct gql_schema *s, struct str sdl, struct gql_errors *errs)
{
    ASSERT(!s->built);
    return add_doc(s, sdl, false, errs);
}

int gql_schema_add_root_field(struct gql_schema *s, enum gql_op op, struct str field_sdl,
                              gql_resolver_fn *resolve, void *resolve_arg,
                              gql_resolver_fn *subscribe, void *subscribe_arg,
                              struct gql_errors *errs)
{
    ASSERT(!s->built);
    struct str text =
        arena_printf(s->arena, "extend type %s {\n%.*s\n}", root_names[op], STR_FMT(field_sdl));
    size_t before = s->defs.count;
    int rc = add_doc(s, text, false, errs);
    if (rc != RC_OK) {
        return rc;
    }
    struct gql_node *ext = s->defs.items[before];
    for (size_t i = 0; i < ext->children.count; i++) {
        struct root_field rf = {
            .op = op,
            .name = ext->children.items[i]->name,
            .resolve = resolve,
            .resolve_arg = resolve_arg,
            .subscribe = subscribe,
            .subscribe_arg = subscribe_arg,
        };
        push_root_field(s, rf);
    }
    return RC_OK;
}

struct gql_type *gql_schema_find_type(const struct gql_schema *s, struct str name)
{
    struct gql_type *t = map_find(s->types, name);
    return (t != NULL && !t->hidden) ? t : NULL;
}

struct gql_field *gql_schema_meta_field(const struct gql_schema *s, const struct gql_type *parent,
                                        struct str name)
{
    if (name.len < 2 || name.ptr[0] != '_' || name.ptr[1] != '_') {
        return NULL;
    }
    if (str_eq_cstr(name, "__typename")) {
        return (struct gql_field *)&s->meta[0];
    }
    if (parent != s->roots[GQL_OP_QUERY]) {
        return NULL;
    }
    if (str_eq_cstr(name, "__schema")) {
        return (struct gql_field *)&s->meta[1];
    }
    if (str_eq_cstr(name, "__type")) {
        return (struct gql_field *)&s->meta[2];
    }
    return NULL;
}

struct gql_type *gql_schema_root(const struct gql_schema *s, enum gql_op op)
{
    return s->roots[op];
}

struct gql_directive_def *gql_schema_find_directive(const struct gql_schema *s, struct str name)
{
    return map_find(s->directives, name);
}

struct gql_field *gql_type_find_field(const struct gql_type *t, struct str name)
{
    for (size_t i = 0; i < t->field_count; i++) {
        if (str_eq(t->fields[i].name, name)) {
            return &t->fields[i];
        }
    }
    return NULL;
}

struct gql_input_value *gql_type_find_input_field(const struct gql_type *t, struct str name)
{
    for (size_t i = 0; i < t->input_field_count; i++) {
        if (str_eq(t->input_fields[i].name, name)) {
            return &t->input_fields[i];
        }
    }
    return NULL;
}

bool gql_type_is_possible(const struct gql_type *t, const struct gql_type *obj)
{
    if (t == obj) {
        return true;
    }
    for (size_t i = 0; i < t->possible_count; i++) {
        if (t->possible[i] == obj) {
            return true;
        }
    }
    return false;
}

struct gql_type *gql_ref_named(const struct gql_type_ref *r)
{
    while (r->kind != GQL_REF_NAMED) {
        r = r->of;
    }
    return r->named;
}

static void ref_print(struct buf *b, const struct gql_type_ref *r)
{
    /* A type reference is far below the 4 KiB bound; a truncated print is harmless. */
    switch (r->kind) {
    case GQL_REF_NAMED:
        IGNORE_RC(buf_try_append_str(b, r->named->name));
        break;
    case GQL_REF_LIST:
        IGNORE_RC(buf_try_append_char(b, '['));
        ref_print(b, r->of);
        IGNORE_RC(buf_try_append_char(b, ']'));
        break;
    case GQL_REF_NON_NULL:
        ref_print(b, r->of);
        IGNORE_RC(buf_try_append_char(b, '!'));
        break;
    }
}

struct str gql_ref_print(struct arena *a, const struct gql_type_ref *r)
{
    struct buf b;
    buf_init(&b, 4096);
    ref_print(&b, r);
    struct str out = arena_strdup(a, buf_str(&b));
    buf_fini(&b);
    return out;
}

int gql_schema_set_resolver(struct gql_schema *s, struct str type_name, struct str field_name,
                            gql_resolver_fn *resolve, void *resolve_arg)
{
    struct gql_type *t = gql_schema_find_type(s, type_name);
    struct gql_field *f = t != NULL ? gql_type_find_field(t, field_name) : NULL;
    if (f == NULL) {
        return RC_NOTFOUND;
    }
    f->resolve = resolve;
    f->resolve_arg = resolve_arg;
    return RC_OK;
}

/* ------------------------------------------------------------------ building */

struct builder {
    struct gql_schema *s;
    struct gql_errors *errs;
    int rc;
    bool sdl_failed; /* a graphql-js validateSDL rule failed: no schema validation then */
};

static struct gql_loc no_loc(void)
{
    return (struct gql_loc){ 0 };
}

/* Record an error; sdl_rule marks one of graphql-js's validateSDL rules (names, extensions,
 * directives, known types): graphql-js throws those before building, so the type-system
 * validation is skipped after one. */
static void vberr(struct builder *b, bool sdl_rule, struct gql_loc l1, struct gql_loc l2,
                  const char *fmt, va_list ap) PRINTF_FMT(5, 0);

static void vberr(struct builder *b, bool sdl_rule, struct gql_loc l1, struct gql_loc l2,
                  const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    struct gql_error *e = gql_errors_add(b->errs, l1, l2, "%s", msg);
    if (e != NULL) {
        e->code = STR("GRAPHQL_SDL_ERROR");
    }
    b->rc = RC_INVAL;
    b->sdl_failed = b->sdl_failed || sdl_rule;
}

static void berr(struct builder *b, struct gql_loc l1, struct gql_loc l2, const char *fmt, ...)
    PRINTF_FMT(4, 5);

static void berr(struct builder *b, struct gql_loc l1, struct gql_loc l2, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vberr(b, false, l1, l2, fmt, ap);
    va_end(ap);
}

static void serr(struct builder *b, struct gql_loc l1, struct gql_loc l2, const char *fmt, ...)
    PRINTF_FMT(4, 5);

static void serr(struct builder *b, struct gql_loc l1, struct gql_loc l2, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vberr(b, true, l1, l2, fmt, ap);
    va_end(ap);
}

static enum gql_type_kind def_type_kind(enum gql_kind k)
{
    switch (k) {
    case GQL_OBJECT_DEF:
        return GQL_TYPE_OBJECT;
    case GQL_INTERFACE_DEF:
        return GQL_TYPE_INTERFACE;
    case GQL_UNION_DEF:
        return GQL_TYPE_UNION;
    case GQL_ENUM_DEF:
        return GQL_TYPE_ENUM;
    case GQL_INPUT_OBJECT_DEF:
        return GQL_TYPE_INPUT_OBJECT;
    default:
        return GQL_TYPE_SCALAR;
    }
}

static const char *type_kind_word(enum gql_type_kind k)
{
    static const char *const words[] = { "scalar", "object", "interface",
                                         "union",  "enum",   "input object" };
    return words[k];
}

static bool is_reserved(struct str name)
{
    return name.len >= 2 && name.ptr[0] == '_' && name.ptr[1] == '_';
}

static void check_name(struct builder *b, struct str name, struct gql_loc loc, bool builtin)
{
    if (!builtin && is_reserved(name)) {
        berr(b, loc, no_loc(),
             "Name \"%.*s\" must not begin with \"__\", which is reserved by GraphQL "
             "introspection.",
             STR_FMT(name));
    }
}

static bool is_root_name(struct str name)
{
    for (size_t i = 0; i < 3; i++) {
        if (str_eq_cstr(name, root_names[i])) {
            return true;
        }
    }
    return false;
}

static struct gql_type *new_type(struct builder *b, struct gql_node *d, bool builtin)
{
    struct gql_type *t = arena_calloc(b->s->arena, 1, sizeof(*t));
    t->kind = def_type_kind(d->kind);
    t->name = d->name;
    t->description = d->description;
    t->builtin = builtin;
    t->node = d;
    static const char *const scalars[] = { "", "Int", "Float", "String", "Boolean", "ID" };
    for (size_t i = 1; builtin && t->kind == GQL_TYPE_SCALAR && i < ARRAY_LEN(scalars); i++) {
        if (str_eq_cstr(t->name, scalars[i])) {
            t->scalar = (enum gql_scalar)i;
        }
    }
    map_set(b->s->types, t->name, t, NULL);
    /* The items are pointers: sizeof(*items) is meant. */
    VEC_PUSH_ARENA(b->s->arena, &b->s->type_list, t); /* NOLINT(bugprone-sizeof-expression) */
    return t;
}

static void read_deprecation(const struct gql_list *dirs, bool *out_dep, struct str *out_reason);

static void add_directive_def(struct builder *b, struct gql_node *d, bool builtin)
{
    struct gql_directive_def *old = map_find(b->s->directives, d->name);
    if (old != NULL) {
        if (old->builtin) {
            serr(b, d->loc, no_loc(),
                 "Directive \"@%.*s\" already exists in the schema. It cannot be redefined.",
                 STR_FMT(d->name));
        } else {
            serr(b, old->node->loc, d->loc, "There can be only one directive named \"@%.*s\".",
                 STR_FMT(d->name));
        }
        return;
    }
    check_name(b, d->name, d->loc, builtin);
    struct gql_directive_def *dd = arena_calloc(b->s->arena, 1, sizeof(*dd));
    dd->name = d->name;
    dd->description = d->description;
    dd->repeatable = d->flag;
    dd->builtin = builtin;
    read_deprecation(&d->directives, &dd->deprecated, &dd->deprecation_reason);
    dd->node = d;
    dd->location_order = arena_alloc(b->s->arena, d->children.count + 1);
    for (size_t i = 0; i < d->children.count; i++) {
        for (unsigned l = 0; l < GQL_LOC_COUNT; l++) {
            if (str_eq_cstr(d->children.items[i]->name, gql_dir_loc_names[l]) &&
                (dd->locations & (1u << l)) == 0) {
                dd->locations |= 1u << l;
                dd->location_order[dd->location_count++] = (uint8_t)l;
            }
        }
    }
    map_set(b->s->directives, dd->name, dd, NULL);
    VEC_PUSH_ARENA(b->s->arena, &b->s->directive_list, dd); /* NOLINT(bugprone-sizeof-expression) */
}

/* Phase 1: a shell per definition; extensions are attached in phase 2. */
static void collect_definition(struct builder *b, struct gql_node *d, bool builtin,
                               struct gql_list *schema_nodes)
{
    if (d->kind == GQL_DIRECTIVE_DEF) {
        add_directive_def(b, d, builtin);
        return;
    }
    if (d->kind == GQL_SCHEMA_DEF) {
        for (size_t i = 0; i < schema_nodes->count; i++) {
            if (!schema_nodes->items[i]->flag) {
                serr(b, d->loc, no_loc(), "Must provide only one schema definition.");
                break;
            }
        }
        gql_list_push(b->s->arena, schema_nodes, d);
        return;
    }
    struct gql_type *old = map_find(b->s->types, d->name);
    if (old == NULL) {
        new_type(b, d, builtin);
        return;
    }
    if (old->builtin) {
        serr(b, d->loc, no_loc(),
             "Type \"%.*s\" already exists in the schema. It cannot also be defined in this type "
             "definition.",
             STR_FMT(d->name));
    } else if (is_root_name(d->name) && old->kind == GQL_TYPE_OBJECT && d->kind == GQL_OBJECT_DEF) {
        /* Root types defined by several scripts are merged (spec/30-graphql.md section 2). */
        gql_list_push(b->s->arena, &old->ext_nodes, d);
    } else {
        serr(b, old->node->loc, d->loc, "There can be only one type named \"%.*s\".",
             STR_FMT(d->name));
    }
}

static const enum gql_dir_loc type_dir_loc[] = {
    [GQL_TYPE_SCALAR] = GQL_LOC_SCALAR,       [GQL_TYPE_OBJECT] = GQL_LOC_OBJECT,
    [GQL_TYPE_INTERFACE] = GQL_LOC_INTERFACE, [GQL_TYPE_UNION] = GQL_LOC_UNION,
    [GQL_TYPE_ENUM] = GQL_LOC_ENUM,           [GQL_TYPE_INPUT_OBJECT] = GQL_LOC_INPUT_OBJECT,
};

static void check_directives(struct builder *b, const struct gql_list *dirs,
                             enum gql_dir_loc where);

static void collect_extension(struct builder *b, struct gql_node *d, struct gql_list *schema_nodes)
{
    if (d->kind == GQL_SCHEMA_DEF) {
        gql_list_push(b->s->arena, schema_nodes, d);
        return;
    }
    struct gql_type *t = map_find(b->s->types, d->name);
    if (t == NULL && is_root_name(d->name) && d->kind == GQL_OBJECT_DEF) {
        new_type(b, d, false);
        return;
    }
    if (t == NULL) {
        serr(b, d->loc, no_loc(), "Cannot extend type \"%.*s\" because it is not defined.",
             STR_FMT(d->name));
        return;
    }
    if (t->kind != def_type_kind(d->kind)) {
        serr(b, t->node->loc, d->loc, "Cannot extend non-%s type \"%.*s\".",
             type_kind_word(def_type_kind(d->kind)), STR_FMT(d->name));
        check_directives(b, &d->directives, type_dir_loc[def_type_kind(d->kind)]);
        return;
    }
    gql_list_push(b->s->arena, &t->ext_nodes, d);
}

static struct gql_type_ref *resolve_ref(struct builder *b, struct gql_node *n)
{
    struct gql_type_ref *r = arena_calloc(b->s->arena, 1, sizeof(*r));
    switch (n->kind) {
    case GQL_LIST_TYPE:
        r->kind = GQL_REF_LIST;
        r->of = resolve_ref(b, n->type);
        return r->of != NULL ? r : NULL;
    case GQL_NON_NULL_TYPE:
        r->kind = GQL_REF_NON_NULL;
        r->of = resolve_ref(b, n->type);
        return r->of != NULL ? r : NULL;
    default:
        r->kind = GQL_REF_NAMED;
        r->named = map_find(b->s->types, n->name);
        if (r->named == NULL) {
            struct buf msg;
            buf_init(&msg, 4096);
            IGNORE_RC(buf_try_printf(&msg, "Unknown type \"%.*s\".", STR_FMT(n->name)));
            struct str *names =
                arena_alloc(b->s->arena, (b->s->type_list.count + 1) * sizeof(*names));
            for (size_t i = 0; i < b->s->type_list.count; i++) {
                names[i] = b->s->type_list.items[i]->name;
            }
            gql_did_you_mean(&msg, NULL, n->name, names, b->s->type_list.count);
            serr(b, n->loc, no_loc(), "%.*s", STR_FMT(buf_str(&msg)));
            buf_fini(&msg);
            return NULL;
        }
        return r;
    }
}

/* The node of type t's definition followed by its extensions, as one iteration. */
static struct gql_node *type_node(const struct gql_type *t, size_t i)
{
    return i == 0 ? t->node : t->ext_nodes.items[i - 1];
}

static size_t type_node_count(const struct gql_type *t)
{
    return 1 + t->ext_nodes.count;
}

static struct gql_node *find_directive(const struct gql_list *dirs, const char *name)
{
    for (size_t i = 0; i < dirs->count; i++) {
        if (str_eq_cstr(dirs->items[i]->name, name)) {
            return dirs->items[i];
        }
    }
    return NULL;
}

static struct gql_node *find_arg(const struct gql_list *args, const char *name)
{
    for (size_t i = 0; i < args->count; i++) {
        if (str_eq_cstr(args->items[i]->name, name)) {
            return args->items[i]->value;
        }
    }
    return NULL;
}

static void read_deprecation(const struct gql_list *dirs, bool *out_dep, struct str *out_reason)
{
    struct gql_node *d = find_directive(dirs, "deprecated");
    *out_dep = d != NULL;
    *out_reason = STR_NULL;
    if (d != NULL) {
        struct gql_node *r = find_arg(&d->args, "reason");
        *out_reason = (r != NULL && r->kind == GQL_STRING) ? r->text : STR("No longer supported");
    }
}

/* graphql-js validateSDL's KnownArgumentNamesOnDirectives and
 * ProvidedRequiredArgumentsOnDirectives, over the directive definition's AST (directive
 * arguments may not be built yet when an extension is checked). */
static void check_directive_args(struct builder *b, const struct gql_node *d,
                                 const struct gql_directive_def *dd)
{
    const struct gql_list *defs = &dd->node->args;
    for (size_t k = 0; k < d->args.count; k++) {
        const struct gql_node *arg = d->args.items[k];
        bool known = false;
        for (size_t m = 0; m < defs->count && !known; m++) {
            known = str_eq(defs->items[m]->name, arg->name);
        }
        if (known) {
            continue;
        }
        struct buf msg;
        buf_init(&msg, 4096);
        IGNORE_RC(buf_try_printf(&msg, "Unknown argument \"%.*s\" on directive \"@%.*s\".",
                                 STR_FMT(arg->name), STR_FMT(d->name)));
        struct str *names = arena_alloc(b->s->arena, (defs->count + 1) * sizeof(*names));
        for (size_t m = 0; m < defs->count; m++) {
            names[m] = defs->items[m]->name;
        }
        gql_did_you_mean(&msg, NULL, arg->name, names, defs->count);
        serr(b, arg->loc, no_loc(), "%.*s", STR_FMT(buf_str(&msg)));
        buf_fini(&msg);
    }
    for (size_t m = 0; m < defs->count; m++) {
        const struct gql_node *def = defs->items[m];
        if (def->type->kind != GQL_NON_NULL_TYPE || def->value != NULL) {
            continue;
        }
        bool given = false;
        for (size_t k = 0; k < d->args.count && !given; k++) {
            given = str_eq(d->args.items[k]->name, def->name);
        }
        if (!given) {
            struct str ts = gql_print_ast_type(b->s->arena, def->type);
            serr(b, d->loc, no_loc(),
                 "Directive \"@%.*s\" argument \"%.*s\" of type \"%.*s\" is "
                 "required, but it was not provided.",
                 STR_FMT(d->name), STR_FMT(def->name), STR_FMT(ts));
        }
    }
}

/* validateSDL's UniqueInputFieldNames over a constant value. */
static void check_unique_input_fields(struct builder *b, const struct gql_node *v)
{
    for (size_t i = 0; v->kind == GQL_OBJECT && i < v->children.count; i++) {
        const struct gql_node *f = v->children.items[i];
        for (size_t k = 0; k < i; k++) {
            if (str_eq(v->children.items[k]->name, f->name)) {
                serr(b, v->children.items[k]->name_loc, f->name_loc,
                     "There can be only one input field named \"%.*s\".", STR_FMT(f->name));
                break;
            }
        }
    }
    for (size_t i = 0; (v->kind == GQL_OBJECT || v->kind == GQL_LIST) && i < v->children.count;
         i++) {
        const struct gql_node *c = v->children.items[i];
        check_unique_input_fields(b, c->kind == GQL_OBJECT_FIELD ? c->value : c);
    }
}

/* validateSDL's UniqueArgumentNames and UniqueInputFieldNames on one directive. */
static void check_unique_directive_args(struct builder *b, const struct gql_node *d)
{
    for (size_t k = 0; k < d->args.count; k++) {
        for (size_t m = 0; m < k; m++) {
            if (str_eq(d->args.items[m]->name, d->args.items[k]->name)) {
                serr(b, d->args.items[m]->name_loc, d->args.items[k]->name_loc,
                     "There can be only one argument named \"%.*s\".",
                     STR_FMT(d->args.items[k]->name));
                break;
            }
        }
        check_unique_input_fields(b, d->args.items[k]->value);
    }
}

static void check_directives(struct builder *b, const struct gql_list *dirs, enum gql_dir_loc where)
{
    for (size_t i = 0; i < dirs->count; i++) {
        struct gql_node *d = dirs->items[i];
        check_unique_directive_args(b, d);
        struct gql_directive_def *dd = map_find(b->s->directives, d->name);
        if (dd == NULL) {
            serr(b, d->loc, no_loc(), "Unknown directive \"@%.*s\".", STR_FMT(d->name));
            continue;
        }
        if ((dd->locations & (1u << where)) == 0) {
            serr(b, d->loc, no_loc(), "Directive \"@%.*s\" may not be used on %s.",
                 STR_FMT(d->name), gql_dir_loc_names[where]);
        }
        check_directive_args(b, d, dd);
        for (size_t j = 0; j < i && !dd->repeatable; j++) {
            if (str_eq(dirs->items[j]->name, d->name)) {
                serr(b, dirs->items[j]->loc, d->loc,
                     "The directive \"@%.*s\" can only be used once at this location.",
                     STR_FMT(d->name));
                break;
            }
        }
    }
}

static void build_input_values(struct builder *b, const struct gql_list *defs,
                               struct gql_input_value *out, enum gql_dir_loc where)
{
    for (size_t i = 0; i < defs->count; i++) {
        struct gql_node *n = defs->items[i];
        out[i].name = n->name;
        out[i].description = n->description;
        out[i].type = resolve_ref(b, n->type);
        out[i].default_value = n->value;
        out[i].node = n;
        if (n->value != NULL) {
            check_unique_input_fields(b, n->value);
        }
        read_deprecation(&n->directives, &out[i].deprecated, &out[i].deprecation_reason);
        check_directives(b, &n->directives, where);
    }
}

static size_t count_children(const struct gql_type *t)
{
    size_t n = 0;
    for (size_t i = 0; i < type_node_count(t); i++) {
        n += type_node(t, i)->children.count;
    }
    return n;
}

static void check_unique_args(struct builder *b, const struct gql_type *t,
                              const struct gql_field *f)
{
    for (size_t a = 0; a < f->arg_count; a++) {
        for (size_t c = 0; c < a; c++) {
            if (str_eq(f->args[a].name, f->args[c].name)) {
                serr(b, f->args[c].node->loc, f->args[a].node->loc,
                     "Argument \"%.*s.%.*s(%.*s:)\" can only be defined once.", STR_FMT(t->name),
                     STR_FMT(f->name), STR_FMT(f->args[a].name));
            }
        }
    }
}

/* Add field definition n to t, unless a field of that name exists. */
static void build_field(struct builder *b, struct gql_type *t, struct gql_node *n)
{
    struct gql_field *old = gql_type_find_field(t, n->name);
    if (old != NULL) {
        serr(b, old->node->loc, n->loc, "Field \"%.*s.%.*s\" can only be defined once.",
             STR_FMT(t->name), STR_FMT(n->name));
        return;
    }
    struct gql_field *f = &t->fields[t->field_count++];
    f->name = n->name;
    f->description = n->description;
    f->parent = t;
    f->node = n;
    f->type = resolve_ref(b, n->type);
    read_deprecation(&n->directives, &f->deprecated, &f->deprecation_reason);
    check_directives(b, &n->directives, GQL_LOC_FIELD_DEFINITION);
    f->args = arena_calloc(b->s->arena, n->args.count + 1, sizeof(*f->args));
    f->arg_count = n->args.count;
    build_input_values(b, &n->args, f->args, GQL_LOC_ARGUMENT_DEFINITION);
    check_unique_args(b, t, f);
}

static void build_fields(struct builder *b, struct gql_type *t)
{
    t->fields = arena_calloc(b->s->arena, count_children(t) + 1, sizeof(*t->fields));
    for (size_t k = 0; k < type_node_count(t); k++) {
        struct gql_node *tn = type_node(t, k);
        for (size_t i = 0; i < tn->children.count; i++) {
            build_field(b, t, tn->children.items[i]);
        }
    }
}

static bool list_has_type(struct gql_type **list, size_t n, const struct gql_type *t)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i] == t) {
            return true;
        }
    }
    return false;
}

static void build_interfaces(struct builder *b, struct gql_type *t)
{
    size_t total = 0;
    for (size_t k = 0; k < type_node_count(t); k++) {
        total += type_node(t, k)->interfaces.count;
    }
    t->interfaces = arena_calloc(b->s->arena, total + 1, sizeof(void *));
    for (size_t k = 0; k < type_node_count(t); k++) {
        struct gql_list *ifs = &type_node(t, k)->interfaces;
        for (size_t i = 0; i < ifs->count; i++) {
            struct gql_type_ref *r = resolve_ref(b, ifs->items[i]);
            if (r == NULL) {
                continue;
            }
            if (r->named->kind != GQL_TYPE_INTERFACE) {
                berr(b, ifs->items[i]->loc, no_loc(),
                     "Type %.*s must only implement Interface types, it cannot implement %.*s.",
                     STR_FMT(t->name), STR_FMT(r->named->name));
                continue;
            }
            if (r->named == t) {
                berr(b, ifs->items[i]->loc, no_loc(),
                     "Type %.*s cannot implement itself because it would create a circular "
                     "reference.",
                     STR_FMT(t->name));
                continue;
            }
            if (list_has_type(t->interfaces, t->interface_count, r->named)) {
                berr(b, ifs->items[i]->loc, no_loc(), "Type %.*s can only implement %.*s once.",
                     STR_FMT(t->name), STR_FMT(r->named->name));
                continue;
            }
            t->interfaces[t->interface_count++] = r->named;
        }
    }
}

static void build_union(struct builder *b, struct gql_type *t)
{
    t->possible = arena_calloc(b->s->arena, count_children(t) + 1, sizeof(void *));
    for (size_t k = 0; k < type_node_count(t); k++) {
        struct gql_list *ms = &type_node(t, k)->children;
        for (size_t i = 0; i < ms->count; i++) {
            struct gql_type_ref *r = resolve_ref(b, ms->items[i]);
            if (r == NULL) {
                continue;
            }
            if (r->named->kind != GQL_TYPE_OBJECT) {
                berr(b, ms->items[i]->loc, no_loc(),
                     "Union type %.*s can only include Object types, it cannot include %.*s.",
                     STR_FMT(t->name), STR_FMT(r->named->name));
                continue;
            }
            if (list_has_type(t->possible, t->possible_count, r->named)) {
                berr(b, ms->items[i]->loc, no_loc(),
                     "Union type %.*s can only include type %.*s once.", STR_FMT(t->name),
                     STR_FMT(r->named->name));
                continue;
            }
            t->possible[t->possible_count++] = r->named;
        }
    }
}

/* Add enum value definition n to t, unless a value of that name exists. */
static void build_enum_value(struct builder *b, struct gql_type *t, struct gql_node *n)
{
    for (size_t j = 0; j < t->value_count; j++) {
        if (str_eq(t->values[j].name, n->name)) {
            serr(b, t->values[j].node->loc, n->loc,
                 "Enum value \"%.*s.%.*s\" can only be defined once.", STR_FMT(t->name),
                 STR_FMT(n->name));
            return;
        }
    }
    struct gql_enum_value *v = &t->values[t->value_count++];
    v->name = n->name;
    v->description = n->description;
    v->node = n;
    read_deprecation(&n->directives, &v->deprecated, &v->deprecation_reason);
    check_directives(b, &n->directives, GQL_LOC_ENUM_VALUE);
}

static void build_enum(struct builder *b, struct gql_type *t)
{
    t->values = arena_calloc(b->s->arena, count_children(t) + 1, sizeof(*t->values));
    for (size_t k = 0; k < type_node_count(t); k++) {
        struct gql_list *vs = &type_node(t, k)->children;
        for (size_t i = 0; i < vs->count; i++) {
            build_enum_value(b, t, vs->items[i]);
        }
    }
}

static void build_input_object(struct builder *b, struct gql_type *t)
{
    t->input_fields = arena_calloc(b->s->arena, count_children(t) + 1, sizeof(*t->input_fields));
    for (size_t k = 0; k < type_node_count(t); k++) {
        struct gql_list *fs = &type_node(t, k)->children;
        for (size_t i = 0; i < fs->count; i++) {
            struct gql_node *n = fs->items[i];
            struct gql_input_value *old = gql_type_find_input_field(t, n->name);
            if (old != NULL) {
                serr(b, old->node->loc, n->loc, "Field \"%.*s.%.*s\" can only be defined once.",
                     STR_FMT(t->name), STR_FMT(n->name));
                continue;
            }
            struct gql_list one = { .items = &fs->items[i], .count = 1 };
            build_input_values(b, &one, &t->input_fields[t->input_field_count++],
                               GQL_LOC_INPUT_FIELD_DEFINITION);
        }
    }
}

static void build_type(struct builder *b, struct gql_type *t)
{
    for (size_t k = 0; k < type_node_count(t); k++) {
        struct gql_node *n = type_node(t, k);
        check_directives(b, &n->directives, type_dir_loc[t->kind]);
        struct gql_node *sb = find_directive(&n->directives, "specifiedBy");
        struct gql_node *url = sb != NULL ? find_arg(&sb->args, "url") : NULL;
        if (url != NULL && url->kind == GQL_STRING) {
            t->specified_by_url = url->text;
        }
        if (find_directive(&n->directives, "oneOf") != NULL) {
            t->one_of = true;
        }
        if (k > 0 && t->description.ptr == NULL) {
            t->description = n->description;
        }
    }
    switch (t->kind) {
    case GQL_TYPE_OBJECT:
    case GQL_TYPE_INTERFACE:
        build_fields(b, t);
        build_interfaces(b, t);
        break;
    case GQL_TYPE_UNION:
        build_union(b, t);
        break;
    case GQL_TYPE_ENUM:
        build_enum(b, t);
        break;
    case GQL_TYPE_INPUT_OBJECT:
        build_input_object(b, t);
        break;
    case GQL_TYPE_SCALAR:
        break;
    }
}

/* One "query: Q" of a schema definition or extension (sn). */
static void add_root(struct builder *b, const struct gql_node *sn, const struct gql_node *o,
                     bool named[3])
{
    static const char *const op_words[] = { "query", "mutation", "subscription" };
    if (named[o->op]) {
        /* graphql-js's "already defined" wording is for extending a built schema only. */
        serr(b, o->loc, no_loc(), "There can be only one %s type in schema.", op_words[o->op]);
        return;
    }
    named[o->op] = true;
    struct gql_type_ref *r = resolve_ref(b, o->type);
    if (r == NULL) {
        return;
    }
    if (r->named->kind != GQL_TYPE_OBJECT) {
        berr(b, o->type->loc, no_loc(), "%s root type must be Object type%s, it cannot be %.*s.",
             root_names[o->op], o->op == GQL_OP_QUERY ? "" : " if provided",
             STR_FMT(r->named->name));
        return;
    }
    b->s->roots[o->op] = r->named;
}

static void default_roots(struct builder *b)
{
    for (int op = 0; op < 3; op++) {
        struct gql_type *t = map_find(b->s->types, str_from_cstr(root_names[op]));
        if (b->s->roots[op] == NULL && t != NULL && t->kind == GQL_TYPE_OBJECT) {
            b->s->roots[op] = t;
        }
    }
}

static void build_roots(struct builder *b, struct gql_list *schema_nodes)
{
    bool explicit = false;
    bool named[3] = { false, false, false };
    for (size_t k = 0; k < schema_nodes->count; k++) {
        struct gql_node *sn = schema_nodes->items[k];
        explicit = explicit || !sn->flag;
        check_directives(b, &sn->directives, GQL_LOC_SCHEMA);
        if (!sn->flag && sn->description.ptr != NULL) {
            b->s->description = sn->description;
        }
        for (size_t i = 0; i < sn->children.count; i++) {
            add_root(b, sn, sn->children.items[i], named);
        }
    }
    if (!explicit) {
        default_roots(b);
    }
    if (b->s->roots[GQL_OP_QUERY] == NULL && !named[GQL_OP_QUERY]) {
        berr(b, no_loc(), no_loc(), "Query root type must be provided.");
    }
}

/* Interfaces list their implementing object types (for possibleTypes and fragments). */
static void link_possible_types(struct builder *b)
{
    struct gql_schema *s = b->s;
    for (size_t i = 0; i < s->type_list.count; i++) {
        struct gql_type *t = s->type_list.items[i];
        if (t->kind == GQL_TYPE_INTERFACE) {
            t->possible = arena_calloc(s->arena, s->type_list.count + 1, sizeof(void *));
        }
    }
    for (size_t i = 0; i < s->type_list.count; i++) {
        struct gql_type *t = s->type_list.items[i];
        if (t->kind != GQL_TYPE_OBJECT) {
            continue;
        }
        for (size_t j = 0; j < t->interface_count; j++) {
            struct gql_type *it = t->interfaces[j];
            it->possible[it->possible_count++] = t;
        }
    }
}

/* ------------------------------------------------------------------ type predicates */

bool gql_type_is_input(const struct gql_type *t)
{
    return t->kind == GQL_TYPE_SCALAR || t->kind == GQL_TYPE_ENUM ||
           t->kind == GQL_TYPE_INPUT_OBJECT;
}

bool gql_type_is_output(const struct gql_type *t)
{
    return t->kind != GQL_TYPE_INPUT_OBJECT;
}

bool gql_type_is_abstract(const struct gql_type *t)
{
    return t->kind == GQL_TYPE_INTERFACE || t->kind == GQL_TYPE_UNION;
}

bool gql_type_is_composite(const struct gql_type *t)
{
    return t->kind == GQL_TYPE_OBJECT || gql_type_is_abstract(t);
}

bool gql_ref_equal(const struct gql_type_ref *a, const struct gql_type_ref *b)
{
    while (a->kind == b->kind && a->kind != GQL_REF_NAMED) {
        a = a->of;
        b = b->of;
    }
    return a->kind == b->kind && a->named == b->named;
}

bool gql_type_implements(const struct gql_type *t, const struct gql_type *iface)
{
    return list_has_type(t->interfaces, t->interface_count, iface);
}

bool gql_ref_is_subtype(const struct gql_type_ref *sub, const struct gql_type_ref *super)
{
    if (gql_ref_equal(sub, super)) {
        return true;
    }
    if (super->kind == GQL_REF_NON_NULL) {
        return sub->kind == GQL_REF_NON_NULL && gql_ref_is_subtype(sub->of, super->of);
    }
    if (sub->kind == GQL_REF_NON_NULL) {
        return gql_ref_is_subtype(sub->of, super);
    }
    if (super->kind == GQL_REF_LIST) {
        return sub->kind == GQL_REF_LIST && gql_ref_is_subtype(sub->of, super->of);
    }
    if (sub->kind == GQL_REF_LIST) {
        return false;
    }
    const struct gql_type *st = super->named;
    const struct gql_type *bt = sub->named;
    if (st->kind == GQL_TYPE_UNION) {
        return list_has_type(st->possible, st->possible_count, bt);
    }
    if (st->kind == GQL_TYPE_INTERFACE) {
        return (bt->kind == GQL_TYPE_OBJECT || bt->kind == GQL_TYPE_INTERFACE) &&
               gql_type_implements(bt, st);
    }
    return false;
}

struct gql_type *const *gql_schema_types(const struct gql_schema *s, size_t *out_count)
{
    *out_count = s->type_list.count;
    return s->type_list.items;
}

struct gql_directive_def *const *gql_schema_directives(const struct gql_schema *s,
                                                       size_t *out_count)
{
    *out_count = s->directive_list.count;
    return s->directive_list.items;
}

struct str gql_schema_description(const struct gql_schema *s)
{
    return s->description;
}

/* ------------------------------------------------------------------ validation */

static struct gql_loc type_loc(const struct gql_type *t)
{
    return t->node != NULL ? t->node->loc : no_loc();
}

/* graphql-js 17's validateDefaultValue (16 silently drops an invalid default): a default
 * value must be valid for its type. owner is printed the graphql-js way ("Query.f(a:)"). */
static void check_default(struct builder *b, const struct gql_input_value *iv, struct str owner)
{
    if (iv->default_value == NULL || iv->type == NULL ||
        !gql_type_is_input(gql_ref_named(iv->type))) {
        return;
    }
    struct str prefix =
        arena_printf(b->s->arena, "%.*s has invalid default value: ", STR_FMT(owner));
    size_t before = b->errs->count;
    if (gql_check_literal(b->s->arena, b->s, iv->default_value, iv->type, prefix, b->errs) > 0) {
        b->rc = RC_INVAL;
    }
    for (size_t i = before; i < b->errs->count; i++) {
        b->errs->items[i].code = STR("GRAPHQL_SDL_ERROR");
    }
}

static void validate_args(struct builder *b, const struct gql_type *t, const struct gql_field *f)
{
    for (size_t a = 0; a < f->arg_count; a++) {
        const struct gql_input_value *arg = &f->args[a];
        check_name(b, arg->name, arg->node->loc, t->builtin);
        if (arg->type == NULL) {
            continue;
        }
        if (!gql_type_is_input(gql_ref_named(arg->type))) {
            struct str ts = gql_ref_print(b->s->arena, arg->type);
            berr(b, arg->node->type->loc, no_loc(),
                 "The type of %.*s.%.*s(%.*s:) must be Input Type but got: %.*s.", STR_FMT(t->name),
                 STR_FMT(f->name), STR_FMT(arg->name), STR_FMT(ts));
        }
        if (arg->type->kind == GQL_REF_NON_NULL && arg->default_value == NULL && arg->deprecated) {
            berr(b, arg->node->loc, no_loc(),
                 "Required argument %.*s.%.*s(%.*s:) cannot be "
                 "deprecated.",
                 STR_FMT(t->name), STR_FMT(f->name), STR_FMT(arg->name));
        }
        check_default(b, arg,
                      arena_printf(b->s->arena, "%.*s.%.*s(%.*s:)", STR_FMT(t->name),
                                   STR_FMT(f->name), STR_FMT(arg->name)));
    }
}

static const struct gql_input_value *find_field_arg(const struct gql_field *f, struct str name)
{
    for (size_t c = 0; c < f->arg_count; c++) {
        if (str_eq(f->args[c].name, name)) {
            return &f->args[c];
        }
    }
    return NULL;
}

/* The interface field's arguments must exist on the object's field with the same types. */
static void validate_impl_args(struct builder *b, const struct gql_type *t,
                               const struct gql_field *f, const struct gql_type *it,
                               const struct gql_field *ifld)
{
    for (size_t a = 0; a < ifld->arg_count; a++) {
        const struct gql_input_value *ia = &ifld->args[a];
        const struct gql_input_value *fa = find_field_arg(f, ia->name);
        if (fa == NULL) {
            berr(b, ia->node->loc, f->node->loc,
                 "Interface field argument %.*s.%.*s(%.*s:) expected but %.*s.%.*s does not "
                 "provide it.",
                 STR_FMT(it->name), STR_FMT(ifld->name), STR_FMT(ia->name), STR_FMT(t->name),
                 STR_FMT(f->name));
        } else if (fa->type != NULL && ia->type != NULL && !gql_ref_equal(fa->type, ia->type)) {
            struct str want = gql_ref_print(b->s->arena, ia->type);
            struct str got = gql_ref_print(b->s->arena, fa->type);
            berr(b, ia->node->type->loc, fa->node->type->loc,
                 "Interface field argument %.*s.%.*s(%.*s:) expects type %.*s but "
                 "%.*s.%.*s(%.*s:) is type %.*s.",
                 STR_FMT(it->name), STR_FMT(ifld->name), STR_FMT(ia->name), STR_FMT(want),
                 STR_FMT(t->name), STR_FMT(f->name), STR_FMT(fa->name), STR_FMT(got));
        }
    }
    for (size_t c = 0; c < f->arg_count; c++) {
        const struct gql_input_value *fa = &f->args[c];
        bool required =
            fa->type != NULL && fa->type->kind == GQL_REF_NON_NULL && fa->default_value == NULL;
        if (required && find_field_arg(ifld, fa->name) == NULL) {
            berr(b, fa->node->loc, ifld->node->loc,
                 "Object field %.*s.%.*s includes required argument %.*s that is missing "
                 "from the Interface field %.*s.%.*s.",
                 STR_FMT(t->name), STR_FMT(f->name), STR_FMT(fa->name), STR_FMT(it->name),
                 STR_FMT(ifld->name));
        }
    }
}

static void validate_impl_field(struct builder *b, const struct gql_type *t,
                                const struct gql_type *it, const struct gql_field *ifld)
{
    const struct gql_field *f = gql_type_find_field(t, ifld->name);
    if (f == NULL) {
        berr(b, ifld->node->loc, type_loc(t),
             "Interface field %.*s.%.*s expected but %.*s does not provide it.", STR_FMT(it->name),
             STR_FMT(ifld->name), STR_FMT(t->name));
        return;
    }
    if (f->type == NULL || ifld->type == NULL) {
        return;
    }
    if (!gql_ref_is_subtype(f->type, ifld->type)) {
        struct str want = gql_ref_print(b->s->arena, ifld->type);
        struct str got = gql_ref_print(b->s->arena, f->type);
        berr(b, ifld->node->type->loc, f->node->type->loc,
             "Interface field %.*s.%.*s expects type %.*s but %.*s.%.*s is type %.*s.",
             STR_FMT(it->name), STR_FMT(ifld->name), STR_FMT(want), STR_FMT(t->name),
             STR_FMT(f->name), STR_FMT(got));
    }
    validate_impl_args(b, t, f, it, ifld);
}

static void validate_implementation(struct builder *b, const struct gql_type *t,
                                    const struct gql_type *it)
{
    for (size_t j = 0; j < it->interface_count; j++) {
        if (!gql_type_implements(t, it->interfaces[j]) && it->interfaces[j] != t) {
            berr(b, type_loc(t), no_loc(),
                 "Type %.*s must implement %.*s because it is implemented by %.*s.",
                 STR_FMT(t->name), STR_FMT(it->interfaces[j]->name), STR_FMT(it->name));
        }
    }
    for (size_t i = 0; i < it->field_count; i++) {
        validate_impl_field(b, t, it, &it->fields[i]);
    }
}

static void validate_fields(struct builder *b, const struct gql_type *t)
{
    if (t->field_count == 0) {
        berr(b, type_loc(t), no_loc(), "Type %.*s must define one or more fields.",
             STR_FMT(t->name));
    }
    for (size_t i = 0; i < t->field_count; i++) {
        const struct gql_field *f = &t->fields[i];
        check_name(b, f->name, f->node->loc, t->builtin);
        if (f->type != NULL && !gql_type_is_output(gql_ref_named(f->type))) {
            struct str ts = gql_ref_print(b->s->arena, f->type);
            berr(b, f->node->type->loc, no_loc(),
                 "The type of %.*s.%.*s must be Output Type but got: %.*s.", STR_FMT(t->name),
                 STR_FMT(f->name), STR_FMT(ts));
        }
        validate_args(b, t, f);
    }
    for (size_t j = 0; j < t->interface_count; j++) {
        validate_implementation(b, t, t->interfaces[j]);
    }
}

/* Input objects must not reference themselves through non-null fields only (spec 3.10.1). */
static void check_input_cycle(struct builder *b, const struct gql_type *root,
                              const struct gql_type *t, const struct gql_input_value **path,
                              size_t depth)
{
    if (depth >= 32) {
        return;
    }
    for (size_t i = 0; i < t->input_field_count; i++) {
        const struct gql_input_value *f = &t->input_fields[i];
        if (f->type == NULL || f->type->kind != GQL_REF_NON_NULL ||
            f->type->of->kind != GQL_REF_NAMED ||
            f->type->of->named->kind != GQL_TYPE_INPUT_OBJECT) {
            continue;
        }
        path[depth] = f;
        const struct gql_type *next = f->type->of->named;
        if (next == root) {
            char buf[512];
            size_t len = 0;
            for (size_t k = 0; k <= depth && len < sizeof(buf) - 1; k++) {
                int w = snprintf(buf + len, sizeof(buf) - len, "%s%.*s", k ? "." : "",
                                 STR_FMT(path[k]->name));
                len += w > 0 ? (size_t)w : 0;
            }
            berr(b, path[0]->node->loc, no_loc(),
                 "Cannot reference Input Object \"%.*s\" within itself through a series of "
                 "non-null fields: \"%s\".",
                 STR_FMT(root->name), buf);
            return;
        }
        if (next->name.ptr < root->name.ptr && depth == 0) {
            continue;
        }
        check_input_cycle(b, root, next, path, depth + 1);
    }
}

static void validate_input_object(struct builder *b, const struct gql_type *t)
{
    if (t->input_field_count == 0) {
        berr(b, type_loc(t), no_loc(), "Input Object type %.*s must define one or more fields.",
             STR_FMT(t->name));
    }
    for (size_t i = 0; i < t->input_field_count; i++) {
        const struct gql_input_value *f = &t->input_fields[i];
        check_name(b, f->name, f->node->loc, t->builtin);
        if (f->type == NULL) {
            continue;
        }
        if (!gql_type_is_input(gql_ref_named(f->type))) {
            struct str ts = gql_ref_print(b->s->arena, f->type);
            berr(b, f->node->type->loc, no_loc(),
                 "The type of %.*s.%.*s must be Input Type but got: %.*s.", STR_FMT(t->name),
                 STR_FMT(f->name), STR_FMT(ts));
        }
        if (f->type->kind == GQL_REF_NON_NULL && f->default_value == NULL && f->deprecated) {
            berr(b, f->node->loc, no_loc(),
                 "Required input field %.*s.%.*s cannot be "
                 "deprecated.",
                 STR_FMT(t->name), STR_FMT(f->name));
        }
        if (t->one_of && f->type->kind == GQL_REF_NON_NULL) {
            berr(b, f->node->loc, no_loc(), "OneOf input field %.*s.%.*s must be nullable.",
                 STR_FMT(t->name), STR_FMT(f->name));
        }
        if (t->one_of && f->default_value != NULL) {
            berr(b, f->node->loc, no_loc(),
                 "OneOf input field %.*s.%.*s cannot have a default value.", STR_FMT(t->name),
                 STR_FMT(f->name));
        }
        check_default(b, f,
                      arena_printf(b->s->arena, "%.*s.%.*s", STR_FMT(t->name), STR_FMT(f->name)));
    }
    const struct gql_input_value *path[32];
    check_input_cycle(b, t, t, path, 0);
}

static void validate_type(struct builder *b, const struct gql_type *t)
{
    check_name(b, t->name, type_loc(t), t->builtin);
    switch (t->kind) {
    case GQL_TYPE_OBJECT:
    case GQL_TYPE_INTERFACE:
        validate_fields(b, t);
        break;
    case GQL_TYPE_UNION:
        if (t->possible_count == 0) {
            berr(b, type_loc(t), no_loc(),
                 "Union type %.*s must define one or more member "
                 "types.",
                 STR_FMT(t->name));
        }
        break;
    case GQL_TYPE_ENUM:
        if (t->value_count == 0) {
            berr(b, type_loc(t), no_loc(), "Enum type %.*s must define one or more values.",
                 STR_FMT(t->name));
        }
        for (size_t i = 0; i < t->value_count; i++) {
            check_name(b, t->values[i].name, t->values[i].node->loc, t->builtin);
        }
        break;
    case GQL_TYPE_INPUT_OBJECT:
        validate_input_object(b, t);
        break;
    case GQL_TYPE_SCALAR:
        break;
    }
}

/* graphql-js getArgumentValues, which buildASTSchema runs on @deprecated and @specifiedBy (it
 * throws its first error); Kiln checks every directive of the SDL alike. */
static void check_directive_values(struct builder *b, const struct gql_list *dirs)
{
    for (size_t i = 0; i < dirs->count; i++) {
        const struct gql_node *d = dirs->items[i];
        const struct gql_directive_def *dd = map_find(b->s->directives, d->name);
        for (size_t k = 0; dd != NULL && k < d->args.count; k++) {
            const struct gql_node *arg = d->args.items[k];
            const struct gql_input_value *def = NULL;
            for (size_t m = 0; m < dd->arg_count && def == NULL; m++) {
                def = str_eq(dd->args[m].name, arg->name) ? &dd->args[m] : NULL;
            }
            if (def == NULL || def->type == NULL) {
                continue;
            }
            if (def->type->kind == GQL_REF_NON_NULL && arg->value->kind == GQL_NULL) {
                struct str ts = gql_ref_print(b->s->arena, def->type);
                berr(b, arg->value->loc, no_loc(),
                     "Argument \"%.*s\" of non-null type \"%.*s\" must not be null.",
                     STR_FMT(arg->name), STR_FMT(ts));
            } else if (gql_check_literal(b->s->arena, b->s, arg->value, def->type, STR_NULL, NULL) >
                       0) {
                struct str printed = gql_print_value(b->s->arena, arg->value);
                berr(b, arg->value->loc, no_loc(), "Argument \"%.*s\" has invalid value %.*s.",
                     STR_FMT(arg->name), STR_FMT(printed));
            }
        }
    }
}

/* The directives of one SDL definition and of its fields, arguments, values, input fields. */
static void check_definition_directive_values(struct builder *b, const struct gql_node *d)
{
    check_directive_values(b, &d->directives);
    for (size_t i = 0; i < d->args.count; i++) {
        check_directive_values(b, &d->args.items[i]->directives);
    }
    for (size_t i = 0; d->kind != GQL_DIRECTIVE_DEF && i < d->children.count; i++) {
        check_definition_directive_values(b, d->children.items[i]);
    }
}

/* validateSDL's UniqueArgumentDefinitionNames on a directive definition. */
static void check_unique_directive_arg_defs(struct builder *b, const struct gql_directive_def *d)
{
    for (size_t a = 0; a < d->arg_count; a++) {
        for (size_t c = 0; c < a; c++) {
            if (str_eq(d->args[a].name, d->args[c].name)) {
                serr(b, d->args[c].node->loc, d->args[a].node->loc,
                     "Argument \"@%.*s(%.*s:)\" can only be defined once.", STR_FMT(d->name),
                     STR_FMT(d->args[a].name));
                break;
            }
        }
    }
}

static void build_directive_args(struct builder *b)
{
    for (size_t i = 0; i < b->s->directive_list.count; i++) {
        struct gql_directive_def *d = b->s->directive_list.items[i];
        d->args = arena_calloc(b->s->arena, d->node->args.count + 1, sizeof(*d->args));
        d->arg_count = d->node->args.count;
        build_input_values(b, &d->node->args, d->args, GQL_LOC_ARGUMENT_DEFINITION);
        check_unique_directive_arg_defs(b, d);
        for (size_t a = 0; a < d->arg_count; a++) {
            if (d->args[a].type != NULL && !gql_type_is_input(gql_ref_named(d->args[a].type))) {
                struct str ts = gql_ref_print(b->s->arena, d->args[a].type);
                berr(b, d->args[a].node->loc, no_loc(),
                     "The type of @%.*s(%.*s:) must be Input Type but got: %.*s.", STR_FMT(d->name),
                     STR_FMT(d->args[a].name), STR_FMT(ts));
            }
        }
    }
}

static struct gql_type_ref *make_ref(struct gql_schema *s, const char *name, bool non_null)
{
    struct gql_type_ref *r = arena_calloc(s->arena, 1, sizeof(*r));
    r->kind = GQL_REF_NAMED;
    r->named = map_find(s->types, str_from_cstr(name));
    if (!non_null) {
        return r;
    }
    struct gql_type_ref *nn = arena_calloc(s->arena, 1, sizeof(*nn));
    nn->kind = GQL_REF_NON_NULL;
    nn->of = r;
    return nn;
}

static bool refs_type(const struct gql_type_ref *r, const struct gql_type *sc)
{
    return r != NULL && gql_ref_named(r) == sc;
}

static bool values_use(const struct gql_input_value *v, size_t n, const struct gql_type *sc)
{
    for (size_t i = 0; i < n; i++) {
        if (refs_type(v[i].type, sc)) {
            return true;
        }
    }
    return false;
}

/* Whether any field, argument, input field or directive argument refers to sc. */
static bool scalar_used(const struct gql_schema *s, const struct gql_type *sc)
{
    for (size_t i = 0; i < s->type_list.count; i++) {
        const struct gql_type *t = s->type_list.items[i];
        for (size_t f = 0; f < t->field_count; f++) {
            if (refs_type(t->fields[f].type, sc) ||
                values_use(t->fields[f].args, t->fields[f].arg_count, sc)) {
                return true;
            }
        }
        if (values_use(t->input_fields, t->input_field_count, sc)) {
            return true;
        }
    }
    for (size_t i = 0; i < s->directive_list.count; i++) {
        const struct gql_directive_def *d = s->directive_list.items[i];
        if (values_use(d->args, d->arg_count, sc)) {
            return true;
        }
    }
    return false;
}

/* The introspection meta-fields (spec 4.2) and the built-in scalars nobody references:
 * graphql-js leaves those out of a schema's types, so do we. */
static void finish_builtins(struct gql_schema *s)
{
    s->meta[0] = (struct gql_field){ .name = STR("__typename"),
                                     .description = STR("The name of the current Object type at "
                                                        "runtime."),
                                     .type = make_ref(s, "String", true) };
    s->meta[1] = (struct gql_field){ .name = STR("__schema"),
                                     .description = STR("Access the current type schema of this "
                                                        "server."),
                                     .type = make_ref(s, "__Schema", true) };
    struct gql_input_value *name_arg = arena_calloc(s->arena, 1, sizeof(*name_arg));
    name_arg->name = STR("name");
    name_arg->type = make_ref(s, "String", true);
    s->meta[2] = (struct gql_field){ .name = STR("__type"),
                                     .description = STR("Request the type information of a "
                                                        "single type."),
                                     .type = make_ref(s, "__Type", false),
                                     .args = name_arg,
                                     .arg_count = 1 };
    static const char *const optional[] = { "Int", "Float", "ID" };
    for (size_t k = 0; k < ARRAY_LEN(optional); k++) {
        struct gql_type *sc = map_find(s->types, str_from_cstr(optional[k]));
        sc->hidden = !scalar_used(s, sc);
    }
}

/* On a directive definition the node's flag means "repeatable", elsewhere "extend". */
static bool is_extension(const struct gql_node *d)
{
    return d->kind != GQL_DIRECTIVE_DEF && d->flag;
}

/* graphql-js collectReferencedTypes: append t and, depth first, what it references. */
static void collect_referenced(struct gql_schema *s, struct gql_type *t, struct gql_type **out,
                               size_t *n)
{
    if (t->mark) {
        return;
    }
    t->mark = true;
    out[(*n)++] = t;
    for (size_t i = 0; t->kind == GQL_TYPE_UNION && i < t->possible_count; i++) {
        collect_referenced(s, t->possible[i], out, n);
    }
    for (size_t i = 0; i < t->interface_count; i++) {
        collect_referenced(s, t->interfaces[i], out, n);
    }
    for (size_t i = 0; i < t->field_count; i++) {
        collect_referenced(s, gql_ref_named(t->fields[i].type), out, n);
        for (size_t a = 0; a < t->fields[i].arg_count; a++) {
            collect_referenced(s, gql_ref_named(t->fields[i].args[a].type), out, n);
        }
    }
    for (size_t i = 0; i < t->input_field_count; i++) {
        collect_referenced(s, gql_ref_named(t->input_fields[i].type), out, n);
    }
}

/*
 * Order types and directives as graphql-js's schema does (its type map and directive list):
 * each defined type in document order followed by the built-in scalars it first references,
 * then what directive arguments reference, then the introspection types from __Schema; user
 * directives before the specified ones. Introspection and SDL printing follow this order.
 */
static void order_like_graphql_js(struct gql_schema *s)
{
    size_t count = s->type_list.count;
    struct gql_type **out = arena_calloc(s->arena, count + 1, sizeof(void *));
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        s->type_list.items[i]->mark = !s->type_list.items[i]->builtin;
    }
    for (size_t i = 0; i < count; i++) {
        struct gql_type *t = s->type_list.items[i];
        if (t->builtin) {
            continue;
        }
        t->mark = false;
        collect_referenced(s, t, out, &n);
    }
    struct gql_directive_def **dirs =
        arena_calloc(s->arena, s->directive_list.count + 1, sizeof(void *));
    size_t nd = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < s->directive_list.count; i++) {
            struct gql_directive_def *d = s->directive_list.items[i];
            if (d->builtin == (pass == 1)) {
                dirs[nd++] = d;
            }
        }
    }
    for (size_t i = 0; i < nd; i++) {
        s->directive_list.items[i] = dirs[i];
        for (size_t a = 0; a < dirs[i]->arg_count; a++) {
            collect_referenced(s, gql_ref_named(dirs[i]->args[a].type), out, &n);
        }
    }
    collect_referenced(s, map_find(s->types, STR("__Schema")), out, &n);
    for (size_t i = 0; i < count; i++) {
        struct gql_type *t = s->type_list.items[i];
        if (!t->mark) {
            out[n++] = t; /* unreferenced built-in scalars (hidden) */
        }
        t->mark = false;
    }
    ASSERT(n == count);
    memcpy(s->type_list.items, out, count * sizeof(void *));
}

/* graphql-js validates the SDL, then builds (a bad directive value throws there), then
 * validates the schema: each step only when the one before succeeded. */
static void check_built(struct builder *b)
{
    struct gql_schema *s = b->s;
    if (b->sdl_failed) {
        return;
    }
    size_t before_values = b->errs->count;
    for (size_t i = 0; i < s->defs.count; i++) {
        if (!s->def_builtin.items[i]) {
            check_definition_directive_values(b, s->defs.items[i]);
        }
    }
    if (b->errs->count != before_values) {
        return;
    }
    for (size_t i = 0; i < s->type_list.count; i++) {
        validate_type(b, s->type_list.items[i]);
    }
    for (size_t i = 0; i < s->directive_list.count; i++) {
        const struct gql_directive_def *d = s->directive_list.items[i];
        for (size_t a = 0; a < d->arg_count; a++) {
            check_default(
                b, &d->args[a],
                arena_printf(s->arena, "@%.*s(%.*s:)", STR_FMT(d->name), STR_FMT(d->args[a].name)));
        }
    }
}

int gql_schema_build(struct gql_schema *s, struct gql_errors *errs)
{
    struct builder b = { .s = s, .errs = errs, .rc = RC_OK };
    struct gql_list schema_nodes = { 0 };
    ASSERT(!s->built);
    for (size_t i = 0; i < s->defs.count; i++) {
        if (!is_extension(s->defs.items[i])) {
            collect_definition(&b, s->defs.items[i], s->def_builtin.items[i], &schema_nodes);
        }
    }
    for (size_t i = 0; i < s->defs.count; i++) {
        if (is_extension(s->defs.items[i])) {
            collect_extension(&b, s->defs.items[i], &schema_nodes);
        }
    }
    build_directive_args(&b);
    for (size_t i = 0; i < s->type_list.count; i++) {
        build_type(&b, s->type_list.items[i]);
    }
    build_roots(&b, &schema_nodes);
    link_possible_types(&b);
    check_built(&b);
    for (size_t i = 0; i < s->root_fields.count; i++) {
        struct root_field *rf = &s->root_fields.items[i];
        struct gql_type *root = map_find(s->types, str_from_cstr(root_names[rf->op]));
        struct gql_field *f = root != NULL ? gql_type_find_field(root, rf->name) : NULL;
        if (f != NULL) {
            f->resolve = rf->resolve;
            f->resolve_arg = rf->resolve_arg;
            f->subscribe = rf->subscribe;
            f->subscribe_arg = rf->subscribe_arg;
        }
    }
    if (b.rc == RC_OK) {
        finish_builtins(s);
        order_like_graphql_js(s);
    }
    s->built = b.rc == RC_OK;
    return b.rc;
}

int gql_schema_set_scalar(struct gql_schema *s, struct str name, const struct gql_scalar_ops *ops)
{
    struct gql_type *t = gql_schema_find_type(s, name);
    if (t == NULL || t->kind != GQL_TYPE_SCALAR || t->builtin) {
        return RC_NOTFOUND;
    }
    t->scalar_ops = ops;
    return RC_OK;
}
