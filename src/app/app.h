/* SPDX-License-Identifier: MIT */
/*
 * The application layer: configuration (flags beat KILN_* environment variables beat the INI
 * file beat defaults) and the wiring of the server, the engine and signals.
 * Thread contract: main thread only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/defs.h"
#include "base/log.h"

struct diag;

#define APP_VERSION "0.1.0"

struct app_config {
    /* [top level] */
    char *listen;      /* "HOST:PORT"; default "0.0.0.0:8080" */
    char *data_dir;    /* default "./kiln-data" */
    char *scripts_dir; /* default none */
    char *port_file;   /* written with the bound port once Kiln accepts connections */
    char *admin_token;
    bool admin_remote;    /* the admin token is accepted from non-loopback peers too */
    int64_t backups_keep; /* POST /engine/api/backup keeps this many copies (0: all) */
    char *db_url;
    char *config_file;
    bool dev;
    bool no_fsync;          /* store commits not fsynced (synchronous=NORMAL) */
    bool fsync_each_commit; /* every commit fsynced before its call returns (no grouping) */
    int64_t io_threads;     /* 0: one per available core */
    int64_t js_threads;     /* 0: two per available core */
    bool batch_sched;       /* I/O and sync threads SCHED_BATCH (defs_thread_batch) */
    enum log_level log_level;
    /* [limits] */
    int64_t exec_timeout_ms;
    int64_t init_timeout_ms;
    int64_t heap_limit_mb;
    int64_t max_header_bytes;
    int64_t max_headers;
    int64_t max_body_bytes;
    int64_t max_asset_bytes;
    int64_t multipart_max_parts;
    int64_t multipart_max_part_bytes;
    int64_t multipart_max_header_bytes;
    int64_t header_timeout_ms;
    int64_t idle_timeout_ms;
    int64_t max_connections;
    /* [cache] */
    int64_t cache_max_mb;      /* per script */
    int64_t cache_max_entries; /* per script */
    bool test_user_header;     /* personalStorage honours X-Kiln-Test-User (tests only) */
    int64_t drain_timeout_ms;
    /* derived from listen */
    char *listen_host;
    int listen_port;
};

/*
 * Fill cfg from defaults, the INI file (--config / KILN_CONFIG), KILN_* variables (from envp)
 * and the flags in argv[0..argc) (the arguments after "serve"). RC_OK, or RC_INVAL with the
 * reason in d (unknown flag, bad number, unreadable file with its line). Free with
 * app_config_fini().
 */
WARN_UNUSED int app_config_load(struct app_config *cfg, int argc, char **argv, char **envp,
                                struct diag *d);

void app_config_fini(struct app_config *cfg);

/* Write the options' help text (flags, variables, INI keys, defaults) into out. */
void app_config_help(struct buf *out);
