# tests/shim/shim.bash: setup shared by the kist-shim suites (load it after
# ../helpers and ../runtime/runtime with `load shim`).

# shellcheck disable=SC2153 # KIST_BIN is set by ../helpers
SHIM="$KIST_BIN/kist-shim"

setup_shim() {
	setup_bundle
	export KIST_RUN=$BATS_TEST_TMPDIR/run
	mkdir -p "$KIST_RUN"
}

# Kill every shim of the test, then the runtime's containers and cgroups.
teardown_shim() {
	local f
	for f in "${KIST_RUN:-/nonexistent}"/shim/*/shim.pid; do
		[ -f "$f" ] && track_pid "$(cat "$f")"
	done
	teardown_bundle
}

# (bats' run sets status and output)
# shellcheck disable=SC2154
# shim_start ID [options]: start a shim for $BUNDLE driven by kist-runtime
# with the test's state root; sets status and output.
shim_start() {
	local id=$1
	shift
	run "$SHIM" --id "$id" --bundle "$BUNDLE" --runtime "$RT" --runtime-root "$RT_ROOT" "$@"
	echo "shim start $id $*: $status $output" >&2
}

shim() { run "$SHIM" "$@"; echo "shim $*: $status $output" >&2; }

shim_dir() { echo "$KIST_RUN/shim/$1"; }
shim_log() { echo "$KIST_RUN/shim/$1/log.json"; }
# state_field ID FIELD: a field of the state record
state_field() { jq -r ".$2" "$KIST_RUN/shim/$1/state.json"; }
# the shim has exited (it removes its pid file last)
shim_gone() { [ ! -e "$KIST_RUN/shim/$1/shim.pid" ]; }
wait_shim_gone() { retry 600 0.1 shim_gone "$1"; }
status_is() { [ "$(state_field "$1" Status)" = "$2" ]; }
# attached ID N: N clients are connected to the attach socket
attached() { [ "$(ss -xH state established | grep -c "$KIST_RUN/shim/$1/attach ")" -ge "$2" ]; }
