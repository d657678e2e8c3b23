-- wrk script for scripts/bench-api: POSTs composite apps with unique names under project "pw".
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  n = 0
end

function request()
  n = n + 1
  local body = string.format('{"metadata":{"name":"w%d-%d"},"spec":{"compositeAppVersion":"v1"}}', id, n)
  return wrk.format("POST", "/v2/projects/pw/composite-apps", {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('{"requests":%d,"seconds":%.3f,"errors":%d}\n', summary.requests, summary.duration / 1e6, bad))
end
