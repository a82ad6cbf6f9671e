/* SPDX-License-Identifier: MIT */
/*
 * Introspection (spec section 4): the resolvers of __schema, __type and of the fields of the
 * introspection types. Schema objects are handed to the executor as GQL_VAL_HOST values
 * wrapping a struct ival (which schema object, and for __Type the wrapping List/NonNull
 * reference); every field below reads the built schema directly, no copies.
 * Thread contract: reads a built (immutable) schema; one execution per thread.
 */
#include <string.h>

#include "base/arena.h"
#include "gql/gql_internal.h"

enum ival_kind {
    IV_SCHEMA,
    IV_TYPE, /* ref (NAMED, LIST or NON_NULL) */
    IV_FIELD,
    IV_INPUT,
    IV_ENUM_VALUE,
    IV_DIRECTIVE,
};

struct ival {
    enum ival_kind kind;
    const struct gql_schema *s;
    const struct gql_type_ref *ref;
    const struct gql_field *field;
    const struct gql_input_value *input;
    const struct gql_enum_value *ev;
    const struct gql_directive_def *dir;
};

static struct gql_value *ival_get(void *host, struct str name, struct arena *a)
{
    (void)host;
    (void)name;
    return gql_value_null(a);
}

static struct str ival_type_name(void *host)
{
    static const char *const names[] = { "__Schema",     "__Type",      "__Field",
                                         "__InputValue", "__EnumValue", "__Directive" };
    const struct ival *iv = host;
    return str_from_cstr(names[iv->kind]);
}

static const struct gql_host_ops ival_ops = {
    .get = ival_get,
    .type_name = ival_type_name,
};

static struct gql_value *wrap(struct arena *a, struct ival iv)
{
    struct ival *p = arena_alloc(a, sizeof(*p));
    *p = iv;
    return gql_value_host(a, p, &ival_ops);
}

static struct gql_value *type_value(struct arena *a, const struct gql_schema *s,
                                    const struct gql_type_ref *ref)
{
    return wrap(a, (struct ival){ .kind = IV_TYPE, .s = s, .ref = ref });
}

static struct gql_value *named_type_value(struct arena *a, const struct gql_schema *s,
                                          const struct gql_type *t)
{
    struct gql_type_ref *r = arena_calloc(a, 1, sizeof(*r));
    r->kind = GQL_REF_NAMED;
    r->named = (struct gql_type *)t;
    return type_value(a, s, r);
}

static struct gql_value *opt_string(struct arena *a, struct str s)
{
    return s.ptr != NULL ? gql_value_string(a, s) : gql_value_null(a);
}

static bool include_deprecated(const struct gql_resolve *r)
{
    const struct gql_value *v = gql_resolve_arg(r, STR("includeDeprecated"));
    return v != NULL && v->kind == GQL_VAL_BOOL && v->b;
}

static struct gql_value *input_list(struct arena *a, const struct gql_schema *s,
                                    const struct gql_input_value *items, size_t count, bool all)
{
    struct gql_value *l = gql_value_list(a, count);
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        if (all || !items[i].deprecated) {
            l->list.items[n++] =
                wrap(a, (struct ival){ .kind = IV_INPUT, .s = s, .input = &items[i] });
        }
    }
    l->list.count = n;
    return l;
}

static struct gql_value *schema_field(struct gql_resolve *r, const struct ival *iv, struct str name)
{
    struct arena *a = gql_resolve_arena(r);
    const struct gql_schema *s = iv->s;
    if (str_eq_cstr(name, "description")) {
        return opt_string(a, gql_schema_description(s));
    }
    if (str_eq_cstr(name, "types")) {
        size_t count = 0;
        struct gql_type *const *types = gql_schema_types(s, &count);
        struct gql_value *l = gql_value_list(a, count);
        size_t n = 0;
        for (size_t i = 0; i < count; i++) {
            if (!types[i]->hidden) {
                l->list.items[n++] = named_type_value(a, s, types[i]);
            }
        }
        l->list.count = n;
        return l;
    }
    if (str_eq_cstr(name, "directives")) {
        size_t count = 0;
        struct gql_directive_def *const *dirs = gql_schema_directives(s, &count);
        bool all = include_deprecated(r);
        struct gql_value *l = gql_value_list(a, count);
        size_t n = 0;
        for (size_t i = 0; i < count; i++) {
            if (all || !dirs[i]->deprecated) {
                l->list.items[n++] =
                    wrap(a, (struct ival){ .kind = IV_DIRECTIVE, .s = s, .dir = dirs[i] });
            }
        }
        l->list.count = n;
        return l;
    }
    static const char *const roots[] = { "queryType", "mutationType", "subscriptionType" };
    for (int op = 0; op < 3; op++) {
        if (str_eq_cstr(name, roots[op])) {
            const struct gql_type *t = gql_schema_root(s, (enum gql_op)op);
            return t != NULL ? named_type_value(a, s, t) : gql_value_null(a);
        }
    }
    return gql_value_null(a);
}

static struct gql_value *type_field(struct gql_resolve *r, const struct ival *iv, struct str name)
{
    static const char *const kinds[] = { "SCALAR", "OBJECT", "INTERFACE",
                                         "UNION",  "ENUM",   "INPUT_OBJECT" };
    struct arena *a = gql_resolve_arena(r);
    const struct gql_schema *s = iv->s;
    const struct gql_type_ref *ref = iv->ref;
    if (ref->kind != GQL_REF_NAMED) {
        if (str_eq_cstr(name, "kind")) {
            return gql_value_string(a, ref->kind == GQL_REF_LIST ? STR("LIST") : STR("NON_NULL"));
        }
        if (str_eq_cstr(name, "ofType")) {
            return type_value(a, s, ref->of);
        }
        return gql_value_null(a);
    }
    const struct gql_type *t = ref->named;
    bool all = include_deprecated(r);
    if (str_eq_cstr(name, "kind")) {
        return gql_value_string(a, str_from_cstr(kinds[t->kind]));
    }
    if (str_eq_cstr(name, "name")) {
        return gql_value_string(a, t->name);
    }
    if (str_eq_cstr(name, "description")) {
        return opt_string(a, t->description);
    }
    if (str_eq_cstr(name, "specifiedByURL")) {
        return opt_string(a, t->specified_by_url);
    }
    if (str_eq_cstr(name, "isOneOf")) {
        return t->kind == GQL_TYPE_INPUT_OBJECT ? gql_value_bool(a, t->one_of) : gql_value_null(a);
    }
    if (str_eq_cstr(name, "fields")) {
        if (t->kind != GQL_TYPE_OBJECT && t->kind != GQL_TYPE_INTERFACE) {
            return gql_value_null(a);
        }
        struct gql_value *l = gql_value_list(a, t->field_count);
        size_t n = 0;
        for (size_t i = 0; i < t->field_count; i++) {
            if (all || !t->fields[i].deprecated) {
                l->list.items[n++] =
                    wrap(a, (struct ival){ .kind = IV_FIELD, .s = s, .field = &t->fields[i] });
            }
        }
        l->list.count = n;
        return l;
    }
    if (str_eq_cstr(name, "interfaces")) {
        if (t->kind != GQL_TYPE_OBJECT && t->kind != GQL_TYPE_INTERFACE) {
            return gql_value_null(a);
        }
        struct gql_value *l = gql_value_list(a, t->interface_count);
        for (size_t i = 0; i < t->interface_count; i++) {
            l->list.items[i] = named_type_value(a, s, t->interfaces[i]);
        }
        return l;
    }
    if (str_eq_cstr(name, "possibleTypes")) {
        if (!gql_type_is_abstract(t)) {
            return gql_value_null(a);
        }
        struct gql_value *l = gql_value_list(a, t->possible_count);
        for (size_t i = 0; i < t->possible_count; i++) {
            l->list.items[i] = named_type_value(a, s, t->possible[i]);
        }
        return l;
    }
    if (str_eq_cstr(name, "enumValues")) {
        if (t->kind != GQL_TYPE_ENUM) {
            return gql_value_null(a);
        }
        struct gql_value *l = gql_value_list(a, t->value_count);
        size_t n = 0;
        for (size_t i = 0; i < t->value_count; i++) {
            if (all || !t->values[i].deprecated) {
                l->list.items[n++] =
                    wrap(a, (struct ival){ .kind = IV_ENUM_VALUE, .s = s, .ev = &t->values[i] });
            }
        }
        l->list.count = n;
        return l;
    }
    if (str_eq_cstr(name, "inputFields")) {
        if (t->kind != GQL_TYPE_INPUT_OBJECT) {
            return gql_value_null(a);
        }
        return input_list(a, s, t->input_fields, t->input_field_count, all);
    }
    return gql_value_null(a);
}

static struct gql_value *deprecation(struct arena *a, struct str name, bool dep, struct str why)
{
    if (str_eq_cstr(name, "isDeprecated")) {
        return gql_value_bool(a, dep);
    }
    return dep ? opt_string(a, why) : gql_value_null(a);
}

static struct gql_value *member_field(struct gql_resolve *r, const struct ival *iv, struct str name)
{
    struct arena *a = gql_resolve_arena(r);
    const struct gql_schema *s = iv->s;
    bool is_dep = str_eq_cstr(name, "isDeprecated") || str_eq_cstr(name, "deprecationReason");
    switch (iv->kind) {
    case IV_FIELD: {
        const struct gql_field *f = iv->field;
        if (str_eq_cstr(name, "name")) {
            return gql_value_string(a, f->name);
        }
        if (str_eq_cstr(name, "description")) {
            return opt_string(a, f->description);
        }
        if (str_eq_cstr(name, "args")) {
            return input_list(a, s, f->args, f->arg_count, include_deprecated(r));
        }
        if (str_eq_cstr(name, "type")) {
            return type_value(a, s, f->type);
        }
        return is_dep ? deprecation(a, name, f->deprecated, f->deprecation_reason)
                      : gql_value_null(a);
    }
    case IV_INPUT: {
        const struct gql_input_value *in = iv->input;
        if (str_eq_cstr(name, "name")) {
            return gql_value_string(a, in->name);
        }
        if (str_eq_cstr(name, "description")) {
            return opt_string(a, in->description);
        }
        if (str_eq_cstr(name, "type")) {
            return type_value(a, s, in->type);
        }
        if (str_eq_cstr(name, "defaultValue")) {
            return in->default_value != NULL
                       ? gql_value_string(a, gql_print_default(a, in->default_value, in->type))
                       : gql_value_null(a);
        }
        return is_dep ? deprecation(a, name, in->deprecated, in->deprecation_reason)
                      : gql_value_null(a);
    }
    case IV_ENUM_VALUE: {
        const struct gql_enum_value *ev = iv->ev;
        if (str_eq_cstr(name, "name")) {
            return gql_value_string(a, ev->name);
        }
        if (str_eq_cstr(name, "description")) {
            return opt_string(a, ev->description);
        }
        return is_dep ? deprecation(a, name, ev->deprecated, ev->deprecation_reason)
                      : gql_value_null(a);
    }
    case IV_DIRECTIVE: {
        const struct gql_directive_def *d = iv->dir;
        if (str_eq_cstr(name, "name")) {
            return gql_value_string(a, d->name);
        }
        if (str_eq_cstr(name, "description")) {
            return opt_string(a, d->description);
        }
        if (str_eq_cstr(name, "isRepeatable")) {
            return gql_value_bool(a, d->repeatable);
        }
        if (str_eq_cstr(name, "args")) {
            return input_list(a, s, d->args, d->arg_count, include_deprecated(r));
        }
        if (is_dep) {
            return deprecation(a, name, d->deprecated, d->deprecation_reason);
        }
        if (str_eq_cstr(name, "locations")) {
            struct gql_value *l = gql_value_list(a, d->location_count);
            for (size_t k = 0; k < d->location_count; k++) {
                l->list.items[k] =
                    gql_value_string(a, str_from_cstr(gql_dir_loc_names[d->location_order[k]]));
            }
            return l;
        }
        return gql_value_null(a);
    }
    default:
        return gql_value_null(a);
    }
}

static void intro_resolve(struct gql_resolve *r, void *arg)
{
    const struct gql_schema *s = arg;
    struct arena *a = gql_resolve_arena(r);
    struct str name = gql_resolve_field(r)->name;
    const struct gql_value *parent = gql_resolve_parent(r);
    if (str_eq_cstr(name, "__schema")) {
        gql_resolve_complete(r, wrap(a, (struct ival){ .kind = IV_SCHEMA, .s = s }));
        return;
    }
    if (str_eq_cstr(name, "__type")) {
        const struct gql_value *n = gql_resolve_arg(r, STR("name"));
        const struct gql_type *t =
            (n != NULL && n->kind == GQL_VAL_STRING) ? gql_schema_find_type(s, n->s) : NULL;
        gql_resolve_complete(r, t != NULL ? named_type_value(a, s, t) : gql_value_null(a));
        return;
    }
    if (parent == NULL || parent->kind != GQL_VAL_HOST || parent->host.ops != &ival_ops) {
        gql_resolve_complete(r, gql_value_null(a));
        return;
    }
    const struct ival *iv = parent->host.ptr;
    struct gql_value *v = NULL;
    if (iv->kind == IV_SCHEMA) {
        v = schema_field(r, iv, name);
    } else if (iv->kind == IV_TYPE) {
        v = type_field(r, iv, name);
    } else {
        v = member_field(r, iv, name);
    }
    gql_resolve_complete(r, v);
}

gql_resolver_fn *gql_introspection_resolver(const struct gql_schema *s, const struct gql_field *f,
                                            void **out_arg)
{
    (void)f;
    *out_arg = (void *)s;
    return intro_resolve;
}
