#!/usr/bin/env bats
# kist-runtime bad input: each gets one clear line naming the field at
# fault, exit 1, and leaves no state dir, cgroup or mount behind.
bats_require_minimum_version 1.5.0
load ../helpers
load runtime

setup() { setup_bundle; }
teardown() { teardown_bundle; }

# create_fails PATTERN: create must fail with one line matching PATTERN
create_fails() {
	run --separate-stderr "$RT" --root "$RT_ROOT" create --bundle "$BUNDLE" "${2:-$CID}"
	echo "create: $status $output $stderr" >&2
	[ "$status" -eq 1 ] || fail "exit status $status, want 1"
	[ -z "$output" ] || fail "unexpected stdout: $output"
	[ "$(wc -l <<<"$stderr")" -eq 1 ] || fail "want one line of error, got: $stderr"
	[[ "$stderr" == *"$1"* ]] || fail "error '$stderr' lacks '$1'"
	if [ -n "${2:-}" ]; then
		# a bad id: nothing at all in the state root
		[ -z "$(ls -A "$RT_ROOT" 2>/dev/null)" ] || fail "state root not empty: $(ls -A "$RT_ROOT")"
		[ -z "$(cg_dirs_of "$CG")" ] || fail "cgroups left behind"
	else
		assert_no_leftovers
	fi
}

@test "runtime create [bad input]: wrong types name the field" {
	update_config "$BUNDLE/config.json" '.process.args = "sh"'
	create_fails "'process.args' must be an array of strings"
	update_config "$BUNDLE/config.json" '.process.args = ["true"] | .process.user.uid = "root"'
	create_fails "'process.user.uid' must be an integer"
	update_config "$BUNDLE/config.json" '.process.user.uid = 0 | .linux.resources.memory = {limit: "1G"}'
	create_fails "'linux.resources.memory.limit' must be an integer"
	update_config "$BUNDLE/config.json" '.linux.resources = {} | .mounts = {}'
	create_fails "'mounts' must be an array"
}

@test "runtime create [bad input]: unknown namespace" {
	update_config "$BUNDLE/config.json" '.linux.namespaces[2].type = "foo"'
	create_fails "'linux.namespaces[2].type': unknown namespace 'foo'"
}

@test "runtime create [bad input]: mount without destination" {
	update_config "$BUNDLE/config.json" '.mounts += [{type: "tmpfs", source: "tmpfs"}]'
	create_fails "'mounts[7].destination' is required"
}

@test "runtime create [bad input]: mount that cannot be made leaves nothing mounted" {
	update_config "$BUNDLE/config.json" '.mounts += [{destination: "/data", type: "bind", source: "/does/not/exist", options: ["bind"]}]'
	create_fails "'mounts[7]': mount bind on '/data': source '/does/not/exist': No such file or directory"
}

@test "runtime create [bad input]: a rootfs that does not exist" {
	update_config "$BUNDLE/config.json" '.root.path = "no-such-rootfs"'
	create_fails "'root.path': rootfs '$BUNDLE/no-such-rootfs': No such file or directory"
	rm -f "$BUNDLE/config.json"
	create_fails "config.json"
}

@test "runtime create [bad input]: duplicate id, bad ids" {
	set_args '["/tools/init", "pause"]'
	rt_bg create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	pid=$(ctr_pid)
	run --separate-stderr "$RT" --root "$RT_ROOT" create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"container '$CID' already exists"* ]]
	# the first one is untouched
	[ "$(ctr_status)" = created ]
	[ "$(ctr_pid)" = "$pid" ]
	"$RT" --root "$RT_ROOT" delete "$CID"

	create_fails "invalid container id 'a/b': must not contain '/'" "a/b"
	create_fails "invalid container id '..'" ".."
	create_fails "invalid container id '_x'" "_x"
}

@test "runtime kill [bad input]: bad signal, unknown container" {
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	for sig in FOO 99 -1 SIGNOPE; do # (0 is valid: it checks the container runs)
		run --separate-stderr "$RT" --root "$RT_ROOT" kill "$CID" -- "$sig"
		[ "$status" -ne 0 ]
		[[ "$stderr" == *"unknown signal \"$sig\""* ]] || fail "signal $sig: $stderr"
	done
	[ "$(ctr_status)" = running ]
	rt kill nosuchcontainer KILL
	[ "$status" -eq 1 ]
	[[ "$output" == *"container 'nosuchcontainer' does not exist"* ]]
}

@test "runtime create [bad input]: non-namespaced sysctl, unknown rlimit, bad cgroupsPath" {
	update_config "$BUNDLE/config.json" '.linux.sysctl = {"vm.swappiness": "10"}'
	create_fails "'linux.sysctl': 'vm.swappiness' is not namespaced"
	update_config "$BUNDLE/config.json" 'del(.linux.sysctl) | .process.rlimits = [{type: "RLIMIT_FOO", soft: 1, hard: 1}]'
	create_fails "'process.rlimits[0].type': unknown rlimit 'RLIMIT_FOO'"
	update_config "$BUNDLE/config.json" 'del(.process.rlimits) | .linux.cgroupsPath = "/a/../../b"'
	create_fails "'linux.cgroupsPath': invalid path"
}

@test "runtime create [bad input]: kernel.hostname and kernel.domainname sysctls beside their fields, or without a uts namespace" {
	update_config "$BUNDLE/config.json" '.linux.sysctl = {"kernel.hostname": "foo"}'
	rt create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	assert_output --partial "'kernel.hostname=foo' conflicts with the 'hostname' field"
	update_config "$BUNDLE/config.json" '.linux.sysctl = {"kernel.domainname": "foo"} | .domainname = "bar"'
	rt create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	assert_output --partial "'kernel.domainname=foo' conflicts with the 'domainname' field"
	# the same name in both is no conflict (crun)
	update_config "$BUNDLE/config.json" '.domainname = "foo"'
	set_args '["cat", "/proc/sys/kernel/domainname"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = foo ]
	update_config "$BUNDLE/config.json" 'del(.domainname) | .linux.namespaces -= [{type: "uts"}]'
	rt create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	assert_output --partial "needs a uts namespace"
	assert_no_leftovers
	# alone, with a uts namespace, it is set
	update_config "$BUNDLE/config.json" '.linux.namespaces += [{type: "uts"}]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = foo ]
}

@test "runtime create [bad input]: a cgroup limit the kernel refuses leaves no cgroup" {
	update_config "$BUNDLE/config.json" '.linux.resources.cpu = {cpus: "9999"}'
	create_fails "'linux.resources.cpu.cpus'"
}

@test "runtime create [bad input]: malformed JSON" {
	echo '{"ociVersion": "1.0.2", "root": ' >"$BUNDLE/config.json"
	create_fails "invalid JSON"
}

@test "runtime run [bad input]: a NUL inside a JSON string (args, env, cwd, cgroupsPath, mounts, hooks)" {
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/good.json"
	local f
	for f in '.process.args = ["/bin/tr\u0000ue"]' '.process.env += ["A=b\u0000c"]' \
		'.process.cwd = "/tmp\u0000/x"' '.linux.cgroupsPath = "/kist\u0000/x"' \
		'.mounts += [{destination: "/mnt\u0000x", type: "tmpfs", source: "tmpfs"}]' \
		'.hooks = {prestart: [{path: "/bin/tr\u0000ue"}]}'; do
		jq "$f" "$BATS_TEST_TMPDIR/good.json" >"$BUNDLE/config.json"
		grep -qF '\u0000' "$BUNDLE/config.json" || fail "jq did not keep the NUL escape: $f"
		run --separate-stderr "$RT" --root "$RT_ROOT" run --bundle "$BUNDLE" "$CID"
		echo "run ($f): $status $output $stderr" >&2
		[ "$status" -eq 1 ] || fail "$f: exit status $status, want 1"
		[[ "$stderr" == *"config.json"*"a string holds a NUL character near byte "* ]] || fail "$f: error '$stderr'"
		assert_no_leftovers
	done
	create_fails "a string holds a NUL character"
}

@test "runtime create [bad input]: --systemd-cgroup without systemd, or a path not slice:prefix:name" {
	update_config "$BUNDLE/config.json" '.linux.cgroupsPath = "/plain/path"'
	run --separate-stderr "$RT" --root "$RT_ROOT" --systemd-cgroup create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	if [ -d /run/systemd/system ]; then
		[[ "$stderr" == *"expected \"slice:prefix:name\" with --systemd-cgroup"* ]]
	else
		[[ "$stderr" == *"--systemd-cgroup: systemd is not running on this host"* ]]
	fi
	assert_no_leftovers
}

@test "runtime run/exec: an execve failure reads 'exec /x: no such file or directory' (Go's PathError, as runc)" {
	printf '#!/no/such/interpreter\n' >"$BUNDLE/rootfs/script"
	chmod 755 "$BUNDLE/rootfs/script"
	set_args '["/script"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	# that line alone, as runc's
	[ "$output" = "exec /script: no such file or directory" ]
	rt delete --force "$CID"
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	rt exec "$CID" /script
	[ "$status" -ne 0 ]
	[[ "$output" == *"exec /script: no such file or directory"* ]]
}

@test "runtime -h and VERB -h: runc's help layout (NAME, USAGE, OPTIONS)" {
	run -0 "$RT" -h
	[ "${lines[0]}" = "NAME:" ]
	[ "${lines[1]}" = "   kist-runtime - Open Container Initiative runtime" ]
	assert_line "USAGE:"
	assert_line "COMMANDS:"
	assert_line "GLOBAL OPTIONS:"
	assert_line --regexp '^   delete +delete a container$'
	for v in spec create start run state kill delete list ps pause resume update exec features; do
		run -0 "$RT" "$v" -h
		[ "${lines[0]}" = "NAME:" ] || fail "$v -h: $output"
		[[ "${lines[1]}" == "   kist-runtime $v - "?* ]] || fail "$v -h: ${lines[1]}"
		[ "${lines[2]}" = "USAGE:" ] || fail "$v -h: $output"
		[[ "${lines[3]}" == "   kist-runtime $v"* ]] || fail "$v -h: ${lines[3]}"
		run -0 "$RT" "$v" --help
		[ "${lines[0]}" = "NAME:" ] || fail "$v --help: $output"
	done
	run -0 "$RT" delete -h
	assert_line "OPTIONS:"
	assert_line --regexp '^   -f, --force '
}

@test "runtime VERB -h [bad input]: an unknown verb has no help topic (runc's wording)" {
	run "$RT" foo -h
	[ "$status" -eq 2 ]
	[[ "$output" == *"No help topic for 'foo'"* ]]
	run "$RT" foo
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown command 'foo'"* ]]
}
