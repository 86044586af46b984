-- POST /api/secrets/{id}/open for ids that create.lua wrote, each opened once (single-view secrets,
-- so every request is a winning last-view claim). A thread that runs out of ids starts over and gets 410s,
-- which the report counts as non-2xx: size the create phase so that this does not happen.
local akb64 = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio" -- b64u(32 × 0x2a)
local body = '{"accessKey":"' .. akb64 .. '","passphraseProof":null}'
local counter = 0
function setup(thread) counter = counter + 1; thread:set("n", counter) end
local ids, i = {}, 0
function init(args)
  local dir, threads = os.getenv("PARLEY_IDS_DIR"), tonumber(os.getenv("PARLEY_THREADS"))
  local k = 0
  for t = 1, threads do
    local f = io.open(dir .. "/ids-" .. t .. ".txt", "r")
    if f then
      for line in f:lines() do
        k = k + 1
        if k % threads == n - 1 then ids[#ids + 1] = line end
      end
      f:close()
    end
  end
end
request = function()
  i = i + 1
  if i > #ids then i = 1 end
  return wrk.format("POST", "/api/secrets/" .. ids[i] .. "/open", { ["Content-Type"] = "application/json" }, body)
end
done = dofile(os.getenv("PARLEY_BENCH_DIR") .. "/report.lua")
