#!/usr/bin/env bash
# Parley's relay against Prosody 0.12 (Debian's `prosody` with `lua-event`), per core, in one run
# (docs/benchmarks.md, "Relay against Prosody"). Each server runs pinned to one core, each load client
# to the other; the measures alternate between the two systems so both see the same machine, and each group
# of measures (the 100-pair ramp, 1,000 pairs, 9,000 pairs, idle and connects) starts on fresh servers:
#   1. 100 pairs: the highest total rate whose p99 stays within 50 ms (ascending rates, each system
#      stops at its first miss)
#   2. 1,000 pairs × 2/s and 9,000 pairs × 0.2/s: p50 / p99
#   3. RSS per idle authenticated connection (slope from 1,000 to 5,000 connections)
#   4. authenticated connects/s, 64 in flight
# 256-byte messages; latency from each message's scheduled send time. Results: a table on stdout and in
# artifacts/bench/relay-vs-prosody/summary.md, every raw result in results.jsonl beside it.
#
#   bench/relay-vs-prosody.sh             10-15 minutes
#   bench/relay-vs-prosody.sh --quick     a short pass (fewer rates, 1,000 pairs only): checks the set-up
#
# Installs prosody and lua-event with apt-get when missing, builds Release when needed. Run it through
# bench/quiet.sh on a shared machine. SERVER_CORE / CLIENT_CORE choose the cores (default 0 and 1).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
quick=false
[ "${1:-}" = "--quick" ] && quick=true
server_core=${SERVER_CORE:-0}
client_core=${CLIENT_CORE:-1}
out="$root/artifacts/bench/relay-vs-prosody"
mkdir -p "$out"
results="$out/results.jsonl"
: >"$results"

if ! command -v prosody >/dev/null || ! dpkg -s lua-event >/dev/null 2>&1; then
  sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $sudo apt-get install -y -qq prosody lua-event >/dev/null
  # The package starts a system-wide Prosody on port 5222; this benchmark runs its own.
  $sudo systemctl disable --now prosody >/dev/null 2>&1 || $sudo service prosody stop >/dev/null 2>&1 || true
fi
. bench/relay-lib.sh

ulimit -n 20000
work=$(mktemp -d /tmp/parley-vs-prosody.XXXXXX)

# --- Prosody: 18,000 accounts (password "pw"), its own config, pinned to the server core.
xmpp_port=$(free_port)
mkdir -p "$work/accounts"
node -e '
  const fs = require("fs"); const dir = process.argv[1];
  for (let i = 0; i < 18000; i++) fs.writeFileSync(`${dir}/u${i}.dat`, "return {\n\t[\"password\"] = \"pw\";\n};\n");
' "$work/accounts"
sed -e "s#@WORK@#$work#g" -e "s#@PORT@#$xmpp_port#g" bench/prosody/prosody.cfg.lua.in >"$work/prosody.cfg.lua"

# --- Parley: the Release server with SQLite queues and rate limits off, pinned to the server core.
parley_port=$(free_port)
parley_url="http://127.0.0.1:$parley_port"
# Its Prometheus endpoint on a port of its own: the generator reads the server's GC pauses in each window from it.
metrics_url="http://127.0.0.1:$(free_port)"
prosody_pid='' parley_pid='' parley_real=''

stop_server() {
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null || true
  # A server that does not stop within 30 s (a saturated Prosody closing thousands of sessions) is killed.
  for _ in $(seq 300); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
stop_servers() {
  stop_server "$prosody_pid"
  stop_server "$parley_pid"
  prosody_pid='' parley_pid=''
}
# Waits (at most 30 s) until the server core is less than 10 % busy over half a second, and prints how long that
# took: a system that has just missed a step goes on working off its backlog there after its client has gone,
# and the other system's next step must not run beside it.
server_core_quiet() {
  python3 - "$server_core" <<'PY'
import sys, time
core = "cpu" + sys.argv[1]
def sample():
    for line in open("/proc/stat"):
        f = line.split()
        if f[0] == core:
            v = [int(x) for x in f[1:]]
            return sum(v), v[3] + v[4]  # all, idle + iowait
start, quiet = time.time(), False
while not quiet and time.time() - start < 30:
    a = sample(); time.sleep(0.5); b = sample()
    quiet = 1 - (b[1] - a[1]) / max(1, b[0] - a[0]) < 0.10
print(f"{time.time() - start:.1f}" + ("" if quiet else " (STILL BUSY: this step shares the core with something else)"))
PY
}
# Each group of measures starts both servers afresh (empty stores, the 18,000 accounts copied anew for Prosody):
# a server that has just carried a saturating step, or thousands of connections, is not the one the next step
# should measure (Prosody's cost per message grows over a long session; see docs/benchmarks.md).
fresh_servers() {
  stop_servers
  rm -rf "$work/data" "$work/parley-data"
  mkdir -p "$work/data/bench%2elocal"
  cp -r "$work/accounts" "$work/data/bench%2elocal/accounts"
  setsid taskset -c "$server_core" prosody --config "$work/prosody.cfg.lua" -F >"$work/prosody.out" 2>&1 </dev/null &
  prosody_pid=$!
  (cd "$work" && exec setsid taskset -c "$server_core" dotnet "$server_dll" --urls "$parley_url" --contentRoot "$(dirname "$server_dll")" \
    --Parley:Storage:Provider=sqlite --Parley:Storage:DataDirectory="$work/parley-data" \
    --Parley:Messaging:RegistrationsPerHour=0 --Parley:Messaging:LoginsPerMinute=0 \
    --Parley:Messaging:SendsPerSecond=0 --Parley:Messaging:RequestsPerMinute=0 \
    --Parley:Messaging:PresenceVisibility=contacts --Parley:Metrics:Enabled=true --Parley:Metrics:Url="$metrics_url" >"$work/parley.log" 2>&1 </dev/null) &
  parley_pid=$!
  for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$xmpp_port") 2>/dev/null && break; sleep 0.2; done
  (echo >/dev/tcp/127.0.0.1/"$xmpp_port") 2>/dev/null || { cat "$work/prosody.out" "$work/prosody.log" >&2; echo "prosody did not start" >&2; exit 1; }
  for _ in $(seq 200); do curl -sf "$parley_url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -sf "$parley_url/healthz" >/dev/null || { cat "$work/parley.log" >&2; echo "parley did not start" >&2; exit 1; }
  parley_real=$(pgrep -P "$parley_pid" dotnet 2>/dev/null || echo "$parley_pid")
  echo "fresh servers: prosody pid $prosody_pid, parley pid $parley_real, both on core $server_core; load $(cut -d' ' -f1-3 /proc/loadavg)"
}
cleanup() {
  stop_servers
  rm -rf "$work"
}
trap cleanup EXIT
echo "prosody $(dpkg-query -W -f='${Version}' prosody); servers on core $server_core, clients on core $client_core"

# Each measure appends {"system", "measure", "load", "result"} to results.jsonl.
record() {
  local system=$1 measure=$2 load_before=$3 line=$4
  printf '{"system":"%s","measure":"%s","load":%s,"result":%s}\n' "$system" "$measure" "$load_before" "${line:-null}" >>"$results"
  echo "  $system $measure (load $load_before): $line"
}
prosody_run() { # measure-name, then xmpp-load.mjs arguments
  local measure=$1; shift
  local l line
  l=$(load)
  line=$(taskset -c "$client_core" node bench/prosody/xmpp-load.mjs "$@" --port "$xmpp_port" --pid "$prosody_pid" | tail -1)
  record prosody "$measure" "$l" "$line"
}
parley_run() { # measure-name, then load generator arguments
  local measure=$1; shift
  local l line
  l=$(load)
  line=$(taskset -c "$client_core" "${gen[@]}" --server "$parley_url" --server-pid "$parley_real" --server-metrics "$metrics_url" "$@" | sed -n 's/^json: //p' | tail -1)
  record parley "$measure" "$l" "$line"
}
p99_ok() { # reads the last result of a system and measure: p99 within 50 ms (losses are reported beside it, not judged here)
  python3 - "$results" "$1" "$2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
r = [x for x in rows if x["system"] == sys.argv[2] and x["measure"] == sys.argv[3]][-1]["result"]
sys.exit(0 if r and r.get("p99_ms") is not None and r["p99_ms"] <= 50 else 1)
PY
}
# A fresh server is not yet a warm one (Parley's code is compiled as it runs; both grow their buffers and pools):
# one unrecorded run, 100 pairs at 1,000/s, of the system(s) named (default both) before the measures of a group.
warm_up() {
  local which=${1:-both}
  if [ "$which" != parley ]; then
    taskset -c "$client_core" node bench/prosody/xmpp-load.mjs throughput --pairs 100 --total 1000 --seconds 4 --warmup 2 --port "$xmpp_port" --pid "$prosody_pid" >/dev/null
  fi
  if [ "$which" != prosody ]; then
    taskset -c "$client_core" "${gen[@]}" --server "$parley_url" --mode run --pairs 100 --rate 10 --duration 4 --warmup 2 --prefix w$RANDOM >/dev/null
  fi
}
# One many-pairs measure: each system on servers started afresh for it alone (a saturated Prosody goes on
# working through its backlog and closing thousands of sessions on the server core after its client has gone).
# Arguments: measure name, pairs, total rate per second, seconds.
many_pairs() {
  local measure=$1 pairs=$2 total=$3 seconds=$4
  fresh_servers
  warm_up prosody
  prosody_run "$measure" throughput --pairs "$pairs" --total "$total" --seconds "$seconds" --warmup 5
  fresh_servers
  warm_up parley
  parley_run "$measure" --mode run --pairs "$pairs" --rate "$(awk "BEGIN { print $total / $pairs }")" --duration "$seconds" --warmup 5
}

echo "== 100 pairs: highest total rate with p99 <= 50 ms"
fresh_servers
warm_up
if $quick; then rates="2000 4000"; else rates="250 500 1000 1500 2000 3000 4000 5000 6000 8000 12000 16000 20000 24000 32000"; fi
prosody_alive=true parley_alive=true
for total in $rates; do
  # A system whose ramp has ended is stopped at once, and each step starts on a quiet server core.
  if $prosody_alive; then
    echo "  server core quiet after $(server_core_quiet) s"
    prosody_run "100x$total" throughput --pairs 100 --total "$total" --seconds 6 --warmup 2
    p99_ok prosody "100x$total" || { prosody_alive=false; stop_server "$prosody_pid"; prosody_pid=''; }
  fi
  if $parley_alive; then
    echo "  server core quiet after $(server_core_quiet) s"
    parley_run "100x$total" --mode run --pairs 100 --rate "$(awk "BEGIN { print $total / 100 }")" --duration 6 --warmup 2
    p99_ok parley "100x$total" || { parley_alive=false; stop_server "$parley_pid"; parley_pid=''; }
  fi
  $prosody_alive || $parley_alive || break
done

echo "== many pairs"
many_pairs 1000x2 1000 2000 6
if ! $quick; then
  many_pairs 9000x0.2 9000 1800 10
fi

echo "== idle memory and connects"
fresh_servers
prosody_run idle idle --steps 1000,5000 --settle 5 --conc 64
parley_run idle --mode idle --steps 1000,5000 --settle 5
prosody_run connect connect --n 5000 --conc 64 --user-offset 6000
parley_run connect --mode idle --steps 5000 --settle 1

python3 - "$results" "$out/summary.md" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def result(system, measure):
    found = [r for r in rows if r["system"] == system and r["measure"] == measure and r["result"]]
    return found[-1] if found else None
def lost(r):
    return r["result"].get("lost", r["result"].get("sent", 0) - r["result"].get("delivered", 0))
def best(system):
    ok = [r for r in rows if r["system"] == system and r["measure"].startswith("100x") and r["result"]
          and r["result"].get("p99_ms") is not None and r["result"]["p99_ms"] <= 50]
    return max(ok, key=lambda r: r["result"]["offered_per_s"], default=None)
def best_rate(system):
    r = best(system)
    return r["result"]["offered_per_s"] if r else 0
def best_note(system):
    r = best(system)
    return f" (p99 {r['result']['p99_ms']} ms, {lost(r)} lost)" if r else ""
def ratio(a, b):
    return f"{a / b:.1f}×" if a and b else "–"
lines = ["| measure (server on one core, client on the other) | Prosody 0.12 | Parley | Parley ÷ Prosody | load (Prosody, Parley) |", "|---|---|---|---|---|"]
bp, bq = best_rate("prosody"), best_rate("parley")
loads = lambda m: ", ".join(str(result(s, m)["load"]) if result(s, m) else "–" for s in ("prosody", "parley"))
lines.append(f"| 100 pairs: highest total rate with p99 ≤ 50 ms | {bp:,.0f}/s{best_note('prosody')} | {bq:,.0f}/s{best_note('parley')} | {ratio(bq, bp)} | see results.jsonl |")
for m, label in (("1000x2", "1,000 pairs × 2/s"), ("9000x0.2", "9,000 pairs × 0.2/s")):
    p, q = result("prosody", m), result("parley", m)
    if p and q:
        f = lambda r: (f"p50 {r['result']['p50_ms']} / p99 {r['result']['p99_ms']} ms (client lag p99 {r['result'].get('client_send_lag_p99_ms', '–')} ms"
                       + (f"; from the send: p99 {r['result']['p99_from_send_ms']} ms; server GC {r['result']['server_gc_pause_ms']} ms paused" if 'p99_from_send_ms' in r['result'] else "") + ")")
        lines.append(f"| {label}: p50 / p99 | {f(p)} | {f(q)} | p99 {ratio(p['result']['p99_ms'], q['result']['p99_ms'])} lower | {loads(m)} |")
p, q = result("prosody", "idle"), result("parley", "idle")
if p and q:
    pk = [r for r in rows if r["system"] == "prosody" and r["measure"] == "idle"][-1]["result"]["kib_per_connection"]
    lines.append(f"| RSS per idle authenticated connection | {pk} KiB | {q['result']['kib_per_connection']} KiB | {ratio(pk, q['result']['kib_per_connection'])} less | {loads('idle')} |")
p, q = result("prosody", "connect"), result("parley", "connect")
if p and q:
    qc = q["result"]["connects_per_s"][-1]
    lines.append(f"| authenticated connects/s (64 in flight) | {p['result']['connects_per_s']:,} | {qc:,.0f} | {ratio(qc, p['result']['connects_per_s'])} | {loads('connect')} |")
text = "\n".join(lines) + "\n"
open(sys.argv[2], "w").write(text)
print(text)
PY
