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

static struct gql_value *types_list(struct arena *a, const struct gql_schema *s,
                                    struct gql_type *const *types, size_t count)
{
    struct gql_value *l = gql_value_list(a, count);
    for (size_t i = 0; i < count; i++) {
        l->list.items[i] = named_type_value(a, s, types[i]);
    }
    return l;
}

static struct gql_value *fields_list(struct arena *a, const struct gql_schema *s,
                                     const struct gql_type *t, bool all)
{
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

static struct gql_value *enum_values_list(struct arena *a, const struct gql_schema *s,
                                          const struct gql_type *t, bool all)
{
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

/* The list-valued fields of __Type (null when they do not apply to the type's kind). */
static struct gql_value *type_list_field(struct gql_resolve *r, const struct gql_schema *s,
                                         const struct gql_type *t, struct str name)
{
    struct arena *a = gql_resolve_arena(r);
    bool composite = t->kind == GQL_TYPE_OBJECT || t->kind == GQL_TYPE_INTERFACE;
    if (str_eq_cstr(name, "fields") && composite) {
        return fields_list(a, s, t, include_deprecated(r));
    }
    if (str_eq_cstr(name, "interfaces") && composite) {
        return types_list(a, s, t->interfaces, t->interface_count);
    }
    if (str_eq_cstr(name, "possibleTypes") && gql_type_is_abstract(t)) {
        return types_list(a, s, t->possible, t->possible_count);
    }
    if (str_eq_cstr(name, "enumValues") && t->kind == GQL_TYPE_ENUM) {
        return enum_values_list(a, s, t, include_deprecated(r));
    }
    if (str_eq_cstr(name, "inputFields") && t->kind == GQL_TYPE_INPUT_OBJECT) {
        return input_list(a, s, t->input_fields, t->input_field_count, include_deprecated(r));
    }
    return gql_value_null(a);
}

static struct gql_value *type_field(struct gql_resolve *r, const struct ival *iv, struct str name)
{
    static const char *const kinds[] = { "SCALAR", "OBJECT", "INTERFACE",
                                         "UNION",  "ENUM",   "INPUT_OBJECT" };
    struct arena *a = gql_resolve_arena(r);
    const struct gql_type_ref *ref = iv->ref;
    if (ref->kind != GQL_REF_NAMED) {
        if (str_eq_cstr(name, "kind")) {
            return gql_value_string(a, ref->kind == GQL_REF_LIST ? STR("LIST") : STR("NON_NULL"));
        }
        return str_eq_cstr(name, "ofType") ? type_value(a, iv->s, ref->of) : gql_value_null(a);
    }
    const struct gql_type *t = ref->named;
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
    return type_list_field(r, iv->s, t, name);
}

static struct gql_value *deprecation(struct arena *a, struct str name, bool dep, struct str why)
{
    if (str_eq_cstr(name, "isDeprecated")) {
        return gql_value_bool(a, dep);
    }
    return dep ? opt_string(a, why) : gql_value_null(a);
}

/* The name, description and deprecation fields every member kind has. */
struct member_common {
    struct str name;
    struct str description;
    bool deprecated;
    struct str reason;
};

static struct gql_value *common_field(struct arena *a, const struct member_common *m,
                                      struct str name, bool *out_found)
{
    *out_found = true;
    if (str_eq_cstr(name, "name")) {
        return gql_value_string(a, m->name);
    }
    if (str_eq_cstr(name, "description")) {
        return opt_string(a, m->description);
    }
    if (str_eq_cstr(name, "isDeprecated") || str_eq_cstr(name, "deprecationReason")) {
        return deprecation(a, name, m->deprecated, m->reason);
    }
    *out_found = false;
    return NULL;
}

static struct gql_value *locations_list(struct arena *a, const struct gql_directive_def *d)
{
    struct gql_value *l = gql_value_list(a, d->location_count);
    for (size_t k = 0; k < d->location_count; k++) {
        l->list.items[k] =
            gql_value_string(a, str_from_cstr(gql_dir_loc_names[d->location_order[k]]));
    }
    return l;
}

/* The fields specific to each member kind (args, type, defaultValue, ...). */
static struct gql_value *specific_field(struct gql_resolve *r, const struct ival *iv,
                                        struct str name)
{
    struct arena *a = gql_resolve_arena(r);
    const struct gql_schema *s = iv->s;
    bool args = str_eq_cstr(name, "args");
    bool type = str_eq_cstr(name, "type");
    if (iv->kind == IV_FIELD && (args || type)) {
        return args ? input_list(a, s, iv->field->args, iv->field->arg_count, include_deprecated(r))
                    : type_value(a, s, iv->field->type);
    }
    if (iv->kind == IV_INPUT && type) {
        return type_value(a, s, iv->input->type);
    }
    if (iv->kind == IV_INPUT && str_eq_cstr(name, "defaultValue") &&
        iv->input->default_value != NULL) {
        return gql_value_string(a, gql_print_default(a, iv->input->default_value, iv->input->type));
    }
    if (iv->kind == IV_DIRECTIVE && args) {
        return input_list(a, s, iv->dir->args, iv->dir->arg_count, include_deprecated(r));
    }
    if (iv->kind == IV_DIRECTIVE && str_eq_cstr(name, "isRepeatable")) {
        return gql_value_bool(a, iv->dir->repeatable);
    }
    if (iv->kind == IV_DIRECTIVE && str_eq_cstr(name, "locations")) {
        return locations_list(a, iv->dir);
    }
    return gql_value_null(a);
}

static struct gql_value *member_field(struct gql_resolve *r, const struct ival *iv, struct str name)
{
    struct member_common m = { 0 };
    switch (iv->kind) {
    case IV_FIELD:
        m = (struct member_common){ iv->field->name, iv->field->description, iv->field->deprecated,
                                    iv->field->deprecation_reason };
        break;
    case IV_INPUT:
        m = (struct member_common){ iv->input->name, iv->input->description, iv->input->deprecated,
                                    iv->input->deprecation_reason };
        break;
    case IV_ENUM_VALUE:
        m = (struct member_common){ iv->ev->name, iv->ev->description, iv->ev->deprecated,
                                    iv->ev->deprecation_reason };
        break;
    case IV_DIRECTIVE:
        m = (struct member_common){ iv->dir->name, iv->dir->description, iv->dir->deprecated,
                                    iv->dir->deprecation_reason };
        break;
    default:
        return gql_value_null(gql_resolve_arena(r));
    }
    bool found = false;
    struct gql_value *v = common_field(gql_resolve_arena(r), &m, name, &found);
    return found ? v : specific_field(r, iv, name);
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
