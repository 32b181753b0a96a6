# tests/cli/lib.bash: fixtures for the `kist` suites (loaded after ../helpers).
# shellcheck disable=SC2154 # status/output come from bats run

export KIST="$KIST_BIN/kist"

# kist ARGS: run kist on the test's store; output shows only on failure.
kist() { run "$KIST" "$@"; echo "kist $*: $status $output" >&2; }

cli_setup() {
	export KIST_ROOT="$BATS_TEST_TMPDIR/root"
	export HOME="$BATS_TEST_TMPDIR/home"
	unset DOCKER_CONFIG
	mkdir -p "$HOME"
	# no default bridge (docker's "bridge": "none"): these suites run on
	# the host's network namespace, which tests/net leaves alone
	export KIST_CONFIG="$BATS_TEST_TMPDIR/kist-config.json"
	echo '{"bridge": "none"}' >"$KIST_CONFIG"
}

cli_teardown() { kist_cleanup; }

# kist_import REF: the busybox rootfs as image REF (kist import, offline).
kist_import() {
	run "$KIST" import -c 'CMD ["sh"]' "$(busybox_tar)" "$1"
	[ "$status" -eq 0 ] || fail "kist import $1 failed: $output"
}

# store_snapshot: a listing of the store's files with their sizes, to check
# that a failed command changed nothing.
store_snapshot() {
	if [ -d "$KIST_ROOT" ]; then
		find "$KIST_ROOT" -path "$KIST_ROOT/tmp" -prune -o -printf '%p %s\n' | sort
	fi
}

# ctr_teardown: remove every container of the test (kist rm -f stops its
# shim), then kill any shim and delete any runtime state a failed test left.
ctr_teardown() {
	local d f
	for d in "$KIST_ROOT"/containers/[0-9a-f]*; do
		[ -d "$d" ] && "$KIST" rm -f "${d##*/}" >/dev/null 2>&1
	done
	for f in "${KIST_RUN:-/nonexistent}"/shim/*/shim.pid; do
		[ -f "$f" ] && track_pid "$(cat "$f")"
	done
	for d in "${KIST_RUN:-/nonexistent}"/runtime/*; do
		[ -e "$d" ] && "$KIST_BIN/kist-runtime" --root "$KIST_RUN/runtime" delete --force "${d##*/}" >/dev/null 2>&1
	done
	for d in "$KIST_ROOT"/containers/[0-9a-f]*; do
		[ -d "$d" ] && "$KIST_BIN/kist-store" --root "$KIST_ROOT" rm-container -f "${d##*/}" >/dev/null 2>&1
	done
	kist_cleanup
	case ${KIST_RUN:-} in /tmp/kr.*) rm -rf "$KIST_RUN" ;; esac
}
