#!/usr/bin/env bash
# Times a file round trip CLI → server → CLI and reports each process's peak memory (VmHWM).
#   bench/cli-roundtrip.sh [MiB ...]        default: 256 1024
# Needs a Release build: dotnet build Parley.slnx -c Release
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(256 1024)
. bench/cli-lib.sh
cli_bench_start roundtrip --Parley:Secrets:MaxStreamBytes=4294967296

printf '%-8s %-28s %-28s %s\n' "size" "create (s, MB/s, peak MB)" "open (s, MB/s, peak MB)" "server peak MB"
for mib in "${sizes[@]}"; do
  head -c $((mib * 1024 * 1024)) /dev/urandom >"$work/file.bin"
  read -r ct cpk < <(cli_run secret create --server "$url" --json --file "$work/file.bin")
  link=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["shareLink"])' "$work/out.txt")
  rm -rf "$work/recv"
  read -r ot opk < <(cli_run secret open "$link" --out "$work/recv")
  cmp -s "$work/file.bin" "$work/recv/file.bin" || { echo "round trip differs" >&2; exit 1; }
  awk -v m="$mib" -v ct="$ct" -v cp="$cpk" -v ot="$ot" -v op="$opk" -v sp="$(cli_hwm $server_pid)" 'BEGIN {
    b = m * 1048576 / 1e6;
    printf "%-8s %-28s %-28s %.0f\n", m " MiB", sprintf("%.2f, %.0f, %.0f", ct, b/ct, cp*0.001024), sprintf("%.2f, %.0f, %.0f", ot, b/ot, op*0.001024), sp*0.001024 }'
  rm -f "$work/file.bin"; rm -rf "$work/recv"
done
