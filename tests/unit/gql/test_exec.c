/* SPDX-License-Identifier: MIT */
/* Unit tests for execution (gql_exec.c) and introspection (gql_introspect.c): C resolvers
 * completing now or later, null propagation, errors with paths, variables, mutations. */
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/json.h"
#include "gql/gql.h"
#include "harness.h"

static const char *const sdl =
    "type Query { hello(name: String = \"world\"): String! user(id: ID!): User "
    "users: [User!]! later: Int boom: String strictBoom: String! pet: Pet "
    "echo(n: Int, f: Float, e: Color, i: In): String }\n"
    "type Mutation { inc(by: Int!): Int! }\n"
    "type User { id: ID! name: String friends: [User] mustName: String! }\n"
    "interface Pet { name: String }\n"
    "type Dog implements Pet { name: String barks: Boolean }\n"
    "type Cat implements Pet { name: String }\n"
    "enum Color { RED GREEN }\n"
    "input In { a: Int! b: [String] = [\"x\"] }\n";

struct later {
    struct gql_resolve *pending[8];
    size_t count;
};

static int counter;

static struct gql_value *user(struct arena *a, const char *id, const char *name)
{
    struct gql_value *u = gql_value_object(a, 2);
    u->obj.members[0] = (struct gql_member){ STR("id"), gql_value_string(a, str_from_cstr(id)) };
    u->obj.members[1] =
        (struct gql_member){ STR("name"),
                             name ? gql_value_string(a, str_from_cstr(name)) : gql_value_null(a) };
    return u;
}

static void r_hello(struct gql_resolve *r, void *arg)
{
    (void)arg;
    const struct gql_value *n = gql_resolve_arg(r, STR("name"));
    struct arena *a = gql_resolve_arena(r);
    gql_resolve_complete(r, gql_value_string(a, arena_printf(a, "hello %.*s", STR_FMT(n->s))));
}

static void r_user(struct gql_resolve *r, void *arg)
{
    (void)arg;
    const struct gql_value *id = gql_resolve_arg(r, STR("id"));
    struct arena *a = gql_resolve_arena(r);
    if (str_eq_cstr(id->s, "0")) {
        gql_resolve_complete(r, gql_value_null(a));
        return;
    }
    gql_resolve_complete(r, user(a, arena_cstr(a, id->s), "Ada"));
}

static void r_users(struct gql_resolve *r, void *arg)
{
    (void)arg;
    struct arena *a = gql_resolve_arena(r);
    struct gql_value *l = gql_value_list(a, 2);
    l->list.items[0] = user(a, "1", "Ada");
    l->list.items[1] = user(a, "2", NULL);
    gql_resolve_complete(r, l);
}

static void r_later(struct gql_resolve *r, void *arg)
{
    struct later *l = arg;
    l->pending[l->count++] = r;
}

static void r_boom(struct gql_resolve *r, void *arg)
{
    (void)arg;
    gql_resolve_fail(r, STR("it broke"));
}

static void r_pet(struct gql_resolve *r, void *arg)
{
    (void)arg;
    struct arena *a = gql_resolve_arena(r);
    struct gql_value *p = gql_value_object(a, 3);
    p->obj.members[0] = (struct gql_member){ STR("__typename"), gql_value_string(a, STR("Dog")) };
    p->obj.members[1] = (struct gql_member){ STR("name"), gql_value_string(a, STR("Rex")) };
    p->obj.members[2] = (struct gql_member){ STR("barks"), gql_value_bool(a, true) };
    gql_resolve_complete(r, p);
}

static void r_echo(struct gql_resolve *r, void *arg)
{
    (void)arg;
    struct arena *a = gql_resolve_arena(r);
    struct buf b;
    struct json_writer w;
    buf_init(&b, 4096);
    json_writer_init(&w, &b);
    json_write_begin_object(&w);
    static const char *const names[] = { "n", "f", "e", "i" };
    for (size_t k = 0; k < 4; k++) {
        const struct gql_value *v = gql_resolve_arg(r, str_from_cstr(names[k]));
        if (v == NULL) {
            continue;
        }
        json_write_key(&w, str_from_cstr(names[k]));
        if (v->kind == GQL_VAL_INT) {
            json_write_int(&w, v->i);
        } else if (v->kind == GQL_VAL_FLOAT) {
            json_write_number(&w, v->f);
        } else if (v->kind == GQL_VAL_STRING) {
            json_write_string(&w, v->s);
        } else if (v->kind == GQL_VAL_OBJECT) {
            json_write_int(&w, (int64_t)v->obj.count);
        } else {
            json_write_null(&w);
        }
    }
    json_write_end_object(&w);
    gql_resolve_complete(r, gql_value_string(a, buf_str(&b)));
    buf_fini(&b);
}

static void r_inc(struct gql_resolve *r, void *arg)
{
    (void)arg;
    counter += (int)gql_resolve_arg(r, STR("by"))->i;
    gql_resolve_complete(r, gql_value_int(gql_resolve_arena(r), counter));
}

static struct gql_schema *make_schema(struct later *l)
{
    struct arena *a = arena_new(0);
    struct gql_errors errs;
    gql_errors_init(&errs, a, 10);
    struct gql_schema *s = gql_schema_new();
    ASSERT_OK(gql_schema_add_sdl(s, str_from_cstr(sdl), &errs));
    ASSERT_OK(gql_schema_build(s, &errs));
    arena_free(a);
    ASSERT_OK(gql_schema_set_resolver(s, STR("Query"), STR("hello"), r_hello, NULL));
    ASSERT_OK(gql_schema_set_resolver(s, STR("Query"), STR("user"), r_user, NULL));
    ASSERT_OK(gql_schema_set_resolver(s, STR("Query"), STR("users"), r_users, NULL));
    ASSERT_OK(gql_schema_set_resolver(s, STR("Query"), STR("later"), r_later, l));
    ASSERT_OK(gql_schema_set_resolver(s, STR("Query"), STR("boom"), r_boom, NULL));
    ASSERT_OK(gql_schema_set_resolver(s, STR("Query"), STR("strictBoom"), r_boom, NULL));
    ASSERT_OK(gql_schema_set_resolver(s, STR("Query"), STR("pet"), r_pet, NULL));
    ASSERT_OK(gql_schema_set_resolver(s, STR("Query"), STR("echo"), r_echo, NULL));
    ASSERT_OK(gql_schema_set_resolver(s, STR("Mutation"), STR("inc"), r_inc, NULL));
    return s;
}

struct run {
    struct arena *a;
    struct gql_exec *ex;
    int done_calls;
};

static void on_done(struct gql_exec *ex, void *arg)
{
    (void)ex;
    ((struct run *)arg)->done_calls++;
}

static const char *result_json(struct run *run)
{
    struct buf b;
    struct json_writer w;
    buf_init(&b, 1 << 20);
    json_writer_init(&w, &b);
    gql_exec_write(run->ex, &w);
    ASSERT_OK(json_writer_rc(&w));
    const char *out = arena_cstr(run->a, buf_str(&b));
    buf_fini(&b);
    return out;
}

/* Parse, validate and start doc; returns the run (its arena is freed by the caller). */
static void start(struct run *out, struct gql_schema *s, const char *doc, const char *vars)
{
    struct run run = { .a = arena_new(0) };
    struct gql_errors errs;
    struct gql_document *d = NULL;
    gql_errors_init(&errs, run.a, 10);
    ASSERT_OK(gql_parse(run.a, str_from_cstr(doc), NULL, &errs, &d));
    ASSERT_OK(gql_validate(run.a, s, d, &errs));
    struct json_value *jv = NULL;
    if (vars != NULL) {
        ASSERT_OK(json_parse(run.a, str_from_cstr(vars), NULL, &jv, NULL));
    }
    struct gql_exec_params p = { .schema = s, .doc = d, .variables = jv, .on_done = on_done };
    *out = run;
    p.on_done_arg = out;
    IGNORE_RC(gql_execute(out->a, &p, &out->ex));
}

static void expect_result(const char *doc, const char *vars, const char *want)
{
    struct later l = { 0 };
    struct gql_schema *s = make_schema(&l);
    struct run run;
    start(&run, s, doc, vars);
    ASSERT_TRUE(gql_exec_done(run.ex));
    ASSERT_EQ_STR(result_json(&run), want);
    arena_free(run.a);
    gql_schema_free(s);
}

TEST(exec_basic_fields_args_aliases)
{
    expect_result("{ hello a: hello(name: \"kiln\") __typename }", NULL,
                  "{\"data\":{\"hello\":\"hello world\",\"a\":\"hello kiln\","
                  "\"__typename\":\"Query\"}}");
    expect_result("query($id: ID!) { user(id: $id) { id name ...F } } fragment F on User { "
                  "name2: name }",
                  "{\"id\":7}",
                  "{\"data\":{\"user\":{\"id\":\"7\",\"name\":\"Ada\",\"name2\":\"Ada\"}}}");
    expect_result("{ users { id name } }", NULL,
                  "{\"data\":{\"users\":[{\"id\":\"1\",\"name\":\"Ada\"},{\"id\":\"2\","
                  "\"name\":null}]}}");
    expect_result("query($s: Boolean!) { hello @skip(if: $s) users @include(if: $s) { id } }",
                  "{\"s\":true}", "{\"data\":{\"users\":[{\"id\":\"1\"},{\"id\":\"2\"}]}}");
    expect_result("{ pet { name ... on Dog { barks } ... on Cat { name } } }", NULL,
                  "{\"data\":{\"pet\":{\"name\":\"Rex\",\"barks\":true}}}");
}

TEST(exec_errors_and_null_propagation)
{
    expect_result("{ hello boom }", NULL,
                  "{\"errors\":[{\"message\":\"it broke\",\"locations\":[{\"line\":1,\"column\":9}"
                  "],\"path\":[\"boom\"]}],\"data\":{\"hello\":\"hello world\",\"boom\":null}}");
    expect_result("{ hello strictBoom }", NULL,
                  "{\"errors\":[{\"message\":\"it broke\",\"locations\":[{\"line\":1,\"column\":9}"
                  "],\"path\":[\"strictBoom\"]}],\"data\":null}");
    expect_result("{ users { mustName } }", NULL,
                  "{\"errors\":[{\"message\":\"Cannot return null for non-nullable field "
                  "User.mustName.\",\"locations\":[{\"line\":1,\"column\":11}],\"path\":[\"users\","
                  "0,\"mustName\"]}],\"data\":null}");
    expect_result("{ user(id: 0) { id } }", NULL, "{\"data\":{\"user\":null}}");
}

TEST(exec_variables_coercion)
{
    expect_result(
        "query($n: Int, $f: Float, $e: Color, $i: In) { echo(n: $n, f: $f, e: $e, i: $i) }",
        "{\"n\":3,\"f\":1,\"e\":\"RED\",\"i\":{\"a\":1}}",
        "{\"data\":{\"echo\":\"{\\\"n\\\":3,\\\"f\\\":1,\\\"e\\\":\\\"RED\\\",\\\"i\\\":2}\"}}");
    expect_result(
        "query($n: Int) { echo(n: $n) }", "{\"n\":\"x\"}",
        "{\"errors\":[{\"message\":\"Variable \\\"$n\\\" got invalid value \\\"x\\\"; Int "
        "cannot represent non-integer value: \\\"x\\\"\",\"locations\":[{\"line\":1,"
        "\"column\":7}]}]}");
    expect_result(
        "query($id: ID!) { user(id: $id) { id } }", "{}",
        "{\"errors\":[{\"message\":\"Variable \\\"$id\\\" of required type \\\"ID!\\\" was "
        "not provided.\",\"locations\":[{\"line\":1,\"column\":7}]}]}");
    expect_result(
        "query($e: Color) { echo(e: $e) }", "{\"e\":\"BLUE\"}",
        "{\"errors\":[{\"message\":\"Variable \\\"$e\\\" got invalid value \\\"BLUE\\\"; "
        "Value \\\"BLUE\\\" does not exist in \\\"Color\\\" enum.\",\"locations\":[{\"line\":"
        "1,\"column\":7}]}]}");
}

TEST(exec_async_resolvers_complete_later)
{
    struct later l = { 0 };
    struct gql_schema *s = make_schema(&l);
    struct run run;
    start(&run, s, "{ a: later hello b: later }", NULL);
    ASSERT_FALSE(gql_exec_done(run.ex));
    ASSERT_EQ_SIZE(l.count, 2);
    ASSERT_EQ_INT(run.done_calls, 0);
    gql_resolve_complete(l.pending[1], gql_value_int(run.a, 2));
    ASSERT_FALSE(gql_exec_done(run.ex));
    gql_resolve_complete(l.pending[0], gql_value_int(run.a, 1));
    ASSERT_TRUE(gql_exec_done(run.ex));
    ASSERT_EQ_INT(run.done_calls, 1);
    ASSERT_EQ_STR(result_json(&run), "{\"data\":{\"a\":1,\"hello\":\"hello world\",\"b\":2}}");
    arena_free(run.a);
    gql_schema_free(s);
}

TEST(exec_mutations_run_serially)
{
    counter = 0;
    expect_result("mutation { a: inc(by: 1) b: inc(by: 10) c: inc(by: 100) }", NULL,
                  "{\"data\":{\"a\":1,\"b\":11,\"c\":111}}");
}

TEST(exec_introspection)
{
    expect_result("{ __type(name: \"Color\") { kind name enumValues { name } } }", NULL,
                  "{\"data\":{\"__type\":{\"kind\":\"ENUM\",\"name\":\"Color\",\"enumValues\":[{"
                  "\"name\":\"RED\"},{\"name\":\"GREEN\"}]}}}");
    expect_result("{ __type(name: \"User\") { fields { name type { kind ofType { name } } } } }",
                  NULL,
                  "{\"data\":{\"__type\":{\"fields\":[{\"name\":\"id\",\"type\":{\"kind\":"
                  "\"NON_NULL\",\"ofType\":{\"name\":\"ID\"}}},{\"name\":\"name\",\"type\":{"
                  "\"kind\":\"SCALAR\",\"ofType\":null}},{\"name\":\"friends\",\"type\":{\"kind\":"
                  "\"LIST\",\"ofType\":{\"name\":\"User\"}}},{\"name\":\"mustName\",\"type\":{"
                  "\"kind\":\"NON_NULL\",\"ofType\":{\"name\":\"String\"}}}]}}}");
    expect_result("{ __schema { queryType { name } mutationType { name } subscriptionType { name "
                  "} } }",
                  NULL,
                  "{\"data\":{\"__schema\":{\"queryType\":{\"name\":\"Query\"},\"mutationType\":{"
                  "\"name\":\"Mutation\"},\"subscriptionType\":null}}}");
}

TEST(exec_limits_before_execution)
{
    struct later l = { 0 };
    struct gql_schema *s = make_schema(&l);
    struct arena *a = arena_new(0);
    struct gql_errors errs;
    struct gql_document *d = NULL;
    const struct gql_node *op = NULL;
    struct gql_limits lim;
    gql_limits_default(&lim);
    lim.max_depth = 3;
    lim.max_aliases = 2;
    lim.max_fields = 6;
    gql_errors_init(&errs, a, 10);
    ASSERT_OK(gql_parse(a, STR("{ user(id: 1) { friends { friends { id } } } }"), NULL, &errs, &d));
    ASSERT_OK(gql_find_operation(d, STR_NULL, &errs, &op));
    ASSERT_RC(gql_check_limits(d, op, &lim, &errs), RC_LIMIT);
    ASSERT_EQ_SLICE(errs.items[0].message, "Query depth exceeds the limit of 3.");
    ASSERT_EQ_SLICE(errs.items[0].code, "GRAPHQL_LIMIT");
    ASSERT_OK(gql_parse(a, STR("{ user(id: 1) { friends { id } } }"), NULL, &errs, &d));
    ASSERT_OK(gql_find_operation(d, STR_NULL, &errs, &op));
    ASSERT_OK(gql_check_limits(d, op, &lim, &errs));
    ASSERT_OK(gql_parse(a, STR("{ a: hello b: hello c: hello }"), NULL, &errs, &d));
    ASSERT_OK(gql_find_operation(d, STR_NULL, &errs, &op));
    ASSERT_RC(gql_check_limits(d, op, &lim, &errs), RC_LIMIT);
    /* Fragments are counted every time they are spread. */
    ASSERT_OK(gql_parse(a, STR("{ ...F ...F ...F ...F } fragment F on Query { hello boom }"), NULL,
                        &errs, &d));
    ASSERT_OK(gql_find_operation(d, STR_NULL, &errs, &op));
    ASSERT_RC(gql_check_limits(d, op, &lim, &errs), RC_LIMIT);
    gql_errors_init(&errs, a, 10);
    ASSERT_OK(gql_parse(a, STR("query A { hello } query B { hello }"), NULL, &errs, &d));
    ASSERT_RC(gql_find_operation(d, STR_NULL, &errs, &op), RC_INVAL);
    ASSERT_EQ_SLICE(errs.items[0].message,
                    "Must provide operation name if query contains multiple operations.");
    ASSERT_OK(gql_find_operation(d, STR("B"), &errs, &op));
    ASSERT_EQ_SLICE(op->name, "B");
    arena_free(a);
    gql_schema_free(s);
}

static void r_fail_ext(struct gql_resolve *r, void *arg)
{
    (void)arg;
    gql_resolve_fail_ext(r, STR("Channel not found"),
                         STR("{\"code\":\"CHANNEL_NOT_FOUND\",\"hint\":\"list channels\"}"));
}

TEST(exec_error_and_response_extensions)
{
    struct later l = { 0 };
    struct gql_schema *s = make_schema(&l);
    ASSERT_OK(gql_schema_set_resolver(s, STR("Query"), STR("boom"), r_fail_ext, NULL));
    struct run run;
    start(&run, s, "{ boom }", NULL);
    gql_exec_set_extensions(run.ex, STR("{\"requestId\":\"r1\"}"));
    ASSERT_EQ_STR(result_json(&run),
                  "{\"errors\":[{\"message\":\"Channel not found\",\"locations\":[{\"line\":1,"
                  "\"column\":3}],\"path\":[\"boom\"],\"extensions\":{\"code\":"
                  "\"CHANNEL_NOT_FOUND\",\"hint\":\"list channels\"}}],\"data\":{\"boom\":null},"
                  "\"extensions\":{\"requestId\":\"r1\"}}");
    arena_free(run.a);
    gql_schema_free(s);
}

/* A toy DateTime: "YYYY-MM-DD..." strings only. */
static struct gql_value *dt_check(const struct gql_value *v, struct arena *a, struct str *err)
{
    if (v->kind == GQL_VAL_STRING && v->s.len >= 10 && v->s.ptr[4] == '-' && v->s.ptr[7] == '-') {
        return (struct gql_value *)v;
    }
    *err = STR("DateTime cannot represent an invalid date-time string");
    (void)a;
    return NULL;
}

static const struct gql_scalar_ops dt_ops = {
    .serialize = dt_check,
    .parse_value = dt_check,
    .parse_literal = dt_check,
};

static void r_when(struct gql_resolve *r, void *arg)
{
    const struct gql_value *at = gql_resolve_arg(r, STR("at"));
    struct arena *a = gql_resolve_arena(r);
    if (arg != NULL) {
        gql_resolve_complete(r, gql_value_string(a, STR("yesterday")));
        return;
    }
    struct gql_value *o = gql_value_object(a, 2);
    o->obj.members[0] = (struct gql_member){ STR("at"), (struct gql_value *)at };
    o->obj.members[1] = (struct gql_member){ STR("list"), gql_value_list(a, 0) };
    gql_resolve_complete(r, o);
}

TEST(exec_custom_scalars)
{
    struct arena *a = arena_new(0);
    struct gql_errors errs;
    gql_errors_init(&errs, a, 10);
    struct gql_schema *s = gql_schema_new();
    ASSERT_OK(gql_schema_add_sdl(s,
                                 STR("scalar DateTime scalar JSON type Query { "
                                     "when(at: DateTime): JSON bad: DateTime }"),
                                 &errs));
    ASSERT_OK(gql_schema_build(s, &errs));
    ASSERT_OK(gql_schema_set_scalar(s, STR("DateTime"), &dt_ops));
    ASSERT_RC(gql_schema_set_scalar(s, STR("Int"), &dt_ops), RC_NOTFOUND);
    ASSERT_OK(gql_schema_set_resolver(s, STR("Query"), STR("when"), r_when, NULL));
    ASSERT_OK(gql_schema_set_resolver(s, STR("Query"), STR("bad"), r_when, (void *)1));
    struct run run;
    start(&run, s, "{ when(at: \"2024-01-02T03:04:05Z\") }", NULL);
    ASSERT_EQ_STR(result_json(&run),
                  "{\"data\":{\"when\":{\"at\":\"2024-01-02T03:04:05Z\",\"list\":[]}}}");
    arena_free(run.a);
    start(&run, s, "query($t: DateTime) { when(at: $t) bad }", "{\"t\":\"2024-05-06\"}");
    ASSERT_EQ_STR(result_json(&run),
                  "{\"errors\":[{\"message\":\"DateTime cannot represent an invalid date-time "
                  "string\",\"locations\":[{\"line\":1,\"column\":36}],\"path\":[\"bad\"]}],"
                  "\"data\":{\"when\":{\"at\":\"2024-05-06\",\"list\":[]},\"bad\":null}}");
    arena_free(run.a);
    start(&run, s, "query($t: DateTime) { when(at: $t) }", "{\"t\":\"soon\"}");
    ASSERT_EQ_STR(result_json(&run),
                  "{\"errors\":[{\"message\":\"Variable \\\"$t\\\" got invalid value \\\"soon\\\"; "
                  "DateTime cannot represent an invalid date-time string\",\"locations\":[{"
                  "\"line\":1,\"column\":7}]}]}");
    arena_free(run.a);
    struct gql_document *d = NULL;
    ASSERT_OK(gql_parse(a, STR("{ when(at: \"soon\") }"), NULL, &errs, &d));
    ASSERT_RC(gql_validate(a, s, d, &errs), RC_INVAL);
    ASSERT_EQ_SLICE(errs.items[0].message, "Expected value of type \"DateTime\", found \"soon\"; "
                                           "DateTime cannot represent an invalid date-time string");
    gql_schema_free(s);
    arena_free(a);
}

/* Fields added with gql_schema_add_root_field() to root types the SDL does not define. */
TEST(exec_programmatic_root_fields)
{
    struct arena *a = arena_new(0);
    struct gql_errors errs;
    gql_errors_init(&errs, a, 10);
    struct gql_schema *s = gql_schema_new();
    ASSERT_OK(gql_schema_add_sdl(s, STR("type User { id: ID! name: String }"), &errs));
    ASSERT_OK(gql_schema_add_root_field(s, GQL_OP_QUERY, STR("user(id: ID!): User"), r_user, NULL,
                                        NULL, NULL, &errs));
    ASSERT_OK(gql_schema_add_root_field(s, GQL_OP_MUTATION, STR("inc(by: Int!): Int!"), r_inc, NULL,
                                        NULL, NULL, &errs));
    ASSERT_OK(gql_schema_add_root_field(s, GQL_OP_SUBSCRIPTION, STR("ticks: Int"), r_inc, NULL,
                                        r_inc, NULL, &errs));
    ASSERT_OK(gql_schema_build(s, &errs));
    ASSERT_EQ_SIZE(errs.count, 0);
    ASSERT_EQ_SLICE(gql_schema_root(s, GQL_OP_MUTATION)->name, "Mutation");
    ASSERT_EQ_SLICE(gql_schema_root(s, GQL_OP_SUBSCRIPTION)->name, "Subscription");
    ASSERT_TRUE(
        gql_type_find_field(gql_schema_root(s, GQL_OP_SUBSCRIPTION), STR("ticks"))->subscribe ==
        r_inc);
    struct run run;
    start(&run, s, "{ user(id: 7) { id name } }", NULL);
    ASSERT_EQ_STR(result_json(&run), "{\"data\":{\"user\":{\"id\":\"7\",\"name\":\"Ada\"}}}");
    arena_free(run.a);
    counter = 0;
    start(&run, s, "mutation { a: inc(by: 2) b: inc(by: 3) }", NULL);
    ASSERT_EQ_STR(result_json(&run), "{\"data\":{\"a\":2,\"b\":5}}");
    arena_free(run.a);
    gql_schema_free(s);
    arena_free(a);
}
