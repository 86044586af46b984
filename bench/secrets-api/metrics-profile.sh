#!/usr/bin/env bash
# The share of the server's CPU that metrics take on the hot path of the secrets API (issue 15: at most 5 %
# fewer requests/s with metrics on; docs/benchmarks.md, "The cost of metrics"). The wrk pairs of run.sh scatter
# by more than those 5 % on a small machine; a profile reads the cost directly:
#
#   bench/secrets-api/metrics-profile.sh [create|open] [SECONDS]     default: create, 10 s of samples
#
# Starts the Release server (memory store, metrics on, all code jitted so that perf can name it), loads it
# with wrk (64 connections, the secrets benchmark's 1 KiB single-view secrets), samples the server with
# `perf record` meanwhile, and prints the self time of every metrics frame (OpenTelemetry's aggregation, the
# hosting meter, Parley's meters, System.Diagnostics.Metrics) as a share of all the server's samples. That is a
# lower bound of what metrics cost: work they cause in shared code (clock reads, the tag dictionaries' hashing,
# the garbage they leave) counts under that code's name, and nothing scrapes the endpoint meanwhile.
# Needs perf and wrk (apt-get install linux-perf wrk); builds the server in Release when it is not built.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
what=${1:-create} seconds=${2:-10}
case $what in create | open) ;; *) echo "usage: $0 [create|open] [SECONDS]" >&2; exit 2 ;; esac
command -v perf >/dev/null && command -v wrk >/dev/null || { echo "needs perf and wrk" >&2; exit 2; }
server_dir="$root/src/Parley.Server/bin/Release/net10.0"
if [ ! -f "$server_dir/Parley.Server.dll" ]; then
  dotnet build src/Parley.Server -c Release -v q -nologo -clp:ErrorsOnly
else
  echo "using the Release build in $server_dir (rebuild it after a change: dotnet build src/Parley.Server -c Release)"
fi

work=$(mktemp -d /tmp/parley-metrics-profile.XXXXXX)
server='' loader=''
cleanup() {
  local pid
  for pid in $loader $server; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  [ -n "$server" ] && rm -f "/tmp/perf-$server.map" "/tmp/perfinfo-$server.map"
  rm -rf "$work"
}
trap cleanup EXIT
. bench/secrets-api/lib.sh
port=$(free_port 5190) metrics_port=$(free_port 9564)
export PARLEY_BENCH_DIR="$root/bench/secrets-api" PARLEY_IDS_DIR="$work" PARLEY_THREADS=1
unset PARLEY_WEBHOOK_URL # no webhooks here: create.lua would ask for one

# perf names jitted code through the runtime's perf map (3: the map only, no jitdump); with W^X the code runs
# at a second mapping perf cannot see, and ReadyToRun code would not be in the map at all.
DOTNET_PerfMapEnabled=3 DOTNET_EnableWriteXorExecute=0 DOTNET_ReadyToRun=0 DOTNET_ENVIRONMENT=Production \
  dotnet "$server_dir/Parley.Server.dll" --urls "http://127.0.0.1:$port" --contentRoot "$server_dir" \
  --Parley:Storage:Provider=memory --Parley:Secrets:CreatePerMinute=0 --Logging:LogLevel:Default=Warning \
  --Parley:Metrics:Enabled=true --Parley:Metrics:Url="http://127.0.0.1:$metrics_port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/server.log" >&2; exit 1; }

load() { # script, seconds
  wrk -t1 -c64 -d"$2s" -s "bench/secrets-api/$1.lua" "http://127.0.0.1:$port" >"$work/wrk-$1.txt" 2>&1
}
if [ "$what" = open ]; then
  load create $((seconds * 2 + 10)) # enough single-view secrets for the opens, and the code warmed up
  load open $((seconds + 8)) &
else
  load create $((seconds + 8)) &
fi
loader=$!
sleep 6 # warm-up: tiered compilation settles before the samples
perf record -F 1999 -p "$server" -o "$work/perf.data" -- sleep "$seconds" >/dev/null
wait "$loader"; loader=''
result=$(grep '^RESULT' "$work/wrk-$what.txt") || { cat "$work/wrk-$what.txt" >&2; exit 1; }
echo "$what, whole wrk run (warm-up included): ${result#RESULT }"
# Every request must have succeeded: an open of an id already opened (410) is not the path being measured.
[[ $result =~ non2xx=0\  ]] || { echo "some requests failed: the profile is not of the path meant" >&2; exit 1; }

perf report -i "$work/perf.data" --no-children --sort symbol --stdio 2>/dev/null | python3 -c '
import re, sys
groups = {}
for line in sys.stdin:
    m = re.match(r"\s+([\d.]+)%\s+\[.\]\s+(.*)", line)
    if not m:
        continue
    share, symbol = float(m.group(1)), m.group(2)
    name = re.search(r"\] ([\w.`+]+)", symbol)  # the type the frame runs in, not its arguments
    if name and re.search(r"^OpenTelemetry\.|^System\.Diagnostics\.Metrics\.|HostingMetrics|KestrelMetrics|^Parley\.Server\.\S*Metrics", name.group(1)):
        groups[name.group(1)] = groups.get(name.group(1), 0.0) + share
for key, share in sorted(groups.items(), key=lambda kv: -kv[1]):
    print(f"{share:6.2f} %  {key}")
if not groups:
    sys.exit("no metrics frame among the samples: were the symbols resolved (perf map)?")
print(f"metrics, self time: {sum(groups.values()):.2f} % of the server'"'"'s samples (a lower bound)")
'
