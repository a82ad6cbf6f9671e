-- SPDX-License-Identifier: MIT
-- 0001: the first schema: scripts and their versions, assets, script logs, shared storage,
-- the admin token hash and the audit log. Forward only: never edit a migration once released;
-- add the next number instead (docs/internals/HOWTO-add-db-migration.md).
-- Times are integer milliseconds since the Unix epoch (UTC).

CREATE TABLE scripts (
    uri        TEXT PRIMARY KEY,
    content    TEXT NOT NULL,
    owners     TEXT NOT NULL DEFAULT '[]',
    version    INTEGER NOT NULL,
    system     INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);

CREATE TABLE script_versions (
    uri        TEXT NOT NULL,
    version    INTEGER NOT NULL,
    content    TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (uri, version)
);

CREATE TABLE assets (
    script       TEXT NOT NULL,
    path         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    created_ms   INTEGER NOT NULL,
    updated_ms   INTEGER NOT NULL,
    PRIMARY KEY (script, path)
);

-- seq only grows (AUTOINCREMENT never reuses a number), so it is a stable cursor.
CREATE TABLE script_logs (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_ms      INTEGER NOT NULL,
    level      INTEGER NOT NULL,
    script     TEXT NOT NULL,
    request_id TEXT,
    message    TEXT NOT NULL,
    fields     TEXT
);
CREATE INDEX script_logs_by_script ON script_logs (script, seq);
CREATE INDEX script_logs_by_level ON script_logs (script, level, seq);
CREATE INDEX script_logs_by_request ON script_logs (request_id, seq) WHERE request_id IS NOT NULL;
CREATE INDEX script_logs_by_ts ON script_logs (ts_ms);

CREATE TABLE shared_storage (
    script     TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (script, key)
);

CREATE TABLE admin_token (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    hash       BLOB NOT NULL,
    updated_ms INTEGER NOT NULL
);

CREATE TABLE audit (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_ms  INTEGER NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT
);
