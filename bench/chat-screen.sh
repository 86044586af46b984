#!/usr/bin/env bash
# Chat screen benchmark (docs/benchmarks.md, "Chat screen"): starts Parley.Server (Release, SQLite, messaging
# rate limits off) and drives the real `parley chat` in tmux: responsiveness with 10,000 messages of history,
# memory with 100 conversations and 100,000 stored messages.
#   bench/chat-screen.sh [--history 10000] [--samples 300] [--conversations 100] [--per-conversation 1000]
# Needs a Release build (dotnet build Parley.slnx -c Release) and tmux. Run it inside bench/quiet.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
server_dll="$root/src/Parley.Server/bin/Release/net10.0/Parley.Server.dll"
bench="$root/bench/Parley.ChatScreen.Benchmark/bin/Release/net10.0/Parley.ChatScreen.Benchmark.dll"
cli="$root/src/Parley.Cli/bin/Release/net10.0/parley.dll"
[ -f "$server_dll" ] && [ -f "$bench" ] && [ -f "$cli" ] || { echo "build first: dotnet build Parley.slnx -c Release" >&2; exit 1; }
command -v tmux >/dev/null || { echo "needs tmux (apt-get install tmux)" >&2; exit 1; }
work=$(mktemp -d /tmp/parley-chat-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
(cd "$work" && exec dotnet "$server_dll" --urls "$url" --contentRoot "$(dirname "$server_dll")" \
  --Parley:Storage:Provider=sqlite --Parley:Storage:DataDirectory="$work/data" \
  --Parley:Messaging:RegistrationsPerHour=0 --Parley:Messaging:LoginsPerMinute=0 \
  --Parley:Messaging:BundleFetchesPerHour=0 --Parley:Messaging:BundleFetchesPerTargetPerHour=0 \
  --Parley:Messaging:SendsPerSecond=0 --Parley:Messaging:RequestsPerMinute=0 >"$work/server.log" 2>&1) &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 200); do curl -sf "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
dotnet "$bench" --server "$url" --work "$work" --cli "$cli" "$@"
