#!/bin/bash
# Run every test: the C unit tests (under ASan+UBSan, then under valgrind),
# then every bats suite.  Ends with one "N passed, N failed" line over all.
# Usage: tests/run.sh [bats files...]   (KIST_BIN must point at the binaries)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
: "${KIST_BIN:=$PWD/bin}"
export KIST_BIN
# In CI a skipped test is a failure: nothing may hide behind a skip.
if [ "${CI:-}" = true ]; then export TEST_STRICT=1; fi
log_dir=$(mktemp -d /tmp/kist-test-logs.XXXXXX)
# the programs' default run dir: a test that reaches it (a runtime or shim
# client without --root/KIST_RUN) may leave empty dirs; they go at the end
# when the run found none
had_run_kist=0
[ -e /run/kist ] && had_run_kist=1
passed=0 failed=0 skipped=0

count_unit() { # file with the runner's last line "N passed, N failed"
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	if [ -z "$line" ]; then
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + $(echo "$line" | awk '{print $1}')))
	failed=$((failed + $(echo "$line" | awk '{print $3}')))
}

if [ $# -eq 0 ]; then
	echo "== unit tests (ASan+UBSan)"
	"$KIST_BIN/unit-tests-san" 2>&1 | tee "$log_dir/unit-san.log" | sed 's/^\([0-9]* passed\)/unit: \1/'
	count_unit "$log_dir/unit-san.log"

	echo "== unit tests (valgrind)"
	if valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=99 "$KIST_BIN/unit-tests" >"$log_dir/unit-vg.log" 2>&1; then
		echo "ok valgrind: no leaks or memory errors"
		passed=$((passed + 1))
	else
		echo "not ok valgrind: see below"
		cat "$log_dir/unit-vg.log"
		failed=$((failed + 1))
	fi
	mapfile -t suites < <(find tests -name '*.bats' | sort)
else
	suites=("$@")
fi

if [ ${#suites[@]} -gt 0 ]; then
	echo "== bats (${#suites[@]} files)"
	export BATS_TEST_TIMEOUT="${BATS_TEST_TIMEOUT:-600}"
	bats --tap "${suites[@]}" 2>&1 | tee "$log_dir/bats.log"
	p=$(grep -cE '^ok [0-9]+' "$log_dir/bats.log" || true)
	s=$(grep -cE '^ok [0-9]+ .*# skip' "$log_dir/bats.log" || true)
	f=$(grep -cE '^not ok [0-9]+' "$log_dir/bats.log" || true)
	planned=$(grep -E '^1\.\.[0-9]+' "$log_dir/bats.log" | head -1 | cut -d. -f3)
	ran=$((p + f))
	if [ -n "$planned" ] && [ "$ran" -lt "$planned" ]; then
		echo "bats: only $ran of $planned tests reported"
		f=$((f + planned - ran))
	fi
	if [ "${TEST_STRICT:-0}" = 1 ]; then
		p=$((p - s)); f=$((f + s))
	else
		p=$((p - s)); skipped=$((skipped + s))
	fi
	passed=$((passed + p)); failed=$((failed + f))
fi

rm -rf "$log_dir"
if [ "$had_run_kist" = 0 ] && [ -d /run/kist ]; then
	# the runtime's compiled seccomp filters are a cache (runtime/seccomp.c)
	rm -rf /run/kist/runtime/.seccomp
	rmdir /run/kist/runtime /run/kist/shim /run/kist 2>/dev/null || true
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
