/* SPDX-License-Identifier: MIT */
/*
 * Clocks and time formatting. `clock_` is taken by libc, hence `clk_`.
 * Thread contract: any thread.
 */
#pragma once

#include <stdint.h>

/* Wall-clock time in milliseconds since the epoch. */
int64_t clk_realtime_ms(void);

/* Monotonic time in nanoseconds / microseconds / milliseconds (arbitrary origin). */
int64_t clk_mono_ns(void);
int64_t clk_mono_us(void);
int64_t clk_mono_ms(void);

/* Format epoch seconds as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); out holds 30. */
void clk_fmt_http_date(int64_t epoch_s, char out[30]);

/* Format epoch ms as ISO 8601 UTC with milliseconds ("2026-01-05T09:00:00.000Z"); out holds 25. */
void clk_fmt_iso8601_ms(int64_t epoch_ms, char out[32]);
