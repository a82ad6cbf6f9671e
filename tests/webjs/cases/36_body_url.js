// SPDX-License-Identifier: MIT
// Request and Response cases that need URL and URLSearchParams (parsing and serialising URLs,
// form bodies).
"use strict";
(function () {
  const N = T.noMsg;
  const hdrs = (h) => [...h];
  T("response/URLSearchParams body", async () => { const r = new Response(new URLSearchParams("a=1&b=x y")); return [hdrs(r.headers), await r.text()]; });
  T("response/redirect", () => { const r = Response.redirect("https://example.com/a b", 307); return [r.status, r.headers.get("location"), r.body, r.type]; });
  T("request/url normalised", () => new Request("HTTP://EXAMPLE.com:80/./a/../b").url);
  N("request/bad url", () => new Request("http://[::1"));
  N("request/url with credentials", () => new Request("http://u:p@example.com/"));
})();
