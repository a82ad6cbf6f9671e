/* SPDX-License-Identifier: MIT */
/*
 * The WHATWG URL Standard in C: the basic URL parser (with a base URL and the setters' state
 * overrides), host parsing (IDNA through libidn2, IPv4, IPv6, opaque hosts), the serialiser,
 * component getters and setters, and application/x-www-form-urlencoded (URLSearchParams).
 * Input is UTF-8 (the JS layer converts WTF-16 with lone surrogates to U+FFFD first); any
 * ill-formed UTF-8 that still arrives is treated as U+FFFD. Start reading at url_parse().
 * Thread contract: any thread; one object is used by one thread at a time.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/defs.h"
#include "base/diag.h"
#include "base/str.h"

/* Default input limit (bytes after UTF-8 encoding) for url_parse and the setters. */
#define URL_DEFAULT_MAX_INPUT_BYTES ((size_t)64 * 1024)

/* A parsed URL record. Opaque; owned by the caller, free with url_free(). */
struct url;

/* The components of the URL API, for url_get() and url_set(). */
enum url_part {
    URL_HREF,
    URL_ORIGIN, /* getter only */
    URL_PROTOCOL,
    URL_USERNAME,
    URL_PASSWORD,
    URL_HOST,
    URL_HOSTNAME,
    URL_PORT,
    URL_PATHNAME,
    URL_SEARCH,
    URL_HASH,
};

/*
 * Parse input against base (NULL: no base) with the basic URL parser. max_input_bytes of 0
 * means URL_DEFAULT_MAX_INPUT_BYTES. On success *out_url is an owned URL (free with
 * url_free()); on failure it is NULL and the return is RC_INVAL (not a valid URL: the
 * "TypeError: Invalid URL" case) or RC_LIMIT (input longer than the limit). d may be NULL.
 * Borrows input and base for the duration of the call.
 */
WARN_UNUSED int url_parse(struct str input, const struct url *base, size_t max_input_bytes,
                          struct url **out_url, struct diag *d);

/* True when input parses against base (URL.canParse). */
bool url_can_parse(struct str input, const struct url *base);

/* Free u; NULL is a no-op. */
void url_free(struct url *u);

/* Return an owned deep copy of u; free with url_free(). */
struct url *url_dup(const struct url *u);

/* Return the serialised URL (href), borrowed: valid until u is changed or freed. */
struct str url_href(const struct url *u);

/*
 * Append the value of the getter for part (URL_HREF, URL_ORIGIN, ...) to out, exactly as the
 * URL API's getter returns it ("https:", "?q=1", "" ...). RC_OK or RC_LIMIT (out is full).
 */
WARN_UNUSED int url_get(const struct url *u, enum url_part part, struct buf *out);

/*
 * Run the setter for part with value, as the URL API's setters do. URL_HREF: RC_INVAL when the
 * value does not parse (u is then unchanged; the API throws TypeError). Every other setter
 * ignores unusable values as the standard says and returns RC_OK whether or not u changed.
 * RC_LIMIT when value is over u's input limit. URL_ORIGIN is read-only: RC_INVAL.
 * Borrows value for the duration of the call.
 */
WARN_UNUSED int url_set(struct url *u, enum url_part part, struct str value);

/* True when u's scheme is special (http, https, ws, wss, ftp, file). */
bool url_is_special(const struct url *u);

/*
 * Serialise a host the way the host parser would (domain to ASCII, IPv4, IPv6, opaque) for
 * the scheme kind given, appending it to out. RC_INVAL when it is not a valid host, RC_LIMIT
 * when out is full. Used by tests and by code that validates Host headers.
 */
WARN_UNUSED int url_host_parse(struct str input, bool special, struct buf *out);

/* Percent-encode sets of the URL Standard (every byte >= 0x80 is in all of them). */
enum url_encode_set {
    URL_SET_C0_CONTROL,
    URL_SET_FRAGMENT,
    URL_SET_QUERY,
    URL_SET_SPECIAL_QUERY,
    URL_SET_PATH,
    URL_SET_USERINFO,
    URL_SET_COMPONENT,    /* encodeURIComponent-like */
    URL_SET_FORM,         /* application/x-www-form-urlencoded; space is encoded as '%20' */
};

/* Append s to out, percent-encoding the bytes in set (upper-case hex). RC_OK or RC_LIMIT. */
WARN_UNUSED int url_percent_encode(struct str s, enum url_encode_set set, struct buf *out);

/* Append the percent-decoding of s to out (bytes; "%zz" stays as is). RC_OK or RC_LIMIT. */
WARN_UNUSED int url_percent_decode(struct str s, struct buf *out);

/* ---------------------------------------------------------------- URLSearchParams */

/*
 * An ordered list of name-value pairs (URLSearchParams' list). Opaque; owned by the caller,
 * free with url_params_free(). Names and values are UTF-8; every change is bounded by the
 * max_bytes given at creation (total bytes of names and values), past which RC_LIMIT.
 */
struct url_params;

/* Return a new empty list; 0 for max_bytes means URL_DEFAULT_MAX_INPUT_BYTES * 16. */
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
