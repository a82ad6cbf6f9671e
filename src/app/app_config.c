/* SPDX-License-Identifier: MIT */
/*
 * Configuration from one table of options: each option has a flag, an INI section and key,
 * and an environment variable derived from them ([limits] exec_timeout_ms is
 * KILN_LIMITS_EXEC_TIMEOUT_MS; top-level listen is KILN_LISTEN). Sources are applied in the
 * order defaults, file, environment, flags, so a later source wins.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ini.h>

#include "app/app.h"
#include "base/buf.h"
#include "base/diag.h"
#include "base/mem.h"
#include "base/rc.h"
#include "base/str.h"

enum opt_type {
    OPT_STRING,
    OPT_BOOL,
    OPT_INT,
    OPT_LEVEL,
};

struct app_option {
    const char *flag;    /* without "--" */
    const char *section; /* "" for top level */
    const char *key;
    enum opt_type type;
    size_t offset;
    int64_t min; /* OPT_INT range */
    int64_t max;
    const char *def; /* default as text */
    const char *help;
};

#define OFF(field) offsetof(struct app_config, field)

static const struct app_option options[] = {
    { .flag = "listen",
      .section = "",
      .key = "listen",
      .type = OPT_STRING,
      .offset = OFF(listen),
      .def = "0.0.0.0:8080",
      .help = "address and port to listen on; port 0 picks a free one" },
    { .flag = "data",
      .section = "",
      .key = "data",
      .type = OPT_STRING,
      .offset = OFF(data_dir),
      .def = "./kiln-data",
      .help = "data folder (store, admin token)" },
    { .flag = "scripts",
      .section = "",
      .key = "scripts",
      .type = OPT_STRING,
      .offset = OFF(scripts_dir),
      .help = "folder of *.js scripts, reloaded on change" },
    { .flag = "port-file",
      .section = "",
      .key = "port_file",
      .type = OPT_STRING,
      .offset = OFF(port_file),
      .help = "write the bound port here once Kiln accepts" },
    { .flag = "admin-token",
      .section = "",
      .key = "admin_token",
      .type = OPT_STRING,
      .offset = OFF(admin_token),
      .help = "bearer token for /engine administration" },
    { .flag = "admin-remote",
      .section = "",
      .key = "admin_remote",
      .type = OPT_BOOL,
      .offset = OFF(admin_remote),
      .def = "false",
      .help = "accept the admin token from non-loopback addresses too" },
    { .flag = "backups-keep",
      .section = "",
      .key = "backups_keep",
      .type = OPT_INT,
      .offset = OFF(backups_keep),
      .min = 0,
      .max = 100000,
      .def = "10",
      .help = "copies of the store POST /engine/api/backup keeps in <data>/backups (the oldest "
              "beyond are removed; 0: keep all)" },
    { .flag = "db",
      .section = "",
      .key = "db",
      .type = OPT_STRING,
      .offset = OFF(db_url),
      .help = "store URL (default: SQLite in the data folder)" },
    { .flag = "config",
      .section = "",
      .key = "config",
      .type = OPT_STRING,
      .offset = OFF(config_file),
      .help = "INI configuration file" },
    { .flag = "dev",
      .section = "",
      .key = "dev",
      .type = OPT_BOOL,
      .offset = OFF(dev),
      .def = "false",
      .help = "dev mode: error details and stacks in responses" },
    { .flag = "no-fsync",
      .section = "",
      .key = "no_fsync",
      .type = OPT_BOOL,
      .offset = OFF(no_fsync),
      .def = "false",
      .help = "never wait for the disk (SQLite synchronous=NORMAL): writes survive a crash of "
              "Kiln, not of the machine" },
    { .flag = "fsync-each-commit",
      .section = "",
      .key = "fsync_each_commit",
      .type = OPT_BOOL,
      .offset = OFF(fsync_each_commit),
      .def = "false",
      .help = "fsync every store commit before its call returns (synchronous=FULL), instead of "
              "one fsync for all the commits a response waits for" },
    { .flag = "io-threads",
      .section = "",
      .key = "io_threads",
      .type = OPT_INT,
      .offset = OFF(io_threads),
      .min = 0,
      .max = 256,
      .def = "0",
      .help = "I/O threads (0: one per core)" },
    { .flag = "js-threads",
      .section = "",
      .key = "js_threads",
      .type = OPT_INT,
      .offset = OFF(js_threads),
      .min = 0,
      .max = 256,
      .def = "0",
      .help = "JavaScript executor threads (0: two per core)" },
    { .flag = "batch-sched",
      .section = "",
      .key = "batch_sched",
      .type = OPT_BOOL,
      .offset = OFF(batch_sched),
      .def = "true",
      .help = "run the I/O and sync threads as SCHED_BATCH: their wake-ups do not preempt a "
              "running JavaScript executor (fewer context switches on a busy core)" },
    { .flag = "log-level",
      .section = "",
      .key = "log_level",
      .type = OPT_LEVEL,
      .offset = OFF(log_level),
      .def = "info",
      .help = "error | warn | info | debug" },
    { .flag = "cache-max-mb",
      .section = "cache",
      .key = "max_mb",
      .type = OPT_INT,
      .offset = OFF(cache_max_mb),
      .min = 1,
      .max = 65536,
      .def = "64",
      .help = "cache memory budget per script (LRU eviction beyond it)" },
    { .flag = "cache-max-entries",
      .section = "cache",
      .key = "max_entries",
      .type = OPT_INT,
      .offset = OFF(cache_max_entries),
      .min = 1,
      .max = 100000000,
      .def = "10000",
      .help = "cache entries per script" },
    { .flag = "test-user-header",
      .section = "",
      .key = "test_user_header",
      .type = OPT_BOOL,
      .offset = OFF(test_user_header),
      .def = "false",
      .help = "tests only: X-Kiln-Test-User names the caller of personalStorage" },
    { .flag = "exec-timeout-ms",
      .section = "limits",
      .key = "exec_timeout_ms",
      .type = OPT_INT,
      .offset = OFF(exec_timeout_ms),
      .min = 1,
      .max = 3600000,
      .def = "5000",
      .help = "execution time limit of one invocation" },
    { .flag = "init-timeout-ms",
      .section = "limits",
      .key = "init_timeout_ms",
      .type = OPT_INT,
      .offset = OFF(init_timeout_ms),
      .min = 1,
      .max = 3600000,
      .def = "30000",
      .help = "time limit of a script's top level + init()" },
    { .flag = "heap-limit-mb",
      .section = "limits",
      .key = "heap_limit_mb",
      .type = OPT_INT,
      .offset = OFF(heap_limit_mb),
      .min = 16,
      .max = 65536,
      .def = "512",
      .help = "JavaScript heap per executor" },
    { .flag = "max-header-bytes",
      .section = "limits",
      .key = "max_header_bytes",
      .type = OPT_INT,
      .offset = OFF(max_header_bytes),
      .min = 1024,
      .max = 16777216,
      .def = "65536",
      .help = "request line + headers (431 beyond)" },
    { .flag = "max-headers",
      .section = "limits",
      .key = "max_headers",
      .type = OPT_INT,
      .offset = OFF(max_headers),
      .min = 1,
      .max = 10000,
      .def = "100",
      .help = "header count (431 beyond)" },
    { .flag = "max-body-bytes",
      .section = "limits",
      .key = "max_body_bytes",
      .type = OPT_INT,
      .offset = OFF(max_body_bytes),
      .min = 0,
      .max = 104857600,
      .def = "10485760",
      .help = "request body (413 beyond)" },
    { .flag = "max-asset-bytes",
      .section = "limits",
      .key = "max_asset_bytes",
      .type = OPT_INT,
      .offset = OFF(max_asset_bytes),
      .min = 1,
      .max = 16777216,
      .def = "10485760",
      .help = "one asset (413 PAYLOAD_TOO_LARGE beyond)" },
    { .flag = "multipart-max-parts",
      .section = "limits",
      .key = "multipart_max_parts",
      .type = OPT_INT,
      .offset = OFF(multipart_max_parts),
      .min = 1,
      .max = 100000,
      .def = "100",
      .help = "parts of a multipart/form-data body (413 beyond)" },
    { .flag = "multipart-max-part-bytes",
      .section = "limits",
      .key = "multipart_max_part_bytes",
      .type = OPT_INT,
      .offset = OFF(multipart_max_part_bytes),
      .min = 1,
      .max = 104857600,
      .def = "10485760",
      .help = "one part (a file) of a multipart/form-data body (413 beyond)" },
    { .flag = "multipart-max-header-bytes",
      .section = "limits",
      .key = "multipart_max_header_bytes",
      .type = OPT_INT,
      .offset = OFF(multipart_max_header_bytes),
      .min = 256,
      .max = 1048576,
      .def = "16384",
      .help = "header lines of one part of a multipart/form-data body (413 beyond)" },
    { .flag = "header-timeout-ms",
      .section = "limits",
      .key = "header_timeout_ms",
      .type = OPT_INT,
      .offset = OFF(header_timeout_ms),
      .min = 100,
      .max = 3600000,
      .def = "10000",
      .help = "all request headers must arrive within" },
    { .flag = "idle-timeout-ms",
      .section = "limits",
      .key = "idle_timeout_ms",
      .type = OPT_INT,
      .offset = OFF(idle_timeout_ms),
      .min = 100,
      .max = 86400000,
      .def = "60000",
      .help = "idle keep-alive connections are closed after" },
    { .flag = "max-connections",
      .section = "limits",
      .key = "max_connections",
      .type = OPT_INT,
      .offset = OFF(max_connections),
      .min = 1,
      .max = 1000000,
      .def = "10000",
      .help = "open connections per instance (503 beyond)" },
    { .flag = "drain-timeout-ms",
      .section = "limits",
      .key = "drain_timeout_ms",
      .type = OPT_INT,
      .offset = OFF(drain_timeout_ms),
      .min = 0,
      .max = 3600000,
      .def = "10000",
      .help = "on SIGINT/SIGTERM, wait this long for in-flight requests" },
};

/* "KILN_" + SECTION_ + KEY, upper-case. */
static void env_name(const struct app_option *o, char *out, size_t n)
{
    if (o->section[0]) {
        (void)snprintf(out, n, "KILN_%s_%s", o->section, o->key);
    } else {
        (void)snprintf(out, n, "KILN_%s", o->key);
    }
    for (char *p = out; *p; p++) {
        *p = (char)toupper((unsigned char)*p);
    }
}

static int set_value(struct app_config *cfg, const struct app_option *o, const char *value,
                     const char *source, struct diag *d)
{
    void *field = (char *)cfg + o->offset;
    switch (o->type) {
    case OPT_STRING: {
        char **s = field;
        mem_free(*s);
        *s = mem_strdup(value);
        return RC_OK;
    }
    case OPT_BOOL: {
        struct str v = str_from_cstr(value);
        bool *b = field;
        if (str_eq_nocase(v, STR("true")) || str_eq(v, STR("1")) || str_eq_nocase(v, STR("yes")) ||
            str_eq_nocase(v, STR("on"))) {
            *b = true;
        } else if (str_eq_nocase(v, STR("false")) || str_eq(v, STR("0")) ||
                   str_eq_nocase(v, STR("no")) || str_eq_nocase(v, STR("off"))) {
            *b = false;
        } else {
            return diag_set(d, RC_INVAL, "%s: %s must be true or false, got \"%s\"", source, o->key,
                            value);
        }
        return RC_OK;
    }
    case OPT_INT: {
        int64_t v;
        if (str_to_i64(str_from_cstr(value), &v) != RC_OK || v < o->min || v > o->max) {
            return diag_set(d, RC_INVAL, "%s: %s must be an integer from %lld to %lld, got \"%s\"",
                            source, o->key, (long long)o->min, (long long)o->max, value);
        }
        *(int64_t *)field = v;
        return RC_OK;
    }
    case OPT_LEVEL: {
        enum log_level lvl;
        if (log_level_parse(str_from_cstr(value), &lvl) != RC_OK) {
            return diag_set(d, RC_INVAL, "%s: %s must be error, warn, info or debug, got \"%s\"",
                            source, o->key, value);
        }
        *(enum log_level *)field = lvl;
        return RC_OK;
    }
    }
    UNREACHABLE();
}

struct ini_state {
    struct app_config *cfg;
    struct diag *d;
    int rc;
    const char *path;
};

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    struct ini_state *st = user;
    char source[600];
    (void)snprintf(source, sizeof(source), "%s [%s]", st->path, section);
    for (size_t i = 0; i < ARRAY_LEN(options); i++) {
        const struct app_option *o = &options[i];
        if (strcmp(o->section, section) == 0 && strcmp(o->key, name) == 0) {
            st->rc = set_value(st->cfg, o, value, source, st->d);
            return st->rc == RC_OK;
        }
    }
    st->rc = diag_set(st->d, RC_INVAL, "%s: unknown key \"%s\"", source, name);
    return 0;
}

static int load_file(struct app_config *cfg, const char *path, struct diag *d)
{
    struct ini_state st = { .cfg = cfg, .d = d, .rc = RC_OK, .path = path };
    int r = ini_parse(path, on_ini, &st);
    if (r < 0) {
        return diag_set(d, RC_INVAL, "cannot read configuration file %s", path);
    }
    if (st.rc != RC_OK) {
        return st.rc;
    }
    if (r > 0) {
        return diag_set(d, RC_INVAL, "%s:%d: syntax error", path, r);
    }
    return RC_OK;
}

static const char *find_env(char **envp, const char *name)
{
    size_t n = strlen(name);
    for (char **e = envp; e && *e; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
            return *e + n + 1;
        }
    }
    return NULL;
}

static const struct app_option *find_flag(struct str flag)
{
    for (size_t i = 0; i < ARRAY_LEN(options); i++) {
        if (str_eq_cstr(flag, options[i].flag)) {
            return &options[i];
        }
    }
    return NULL;
}

/* Split "--name=value" or "--name value"; *io_i advances past what was used. */
static int parse_flag(int argc, char **argv, int *io_i, const struct app_option **out_opt,
                      const char **out_value, struct diag *d)
{
    const char *arg = argv[*io_i];
    *out_opt = NULL;
    *out_value = NULL;
    if (strncmp(arg, "--", 2) != 0) {
        return diag_set(d, RC_INVAL, "unexpected argument \"%s\" (see kiln --help)", arg);
    }
    struct str name = str_from_cstr(arg + 2);
    const char *value = NULL;
    ptrdiff_t eq = str_find_char(name, '=');
    if (eq >= 0) {
        value = name.ptr + eq + 1;
        name.len = (size_t)eq;
    }
    const struct app_option *o = find_flag(name);
    if (o == NULL) {
        return diag_set(d, RC_INVAL, "unknown option \"%s\" (see kiln --help)", arg);
    }
    if (value == NULL) {
        if (o->type == OPT_BOOL) {
            value = "true";
        } else if (*io_i + 1 < argc) {
            *io_i += 1;
            value = argv[*io_i];
        } else {
            return diag_set(d, RC_INVAL, "option --%s needs a value", o->flag);
        }
    }
    *out_opt = o;
    *out_value = value;
    return RC_OK;
}

static int split_listen(struct app_config *cfg, struct diag *d)
{
    struct str l = str_from_cstr(cfg->listen);
    ptrdiff_t colon = -1;
    for (size_t i = 0; i < l.len; i++) {
        if (l.ptr[i] == ':') {
            colon = (ptrdiff_t)i;
        }
    }
    if (colon < 0) {
        return diag_set(d, RC_INVAL, "listen must be HOST:PORT, got \"%s\"", cfg->listen);
    }
    struct str host = str_sub(l, 0, (size_t)colon);
    if (host.len >= 2 && host.ptr[0] == '[' && host.ptr[host.len - 1] == ']') {
        host = str_sub(host, 1, host.len - 2);
    }
    uint64_t port;
    if (str_to_u64(str_sub(l, (size_t)colon + 1, l.len), &port) != RC_OK || port > 65535 ||
        host.len == 0) {
        return diag_set(d, RC_INVAL,
                        "listen must be HOST:PORT with a port from 0 to 65535, got \"%s\"",
                        cfg->listen);
    }
    cfg->listen_host = mem_strndup(host);
    cfg->listen_port = (int)port;
    return RC_OK;
}

static void apply_defaults(struct app_config *cfg)
{
    for (size_t i = 0; i < ARRAY_LEN(options); i++) {
        /* Defaults are valid by construction (tests/unit/app checks them). */
        int rc =
            options[i].def ? set_value(cfg, &options[i], options[i].def, "default", NULL) : RC_OK;
        ASSERT(rc == RC_OK);
    }
}

/* The file is read before the variables and flags, so find its path first: a flag beats the
 * variable. */
static const char *find_config_file(int argc, char **argv, char **envp)
{
    const char *file = find_env(envp, "KILN_CONFIG");
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            file = argv[i + 1];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            file = argv[i] + 9;
        }
    }
    return file;
}

static int apply_env(struct app_config *cfg, char **envp, struct diag *d)
{
    for (size_t i = 0; i < ARRAY_LEN(options); i++) {
        char name[128];
        env_name(&options[i], name, sizeof(name));
        const char *v = find_env(envp, name);
        if (v) {
            int rc = set_value(cfg, &options[i], v, name, d);
            if (rc != RC_OK) {
                return rc;
            }
        }
    }
    return RC_OK;
}

static int apply_flags(struct app_config *cfg, int argc, char **argv, struct diag *d)
{
    for (int i = 0; i < argc; i++) {
        const struct app_option *o = NULL;
        const char *value = NULL;
        int rc = parse_flag(argc, argv, &i, &o, &value, d);
        if (rc != RC_OK || o == NULL) {
            return rc != RC_OK ? rc : RC_INTERNAL;
        }
        char source[80];
        (void)snprintf(source, sizeof(source), "--%s", o->flag);
        rc = set_value(cfg, o, value, source, d);
        if (rc != RC_OK) {
            return rc;
        }
    }
    return RC_OK;
}

int app_config_load(struct app_config *cfg, int argc, char **argv, char **envp, struct diag *d)
{
    memset(cfg, 0, sizeof(*cfg));
    apply_defaults(cfg);
    const char *file = find_config_file(argc, argv, envp);
    int rc = file ? load_file(cfg, file, d) : RC_OK;
    if (rc == RC_OK) {
        rc = apply_env(cfg, envp, d);
    }
    if (rc == RC_OK) {
        rc = apply_flags(cfg, argc, argv, d);
    }
    if (rc == RC_OK) {
        rc = split_listen(cfg, d);
    }
    return rc;
}

void app_config_fini(struct app_config *cfg)
{
    for (size_t i = 0; i < ARRAY_LEN(options); i++) {
        if (options[i].type == OPT_STRING) {
            char **s = (char **)((char *)cfg + options[i].offset);
            mem_free(*s);
            *s = NULL;
        }
    }
    mem_free(cfg->listen_host);
    cfg->listen_host = NULL;
}

void app_config_help(struct buf *out)
{
    for (size_t i = 0; i < ARRAY_LEN(options); i++) {
        const struct app_option *o = &options[i];
        char env[128];
        env_name(o, env, sizeof(env));
        char flag[64];
        (void)snprintf(flag, sizeof(flag), "--%s%s", o->flag, o->type == OPT_BOOL ? "" : " V");
        IGNORE_RC(buf_try_printf(out, "  %-24s %s", flag, o->help));
        if (o->def) {
            IGNORE_RC(buf_try_printf(out, " (default %s)", o->def));
        }
        IGNORE_RC(buf_try_printf(out, "\n  %-24s env %s, ini %s%s%s%s\n", "", env,
                                 o->section[0] ? "[" : "", o->section, o->section[0] ? "] " : "",
                                 o->key));
    }
}
