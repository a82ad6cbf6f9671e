/* SPDX-License-Identifier: MIT */
/* Unit tests for http_multipart.c: boundary parameter, parser (well-formed, malformed input,
 * limits) and the serializer (round trip through the parser). */
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/rc.h"
#include "harness.h"
#include "http/http.h"

static int parse(struct arena *a, const char *body, const struct http_multipart_limits *lim,
                 struct http_multipart_part **parts, size_t *n, struct diag *d)
{
    return http_multipart_parse(str_from_cstr(body), STR("XyZ"), lim, a, parts, n, d);
}

TEST(multipart_boundary_param)
{
    struct arena *a = arena_new(0);
    struct str b;
    struct diag d;
    ASSERT_OK(http_multipart_boundary(STR("multipart/form-data; boundary=abc"), a, &b, &d));
    ASSERT_EQ_SLICE(b, "abc");
    ASSERT_OK(http_multipart_boundary(STR("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b:c\""),
                                      a, &b, &d));
    ASSERT_EQ_SLICE(b, "a b:c");
    ASSERT_OK(http_multipart_boundary(
        STR("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"), a, &b, &d));
    ASSERT_EQ_SLICE(b, "----WebKitFormBoundary7MA4YWxkTrZu0gW");
    ASSERT_RC(http_multipart_boundary(STR("multipart/form-data"), a, &b, &d), RC_INVAL);
    ASSERT_RC(http_multipart_boundary(STR("multipart/form-data; boundary="), a, &b, &d), RC_INVAL);
    ASSERT_RC(http_multipart_boundary(STR("multipart/form-data; boundary=\"x "), a, &b, &d),
              RC_INVAL);
    ASSERT_RC(http_multipart_boundary(STR("multipart/mixed; boundary=abc"), a, &b, &d), RC_INVAL);
    ASSERT_RC(http_multipart_boundary(STR("text/plain"), a, &b, &d), RC_INVAL);
    ASSERT_RC(http_multipart_boundary(STR("multipart/form-data; boundary=\"ab \""), a, &b, &d),
              RC_INVAL); /* a space may not end it */
    ASSERT_RC(http_multipart_boundary(STR("multipart/form-data; boundary=a\"b"), a, &b, &d),
              RC_INVAL);
    char longb[100];
    memset(longb, 'x', sizeof(longb));
    struct str ct = arena_printf(a, "multipart/form-data; boundary=%.*s", 71, longb);
    ASSERT_RC(http_multipart_boundary(ct, a, &b, &d), RC_INVAL);
    ct = arena_printf(a, "multipart/form-data; boundary=%.*s", 70, longb);
    ASSERT_OK(http_multipart_boundary(ct, a, &b, &d));
    arena_free(a);
}

TEST(multipart_parse_fields_and_files)
{
    struct arena *a = arena_new(0);
    struct http_multipart_part *p;
    size_t n;
    struct diag d;
    const char *body = "preamble to ignore\r\n"
                       "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"title\"\r\n"
                       "\r\n"
                       "Hello\r\nworld\r\n"
                       "--XyZ  \t\r\n"
                       "content-disposition: FORM-DATA; filename=\"a %22q%22\\.txt\"; name=up\r\n"
                       "Content-Type: text/plain\r\n"
                       "X-Other: ignored\r\n"
                       "\r\n"
                       "file\0bytes\r\n"
                       "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"empty\"; filename=\"\"\r\n"
                       "\r\n"
                       "\r\n"
                       "--XyZ--\r\n"
                       "epilogue";
    size_t len = strlen(body);
    len += strlen(body + len + 1) + 1; /* the NUL inside the file data */
    ASSERT_OK(http_multipart_parse(str_make(body, len), STR("XyZ"), NULL, a, &p, &n, &d));
    ASSERT_EQ_SIZE(n, 3);
    ASSERT_EQ_SLICE(p[0].name, "title");
    ASSERT_FALSE(p[0].has_filename);
    ASSERT_EQ_SLICE(p[0].data, "Hello\r\nworld");
    ASSERT_EQ_SIZE(p[0].content_type.len, 0);
    ASSERT_EQ_SLICE(p[1].name, "up");
    ASSERT_TRUE(p[1].has_filename);
    ASSERT_EQ_SLICE(p[1].filename, "a \"q\"\\.txt");
    ASSERT_EQ_SLICE(p[1].content_type, "text/plain");
    ASSERT_EQ_SIZE(p[1].data.len, 10);
    ASSERT_EQ_MEM(p[1].data.ptr, "file\0bytes", 10);
    ASSERT_TRUE(p[2].has_filename);
    ASSERT_EQ_SIZE(p[2].filename.len, 0);
    ASSERT_EQ_SIZE(p[2].data.len, 0);
    arena_free(a);
}

TEST(multipart_parse_edge_cases)
{
    struct arena *a = arena_new(0);
    struct http_multipart_part *p;
    size_t n;
    struct diag d;
    /* no parts at all */
    ASSERT_OK(parse(a, "--XyZ--", NULL, &p, &n, &d));
    ASSERT_EQ_SIZE(n, 0);
    /* data that contains the boundary without the leading CRLF, and "--XyZ" inside a line */
    ASSERT_OK(parse(a,
                    "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n--XyZ x --XyZ\r\n"
                    "--XyZ--",
                    NULL, &p, &n, &d));
    ASSERT_EQ_SIZE(n, 1);
    ASSERT_EQ_SLICE(p[0].data, "--XyZ x --XyZ");
    /* a name with UTF-8 and an empty value */
    ASSERT_OK(
        parse(a, "--XyZ\r\nContent-Disposition: form-data; name=\"h\xc3\xa9\"\r\n\r\n\r\n--XyZ--",
              NULL, &p, &n, &d));
    ASSERT_EQ_SLICE(p[0].name, "h\xc3\xa9");
    ASSERT_EQ_SIZE(p[0].data.len, 0);
    /* first name/filename parameter wins */
    ASSERT_OK(parse(a,
                    "--XyZ\r\nContent-Disposition: form-data; name=a; name=b; filename=x; "
                    "filename=y\r\n\r\nv\r\n--XyZ--",
                    NULL, &p, &n, &d));
    ASSERT_EQ_SLICE(p[0].name, "a");
    ASSERT_EQ_SLICE(p[0].filename, "x");
    arena_free(a);
}

TEST(multipart_parse_malformed)
{
    struct arena *a = arena_new(0);
    struct http_multipart_part *p;
    size_t n;
    struct diag d;
    static const char *const bad[] = {
        "",
        "no boundary at all",
        "--XyZ",                                                        /* no CRLF or -- after it */
        "--XyZ\r\n",                                                    /* no headers end */
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue", /* no closing */
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ",      /* truncated */
        "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZx\r\n", /* not delim */
        "--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--",       /* no disposition */
        "--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--", /* no name */
        "--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--XyZ--", /* open quote */
        "--XyZ\r\nContent-Disposition: form-data; name\r\n\r\nv\r\n--XyZ--",     /* no '=' */
        "--XyZ\r\nContent-Disposition form-data; name=a\r\n\r\nv\r\n--XyZ--",    /* no ':' */
        "--XyZ\r\n: x\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ--",
        "--XyZ\r\n folded\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=a\x01\r\n\r\nv\r\n--XyZ--",
        "--XyZ\nContent-Disposition: form-data; name=a\n\nv\n--XyZ--", /* LF only */
        "--XyZ\r\nContent-Disposition: form-data; name=a x\r\n\r\nv\r\n--XyZ--",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse(a, bad[i], NULL, &p, &n, &d);
        if (rc != RC_INVAL) {
            harness_fail(__FILE__, __LINE__, "case %zu: rc %s, expected RC_INVAL", i, rc_name(rc));
        }
        ASSERT_TRUE(strlen(d.msg) > 0);
        ASSERT_NULL(p);
        ASSERT_EQ_SIZE(n, 0);
    }
    arena_free(a);
}

TEST(multipart_parse_limits)
{
    struct arena *a = arena_new(0);
    struct http_multipart_part *p;
    size_t n;
    struct diag d;
    struct buf b;
    buf_init(&b, (size_t)1 << 20);
    for (int i = 0; i < 4; i++) {
        ASSERT_OK(buf_try_printf(&b,
                                 "--XyZ\r\nContent-Disposition: form-data; name=f%d\r\n\r\n"
                                 "0123456789\r\n",
                                 i));
    }
    ASSERT_OK(buf_try_append_cstr(&b, "--XyZ--\r\n"));
    struct str body = buf_str(&b);
    struct http_multipart_limits lim = { .max_parts = 3 };
    ASSERT_RC(http_multipart_parse(body, STR("XyZ"), &lim, a, &p, &n, &d), RC_LIMIT);
    ASSERT_TRUE(strstr(d.msg, "more than 3 parts") != NULL);
    lim = (struct http_multipart_limits){ .max_parts = 4 };
    ASSERT_OK(http_multipart_parse(body, STR("XyZ"), &lim, a, &p, &n, &d));
    ASSERT_EQ_SIZE(n, 4);
    lim = (struct http_multipart_limits){ .max_part_bytes = 9 };
    ASSERT_RC(http_multipart_parse(body, STR("XyZ"), &lim, a, &p, &n, &d), RC_LIMIT);
    lim = (struct http_multipart_limits){ .max_part_bytes = 10 };
    ASSERT_OK(http_multipart_parse(body, STR("XyZ"), &lim, a, &p, &n, &d));
    lim = (struct http_multipart_limits){ .max_total_bytes = body.len - 1 };
    ASSERT_RC(http_multipart_parse(body, STR("XyZ"), &lim, a, &p, &n, &d), RC_LIMIT);
    lim = (struct http_multipart_limits){ .max_header_bytes = 20 };
    ASSERT_RC(http_multipart_parse(body, STR("XyZ"), &lim, a, &p, &n, &d), RC_LIMIT);
    ASSERT_TRUE(strstr(d.msg, "headers over 20 bytes") != NULL);
    /* the default part count */
    buf_reset(&b);
    for (int i = 0; i < HTTP_MULTIPART_MAX_PARTS + 1; i++) {
        ASSERT_OK(buf_try_printf(&b, "--XyZ\r\nContent-Disposition: form-data; name=f\r\n\r\n"
                                     "x\r\n"));
    }
    ASSERT_OK(buf_try_append_cstr(&b, "--XyZ--\r\n"));
    ASSERT_RC(http_multipart_parse(buf_str(&b), STR("XyZ"), NULL, a, &p, &n, &d), RC_LIMIT);
    buf_fini(&b);
    arena_free(a);
}

TEST(multipart_write_round_trip)
{
    struct arena *a = arena_new(0);
    struct http_multipart_part in[3] = {
        { .name = STR("a\"b\nc"), .data = STR("x\ny\rz\r\nw") },
        { .name = STR("f"),
          .has_filename = true,
          .filename = STR("q\"r.txt"),
          .content_type = STR("text/plain"),
          .data = STR("raw\nbytes") },
        { .name = STR("g"), .has_filename = true, .filename = STR(""), .data = STR("") },
    };
    struct buf b;
    buf_init(&b, (size_t)1 << 20);
    ASSERT_OK(http_multipart_write(&b, STR("----kiln-formdata-1"), in, 3));
    ASSERT_EQ_SLICE(buf_str(&b), "------kiln-formdata-1\r\n"
                                 "Content-Disposition: form-data; name=\"a%22b%0D%0Ac\"\r\n\r\n"
                                 "x\r\ny\r\nz\r\nw\r\n"
                                 "------kiln-formdata-1\r\n"
                                 "Content-Disposition: form-data; name=\"f\"; "
                                 "filename=\"q%22r.txt\"\r\n"
                                 "Content-Type: text/plain\r\n\r\n"
                                 "raw\nbytes\r\n"
                                 "------kiln-formdata-1\r\n"
                                 "Content-Disposition: form-data; name=\"g\"\r\n"
                                 "Content-Type: application/octet-stream\r\n\r\n"
                                 "\r\n"
                                 "------kiln-formdata-1--\r\n");
    struct http_multipart_part *p;
    size_t n;
    struct diag d;
    ASSERT_OK(http_multipart_parse(buf_str(&b), STR("----kiln-formdata-1"), NULL, a, &p, &n, &d));
    ASSERT_EQ_SIZE(n, 3);
    ASSERT_EQ_SLICE(p[0].name, "a\"b\r\nc"); /* %22 %0D %0A decoded as the Fetch standard does */
    ASSERT_EQ_SLICE(p[0].data, "x\r\ny\r\nz\r\nw");
    ASSERT_EQ_SLICE(p[1].filename, "q\"r.txt");
    ASSERT_EQ_SLICE(p[1].data, "raw\nbytes");
    ASSERT_FALSE(p[2].has_filename);
    ASSERT_EQ_SLICE(p[2].content_type, "application/octet-stream");
    buf_fini(&b);
    arena_free(a);
}
