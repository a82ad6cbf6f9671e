/* SPDX-License-Identifier: MIT */
/* Handler return shapes (spec/10-http.md §5) and thrown errors (00-overview §6.2). */
#include "api_test_util.h"

static const char *const shapes_src =
    "routeRegistry.registerRoute('/str', () => 'text');\n"
    "routeRegistry.registerRoute('/undef', () => undefined);\n"
    "routeRegistry.registerRoute('/null', () => null);\n"
    "routeRegistry.registerRoute('/bytes', () => new Uint8Array([104, 105]));\n"
    "routeRegistry.registerRoute('/ab', () => new Uint8Array([1, 2, 3]).buffer);\n"
    "routeRegistry.registerRoute('/json', () => Response.json({a: 1}, {status: 201}));\n"
    "routeRegistry.registerRoute('/chain', () => Response.text('x').setHeader('X-A', '1')"
    "  .appendHeader('X-A', '2').setCookie('sid', 'v', {maxAge: 5}));\n"
    "routeRegistry.registerRoute('/plain', () => ({status: 202, body: {b: [1]}, headers: {'X-H': "
    "['p', 'q']},"
    "  cookies: {c: 'd'}}));\n"
    "routeRegistry.registerRoute('/b64', () => ({bodyBase64: 'aGVsbG8=', contentType: "
    "'text/x'}));\n"
    "routeRegistry.registerRoute('/obj', () => ({id: 7, name: 'n'}));\n"
    "routeRegistry.registerRoute('/arr', () => [1, 2]);\n"
    "routeRegistry.registerRoute('/num', () => 42);\n"
    "routeRegistry.registerRoute('/badstatus', () => ({status: 99, body: 'x'}));\n"
    "routeRegistry.registerRoute('/badheader', () => ({headers: {'bad name': 'x'}}));\n"
    "routeRegistry.registerRoute('/async', async (c) => { await null; return 'later'; });\n"
    "routeRegistry.registerRoute('/promise', () => Promise.resolve(Response.html('<b>x</b>')));\n"
    "routeRegistry.registerRoute('/rb', () => ResponseBuilder.json({r: 1}, 203));\n"
    "routeRegistry.registerRoute('/redirect', () => Response.redirect('/to', 301));\n"
    "routeRegistry.registerRoute('/nc', () => Response.noContent());\n"
    "routeRegistry.registerRoute('/notfound', () => Response.notFound('gone'));\n"
    "routeRegistry.registerRoute('/named', 'namedHandler');\n"
    "function namedHandler(c) { return 'by name ' + c.handlerName; }\n"
    "routeRegistry.registerRoute('/missing', 'noSuchFunction');\n";

TEST(api_response_shapes)
{
    struct tenv t;
    tenv_start(&t);
    struct diag d;
    if (tenv_deploy(&t, "shapes.js", shapes_src, &d) != RC_OK) {
        harness_fail(__FILE__, __LINE__, "deploy: %s", d.msg);
    }

    struct {
        const char *path;
        int status;
        const char *body;     /* exact, or NULL */
        const char *contains; /* substring of the whole response, or NULL */
    } cases[] = {
        { "/str", 200, "text", "text/plain; charset=utf-8" },
        { "/undef", 204, "", NULL },
        { "/null", 204, "", NULL },
        { "/bytes", 200, "hi", "application/octet-stream" },
        { "/ab", 200, "\x01\x02\x03", "application/octet-stream" },
        { "/json", 201, "{\"a\":1}", "application/json" },
        { "/chain", 200, "x", "sid=v; Path=/; Max-Age=5; HttpOnly; SameSite=Lax" },
        { "/plain", 202, "{\"b\":[1]}", "X-H: q" },
        { "/b64", 200, "hello", "text/x" },
        { "/obj", 200, "{\"id\":7,\"name\":\"n\"}", "application/json" },
        { "/arr", 200, "[1,2]", "application/json" },
        { "/num", 500, NULL, "INVALID_RESPONSE" },
        { "/badstatus", 500, NULL, "INVALID_RESPONSE" },
        { "/badheader", 500, NULL, "INVALID_RESPONSE" },
        { "/async", 200, "later", NULL },
        { "/promise", 200, "<b>x</b>", "text/html; charset=utf-8" },
        { "/rb", 203, "{\"r\":1}", NULL },
        { "/redirect", 301, NULL, "Location: /to" },
        { "/nc", 204, "", NULL },
        { "/notfound", 404, NULL, "\"message\":\"gone\"" },
        { "/named", 200, "by name namedHandler", NULL },
        { "/missing", 500, NULL, "HANDLER_NOT_FOUND" },
    };

    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *r = tenv_get(&t, cases[i].path);
        if (resp_status(r) != cases[i].status) {
            harness_fail(__FILE__, __LINE__, "%s: status %d, want %d\n%s", cases[i].path,
                         resp_status(r), cases[i].status, r);
        }
        if (cases[i].body) {
            if (strcmp(resp_body(r), cases[i].body) != 0) {
                harness_fail(__FILE__, __LINE__, "%s: body \"%s\", want \"%s\"", cases[i].path,
                             resp_body(r), cases[i].body);
            }
        }
        if (cases[i].contains) {
            ASSERT_CONTAINS(r, cases[i].contains);
        }
        mem_free(r);
    }
    /* Both values of a repeated header from a plain object's array. */
    char *r = tenv_get(&t, "/plain");
    ASSERT_CONTAINS(r, "X-H: p\r\n");
    ASSERT_CONTAINS(r, "c=d; Path=/");
    mem_free(r);
    tenv_stop(&t);
}

static const char *const errors_src =
    "routeRegistry.registerRoute('/nf', () => { throw new NotFoundError('Post 42 not found',"
    "  {code: 'POST_NOT_FOUND', details: {id: 42}}); });\n"
    "routeRegistry.registerRoute('/plain', () => { throw new Error('secret detail'); });\n"
    "routeRegistry.registerRoute('/kiln4', () => { throw new KilnError('MY_CODE', 'bad', {status: "
    "409}); });\n"
    "routeRegistry.registerRoute('/kiln5', () => { throw new KilnError('MY_CODE', 'hidden'); });\n"
    "routeRegistry.registerRoute('/value', () => { throw 'just a string'; });\n"
    "routeRegistry.registerRoute('/rate', () => { throw new TooManyRequestsError('slow down', "
    "{retryAfterSec: 3}); });\n"
    "routeRegistry.registerRoute('/reject', async () => { await null; throw new "
    "ForbiddenError('no'); });\n";

TEST(api_error_mapping)
{
    struct tenv t;
    tenv_start(&t);
    struct diag d;
    if (tenv_deploy(&t, "errors.js", errors_src, &d) != RC_OK) {
        harness_fail(__FILE__, __LINE__, "deploy: %s", d.msg);
    }
    char *r = tenv_get(&t, "/nf");
    ASSERT_EQ_INT(resp_status(r), 404);
    ASSERT_CONTAINS(resp_body(r),
                    "{\"error\":{\"code\":\"POST_NOT_FOUND\",\"message\":\"Post 42 not found\","
                    "\"details\":{\"id\":42},\"requestId\":\"req_");
    mem_free(r);
    r = tenv_get(&t, "/plain");
    ASSERT_EQ_INT(resp_status(r), 500);
    ASSERT_CONTAINS(resp_body(r), "\"code\":\"SCRIPT_ERROR\",\"message\":\"Internal server error\","
                                  "\"details\":null");
    ASSERT_TRUE(strstr(r, "secret detail") == NULL);
    ASSERT_TRUE(strstr(r, "stack") == NULL);
    mem_free(r);
    r = tenv_get(&t, "/kiln4");
    ASSERT_EQ_INT(resp_status(r), 409);
    ASSERT_CONTAINS(resp_body(r), "\"code\":\"MY_CODE\",\"message\":\"bad\"");
    mem_free(r);
    r = tenv_get(&t, "/kiln5");
    ASSERT_EQ_INT(resp_status(r), 500);
    ASSERT_CONTAINS(resp_body(r), "\"code\":\"MY_CODE\",\"message\":\"Internal server error\"");
    mem_free(r);
    r = tenv_get(&t, "/value");
    ASSERT_EQ_INT(resp_status(r), 500);
    ASSERT_CONTAINS(resp_body(r), "SCRIPT_ERROR");
    mem_free(r);
    r = tenv_get(&t, "/rate");
    ASSERT_EQ_INT(resp_status(r), 429);
    ASSERT_CONTAINS(r, "Retry-After: 3\r\n");
    mem_free(r);
    r = tenv_get(&t, "/reject");
    ASSERT_EQ_INT(resp_status(r), 403);
    ASSERT_CONTAINS(resp_body(r), "\"code\":\"FORBIDDEN\",\"message\":\"no\"");
    mem_free(r);
    tenv_stop(&t);
}

TEST(api_dev_mode_error_details)
{
    struct tenv t;
    struct api_config cfg = { .js_threads = 1, .exec_timeout_ms = 1000, .dev = true };
    tenv_start_cfg(&t, &cfg);
    struct diag d;
    ASSERT_OK(tenv_deploy(
        &t, "dev.js", "routeRegistry.registerRoute('/x', () => { throw new Error('visible'); });",
        &d));
    char *r = tenv_get(&t, "/x");
    ASSERT_EQ_INT(resp_status(r), 500);
    ASSERT_CONTAINS(resp_body(r), "\"message\":\"visible\"");
    ASSERT_CONTAINS(resp_body(r), "\"stack\":");
    mem_free(r);
    tenv_stop(&t);
}
