/* SPDX-License-Identifier: MIT */
/*
 * Crash safety: a child process writes a stream of values and acknowledges each returned write
 * through a pipe; the parent SIGKILLs it after N acknowledgements (never after a sleep), reopens
 * the store and checks that every acknowledged write is there, that multi-statement writes are
 * all-or-nothing, and that PRAGMA integrity_check passes. Several rounds: each reopens a file
 * whose writer was killed, runs its recovery, then is killed again.
 * (SIGKILL loses the process, not the OS page cache: power loss is covered by synchronous=FULL,
 * see docs/internals/db.md.)
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/arena.h"
#include "db_test_util.h"

#define CRASH_ROUNDS 3
#define CRASH_ACKS   150

static const char sql_t_version_rows[] = "SELECT count(*) FROM script_versions WHERE uri = $1";
static const char sql_t_log_rows[] = "SELECT count(*) FROM script_logs WHERE script = $1";

/* The child: write forever, acknowledge each completed write with its number. */
static _Noreturn void writer(int ack_fd, int32_t first)
{
    struct db *db = NULL;
    char path[512];
    struct diag d;
    diag_clear(&d);
    /* Die with the parent, so a failed assertion there never leaves a writer running. */
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (db_open(test_db_path(path, sizeof(path), "kiln.db"), NULL, &d, &db) != RC_OK) {
        _exit(2);
    }
    for (int32_t i = first;; i++) {
        char key[32], val[64];
        (void)snprintf(key, sizeof(key), "k%d", i);
        (void)snprintf(val, sizeof(val), "value %d", i);
        int64_t ver = 0;
        struct db_script s = { .uri = STR("crash"), .content = str_from_cstr(val) };
        struct db_log_entry e[3];
        for (int j = 0; j < 3; j++) {
            e[j] = (struct db_log_entry){ .ts_ms = i,
                                          .level = DB_LOG_INFO,
                                          .script = STR("crash"),
                                          .message = str_from_cstr(val) };
        }
        if (db_kv_set(db, STR("crash"), str_from_cstr(key), str_from_cstr(val), &d) != RC_OK ||
            db_script_put(db, &s, DB_VERSION_ANY, &d, &ver) != RC_OK ||
            db_log_append(db, e, 3, &d) != RC_OK) {
            _exit(3);
        }
        if (write(ack_fd, &i, sizeof(i)) != (ssize_t)sizeof(i)) {
            _exit(4);
        }
    }
}

/* Run one child until it acknowledged CRASH_ACKS writes, kill it, return the last ack. */
static int32_t run_and_kill(int32_t first)
{
    int fds[2];
    ASSERT_EQ_INT(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_TRUE(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        writer(fds[1], first);
    }
    close(fds[1]);
    int32_t last = first - 1;
    for (int n = 0; n < CRASH_ACKS; n++) {
        int32_t got = 0;
        ssize_t r = read(fds[0], &got, sizeof(got));
        if (r != (ssize_t)sizeof(got)) {
            int status = 0;
            (void)waitpid(pid, &status, 0);
            harness_fail(__FILE__, __LINE__, "writer stopped after %d acks (status %d)", n, status);
        }
        ASSERT_EQ_INT(got, last + 1);
        last = got;
    }
    ASSERT_EQ_INT(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ_INT(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    close(fds[0]);
    return last;
}

/* Every acknowledged write of every round so far (firsts[r]..lasts[r]) is there; the script's
 * versions and the log batches are whole. */
static void check_after_crash(const int32_t *firsts, const int32_t *lasts, int rounds)
{
    int64_t acked = 0;
    struct db *db = test_db_open(NULL); /* recovers the WAL of the killed writer */
    struct arena *a = arena_new(1 << 16);
    struct diag d;
    diag_clear(&d);
    int rc = db_check_integrity(db, &d);
    if (rc != RC_OK) {
        harness_fail(__FILE__, __LINE__, "integrity: %s", d.msg);
    }
    for (int r = 0; r < rounds; r++) {
        for (int32_t i = firsts[r]; i <= lasts[r]; i++) {
            char key[32], val[64];
            (void)snprintf(key, sizeof(key), "k%d", i);
            (void)snprintf(val, sizeof(val), "value %d", i);
            struct str v;
            ASSERT_OK(db_kv_get(db, STR("crash"), str_from_cstr(key), a, NULL, &v));
            ASSERT_TRUE(str_eq(v, str_from_cstr(val)));
            acked++;
        }
    }
    struct db_script s;
    ASSERT_OK(db_script_get(db, STR("crash"), a, NULL, &s));
    ASSERT_TRUE(s.version >= acked); /* one upsert per acknowledged write */
    struct db_value qa[] = { DBV_TEXT(STR("crash")) };
    ASSERT_EQ_INT(test_db_scalar(db, sql_t_version_rows, qa, 1, NULL, 0), s.version);
    int64_t logs = test_db_scalar(db, sql_t_log_rows, qa, 1, NULL, 0);
    ASSERT_TRUE(logs >= 3 * acked);
    ASSERT_EQ_INT(logs % 3, 0); /* batches are all or nothing */
    arena_free(a);
    db_close(db);
}

TEST(db_crash_keeps_every_acknowledged_write)
{
    db_close(test_db_open(NULL)); /* schema first, so children only write */
    int32_t firsts[CRASH_ROUNDS], lasts[CRASH_ROUNDS];
    int32_t next = 0;
    for (int round = 0; round < CRASH_ROUNDS; round++) {
        firsts[round] = next;
        lasts[round] = run_and_kill(next);
        ASSERT_EQ_INT(lasts[round] - firsts[round] + 1, CRASH_ACKS);
        check_after_crash(firsts, lasts, round + 1);
        int32_t last = lasts[round];
        /* The killed child may have finished writes it never acknowledged: start after them
         * by key, so keys stay unique per write. */
        next = last + 1000;
    }
}
