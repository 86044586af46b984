#!/usr/bin/env bash
# Relay load test (docs/benchmarks.md, "Messaging relay"): starts Parley.Server (Release) with SQLite
# queues and rate limits off, then runs the .NET load generator against it.
#   bench/relay-load.sh run  --pairs 1000 --rate 2 --duration 20
#   bench/relay-load.sh idle --steps 1000,5000,10000,15000,19000
# Needs a Release build: dotnet build Parley.slnx -c Release. Check `uptime` first: the machine is shared.
# Environment: PARLEY_BENCH_PROVIDER (sqlite, memory), PARLEY_BENCH_PRESENCE (contacts),
# PARLEY_BENCH_SYNCHRONOUS (SQLite's Parley:Storage:SqliteSynchronous, full or normal; default full).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mode=${1:-run}; shift || true
server_dll="$root/src/Parley.Server/bin/Release/net10.0/Parley.Server.dll"
gen="$root/bench/Parley.Relay.LoadGenerator/bin/Release/net10.0/Parley.Relay.LoadGenerator.dll"
[ -f "$server_dll" ] && [ -f "$gen" ] || { echo "build first: dotnet build Parley.slnx -c Release" >&2; exit 1; }
work=$(mktemp -d /tmp/parley-relay.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
provider=${PARLEY_BENCH_PROVIDER:-sqlite}
(cd "$work" && exec dotnet "$server_dll" --urls "$url" --contentRoot "$(dirname "$server_dll")" \
  --Parley:Storage:Provider="$provider" --Parley:Storage:DataDirectory="$work/data" \
  --Parley:Storage:SqliteSynchronous="${PARLEY_BENCH_SYNCHRONOUS:-full}" \
  --Parley:Messaging:RegistrationsPerHour=0 --Parley:Messaging:LoginsPerMinute=0 \
  --Parley:Messaging:SendsPerSecond=0 --Parley:Messaging:RequestsPerMinute=0 \
  --Parley:Messaging:PresenceVisibility="${PARLEY_BENCH_PRESENCE:-contacts}" >"$work/server.log" 2>&1) &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 200); do curl -sf "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $provider, synchronous=${PARLEY_BENCH_SYNCHRONOUS:-full}; server pid $(pgrep -P $server_pid || echo $server_pid)"
real_pid=$(pgrep -P $server_pid dotnet 2>/dev/null || echo $server_pid)
# The generator's gen0 budget and inline socket completions: see bench/relay-lib.sh.
DOTNET_GCgen0size=${DOTNET_GCgen0size:-0x20000000} DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=${DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS:-1} dotnet "$gen" --server "$url" --mode "$mode" --server-pid "$real_pid" "$@"
echo "server peak RSS: $(awk '/VmHWM/ {print $2}' /proc/$real_pid/status) kB"
