#!/usr/bin/env bash
# Secrets API load benchmark: wrk + Lua against the built Parley.Server on this machine.
#
#   bench/secrets-api/run.sh                 SQLite and PostgreSQL, 10 s per measurement
#   bench/secrets-api/run.sh sqlite 20       one provider, 20 s
#   PARLEY_BENCH_METRICS=2 bench/secrets-api/run.sh sqlite 10
#                                            the cost of metrics: each provider measured with metrics off
#                                            and on (scraped every 5 s), 2 pairs (off on, on off), in one run;
#                                            each pair's ratio, then the ratio of the means of all pairs
#   PARLEY_BENCH_WEBHOOKS=2 bench/secrets-api/run.sh sqlite 10
#                                            the cost of webhooks: each provider measured with no webhooks and
#                                            with a webhook on every secret (to receiver.py on loopback),
#                                            2 pairs (off on, on off), in one run; then how fast the outbox drains
#
# For each provider: the bare /livez endpoint (the ceiling), create (1 KiB manifest) and open (each a
# single-view secret's last view), each after a warm-up. Prints req/s, p50/p99 latency, CPU of the
# server, of wrk and (PostgreSQL) of the database, and every rate as a share of the ceiling.
# Environment: PARLEY_BENCH_CONNECTIONS (default 64), PARLEY_BENCH_THREADS (wrk threads, default 1),
# PARLEY_BENCH_SYNCHRONOUS (SQLite's Parley:Storage:SqliteSynchronous, full or normal; default full),
# PARLEY_BENCH_DRAIN_SECONDS (with PARLEY_BENCH_WEBHOOKS: how long to wait for the outbox to drain; default 60).
# Every variant starts its server on an empty store (a new SQLite data directory, a new PostgreSQL database).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
providers=${1:-"sqlite postgres"}
duration=${2:-10}
connections=${PARLEY_BENCH_CONNECTIONS:-64}
threads=${PARLEY_BENCH_THREADS:-1}
synchronous=${PARLEY_BENCH_SYNCHRONOUS:-full}
command -v wrk >/dev/null || { echo "wrk is required: apt-get install wrk" >&2; exit 1; }
work=$(mktemp -d /tmp/parley-bench.XXXXXX)
chmod 755 "$work"
export PARLEY_BENCH_DIR="$here" PARLEY_THREADS="$threads"
. "$here/lib.sh"
server_pid="" pg_bin="" pg_dir="$work/pg" pg_pid="" pg_port="" scraper_pid="" receiver_pid="" variant_count=0
variants="" mode=""
[ "${PARLEY_BENCH_METRICS:-0}" -gt 0 ] && [ "${PARLEY_BENCH_WEBHOOKS:-0}" -gt 0 ] &&
  { echo "PARLEY_BENCH_METRICS and PARLEY_BENCH_WEBHOOKS: one at a time" >&2; exit 1; }
# Pairs in the order off on, on off, off on, …: the machine's rate drifts over a run (by a tenth over a few
# minutes here), and in this order a steady drift cancels from the means (fully with an even number of pairs)
# instead of counting against "on".
pairs=$(( ${PARLEY_BENCH_METRICS:-0} + ${PARLEY_BENCH_WEBHOOKS:-0} ))
[ "${PARLEY_BENCH_METRICS:-0}" -gt 0 ] && mode=metrics
[ "${PARLEY_BENCH_WEBHOOKS:-0}" -gt 0 ] && mode=webhooks
for i in $(seq 1 "$pairs"); do
  [ $((i % 2)) -eq 1 ] && variants="$variants off on" || variants="$variants on off"
done
# How long the outbox may take to deliver what the opens queued before the run moves on.
drain_limit=${PARLEY_BENCH_DRAIN_SECONDS:-60}

cleanup() {
  [ -n "$scraper_pid" ] && kill "$scraper_pid" 2>/dev/null || true
  [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  if [ -n "$pg_bin" ] && [ -d "$pg_dir/data" ]; then
    su postgres -s /bin/sh -c "$pg_bin/pg_ctl -D $pg_dir/data -m immediate stop >/dev/null 2>&1" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

ticks() { local t=0; for pid in "$@"; do [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done; echo "$t"; }
pg_pids() { [ -n "$pg_pid" ] && { echo "$pg_pid"; pgrep -P "$pg_pid" || true; }; }
hz=$(getconf CLK_TCK)

start_postgres() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  local port; port=$(free_port 5600)
  mkdir -p "$pg_dir" && chown postgres:postgres "$pg_dir"
  su postgres -s /bin/sh -c "$pg_bin/initdb -D $pg_dir/data -U postgres --auth=trust >$pg_dir/initdb.log 2>&1"
  # Durable commits (fsync on, synchronous_commit on): the figures are for a configuration one would run.
  su postgres -s /bin/sh -c "$pg_bin/pg_ctl -D $pg_dir/data -o \"-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB\" -l $pg_dir/pg.log -w start >/dev/null"
  pg_pid=$(head -1 "$pg_dir/data/postmaster.pid")
  pg_port=$port
}

fresh_store() { # provider name; empties the store the next server starts on (sets conn for PostgreSQL)
  rm -rf "$work/data-$1"
  if [ "$1" = postgres ]; then
    su postgres -s /bin/sh -c "$pg_bin/createdb -h $pg_dir -p $pg_port $2"
    conn="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=$2;Maximum Pool Size=64"
  fi
}

start_server() { # provider [connection string [extra server arguments…]]; sets server_pid and url
  local provider=$1 connection=${2:-}
  shift; shift || true
  local port; port=$(free_port 5090)
  mkdir -p "$work/data-$provider"
  DOTNET_ENVIRONMENT=Production dotnet "$root/src/Parley.Server/bin/Release/net10.0/Parley.Server.dll" \
    --urls "http://127.0.0.1:$port" --contentRoot "$root/src/Parley.Server/bin/Release/net10.0" \
    --Parley:Storage:Provider="$provider" --Parley:Storage:DataDirectory="$work/data-$provider" \
    ${connection:+--Parley:Storage:PostgresConnectionString="$connection"} \
    --Parley:Storage:SqliteSynchronous="$synchronous" \
    --Parley:Secrets:CreatePerMinute=0 --Logging:LogLevel:Default=Warning "$@" >"$work/server-$provider.log" 2>&1 &
  server_pid=$!
  url="http://127.0.0.1:$port"
  # Another process on this machine may take the port between free_port and the bind: then this server
  # dies and the other one answers. Only our own process listening on the port counts.
  for _ in $(seq 1 100); do
    ss -ltnpH "sport = :$port" 2>/dev/null | grep -q "pid=$server_pid," && curl -sf "$url/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
  done
  cat "$work/server-$provider.log" >&2; return 1
}

measure() { # label script seconds url
  local label=$1 script=$2 seconds=$3 url=$4 before_s before_pg start end out
  before_s=$(ticks "$server_pid"); before_pg=$(ticks $(pg_pids))
  start=$(date +%s.%N)
  out=$( { TIMEFORMAT='WRKCPU %U %S'; time wrk -t"$threads" -c"$connections" -d"${seconds}s" -s "$here/$script" "$url"; } 2>&1 )
  end=$(date +%s.%N)
  local wall; wall=$(echo "$end - $start" | bc -l)
  local server_cpu pg_cpu wrk_cpu
  server_cpu=$(echo "($(ticks "$server_pid") - $before_s) / $hz / $wall * 100" | bc -l)
  pg_cpu=$(echo "($(ticks $(pg_pids)) - $before_pg) / $hz / $wall * 100" | bc -l)
  wrk_cpu=$(echo "$out" | awk '/^WRKCPU/ {print ($2 + $3)}')
  wrk_cpu=$(echo "$wrk_cpu / $wall * 100" | bc -l)
  local result; result=$(echo "$out" | grep '^RESULT') || { echo "$out" >&2; return 1; }
  printf '%s %s server_cpu=%.0f%% db_cpu=%.0f%% wrk_cpu=%.0f%%\n' "$label" "${result#RESULT }" "$server_cpu" "$pg_cpu" "$wrk_cpu"
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), wrk -t$threads -c$connections -d${duration}s, SQLite synchronous=$synchronous, load average $(cut -d' ' -f1-3 /proc/loadavg)"
build_log=$(dotnet build "$root/src/Parley.Server" -c Release -nologo -v q -clp:ErrorsOnly 2>&1) || { echo "$build_log" >&2; exit 1; }
rate() { echo "$1" | sed -E 's/.*rps=([0-9]+).*/\1/'; }
field() { echo "$2" | sed -E "s/(^|.* )$1=([0-9.]+).*/\\2/"; } # name line

start_receiver() { # sets receiver_pid and receiver
  local port; port=$(free_port 9700)
  python3 "$here/receiver.py" "$port" >"$work/receiver.log" 2>&1 &
  receiver_pid=$!
  receiver="http://127.0.0.1:$port"
  for _ in $(seq 1 50); do
    ss -ltnpH "sport = :$port" 2>/dev/null | grep -q "pid=$receiver_pid," && curl -sf "$receiver/stats" >/dev/null && return 0
    sleep 0.1
  done
  cat "$work/receiver.log" >&2; return 1
}

# After the opens of a webhooks-on variant: waits until the receiver has every event the opens queued
# (each open of a single-view secret queues two: opened and burned) or the drain limit passes, then
# until no delivery came for a second: wrk does not count the requests still in flight when it stops
# (up to one per connection), whose events come on top.
report_drain() { # label open-line opens-started-at opens-ended-at receiver-ticks-before
  local label=$1 open=$2 started=$3 ended=$4 before_r=$5 opened queued stats count first last waited=0 quiet=0 seen
  opened=$(( $(field requests "$open") - $(field non2xx "$open") ))
  queued=$((opened * 2))
  stats=$(curl -sf "$receiver/stats")
  local at_end; at_end=$(field count "$stats")
  while [ "$waited" -lt $((drain_limit * 10)) ] && { [ "$(field count "$stats")" -lt "$queued" ] || [ "$quiet" -lt 10 ]; }; do
    seen=$(field count "$stats")
    sleep 0.1; waited=$((waited + 1)); stats=$(curl -sf "$receiver/stats")
    [ "$(field count "$stats")" = "$seen" ] && quiet=$((quiet + 1)) || quiet=0
  done
  count=$(field count "$stats") first=$(field first "$stats") last=$(field last "$stats")
  local span rate drained after
  span=$(echo "$last - $first" | bc -l)
  rate=$(echo "if ($span > 0) ($count - 1) / $span else 0" | bc -l)
  after=$(echo "$last - $ended" | bc -l)
  [ "$count" -ge "$queued" ] && drained=yes || drained=no
  printf '%s outbox queued=%d delivered=%d at_opens_end=%d drained=%s delivery_rps=%.0f span_s=%.2f drained_after_opens_s=%.2f receiver_cpu=%.0f%%\n' \
    "$label" "$queued" "$count" "$at_end" "$drained" "$rate" "$span" "$after" \
    "$(echo "($(ticks "$receiver_pid") - $before_r) / $hz / ($(date +%s.%N) - $started) * 100" | bc -l)"
}

for provider in $providers; do
  conn=""
  if [ "$provider" = postgres ]; then start_postgres; fi
  declare -A pair_rate=() sum_rate=()
  position=0
  for variant in ${variants:-default}; do
    label=$provider extra=() webhook=""
    if [ "$variant" != default ]; then
      label="$provider $mode-$variant"
    fi
    if [ "$mode" = metrics ] && [ "$variant" = on ]; then
      metrics_port=$(free_port 9464) && extra=(--Parley:Metrics:Enabled=true --Parley:Metrics:Url="http://127.0.0.1:$metrics_port")
    fi
    if [ "$mode" = webhooks ]; then
      # Both variants may send to loopback, so that the setting is not what differs between them.
      extra=(--Parley:Webhooks:AllowPrivateTargets=true)
      if [ "$variant" = on ]; then
        [ -n "$receiver_pid" ] || start_receiver
        curl -sf "$receiver/reset" >/dev/null
        webhook="$receiver/hook"
      fi
    fi
    export PARLEY_WEBHOOK_URL=$webhook
    # Every variant on an empty store: on one store each would measure what the variants before it left
    # there (the "on" run of a pair always the larger database).
    variant_count=$((variant_count + 1))
    fresh_store "$provider" "parley_$variant_count"
    start_server "$provider" "$conn" "${extra[@]}"
    if [ "$mode" = metrics ] && [ "$variant" = on ]; then
      # As a Prometheus server would, if far more often than the usual 15 s.
      (while sleep 5; do curl -sf "http://127.0.0.1:$metrics_port/metrics" >/dev/null || true; done) &
      scraper_pid=$!
    fi
    rm -f "$work"/ids-*.txt
    PARLEY_IDS_DIR="" measure "warmup-livez" ok.lua 3 "$url" >/dev/null
    PARLEY_IDS_DIR="" measure "warmup-create" create.lua 3 "$url" >/dev/null
    ceiling=$(measure "$label livez" ok.lua "$duration" "$url"); echo "$ceiling"
    # Create for longer than open runs, so that every open takes a fresh single-view secret.
    create=$(PARLEY_IDS_DIR="$work" measure "$label create" create.lua "$((duration * 2))" "$url"); echo "$create"
    receiver_before=$(ticks "$receiver_pid") opens_started=$(date +%s.%N)
    open=$(PARLEY_IDS_DIR="$work" measure "$label open" open.lua "$duration" "$url"); echo "$open"
    opens_ended=$(date +%s.%N)
    base=$(rate "$ceiling")
    for line in "$create" "$open"; do
      printf '%s: %s req/s = %.2f of the ceiling (%s req/s)\n' "${line%% requests=*}" "$(rate "$line")" "$(echo "$(rate "$line") / $base" | bc -l)" "$base"
    done
    if [ -n "$mode" ]; then
      pair_rate[$variant create]=$(rate "$create") pair_rate[$variant open]=$(rate "$open")
      [ "$mode" = webhooks ] && [ "$variant" = on ] && report_drain "$label" "$open" "$opens_started" "$opens_ended" "$receiver_before"
      position=$((position + 1))
      if [ $((position % 2)) -eq 0 ]; then
        for what in create open; do
          on=${pair_rate[on $what]} off=${pair_rate[off $what]}
          printf '%s %s %s: on %s req/s / off %s req/s = %.3f\n' "$provider" "$mode" "$what" "$on" "$off" "$(echo "$on / $off" | bc -l)"
          sum_rate[on $what]=$(echo "${sum_rate[on $what]:-0} + $on" | bc -l) sum_rate[off $what]=$(echo "${sum_rate[off $what]:-0} + $off" | bc -l)
        done
      fi
    fi
    [ -n "$scraper_pid" ] && { kill "$scraper_pid" 2>/dev/null || true; wait "$scraper_pid" 2>/dev/null || true; scraper_pid=""; }
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
  done
  if [ -n "$mode" ]; then
    for what in create open; do
      printf '%s %s %s, all %d pairs: on %.0f req/s / off %.0f req/s = %.3f\n' "$provider" "$mode" "$what" "$pairs" \
        "$(echo "${sum_rate[on $what]} / $pairs" | bc -l)" "$(echo "${sum_rate[off $what]} / $pairs" | bc -l)" \
        "$(echo "${sum_rate[on $what]} / ${sum_rate[off $what]}" | bc -l)"
    done
  fi
done
