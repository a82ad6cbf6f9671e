/* SPDX-License-Identifier: MIT */
/*
 * Benchmark (not a test) of the store's shared storage: operations per second for
 *   kv_get            getItem of one of 1,000 keys (one connection)
 *   kv_set            setItem overwriting a key, one durable commit each (fsync per call)
 *   kv_set_tx100      setItem inside transactions of 100 (one fsync per 100)
 *   kv_get_Nthreads   getItem from N threads, each with its own connection, while another
 *                     thread keeps writing (total reads per second): shows readers in WAL mode
 *                     do not serialise behind each other or behind the writer
 *   build/release/bench/db/db_bench [DIR] [seconds-per-workload]
 * DIR (default: a new folder under /tmp) decides the file system, and so the fsync cost.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/clk.h"
#include "base/rc.h"
#include "db/db.h"

#define NKEYS 1000

static char db_path[512];
static int64_t budget_ns = 1000000000;
static atomic_bool stop_writer;

static struct db *open_db(void)
{
    struct db *db = NULL;
    struct diag d;
    diag_clear(&d);
    if (db_open(db_path, NULL, &d, &db) != RC_OK) {
        fprintf(stderr, "db_bench: %s\n", d.msg);
        _exit(1);
    }
    return db;
}

static struct str key_of(int i, char *buf, size_t n)
{
    int len = snprintf(buf, n, "key:%04d", i % NKEYS);
    return str_make(buf, (size_t)len);
}

/* Reads for budget_ns on a fresh connection; returns reads per second. */
static double run_get(void)
{
    struct db *db = open_db();
    struct arena *a = arena_new(1 << 16);
    int64_t start = clk_mono_ns();
    size_t ops = 0;
    while (clk_mono_ns() - start < budget_ns) {
        for (int i = 0; i < 256; i++) {
            char k[32];
            struct str v;
            if (db_kv_get(db, STR("bench"), key_of((int)(ops + (size_t)i) * 7, k, sizeof(k)), a,
                          NULL, &v) != RC_OK) {
                fprintf(stderr, "db_bench: get failed\n");
                _exit(1);
            }
        }
        ops += 256;
        arena_reset(a);
    }
    double rate = (double)ops * 1e9 / (double)(clk_mono_ns() - start);
    arena_free(a);
    db_close(db);
    return rate;
}

static double run_set(int batch)
{
    struct db *db = open_db();
    int64_t start = clk_mono_ns();
    size_t ops = 0;
    while (clk_mono_ns() - start < budget_ns) {
        if (batch > 1 && db_tx_begin(db, NULL) != RC_OK) {
            _exit(1);
        }
        for (int i = 0; i < batch; i++) {
            char k[32], v[32];
            int vl = snprintf(v, sizeof(v), "value %zu", ops);
            if (db_kv_set(db, STR("bench"), key_of((int)ops, k, sizeof(k)), str_make(v, (size_t)vl),
                          NULL) != RC_OK) {
                fprintf(stderr, "db_bench: set failed\n");
                _exit(1);
            }
            ops++;
        }
        if (batch > 1 && db_tx_commit(db, NULL) != RC_OK) {
            _exit(1);
        }
    }
    double rate = (double)ops * 1e9 / (double)(clk_mono_ns() - start);
    db_close(db);
    return rate;
}

static void *reader_thread(void *arg)
{
    *(double *)arg = run_get();
    return NULL;
}

static void *writer_thread(void *arg)
{
    struct db *db = open_db();
    size_t *writes = arg;
    while (!atomic_load(&stop_writer)) {
        char k[32];
        if (db_kv_set(db, STR("bench"), key_of((int)*writes, k, sizeof(k)), STR("w"), NULL) !=
            RC_OK) {
            fprintf(stderr, "db_bench: writer failed\n");
            _exit(1);
        }
        (*writes)++;
    }
    db_close(db);
    return NULL;
}

static double run_threads(int nthreads, size_t *out_writes)
{
    pthread_t th[8], w;
    double rates[8];
    double total = 0;
    *out_writes = 0;
    atomic_store(&stop_writer, false);
    if (pthread_create(&w, NULL, writer_thread, out_writes) != 0) {
        _exit(1);
    }
    for (int i = 0; i < nthreads; i++) {
        if (pthread_create(&th[i], NULL, reader_thread, &rates[i]) != 0) {
            _exit(1);
        }
    }
    for (int i = 0; i < nthreads; i++) {
        (void)pthread_join(th[i], NULL);
        total += rates[i];
    }
    atomic_store(&stop_writer, true);
    (void)pthread_join(w, NULL);
    return total;
}

int main(int argc, char **argv)
{
    char dir[256] = "/tmp/kiln-db-bench-XXXXXX";
    bool own_dir = argc < 2 || argv[1][0] == '\0';
    if (!own_dir) {
        (void)snprintf(dir, sizeof(dir), "%s", argv[1]);
    } else if (mkdtemp(dir) == NULL) {
        return 1;
    }
    if (argc > 2) {
        budget_ns = (int64_t)(atof(argv[2]) * 1e9);
    }
    (void)snprintf(db_path, sizeof(db_path), "%s/bench.db", dir);
    struct db *db = open_db();
    if (db_tx_begin(db, NULL) != RC_OK) {
        return 1;
    }
    for (int i = 0; i < NKEYS; i++) {
        char k[32];
        if (db_kv_set(db, STR("bench"), key_of(i, k, sizeof(k)), STR("initial value"), NULL) !=
            RC_OK) {
            return 1;
        }
    }
    if (db_tx_commit(db, NULL) != RC_OK) {
        return 1;
    }
    db_close(db);

    printf("file %s\n", db_path);
    printf("kv_get %.0f\n", run_get());
    printf("kv_set %.0f\n", run_set(1));
    printf("kv_set_tx100 %.0f\n", run_set(100));
    for (int n = 1; n <= 4; n *= 2) {
        size_t writes = 0;
        double rate = run_threads(n, &writes);
        printf("kv_get_%dthreads %.0f (writer meanwhile: %zu writes)\n", n, rate, writes);
    }
    /* Remove what we created: the database, its WAL and shared-memory files, our folder. */
    const char *suffixes[] = { "", "-wal", "-shm" };
    for (size_t i = 0; i < ARRAY_LEN(suffixes); i++) {
        char p[600];
        (void)snprintf(p, sizeof(p), "%s%s", db_path, suffixes[i]);
        (void)unlink(p);
    }
    if (own_dir) {
        (void)rmdir(dir);
    }
    return 0;
}
