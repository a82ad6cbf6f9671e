/* SPDX-License-Identifier: MIT */
/* Unit tests for subscriptions (gql_subscribe): the source stream is created once by the
 * subscribe resolver; each event executes the selection set with the event as root value. */
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/json.h"
#include "gql/gql.h"
#include "harness.h"

static int subscribe_calls;
static struct gql_resolve *held;

static void sub_tick(struct gql_resolve *r, void *arg)
{
    (void)arg;
    subscribe_calls++;
    const struct gql_value *n = gql_resolve_arg(r, STR("every"));
    if (n->i < 0) {
        gql_resolve_fail(r, STR("every must be positive"));
        return;
    }
    if (n->i == 0) {
        held = r; /* complete later, as a Promise would */
        return;
    }
    gql_resolve_complete(r, gql_value_int(gql_resolve_arena(r), 1000 + n->i));
}

static struct gql_schema *schema(void)
{
    struct arena *a = arena_new(0);
    struct gql_errors errs;
    gql_errors_init(&errs, a, 10);
    struct gql_schema *s = gql_schema_new();
    ASSERT_OK(gql_schema_add_sdl(
        s, STR("type Query { a: Int } type Tick { n: Int! label: String }"), &errs));
    ASSERT_OK(gql_schema_add_root_field(s, GQL_OP_SUBSCRIPTION, STR("tick(every: Int!): Tick"),
                                        NULL, NULL, sub_tick, NULL, &errs));
    ASSERT_OK(gql_schema_build(s, &errs));
    arena_free(a);
    return s;
}

static struct gql_document *parse(struct arena *a, const char *q)
{
    struct gql_errors errs;
    struct gql_document *d = NULL;
    gql_errors_init(&errs, a, 10);
    ASSERT_OK(gql_parse(a, str_from_cstr(q), NULL, &errs, &d));
    return d;
}

static int done_calls;

static void on_done(struct gql_exec *ex, void *arg)
{
    (void)ex;
    (void)arg;
    done_calls++;
}

TEST(subscribe_creates_stream_once_then_executes_events)
{
    struct gql_schema *s = schema();
    struct arena *a = arena_new(0);
    struct gql_document *d = parse(a, "subscription S($e: Int!) { tick(every: $e) { n label } }");
    struct json_value *vars = NULL;
    ASSERT_OK(json_parse(a, STR("{\"e\": 5}"), NULL, &vars, NULL));
    struct gql_exec_params p = { .schema = s, .doc = d, .variables = vars, .on_done = on_done };
    struct gql_subscription *sub = NULL;
    subscribe_calls = 0;
    done_calls = 0;
    ASSERT_OK(gql_subscribe(a, &p, &sub));
    ASSERT_EQ_INT(subscribe_calls, 1);
    ASSERT_EQ_INT(done_calls, 1);
    ASSERT_NOT_NULL(gql_subscription_stream(sub));
    ASSERT_EQ_INT(gql_subscription_stream(sub)->i, 1005);
    ASSERT_EQ_SIZE(gql_subscription_errors(sub)->count, 0);
    for (int i = 0; i < 2; i++) {
        struct arena *ea = arena_new(0);
        struct gql_value *tick = gql_value_object(ea, 2);
        tick->obj.members[0] = (struct gql_member){ STR("n"), gql_value_int(ea, i) };
        tick->obj.members[1] = (struct gql_member){ STR("label"), gql_value_string(ea, STR("t")) };
        struct gql_value *event = gql_value_object(ea, 1);
        event->obj.members[0] = (struct gql_member){ STR("tick"), tick };
        struct gql_exec_params ep = p;
        ep.on_done = NULL;
        ep.root_value = event;
        struct gql_exec *ex = NULL;
        ASSERT_OK(gql_execute(ea, &ep, &ex));
        ASSERT_TRUE(gql_exec_done(ex));
        struct buf b;
        struct json_writer w;
        buf_init(&b, 4096);
        json_writer_init(&w, &b);
        gql_exec_write(ex, &w);
        ASSERT_EQ_STR(b.ptr, i == 0 ? "{\"data\":{\"tick\":{\"n\":0,\"label\":\"t\"}}}"
                                    : "{\"data\":{\"tick\":{\"n\":1,\"label\":\"t\"}}}");
        buf_fini(&b);
        arena_free(ea);
    }
    ASSERT_EQ_INT(subscribe_calls, 1);
    arena_free(a);
    gql_schema_free(s);
}

TEST(subscribe_async_failure_and_request_errors)
{
    struct gql_schema *s = schema();
    struct arena *a = arena_new(0);
    struct gql_subscription *sub = NULL;
    struct gql_exec_params p = { .schema = s, .on_done = on_done };
    done_calls = 0;
    p.doc = parse(a, "subscription { tick(every: 0) { n } }");
    ASSERT_OK(gql_subscribe(a, &p, &sub));
    ASSERT_EQ_INT(done_calls, 0);
    ASSERT_NULL(gql_subscription_stream(sub));
    gql_resolve_complete(held, gql_value_int(a, 42));
    ASSERT_EQ_INT(done_calls, 1);
    ASSERT_EQ_INT(gql_subscription_stream(sub)->i, 42);
    p.doc = parse(a, "subscription { tick(every: -1) { n } }");
    ASSERT_OK(gql_subscribe(a, &p, &sub));
    ASSERT_NULL(gql_subscription_stream(sub));
    ASSERT_EQ_SLICE(gql_subscription_errors(sub)->items[0].message, "every must be positive");
    ASSERT_EQ_SIZE(gql_subscription_errors(sub)->items[0].path_len, 1);
    p.doc = parse(a, "{ a }");
    ASSERT_RC(gql_subscribe(a, &p, &sub), RC_INVAL);
    ASSERT_EQ_SLICE(gql_subscription_errors(sub)->items[0].message,
                    "Operation is not a subscription.");
    arena_free(a);
    gql_schema_free(s);
}
