/* SPDX-License-Identifier: MIT */
/*
 * getrandom(2) wrapper. Failure to get randomness is fatal: ids and tokens depend on it.
 */
#include "base/rnd.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "base/log.h"

void rnd_bytes(void *p, size_t n)
{
    unsigned char *q = p;
    while (n > 0) {
        ssize_t got = getrandom(q, n, 0);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            log_write(LOG_FATAL, NULL, "getrandom failed errno=%d", errno);
            abort();
        }
        q += got;
        n -= (size_t)got;
    }
}

uint64_t rnd_u64(void)
{
    uint64_t v;
    rnd_bytes(&v, sizeof(v));
    return v;
}
