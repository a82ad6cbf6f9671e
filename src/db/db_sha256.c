/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 of asset contents (their ETag), through OpenSSL's libcrypto: Kiln never implements
 * cryptographic primitives itself (DESIGN.md: crypto is OpenSSL 3).
 * Thread contract: any thread.
 */
#include <openssl/evp.h>

#include "db/db.h"

void db_sha256_hex(struct str data, char out_hex[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    /* EVP_Digest only fails on allocation failure inside OpenSSL, which is fatal anyway. */
    int ok = EVP_Digest(data.ptr ? data.ptr : "", data.len, digest, &n, EVP_sha256(), NULL);
    ASSERT(ok == 1 && n == 32);
    for (size_t i = 0; i < 32; i++) {
        out_hex[2 * i] = hex[digest[i] >> 4];
        out_hex[(2 * i) + 1] = hex[digest[i] & 0x0f];
    }
    out_hex[64] = '\0';
}
