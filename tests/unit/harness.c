/* SPDX-License-Identifier: MIT */
/*
 * The unit-test runner: registration list, fork per test with an alarm, filtering, summary.
 */
#include "harness.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#define HARNESS_MAX_TESTS 4096
#define HARNESS_TIMEOUT_S 60

struct harness_test {
    const char *name;
    const char *file;
    harness_test_fn *fn;
};

static struct harness_test tests[HARNESS_MAX_TESTS];
static size_t test_count;
static char tmpdir[256];

void harness_register(const char *name, const char *file, harness_test_fn *fn)
{
    if (test_count == HARNESS_MAX_TESTS) {
        fprintf(stderr, "harness: too many tests\n");
        abort();
    }
    tests[test_count++] = (struct harness_test){ .name = name, .file = file, .fn = fn };
}

void harness_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  FAIL %s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    fflush(stderr);
    exit(1);
}

const char *harness_tmpdir(void)
{
    if (tmpdir[0] == '\0') {
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/kiln-unit-XXXXXX");
        if (mkdtemp(tmpdir) == NULL) {
            harness_fail(__FILE__, __LINE__, "mkdtemp failed");
        }
    }
    return tmpdir;
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                continue;
            }
            char sub[1024];
            snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
                remove_tree(sub);
            } else {
                unlink(sub);
            }
        }
        closedir(d);
    }
    rmdir(path);
}

static int cmp_tests(const void *a, const void *b)
{
    const struct harness_test *x = a;
    const struct harness_test *y = b;
    int c = strcmp(x->file, y->file);
    return c ? c : strcmp(x->name, y->name);
}

static bool run_forked(const struct harness_test *t)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return false;
    }
    if (pid == 0) {
        alarm(HARNESS_TIMEOUT_S);
        t->fn();
        if (tmpdir[0]) {
            remove_tree(tmpdir);
        }
        fflush(stdout);
        _exit(0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        continue;
    }
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "  FAIL %s: killed by signal %d%s\n", t->name, WTERMSIG(status),
                WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
        return false;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv)
{
    bool fork_each = true;
    bool list = false;
    const char *filter = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-fork") == 0) {
            fork_each = false;
        } else if (strcmp(argv[i], "--list") == 0) {
            list = true;
        } else {
            filter = argv[i];
        }
    }
    qsort(tests, test_count, sizeof(tests[0]), cmp_tests);
    size_t passed = 0;
    size_t failed = 0;
    for (size_t i = 0; i < test_count; i++) {
        const struct harness_test *t = &tests[i];
        if (filter && strstr(t->name, filter) == NULL && strstr(t->file, filter) == NULL) {
            continue;
        }
        if (list) {
            printf("%s\n", t->name);
            continue;
        }
        bool ok;
        if (fork_each) {
            ok = run_forked(t);
        } else {
            t->fn();
            ok = true;
        }
        printf("%s %s\n", ok ? "ok  " : "FAIL", t->name);
        if (ok) {
            passed++;
        } else {
            failed++;
        }
    }
    if (!list) {
        printf("%zu passed, %zu failed\n", passed, failed);
    }
    return failed ? 1 : 0;
}
