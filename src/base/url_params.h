/* SPDX-License-Identifier: MIT */
/*
 * URLSearchParams' list and the application/x-www-form-urlencoded parser and serialiser of the
 * URL Standard. Names and values are UTF-8; every change is bounded by a byte budget.
 * Thread contract: any thread; one list is used by one thread at a time.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/defs.h"
#include "base/str.h"

/* Default byte budget of a list (all names and values). */
#define URL_PARAMS_DEFAULT_MAX_BYTES ((size_t)1 << 20)

/*
 * An ordered list of name-value pairs (URLSearchParams' list). Opaque; owned by the caller,
 * free with url_params_free(). Names and values are UTF-8; every change is bounded by the
 * max_bytes given at creation (total bytes of names and values), past which RC_LIMIT.
 */
struct url_params;

/* Return a new empty list; 0 for max_bytes means URL_PARAMS_DEFAULT_MAX_BYTES. */
struct url_params *url_params_new(size_t max_bytes);
void url_params_free(struct url_params *p);

/* Return the number of pairs. */
size_t url_params_count(const struct url_params *p);

/* Get pair i (< count) as borrowed slices, valid until the list changes. */
void url_params_at(const struct url_params *p, size_t i, struct str *out_name,
                   struct str *out_value);

/*
 * Replace the list with the application/x-www-form-urlencoded parse of input (a leading '?'
 * is not stripped here: URLSearchParams' constructor does that). Ill-formed UTF-8 after
 * percent-decoding becomes U+FFFD. RC_OK or RC_LIMIT (the list is then empty).
 */
WARN_UNUSED int url_params_parse(struct url_params *p, struct str input);

/* Called by url_params_parse_each() for each name-value pair (borrowed slices, valid during the
 * call). A non-zero return stops the parse and is returned by it. */
typedef int url_params_pair_fn(struct str name, struct str value, void *arg);

/*
 * The application/x-www-form-urlencoded parser without a list: call on_pair for each pair of
 * input, in order (names and values decoded as url_params_parse() does). The decoded names and
 * values may total at most max_bytes (0: URL_PARAMS_DEFAULT_MAX_BYTES), past which RC_LIMIT.
 * RC_OK, RC_LIMIT or on_pair's error.
 */
WARN_UNUSED int url_params_parse_each(struct str input, size_t max_bytes,
                                      url_params_pair_fn *on_pair, void *arg);

/* Append a pair. RC_OK or RC_LIMIT. */
WARN_UNUSED int url_params_append(struct url_params *p, struct str name, struct str value);

/* Remove every pair named name (and, when value is non-NULL, with that value). */
void url_params_delete(struct url_params *p, struct str name, const struct str *value);

/* Find the first value for name: true and *out_value (borrowed) when there is one. */
bool url_params_get(const struct url_params *p, struct str name, struct str *out_value);

/* True when a pair named name (and, when value is non-NULL, with that value) exists. */
bool url_params_has(const struct url_params *p, struct str name, const struct str *value);

/* Set the first pair named name to value and remove the others, or append. RC_OK, RC_LIMIT. */
WARN_UNUSED int url_params_set(struct url_params *p, struct str name, struct str value);

/* Sort the pairs stably by name, comparing names as UTF-16 code units (the standard's rule). */
void url_params_sort(struct url_params *p);

/* Append the application/x-www-form-urlencoded serialisation to out. RC_OK or RC_LIMIT. */
WARN_UNUSED int url_params_serialize(const struct url_params *p, struct buf *out);
