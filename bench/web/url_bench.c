/* SPDX-License-Identifier: MIT */
/*
 * Benchmark (not a test) for base/url and base/textcodec, compared with Node by
 * bench/web/run.sh. Prints one "name ops_per_s" line per workload:
 *   url_parse      parse each URL of bench/web/urls.h and read href (per URL)
 *   url_params     parse the query of each URL into a list and get("limit") (per URL)
 *   text_roundtrip encode 1 KiB of mixed text to UTF-8 and decode it back (per round trip)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clk.h"
#include "base/rc.h"
#include "base/textcodec.h"
#include "base/url.h"
#include "base/url_host.h"
#include "base/url_params.h"
#include "urls.h"

static volatile size_t sink;

static double run_parse(int64_t budget_ns)
{
    int64_t start = clk_mono_ns();
    size_t ops = 0;
    while (clk_mono_ns() - start < budget_ns) {
        for (size_t i = 0; i < ARRAY_LEN(bench_urls); i++) {
            struct url *u = NULL;
            if (url_parse(str_from_cstr(bench_urls[i]), NULL, 0, &u, NULL) == RC_OK) {
                sink += url_href(u).len;
            }
            url_free(u);
        }
        ops += ARRAY_LEN(bench_urls);
    }
    return (double)ops * 1e9 / (double)(clk_mono_ns() - start);
}

/* Length of the "limit" parameter in u's query string (0 if absent); q is scratch space. */
static size_t search_limit_len(const struct url *u, struct buf *q)
{
    size_t len = 0;
    buf_reset(q);
    if (url_get(u, URL_SEARCH, q) == RC_OK) {
        struct url_params *p = url_params_new(0);
        struct str s = buf_str(q);
        struct str v;
        if (url_params_parse(p, str_sub(s, s.len ? 1 : 0, s.len)) == RC_OK &&
            url_params_get(p, STR("limit"), &v)) {
            len = v.len;
        }
        url_params_free(p);
    }
    return len;
}

static double run_params(int64_t budget_ns)
{
    int64_t start = clk_mono_ns();
    size_t ops = 0;
    struct buf q;
    buf_init(&q, 1 << 16);
    while (clk_mono_ns() - start < budget_ns) {
        for (size_t i = 0; i < ARRAY_LEN(bench_urls); i++) {
            struct url *u = NULL;
            if (url_parse(str_from_cstr(bench_urls[i]), NULL, 0, &u, NULL) != RC_OK) {
                continue;
            }
            sink += search_limit_len(u, &q);
            url_free(u);
        }
        ops += ARRAY_LEN(bench_urls);
    }
    buf_fini(&q);
    return (double)ops * 1e9 / (double)(clk_mono_ns() - start);
}

static double run_text(int64_t budget_ns)
{
    /* 1 KiB of UTF-16 text: ASCII with some Latin-1, CJK and an emoji, as a JS string. */
    uint16_t units[1024];
    static const uint16_t pattern[] = { 'K',    'i',    'l', 'n', ' ', 0xE9, 0x65E5, 0x672C,
                                        0xD83D, 0xDE00, 'a', 'b', 'c', ' ',  '1',    '2' };
    for (size_t i = 0; i < ARRAY_LEN(units); i++) {
        units[i] = pattern[i % ARRAY_LEN(pattern)];
    }
    struct buf enc;
    struct buf dec;
    buf_init(&enc, 1 << 16);
    buf_init(&dec, 1 << 16);
    int64_t start = clk_mono_ns();
    size_t ops = 0;
    while (clk_mono_ns() - start < budget_ns) {
        for (int k = 0; k < 100; k++) {
            struct textcodec_decoder d;
            buf_reset(&enc);
            buf_reset(&dec);
            textcodec_decoder_init(&d, TEXTCODEC_UTF8, false, false);
            if (textcodec_utf16_to_utf8(units, ARRAY_LEN(units), &enc) == RC_OK &&
                textcodec_decode(&d, buf_str(&enc), false, &dec) == RC_OK) {
                sink += dec.len;
            }
        }
        ops += 100;
    }
    buf_fini(&dec);
    buf_fini(&enc);
    return (double)ops * 1e9 / (double)(clk_mono_ns() - start);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? strtod(argv[1], NULL) : 2.0;
    int64_t budget = (int64_t)(seconds * 1e9);
    printf("url_parse %.0f\n", run_parse(budget));
    printf("url_params %.0f\n", run_params(budget));
    printf("text_roundtrip %.0f\n", run_text(budget));
    return 0;
}
