# tests/runtime/runtime.bash: bundle setup shared by the runtime suites
# (load it after ../helpers with `load runtime`).

# setup_bundle: a busybox bundle made by `kist-runtime spec`, a private state
# root, a unique container id and cgroup path.
setup_bundle() {
	requires root
	RT_ROOT=$BATS_TEST_TMPDIR/state
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	CID=rt-$$-$BATS_TEST_NUMBER
	CG=/kist-test-$$-$BATS_TEST_NUMBER
	mkdir -p "$BUNDLE/rootfs"
	tar -C "$BUNDLE/rootfs" -xf "$(busybox_tar)"
	chmod 755 "$BUNDLE/rootfs" # the fixture's dir comes from mktemp -d (0700)
	(cd "$BUNDLE" && "$RT" spec)
	update_config "$BUNDLE/config.json" ".process.terminal = false | .root.readonly = false
		| .linux.cgroupsPath = \"$CG\""
}

# teardown_bundle: delete every container of the test, remove its cgroups,
# kill what was tracked, unmount what is left under the test dir.
teardown_bundle() {
	local id d
	if [ -d "${RT_ROOT:-}" ]; then
		for id in "$RT_ROOT"/*; do
			[ -e "$id" ] || continue
			"$RT" --root "$RT_ROOT" delete --force "${id##*/}" >/dev/null 2>&1 || true
		done
	fi
	if [ -n "${CG:-}" ]; then
		for d in /sys/fs/cgroup/*"$CG"* /sys/fs/cgroup"$CG"*; do
			[ -d "$d" ] && rmdir "$d" 2>/dev/null
		done
	fi
	kist_cleanup
}

set_args() { update_config "$BUNDLE/config.json" ".process.args = $1"; }

# Run the runtime with the container's stdio in a file: a container started
# from `run` would keep bats' output pipe open for as long as it lives.
# (The redirection must be inside what `run` runs: `run` reads the
# command's stdout through a pipe of its own.)
rt_bg_() { "$RT" --root "$RT_ROOT" "$@" </dev/null >"$BATS_TEST_TMPDIR/ctr.log" 2>&1; }
# (bats' run sets status)
# shellcheck disable=SC2154
rt_bg() {
	run rt_bg_ "$@"
	output=$(cat "$BATS_TEST_TMPDIR/ctr.log")
	echo "rt $*: $status $output" >&2
}

# run_until_paused: run the bundle detached and wait until its program,
# which ends in `/tools/init pause`, runs; sets pid to the container's init
# shellcheck disable=SC2034 # pid is for the caller
run_until_paused() {
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "run --detach: $output"
	pid=$(ctr_pid "$CID")
	wait_for grep -q pause "/proc/$pid/cmdline"
}

# ctr_state ID: the status field of `state`
ctr_status() { "$RT" --root "$RT_ROOT" state "${1:-$CID}" | jq -r .status; }
ctr_pid() { "$RT" --root "$RT_ROOT" state "${1:-$CID}" | jq -r .pid; }
is_stopped() { [ "$(ctr_status "$1")" = stopped ]; }

# cg_dir CONTROLLER [PATH]: the host directory of the container's cgroup
# for that controller (v1 hierarchy if mounted, else cgroup2).
cg_dir() {
	local ctrl=$1 path=${2:-$CG}
	if mountpoint -q "/sys/fs/cgroup/$ctrl"; then
		echo "/sys/fs/cgroup/$ctrl$path"
	elif [ -f /sys/fs/cgroup/unified/cgroup.controllers ]; then
		echo "/sys/fs/cgroup/unified$path"
	else
		echo "/sys/fs/cgroup$path"
	fi
}

# Every cgroup directory a container with cgroup path $1 could have.
cg_dirs_of() {
	local d
	for d in /sys/fs/cgroup/*"$1" /sys/fs/cgroup"$1"; do
		[ -d "$d" ] && echo "$d"
	done
	true
}

# userns_bundle HOSTID: the container gets a new user namespace whose root
# (and the 65535 ids after it) is host uid and gid HOSTID; the rootfs is
# given to it and every directory above the bundle made searchable, as the
# mapped root must reach the bundle (with runc too)
userns_bundle() {
	local id=$1 d=$BUNDLE
	update_config "$BUNDLE/config.json" ".linux.namespaces += [{type: \"user\"}]
		| .linux.uidMappings = [{containerID: 0, hostID: $id, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: $id, size: 65536}]"
	chown -R "$id:$id" "$BUNDLE/rootfs"
	while [ "$d" != / ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
}

# Nothing of the container is left: no state dir, no cgroup, no mount under
# the bundle, no process running the bundle's rootfs.
assert_no_leftovers() {
	local id=${1:-$CID}
	[ ! -e "$RT_ROOT/$id" ] || fail "state dir $RT_ROOT/$id left behind"
	[ -z "$(cg_dirs_of "$CG")" ] || fail "cgroups left behind: $(cg_dirs_of "$CG")"
	! grep -q " $BUNDLE" /proc/self/mountinfo || fail "mounts left under $BUNDLE"
}
