-- wrk script: every request a POST (JSON content type), each with the next bearer token of
-- the file named first after `--`, round robin: users' tokens for the service, or a
-- provider's key alone for a direct call. The body is the file named second, if any (the
-- passthrough benchmark), else none (the providers list).
-- The requests are formatted once in init(), so request() only hands one out: wrk's own
-- cost per request stays as low as with a fixed request.
-- done() prints the figures as one JSON line, so nothing has to parse wrk's human output.

local prepared = {}
local position = 0

function init(args)
  local tokens, bodyFile = args[1], args[2]
  if tokens == nil then
    error("usage: wrk -s wrk-rotate-tokens.lua <url> -- <tokens file> [<body file>]")
  end
  local body = nil
  if bodyFile ~= nil then
    local f = assert(io.open(bodyFile, "rb"))
    body = f:read("*a")
    f:close()
  end
  for token in io.lines(tokens) do
    if token ~= "" then
      prepared[#prepared + 1] = wrk.format("POST", nil, {
        ["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json",
      }, body)
    end
  end
  if #prepared == 0 then error("no tokens in " .. tokens) end
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
