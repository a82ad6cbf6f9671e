// SPDX-License-Identifier: MIT
// node tests/webjs/gen_data.js > web_cases.js: the cases of tests/web/cases.js (the C-level
// differential corpus: URL parses, setters, URLSearchParams, atob/btoa, TextEncoder/Decoder)
// as a global WEB_CASES for tests/webjs/cases/10_web_corpus.js.
"use strict";
const { execFileSync } = require("child_process");
const path = require("path");
const text = execFileSync(process.execPath, [path.join(__dirname, "..", "web", "cases.js")], { encoding: "utf8" });
const cases = text.split("\n").filter((l) => l.length).map((l) => JSON.parse(l));
process.stdout.write(`var WEB_CASES = ${JSON.stringify(cases)};\n`);
