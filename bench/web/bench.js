// SPDX-License-Identifier: MIT
// Node side of bench/web/run.sh: the same workloads as bench/web/url_bench.c, same output.
'use strict';
const fs = require('fs');
const path = require('path');
const src = fs.readFileSync(path.join(__dirname, 'urls.h'), 'utf8');
// One array element is one or more adjacent C string literals (clang-format splits long ones)
// followed by a comma; the literals are joined as the C compiler joins them.
const literal = /"((?:[^"\\]|\\.)*)"/g;
const body = src.slice(src.indexOf('{') + 1, src.lastIndexOf('}'));
const urls = [...body.matchAll(/((?:\s*"(?:[^"\\]|\\.)*")+)\s*,/g)].map((m) =>
  [...m[1].matchAll(literal)].map((l) => JSON.parse(`"${l[1]}"`)).join(''));
const seconds = Number(process.argv[2] || 2);
let sink = 0;

function measure(fn, per) {
  const budget = seconds * 1e9;
  const start = process.hrtime.bigint();
  let ops = 0;
  while (Number(process.hrtime.bigint() - start) < budget) {
    fn();
    ops += per;
  }
  return ops * 1e9 / Number(process.hrtime.bigint() - start);
}

const parse = measure(() => {
  for (const u of urls) sink += new URL(u).href.length;
}, urls.length);
const params = measure(() => {
  for (const u of urls) {
    const v = new URL(u).searchParams.get('limit');
    if (v !== null) sink += v.length;
  }
}, urls.length);
const pattern = 'Kiln \u00e9\u65e5\u672c\ud83d\ude00abc 12';
const text = pattern.repeat(64);
const te = new TextEncoder();
const td = new TextDecoder();
const rt = measure(() => {
  for (let k = 0; k < 100; k++) sink += td.decode(te.encode(text)).length;
}, 100);
console.log(`url_parse ${parse.toFixed(0)}`);
console.log(`url_params ${params.toFixed(0)}`);
console.log(`text_roundtrip ${rt.toFixed(0)}`);
if (sink === -1) console.log(sink);
