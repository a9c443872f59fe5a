-- wrk script: POST one sentence per request to graft serve's /embed (or $ENDPOINT), round robin over
-- the lines of $SENTENCES (UTF-8, one per line), with "truncate": true.
--
--   SENTENCES=sentences.txt wrk -t1 -c32 -d15s --latency -s tools/bench/wrk_embed.lua http://127.0.0.1:8080
--
-- wrk (Debian's package) is written in C and costs about 1% of a core here, so on a small machine it
-- leaves the cores to the server, which a JVM load generator does not quite.
local function escape(s)
  return (s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' elseif c == '\\' then return '\\\\' end
    return string.format('\\u%04x', c:byte())
  end))
end

local path = os.getenv("SENTENCES") or error("set SENTENCES to a file of sentences, one per line")
local endpoint = os.getenv("ENDPOINT") or "/embed"
local bodies = {}
for line in io.lines(path) do
  if #line > 0 then
    bodies[#bodies + 1] = '{"inputs": "' .. escape(line) .. '", "truncate": true}'
  end
end
assert(#bodies > 0, "no sentences in " .. path)

local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", endpoint, {["Content-Type"] = "application/json"}, bodies[(counter % #bodies) + 1])
end
