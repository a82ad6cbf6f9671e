/* SPDX-License-Identifier: MIT */
/* context and context.request fields (spec/10-http.md §2, 00-overview §4) and console. */
#include <pthread.h>

#include "api_test_util.h"

static const char *const req_src =
    "routeRegistry.registerRoute('/r/:id/*', (c) => ({ body: {\n"
    "  kind: c.kind, rid: c.requestId === c.request.headers['x-want-id'] || "
    "c.requestId.startsWith('req_'),\n"
    "  method: c.request.method, path: c.request.path, rawPath: c.request.rawPath, url: "
    "c.request.url,\n"
    "  query: c.request.query, params: c.request.params, same: c.params === c.request.params,\n"
    "  headers: c.request.headers, cookies: c.request.cookies, body: c.request.body,\n"
    "  bytes: Array.from(c.request.bytes), contentType: c.request.contentType, host: "
    "c.request.host,\n"
    "  script: c.script.uri, state: typeof c.state, text: c.request.text,\n"
    "  cached: c.request.query === c.request.query,\n"
    "} }), 'POST');\n"
    "routeRegistry.registerRoute('/json', (c) => ({ body: { got: c.request.json } }), 'POST');\n"
    "routeRegistry.registerRoute('/jsoncatch', (c) => { try { return c.request.json; }\n"
    "  catch (e) { return [e.name, e.code, e.status, e.details.line, e.details.column].join(' '); "
    "} }, 'POST');\n"
    "routeRegistry.registerRoute('/form', (c) => ({ body: { form: c.request.form, entries: "
    "c.request.formEntries } }), 'POST');\n"
    "let saved;\n"
    "routeRegistry.registerRoute('/keep', (c) => { saved = c.request; return 'kept'; });\n"
    "routeRegistry.registerRoute('/after', () => String(saved.method));\n"
    "routeRegistry.registerRoute('/who', (c) => [c.auth.isAuthenticated, c.request.auth === c.auth,"
    "  c.auth.hasRole('admin')].join(' '));\n"
    "routeRegistry.registerRoute('/private', (c) => { c.auth.requireAuth(); return 'no'; });\n"
    "routeRegistry.registerRoute('/q', (c) => ({ body: { keys: Object.keys(c.request.query),\n"
    "  plain: Object.getPrototypeOf(c.request.query) === Object.prototype,\n"
    "  proto: c.request.query.__proto__, codes: Array.from(c.request.query.bad + "
    "c.request.query.nul, (ch) => ch.charCodeAt(0)) } }));\n"
    "routeRegistry.registerRoute('/q2', (c) => ({ body: { keys: Object.keys(c.request.query),\n"
    "  q: c.request.query, plain: Object.getPrototypeOf(c.request.query) === Object.prototype,\n"
    "  same: c.request.query === c.request.query, own: Object.keys(c.request).includes('query') "
    "} }));\n"
    "routeRegistry.registerRoute('/qa', async (c) => { const a = c.request.query;\n"
    "  await null; const b = c.request.query; await new Promise((r) => setTimeout(r, 1));\n"
    "  return { body: { a, same: a === b && b === c.request.query } }; });\n"
    "routeRegistry.registerRoute('/qb', async (c) => { await null; const a = c.request.query;\n"
    "  return { body: { a, same: a === c.request.query } }; });\n"
    "routeRegistry.registerRoute('/gc', (c) => { const m = c.request.method;\n"
    "  return { body: { m, n: { toJSON() { let a = []; for (let i = 0; i < 200000; i++) "
    "a.push({ i }); const n = a.length; a = null; return n; } } } }; });\n";

TEST(api_request_fields)
{
    struct tenv t;
    tenv_start(&t);
    struct diag d;
    if (tenv_deploy(&t, "req.js", req_src, &d) != RC_OK) {
        harness_fail(__FILE__, __LINE__, "deploy: %s", d.msg);
    }
    char *r = tenv_raw(&t, "POST /r/a%20b/x%2Fy/z?q=1&q=2&s=a+b%21&e HTTP/1.1\r\n"
                           "Host: Example.COM\r\nX-Multi: 1\r\nx-multi: 2\r\n"
                           "Cookie: a=1; b=%C3%A9\r\nCookie: c=\"q\"\r\n"
                           "Content-Type: Text/Plain; charset=utf-8\r\n"
                           "Content-Length: 4\r\nConnection: close\r\n\r\nh\xc3\xa9y");
    ASSERT_EQ_INT(resp_status(r), 200);
    const char *b = resp_body(r);
    ASSERT_CONTAINS(b, "\"kind\":\"httpRoute\",\"rid\":true,\"method\":\"POST\"");
    ASSERT_CONTAINS(b, "\"path\":\"/r/a b/x/y/z\",\"rawPath\":\"/r/a%20b/x%2Fy/z\"");
    ASSERT_CONTAINS(b, "\"url\":\"http://Example.COM/r/a%20b/x%2Fy/z?q=1&q=2&s=a+b%21&e\"");
    ASSERT_CONTAINS(b, "\"query\":{\"q\":\"2\",\"s\":\"a b!\",\"e\":\"\"}");
    ASSERT_CONTAINS(b, "\"params\":{\"id\":\"a b\",\"*\":\"x%2Fy/z\"},\"same\":true");
    ASSERT_CONTAINS(b, "\"x-multi\":\"1, 2\"");
    ASSERT_CONTAINS(b, "\"cookies\":{\"a\":\"1\",\"b\":\"\xc3\xa9\",\"c\":\"q\"}");
    ASSERT_CONTAINS(b, "\"body\":\"h\xc3\xa9y\",\"bytes\":[104,195,169,121]");
    ASSERT_CONTAINS(
        b, "\"contentType\":\"text/plain\",\"host\":\"example.com\",\"script\":\"req.js\"");
    ASSERT_CONTAINS(b, "\"state\":\"object\"");
    ASSERT_CONTAINS(b, "\"cached\":true");
    mem_free(r);

    /* Query edge cases: "__proto__" is an own property (the prototype stays Object.prototype),
     * invalid UTF-8 after decoding is U+FFFD, %00 is a NUL character, "+" is a space. */
    r = tenv_raw(&t, "GET /q?__proto__=x&bad=%FF&nul=%00&a+b=1&=e HTTP/1.1\r\nHost: x\r\n"
                     "Connection: close\r\n\r\n");
    ASSERT_EQ_INT(resp_status(r), 200);
    ASSERT_EQ_STR(resp_body(r),
                  "{\"keys\":[\"__proto__\",\"bad\",\"nul\",\"a b\",\"\"],\"plain\":true,"
                  "\"proto\":\"x\",\"codes\":[65533,0]}");
    mem_free(r);
    /* The same rules on the JS path (no "%" or "+": parsed in the prelude, not in C). */
    r = tenv_raw(&t, "GET /q2?__proto__=x&&a=1&b&=e&a=2&c==d&\xc3\xa9=\xff HTTP/1.1\r\nHost: x\r\n"
                     "Connection: close\r\n\r\n");
    ASSERT_EQ_INT(resp_status(r), 200);
    ASSERT_EQ_STR(resp_body(r),
                  "{\"keys\":[\"__proto__\",\"a\",\"b\",\"\",\"c\",\"\xc3\xa9\"],\"q\":{"
                  "\"__proto__\":\"x\",\"a\":\"2\",\"b\":\"\",\"\":\"e\",\"c\":\"=d\","
                  "\"\xc3\xa9\":\"\xef\xbf\xbd\"},\"plain\":true,\"same\":true,\"own\":false}");
    mem_free(r);
    /* An async handler: the object read before the first await is the one read after it. */
    r = tenv_raw(&t, "GET /qa?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    ASSERT_EQ_STR(resp_body(r), "{\"a\":{\"x\":\"1\"},\"same\":true}");
    mem_free(r);
    r = tenv_raw(&t, "GET /qb?y=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    ASSERT_EQ_STR(resp_body(r), "{\"a\":{\"y\":\"2\"},\"same\":true}");
    mem_free(r);
    /* The request object of a synchronous handler is not protected: the executor's stack holds
     * it until the response detaches it, also when converting the returned value runs JS that
     * collects garbage. */
    for (int i = 0; i < 5; i++) {
        r = tenv_raw(&t, "GET /gc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        ASSERT_EQ_STR(resp_body(r), "{\"m\":\"GET\",\"n\":200000}");
        mem_free(r);
    }
    r = tenv_raw(&t, "GET /q2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    ASSERT_EQ_STR(resp_body(r),
                  "{\"keys\":[],\"q\":{},\"plain\":true,\"same\":true,\"own\":false}");
    mem_free(r);
    r = tenv_raw(&t,
                 "POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\nConnection: close\r\n\r\n"
                 "{\"a\":[1,{\"b\":null}]}");
    ASSERT_EQ_STR(resp_body(r), "{\"got\":{\"a\":[1,{\"b\":null}]}}");
    mem_free(r);
    r = tenv_raw(
        &t, "POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    ASSERT_EQ_STR(resp_body(r), "{\"got\":null}");
    mem_free(r);
    /* Malformed JSON: uncaught -> 400 INVALID_JSON with the position from Kiln's parser. */
    r = tenv_raw(&t,
                 "POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
                 "{\n  \"a\": ]");
    ASSERT_EQ_INT(resp_status(r), 400);
    ASSERT_CONTAINS(resp_body(r), "\"code\":\"INVALID_JSON\"");
    ASSERT_CONTAINS(resp_body(r), "\"details\":{\"line\":2,\"column\":8}");
    mem_free(r);
    r = tenv_raw(
        &t, "POST /jsoncatch HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\n"
            "[1,");
    ASSERT_EQ_STR(resp_body(r), "BadRequestError INVALID_JSON 400 1 4");
    mem_free(r);
    r = tenv_raw(
        &t, "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 15\r\nConnection: close\r\n\r\na=1&b=x+y&a=%32");
    ASSERT_EQ_STR(resp_body(r), "{\"form\":{\"a\":\"2\",\"b\":\"x y\"},"
                                "\"entries\":[[\"a\",\"1\"],[\"b\",\"x y\"],[\"a\",\"2\"]]}");
    mem_free(r);
    /* A request object kept past its invocation reads as undefined, never stale memory. */
    r = tenv_get(&t, "/keep");
    ASSERT_EQ_STR(resp_body(r), "kept");
    mem_free(r);
    r = tenv_get(&t, "/after");
    ASSERT_EQ_STR(resp_body(r), "undefined");
    mem_free(r);
    r = tenv_get(&t, "/who");
    ASSERT_EQ_STR(resp_body(r), "false true false");
    mem_free(r);
    r = tenv_get(&t, "/private");
    ASSERT_EQ_INT(resp_status(r), 401);
    ASSERT_CONTAINS(resp_body(r), "\"code\":\"AUTH_REQUIRED\"");
    mem_free(r);
    tenv_stop(&t);
}

/* A log sink that records lines for the console test. */
static pthread_mutex_t sink_mu = PTHREAD_MUTEX_INITIALIZER;
static struct buf sink_buf;

static void test_sink(void *arg, const struct api_log_entry *e)
{
    pthread_mutex_lock(&sink_mu);
    int rc =
        buf_try_printf(&sink_buf, "%s|%.*s|%s|%.*s", log_level_name(e->level), STR_FMT(e->script),
                       e->request_id.len ? "rid" : "-", STR_FMT(e->message));
    for (size_t i = 0; i < e->field_count && rc == RC_OK; i++) {
        rc = buf_try_printf(&sink_buf, "|%.*s=%.*s", STR_FMT(e->field_keys[i]),
                            STR_FMT(e->field_values[i]));
    }
    if (rc == RC_OK) {
        rc = buf_try_append_char(&sink_buf, '\n');
    }
    ASSERT_OK(rc);
    pthread_mutex_unlock(&sink_mu);
}

TEST(api_console_formatting_and_sink)
{
    buf_init(&sink_buf, 1 << 20);
    struct tenv t;
    tenv_start(&t);
    api_engine_set_log_sink(t.e, test_sink, NULL);
    struct diag d;
    ASSERT_OK(
        tenv_deploy(&t, "log.js",
                    "console.log('top', 1);\n"
                    "routeRegistry.registerRoute('/log', () => {\n"
                    "  console.info('order placed', {orderId: 7, password: 'x', tags: ['a']});\n"
                    "  console.warn({only: true});\n"
                    "  console.error(new TypeError('bad thing'));\n"
                    "  console.debug('hidden in prod');\n"
                    "  console.log('a', [1, 2], null, undefined);\n"
                    "  console.assert(1 === 2, 'math', {x: 1});\n"
                    "  console.assert(true, 'never');\n"
                    "  console.metrics({event: 'login', duration: 5});\n"
                    "  return 'ok';\n"
                    "});\n",
                    &d));
    char *r = tenv_get(&t, "/log");
    ASSERT_EQ_STR(resp_body(r), "ok");
    mem_free(r);
    pthread_mutex_lock(&sink_mu);
    const char *s = sink_buf.ptr;
    ASSERT_CONTAINS(s, "info|log.js|-|top 1\n");
    ASSERT_CONTAINS(s, "info|log.js|rid|order placed|orderId=7|password=[redacted]|tags=[\"a\"]\n");
    ASSERT_CONTAINS(s, "warn|log.js|rid|{\"only\":true}|only=true\n");
    ASSERT_CONTAINS(s, "error|log.js|rid|TypeError: bad thing\n");
    ASSERT_CONTAINS(s, "info|log.js|rid|a [ 1, 2 ] null undefined\n");
    ASSERT_TRUE(strstr(s, "hidden in prod") == NULL);
    ASSERT_CONTAINS(s, "error|log.js|rid|Assertion failed: math|x=1\n");
    ASSERT_TRUE(strstr(s, "never") == NULL);
    ASSERT_CONTAINS(s, "info|log.js|rid|metrics|event=login|duration=5\n");
    pthread_mutex_unlock(&sink_mu);
    tenv_stop(&t);
    buf_fini(&sink_buf);
}

TEST(api_logfmt_sink_line)
{
    int fds[2];
    ASSERT_EQ_INT(pipe(fds), 0);
    log_set_fd(fds[1]);
    struct str keys[1] = { STR("order id") };
    struct str vals[1] = { STR("a b") };
    struct api_log_entry e = { .level = LOG_WARN,
                               .ts_ms = 0,
                               .script = STR("blog/api.js"),
                               .request_id = STR("req_x"),
                               .message = STR("say \"hi\""),
                               .field_keys = keys,
                               .field_values = vals,
                               .field_count = 1 };
    api_log_sink_logfmt(NULL, &e);
    log_set_fd(-1);
    char line[512] = { 0 };
    ssize_t n = read(fds[0], line, sizeof(line) - 1);
    ASSERT_TRUE(n > 0);
    ASSERT_EQ_STR(line, "ts=1970-01-01T00:00:00.000Z level=warn mod=script script=blog/api.js "
                        "request_id=req_x msg=\"say \\\"hi\\\"\" order_id=\"a b\"\n");
    close(fds[0]);
    close(fds[1]);
}
