#!/usr/bin/env bats
# kist-runtime as an unprivileged user (nobody): `spec --rootless` bundles
# run in a user namespace mapping the caller to root, without a cgroup the
# caller may not make, as runc does on this host.
bats_require_minimum_version 1.5.0
load ../helpers
load runtime

setup() {
	requires root userns
	RL=$BATS_TEST_TMPDIR/rl
	mkdir -p "$RL/bundle/rootfs" "$RL/state"
	tar -C "$RL/bundle/rootfs" -xf "$(busybox_tar)"
	chown -R nobody:nogroup "$RL"
	# nobody must reach its bundle
	d=$RL
	while [ "$d" != / ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
}

teardown() {
	local id
	for id in "$RL"/state/*; do
		[ -e "$id" ] || continue
		"$RT" --root "$RL/state" delete --force "${id##*/}" >/dev/null 2>&1 || true
	done
	kist_cleanup
}

# as_nobody CMD...: run CMD as nobody in the bundle
# set_rl_args JSON: the bundle's process.args (the file stays nobody's)
set_rl_args() {
	update_config "$RL/bundle/config.json" ".process.args = $1 | .process.terminal = false"
	chown nobody:nogroup "$RL/bundle/config.json"
}

as_nobody() { runuser -u nobody -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/ sh -c 'cd "$0" && exec "$@"' "$RL/bundle" "$@"; }

as_nobody_bg() { as_nobody "$@" </dev/null >"$BATS_TEST_TMPDIR/ctr.log" 2>&1; }

@test "runtime run as nobody: a spec --rootless bundle runs, mapped to root in its user namespace" {
	run -0 as_nobody "$RT" spec --rootless
	set_rl_args '["sh", "-c", "id -u; cat /proc/self/uid_map"]'
	run as_nobody "$RT" --root "$RL/state" run rl1
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "$(awk '{print $1, $2, $3}' <<<"${lines[1]}")" = "0 65534 1" ]
	[ ! -e "$RL/state/rl1" ]
	[ -z "$(cg_dirs_of /rl1)" ]
}

@test "runtime create/start/kill/delete as nobody" {
	run -0 as_nobody "$RT" spec --rootless
	set_rl_args '["/tools/init", "pause"]'
	# (the created init holds its stdio: a file, not bats' pipe)
	run as_nobody_bg "$RT" --root "$RL/state" create rl2
	[ "$status" -eq 0 ] || fail "$(cat "$BATS_TEST_TMPDIR/ctr.log")"
	run -0 as_nobody "$RT" --root "$RL/state" state rl2
	[ "$(jq -r .status <<<"$output")" = created ]
	pid=$(jq -r .pid <<<"$output")
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = 65534 ]
	run -0 as_nobody "$RT" --root "$RL/state" start rl2
	run -0 as_nobody "$RT" --root "$RL/state" kill rl2 KILL
	wait_for sh -c "! grep -q pause /proc/$pid/cmdline 2>/dev/null"
	run -0 as_nobody "$RT" --root "$RL/state" delete rl2
	[ ! -e "$RL/state/rl2" ]
}
