/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the db tests: open a store in the test's temporary folder, read one
 * integer with a raw statement (through the private query helpers).
 */
#pragma once

#include <stdio.h>

#include "db/db_internal.h"
#include "harness.h"

/* Write "<tmpdir>/<name>" into buf. */
static inline const char *test_db_path(char *buf, size_t n, const char *name)
{
    (void)snprintf(buf, n, "%s/%s", harness_tmpdir(), name);
    return buf;
}

/* Open (or reopen) "<tmpdir>/kiln.db" with opts (may be NULL); fails the test on error. */
static inline struct db *test_db_open(const struct db_options *opts)
{
    char path[512];
    struct diag d;
    struct db *db = NULL;
    diag_clear(&d);
    int rc = db_open(test_db_path(path, sizeof(path), "kiln.db"), opts, &d, &db);
    if (rc != RC_OK) {
        harness_fail(__FILE__, __LINE__, "db_open: %s: %s", rc_name(rc), d.msg);
    }
    return db;
}

/* Run sql (a static string returning one value in its first row) and return it as an integer;
 * a TEXT result is returned through out_text when given. */
static inline int64_t test_db_scalar(struct db *db, const char *sql, const struct db_value *args,
                                     size_t n, char *out_text, size_t text_cap)
{
    struct db_q q;
    bool row = false;
    struct diag d;
    int64_t v = -1;
    diag_clear(&d);
    ASSERT_OK(db_q_start(db, sql, args, n, &d, &q));
    ASSERT_OK(db_q_next(&q, &d, &row));
    ASSERT_TRUE(row);
    struct db_value col = db_q_col(&q, 0);
    if (col.type == DB_TYPE_INT) {
        v = col.i;
    } else if (out_text != NULL && col.type == DB_TYPE_TEXT) {
        (void)snprintf(out_text, text_cap, "%.*s", STR_FMT(col.s));
    }
    db_q_end(&q);
    return v;
}
