/* SPDX-License-Identifier: MIT */
/* cache through the script API with a controllable clock: the process-wide cache is created
 * with a fake clock before the engine starts (api_data_cache_configure keeps the first
 * configuration), and the test moves time between real HTTP requests instead of sleeping. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"
#include "api_test_util.h"
#include "db/db_cache.h"

static int64_t fake_now_ms = 1000000;

/* Move the cache's manual clock by delta_ms. */
static void tick(int64_t delta_ms)
{
    fake_now_ms += delta_ms;
    db_cache_clock_set(api_data_cache(), fake_now_ms);
}

static const char *ttl_script =
    "routeRegistry.registerRoute('/set', (c) => { cache.set('k', {v: 1}, {ttl: 60});"
    " cache.set('short', 'x', {ttlMs: 500}); cache.set('forever', [1]); return 'ok'; });\n"
    "routeRegistry.registerRoute('/get', () => JSON.stringify([cache.get('k', null),"
    " cache.get('short', null), cache.get('forever', null), cache.size(), cache.keys()]));\n";

TEST(api_cache_ttl_with_controllable_clock)
{
    struct db_cache_options o = { .manual_clock = true };
    api_data_cache_configure(&o);
    tick(0); /* the cache is created now, with the manual clock; the engine keeps it */
    struct tenv t;
    tenv_start(&t);
    struct diag d;
    ASSERT_OK(tenv_deploy(&t, "ttl.js", ttl_script, &d));
    char *r = tenv_get(&t, "/set");
    ASSERT_EQ_INT(resp_status(r), 200);
    mem_free(r);
    /* Twice: the second read of each key goes by its id and "short" by the value the prelude
     * kept (api_data.c "cache.get"), until it expires. */
    for (int i = 0; i < 2; i++) {
        r = tenv_get(&t, "/get");
        ASSERT_EQ_STR(resp_body(r), "[{\"v\":1},\"x\",[1],3,[\"forever\",\"k\",\"short\"]]");
        mem_free(r);
    }
    tick(499);
    r = tenv_get(&t, "/get");
    ASSERT_EQ_STR(resp_body(r), "[{\"v\":1},\"x\",[1],3,[\"forever\",\"k\",\"short\"]]");
    mem_free(r);
    tick(1); /* "short" expires exactly now */
    r = tenv_get(&t, "/get");
    ASSERT_EQ_STR(resp_body(r), "[{\"v\":1},null,[1],2,[\"forever\",\"k\"]]");
    mem_free(r);
    tick((int64_t)60 * 1000); /* and "k" one minute later */
    r = tenv_get(&t, "/get");
    ASSERT_EQ_STR(resp_body(r), "[null,null,[1],1,[\"forever\"]]");
    mem_free(r);
    tenv_stop(&t);
}
