/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for base/json: parse -> write -> reparse must give the same tree, the
 * event parser must agree with the tree parser, and errors must point inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/rc.h"
#include "base/str.h"
#include "base/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort (a finding) unless cond holds. */
static void check(int cond)
{
    if (!cond) {
        abort();
    }
}

/* Trees are equal; a non-finite number is written as null, and -0 as 0. */
static int same_tree(const struct json_value *a, const struct json_value *b)
{
    if (a->type == JSON_NUMBER && !isfinite(a->num)) {
        return b->type == JSON_NULL;
    }
    if (a->type != b->type) {
        return 0;
    }
    switch (a->type) {
    case JSON_NUMBER:
        return a->num == b->num;
    case JSON_STRING:
        return str_eq(a->str, b->str);
    case JSON_ARRAY:
        if (a->arr.count != b->arr.count) {
            return 0;
        }
        for (size_t i = 0; i < a->arr.count; i++) {
            if (!same_tree(a->arr.items[i], b->arr.items[i])) {
                return 0;
            }
        }
        return 1;
    case JSON_OBJECT:
        if (a->obj.count != b->obj.count) {
            return 0;
        }
        for (size_t i = 0; i < a->obj.count; i++) {
            if (!str_eq(a->obj.members[i].key, b->obj.members[i].key) ||
                !same_tree(a->obj.members[i].value, b->obj.members[i].value)) {
                return 0;
            }
        }
        return 1;
    default:
        return 1;
    }
}

static int count_event(void *arg)
{
    (*(size_t *)arg)++;
    return 0;
}

static int count_bool(void *arg, bool v)
{
    (void)v;
    return count_event(arg);
}

static int count_number(void *arg, double v, struct str text)
{
    (void)v;
    check(text.len > 0);
    return count_event(arg);
}

static int count_str(void *arg, struct str s)
{
    (void)s;
    return count_event(arg);
}

static size_t count_values(const struct json_value *v)
{
    size_t n = 1;
    if (v->type == JSON_ARRAY) {
        for (size_t i = 0; i < v->arr.count; i++) {
            n += count_values(v->arr.items[i]);
        }
        n++; /* end event */
    } else if (v->type == JSON_OBJECT) {
        for (size_t i = 0; i < v->obj.count; i++) {
            n += 1 + count_values(v->obj.members[i].value); /* key + value */
        }
        n++;
    }
    return n;
}

/* Any bytes written as a JSON string parse back: to the same bytes when they are valid UTF-8
 * (or WTF-8 from the parser), and always to valid JSON. */
static void check_string_roundtrip(struct arena *a, struct str s)
{
    struct buf b;
    buf_init(&b, (size_t)1 << 26);
    struct json_writer w;
    json_writer_init(&w, &b);
    json_write_string(&w, s);
    check(json_writer_rc(&w) == RC_OK);
    struct json_value *v = NULL;
    check(json_parse(a, buf_str(&b), NULL, &v, NULL) == RC_OK);
    check(v->type == JSON_STRING);
    if (utf8_is_valid(s.ptr, s.len)) {
        check(str_eq(v->str, s));
    }
    buf_fini(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(0);
    check_string_roundtrip(a, str_make((const char *)data, size));
    struct str text = str_make((const char *)data, size);
    struct json_value *v = NULL;
    struct json_error err;
    int rc = json_parse(a, text, NULL, &v, &err);
    check(rc == RC_OK || rc == RC_INVAL || rc == RC_LIMIT);

    static const struct json_events ev = {
        .on_null = count_event,
        .on_bool = count_bool,
        .on_number = count_number,
        .on_string = count_str,
        .on_begin_array = count_event,
        .on_end_array = count_event,
        .on_begin_object = count_event,
        .on_key = count_str,
        .on_end_object = count_event,
    };
    size_t events = 0;
    struct json_error err2;
    int rc2 = json_parse_events(a, text, NULL, &ev, &events, &err2);
    check(rc2 == rc);
    if (rc != RC_OK) {
        check(v == NULL);
        check(err.offset <= size && err.line >= 1 && err.column >= 1);
        check(err.offset == err2.offset && strcmp(err.msg, err2.msg) == 0);
        check(err.msg[0] != '\0');
        arena_free(a);
        return 0;
    }
    check(events == count_values(v));

    struct buf b;
    buf_init(&b, (size_t)1 << 26);
    struct json_writer w;
    json_writer_init(&w, &b);
    json_write_value(&w, v);
    check(json_writer_rc(&w) == RC_OK);
    struct json_value *v2 = NULL;
    check(json_parse(a, buf_str(&b), NULL, &v2, &err) == RC_OK);
    check(same_tree(v, v2));
    /* Writing the reparsed tree gives the same bytes (the output is canonical). */
    struct buf b2;
    buf_init(&b2, (size_t)1 << 26);
    json_writer_init(&w, &b2);
    json_write_value(&w, v2);
    check(json_writer_rc(&w) == RC_OK && str_eq(buf_str(&b), buf_str(&b2)));
    buf_fini(&b2);
    buf_fini(&b);
    arena_free(a);
    return 0;
}
