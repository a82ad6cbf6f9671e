/* SPDX-License-Identifier: MIT */
/*
 * db_sync: group durability. Connections opened with db_options.sync note their commits; the
 * syncer makes them durable with one fdatasync() per round, runs deferred callbacks once their
 * commit is durable and wakes db_sync_wait(); stopping makes everything pending durable.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "db_test_util.h"

static const char sql_t_sync[] = "PRAGMA synchronous";

struct flag {
    atomic_int runs;
    uint64_t seen_synced; /* the durable number when the callback ran */
    struct db_sync *s;
};

static void on_durable(void *arg)
{
    struct flag *f = arg;
    struct db_sync_stats st;
    db_sync_stats(f->s, &st);
    f->seen_synced = st.synced;
    atomic_fetch_add(&f->runs, 1);
}

static struct db_sync *start_sync(void)
{
    char path[512];
    struct db_sync *s = NULL;
    ASSERT_OK(db_sync_start(test_db_path(path, sizeof(path), "kiln.db"), true, NULL, &s));
    return s;
}

TEST(db_sync_notes_commits_and_makes_them_durable)
{
    struct db_sync *s = start_sync();
    struct db_options opts = { .sync = s };
    struct db *db = test_db_open(&opts);
    /* Grouped connections do not fsync in the commit (synchronous=NORMAL). */
    ASSERT_EQ_INT(test_db_scalar(db, sql_t_sync, NULL, 0, NULL, 0), 1);
    uint64_t before = db_sync_newest(s);
    ASSERT_OK(db_kv_set(db, STR("s"), STR("k"), STR("v1"), NULL));
    uint64_t seq = db_sync_newest(s);
    ASSERT_TRUE(seq > before); /* the WAL hook noted the commit */
    db_sync_wait(s, seq);
    ASSERT_TRUE(db_sync_is_durable(s, seq));
    /* Reads commit nothing. */
    struct arena *a = arena_new(0);
    struct str v;
    ASSERT_OK(db_kv_get(db, STR("s"), STR("k"), a, NULL, &v));
    ASSERT_EQ_SLICE(v, "v1");
    ASSERT_TRUE(db_sync_newest(s) == seq);
    /* A callback for a commit already durable is not queued. */
    struct flag f = { .s = s };
    struct db_sync_waiter w;
    ASSERT_FALSE(db_sync_defer(s, &w, seq, on_durable, &f));
    struct db_sync_stats st;
    db_sync_stats(s, &st);
    ASSERT_TRUE(st.syncs >= 1 && st.errors == 0 && st.synced == st.commits);
    arena_free(a);
    db_close(db);
    db_sync_stop(s);
}

TEST(db_sync_defers_callbacks_until_the_sync)
{
    struct db_sync *s = start_sync();
    struct db_options opts = { .sync = s };
    struct db *db = test_db_open(&opts);
    db_sync_wait(s, db_sync_newest(s)); /* the migrations' commits */
    db_sync_pause(s, true);
    ASSERT_OK(db_kv_set(db, STR("s"), STR("k"), STR("v"), NULL));
    uint64_t seq = db_sync_newest(s);
    struct flag f = { .s = s };
    struct db_sync_waiter w;
    ASSERT_TRUE(db_sync_defer(s, &w, seq, on_durable, &f));
    struct db_sync_stats st;
    db_sync_stats(s, &st);
    ASSERT_EQ_SIZE(st.waiting, 1);
    ASSERT_FALSE(db_sync_is_durable(s, seq));
    ASSERT_EQ_INT(atomic_load(&f.runs), 0); /* paused: no round, so no callback */
    db_sync_pause(s, false);
    db_sync_wait(s, seq);
    /* The callback ran on the syncer after the round that covered seq, before waiters woke. */
    ASSERT_EQ_INT(atomic_load(&f.runs), 1);
    ASSERT_TRUE(f.seen_synced >= seq);
    db_sync_stats(s, &st);
    ASSERT_EQ_SIZE(st.waiting, 0);
    db_close(db);
    db_sync_stop(s);
}

TEST(db_sync_stop_makes_pending_commits_durable)
{
    struct db_sync *s = start_sync();
    struct db_options opts = { .sync = s };
    struct db *db = test_db_open(&opts);
    db_sync_pause(s, true);
    ASSERT_OK(db_kv_set(db, STR("s"), STR("k"), STR("v"), NULL));
    struct flag f = { .s = s };
    struct db_sync_waiter w;
    ASSERT_TRUE(db_sync_defer(s, &w, db_sync_newest(s), on_durable, &f));
    db_close(db);
    db_sync_stop(s); /* overrides the pause: one last round, then the callback */
    ASSERT_EQ_INT(atomic_load(&f.runs), 1);
}

struct writer {
    struct db_sync *s;
    int id;
    int bad;
};

static void *writer_main(void *arg)
{
    struct writer *wr = arg;
    struct db_options opts = { .sync = wr->s };
    struct db *db = test_db_open(&opts);
    for (int i = 0; i < 50; i++) {
        char key[32];
        int n = snprintf(key, sizeof(key), "w%d-%d", wr->id, i);
        if (db_kv_set(db, STR("s"), str_make(key, (size_t)n), STR("v"), NULL) != RC_OK) {
            wr->bad++;
        }
        uint64_t seq = db_sync_newest(wr->s);
        db_sync_wait(wr->s, seq);
        if (!db_sync_is_durable(wr->s, seq)) {
            wr->bad++;
        }
    }
    db_close(db);
    return NULL;
}

TEST(db_sync_concurrent_writers_all_durable)
{
    struct db_sync *s = start_sync();
    /* The store exists (WAL mode, migrations) before the writers open it, as Kiln opens it on
     * the main thread before its executors start: four first opens racing to turn a new file
     * into WAL can meet SQLite's lock-upgrade deadlock, which answers SQLITE_BUSY at once. */
    struct db_options first_opts = { .sync = s };
    struct db *first = test_db_open(&first_opts);
    struct writer w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct writer){ .s = s, .id = i };
        ASSERT_EQ_INT(pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        ASSERT_EQ_INT(pthread_join(t[i], NULL), 0);
        ASSERT_EQ_INT(w[i].bad, 0);
    }
    struct db_sync_stats st;
    db_sync_stats(s, &st);
    ASSERT_TRUE(st.commits >= 200 && st.synced == st.commits && st.syncs >= 1);
    /* Every round covers at least one commit: never more rounds than commits. */
    ASSERT_TRUE(st.syncs <= st.commits);
    db_close(first);
    db_sync_stop(s);
}

static int64_t wal_bytes(void)
{
    char path[512];
    char wal[600];
    (void)snprintf(wal, sizeof(wal), "%s-wal", test_db_path(path, sizeof(path), "kiln.db"));
    struct stat st;
    return stat(wal, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* The WAL is checkpointed (and then restarts from its start) at 10,000 frames, not SQLite's
 * 1,000, with the grouped connections' own hook and with SQLite's for the others, except with
 * no_fsync (1,000). One update of one key is one frame. */
TEST(db_wal_checkpoints_at_ten_thousand_frames)
{
    const int64_t frame = 4096 + 24;
    struct db_sync *s = start_sync();
    struct db_options opts = { .sync = s };
    struct db *db = test_db_open(&opts);
    ASSERT_OK(db_kv_set(db, STR("s"), STR("k"), STR("v"), NULL));
    for (int i = 0; i < 3000; i++) {
        ASSERT_OK(db_kv_set(db, STR("s"), STR("k"), i % 2 ? STR("odd") : STR("even"), NULL));
    }
    ASSERT_TRUE(wal_bytes() > 3000 * frame); /* no checkpoint at 1,000 */
    for (int i = 0; i < 9000; i++) {
        ASSERT_OK(db_kv_set(db, STR("s"), STR("k"), i % 2 ? STR("odd") : STR("even"), NULL));
    }
    /* Checkpointed once past 10,000, then reused from the start: it never grew past that. */
    ASSERT_TRUE(wal_bytes() < 10100 * frame);
    db_close(db);
    db_sync_stop(s);
    struct db *plain = test_db_open(NULL);
    ASSERT_EQ_INT(test_db_scalar(plain, "PRAGMA wal_autocheckpoint", NULL, 0, NULL, 0), 10000);
    db_close(plain);
    /* Without fsync nothing syncs the WAL before the checkpoint: SQLite's 1,000 there. */
    struct db_options nosync = { .no_fsync = true };
    plain = test_db_open(&nosync);
    ASSERT_EQ_INT(test_db_scalar(plain, "PRAGMA wal_autocheckpoint", NULL, 0, NULL, 0), 1000);
    db_close(plain);
}
