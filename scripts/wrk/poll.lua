-- Polls entries by token: GET /v1/entries/<token>, cycling through a token file.
-- Usage: wrk -s poll.lua URL -- TOKENS_FILE
function init(args)
  tokens = {}
  for line in io.lines(args[1]) do table.insert(tokens, line) end
  index = math.random(1, #tokens)
  failures = 0
end

function request()
  index = index % #tokens + 1
  return wrk.format("GET", "/v1/entries/" .. tokens[index])
end

function response(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end
