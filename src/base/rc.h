/* SPDX-License-Identifier: MIT */
/*
 * The one error vocabulary: fallible functions return RC_OK (0) or a negative RC_*.
 * Functions that produce a count return it when >= 0 and an RC_* when negative.
 * Thread contract: any thread.
 */
#pragma once

#define RC_LIST(X)                                                                  \
    X(RC_OK, 0)                                                                     \
    X(RC_AGAIN, -1) /* incomplete input or would block: call again with more */     \
    X(RC_NOMEM, -2) /* only from *_try_* functions */                               \
    X(RC_INVAL, -3) /* malformed input from a client or a script */                 \
    X(RC_LIMIT, -4) /* a configured limit was reached (size, depth, count, time) */ \
    X(RC_NOTFOUND, -5)                                                              \
    X(RC_DENIED, -6) /* missing capability */                                       \
    X(RC_CONFLICT, -7)                                                              \
    X(RC_TIMEOUT, -8)                                                               \
    X(RC_IO, -9)        /* OS error; errno is kept in the diag */                   \
    X(RC_PROTO, -10)    /* the peer broke the protocol */                           \
    X(RC_DB, -11)       /* the database reported an error */                        \
    X(RC_JS, -12)       /* a script threw */                                        \
    X(RC_INTERNAL, -13) /* an invariant failed and we chose to survive */

enum rc {
#define RC_ENUM(name, value) name = (value),
    RC_LIST(RC_ENUM)
#undef RC_ENUM
};

/* Return the constant's name ("RC_LIMIT"), or "RC_UNKNOWN". Static storage. */
const char *rc_name(int rc);
