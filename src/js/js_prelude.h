/* SPDX-License-Identifier: MIT */
/*
 * The embedded JavaScript prelude: src/js/prelude/NAME.js compiled into the binary as C arrays
 * (generated at build time by scripts/embed-prelude.py), evaluated in file-name order in every
 * new context before the script. Only glue lives there; anything that parses or touches bytes
 * is C (DESIGN.md).
 */
#pragma once

#include <stddef.h>

struct js_prelude_file {
    const char *name;
    const char *text; /* NUL-terminated */
    size_t len;
};

extern const struct js_prelude_file js_prelude_files[];
extern const size_t js_prelude_file_count;
