/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for base/url: parsing with and without a base, hosts, limits, getters and
 * setters, percent-encode sets and the URLSearchParams list. The broad conformance check is
 * the differential test against Node (tests/web/run_diff.sh); these pin the C contract.
 */
#include <stdio.h>
#include <string.h>

#include <idn2.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/mem.h"
#include "base/url.h"
#include "base/url_host.h"
#include "base/url_params.h"
#include "harness.h"

/* Parse input (against base when non-NULL) and return its href in a static buffer, or
 * "FAIL". */
static const char *href_of(const char *input, const char *base)
{
    static char res[4096];
    struct url *b = NULL;
    struct url *u = NULL;
    snprintf(res, sizeof(res), "FAIL");
    if (base != NULL && url_parse(str_from_cstr(base), NULL, 0, &b, NULL) != RC_OK) {
        return res;
    }
    if (url_parse(str_from_cstr(input), b, 0, &u, NULL) == RC_OK) {
        struct str h = url_href(u);
        snprintf(res, sizeof(res), "%.*s", STR_FMT(h));
    }
    url_free(u);
    url_free(b);
    return res;
}

static const char *get(const struct url *u, enum url_part part)
{
    static char res[4096];
    struct buf b;
    buf_init(&b, sizeof(res) - 1);
    ASSERT_OK(url_get(u, part, &b));
    snprintf(res, sizeof(res), "%.*s", STR_FMT(buf_str(&b)));
    buf_fini(&b);
    return res;
}

TEST(url_parse_basic_components)
{
    struct url *u = NULL;
    ASSERT_OK(url_parse(STR("HTTPS://User:Pa%20ss@EXAMPLE.com:8443/a/../b/./c?x=1 2#fr ag"), NULL,
                        0, &u, NULL));
    ASSERT_EQ_STR(get(u, URL_HREF), "https://User:Pa%20ss@example.com:8443/b/c?x=1%202#fr%20ag");
    ASSERT_EQ_STR(get(u, URL_ORIGIN), "https://example.com:8443");
    ASSERT_EQ_STR(get(u, URL_PROTOCOL), "https:");
    ASSERT_EQ_STR(get(u, URL_USERNAME), "User");
    ASSERT_EQ_STR(get(u, URL_PASSWORD), "Pa%20ss");
    ASSERT_EQ_STR(get(u, URL_HOST), "example.com:8443");
    ASSERT_EQ_STR(get(u, URL_HOSTNAME), "example.com");
    ASSERT_EQ_STR(get(u, URL_PORT), "8443");
    ASSERT_EQ_STR(get(u, URL_PATHNAME), "/b/c");
    ASSERT_EQ_STR(get(u, URL_SEARCH), "?x=1%202");
    ASSERT_EQ_STR(get(u, URL_HASH), "#fr%20ag");
    ASSERT_TRUE(url_is_special(u));
    url_free(u);
}

TEST(url_parse_failures_set_null_and_diag)
{
    struct url *u = (struct url *)1;
    struct diag d;
    diag_clear(&d);
    ASSERT_RC(url_parse(STR("http://exa mple.com/"), NULL, 0, &u, &d), RC_INVAL);
    ASSERT_NULL(u);
    ASSERT_EQ_INT(d.rc, RC_INVAL);
    ASSERT_EQ_STR(href_of("no-scheme", NULL), "FAIL");
    ASSERT_EQ_STR(href_of("http://[1::2::3]/", NULL), "FAIL");
    ASSERT_EQ_STR(href_of("http://1.2.3.256/", NULL), "FAIL");
    ASSERT_EQ_STR(href_of("http://h:65536/", NULL), "FAIL");
    ASSERT_EQ_STR(href_of("http://u@/", NULL), "FAIL");
    ASSERT_FALSE(url_can_parse(STR("x"), NULL));
    ASSERT_TRUE(url_can_parse(STR("sc:x"), NULL));
}

TEST(url_input_limit)
{
    char big[200];
    struct str prefix = STR("http://h/");
    memset(big, 'a', sizeof(big));
    memcpy(big, prefix.ptr, prefix.len);
    struct url *u = NULL;
    struct diag d;
    diag_clear(&d);
    ASSERT_RC(url_parse(str_make(big, sizeof(big)), NULL, 100, &u, &d), RC_LIMIT);
    ASSERT_NULL(u);
    ASSERT_TRUE(strstr(d.msg, "limit 100") != NULL);
    ASSERT_OK(url_parse(str_make(big, 100), NULL, 100, &u, NULL));
    ASSERT_RC(url_set(u, URL_PATHNAME, str_make(big, sizeof(big))), RC_LIMIT);
    url_free(u);
}

TEST(url_relative_resolution)
{
    const char *base = "http://a/b/c/d;p?q";
    ASSERT_EQ_STR(href_of("g", base), "http://a/b/c/g");
    ASSERT_EQ_STR(href_of("../g", base), "http://a/b/g");
    ASSERT_EQ_STR(href_of("../../../g", base), "http://a/g");
    ASSERT_EQ_STR(href_of("//g", base), "http://g/");
    ASSERT_EQ_STR(href_of("?y", base), "http://a/b/c/d;p?y");
    ASSERT_EQ_STR(href_of("#s", base), "http://a/b/c/d;p?q#s");
    ASSERT_EQ_STR(href_of("", base), "http://a/b/c/d;p?q");
    ASSERT_EQ_STR(href_of("\\\\x\\y", base), "http://x/y");
    ASSERT_EQ_STR(href_of("x", "sc:opaque"), "FAIL");
    ASSERT_EQ_STR(href_of("#f", "sc:opaque"), "sc:opaque#f");
    ASSERT_EQ_STR(href_of("..", "file:///C:/"), "file:///C:/");
    ASSERT_EQ_STR(href_of("/x", "file:///C:/a/b"), "file:///C:/x");
}

TEST(url_hosts)
{
    ASSERT_EQ_STR(href_of("http://0x7f.1/", NULL), "http://127.0.0.1/");
    ASSERT_EQ_STR(href_of("http://4294967295/", NULL), "http://255.255.255.255/");
    ASSERT_EQ_STR(href_of("http://4294967296/", NULL), "FAIL");
    ASSERT_EQ_STR(href_of("http://foo.09/", NULL), "FAIL");
    ASSERT_EQ_STR(href_of("sc://1.2.3.4.5/", NULL), "sc://1.2.3.4.5/");
    ASSERT_EQ_STR(href_of("http://[0:0:1:0:0:1:0:0]/", NULL), "http://[::1:0:0:1:0:0]/");
    ASSERT_EQ_STR(href_of("http://[::1]:8080/x", NULL), "http://[::1]:8080/x");
    ASSERT_EQ_STR(href_of("http://u:p@[::1]:81@/", NULL), "FAIL");
    ASSERT_EQ_STR(href_of("http://[1:0:0:2::3:0]/", NULL), "http://[1::2:0:0:3:0]/");
    ASSERT_EQ_STR(href_of("http://[::ffff:1.2.3.4]/", NULL), "http://[::ffff:102:304]/");
    ASSERT_EQ_STR(href_of("http://M\xC3\x9CNCHEN.de/", NULL), "http://xn--mnchen-3ya.de/");
    ASSERT_EQ_STR(href_of("http://a\xE3\x80\x82"
                          "b/",
                          NULL),
                  "http://a.b/");
    ASSERT_EQ_STR(href_of("http://%41.com/", NULL), "http://a.com/");
    ASSERT_EQ_STR(href_of("http://a%25b/", NULL), "FAIL");
    ASSERT_EQ_STR(href_of("sc://A%42/", NULL), "sc://A%42/");
    ASSERT_EQ_STR(href_of("sc://a b/", NULL), "FAIL");
    struct buf b;
    buf_init(&b, 64);
    ASSERT_OK(url_host_parse(STR("0177.1"), true, &b));
    ASSERT_EQ_SLICE(buf_str(&b), "127.0.0.1");
    ASSERT_RC(url_host_parse(STR("a<b"), true, &b), RC_INVAL);
    ASSERT_EQ_SLICE(buf_str(&b), "127.0.0.1");
    buf_fini(&b);
}

TEST(url_setters)
{
    struct url *u = NULL;
    ASSERT_OK(url_parse(STR("http://a/p?q#f"), NULL, 0, &u, NULL));
    ASSERT_OK(url_set(u, URL_PROTOCOL, STR("https")));
    ASSERT_OK(url_set(u, URL_PORT, STR("443")));
    ASSERT_EQ_STR(get(u, URL_HREF), "https://a/p?q#f");
    ASSERT_OK(url_set(u, URL_PROTOCOL, STR("sc")));
    ASSERT_EQ_STR(get(u, URL_PROTOCOL), "https:");
    ASSERT_OK(url_set(u, URL_HOST, STR("b:8080")));
    ASSERT_OK(url_set(u, URL_USERNAME, STR("u@")));
    ASSERT_OK(url_set(u, URL_PATHNAME, STR("x y/../z")));
    ASSERT_OK(url_set(u, URL_SEARCH, STR("?a=b")));
    ASSERT_OK(url_set(u, URL_HASH, STR("")));
    ASSERT_EQ_STR(get(u, URL_HREF), "https://u%40@b:8080/z?a=b");
    ASSERT_RC(url_set(u, URL_HREF, STR("not a url")), RC_INVAL);
    ASSERT_EQ_STR(get(u, URL_HREF), "https://u%40@b:8080/z?a=b");
    ASSERT_RC(url_set(u, URL_ORIGIN, STR("http://x")), RC_INVAL);
    ASSERT_OK(url_set(u, URL_HREF, STR("sc:op aque ?q")));
    ASSERT_OK(url_set(u, URL_SEARCH, STR("")));
    ASSERT_EQ_STR(get(u, URL_HREF), "sc:op aque");
    struct url *c = url_dup(u);
    ASSERT_OK(url_set(u, URL_HASH, STR("h")));
    ASSERT_EQ_STR(get(c, URL_HREF), "sc:op aque");
    url_free(c);
    url_free(u);
}

TEST(url_percent_encode_sets)
{
    struct buf b;
    buf_init(&b, 256);
    ASSERT_OK(url_percent_encode(STR("a b+c/\xC3\xA9~!"), URL_SET_FORM, &b));
    ASSERT_EQ_SLICE(buf_str(&b), "a+b%2Bc%2F%C3%A9%7E%21");
    buf_reset(&b);
    ASSERT_OK(url_percent_encode(STR("a b/?#"), URL_SET_PATH, &b));
    ASSERT_EQ_SLICE(buf_str(&b), "a%20b/%3F%23");
    buf_reset(&b);
    ASSERT_OK(url_percent_encode(STR("'\""), URL_SET_SPECIAL_QUERY, &b));
    ASSERT_EQ_SLICE(buf_str(&b), "%27%22");
    buf_reset(&b);
    ASSERT_OK(url_percent_decode(STR("%41%zz%4"), &b));
    ASSERT_EQ_SLICE(buf_str(&b), "A%zz%4");
    buf_fini(&b);
}

/* str_hex_digit's cases, '@' and '`' included, are in test_str.c. */
TEST(url_utf8_lossy)
{
    struct buf b;
    buf_init(&b, 256);
    ASSERT_OK(url_percent_decode(STR("%4a%4G%C3%a9%\xC3"), &b));
    ASSERT_EQ_SLICE(buf_str(&b), "J%4G\xC3\xA9%\xC3");
    buf_reset(&b);
    /* A truncated sequence, a lone continuation byte and an overlong form: each U+FFFD. */
    ASSERT_OK(url_utf8_lossy(STR("a\xC3"
                                 "b\x80\xC0\xAF\xE2\x82\xAC"),
                             &b));
    ASSERT_EQ_SLICE(buf_str(&b), "a\xEF\xBF\xBD"
                                 "b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xE2\x82\xAC");
    buf_fini(&b);
    buf_init(&b, 4);
    ASSERT_EQ_INT(url_utf8_lossy(STR("ab\xFF"), &b), RC_LIMIT);
    buf_fini(&b);
}

TEST(url_params_operations)
{
    struct url_params *p = url_params_new(0);
    struct buf b;
    buf_init(&b, 1024);
    ASSERT_OK(url_params_parse(p, STR("b=2&a=1&&c&a=%C3%A9+x&=z")));
    ASSERT_EQ_SIZE(url_params_count(p), 5);
    struct str v;
    ASSERT_TRUE(url_params_get(p, STR("a"), &v));
    ASSERT_EQ_SLICE(v, "1");
    ASSERT_FALSE(url_params_get(p, STR("zz"), &v));
    struct str one = STR("1");
    ASSERT_TRUE(url_params_has(p, STR("a"), &one));
    ASSERT_TRUE(url_params_has(p, STR("c"), NULL));
    url_params_sort(p);
    ASSERT_OK(url_params_serialize(p, &b));
    ASSERT_EQ_SLICE(buf_str(&b), "=z&a=1&a=%C3%A9+x&b=2&c=");
    ASSERT_OK(url_params_set(p, STR("a"), STR("new")));
    url_params_delete(p, STR("b"), NULL);
    buf_reset(&b);
    ASSERT_OK(url_params_serialize(p, &b));
    ASSERT_EQ_SLICE(buf_str(&b), "=z&a=new&c=");
    url_params_delete(p, STR("c"), &one);
    ASSERT_EQ_SIZE(url_params_count(p), 3);
    buf_fini(&b);
    url_params_free(p);
}

TEST(url_params_sort_utf16_order_and_limit)
{
    /* U+FFFF sorts after U+1F600 in UTF-16 (surrogates are 0xD83D...), unlike code points. */
    struct url_params *p = url_params_new(16);
    ASSERT_OK(url_params_append(p, STR("\xEF\xBF\xBF"), STR("1")));
    ASSERT_OK(url_params_append(p, STR("\xF0\x9F\x98\x80"), STR("2")));
    url_params_sort(p);
    struct str n;
    struct str v;
    url_params_at(p, 0, &n, &v);
    ASSERT_EQ_SLICE(v, "2");
    ASSERT_RC(url_params_append(p, STR("0123456789"), STR("x")), RC_LIMIT);
    ASSERT_RC(url_params_parse(p, STR("aaaaaaaaaa=bbbbbbbbbb")), RC_LIMIT);
    ASSERT_EQ_SIZE(url_params_count(p), 0);
    url_params_free(p);
}

TEST(url_offsets_slice_href)
{
    struct url *u = NULL;
    ASSERT_OK(url_parse(STR("https://us:pw@Host.example:8443/a/b?q=1#frag"), NULL, 0, &u, NULL));
    struct url_offsets o;
    url_get_offsets(u, &o);
    struct str h = url_href(u);
    ASSERT_EQ_SLICE(str_sub(h, 0, o.scheme_end + 1), "https:");
    ASSERT_EQ_SLICE(str_sub(h, o.username_start, o.username_end - o.username_start), "us");
    ASSERT_EQ_SLICE(str_sub(h, o.password_start, o.password_end - o.password_start), "pw");
    ASSERT_EQ_SLICE(str_sub(h, o.host_start, o.host_end - o.host_start), "host.example");
    ASSERT_EQ_SLICE(str_sub(h, o.host_start, o.port_end - o.host_start), "host.example:8443");
    ASSERT_EQ_SLICE(str_sub(h, o.path_start, o.query_start - o.path_start), "/a/b");
    ASSERT_EQ_SLICE(str_sub(h, o.query_start, o.fragment_start - o.query_start), "?q=1");
    ASSERT_EQ_SLICE(str_sub(h, o.fragment_start, h.len - o.fragment_start), "#frag");
    url_free(u);
    /* No host and a path starting with "//": href has "/." before the path. */
    ASSERT_OK(url_parse(STR("web+demo:/.//not-a-host/"), NULL, 0, &u, NULL));
    url_get_offsets(u, &o);
    h = url_href(u);
    ASSERT_EQ_SLICE(h, "web+demo:/.//not-a-host/");
    ASSERT_EQ_SLICE(str_sub(h, o.path_start, o.query_start - o.path_start), "//not-a-host/");
    ASSERT_EQ_SIZE(o.host_start, o.port_end);
    url_free(u);
}

static int collect_pair(struct str name, struct str value, void *arg)
{
    struct buf *b = arg;
    int rc = buf_try_append_str(b, name);
    rc = rc ? rc : buf_try_append_char(b, '|');
    rc = rc ? rc : buf_try_append_str(b, value);
    return rc ? rc : buf_try_append_char(b, ';');
}

TEST(url_params_parse_each_pairs_and_limit)
{
    struct buf b;
    buf_init(&b, 1024);
    ASSERT_OK(url_params_parse_each(STR("a=1&&b+c=%C3%A9&d&=e&f=%FF"), 0, collect_pair, &b));
    ASSERT_EQ_SLICE(buf_str(&b), "a|1;b c|\xC3\xA9;d|;|e;f|\xEF\xBF\xBD;");
    buf_reset(&b);
    ASSERT_RC(url_params_parse_each(STR("aaaa=bbbb&c=d"), 8, collect_pair, &b), RC_LIMIT);
    ASSERT_EQ_SLICE(buf_str(&b), "aaaa|bbbb;");
    buf_fini(&b);
}

/* url_parse_fast accepted s: the full parser gives the same href and offsets, and url_parse
 * (which takes the fast path) the same getters. Returns whether the href is s itself. */
static bool check_fast_agrees(const char *s)
{
    struct url_offsets fast;
    struct str href;
    struct buf scratch;
    buf_init(&scratch, 1 << 20);
    ASSERT_TRUE(url_parse_fast(str_from_cstr(s), &scratch, &href, &fast));
    bool same = href.ptr == s;
    struct url *u = NULL;
    ASSERT_OK(url_parse_full(str_from_cstr(s), NULL, 0, &u, NULL));
    ASSERT_TRUE(str_eq(url_href(u), href));
    struct url_offsets full;
    url_get_offsets(u, &full);
    ASSERT_TRUE(memcmp(&fast, &full, sizeof(fast)) == 0);
    url_free(u);
    ASSERT_OK(url_parse(str_from_cstr(s), NULL, 0, &u, NULL));
    for (int part = URL_HREF; part <= URL_HASH; part++) {
        struct url *f = NULL;
        ASSERT_OK(url_parse_full(str_from_cstr(s), NULL, 0, &f, NULL));
        char want[512];
        snprintf(want, sizeof(want), "%s", get(f, (enum url_part)part));
        ASSERT_EQ_STR(get(u, (enum url_part)part), want);
        url_free(f);
    }
    url_free(u);
    buf_fini(&scratch);
    return same;
}

/* url_parse_canonical accepted s: the same, and the href is s itself. */
static void check_canonical_agrees(const char *s)
{
    struct url_offsets o;
    ASSERT_TRUE(url_parse_canonical(str_from_cstr(s), &o));
    ASSERT_TRUE(check_fast_agrees(s));
}

TEST(url_canonical_fast_path_agrees_with_parser)
{
    static const char *const yes[] = {
        "https://www.example.com/",
        "https://user:secret@db.internal.example.org:5432/app?sslmode=require",
        "https://user@h.example/",
        "http://192.168.1.10:3000/health",
        "http://0.0.0.0/",
        "http://255.255.255.255:0/",
        "https://example.com./a_b-c/%E6%97%A5?x=%7B&y=a+b#frag#more",
        "wss://realtime.example.com/socket?token=abc.def.ghi&v=2",
        "ftp://h:22/",
        "http://a/..x/.../x./%2f/",
        "http://1.example/",
        "https://xn--mnchen-3ya.de/stadtplan?bezirk=altstadt",
        "https://[2001:db8::1]:8443/metrics?format=prometheus",
        "http://[::1]/",
        "http://u:p@[1::]/",
        "http://[::]/",
        "http://[1:2:3:4:5:6:7:8]/",
        "http://[1:0:0:2::3]/",
        "http://[::ffff:102:304]/",
        "http://a/?#",
        "file:///var/lib/kiln/data/export.json",
        "file:////x",
        "mailto:support@example.com?subject=Hello%20there",
        "urn:isbn:0451450523",
        "a:?x",
        "web+demo:b#c",
    };
    for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
        check_canonical_agrees(yes[i]);
    }
}

TEST(url_fast_path_dot_segments)
{
    static const char *const dots[] = {
        "https://example.com/a/b/../c/./d/e/f/g/h/index.html?x=1",
        "http://h/a/..",
        "http://h/a/.",
        "http://h/..",
        "http://h/.",
        "http://h/../../a",
        "http://h/a/b/../../..",
        "http://h/a//..",
        "http://h/a/%2e/b",
        "http://h/a/%2E%2e?q#f",
        "http://h/.%2e/x#y",
        "http://h/%2e./x",
        "http://h/a/b/..?",
        "ws://h:81/./a/../b/",
    };
    for (size_t i = 0; i < ARRAY_LEN(dots); i++) {
        ASSERT_FALSE(check_fast_agrees(dots[i])); /* a new href, built without the dots */
    }
    /* file: keeps dot segments for the parser (drive letters change shortening). */
    struct url_offsets o;
    struct str href;
    struct buf scratch;
    buf_init(&scratch, 1024);
    ASSERT_FALSE(url_parse_fast(STR("file:///C:/../x"), &scratch, &href, &o));
    ASSERT_FALSE(url_parse_fast(STR("HTTP://h/a/../b"), &scratch, &href, &o));
    buf_fini(&scratch);
}

TEST(url_canonical_every_byte_in_every_component)
{
    /* Each byte in each place: whatever the fast path accepts, the parser returns unchanged
     * (this checks the fast path's byte classes against the percent-encode sets). */
    static const char *const forms[] = {
        "http://h/a$b",   "http://h/?a$b", "http://h/#a$b", "http://u$v@h/",
        "http://u:p$@h/", "http://a$b/",   "x:a$b",         "x:a?$",
        "ws://h:8$/",     "file:///a$b",   "h$p://h/",      "x$:a",
        "http://h/$/x",   "http://h/.$/x", "http://h/%2$/", "https://xn--mnchen-3y$.de/",
    };
    size_t accepted = 0;
    for (size_t f = 0; f < ARRAY_LEN(forms); f++) {
        for (int c = 1; c < 256; c++) {
            char s[64];
            snprintf(s, sizeof(s), "%s", forms[f]);
            *strchr(s, '$') = (char)c; /* the byte in its place */
            struct url_offsets o;
            struct str href;
            struct buf scratch;
            buf_init(&scratch, 1024);
            if (url_parse_canonical(str_from_cstr(s), &o)) {
                check_canonical_agrees(s);
                accepted++;
            } else if (url_parse_fast(str_from_cstr(s), &scratch, &href, &o)) {
                ASSERT_FALSE(check_fast_agrees(s));
            }
            buf_fini(&scratch);
        }
    }
    ASSERT_TRUE(accepted > 500);
}

TEST(url_canonical_fast_path_declines)
{
    /* Inputs the parser changes, fails, or that the fast path leaves to it. */
    static const char *const no[] = {
        "",
        "HTTPS://example.com/",       /* upper-case scheme */
        "https://Example.com/",       /* upper-case host */
        "https://example.com",        /* the parser adds the '/' */
        "https://example.com?q",      /* the same */
        "http:/example.com/",         /* one slash */
        "http:\\\\example.com\\",     /* backslashes */
        "https://example.com:443/",   /* default port */
        "https://example.com:0443/",  /* leading zero */
        "https://example.com:/",      /* empty port */
        "https://example.com:65536/", /* port out of range */
        "https://:80/",               /* empty host */
        "https://a..b/",              /* empty label */
        "https://.a/",                /* empty label */
        "https://xn--ls8h.la/",       /* an A-label libidn2 decides */
        "http://1.2.3/",              /* IPv4 the parser rewrites */
        "http://1.2.3.4./",           /* the same */
        "http://01.2.3.4/",           /* the same */
        "http://256.1.1.1/",          /* not an address */
        "http://example.123/",        /* ends in a number: invalid */
        "http://0x7f.1/",             /* hex IPv4 */
        "http://[::0:1]/",            /* IPv6 the parser rewrites */
        "http://[0:0::1]/",
        "http://[1:0:0:0:0:0:0:0]/",
        "http://[::FFFF]/",
        "http://[::1/",
        "http://[::1]x/",
        "http://[::1]:/",
        "http://[]/",
        "http://[::1.2.3.4]/",
        "http://@h/",      /* empty userinfo */
        "http://:pw@h/",   /* empty username */
        "http://u:@h/",    /* empty password */
        "http://a@b@c/",   /* '@' in userinfo */
        "http://h/a/../b", /* dot segments */
        "http://h/a/./b",
        "http://h/a/%2e%2E/b",
        "http://h/.",
        "http://h/a b",    /* space */
        "http://h/a|b",    /* '|' (file drive letters) */
        "http://h/é",      /* non-ASCII */
        "http://h/?a'b",   /* "'" in a special query */
        "http://h/#a`b",   /* '`' in a fragment */
        " http://h/",      /* leading space */
        "http://h/\t",     /* tab */
        "file://host/p",   /* file with a host */
        "file:///C|/p",    /* drive letter with '|' */
        "postgres://db/x", /* non-special scheme with an authority */
        "a:/b",            /* non-special path */
        "a:",              /* empty opaque path */
        "a:b c",           /* space in an opaque path */
        "1a:b",            /* not a scheme */
    };
    for (size_t i = 0; i < ARRAY_LEN(no); i++) {
        struct url_offsets o;
        ASSERT_FALSE(url_parse_canonical(str_from_cstr(no[i]), &o));
    }
}

/* url_host_plain_ace(label) must imply that libidn2 (what domain to ASCII asks otherwise)
 * accepts label and returns it unchanged. */
static bool ace_agrees(const char *label, size_t *accepted)
{
    if (!url_host_plain_ace(str_from_cstr(label))) {
        return true;
    }
    (*accepted)++;
    uint8_t *res = NULL;
    int rc = idn2_lookup_u8((const uint8_t *)label, &res, IDN2_NONTRANSITIONAL);
    bool same = rc == IDN2_OK && strcmp((const char *)res, label) == 0;
    idn2_free(res);
    return same;
}

TEST(url_host_plain_ace_agrees_with_libidn2)
{
    ASSERT_TRUE(url_host_plain_ace(STR("xn--mnchen-3ya")));  /* münchen */
    ASSERT_TRUE(url_host_plain_ace(STR("xn--strae-oqa")));   /* straße */
    ASSERT_FALSE(url_host_plain_ace(STR("xn--mnchen-3yA"))); /* upper case */
    ASSERT_FALSE(url_host_plain_ace(STR("xn--ls8h")));       /* an emoji: libidn2 decides */
    ASSERT_FALSE(url_host_plain_ace(STR("xn--abc-")));       /* decodes to ASCII only */
    ASSERT_FALSE(url_host_plain_ace(STR("xn--")));           /* empty */
    ASSERT_FALSE(url_host_plain_ace(STR("xn--zz")));         /* bad Punycode */
    ASSERT_FALSE(url_host_plain_ace(STR("mnchen-3ya")));     /* not an A-label */
    /* Every label of up to three code points from a mix of kept, mapped and disallowed ones,
     * through libidn2's ToASCII, then one-byte changes of each A-label. */
    static const uint32_t alphabet[] = { 'a',  'z',  '0',  '-',   0xDF,  0xE9,  0xF7,  0xFC,
                                         0xFF, 0xC9, 0xB5, 0x101, 0x3B1, 0x5D0, 0x200D };
    const size_t na = ARRAY_LEN(alphabet);
    size_t accepted = 0;
    size_t checked = 0;
    for (size_t len = 1; len <= 3; len++) {
        size_t total = len == 1 ? na : len == 2 ? na * na : na * na * na;
        for (size_t k = 0; k < total; k++) {
            uint32_t cp[3];
            size_t r = k;
            for (size_t j = 0; j < len; j++) {
                cp[j] = alphabet[r % na];
                r /= na;
            }
            uint32_t z[4] = { 0 }; /* NUL-terminated for idn2_to_ascii_4z */
            memcpy(z, cp, len * sizeof(uint32_t));
            char *ace = NULL;
            if (idn2_to_ascii_4z(z, &ace, IDN2_NONTRANSITIONAL) != IDN2_OK) {
                continue;
            }
            ASSERT_TRUE(ace_agrees(ace, &accepted));
            size_t n = strlen(ace);
            for (size_t pos = 4; pos < n; pos++) {
                static const char repl[] = "a9-zA";
                for (size_t q = 0; q < sizeof(repl) - 1; q++) {
                    char m[80];
                    snprintf(m, sizeof(m), "%s", ace);
                    m[pos] = repl[q];
                    ASSERT_TRUE(ace_agrees(m, &accepted));
                    checked++;
                }
            }
            idn2_free(ace);
        }
    }
    /* Not vacuous: many labels took the fast path. */
    ASSERT_TRUE(accepted > 100);
    ASSERT_TRUE(checked > 1000);
}
