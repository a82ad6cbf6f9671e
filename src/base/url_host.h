/* SPDX-License-Identifier: MIT */
/*
 * The URL Standard's host parser: domain to ASCII (UTS #46 through libidn2), IPv4 (with its
 * hex/octal number rules), IPv6 (parse and compressed serialisation) and opaque hosts.
 * base/url calls it for every authority; code that validates Host headers can call it too.
 * Thread contract: any thread (pure functions).
 */
#pragma once

#include <stdbool.h>

#include "base/buf.h"
#include "base/defs.h"
#include "base/str.h"

/*
 * Parse input (the host text of a URL, still percent-encoded) as the host parser does for a
 * special scheme (special true) or a non-special one, and append the serialised host to out
 * (IPv6 in brackets). RC_INVAL when it is not a valid host (out is then unchanged), RC_LIMIT
 * when out is full. Borrows input for the duration of the call.
 */
WARN_UNUSED int url_host_parse(struct str input, bool special, struct buf *out);

/*
 * True when label is a lower-case A-label ("xn--" + Punycode, at most 63 bytes) that domain to
 * ASCII keeps exactly as it is without asking libidn2: its Punycode decodes to a-z, 0-9, '-'
 * and lower-case Latin-1 letters (at least one), not starting or ending with '-' nor with "--"
 * in the third and fourth places, and encodes back to the same text. False: libidn2 decides.
 */
bool url_host_plain_ace(struct str label);

/* True when host is a bracketed IPv6 address exactly as the host parser serialises it
 * (lower-case hex, no leading zeros, the first longest run of zero pieces as "::"). */
bool url_host_canonical_ipv6(struct str host);
