#!/usr/bin/env bash
#
# tests/fuzz/run-fuzzer.sh FUZZER SEEDS: one bounded libFuzzer run, as a
# meson test of a -Dfuzz=true build (tests/fuzz/meson.build).
#
# Runs FUZZER for FUZZ_SECONDS (default 20) over a scratch corpus beside it
# and the seed corpus SEEDS (read only: new inputs go to the scratch one).
# Fails on anything libFuzzer reports: a crash, a FUZZ_CHECK, an ASan or
# UBSan report, a leak, a timeout of one input (10 s) or more than 2 GB.
# Prints one line with the number of executions, and on failure the
# report and the path of the input that caused it (a new corpus file for
# SEEDS once the bug is fixed).

set -euo pipefail
fuzzer=$1 seeds=$2
seconds=${FUZZ_SECONDS:-20}
name=$(basename "$fuzzer")
work="$(dirname "$fuzzer")/$name.run"

# A harness's words (NAME.dict beside this script) help it past keywords.
dict=$(dirname "$0")/${name#fuzz-}.dict
opts=()
[[ -f $dict ]] && opts+=("-dict=$dict")

rm -rf "$work"
mkdir -p "$work/corpus" "$work/crashes"
rc=0
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${opts[@]}" \
	-artifact_prefix="$work/crashes/" "$work/corpus" "$seeds" >"$work/log" 2>&1 || rc=$?

execs=$(awk '/stat::number_of_executed_units:/ { print $2 }' "$work/log")
found=$(find "$work/corpus" -type f | wc -l)
echo "$name: ${execs:-?} executions in ${seconds}s, $(find "$seeds" -type f | wc -l) seeds, $found new inputs, exit $rc"
if ((rc != 0)); then
	echo "---- libFuzzer's log (last 80 lines): $work/log"
	tail -n 80 "$work/log"
	echo "---- inputs that failed:"
	find "$work/crashes" -type f
	exit 1
fi
