// SPDX-License-Identifier: MIT
// Generates tests/gql/diff/cases.jsonl (checked in; re-run after editing:
// `node tests/gql/diff/gen_cases.js > tests/gql/diff/cases.jsonl`). Each case is one schema,
// one document, optional variables and a rootValue read by the default resolvers. The
// matrices below cover parsing, every validation rule, coercion and execution.
'use strict';

const schema = `
"The hero kind"
interface Character { id: ID! name: String! friends: [Character] appearsIn: [Episode]! }
type Human implements Character { id: ID! name: String! friends: [Character] appearsIn: [Episode]!
  homePlanet: String height(unit: Unit = METER): Float mass: Int starships: [Starship!] }
type Droid implements Character { id: ID! name: String! friends: [Character] appearsIn: [Episode]!
  primaryFunction: String }
type Starship { id: ID! name: String! length(unit: Unit = METER): Float coordinates: [[Float!]!] }
union SearchResult = Human | Droid | Starship
enum Episode { NEWHOPE EMPIRE JEDI }
enum Unit { METER FOOT }
input ReviewInput { stars: Int! commentary: String tags: [String!] = [] }
input Filter @oneOf { byName: String byId: ID }
type Review { episode: Episode stars: Int! commentary: String }
scalar Date
type Query {
  hero(episode: Episode): Character
  human(id: ID!): Human
  droid(id: ID!): Droid
  search(text: String, filter: Filter): [SearchResult]
  reviews(episode: Episode!): [Review!]
  echo(s: String, i: Int, f: Float, b: Boolean, id: ID, e: Episode, l: [Int], r: ReviewInput, d: Date): String
  nonNullEcho(s: String!): String!
  int: Int float: Float string: String boolean: Boolean id: ID date: Date episode: Episode
  ints: [Int] strictInts: [Int!]! nested: [[Int]]
  badInt: Int bigInt: Int badFloat: Float badBool: Boolean badEnum: Episode badList: [Int] notList: [Int]
  strictNull: String! strictHero: Human! objNull: Human
  deprecatedField: String @deprecated(reason: "use string")
}
type Mutation { createReview(episode: Episode, review: ReviewInput!): Review setInt(v: Int!): Int }
type Subscription { reviewAdded(episode: Episode): Review }
`;

const r2 = { __typename: 'Droid', id: '2001', name: 'R2-D2', appearsIn: ['NEWHOPE', 'EMPIRE', 'JEDI'],
  primaryFunction: 'Astromech' };
const luke = { __typename: 'Human', id: '1000', name: 'Luke Skywalker', appearsIn: ['NEWHOPE'],
  homePlanet: 'Tatooine', height: 1.72, mass: 77,
  starships: [{ id: '3001', name: 'X-Wing', length: 12.5, coordinates: [[1, 2], [3.5, 4]] }] };
const han = { __typename: 'Human', id: '1002', name: 'Han Solo', appearsIn: ['NEWHOPE', 'EMPIRE'],
  homePlanet: null, height: 1.8, mass: 80, starships: [] };
// Friend graphs as trees (JSON cannot hold cycles): three levels deep.
const friendsOf = { '2001': [luke, han], '1000': [han, r2, null], '1002': [luke] };
function withFriends(c, depth) {
  if (c === null) return null;
  const out = Object.assign({}, c);
  if (depth > 0) out.friends = friendsOf[c.id].map((f) => withFriends(f, depth - 1));
  return out;
}
const rootValue = {
  hero: withFriends(r2, 3), human: withFriends(luke, 3), droid: withFriends(r2, 3),
  search: [withFriends(luke, 1), withFriends(r2, 1), { __typename: 'Starship', id: '3000', name: 'Falcon', length: 34.37 }, null],
  reviews: [{ episode: 'JEDI', stars: 5, commentary: 'great' }, { episode: 'EMPIRE', stars: 4 }],
  echo: 'echo', nonNullEcho: 'nn',
  int: 42, float: 3.25, string: 'str\u00e9 "q" \n', boolean: true, id: 77, date: '2024-01-01',
  episode: 'EMPIRE', ints: [1, null, 3], strictInts: [1, 2], nested: [[1], [], null, [null, 2]],
  badInt: 'abc', bigInt: 3000000000, badFloat: 'x', badBool: 'yes', badEnum: 'SITH',
  badList: [1, 'two', 3], notList: 5, strictNull: null, strictHero: { id: '9', name: null,
    appearsIn: [] }, objNull: null, deprecatedField: 'old',
  createReview: { episode: 'JEDI', stars: 3, commentary: null }, setInt: 1,
};

const cases = [];
function add(name, query, variables, extra) {
  cases.push(Object.assign({ name, schema, query, variables: variables || undefined, rootValue },
    extra || {}));
}

// --- execution of valid queries
const valid = [
  '{ hero { name } }',
  '{ hero { id name friends { name } } }',
  '{ hero { __typename name ... on Droid { primaryFunction } ... on Human { homePlanet } } }',
  '{ human(id: "1000") { name height mass starships { name length coordinates } } }',
  '{ human(id: 1000) { name height(unit: FOOT) friends { name ... on Droid { primaryFunction } } } }',
  '{ search(text: "a") { __typename ... on Character { name } ... on Starship { length } } }',
  '{ search { ... on Human { name } } }',
  '{ reviews(episode: JEDI) { episode stars commentary } }',
  '{ a: int b: int c: float d: string e: boolean f: id g: date h: episode }',
  '{ ints strictInts nested }',
  '{ badInt }', '{ bigInt }', '{ badFloat }', '{ badBool }', '{ badEnum }', '{ badList }',
  '{ notList }', '{ strictNull }', '{ string strictNull }', '{ strictHero { id name } }',
  '{ objNull { name } }', '{ deprecatedField }', '{ __typename }', '{ hero { __typename } }',
  'query Named { hero { name } }', '{ hero { ...F } } fragment F on Character { name appearsIn }',
  '{ hero { ...D } } fragment D on Droid { primaryFunction }',
  '{ hero { ...H } } fragment H on Human { homePlanet }',
  '{ hero { friends { friends { friends { name } } } } }',
  '{ hero { name @skip(if: true) id @include(if: false) appearsIn } }',
  '{ hero { ... @skip(if: true) { name } ... @include(if: true) { id } } }',
  '{ hero { name name: name } }', '{ hero { n: name, i: id, n2: name } }',
  '{ echo(s: "x", i: 1, f: 1.5, b: true, id: "7", e: JEDI, l: [1, 2], r: {stars: 1}) }',
  '{ echo(l: 1) echo2: echo(r: {stars: 5, tags: "a"}) }',
  '{ nonNullEcho(s: "x") }',
  'mutation { createReview(episode: JEDI, review: {stars: 3}) { stars commentary episode } }',
  'mutation M { a: setInt(v: 1) b: setInt(v: 2) }',
  '{ __type(name: "Episode") { kind name enumValues { name isDeprecated } } }',
  '{ __type(name: "Query") { fields(includeDeprecated: true) { name isDeprecated deprecationReason } } }',
  '{ __type(name: "Character") { kind possibleTypes { name } fields { name type { kind name ofType { kind name ofType { kind name } } } } } }',
  '{ __type(name: "ReviewInput") { inputFields { name defaultValue type { kind name ofType { name } } } } }',
  '{ __type(name: "Filter") { isOneOf inputFields { name } } }',
  '{ __type(name: "SearchResult") { kind possibleTypes { name } } }',
  '{ __type(name: "Nope") { name } }',
  '{ __type(name: "Human") { name description interfaces { name } fields { name args { name defaultValue } } } }',
  '{ __schema { queryType { name } mutationType { name } subscriptionType { name } } }',
  '{ __schema { directives { name isRepeatable locations args { name defaultValue type { kind name ofType { name } } } } } }',
  '{ __type(name: "String") { kind name description specifiedByURL } }',
  '{ __type(name: "Date") { kind name specifiedByURL } }',
];
valid.forEach((q, i) => add(`valid-${i}`, q));

// --- operation selection
add('opname-missing', 'query A { int } query B { float }');
add('opname-B', 'query A { int } query B { float }', undefined, { operationName: 'B' });
add('opname-unknown', 'query A { int }', undefined, { operationName: 'C' });

// --- variables: coercion matrix
const varTypes = ['Int', 'Float', 'String', 'Boolean', 'ID', 'Episode', '[Int]', 'ReviewInput'];
const argFor = { Int: 'i', Float: 'f', String: 's', Boolean: 'b', ID: 'id', Episode: 'e', '[Int]': 'l',
  ReviewInput: 'r' };
const jsonValues = [1, -7, 2.5, 1e10, 'text', '', true, null, [1, 2], { stars: 2 }, 'JEDI',
  { stars: 'x' }, { commentary: 'c' }, [1, 'a']];
for (const t of varTypes) {
  for (const v of jsonValues) {
    add(`var-${t}-${JSON.stringify(v)}`, `query Q($v: ${t}) { echo(${argFor[t]}: $v) }`, { v });
  }
}
for (const t of ['Int!', 'String!', 'Episode!', '[Int!]!']) {
  add(`var-missing-${t}`, `query Q($v: ${t}) { echo(${argFor[t.replace(/!/g, '')] || 'l'}: $v) }`, {});
  add(`var-null-${t}`, `query Q($v: ${t}) { echo(${argFor[t.replace(/!/g, '')] || 'l'}: $v) }`, { v: null });
}
add('var-default', 'query Q($v: Int = 3) { echo(i: $v) }', {});
add('var-skip', 'query Q($s: Boolean!) { int @skip(if: $s) float @include(if: $s) }', { s: true });
add('var-skip-false', 'query Q($s: Boolean!) { int @skip(if: $s) float @include(if: $s) }', { s: false });
add('var-oneof', 'query Q($f: Filter) { search(filter: $f) { __typename } }', { f: { byName: 'x', byId: '1' } });

// --- literal argument matrix (ValuesOfCorrectType)
const literals = ['1', '-0', '1.5', '"s"', '"""block"""', 'true', 'null', 'JEDI', '[1]', '{stars: 1}',
  '2147483648', '$v'];
for (const t of ['i', 'f', 's', 'b', 'id', 'e', 'l', 'r']) {
  for (const lit of literals) {
    if (lit === '$v') continue;
    add(`lit-${t}-${lit}`, `{ echo(${t}: ${lit}) }`);
  }
}

// --- validation rule cases
const invalid = [
  '{ hero { nam } }', '{ hero { homePlanet } }', '{ search { name } }', '{ herro { name } }',
  '{ hero }', '{ hero { name { x } } }', '{ int { x } }', '{ human { name } }',
  '{ human(id: "1", id: "2") { name } }', '{ human(ids: "1") { name } }', '{ echo(x: 1) }',
  '{ hero @skip { name } }', '{ hero @unknown { name } }', 'query @skip(if: true) { int }',
  '{ int @skip(if: true) @skip(if: false) }', '{ hero { ...Undefined } }',
  'fragment F on Human { name } { int }', '{ hero { ...F } } fragment F on Human { name } fragment F on Droid { name }',
  '{ hero { ...A } } fragment A on Character { ...B } fragment B on Character { ...A }',
  '{ hero { ...A } } fragment A on Character { ...A }',
  '{ hero { ... on Starship { name } } }', '{ hero { ...S } } fragment S on Starship { name }',
  '{ hero { ... on Episode { name } } }', '{ hero { ... on Nope { name } } }',
  'fragment F on Episode { x } { hero { ...F } }',
  'query Q($a: Int, $a: Int) { echo(i: $a) }', 'query Q($h: Human) { int }',
  'query Q($h: Nope) { int }', '{ echo(i: $undefined) }', 'query Q { echo(i: $undefined) }',
  'query Q($unused: Int) { int }', 'query ($unused: Int) { int }',
  'query Q($v: String) { echo(i: $v) }', 'query Q($v: Int) { nonNullEcho(s: $v) }',
  'query Q($v: String) { nonNullEcho(s: $v) }', 'query Q($v: String = "x") { nonNullEcho(s: $v) }',
  'query Q($v: [Int]) { echo(l: $v) }', 'query Q($v: Int) { echo(l: $v) }',
  'query Q($v: ReviewInput) { createReview(review: $v) { stars } }',
  'query A { int } query A { float }', '{ int } { float }', '{ int } query Q { float }',
  'subscription S { reviewAdded { stars } a: reviewAdded { stars } }',
  'subscription { reviewAdded { stars } __typename }',
  '{ hero { name: id name } }', '{ hero { ... on Human { height } ... on Droid { height: primaryFunction } } }',
  '{ human(id: 1) { height(unit: METER) height(unit: FOOT) } }',
  '{ hero { ... on Human { friends { name } } ... on Droid { friends { name: id } } } }',
  '{ human(id: 1) { mass x: mass } human(id: 2) { mass } }',
  '{ reviews { stars } }', '{ reviews(episode: null) { stars } }', '{ nonNullEcho }',
  '{ echo(r: {commentary: "x"}) }', '{ echo(r: {stars: 1, stars: 2}) }', '{ echo(r: {stars: 1, nope: 2}) }',
  '{ echo(r: {stars: 1, tags: [1]}) }', '{ echo(e: JEDII) }', '{ echo(e: "JEDI") }', '{ echo(e: jedi) }',
  '{ search(filter: {byName: "a", byId: "b"}) { __typename } }', '{ search(filter: {byName: null}) { __typename } }',
  'query Q($v: String) { search(filter: {byName: $v}) { __typename } }',
  'type T { a: Int } { int }', 'schema { query: Query } { int }', 'extend type Query { x: Int } { int }',
  '{ __schema { nope } }', '{ __type { name } }', '{ hero { __schema { queryType { name } } } }',
  'mutation { createReview(review: {stars: 1}) }', 'mutation { nope }',
  '{ hero { friends { ...on Human { starships { name } } ... on Droid { starships } } } }',
  'query Q($v: Boolean) { int @skip(if: $v) }', 'query Q($v: Boolean = true) { int @skip(if: $v) }',
  '{ int @deprecated }', 'query Q($v: Int @skip(if: true)) { echo(i: $v) }',
  '{ hero { ...F @skip(if: 1) } } fragment F on Character { name }',
  '{ search { ... on Character { id } ... on Starship { id } ... on Human { height } } }',
];
invalid.forEach((q, i) => add(`invalid-${i}`, q));

// --- syntax errors
const syntax = [
  '', '{', '}', '{ hero { name }', '{ hero(episode: ) { name } }', 'query Q( { int }', '{ ...on }',
  'fragment on on T { a }', 'notanop { a }', '{ a }\n  %', "{ echo(s: 'x') }", '{ echo(s: "abc) }',
  '{ echo(i: 01) }', '{ echo(f: 1.) }', '{ echo(i: 1x) }', '{ echo(s: "\\x") }', '{ echo(s: "\\u12") }',
  'query Q($a: Int = $b) { int }', '"d" query { int }', '{ echo(s: "\u0001") }', '{ int } extra',
  'query Q($v: Int!!) { int }', '{ hero { ... } }', '{ a: b: c }', '{ int(,) }', '{ int @ }',
  'query Q { int } fragment F { int }', '{ echo(l: [1, 2) }', '{ echo(r: {stars 1}) }',
  '\ufeff{ int }', '{ int }\n\n\n   $', '{ echo(s: """unterminated) }', 'mutation', '{ echo(i: -) }',
  '{ echo(f: 1e) }', '{ echo(f: 1.5.3) }', 'query Q($v: [Int) { int }', '{ int ... F }',
];
syntax.forEach((q, i) => add(`syntax-${i}`, q));

// --- overlapping fields through fragments (OverlappingFieldsCanBeMerged)
const overlaps = [
  '{ hero { ...A ...B } } fragment A on Character { x: name } fragment B on Character { x: id }',
  '{ hero { x: name ...B } } fragment B on Character { x: id }',
  '{ hero { ...A } hero { ...B } } fragment A on Character { name } fragment B on Character { name: id }',
  '{ hero { friends { name } } hero { friends { name: id } } }',
  '{ hero { friends { a: name } friends { a: id b: name } friends { b: id } } }',
  '{ human(id: 1) { ...H } human(id: 2) { ...H } } fragment H on Human { name }',
  '{ hero { ... on Human { mass } ... on Droid { mass: primaryFunction } } }',
  '{ hero { ... on Character { x: name } ... on Droid { x: primaryFunction } } }',
  '{ search { ... on Human { v: height } ... on Starship { v: length } } }',
  '{ search { ... on Human { v: mass } ... on Starship { v: length } } }',
  '{ hero { ...A ...A } } fragment A on Character { name }',
  '{ hero { name ...A } } fragment A on Character { name: appearsIn }',
  '{ a: hero { name } a: human(id: 1) { name } }',
  '{ human(id: 1) { height(unit: METER) ...U } } fragment U on Human { height(unit: FOOT) }',
  '{ hero { ...A } } fragment A on Character { friends { x: name } ...B } fragment B on Character { friends { x: id } }',
];
overlaps.forEach((q, i) => add(`overlap-${i}`, q));

// --- introspection: the queries GraphiQL and getIntrospectionQuery() send
const gq = require('../../../build/npm/node_modules/graphql');
const full = { descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true,
  schemaDescription: true, inputValueDeprecation: true, oneOf: true };
add('introspection-default', gq.getIntrospectionQuery());
add('introspection-full', gq.getIntrospectionQuery(full));
const dirSchema = `"The schema" schema { query: Root mutation: Change }
"""Marks a field"""
directive @tag(name: String! "why" reason: String = "none") repeatable on FIELD_DEFINITION | OBJECT
directive @internal on FIELD
type Root @tag(name: "r") { a(x: Int = 1, y: [Float!] = [1.5], z: In = {a: 2}): Int @tag(name: "a") b: Float c: ID }
type Change { set(v: Int!): Int }
input In { a: Int! b: String = "x" @deprecated(reason: "no") }
scalar Url @specifiedBy(url: "https://url.spec.whatwg.org/")
type Unused { u: Url }`;
cases.push({ name: 'introspection-directives', schema: dirSchema, rootValue,
  query: gq.getIntrospectionQuery(full) });
cases.push({ name: 'print-directives-schema', schema: dirSchema, printSchema: true });

process.stdout.write(cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
