/* SPDX-License-Identifier: MIT */
/*
 * The kiln binary: `kiln serve [options]`, `kiln --help`, `kiln --version`. Wires the
 * configuration, the JavaScript engine (api/) and the HTTP server (http/) together, writes the
 * port file once Kiln accepts connections, and drains on SIGINT/SIGTERM.
 * Everything but this file is in libkiln.a.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "api/api.h"
#include "app/app.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/log.h"
#include "base/rc.h"
#include "base/rnd.h"
#include "db/db.h"
#include "http/http.h"

static const struct log_ctx app_log = { .mod = "app" };

static void usage(FILE *f)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    app_config_help(&b);
    fprintf(f,
            "kiln %s: a server-side JavaScript application engine\n\n"
            "usage:\n"
            "  kiln serve [options]   serve the scripts (see below)\n"
            "  kiln --version         print the version\n"
            "  kiln --help            print this help\n\n"
            "options (flags beat KILN_* variables beat the --config INI file):\n%s",
            APP_VERSION, b.ptr ? b.ptr : "");
    buf_fini(&b);
}

static int make_dirs(const char *path, struct diag *d)
{
    char tmp[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(tmp)) {
        return diag_set(d, RC_INVAL, "bad data folder path");
    }
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] == '/' || tmp[i] == '\0') {
            char c = tmp[i];
            tmp[i] = '\0';
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
                return diag_set_errno(d, errno, "cannot create folder %s", tmp);
            }
            tmp[i] = c;
        }
    }
    return RC_OK;
}

/* Write the port to path atomically (temporary file + rename), so a reader never sees half. */
static int write_port_file(const char *path, int port, struct diag *d)
{
    char tmp[4096];
    (void)snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        return diag_set_errno(d, errno, "cannot write port file %s", tmp);
    }
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        return diag_set_errno(d, errno, "cannot write port file %s", path);
    }
    return RC_OK;
}

/* Write the new admin token to path, readable by the owner only (0600). */
static int write_token_file(const char *path, const char *token, struct diag *d)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return diag_set_errno(d, errno, "cannot write %s", path);
    }
    size_t n = strlen(token);
    bool ok = fchmod(fd, 0600) == 0 && write(fd, token, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
    int saved = errno;
    if (close(fd) != 0 || !ok) {
        return diag_set_errno(d, ok ? errno : saved, "cannot write %s", path);
    }
    return RC_OK;
}

/*
 * The admin token (spec/80-engine-http.md §2): --admin-token / KILN_ADMIN_TOKEN sets it (its
 * hash is stored); else the stored hash is reused; else (first start) a random 32-byte token is
 * made, its hash stored, the token printed once on stderr and written to <data>/admin-token
 * (0600). Only the hash stays in memory: out_hash gets its 64 hex digits.
 */
static int setup_admin_token(const struct app_config *cfg, struct db *db, char out_hash[65],
                             struct diag *d)
{
    if (cfg->admin_token != NULL && cfg->admin_token[0] != '\0') {
        db_sha256_hex(str_from_cstr(cfg->admin_token), out_hash);
        return db_admin_token_set(db, str_make(out_hash, 64), d);
    }
    struct arena *a = arena_new(256);
    struct str stored;
    int rc = db_admin_token_get(db, a, d, &stored);
    if (rc == RC_OK && stored.len == 64) {
        memcpy(out_hash, stored.ptr, 64);
        out_hash[64] = '\0';
        arena_free(a);
        return RC_OK;
    }
    arena_free(a);
    if (rc != RC_OK && rc != RC_NOTFOUND) {
        return rc;
    }
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[32];
    char token[65];
    rnd_bytes(raw, sizeof(raw));
    for (size_t i = 0; i < sizeof(raw); i++) {
        token[2 * i] = hex[raw[i] >> 4];
        token[(2 * i) + 1] = hex[raw[i] & 0x0f];
    }
    token[64] = '\0';
    db_sha256_hex(str_make(token, 64), out_hash);
    char path[4096];
    if ((size_t)snprintf(path, sizeof(path), "%s/admin-token", cfg->data_dir) >= sizeof(path)) {
        return diag_set(d, RC_INVAL, "data folder path too long");
    }
    rc = write_token_file(path, token, d);
    if (rc == RC_OK) {
        rc = db_admin_token_set(db, str_make(out_hash, 64), d);
    }
    if (rc == RC_OK) {
        fprintf(stderr,
                "kiln: admin token (shown once; also in %s, mode 0600):\n  %s\n"
                "kiln: use it as \"Authorization: Bearer <token>\" on /engine/api/\n",
                path, token);
    }
    return rc;
}

/* Open (and migrate) the store "<data>/kiln.db" once, and set up the admin token; the engine's
 * threads open their own connections on the same file (db_path, written here). */
static int open_store(const struct app_config *cfg, char *db_path, size_t cap, char token_hash[65],
                      struct db **out_db, struct diag *d)
{
    if ((size_t)snprintf(db_path, cap, "%s/kiln.db", cfg->data_dir) >= cap) {
        return diag_set(d, RC_INVAL, "data folder path too long");
    }
    struct db_options opts = { .no_fsync = cfg->no_fsync };
    int rc = db_open(db_path, &opts, d, out_db);
    if (rc != RC_OK) {
        return rc;
    }
    return setup_admin_token(cfg, *out_db, token_hash, d);
}

/* Start the engine and deploy the scripts: those kept in the store first, then the folder's
 * (its source of truth), which it watches. *out_engine is set even on failure (to stop it). */
static int start_engine(const struct app_config *cfg, const struct api_config *acfg,
                        struct api_engine **out_engine, struct diag *d)
{
    int rc = api_engine_start(acfg, out_engine, d);
    if (rc != RC_OK) {
        return rc;
    }
    api_engine_load_store(*out_engine, cfg->scripts_dir != NULL);
    return cfg->scripts_dir ? api_engine_watch_dir(*out_engine, cfg->scripts_dir, d) : RC_OK;
}

static void on_signal(uv_signal_t *h, int signum)
{
    log_info(&app_log, "signal received, draining signal=%d", signum);
    uv_stop(h->loop);
}

static size_t threads_or_default(int64_t configured, size_t per_core)
{
    if (configured > 0) {
        return (size_t)configured;
    }
    size_t cores = (size_t)uv_available_parallelism();
    return (cores ? cores : 1) * per_core;
}

/* Room for max_connections sockets plus Kiln's own descriptors (store files, eventfds,
 * listeners, the engine's threads): raise the soft open-file limit toward the hard one, as a
 * server must (Debian's default soft limit is 1,024), and say so when it stays too low. */
#define FD_RESERVE 1024

static void raise_fd_limit(const struct app_config *cfg)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        return;
    }
    rlim_t want = (rlim_t)cfg->max_connections + FD_RESERVE;
    if (rl.rlim_cur >= want) {
        return;
    }
    rlim_t old = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        rl.rlim_cur = old;
    }
    if (rl.rlim_cur < want) {
        log_warn(&app_log,
                 "open file limit below max_connections + %d; connections past it fail "
                 "(raise ulimit -n) limit=%llu max_connections=%lld",
                 FD_RESERVE, (unsigned long long)rl.rlim_cur, (long long)cfg->max_connections);
    } else if (rl.rlim_cur != old) {
        log_info(&app_log, "open file limit raised from=%llu to=%llu", (unsigned long long)old,
                 (unsigned long long)rl.rlim_cur);
    }
}

static int serve(struct app_config *cfg, struct diag *d)
{
    struct api_engine *engine = NULL;
    struct http_server *server = NULL;
    struct db *db = NULL;
    char db_path[4096];
    char token_hash[65];
    uv_loop_t *loop = uv_default_loop();
    uv_signal_t sigint;
    uv_signal_t sigterm;
    bool signals_on = false;

    log_set_level(cfg->log_level);
    raise_fd_limit(cfg);
    int rc = make_dirs(cfg->data_dir, d);
    if (rc != RC_OK) {
        goto out;
    }
    rc = open_store(cfg, db_path, sizeof(db_path), token_hash, &db, d);
    if (rc != RC_OK) {
        goto out;
    }
    struct api_config acfg = {
        .js_threads = threads_or_default(cfg->js_threads, 2),
        .exec_timeout_ms = cfg->exec_timeout_ms,
        .init_timeout_ms = cfg->init_timeout_ms,
        .heap_limit_bytes = (size_t)cfg->heap_limit_mb * 1024 * 1024,
        .dev = cfg->dev,
        .server_header = "kiln/" APP_VERSION,
        .db_path = db_path,
        .db_opts = { .no_fsync = cfg->no_fsync },
        .group_sync = !cfg->no_fsync && !cfg->fsync_each_commit,
        .batch_sched = cfg->batch_sched,
        .admin_token_hash = token_hash,
        .admin_remote = cfg->admin_remote,
        .backups_keep = (size_t)cfg->backups_keep,
        .version = APP_VERSION,
        .asset_max_bytes = (size_t)cfg->max_asset_bytes,
        .cache_ns_max_bytes = (size_t)cfg->cache_max_mb * 1024 * 1024,
        .cache_ns_max_entries = (size_t)cfg->cache_max_entries,
        .test_user_header = cfg->test_user_header,
        .multipart = { .max_parts = (size_t)cfg->multipart_max_parts,
                       .max_part_bytes = (size_t)cfg->multipart_max_part_bytes,
                       .max_header_bytes = (size_t)cfg->multipart_max_header_bytes,
                       .max_total_bytes = (size_t)cfg->max_body_bytes },
    };
    rc = start_engine(cfg, &acfg, &engine, d);
    if (rc != RC_OK) {
        goto out;
    }
    struct http_server_config scfg = {
        .listen_host = cfg->listen_host,
        .listen_port = cfg->listen_port,
        .io_threads = threads_or_default(cfg->io_threads, 1),
        .dispatch = api_engine_dispatch,
        .dispatch_arg = engine,
        .body_limit = api_engine_body_limit,
        .body_limit_arg = engine,
        .server_header = "kiln/" APP_VERSION,
        .batch_sched = cfg->batch_sched,
    };
    http_limits_default(&scfg.limits);
    scfg.limits.max_header_bytes = (size_t)cfg->max_header_bytes;
    scfg.limits.max_headers = (size_t)cfg->max_headers;
    scfg.limits.max_body_bytes = (size_t)cfg->max_body_bytes;
    scfg.limits.header_timeout_ms = cfg->header_timeout_ms;
    scfg.limits.idle_timeout_ms = cfg->idle_timeout_ms;
    scfg.limits.max_connections = (size_t)cfg->max_connections;
    rc = http_server_start(&scfg, &server, d);
    if (rc != RC_OK) {
        goto out;
    }
    api_engine_attach_server(engine, server);
    int port = http_server_port(server);
    log_info(&app_log, "listening host=%s port=%d io_threads=%zu js_threads=%zu dev=%d",
             cfg->listen_host, port, scfg.io_threads, acfg.js_threads, cfg->dev);
    if (cfg->port_file) {
        rc = write_port_file(cfg->port_file, port, d);
        if (rc != RC_OK) {
            goto out;
        }
    }
    uv_signal_init(loop, &sigint);
    uv_signal_init(loop, &sigterm);
    uv_signal_start(&sigint, on_signal, SIGINT);
    uv_signal_start(&sigterm, on_signal, SIGTERM);
    signals_on = true;
    uv_run(loop, UV_RUN_DEFAULT);
out:
    http_server_stop(server, cfg->drain_timeout_ms);
    api_engine_stop(engine);
    db_close(db);
    if (signals_on) {
        uv_close((uv_handle_t *)&sigint, NULL);
        uv_close((uv_handle_t *)&sigterm, NULL);
        uv_run(loop, UV_RUN_DEFAULT);
    }
    (void)uv_loop_close(loop);
    if (rc == RC_OK) {
        log_info(&app_log, "stopped");
    }
    return rc;
}

int main(int argc, char **argv, char **envp)
{
    struct sigaction ign;
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &ign, NULL);

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("kiln %s\n", APP_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "serve") != 0) {
        fprintf(stderr, "kiln: unknown command \"%s\" (see kiln --help)\n", argv[1]);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
    }
    struct diag d;
    diag_clear(&d);
    struct app_config cfg;
    int rc = app_config_load(&cfg, argc - 2, argv + 2, envp, &d);
    if (rc != RC_OK) {
        fprintf(stderr, "kiln: %s\n", d.msg);
        app_config_fini(&cfg);
        return 2;
    }
    rc = serve(&cfg, &d);
    if (rc != RC_OK) {
        log_error(&app_log, "cannot serve: %s", d.msg);
    }
    app_config_fini(&cfg);
    return rc == RC_OK ? 0 : 1;
}
