// SPDX-License-Identifier: MIT
// bench/web/icount_text.py: TextEncoder/TextDecoder round trips in a loop, for instruction
// counts. The strings are bench/web/js_bench.js's (1 KiB of ASCII, 1 KiB of mixed text).
const te = new TextEncoder();
const td = new TextDecoder();
const mixed = "Kiln \u00e9\u65e5\u672c\ud83d\ude00abc 12".repeat(64);
const ascii = "Kiln is a JavaScript engine. ".repeat(36).slice(0, 1024);
const asciiBytes = te.encode(ascii);
const mixedBytes = te.encode(mixed);
const ops = {
  none: () => 0,
  ascii: () => td.decode(te.encode(ascii)).length,
  mixed: () => td.decode(te.encode(mixed)).length,
  ascii_enc: () => te.encode(ascii).length,
  ascii_dec: () => td.decode(asciiBytes).length,
  mixed_enc: () => te.encode(mixed).length,
  mixed_dec: () => td.decode(mixedBytes).length,
};
// GET /loop?op=NAME&n=N: op n times.
routeRegistry.registerRoute("/loop", (c) => {
  const fn = ops[c.request.query.op];
  const n = Number(c.request.query.n) || 0;
  let sink = 0;
  for (let i = 0; i < n; i++) sink += fn();
  return { sink };
});
