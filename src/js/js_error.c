/* SPDX-License-Identifier: MIT */
/*
 * JS exceptions -> RC_JS + diag: the one place where a thrown value becomes a C error
 * (STYLE.md B.5 rule 6). The message is "url:line: Name: message" when the thrown value is an
 * Error with a location, else the value converted to a string.
 * Thread contract: the thread owning ctx's runtime.
 */
#include <string.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/mem.h"
#include "base/rc.h"
#include "js/js.h"

static void truncate_to(struct buf *b, size_t mark)
{
    b->len = mark;
    if (b->ptr) {
        b->ptr[mark] = '\0';
    }
}

/* Read obj[name] as a string into b; false when absent/undefined or it threw. */
static bool append_prop(JSContextRef ctx, JSObjectRef obj, const char *name, struct buf *b)
{
    JSStringRef n = JSStringCreateWithUTF8CString(name);
    JSValueRef exc = NULL;
    JSValueRef v = JSObjectGetProperty(ctx, obj, n, &exc);
    JSStringRelease(n);
    if (exc != NULL || v == NULL || JSValueIsUndefined(ctx, v) || JSValueIsNull(ctx, v)) {
        return false;
    }
    JSValueRef exc2 = NULL;
    int rc = js_value_append(ctx, v, b, &exc2);
    return rc == RC_OK;
}

int js_exception_diag(JSContextRef ctx, JSValueRef exception, struct diag *d)
{
    struct buf b;
    buf_init(&b, DIAG_MSG_MAX);
    if (JSValueIsObject(ctx, exception)) {
        JSObjectRef obj = (JSObjectRef)exception;
        size_t mark = b.len;
        if (append_prop(ctx, obj, "sourceURL", &b)) {
            if (buf_try_append_char(&b, ':') != RC_OK || !append_prop(ctx, obj, "line", &b) ||
                buf_try_append_cstr(&b, ": ") != RC_OK) {
                truncate_to(&b, mark);
            }
        } else {
            truncate_to(&b, mark);
        }
    }
    JSValueRef exc = NULL;
    if (js_value_append(ctx, exception, &b, &exc) != RC_OK && exc != NULL) {
        if (buf_try_append_cstr(&b, "(exception that cannot be converted to a string)") != RC_OK) {
            /* the buffer is full: keep what fits */
        }
    }
    int rc = diag_set(d, RC_JS, "%.*s", STR_FMT(buf_str(&b)));
    buf_fini(&b);
    return rc;
}

void js_exception_describe(JSContextRef ctx, JSValueRef exception, struct buf *b)
{
    JSValueRef exc = NULL;
    if (js_value_append(ctx, exception, b, &exc) != RC_OK && exc != NULL) {
        if (buf_try_append_cstr(b, "(exception that cannot be converted to a string)") != RC_OK) {
            /* the buffer is full: keep what fits */
        }
    }
    if (!JSValueIsObject(ctx, exception)) {
        return;
    }
    size_t mark = b->len;
    if (buf_try_append_char(b, '\n') != RC_OK ||
        !append_prop(ctx, (JSObjectRef)exception, "stack", b)) {
        truncate_to(b, mark);
    }
}
