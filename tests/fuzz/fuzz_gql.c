/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the GraphQL engine: parse the input as a document, validate it
 * against a fixed schema (interfaces, unions, enums, input objects, @oneOf), check the abuse
 * limits of each operation and, when all that passes, execute the first operation with the
 * default resolvers over a fixed root value and serialise the response. Any crash, leak or
 * sanitizer report is a bug.
 */
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/rc.h"
#include "gql/gql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char schema_sdl[] =
    "type Query { dog: Dog pet(id: ID!): Pet search(q: Search, first: Int = 10): [Result!]! "
    "node(id: ID): Node echo(s: String, n: Int, f: Float, b: Boolean, c: Color, l: [Int!]): "
    "String }\n"
    "type Mutation { adopt(input: AdoptInput!): Pet }\n"
    "type Subscription { barked: Dog }\n"
    "interface Node { id: ID! }\n"
    "interface Pet implements Node { id: ID! name(surname: Boolean): String! }\n"
    "type Dog implements Pet & Node { id: ID! name(surname: Boolean): String! barks: Boolean "
    "owner: Human friends: [Pet] }\n"
    "type Cat implements Pet & Node { id: ID! name(surname: Boolean): String! lives: Int }\n"
    "type Human implements Node { id: ID! name: String pets: [Pet!] }\n"
    "union Result = Dog | Cat | Human\n"
    "enum Color { RED GREEN BLUE }\n"
    "input AdoptInput { name: String! color: Color = RED tags: [String!] }\n"
    "input Search @oneOf { byName: String byColor: Color }\n"
    "scalar Date @specifiedBy(url: \"https://example.com\")\n";

static const char root_json[] =
    "{\"dog\": {\"__typename\": \"Dog\", \"id\": \"d1\", \"name\": \"Rex\", \"barks\": true, "
    "\"owner\": {\"id\": \"h1\", \"name\": null, \"pets\": [{\"__typename\": \"Cat\", \"id\": "
    "\"c1\", "
    "\"name\": \"Tom\", \"lives\": 9}]}, \"friends\": [null, {\"__typename\": \"Cat\", \"id\": "
    "\"c2\", \"name\": \"Kit\", \"lives\": \"x\"}]}, \"pet\": {\"__typename\": \"Unknown\"}, "
    "\"search\": [{\"__typename\": \"Human\", \"id\": \"h2\"}, 5], \"echo\": 12, "
    "\"adopt\": null, \"barked\": {\"id\": 1}}";

static struct gql_schema *schema;

static void execute_first(struct arena *a, const struct gql_document *doc,
                          const struct gql_node *op)
{
    struct json_value *root = NULL;
    struct gql_exec *ex = NULL;
    if (json_parse(a, str_from_cstr(root_json), NULL, &root, NULL) != RC_OK) {
        return;
    }
    struct gql_exec_params p = {
        .schema = schema,
        .doc = doc,
        .operation_name = op->name,
        .root_value = gql_value_from_json(a, root),
    };
    IGNORE_RC(gql_execute(a, &p, &ex));
    struct buf out;
    struct json_writer w;
    buf_init(&out, 1u << 20);
    json_writer_init(&w, &out);
    if (gql_exec_done(ex)) {
        gql_exec_write(ex, &w);
    }
    buf_fini(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(0);
    struct gql_errors errs;
    struct gql_document *doc = NULL;
    gql_errors_init(&errs, a, 100);
    if (schema == NULL) {
        schema = gql_schema_new();
        ASSERT(gql_schema_add_sdl(schema, str_from_cstr(schema_sdl), &errs) == RC_OK);
        ASSERT(gql_schema_build(schema, &errs) == RC_OK);
    }
    struct str src = str_make((const char *)data, size);
    if (gql_parse(a, src, NULL, &errs, &doc) == RC_OK) {
        bool valid = gql_validate(a, schema, doc, &errs) == RC_OK;
        const struct gql_node *first = NULL;
        for (size_t i = 0; i < doc->root->children.count; i++) {
            const struct gql_node *op = doc->root->children.items[i];
            if (op->kind == GQL_OPERATION) {
                valid = gql_check_limits(doc, op, NULL, &errs) == RC_OK && valid;
                first = first != NULL ? first : op;
            }
        }
        if (valid && first != NULL) {
            execute_first(a, doc, first);
        }
    }
    arena_free(a);
    return 0;
}
