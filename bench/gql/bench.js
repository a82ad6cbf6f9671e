// SPDX-License-Identifier: MIT
// graphql-js side of bench/gql: the same schema, query and variables (read from
// bench_schema.h) and the same data, through graphql() (parse + validate + execute) and
// JSON.stringify per operation. Prints operations per second.
'use strict';
const fs = require('fs');
const path = require('path');
const g = require(path.resolve(__dirname, '../../build/npm/node_modules/graphql'));

const header = fs.readFileSync(path.join(__dirname, 'bench_schema.h'), 'utf8');
function between(tag) {
  const body = header.split(`/* ${tag}_BEGIN */`)[1].split(`/* ${tag}_END */`)[0];
  return [...body.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`)).join('');
}
const schema = g.buildSchema(between('BENCH_SDL'));
const query = between('BENCH_QUERY');
const variables = JSON.parse(between('BENCH_VARIABLES'));

function user(i) {
  return { id: `u${i}`, name: `User ${i}`, email: `user${i}@example.com`,
    avatar: 'https://img.example.com/a.png', followers: 100 + i, posts: [] };
}
const posts = [];
for (let i = 0; i < 10; i++) {
  const author = user(i + 1);
  posts.push({ id: `p${i}`, title: `Post number ${i}`, body: 'Lorem ipsum dolor sit amet, consectetur.',
    tags: ['c', 'graphql', 'kiln'], score: 4.5 + i, published: i % 2 === 0, author,
    comments: [0, 1, 2].map((c) => ({ id: `c${i}-${c}`, text: 'Nice post, thanks!', author })) });
}
const rootValue = { viewer: user(0), posts: (args) => posts.slice(0, args.first) };

const seconds = Number(process.argv[2] || 2);
function once() {
  const r = g.graphqlSync({ schema, source: query, rootValue, variableValues: variables });
  return JSON.stringify(r);
}
const first = once();
if (process.env.GQL_BENCH_PRINT) console.log(first);
let ops = 0;
const start = process.hrtime.bigint();
let elapsed = 0;
while (elapsed < seconds) {
  for (let i = 0; i < 100; i++) once();
  ops += 100;
  elapsed = Number(process.hrtime.bigint() - start) / 1e9;
}
console.log(`graphql-js ${require(path.resolve(__dirname, '../../build/npm/node_modules/graphql/package.json')).version}: ${(ops / elapsed).toFixed(0)} ops/s (${ops} ops in ${elapsed.toFixed(2)} s, response ${first.length} bytes)`);
