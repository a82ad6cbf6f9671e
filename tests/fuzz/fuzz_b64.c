/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for base/b64 and base/textcodec: encode -> decode round trips in both
 * alphabets; the forgiving decoder never crashes and its output re-encodes to a string it
 * accepts; UTF-8 decoding of any bytes gives valid UTF-8 whatever the chunking, and equals the
 * one-shot result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/b64.h"
#include "base/buf.h"
#include "base/rc.h"
#include "base/str.h"
#include "base/textcodec.h"
#include "base/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond) {
        abort();
    }
}

static void roundtrip(struct str in, bool url)
{
    struct buf e;
    struct buf d;
    buf_init(&e, in.len * 2 + 8);
    buf_init(&d, in.len + 8);
    check(b64_encode(in, url, !url, &e) == RC_OK);
    int rc = url ? b64_decode_url(buf_str(&e), &d) : b64_decode_forgiving(buf_str(&e), &d);
    check(rc == RC_OK);
    check(str_eq(buf_str(&d), in));
    buf_fini(&d);
    buf_fini(&e);
}

static void decode_chunks(struct str in, enum textcodec_encoding enc, size_t cut)
{
    struct textcodec_decoder d;
    struct buf one;
    struct buf two;
    buf_init(&one, in.len * 3 + 8);
    buf_init(&two, in.len * 3 + 8);
    textcodec_decoder_init(&d, enc, false, false);
    check(textcodec_decode(&d, in, false, &one) == RC_OK);
    check(utf8_is_valid(one.ptr ? one.ptr : "", one.len));
    check(textcodec_decode(&d, str_make(in.ptr, cut), true, &two) == RC_OK);
    check(textcodec_decode(&d, str_make(in.ptr + cut, in.len - cut), false, &two) == RC_OK);
    check(str_eq(buf_str(&one), buf_str(&two)));
    buf_fini(&two);
    buf_fini(&one);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str in = str_make((const char *)data, size);
    roundtrip(in, false);
    roundtrip(in, true);
    struct buf d;
    buf_init(&d, size + 8);
    if (b64_decode_forgiving(in, &d) == RC_OK) {
        struct buf e;
        buf_init(&e, size * 2 + 8);
        check(b64_encode(buf_str(&d), false, true, &e) == RC_OK);
        buf_reset(&d);
        check(b64_decode_forgiving(buf_str(&e), &d) == RC_OK);
        buf_fini(&e);
    }
    buf_fini(&d);
    size_t cut = size ? data[0] % (size + 1) : 0;
    decode_chunks(in, TEXTCODEC_UTF8, cut);
    decode_chunks(in, TEXTCODEC_UTF16LE, cut);
    return 0;
}
