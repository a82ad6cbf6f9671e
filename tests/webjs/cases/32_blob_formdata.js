// SPDX-License-Identifier: MIT
// Blob, File, FormData, and multipart/form-data round trips (Kiln's serializer and parser
// against undici's, through Response(formData).text() / .formData(); boundaries normalised).
"use strict";
(function () {
  const N = T.noMsg;
  const enc = (s) => { const a = []; for (let i = 0; i < s.length; i++) a.push(s.charCodeAt(i) & 0xff); return new Uint8Array(a); };
  const blobInfo = async (b) => [b.size, b.type, Array.from(new Uint8Array(await b.arrayBuffer()))];
  const entryInfo = async (fd) => {
    const out = [];
    for (const [k, v] of fd) out.push(typeof v === "string" ? [k, v] : [k, v instanceof File, v.name, v.type, await v.text()]);
    return out;
  };
  const norm = (s, ct) => { const b = /boundary=(.*)$/.exec(ct)[1]; return s.split(b).join("BOUNDARY"); };

  T("blob/empty", async () => blobInfo(new Blob()));
  T("blob/strings", async () => blobInfo(new Blob(["a", "é", "\u{1f600}"])));
  T("blob/lone surrogate", async () => blobInfo(new Blob(["\ud800x"])));
  T("blob/mixed parts", async () => blobInfo(new Blob(["a", enc("bc"), new Uint16Array([0x6564]), new Blob(["f"]), enc("gh").buffer, new DataView(enc("ij").buffer)])));
  T("blob/type normalised", () => [new Blob([], { type: "Text/HTML" }).type, new Blob([], { type: "a\u00e9" }).type, new Blob([], { type: "x\ny" }).type, new Blob([], { type: " a b " }).type]);
  // The File API converts a lone CR too; Node 20 converts only CRLF (Kiln follows the standard).
  T.kiln("blob/endings native", async () => await new Blob(["a\r\nb\rc\n"], { endings: "native" }).text(), "a\nb\nc\n");
  T("blob/endings transparent", async () => await new Blob(["a\r\nb"], { endings: "transparent" }).text());
  N("blob/bad endings", () => new Blob([], { endings: "x" }));
  N("blob/string arg", () => new Blob("abc"));
  N("blob/number arg", () => new Blob(5));
  T("blob/object part", async () => await new Blob([{}, 1, null]).text());
  T("blob/parts copied", async () => { const u = enc("ab"); const b = new Blob([u]); u[0] = 122; return await b.text(); });
  T("blob/slice", async () => { const b = new Blob(["0123456789"]); return Promise.all([[0, 3], [-3], [2, -2], [5, 2], [-20, 20], [undefined, 4]].map(async (a) => b.slice(...a).text())); });
  T("blob/slice type", () => [new Blob(["x"], { type: "a/b" }).slice(0, 1).type, new Blob(["x"]).slice(0, 1, "C/D").type]);
  T("blob/text bom", async () => await new Blob([new Uint8Array([0xef, 0xbb, 0xbf, 0x41])]).text());
  T("blob/bytes", async () => await new Blob(["ab"]).bytes());
  T("blob/stream", async () => { const r = new Blob(["abc"]).stream().getReader(); const out = []; for (;;) { const x = await r.read(); if (x.done) break; out.push(...x.value); } return out; });
  T("blob/toStringTag", () => [Object.prototype.toString.call(new Blob()), String(new Blob())]);
  T("file/basic", async () => { const f = new File(["abc"], "a.txt", { type: "text/plain", lastModified: 42 }); return [f.name, f.type, f.size, f.lastModified, f instanceof Blob, Object.prototype.toString.call(f), await f.text()]; });
  T("file/default lastModified", () => typeof new File([], "x").lastModified);
  T("file/name conversion", () => [new File([], 12).name, new File([], "a/b\\c").name]);
  N("file/one arg", () => new File([]));
  T("file/slice is Blob", () => { const s = new File(["ab"], "n").slice(0, 1); return [s instanceof File, s instanceof Blob]; });

  T("formdata/basic", async () => { const fd = new FormData(); fd.append("a", "1"); fd.append("b", 2); fd.append("a", "3"); return [fd.get("a"), fd.getAll("a"), fd.has("b"), fd.has("c"), fd.get("c"), await entryInfo(fd)]; });
  T("formdata/set", async () => { const fd = new FormData(); fd.append("a", "1"); fd.append("b", "2"); fd.append("a", "3"); fd.set("a", "4"); fd.set("z", "5"); return entryInfo(fd); });
  T("formdata/delete", async () => { const fd = new FormData(); fd.append("a", "1"); fd.append("b", "2"); fd.append("a", "3"); fd.delete("a"); return entryInfo(fd); });
  T("formdata/blob becomes file", async () => { const fd = new FormData(); fd.append("f", new Blob(["x"], { type: "a/b" })); fd.append("g", new Blob(["y"]), "name.bin"); fd.append("h", new File(["z"], "orig.txt"), "renamed.txt"); fd.append("i", new File(["w"], "keep.txt")); return entryInfo(fd); });
  N("formdata/filename with string", () => { const fd = new FormData(); fd.append("a", "v", "f.txt"); });
  N("formdata/one arg", () => new FormData().append("a"));
  N("formdata/form argument", () => new FormData({}));
  T("formdata/keys values forEach", () => { const fd = new FormData(); fd.append("a", "1"); fd.append("b", "2"); const out = []; fd.forEach((v, k) => out.push(k + v)); return [[...fd.keys()], [...fd.values()], out]; });
  T("formdata/usv names", () => { const fd = new FormData(); fd.append("\ud800", "\udc00"); return [...fd]; });
  T("formdata/toStringTag", () => Object.prototype.toString.call(new FormData()));
  T("formdata/live iteration", () => { const fd = new FormData(); fd.append("a", "1"); const out = []; for (const [k] of fd) { out.push(k); if (out.length < 3) fd.append("x" + out.length, "v"); } return out; });

  const sample = () => {
    const fd = new FormData();
    fd.append("text", "hello");
    fd.append("multi\nline", "a\nb\r\nc\rd");
    fd.append('quote"name', "q");
    fd.append("utf8", "héllo \u{1f600}");
    fd.append("empty", "");
    fd.append("file", new File(["file\r\ncontent\n"], 'x"y\nz.txt', { type: "text/plain" }));
    fd.append("blob", new Blob([new Uint8Array([0, 1, 2, 255])]));
    fd.append("emptyfile", new File([], "e.bin", { type: "application/x-e" }));
    return fd;
  };
  T("multipart/serialize", async () => { const r = new Response(sample()); const ct = r.headers.get("content-type"); return [/^multipart\/form-data; boundary=/.test(ct), norm(await r.text(), ct)]; });
  T("multipart/round trip", async () => entryInfo(await new Response(sample()).formData()));
  T("multipart/round trip bytes", async () => { const fd = await new Response(sample()).formData(); return Array.from(new Uint8Array(await fd.get("blob").arrayBuffer())); });
  T("multipart/request round trip", async () => entryInfo(await new Request("http://a.example/", { method: "POST", body: sample() }).formData()));
  const parse = (body, ct) => new Response(body, { headers: { "content-type": ct || "multipart/form-data; boundary=XyZ" } }).formData().then(entryInfo);
  T("multipart/parse curl style", () => parse("--XyZ\r\nContent-Disposition: form-data; name=\"person\"\r\n\r\nanonymous\r\n--XyZ\r\nContent-Disposition: form-data; name=\"secret\"; filename=\"file.txt\"\r\nContent-Type: text/plain\r\n\r\ncontents of the file\n\r\n--XyZ--\r\n"));
  // Kiln's parser is RFC 7578's (preamble, epilogue, unquoted names, transport padding are
  // accepted); Node's is the Fetch standard's, which refuses them. Kiln accepts a superset.
  T.kiln("multipart/parse preamble epilogue", () => parse("ignored\r\n--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--XyZ--\r\nepilogue"), [["a", "1"]]);
  T("multipart/parse escaped name", () => parse("--XyZ\r\nContent-Disposition: form-data; name=\"a%22b%0D%0Ac\"; filename=\"C:\\x\\y.txt\"\r\n\r\n1\r\n--XyZ--\r\n"));
  T("multipart/parse quoted boundary", () => parse("--a b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--a b--", 'multipart/form-data; boundary="a b"'));
  T("multipart/parse file without type", () => parse("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n\r\nxy\r\n--XyZ--"));
  T("multipart/parse empty form", () => parse("--XyZ--\r\n"));
  N("multipart/parse truncated", () => parse("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1"));
  N("multipart/parse no boundary param", () => parse("--XyZ--", "multipart/form-data"));
  N("multipart/parse not a form type", () => parse("a=1", "text/plain"));
  T("multipart/urlencoded formData bad escapes", async () => entryInfo(await new Response("a=%zz%41&%=1&b=%C3", { headers: { "content-type": "application/x-www-form-urlencoded;charset=UTF-8" } }).formData()));
  T("multipart/urlencoded formData", async () => entryInfo(await new Response("a=1&b=x+y&a=%C3%A9&c", { headers: { "content-type": "application/x-www-form-urlencoded" } }).formData()));
})();
