/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for base/url. The input is "url", or "url\nbase", or "url\nbase\nvalue".
 * Checks: parsing never crashes; a parsed URL's href reparses (without a base) to the same
 * href (the standard's idempotence); every getter works; a setter keeps the URL parseable;
 * URLSearchParams' serialisation of the query reparses to the same list; the component offsets
 * (url_get_offsets) slice href into exactly what the getters return; whenever the fast path
 * (url_parse_canonical, url_parse_fast) accepts an input, the full parser (url_parse_full)
 * gives the same href (the input itself for url_parse_canonical) with the same offsets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/rc.h"
#include "base/str.h"
#include "base/url.h"
#include "base/url_host.h"
#include "base/url_params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond) {
        abort();
    }
}

/* The href of u reparses to itself. */
static void check_idempotent(const struct url *u)
{
    struct url *again = NULL;
    check(url_parse(url_href(u), NULL, 0, &again, NULL) == RC_OK);
    check(str_eq(url_href(u), url_href(again)));
    url_free(again);
}

/* The getter of part equals href[from, to) (or "" when the slice is "?"/"#" alone for
 * search and hash). */
static void check_slice(const struct url *u, enum url_part part, size_t from, size_t to)
{
    struct str h = url_href(u);
    check(from <= to && to <= h.len);
    struct str want = str_sub(h, from, to - from);
    if ((part == URL_SEARCH || part == URL_HASH) && want.len == 1) {
        want = STR("");
    }
    struct buf b;
    buf_init(&b, (size_t)1 << 24);
    check(url_get(u, part, &b) == RC_OK);
    check(str_eq(buf_str(&b), want));
    buf_fini(&b);
}

static void check_offsets(const struct url *u)
{
    struct url_offsets o;
    url_get_offsets(u, &o);
    size_t len = url_href(u).len;
    check_slice(u, URL_PROTOCOL, 0, o.scheme_end + 1);
    check_slice(u, URL_USERNAME, o.username_start, o.username_end);
    check_slice(u, URL_PASSWORD, o.password_start, o.password_end);
    check_slice(u, URL_HOSTNAME, o.host_start, o.host_end);
    check_slice(u, URL_HOST, o.host_start, o.port_end);
    check_slice(u, URL_PORT, o.port_end > o.host_end ? o.host_end + 1 : o.host_end, o.port_end);
    check_slice(u, URL_PATHNAME, o.path_start, o.query_start);
    check_slice(u, URL_SEARCH, o.query_start, o.fragment_start);
    check_slice(u, URL_HASH, o.fragment_start, len);
}

/* The fast path accepts only what the full parser returns unchanged (url_parse_canonical), or
 * what it returns without dot segments (url_parse_fast), with the same offsets. */
static void check_fast(struct str input, const struct url *base)
{
    struct url_offsets canon;
    struct url_offsets fast;
    struct str href;
    struct buf scratch;
    buf_init(&scratch, (size_t)1 << 24);
    bool is_canon = url_parse_canonical(input, &canon);
    bool is_fast = url_parse_fast(input, &scratch, &href, &fast);
    check(!is_canon || (is_fast && href.ptr == input.ptr));
    if (is_fast) {
        struct url *u = NULL;
        check(url_parse_full(input, base, 0, &u, NULL) == RC_OK);
        check(str_eq(url_href(u), href));
        struct url_offsets full;
        url_get_offsets(u, &full);
        check(memcmp(&fast, &full, sizeof(fast)) == 0);
        check(!is_canon || memcmp(&canon, &full, sizeof(canon)) == 0);
        url_free(u);
    }
    buf_fini(&scratch);
}

static void check_params(struct str query)
{
    struct url_params *p = url_params_new(0);
    struct url_params *q = url_params_new(0);
    struct buf a;
    struct buf b;
    buf_init(&a, (size_t)1 << 24);
    buf_init(&b, (size_t)1 << 24);
    if (url_params_parse(p, query) == RC_OK) {
        check(url_params_serialize(p, &a) == RC_OK);
        check(url_params_parse(q, buf_str(&a)) == RC_OK);
        check(url_params_serialize(q, &b) == RC_OK);
        check(str_eq(buf_str(&a), buf_str(&b)));
        url_params_sort(q);
        check(url_params_count(p) == url_params_count(q));
    }
    buf_fini(&b);
    buf_fini(&a);
    url_params_free(q);
    url_params_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str all = str_make((const char *)data, size);
    struct str input;
    struct str rest;
    struct str base_text;
    struct str value;
    bool has_base = str_split_char(all, '\n', &input, &rest);
    bool has_value = str_split_char(rest, '\n', &base_text, &value);
    struct url *base = NULL;
    struct url *u = NULL;
    if (has_base && url_parse(base_text, NULL, 0, &base, NULL) == RC_OK) {
        check_idempotent(base);
    }
    check_fast(input, base);
    if (url_parse(input, base, 0, &u, NULL) == RC_OK) {
        check_idempotent(u);
        check_offsets(u);
        struct buf b;
        buf_init(&b, (size_t)1 << 24);
        for (int part = URL_HREF; part <= URL_HASH; part++) {
            check(url_get(u, (enum url_part)part, &b) == RC_OK);
        }
        buf_fini(&b);
        if (has_value && value.len > 0) {
            enum url_part part = (enum url_part)((unsigned char)value.ptr[0] % (URL_HASH + 1));
            int rc = url_set(u, part, str_sub(value, 1, value.len));
            check(rc == RC_OK || rc == RC_INVAL);
            struct url *again = NULL;
            check(url_parse(url_href(u), NULL, 0, &again, NULL) == RC_OK);
            url_free(again);
            check_offsets(u);
        }
    }
    check_params(input);
    struct buf h;
    buf_init(&h, 1024);
    int rc = url_host_parse(input, size & 1, &h);
    check(rc == RC_OK || rc == RC_INVAL || rc == RC_LIMIT);
    buf_fini(&h);
    url_free(u);
    url_free(base);
    return 0;
}
