/* SPDX-License-Identifier: MIT */
/* End-to-end through the engine: deploy, dispatch over a loopback server, responses, errors. */
#include "api_test_util.h"

TEST(api_hello_route_string_and_404_405)
{
    struct tenv t;
    tenv_start(&t);
    struct diag d;
    ASSERT_OK(tenv_deploy(
        &t, "hello",
        "function hello(context) { return 'hi ' + (context.request.query.name ?? 'world'); }\n"
        "function init() { routeRegistry.registerRoute('/hello', hello, 'GET'); }\n",
        &d));
    ASSERT_EQ_SIZE(api_engine_route_count(t.e), 1);
    char *r = tenv_get(&t, "/hello?name=kiln");
    ASSERT_EQ_INT(resp_status(r), 200);
    ASSERT_EQ_STR(resp_body(r), "hi kiln");
    ASSERT_TRUE(resp_has_header(r, "content-type: text/plain; charset=utf-8"));
    mem_free(r);
    r = tenv_get(&t, "/nope");
    ASSERT_EQ_INT(resp_status(r), 404);
    ASSERT_CONTAINS(resp_body(r), "\"NOT_FOUND\"");
    mem_free(r);
    r = tenv_raw(
        &t, "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    ASSERT_EQ_INT(resp_status(r), 405);
    ASSERT_CONTAINS(r, "GET");
    mem_free(r);
    tenv_stop(&t);
}
