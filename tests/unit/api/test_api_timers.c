/* SPDX-License-Identifier: MIT */
/* Timers (spec/20-realtime.md §5) with the real engine and server on ONE executor: interleaving
 * at an await on a timer, firing, clearing, intervals, the per-invocation limit, deadline
 * cancellation, errors in callbacks and request ids in logs written after the response. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "api_test_util.h"

static pthread_mutex_t sink_mu = PTHREAD_MUTEX_INITIALIZER;
static struct buf sink_buf;

/* Lines "level|request_id|message". */
static void test_sink(void *arg, const struct api_log_entry *e)
{
    pthread_mutex_lock(&sink_mu);
    int rc = buf_try_printf(&sink_buf, "%s|%.*s|%.*s\n", log_level_name(e->level),
                            STR_FMT(e->request_id), STR_FMT(e->message));
    ASSERT_OK(rc);
    pthread_mutex_unlock(&sink_mu);
}

/* Wait (bounded, 5 s) until the sink holds needle; true when it does. */
static bool sink_wait(const char *needle)
{
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&sink_mu);
        bool found = sink_buf.ptr != NULL && strstr(sink_buf.ptr, needle) != NULL;
        pthread_mutex_unlock(&sink_mu);
        if (found) {
            return true;
        }
        struct timespec ts = { .tv_sec = 0, .tv_nsec = 10L * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return false;
}

static void start(struct tenv *t, int64_t exec_timeout_ms)
{
    buf_init(&sink_buf, 1 << 20);
    struct api_config cfg = { .js_threads = 1, .exec_timeout_ms = exec_timeout_ms };
    tenv_start_cfg(t, &cfg);
    api_engine_set_log_sink(t->e, test_sink, NULL);
}

static void stop(struct tenv *t)
{
    tenv_stop(t);
    buf_fini(&sink_buf);
}

/* Open a connection and send a GET with Connection: close; returns the socket. */
static int send_get(struct tenv *t, const char *path)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)t->port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ_INT(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    char req[512];
    int n =
        snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);
    ASSERT_EQ_INT((int)write(fd, req, (size_t)n), n);
    return fd;
}

/* Read the whole response (until close, 10 s at most) and close fd. Owned string. */
static char *read_all(int fd)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 10000) <= 0) {
            break;
        }
        char chunk[4096];
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r <= 0 || buf_try_append(&b, chunk, (size_t)r) != RC_OK) {
            break;
        }
    }
    close(fd);
    return buf_take(&b, NULL);
}

/* True when fd has bytes (or EOF) to read right now. */
static bool readable_now(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, 0) > 0;
}

/* The X-Request-Id of a response, copied into out. */
static void request_id_of(const char *r, char *out, size_t cap)
{
    const char *h = strstr(r, "X-Request-Id: ");
    const char *p = h != NULL ? h + strlen("X-Request-Id: ") : "\r";
    ASSERT_TRUE(h != NULL);
    size_t n = 0;
    while (p[n] != '\r' && n + 1 < cap) {
        out[n] = p[n];
        n++;
    }
    out[n] = '\0';
}

TEST(api_timers_await_yields_the_executor_to_other_requests)
{
    struct tenv t;
    start(&t, 5000);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "inter.js",
                          "let aWaiting = false, bServed = 0;\n"
                          "routeRegistry.registerRoute('/a', async () => {\n"
                          "  aWaiting = true;\n"
                          "  await new Promise((r) => setTimeout(r, 300));\n"
                          "  return 'A after B=' + bServed;\n"
                          "});\n"
                          "routeRegistry.registerRoute('/b', () => {\n"
                          "  if (aWaiting) bServed++;\n"
                          "  return 'B a-waiting=' + aWaiting;\n"
                          "});\n",
                          &d));
    int fa = send_get(&t, "/a");
    /* B runs on the same (only) executor. Ask until it ran while A was parked (A was sent
     * first; a B that got ahead of A's job says so and is simply asked again). */
    char *rb = read_all(send_get(&t, "/b"));
    for (int i = 0; i < 50 && strcmp(resp_body(rb), "B a-waiting=true") != 0; i++) {
        mem_free(rb);
        rb = read_all(send_get(&t, "/b"));
    }
    ASSERT_EQ_STR(resp_body(rb), "B a-waiting=true");
    ASSERT_EQ_INT(resp_status(rb), 200);
    mem_free(rb);
    /* B has answered completely; A, awaiting its timer, has not. */
    ASSERT_FALSE(readable_now(fa));
    char *ra = read_all(fa);
    ASSERT_EQ_INT(resp_status(ra), 200);
    ASSERT_EQ_STR(resp_body(ra), "A after B=1");
    mem_free(ra);
    stop(&t);
}

TEST(api_timers_fire_clear_args_and_ids)
{
    struct tenv t;
    start(&t, 5000);
    struct diag d;
    ASSERT_OK(tenv_deploy(
        &t, "fire.js",
        "const sleep = (ms) => new Promise((r) => setTimeout(r, ms));\n"
        "routeRegistry.registerRoute('/t', async () => {\n"
        "  const out = [];\n"
        "  const a = setTimeout((x, y) => out.push(x + y), 0, 'x', 'y');\n"
        "  const b = setTimeout(() => out.push('cleared'), 5);\n"
        "  clearTimeout(b);\n"
        "  clearTimeout(b); clearTimeout(987654); clearTimeout('nope'); clearTimeout();\n"
        "  setTimeout(() => out.push('neg'), -5);\n"
        "  setTimeout(() => out.push('nan'), 'soon');\n"
        "  await sleep(30);\n"
        "  return out.join(',') + ' ' + typeof a + ' ' + (a !== b) + ' ' + (a > 0);\n"
        "});\n"
        "routeRegistry.registerRoute('/type', () => {\n"
        "  const r = [];\n"
        "  for (const f of ['code()', undefined, 42]) {\n"
        "    try { setTimeout(f, 1); r.push('no throw'); } catch (e) { r.push(e.name + ':' + "
        "e.code); }\n"
        "  }\n"
        "  try { setInterval(null, 1); } catch (e) { r.push(e instanceof TypeError); }\n"
        "  try { queueMicrotask(1); } catch (e) { r.push(e.name); }\n"
        "  return r.join(' ');\n"
        "});\n"
        "routeRegistry.registerRoute('/qm', async () => {\n"
        "  const out = [];\n"
        "  queueMicrotask(() => out.push(1));\n"
        "  queueMicrotask(() => { throw new Error('micro boom'); });\n"
        "  out.push(0);\n"
        "  await null; await null;\n"
        "  return out.join('');\n"
        "});\n",
        &d));
    char *r = tenv_get(&t, "/t");
    ASSERT_EQ_INT(resp_status(r), 200);
    ASSERT_EQ_STR(resp_body(r), "xy,neg,nan number true true");
    mem_free(r);
    r = tenv_get(&t, "/type");
    ASSERT_EQ_STR(resp_body(r), "TypeError:INVALID_ARGUMENT TypeError:INVALID_ARGUMENT "
                                "TypeError:INVALID_ARGUMENT true TypeError");
    mem_free(r);
    r = tenv_get(&t, "/qm");
    ASSERT_EQ_STR(resp_body(r), "01");
    char rid[64];
    request_id_of(r, rid, sizeof(rid));
    mem_free(r);
    char want[256];
    snprintf(want, sizeof(want), "error|%s|microtask callback failed: Error: micro boom", rid);
    ASSERT_TRUE(sink_wait(want));
    stop(&t);
}

TEST(api_timers_interval_ticks_three_times_then_cleared)
{
    struct tenv t;
    start(&t, 5000);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "iv.js",
                          "routeRegistry.registerRoute('/iv', async () => {\n"
                          "  let n = 0;\n"
                          "  await new Promise((r) => {\n"
                          "    const id = setInterval((tag) => {\n"
                          "      n++;\n"
                          "      if (n === 3) { clearInterval(id); r(); }\n"
                          "    }, 1, 'tag');\n"
                          "  });\n"
                          "  const at3 = n;\n"
                          "  await new Promise((r) => setTimeout(r, 60));\n"
                          "  return at3 + ' ' + n;\n"
                          "});\n",
                          &d));
    char *r = tenv_get(&t, "/iv");
    ASSERT_EQ_INT(resp_status(r), 200);
    ASSERT_EQ_STR(resp_body(r), "3 3");
    mem_free(r);
    stop(&t);
}

TEST(api_timers_limit_per_invocation)
{
    struct tenv t;
    start(&t, 5000);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "lim.js",
                          "routeRegistry.registerRoute('/lim', () => {\n"
                          "  for (let i = 0; i < 1000; i++) setTimeout(() => {}, 1);\n"
                          "  try { setTimeout(() => {}, 1); return 'no limit'; }\n"
                          "  catch (e) { return [e instanceof KilnError, e.code, "
                          "e.details.limit].join(' '); }\n"
                          "});\n"
                          "routeRegistry.registerRoute('/lim2', () => {\n"
                          "  for (let i = 0; i < 1001; i++) setTimeout(() => {}, 1);\n"
                          "});\n"
                          "routeRegistry.registerRoute('/ok', () => {\n"
                          "  for (let i = 0; i < 1000; i++) setTimeout(() => {}, 0);\n"
                          "  return 'ok';\n"
                          "});\n",
                          &d));
    char *r = tenv_get(&t, "/lim");
    ASSERT_EQ_STR(resp_body(r), "true LIMIT_EXCEEDED 1000");
    mem_free(r);
    r = tenv_get(&t, "/lim2");
    ASSERT_EQ_INT(resp_status(r), 500);
    ASSERT_CONTAINS(resp_body(r), "\"code\":\"LIMIT_EXCEEDED\"");
    mem_free(r);
    /* The limit is per invocation: another one gets its own 1,000. */
    r = tenv_get(&t, "/ok");
    ASSERT_EQ_STR(resp_body(r), "ok");
    mem_free(r);
    stop(&t);
}

TEST(api_timers_cancelled_at_the_deadline)
{
    struct tenv t;
    start(&t, 200);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "dl.js",
                          "let n = 0;\n"
                          "routeRegistry.registerRoute('/hang', async () => {\n"
                          "  await new Promise((r) => setTimeout(r, 10000));\n"
                          "  return 'late';\n"
                          "});\n"
                          "routeRegistry.registerRoute('/bg', () => {\n"
                          "  setInterval(() => { n++; }, 20);\n"
                          "  setTimeout(() => {}, 10000);\n"
                          "  return 'sent';\n"
                          "});\n"
                          "routeRegistry.registerRoute('/ok', () => 'ok ' + (++n));\n",
                          &d));
    char *r = tenv_get(&t, "/hang");
    ASSERT_EQ_INT(resp_status(r), 504);
    ASSERT_CONTAINS(resp_body(r), "SCRIPT_TIMEOUT");
    char rid[64];
    request_id_of(r, rid, sizeof(rid));
    mem_free(r);
    char want[512];
    snprintf(want, sizeof(want),
             "warn|%s|1 timer cancelled at the deadline; use scheduler.delay for work after the "
             "response",
             rid);
    ASSERT_TRUE(sink_wait(want));
    /* The same executor serves the next request normally (the context was kept). */
    r = tenv_get(&t, "/ok");
    ASSERT_EQ_INT(resp_status(r), 200);
    ASSERT_EQ_STR(resp_body(r), "ok 1");
    mem_free(r);
    /* An interval outlives the response only until the deadline. */
    r = tenv_get(&t, "/bg");
    ASSERT_EQ_INT(resp_status(r), 200);
    ASSERT_EQ_STR(resp_body(r), "sent");
    request_id_of(r, rid, sizeof(rid));
    mem_free(r);
    snprintf(want, sizeof(want), "warn|%s|2 timers cancelled at the deadline", rid);
    ASSERT_TRUE(sink_wait(want));
    r = tenv_get(&t, "/ok");
    ASSERT_EQ_INT(resp_status(r), 200);
    /* The interval ticked meanwhile (n > 1) and stopped at the deadline: n is stable. */
    long n1 = strtol(resp_body(r) + 3, NULL, 10);
    mem_free(r);
    ASSERT_TRUE(n1 > 2);
    r = tenv_get(&t, "/ok");
    ASSERT_EQ_INT(strtol(resp_body(r) + 3, NULL, 10), n1 + 1);
    mem_free(r);
    stop(&t);
}

TEST(api_timers_callbacks_after_the_response_and_errors)
{
    struct tenv t;
    start(&t, 5000);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "after.js",
                          "routeRegistry.registerRoute('/after', (context) => {\n"
                          "  setTimeout(() => {\n"
                          "    console.log('after ' + context.requestId);\n"
                          "    setTimeout(() => console.log('nested'), 1);\n"
                          "  }, 20);\n"
                          "  return 'sent';\n"
                          "});\n"
                          "routeRegistry.registerRoute('/throw', () => {\n"
                          "  setTimeout(() => { throw new Error('boom'); }, 0);\n"
                          "  return 'sent';\n"
                          "});\n"
                          "routeRegistry.registerRoute('/resume', async () => {\n"
                          "  await new Promise((r) => setTimeout(r, 5));\n"
                          "  console.log('resumed');\n"
                          "  return 'done';\n"
                          "});\n",
                          &d));
    char rid[64];
    char want[256];
    char *r = tenv_get(&t, "/after");
    ASSERT_EQ_STR(resp_body(r), "sent");
    request_id_of(r, rid, sizeof(rid));
    mem_free(r);
    snprintf(want, sizeof(want), "info|%s|after %s", rid, rid);
    ASSERT_TRUE(sink_wait(want));
    snprintf(want, sizeof(want), "info|%s|nested", rid);
    ASSERT_TRUE(sink_wait(want));

    r = tenv_get(&t, "/throw");
    ASSERT_EQ_INT(resp_status(r), 200);
    ASSERT_EQ_STR(resp_body(r), "sent");
    request_id_of(r, rid, sizeof(rid));
    mem_free(r);
    snprintf(want, sizeof(want), "error|%s|timer callback failed: Error: boom", rid);
    ASSERT_TRUE(sink_wait(want));

    /* Code after an await on a timer logs with its request id. */
    r = tenv_get(&t, "/resume");
    ASSERT_EQ_STR(resp_body(r), "done");
    request_id_of(r, rid, sizeof(rid));
    mem_free(r);
    snprintf(want, sizeof(want), "info|%s|resumed", rid);
    ASSERT_TRUE(sink_wait(want));

    stop(&t);
}

TEST(api_timers_callback_stopped_by_the_time_limit)
{
    struct tenv t;
    start(&t, 300);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "spin.js",
                          "routeRegistry.registerRoute('/spin', () => {\n"
                          "  setTimeout(() => { for (;;) {} }, 0);\n"
                          "  return 'sent';\n"
                          "});\n"
                          "let n = 0;\n"
                          "routeRegistry.registerRoute('/ok', () => 'ok ' + (++n));\n",
                          &d));
    char *r = tenv_get(&t, "/ok");
    ASSERT_EQ_STR(resp_body(r), "ok 1");
    mem_free(r);
    r = tenv_get(&t, "/spin");
    ASSERT_EQ_STR(resp_body(r), "sent");
    mem_free(r);
    /* The stop discards the context; the executor serves the next request in a fresh one. */
    r = tenv_get(&t, "/ok");
    ASSERT_EQ_INT(resp_status(r), 200);
    ASSERT_EQ_STR(resp_body(r), "ok 1");
    mem_free(r);
    stop(&t);
}

TEST(api_timers_in_register_and_bind_runs)
{
    struct tenv t;
    buf_init(&sink_buf, 1 << 20);
    struct api_config cfg = { .js_threads = 1, .exec_timeout_ms = 5000, .init_timeout_ms = 400 };
    tenv_start_cfg(&t, &cfg);
    api_engine_set_log_sink(t.e, test_sink, NULL);
    struct diag d;
    /* The top level's timer and an async init awaiting a timer both finish within the run, so
     * their registrations count (in the register run and again in the bind run). */
    ASSERT_OK(
        tenv_deploy(&t, "init.js",
                    "let runs = 0;\n"
                    "setTimeout((p) => {\n"
                    "  runs++;\n"
                    "  routeRegistry.registerRoute(p, () => 'late ' + runs);\n"
                    "}, 10, '/late');\n"
                    "setTimeout(() => { throw new Error('init timer boom'); }, 0);\n"
                    "async function init(context) {\n"
                    "  await new Promise((r) => setTimeout(r, 5));\n"
                    "  routeRegistry.registerRoute('/after-await', () => context.init.phase);\n"
                    "}\n",
                    &d));
    ASSERT_EQ_SIZE(api_engine_route_count(t.e), 2);
    char *r = tenv_get(&t, "/late");
    ASSERT_EQ_INT(resp_status(r), 200);
    ASSERT_EQ_STR(resp_body(r), "late 1");
    mem_free(r);
    r = tenv_get(&t, "/after-await");
    ASSERT_EQ_STR(resp_body(r), "bind");
    mem_free(r);
    ASSERT_TRUE(sink_wait("error||timer callback failed: Error: init timer boom"));
    /* A forgotten interval keeps the run open until its deadline, which fails it. */
    ASSERT_RC(tenv_deploy(&t, "iv.js",
                          "setInterval(() => {}, 20);\n"
                          "routeRegistry.registerRoute('/iv', () => 'iv');\n",
                          &d),
              RC_TIMEOUT);
    ASSERT_CONTAINS(d.msg, "timers were pending at its deadline");
    ASSERT_TRUE(sink_wait("warn||1 timer cancelled at the init run's deadline"));
    r = tenv_get(&t, "/iv");
    ASSERT_EQ_INT(resp_status(r), 404);
    mem_free(r);
    /* A timer callback that loops in init is stopped by the time limit: the deploy fails. */
    ASSERT_RC(tenv_deploy(&t, "spin.js", "setTimeout(() => { for (;;) {} }, 0);\n", &d),
              RC_TIMEOUT);
    r = tenv_get(&t, "/late");
    ASSERT_EQ_STR(resp_body(r), "late 1");
    mem_free(r);
    stop(&t);
}

TEST(api_timers_cancelled_at_shutdown)
{
    struct tenv t;
    start(&t, 5000);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "bg.js",
                          "routeRegistry.registerRoute('/bg', () => {\n"
                          "  setTimeout(() => {}, 10000, { big: 'x'.repeat(1000) });\n"
                          "  return 'sent';\n"
                          "});\n",
                          &d));
    char *r = tenv_get(&t, "/bg");
    ASSERT_EQ_STR(resp_body(r), "sent");
    char rid[64];
    request_id_of(r, rid, sizeof(rid));
    mem_free(r);
    tenv_stop(&t); /* the pending timer is cancelled; ASan checks nothing leaks */
    char want[256];
    snprintf(want, sizeof(want), "warn|%s|1 timer cancelled because the server is shutting down",
             rid);
    ASSERT_CONTAINS(sink_buf.ptr, want);
    buf_fini(&sink_buf);
}

TEST(api_timers_of_a_replaced_version_still_run)
{
    struct tenv t;
    start(&t, 5000);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "ver.js",
                          "routeRegistry.registerRoute('/bg', () => {\n"
                          "  setTimeout(() => console.log('v1 timer ran'), 100);\n"
                          "  return 'v1';\n"
                          "});\n",
                          &d));
    char *r = tenv_get(&t, "/bg");
    ASSERT_EQ_STR(resp_body(r), "v1");
    mem_free(r);
    ASSERT_OK(tenv_deploy(&t, "ver.js", "routeRegistry.registerRoute('/bg', () => 'v2');\n", &d));
    /* The executor retires the v1 context on its next batch; its invocation still finishes. */
    r = tenv_get(&t, "/bg");
    ASSERT_EQ_STR(resp_body(r), "v2");
    mem_free(r);
    ASSERT_TRUE(sink_wait("v1 timer ran"));
    r = tenv_get(&t, "/bg");
    ASSERT_EQ_STR(resp_body(r), "v2");
    mem_free(r);
    stop(&t);
}
