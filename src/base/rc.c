/* SPDX-License-Identifier: MIT */
/*
 * Names of the RC_* codes, generated from the X-macro in rc.h.
 */
#include "base/rc.h"

const char *rc_name(int rc)
{
    switch (rc) {
#define RC_CASE(name, value) \
    case value:              \
        return #name;
        RC_LIST(RC_CASE)
#undef RC_CASE
    default:
        return "RC_UNKNOWN";
    }
}
