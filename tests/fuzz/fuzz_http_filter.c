/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the filter rule (http_filter.c): both inputs come from clients or
 * scripts. The first byte picks the mode and the literal flag, the rest up to the first '\n'
 * is a query string (criteria), the remainder a filter as JSON. Checks: only the documented
 * return codes, no output on failure, criteria within their limits, a match that does not
 * depend on the reference count, and the empty-criteria rule of §3.3 (subset and overlap
 * always deliver to C = {}).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/rc.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    enum http_filter_mode mode = (enum http_filter_mode)(data[0] % 3);
    bool literal = (data[0] & 0x10) != 0;
    struct str rest = str_make((const char *)data + 1, size - 1);
    struct str query;
    struct str json;
    str_split_char(rest, '\n', &query, &json);

    struct diag d;
    struct http_criteria *c = NULL;
    int rc = http_criteria_from_query(query, &c, &d);
    if (rc != RC_OK && (rc != RC_LIMIT || c != NULL)) {
        abort();
    }
    if (c != NULL && http_criteria_count(c) > HTTP_CRITERIA_MAX_KEYS) {
        abort();
    }
    struct http_filter *f = NULL;
    rc = http_filter_parse_json(json, mode, literal, &f, &d);
    if (rc != RC_OK && ((rc != RC_INVAL && rc != RC_LIMIT) || f != NULL)) {
        abort();
    }
    if (f != NULL) {
        bool first = http_filter_match(f, c);
        struct http_filter *g = http_filter_ref(f);
        http_filter_unref(f);
        if (http_filter_match(g, c) != first) {
            abort();
        }
        if (mode != HTTP_FILTER_SELECT && !http_filter_match(g, NULL)) {
            abort();
        }
        http_filter_unref(g);
    }
    http_criteria_free(c);
    return 0;
}
