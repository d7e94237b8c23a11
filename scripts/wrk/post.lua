-- Posts one fixed JSON body again and again and counts answers that are not
-- the expected status. Usage: wrk -s post.lua URL -- PATH BODY STATUS
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  path, body, expected = args[1], args[2], tonumber(args[3])
  unexpected = 0
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  if status ~= expected then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("unexpected") end
  io.write(string.format("LUA unexpected=%d\n", bad))
end
