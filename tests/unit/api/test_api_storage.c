/* SPDX-License-Identifier: MIT */
/* The engine's store connections (api_executor_db, register runs) and sharedStorage, on a real
 * SQLite file in the test's temporary folder, through real HTTP requests. */
#include <stdio.h>

#include "api_test_util.h"
#include "db/db.h"

static const char *storage_db_path(void)
{
    static char path[512];
    (void)snprintf(path, sizeof(path), "%s/kiln.db", harness_tmpdir());
    return path;
}

static void start_with_store(struct tenv *t, size_t threads)
{
    struct diag d;
    struct db *db = NULL;
    diag_clear(&d);
    ASSERT_OK(db_open(storage_db_path(), NULL, &d, &db)); /* migrations, as main does */
    db_close(db);
    struct api_config cfg = { .js_threads = threads,
                              .exec_timeout_ms = 2000,
                              .init_timeout_ms = 2000,
                              .db_path = storage_db_path() };
    tenv_start_cfg(t, &cfg);
}

static const char *kv_script =
    "sharedStorage.setItem('from-init', 'init ran');\n"
    "routeRegistry.registerRoute('/set', (c) => { sharedStorage.setItem(c.request.query.k, "
    "c.request.query.v);"
    " return 'ok'; });\n"
    "routeRegistry.registerRoute('/get', (c) => "
    "String(sharedStorage.getItem(c.request.query.k)));\n"
    "routeRegistry.registerRoute('/has', (c) => String(sharedStorage.has(c.request.query.k)));\n"
    "routeRegistry.registerRoute('/rm', (c) => "
    "String(sharedStorage.removeItem(c.request.query.k)));\n"
    "routeRegistry.registerRoute('/keys', (c) => "
    "sharedStorage.keys(c.request.query.p).join(','));\n"
    "routeRegistry.registerRoute('/clear', () => String(sharedStorage.clear()));\n"
    "routeRegistry.registerRoute('/inc', () => String(sharedStorage.increment('n', 2)));\n"
    "routeRegistry.registerRoute('/json', () => { sharedStorage.setJSON('j', {a: [1, 'x']});"
    " return JSON.stringify(sharedStorage.getJSON('j')) + ' ' +"
    " sharedStorage.getJSON('missing', 7); });\n"
    "routeRegistry.registerRoute('/cas', () => [sharedStorage.compareAndSet('c', null, '1'),"
    " sharedStorage.compareAndSet('c', null, '2'), sharedStorage.compareAndSet('c', '1', '3'),"
    " sharedStorage.getItem('c')].join(','));\n"
    "routeRegistry.registerRoute('/err', (c) => { try { sharedStorage.setItem(c.request.query.k,"
    " 'x'.repeat(Number(c.request.query.n))); return 'no error'; } catch (e) {"
    " return e.name + ' ' + e.code; } });\n";

static void expect_body(struct tenv *t, const char *path, const char *want)
{
    char *r = tenv_get(t, path);
    if (resp_status(r) != 200 || strcmp(resp_body(r), want) != 0) {
        harness_fail(__FILE__, __LINE__, "GET %s: want \"%s\", got:\n%s", path, want, r);
    }
    mem_free(r);
}

TEST(api_storage_shared_storage_roundtrip_and_restart)
{
    struct tenv t;
    start_with_store(&t, 2);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "kv.js", kv_script, &d));
    /* The register run (no executor: the deploy connection) wrote; executors read it. */
    expect_body(&t, "/get?k=from-init", "init ran");
    expect_body(&t, "/set?k=a1&v=one", "ok");
    expect_body(&t, "/set?k=a2&v=two", "ok");
    expect_body(&t, "/set?k=b1&v=%C3%A9t%C3%A9", "ok");
    /* Two executors, round robin: both see every write (one file, own connections). */
    expect_body(&t, "/get?k=a1", "one");
    expect_body(&t, "/get?k=a1", "one");
    expect_body(&t, "/get?k=b1", "\xc3\xa9t\xc3\xa9");
    expect_body(&t, "/get?k=nope", "null");
    expect_body(&t, "/has?k=a2", "true");
    expect_body(&t, "/has?k=nope", "false");
    expect_body(&t, "/keys?p=a", "a1,a2");
    expect_body(&t, "/rm?k=a2", "true");
    expect_body(&t, "/rm?k=a2", "false");
    expect_body(&t, "/inc", "2");
    expect_body(&t, "/inc", "4");
    expect_body(&t, "/json", "{\"a\":[1,\"x\"]} 7");
    expect_body(&t, "/cas", "true,false,true,3");
    expect_body(&t, "/err?k=&n=1", "KilnError INVALID_ARGUMENT");
    expect_body(&t, "/err?k=big&n=1048577", "KilnError STORAGE_LIMIT");
    expect_body(&t, "/err?k=ok&n=1048576", "no error");
    tenv_stop(&t);

    /* A new engine on the same file: the data is still there, per script. */
    start_with_store(&t, 1);
    ASSERT_OK(tenv_deploy(&t, "kv.js", kv_script, &d));
    ASSERT_OK(tenv_deploy(&t, "other.js",
                          "routeRegistry.registerRoute('/other', () =>"
                          " String(sharedStorage.getItem('a1')) + ' ' + sharedStorage.keys()"
                          ".length);\n",
                          &d));
    expect_body(&t, "/get?k=a1", "one");
    expect_body(&t, "/other", "null 0");
    expect_body(&t, "/clear", "7");
    expect_body(&t, "/keys?p=", "");
    tenv_stop(&t);
}

/* Keys and values of every string kind: ASCII 8-bit strings are read in place, the rest
 * converted (ropes, numbers, UTF-16, Latin-1); a key read in place stays valid while the value's
 * toString() runs JS and allocates enough to collect garbage. */
TEST(api_storage_argument_kinds)
{
    struct tenv t;
    start_with_store(&t, 1);
    struct diag d;
    ASSERT_OK(tenv_deploy(
        &t, "kinds.js",
        "routeRegistry.registerRoute('/kinds', () => { const s = sharedStorage; const n = 12;"
        " s.setItem('k' + n, 'v' + n); s.setItem(7, 8.5);"
        " s.setItem('\\u65e5', '\\u00e9\\ud83d\\ude00'); s.setItem('caf\\u00e9', 'x');"
        " s.setItem('flat-key', { toString() { let junk = [];"
        " for (let i = 0; i < 200000; i++) junk.push({ i }); return 'from-' + 'toString'; } });"
        " s.setItem('long-' + 'x'.repeat(400), 'long'); return [s.getItem('k12'), s.getItem('7'),"
        " s.getItem('\\u65e5') === '\\u00e9\\ud83d\\ude00', s.getItem('caf\\u00e9'),"
        " s.getItem('flat-key'), s.getItem('long-' + 'x'.repeat(400)), s.keys('fl').join()]"
        ".join(','); });\n",
        &d));
    expect_body(&t, "/kinds", "v12,8.5,true,x,from-toString,long,flat-key");
    tenv_stop(&t);
}

/* Errors of string arguments come back from the fast functions and are thrown by the prelude
 * as the ordinary natives throw them: KilnErrors with their codes, nothing stored. */
TEST(api_storage_fast_path_errors)
{
    struct tenv t;
    start_with_store(&t, 1);
    struct diag d;
    ASSERT_OK(tenv_deploy(
        &t, "errs.js",
        "const code = (f) => { try { f(); return 'none'; } catch (e) {"
        " return (e instanceof KilnError) + ':' + e.code; } };\n"
        "routeRegistry.registerRoute('/errs', () => [code(() => sharedStorage.getItem('')),"
        " code(() => sharedStorage.getItem('k'.repeat(513))),"
        " code(() => sharedStorage.setItem('', 'v')),"
        " code(() => sharedStorage.setItem('big', 'x'.repeat(1048577))),"
        " String(sharedStorage.getItem('big')), code(() => sharedStorage.setItem('ok', 'v')),"
        " sharedStorage.getItem('ok')].join(','));\n",
        &d));
    expect_body(&t, "/errs",
                "true:INVALID_ARGUMENT,true:STORAGE_LIMIT,true:INVALID_ARGUMENT,"
                "true:STORAGE_LIMIT,null,none,v");
    tenv_stop(&t);
}

/* has() reads no value: an empty value and a 1 MiB value both exist, a bad key still throws. */
TEST(api_storage_has_empty_and_large_values)
{
    struct tenv t;
    start_with_store(&t, 1);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "kv.js", kv_script, &d));
    expect_body(&t, "/set?k=empty&v=", "ok");
    expect_body(&t, "/get?k=empty", "");
    expect_body(&t, "/has?k=empty", "true");
    expect_body(&t, "/err?k=big&n=1048576", "no error");
    expect_body(&t, "/has?k=big", "true");
    expect_body(&t, "/rm?k=big", "true");
    expect_body(&t, "/has?k=big", "false");
    ASSERT_OK(tenv_deploy(&t, "has.js",
                          "routeRegistry.registerRoute('/has-bad', () => { try {"
                          " sharedStorage.has(''); return 'no error'; } catch (e) {"
                          " return e.name + ' ' + e.code; } });\n",
                          &d));
    expect_body(&t, "/has-bad", "KilnError INVALID_ARGUMENT");
    tenv_stop(&t);
}

TEST(api_storage_without_store_throws_store_unavailable)
{
    struct tenv t;
    tenv_start(&t);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "n.js",
                          "routeRegistry.registerRoute('/g', () => { try {"
                          " sharedStorage.getItem('x'); return 'no'; } catch (e) {"
                          " return e.code; } });\n",
                          &d));
    expect_body(&t, "/g", "STORE_UNAVAILABLE");
    tenv_stop(&t);
}
