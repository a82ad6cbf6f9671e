/* SPDX-License-Identifier: MIT */
/*
 * The Encoding Standard's UTF-8, UTF-16LE and UTF-16BE decoders and encoders, as TextDecoder and
 * TextEncoder need them: replacement or fatal error mode, BOM handling, streaming. Decoded
 * text is produced as UTF-8 (valid: errors become U+FFFD); strings coming from JS are WTF-16
 * code units, whose lone surrogates become U+FFFD when encoded. Reuses base/utf8.
 * Thread contract: any thread; a decoder is used by one thread at a time.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/defs.h"
#include "base/str.h"

enum textcodec_encoding {
    TEXTCODEC_UTF8,
    TEXTCODEC_UTF16LE,
    TEXTCODEC_UTF16BE,
};

/* Map an encoding label ("utf-8", "unicode-1-1-utf-8", "utf-16le", ... ASCII case-insensitive,
 * surrounding ASCII whitespace ignored) to an encoding. RC_OK or RC_NOTFOUND (RangeError). */
WARN_UNUSED int textcodec_label(struct str label, enum textcodec_encoding *out_enc);

/* A streaming decoder; caller-allocated, fields private. */
struct textcodec_decoder {
    enum textcodec_encoding enc;
    bool fatal;
    bool ignore_bom;
    bool bom_seen;         /* private: the first bytes were looked at */
    unsigned char pend[4]; /* private: bytes of an incomplete sequence */
    size_t pend_len;
};

/* Initialise d (TextDecoder's constructor). Cannot fail. */
void textcodec_decoder_init(struct textcodec_decoder *d, enum textcodec_encoding enc, bool fatal,
                            bool ignore_bom);

/*
 * Decode bytes, appending UTF-8 text to out (TextDecoder.decode(bytes, { stream })). With
 * stream false the decoder flushes and resets for the next call. RC_OK; RC_INVAL in fatal
 * mode on an error (TypeError; the decoder is reset and out may hold a prefix); RC_LIMIT when
 * out is full.
 */
WARN_UNUSED int textcodec_decode(struct textcodec_decoder *d, struct str bytes, bool stream,
                                 struct buf *out);

/* Append the UTF-8 encoding of n WTF-16 code units (TextEncoder.encode): lone surrogates
 * become U+FFFD. RC_OK or RC_LIMIT. */
WARN_UNUSED int textcodec_utf16_to_utf8(const uint16_t *units, size_t n, struct buf *out);

/* The largest number of UTF-8 bytes textcodec_encode_utf8 writes for n code units. */
#define TEXTCODEC_UTF8_MAX(n) ((n)*3)

/* Write the UTF-8 encoding of n WTF-16 code units to dst, which has room for
 * TEXTCODEC_UTF8_MAX(n) bytes; lone surrogates become U+FFFD. Returns the bytes written.
 * ASCII goes sixteen code units per step. */
size_t textcodec_encode_utf8(const uint16_t *units, size_t n, char *dst);

/* The largest number of UTF-8 bytes textcodec_latin1_to_utf8 writes for n characters. */
#define TEXTCODEC_LATIN1_UTF8_MAX(n) ((n)*2)

/* Write the UTF-8 encoding of n Latin-1 characters (code points U+0000..U+00FF, one byte each:
 * how JavaScriptCore stores an 8-bit string) to dst, which has room for
 * TEXTCODEC_LATIN1_UTF8_MAX(n) bytes. Returns the bytes written. ASCII runs are copied. */
size_t textcodec_latin1_to_utf8(const unsigned char *src, size_t n, char *dst);

/*
 * Decode UTF-8 to Latin-1 when the input is well-formed and every code point is U+00FF or
 * below: then it has no BOM and no error, so the text is what textcodec_utf8_to_utf16 gives in
 * every mode, one byte per character. dst has room for bytes.len bytes. True with *out_len;
 * false otherwise (dst holds a prefix).
 */
WARN_UNUSED bool textcodec_utf8_to_latin1(struct str bytes, unsigned char *dst, size_t *out_len);

/*
 * Decode a whole UTF-8 input (TextDecoder.decode without stream, from a fresh decoder)
 * straight to UTF-16 code units, the form a JS string is made of: ill-formed sequences become
 * U+FFFD (maximal subparts, as textcodec_decode), a leading BOM is dropped unless ignore_bom.
 * dst has room for bytes.len units (never more are needed). RC_OK with *out_units; RC_INVAL
 * when fatal and the input is ill-formed (dst then holds a prefix).
 */
WARN_UNUSED int textcodec_utf8_to_utf16(struct str bytes, bool fatal, bool ignore_bom,
                                        uint16_t *dst, size_t *out_units);

/* Append the UTF-16LE bytes of UTF-8 text (ill-formed parts become U+FFFD). RC_OK, RC_LIMIT. */
WARN_UNUSED int textcodec_utf8_to_utf16le(struct str text, struct buf *out);

/* Convert WTF-8 (UTF-8 that may hold encoded lone surrogates, as base/json produces) to UTF-8
 * with each lone surrogate replaced by U+FFFD (a USVString conversion). RC_OK or RC_LIMIT. */
WARN_UNUSED int textcodec_wtf8_to_utf8(struct str text, struct buf *out);
