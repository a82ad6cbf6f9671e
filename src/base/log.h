/* SPDX-License-Identifier: MIT */
/*
 * The engine log: one logfmt line per event on stderr (ts, level, mod, msg, then context).
 * The level is checked before the arguments are evaluated. Messages start lower case, have no
 * final period, and carry key=value pairs after the text: the first word containing '='
 * starts the pairs ("client timed out after_ms=10000").
 * A script's console output is a separate stream (api/), which reuses log_append_kv().
 * Thread contract: any thread; each line is written with a single write(2).
 */
#pragma once

#include <stdarg.h>

#include "base/buf.h"
#include "base/defs.h"
#include "base/str.h"

enum log_level {
    LOG_FATAL = 0,
    LOG_ERROR = 1,
    LOG_WARN = 2,
    LOG_INFO = 3,
    LOG_DEBUG = 4,
};

/* Where an event happened; every field optional (zero-initialise). */
struct log_ctx {
    const char *mod;    /* "http", "js", ... */
    const char *action; /* "while reading client request line" */
    struct str request_id;
    struct str script;
    struct str route;
    struct str client;
};

/* The current threshold; lines above it are skipped. */
extern enum log_level log_threshold;

void log_set_level(enum log_level level);
/* Parse "error" | "warn" | "info" | "debug"; RC_OK or RC_INVAL. */
WARN_UNUSED int log_level_parse(struct str name, enum log_level *out_level);
const char *log_level_name(enum log_level level);

/* Send lines to fd instead of stderr (tests); -1 restores stderr. */
void log_set_fd(int fd);

void log_write(enum log_level level, const struct log_ctx *ctx, const char *fmt, ...)
    PRINTF_FMT(3, 4);
void log_vwrite(enum log_level level, const struct log_ctx *ctx, const char *fmt, va_list ap)
    PRINTF_FMT(3, 0);

/* Write a finished line (a trailing newline is added if missing) in one write(2). */
void log_write_raw(struct str line);

/* Append " key=value" to b, quoting and escaping value as logfmt requires (", \, control
 * characters, spaces, '='). RC_OK or RC_LIMIT when b is full (then b is cut at a safe place). */
WARN_UNUSED int log_append_kv(struct buf *b, const char *key, struct str value);

#define log_at(level, ctx, ...)                     \
    do {                                            \
        if ((level) <= log_threshold) {             \
            log_write((level), (ctx), __VA_ARGS__); \
        }                                           \
    } while (0)

#define log_error(ctx, ...) log_at(LOG_ERROR, (ctx), __VA_ARGS__)
#define log_warn(ctx, ...)  log_at(LOG_WARN, (ctx), __VA_ARGS__)
#define log_info(ctx, ...)  log_at(LOG_INFO, (ctx), __VA_ARGS__)
#define log_debug(ctx, ...) log_at(LOG_DEBUG, (ctx), __VA_ARGS__)
