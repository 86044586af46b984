#!/usr/bin/env bash
# The relay across two nodes behind nginx against one node alone (docs/benchmarks.md, "Relay across two
# nodes behind nginx"; issue 15). Both set-ups run in one invocation, alternating at each rate:
#   one node   senders and receivers connect straight to node A (plain HTTP on loopback);
#   two nodes  senders connect to node A and receivers to node B, each through Debian's nginx with TLS
#              (one proxy port per node, the proxy settings of deploy/nginx/parley.conf), so every envelope
#              crosses from node to node: stored in PostgreSQL by A, B woken through Redis.
# Both nodes share one PostgreSQL (durable commits) and one Redis, started here and removed afterwards.
#   bench/relay-two-nodes.sh                     100 pairs; total rates 500 1000 2000 3000 4000 6000 8000
#   bench/relay-two-nodes.sh 100 "1000 2000" 10  pairs, total rates per second, seconds per step
# Prints each step's p50/p99 (server_cpu_pct is node A's) and, at the end, the highest total rate with p99 <= 50 ms of each set-up,
# their ratio, and the p99 the proxy and the second node add at the rates both passed. Results (JSON
# lines) go to artifacts/bench/relay-two-nodes/results.jsonl. Needs nginx, PostgreSQL and Redis
# (installed with apt-get when missing) and a Release build (built when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
pairs=${1:-100}
rates=${2:-"500 1000 2000 3000 4000 6000 8000"}
seconds=${3:-10}
out="$root/artifacts/bench/relay-two-nodes"
mkdir -p "$out"
results="$out/results.jsonl"
: >"$results"

sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
need=""
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need="$need nginx"
command -v redis-server >/dev/null || need="$need redis-server"
ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || need="$need postgresql"
[ -z "$need" ] || $sudo apt-get install -y -qq $need >/dev/null
. bench/relay-lib.sh

ulimit -n 20000
work=$(mktemp -d /tmp/parley-two-nodes.XXXXXX)
chmod 755 "$work"
pids=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -f "$work/pg/data/postmaster.pid" ] && su postgres -s /bin/sh -c "$pg_bin/pg_ctl -D $work/pg/data -m immediate stop >/dev/null 2>&1" || true
  rm -rf "$work"
}
trap cleanup EXIT

# PostgreSQL with durable commits, as one would run it.
pg_port=$(free_port)
mkdir -p "$work/pg" && chown postgres:postgres "$work/pg"
su postgres -s /bin/sh -c "$pg_bin/initdb -D $work/pg/data -U postgres --auth=trust >$work/pg/initdb.log 2>&1"
su postgres -s /bin/sh -c "$pg_bin/pg_ctl -D $work/pg/data -o \"-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB\" -l $work/pg/pg.log -w start >/dev/null"
postgres="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Maximum Pool Size=64"

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)

start_node() { # name, port
  local name=$1 port=$2
  (cd "$work" && exec dotnet "$server_dll" --urls "http://127.0.0.1:$port" --contentRoot "$(dirname "$server_dll")" \
    --Parley:Storage:Provider=postgres --Parley:Storage:PostgresConnectionString="$postgres" \
    --Parley:Messaging:Redis="127.0.0.1:$redis_port" \
    --Parley:Http:TrustedProxies:0=127.0.0.1 \
    --Parley:Messaging:RegistrationsPerHour=0 --Parley:Messaging:LoginsPerMinute=0 \
    --Parley:Messaging:SendsPerSecond=0 --Parley:Messaging:RequestsPerMinute=0 \
    --Parley:Messaging:PresenceVisibility=contacts >"$work/node-$name.log" 2>&1 </dev/null) &
  pids+=($!)
  node_pid=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/node-$name.log" >&2; echo "node $name did not get ready" >&2; exit 1; }
}
node_a=$(free_port)
node_b=$(free_port)
start_node a "$node_a"
node_a_pid=$node_pid
start_node b "$node_b"

# nginx with a throwaway certificate for localhost: one TLS port per node.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
chmod 644 "$work/key.pem"
front_a=$(free_port)
front_b=$(free_port)
mkdir -p "$work/nginx"
proxy_block() { # front port, node port
  cat <<EOF
    server {
        listen 127.0.0.1:$1 ssl;
        server_name localhost;
        ssl_certificate     $work/cert.pem;
        ssl_certificate_key $work/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        location / {
            proxy_pass http://127.0.0.1:$2;
            proxy_http_version 1.1;
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$parley_connection;
            proxy_buffering off;
            proxy_request_buffering off;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }
    }
EOF
}
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes auto;
worker_rlimit_nofile 20000;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    map \$http_upgrade \$parley_connection {
        default upgrade;
        ''      '';
    }
$(proxy_block "$front_a" "$node_a")
$(proxy_block "$front_b" "$node_b")
}
EOF
/usr/sbin/nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -g 'daemon off;' >"$work/nginx/out.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$front_b") 2>/dev/null && break; sleep 0.1; done
curl -sf --cacert "$work/cert.pem" "https://localhost:$front_a/readyz" >/dev/null || { cat "$work/nginx/error.log" >&2; echo "nginx did not start" >&2; exit 1; }
echo "nginx $(/usr/sbin/nginx -v 2>&1 | sed 's#.*/##'), PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}'), Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2); load $(cut -d' ' -f1-3 /proc/loadavg)"

run() { # setup, total rate, generator arguments
  local setup=$1 total=$2 l line
  shift 2
  l=$(load)
  line=$(SSL_CERT_FILE="$work/cert.pem" "${gen[@]}" --mode run --pairs "$pairs" --rate "$(python3 -c "print($total / $pairs)")" \
    --duration "$seconds" --warmup 3 --server-pid "$node_a_pid" "$@" | sed -n 's/^json: //p' | tail -1)
  printf '{"setup":"%s","total":%s,"load":%s,"result":%s}\n' "$setup" "$total" "$l" "${line:-null}" >>"$results"
  echo "  $setup at $total/s (load $l): ${line:-no result}"
}
ok() { # setup, total: p99 within 50 ms and nothing lost
  python3 - "$results" "$1" "$2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
r = [x for x in rows if x["setup"] == sys.argv[2] and x["total"] == float(sys.argv[3])][-1]["result"]
sys.exit(0 if r and r["p99_ms"] <= 50 and r["lost"] <= 0 else 1)
PY
}

# One unmeasured run of each set-up first: JIT, connection pools and PostgreSQL's caches warm up.
run warm-up-one "$(echo "$rates" | awk '{print $1}')" --server "http://127.0.0.1:$node_a" >/dev/null
run warm-up-two "$(echo "$rates" | awk '{print $1}')" --server "https://localhost:$front_a" --receiver-server "https://localhost:$front_b" >/dev/null
one_alive=true two_alive=true
for total in $rates; do
  if $one_alive; then
    run one-node "$total" --server "http://127.0.0.1:$node_a"
    ok one-node "$total" || one_alive=false
  fi
  if $two_alive; then
    run two-nodes "$total" --server "https://localhost:$front_a" --receiver-server "https://localhost:$front_b"
    ok two-nodes "$total" || two_alive=false
  fi
  $one_alive || $two_alive || break
done

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def passed(r): return r["result"] and r["result"]["p99_ms"] <= 50 and r["result"]["lost"] <= 0
def best(setup): return max((r["total"] for r in rows if r["setup"] == setup and passed(r)), default=0)
one, two = best("one-node"), best("two-nodes")
print(f"highest total rate with p99 <= 50 ms: one node {one:,.0f}/s, two nodes behind nginx {two:,.0f}/s"
      + (f", ratio {two / one:.2f}" if one else ""))
both = sorted({r["total"] for r in rows if passed(r)} & {r["total"] for r in rows if r["setup"] == "two-nodes" and passed(r)}
              & {r["total"] for r in rows if r["setup"] == "one-node" and passed(r)})
for t in both:
    p = {r["setup"]: r["result"]["p99_ms"] for r in rows if r["total"] == t}
    print(f"at {t:,.0f}/s: p99 one node {p['one-node']} ms, two nodes {p['two-nodes']} ms, added {p['two-nodes'] - p['one-node']:+.1f} ms")
PY
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
