/* SPDX-License-Identifier: MIT */
/*
 * Differential-test driver for base/url, base/b64 and base/textcodec. Reads one JSON array per
 * line from stdin and writes one JSON object per line, the same shape tests/web/node_ref.js
 * produces with Node's URL, URLSearchParams, atob/btoa and TextEncoder/TextDecoder:
 *   ["url", input, base|null]          ["set", input, part, value]     ["params", query]
 *   ["btoa", string]  ["atob", string]  ["encode", string]  ["decode", label, fatal, ignoreBOM,
 * hex] Strings arrive as WTF-8 (base/json keeps lone surrogates); they are converted as the JS
 * layer will convert JS strings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/b64.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/rc.h"
#include "base/textcodec.h"
#include "base/url.h"
#include "base/url_host.h"
#include "base/url_params.h"
#include "base/utf8.h"

#define OUT_MAX ((size_t)16 << 20)

static const char *const part_names[] = {
    "href",     "origin", "protocol", "username", "password", "host",
    "hostname", "port",   "pathname", "search",   "hash",
};

static struct str arg_str(const struct json_value *a, size_t i)
{
    if (i >= a->arr.count || a->arr.items[i]->type != JSON_STRING) {
        return STR_NULL;
    }
    return a->arr.items[i]->str;
}

/* JS string (WTF-8) -> UTF-8 as a USVString conversion does. */
static struct str usv(struct str s, struct buf *tmp)
{
    buf_reset(tmp);
    if (textcodec_wtf8_to_utf8(s, tmp) != RC_OK) {
        return STR_NULL;
    }
    return buf_str(tmp);
}

/* WTF-8 -> UTF-16 code units (generalised UTF-8 decode that allows surrogates). */
static size_t to_units(struct str s, uint16_t *u)
{
    size_t n = 0;
    size_t i = 0;
    while (i < s.len) {
        unsigned char c = (unsigned char)s.ptr[i];
        uint32_t cp = 0;
        if (c < 0x80) {
            cp = c;
            i += 1;
        } else if (c < 0xE0) {
            cp = (c & 0x1Fu) << 6 | (s.ptr[i + 1] & 0x3Fu);
            i += 2;
        } else if (c < 0xF0) {
            cp = (c & 0x0Fu) << 12 | (s.ptr[i + 1] & 0x3Fu) << 6 | (s.ptr[i + 2] & 0x3Fu);
            i += 3;
        } else {
            cp = (c & 0x07u) << 18 | (s.ptr[i + 1] & 0x3Fu) << 12 | (s.ptr[i + 2] & 0x3Fu) << 6 |
                 (s.ptr[i + 3] & 0x3Fu);
            i += 4;
        }
        if (cp >= 0x10000) {
            u[n++] = (uint16_t)(0xD800 + ((cp - 0x10000) >> 10));
            u[n++] = (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            u[n++] = (uint16_t)cp;
        }
    }
    return n;
}

static void write_url(struct json_writer *w, const struct url *u)
{
    struct buf v;
    buf_init(&v, OUT_MAX);
    json_write_begin_object(w);
    for (size_t i = 0; i < ARRAY_LEN(part_names); i++) {
        buf_reset(&v);
        if (url_get(u, (enum url_part)i, &v) != RC_OK) {
            w->rc = RC_LIMIT;
        }
        json_write_key(w, str_from_cstr(part_names[i]));
        json_write_string(w, buf_str(&v));
    }
    json_write_end_object(w);
    buf_fini(&v);
}

static void do_url(struct json_writer *w, const struct json_value *a, struct buf *t1,
                   struct buf *t2)
{
    struct url *base = NULL;
    struct url *u = NULL;
    bool ok = true;
    if (a->arr.count > 2 && a->arr.items[2]->type == JSON_STRING) {
        ok = url_parse(usv(arg_str(a, 2), t2), NULL, 0, &base, NULL) == RC_OK;
    }
    ok = ok && url_parse(usv(arg_str(a, 1), t1), base, 0, &u, NULL) == RC_OK;
    if (ok) {
        write_url(w, u);
    } else {
        json_write_begin_object(w);
        json_write_key(w, STR("failure"));
        json_write_bool(w, true);
        json_write_end_object(w);
    }
    url_free(u);
    url_free(base);
}

static void do_set(struct json_writer *w, const struct json_value *a, struct buf *t1,
                   struct buf *t2)
{
    struct url *u = NULL;
    if (url_parse(usv(arg_str(a, 1), t1), NULL, 0, &u, NULL) != RC_OK) {
        json_write_null(w);
        return;
    }
    struct str part = arg_str(a, 2);
    for (size_t i = 0; i < ARRAY_LEN(part_names); i++) {
        if (str_eq_cstr(part, part_names[i])) {
            int rc = url_set(u, (enum url_part)i, usv(arg_str(a, 3), t2));
            (void)rc; /* href failure throws in JS; the driver shows the unchanged URL */
        }
    }
    write_url(w, u);
    url_free(u);
}

static void do_params(struct json_writer *w, const struct json_value *a, struct buf *t1)
{
    struct url_params *p = url_params_new(0);
    struct str q = usv(arg_str(a, 1), t1);
    if (q.len > 0 && q.ptr[0] == '?') {
        q = str_sub(q, 1, q.len);
    }
    struct buf v;
    buf_init(&v, OUT_MAX);
    json_write_begin_object(w);
    if (url_params_parse(p, q) == RC_OK) {
        json_write_key(w, STR("pairs"));
        json_write_begin_array(w);
        for (size_t i = 0; i < url_params_count(p); i++) {
            struct str n;
            struct str val;
            url_params_at(p, i, &n, &val);
            json_write_begin_array(w);
            json_write_string(w, n);
            json_write_string(w, val);
            json_write_end_array(w);
        }
        json_write_end_array(w);
        IGNORE_RC(url_params_serialize(p, &v));
        json_write_key(w, STR("string"));
        json_write_string(w, buf_str(&v));
        url_params_sort(p);
        buf_reset(&v);
        IGNORE_RC(url_params_serialize(p, &v));
        json_write_key(w, STR("sorted"));
        json_write_string(w, buf_str(&v));
    }
    json_write_end_object(w);
    buf_fini(&v);
    url_params_free(p);
}

static void write_error(struct json_writer *w)
{
    json_write_begin_object(w);
    json_write_key(w, STR("error"));
    json_write_bool(w, true);
    json_write_end_object(w);
}

/* Bytes b0..bn as a string of U+0000-U+00FF (atob's result). */
static void write_latin1(struct json_writer *w, struct str bytes, struct buf *tmp)
{
    buf_reset(tmp);
    for (size_t i = 0; i < bytes.len; i++) {
        char e[4];
        int k = utf8_encode((unsigned char)bytes.ptr[i], e);
        IGNORE_RC(buf_try_append(tmp, e, (size_t)k));
    }
    json_write_string(w, buf_str(tmp));
}

static void do_b64(struct json_writer *w, const struct json_value *a, bool encode, struct buf *t1,
                   struct buf *t2)
{
    struct str s = arg_str(a, 1);
    uint16_t *units = mem_alloc((s.len + 1) * sizeof(uint16_t));
    size_t n = to_units(s, units);
    buf_reset(t1);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        /* atob/btoa take a DOMString; code units over 0xFF fail (atob: not in alphabet). */
        ok = ok && units[i] <= 0xFF;
        IGNORE_RC(buf_try_append_char(t1, (char)units[i]));
    }
    mem_free(units);
    buf_reset(t2);
    if (ok) {
        int rc = encode ? b64_encode(buf_str(t1), false, true, t2)
                        : b64_decode_forgiving(buf_str(t1), t2);
        ok = rc == RC_OK;
    }
    if (!ok) {
        write_error(w);
        return;
    }
    json_write_begin_object(w);
    json_write_key(w, STR("value"));
    if (encode) {
        json_write_string(w, buf_str(t2));
    } else {
        write_latin1(w, buf_str(t2), t1);
    }
    json_write_end_object(w);
}

static void do_encode(struct json_writer *w, const struct json_value *a, struct buf *t1)
{
    struct str s = arg_str(a, 1);
    uint16_t *units = mem_alloc((s.len + 1) * sizeof(uint16_t));
    size_t n = to_units(s, units);
    buf_reset(t1);
    IGNORE_RC(textcodec_utf16_to_utf8(units, n, t1));
    mem_free(units);
    char hex[3];
    json_write_begin_object(w);
    json_write_key(w, STR("hex"));
    struct buf h;
    buf_init(&h, OUT_MAX);
    for (size_t i = 0; i < t1->len; i++) {
        snprintf(hex, sizeof(hex), "%02x", (unsigned char)t1->ptr[i]);
        IGNORE_RC(buf_try_append(&h, hex, 2));
    }
    json_write_string(w, buf_str(&h));
    buf_fini(&h);
    json_write_end_object(w);
}

static void do_decode(struct json_writer *w, const struct json_value *a, struct buf *t1,
                      struct buf *t2)
{
    enum textcodec_encoding enc;
    if (textcodec_label(arg_str(a, 1), &enc) != RC_OK) {
        write_error(w);
        return;
    }
    bool fatal = a->arr.items[2]->type == JSON_TRUE;
    bool ignore_bom = a->arr.items[3]->type == JSON_TRUE;
    struct str hex = arg_str(a, 4);
    buf_reset(t1);
    for (size_t i = 0; i + 1 < hex.len; i += 2) {
        char b[3] = { hex.ptr[i], hex.ptr[i + 1], 0 };
        IGNORE_RC(buf_try_append_char(t1, (char)strtol(b, NULL, 16)));
    }
    /* Decode in two streaming chunks split at the middle, then flush: exercises streaming. */
    struct textcodec_decoder d;
    textcodec_decoder_init(&d, enc, fatal, ignore_bom);
    buf_reset(t2);
    size_t half = t1->len / 2;
    int rc = textcodec_decode(&d, str_make(t1->ptr, half), true, t2);
    rc = rc ? rc : textcodec_decode(&d, str_make(t1->ptr + half, t1->len - half), false, t2);
    if (rc != RC_OK) {
        write_error(w);
        return;
    }
    json_write_begin_object(w);
    json_write_key(w, STR("value"));
    json_write_string(w, buf_str(t2));
    json_write_end_object(w);
}

int main(void)
{
    static char line[1 << 20];
    struct buf out;
    struct buf t1;
    struct buf t2;
    buf_init(&out, OUT_MAX);
    buf_init(&t1, OUT_MAX);
    buf_init(&t2, OUT_MAX);
    while (fgets(line, sizeof(line), stdin) != NULL) {
        struct arena *ar = arena_new(4096);
        struct json_value *a = NULL;
        struct json_writer w;
        buf_reset(&out);
        json_writer_init(&w, &out);
        if (json_parse(ar, str_from_cstr(line), NULL, &a, NULL) != RC_OK || a->type != JSON_ARRAY ||
            a->arr.count < 2) {
            json_write_null(&w);
        } else {
            struct str op = arg_str(a, 0);
            if (str_eq_cstr(op, "url")) {
                do_url(&w, a, &t1, &t2);
            } else if (str_eq_cstr(op, "set")) {
                do_set(&w, a, &t1, &t2);
            } else if (str_eq_cstr(op, "params")) {
                do_params(&w, a, &t1);
            } else if (str_eq_cstr(op, "btoa") || str_eq_cstr(op, "atob")) {
                do_b64(&w, a, str_eq_cstr(op, "btoa"), &t1, &t2);
            } else if (str_eq_cstr(op, "encode")) {
                do_encode(&w, a, &t1);
            } else if (str_eq_cstr(op, "decode")) {
                do_decode(&w, a, &t1, &t2);
            } else {
                json_write_null(&w);
            }
        }
        fwrite(out.ptr ? out.ptr : "null", 1, out.ptr ? out.len : 4, stdout);
        fputc('\n', stdout);
        arena_free(ar);
    }
    buf_fini(&t2);
    buf_fini(&t1);
    buf_fini(&out);
    return 0;
}
