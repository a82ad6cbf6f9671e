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

/* Parse one stack line ("fn@url:line:column" or "url:line:column") into url and line.
 * False for native frames and lines without a location. */
static bool parse_frame(struct str line, struct str *out_url, struct str *out_line)
{
    ptrdiff_t at = -1;
    for (size_t i = 0; i < line.len; i++) {
        at = line.ptr[i] == '@' ? (ptrdiff_t)i : at;
    }
    struct str loc = at >= 0 ? str_sub(line, (size_t)at + 1, line.len) : line;
    /* the last ':' starts the column, the one before it the line */
    ptrdiff_t c1 = -1;
    ptrdiff_t c2 = -1;
    for (size_t i = 0; i < loc.len; i++) {
        if (loc.ptr[i] == ':') {
            c2 = c1;
            c1 = (ptrdiff_t)i;
        }
    }
    if (c2 <= 0) {
        return false;
    }
    *out_url = str_sub(loc, 0, (size_t)c2);
    *out_line = str_sub(loc, (size_t)c2 + 1, (size_t)(c1 - c2 - 1));
    return true;
}

/*
 * Find the first stack frame outside Kiln's own prelude (urls "kiln:...") and append
 * "url:line: " for it, so an error built by a host API on behalf of a script names the
 * script's line. False when there is no such frame.
 */
static bool append_script_frame(JSContextRef ctx, JSObjectRef obj, struct buf *b)
{
    struct buf st;
    buf_init(&st, (size_t)16 * 1024);
    bool found = false;
    struct str rest = append_prop(ctx, obj, "stack", &st) ? buf_str(&st) : STR_NULL;
    while (rest.len && !found) {
        struct str line;
        struct str url;
        struct str ln;
        (void)str_split_char(rest, '\n', &line, &rest);
        if (!parse_frame(line, &url, &ln) || str_starts_with(url, STR("kiln:"))) {
            continue;
        }
        found = buf_try_printf(b, "%.*s:%.*s: ", STR_FMT(url), STR_FMT(ln)) == RC_OK;
    }
    buf_fini(&st);
    return found;
}

int js_exception_diag(JSContextRef ctx, JSValueRef exception, struct diag *d)
{
    struct buf b;
    buf_init(&b, DIAG_MSG_MAX);
    struct buf url;
    buf_init(&url, 1024);
    bool from_prelude = JSValueIsObject(ctx, exception) &&
                        append_prop(ctx, (JSObjectRef)exception, "sourceURL", &url) &&
                        str_starts_with(buf_str(&url), STR("kiln:"));
    buf_fini(&url);
    if (from_prelude && append_script_frame(ctx, (JSObjectRef)exception, &b)) {
        /* located in the script */
    } else if (JSValueIsObject(ctx, exception)) {
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
    if (JSValueIsObject(ctx, exception)) {
        /* Errors with a code (KilnError and friends): name it, it is what scripts test. */
        size_t mark = b.len;
        if (buf_try_append_cstr(&b, " [") != RC_OK ||
            !append_prop(ctx, (JSObjectRef)exception, "code", &b) ||
            buf_try_append_char(&b, ']') != RC_OK) {
            truncate_to(&b, mark);
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
