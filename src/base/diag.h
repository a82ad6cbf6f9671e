/* SPDX-License-Identifier: MIT */
/*
 * A diagnostic: the code, a message and errno, recorded once where an error is detected
 * (STYLE.md B.5 rule 4). Upper layers pass rc up unchanged and keep the message.
 * Thread contract: one thread at a time (a diag belongs to its context).
 */
#pragma once

#include <stdarg.h>

#include "base/defs.h"

#define DIAG_MSG_MAX 512

struct diag {
    int rc;
    int sys_errno;          /* errno for RC_IO, else 0 */
    char msg[DIAG_MSG_MAX]; /* NUL-terminated, truncated to fit */
};

/* Reset to RC_OK with an empty message. */
void diag_clear(struct diag *d);

/* Record rc and the formatted message, and return rc, so that detection and return are one
 * line: `return diag_set(d, RC_LIMIT, "body is %zu bytes, limit %zu", n, max);`.
 * d may be NULL (the message is dropped). */
int diag_set(struct diag *d, int rc, const char *fmt, ...) PRINTF_FMT(3, 4);
int diag_vset(struct diag *d, int rc, const char *fmt, va_list ap) PRINTF_FMT(3, 0);

/* Same as diag_set with RC_IO, also recording errno_value and appending its text. */
int diag_set_errno(struct diag *d, int errno_value, const char *fmt, ...) PRINTF_FMT(3, 4);
