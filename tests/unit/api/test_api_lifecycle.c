/* SPDX-License-Identifier: MIT */
/* Deploys, register vs bind runs, conflicts, time limits, deadlines, memory, removal. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "api_test_util.h"

TEST(api_timeout_infinite_loop_then_next_request_served)
{
    struct tenv t;
    struct api_config cfg = { .js_threads = 1, .exec_timeout_ms = 300 };
    tenv_start_cfg(&t, &cfg);
    struct diag d;
    ASSERT_OK(tenv_deploy(
        &t, "loop.js",
        "let n = 0;\n"
        "routeRegistry.registerRoute('/spin', () => { while (true) {} });\n"
        "routeRegistry.registerRoute('/aspin', async () => { await null; for (;;) {} });\n"
        "routeRegistry.registerRoute('/ok', () => 'ok ' + (++n));\n",
        &d));
    char *r = tenv_get(&t, "/ok");
    ASSERT_EQ_STR(resp_body(r), "ok 1");
    mem_free(r);
    r = tenv_get(&t, "/spin");
    ASSERT_EQ_INT(resp_status(r), 504);
    ASSERT_CONTAINS(resp_body(r), "SCRIPT_TIMEOUT");
    mem_free(r);
    /* Same (only) executor serves the next request, in a fresh context (n restarts). */
    r = tenv_get(&t, "/ok");
    ASSERT_EQ_INT(resp_status(r), 200);
    ASSERT_EQ_STR(resp_body(r), "ok 1");
    mem_free(r);
    /* A loop after an await (run while JSC drains microtasks) is stopped too. */
    r = tenv_get(&t, "/aspin");
    ASSERT_EQ_INT(resp_status(r), 504);
    mem_free(r);
    r = tenv_get(&t, "/ok");
    ASSERT_EQ_INT(resp_status(r), 200);
    ASSERT_EQ_STR(resp_body(r), "ok 1");
    mem_free(r);
    tenv_stop(&t);
}

TEST(api_await_deadline_gives_504_and_others_interleave)
{
    struct tenv t;
    struct api_config cfg = { .js_threads = 1, .exec_timeout_ms = 300 };
    tenv_start_cfg(&t, &cfg);
    struct diag d;
    ASSERT_OK(
        tenv_deploy(&t, "wait.js",
                    "routeRegistry.registerRoute('/never', () => new Promise(() => {}));\n"
                    "routeRegistry.registerRoute('/ok', async () => { await 1; return 'ok'; });\n",
                    &d));
    char *r = tenv_get(&t, "/never");
    ASSERT_EQ_INT(resp_status(r), 504);
    ASSERT_CONTAINS(resp_body(r), "SCRIPT_TIMEOUT");
    mem_free(r);
    r = tenv_get(&t, "/ok");
    ASSERT_EQ_INT(resp_status(r), 200);
    ASSERT_EQ_STR(resp_body(r), "ok");
    mem_free(r);
    tenv_stop(&t);
}

TEST(api_register_run_then_bind_run)
{
    struct tenv t;
    tenv_start(&t);
    struct diag d;
    ASSERT_OK(tenv_deploy(
        &t, "phases.js",
        "var phases = [];\n"
        "var closure = 'bound in this context';\n"
        "function init(context) {\n"
        "  phases.push(context.init.phase + ':' + context.kind);\n"
        "  const r = routeRegistry.registerRoute('/p', () => phases.join(',') + ' ' + closure);\n"
        "  phases.push(String(r.registered) + ':' + r.key);\n"
        "  if (context.init.phase === 'bind') {\n"
        "    const extra = routeRegistry.registerRoute('/extra', () => 'x');\n"
        "    phases.push('extra:' + extra.registered);\n"
        "  }\n"
        "}\n"
        "routeRegistry.registerRoute('/late', () => {\n"
        "  const r = routeRegistry.registerRoute('/inside', () => 'x');\n"
        "  return r.registered + ' ' + r.reason;\n"
        "});\n",
        &d));
    ASSERT_EQ_SIZE(api_engine_route_count(t.e), 2);
    char *r = tenv_get(&t, "/p");
    ASSERT_EQ_INT(resp_status(r), 200);
    /* The executor's context ran init with phase "bind"; registrations only bound. */
    ASSERT_EQ_STR(resp_body(r), "bind:init,true:GET /p,extra:false bound in this context");
    mem_free(r);
    r = tenv_get(&t, "/late");
    ASSERT_EQ_STR(resp_body(r), "false registrations are only made by the top level and init()");
    mem_free(r);
    r = tenv_get(&t, "/extra");
    ASSERT_EQ_INT(resp_status(r), 404);
    mem_free(r);
    r = tenv_get(&t, "/inside");
    ASSERT_EQ_INT(resp_status(r), 404);
    mem_free(r);
    tenv_stop(&t);
}

TEST(api_name_conflict_and_failed_deploys)
{
    struct tenv t;
    tenv_start(&t);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "a.js", "routeRegistry.registerRoute('/x/:id', () => 'a');", &d));
    /* Uncaught: the second script fails to load, the first keeps serving. */
    ASSERT_RC(tenv_deploy(&t, "b.js",
                          "routeRegistry.registerRoute('/ok', () => 'b ok');\n"
                          "routeRegistry.registerRoute('/x/:name', () => 'b');\n",
                          &d),
              RC_JS);
    ASSERT_CONTAINS(d.msg, "b.js:2: ");
    ASSERT_CONTAINS(d.msg, "already registered by script a.js");
    char *r = tenv_get(&t, "/x/1");
    ASSERT_EQ_STR(resp_body(r), "a");
    mem_free(r);
    /* First version failed: nothing of b.js is registered (not even /ok). */
    r = tenv_get(&t, "/ok");
    ASSERT_EQ_INT(resp_status(r), 404);
    mem_free(r);
    /* Caught: a KilnError with code NAME_CONFLICT and details.owner. The register run decides
     * the routes; the bind run re-runs the same code and binds /c. */
    ASSERT_OK(tenv_deploy(&t, "c.js",
                          "function init(context) {\n"
                          "  let ok = context.init.phase === 'bind';\n"
                          "  try { routeRegistry.registerRoute('/x/:id', () => 'c'); }\n"
                          "  catch (e) { ok = e instanceof KilnError && e.code === 'NAME_CONFLICT'"
                          " && e.details.owner === 'a.js'; }\n"
                          "  if (ok) routeRegistry.registerRoute('/c', () => 'caught');\n"
                          "  routeRegistry.registerRoute('/x/:id', () => 'c', 'POST');\n"
                          "}\n",
                          &d));
    r = tenv_get(&t, "/c");
    ASSERT_EQ_STR(resp_body(r), "caught");
    mem_free(r);
    r = tenv_raw(&t,
                 "POST /x/5 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    ASSERT_EQ_STR(resp_body(r), "c");
    mem_free(r);
    /* A failing redeploy keeps the previous version serving. */
    ASSERT_OK(tenv_deploy(&t, "v.js", "routeRegistry.registerRoute('/v', () => 'v1');", &d));
    ASSERT_RC(tenv_deploy(
                  &t, "v.js",
                  "routeRegistry.registerRoute('/v', () => 'v2');\nthrow new Error('bad v2');", &d),
              RC_JS);
    ASSERT_EQ_STR(d.msg, "v.js:2: Error: bad v2");
    r = tenv_get(&t, "/v");
    ASSERT_EQ_STR(resp_body(r), "v1");
    mem_free(r);
    /* A successful redeploy replaces the routes atomically and the new code serves. */
    ASSERT_OK(tenv_deploy(&t, "v.js", "routeRegistry.registerRoute('/v2', () => 'v3');", &d));
    r = tenv_get(&t, "/v");
    ASSERT_EQ_INT(resp_status(r), 404);
    mem_free(r);
    r = tenv_get(&t, "/v2");
    ASSERT_EQ_STR(resp_body(r), "v3");
    mem_free(r);
    /* Syntax errors and init throwing. */
    ASSERT_RC(tenv_deploy(&t, "syn.js", "let a = ;", &d), RC_JS);
    ASSERT_CONTAINS(d.msg, "syn.js:1: SyntaxError");
    ASSERT_RC(tenv_deploy(&t, "init.js", "function init() {\n  null.x;\n}", &d), RC_JS);
    ASSERT_CONTAINS(d.msg, "init.js:2: TypeError");
    ASSERT_RC(tenv_deploy(&t, "async-init.js",
                          "async function init() { await 0; throw new Error('late'); }", &d),
              RC_JS);
    ASSERT_CONTAINS(d.msg, "Error: late");
    ASSERT_RC(tenv_deploy(&t, "spin.js", "while (true) {}", &d), RC_TIMEOUT);
    ASSERT_RC(tenv_deploy(&t, "x.ts", "1", &d), RC_INVAL);
    ASSERT_RC(tenv_deploy(&t, "bad.js", "routeRegistry.registerRoute('/engine/x', () => 1);", &d),
              RC_JS);
    ASSERT_CONTAINS(d.msg, "RESERVED_PATH");
    /* Removal drops every registration. */
    api_engine_remove(t.e, STR("a.js"));
    r = tenv_get(&t, "/x/1");
    ASSERT_EQ_INT(resp_status(r), 405);
    mem_free(r);
    tenv_stop(&t);
}

TEST(api_memory_limit_fails_invocation_and_recreates_contexts)
{
    struct tenv t;
    struct api_config cfg = { .js_threads = 1,
                              .exec_timeout_ms = 5000,
                              .heap_limit_bytes = (size_t)64 * 1024 * 1024 };
    tenv_start_cfg(&t, &cfg);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "mem.js",
                          "var keep = [];\n"
                          "routeRegistry.registerRoute('/grow', () => {\n"
                          "  for (let i = 0; i < 1500000; i++) keep.push({i, s: 'x' + i});\n"
                          "  return 'grew';\n"
                          "});\n"
                          "routeRegistry.registerRoute('/size', () => String(keep.length));\n",
                          &d));
    char *r = tenv_get(&t, "/grow");
    ASSERT_EQ_INT(resp_status(r), 500);
    ASSERT_CONTAINS(resp_body(r), "MEMORY_LIMIT");
    mem_free(r);
    r = tenv_get(&t, "/size");
    if (resp_status(r) != 200) {
        harness_fail(__FILE__, __LINE__, "after the reset:\n%s", r);
    }
    ASSERT_EQ_STR(resp_body(r), "0");
    mem_free(r);
    tenv_stop(&t);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    (void)snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_TRUE(fd >= 0);
    ASSERT_EQ_SIZE((size_t)write(fd, text, strlen(text)), strlen(text));
    close(fd);
}

static char *get_until(struct tenv *t, const char *path, const char *want_body)
{
    for (int i = 0; i < 60; i++) {
        char *r = tenv_get(t, path);
        if (strcmp(resp_body(r), want_body) == 0) {
            return r;
        }
        mem_free(r);
        struct timespec ts = { .tv_sec = 0, .tv_nsec = 100000000L };
        nanosleep(&ts, NULL);
    }
    return tenv_get(t, path);
}

TEST(api_watch_dir_loads_in_uri_order_and_reloads)
{
    struct tenv t;
    tenv_start(&t);
    const char *dir = harness_tmpdir();
    char sub[512];
    (void)snprintf(sub, sizeof(sub), "%s/blog", dir);
    ASSERT_EQ_INT(mkdir(sub, 0755), 0);
    (void)snprintf(sub, sizeof(sub), "%s/blog/api.assets", dir);
    ASSERT_EQ_INT(mkdir(sub, 0755), 0);
    /* "a.js" < "blog/api.js": a.js owns /same; blog/api.js conflicts and fails to load. */
    write_file(dir, "a.js", "routeRegistry.registerRoute('/same', () => 'a');");
    write_file(dir, "blog/api.js",
               "routeRegistry.registerRoute('/blog', (c) => c.script.uri);\n"
               "routeRegistry.registerRoute('/same', () => 'blog');");
    write_file(dir, "blog/api.assets/skip.js", "routeRegistry.registerRoute('/skip', () => 1);");
    write_file(dir, "ok.js", "routeRegistry.registerRoute('/ok', (c) => c.script.name);");
    struct diag d;
    ASSERT_OK(api_engine_watch_dir(t.e, dir, &d));
    char *r = tenv_get(&t, "/same");
    ASSERT_EQ_STR(resp_body(r), "a");
    mem_free(r);
    r = tenv_get(&t, "/blog");
    ASSERT_EQ_INT(resp_status(r), 404);
    mem_free(r);
    r = tenv_get(&t, "/skip");
    ASSERT_EQ_INT(resp_status(r), 404);
    mem_free(r);
    r = tenv_get(&t, "/ok");
    ASSERT_EQ_STR(resp_body(r), "ok.js");
    mem_free(r);
    /* Edit: redeployed after the debounce. */
    write_file(dir, "ok.js", "routeRegistry.registerRoute('/ok', () => 'edited');");
    r = get_until(&t, "/ok", "edited");
    ASSERT_EQ_STR(resp_body(r), "edited");
    mem_free(r);
    /* Add. */
    write_file(dir, "new.js", "routeRegistry.registerRoute('/new', () => 'new');");
    r = get_until(&t, "/new", "new");
    ASSERT_EQ_STR(resp_body(r), "new");
    mem_free(r);
    /* Delete. */
    char path[512];
    (void)snprintf(path, sizeof(path), "%s/new.js", dir);
    ASSERT_EQ_INT(unlink(path), 0);
    r = get_until(&t, "/new", "");
    ASSERT_EQ_INT(resp_status(r), 404);
    mem_free(r);
    tenv_stop(&t);
}

#include "api/api_internal.h"

static size_t exec_ctx_count(struct tenv *t, size_t want)
{
    /* The executor reaps after it answered: poll briefly for the expected count. */
    size_t n = 0;
    for (int i = 0; i < 50; i++) {
        n = __atomic_load_n(&t->e->execs[0].ctxs.count, __ATOMIC_ACQUIRE);
        if (n == want) {
            break;
        }
        struct timespec ts = { .tv_sec = 0, .tv_nsec = 20000000L };
        nanosleep(&ts, NULL);
    }
    return n;
}

TEST(api_executor_retires_contexts_of_removed_and_replaced_versions)
{
    struct tenv t;
    tenv_start(&t);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "a.js", "routeRegistry.registerRoute('/a', () => 'a');", &d));
    ASSERT_OK(tenv_deploy(&t, "b.js", "routeRegistry.registerRoute('/b', () => 'b');", &d));
    mem_free(tenv_get(&t, "/a"));
    mem_free(tenv_get(&t, "/b"));
    ASSERT_EQ_SIZE(exec_ctx_count(&t, 2), 2);
    api_engine_remove(t.e, STR("a.js"));
    mem_free(tenv_get(&t, "/b"));
    ASSERT_EQ_SIZE(exec_ctx_count(&t, 1), 1);
    ASSERT_OK(tenv_deploy(&t, "b.js", "routeRegistry.registerRoute('/b', () => 'b2');", &d));
    char *r = tenv_get(&t, "/b");
    ASSERT_EQ_STR(resp_body(r), "b2");
    mem_free(r);
    ASSERT_EQ_SIZE(exec_ctx_count(&t, 1), 1);
    tenv_stop(&t);
}
