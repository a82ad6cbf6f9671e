// SPDX-License-Identifier: MIT
// The JS-level Web API workloads of bench/web/run.sh, the same code on both sides: Node runs
// it directly, Kiln inside a request handler of the real binary (run.sh builds the script).
// webBench(urls, seconds) -> { name: ops_per_s }, timed with performance.now():
//   url_js        new URL(u).href, per URL of bench/web/urls.h
//   url_params_js new URL(u).searchParams.get("limit"), per URL
//   text_js       TextEncoder.encode + TextDecoder.decode of 1 KiB of mixed text, per round trip
//   text_ascii_js the same with 1 KiB of ASCII
"use strict";
function webBench(urls, seconds) {
  let sink = 0;
  const measure = (fn, per) => {
    const budget = seconds * 1000;
    const start = performance.now();
    let ops = 0;
    while (performance.now() - start < budget) {
      fn();
      ops += per;
    }
    return Math.round((ops * 1000) / (performance.now() - start));
  };
  const te = new TextEncoder();
  const td = new TextDecoder();
  const mixed = "Kiln \u00e9\u65e5\u672c\ud83d\ude00abc 12".repeat(64);
  const ascii = "Kiln is a JavaScript engine. ".repeat(36).slice(0, 1024);
  const r = {
    url_js: measure(() => { for (const u of urls) sink += new URL(u).href.length; }, urls.length),
    url_params_js: measure(() => {
      for (const u of urls) {
        const v = new URL(u).searchParams.get("limit");
        if (v !== null) sink += v.length;
      }
    }, urls.length),
    text_js: measure(() => { for (let k = 0; k < 100; k++) sink += td.decode(te.encode(mixed)).length; }, 100),
    text_ascii_js: measure(() => { for (let k = 0; k < 100; k++) sink += td.decode(te.encode(ascii)).length; }, 100),
  };
  if (sink === -1) r.sink = sink;
  return r;
}
