// SPDX-License-Identifier: MIT
// The filter rule of spec/20-realtime.md §3, written from the spec text alone, as the oracle
// the end-to-end tests compare Kiln's deliveries with (Kiln's own is src/http/http_filter.c).
"use strict";

// A pattern string -> {neg, pieces} (pieces: the literal runs between unescaped '*').
function compile(p, literal) {
  if (literal) return { neg: false, glob: false, pieces: [p] };
  let neg = false;
  let i = 0;
  if (p[0] === "!") { neg = true; i = 1; }
  const pieces = [""];
  for (; i < p.length; i++) {
    const ch = p[i];
    if (ch === "\\" && i + 1 < p.length && "*!\\".includes(p[i + 1])) {
      pieces[pieces.length - 1] += p[++i];
    } else if (ch === "*") {
      pieces.push("");
    } else {
      pieces[pieces.length - 1] += ch;
    }
  }
  return { neg, glob: pieces.length > 1, pieces };
}

function globMatch(pieces, c) {
  if (pieces.length === 1) return c === pieces[0];
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  if (c.length < first.length + last.length || !c.startsWith(first) || !c.endsWith(last)) return false;
  let at = first.length;
  const end = c.length - last.length;
  for (let k = 1; k < pieces.length - 1; k++) {
    const j = c.indexOf(pieces[k], at);
    if (j < 0 || j + pieces[k].length > end) return false;
    at = j + pieces[k].length;
  }
  return true;
}

// P(p, c): c is undefined when the key is not in C.
function P(pattern, c, literal) {
  if (Array.isArray(pattern)) {
    if (c === undefined) return false;
    return pattern.some((q) => P(String(q), c, literal));
  }
  const p = compile(String(pattern), literal);
  if (p.neg) return c === undefined ? true : !globMatch(p.pieces, c);
  if (c === undefined) return false;
  return globMatch(p.pieces, c);
}

// Whether a message with filter m (object, or a JSON string: all literals) goes to criteria c.
function matches(c, m, mode) {
  let literal = false;
  if (typeof m === "string") { m = JSON.parse(m); literal = true; }
  const ck = Object.keys(c);
  const mk = Object.keys(m);
  if (mode !== "select" && ck.length === 0) return true;
  for (const k of new Set([...ck, ...mk])) {
    const inC = ck.includes(k);
    const inM = mk.includes(k);
    let ok;
    if (inC && inM) ok = P(m[k], c[k], literal);
    else if (inC) ok = mode !== "subset";
    else ok = mode === "select" ? P(m[k], undefined, literal) : true;
    if (!ok) return false;
  }
  return true;
}

module.exports = { matches };
