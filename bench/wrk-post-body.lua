-- wrk script for the passthrough benchmark: every request a POST of one JSON body (the file
-- named second after `--`), each with the next bearer token of the file named first, round
-- robin: users' tokens for the service, the provider's key alone for the direct call.
-- Requests are formatted once in init(), as in wrk-rotate-tokens.lua, and done() prints the
-- same JSON line.

local prepared = {}
local position = 0

function init(args)
  local tokens, bodyFile = args[1], args[2]
  if tokens == nil or bodyFile == nil then
    error("usage: wrk -s wrk-post-body.lua <url> -- <tokens file> <body file>")
  end
  local f = assert(io.open(bodyFile, "rb"))
  local body = f:read("*a")
  f:close()
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
