/* SPDX-License-Identifier: MIT */
/*
 * Group durability: one syncer thread per store makes the commits of many connections durable
 * with one fdatasync() of the WAL (db.h, "group durability").
 *
 * Connections opened with db_options.sync commit with synchronous=NORMAL: the commit is in the
 * operating system when it returns (it survives the process being killed) but not yet on the
 * disk. Their WAL hook (db_sqlite.c) calls db_sync_note_commit() after each commit; the syncer
 * wakes, takes the newest commit number, fdatasync()s the WAL and publishes that number as
 * synced. Whoever depends on a commit either blocks in db_sync_wait() or queues a callback with
 * db_sync_defer(), run by the syncer once the commit is durable. While one fdatasync() runs,
 * the next commits gather: the batch grows with the load, without a timer.
 *
 * fdatasync() of any descriptor of the WAL file flushes that file's pages, whoever wrote them.
 * A commit whose frames a checkpoint has already copied into the database file is durable too:
 * with synchronous=NORMAL SQLite syncs the WAL before a checkpoint and the database file after.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/defs.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rc.h"
#include "db/db.h"

static const struct log_ctx sync_log = { .mod = "db", .action = "while syncing the store" };

struct db_sync {
    pthread_mutex_t mu;
    pthread_cond_t wake; /* the syncer: a commit to sync, or stop */
    pthread_cond_t done; /* db_sync_wait callers: synced moved */
    pthread_t thread;
    bool started;
    bool stop;
    bool paused;                    /* db_sync_pause: no new round starts */
    bool batch_sched;               /* the syncer runs as SCHED_BATCH */
    uint64_t commits;               /* commits noted so far */
    uint64_t synced;                /* every commit up to this number is durable */
    uint64_t syncs;                 /* fdatasync() calls */
    uint64_t errors;                /* failed fdatasync() calls */
    struct db_sync_waiter *waiters; /* db_sync_defer, any order */
    size_t nwaiters;
    int wal_fd; /* opened at the first sync (the WAL exists once a commit was made) */
    int db_fd;
    char wal_path[4096];
    char db_path[4096];
};

/* Flush the WAL (and the database file, where a checkpoint may have moved the frames). */
static int sync_files(struct db_sync *s)
{
    if (s->wal_fd < 0) {
        s->wal_fd = open(s->wal_path, O_RDONLY | O_CLOEXEC);
    }
    if (s->db_fd < 0) {
        s->db_fd = open(s->db_path, O_RDONLY | O_CLOEXEC);
    }
    int rc = 0;
    if (s->wal_fd >= 0 && fdatasync(s->wal_fd) != 0) {
        rc = errno;
    }
    /* Without a WAL (never created, or removed when the last connection closed) the commits
     * are in the database file. */
    if (s->wal_fd < 0 && s->db_fd >= 0 && fdatasync(s->db_fd) != 0) {
        rc = errno;
    }
    if (s->wal_fd < 0 && s->db_fd < 0) {
        rc = errno != 0 ? errno : ENOENT;
    }
    return rc;
}

/* Detach the waiters whose commit is durable (mu held). */
static struct db_sync_waiter *take_ready(struct db_sync *s)
{
    struct db_sync_waiter *ready = NULL;
    struct db_sync_waiter **pp = &s->waiters;
    while (*pp != NULL) {
        struct db_sync_waiter *w = *pp;
        if (w->seq <= s->synced) {
            *pp = w->next;
            w->next = ready;
            ready = w;
            s->nwaiters--;
        } else {
            pp = &w->next;
        }
    }
    return ready;
}

/* Run the callbacks taken from the list (outside mu: they may take other locks). */
static void run_ready(struct db_sync_waiter *ready)
{
    while (ready != NULL) {
        struct db_sync_waiter *next = ready->next;
        ready->fn(ready->arg); /* may free ready */
        ready = next;
    }
}

/* One round (mu not held): make every commit up to target durable, publish it, wake the
 * waiters and run the callbacks it covers. */
static void sync_round(struct db_sync *s, uint64_t target)
{
    int err = sync_files(s);
    if (err != 0) {
        /* The OS may have dropped the pages it failed to write: nothing to retry. Say it loudly;
         * /engine/status counts it. */
        char buf[128];
        log_error(&sync_log,
                  "fdatasync failed: %s (commits up to %llu may not survive a power loss)",
                  strerror_r(err, buf, sizeof(buf)), (unsigned long long)target);
    }
    pthread_mutex_lock(&s->mu);
    s->syncs++;
    s->errors += err != 0;
    s->synced = target;
    struct db_sync_waiter *ready = take_ready(s);
    pthread_cond_broadcast(&s->done);
    pthread_mutex_unlock(&s->mu);
    run_ready(ready);
}

static void *syncer_main(void *arg)
{
    struct db_sync *s = arg;
    defs_thread_name("sync", -1);
    /* A commit wakes the syncer; as SCHED_BATCH it does not preempt the executor that made
     * the commit, so the round starts when that executor waits for work, with every commit it
     * made meanwhile (fewer rounds: each costs tens of microseconds of CPU). */
    if (s->batch_sched && !defs_thread_batch()) {
        log_warn(&sync_log, "cannot schedule the syncer thread as SCHED_BATCH (batch_sched)");
    }
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->stop && (s->commits == s->synced || s->paused)) {
            pthread_cond_wait(&s->wake, &s->mu);
        }
        if (s->commits == s->synced) { /* stopping, nothing left */
            break;
        }
        uint64_t target = s->commits;
        pthread_mutex_unlock(&s->mu);
        sync_round(s, target);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int db_sync_start(const char *db_path, bool batch_sched, struct diag *d, struct db_sync **out)
{
    *out = NULL;
    struct db_sync *s = mem_calloc(1, sizeof(*s));
    if ((size_t)snprintf(s->db_path, sizeof(s->db_path), "%s", db_path) >= sizeof(s->db_path) ||
        (size_t)snprintf(s->wal_path, sizeof(s->wal_path), "%s-wal", db_path) >=
            sizeof(s->wal_path)) {
        mem_free(s);
        return diag_set(d, RC_INVAL, "store path too long");
    }
    s->wal_fd = -1;
    s->db_fd = -1;
    s->batch_sched = batch_sched;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->wake, NULL);
    pthread_cond_init(&s->done, NULL);
    if (pthread_create(&s->thread, NULL, syncer_main, s) != 0) {
        pthread_cond_destroy(&s->done);
        pthread_cond_destroy(&s->wake);
        pthread_mutex_destroy(&s->mu);
        mem_free(s);
        return diag_set(d, RC_INTERNAL, "cannot start the store's syncer thread");
    }
    s->started = true;
    *out = s;
    return RC_OK;
}

void db_sync_stop(struct db_sync *s)
{
    if (s == NULL) {
        return;
    }
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
    if (s->started) {
        (void)pthread_join(s->thread, NULL);
    }
    /* The syncer synced every noted commit before it stopped, so no waiter is left unless one
     * was queued for a commit never noted (a caller bug): run those too rather than leak. */
    run_ready(s->waiters);
    s->waiters = NULL;
    if (s->wal_fd >= 0) {
        (void)close(s->wal_fd);
    }
    if (s->db_fd >= 0) {
        (void)close(s->db_fd);
    }
    pthread_cond_destroy(&s->done);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->mu);
    mem_free(s);
}

uint64_t db_sync_note_commit(struct db_sync *s)
{
    pthread_mutex_lock(&s->mu);
    uint64_t seq = ++s->commits;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
    return seq;
}

uint64_t db_sync_newest(struct db_sync *s)
{
    pthread_mutex_lock(&s->mu);
    uint64_t seq = s->commits;
    pthread_mutex_unlock(&s->mu);
    return seq;
}

bool db_sync_is_durable(struct db_sync *s, uint64_t seq)
{
    pthread_mutex_lock(&s->mu);
    bool done = s->synced >= seq;
    pthread_mutex_unlock(&s->mu);
    return done;
}

void db_sync_wait(struct db_sync *s, uint64_t seq)
{
    pthread_mutex_lock(&s->mu);
    while (s->synced < seq && s->commits >= seq) {
        pthread_cond_wait(&s->done, &s->mu);
    }
    pthread_mutex_unlock(&s->mu);
}

bool db_sync_defer(struct db_sync *s, struct db_sync_waiter *w, uint64_t seq, db_sync_fn *fn,
                   void *arg)
{
    pthread_mutex_lock(&s->mu);
    if (s->synced >= seq || s->commits < seq) {
        pthread_mutex_unlock(&s->mu);
        return false;
    }
    w->seq = seq;
    w->fn = fn;
    w->arg = arg;
    w->next = s->waiters;
    s->waiters = w;
    s->nwaiters++;
    pthread_mutex_unlock(&s->mu);
    return true;
}

void db_sync_pause(struct db_sync *s, bool paused)
{
    pthread_mutex_lock(&s->mu);
    s->paused = paused;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
}

void db_sync_stats(struct db_sync *s, struct db_sync_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (s == NULL) {
        return;
    }
    pthread_mutex_lock(&s->mu);
    out->commits = s->commits;
    out->synced = s->synced;
    out->syncs = s->syncs;
    out->errors = s->errors;
    out->waiting = s->nwaiters;
    pthread_mutex_unlock(&s->mu);
}
