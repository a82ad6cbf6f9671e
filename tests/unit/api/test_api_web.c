/* SPDX-License-Identifier: MIT */
/* The Web classes through a real server: ReadableStream response bodies (chunk framing, the
 * deadline cutting an endless stream, a client that leaves cancelling the stream) and
 * multipart request fields (api_web.c, api_request.c, api_response.c). */
#include "api_test_util.h"

static const char *const web_src =
    "let canceled = 'no';\n"
    "const tick = () => new Promise((r) => setTimeout(r, 1));\n"
    "routeRegistry.registerRoute('/s', () => { let i = 0; return new Response(new "
    "ReadableStream({\n"
    "  async pull(c) { await tick(); if (i < 3) c.enqueue('ab' + i++); else c.close(); } })); "
    "});\n"
    "routeRegistry.registerRoute('/burst', () => new Response(new ReadableStream({\n"
    "  start(c) { for (let i = 0; i < 500; i++) c.enqueue('x'); c.close(); } })));\n"
    "routeRegistry.registerRoute('/forever', () => new Response(new ReadableStream({\n"
    "  async pull(c) { await new Promise((r) => setTimeout(r, 20)); c.enqueue('.'); } })));\n"
    "routeRegistry.registerRoute('/leave', () => new Response(new ReadableStream({\n"
    "  async pull(c) { await tick(); c.enqueue(new Uint8Array(4096)); },\n"
    "  cancel(reason) { canceled = reason && reason.name; } })));\n"
    "routeRegistry.registerRoute('/canceled', () => canceled);\n"
    "routeRegistry.registerRoute('/big', () => new Response(new Blob([new Uint8Array(12 << "
    "20).fill(97)]).stream()));\n"
    "routeRegistry.registerRoute('/many', () => new Response(ReadableStream.from((async function* "
    "() "
    "{\n"
    "  for (let i = 0; i < 5000; i++) { await null; yield 'y'; } })())));\n"
    "let weak;\n"
    "routeRegistry.registerRoute('/weak', () => { weak = AbortSignal.timeout(30); return 'ok'; "
    "});\n"
    "routeRegistry.registerRoute('/weak-kept', async () => { const s = AbortSignal.timeout(5);\n"
    "  await new Promise((r) => setTimeout(r, 50)); return String(s.aborted); });\n"
    "routeRegistry.registerRoute('/weak-state', () => String(weak.aborted));\n"
    "routeRegistry.registerRoute('/form', async (c) => Response.json({ form: c.request.form,\n"
    "  files: c.request.files.map((f) => [f.name, f.filename, f.size, f.base64]),\n"
    "  fd: [...(await c.request.formData())].map(([k, v]) => typeof v === 'string' ? v : "
    "v.name) }), 'POST');\n";

static void deploy(struct tenv *t)
{
    struct diag d;
    if (tenv_deploy(t, "web.js", web_src, &d) != RC_OK) {
        harness_fail(__FILE__, __LINE__, "deploy: %s", d.msg);
    }
}

TEST(api_web_streamed_body_chunks)
{
    struct tenv t;
    tenv_start(&t);
    deploy(&t);
    char *r = tenv_get(&t, "/s");
    ASSERT_EQ_INT(resp_status(r), 200);
    ASSERT_TRUE(resp_has_header(r, "Transfer-Encoding: chunked"));
    ASSERT_EQ_STR(resp_body(r), "3\r\nab0\r\n3\r\nab1\r\n3\r\nab2\r\n0\r\n\r\n");
    mem_free(r);
    /* What is queued when the pump reads goes out as one chunk. */
    /* 5,000 writes (one per await) are more chunks than an SSE queue allows: bounded by bytes. */
    r = tenv_get(&t, "/many");
    size_t ys = 0;
    for (const char *p = resp_body(r); *p; p++) {
        ys += *p == 'y';
    }
    ASSERT_EQ_SIZE(ys, 5000);
    ASSERT_TRUE(strstr(resp_body(r), "\r\n0\r\n\r\n") != NULL);
    mem_free(r);
    r = tenv_get(&t, "/burst");
    ASSERT_TRUE(strstr(resp_body(r), "1f4\r\nxxxx") == resp_body(r));
    ASSERT_TRUE(strstr(resp_body(r), "\r\n0\r\n\r\n") != NULL);
    mem_free(r);
    tenv_stop(&t);
}

TEST(api_web_streamed_body_cut_at_deadline)
{
    struct tenv t;
    struct api_config cfg = { .js_threads = 1, .exec_timeout_ms = 1000, .init_timeout_ms = 1000 };
    tenv_start_cfg(&t, &cfg);
    deploy(&t);
    char *r = tenv_get(&t, "/forever");
    ASSERT_EQ_INT(resp_status(r), 200);
    /* Some dots arrived (one chunk each, or several per chunk on a loaded machine)... */
    ASSERT_TRUE(strstr(resp_body(r), ".\r\n") != NULL);
    ASSERT_TRUE(strstr(resp_body(r), "0\r\n\r\n") == NULL); /* ...and no last chunk: cut */
    mem_free(r);
    /* The executor serves the next request. */
    r = tenv_get(&t, "/canceled");
    ASSERT_EQ_STR(resp_body(r), "no");
    mem_free(r);
    tenv_stop(&t);
}

TEST(api_web_client_leaving_cancels_stream)
{
    struct tenv t;
    tenv_start(&t);
    deploy(&t);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)t.port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ_INT(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    static const char req[] = "GET /leave HTTP/1.1\r\nHost: t\r\n\r\n";
    ASSERT_EQ_INT((int)write(fd, req, sizeof(req) - 1), (int)sizeof(req) - 1);
    char head[64];
    ASSERT_TRUE(read(fd, head, sizeof(head)) > 0);
    close(fd);
    /* The next writes fail; the pump then cancels the stream with an AbortError. Bounded. */
    char *r = NULL;
    for (int i = 0; i < 200; i++) {
        mem_free(r);
        r = tenv_get(&t, "/canceled");
        if (strcmp(resp_body(r), "AbortError") == 0) {
            break;
        }
        struct pollfd none = { .fd = -1 };
        (void)poll(&none, 0, 10);
    }
    ASSERT_EQ_STR(resp_body(r), "AbortError");
    mem_free(r);
    tenv_stop(&t);
}

TEST(api_web_multipart_fields)
{
    struct tenv t;
    tenv_start(&t);
    deploy(&t);
    static const char body[] = "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
                               "--B\r\nContent-Disposition: form-data; name=\"f\"; "
                               "filename=\"d/x.txt\"\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
                               "--B--\r\n";
    struct buf b;
    buf_init(&b, 1 << 16);
    ASSERT_OK(buf_try_printf(&b,
                             "POST /form HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                             "Content-Type: multipart/form-data; boundary=B\r\n"
                             "Content-Length: %zu\r\n\r\n%s",
                             sizeof(body) - 1, body));
    char *r = tenv_raw(&t, b.ptr);
    ASSERT_EQ_INT(resp_status(r), 200);
    ASSERT_EQ_STR(resp_body(r), "{\"form\":{\"a\":\"1\"},\"files\":[[\"f\",\"x.txt\",2,\"aGk=\"]],"
                                "\"fd\":[\"1\",\"d/x.txt\"]}");
    mem_free(r);
    buf_reset(&b);
    ASSERT_OK(buf_try_printf(&b, "POST /form HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                                 "Content-Type: multipart/form-data; boundary=B\r\n"
                                 "Content-Length: 5\r\n\r\n--B\r\n"));
    r = tenv_raw(&t, b.ptr);
    ASSERT_EQ_INT(resp_status(r), 400);
    ASSERT_TRUE(strstr(resp_body(r), "INVALID_FORM") != NULL);
    mem_free(r);
    buf_fini(&b);
    tenv_stop(&t);
}

TEST(api_web_abort_signal_timeout_is_weak)
{
    struct tenv t;
    tenv_start(&t);
    deploy(&t);
    /* It fires while something else keeps the invocation alive. */
    char *r = tenv_get(&t, "/weak-kept");
    ASSERT_EQ_STR(resp_body(r), "true");
    mem_free(r);
    /* It does not keep an invocation alive: it is cancelled when the invocation ends. */
    r = tenv_get(&t, "/weak");
    ASSERT_EQ_STR(resp_body(r), "ok");
    mem_free(r);
    struct pollfd none = { .fd = -1 };
    (void)poll(&none, 0, 150);
    r = tenv_get(&t, "/weak-state");
    ASSERT_EQ_STR(resp_body(r), "false");
    mem_free(r);
    tenv_stop(&t);
}

TEST(api_web_streamed_body_larger_than_the_queue)
{
    struct tenv t;
    tenv_start(&t);
    deploy(&t);
    /* One 12 MiB chunk: written in 256 KiB pieces, paced by the client, never more than the
     * stream's 8 MiB queue at once (which would disconnect it as a slow consumer). */
    char *r = tenv_get(&t, "/big");
    ASSERT_EQ_INT(resp_status(r), 200);
    size_t as = 0;
    for (const char *p = resp_body(r); *p; p++) {
        as += *p == 'a';
    }
    ASSERT_EQ_SIZE(as, (size_t)12 << 20);
    ASSERT_TRUE(strstr(resp_body(r), "\r\n0\r\n\r\n") != NULL);
    mem_free(r);
    tenv_stop(&t);
}
