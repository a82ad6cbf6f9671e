// SPDX-License-Identifier: MIT
// URL and URLSearchParams API behaviour beyond parsing: the live searchParams binding both
// ways, URL.parse/canParse, toJSON, constructors from strings/records/sequences, iteration,
// argument conversions and errors, property shapes.
"use strict";
(function () {
  const parts = (u) => [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname,
    u.port, u.pathname, u.search, u.hash];
  T("url/api toString toJSON", () => { const u = new URL("HTTP://A.com/x?y#z"); return [String(u), u.toJSON(), JSON.stringify({ u })]; });
  T("url/api canParse", () => [URL.canParse("http://a"), URL.canParse("nope"), URL.canParse("x", "http://a/"),
    URL.canParse("x", "nope"), URL.canParse("", "http://a/b"), URL.canParse("http://[::1")]);
  T("url/api parse", () => [URL.parse("nope"), parts(URL.parse("../x?q", "http://a/b/c")), URL.parse("x", "bad"),
    URL.parse("http://a") instanceof URL]);
  T("url/api no args", () => new URL());
  T.noMsg("url/api canParse no args", () => URL.canParse());
  T("url/api invalid", () => new URL("http://exa mple.com"));
  T("url/api invalid base", () => new URL("/x", "not a base"));
  T("url/api base undefined", () => parts(new URL("http://a/b", undefined)));
  T("url/api base URL object", () => parts(new URL("c?d", new URL("http://a/b/"))));
  T("url/api input object toString", () => new URL({ toString() { return "https://x/y"; } }).href);
  T.noMsg("url/api symbol input", () => new URL(Symbol("s")));
  T("url/api lone surrogates", () => parts(new URL("http://h/\ud800?\udc00#\ud83d")));
  T("url/api tag and keys", () => [Object.prototype.toString.call(new URL("http://a")), Object.keys(new URL("http://a")),
    Object.keys(URL.prototype).sort(), typeof URL.prototype.toJSON, URL.name, URL.length]);
  T("url/api for-in", () => { const r = []; for (const k in new URL("http://a")) r.push(k); return r.sort(); });
  T("url/api subclass", () => { class My extends URL { get extra() { return this.host + "!"; } } const m = new My("http://h:1/"); return [m.extra, m instanceof URL, m.href]; });
  T.noMsg("url/api getter on wrong this", () => Object.getOwnPropertyDescriptor(URL.prototype, "href").get.call({}));

  T("url/searchParams identity and get", () => {
    const u = new URL("http://a/?x=1&y=2&x=3");
    return [u.searchParams === u.searchParams, u.searchParams.get("x"), u.searchParams.getAll("x"), u.searchParams.size];
  });
  T("url/searchParams -> url", () => {
    const u = new URL("http://a/p?x=1#frag");
    const sp = u.searchParams;
    sp.append("y", "a b&c");
    const s1 = u.href;
    sp.set("x", "é");
    const s2 = u.href;
    sp.delete("x");
    sp.delete("y");
    return [s1, s2, u.href, u.search, sp.toString()];
  });
  T("url/url -> searchParams", () => {
    const u = new URL("http://a/?x=1");
    const sp = u.searchParams;
    u.search = "?b=2&c=3";
    const a = [...sp];
    u.href = "http://b/?z=9";
    const b = [...sp];
    u.search = "";
    const c = [...sp];
    u.hash = "h";
    u.pathname = "/q";
    return [a, b, c, sp.size, u.href];
  });
  T("url/searchParams sort rewrites query", () => {
    const u = new URL("http://a/?c=3&a=1&b=2&a=0");
    u.searchParams.sort();
    return u.href;
  });
  T("url/searchParams on opaque path strips spaces", () => {
    const u = new URL("sc:opaque path   ?x=1");
    u.searchParams.delete("x");
    return [u.href, u.pathname, u.search];
  });
  T("url/searchParams empty query stays", () => {
    const u = new URL("http://a/?");
    return [u.search, u.href, u.searchParams.toString(), u.searchParams.size];
  });
  T("url/setters chain", () => {
    const u = new URL("http://a/");
    u.protocol = "https"; u.username = "me"; u.password = "pw"; u.hostname = "EXAMPLE.org";
    u.port = "8443"; u.pathname = "a b"; u.search = "q=1"; u.hash = "top";
    const a = u.href;
    u.port = "443"; u.username = ""; u.password = "";
    return [a, u.href, u.host];
  });
  T("url/href setter invalid keeps URL", () => {
    const u = new URL("http://a/b");
    let e;
    try { u.href = "::"; } catch (x) { e = [x.name, x.message]; }
    return [e, u.href];
  });
  T("url/origin kinds", () => ["http://a:80/", "https://a:444/", "ws://h/", "file:///x", "sc://h/",
    "blob:https://b:1/x", "blob:sc://b/x", "data:,x", "ftp://h:21/"].map((s) => new URL(s).origin));

  T("params/ctor string", () => [...new URLSearchParams("?a=1&b=2&a=3")]);
  T("params/ctor only ?", () => [...new URLSearchParams("?")]);
  T("params/ctor double ?", () => [...new URLSearchParams("??a=1")]);
  T("params/ctor record", () => [...new URLSearchParams({ a: "1", b: 2, c: null, d: undefined, "\ud800": "x" })]);
  T("params/ctor record non-enumerable", () => { const o = Object.create({ inherited: 1 }); Object.defineProperty(o, "hidden", { value: 1 }); o.own = 2; return [...new URLSearchParams(o)]; });
  T("params/ctor sequence", () => [...new URLSearchParams([["a", "1"], ["b", 2], new Set(["c", "d"])])]);
  T("params/ctor from params", () => { const p = new URLSearchParams("x=1&y=2"); const q = new URLSearchParams(p); p.append("z", "3"); return [q.toString(), p.toString()]; });
  T("params/ctor bad pair", () => new URLSearchParams([["a", "b", "c"]]));
  T.noMsg("params/ctor bad pair not iterable", () => new URLSearchParams([1]));
  T("params/ctor null and numbers", () => [String(new URLSearchParams(null)), String(new URLSearchParams(12)), String(new URLSearchParams(undefined)), String(new URLSearchParams())]);
  T("params/ctor map", () => String(new URLSearchParams(new Map([["k", "v"], ["k2", "v2"]]))));
  T("params/append get getAll has", () => {
    const p = new URLSearchParams();
    p.append("a", 1); p.append("a", "2"); p.append("b", undefined); p.append("\ud800", "\udc00");
    return [p.get("a"), p.getAll("a"), p.get("zz"), p.getAll("zz"), p.has("b"), p.has("a", "2"), p.has("a", "3"),
      p.get("\ufffd"), p.toString(), p.size];
  });
  T("params/delete with value", () => { const p = new URLSearchParams("a=1&a=2&b=1&a=1"); p.delete("a", "1"); const s1 = p.toString(); p.delete("a"); return [s1, p.toString()]; });
  T("params/delete undefined value", () => { const p = new URLSearchParams("a=1&a=2"); p.delete("a", undefined); return p.toString(); });
  T("params/set", () => { const p = new URLSearchParams("a=1&b=2&a=3&c=4"); p.set("a", "x"); p.set("d", "y"); return p.toString(); });
  T("params/sort stable utf16", () => { const p = new URLSearchParams("z=1&\ufffd=2&\ud83d\ude00=3&a=4&z=0&A=5&=6"); p.sort(); return [...p]; });
  T("params/iterators", () => {
    const p = new URLSearchParams("a=1&b=2");
    const it = p.entries();
    return [[...p.keys()], [...p.values()], [...p.entries()], Object.prototype.toString.call(it), typeof it[Symbol.iterator],
      it[Symbol.iterator]() === it, Object.keys(it), p[Symbol.iterator] === p.entries];
  });
  T("params/iterator live", () => {
    const p = new URLSearchParams("a=1&b=2&c=3");
    const seen = [];
    for (const [k] of p) { seen.push(k); if (k === "a") p.delete("b"); }
    return seen;
  });
  T("params/forEach", () => { const r = []; const p = new URLSearchParams("a=1&b=2"); p.forEach(function (v, k, o) { r.push([v, k, o === p, this.t]); }, { t: 7 }); return r; });
  T.noMsg("params/forEach not a function", () => new URLSearchParams().forEach(1));
  T("params/encoding of specials", () => new URLSearchParams([["a b", "c+d"], ["é", "€&="], ["*-._", "~!'()"], ["\n", "\u0000"]]).toString());
  T("params/tag and keys", () => [Object.prototype.toString.call(new URLSearchParams()), Object.keys(new URLSearchParams("a=1")),
    Object.keys(URLSearchParams.prototype).sort(), URLSearchParams.length]);
  T("params/missing args", () => new URLSearchParams().append("a"));
  T.noMsg("params/get no args", () => new URLSearchParams().get());
  T("params/size after changes", () => { const p = new URLSearchParams("a&b&c"); p.delete("b"); return [p.size, p.toString()]; });
  T("params/plus and percent", () => { const p = new URLSearchParams("a+b=c%2Bd&%zz=%&e=%C3%A9%C3"); return [...p]; });
})();
T("params/many pairs", () => [127, 128, 300].map((n) => {
  const q = Array.from({ length: n }, (_, i) => `k${i}=v%C3%A9${i}`).join("&");
  const p = new URLSearchParams(q);
  return [p.size, p.get("k0"), p.get(`k${n - 1}`), p.toString() === q];
}));
T("params/non-ascii offsets", () => [...new URLSearchParams("%F0%9F%98%80=%E2%82%AC&a=%C3%A9&%FF=%FE&b=")]);
// get() on form text that needs no decoding scans the text without building the list: the same
// answers as the list, before and after changes through either side of the live binding.
T("params/plain get", () => {
  const qs = ["", "a", "a=", "=x", "&&a=1&&", "a=1&a=2", "ab=1&a=2", "a=b=c", "x=1&a", "é=€&a=日本", "a=1&b", "b&a=2=3&"];
  return qs.map((q) => {
    const p = new URLSearchParams(q);
    return ["a", "", "b", "é", "ab", "x"].map((n) => p.get(n));
  });
});
T("params/plain get on a url, then changes", () => {
  const u = new URL("https://h/p?limit=50&cursor=abc&limit=7#f");
  const sp = u.searchParams;
  const r = [sp.get("limit"), sp.get("cursor"), sp.get("nope")];
  u.search = "?limit=9&x";
  r.push(sp.get("limit"), sp.get("x"), sp.size);
  sp.append("limit", "1");
  r.push(sp.get("limit"), u.href);
  u.href = "https://h/?a=%41&limit=a+b";
  r.push(sp.get("limit"), sp.get("a"), [...sp]);
  u.search = "";
  r.push(sp.get("limit"), sp.size, u.href);
  return r;
});
T("params/get name conversion", () => {
  const p = new URLSearchParams("1=a&null=b&\uFFFD=c");
  return [p.get(1), p.get(null), p.get("\uD800"), p.get({ toString: () => "1" })];
});
T("params/get with decoding, no list", () => {
  const qs = ["%41=1&A=2", "a+b=1&a%20b=2", "x=%C3%A9&x=2", "y=%FF%FE&y", "z=%zz&z=%", "k=a+b%2Bc", "%C3%A9=e&e=%C3%A9", "q=1%26b=2"];
  return qs.map((q) => {
    const p = new URLSearchParams(q);
    return ["A", "a b", "x", "y", "z", "k", "é", "e", "q", "b"].map((n) => p.get(n));
  });
});
T("params/get with decoding on a url", () => {
  const u = new URL("http://localhost:8080/graphql?query=%7Bviewer%7Bid%7D%7D&v=a+b");
  return [u.searchParams.get("query"), u.searchParams.get("v"), u.searchParams.get("w"), u.searchParams.size];
});
