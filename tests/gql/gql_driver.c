/* SPDX-License-Identifier: MIT */
/*
 * Differential-test driver: reads cases as JSON lines ({"schema", "query", "variables",
 * "operationName", "rootValue"}) from the file named by argv[1] and prints, per case, one line
 * with the GraphQL response Kiln's engine produces (parse, validate, execute with the default
 * resolvers over rootValue). tests/gql/run_diff.js runs graphql-js on the same cases and
 * compares. Built by tests/gql/run_diff.sh; not part of libkiln.
 * A case with "resolvers": "changeTheNumber" (the specification's serial-mutation example)
 * gets Mutation.changeTheNumber, which stores its argument and completes only after
 * gql_execute() returned (as a Promise would), and NumberHolder.theNumber, which reads the
 * stored number when it runs: the result shows whether the mutation fields ran serially.
 * "resolvers": "nameFetchError" (the Response section's examples) makes Character.name fail
 * for the character with id "1002", with the case's "errorExtensions" when given.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/rc.h"
#include "gql/gql.h"

static struct str member_str(const struct json_value *obj, const char *key)
{
    const struct json_value *v = json_object_find(obj, str_from_cstr(key));
    return (v != NULL && v->type == JSON_STRING) ? v->str : STR_NULL;
}

/* Resolvers completed later, after gql_execute() returned (a Promise's settling). */
struct later {
    struct gql_resolve *items[64];
    struct gql_value *values[64];
    size_t count; /* queued */
    size_t next;  /* the oldest not yet settled */
    int64_t the_number;
};

static void change_the_number(struct gql_resolve *r, void *arg)
{
    struct later *l = arg;
    const struct gql_value *n = gql_resolve_arg(r, STR("newNumber"));
    l->the_number = n != NULL && n->kind == GQL_VAL_INT ? n->i : -1;
    struct gql_value *holder = gql_value_object(gql_resolve_arena(r), 0);
    if (l->count == ARRAY_LEN(l->items)) {
        gql_resolve_complete(r, holder);
        return;
    }
    l->items[l->count] = r;
    l->values[l->count++] = holder;
}

static void the_number(struct gql_resolve *r, void *arg)
{
    const struct later *l = arg;
    gql_resolve_complete(r, gql_value_int(gql_resolve_arena(r), l->the_number));
}

/* Settle the pending resolvers one at a time, oldest first, until none is left (settling one
 * may queue the next serial mutation field). */
static void run_later(struct later *l)
{
    while (l->next < l->count) {
        size_t i = l->next++;
        gql_resolve_complete(l->items[i], l->values[i]);
    }
}

/* Character.name for the Response section's examples. */
static void name_or_fetch_error(struct gql_resolve *r, void *arg)
{
    const struct str *extensions = arg;
    const struct gql_value *parent = gql_resolve_parent(r);
    const struct gql_value *id = gql_value_get(parent, STR("id"));
    if (id != NULL && id->kind == GQL_VAL_STRING && str_eq_cstr(id->s, "1002")) {
        gql_resolve_fail_ext(r, STR("Name for character with ID 1002 could not be fetched."),
                             *extensions);
        return;
    }
    const struct gql_value *name = gql_value_get(parent, STR("name"));
    gql_resolve_complete(r, (struct gql_value *)name);
}

static void write_errors_only(struct buf *out, const struct gql_errors *errs)
{
    struct json_writer w;
    json_writer_init(&w, out);
    json_write_begin_object(&w);
    json_write_key(&w, STR("errors"));
    gql_write_errors(&w, errs);
    json_write_end_object(&w);
}

static void run_case(struct arena *a, const struct json_value *c, struct buf *out)
{
    struct gql_errors errs;
    struct gql_schema *s = gql_schema_new();
    struct gql_document *doc = NULL;
    struct later later = { .count = 0 };
    gql_errors_init(&errs, a, 100);
    const struct json_value *se = json_object_find(c, STR("schemaErrors"));
    bool schema_errors = se != NULL && se->type == JSON_TRUE;
    if (gql_schema_add_sdl(s, member_str(c, "schema"), &errs) != RC_OK ||
        gql_schema_build(s, &errs) != RC_OK || schema_errors) {
        if (!schema_errors) {
            write_errors_only(out, &errs);
            goto out;
        }
        /* Schema-error cases compare the messages only (graphql-js throws them joined). */
        struct json_writer sw;
        json_writer_init(&sw, out);
        json_write_begin_object(&sw);
        json_write_key(&sw, STR("schemaErrors"));
        json_write_begin_array(&sw);
        for (size_t i = 0; i < errs.count; i++) {
            json_write_string(&sw, errs.items[i].message);
        }
        json_write_end_array(&sw);
        json_write_end_object(&sw);
        goto out;
    }
    if (str_eq_cstr(member_str(c, "resolvers"), "changeTheNumber")) {
        IGNORE_RC(gql_schema_set_resolver(s, STR("Mutation"), STR("changeTheNumber"),
                                          change_the_number, &later));
        IGNORE_RC(
            gql_schema_set_resolver(s, STR("NumberHolder"), STR("theNumber"), the_number, &later));
    }
    struct str extensions = STR_NULL;
    const struct json_value *ext = json_object_find(c, STR("errorExtensions"));
    if (ext != NULL) {
        struct buf eb;
        struct json_writer ew;
        buf_init(&eb, 4096);
        json_writer_init(&ew, &eb);
        json_write_value(&ew, ext);
        extensions = arena_strdup(a, buf_str(&eb));
        buf_fini(&eb);
    }
    if (str_eq_cstr(member_str(c, "resolvers"), "nameFetchError")) {
        IGNORE_RC(gql_schema_set_resolver(s, STR("Character"), STR("name"), name_or_fetch_error,
                                          &extensions));
    }
    const struct json_value *ps = json_object_find(c, STR("printSchema"));
    if (ps != NULL && ps->type == JSON_TRUE) {
        struct json_writer pw;
        json_writer_init(&pw, out);
        json_write_begin_object(&pw);
        json_write_key(&pw, STR("sdl"));
        json_write_string(&pw, gql_print_schema(a, s));
        json_write_end_object(&pw);
        goto out;
    }
    if (gql_parse(a, member_str(c, "query"), NULL, &errs, &doc) != RC_OK ||
        gql_validate(a, s, doc, &errs) != RC_OK) {
        write_errors_only(out, &errs);
        goto out;
    }
    const struct json_value *vo = json_object_find(c, STR("validateOnly"));
    if (vo != NULL && vo->type == JSON_TRUE) {
        IGNORE_RC(buf_try_append_cstr(out, "{\"valid\":true}"));
        goto out;
    }
    const struct json_value *vars = json_object_find(c, STR("variables"));
    const struct json_value *root = json_object_find(c, STR("rootValue"));
    struct gql_exec_params p = {
        .schema = s,
        .doc = doc,
        .operation_name = member_str(c, "operationName"),
        .variables = (vars != NULL && vars->type == JSON_OBJECT) ? vars : NULL,
        .root_value =
            (root != NULL && root->type == JSON_OBJECT) ? gql_value_from_json(a, root) : NULL,
    };
    struct gql_exec *ex = NULL;
    IGNORE_RC(gql_execute(a, &p, &ex));
    run_later(&later);
    struct json_writer w;
    json_writer_init(&w, out);
    gql_exec_write(ex, &w);
out:
    gql_schema_free(s);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: gql_driver CASES.jsonl\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        fprintf(stderr, "gql_driver: cannot open %s\n", argv[1]);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        struct arena *a = arena_new(0);
        struct json_value *c = NULL;
        struct buf out;
        buf_init(&out, 64u << 20);
        if (json_parse(a, str_make(line, (size_t)n), NULL, &c, NULL) != RC_OK) {
            printf("{\"driver\":\"bad case line\"}\n");
        } else {
            run_case(a, c, &out);
            printf("%.*s\n", STR_FMT(buf_str(&out)));
        }
        buf_fini(&out);
        arena_free(a);
    }
    free(line);
    fclose(f);
    return 0;
}
