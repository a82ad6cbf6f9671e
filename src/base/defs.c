/* SPDX-License-Identifier: MIT */
/*
 * The failure path of ASSERT: one line on stderr, a backtrace, abort.
 */
#include "base/defs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <execinfo.h>
#include <sched.h>

#include "base/log.h"

void defs_assert_fail(const char *expr, const char *file, int line, const char *func)
{
    log_write(LOG_FATAL, NULL, "assertion failed expr=\"%s\" at=%s:%d func=%s", expr, file, line,
              func);
    void *frames[64];
    int n = backtrace(frames, (int)ARRAY_LEN(frames));
    backtrace_symbols_fd(frames, n, STDERR_FILENO);
    abort();
}

void defs_thread_name(const char *what, long index)
{
    char name[64]; /* cut to the kernel's 15 characters below */
    if (index < 0) {
        (void)snprintf(name, sizeof(name), "kiln-%s", what);
    } else {
        (void)snprintf(name, sizeof(name), "kiln-%s%ld", what, index);
    }
    name[15] = '\0';
    (void)pthread_setname_np(pthread_self(), name);
}

bool defs_thread_batch(void)
{
    struct sched_param param = { .sched_priority = 0 };
    /* 0: the calling thread (Linux schedules threads, not processes). */
    return sched_setscheduler(0, SCHED_BATCH, &param) == 0;
}
