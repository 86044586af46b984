#!/usr/bin/env bash
# Parley against libsignal 0.103 on this machine, in one run: BenchmarkDotNet measures Parley
# (bench/Parley.Protocol.Benchmarks), then the Node harness measures libsignal the same way
# (tests/interop/bench.mjs) before and after it, and a table with the ratios is printed and written
# to artifacts/bench/protocol/summary.md. The machine is shared, so libsignal's figure is the better
# of its two runs: the ratio errs in libsignal's favour.
#
#   bench/protocol-vs-libsignal.sh            needs `npm ci` in tests/interop (./test.sh does it)
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/bench/protocol
mkdir -p "$out"
[ -d tests/interop/node_modules/@signalapp/libsignal-client ] || (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)

echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
(cd tests/interop && node bench.mjs 5) >"$out/libsignal-1.json"
dotnet run -c Release --project bench/Parley.Protocol.Benchmarks -- --filter "*Protocol.Benchmarks*" \
  --exporters csv --artifacts "$out/bdn" >"$out/parley.log"
(cd tests/interop && node bench.mjs 5) >"$out/libsignal-2.json"
dotnet run -c Release --project bench/Parley.Protocol.Benchmarks -- --sizes >"$out/parley-sizes.json"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$out" <<'PY'
import csv, glob, json, sys
out = sys.argv[1]
rows = {r["Method"]: r for r in csv.DictReader(open(glob.glob(f"{out}/bdn/results/*SessionBenchmarks-report.csv")[0]))}
runs = [json.load(open(f"{out}/libsignal-{i}.json")) for i in (1, 2)]

def micros(text):
    value, unit = text.replace(",", "").split()
    return float(value) * {"ns": 1e-3, "us": 1, "μs": 1, "ms": 1e3, "s": 1e6}[unit]

lines = ["| measurement | Parley ops/s | libsignal 0.103 ops/s | Parley ÷ libsignal | Parley allocated per op |",
         "|---|---:|---:|---:|---:|"]
for method, key, name in [("Steady_state_pair", "steady", "steady-state pair (100 B, encrypt + decrypt)"),
                          ("Ping_pong_pair", "pingpong", "ping-pong pair (DH ratchet step every message)"),
                          ("Session_establishment", "establish", "session establishment")]:
    parley = 1e6 / micros(rows[method]["Mean"])
    theirs = max(run[key]["opsPerSecond"] for run in runs)
    lines.append(f"| {name} | {parley:,.0f} | {theirs:,.0f} | {parley / theirs:.1f}× | {rows[method]['Allocated']} |")
sizes = json.load(open(f"{out}/parley-sizes.json"))
lines += ["", "| bytes per message (mean of 2,000, 100 B plaintext) | Parley SignalMessage | libsignal SignalMessage | Parley pq_ratchet | libsignal pq_ratchet |",
          "|---|---:|---:|---:|---:|"]
for key, name in [("steady", "one way (steady state)"), ("pingPong", "alternating (ping-pong)")]:
    ours, theirs = sizes[key], runs[0]["sizes"][key]
    lines.append(f"| {name} | {ours['messageBytes']:.1f} | {theirs['messageBytes']:.1f} | {ours['pqRatchetBytes']:.1f} | {theirs['pqRatchetBytes']:.1f} |")
table = "\n".join(lines)
open(f"{out}/summary.md", "w").write(table + "\n")
print(table)
PY
