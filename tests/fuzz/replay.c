/* SPDX-License-Identifier: MIT */
/*
 * A main() for libFuzzer targets outside the fuzz build: feeds every file of the given
 * corpus directories (or files) through LLVMFuzzerTestOneInput, so each corpus replays as a
 * regression suite in the normal and ASan builds. Prints "N passed, N failed" (a crash aborts).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <dirent.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static size_t replayed;

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    size_t cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *n = realloc(data, cap);
            if (n == NULL) {
                abort();
            }
            data = n;
        }
        size_t got = fread(data + len, 1, cap - len, f);
        if (got == 0) {
            break;
        }
        len += got;
    }
    fclose(f);
    /* Copy into an exact-size buffer so ASan catches reads past the input. */
    uint8_t *exact = malloc(len ? len : 1);
    if (exact == NULL) {
        abort();
    }
    if (len) {
        memcpy(exact, data, len);
    }
    free(data);
    (void)LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    replayed++;
    return 0;
}

static int replay_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: no such corpus %s\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        return replay_file(path);
    }
    DIR *d = opendir(path);
    if (d == NULL) {
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char sub[4096];
        snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
        if (replay_path(sub) != 0) {
            rc = -1;
        }
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        if (replay_path(argv[i]) != 0) {
            failed++;
        }
    }
    printf("replayed %zu inputs\n", replayed);
    printf("%zu passed, %d failed\n", replayed, failed);
    return failed ? 1 : 0;
}
