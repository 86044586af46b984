#!/usr/bin/env bash
# Runs one benchmark command while the machine is as quiet as a script can make it, and says how
# quiet it was: takes a lock that every checkout on the machine shares (two benchmarks never run
# at once), waits until the 1-minute load average is below a limit (or a time limit passes), runs
# the command, and prints the load average before and after it. It stops nothing else: builds and
# tests that others start keep running, so read the load figures with the results.
#
#   bench/quiet.sh bench/web/run.sh 256 3
#   QUIET_MAX_LOAD=1.5 QUIET_WAIT=600 bench/quiet.sh bench/secrets-api/run.sh sqlite 10
#
# Environment: QUIET_MAX_LOAD (default: half the number of cores), QUIET_WAIT (seconds to wait for
# it, default 300), QUIET_LOCK (the lock file, default ${TMPDIR:-/tmp}/parley-bench.lock).
# Exits with the command's status.
set -uo pipefail
if [ $# -eq 0 ]; then
  echo "usage: bench/quiet.sh command [argument...]" >&2
  exit 2
fi
lock=${QUIET_LOCK:-${TMPDIR:-/tmp}/parley-bench.lock}
cores=$(nproc)
max_load=${QUIET_MAX_LOAD:-$(awk -v c="$cores" 'BEGIN { printf "%.2f", c / 2 }')}
wait_seconds=${QUIET_WAIT:-300}
load() { cut -d' ' -f1 /proc/loadavg; }
above() { awk -v l="$(load)" -v m="$max_load" 'BEGIN { exit !(l >= m) }'; }

exec 9>>"$lock"
if ! flock -n 9; then
  echo "quiet: another benchmark holds $lock; waiting for it" >&2
  flock 9
fi

deadline=$((SECONDS + wait_seconds))
while above && [ $SECONDS -lt $deadline ]; do
  sleep 5
done
if above; then
  echo "quiet: load average still $(load) after ${wait_seconds} s (limit $max_load); running anyway" >&2
fi

echo "quiet: load average $(load) before ($cores cores, limit $max_load): $*" >&2
status=0
# The command does not inherit the lock: a server it leaves behind must not hold up the next benchmark.
"$@" 9>&- || status=$?
echo "quiet: load average $(load) after (exit $status)" >&2
exit $status
