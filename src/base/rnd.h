/* SPDX-License-Identifier: MIT */
/*
 * Cryptographically secure random bytes from the kernel (getrandom). `rand_` is taken by libc.
 * Thread contract: any thread.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Fill p with n random bytes; aborts if the kernel cannot supply them. */
void rnd_bytes(void *p, size_t n);

uint64_t rnd_u64(void);
