-- wrk script: every request is the providers list POST (JSON content type, no body), each
-- with the next user's bearer token from the file named after `--`, round robin.
-- The requests are formatted once in init(), so request() only hands one out: wrk's own
-- cost per request stays as low as with a fixed request.
-- done() prints the figures as one JSON line, so nothing has to parse wrk's human output.

local prepared = {}
local position = 0

function init(args)
  local path = args[1]
  if path == nil then error("usage: wrk -s wrk-rotate-tokens.lua <url> -- <tokens file>") end
  for token in io.lines(path) do
    if token ~= "" then
      prepared[#prepared + 1] = wrk.format("POST", nil, {
        ["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json",
      }, nil)
    end
  end
  if #prepared == 0 then error("no tokens in " .. path) end
end

function request()
  position = position % #prepared + 1
  return prepared[position]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
