/* SPDX-License-Identifier: MIT */
/*
 * The kiln binary's entry point; everything else is in libkiln.a.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    puts("kiln");
    return 0;
}
