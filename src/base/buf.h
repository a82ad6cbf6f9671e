/* SPDX-License-Identifier: MIT */
/*
 * Bounded growable byte buffers (curl's dynbuf). Every buffer has a hard maximum set at init;
 * growth past it fails with RC_LIMIT, so input-driven growth can never run away. The buffer is
 * always NUL-terminated after its len bytes (not counted), so ptr can be handed to C APIs.
 * Fields are readable; change them only through the buf_* API.
 * Thread contract: one thread at a time.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "base/defs.h"
#include "base/str.h"

struct buf {
    char *ptr; /* NULL until the first append */
    size_t len;
    size_t cap;
    size_t max; /* hard limit on len */
};

/* Initialise an empty buffer that may grow to max_bytes. Cannot fail. */
void buf_init(struct buf *b, size_t max_bytes);

/* Release the memory; the buffer is empty again (and reusable). */
void buf_fini(struct buf *b);

/* Set len to 0, keeping the memory. */
void buf_reset(struct buf *b);

/* Make room for n more bytes. RC_OK or RC_LIMIT (len + n > max). */
WARN_UNUSED int buf_try_reserve(struct buf *b, size_t n);

/* Append n bytes. RC_OK or RC_LIMIT; on RC_LIMIT the buffer is unchanged. */
WARN_UNUSED int buf_try_append(struct buf *b, const void *p, size_t n);
WARN_UNUSED int buf_try_append_str(struct buf *b, struct str s);
WARN_UNUSED int buf_try_append_cstr(struct buf *b, const char *s);
WARN_UNUSED int buf_try_append_char(struct buf *b, char c);
WARN_UNUSED int buf_try_printf(struct buf *b, const char *fmt, ...) PRINTF_FMT(2, 3);
WARN_UNUSED int buf_try_vprintf(struct buf *b, const char *fmt, va_list ap) PRINTF_FMT(2, 0);

/* Remove the first n bytes (n <= len), moving the rest to the front. */
void buf_consume(struct buf *b, size_t n);

/* The contents as a slice (borrowed; valid until the next change). */
static inline struct str buf_str(const struct buf *b)
{
    return str_make(b->ptr ? b->ptr : "", b->len);
}

/* Move the contents out: returns an owned NUL-terminated pointer (free with mem_free()) and
 * leaves the buffer empty. Never NULL. *out_len (may be NULL) gets the length. */
char *buf_take(struct buf *b, size_t *out_len);
