#!/usr/bin/env bash
# Prints one line "N passed, N failed" from the TRX files in $1. A failed build or a test
# application that crashed without writing its TRX counts as one failure ($2 = test.sh's status).
dir=${1:?results directory}
status=${2:-0}
passed=0
failed=0
for f in "$dir"/*.trx; do
  [ -f "$f" ] || continue
  outcomes=$(grep -o -E '<UnitTestResult [^>]*outcome="[A-Za-z]+"' "$f" | grep -o -E 'outcome="[A-Za-z]+"')
  p=$(grep -c 'outcome="Passed"' <<<"$outcomes")
  x=$(grep -c -E 'outcome="(Failed|Error|Timeout|Aborted)"' <<<"$outcomes")
  passed=$((passed + p))
  failed=$((failed + x))
done
if [ "$status" != 0 ] && [ "$failed" = 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
