#!/bin/bash
# Run bats suites against programs built with ASan+UBSan (make SANITIZE=1)
# and fail when any sanitizer reported, even from a program whose exit the
# test did not look at (a daemonized shim, a cleanup in teardown).
# Usage: tests/san.sh [bats files or dirs...]   (KIST_BIN: the sanitized bin/)
#
# Every report goes to a file under SAN_LOG_DIR (default: a temp dir), never
# to the programs' stderr, so the tests' own output checks see what they see
# against a plain build; the reports are printed at the end.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
: "${KIST_BIN:=$PWD/build-san/bin}"
export KIST_BIN
if ! nm -D "$KIST_BIN/kist-store" 2>/dev/null | grep __asan_init >/dev/null; then
	echo "san.sh: $KIST_BIN/kist-store is not built with ASan (make SANITIZE=1)" >&2
	exit 2
fi
[ $# -gt 0 ] || set -- tests/store tests/fetch tests/runtime tests/shim tests/cli tests/build tests/volume

log_dir=${SAN_LOG_DIR:-$(mktemp -d /tmp/kist-san.XXXXXX)}
mkdir -p "$log_dir"
# log_path: one file per reporting process (<prefix>.<pid>);
# detect_leaks: every program's exit is checked for leaks as well;
# the runtime's init and the shim's children exec or _exit, so they do not.
export ASAN_OPTIONS="log_path=$log_dir/asan:detect_leaks=1:abort_on_error=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="log_path=$log_dir/ubsan:print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-}"

files=()
for a in "$@"; do
	if [ -d "$a" ]; then
		mapfile -t -O "${#files[@]}" files < <(find "$a" -name '*.bats' | sort)
	else
		files+=("$a")
	fi
done

rc=0
./tests/run.sh "${files[@]}" || rc=$?

shopt -s nullglob
# A process killed (the crash-point suites' SIGKILL) while LeakSanitizer
# scans it at exit leaves one line and no finding: counted, not failed.
cut_short=0 reports=()
for r in "$log_dir"/asan.* "$log_dir"/ubsan.*; do
	if ! grep -qv 'Unable to get registers from thread' "$r"; then
		cut_short=$((cut_short + 1))
		continue
	fi
	reports+=("$r")
done
[ "$cut_short" -eq 0 ] || echo "== $cut_short leak checks cut short by a kill (ignored)"
if [ ${#reports[@]} -gt 0 ]; then
	echo "== ${#reports[@]} sanitizer reports (in $log_dir)"
	for r in "${reports[@]}"; do
		echo "-- $r"
		cat "$r"
	done
	rc=1
else
	echo "== no sanitizer reports"
	[ -n "${SAN_LOG_DIR:-}" ] || rm -rf "$log_dir"
fi
exit "$rc"
