/* SPDX-License-Identifier: MIT */
/*
 * GraphQL engine benchmark (not a test): parse + validate + execute + serialise a realistic
 * query (40 fields after fragment expansion, fragments, variables) against an in-memory
 * schema whose root field is a C resolver; the rest use the default resolver. Prints
 * operations per second; bench/gql/run.sh runs graphql-js on the same text for comparison.
 *   build/release/bench/gql/gql_bench [seconds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/rc.h"
#include "bench_schema.h"
#include "gql/gql.h"

static struct gql_value *str_val(struct arena *a, const char *s)
{
    return gql_value_string(a, str_from_cstr(s));
}

static struct gql_value *object(struct arena *a, size_t n, const char *const *keys,
                                struct gql_value **vals)
{
    struct gql_value *o = gql_value_object(a, n);
    for (size_t i = 0; i < n; i++) {
        o->obj.members[i] = (struct gql_member){ str_from_cstr(keys[i]), vals[i] };
    }
    return o;
}

static struct gql_value *make_user(struct arena *a, int i)
{
    static const char *const keys[] = { "id", "name", "email", "avatar", "followers", "posts" };
    char id[32];
    char name[32];
    char email[64];
    snprintf(id, sizeof(id), "u%d", i);
    snprintf(name, sizeof(name), "User %d", i);
    snprintf(email, sizeof(email), "user%d@example.com", i);
    struct gql_value *vals[] = { str_val(a, id),
                                 str_val(a, name),
                                 str_val(a, email),
                                 str_val(a, "https://img.example.com/a.png"),
                                 gql_value_int(a, 100 + i),
                                 gql_value_list(a, 0) };
    return object(a, 6, keys, vals);
}

static struct gql_value *make_post(struct arena *a, int i, struct gql_value *author)
{
    static const char *const keys[] = { "id",    "title",     "body",   "tags",
                                        "score", "published", "author", "comments" };
    static const char *const ckeys[] = { "id", "text", "author" };
    char id[32];
    char title[64];
    snprintf(id, sizeof(id), "p%d", i);
    snprintf(title, sizeof(title), "Post number %d", i);
    struct gql_value *tags = gql_value_list(a, 3);
    tags->list.items[0] = str_val(a, "c");
    tags->list.items[1] = str_val(a, "graphql");
    tags->list.items[2] = str_val(a, "kiln");
    struct gql_value *comments = gql_value_list(a, 3);
    for (int c = 0; c < 3; c++) {
        char cid[32];
        snprintf(cid, sizeof(cid), "c%d-%d", i, c);
        struct gql_value *cv[] = { str_val(a, cid), str_val(a, "Nice post, thanks!"), author };
        comments->list.items[c] = object(a, 3, ckeys, cv);
    }
    struct gql_value *vals[] = { str_val(a, id),
                                 str_val(a, title),
                                 str_val(a, "Lorem ipsum dolor sit amet, consectetur."),
                                 tags,
                                 gql_value_float(a, 4.5 + i),
                                 gql_value_bool(a, i % 2 == 0),
                                 author,
                                 comments };
    return object(a, 8, keys, vals);
}

static struct gql_value *posts_data;
static struct gql_value *viewer_data;

static void resolve_posts(struct gql_resolve *r, void *arg)
{
    (void)arg;
    const struct gql_value *first = gql_resolve_arg(r, STR("first"));
    size_t n = (first != NULL && first->kind == GQL_VAL_INT) ? (size_t)first->i : 0;
    if (n > posts_data->list.count) {
        n = posts_data->list.count;
    }
    struct gql_value *l = gql_value_list(gql_resolve_arena(r), n);
    for (size_t i = 0; i < n; i++) {
        l->list.items[i] = posts_data->list.items[i];
    }
    gql_resolve_complete(r, l);
}

static void resolve_viewer(struct gql_resolve *r, void *arg)
{
    (void)arg;
    gql_resolve_complete(r, viewer_data);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One request: everything a server does per operation, in a fresh arena. On failure prints
 * why and returns the RC_* code; on success leaves the response in out. */
static int run_once(struct gql_schema *s, struct buf *out)
{
    struct arena *a = arena_new((size_t)16 * 1024);
    struct gql_errors errs;
    struct gql_document *doc = NULL;
    struct json_value *vars = NULL;
    struct gql_exec *ex = NULL;
    const struct gql_node *op = NULL;
    gql_errors_init(&errs, a, 100);
    int rc = gql_parse(a, str_from_cstr(bench_query), NULL, &errs, &doc);
    rc = rc == RC_OK ? gql_validate(a, s, doc, &errs) : rc;
    rc = rc == RC_OK ? gql_find_operation(doc, STR_NULL, &errs, &op) : rc;
    rc = rc == RC_OK ? gql_check_limits(doc, op, NULL, &errs) : rc;
    rc = rc == RC_OK ? json_parse(a, str_from_cstr(bench_variables), NULL, &vars, NULL) : rc;
    if (rc != RC_OK) {
        fprintf(stderr, "gql_bench: %s: %.*s\n", rc_name(rc),
                STR_FMT(errs.count ? errs.items[0].message : STR("json")));
        arena_free(a);
        return rc;
    }
    struct gql_exec_params p = { .schema = s, .doc = doc, .variables = vars };
    IGNORE_RC(gql_execute(a, &p, &ex));
    struct json_writer w;
    buf_reset(out);
    json_writer_init(&w, out);
    gql_exec_write(ex, &w);
    arena_free(a);
    return RC_OK;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 2.0;
    struct arena *data = arena_new(0);
    struct gql_errors errs;
    gql_errors_init(&errs, data, 10);
    struct gql_schema *s = gql_schema_new();
    if (gql_schema_add_sdl(s, str_from_cstr(bench_sdl), &errs) != RC_OK ||
        gql_schema_build(s, &errs) != RC_OK ||
        gql_schema_set_resolver(s, STR("Query"), STR("posts"), resolve_posts, NULL) != RC_OK ||
        gql_schema_set_resolver(s, STR("Query"), STR("viewer"), resolve_viewer, NULL) != RC_OK) {
        fprintf(stderr, "gql_bench: schema failed\n");
        return 1;
    }
    viewer_data = make_user(data, 0);
    posts_data = gql_value_list(data, 10);
    for (int i = 0; i < 10; i++) {
        posts_data->list.items[i] = make_post(data, i, make_user(data, i + 1));
    }
    struct buf out;
    buf_init(&out, 1 << 20);
    int rc = run_once(s, &out);
    size_t len = out.len;
    if (rc == RC_OK && secure_getenv("GQL_BENCH_PRINT") != NULL) {
        printf("%.*s\n", STR_FMT(buf_str(&out)));
    }
    size_t ops = 0;
    double start = now_s();
    double elapsed = 0;
    /* GQL_BENCH_OPS=N: exactly N more operations, for instruction counts
     * (valgrind --tool=callgrind), which do not depend on the machine's load. */
    const char *fixed = secure_getenv("GQL_BENCH_OPS");
    if (fixed != NULL) {
        size_t n = (size_t)strtoul(fixed, NULL, 10);
        for (; ops < n && rc == RC_OK; ops++) {
            rc = run_once(s, &out);
        }
        seconds = 0;
        elapsed = now_s() - start;
    }
    while (rc == RC_OK && elapsed < seconds) {
        for (int i = 0; i < 100 && rc == RC_OK; i++) {
            rc = run_once(s, &out);
        }
        ops += 100;
        elapsed = now_s() - start;
    }
    if (rc == RC_OK) {
        printf("kiln gql: %.0f ops/s (%zu ops in %.2f s, response %zu bytes)\n",
               (double)ops / elapsed, ops, elapsed, len);
    }
    buf_fini(&out);
    gql_schema_free(s);
    arena_free(data);
    return rc == RC_OK ? 0 : 1;
}
