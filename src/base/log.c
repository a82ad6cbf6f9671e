/* SPDX-License-Identifier: MIT */
/*
 * logfmt output. A line is built in a bounded stack buffer and written with one write(2),
 * so lines from different threads never interleave.
 */
#include "base/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clk.h"
#include "base/rc.h"

#define LOG_LINE_MAX 8192

enum log_level log_threshold = LOG_INFO;
static int log_fd = STDERR_FILENO;

static const char *const level_names[] = { "fatal", "error", "warn", "info", "debug" };

void log_set_level(enum log_level level)
{
    log_threshold = level;
}

const char *log_level_name(enum log_level level)
{
    if ((unsigned)level < ARRAY_LEN(level_names)) {
        return level_names[level];
    }
    return "info";
}

int log_level_parse(struct str name, enum log_level *out_level)
{
    for (size_t i = 1; i < ARRAY_LEN(level_names); i++) {
        if (str_eq_nocase(name, str_from_cstr(level_names[i]))) {
            *out_level = (enum log_level)i;
            return RC_OK;
        }
    }
    *out_level = LOG_INFO;
    return RC_INVAL;
}

void log_set_fd(int fd)
{
    log_fd = fd < 0 ? STDERR_FILENO : fd;
}

static bool needs_quotes(struct str v)
{
    if (v.len == 0) {
        return true;
    }
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.ptr[i];
        if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) {
            return true;
        }
    }
    return false;
}

int log_append_kv(struct buf *b, const char *key, struct str value)
{
    size_t mark = b->len;
    int rc = buf_try_printf(b, " %s=", key);
    if (rc != RC_OK) {
        goto out;
    }
    if (!needs_quotes(value)) {
        rc = buf_try_append_str(b, value);
        goto out;
    }
    rc = buf_try_append_char(b, '"');
    for (size_t i = 0; rc == RC_OK && i < value.len; i++) {
        unsigned char c = (unsigned char)value.ptr[i];
        if (c == '"' || c == '\\') {
            char esc[2] = { '\\', (char)c };
            rc = buf_try_append(b, esc, 2);
        } else if (c == '\n') {
            rc = buf_try_append(b, "\\n", 2);
        } else if (c == '\r') {
            rc = buf_try_append(b, "\\r", 2);
        } else if (c == '\t') {
            rc = buf_try_append(b, "\\t", 2);
        } else if (c < 0x20 || c == 0x7f) {
            rc = buf_try_printf(b, "\\u%04x", c);
        } else {
            rc = buf_try_append_char(b, (char)c);
        }
    }
    if (rc == RC_OK) {
        rc = buf_try_append_char(b, '"');
    }
out:
    if (rc != RC_OK) {
        /* Cut back to the start of this pair and mark the truncation if there is room. */
        b->len = mark;
        if (b->ptr) {
            b->ptr[b->len] = '\0';
        }
        IGNORE_RC(buf_try_append(b, " truncated=1", 12));
    }
    return rc;
}

/* Split the formatted text into the message and the trailing key=value pairs. */
static void split_message(struct str text, struct str *out_msg, struct str *out_pairs)
{
    size_t word = 0;
    for (size_t i = 0; i <= text.len; i++) {
        if (i == text.len || text.ptr[i] == ' ') {
            if (str_find_char(str_sub(text, word, i - word), '=') > 0) {
                size_t end = word > 0 ? word - 1 : 0;
                *out_msg = str_sub(text, 0, end);
                *out_pairs = str_sub(text, word, text.len);
                return;
            }
            word = i + 1;
        }
    }
    *out_msg = text;
    *out_pairs = STR_NULL;
}

void log_write_raw(struct str line)
{
    char nl = '\n';
    if (line.len && line.ptr[line.len - 1] == '\n') {
        (void)!write(log_fd, line.ptr, line.len);
        return;
    }
    /* Two writes would let another thread's line in between: copy when short enough. */
    char tmp[LOG_LINE_MAX + 1];
    if (line.len < sizeof(tmp)) {
        memcpy(tmp, line.ptr, line.len);
        tmp[line.len] = nl;
        (void)!write(log_fd, tmp, line.len + 1);
        return;
    }
    (void)!write(log_fd, line.ptr, line.len);
    (void)!write(log_fd, &nl, 1);
}

static void append_ctx(struct buf *b, const struct log_ctx *ctx)
{
    if (ctx->request_id.len) {
        IGNORE_RC(log_append_kv(b, "request_id", ctx->request_id));
    }
    if (ctx->script.len) {
        IGNORE_RC(log_append_kv(b, "script", ctx->script));
    }
    if (ctx->route.len) {
        IGNORE_RC(log_append_kv(b, "route", ctx->route));
    }
    if (ctx->client.len) {
        IGNORE_RC(log_append_kv(b, "client", ctx->client));
    }
    if (ctx->action) {
        IGNORE_RC(log_append_kv(b, "action", str_from_cstr(ctx->action)));
    }
}

void log_vwrite(enum log_level level, const struct log_ctx *ctx, const char *fmt, va_list ap)
{
    int saved_errno = errno;
    char text[LOG_LINE_MAX / 2];
    (void)vsnprintf(text, sizeof(text), fmt, ap);
    struct str msg;
    struct str pairs;
    split_message(str_from_cstr(text), &msg, &pairs);

    char stamp[32];
    clk_fmt_iso8601_ms(clk_realtime_ms(), stamp);

    struct buf b;
    buf_init(&b, LOG_LINE_MAX);
    IGNORE_RC(buf_try_printf(&b, "ts=%s level=%s", stamp, log_level_name(level)));
    if (ctx && ctx->mod) {
        IGNORE_RC(buf_try_printf(&b, " mod=%s", ctx->mod));
    }
    IGNORE_RC(log_append_kv(&b, "msg", msg));
    if (pairs.len) {
        IGNORE_RC(buf_try_append_char(&b, ' '));
        IGNORE_RC(buf_try_append_str(&b, pairs));
    }
    if (ctx) {
        append_ctx(&b, ctx);
    }
    log_write_raw(buf_str(&b));
    buf_fini(&b);
    errno = saved_errno;
}

void log_write(enum log_level level, const struct log_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(level, ctx, fmt, ap);
    va_end(ap);
}
