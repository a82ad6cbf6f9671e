// SPDX-License-Identifier: MIT
// Case generator for tests/web/run_diff.sh: prints one JSON array per line (see web_driver.c).
// Written for Kiln; hand-picked inputs plus combinations of hosts, schemes and relative
// references, so that each rule of the URL Standard is hit from several sides.
'use strict';
const out = [];
const url = (input, base = null) => out.push(['url', input, base]);

// ---- absolute URLs: special schemes, authority, ports, paths
const absolute = [
  'http://example.com', 'HTTP://EXAMPLE.COM/A/B', 'https://example.com:443/', 'https://example.com:444/',
  'http://example.com:80/x', 'http://example.com:0080/', 'http://example.com:65535', 'http://example.com:65536',
  'http://example.com:-1', 'http://example.com:8a', 'http://example.com:/', 'http://:80/', 'http://@/',
  'http://user@example.com', 'http://user:pass@example.com:8080/p?q#f', 'http://us er:pa ss@h/',
  'http://a@b@c/', 'http://a:b:c@d/', 'http://@example.com', 'http://:@example.com', 'http://user:@h/',
  'http://%41:%42@h/', 'http://ü:ö@h/', 'ws://h:80/', 'wss://h:443/', 'ws://h:443/', 'ftp://h:21/', 'ftp://h:22/',
  'http:example.com', 'http:/example.com', 'http:\\\\example.com\\a\\b', 'https:///example.com',
  'http://example.com/a/./b/../c', 'http://example.com/a/b/../../..', 'http://example.com/%2e/%2E%2e/x',
  'http://example.com/.%2e/y', 'http://example.com/a/..', 'http://example.com/a/.', 'http://example.com/a/%2e',
  'http://example.com/a b/c"d/<e>/`f`/{g}/^h^/|i|', 'http://example.com/é/😀', 'http://example.com/%zz/%',
  'http://example.com/?a b"c<d>e\'f`g', 'http://example.com/#a b"c<d>e`f\'', 'http://example.com/?#',
  'http://example.com/??##', 'http://example.com/#frag#more', 'http://example.com\\path\\x',
  'http://example.com/\u0000/\u001f/\u007f', 'http://example.com/?\u0000\u007f', ' \t http://example.com/ \n ',
  'ht\ntp://exa\tmple.com/pa\rth', '\u0000http://example.com/\u0000', 'http://example.com/a\u00a0b',
  'https://EXAMPLE.com./', 'http://example..com/', 'http://.example.com/', 'http://example.com:8080:90/',
  'http://[::1]:8080/', 'http://exa%6dple.com/', 'http://ex%2ample.com/', 'http://ex%00ample.com/',
  'http://a%2Fb/', 'http://a%25b/', 'http://%/', 'http://a b/', 'http://a<b/', 'http://a^b/', 'http://a|b/',
  'http://a[b/', 'http://a]b/', 'http://a?b/', 'http://a#b/', 'http://a\\b/', 'http://a:b/', 'http://a%7Cb/',
  'http://a_b.com/', 'http://a$b.com/', 'http://a&b.com/', 'http://a*b.com/', 'http://a~b.com/', "http://a'b.com/",
  'http://a!b.com/', 'http://a(b).com/', 'http://a;b.com/', 'http://a=b.com/', 'http://a+b.com/', 'http://a,b.com/',
  'http://a\u007fb.com/', 'http://a\u0001b.com/', 'http:// /', 'http://%20/', 'https://x/%41%42%43',
];
absolute.forEach((s) => url(s));

// ---- non-special schemes, opaque paths and hosts
[
  'mailto:user@example.com', 'MAILTO:User@Example.COM?subject=hi there#x', 'data:text/plain,hello world',
  'data:,a b ', 'javascript:alert(1)', 'urn:isbn:0451450523', 'tel:+1-555 0100', 'sc:', 'sc:/', 'sc://',
  'sc:///', 'sc:////', 'sc://host/path', 'sc://HOST/PATH', 'sc://h:1/', 'sc://h:99999/', 'sc://u:p@h/x',
  'sc://h/a/../b', 'sc://h/a/./b', 'sc://h/%2e%2E/x', 'sc://h?q', 'sc://h#f', 'sc://h\\x', 'sc:\\x',
  'sc://ho st/', 'sc://h%20st/', 'sc://hé/', 'sc://h%C3%A9/', 'sc://[::1]/', 'sc://[1::/', 'sc://a<b/',
  'sc://a>b', 'sc://a^b', 'sc://a|b', 'sc://a@b@c', 'sc://%/', 'sc://h/ a b ', 'sc:a b c ', 'sc:a b ?q',
  'sc:a b #f', 'sc:\u0000x', 'sc:é', 'sc: leading', 'git+ssh://git@github.com/a/b.git', 'foo.bar-baz+q://x/',
  '1http://x/', '+x://y/', 'a1-+.:x', 'sc://x/..//y', 'sc:/..//y', 'sc:/a/..//b', 'sc:/.//p', 'web+demo:/.//not-a-host/',
  'non-spec:/.//p', 'non-spec:/..//p', 'about:blank', 'blob:https://example.com/uuid', 'blob:http://a:81/x',
  'blob:ftp://a/x', 'blob:null/x', 'blob:sc://a/x', 'view-source:http://example.com/',
  'sc://\u0000/', 'sc://a\u0001b/', 'sc://a%00b/', 'sc://ß/', 'sc://xn--zca/', 'sc://EXAMPLE/',
].forEach((s) => url(s));

// ---- file URLs
[
  'file:///C:/a/b', 'file:///c|/a', 'file:c:\\a\\b', 'file://localhost/x', 'file://LOCALHOST/x',
  'file://host/share/x', 'file:///', 'file://', 'file:', 'file:/x', 'file:x', 'file:///a/../..', 'file:///C:/..',
  'file:///C:/../..', 'file://C:/x', 'file://c|/x', 'file:////x', 'file:/C|/x', 'file://h:8080/x',
  'file://u@h/x', 'file://[::1]/x', 'file://1.2.3.4/x', 'file://0x7f.1/x', 'file://xn--zca/x', 'file://ß/x',
  'FILE:///A?q#f', 'file:///%2e%2e/x', 'file:..', 'file:.', 'file:?q', 'file:#f', 'file:\\\\h\\x',
  'file://h/C:/x/..', 'file:///C:', 'file:///C:/', 'file:///c:/x/../../y',
].forEach((s) => url(s));

// ---- IPv4
[
  '1.2.3.4', '0x7f.0.0.1', '0177.0.0.1', '0x7f000001', '2130706433', '017700000001', '127.1', '127.0.1',
  '1.2.3.4.', '1.2.3.4..', '1.2.3.4.5', '256.0.0.1', '1.256.0.1', '1.2.3.256', '1.2.65536', '1.16777216',
  '4294967295', '4294967296', '0xffffffff', '0x100000000', '0x', '0x.0x.0', '0X7F.1', '09.1', '08', '0',
  '00', '0.0.0.0', '1.2.3.0x', '1.2.3.09', 'foo.1', 'foo.1.2.3', '1.foo', '1.2.3.4a', 'a.b.c.0x1g',
  '1.2.3.4.0x', '0x1.0x2.0x3.0x4', '000000000000000000001.1', '1.2..3', '.1.2.3', '999999999999999999999',
  '0x' + 'f'.repeat(30), '1.0xg', '%31.%32.%33.%34', '１.２.３.４', '0..0', '1.2.3.4%2e', 'x.0x',
].forEach((h) => { url(`http://${h}/`); url(`sc://${h}/`); });

// ---- IPv6
[
  '::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:0:0:2:0:0:0:3',
  '1:0:0:0:2:0:0:3', '0:0:1:0:0:1:0:0', 'FFFF::ABCD', '0001:0002::0003', '1:2:3:4:5:6:1.2.3.4',
  '::ffff:192.168.0.1', '::1.2.3.4', '::1.2.3', '::1.2.3.4.5', '::01.2.3.4', '::1.2.3.256', '::1.2.3.4x',
  '1:2:3:4:5:6:7:1.2.3.4', '1:::2', ':1::2', '1:2:3:4:5:6:7:8:9', '12345::', '1::2::3', '::g', '[::1]',
  ':', '1:', '::%31', 'fe80::1%25eth0', '0:0:0:0:0:0:0:0', '1:0:0:0:0:0:0:0', '0:0:0:0:0:0:0:1', '::ffff:0:0',
  '1:2:0:0:5:0:0:8', 'a:b:c:d:e:f:0:0', '::0.0.0.0', '::1.2.3.4 ', ' ::1', '::1.', '::1.2..3', '::.1.2.3',
].forEach((h) => { url(`http://[${h}]/`); url(`sc://[${h}]:7/`); });

// ---- IDNA (domain to ASCII)
[
  'münchen.de', 'MÜNCHEN.DE', 'faß.de', 'xn--fa-hia.de', 'xn--zca.com', 'XN--ZCA.COM', 'bücher.example',
  '日本語.jp', 'пример.рф', 'ﬁ.com', 'Ⓐ.com', 'a。b。c', 'a．b', 'a｡b', 'example．com', 'xn--', 'xn--a',
  'xn--a.com', 'xn--abc-.com', 'xn--ls8h.la', 'a\u00adb.com', 'a\u200bb.com', 'a\u200db.com',
  '\u0627\u0644\u0639\u0631\u0628\u064a\u0629.com', 'é.com', 'e\u0301.com', 'ＥＸＡＭＰＬＥ.com',
  '％４１.com', 'a％b.com', 'x\ufffdy.com', '%C3%BC.de', '%C3.de', '%FF.de', 'ü%2Eb.de', 'a..ü',
  'straße.de', 'ĳ.nl', 'ǆ.com', '\u2100.com', '１２７.０.０.１', '㍱.com', 'xn--ab-.com', 'ab--c.com',
  '-ab.com', 'ab-.com', 'xn--p1ai', 'xn--80ak6aa92e.com', 'xn--mnchen-3ya.de', 'xn--MNCHEN-3YA.de',
].forEach((h) => { url(`https://${h}/`); });

// ---- relative references against several bases
const bases = [
  'http://example.com/a/b/c?q#f', 'https://u:p@h:8443/dir/file.html', 'file:///C:/dir/file',
  'file://host/share/f', 'sc://h/a/b', 'sc:opaque', 'data:text/plain,x', 'http://example.com',
];
const rel = [
  '', '.', '..', '../..', '../../../../x', './x', 'x', 'x/', '/x', '//x', '///x', '\\x', '\\\\x', '?', '?y',
  '#', '#g', 'g?y#s', ';x', 'g;x?y#s', '/./x', '/../x', 'x/../y', 'http:', 'http:x', 'http:/x', 'http://x',
  'https:x', 'file:x', 'sc:x', '  x  ', '%2e%2e/x', 'C:/x', 'c|x', '/C:/x', '//C:/x', 'D:', 'x\\y',
  'mailto:x', 'a:b', '?a=1&b=2', '#a#b', '//h:1/p', '//@h', '//u@', '...',
];
for (const b of bases) for (const r of rel) url(r, b);
url('x', 'not a url');
url('/x', 'about:blank');
url('#f', 'about:blank');

// ---- every printable ASCII byte (and a few others) in each component, special and not:
// pins each percent-encode set and the forbidden host code points byte by byte.
for (let c = 0x20; c <= 0x7e; c++) {
  const ch = String.fromCharCode(c);
  for (const scheme of ['http', 'sc']) {
    url(`${scheme}://u${ch}v:p${ch}q@h/a${ch}b?c${ch}d#e${ch}f`);
    url(`${scheme}://h${ch}i/`);
  }
  url(`sc:o${ch}p`);
}
for (const ch of ['\u0080', '\u00ff', '\u0100', '\u2028', '\ud7ff', '\ue000', '\ufffd', '\u{10ffff}']) {
  url(`http://u${ch}@h/p${ch}?q${ch}#f${ch}`);
  url(`sc://h${ch}/`);
}

// ---- setters
const setters = [
  ['http://a/', 'protocol', 'https'], ['http://a/', 'protocol', 'sc'], ['sc://a/', 'protocol', 'http'],
  ['http://a:443/', 'protocol', 'https'], ['http://u@a/', 'protocol', 'file'], ['file:///x', 'protocol', 'http'],
  ['http://a/', 'protocol', 'HTTPS:foo'], ['http://a/', 'protocol', '1x'], ['sc://a/', 'protocol', 'sc2'],
  ['http://a/', 'username', 'us er@x'], ['http://a/', 'password', 'p:w/d'], ['file:///x', 'username', 'u'],
  ['sc:opaque', 'username', 'u'], ['http://u:p@a/', 'username', ''], ['http://u:p@a/', 'password', ''],
  ['http://a/p', 'host', 'b:8080'], ['http://a/p', 'host', 'b:80'], ['http://a/p', 'host', ''],
  ['http://a:1/p', 'host', 'b'], ['http://a/p', 'host', 'b:x'], ['http://a/p', 'host', 'b/c'],
  ['http://a/p', 'host', 'b?c'], ['http://a/p', 'host', '[::1]:9'], ['http://a/p', 'host', 'ü.de'],
  ['http://a/p', 'hostname', 'b:9'], ['http://a/p', 'hostname', 'B.C'], ['http://a/p', 'hostname', 'a b'],
  ['sc://a/p', 'host', ''], ['sc://u@a/p', 'host', ''], ['sc:opaque', 'host', 'x'], ['file://a/p', 'host', 'localhost'],
  ['file://a/p', 'host', ''], ['file:///p', 'host', 'h:1'], ['http://a/', 'port', '81'], ['http://a/', 'port', '80'],
  ['http://a:81/', 'port', ''], ['http://a/', 'port', '8080abc'], ['http://a/', 'port', 'abc'], ['http://a/', 'port', '70000'],
  ['file:///x', 'port', '1'], ['sc://a/', 'port', '1'], ['http://a/x', 'pathname', '/b c/../d'],
  ['http://a/x', 'pathname', 'no-slash'], ['http://a/x', 'pathname', '?#'], ['sc://a/x', 'pathname', 'y'],
  ['sc:opaque', 'pathname', 'x'], ['sc:/x', 'pathname', '//y'], ['http://a/', 'search', 'a=b c'],
  ['http://a/', 'search', '?x'], ['http://a/?q', 'search', ''], ['http://a/', 'search', '#x'],
  ['sc:op aque ?q', 'search', ''], ['sc:op aque #f', 'hash', ''], ['http://a/', 'hash', 'x y'],
  ['http://a/#x', 'hash', ''], ['http://a/', 'hash', '##'], ['http://a/', 'href', 'https://b/'],
  ['http://a/', 'href', 'not a url'], ['http://a/', 'search', "'"], ['sc://a/', 'search', "'"],
  ['http://a/', 'username', 'é:@/'], ['http://a/', 'hostname', '1.2.3'], ['http://a/', 'hostname', '[::1'],
];
for (const [u, p, v] of setters) out.push(['set', u, p, v]);

// ---- URLSearchParams
[
  '', '?', 'a=1&b=2', '?a=1', 'a', 'a=', '=b', '&&a=1&&', 'a=1&a=2&b', 'a+b=c+d', 'a%20b=c%2Bd', '%zz=%',
  'a=%C3%A9', 'a=%C3', 'a=%FF%FE', 'é=ü', 'b=2&a=1&c=0&a=0', 'z&y&x&😀&\uffff&\ue000', 'q=a=b=c',
  "x=!'()*~-._", 'x=\u0000', 'sp ace=t ab', 'a=1;b=2', '%=%25', '+=+',
].forEach((q) => out.push(['params', q]));

for (let c = 0x20; c <= 0x7e; c++) {
  const ch = String.fromCharCode(c);
  out.push(['params', `a${encodeURIComponent(ch)}b=c${encodeURIComponent(ch)}d&${ch}=1`]);
  out.push(['set', 'http://h/', 'pathname', `x${ch}y`]);
  out.push(['set', 'sc://h/?q', 'search', `x${ch}y`]);
  out.push(['set', 'http://h/', 'username', `x${ch}y`]);
}

// ---- atob / btoa
['', 'a', 'ab', 'abc', 'hello world', '\u00ff\u00fe\u0000\u0080', 'ÿ', '\u0100', '😀', 'x'.repeat(100)]
  .forEach((s) => out.push(['btoa', s]));
[
  '', 'YQ', 'YQ=', 'YQ==', 'YQ===', 'YWI', 'YWI=', 'YWJj', 'Y', 'YR', 'YR==', ' Y W J j ', 'YW\tJj\n',
  'YW\u000bJj', 'YW=Jj', '=YWJj', 'YWJj=', 'YWJj==', 'YW-_', 'YW+/', '////', 'aGVsbG8gd29ybGQ=', 'é',
  'YWJ\u00a0j', 'A', 'AA', 'AAA', 'AAAA', '\fYQ\r', 'YQ= ', 'YQ =', 'Y Q = =',
].forEach((s) => out.push(['atob', s]));

// ---- TextEncoder / TextDecoder
['', 'abc', 'é', '€', '😀', '\ud800', '\udc00', 'a\ud800b', '\ud83d\ude00\ud83d', '\udc00\ud800', '\u0000', '\ufeffx']
  .forEach((s) => out.push(['encode', s]));
const hexes = [
  '', '616263', 'efbbbf616263', 'efbbbf', 'efbb', 'c3a9', 'c3', 'c328', 'e282ac', 'e282', 'e228a1', 'f09f9880',
  'f09f98', 'f09f', 'f0', 'ff', 'fe', 'c0af', 'e080af', 'eda080', 'edbfbf', 'f4908080', 'f8888080', '80',
  'bf80', 'e1a0c0', 'f09f98e282ac', '61ff62', 'c2', '00', 'efbbbfefbbbf61', 'c3a9c3a9c3a9c3', 'e0a080',
];
for (const h of hexes) {
  for (const fatal of [false, true]) {
    for (const bom of [false, true]) out.push(['decode', 'utf-8', fatal, bom, h]);
  }
}
const hex16 = ['', '6100', 'fffe6100', 'fffe', '3dd800de', '00d8', '00dc', '3dd8', '61', '610062', '3dd86100',
  '00d800d8', '00dc00d8', 'ac20', 'fffe3dd800de'];
for (const h of hex16) {
  for (const fatal of [false, true]) {
    for (const bom of [false, true]) out.push(['decode', 'utf-16le', fatal, bom, h]);
  }
}
[' UTF8 ', 'Unicode-1-1-UTF-8', 'utf-16', 'latin1x', 'utf-16be'].forEach((l) => out.push(['decode', l, false, false, '6100']));

for (const c of out) console.log(JSON.stringify(c));
