-- Submits distinct users to one event: POST /v1/events/<event>/entries.
-- Usage: wrk -s submit.lua URL -- EVENT [LIMIT_PER_THREAD] [RUN_ID]
-- With a limit, each thread stops sending after that many responses (a
-- fixed-size burst). RUN_ID keeps user names distinct across runs.
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  event = args[1] or "bench"
  limit = tonumber(args[2] or "0")
  prefix = string.format("%s-%d-", args[3] or tostring(os.time()), thread_id)
  counter = 0
  responses = 0
  failures = 0
  path = "/v1/events/" .. event .. "/entries"
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  counter = counter + 1
  return wrk.format("POST", path, headers, '{"user":"' .. prefix .. counter .. '"}')
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 201 then failures = failures + 1 end
  if limit > 0 and responses >= limit then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("failures") end
  io.write(string.format("LUA non201=%d\n", bad))
  io.write(string.format("LUA p999_us=%d\n", latency:percentile(99.9)))
end
