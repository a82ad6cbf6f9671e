-- SPDX-License-Identifier: MIT
-- 0003: what scripts' relational data needs: the namespace of each script (its table prefix),
-- read-only grants of one namespace to another and the versions database.migrate() applied.
-- (personalStorage lives in shared_storage under the scope "<uri>\x1f<user id>".) Script tables themselves are named
-- "<namespace>__<table>" (docs/internals/db.md, "Script SQL"); no Kiln table contains "__".

CREATE TABLE script_namespaces (
    script     TEXT PRIMARY KEY,
    namespace  TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL
);

-- grantee may read target (database.use(target)); granted by an administrator.
CREATE TABLE namespace_grants (
    grantee    TEXT NOT NULL,
    target     TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (grantee, target)
);

CREATE TABLE namespace_migrations (
    namespace   TEXT NOT NULL,
    version     INTEGER NOT NULL,
    checksum    TEXT NOT NULL,
    description TEXT,
    applied_ms  INTEGER NOT NULL,
    PRIMARY KEY (namespace, version)
);
