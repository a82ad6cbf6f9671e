/* SPDX-License-Identifier: MIT */
/* Unit tests for the GraphQL lexer and parser (gql_lex.c, gql_parse.c). */
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "gql/gql.h"
#include "gql/gql_internal.h"
#include "harness.h"

struct fixture {
    struct arena *a;
    struct gql_errors errs;
    struct gql_document *doc;
};

static int parse(struct fixture *f, const char *src)
{
    f->a = arena_new(0);
    gql_errors_init(&f->errs, f->a, 10);
    return gql_parse(f->a, str_from_cstr(src), NULL, &f->errs, &f->doc);
}

/* Parse src, expect a syntax error with message msg at line:col. */
static void expect_error(const char *src, const char *msg, uint32_t line, uint32_t col)
{
    struct fixture f;
    int rc = parse(&f, src);
    ASSERT_RC(rc, RC_INVAL);
    ASSERT_EQ_SIZE(f.errs.count, 1);
    ASSERT_EQ_STR(f.errs.items[0].message.ptr, msg);
    ASSERT_EQ_SIZE(f.errs.items[0].loc_count, 1);
    ASSERT_EQ_INT(f.errs.items[0].locs[0].line, line);
    ASSERT_EQ_INT(f.errs.items[0].locs[0].column, col);
    arena_free(f.a);
}

TEST(parse_simple_query)
{
    struct fixture f;
    ASSERT_OK(parse(&f, "query Q($id: ID! = \"1\") { a: user(id: $id) @skip(if: false) "
                        "{ name ...F ... on User { id } } }\nfragment F on User { email }"));
    struct gql_node *doc = f.doc->root;
    ASSERT_EQ_SIZE(doc->children.count, 2);
    struct gql_node *op = doc->children.items[0];
    ASSERT_EQ_INT(op->kind, GQL_OPERATION);
    ASSERT_EQ_SLICE(op->name, "Q");
    ASSERT_EQ_SIZE(op->args.count, 1);
    struct gql_node *var = op->args.items[0];
    ASSERT_EQ_SLICE(var->name, "id");
    ASSERT_EQ_INT(var->type->kind, GQL_NON_NULL_TYPE);
    ASSERT_EQ_SLICE(var->type->type->name, "ID");
    ASSERT_EQ_INT(var->value->kind, GQL_STRING);
    ASSERT_EQ_SLICE(var->value->text, "1");
    struct gql_node *field = op->children.items[0];
    ASSERT_EQ_SLICE(field->alias, "a");
    ASSERT_EQ_SLICE(field->name, "user");
    ASSERT_EQ_INT(field->loc.column, 27);
    ASSERT_EQ_SIZE(field->directives.count, 1);
    ASSERT_EQ_INT(field->directives.items[0]->args.items[0]->value->kind, GQL_BOOLEAN);
    ASSERT_EQ_SIZE(field->children.count, 3);
    ASSERT_EQ_INT(field->children.items[1]->kind, GQL_FRAGMENT_SPREAD);
    ASSERT_EQ_INT(field->children.items[2]->kind, GQL_INLINE_FRAGMENT);
    ASSERT_EQ_SLICE(field->children.items[2]->type->name, "User");
    struct gql_node *frag = doc->children.items[1];
    ASSERT_EQ_INT(frag->kind, GQL_FRAGMENT_DEF);
    ASSERT_EQ_INT(frag->loc.line, 2);
    ASSERT_EQ_INT(frag->loc.column, 1);
    arena_free(f.a);
}

TEST(parse_values)
{
    struct fixture f;
    ASSERT_OK(
        parse(&f, "{ f(a: [1, 2.5e3, \"s\\u00e9\\n\", ENUM, null, true], b: {x: {y: $v}}) }"));
    struct gql_node *f0 = f.doc->root->children.items[0]->children.items[0];
    struct gql_node *list = f0->args.items[0]->value;
    ASSERT_EQ_INT(list->kind, GQL_LIST);
    ASSERT_EQ_SIZE(list->children.count, 6);
    ASSERT_EQ_INT(list->children.items[0]->kind, GQL_INT);
    ASSERT_EQ_INT(list->children.items[1]->kind, GQL_FLOAT);
    ASSERT_EQ_SLICE(list->children.items[1]->text, "2.5e3");
    ASSERT_EQ_SLICE(list->children.items[2]->text, "s\xc3\xa9\n");
    ASSERT_EQ_INT(list->children.items[3]->kind, GQL_ENUM);
    ASSERT_EQ_INT(list->children.items[4]->kind, GQL_NULL);
    ASSERT_EQ_INT(list->children.items[5]->kind, GQL_BOOLEAN);
    struct gql_node *obj = f0->args.items[1]->value;
    ASSERT_EQ_INT(obj->children.items[0]->value->children.items[0]->value->kind, GQL_VARIABLE);
    arena_free(f.a);
}

TEST(parse_unicode_escapes)
{
    struct fixture f;
    ASSERT_OK(parse(&f, "{ f(a: \"\\uD83D\\uDE00 \\u{1F600}\") }"));
    struct gql_node *v = f.doc->root->children.items[0]->children.items[0]->args.items[0]->value;
    ASSERT_EQ_SLICE(v->text, "\xf0\x9f\x98\x80 \xf0\x9f\x98\x80");
    arena_free(f.a);
    expect_error("{ f(a: \"\\uD83D\") }",
                 "Syntax Error: Invalid Unicode escape sequence: "
                 "\"\\uD83D\".",
                 1, 9);
}

TEST(parse_block_string)
{
    struct gql_errors errs;
    struct arena *a = arena_new(0);
    gql_errors_init(&errs, a, 0);
    struct str v = gql_block_string_value(a, STR("\n    Hello,\n      World!\n\n    Yours,\n"
                                                 "      GraphQL.\n  "));
    ASSERT_EQ_SLICE(v, "Hello,\n  World!\n\nYours,\n  GraphQL.");
    arena_free(a);
    struct fixture f;
    ASSERT_OK(parse(&f, "\"\"\"\n  desc \\\"\"\" x\n\"\"\"\ntype A { f: Int }"));
    struct gql_node *t = f.doc->root->children.items[0];
    ASSERT_EQ_INT(t->kind, GQL_OBJECT_DEF);
    ASSERT_EQ_SLICE(t->description, "desc \"\"\" x");
    ASSERT_EQ_INT(t->loc.line, 1);
    arena_free(f.a);
}

TEST(parse_sdl)
{
    struct fixture f;
    ASSERT_OK(parse(&f,
                    "schema @d { query: Q mutation: M }\n"
                    "\"desc\" type T implements & A & B @key { \"f\" f(x: Int = 1 @d): [T!]! }\n"
                    "interface A implements B { id: ID }\n"
                    "union U = | A | B\n"
                    "enum E { ONE @deprecated(reason: \"no\") TWO }\n"
                    "input I @oneOf { a: Int = 2, b: String }\n"
                    "scalar Date @specifiedBy(url: \"https://x\")\n"
                    "directive @d(a: Int) repeatable on FIELD_DEFINITION | OBJECT\n"
                    "extend type T { g: Int }\n"
                    "extend schema @d\n"
                    "extend union U = C\n"));
    struct gql_list *defs = &f.doc->root->children;
    ASSERT_EQ_SIZE(defs->count, 11);
    ASSERT_EQ_INT(defs->items[0]->kind, GQL_SCHEMA_DEF);
    ASSERT_EQ_INT(defs->items[0]->children.items[1]->op, GQL_OP_MUTATION);
    struct gql_node *t = defs->items[1];
    ASSERT_EQ_SLICE(t->description, "desc");
    ASSERT_EQ_SIZE(t->interfaces.count, 2);
    ASSERT_EQ_SLICE(t->children.items[0]->description, "f");
    ASSERT_EQ_INT(t->children.items[0]->type->kind, GQL_NON_NULL_TYPE);
    ASSERT_EQ_INT(t->children.items[0]->type->type->kind, GQL_LIST_TYPE);
    ASSERT_EQ_SIZE(defs->items[3]->children.count, 2);
    ASSERT_EQ_INT(defs->items[7]->kind, GQL_DIRECTIVE_DEF);
    ASSERT_TRUE(defs->items[7]->flag);
    ASSERT_EQ_SIZE(defs->items[7]->children.count, 2);
    ASSERT_TRUE(defs->items[8]->flag);
    ASSERT_EQ_INT(defs->items[9]->kind, GQL_SCHEMA_DEF);
    ASSERT_TRUE(defs->items[9]->flag);
    arena_free(f.a);
}

TEST(parse_errors_like_graphql_js)
{
    expect_error("", "Syntax Error: Unexpected <EOF>.", 1, 1);
    expect_error("{", "Syntax Error: Expected Name, found <EOF>.", 1, 2);
    expect_error("{ a(b: ) }", "Syntax Error: Unexpected \")\".", 1, 8);
    expect_error("query Q(", "Syntax Error: Expected \"$\", found <EOF>.", 1, 9);
    expect_error("{ ...on }", "Syntax Error: Expected Name, found \"}\".", 1, 9);
    expect_error("fragment on on T { a }", "Syntax Error: Unexpected Name \"on\".", 1, 10);
    expect_error("notanop { a }", "Syntax Error: Unexpected Name \"notanop\".", 1, 1);
    expect_error("{ a }\n  %", "Syntax Error: Unexpected character: \"%\".", 2, 3);
    expect_error("{ a(x: 'y') }",
                 "Syntax Error: Unexpected single quote character ('), did you "
                 "mean to use a double quote (\")?",
                 1, 8);
    expect_error("{ a(x: \"abc) }", "Syntax Error: Unterminated string.", 1, 15);
    expect_error("{ a(x: 01) }", "Syntax Error: Invalid number, unexpected digit after 0: \"1\".",
                 1, 9);
    expect_error("{ a(x: 1.) }", "Syntax Error: Invalid number, expected digit but got: \")\".", 1,
                 10);
    expect_error("{ a(x: 1x) }", "Syntax Error: Invalid number, expected digit but got: \"x\".", 1,
                 9);
    expect_error("{ a(x: \"\\x\") }", "Syntax Error: Invalid character escape sequence: \"\\x\".",
                 1, 9);
    expect_error("query Q($a: Int = $b) { a }",
                 "Syntax Error: Unexpected variable \"$b\" in constant value.", 1, 19);
    expect_error("\"d\" { a }",
                 "Syntax Error: Unexpected description, descriptions are not supported on "
                 "shorthand queries.",
                 1, 1);
    expect_error("\"d\" extend type T { a: Int }",
                 "Syntax Error: Unexpected description, only GraphQL definitions support "
                 "descriptions.",
                 1, 1);
    expect_error("enum E { true }",
                 "Syntax Error: Name \"true\" is reserved and cannot be used for an enum value.", 1,
                 10);
    expect_error("extend type T", "Syntax Error: Unexpected <EOF>.", 1, 14);
    expect_error("type T {}", "Syntax Error: Expected Name, found \"}\".", 1, 9);
    expect_error("directive @d on NOWHERE", "Syntax Error: Unexpected Name \"NOWHERE\".", 1, 17);
    expect_error("{ a \x07 }", "Syntax Error: Unexpected character: U+0007.", 1, 5);
}

TEST(parse_descriptions_on_operations_and_control_characters_in_strings)
{
    struct fixture f;
    ASSERT_OK(
        parse(&f, "\"op\" query Q { a(x: \"\x01\") }\n\"\"\"frag\"\"\" fragment F on T { a }"));
    ASSERT_EQ_SLICE(f.doc->root->children.items[0]->description, "op");
    ASSERT_EQ_SLICE(f.doc->root->children.items[1]->description, "frag");
    arena_free(f.a);
}

TEST(parse_columns_count_utf16_units)
{
    /* "é" is one UTF-16 unit, the emoji two, as graphql-js counts. */
    expect_error("{ a(x: \"\xc3\xa9\xf0\x9f\x98\x80\") % }",
                 "Syntax Error: Unexpected character: \"%\".", 1, 15);
}

TEST(parse_limits)
{
    struct arena *a = arena_new(0);
    struct gql_errors errs;
    struct gql_document *doc = NULL;
    struct gql_limits lim;
    gql_limits_default(&lim);
    lim.max_nesting = 5;
    gql_errors_init(&errs, a, 10);
    ASSERT_RC(gql_parse(a, STR("{a{b{c{d{e{f}}}}}}"), &lim, &errs, &doc), RC_LIMIT);
    ASSERT_NULL(doc);
    ASSERT_EQ_SLICE(errs.items[0].code, "GRAPHQL_LIMIT");
    gql_errors_init(&errs, a, 10);
    ASSERT_RC(gql_parse(a, STR("{a(x:[[[[[[1]]]]]])}"), &lim, &errs, &doc), RC_LIMIT);
    lim.max_nesting = 0;
    lim.max_tokens = 4;
    gql_errors_init(&errs, a, 10);
    ASSERT_RC(gql_parse(a, STR("{ a b c }"), &lim, &errs, &doc), RC_LIMIT);
    ASSERT_EQ_SLICE(errs.items[0].message,
                    "Syntax Error: Document contains more than 4 tokens. Parsing aborted.");
    gql_errors_init(&errs, a, 10);
    ASSERT_OK(gql_parse(a, STR("{ a b }"), &lim, &errs, &doc));
    lim.max_document_bytes = 3;
    gql_errors_init(&errs, a, 10);
    ASSERT_RC(gql_parse(a, STR("{ a b }"), &lim, &errs, &doc), RC_LIMIT);
    arena_free(a);
}

TEST(parse_deep_input_does_not_crash)
{
    /* 100,000 nested brackets stay within the default nesting limit's error path. */
    struct arena *a = arena_new(0);
    size_t n = 100000;
    char *s = arena_alloc(a, n + 16);
    memcpy(s, "{a(x:", 5);
    memset(s + 5, '[', n - 10);
    s[n - 5] = '\0';
    struct gql_errors errs;
    struct gql_document *doc = NULL;
    struct gql_limits lim;
    gql_limits_default(&lim);
    lim.max_document_bytes = 0;
    lim.max_tokens = 0;
    gql_errors_init(&errs, a, 10);
    ASSERT_RC(gql_parse(a, str_from_cstr(s), &lim, &errs, &doc), RC_LIMIT);
    arena_free(a);
}

TEST(parse_unicode_escape_at_end_of_input)
{
    /* Found by fuzz_gql: a "\u" escape cut off by the end of the document read past it. */
    expect_error("{d8og \"\\u", "Syntax Error: Invalid Unicode escape sequence: \"\\u\".", 1, 8);
    expect_error("{ a(x: \"\\u12", "Syntax Error: Invalid Unicode escape sequence: \"\\u12\".", 1,
                 9);
}
