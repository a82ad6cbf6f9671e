-- SPDX-License-Identifier: MIT
-- 0005: shared_storage keyed by its primary key alone (SQLite WITHOUT ROWID): a getItem is one
-- B-tree lookup instead of an index lookup plus a table lookup. Same logical table (PostgreSQL:
-- the same columns and primary key); the rows are copied over.
CREATE TABLE shared_storage_new (
    script     TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (script, key)
) WITHOUT ROWID;

INSERT INTO shared_storage_new (script, key, value, updated_ms)
SELECT script, key, value, updated_ms FROM shared_storage;

DROP TABLE shared_storage;

ALTER TABLE shared_storage_new RENAME TO shared_storage;
