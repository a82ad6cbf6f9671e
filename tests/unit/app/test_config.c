/* SPDX-License-Identifier: MIT */
/* Unit tests for app/app_config.c: defaults, file < environment < flags, errors. */
#include <stdio.h>

#include "app/app.h"
#include "base/diag.h"
#include "harness.h"

TEST(config_defaults)
{
    struct app_config cfg;
    struct diag d;
    char *envp[] = { NULL };
    ASSERT_OK(app_config_load(&cfg, 0, NULL, envp, &d));
    ASSERT_EQ_STR(cfg.listen_host, "0.0.0.0");
    ASSERT_EQ_INT(cfg.listen_port, 8080);
    ASSERT_EQ_STR(cfg.data_dir, "./kiln-data");
    ASSERT_NULL(cfg.scripts_dir);
    ASSERT_EQ_INT(cfg.exec_timeout_ms, 5000);
    ASSERT_EQ_INT(cfg.max_body_bytes, 10485760);
    ASSERT_FALSE(cfg.dev);
    app_config_fini(&cfg);
}

TEST(config_precedence_file_env_flags)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/kiln.ini", harness_tmpdir());
    FILE *f = fopen(path, "w");
    ASSERT_NOT_NULL(f);
    fprintf(f, "listen = 127.0.0.1:9000\ndata = /tmp/from-file\n[limits]\nexec_timeout_ms = 1000\n"
               "max_headers = 50\n");
    fclose(f);
    char cfgarg[600];
    snprintf(cfgarg, sizeof(cfgarg), "--config=%s", path);
    char env1[] = "KILN_LIMITS_EXEC_TIMEOUT_MS=2000";
    char env2[] = "KILN_DATA=/tmp/from-env";
    char *envp[] = { env1, env2, NULL };
    char a1[] = "--listen", a2[] = "[::1]:0", a3[] = "--dev";
    char *argv[] = { cfgarg, a1, a2, a3 };
    struct app_config cfg;
    struct diag d;
    ASSERT_OK(app_config_load(&cfg, 4, argv, envp, &d));
    ASSERT_EQ_STR(cfg.listen_host, "::1"); /* flag beats file */
    ASSERT_EQ_INT(cfg.listen_port, 0);
    ASSERT_EQ_STR(cfg.data_dir, "/tmp/from-env"); /* env beats file */
    ASSERT_EQ_INT(cfg.exec_timeout_ms, 2000);
    ASSERT_EQ_INT(cfg.max_headers, 50); /* file beats default */
    ASSERT_TRUE(cfg.dev);
    app_config_fini(&cfg);
}

TEST(config_errors_are_clear)
{
    struct app_config cfg;
    struct diag d;
    char *envp[] = { NULL };
    char a1[] = "--nope";
    char *argv1[] = { a1 };
    ASSERT_RC(app_config_load(&cfg, 1, argv1, envp, &d), RC_INVAL);
    ASSERT_TRUE(strstr(d.msg, "unknown option") != NULL);
    app_config_fini(&cfg);

    char b1[] = "--exec-timeout-ms", b2[] = "abc";
    char *argv2[] = { b1, b2 };
    ASSERT_RC(app_config_load(&cfg, 2, argv2, envp, &d), RC_INVAL);
    ASSERT_TRUE(strstr(d.msg, "exec_timeout_ms must be an integer") != NULL);
    app_config_fini(&cfg);

    char c1[] = "--listen=nohost";
    char *argv3[] = { c1 };
    ASSERT_RC(app_config_load(&cfg, 1, argv3, envp, &d), RC_INVAL);
    app_config_fini(&cfg);

    char e1[] = "KILN_LIMITS_MAX_HEADERS=0";
    char *envp2[] = { e1, NULL };
    ASSERT_RC(app_config_load(&cfg, 0, NULL, envp2, &d), RC_INVAL);
    ASSERT_TRUE(strstr(d.msg, "KILN_LIMITS_MAX_HEADERS") != NULL);
    app_config_fini(&cfg);

    char path[512];
    snprintf(path, sizeof(path), "%s/bad.ini", harness_tmpdir());
    FILE *f = fopen(path, "w");
    fprintf(f, "[limits]\nbogus = 1\n");
    fclose(f);
    char g[600];
    snprintf(g, sizeof(g), "--config=%s", path);
    char *argv4[] = { g };
    ASSERT_RC(app_config_load(&cfg, 1, argv4, envp, &d), RC_INVAL);
    ASSERT_TRUE(strstr(d.msg, "[limits]: unknown key \"bogus\"") != NULL);
    app_config_fini(&cfg);
}
