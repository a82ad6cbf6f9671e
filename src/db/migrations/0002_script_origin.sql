-- SPDX-License-Identifier: MIT
-- 0002: where a script comes from. from_folder = 1 for scripts synced from `--scripts DIR`
-- (the folder is their source of truth: the HTTP API refuses to change them, and a file
-- deleted from the folder deletes its script); 0 for scripts created over the API.
ALTER TABLE scripts ADD COLUMN from_folder INTEGER NOT NULL DEFAULT 0;
