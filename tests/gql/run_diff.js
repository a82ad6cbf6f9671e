// SPDX-License-Identifier: MIT
// Differential test runner: runs every case of the given .jsonl files through graphql-js
// (graphql() with buildSchema, rootValue, variableValues, operationName) and through Kiln's
// C driver, and compares the JSON responses exactly (data, error messages, locations, paths,
// key order). Prints each mismatch, then "N passed, N failed".
// A case with "kiln" and "graphqlJs" members is a documented divergence (docs/internals/gql.md,
// "Decisions"): graphql-js 16 must still answer "graphqlJs" and Kiln must answer "kiln".
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const g = require(path.resolve(__dirname, '../../build/npm/node_modules/graphql'));

const driver = process.argv[2];
const files = process.argv.slice(3);
let passed = 0;
let failed = 0;
const verbose = process.env.VERBOSE === '1';

// The resolver sets a case may name ("resolvers"), the same in tests/gql/gql_driver.c.
function rootFor(c) {
  if (c.resolvers === 'nameFetchError') {
    // Character.name fails for id 1002 (the Response section's examples).
    const fail = (o) => {
      if (Array.isArray(o)) return o.map(fail);
      if (o === null || typeof o !== 'object') return o;
      const out = {};
      for (const [k, v] of Object.entries(o)) out[k] = fail(v);
      if (o.id === '1002') {
        out.name = () => {
          throw new g.GraphQLError('Name for character with ID 1002 could not be fetched.',
            { extensions: c.errorExtensions });
        };
      }
      return out;
    };
    return fail(c.rootValue);
  }
  if (c.resolvers !== 'changeTheNumber') return c.rootValue;
  const state = { n: 0 };
  const holder = { theNumber: () => state.n };
  return Object.assign({}, c.rootValue, {
    changeTheNumber: ({ newNumber }) => {
      state.n = newNumber;
      return holder;
    },
  });
}

function reference(c) {
  let schema;
  try {
    schema = g.buildSchema(c.schema);
  } catch (e) {
    // buildSchema throws the SDL errors joined by blank lines, or a GraphQLError.
    if (c.schemaErrors) return { schemaErrors: e.message.split('\n\n') };
    return { errors: [{ message: e.message }] };
  }
  if (c.schemaErrors) {
    return { schemaErrors: g.validateSchema(schema).map((e) => e.message) };
  }
  if (c.printSchema) {
    return { sdl: g.printSchema(schema) };
  }
  let doc;
  try {
    doc = g.parse(c.query);
  } catch (e) {
    return { errors: [e.toJSON ? e.toJSON() : { message: e.message }] };
  }
  const verrs = g.validate(schema, doc);
  if (verrs.length > 0) {
    return { errors: verrs.map((e) => e.toJSON()) };
  }
  if (c.validateOnly) {
    return { valid: true };
  }
  return g.executeSync({
    schema, document: doc, rootValue: rootFor(c), variableValues: c.variables,
    operationName: c.operationName,
  });
}

function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
}

for (const file of files) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const out = execFileSync(driver, [file], { maxBuffer: 1 << 28 }).toString().split('\n');
  lines.forEach((line, i) => {
    const c = JSON.parse(line);
    const want = JSON.stringify(JSON.parse(JSON.stringify(reference(c))));
    let got = out[i];
    try {
      got = JSON.stringify(JSON.parse(got));
    } catch (e) {
      got = `(unparsable) ${got}`;
    }
    // Conformance cases also state what the specification says about the document.
    let specOk = !c.expect || (c.expect === 'valid') === !/"errors"/.test(got);
    // Execution examples also state the result the specification shows (specResponse: the
    // whole response, key order aside).
    if (c.specData !== undefined) {
      specOk = specOk && got.startsWith('{') &&
        JSON.stringify(JSON.parse(got).data) === JSON.stringify(c.specData);
    }
    if (c.specResponse !== undefined) {
      specOk = specOk && got.startsWith('{') &&
        canonical(JSON.parse(got)) === canonical(c.specResponse);
    }
    const divergence = c.kiln !== undefined;
    const same = divergence
      ? want === JSON.stringify(c.graphqlJs) && got === JSON.stringify(c.kiln)
      : want === got;
    if (same && specOk) {
      passed++;
      return;
    }
    if (!specOk) {
      const says = c.expect || JSON.stringify(c.specResponse || c.specData);
      console.log(`  (spec ${c.section} says ${says})`);
    }
    failed++;
    console.log(`FAIL ${path.basename(file)}:${i + 1} ${c.name || ''}`);
    if (verbose || failed <= 40) {
      console.log(`  query: ${(c.query || '').replace(/\n/g, ' ')}`);
      if (c.variables) console.log(`  variables: ${JSON.stringify(c.variables)}`);
      console.log(`  graphql-js: ${want}`);
      console.log(`  kiln:       ${got}`);
      if (divergence) {
        console.log(`  expected graphql-js: ${JSON.stringify(c.graphqlJs)}`);
        console.log(`  expected kiln:       ${JSON.stringify(c.kiln)}`);
      }
    }
  });
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
