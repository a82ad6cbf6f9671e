/* SPDX-License-Identifier: MIT */
/* Unit tests for schema construction from SDL (gql_schema.c). */
#include <string.h>

#include "base/arena.h"
#include "gql/gql.h"
#include "gql/gql_internal.h"
#include "harness.h"

static const char *const pets_sdl =
    "schema { query: Query mutation: Mutation }\n"
    "type Query { pet(id: ID!): Pet, pets(first: Int = 10): [Pet!]!, search: [Result] }\n"
    "type Mutation { adopt(id: ID!): Pet }\n"
    "interface Node { id: ID! }\n"
    "interface Pet implements Node { id: ID! name(surname: Boolean): String }\n"
    "type Dog implements Pet & Node { id: ID! name(surname: Boolean): String barks: Boolean "
    "@deprecated(reason: \"quiet\") }\n"
    "type Cat implements Node & Pet { id: ID! name(surname: Boolean, x: Int): String }\n"
    "union Result = Dog | Cat\n"
    "enum Size { SMALL LARGE @deprecated }\n"
    "input Filter @oneOf { name: String size: Size }\n"
    "scalar Date @specifiedBy(url: \"https://tools.ietf.org/html/rfc3339\")\n"
    "extend type Query { today: Date }\n";

TEST(schema_builds_from_sdl)
{
    struct arena *a = arena_new(0);
    struct gql_errors errs;
    gql_errors_init(&errs, a, 50);
    struct gql_schema *s = gql_schema_new();
    ASSERT_OK(gql_schema_add_sdl(s, str_from_cstr(pets_sdl), &errs));
    ASSERT_OK(gql_schema_build(s, &errs));
    ASSERT_EQ_SIZE(errs.count, 0);
    struct gql_type *q = gql_schema_root(s, GQL_OP_QUERY);
    ASSERT_NOT_NULL(q);
    ASSERT_EQ_SLICE(q->name, "Query");
    ASSERT_EQ_SIZE(q->field_count, 4);
    struct gql_field *pets = gql_type_find_field(q, STR("pets"));
    ASSERT_EQ_SLICE(gql_ref_print(a, pets->type), "[Pet!]!");
    ASSERT_EQ_INT(pets->args[0].default_value->kind, GQL_INT);
    struct gql_type *pet = gql_schema_find_type(s, STR("Pet"));
    ASSERT_EQ_SIZE(pet->possible_count, 2);
    struct gql_type *dog = gql_schema_find_type(s, STR("Dog"));
    ASSERT_TRUE(gql_type_is_possible(pet, dog));
    ASSERT_TRUE(gql_type_find_field(dog, STR("barks"))->deprecated);
    ASSERT_EQ_SLICE(gql_type_find_field(dog, STR("barks"))->deprecation_reason, "quiet");
    struct gql_type *size = gql_schema_find_type(s, STR("Size"));
    ASSERT_EQ_SLICE(size->values[1].deprecation_reason, "No longer supported");
    ASSERT_TRUE(gql_schema_find_type(s, STR("Filter"))->one_of);
    ASSERT_EQ_SLICE(gql_schema_find_type(s, STR("Date"))->specified_by_url,
                    "https://tools.ietf.org/html/rfc3339");
    ASSERT_NULL(gql_schema_root(s, GQL_OP_SUBSCRIPTION));
    ASSERT_NOT_NULL(gql_schema_find_directive(s, STR("skip")));
    ASSERT_NOT_NULL(gql_schema_find_type(s, STR("__Schema")));
    ASSERT_RC(gql_schema_set_resolver(s, STR("Query"), STR("nope"), NULL, NULL), RC_NOTFOUND);
    gql_schema_free(s);
    arena_free(a);
}

static void dummy_resolver(struct gql_resolve *r, void *arg)
{
    (void)r;
    (void)arg;
}

TEST(schema_root_fields_merge)
{
    struct arena *a = arena_new(0);
    struct gql_errors errs;
    gql_errors_init(&errs, a, 50);
    struct gql_schema *s = gql_schema_new();
    ASSERT_OK(gql_schema_add_root_field(s, GQL_OP_QUERY, STR("post(id: ID!): Post"), dummy_resolver,
                                        (void *)1, NULL, NULL, &errs));
    ASSERT_OK(
        gql_schema_add_sdl(s, STR("type Post { id: ID! }\ntype Query { hello: String }"), &errs));
    ASSERT_OK(gql_schema_add_sdl(s, STR("type Query { bye: String }"), &errs));
    ASSERT_OK(gql_schema_build(s, &errs));
    struct gql_type *q = gql_schema_root(s, GQL_OP_QUERY);
    ASSERT_EQ_SIZE(q->field_count, 3);
    ASSERT_TRUE(gql_type_find_field(q, STR("post"))->resolve == dummy_resolver);
    gql_schema_free(s);
    arena_free(a);
}

/* Build sdl; msg NULL: expect no error, else exactly msg as the first error. */
static void expect_schema_error(const char *sdl, const char *msg)
{
    struct arena *a = arena_new(0);
    struct gql_errors errs;
    gql_errors_init(&errs, a, 50);
    struct gql_schema *s = gql_schema_new();
    int rc = gql_schema_add_sdl(s, str_from_cstr(sdl), &errs);
    if (rc == RC_OK) {
        rc = gql_schema_build(s, &errs);
    }
    if (msg == NULL) {
        ASSERT_OK(rc);
        ASSERT_EQ_SIZE(errs.count, 0);
    } else {
        ASSERT_RC(rc, RC_INVAL);
        ASSERT_TRUE(errs.count >= 1);
        ASSERT_EQ_STR(errs.items[0].message.ptr, msg);
    }
    gql_schema_free(s);
    arena_free(a);
}

TEST(schema_errors)
{
    expect_schema_error("type Query { a: Nope }", "Unknown type \"Nope\".");
    expect_schema_error("type Foo { a: Int }", "Query root type must be provided.");
    expect_schema_error("type Query { a: Int } type Query2 { a: Int } type Query2 { b: Int }",
                        "There can be only one type named \"Query2\".");
    expect_schema_error("type Query { a: Int a: String }",
                        "Field \"Query.a\" can only be defined once.");
    expect_schema_error("type Query { a: In }\ninput In { x: Int }",
                        "The type of Query.a must be Output Type but got: In.");
    expect_schema_error("type Query { a(x: Query): Int }",
                        "The type of Query.a(x:) must be Input Type but got: Query.");
    expect_schema_error("type Query { a: Int } union U = Query | String",
                        "Union type U can only include Object types, it cannot include String.");
    expect_schema_error("type Query { a: I } interface I { x: Int } type T implements I { y: "
                        "Int }",
                        "Interface field I.x expected but T does not provide it.");
    expect_schema_error("type Query { a: I } interface I { x: Int } type T implements I { x: "
                        "String }",
                        "Interface field I.x expects type Int but T.x is type String.");
    expect_schema_error("type Query { a: Int } enum E { A A }",
                        "Enum value \"E.A\" can only be defined once.");
    expect_schema_error("type Query { a: Int } input I @oneOf { a: Int! }",
                        "OneOf input field I.a must be nullable.");
    expect_schema_error("type Query { a: Int } input I { self: I! }",
                        "Cannot reference Input Object \"I\" within itself through a series of "
                        "non-null fields: \"self\".");
    expect_schema_error("type Query { __a: Int }",
                        "Name \"__a\" must not begin with \"__\", which is reserved by GraphQL "
                        "introspection.");
    expect_schema_error("type Query { a: Int @nope }", "Unknown directive \"@nope\".");
    expect_schema_error("type Query @deprecated { a: Int }",
                        "Directive \"@deprecated\" may not be used on OBJECT.");
    expect_schema_error("scalar String type Query { a: Int }",
                        "Type \"String\" already exists in the schema. It cannot also be defined "
                        "in this type definition.");
    expect_schema_error("extend type Foo { a: Int } type Query { a: Int }",
                        "Cannot extend type \"Foo\" because it is not defined.");
    expect_schema_error("type Query { a: Int } scalar S extend type S @deprecated",
                        "Cannot extend non-object type \"S\".");
    expect_schema_error("type Query { a: Int } type Empty", "Type Empty must define one or more "
                                                            "fields.");
    expect_schema_error("query { a }", "The OperationDefinition definition is not executable.");
}

TEST(schema_checks_default_and_directive_values)
{
    expect_schema_error("type Query { f(a: Int = \"x\"): Int }",
                        "Query.f(a:) has invalid default value: Int cannot represent non-integer "
                        "value: \"x\"");
    expect_schema_error("input J { y: Int! } input I { c: J = {z: 1} } type Query { f(i: I): Int }",
                        "I.c has invalid default value: Field \"J.y\" of required type \"Int!\" "
                        "was not provided.");
    expect_schema_error("input I { b: [String!] = [null] } type Query { f(i: I): Int }",
                        "I.b has invalid default value: Expected value of type \"String!\", "
                        "found null.");
    expect_schema_error("directive @d(x: E = C) on FIELD enum E { A B } type Query { f: Int }",
                        "@d(x:) has invalid default value: Value \"C\" does not exist in \"E\" "
                        "enum. Did you mean the enum value \"A\" or \"B\"?");
    expect_schema_error("type Query { f: Int @deprecated(reason: 1) }",
                        "Argument \"reason\" has invalid value 1.");
    expect_schema_error("type Query { f: S } scalar S @specifiedBy(url: null)",
                        "Argument \"url\" of non-null type \"String!\" must not be null.");
    expect_schema_error("directive @d(x: [Int]) on ENUM_VALUE type Query { f: E } "
                        "enum E { A @d(x: [1, \"2\"]) }",
                        "Argument \"x\" has invalid value [1, \"2\"].");
    /* Valid defaults and values, including coercions graphql-js allows. */
    expect_schema_error("directive @d(x: [Int] = 1) on FIELD_DEFINITION\n"
                        "input I { a: Float = 1 b: [ID!] = [1, \"x\"] c: I2 = {} }\n"
                        "input I2 { z: Int = null }\n"
                        "type Query { f(i: I = {a: 2.5}, e: E = A): Int @d(x: [1]) }\n"
                        "enum E { A @deprecated(reason: \"\"\"block\"\"\") }",
                        NULL);
}

TEST(schema_prints_sdl_and_round_trips)
{
    static const char *const sdl =
        "\"\"\"my dir\"\"\"\ndirective @auth(role: String = \"user\") repeatable on "
        "FIELD_DEFINITION | "
        "OBJECT\n\n\"\"\"\nThe root\n  query\n\"\"\"\ntype Query {\n  a(x: Int = 1, y: [Color!]): "
        "String @deprecated\n  d: Date\n}\n\nenum Color {\n  RED\n  GREEN @deprecated(reason: "
        "\"gone\")\n}\n\nscalar Date @specifiedBy(url: \"https://example.com\")\n\ninput In "
        "@oneOf {\n  a: Int\n  b: String\n}";
    struct arena *a = arena_new(0);
    struct gql_errors errs;
    gql_errors_init(&errs, a, 10);
    struct gql_schema *s = gql_schema_new();
    ASSERT_OK(gql_schema_add_sdl(s, str_from_cstr(sdl), &errs));
    ASSERT_OK(gql_schema_build(s, &errs));
    struct str printed = gql_print_schema(a, s);
    ASSERT_EQ_SLICE(printed, sdl);
    ASSERT_TRUE(gql_schema_find_directive(s, STR("auth"))->repeatable);
    struct gql_schema *s2 = gql_schema_new();
    ASSERT_OK(gql_schema_add_sdl(s2, printed, &errs));
    ASSERT_OK(gql_schema_build(s2, &errs));
    ASSERT_EQ_SLICE(gql_print_schema(a, s2), sdl);
    gql_schema_free(s2);
    gql_schema_free(s);
    arena_free(a);
}
