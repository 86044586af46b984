#!/usr/bin/env bash
# Web throughput benchmark (docs/benchmarks.md, "Web"): a 256 MiB file through Chromium, the same
# file through the parley CLI, and the machine's AES-256-GCM speed as the ceiling. Needs a Release
# build (dotnet build Parley.slnx -c Release), the built web UI and web/node_modules.
#
#   bench/web/run.sh [MiB] [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
mib=${1:-256}
runs=${2:-3}
work=$(mktemp -d /tmp/parley-web-bench.XXXXXX)
port=$((20000 + RANDOM % 20000))
url="http://127.0.0.1:$port"
cleanup() { [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

head -c $((mib * 1024 * 1024)) /dev/urandom > "$work/payload.bin"
dotnet src/Parley.Server/bin/Release/net10.0/Parley.Server.dll --urls "$url" --contentRoot "$(pwd)/src/Parley.Server" \
  --Parley:Storage:Provider=Memory --Parley:Secrets:CreatePerMinute=0 >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "$url/healthz" >/dev/null || { cat "$work/server.log" >&2; exit 1; }

echo "== $(date -u +%FT%TZ), load:$(uptime | sed 's/.*load average://')"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== AES-256-GCM ceiling (openssl speed, 64 KiB blocks, one core)"
openssl speed -evp aes-256-gcm -bytes 65536 -seconds 3 2>/dev/null | tail -1

echo "== Chromium ($(chromium --version 2>/dev/null | head -1)), ${mib} MiB, $runs runs"
node bench/web/throughput.mjs "$url" "$work/payload.bin" "$runs"

echo "== parley CLI, ${mib} MiB, $runs runs"
cli="dotnet src/Parley.Cli/bin/Release/net10.0/parley.dll --server $url"
for run in $(seq 1 "$runs"); do
  t0=$(date +%s.%N)
  link=$($cli secret create --file "$work/payload.bin" --json </dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["shareLink"])')
  t1=$(date +%s.%N)
  rm -rf "$work/out"
  $cli secret open "$link" --out "$work/out" --json </dev/null >/dev/null
  t2=$(date +%s.%N)
  cmp -s "$work/payload.bin" "$work/out/payload.bin" || { echo "CLI round trip differs" >&2; exit 1; }
  python3 - "$mib" "$t0" "$t1" "$t2" "$run" <<'PY'
import json, sys
mib, t0, t1, t2, run = int(sys.argv[1]), *map(float, sys.argv[2:5]), int(sys.argv[5])
mb = mib * 1048576 / 1e6
print(json.dumps({"run": run, "encryptUploadMs": round((t1 - t0) * 1000), "encryptUploadMBps": round(mb / (t1 - t0), 1),
                  "downloadDecryptMs": round((t2 - t1) * 1000), "downloadDecryptMBps": round(mb / (t2 - t1), 1)}))
PY
done
echo "== done, load:$(uptime | sed 's/.*load average://')"
