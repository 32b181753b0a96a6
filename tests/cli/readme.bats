#!/usr/bin/env bats
# The README's quick start runs as written, in order (its directory, port
# and run dir moved to the test's own so it runs beside other suites).
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup() {
	requires root cmd:docker-registry cmd:busybox
	QS=$BATS_TEST_TMPDIR/qs
	KIST_RUN=$(mktemp -d /tmp/kr.XXXXXX)
	export KIST_RUN
	# the quick start's containers on no network: this suite runs in the
	# host's namespace, which must keep no bridge or firewall rule of it
	export KIST_CONFIG="$BATS_TEST_TMPDIR/kist-config.json"
	echo '{"bridge": "none"}' >"$KIST_CONFIG"
}

teardown() {
	[ -f "$QS/registry.pid" ] && track_pid "$(cat "$QS/registry.pid")"
	KIST_ROOT=$QS/store ctr_teardown
}

@test "README: the quick start runs as written" {
	local port script
	port=$(free_port)
	script=$BATS_TEST_TMPDIR/quickstart.sh
	# the first shell block after "## Quick start"
	awk '/^## Quick start/{q=1} q && /^```sh$/{f=1; next} f && /^```$/{exit} f' \
		"$BATS_TEST_DIRNAME/../../README.md" |
		sed -e "s|/tmp/kist-qs|$QS|g" -e "s|127.0.0.1:5000|127.0.0.1:$port|g" >"$script"
	grep -q 'kist run' "$script"
	cd "$BATS_TEST_DIRNAME/../.."
	run bash -e "$script"
	echo "$output" >&2
	assert_success
	assert_line hello
	assert_line --regexp '^[0-9a-f]{64}$'
	assert_line --regexp '^CONTAINER ID +IMAGE +COMMAND'
	assert_line ticker
	# nothing of it runs on
	KIST_ROOT=$QS/store run "$KIST" ps -a -q
	assert_output ""
}
