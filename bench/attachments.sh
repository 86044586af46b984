#!/usr/bin/env bash
# Attachment transfer speed next to the secrets CLI's, on the same file (docs/benchmarks.md, "Attachments").
#   bench/attachments.sh [MiB] [runs]        default: 256 5
# Starts Parley.Server (Release, SQLite, messaging rate limits off), registers two messenger profiles,
# and times, as whole processes:
#   secret upload    parley secret create --file F            secret download    parley secret open LINK --out D
#   attachment up    parley send bob --file F  (as alice)     attachment down    parley inbox --out D  (as bob)
# Each MB/s figure is the file's size (10^6 bytes) over the whole process's wall time, so it includes
# the process start; the messenger's also include unlocking the profile (Argon2id), reading and
# writing the profile (SQLite, fsync) and the messaging calls around the file. Runs alternate which of
# the two goes first, and every timed process starts after a `sync`. The summary gives the ratios
# (attachment over secret; target at least 0.8) of the medians and the median of each run's ratio, and
# then the transfer alone: each command's median time on a 1 KiB file (its fixed cost) subtracted.
# Needs a Release build: dotnet build Parley.slnx -c Release. Run it through bench/quiet.sh on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-256}
runs=${2:-5}
. bench/cli-lib.sh
cli_bench_start attachments --Parley:Secrets:MaxStreamBytes=4294967296 --Parley:Blobs:MaxBlobBytes=4294967296 \
  --Parley:Messaging:RegistrationsPerHour=0 --Parley:Messaging:LoginsPerMinute=0 --Parley:Messaging:RequestsPerMinute=0

export PARLEY_SERVER="$url" PARLEY_PASSPHRASE="a benchmark profile passphrase"
as() { XDG_DATA_HOME="$work/$1" cli_run "${@:2}"; }
suffix=$(date +%s%N | tail -c 7)
bob="bob$suffix"
as alice register "alice$suffix" >/dev/null
as bob register "$bob" >/dev/null
as alice send "$bob" "hello" >/dev/null # the session exists before the first timed file
as bob inbox >/dev/null

bytes=$((mib * 1024 * 1024))
mkdir -p "$work/big" "$work/small"
head -c "$bytes" /dev/urandom >"$work/big/file.bin"
head -c 1024 /dev/urandom >"$work/small/file.bin"
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mbps() { awk -v b="$bytes" -v t="$1" 'BEGIN { printf "%.1f", b / 1e6 / t }'; }
ratio() { awk -v s="$1" -v a="$2" 'BEGIN { printf "%.2f", s / a }'; } # of times: secret over attachment = attachment MB/s over secret MB/s
check() { cmp -s "$1/file.bin" "$2/file.bin" || { echo "round trip differs: $2" >&2; exit 1; }; rm -rf "$2"; }
mb() { echo $(($1 * 1024 / 1000000)); }

# One round of each kind on the file in folder $1: sets t1 p1 t2 p2 (secret) or t3 p3 t4 p4 (attachment).
secret_round() {
  sync
  read -r t1 p1 < <(cli_run secret create --json --file "$1/file.bin")
  link=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["shareLink"])' "$work/out.txt")
  sync
  read -r t2 p2 < <(cli_run secret open "$link" --out "$work/secret")
  check "$1" "$work/secret"
}
attachment_round() {
  sync
  read -r t3 p3 < <(as alice send "$bob" --file "$1/file.bin")
  sync
  read -r t4 p4 < <(as bob inbox --out "$work/attachment")
  check "$1" "$work/attachment"
}
# Alternate which goes first, so that a load that rises or falls during a run favours neither.
both() { if [ $(($2 % 2)) = 1 ]; then secret_round "$1"; attachment_round "$1"; else attachment_round "$1"; secret_round "$1"; fi; }

declare -a f1 f2 f3 f4
for run in 1 2 3; do
  both "$work/small" "$run"
  f1+=("$t1"); f2+=("$t2"); f3+=("$t3"); f4+=("$t4")
done
F1=$(median "${f1[@]}"); F2=$(median "${f2[@]}"); F3=$(median "${f3[@]}"); F4=$(median "${f4[@]}")

echo "file: $mib MiB, $runs runs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-22s %-22s %-22s %-22s %s\n' run "secret up MB/s (MB)" "secret down MB/s (MB)" "attachment up MB/s (MB)" "attachment down MB/s (MB)" \
  "attachment/secret up, down"
declare -a T1 T2 T3 T4 ru rd
for run in $(seq "$runs"); do
  both "$work/big" "$run"
  T1+=("$t1"); T2+=("$t2"); T3+=("$t3"); T4+=("$t4"); ru+=("$(ratio "$t1" "$t3")"); rd+=("$(ratio "$t2" "$t4")")
  printf '%-6s %-22s %-22s %-22s %-22s %s\n' "$run" "$(mbps "$t1") ($(mb "$p1"))" "$(mbps "$t2") ($(mb "$p2"))" \
    "$(mbps "$t3") ($(mb "$p3"))" "$(mbps "$t4") ($(mb "$p4"))" "${ru[-1]}, ${rd[-1]}"
done

M1=$(median "${T1[@]}"); M2=$(median "${T2[@]}"); M3=$(median "${T3[@]}"); M4=$(median "${T4[@]}")
printf '%-6s %-22s %-22s %-22s %-22s %s\n' median "$(mbps "$M1")" "$(mbps "$M2")" "$(mbps "$M3")" "$(mbps "$M4")" "$(median "${ru[@]}"), $(median "${rd[@]}")"
echo "attachment / secret, whole processes: upload $(ratio "$M1" "$M3"), download $(ratio "$M2" "$M4") (medians; target at least 0.80)"
echo "fixed cost (median wall time on a 1 KiB file, s): secret create $F1, secret open $F2, send --file $F3, inbox --out $F4"
x() { awk -v m="$1" -v f="$2" 'BEGIN { printf "%.4f", m - f }'; }
X1=$(x "$M1" "$F1"); X2=$(x "$M2" "$F2"); X3=$(x "$M3" "$F3"); X4=$(x "$M4" "$F4")
echo "transfer alone, MB/s: secret up $(mbps "$X1"), down $(mbps "$X2"); attachment up $(mbps "$X3"), down $(mbps "$X4");" \
  "attachment / secret: upload $(ratio "$X1" "$X3"), download $(ratio "$X2" "$X4")"
echo "server peak RSS: $(mb "$(cli_hwm $server_pid)") MB; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
