#!/bin/bash
# run.sh BINDIR SECONDS TARGET...: run each libFuzzer target for SECONDS from
# its seed corpus (tests/fuzz/corpus/TARGET, read only: new inputs go to a
# scratch directory) and print one line per target: executions, coverage
# (edges) and features.  A crash leaves its input in the scratch directory
# and fails the run; turn each into a unit test.
set -uo pipefail
bindir=$1 secs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
failed=0
for t in "$@"; do
	work=$(mktemp -d "${TMPDIR:-/tmp}/kist-fuzz-$t.XXXXXX")
	mkdir -p "$work/corpus"
	log="$work/log"
	"$bindir/$t" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$work/" \
		"$work/corpus" "$here/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
	if [ "$rc" -ne 0 ]; then
		echo "fuzz $t: FAILED (exit $rc) after ${execs:-?} executions; input and log in $work"
		grep -m1 -E 'ERROR|runtime error|SUMMARY' "$log"
		failed=$((failed + 1))
	else
		echo "fuzz $t: ${execs:-?} executions in ${secs}s, ${cov:-cov: ?}, $(find "$work/corpus" -type f | wc -l) new inputs"
		rm -rf "$work"
	fi
done
[ "$failed" -eq 0 ]
