#!/usr/bin/env bats
# kist-runtime namespaces: each one really separate (compare /proc/PID/ns
# links from the host), joining by path, user namespace mappings.
bats_require_minimum_version 1.5.0
load ../helpers
load runtime

setup() { setup_bundle; }
teardown() {
	teardown_bundle
	if [ -f "$BATS_TEST_TMPDIR/netns" ]; then
		ip netns delete "$(cat "$BATS_TEST_TMPDIR/netns")" 2>/dev/null || true
	fi
}

ns_of() { readlink "/proc/$1/ns/$2"; }

@test "runtime run: every configured namespace is new, the others are the host's" {
	update_config "$BUNDLE/config.json" '.linux.namespaces = [{type: "pid"}, {type: "network"},
		{type: "ipc"}, {type: "uts"}, {type: "mount"}, {type: "cgroup"}]'
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	pid=$(ctr_pid)
	for ns in pid net ipc uts mnt cgroup; do
		[ "$(ns_of "$pid" $ns)" != "$(ns_of $$ $ns)" ] || fail "$ns namespace is the host's"
	done
	[ "$(ns_of "$pid" user)" = "$(ns_of $$ user)" ]
	# pid 1 inside
	[ "$(awk '/^NSpid:/ {print $3}' "/proc/$pid/status")" = 1 ]
	"$RT" --root "$RT_ROOT" delete --force "$CID"

	update_config "$BUNDLE/config.json" '.linux.namespaces = [{type: "mount"}] | del(.hostname)'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	pid=$(ctr_pid)
	for ns in pid net ipc uts cgroup; do
		[ "$(ns_of "$pid" $ns)" = "$(ns_of $$ $ns)" ] || fail "$ns namespace is not the host's"
	done
	[ "$(ns_of "$pid" mnt)" != "$(ns_of $$ mnt)" ]
}

@test "runtime run: joining another container's namespaces by path" {
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	first=$(ctr_pid)
	update_config "$BUNDLE/config.json" ".linux.namespaces = [{type: \"pid\", path: \"/proc/$first/ns/pid\"},
		{type: \"network\", path: \"/proc/$first/ns/net\"}, {type: \"uts\", path: \"/proc/$first/ns/uts\"},
		{type: \"ipc\"}, {type: \"mount\"}] | .linux.cgroupsPath = \"$CG-b\" | del(.hostname)"
	# a hook the runtime forks after the init joined: in the runtime's pid
	# namespace, not the container's
	printf '#!/bin/sh\nreadlink /proc/self/ns/pid >"%s"\n' "$BATS_TEST_TMPDIR/hook-pidns" >"$BATS_TEST_TMPDIR/hook.sh"
	chmod +x "$BATS_TEST_TMPDIR/hook.sh"
	update_config "$BUNDLE/config.json" ".hooks.poststart = [{\"path\": \"$BATS_TEST_TMPDIR/hook.sh\"}]"
	rt_bg run --detach --bundle "$BUNDLE" "$CID-b"
	[ "$status" -eq 0 ]
	second=$(ctr_pid "$CID-b")
	[ "$(cat "$BATS_TEST_TMPDIR/hook-pidns")" = "$(readlink /proc/self/ns/pid)" ] ||
		fail "the poststart hook ran in $(cat "$BATS_TEST_TMPDIR/hook-pidns")"
	for ns in pid net uts; do
		[ "$(ns_of "$second" $ns)" = "$(ns_of "$first" $ns)" ] || fail "$ns not joined"
	done
	[ "$(ns_of "$second" ipc)" != "$(ns_of "$first" ipc)" ]
	"$RT" --root "$RT_ROOT" delete --force "$CID-b"
	for d in $(cg_dirs_of "$CG-b"); do fail "cgroup $d left"; done
}

@test "runtime create: a namespace path of the wrong type is refused" {
	update_config "$BUNDLE/config.json" '.linux.namespaces |= map(if .type == "network" then .path = "/proc/self/ns/uts" else . end)'
	rt create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"'linux.namespaces[1].path': '/proc/self/ns/uts' is not a network namespace"* ]]
	assert_no_leftovers
}

@test "runtime run: user namespace with uid/gid mappings written by the runtime" {
	requires userns
	userns_bundle 200000
	update_config "$BUNDLE/config.json" '.process.user = {uid: 1000, gid: 1000}'
	set_args '["sh", "-c", "id -u; cat /proc/self/uid_map; /tools/init pause"]'
	run_until_paused
	# an unprivileged user on the host
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = 201000 ]
	[ "$(awk '/^Gid:/ {print $2}' "/proc/$pid/status")" = 201000 ]
	[ "$(awk '{print $1, $2, $3}' "/proc/$pid/uid_map")" = "0 200000 65536" ]
	[ "$(ns_of "$pid" user)" != "$(ns_of $$ user)" ]
	# (the sh -c line names pause too: its output may come after the check above)
	wait_for grep -q "^1000$" "$BATS_TEST_TMPDIR/ctr.log"
}

@test "runtime run: time namespace with boottime and monotonic offsets" {
	[ -e /proc/self/ns/time ] || skip_or_fail "no time namespaces in this kernel"
	update_config "$BUNDLE/config.json" '.linux.namespaces += [{type: "time"}]
		| .linux.timeOffsets = {boottime: {secs: 864000, nanosecs: 0}, monotonic: {secs: 864000, nanosecs: 0}}'
	set_args '["sh", "-c", "cut -d. -f1 /proc/uptime; readlink /proc/self/ns/time"]'
	host_up=$(cut -d. -f1 /proc/uptime)
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	# ten days ahead of the host's uptime
	[ "${lines[0]}" -ge $((host_up + 864000)) ]
	[ "${lines[0]}" -lt $((host_up + 864000 + 60)) ]
	[ "${lines[1]}" != "$(readlink /proc/self/ns/time)" ]
}

@test "runtime run: a new network namespace has its loopback up (ping 127.0.0.1)" {
	update_config "$BUNDLE/config.json" '.process.capabilities |= with_entries(.value += ["CAP_NET_RAW"])'
	set_args '["sh", "-c", "ip -o link show lo; ping -c 1 -W 2 127.0.0.1"]'
	rt_bg run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"lo: <LOOPBACK,UP,LOWER_UP>"* ]]
	[[ "$output" == *"1 packets received"* ]]
}

@test "runtime run: a joined network namespace's loopback is left as it is" {
	ip netns add "kist-lo-$$"
	echo "kist-lo-$$" >"$BATS_TEST_TMPDIR/netns"
	update_config "$BUNDLE/config.json" ".linux.namespaces |= map(if .type == \"network\" then .path = \"/var/run/netns/kist-lo-$$\" else . end)"
	set_args '["ip", "-o", "link", "show", "lo"]'
	rt_bg run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"lo: <LOOPBACK>"* ]]
}

@test "runtime run: in a user namespace devices are bound nosuid,noexec; one the host lacks is left out" {
	requires userns
	userns_bundle 200000
	update_config "$BUNDLE/config.json" '.linux.devices = [{path: "/dev/kist-no-such-node", type: "c", major: 10, minor: 251, fileMode: 438}]'
	set_args '["sh", "-c", "awk '\''$5 == \"/dev/null\" {print $6}'\'' /proc/self/mountinfo; echo x >/dev/null && echo null-ok; [ -e /dev/kist-no-such-node ] || echo left-out"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	assert_line --regexp '^rw,nosuid,(nodev,)?noexec'
	assert_line null-ok
	assert_line left-out
}
