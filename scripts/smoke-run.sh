#!/usr/bin/env bash
# Checks the README's run command: ./run.sh serves /healthz, the web page and the API, and keeps its
# SQLite store under ./data. Uses a free port instead of 5080 so it never meets a running Parley.
set -uo pipefail
cd "$(dirname "$0")/.."
port=5080
while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
base="http://127.0.0.1:$port"
log=$(mktemp)
setsid ./run.sh --urls "$base" >"$log" 2>&1 &
pid=$!
stop() { kill -TERM -- "-$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -f "$log"; }
trap stop EXIT
fail() { echo "run.sh smoke test: $*" >&2; tail -20 "$log" >&2; exit 1; }

for _ in $(seq 1 180); do
  curl -sf "$base/healthz" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || fail "the server exited"
  sleep 1
done
curl -sf "$base/healthz" | grep -q '"ok"' || fail "/healthz did not answer ok"
curl -sf "$base/" | grep -qi '<html' || fail "the web page is not served at /"
curl -sf "$base/api/config" | grep -q '"formatVersion":1' || fail "/api/config did not answer"
# the store is created on first use: one create puts it under ./data
verifier=$(printf '%043d' 0 | tr 0 A)
# a sealed manifest is 0x01 ‖ nonce(12) ‖ 256·k bytes ‖ tag(16): its shape is all the server checks
manifest=$({ printf '\001'; head -c 284 /dev/urandom; } | base64 -w0 | tr '+/' '-_' | tr -d '=')
body='{"manifest":"'"$manifest"'","accessVerifier":"'"$verifier"'","passphrase":null,"expiresInSeconds":300,"maxViews":1,"streamBytes":null}'
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$body" "$base/api/secrets")
[ "$code" = 201 ] || fail "create answered HTTP $code"
[ -f data/parley.db ] || fail "no SQLite file under ./data after a create"
echo "run.sh smoke test: ok ($base: health, page, config, create; store in ./data)"
