/* SPDX-License-Identifier: MIT */
/*
 * The WHATWG URL Standard in C: the basic URL parser (with a base URL and the setters' state
 * overrides), host parsing (IDNA through libidn2, IPv4, IPv6, opaque hosts), the serialiser,
 * component getters and setters, and the percent-encode sets. Hosts: base/url_host.h;
 * URLSearchParams: base/url_params.h. Input is UTF-8 (the JS layer converts WTF-16 with lone
 * surrogates to U+FFFD first); any ill-formed UTF-8 that still arrives is treated as U+FFFD. Start
 * reading at url_parse(). Thread contract: any thread; one object is used by one thread at a time.
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

/*
 * url_parse without the canonical fast path below: the state machine for every input. For the
 * tests that check that the two agree; everything else calls url_parse.
 */
WARN_UNUSED int url_parse_full(struct str input, const struct url *base, size_t max_input_bytes,
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

/*
 * Where the getters' values lie in url_href(u): every getter but origin is a slice of href,
 * so a binding can keep href alone and slice it (the JS URL object does). Offsets are bytes
 * (href is ASCII, so they are also UTF-16 code units):
 *   protocol = [0, scheme_end + 1)          username = [username_start, username_end)
 *   password = [password_start, password_end)
 *   hostname = [host_start, host_end)       host = [host_start, port_end)
 *   port     = [host_end + 1, port_end) when port_end > host_end, else ""
 *   pathname = [path_start, query_start)
 *   search   = [query_start, fragment_start) when longer than 1 byte ("?" alone is ""), else ""
 *   hash     = [fragment_start, href length) when longer than 1 byte, else ""
 */
struct url_offsets {
    size_t scheme_end;
    size_t username_start;
    size_t username_end;
    size_t password_start;
    size_t password_end;
    size_t host_start;
    size_t host_end;
    size_t port_end;
    size_t path_start;
    size_t query_start;
    size_t fragment_start;
};

/* Fill *out with the component offsets of url_href(u). Cannot fail. */
void url_get_offsets(const struct url *u, struct url_offsets *out);

/*
 * The parser's fast path (url_parse takes it first): true when input is already the href the
 * basic URL parser makes of it, whatever the base, in one of these forms, with *out set to
 * its offsets as url_get_offsets() gives them. ASCII only, lower-case scheme, and:
 *   - a special scheme but file, "//", optional userinfo (a non-empty username; a non-empty
 *     password after ':'), a host of [a-z0-9_-] labels ("xn--" ones only when
 *     url_host_plain_ace() accepts them; no empty label but after a trailing dot), a
 *     dotted-decimal IPv4 address without leading zeros or a canonical bracketed IPv6 address
 *     (url_host_canonical_ipv6), an optional port (digits, no leading
 *     zero, not the scheme's default), then a path starting with '/';
 *   - "file:///" (empty host) and a path with no '|';
 *   - a non-special scheme and an opaque path (not starting with '/');
 * paths without dot segments or '\', and path, query and fragment bytes printable and outside
 * their percent-encode sets. False says only that the full parser must decide.
 */
bool url_parse_canonical(struct str input, struct url_offsets *out);

/*
 * url_parse_canonical, and also for an input that would be in one of its forms but for dot
 * segments ("." and ".." and their %2e spellings) in the path of a special URL other than file:
 * true with *out_href the href the parser makes of input (input itself, or the href without the
 * dot segments, built in scratch, which is reset) and *out its offsets. url_parse takes it.
 */
bool url_parse_fast(struct str input, struct buf *scratch, struct str *out_href,
                    struct url_offsets *out);

/* True when u's scheme is special (http, https, ws, wss, ftp, file). */
bool url_is_special(const struct url *u);

/* The host parser is base/url_host.h (url_host_parse). */

/* Percent-encode sets of the URL Standard (every byte >= 0x80 is in all of them). */
enum url_encode_set {
    URL_SET_C0_CONTROL,
    URL_SET_FRAGMENT,
    URL_SET_QUERY,
    URL_SET_SPECIAL_QUERY,
    URL_SET_PATH,
    URL_SET_USERINFO,
    URL_SET_COMPONENT, /* encodeURIComponent-like */
    URL_SET_FORM,      /* application/x-www-form-urlencoded; space is encoded as '%20' */
};

/* Append s to out, percent-encoding the bytes in set (upper-case hex). RC_OK or RC_LIMIT. */
WARN_UNUSED int url_percent_encode(struct str s, enum url_encode_set set, struct buf *out);

/* Append the percent-decoding of s to out (bytes; "%zz" stays as is). RC_OK or RC_LIMIT. */
WARN_UNUSED int url_percent_decode(struct str s, struct buf *out);

/* Append s to out, replacing each ill-formed UTF-8 subpart by U+FFFD (the UTF-8 decode of the
 * Encoding Standard). RC_OK or RC_LIMIT. */
WARN_UNUSED int url_utf8_lossy(struct str s, struct buf *out);
