/* SPDX-License-Identifier: MIT */
/*
 * Base64 (RFC 4648 section 4) and base64url (section 5) encoding, and the WHATWG "forgiving-
 * base64 decode" that atob() uses. Bytes in, bytes out; atob/btoa's Latin-1 string mapping is
 * the JS layer's business (btoa: reject code units > 0xFF; atob: bytes become U+0000-U+00FF).
 * Thread contract: any thread (pure functions).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/defs.h"
#include "base/str.h"

/* Append the base64 (url: base64url) encoding of in to out; pad with '=' when pad is true.
 * RC_OK or RC_LIMIT (out is full; out then holds a prefix). */
WARN_UNUSED int b64_encode(struct str in, bool url, bool pad, struct buf *out);

/*
 * Append the forgiving-base64 decoding of in to out: ASCII whitespace (tab, LF, FF, CR,
 * space) is removed; then a length that is 1 mod 4, a '=' anywhere but one or two at the end
 * of a length that is 0 mod 4, a character outside the alphabet, or non-zero padding bits make
 * it RC_INVAL (atob's InvalidCharacterError). RC_LIMIT when out is full.
 */
WARN_UNUSED int b64_decode_forgiving(struct str in, struct buf *out);

/* Append the decoding of strict base64url (no whitespace, optional padding) to out. RC_OK,
 * RC_INVAL or RC_LIMIT. */
WARN_UNUSED int b64_decode_url(struct str in, struct buf *out);
