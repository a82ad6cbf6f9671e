/* SPDX-License-Identifier: MIT */
/*
 * Scripts (versions, optimistic concurrency, concurrent upserts from threads), assets
 * (binary-safe, size limit, ETag), admin token and audit.
 */
#include <pthread.h>
#include <string.h>

#include "base/arena.h"
#include "base/mem.h"
#include "db_test_util.h"

static const char sql_t_versions[] = "SELECT count(*) FROM script_versions WHERE uri = $1";
static const char sql_t_distinct[] =
    "SELECT count(DISTINCT version) FROM script_versions WHERE uri = $1";
static const char sql_t_maxver[] = "SELECT max(version) FROM script_versions WHERE uri = $1";
static const char sql_t_audit[] = "SELECT count(*) FROM audit WHERE action = $1";

TEST(db_script_put_get_versions)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    int64_t ver = 0;
    struct db_script s = { .uri = STR("https://x/chat"),
                           .content = STR("v1"),
                           .owners = STR("[\"alice\"]") };
    ASSERT_OK(db_script_put(db, &s, DB_VERSION_ABSENT, NULL, &ver));
    ASSERT_EQ_INT(ver, 1);
    s.content = STR("v2");
    s.owners = STR_NULL; /* keeps the stored owners */
    s.system = true;
    ASSERT_OK(db_script_put(db, &s, 1, NULL, &ver));
    ASSERT_EQ_INT(ver, 2);

    struct db_script got;
    ASSERT_OK(db_script_get(db, s.uri, a, NULL, &got));
    ASSERT_EQ_SLICE(got.uri, "https://x/chat");
    ASSERT_EQ_SLICE(got.content, "v2");
    ASSERT_EQ_SLICE(got.owners, "[\"alice\"]");
    ASSERT_EQ_INT(got.version, 2);
    ASSERT_TRUE(got.system);
    ASSERT_TRUE(got.created_ms > 0 && got.updated_ms >= got.created_ms);

    struct str old;
    ASSERT_OK(db_script_get_version(db, s.uri, 1, a, NULL, &old));
    ASSERT_EQ_SLICE(old, "v1");
    ASSERT_RC(db_script_get_version(db, s.uri, 3, a, NULL, &old), RC_NOTFOUND);
    arena_free(a);
    db_close(db);
}

TEST(db_script_optimistic_concurrency)
{
    struct db *db = test_db_open(NULL);
    struct diag d;
    int64_t ver = 0;
    diag_clear(&d);
    struct db_script s = { .uri = STR("u"), .content = STR("a") };
    ASSERT_RC(db_script_put(db, &s, 3, &d, &ver), RC_CONFLICT); /* absent, 3 expected */
    ASSERT_OK(db_script_put(db, &s, DB_VERSION_ABSENT, NULL, &ver));
    ASSERT_RC(db_script_put(db, &s, DB_VERSION_ABSENT, &d, &ver), RC_CONFLICT);
    ASSERT_EQ_INT(ver, 0);
    ASSERT_OK(db_script_put(db, &s, 1, NULL, &ver));
    ASSERT_RC(db_script_put(db, &s, 1, &d, &ver), RC_CONFLICT); /* stale */
    ASSERT_TRUE(strstr(d.msg, "version 2") != NULL);
    ASSERT_OK(db_script_put(db, &s, DB_VERSION_ANY, NULL, &ver));
    ASSERT_EQ_INT(ver, 3);
    db_close(db);
}

TEST(db_script_bad_input)
{
    struct db_options opts = { .script_max_bytes = 8 };
    struct db *db = test_db_open(&opts);
    struct arena *a = arena_new(4096);
    int64_t ver = 0;
    struct db_script s = { .uri = STR(""), .content = STR("x") };
    ASSERT_RC(db_script_put(db, &s, DB_VERSION_ANY, NULL, &ver), RC_INVAL);
    s.uri = STR("u");
    s.content = STR("123456789");
    ASSERT_RC(db_script_put(db, &s, DB_VERSION_ANY, NULL, &ver), RC_LIMIT);
    struct db_script got;
    ASSERT_RC(db_script_get(db, STR("nope"), a, NULL, &got), RC_NOTFOUND);
    ASSERT_RC(db_script_delete(db, STR("nope"), NULL), RC_NOTFOUND);
    arena_free(a);
    db_close(db);
}

TEST(db_script_list_and_delete)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    int64_t ver = 0;
    const char *uris[] = { "c", "a", "b" };
    for (size_t i = 0; i < ARRAY_LEN(uris); i++) {
        struct db_script s = { .uri = str_from_cstr(uris[i]), .content = STR("x") };
        ASSERT_OK(db_script_put(db, &s, DB_VERSION_ANY, NULL, &ver));
    }
    /* More than the list's first arena chunk of 16. */
    for (int i = 0; i < 40; i++) {
        char uri[32];
        (void)snprintf(uri, sizeof(uri), "z%02d", i);
        struct db_script s = { .uri = str_from_cstr(uri), .content = STR("x") };
        ASSERT_OK(db_script_put(db, &s, DB_VERSION_ANY, NULL, &ver));
    }
    struct db_script *items = NULL;
    size_t n = 0;
    ASSERT_OK(db_script_list(db, a, NULL, &items, &n));
    ASSERT_EQ_SIZE(n, 43);
    ASSERT_EQ_SLICE(items[0].uri, "a");
    ASSERT_EQ_SLICE(items[1].uri, "b");
    ASSERT_EQ_SLICE(items[42].uri, "z39");
    ASSERT_EQ_SIZE(items[0].content.len, 0);
    ASSERT_OK(db_script_delete(db, STR("b"), NULL));
    struct db_value args[] = { DBV_TEXT(STR("b")) };
    ASSERT_EQ_INT(test_db_scalar(db, sql_t_versions, args, 1, NULL, 0), 0);
    ASSERT_OK(db_script_list(db, a, NULL, &items, &n));
    ASSERT_EQ_SIZE(n, 42);
    /* Recreated after delete: starts again at version 1. */
    struct db_script s = { .uri = STR("b"), .content = STR("again") };
    ASSERT_OK(db_script_put(db, &s, DB_VERSION_ABSENT, NULL, &ver));
    ASSERT_EQ_INT(ver, 1);
    arena_free(a);
    db_close(db);
}

#define UPSERT_THREADS 4
#define UPSERT_EACH    25

struct upsert_arg {
    int id;
    bool optimistic;
    int ok;
    int conflicts;
    int errors;
};

/* Each thread has its own connection (the thread contract) and upserts the same script. */
static void *upsert_thread(void *p)
{
    struct upsert_arg *arg = p;
    struct db *db = NULL;
    char path[512];
    struct diag d;
    diag_clear(&d);
    if (db_open(test_db_path(path, sizeof(path), "kiln.db"), NULL, &d, &db) != RC_OK) {
        arg->errors++;
        return NULL;
    }
    struct arena *a = arena_new(4096);
    while (arg->ok < UPSERT_EACH && arg->errors == 0) {
        char content[64];
        (void)snprintf(content, sizeof(content), "thread %d write %d", arg->id, arg->ok);
        struct db_script s = { .uri = STR("shared"), .content = str_from_cstr(content) };
        int64_t expect = DB_VERSION_ANY;
        if (arg->optimistic) {
            struct db_script cur;
            int rc = db_script_get(db, s.uri, a, &d, &cur);
            expect = rc == RC_OK ? cur.version : DB_VERSION_ABSENT;
        }
        int64_t ver = 0;
        int rc = db_script_put(db, &s, expect, &d, &ver);
        if (rc == RC_OK) {
            arg->ok++;
        } else if (rc == RC_CONFLICT && arg->optimistic) {
            arg->conflicts++;
        } else {
            arg->errors++;
        }
        arena_reset(a);
    }
    arena_free(a);
    db_close(db);
    return NULL;
}

static void run_upserts(bool optimistic)
{
    struct db *db = test_db_open(NULL); /* creates the schema before the threads start */
    pthread_t th[UPSERT_THREADS];
    struct upsert_arg args[UPSERT_THREADS];
    for (int i = 0; i < UPSERT_THREADS; i++) {
        args[i] = (struct upsert_arg){ .id = i, .optimistic = optimistic };
        ASSERT_EQ_INT(pthread_create(&th[i], NULL, upsert_thread, &args[i]), 0);
    }
    for (int i = 0; i < UPSERT_THREADS; i++) {
        ASSERT_EQ_INT(pthread_join(th[i], NULL), 0);
        ASSERT_EQ_INT(args[i].errors, 0);
        ASSERT_EQ_INT(args[i].ok, UPSERT_EACH);
    }
    int64_t total = (int64_t)UPSERT_THREADS * UPSERT_EACH;
    struct arena *a = arena_new(4096);
    struct db_script got;
    ASSERT_OK(db_script_get(db, STR("shared"), a, NULL, &got));
    ASSERT_EQ_INT(got.version, total);
    struct db_value qa[] = { DBV_TEXT(STR("shared")) };
    ASSERT_EQ_INT(test_db_scalar(db, sql_t_versions, qa, 1, NULL, 0), total);
    ASSERT_EQ_INT(test_db_scalar(db, sql_t_distinct, qa, 1, NULL, 0), total);
    ASSERT_EQ_INT(test_db_scalar(db, sql_t_maxver, qa, 1, NULL, 0), total);
    /* The newest version's content is the script's content. */
    struct str last;
    ASSERT_OK(db_script_get_version(db, STR("shared"), total, a, NULL, &last));
    ASSERT_TRUE(str_eq(last, got.content));
    arena_free(a);
    db_close(db);
}

TEST(db_script_concurrent_upserts_from_threads)
{
    run_upserts(false);
}

TEST(db_script_concurrent_optimistic_upserts_from_threads)
{
    run_upserts(true);
}

TEST(db_asset_put_get_list_delete_binary)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    bool created = false;
    char sha[65];
    unsigned char bin[256];
    for (int i = 0; i < 256; i++) {
        bin[i] = (unsigned char)i;
    }
    struct db_asset as = { .script = STR("s"),
                           .path = STR("/b.bin"),
                           .bytes = str_make((const char *)bin, sizeof(bin)) };
    ASSERT_OK(db_asset_put(db, &as, NULL, &created, sha));
    ASSERT_TRUE(created);
    char want[65];
    db_sha256_hex(as.bytes, want);
    ASSERT_EQ_STR(sha, want);

    struct db_asset got;
    ASSERT_OK(db_asset_get(db, STR("s"), STR("/b.bin"), a, NULL, &got));
    ASSERT_EQ_SIZE(got.size, 256);
    ASSERT_EQ_SIZE(got.bytes.len, 256);
    ASSERT_EQ_MEM(got.bytes.ptr, bin, 256);
    ASSERT_EQ_SLICE(got.content_type, "application/octet-stream");
    ASSERT_EQ_STR(got.sha256, want);

    /* Replace: not created, new etag, created_ms kept. */
    as.bytes = STR("hello");
    as.content_type = STR("text/plain");
    ASSERT_OK(db_asset_put(db, &as, NULL, &created, sha));
    ASSERT_FALSE(created);
    ASSERT_EQ_STR(sha, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    struct db_asset got2;
    ASSERT_OK(db_asset_get(db, STR("s"), STR("/b.bin"), a, NULL, &got2));
    ASSERT_EQ_INT(got2.created_ms, got.created_ms);
    ASSERT_EQ_SLICE(got2.content_type, "text/plain");

    struct db_asset empty = { .script = STR("s"), .path = STR("/a/empty"), .bytes = STR("") };
    ASSERT_OK(db_asset_put(db, &empty, NULL, &created, sha));
    struct db_asset *items = NULL;
    size_t n = 0;
    ASSERT_OK(db_asset_list(db, STR("s"), a, NULL, &items, &n));
    ASSERT_EQ_SIZE(n, 2);
    ASSERT_EQ_SLICE(items[0].path, "/a/empty");
    ASSERT_EQ_SIZE(items[0].size, 0);
    ASSERT_EQ_SLICE(items[1].path, "/b.bin");
    ASSERT_EQ_SIZE(items[1].size, 5);
    ASSERT_EQ_SIZE(items[1].bytes.len, 0);
    ASSERT_OK(db_asset_list(db, STR("other"), a, NULL, &items, &n));
    ASSERT_EQ_SIZE(n, 0);

    ASSERT_OK(db_asset_delete(db, STR("s"), STR("/b.bin"), NULL));
    ASSERT_RC(db_asset_delete(db, STR("s"), STR("/b.bin"), NULL), RC_NOTFOUND);
    ASSERT_RC(db_asset_get(db, STR("s"), STR("/b.bin"), a, NULL, &got), RC_NOTFOUND);
    arena_free(a);
    db_close(db);
}

TEST(db_asset_limits_and_bad_input)
{
    struct db_options opts = { .asset_max_bytes = 1000 };
    struct db *db = test_db_open(&opts);
    struct arena *a = arena_new(4096);
    struct diag d;
    bool created = true;
    char sha[65];
    diag_clear(&d);
    char *big = mem_calloc(1001, 1);
    struct db_asset as = { .script = STR("s"), .path = STR("/big"), .bytes = str_make(big, 1001) };
    ASSERT_RC(db_asset_put(db, &as, &d, &created, sha), RC_LIMIT);
    ASSERT_FALSE(created);
    ASSERT_TRUE(strstr(d.msg, "1001") != NULL && strstr(d.msg, "1000") != NULL);
    as.bytes = str_make(big, 1000);
    ASSERT_OK(db_asset_put(db, &as, NULL, &created, sha));
    as.path = STR("");
    ASSERT_RC(db_asset_put(db, &as, NULL, &created, sha), RC_INVAL);
    mem_free(big);
    arena_free(a);
    db_close(db);
}

TEST(db_admin_token_and_audit)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    struct str h;
    ASSERT_RC(db_admin_token_get(db, a, NULL, &h), RC_NOTFOUND);
    ASSERT_RC(db_admin_token_set(db, STR(""), NULL), RC_INVAL);
    ASSERT_OK(db_admin_token_set(db, str_make("\0\1\2\3", 4), NULL));
    ASSERT_OK(db_admin_token_get(db, a, NULL, &h));
    ASSERT_EQ_SIZE(h.len, 4);
    ASSERT_EQ_MEM(h.ptr, "\0\1\2\3", 4);
    ASSERT_OK(db_admin_token_set(db, STR("rotated"), NULL)); /* replaces, one row */
    ASSERT_OK(db_admin_token_get(db, a, NULL, &h));
    ASSERT_EQ_SLICE(h, "rotated");

    ASSERT_OK(db_audit_append(db, STR("admin"), STR("token.use"), STR("/engine/api"),
                              STR("{\"ip\":\"127.0.0.1\"}"), NULL));
    ASSERT_OK(db_audit_append(db, STR(""), STR("token.use"), STR(""), STR(""), NULL));
    ASSERT_RC(db_audit_append(db, STR("a"), STR(""), STR(""), STR(""), NULL), RC_INVAL);
    struct db_value qa[] = { DBV_TEXT(STR("token.use")) };
    ASSERT_EQ_INT(test_db_scalar(db, sql_t_audit, qa, 1, NULL, 0), 2);
    arena_free(a);
    db_close(db);
}

TEST(db_asset_empty_bytes_round_trip)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    bool created = false;
    char sha[65];
    struct db_asset as = { .script = STR("s"), .path = STR("/empty"), .bytes = STR_NULL };
    ASSERT_OK(db_asset_put(db, &as, NULL, &created, sha));
    ASSERT_EQ_STR(sha, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    struct db_asset got;
    ASSERT_OK(db_asset_get(db, STR("s"), STR("/empty"), a, NULL, &got));
    ASSERT_EQ_SIZE(got.size, 0);
    ASSERT_EQ_SIZE(got.bytes.len, 0);
    ASSERT_TRUE(got.bytes.ptr != NULL);
    arena_free(a);
    db_close(db);
}

TEST(db_script_versions_list)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    int64_t ver = 0;
    const char *contents[] = { "a", "bb", "ccc", "d\xc3\xa9" }; /* "dé": 3 bytes, 2 chars */
    for (size_t i = 0; i < ARRAY_LEN(contents); i++) {
        struct db_script s = { .uri = STR("u"), .content = str_from_cstr(contents[i]) };
        ASSERT_OK(db_script_put(db, &s, DB_VERSION_ANY, NULL, &ver));
    }
    struct db_script_version *items = NULL;
    size_t n = 0;
    ASSERT_OK(db_script_versions(db, STR("u"), 3, a, NULL, &items, &n));
    ASSERT_EQ_SIZE(n, 3);
    ASSERT_EQ_INT(items[0].version, 4);
    ASSERT_EQ_SIZE(items[0].size, 3);
    ASSERT_EQ_INT(items[2].version, 2);
    ASSERT_EQ_SIZE(items[2].size, 2);
    ASSERT_TRUE(items[2].created_ms > 0);
    ASSERT_OK(db_script_versions(db, STR("nope"), 50, a, NULL, &items, &n));
    ASSERT_EQ_SIZE(n, 0);
    ASSERT_RC(db_script_versions(db, STR("u"), 0, a, NULL, &items, &n), RC_LIMIT);
    arena_free(a);
    db_close(db);
}

TEST(db_script_from_folder_and_size)
{
    struct db *db = test_db_open(NULL);
    struct arena *a = arena_new(4096);
    int64_t ver = 0;
    struct db_script s = { .uri = STR("f.js"), .content = STR("h\xc3\xa9"), .from_folder = true };
    ASSERT_OK(db_script_put(db, &s, DB_VERSION_ANY, NULL, &ver));
    struct db_script api = { .uri = STR("a.js"), .content = STR("abc") };
    ASSERT_OK(db_script_put(db, &api, DB_VERSION_ANY, NULL, &ver));
    struct db_script got;
    ASSERT_OK(db_script_get(db, STR("f.js"), a, NULL, &got));
    ASSERT_TRUE(got.from_folder);
    ASSERT_EQ_SIZE(got.size, 3);
    struct db_script *items = NULL;
    size_t n = 0;
    ASSERT_OK(db_script_list(db, a, NULL, &items, &n));
    ASSERT_EQ_SIZE(n, 2);
    ASSERT_EQ_SLICE(items[0].uri, "a.js");
    ASSERT_FALSE(items[0].from_folder);
    ASSERT_EQ_SIZE(items[0].size, 3);
    ASSERT_EQ_SIZE(items[0].content.len, 0);
    ASSERT_TRUE(items[1].from_folder);
    ASSERT_EQ_SIZE(items[1].size, 3); /* bytes, not characters */
    /* A later put without the flag (the folder file became an API script) clears it. */
    s.from_folder = false;
    ASSERT_OK(db_script_put(db, &s, DB_VERSION_ANY, NULL, &ver));
    ASSERT_OK(db_script_get(db, STR("f.js"), a, NULL, &got));
    ASSERT_FALSE(got.from_folder);
    int64_t schema = 0;
    ASSERT_OK(db_schema_version(db, NULL, &schema));
    ASSERT_TRUE(schema >= 2); /* 0002 added from_folder; later issues add more */
    arena_free(a);
    db_close(db);
}

TEST(db_open_fsync_option)
{
    static const char sql_sync[] = "PRAGMA synchronous";
    struct db *db = test_db_open(NULL);
    ASSERT_EQ_INT(test_db_scalar(db, sql_sync, NULL, 0, NULL, 0), 2); /* FULL */
    db_close(db);
    struct db_options opts = { .no_fsync = true };
    db = test_db_open(&opts);
    ASSERT_EQ_INT(test_db_scalar(db, sql_sync, NULL, 0, NULL, 0), 1); /* NORMAL */
    db_close(db);
}
