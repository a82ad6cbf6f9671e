/* SPDX-License-Identifier: MIT */
/*
 * The request model's helpers and the default limits (spec/10-http.md §2.3).
 * Thread contract: any thread (pure functions).
 */
#include "base/str.h"
#include "http/http.h"

bool http_request_header(const struct http_request *req, struct str name, struct str *out_value)
{
    for (size_t i = 0; i < req->header_count; i++) {
        if (str_eq_nocase(req->headers[i].name, name)) {
            *out_value = req->headers[i].value;
            return true;
        }
    }
    *out_value = STR_NULL;
    return false;
}

void http_limits_default(struct http_limits *l)
{
    l->max_header_bytes = (size_t)64 * 1024;
    l->max_headers = 100;
    l->max_body_bytes = (size_t)10 * 1024 * 1024;
    l->header_timeout_ms = (int64_t)10 * 1000;
    l->idle_timeout_ms = (int64_t)60 * 1000;
    l->max_connections = 10000;
}
