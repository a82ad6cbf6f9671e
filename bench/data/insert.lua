-- SPDX-License-Identifier: MIT
-- bench/data: POST /db/insert (an INSERT inside a transaction per request).
wrk.method = "POST"
wrk.body = ""
