/* SPDX-License-Identifier: MIT */
/*
 * Response serialisation: the status line, validated headers, Kiln's own headers (Date cached
 * per second per thread, Server, X-Request-Id, Content-Length, Connection) and optionally the
 * body, in one arena buffer sized exactly before it is filled. Also the standard error body,
 * the status reason table and the rc -> status table (STYLE.md B.5 rule 6).
 * Thread contract: any thread.
 */
#include <string.h>

#include "base/arena.h"
#include "base/clk.h"
#include "base/diag.h"
#include "base/json.h"
#include "base/rc.h"
#include "http/http.h"
#include "http/http_internal.h"

/* ------------------------------------------------------------------ status tables */

struct status_reason {
    int status;
    const char *reason;
};

static const struct status_reason reasons[] = {
    { 100, "Continue" },
    { 101, "Switching Protocols" },
    { 200, "OK" },
    { 201, "Created" },
    { 202, "Accepted" },
    { 203, "Non-Authoritative Information" },
    { 204, "No Content" },
    { 205, "Reset Content" },
    { 206, "Partial Content" },
    { 300, "Multiple Choices" },
    { 301, "Moved Permanently" },
    { 302, "Found" },
    { 303, "See Other" },
    { 304, "Not Modified" },
    { 307, "Temporary Redirect" },
    { 308, "Permanent Redirect" },
    { 400, "Bad Request" },
    { 401, "Unauthorized" },
    { 402, "Payment Required" },
    { 403, "Forbidden" },
    { 404, "Not Found" },
    { 405, "Method Not Allowed" },
    { 406, "Not Acceptable" },
    { 408, "Request Timeout" },
    { 409, "Conflict" },
    { 410, "Gone" },
    { 411, "Length Required" },
    { 412, "Precondition Failed" },
    { 413, "Payload Too Large" },
    { 414, "URI Too Long" },
    { 415, "Unsupported Media Type" },
    { 416, "Range Not Satisfiable" },
    { 417, "Expectation Failed" },
    { 422, "Unprocessable Content" },
    { 426, "Upgrade Required" },
    { 428, "Precondition Required" },
    { 429, "Too Many Requests" },
    { 431, "Request Header Fields Too Large" },
    { 500, "Internal Server Error" },
    { 501, "Not Implemented" },
    { 502, "Bad Gateway" },
    { 503, "Service Unavailable" },
    { 504, "Gateway Timeout" },
    { 505, "HTTP Version Not Supported" },
};

const char *http_status_reason(int status)
{
    for (size_t i = 0; i < ARRAY_LEN(reasons); i++) {
        if (reasons[i].status == status) {
            return reasons[i].reason;
        }
    }
    return "Unknown";
}

int http_status_from_rc(int rc)
{
    switch (rc) {
    case RC_OK:
        return 200;
    case RC_INVAL:
    case RC_PROTO:
        return 400;
    case RC_DENIED:
        return 403;
    case RC_NOTFOUND:
        return 404;
    case RC_LIMIT:
        return 413;
    case RC_TIMEOUT:
        return 504;
    default:
        return 500;
    }
}

bool http_status_has_no_body(int status)
{
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

/* ------------------------------------------------------------------ validation */

static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool http_header_name_is_valid(struct str name)
{
    if (name.len == 0) {
        return false;
    }
    for (size_t i = 0; i < name.len; i++) {
        if (!is_tchar((unsigned char)name.ptr[i])) {
            return false;
        }
    }
    return true;
}

bool http_header_value_is_valid(struct str value)
{
    for (size_t i = 0; i < value.len; i++) {
        unsigned char c = (unsigned char)value.ptr[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------------ date cache */

struct date_cache {
    int64_t sec;
    char text[30];
};

static _Thread_local struct date_cache date_cache = { .sec = -1 };

struct str http_date_now(void)
{
    int64_t sec = clk_realtime_ms() / 1000;
    if (sec != date_cache.sec) {
        clk_fmt_http_date(sec, date_cache.text);
        date_cache.sec = sec;
    }
    return str_make(date_cache.text, 29);
}

/* ------------------------------------------------------------------ serialiser */

/* Headers Kiln always computes itself: values given by the caller are dropped. */
static bool is_managed(struct str name)
{
    switch (name.len) {
    case 10:
        return str_eq_nocase(name, STR("connection"));
    case 12:
        return str_eq_nocase(name, STR("x-request-id"));
    case 14:
        return str_eq_nocase(name, STR("content-length"));
    case 17:
        return str_eq_nocase(name, STR("transfer-encoding"));
    default:
        return false;
    }
}

static char *put(char *p, struct str s)
{
    memcpy(p, s.ptr, s.len);
    return p + s.len;
}

static char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (n > 0) {
        *p++ = tmp[--n];
    }
    return p;
}

/* What the caller's headers contribute: validity, size, and whether Date/Server are given. */
struct header_scan {
    size_t bytes;
    bool has_date;
    bool has_server;
};

static int scan_headers(const struct http_header *headers, size_t count, struct header_scan *out,
                        struct diag *d)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < count; i++) {
        struct str n = headers[i].name;
        struct str v = headers[i].value;
        if (!http_header_name_is_valid(n)) {
            return diag_set(d, RC_INVAL, "invalid response header name '%.*s'", STR_FMT(n));
        }
        if (!http_header_value_is_valid(v)) {
            return diag_set(d, RC_INVAL, "invalid value of response header '%.*s'", STR_FMT(n));
        }
        out->has_date = out->has_date || str_eq_nocase(n, STR("date"));
        out->has_server = out->has_server || str_eq_nocase(n, STR("server"));
        out->bytes += n.len + v.len + 4;
    }
    return RC_OK;
}

static char *put_header(char *p, struct str name, struct str value)
{
    p = put(p, name);
    *p++ = ':';
    *p++ = ' ';
    p = put(p, value);
    return put(p, STR("\r\n"));
}

/* Write the status line and every header (given and Kiln's) at p; returns the end. */
static char *put_head(char *p, const struct http_response_meta *m, struct str reason,
                      const struct http_header *headers, size_t header_count,
                      const struct header_scan *scan, struct str date, size_t body_len)
{
    p = put(p, STR("HTTP/1.1 "));
    p = put_u64(p, (uint64_t)m->status);
    *p++ = ' ';
    p = put(p, reason);
    p = put(p, STR("\r\n"));
    if (!scan->has_date) {
        p = put_header(p, STR("Date"), date);
    }
    if (!scan->has_server && m->server.len > 0) {
        p = put_header(p, STR("Server"), m->server);
    }
    for (size_t i = 0; i < header_count; i++) {
        if (!is_managed(headers[i].name)) {
            p = put_header(p, headers[i].name, headers[i].value);
        }
    }
    if (m->request_id.len > 0) {
        p = put_header(p, STR("X-Request-Id"), m->request_id);
    }
    if (m->streaming) {
        if (m->chunked && !http_status_has_no_body(m->status)) {
            p = put(p, STR("Transfer-Encoding: chunked\r\n"));
        }
    } else if (!http_status_has_no_body(m->status)) {
        p = put(p, STR("Content-Length: "));
        p = put_u64(p, body_len);
        p = put(p, STR("\r\n"));
    }
    if (m->upgrade) {
        return put(p, STR("Connection: Upgrade\r\n\r\n"));
    }
    return put(p, m->keep_alive ? STR("Connection: keep-alive\r\n\r\n")
                                : STR("Connection: close\r\n\r\n"));
}

int http_response_serialize(struct arena *a, const struct http_response_meta *m,
                            const struct http_header *headers, size_t header_count, struct str body,
                            bool with_body, struct str *out_bytes, bool *out_send_body,
                            struct diag *d)
{
    *out_bytes = STR_NULL;
    *out_send_body = false;
    if (m->status < 100 || m->status > 999) {
        return diag_set(d, RC_INVAL, "status %d is out of range", m->status);
    }
    struct header_scan scan;
    int rc = scan_headers(headers, header_count, &scan, d);
    if (rc != RC_OK) {
        return rc;
    }
    struct str reason = str_from_cstr(http_status_reason(m->status));
    struct str date = scan.has_date ? STR_NULL : http_date_now();
    bool send_body = !http_status_has_no_body(m->status) && !m->head_request && body.len > 0;
    /* status line (15 + reason), Content-Length (38), Connection (26), rounded up */
    size_t need = 96 + reason.len + scan.bytes + date.len + 8 + m->server.len + 10 +
                  m->request_id.len + 16 + (with_body && send_body ? body.len : 0);
    char *buf = arena_alloc(a, need);
    char *p = put_head(buf, m, reason, headers, header_count, &scan, date, body.len);
    if (with_body && send_body) {
        p = put(p, body);
    }
    ASSERT((size_t)(p - buf) <= need);
    *out_bytes = str_make(buf, (size_t)(p - buf));
    *out_send_body = send_body;
    return RC_OK;
}

int http_error_body(struct buf *out, struct str code, struct str message, struct str details_json,
                    struct str request_id)
{
    struct json_writer w;
    json_writer_init(&w, out);
    json_write_begin_object(&w);
    json_write_key(&w, STR("error"));
    json_write_begin_object(&w);
    json_write_key(&w, STR("code"));
    json_write_string(&w, code);
    json_write_key(&w, STR("message"));
    json_write_string(&w, message);
    json_write_key(&w, STR("details"));
    if (details_json.len > 0) {
        json_write_raw(&w, details_json);
    } else {
        json_write_null(&w);
    }
    json_write_key(&w, STR("requestId"));
    json_write_string(&w, request_id);
    json_write_end_object(&w);
    json_write_end_object(&w);
    return json_writer_rc(&w);
}
