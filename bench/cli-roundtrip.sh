#!/usr/bin/env bash
# Times a file round trip CLI → server → CLI and reports each process's peak memory (VmHWM).
#   bench/cli-roundtrip.sh [MiB ...]        default: 256 1024
# Needs a Release build: dotnet build Parley.slnx -c Release
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cli="$root/src/Parley.Cli/bin/Release/net10.0/parley.dll"
server_dll="$root/src/Parley.Server/bin/Release/net10.0/Parley.Server.dll"
[ -f "$cli" ] && [ -f "$server_dll" ] || { echo "build first: dotnet build Parley.slnx -c Release" >&2; exit 1; }
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(256 1024)
work=$(mktemp -d /tmp/parley-roundtrip.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
(cd "$work" && exec dotnet "$server_dll" --urls "$url" --contentRoot "$(dirname "$server_dll")" \
  --Parley:Storage:DataDirectory="$work/data" --Parley:Secrets:MaxStreamBytes=4294967296 >"$work/server.log" 2>&1) &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# Runs parley, samples its VmHWM every 20 ms; prints "seconds peak_kB".
run() {
  local start peak=0 pid h
  start=$(date +%s.%N)
  dotnet "$cli" "$@" >"$work/out.txt" 2>"$work/err.txt" &
  pid=$!
  while kill -0 $pid 2>/dev/null; do h=$(hwm $pid); [ "${h:-0}" -gt "$peak" ] && peak=$h; sleep 0.02; done
  wait $pid || { cat "$work/err.txt" >&2; exit 1; }
  echo "$(echo "$(date +%s.%N) - $start" | bc) $peak"
}

printf '%-8s %-28s %-28s %s\n' "size" "create (s, MB/s, peak MB)" "open (s, MB/s, peak MB)" "server peak MB"
for mib in "${sizes[@]}"; do
  head -c $((mib * 1024 * 1024)) /dev/urandom >"$work/file.bin"
  read -r ct cpk < <(run secret create --server "$url" --json --file "$work/file.bin")
  link=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["shareLink"])' "$work/out.txt")
  rm -rf "$work/recv"
  read -r ot opk < <(run secret open "$link" --out "$work/recv")
  cmp -s "$work/file.bin" "$work/recv/file.bin" || { echo "round trip differs" >&2; exit 1; }
  awk -v m="$mib" -v ct="$ct" -v cp="$cpk" -v ot="$ot" -v op="$opk" -v sp="$(hwm $server_pid)" 'BEGIN {
    b = m * 1048576 / 1e6;
    printf "%-8s %-28s %-28s %.0f\n", m " MiB", sprintf("%.2f, %.0f, %.0f", ct, b/ct, cp*0.001024), sprintf("%.2f, %.0f, %.0f", ot, b/ot, op*0.001024), sp*0.001024 }'
  rm -f "$work/file.bin"; rm -rf "$work/recv"
done
