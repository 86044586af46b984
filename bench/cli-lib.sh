# Shared by the CLI benchmarks (bench/cli-roundtrip.sh, bench/attachments.sh); source it, do not run it.
# cli_bench_start NAME [server option...]: checks the Release build, makes a work folder, starts
# Parley.Server (SQLite) on a free loopback port with the options given, and stops it on exit.
# Sets: root cli server_dll work url server_pid.
# cli_run ARG...: runs parley (stdout to $work/out.txt, stderr to $work/err.txt), sampling its VmHWM
# every 20 ms; prints "seconds peak_kB"; exits the script when parley fails.

cli_bench_start() {
  local name=$1
  shift
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  cli="$root/src/Parley.Cli/bin/Release/net10.0/parley.dll"
  server_dll="$root/src/Parley.Server/bin/Release/net10.0/Parley.Server.dll"
  [ -f "$cli" ] && [ -f "$server_dll" ] || { echo "build first: dotnet build Parley.slnx -c Release" >&2; exit 1; }
  work=$(mktemp -d "/tmp/parley-$name.XXXXXX")
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  url="http://127.0.0.1:$port"
  (cd "$work" && exec dotnet "$server_dll" --urls "$url" --contentRoot "$(dirname "$server_dll")" \
    --Parley:Storage:DataDirectory="$work/data" "$@" >"$work/server.log" 2>&1) &
  server_pid=$!
  trap 'kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT
  for _ in $(seq 200); do curl -sf "$url/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "the server did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
}

cli_hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

cli_run() {
  local start peak=0 pid h
  start=$(date +%s.%N)
  dotnet "$cli" "$@" >"$work/out.txt" 2>"$work/err.txt" &
  pid=$!
  while kill -0 $pid 2>/dev/null; do h=$(cli_hwm $pid); [ "${h:-0}" -gt "$peak" ] && peak=$h; sleep 0.02; done
  wait $pid || { echo "parley $* failed:" >&2; cat "$work/err.txt" >&2; exit 1; }
  echo "$(echo "$(date +%s.%N) - $start" | bc) $peak"
}
