/* SPDX-License-Identifier: MIT */
/*
 * Printing a schema back as SDL, in graphql-js printSchema's layout (so tools that diff
 * schemas see the same text): schema definition only when the roots are not named
 * Query/Mutation/Subscription, then directives, then types in definition order; descriptions
 * as block strings; @deprecated, @specifiedBy and @oneOf reproduced.
 * Thread contract: reads a built schema; any thread.
 */
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "gql/gql_internal.h"

static void put(struct buf *b, const char *s)
{
    /* The output buffer's bound (64 MiB) is far above any schema a deploy accepts. */
    IGNORE_RC(buf_try_append_cstr(b, s));
}

static void put_str(struct buf *b, struct str s)
{
    IGNORE_RC(buf_try_append_str(b, s));
}

/* printString: a JSON-like quoted string. */
static void put_quoted(struct arena *a, struct buf *b, struct str s)
{
    struct gql_node n = { .kind = GQL_STRING, .text = s };
    put_str(b, gql_print_value(a, &n));
}

/* graphql-js printBlockString. */
/* The line shape of a description: how many lines, and whether every line after the first
 * is empty or starts with whitespace (graphql-js forces a leading newline then). */
static void scan_lines(struct str v, size_t *out_lines, bool *out_rest_indented)
{
    size_t lines = 1;
    bool rest_indented = true;
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] != '\n' && v.ptr[i] != '\r') {
            continue;
        }
        if (v.ptr[i] == '\r' && i + 1 < v.len && v.ptr[i + 1] == '\n') {
            i++;
        }
        lines++;
        bool empty = i + 1 >= v.len || v.ptr[i + 1] == '\n' || v.ptr[i + 1] == '\r';
        bool ws = i + 1 < v.len && (v.ptr[i + 1] == ' ' || v.ptr[i + 1] == '\t');
        rest_indented = rest_indented && (empty || ws);
    }
    *out_lines = lines;
    *out_rest_indented = rest_indented;
}

/* The body with every triple quote escaped. */
static void put_escaped_body(struct buf *b, struct str v)
{
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] == '"' && i + 2 < v.len && v.ptr[i + 1] == '"' && v.ptr[i + 2] == '"') {
            put(b, "\\\"\"\"");
            i += 2;
        } else {
            IGNORE_RC(buf_try_append_char(b, v.ptr[i]));
        }
    }
}

/* graphql-js printBlockString. */
static void put_block_string(struct buf *b, struct str v)
{
    size_t lines = 0;
    bool rest_indented = false;
    scan_lines(v, &lines, &rest_indented);
    bool single = lines == 1;
    bool force_leading = lines > 1 && rest_indented;
    bool trailing_triple = v.len >= 3 && memcmp(v.ptr + v.len - 3, "\"\"\"", 3) == 0;
    bool trailing_quote = v.len > 0 && v.ptr[v.len - 1] == '"' && !trailing_triple;
    bool trailing_slash = v.len > 0 && v.ptr[v.len - 1] == '\\';
    bool force_trailing = trailing_quote || trailing_slash;
    bool multi = !single || v.len > 70 || force_trailing || force_leading || trailing_triple;
    bool skip_leading = single && v.len > 0 && (v.ptr[0] == ' ' || v.ptr[0] == '\t');
    put(b, "\"\"\"");
    if ((multi && !skip_leading) || force_leading) {
        put(b, "\n");
    }
    put_escaped_body(b, v);
    if (multi || force_trailing) {
        put(b, "\n");
    }
    put(b, "\"\"\"");
}

/* Re-indent what was written after mark: every newline is followed by indent. */
static void indent_since(struct buf *b, size_t mark, const char *indent)
{
    struct buf tmp;
    buf_init(&tmp, (size_t)1 << 26);
    for (size_t i = mark; i < b->len; i++) {
        IGNORE_RC(buf_try_append_char(&tmp, b->ptr[i]));
        if (b->ptr[i] == '\n') {
            IGNORE_RC(buf_try_append_cstr(&tmp, indent));
        }
    }
    b->len = mark;
    IGNORE_RC(buf_try_append_str(b, buf_str(&tmp)));
    buf_fini(&tmp);
}

static void put_description(struct buf *b, struct str d, const char *indent, bool first_in_block)
{
    if (d.ptr == NULL) {
        return;
    }
    if (indent[0] != '\0' && !first_in_block) {
        put(b, "\n");
    }
    put(b, indent);
    size_t mark = b->len;
    put_block_string(b, d);
    if (indent[0] != '\0') {
        indent_since(b, mark, indent);
    }
    put(b, "\n");
}

static void put_deprecated(struct arena *a, struct buf *b, bool dep, struct str reason)
{
    if (!dep) {
        return;
    }
    if (str_eq_cstr(reason, "No longer supported")) {
        put(b, " @deprecated");
        return;
    }
    put(b, " @deprecated(reason: ");
    put_quoted(a, b, reason);
    put(b, ")");
}

static void put_input_value(struct arena *a, struct buf *b, const struct gql_input_value *v)
{
    put_str(b, v->name);
    put(b, ": ");
    put_str(b, gql_ref_print(a, v->type));
    if (v->default_value != NULL) {
        put(b, " = ");
        put_str(b, gql_print_default(a, v->default_value, v->type));
    }
    put_deprecated(a, b, v->deprecated, v->deprecation_reason);
}

static void put_args(struct arena *a, struct buf *b, const struct gql_input_value *args,
                     size_t count, const char *indent)
{
    if (count == 0) {
        return;
    }
    bool described = false;
    for (size_t i = 0; i < count; i++) {
        described = described || args[i].description.ptr != NULL;
    }
    put(b, "(");
    for (size_t i = 0; i < count; i++) {
        if (described) {
            char inner[64];
            snprintf(inner, sizeof(inner), "%s  ", indent);
            put(b, "\n");
            put_description(b, args[i].description, inner, i == 0);
            put(b, inner);
        } else if (i > 0) {
            put(b, ", ");
        }
        put_input_value(a, b, &args[i]);
    }
    if (described) {
        put(b, "\n");
        put(b, indent);
    }
    put(b, ")");
}

static void put_implements(struct buf *b, const struct gql_type *t)
{
    for (size_t i = 0; i < t->interface_count; i++) {
        put(b, i == 0 ? " implements " : " & ");
        put_str(b, t->interfaces[i]->name);
    }
}

static void put_type(struct arena *a, struct buf *b, const struct gql_type *t)
{
    static const char *const kw[] = { "scalar", "type", "interface", "union", "enum", "input" };
    put_description(b, t->description, "", true);
    put(b, kw[t->kind]);
    put(b, " ");
    put_str(b, t->name);
    switch (t->kind) {
    case GQL_TYPE_SCALAR:
        if (t->specified_by_url.ptr != NULL) {
            put(b, " @specifiedBy(url: ");
            put_quoted(a, b, t->specified_by_url);
            put(b, ")");
        }
        return;
    case GQL_TYPE_UNION:
        for (size_t i = 0; i < t->possible_count; i++) {
            put(b, i == 0 ? " = " : " | ");
            put_str(b, t->possible[i]->name);
        }
        return;
    case GQL_TYPE_OBJECT:
    case GQL_TYPE_INTERFACE:
        put_implements(b, t);
        put(b, " {\n");
        for (size_t i = 0; i < t->field_count; i++) {
            const struct gql_field *f = &t->fields[i];
            put_description(b, f->description, "  ", i == 0);
            put(b, "  ");
            put_str(b, f->name);
            put_args(a, b, f->args, f->arg_count, "  ");
            put(b, ": ");
            put_str(b, gql_ref_print(a, f->type));
            put_deprecated(a, b, f->deprecated, f->deprecation_reason);
            put(b, "\n");
        }
        put(b, "}");
        return;
    case GQL_TYPE_ENUM:
        put(b, " {\n");
        for (size_t i = 0; i < t->value_count; i++) {
            put_description(b, t->values[i].description, "  ", i == 0);
            put(b, "  ");
            put_str(b, t->values[i].name);
            put_deprecated(a, b, t->values[i].deprecated, t->values[i].deprecation_reason);
            put(b, "\n");
        }
        put(b, "}");
        return;
    case GQL_TYPE_INPUT_OBJECT:
        put(b, t->one_of ? " @oneOf {\n" : " {\n");
        for (size_t i = 0; i < t->input_field_count; i++) {
            put_description(b, t->input_fields[i].description, "  ", i == 0);
            put(b, "  ");
            put_input_value(a, b, &t->input_fields[i]);
            put(b, "\n");
        }
        put(b, "}");
        return;
    }
}

static void put_directive(struct arena *a, struct buf *b, const struct gql_directive_def *d)
{
    put_description(b, d->description, "", true);
    put(b, "directive @");
    put_str(b, d->name);
    put_args(a, b, d->args, d->arg_count, "");
    if (d->repeatable) {
        put(b, " repeatable");
    }
    for (size_t i = 0; i < d->location_count; i++) {
        put(b, i == 0 ? " on " : " | ");
        put(b, gql_dir_loc_names[d->location_order[i]]);
    }
}

static void put_schema_def(struct buf *b, const struct gql_schema *s)
{
    static const char *const names[] = { "Query", "Mutation", "Subscription" };
    static const char *const ops[] = { "query", "mutation", "subscription" };
    bool common = true;
    for (int op = 0; op < 3; op++) {
        const struct gql_type *t = gql_schema_root(s, (enum gql_op)op);
        common = common && (t == NULL || str_eq_cstr(t->name, names[op]));
    }
    if (common && gql_schema_description(s).ptr == NULL) {
        return;
    }
    put_description(b, gql_schema_description(s), "", true);
    put(b, "schema {\n");
    for (int op = 0; op < 3; op++) {
        const struct gql_type *t = gql_schema_root(s, (enum gql_op)op);
        if (t != NULL) {
            put(b, "  ");
            put(b, ops[op]);
            put(b, ": ");
            put_str(b, t->name);
            put(b, "\n");
        }
    }
    put(b, "}\n\n");
}

struct str gql_print_schema(struct arena *a, const struct gql_schema *s)
{
    struct buf b;
    bool first = true;
    buf_init(&b, 64u << 20);
    put_schema_def(&b, s);
    size_t count = 0;
    struct gql_directive_def *const *dirs = gql_schema_directives(s, &count);
    for (size_t i = 0; i < count; i++) {
        if (dirs[i]->builtin) {
            continue;
        }
        put(&b, first ? "" : "\n\n");
        put_directive(a, &b, dirs[i]);
        first = false;
    }
    struct gql_type *const *types = gql_schema_types(s, &count);
    for (size_t i = 0; i < count; i++) {
        if (types[i]->builtin) {
            continue;
        }
        put(&b, first ? "" : "\n\n");
        put_type(a, &b, types[i]);
        first = false;
    }
    struct str out = arena_strdup(a, buf_str(&b));
    buf_fini(&b);
    return out;
}
