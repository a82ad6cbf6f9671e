-- SPDX-License-Identifier: MIT
-- 0004: the number of sharedStorage keys per scope, kept by db_kv.c in the same transaction as
-- each insert and delete, so the key limit costs one primary-key read instead of a count(*)
-- over the scope's keys. Filled from the keys already stored.
CREATE TABLE shared_storage_counts (
    script TEXT PRIMARY KEY,
    keys   INTEGER NOT NULL
);

INSERT INTO shared_storage_counts (script, keys)
SELECT script, count(*) FROM shared_storage GROUP BY script;
