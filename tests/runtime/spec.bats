#!/usr/bin/env bats
# kist-runtime spec and features: the files callers read.
bats_require_minimum_version 1.5.0
load ../helpers
load runtime

setup() { requires root; }
teardown() { teardown_bundle; }

@test "runtime spec: writes runc's default config.json, refuses to overwrite" {
	cd "$BATS_TEST_TMPDIR"
	rt spec
	[ "$status" -eq 0 ]
	[ "$(jq -r .ociVersion config.json)" != null ]
	[ "$(jq -r .root.path config.json)" = rootfs ]
	[ "$(jq -r '.process.args[0]' config.json)" = sh ]
	[ "$(jq -r '[.linux.namespaces[].type] | sort | join(",")' config.json)" = "ipc,mount,network,pid,uts" ]
	[ "$(jq -r '[.mounts[].destination] | join(",")' config.json)" = "/proc,/dev,/dev/pts,/dev/shm,/dev/mqueue,/sys,/sys/fs/cgroup" ]
	rt spec
	[ "$status" -eq 1 ]
	[[ "$output" == *"config.json' exists"* ]]
	mkdir b
	rt spec --rootless --bundle b
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.linux.namespaces[].type] | index("user") != null' b/config.json)" = true ]
	[ "$(jq -r '.linux.uidMappings[0].hostID' b/config.json)" = "$(id -u)" ]
}

@test "runtime features: the runtime-spec Features JSON (runc's shape)" {
	rt features
	[ "$status" -eq 0 ]
	[ "$(jq -r .ociVersionMin <<<"$output")" = 1.0.0 ]
	[[ "$(jq -r .ociVersionMax <<<"$output")" == 1.* ]]
	[ "$(jq -r '.hooks | index("createContainer") != null' <<<"$output")" = true ]
	[ "$(jq -r '.mountOptions | index("rbind") != null' <<<"$output")" = true ]
	[ "$(jq -r '.linux.namespaces | sort | join(",")' <<<"$output")" = "cgroup,ipc,mount,network,pid,time,user,uts" ]
	[ "$(jq -r '.linux.cgroup.v1' <<<"$output")" = true ]
	[ "$(jq -r '.linux.seccomp.enabled' <<<"$output")" = true ]
	[ "$(jq -r '.linux.capabilities | index("CAP_SYS_ADMIN") != null' <<<"$output")" = true ]
}

@test "runtime --version: runc's layout; --version, state, features and spec name one runtime-spec version" {
	setup_bundle
	run -0 "$RT" --version
	[[ "${lines[0]}" =~ ^kist-runtime\ version\ [0-9]+\.[0-9]+\.[0-9]+ ]]
	[[ "${lines[1]}" == "commit: "?* ]]
	[[ "${lines[2]}" =~ ^spec:\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	[[ "${lines[3]}" =~ ^libseccomp:\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	spec=${lines[2]#spec: }
	run -0 "$RT" -v
	[ "${lines[2]}" = "spec: $spec" ]
	run -0 "$RT" features
	[ "$(jq -r .ociVersionMax <<<"$output")" = "$spec" ]
	[ "$(jq -r .ociVersion "$BUNDLE/config.json")" = "$spec" ]
	set_args '["/tools/init", "pause"]'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	rt state "$CID"
	[ "$(jq -r .ociVersion <<<"$output")" = "$spec" ]
}

@test "runtime spec: no seccomp profile (as runc), and --help says so; --seccomp-default adds docker's" {
	setup_bundle
	run -0 "$RT" spec --help
	[[ "$output" == *"no seccomp profile"* ]]
	[[ "$output" == *"--seccomp-default"* ]]
	[ "$(jq -r '.linux.seccomp' "$BUNDLE/config.json")" = null ]
	set_args '["sh", "-c", "grep ^Seccomp: /proc/self/status"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Seccomp:"*0* ]]

	mkdir "$BATS_TEST_TMPDIR/sc"
	run -0 "$RT" spec --seccomp-default --bundle "$BATS_TEST_TMPDIR/sc"
	run -0 jq -r '.linux.seccomp | .defaultAction, .defaultErrnoRet, (.syscalls | length > 0)' "$BATS_TEST_TMPDIR/sc/config.json"
	[ "$output" = $'SCMP_ACT_ERRNO\n1\ntrue' ]
	update_config "$BUNDLE/config.json" ".linux.seccomp = $(jq -c .linux.seccomp "$BATS_TEST_TMPDIR/sc/config.json")"
	# filtered: Seccomp mode 2, and unshare (CAP_SYS_ADMIN only in docker's profile) refused
	set_args '["sh", "-c", "grep ^Seccomp: /proc/self/status; unshare -U true && echo unshared"]'
	rt run --bundle "$BUNDLE" "$CID-sc"
	[[ "$output" == *"Seccomp:"*2* ]]
	[[ "$output" != *unshared* ]]
}
