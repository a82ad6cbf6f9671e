/* SPDX-License-Identifier: MIT */
/* Helpers for the js unit tests. */
#pragma once

#include "base/diag.h"
#include "harness.h"
#include "js/js.h"

/* Evaluate src in ctx and return its value; a thrown error fails the test. */
static inline JSValueRef js_test_eval(JSContextRef ctx, const char *src)
{
    struct diag d;
    JSValueRef v = NULL;
    int rc = js_eval(ctx, str_from_cstr(src), STR("test.js"), &v, NULL, &d);
    if (rc != RC_OK) {
        harness_fail(__FILE__, __LINE__, "eval failed: %s", d.msg);
    }
    return v;
}
