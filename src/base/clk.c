/* SPDX-License-Identifier: MIT */
/*
 * Clocks (clock_gettime) and thread-safe time formatting (gmtime_r).
 */
#include "base/clk.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t read_clock(clockid_t id, int64_t div)
{
    struct timespec ts;
    (void)clock_gettime(id, &ts);
    return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec) / div;
}

int64_t clk_realtime_ms(void)
{
    return read_clock(CLOCK_REALTIME, 1000000);
}

int64_t clk_mono_ns(void)
{
    return read_clock(CLOCK_MONOTONIC, 1);
}

int64_t clk_mono_us(void)
{
    return read_clock(CLOCK_MONOTONIC, 1000);
}

int64_t clk_mono_ms(void)
{
    return read_clock(CLOCK_MONOTONIC, 1000000);
}

void clk_fmt_http_date(int64_t epoch_s, char out[30])
{
    static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    time_t t = (time_t)epoch_s;
    struct tm tm;
    (void)gmtime_r(&t, &tm);
    char tmp[64];
    (void)snprintf(tmp, sizeof(tmp), "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7],
                   tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                   tm.tm_sec);
    memcpy(out, tmp, 29);
    out[29] = '\0';
}

void clk_fmt_iso8601_ms(int64_t epoch_ms, char out[32])
{
    int64_t s = epoch_ms / 1000;
    int64_t ms = epoch_ms % 1000;
    if (ms < 0) {
        ms += 1000;
        s -= 1;
    }
    time_t t = (time_t)s;
    struct tm tm;
    (void)gmtime_r(&t, &tm);
    char tmp[96];
    (void)snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)ms);
    memcpy(out, tmp, 24);
    out[24] = '\0';
}
