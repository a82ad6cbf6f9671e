/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the router (http_router.c). The input is lines: "P<method> <pattern>"
 * adds a route, "M<method> <path>" matches a request. Checks: add returns only OK, INVAL or
 * CONFLICT; an added pattern passes http_router_check_pattern and adding it again conflicts;
 * a match points at an added route whose pattern it reports, a trailing-* value is a suffix of
 * the path, and parameter counts stay within HTTP_ROUTE_PARAMS_MAX.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/diag.h"
#include "base/rc.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ROUTES 64

struct added {
    struct str pattern;
};

static void check_match(const struct http_match *m, struct str path, const struct added *routes,
                        size_t count)
{
    if (m->kind != HTTP_MATCH_FOUND) {
        if (m->kind == HTTP_MATCH_NO_METHOD && m->allow.len == 0) {
            abort();
        }
        return;
    }
    const struct added *a = m->target;
    if (a < routes || a >= routes + count || !str_eq(a->pattern, m->pattern)) {
        abort();
    }
    if (m->param_count > HTTP_ROUTE_PARAMS_MAX) {
        abort();
    }
    for (size_t i = 0; i < m->param_count; i++) {
        const struct http_param *p = &m->params[i];
        if (str_eq(p->name, STR("*")) && !str_ends_with(path, p->value)) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_router *r = http_router_new();
    struct arena *a = arena_new(0);
    struct added routes[MAX_ROUTES];
    size_t count = 0;
    struct str rest = str_make((const char *)data, size);
    while (rest.len > 0) {
        struct str line;
        (void)str_split_char(rest, '\n', &line, &rest);
        if (line.len < 2) {
            continue;
        }
        struct str body = str_sub(line, 1, line.len);
        struct str method;
        struct str arg;
        if (!str_split_char(body, ' ', &method, &arg)) {
            continue;
        }
        struct diag d;
        if (line.ptr[0] == 'P' && count < MAX_ROUTES) {
            routes[count].pattern = arg;
            int rc = http_router_add(r, method, arg, &routes[count], &d);
            if (rc != RC_OK && rc != RC_INVAL && rc != RC_CONFLICT) {
                abort();
            }
            if (rc == RC_OK) {
                if (http_router_check_pattern(arg, &d) != RC_OK) {
                    abort();
                }
                if (http_router_add(r, method, arg, &routes[count], &d) != RC_CONFLICT) {
                    abort();
                }
                count++;
            }
        } else if (line.ptr[0] == 'M') {
            struct http_match m;
            http_router_match(r, method, arg, a, &m);
            check_match(&m, arg, routes, count);
        }
    }
    arena_free(a);
    http_router_free(r);
    return 0;
}
