/* SPDX-License-Identifier: MIT */
/*
 * Abuse limits checked before execution (spec/30-graphql.md section 8): selection depth,
 * fields and aliases of one operation after fragment expansion. The walk stops as soon as a
 * limit is passed, so its cost is bounded by the limits, not by the document (a fragment
 * spread many times is counted every time, as execution would pay for it).
 * Thread contract: any thread; reads the document only.
 */
#include "base/rc.h"
#include "gql/gql_internal.h"

struct lwalk {
    const struct gql_document *doc;
    size_t max_depth;
    size_t max_fields;
    size_t max_aliases;
    size_t fields;
    size_t aliases;
    size_t deepest;
    size_t visits;
    bool over;
};

static const struct gql_node *fragment(const struct gql_document *doc, struct str name)
{
    for (size_t i = 0; i < doc->root->children.count; i++) {
        const struct gql_node *d = doc->root->children.items[i];
        if (d->kind == GQL_FRAGMENT_DEF && str_eq(d->name, name)) {
            return d;
        }
    }
    return NULL;
}

static void walk(struct lwalk *w, const struct gql_node *owner, size_t depth)
{
    for (size_t i = 0; i < owner->children.count && !w->over; i++) {
        const struct gql_node *sel = owner->children.items[i];
        if (++w->visits > 4 * (w->max_fields + 1)) {
            w->over = true;
            w->fields = w->max_fields + 1;
            return;
        }
        if (sel->kind == GQL_FIELD) {
            w->fields++;
            w->aliases += sel->alias.len > 0;
            if (depth + 1 > w->deepest) {
                w->deepest = depth + 1;
            }
            if (w->fields > w->max_fields || w->aliases > w->max_aliases ||
                w->deepest > w->max_depth) {
                w->over = true;
                return;
            }
            walk(w, sel, depth + 1);
        } else if (sel->kind == GQL_INLINE_FRAGMENT) {
            walk(w, sel, depth);
        } else {
            const struct gql_node *f = fragment(w->doc, sel->name);
            if (f != NULL) {
                walk(w, f, depth);
            }
        }
    }
}

int gql_check_limits(const struct gql_document *doc, const struct gql_node *op,
                     const struct gql_limits *lim, struct gql_errors *errs)
{
    struct gql_limits defaults;
    gql_limits_default(&defaults);
    struct lwalk w = {
        .doc = doc,
        .max_depth = lim != NULL && lim->max_depth != 0 ? lim->max_depth : defaults.max_depth,
        .max_fields = lim != NULL && lim->max_fields != 0 ? lim->max_fields : defaults.max_fields,
        .max_aliases =
            lim != NULL && lim->max_aliases != 0 ? lim->max_aliases : defaults.max_aliases,
    };
    walk(&w, op, 0);
    if (!w.over) {
        return RC_OK;
    }
    struct gql_error *e = NULL;
    if (w.deepest > w.max_depth) {
        e = gql_errors_add(errs, op->loc, (struct gql_loc){ 0 },
                           "Query depth exceeds the limit of %zu.", w.max_depth);
    } else if (w.aliases > w.max_aliases) {
        e = gql_errors_add(errs, op->loc, (struct gql_loc){ 0 },
                           "Query uses more than %zu aliases, the limit.", w.max_aliases);
    } else {
        e = gql_errors_add(errs, op->loc, (struct gql_loc){ 0 },
                           "Query selects more than %zu fields, the limit.", w.max_fields);
    }
    if (e != NULL) {
        e->code = STR("GRAPHQL_LIMIT");
    }
    return RC_LIMIT;
}
