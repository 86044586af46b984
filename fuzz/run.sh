#!/usr/bin/env bash
# Coverage-guided fuzzing of Parley's decoders with SharpFuzz and afl++ (docs/fuzzing.md).
#
#   fuzz/run.sh TARGET SECONDS     one target (fuzz/run.sh list shows the names)
#   fuzz/run.sh T1,T2 SECONDS      some targets, one after another
#   fuzz/run.sh all SECONDS        every target, one after another
#
# Builds the harness (Release), instruments the Parley.* assemblies it tests with sharpfuzz, and runs
# afl-fuzz on each target for SECONDS, starting from fuzz/corpus/TARGET. Prints the executions and the
# crashes and hangs found, and exits non-zero if there are any: they are in
# artifacts/fuzz/findings/TARGET/default/{crashes,hangs}/; replay one with
#   dotnet artifacts/fuzz/bin/Parley.Fuzz.dll TARGET < FILE
#
# Environment: FUZZ_REUSE_BUILD=1 keeps the instrumented build of the previous run (after a change to the
# code, leave it unset); FUZZ_RESUME=1 continues the previous findings of each target (afl's "-i -") instead of
# starting again from the seeds; FUZZ_TIMEOUT_MS is the time one input may take before it counts as a
# hang (default 10000: generous, because a loaded 2-core machine stalls the runtime now and then).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work="$root/artifacts/fuzz"
bin="$work/bin"
timeout_ms=${FUZZ_TIMEOUT_MS:-10000}

[ $# -ge 1 ] || { sed -n '2,19p' "$0"; exit 2; }
if [ "$1" = list ]; then
  exec dotnet run --project fuzz/Parley.Fuzz -c Release -- list
fi
[ $# = 2 ] && [[ $2 =~ ^[0-9]+$ ]] || { echo "usage: fuzz/run.sh TARGET[,TARGET…]|all SECONDS" >&2; exit 2; }
target=$1 seconds=$2
command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: install the afl++ package" >&2; exit 2; }

if [ "${FUZZ_REUSE_BUILD:-0}" = 1 ] && [ -f "$bin/Parley.Fuzz.dll" ]; then
  echo "== reusing the instrumented build in $bin"
else
  echo "== build and instrument"
  dotnet tool restore >/dev/null
  rm -rf "$bin"
  dotnet build fuzz/Parley.Fuzz/Parley.Fuzz.csproj -c Release -nologo -clp:ErrorsOnly -o "$bin" >/dev/null
  # Only the assemblies under test carry afl's coverage probes: not the harness, not the framework or packages.
  for dll in "$bin"/Parley.*.dll; do
    [ "$(basename "$dll")" = Parley.Fuzz.dll ] && continue
    dotnet sharpfuzz "$dll" >/dev/null
  done
fi

mapfile -t all_targets < <(dotnet "$bin/Parley.Fuzz.dll" list)
if [ "$target" = all ]; then
  targets=("${all_targets[@]}")
else
  IFS=, read -ra targets <<<"$target"
  for t in "${targets[@]}"; do
    printf '%s\n' "${all_targets[@]}" | grep -qx -- "$t" || { echo "unknown target: $t" >&2; exit 2; }
  done
fi

# afl++ checks meant for C programs: the .NET host is not instrumented itself (SharpFuzz reports coverage),
# the machine's CPU governor and core-dump handler are not ours to change, and its cores are shared.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1
export AFL_FORKSRV_INIT_TMOUT=60000 DOTNET_TieredPGO=0

stat() { sed -n "s/^$1 *: *//p" "$2"; }

failed=0
printf '\n%-34s %12s %10s %8s %6s\n' target executions exec/s crashes hangs > "$work/summary.txt"
for t in "${targets[@]}"; do
  findings="$work/findings/$t"
  input=(-i "fuzz/corpus/$t")
  if [ "${FUZZ_RESUME:-0}" = 1 ] && [ -d "$findings/default/queue" ]; then
    input=(-i -)
  else
    rm -rf "$findings"
  fi
  mkdir -p "$findings"
  echo "== $t: ${seconds}s"
  status=0
  afl-fuzz "${input[@]}" -o "$findings" -t "$timeout_ms" -V "$seconds" -- "$(command -v dotnet)" "$bin/Parley.Fuzz.dll" "$t" \
    >"$findings/afl.log" 2>&1 || status=$?
  stats="$findings/default/fuzzer_stats"
  if [ $status != 0 ] || [ ! -f "$stats" ]; then
    echo "afl-fuzz failed for $t (exit $status):" >&2
    tail -n 25 "$findings/afl.log" >&2
    failed=1
    continue
  fi
  crashes=$(stat saved_crashes "$stats") hangs=$(stat saved_hangs "$stats")
  printf '%-34s %12s %10s %8s %6s\n' "$t" "$(stat execs_done "$stats")" "$(stat execs_per_sec "$stats")" "$crashes" "$hangs" \
    | tee -a "$work/summary.txt"
  if [ "$crashes" != 0 ] || [ "$hangs" != 0 ]; then
    echo "   found: $findings/default/crashes $findings/default/hangs" >&2
    failed=1
  fi
done
cat "$work/summary.txt"
echo "load: $(uptime)"
exit $failed
