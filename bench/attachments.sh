#!/usr/bin/env bash
# Attachment transfer speed next to the secrets CLI's, on the same file (docs/benchmarks.md, "Attachments").
#   bench/attachments.sh [MiB] [runs]        default: 256 3
# Starts Parley.Server (Release, SQLite, messaging rate limits off), registers two messenger profiles,
# and for each run, in turn:
#   secret upload    parley secret create --file F            secret download    parley secret open LINK --out D
#   attachment up    parley send bob --file F  (as alice)     attachment down    parley inbox --out D  (as bob)
# Each figure is the file's size (10^6 bytes) over the whole process's wall time, so both include the
# process start; the messenger's also include unlocking the profile (Argon2id) and logging in. The
# ratio line divides the medians (target: attachments at least 0.8 of the secrets CLI).
# Needs a Release build: dotnet build Parley.slnx -c Release. Run it through bench/quiet.sh on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-256}
runs=${2:-3}
. bench/cli-lib.sh
cli_bench_start attachments --Parley:Secrets:MaxStreamBytes=4294967296 --Parley:Blobs:MaxBlobBytes=4294967296 \
  --Parley:Messaging:RegistrationsPerHour=0 --Parley:Messaging:LoginsPerMinute=0 --Parley:Messaging:RequestsPerMinute=0

export PARLEY_SERVER="$url" PARLEY_PASSPHRASE="a benchmark profile passphrase"
as() { XDG_DATA_HOME="$work/$1" cli_run "${@:2}"; }
suffix=$(date +%s%N | tail -c 7)
alice="alice$suffix"
bob="bob$suffix"
as alice register "$alice" >/dev/null
as bob register "$bob" >/dev/null
as alice send "$bob" "hello" >/dev/null # the session exists before the first timed file
as bob inbox >/dev/null

bytes=$((mib * 1024 * 1024))
head -c "$bytes" /dev/urandom >"$work/file.bin"
mbps() { awk -v b="$bytes" -v t="$1" 'BEGIN { printf "%.1f", b / 1e6 / t }'; }
check() { cmp -s "$work/file.bin" "$1/file.bin" || { echo "round trip differs: $1" >&2; exit 1; }; rm -rf "$1"; }

echo "file: $mib MiB, $runs runs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-4s %-24s %-24s %-24s %-24s\n' run "secret up (MB/s, MB)" "secret down (MB/s, MB)" "attachment up (MB/s, MB)" "attachment down (MB/s, MB)"
declare -a su sd au ad
for run in $(seq "$runs"); do
  read -r t1 p1 < <(cli_run secret create --json --file "$work/file.bin")
  link=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["shareLink"])' "$work/out.txt")
  read -r t2 p2 < <(cli_run secret open "$link" --out "$work/secret")
  check "$work/secret"
  read -r t3 p3 < <(as alice send "$bob" --file "$work/file.bin")
  read -r t4 p4 < <(as bob inbox --out "$work/attachment")
  check "$work/attachment"
  su+=("$(mbps "$t1")"); sd+=("$(mbps "$t2")"); au+=("$(mbps "$t3")"); ad+=("$(mbps "$t4")")
  printf '%-4s %-24s %-24s %-24s %-24s\n' "$run" \
    "${su[-1]}, $((p1 * 1024 / 1000000))" "${sd[-1]}, $((p2 * 1024 / 1000000))" "${au[-1]}, $((p3 * 1024 / 1000000))" "${ad[-1]}, $((p4 * 1024 / 1000000))"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
msu=$(median "${su[@]}"); msd=$(median "${sd[@]}"); mau=$(median "${au[@]}"); mad=$(median "${ad[@]}")
printf '%-4s %-24s %-24s %-24s %-24s\n' median "$msu" "$msd" "$mau" "$mad"
awk -v su="$msu" -v sd="$msd" -v au="$mau" -v ad="$mad" \
  'BEGIN { printf "attachment / secret: upload %.2f, download %.2f (target at least 0.80)\n", au / su, ad / sd }'
echo "server peak RSS: $(($(cli_hwm $server_pid) * 1024 / 1000000)) MB; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
