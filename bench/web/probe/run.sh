#!/usr/bin/env bash
# Web probes (docs/benchmarks.md, "Web"): starts the probe server, runs the given probe list.
#   bench/web/probe/run.sh '[{"kind":"relay","runs":3},{"kind":"dl","runs":3}]'
set -euo pipefail
cd "$(dirname "$0")"
export PORT=$((20000 + RANDOM % 20000))
node server.mjs >/tmp/parley-probe-server.$PORT.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -f /tmp/parley-probe-server.$PORT.log' EXIT
until grep -q ready /tmp/parley-probe-server.$PORT.log 2>/dev/null; do sleep 0.5; kill -0 $server; done
echo "== $(date -u +%FT%TZ), load:$(uptime | sed 's/.*load average://')"
node run.mjs "$1"
echo "== done, load:$(uptime | sed 's/.*load average://')"
