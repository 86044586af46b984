#!/usr/bin/env bash
# Messenger benchmark (docs/benchmarks.md, "Messenger"): starts Parley.Server (Release, SQLite, messaging
# rate limits off) and runs two full clients with durable encrypted profiles against it.
#   bench/messenger.sh [--messages 20000] [--rate 100] [--seconds 20]
# Needs a Release build: dotnet build Parley.slnx -c Release. The machine is shared: the script prints the
# load average next to each figure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
server_dll="$root/src/Parley.Server/bin/Release/net10.0/Parley.Server.dll"
bench="$root/bench/Parley.Messenger.Benchmark/bin/Release/net10.0/Parley.Messenger.Benchmark.dll"
cli="$root/src/Parley.Cli/bin/Release/net10.0/parley.dll"
[ -f "$server_dll" ] && [ -f "$bench" ] && [ -f "$cli" ] || { echo "build first: dotnet build Parley.slnx -c Release" >&2; exit 1; }
work=$(mktemp -d /tmp/parley-messenger.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
(cd "$work" && exec dotnet "$server_dll" --urls "$url" --contentRoot "$(dirname "$server_dll")" \
  --Parley:Storage:Provider=sqlite --Parley:Storage:DataDirectory="$work/data" \
  --Parley:Messaging:RegistrationsPerHour=0 --Parley:Messaging:LoginsPerMinute=0 \
  --Parley:Messaging:SendsPerSecond=0 --Parley:Messaging:RequestsPerMinute=0 >"$work/server.log" 2>&1) &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 200); do curl -sf "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
dotnet "$bench" --server "$url" --work "$work" --cli "$cli" "$@"
