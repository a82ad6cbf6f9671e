/* SPDX-License-Identifier: MIT */
/*
 * llhttp glue. llhttp is paused at the end of the head when a body follows and at the end of
 * every message, so the caller regains control per request (pipelining, 100-continue, 413
 * before the body). The bytes of the request line and headers are copied span by span into
 * one head buffer in the request's arena; header offsets are kept aside and turned into slices
 * when the head is complete. Limits: head bytes (431), header count (431), body bytes (413,
 * decided from Content-Length before any body byte). Thread contract: one thread at a time.
 */
#include "http/http_parse.h"

#include <string.h>

#include <llhttp.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/clk.h"
#include "base/mem.h"
#include "base/rc.h"
#include "base/rnd.h"
#include "http/http_internal.h"

#define HEAD_FIRST_CAP 1024

struct hdr_off {
    uint32_t name_off;
    uint32_t name_len;
    uint32_t val_off;
    uint32_t val_len;
};

enum {
    ERR_NONE,
    ERR_HEADERS, /* 431 */
    ERR_BODY,    /* 413 */
    ERR_CHUNK,   /* 400: chunk data not followed by CRLF */
    ERR_SYNTAX,  /* 400: a header name or value llhttp lets through in loose mode */
};

struct http_parser {
    llhttp_t ll;
    struct http_limits lim;
    http_parser_arena_fn *get_arena;
    void *get_arena_arg;

    struct arena *arena;      /* of the request in progress; NULL between requests */
    struct http_request *req; /* in arena */
    char *head;               /* request-target and header bytes, in arena */
    size_t head_len;
    size_t head_cap;
    size_t head_bytes; /* wire bytes of the head so far (limit) */
    char head_tail[4]; /* the last 4 wire bytes of the head: must be CRLF CRLF */
    uint32_t url_off;
    uint32_t url_len;
    struct hdr_off *hdrs; /* max_headers entries, heap, reused */
    size_t hdr_count;
    bool in_value; /* the last header span was a value */
    bool in_message;
    bool in_head;
    bool expect_continue;
    bool upgrade;
    bool chunked;
    char *body; /* Content-Length body, in arena */
    size_t body_len;
    struct buf chunked_body; /* chunked body, heap, moved to the arena at completion */
    uint64_t chunk_left;     /* data bytes left in the current chunk */
    int crlf_need;           /* CRLF bytes after chunk data still to check (0..2) */
    const char *exec_end;    /* end of the buffer given to llhttp_execute */
    int err;                 /* ERR_* of our own limits */
    bool failed;
    int fail_status;
    const char *fail_code;
    const char *fail_msg;
};

static struct http_parser *from_ll(llhttp_t *ll)
{
    return CONTAINER_OF(ll, struct http_parser, ll);
}

/* ------------------------------------------------------------------ request ids */

static const char id_alphabet[33] = "0123456789abcdefghjkmnpqrstvwxyz";

struct id_pool {
    unsigned char bytes[4096];
    size_t pos;
};

static _Thread_local struct id_pool id_pool = { .pos = sizeof(id_pool.bytes) };

void http_request_id_make(char out[31])
{
    if (id_pool.pos + 26 > sizeof(id_pool.bytes)) {
        rnd_bytes(id_pool.bytes, sizeof(id_pool.bytes));
        id_pool.pos = 0;
    }
    memcpy(out, "req_", 4);
    for (size_t i = 0; i < 26; i++) {
        out[4 + i] = id_alphabet[id_pool.bytes[id_pool.pos + i] & 31];
    }
    id_pool.pos += 26;
    out[30] = '\0';
}

/* ------------------------------------------------------------------ callbacks */

static int fail_limit(struct http_parser *p, int which)
{
    p->err = which;
    return HPE_USER;
}

/* Append a span of the head; false when the head limit is passed. */
static bool head_append(struct http_parser *p, const char *at, size_t len)
{
    if (p->head_len + len > p->lim.max_header_bytes) {
        return false;
    }
    if (p->head_len + len > p->head_cap) {
        size_t cap = p->head_cap * 2;
        while (cap < p->head_len + len) {
            cap *= 2;
        }
        if (cap > p->lim.max_header_bytes) {
            cap = p->lim.max_header_bytes;
        }
        char *n = arena_alloc(p->arena, cap);
        memcpy(n, p->head, p->head_len);
        p->head = n;
        p->head_cap = cap;
    }
    memcpy(p->head + p->head_len, at, len);
    p->head_len += len;
    return true;
}

static int on_message_begin(llhttp_t *ll)
{
    struct http_parser *p = from_ll(ll);
    if (p->arena == NULL) {
        p->arena = p->get_arena(p->get_arena_arg);
    }
    p->req = arena_calloc(p->arena, 1, sizeof(*p->req));
    p->req->start_ns = clk_mono_ns();
    p->head_cap =
        HEAD_FIRST_CAP < p->lim.max_header_bytes ? HEAD_FIRST_CAP : p->lim.max_header_bytes;
    p->head = arena_alloc(p->arena, p->head_cap);
    p->head_len = 0;
    p->url_off = 0;
    p->url_len = 0;
    p->hdr_count = 0;
    p->in_value = false;
    p->in_message = true;
    p->in_head = true;
    p->expect_continue = false;
    p->upgrade = false;
    p->chunked = false;
    p->body = NULL;
    p->body_len = 0;
    buf_reset(&p->chunked_body);
    return HPE_OK;
}

static int on_url(llhttp_t *ll, const char *at, size_t len)
{
    struct http_parser *p = from_ll(ll);
    if (p->url_len == 0) {
        p->url_off = (uint32_t)p->head_len;
    }
    if (!head_append(p, at, len)) {
        return fail_limit(p, ERR_HEADERS);
    }
    p->url_len += (uint32_t)len;
    return HPE_OK;
}

static int on_header_field(llhttp_t *ll, const char *at, size_t len)
{
    struct http_parser *p = from_ll(ll);
    if (p->hdr_count == 0 || p->in_value) {
        if (p->hdr_count == p->lim.max_headers) {
            return fail_limit(p, ERR_HEADERS);
        }
        struct hdr_off *h = &p->hdrs[p->hdr_count++];
        h->name_off = (uint32_t)p->head_len;
        h->name_len = 0;
        h->val_off = 0;
        h->val_len = 0;
        p->in_value = false;
    }
    if (!head_append(p, at, len)) {
        return fail_limit(p, ERR_HEADERS);
    }
    p->hdrs[p->hdr_count - 1].name_len += (uint32_t)len;
    return HPE_OK;
}

static int on_header_value(llhttp_t *ll, const char *at, size_t len)
{
    struct http_parser *p = from_ll(ll);
    struct hdr_off *h = &p->hdrs[p->hdr_count - 1];
    if (!p->in_value) {
        h->val_off = (uint32_t)p->head_len;
        p->in_value = true;
    }
    if (!head_append(p, at, len)) {
        return fail_limit(p, ERR_HEADERS);
    }
    h->val_len += (uint32_t)len;
    return HPE_OK;
}

static int on_header_value_complete(llhttp_t *ll)
{
    struct http_parser *p = from_ll(ll);
    if (p->hdr_count == 0) {
        return HPE_OK;
    }
    struct hdr_off *h = &p->hdrs[p->hdr_count - 1];
    if (!p->in_value) {
        /* An empty value: no value span was seen. */
        h->val_off = (uint32_t)p->head_len;
        h->val_len = 0;
        p->in_value = true;
    }
    char *name = p->head + h->name_off;
    if (!http_header_name_is_valid(str_make(name, h->name_len))) {
        return fail_limit(p, ERR_SYNTAX);
    }
    for (uint32_t i = 0; i < h->name_len; i++) {
        name[i] = str_lower_char(name[i]);
    }
    /* Trim OWS that llhttp leaves at the end of values. */
    while (h->val_len > 0 && (p->head[h->val_off + h->val_len - 1] == ' ' ||
                              p->head[h->val_off + h->val_len - 1] == '\t')) {
        h->val_len--;
    }
    while (h->val_len > 0 && (p->head[h->val_off] == ' ' || p->head[h->val_off] == '\t')) {
        h->val_off++;
        h->val_len--;
    }
    if (!http_header_value_is_valid(str_make(p->head + h->val_off, h->val_len))) {
        return fail_limit(p, ERR_SYNTAX);
    }
    if (h->name_len == 6 && memcmp(name, "expect", 6) == 0 &&
        str_eq_nocase(str_make(p->head + h->val_off, h->val_len), STR("100-continue"))) {
        p->expect_continue = true;
    }
    return HPE_OK;
}

/* Skip "http://authority" of an absolute-form target (RFC 9112 §3.2.2: servers accept it);
 * the path starts at the next '/' (none: the path is "/"). */
static struct str origin_form(struct str t)
{
    struct str rest;
    if (str_starts_with(t, STR("http://"))) {
        rest = str_sub(t, 7, t.len);
    } else if (str_starts_with(t, STR("https://"))) {
        rest = str_sub(t, 8, t.len);
    } else {
        return t;
    }
    size_t i = 0;
    while (i < rest.len && rest.ptr[i] != '/' && rest.ptr[i] != '?' && rest.ptr[i] != '#') {
        i++;
    }
    return str_sub(rest, i, rest.len);
}

/* Set raw_path (up to '?' or '#') and query (after '?', up to '#') from the target. */
static void split_target(struct http_request *r)
{
    struct str t = origin_form(r->target);
    size_t path_end = t.len;
    for (size_t i = 0; i < t.len; i++) {
        if (t.ptr[i] == '?' || t.ptr[i] == '#') {
            path_end = i;
            break;
        }
    }
    r->raw_path = str_sub(t, 0, path_end);
    if (r->raw_path.len == 0 && t.ptr != r->target.ptr) {
        r->raw_path = STR("/"); /* "http://host" means "/" */
    }
    r->query = str_make(t.ptr + path_end, 0);
    if (path_end < t.len && t.ptr[path_end] == '?') {
        struct str q = str_sub(t, path_end + 1, t.len);
        ptrdiff_t hash = str_find_char(q, '#');
        if (hash >= 0) {
            q.len = (size_t)hash;
        }
        r->query = q;
    }
}

/* Build the request's slices from the head buffer. */
static void finish_head(struct http_parser *p)
{
    struct http_request *r = p->req;
    struct http_header *hs = arena_alloc(p->arena, (p->hdr_count ? p->hdr_count : 1) * sizeof(*hs));
    for (size_t i = 0; i < p->hdr_count; i++) {
        hs[i].name = str_make(p->head + p->hdrs[i].name_off, p->hdrs[i].name_len);
        hs[i].value = str_make(p->head + p->hdrs[i].val_off, p->hdrs[i].val_len);
    }
    r->headers = hs;
    r->header_count = p->hdr_count;
    r->method = str_from_cstr(llhttp_method_name((llhttp_method_t)p->ll.method));
    r->target = str_make(p->head + p->url_off, p->url_len);
    split_target(r);
    r->version_minor = p->ll.http_minor;
    char *id = arena_alloc(p->arena, 31);
    http_request_id_make(id);
    r->request_id = str_make(id, 30);
    p->in_head = false;
}

static int on_headers_complete(llhttp_t *ll)
{
    struct http_parser *p = from_ll(ll);
    finish_head(p);
    p->upgrade = ll->upgrade != 0;
    p->chunked = (ll->flags & F_CHUNKED) != 0;
    bool has_body = p->chunked || ((ll->flags & F_CONTENT_LENGTH) && ll->content_length > 0);
    if (!has_body) {
        return HPE_OK;
    }
    if (!p->chunked) {
        if (ll->content_length > p->lim.max_body_bytes) {
            return fail_limit(p, ERR_BODY);
        }
        p->body = arena_alloc(p->arena, (size_t)ll->content_length + 1);
    }
    return HPE_PAUSED;
}

/*
 * llhttp 8.1 (not built in strict mode) skips the two bytes after chunk data without looking
 * at them, which lets "5\r\nhelloXX0\r\n\r\n" through: a request smuggling vector. Check them
 * here, across buffer boundaries if need be.
 */
static bool check_crlf(struct http_parser *p, const char *at, const char *end)
{
    while (p->crlf_need > 0 && at < end) {
        char want = p->crlf_need == 2 ? '\r' : '\n';
        if (*at != want) {
            return false;
        }
        at++;
        p->crlf_need--;
    }
    return true;
}

static int on_chunk_header(llhttp_t *ll)
{
    struct http_parser *p = from_ll(ll);
    p->chunk_left = ll->content_length;
    p->crlf_need = 0;
    return HPE_OK;
}

static int on_body(llhttp_t *ll, const char *at, size_t len)
{
    struct http_parser *p = from_ll(ll);
    if (p->chunked) {
        if (buf_try_append(&p->chunked_body, at, len) != RC_OK) {
            return fail_limit(p, ERR_BODY);
        }
        p->chunk_left -= len < p->chunk_left ? len : p->chunk_left;
        if (p->chunk_left == 0) {
            p->crlf_need = 2;
            if (!check_crlf(p, at + len, p->exec_end)) {
                return fail_limit(p, ERR_CHUNK);
            }
        }
        return HPE_OK;
    }
    memcpy(p->body + p->body_len, at, len);
    p->body_len += len;
    return HPE_OK;
}

static int on_message_complete(llhttp_t *ll)
{
    struct http_parser *p = from_ll(ll);
    struct http_request *r = p->req;
    if (p->chunked) {
        size_t n = 0;
        char *b = buf_take(&p->chunked_body, &n);
        arena_defer(p->arena, mem_free, b);
        r->body = str_make(b, n);
    } else if (p->body != NULL) {
        p->body[p->body_len] = '\0';
        r->body = str_make(p->body, p->body_len);
    } else {
        r->body = str_make("", 0);
    }
    r->keep_alive = llhttp_should_keep_alive(ll) != 0 && !p->upgrade;
    p->in_message = false;
    return HPE_PAUSED;
}

static const llhttp_settings_t parse_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_chunk_header = on_chunk_header,
    .on_message_complete = on_message_complete,
};

/* ------------------------------------------------------------------ API */

struct http_parser *http_parser_new(const struct http_limits *lim, http_parser_arena_fn *get_arena,
                                    void *arg)
{
    struct http_parser *p = mem_calloc(1, sizeof(*p));
    p->lim = *lim;
    if (p->lim.max_headers == 0) {
        p->lim.max_headers = 1;
    }
    if (p->lim.max_header_bytes < 64) {
        p->lim.max_header_bytes = 64;
    }
    p->get_arena = get_arena;
    p->get_arena_arg = arg;
    p->hdrs = mem_calloc(p->lim.max_headers, sizeof(*p->hdrs));
    buf_init(&p->chunked_body, p->lim.max_body_bytes);
    llhttp_init(&p->ll, HTTP_REQUEST, &parse_settings);
    return p;
}

void http_parser_free(struct http_parser *p)
{
    if (p == NULL) {
        return;
    }
    arena_free(p->arena);
    buf_fini(&p->chunked_body);
    mem_free(p->hdrs);
    mem_free(p);
}

static int fail(struct http_parser *p, int status, const char *code, const char *msg)
{
    p->failed = true;
    p->fail_status = status;
    p->fail_code = code;
    p->fail_msg = msg;
    return HTTP_PARSE_ERROR;
}

static int fail_from_ll(struct http_parser *p, llhttp_errno_t e)
{
    if (p->err == ERR_HEADERS) {
        return fail(p, 431, "HEADERS_TOO_LARGE", "request line and headers are too large");
    }
    if (p->err == ERR_SYNTAX) {
        return fail(p, 400, "BAD_REQUEST", "invalid header name or value");
    }
    if (p->err == ERR_CHUNK) {
        return fail(p, 400, "BAD_REQUEST", "chunk data is not followed by CRLF");
    }
    if (p->err == ERR_BODY) {
        return fail(p, 413, "PAYLOAD_TOO_LARGE", "request body is too large");
    }
    (void)e;
    const char *reason = llhttp_get_error_reason(&p->ll);
    return fail(p, 400, "BAD_REQUEST", reason ? reason : "malformed request");
}

/*
 * Count the consumed head bytes (every byte from the start of a message to the end of its
 * head belongs to it, llhttp being paused there: padding llhttp skips without a span counts
 * too) and check that a completed head ends with CRLF CRLF (llhttp 8.1 in loose mode ends it
 * at CR + any byte). False when the request fails (p records why).
 */
static bool account_head(struct http_parser *p, const char *data, size_t consumed, llhttp_errno_t e)
{
    if (consumed >= 4) {
        memcpy(p->head_tail, data + consumed - 4, 4);
    } else if (consumed > 0) {
        memmove(p->head_tail, p->head_tail + consumed, 4 - consumed);
        memcpy(p->head_tail + 4 - consumed, data, consumed);
    }
    bool head_done = (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) && !p->in_head;
    if (head_done && memcmp(p->head_tail, "\r\n\r\n", 4) != 0) {
        fail(p, 400, "BAD_REQUEST", "the head does not end with CRLF CRLF");
        return false;
    }
    p->head_bytes += consumed;
    if (p->head_bytes > p->lim.max_header_bytes) {
        fail(p, 431, "HEADERS_TOO_LARGE", "request line and headers are too large");
        return false;
    }
    return true;
}

int http_parser_execute(struct http_parser *p, const char *data, size_t len, size_t *out_consumed)
{
    *out_consumed = 0;
    if (p->failed) {
        return HTTP_PARSE_ERROR;
    }
    if (p->upgrade && !p->in_message) {
        /* After an upgrade request the stream is not HTTP/1.1 any more. */
        return fail(p, 400, "BAD_REQUEST", "data after an upgrade request");
    }
    if (llhttp_get_errno(&p->ll) == HPE_PAUSED) {
        llhttp_resume(&p->ll);
    }
    if (len == 0) {
        return HTTP_PARSE_MORE;
    }
    if (p->crlf_need > 0 && !check_crlf(p, data, data + len)) {
        return fail(p, 400, "BAD_REQUEST", "chunk data is not followed by CRLF");
    }
    bool was_in_head = p->in_head || !p->in_message;
    p->exec_end = data + len;
    llhttp_errno_t e = llhttp_execute(&p->ll, data, len);
    size_t consumed = len;
    if (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) {
        consumed = (size_t)(llhttp_get_error_pos(&p->ll) - data);
    }
    *out_consumed = consumed;
    if (e != HPE_OK && e != HPE_PAUSED && e != HPE_PAUSED_UPGRADE) {
        return fail_from_ll(p, e);
    }
    if (was_in_head && !account_head(p, data, consumed, e)) {
        return HTTP_PARSE_ERROR;
    }
    if (e == HPE_PAUSED_UPGRADE) {
        p->upgrade = true;
        if (p->in_message) {
            /* Not reached with llhttp 8: the message completes first. */
            return fail(p, 400, "BAD_REQUEST", "unsupported upgrade");
        }
        p->head_bytes = 0;
        return HTTP_PARSE_REQUEST;
    }
    if (e == HPE_PAUSED) {
        if (p->in_message) {
            /* Paused at the end of the head: a body follows. */
            p->head_bytes = 0;
            return HTTP_PARSE_BODY_NEXT;
        }
        p->head_bytes = 0;
        return HTTP_PARSE_REQUEST;
    }
    return HTTP_PARSE_MORE;
}

bool http_parser_expects_continue(const struct http_parser *p)
{
    return p->expect_continue;
}

const struct http_request *http_parser_head(const struct http_parser *p, struct arena **out_arena)
{
    *out_arena = p->arena;
    return p->req;
}

int64_t http_parser_content_length(const struct http_parser *p)
{
    if (p->chunked || !(p->ll.flags & F_CONTENT_LENGTH)) {
        return -1;
    }
    return (int64_t)p->ll.content_length;
}

void http_parser_take(struct http_parser *p, struct http_request **out_req,
                      struct arena **out_arena)
{
    *out_req = p->req;
    *out_arena = p->arena;
    p->req = NULL;
    p->arena = NULL;
    p->head = NULL;
}

bool http_parser_is_upgrade(const struct http_parser *p)
{
    return p->upgrade;
}

bool http_parser_in_message(const struct http_parser *p)
{
    return p->in_message;
}

bool http_parser_in_head(const struct http_parser *p)
{
    return p->in_message && p->in_head;
}

void http_parser_error(const struct http_parser *p, int *out_status, const char **out_code,
                       const char **out_message)
{
    *out_status = p->failed ? p->fail_status : 0;
    *out_code = p->failed ? p->fail_code : "";
    *out_message = p->failed ? p->fail_msg : "";
}
