// SPDX-License-Identifier: MIT
// node tests/webjs/diff.js NODE_JSON KILN_JSON [KILN_LOG]: compare the results of
// tests/webjs/run_diff.sh case by case (Node is the oracle, except for the cases registered
// with T.kiln, whose expected Kiln result is given); prints differences, per-area counts and
// "N passed, N failed" last.
"use strict";
const fs = require("fs");
const util = require("util");

const node = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let kiln;
const raw = fs.readFileSync(process.argv[3], "utf8");
try {
  kiln = JSON.parse(raw);
} catch (e) {
  console.log(`kiln did not answer with JSON: ${raw.slice(0, 2000)}`);
  if (process.argv[4]) console.log(fs.readFileSync(process.argv[4], "utf8").split("\n").slice(-20).join("\n"));
  console.log("0 passed, 1 failed");
  process.exit(1);
}
if (!kiln.results) {
  console.log(`kiln answered without results: ${raw.slice(0, 2000)}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const areas = {};
let passed = 0;
let failed = 0;
let pinned = 0;
for (const name of Object.keys(node.results)) {
  let want = node.results[name];
  if (Object.prototype.hasOwnProperty.call(node.expectKiln, name)) {
    want = node.expectKiln[name];
    pinned++;
  }
  const have = Object.prototype.hasOwnProperty.call(kiln.results, name) ? kiln.results[name] : "(missing)";
  const ok = util.isDeepStrictEqual(want, have);
  const area = name.split("/")[0];
  areas[area] = areas[area] || [0, 0];
  areas[area][ok ? 0 : 1]++;
  if (ok) {
    passed++;
  } else {
    failed++;
    console.log(`FAIL ${name}\n  node: ${JSON.stringify(want)}\n  kiln: ${JSON.stringify(have)}`);
  }
}
for (const name of Object.keys(kiln.results)) {
  if (!Object.prototype.hasOwnProperty.call(node.results, name)) {
    failed++;
    console.log(`FAIL ${name}: only in Kiln's results`);
  }
}
for (const [a, [p, f]] of Object.entries(areas)) console.log(`  ${a}: ${p} passed, ${f} failed`);
console.log(`  (${pinned} cases checked against Kiln's documented answer instead of Node's)`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
