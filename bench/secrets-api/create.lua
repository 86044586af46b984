-- POST /api/secrets with a 1 KiB sealed manifest (29 + 4·256 = 1053 bytes: 0x01, then opaque bytes).
-- Every secret uses the same access key AK = 32 × 0x2a, so open.lua can open any of them.
-- With PARLEY_IDS_DIR set, each thread appends the ids it created to $PARLEY_IDS_DIR/ids-<n>.txt.
-- With PARLEY_WEBHOOK_URL set, every secret asks for a webhook to that URL.
local b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local function b64u(bytes)
  local out, bits, n = {}, 0, 0
  for i = 1, #bytes do
    bits = bits * 256 + bytes:byte(i); n = n + 8
    while n >= 6 do
      n = n - 6
      local v = math.floor(bits / 2 ^ n) % 64
      out[#out + 1] = b64:sub(v + 1, v + 1)
    end
    bits = bits % (2 ^ n)
  end
  if n > 0 then local v = (bits * 2 ^ (6 - n)) % 64; out[#out + 1] = b64:sub(v + 1, v + 1) end
  return table.concat(out)
end

math.randomseed(42)
local manifest = { string.char(1) }
for i = 2, 1053 do manifest[i] = string.char(math.random(0, 255)) end
-- SHA-256(32 × 0x2a), precomputed (python3 -c "import hashlib;print(hashlib.sha256(b'*'*32).hexdigest())")
local verifier_hex = os.getenv("PARLEY_VERIFIER_HEX")
local verifier = verifier_hex:gsub("..", function(h) return string.char(tonumber(h, 16)) end)
local body = '{"manifest":"' .. b64u(table.concat(manifest)) .. '","accessVerifier":"' .. b64u(verifier) ..
  '","passphrase":null,"expiresInSeconds":86400,"maxViews":1,"streamBytes":null'
local webhook = os.getenv("PARLEY_WEBHOOK_URL")
if webhook and webhook ~= "" then body = body .. ',"webhook":"' .. webhook .. '"' end
body = body .. '}'

local counter, file = 0, nil
function setup(thread) counter = counter + 1; thread:set("n", counter) end
function init(args)
  local dir = os.getenv("PARLEY_IDS_DIR")
  if dir and dir ~= "" then file = io.open(dir .. "/ids-" .. n .. ".txt", "a") end
end
request = function()
  return wrk.format("POST", "/api/secrets", { ["Content-Type"] = "application/json" }, body)
end
response = function(status, headers, resp)
  if file and status == 201 then
    local id = resp:match('"id":"([^"]+)"')
    if id then file:write(id, "\n") end
  end
end
done = dofile(os.getenv("PARLEY_BENCH_DIR") .. "/report.lua")
