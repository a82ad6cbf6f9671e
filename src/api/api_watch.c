/* SPDX-License-Identifier: MIT */
/*
 * Folder mode (spec/00-overview.md §2): every *.js file under a folder (outside *.assets
 * folders) is a script whose URI is its relative path. Start-up loads them in byte order of
 * URI on the caller's thread; then a thread of its own polls the folder every
 * WATCH_POLL_MS (inotify is not recursive, and polling also covers editors that replace files)
 * and redeploys a file once its size and mtime held still for one poll (the debounce), or
 * removes the script of a deleted file.
 * Thread contract: api_engine_watch_dir and api_watch_stop on the main thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>

#include "api/api_admin.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rc.h"

#define WATCH_POLL_MS   250
#define WATCH_MAX_DEPTH 16

static const struct log_ctx watch_log = { .mod = "api", .action = "while watching scripts" };

struct watch_stat {
    int64_t mtime_ns;
    int64_t size;
};

struct watch_file {
    struct watch_stat deployed;  /* what was last deployed (or tried) */
    struct watch_stat candidate; /* a change seen on the previous poll */
    bool has_candidate;
    bool seen;
};

struct api_watch {
    struct api_engine *e;
    char *dir;
    struct map *files; /* uri -> struct watch_file */
    uv_thread_t thread;
    uv_loop_t loop;
    uv_timer_t timer;
    uv_async_t stop;
    bool running;
    struct db *db; /* the store (lazy): folder scripts are synced into it */
};

/* The watcher's store connection, or NULL without a store (then nothing is synced). */
static struct db *watch_db(struct api_watch *w)
{
    struct diag d;
    if (w->db == NULL && w->e->cfg.db_path != NULL &&
        api_engine_db_open(w->e, &w->db, &d) != RC_OK) {
        w->db = NULL;
        log_error(&watch_log, "cannot open the store msg=\"%s\"", d.msg);
    }
    return w->db;
}

static bool watch_has_file(void *arg, struct str uri)
{
    const struct api_watch *w = arg;
    return map_find(w->files, uri) != NULL;
}

struct found {
    char *uri;
    struct watch_stat st;
};

typedef VEC(struct found) found_vec;

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s);
    size_t m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static void scan(const char *root, const char *rel, int depth, found_vec *out);

/* Look at one directory entry: recurse into folders (not *.assets), collect *.js files. */
static void scan_entry(const char *root, const char *rel, const char *name, int depth,
                       found_vec *out)
{
    struct buf child;
    buf_init(&child, 8192);
    struct buf full;
    buf_init(&full, 8192);
    struct stat st;
    if (buf_try_printf(&child, "%s%s%s", rel, rel[0] ? "/" : "", name) != RC_OK ||
        buf_try_printf(&full, "%s/%s", root, child.ptr) != RC_OK || stat(full.ptr, &st) != 0) {
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        if (!has_suffix(name, ".assets") && depth < WATCH_MAX_DEPTH) {
            scan(root, child.ptr, depth + 1, out);
        }
    } else if (S_ISREG(st.st_mode) && has_suffix(name, ".js")) {
        struct found f = {
            .uri = mem_strdup(child.ptr),
            .st = { .mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
                    .size = (int64_t)st.st_size },
        };
        VEC_PUSH(out, f);
    }
out:
    buf_fini(&child);
    buf_fini(&full);
}

static void scan(const char *root, const char *rel, int depth, found_vec *out)
{
    struct buf path;
    buf_init(&path, 8192);
    DIR *d = NULL;
    if (buf_try_printf(&path, "%s%s%s", root, rel[0] ? "/" : "", rel) == RC_OK) {
        d = opendir(path.ptr);
    }
    if (d != NULL) {
        const struct dirent *de;
        /* readdir is safe here: each DIR stream is used by one thread only. */
        while ((de = readdir(d)) != NULL) { /* NOLINT(concurrency-mt-unsafe) */
            if (de->d_name[0] != '.') {
                scan_entry(root, rel, de->d_name, depth, out);
            }
        }
        closedir(d);
    }
    buf_fini(&path);
}

static int cmp_found(const void *a, const void *b)
{
    const struct found *x = a;
    const struct found *y = b;
    return str_cmp(str_from_cstr(x->uri), str_from_cstr(y->uri));
}

static void free_found(found_vec *v)
{
    for (size_t i = 0; i < v->count; i++) {
        mem_free(v->items[i].uri);
    }
    VEC_FREE(v);
}

/* Read the file at path into src. RC_OK, RC_IO or RC_LIMIT (logged). */
static int read_source(const char *path, struct buf *src)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        log_warn(&watch_log, "cannot open script path=%s errno=%d", path, errno);
        return RC_IO;
    }
    int rc = RC_OK;
    for (;;) {
        char chunk[65536];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            rc = n < 0 ? RC_IO : RC_OK;
            break;
        }
        rc = buf_try_append(src, chunk, (size_t)n);
        if (rc != RC_OK) {
            break;
        }
    }
    close(fd);
    if (rc == RC_LIMIT) {
        log_error(&watch_log, "script too large path=%s limit=%zu", path, API_MAX_SOURCE_BYTES);
    }
    return rc;
}

/* Read dir/uri and deploy it; errors are logged by the deploy. */
static void deploy_file(struct api_watch *w, const char *uri)
{
    struct buf path;
    buf_init(&path, 8192);
    struct buf src;
    buf_init(&src, API_MAX_SOURCE_BYTES + 1);
    struct diag d;
    diag_clear(&d);
    if (buf_try_printf(&path, "%s/%s", w->dir, uri) == RC_OK &&
        read_source(path.ptr, &src) == RC_OK) {
        struct db *db = watch_db(w);
        if (db != NULL && api_check_uri(str_from_cstr(uri), &d) == RC_OK) {
            api_scripts_folder_put(w->e, db, str_from_cstr(uri), buf_str(&src));
        }
        if (api_engine_deploy(w->e, str_from_cstr(uri), buf_str(&src), &d) != RC_OK) {
            /* logged by api_engine_deploy; the previous version keeps serving */
        }
    }
    buf_fini(&path);
    buf_fini(&src);
}

static bool same_stat(struct watch_stat a, struct watch_stat b)
{
    return a.mtime_ns == b.mtime_ns && a.size == b.size;
}

/* One file seen by a poll: deploy it when it is new (at start-up) or changed and stable. */
static void poll_file(struct api_watch *w, const struct found *f, bool initial)
{
    struct watch_file *wf = map_find(w->files, str_from_cstr(f->uri));
    if (wf == NULL) {
        wf = mem_calloc(1, sizeof(*wf));
        map_set(w->files, str_from_cstr(f->uri), wf, NULL);
        wf->seen = true;
        if (initial) {
            wf->deployed = f->st;
            deploy_file(w, f->uri);
            return;
        }
        /* a new file: wait one poll for it to be complete */
        wf->deployed.mtime_ns = -1;
        wf->candidate = f->st;
        wf->has_candidate = true;
        return;
    }
    wf->seen = true;
    if (same_stat(wf->deployed, f->st)) {
        wf->has_candidate = false;
        return;
    }
    if (wf->has_candidate && same_stat(wf->candidate, f->st)) {
        wf->deployed = f->st;
        wf->has_candidate = false;
        deploy_file(w, f->uri);
        return;
    }
    wf->candidate = f->st;
    wf->has_candidate = true;
}

/* Remove the scripts of files no poll saw this time. */
static void remove_unseen(struct api_watch *w)
{
    found_vec gone = { 0 };
    size_t it = 0;
    struct str key;
    void *val;
    while (map_next(w->files, &it, &key, &val)) {
        if (((struct watch_file *)val)->seen) {
            continue;
        }
        struct found g = { .uri = mem_strndup(key) };
        VEC_PUSH(&gone, g);
    }
    for (size_t i = 0; i < gone.count; i++) {
        mem_free(map_remove(w->files, str_from_cstr(gone.items[i].uri)));
        api_engine_remove(w->e, str_from_cstr(gone.items[i].uri));
        if (watch_db(w) != NULL) {
            api_scripts_folder_delete(w->e, w->db, str_from_cstr(gone.items[i].uri));
        }
    }
    free_found(&gone);
}

static void poll_once(struct api_watch *w, bool initial)
{
    found_vec found = { 0 };
    scan(w->dir, "", 0, &found);
    if (found.count > 1) {
        qsort(found.items, found.count, sizeof(*found.items), cmp_found);
    }
    size_t it = 0;
    struct str key;
    void *val;
    while (map_next(w->files, &it, &key, &val)) {
        ((struct watch_file *)val)->seen = false;
    }
    for (size_t i = 0; i < found.count; i++) {
        poll_file(w, &found.items[i], initial);
    }
    remove_unseen(w);
    free_found(&found);
}

static void on_poll(uv_timer_t *t)
{
    poll_once(t->data, false);
}

static void on_stop(uv_async_t *h)
{
    struct api_watch *w = h->data;
    uv_timer_stop(&w->timer);
    uv_close((uv_handle_t *)&w->timer, NULL);
    uv_close((uv_handle_t *)&w->stop, NULL);
}

static void watch_main(void *arg)
{
    struct api_watch *w = arg;
    defs_thread_name("watch", -1);
    uv_run(&w->loop, UV_RUN_DEFAULT);
}

int api_engine_watch_dir(struct api_engine *e, const char *dir, struct diag *d)
{
    if (e->watch != NULL) {
        return diag_set(d, RC_INVAL, "a scripts folder is already watched");
    }
    DIR *probe = opendir(dir);
    if (probe == NULL) {
        return diag_set_errno(d, errno, "cannot read scripts folder %s", dir);
    }
    closedir(probe);
    struct api_watch *w = mem_calloc(1, sizeof(*w));
    w->e = e;
    w->dir = mem_strdup(dir);
    w->files = map_new();
    poll_once(w, true);
    if (watch_db(w) != NULL) {
        api_scripts_folder_prune(e, w->db, watch_has_file, w);
    }
    e->watch = w;
    int rc = uv_loop_init(&w->loop);
    if (rc != 0) {
        return diag_set(d, RC_IO, "watch loop: %s", uv_strerror(rc));
    }
    uv_timer_init(&w->loop, &w->timer);
    w->timer.data = w;
    uv_async_init(&w->loop, &w->stop, on_stop);
    w->stop.data = w;
    uv_timer_start(&w->timer, on_poll, WATCH_POLL_MS, WATCH_POLL_MS);
    rc = uv_thread_create(&w->thread, watch_main, w);
    if (rc != 0) {
        return diag_set(d, RC_IO, "watch thread: %s", uv_strerror(rc));
    }
    w->running = true;
    log_info(&watch_log, "watching scripts dir=%s scripts=%zu", dir, map_count(w->files));
    return RC_OK;
}

void api_watch_stop(struct api_engine *e)
{
    struct api_watch *w = e->watch;
    if (w == NULL) {
        return;
    }
    if (w->running) {
        uv_async_send(&w->stop);
        uv_thread_join(&w->thread);
        (void)uv_loop_close(&w->loop);
    }
    size_t it = 0;
    struct str key;
    void *val;
    while (map_next(w->files, &it, &key, &val)) {
        mem_free(val);
    }
    map_free(w->files);
    db_close(w->db);
    mem_free(w->dir);
    mem_free(w);
    e->watch = NULL;
}
