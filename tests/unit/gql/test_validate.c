/* SPDX-License-Identifier: MIT */
/* Unit tests for document validation (gql_validate.c), on the specification's example
 * schema of section 5 (Dog, Cat, Pet, ...). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "gql/gql.h"
#include "harness.h"

static const char *const spec_sdl =
    "type Query { dog: Dog findDog(searchBy: FindDogInput): Dog  human: Human pet: Pet "
    "catOrDog: CatOrDog arguments: Arguments booleanList(booleanListArg: [Boolean!]): Boolean }\n"
    "type Subscription { newMessage: Message disallowedSecondRootField: Boolean }\n"
    "type Message { body: String sender: String }\n"
    "enum DogCommand { SIT DOWN HEEL }\n"
    "type Dog implements Pet { name: String! nickname: String barkVolume: Int "
    "doesKnowCommand(dogCommand: DogCommand!): Boolean! isHouseTrained(atOtherHomes: Boolean): "
    "Boolean! owner: Human }\n"
    "interface Sentient { name: String! }\n"
    "interface Pet { name: String! }\n"
    "type Alien implements Sentient { name: String! homePlanet: String }\n"
    "type Human implements Sentient { name: String! pets: [Pet!] }\n"
    "enum CatCommand { JUMP }\n"
    "type Cat implements Pet { name: String! nickname: String doesKnowCommand(catCommand: "
    "CatCommand!): Boolean! meowVolume: Int }\n"
    "union CatOrDog = Cat | Dog\n"
    "union DogOrHuman = Dog | Human\n"
    "union HumanOrAlien = Human | Alien\n"
    "input FindDogInput { name: String owner: String }\n"
    "type Arguments { multipleRequirements(x: Int!, y: Int!): Int! booleanArgField(booleanArg: "
    "Boolean): Boolean floatArgField(floatArg: Float): Float intArgField(intArg: Int): Int "
    "nonNullBooleanArgField(nonNullBooleanArg: Boolean!): Boolean! booleanListArgField"
    "(booleanListArg: [Boolean]!): [Boolean] optionalNonNullBooleanArgField(optionalBooleanArg: "
    "Boolean! = false): Boolean! }\n";

static struct gql_schema *spec_schema(void)
{
    struct arena *a = arena_new(0);
    struct gql_errors errs;
    gql_errors_init(&errs, a, 10);
    struct gql_schema *s = gql_schema_new();
    ASSERT_OK(gql_schema_add_sdl(s, str_from_cstr(spec_sdl), &errs));
    ASSERT_OK(gql_schema_build(s, &errs));
    arena_free(a);
    return s;
}

/* Validate doc; the errors formatted as "message @line:col,line:col | ..." must equal want. */
static void expect_validation(const char *doc, const char *want)
{
    struct gql_schema *s = spec_schema();
    struct arena *a = arena_new(0);
    struct gql_errors errs;
    struct gql_document *d = NULL;
    gql_errors_init(&errs, a, 100);
    ASSERT_OK(gql_parse(a, str_from_cstr(doc), NULL, &errs, &d));
    int rc = gql_validate(a, s, d, &errs);
    struct buf b;
    buf_init(&b, 1 << 20);
    for (size_t i = 0; i < errs.count; i++) {
        ASSERT_OK(buf_try_printf(&b, "%s%.*s @", i ? " | " : "", STR_FMT(errs.items[i].message)));
        for (size_t k = 0; k < errs.items[i].loc_count; k++) {
            ASSERT_OK(buf_try_printf(&b, "%s%u:%u", k ? "," : "", errs.items[i].locs[k].line,
                                     errs.items[i].locs[k].column));
        }
    }
    ASSERT_EQ_STR(buf_str(&b).ptr, want);
    ASSERT_RC(rc, want[0] ? RC_INVAL : RC_OK);
    buf_fini(&b);
    arena_free(a);
    gql_schema_free(s);
}

TEST(validate_valid_documents)
{
    expect_validation("query getDogName { dog { name } }\nquery getOwnerName { dog { owner { "
                      "name } } }",
                      "");
    expect_validation("{ dog { ...fragmentOne ...fragmentTwo } }\nfragment fragmentOne on Dog { "
                      "name }\nfragment fragmentTwo on Dog { owner { name } }",
                      "");
    expect_validation("query q($c: DogCommand!) { dog { doesKnowCommand(dogCommand: $c) "
                      "isHouseTrained(atOtherHomes: true) ... on Pet { name } } catOrDog { "
                      "__typename ... on Cat { meowVolume } } }",
                      "");
    expect_validation("subscription sub { newMessage { body sender } }", "");
    expect_validation("query { arguments { optionalNonNullBooleanArgField "
                      "multipleRequirements(y: 2, x: 1) } __schema { types { name } } }",
                      "");
}

TEST(validate_operations)
{
    expect_validation("query dogOperation { dog { name } }\nmutation dogOperation { x }",
                      "There can be only one operation named \"dogOperation\". @1:7,2:10");
    expect_validation("{ dog { name } }\nquery getName { dog { owner { name } } }",
                      "This anonymous operation must be the only defined operation. @1:1");
    expect_validation("subscription sub { newMessage { body } disallowedSecondRootField }",
                      "Subscription \"sub\" must select only one top level field. @1:40");
    expect_validation("subscription { __typename }",
                      "Anonymous Subscription must not select an introspection top level "
                      "field. @1:16");
    expect_validation("type Foo { a: Int }\n{ dog { name } }",
                      "The \"Foo\" definition is not executable. @1:1");
}

TEST(validate_fields)
{
    expect_validation("{ dog { meowVolume } }",
                      "Cannot query field \"meowVolume\" on type \"Dog\". Did you mean "
                      "\"barkVolume\"? @1:9");
    expect_validation("{ pet { nickname } }",
                      "Cannot query field \"nickname\" on type \"Pet\". Did you mean to use an "
                      "inline fragment on \"Cat\" or \"Dog\"? @1:9");
    expect_validation("{ catOrDog { name } }",
                      "Cannot query field \"name\" on type \"CatOrDog\". Did you mean to use an "
                      "inline fragment on \"Pet\", \"Cat\", or \"Dog\"? @1:14");
    expect_validation("{ dog { name { x } } }",
                      "Field \"name\" must not have a selection since type \"String!\" has no "
                      "subfields. @1:14");
    expect_validation("{ human }",
                      "Field \"human\" of type \"Human\" must have a selection of subfields. Did "
                      "you mean \"human { ... }\"? @1:3");
    expect_validation("{ dog { name: nickname name } }",
                      "Fields \"name\" conflict because \"nickname\" and \"name\" are different "
                      "fields. Use different aliases on the fields to fetch both if this was "
                      "intentional. @1:9,1:24");
    expect_validation("{ dog { doesKnowCommand(dogCommand: SIT) doesKnowCommand(dogCommand: "
                      "HEEL) } }",
                      "Fields \"doesKnowCommand\" conflict because they have differing "
                      "arguments. Use different aliases on the fields to fetch both if this was "
                      "intentional. @1:9,1:42");
    expect_validation("{ catOrDog { ... on Dog { x: barkVolume } ... on Cat { x: nickname } } }",
                      "Fields \"x\" conflict because they return conflicting types \"Int\" and "
                      "\"String\". Use different aliases on the fields to fetch both if this "
                      "was intentional. @1:27,1:56");
}

TEST(validate_arguments)
{
    expect_validation("{ dog { doesKnowCommand(command: CLEAN_UP_HOUSE) } }",
                      "Unknown argument \"command\" on field \"Dog.doesKnowCommand\". Did you mean "
                      "\"dogCommand\"? @1:25 | Field \"doesKnowCommand\" argument \"dogCommand\" "
                      "of type \"DogCommand!\" is required, but it was not provided. @1:9");
    expect_validation("{ dog { isHouseTrained(atOtherHomes: true, atOtherHomes: false) } }",
                      "There can be only one argument named \"atOtherHomes\". @1:24,1:44");
    expect_validation("{ arguments { intArgField(intArg: \"3\") floatArgField(floatArg: "
                      "true) } }",
                      "Int cannot represent non-integer value: \"3\" @1:35 | Float cannot "
                      "represent non numeric value: true @1:64");
    expect_validation("{ dog { doesKnowCommand(dogCommand: SITT) } }",
                      "Value \"SITT\" does not exist in \"DogCommand\" enum. Did you mean the enum "
                      "value \"SIT\"? @1:37");
    expect_validation("{ findDog(searchBy: { name: \"x\", nam: \"y\", name: \"z\" }) { name } }",
                      "Field \"nam\" is not defined by type \"FindDogInput\". Did you mean "
                      "\"name\"? @1:34 | There can be only one input field named \"name\". "
                      "@1:23,1:44");
    expect_validation("{ arguments { nonNullBooleanArgField(nonNullBooleanArg: null) } }",
                      "Expected value of type \"Boolean!\", found null. @1:57");
    expect_validation("{ dog @skip { name } }",
                      "Directive \"@skip\" argument \"if\" of type \"Boolean!\" is required, but "
                      "it was not provided. @1:7");
    expect_validation("query @skip(if: true) { dog @unknown @include(if: true) @include(if: "
                      "false) { name } }",
                      "Directive \"@skip\" may not be used on QUERY. @1:7 | The directive "
                      "\"@include\" can only be used once at this location. @1:38,1:57 | "
                      "Unknown directive \"@unknown\". @1:29");
}

TEST(validate_fragments)
{
    expect_validation("{ dog { ...undefinedFragment } }",
                      "Unknown fragment \"undefinedFragment\". @1:12");
    expect_validation("fragment nameFragment on Dog { name }\n{ dog { name } }",
                      "Fragment \"nameFragment\" is never used. @1:1");
    expect_validation("{ dog { ...f } }\nfragment f on Dog { name }\nfragment f on Dog { "
                      "owner { name } }",
                      "There can be only one fragment named \"f\". @2:10,3:10");
    expect_validation("{ dog { ...nameFragment } }\nfragment nameFragment on Dog { name "
                      "...barkVolumeFragment }\nfragment barkVolumeFragment on Dog { barkVolume "
                      "...nameFragment }",
                      "Cannot spread fragment \"nameFragment\" within itself via "
                      "\"barkVolumeFragment\". @2:37,3:49");
    expect_validation(
        "{ dog { ...f } }\nfragment f on DogCommand { x }",
        "Fragment \"f\" cannot condition on non composite type \"DogCommand\". @2:15");
    expect_validation("{ dog { ... on Cat { meowVolume } } }",
                      "Fragment cannot be spread here as objects of type \"Dog\" can never be of "
                      "type \"Cat\". @1:9");
    expect_validation("{ dog { ... on NotInSchema { name } } }",
                      "Unknown type \"NotInSchema\". Did you mean \"__Schema\"? @1:16");
}

TEST(validate_variables)
{
    expect_validation("query q($atOtherHomes: Boolean, $atOtherHomes: Boolean) { dog { "
                      "isHouseTrained(atOtherHomes: $atOtherHomes) } }",
                      "There can be only one variable named \"$atOtherHomes\". @1:10,1:34");
    expect_validation("query q($dog: Dog) { dog { name } }",
                      "Variable \"$dog\" cannot be non-input type \"Dog\". @1:15 | Variable "
                      "\"$dog\" is never used in operation \"q\". @1:9");
    expect_validation("query q { dog { isHouseTrained(atOtherHomes: $atOtherHomes) } }",
                      "Variable \"$atOtherHomes\" is not defined by operation \"q\". @1:46,1:1");
    expect_validation("query q($b: Boolean) { arguments { nonNullBooleanArgField("
                      "nonNullBooleanArg: $b) } }",
                      "Variable \"$b\" of type \"Boolean\" used in position expecting type "
                      "\"Boolean!\". @1:9,1:78");
    expect_validation("query q($b: Boolean = true) { arguments { nonNullBooleanArgField("
                      "nonNullBooleanArg: $b) } }",
                      "");
    expect_validation("query q($x: Int = \"no\") { dog { name } }",
                      "Int cannot represent non-integer value: \"no\" @1:19 | Variable \"$x\" is "
                      "never used in operation \"q\". @1:9");
    expect_validation("query q($b: [Boolean]) { booleanList(booleanListArg: $b) }",
                      "Variable \"$b\" of type \"[Boolean]\" used in position expecting type "
                      "\"[Boolean!]\". @1:9,1:54");
}

TEST(validate_overlap_through_fragment_cycle_terminates)
{
    /* Found by fuzz_gql: comparing sub-selections followed a fragment cycle forever. */
    expect_validation(
        "{ dog { ...A } } fragment A on Dog { owner { pets { ...A } } owner { pets "
        "{ ...A } } }",
        "Cannot spread fragment \"A\" within itself. @1:77 | Cannot spread fragment \"A\" "
        "within itself. @1:53");
}

TEST(validate_introspection_depth)
{
    expect_validation("{ __schema { types { fields { type { fields { name } } } } } }", "");
    expect_validation(
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } "
        "} } }",
        "Maximum introspection depth exceeded @1:3");
    expect_validation("{ __type(name: \"Dog\") { ...A } }\n"
                      "fragment A on __Type { interfaces { ...B } }\n"
                      "fragment B on __Type { possibleTypes { interfaces { name } } }",
                      "Maximum introspection depth exceeded @1:3");
    /* Fragments spread twice at each of 40 levels: 2^40 paths. The walk's node budget stops
     * it and the document is rejected rather than walked for hours. */
    struct buf doc;
    buf_init(&doc, 1u << 16);
    ASSERT_OK(buf_try_append_cstr(&doc, "{ __schema { types { ...F0 } } }\n"));
    for (int i = 0; i < 40; i++) {
        ASSERT_OK(buf_try_printf(&doc, "fragment F%d on __Type { ofType { ...F%d ...F%d } }\n", i,
                                 i + 1, i + 1));
    }
    ASSERT_OK(buf_try_append_cstr(&doc, "fragment F40 on __Type { name }\n"));
    char *text = strndup(buf_str(&doc).ptr, buf_str(&doc).len);
    expect_validation(text, "Maximum introspection depth exceeded @1:3");
    free(text);
    buf_fini(&doc);
}

TEST(validate_type_system_definitions_in_documents)
{
    expect_validation(
        "{ dog { name } }\ntype T implements Nope { a: Strin }",
        "The \"T\" definition is not executable. @2:1 | Unknown type \"Nope\". @2:19 | "
        "Unknown type \"Strin\". Did you mean \"String\"? @2:29");
    expect_validation(
        "{ dog { name @d @d } }\ndirective @d(x: Int!) on QUERY",
        "The \"d\" definition is not executable. @2:1 | The directive \"@d\" can only "
        "be used once at this location. @1:14,1:17 | Directive \"@d\" may not be used "
        "on FIELD. @1:14 | Directive \"@d\" argument \"x\" of type \"Int!\" is "
        "required, but it was not provided. @1:14 | Directive \"@d\" may not be used "
        "on FIELD. @1:17 | Directive \"@d\" argument \"x\" of type \"Int!\" is "
        "required, but it was not provided. @1:17");
}

TEST(validate_stops_at_max_errors)
{
    struct gql_schema *s = spec_schema();
    struct arena *a = arena_new(0);
    struct gql_errors errs;
    struct gql_document *d = NULL;
    gql_errors_init(&errs, a, 3);
    ASSERT_OK(gql_parse(a, STR("{ a b c d e }"), NULL, &errs, &d));
    ASSERT_RC(gql_validate(a, s, d, &errs), RC_INVAL);
    ASSERT_EQ_SIZE(errs.count, 4);
    ASSERT_EQ_STR(errs.items[2].message.ptr, "Cannot query field \"c\" on type \"Query\".");
    ASSERT_EQ_STR(errs.items[3].message.ptr,
                  "Too many validation errors, error limit reached. Validation aborted.");
    ASSERT_EQ_SIZE(errs.items[3].loc_count, 0);
    arena_free(a);
    gql_schema_free(s);
}
