/* SPDX-License-Identifier: MIT */
/*
 * Bounded growable buffers. Capacity doubles up to max + 1 (room for the terminator).
 */
#include "base/buf.h"

#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "base/rc.h"

void buf_init(struct buf *b, size_t max_bytes)
{
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max_bytes;
}

void buf_fini(struct buf *b)
{
    mem_free(b->ptr);
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->ptr) {
        b->ptr[0] = '\0';
    }
}

int buf_try_reserve(struct buf *b, size_t n)
{
    if (n > b->max || b->len > b->max - n) {
        return RC_LIMIT;
    }
    size_t need = b->len + n + 1;
    if (need <= b->cap) {
        return RC_OK;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        cap *= 2;
    }
    if (cap > b->max + 1) {
        cap = b->max + 1;
    }
    b->ptr = mem_realloc(b->ptr, cap);
    b->cap = cap;
    return RC_OK;
}

int buf_try_append(struct buf *b, const void *p, size_t n)
{
    int rc = buf_try_reserve(b, n);
    if (rc != RC_OK) {
        return rc;
    }
    if (n) {
        memcpy(b->ptr + b->len, p, n);
    }
    b->len += n;
    b->ptr[b->len] = '\0';
    return RC_OK;
}

int buf_try_append_str(struct buf *b, struct str s)
{
    return buf_try_append(b, s.ptr, s.len);
}

int buf_try_append_cstr(struct buf *b, const char *s)
{
    return buf_try_append(b, s, strlen(s));
}

int buf_try_append_char(struct buf *b, char c)
{
    return buf_try_append(b, &c, 1);
}

int buf_try_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        return RC_INVAL;
    }
    int rc = buf_try_reserve(b, (size_t)n);
    if (rc != RC_OK) {
        return rc;
    }
    (void)vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return RC_OK;
}

int buf_try_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_try_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        buf_reset(b);
        return;
    }
    memmove(b->ptr, b->ptr + n, b->len - n);
    b->len -= n;
    b->ptr[b->len] = '\0';
}

char *buf_take(struct buf *b, size_t *out_len)
{
    char *p = b->ptr;
    size_t n = b->len;
    if (p == NULL) {
        p = mem_alloc(1);
        p[0] = '\0';
    }
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    if (out_len) {
        *out_len = n;
    }
    return p;
}
