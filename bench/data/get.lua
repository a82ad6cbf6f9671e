-- SPDX-License-Identifier: MIT
-- bench/data: GET /db/get?id=<1..1000>, a different primary key per request.
local n = 0
request = function()
  n = n % 1000 + 1
  return wrk.format("GET", "/db/get?id=" .. n)
end
