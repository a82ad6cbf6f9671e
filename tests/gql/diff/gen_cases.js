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
  // more distinct sub-selections per list item than the executor's collection ring holds
  '{ search { __typename ... on Human { a1: friends { name } a2: friends { id } a3: friends { appearsIn } a4: friends { __typename } a5: friends { n: name } a6: friends { i: id } a7: friends { name id } a8: friends { id name } a9: friends { ... on Droid { primaryFunction } } a10: starships { name } a11: friends { name } } ... on Droid { friends { name } } } }',
  '{ a: hero { ...H } b: human(id: 1) { ...H } c: droid(id: 2) { ...H } } fragment H on Character { friends { __typename ... on Human { homePlanet friends { name } } ... on Droid { primaryFunction friends { id } } } }',
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

// --- every rule of graphql-js's specifiedRules with documents it accepts and rejects
const rules = {
  ExecutableDefinitions: [
    ['{ int }', 'query Q { int } fragment F on Query { float } { ...F }'],
    ['scalar S { int }', '{ int } directive @d on FIELD', '{ int } input I { a: Int }', '{ int } extend schema @d', '{ int } union U = Human',
      // graphql-js's other rules still look into the type-system definitions
      '{ int } type T { a: Nope }', '{ int } type T implements Nod { a: Int }', '{ int } type T { a(x: Strin): Flot }',
      '{ hero { ... on T { a } } } type T { a: Int }', '{ int } directive @d(x: Int!) on FIELD query Q { int @d }',
      '{ int @d(y: 1) } directive @d(x: Int) on FIELD', '{ int @d } directive @d on QUERY', '{ int @d @d } directive @d on FIELD',
      '{ int @d @d } directive @d repeatable on FIELD', '{ int } type T @deprecated { a: Int @deprecated @deprecated }',
      '{ int } enum E { A @skip(if: true) }', '{ int } input I { a: [Int] = [1] @deprecated(reasn: "x") b: I = {x: 1, x: 2} }',
      '{ int } schema @d { query: Nope }', '{ int } union U = Human | Nope', '{ int } directive @d(a: Nope = 1) on FIELD',
      '{ int } extend type Query @nope', '{ int } extend scalar Date @specifiedBy(url: 1)', '{ int } type T { f(a: Int @d): Int } directive @d on ARGUMENT_DEFINITION',
      '{ int } input I { a: Int @d } directive @d on ARGUMENT_DEFINITION', '{ int } interface I implements J { a: Int }'],
  ],
  UniqueOperationNames: [
    ['query A { int } query B { float }', 'query A { int } mutation B { setInt(v: 1) }'],
    ['query A { int } mutation A { setInt(v: 1) }', 'query A { int } subscription A { reviewAdded { stars } }', 'query A { int } query A { int } query A { int }'],
  ],
  LoneAnonymousOperation: [
    ['{ int }', 'query { int } fragment F on Query { int }'],
    ['{ int } mutation { setInt(v: 1) }', '{ int } { float } { string }', 'query { int } subscription S { reviewAdded { stars } }'],
  ],
  SingleFieldSubscriptions: [
    ['subscription { reviewAdded { stars } }', 'subscription S { ... on Subscription { reviewAdded { stars } } }',
      'subscription S { reviewAdded { stars } reviewAdded { commentary } }',
      'subscription S { reviewAdded { stars } other: reviewAdded @skip(if: true) { stars } }'],
    ['subscription S { a: reviewAdded { stars } b: reviewAdded { stars } }', 'subscription S { __schema { queryType { name } } }',
      'subscription S { ...F } fragment F on Subscription { reviewAdded { stars } __typename }',
      'subscription S { __type(name: "Query") { name } }', 'subscription A { reviewAdded { stars } } subscription B { __typename }'],
  ],
  KnownTypeNames: [
    ['query Q($v: [Episode!]) { int } fragment F on Human { name } { ...F }', '{ hero { ... on Character { name } } }'],
    ['query Q($v: Nope) { int }', 'query Q($v: [Strin!]) { int }', '{ hero { ... on Humann { name } } }', 'fragment F on Droyd { name } { hero { ...F } }', 'query Q($v: __Type) { int }'],
  ],
  FragmentsOnCompositeTypes: [
    ['{ hero { ... on Character { name } ... { id } } }', '{ search { ... on SearchResult { __typename } } }'],
    ['{ hero { ... on String { x } } }', 'fragment F on ReviewInput { stars } { hero { ...F } }', 'fragment F on Episode { x } { hero { ...F } }', '{ hero { ... on Date { x } } }'],
  ],
  VariablesAreInputTypes: [
    ['query Q($a: ReviewInput, $b: [Episode!]!, $c: Date) { echo(r: $a) e: echo(e: JEDI) d: echo(d: $c) ints l: echo(l: [1]) x: echo(s: "$b") } ', 'query Q($a: Filter) { search(filter: $a) { __typename } }'],
    ['query Q($a: Human) { int }', 'query Q($a: [Character!]) { int }', 'query Q($a: SearchResult!) { int }', 'query Q($a: Review, $b: Droid) { int }'],
  ],
  ScalarLeafs: [
    ['{ int episode hero { name } }', '{ search { __typename } }'],
    ['{ int { x } }', '{ episode { x } }', '{ hero }', '{ search }', '{ hero { friends } }', '{ __schema }', '{ __typename { x } }'],
  ],
  FieldsOnCorrectType: [
    ['{ hero { __typename id } search { __typename } }', '{ hero { ... on Droid { primaryFunction } } }'],
    ['{ hero { primaryFunction } }', '{ search { id } }', '{ nope }', '{ hero { nmae } }', '{ human(id: 1) { friends { homePlanet } } }', '{ hero { ... on Human { primaryFunction } } }', 'mutation { int }', 'subscription { int }'],
  ],
  UniqueFragmentNames: [
    ['{ hero { ...A ...B } } fragment A on Character { name } fragment B on Character { id }'],
    ['{ hero { ...A } } fragment A on Character { name } fragment A on Character { id }', '{ hero { ...A } } fragment A on Character { name } fragment A on Character { id } fragment A on Droid { id }'],
  ],
  KnownFragmentNames: [
    ['{ hero { ...A } } fragment A on Character { ... on Droid { ...B } } fragment B on Droid { id }'],
    ['{ hero { ...Nope } }', '{ hero { ...A } } fragment A on Character { ...B }', '{ hero { ...a } } fragment A on Character { name }'],
  ],
  NoUnusedFragments: [
    ['{ hero { ...A } } fragment A on Character { ...B } fragment B on Character { name }'],
    ['{ int } fragment A on Character { name }', '{ hero { ...A } } fragment A on Character { name } fragment B on Character { ...C } fragment C on Character { id }', 'fragment A on Query { int }'],
  ],
  PossibleFragmentSpreads: [
    ['{ hero { ... on Droid { id } ... on Human { id } } }', '{ search { ... on Character { name } } }', '{ human(id: 1) { ... on Character { name } ... on SearchResult { __typename } } }'],
    ['{ human(id: 1) { ... on Droid { id } } }', '{ hero { ... on Starship { id } } }', '{ human(id: 1) { ...D } } fragment D on Droid { id }', '{ search { ... on Review { stars } } }', '{ reviews(episode: JEDI) { ... on Character { id } } }'],
  ],
  NoFragmentCycles: [
    ['{ hero { ...A ...B } } fragment A on Character { ...B } fragment B on Character { name }'],
    ['{ hero { ...A } } fragment A on Character { friends { ...A } }', '{ hero { ...A } } fragment A on Character { ...B } fragment B on Character { ...C } fragment C on Character { ...A ...B }', '{ hero { ...A } } fragment A on Character { ... on Droid { ...A } }'],
  ],
  UniqueVariableNames: [
    ['query A($v: Int) { echo(i: $v) } query B($v: String) { echo(s: $v) }'],
    ['query Q($v: Int, $v: Int) { echo(i: $v) }', 'query Q($v: Int, $w: Int, $v: String, $w: Boolean) { echo(i: $v) b: echo(b: $w) }'],
  ],
  NoUndefinedVariables: [
    ['query Q($v: Int) { ...F } fragment F on Query { echo(i: $v) }'],
    ['query Q { ...F } fragment F on Query { echo(i: $v) }', 'query A($v: Int) { ...F } query B { ...F } fragment F on Query { echo(i: $v) }', '{ echo(r: {stars: $s}) }', 'query Q { echo(l: [1, $x]) }'],
  ],
  NoUnusedVariables: [
    ['query Q($v: Boolean!) { int @include(if: $v) }', 'query Q($v: Int) { human(id: 1) { ... on Human { height(unit: METER) } } echo(r: {stars: $v}) }'],
    ['query Q($v: Int, $w: Int) { echo(i: $v) }', 'query A($v: Int) { ...F } query B($v: Int) { int } fragment F on Query { echo(i: $v) }', 'query Q($v: Int = 1) { int }'],
  ],
  KnownDirectives: [
    ['{ int @skip(if: false) hero { ... @include(if: true) { name } ...F @skip(if: false) } } fragment F on Character { id }'],
    ['query Q @deprecated2 { int }', 'query Q($v: Int @skip(if: true)) { echo(i: $v) }', '{ int @deprecated }', 'fragment F on Query @skip(if: true) { int } { ...F }', '{ hero { ... @nope { name } } }', 'mutation @include(if: true) { setInt(v: 1) }', '{ int @specifiedBy(url: "x") }', '{ int @oneOf }'],
  ],
  UniqueDirectivesPerLocation: [
    ['{ int @skip(if: true) @include(if: true) float @skip(if: false) }'],
    ['{ int @skip(if: true) @skip(if: true) @skip(if: true) }', '{ hero { ...F @include(if: true) @include(if: false) } } fragment F on Character { name }', '{ hero { ... @skip(if: true) @skip(if: false) { name } } }'],
  ],
  KnownArgumentNames: [
    ['{ echo(s: "a", i: 1) int @skip(if: false) }'],
    ['{ echo(ss: "a") }', '{ int(x: 1) }', '{ int @skip(iff: true) }', '{ human(id: 1, nam: "x") { height(units: METER) } }', '{ __type(name: "Query", x: 1) { name } }'],
  ],
  UniqueArgumentNames: [
    ['{ echo(s: "a", i: 1) int @skip(if: false) }'],
    ['{ echo(s: "a", s: "b") }', '{ int @skip(if: true, if: false) }', '{ echo(s: "a", i: 1, s: "b", i: 2) }'],
  ],
  ValuesOfCorrectType: [
    ['{ echo(f: 1, id: 12, l: 3, r: {stars: 1, tags: "t"}) }', 'query Q($v: Int = 1, $r: ReviewInput = {stars: 2}) { echo(i: $v r: $r) }'],
    ['{ echo(i: 1.5) }', '{ echo(i: -2147483649) }', '{ echo(f: "1.5") }', '{ echo(b: 1) }', '{ echo(id: 1.5) }', '{ echo(id: true) }', '{ echo(s: ["a"]) }',
      '{ echo(l: [1, "2", 3.5]) }', '{ echo(r: 1) }', '{ echo(r: {stars: null}) }', '{ echo(r: {stars: 1, tags: [null]}) }', '{ echo(e: NEWHOP) }', '{ echo(e: true) }',
      '{ echo(e: null) x: nonNullEcho(s: null) }', 'query Q($v: Int = "x") { echo(i: $v) }', 'query Q($v: ReviewInput = {stars: "x"}) { echo(r: $v) }',
      '{ search(filter: {}) { __typename } }', '{ search(filter: {byName: "x", nope: 1}) { __typename } }', '{ echo(s: {a: 1}) }'],
  ],
  ProvidedRequiredArguments: [
    ['{ human(id: 1) { name } reviews(episode: JEDI) { stars } int @include(if: true) }', 'mutation { setInt(v: 1) }'],
    ['{ human { name } }', '{ int @include }', 'mutation { setInt }', '{ __type { name } }', '{ human { name } droid { name } }', '{ hero { ... @skip { name } } }'],
  ],
  VariablesInAllowedPosition: [
    ['query Q($v: Int!) { echo(i: $v) }', 'query Q($v: [Int!]!) { echo(l: $v) }', 'query Q($v: Int) { echo(l: [$v]) }', 'query Q($v: Int = 1) { setInt2: echo(i: $v) }', 'query Q($v: String = "x") { nonNullEcho(s: $v) }'],
    ['query Q($v: Int) { nonNullEcho(s: $v) }', 'query Q($v: [Int]) { strict: echo(i: $v) }', 'query Q($v: Float) { echo(i: $v) }', 'query Q($v: Boolean) { int @include(if: $v) }',
      'query Q($v: String) { human(id: $v) { name } }', 'query Q($v: ID) { human(id: $v) { name } }', 'query Q($v: Int) { ...F } fragment F on Query { echo(s: $v) }',
      'query Q($v: String = null) { nonNullEcho(s: $v) }', 'query Q($v: Episode) { reviews(episode: $v) { stars } }'],
  ],
  OverlappingFieldsCanBeMerged: [
    ['{ hero { name name } hero { id } }', '{ human(id: 1) { height(unit: FOOT) height(unit: FOOT) } }', '{ hero { ... on Human { x: homePlanet } ... on Droid { x: primaryFunction } } }'],
    ['{ a: int a: float }', '{ x: echo(s: "a") x: echo(s: "b") }', '{ x: echo(s: "a") x: echo }', '{ hero { a: name } hero { a: id } }', '{ int int: float }',
      '{ hero { ... on Human { n: mass } ... on Droid { n: name } } }', '{ hero { friends { name } } hero { friends: appearsIn } }'],
  ],
  UniqueInputFieldNames: [
    ['{ echo(r: {stars: 1, commentary: "a"}) }'],
    ['{ echo(r: {stars: 1, stars: 1}) }', '{ echo(r: {stars: 1, commentary: "a", commentary: "b", stars: 2}) }', 'query Q($v: ReviewInput = {stars: 1, stars: 2}) { echo(r: $v) }'],
  ],
  MaxIntrospectionDepth: [
    ['{ __schema { types { fields { type { name } } } } }', '{ __type(name: "Human") { interfaces { possibleTypes { name } } } }'],
    ['{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }', '{ __type(name: "Character") { possibleTypes { interfaces { possibleTypes { name } } } } }',
      '{ __schema { types { ...F } } } fragment F on __Type { fields { type { ...G } } } fragment G on __Type { fields { type { fields { name } } } }',
      '{ __type(name: "ReviewInput") { inputFields { type { inputFields { type { inputFields { name } } } } } } }'],
  ],
};
// Directive arguments in documents are values like field arguments (ValuesOfCorrectType and
// friends), for the built-in directives and a schema's own.
const dirDocSchema = `${schema}
enum Style { SHORT LONG }
input Fmt { style: Style! width: Int }
directive @format(style: Style = SHORT, fmt: Fmt, widths: [Int!]) on FIELD | FRAGMENT_SPREAD`;
rules.DirectiveArgumentValues = [[], [
  '{ int @include(if: "yes") }', '{ int @skip(if: null) }', '{ int @skip(if: [true]) }', '{ int @include(if: TRUE) }',
  'query Q($v: String) { int @include(if: $v) }', '{ int @d(x: "s") } directive @d(x: Int) on FIELD',
]];
const dirDoc = [
  ['{ string @format(style: LONG) int @format(fmt: {style: SHORT, width: 3}, widths: [1, 2]) }', true],
  ['query Q($s: Style!, $w: Int = 2) { string @format(style: $s, fmt: {style: $s, width: $w}) }', true],
  ['{ string @format(style: "LONG") }'], ['{ string @format(style: MEDIUM) }'], ['{ string @format(fmt: {width: 3}) }'],
  ['{ string @format(fmt: {style: LONG, height: 1}) }'], ['{ string @format(widths: [1, null]) }'], ['{ string @format(widths: 1.5) }'],
  ['query Q($s: String) { string @format(style: $s) }'], ['{ string @format(stlye: LONG) }'], ['{ string @format(style: LONG, style: SHORT) }'],
  ['{ hero { ...F @format(style: 1) } } fragment F on Character { name }'],
];
// graphql-js stops at 100 validation errors with "Too many validation errors" (the driver's
// error list holds 100, as graphql-js's default maxErrors).
add('max-errors-reached', `{ ${Array.from({ length: 105 }, (_, i) => `x${i}`).join(' ')} }`);
add('max-errors-exact', `{ ${Array.from({ length: 100 }, (_, i) => `x${i}`).join(' ')} }`);
add('max-errors-one-over', `{ ${Array.from({ length: 101 }, (_, i) => `x${i}`).join(' ')} }`);
dirDoc.forEach(([q, ok], i) => add(`directive-values-${ok ? 'valid' : 'invalid'}-${i}`, q,
  q.includes('$s') && ok ? { s: 'LONG' } : undefined, { schema: dirDocSchema }));

for (const [rule, [valid, invalid]] of Object.entries(rules)) {
  valid.forEach((q, i) => add(`rule-${rule}-valid-${i}`, q));
  invalid.forEach((q, i) => add(`rule-${rule}-invalid-${i}`, q));
}

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
