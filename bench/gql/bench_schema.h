/* SPDX-License-Identifier: MIT */
/* The schema, query and variables shared by gql_bench.c and bench.js (which reads this file
 * for the strings between the BENCH markers, so both run exactly the same text). */
#pragma once

/* BENCH_SDL_BEGIN */
static const char bench_sdl[] =
    "type Query { viewer: User posts(first: Int!, tag: String): [Post!]! }\n"
    "type User { id: ID! name: String! email: String avatar(size: Int = 64): String "
    "followers: Int posts(first: Int): [Post!]! }\n"
    "type Post { id: ID! title: String! body: String tags: [String!]! score: Float "
    "published: Boolean author: User! comments(first: Int): [Comment!]! }\n"
    "type Comment { id: ID! text: String author: User! }\n";
/* BENCH_SDL_END */

/* BENCH_QUERY_BEGIN */
static const char bench_query[] =
    "query Feed($first: Int!, $tag: String, $size: Int) {\n"
    "  viewer { ...UserCard avatar(size: $size) posts(first: 2) { ...PostHead body tags "
    "published } }\n"
    "  posts(first: $first, tag: $tag) {\n"
    "    __typename ...PostHead body tags score published\n"
    "    author { ...UserCard }\n"
    "    comments(first: 3) { __typename id text author { ...UserCard } }\n"
    "  }\n"
    "  second: posts(first: 2, tag: \"x\") { ...PostHead score author { id } }\n"
    "}\n"
    "fragment UserCard on User { id name email followers }\n"
    "fragment PostHead on Post { id title }\n";
/* BENCH_QUERY_END */

/* BENCH_VARIABLES_BEGIN */
static const char bench_variables[] = "{\"first\": 10, \"tag\": \"c\", \"size\": 128}";
/* BENCH_VARIABLES_END */
