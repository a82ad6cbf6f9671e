/* SPDX-License-Identifier: MIT */
/*
 * GraphQL runtime values: constructors and the JSON conversion. All values live in the
 * arena of the execution (or of the resolver's caller).
 * Thread contract: one thread at a time.
 */
#include <stdlib.h>

#include "base/arena.h"
#include "base/json.h"
#include "base/rc.h"
#include "gql/gql_internal.h"

static struct gql_value *make(struct arena *a, enum gql_value_kind kind)
{
    struct gql_value *v = arena_calloc(a, 1, sizeof(*v));
    v->kind = kind;
    return v;
}

struct gql_value *gql_value_null(struct arena *a)
{
    return make(a, GQL_VAL_NULL);
}

struct gql_value *gql_value_bool(struct arena *a, bool b)
{
    struct gql_value *v = make(a, GQL_VAL_BOOL);
    v->b = b;
    return v;
}

struct gql_value *gql_value_int(struct arena *a, int64_t i)
{
    struct gql_value *v = make(a, GQL_VAL_INT);
    v->i = i;
    return v;
}

struct gql_value *gql_value_float(struct arena *a, double f)
{
    struct gql_value *v = make(a, GQL_VAL_FLOAT);
    v->f = f;
    return v;
}

struct gql_value *gql_value_string(struct arena *a, struct str s)
{
    struct gql_value *v = make(a, GQL_VAL_STRING);
    v->s = arena_strdup(a, s);
    return v;
}

struct gql_value *gql_value_list(struct arena *a, size_t count)
{
    struct gql_value *v = make(a, GQL_VAL_LIST);
    v->list.items = arena_calloc(a, count + 1, sizeof(void *));
    v->list.count = count;
    return v;
}

struct gql_value *gql_value_object(struct arena *a, size_t count)
{
    struct gql_value *v = make(a, GQL_VAL_OBJECT);
    v->obj.members = arena_calloc(a, count + 1, sizeof(*v->obj.members));
    v->obj.count = count;
    return v;
}

struct gql_value *gql_value_host(struct arena *a, void *ptr, const struct gql_host_ops *ops)
{
    struct gql_value *v = make(a, GQL_VAL_HOST);
    v->host.ptr = ptr;
    v->host.ops = ops;
    return v;
}

struct gql_value *gql_value_get(const struct gql_value *obj, struct str key)
{
    if (obj == NULL || obj->kind != GQL_VAL_OBJECT) {
        return NULL;
    }
    for (size_t i = obj->obj.count; i > 0; i--) {
        if (str_eq(obj->obj.members[i - 1].key, key)) {
            return obj->obj.members[i - 1].value;
        }
    }
    return NULL;
}

struct gql_value *gql_value_from_json(struct arena *a, const struct json_value *j)
{
    switch (j->type) {
    case JSON_NULL:
        return gql_value_null(a);
    case JSON_FALSE:
    case JSON_TRUE:
        return gql_value_bool(a, j->type == JSON_TRUE);
    case JSON_NUMBER: {
        int64_t i = 0;
        if (str_to_i64(j->num_text, &i) == RC_OK) {
            return gql_value_int(a, i);
        }
        return gql_value_float(a, j->num);
    }
    case JSON_STRING: {
        struct gql_value *v = make(a, GQL_VAL_STRING);
        v->s = j->str;
        return v;
    }
    case JSON_ARRAY: {
        struct gql_value *v = gql_value_list(a, j->arr.count);
        for (size_t i = 0; i < j->arr.count; i++) {
            v->list.items[i] = gql_value_from_json(a, j->arr.items[i]);
        }
        return v;
    }
    case JSON_OBJECT: {
        struct gql_value *v = gql_value_object(a, j->obj.count);
        for (size_t i = 0; i < j->obj.count; i++) {
            v->obj.members[i].key = j->obj.members[i].key;
            v->obj.members[i].value = gql_value_from_json(a, j->obj.members[i].value);
        }
        return v;
    }
    }
    return gql_value_null(a);
}

struct gql_value *gql_value_from_literal(struct arena *a, const struct gql_node *n)
{
    switch (n->kind) {
    case GQL_INT: {
        int64_t i = 0;
        if (str_to_i64(n->text, &i) == RC_OK) {
            return gql_value_int(a, i);
        }
        return gql_value_float(a, strtod(arena_cstr(a, n->text), NULL));
    }
    case GQL_FLOAT:
        return gql_value_float(a, strtod(arena_cstr(a, n->text), NULL));
    case GQL_STRING:
    case GQL_ENUM:
        return gql_value_string(a, n->text);
    case GQL_BOOLEAN:
        return gql_value_bool(a, n->flag);
    case GQL_LIST: {
        struct gql_value *l = gql_value_list(a, n->children.count);
        for (size_t i = 0; i < n->children.count; i++) {
            l->list.items[i] = gql_value_from_literal(a, n->children.items[i]);
        }
        return l;
    }
    case GQL_OBJECT: {
        struct gql_value *o = gql_value_object(a, n->children.count);
        for (size_t i = 0; i < n->children.count; i++) {
            o->obj.members[i].key = n->children.items[i]->name;
            o->obj.members[i].value = gql_value_from_literal(a, n->children.items[i]->value);
        }
        return o;
    }
    default:
        return gql_value_null(a);
    }
}
