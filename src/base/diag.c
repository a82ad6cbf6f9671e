/* SPDX-License-Identifier: MIT */
/*
 * Recording diagnostics.
 */
#include "base/diag.h"

#include <stdio.h>
#include <string.h>

#include "base/rc.h"

void diag_clear(struct diag *d)
{
    d->rc = RC_OK;
    d->sys_errno = 0;
    d->msg[0] = '\0';
}

int diag_vset(struct diag *d, int rc, const char *fmt, va_list ap)
{
    if (d == NULL) {
        return rc;
    }
    d->rc = rc;
    d->sys_errno = 0;
    (void)vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
    return rc;
}

int diag_set(struct diag *d, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vset(d, rc, fmt, ap);
    va_end(ap);
    return rc;
}

int diag_set_errno(struct diag *d, int errno_value, const char *fmt, ...)
{
    if (d == NULL) {
        return RC_IO;
    }
    va_list ap;
    va_start(ap, fmt);
    diag_vset(d, RC_IO, fmt, ap);
    va_end(ap);
    d->sys_errno = errno_value;
    size_t n = strlen(d->msg);
    char ebuf[128];
    const char *etext = strerror_r(errno_value, ebuf, sizeof(ebuf));
    (void)snprintf(d->msg + n, sizeof(d->msg) - n, ": %s", etext);
    return RC_IO;
}
