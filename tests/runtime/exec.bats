#!/usr/bin/env bats
# kist-runtime exec: a new process joins every namespace and the cgroup of a
# running container, with the container's confinement.
bats_require_minimum_version 1.5.0
load ../helpers
load runtime

setup() {
	setup_bundle
	set_args '["sleep", "1000"]'
}

teardown() {
	teardown_bundle
}

start_ctr() {
	rt_bg run -d --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	PID=$(ctr_pid)
}

@test "runtime exec: joins every namespace and the cgroup of the container" {
	start_ctr
	rt exec "$CID" sh -c 'for n in ipc mnt net pid uts cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done; cat /proc/self/cgroup'
	[ "$status" -eq 0 ]
	local n
	for n in ipc mnt net pid uts cgroup; do
		assert_line "$n $(readlink "/proc/$PID/ns/$n")"
	done
	# same cgroup as the init (paths as seen from the cgroup namespace)
	local mem
	mem=$(grep ':memory:' "/proc/$PID/cgroup" | cut -d: -f3)
	[ -n "$mem" ]
	grep -q "$CG" "/proc/$PID/cgroup"
	# the exec'd process was in the container's cgroup: count it from the host
	rt_bg exec -d --pid-file "$BATS_TEST_TMPDIR/p" "$CID" sleep 1000
	[ "$status" -eq 0 ]
	local p
	p=$(cat "$BATS_TEST_TMPDIR/p")
	[ "$(grep ':memory:' "/proc/$p/cgroup")" = "$(grep ':memory:' "/proc/$PID/cgroup")" ]
	[ "$(grep ':pids:' "/proc/$p/cgroup")" = "$(grep ':pids:' "/proc/$PID/cgroup")" ]
}

@test "runtime exec: exit code and signals of the process come back" {
	start_ctr
	rt exec "$CID" sh -c 'exit 42'
	[ "$status" -eq 42 ]
	rt exec "$CID" sh -c 'kill -TERM $$'
	[ "$status" -eq 143 ]
	rt exec "$CID" true
	[ "$status" -eq 0 ]
}

@test "runtime exec: --env, --cwd, --user, --additional-gids" {
	start_ctr
	mkdir -p "$BUNDLE/rootfs/work"
	rt exec --env FOO=bar -e PATH=/bin:/usr/bin --cwd /work --user 1000:100 --additional-gids 5 --additional-gids 7 "$CID" sh -c 'echo "foo=$FOO path=$PATH"; pwd; id -u; id -g; id -G'
	[ "$status" -eq 0 ]
	assert_line "foo=bar path=/bin:/usr/bin"
	assert_line "/work"
	assert_line "1000"
	assert_line "100"
	assert_line "100 5 7"
}

@test "runtime exec --process: a full process spec (as conmon passes it)" {
	start_ctr
	cat >"$BATS_TEST_TMPDIR/process.json" <<'EOF'
{"terminal": false, "user": {"uid": 1000, "gid": 1000}, "args": ["sh", "-c", "echo $HELLO; pwd; id -u; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status"],
 "env": ["PATH=/bin", "HELLO=world"], "cwd": "/tmp", "noNewPrivileges": true,
 "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"], "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}}
EOF
	rt exec --process "$BATS_TEST_TMPDIR/process.json" "$CID"
	[ "$status" -eq 0 ]
	assert_line "world"
	assert_line "/tmp"
	assert_line "1000"
	assert_line "CapEff:	0000000000000020"
	assert_line "NoNewPrivs:	1"
}

@test "runtime exec: no_new_privs only with --no-new-privs, whatever the config's noNewPrivileges (as crun)" {
	update_config "$BUNDLE/config.json" '.process.noNewPrivileges = true'
	start_ctr
	grep -q "^NoNewPrivs:	1" "/proc/$PID/status"
	rt exec "$CID" grep NoNewPrivs /proc/self/status
	[ "$status" -eq 0 ]
	assert_output "NoNewPrivs:	0"
	rt exec --no-new-privs "$CID" grep NoNewPrivs /proc/self/status
	[ "$status" -eq 0 ]
	assert_output "NoNewPrivs:	1"
}

@test "runtime exec: the container's seccomp filter, its capabilities, --cap, --no-new-privs" {
	update_config "$BUNDLE/config.json" '.process.noNewPrivileges = false
		| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]}'
	start_ctr
	rt exec "$CID" sh -c 'grep -E "^(Seccomp|CapBnd|NoNewPrivs):" /proc/self/status; mkdir /tmp/x || echo mkdir-refused'
	[ "$status" -eq 0 ]
	assert_line "Seccomp:	2"
	assert_line "NoNewPrivs:	0"
	assert_line "mkdir-refused"
	# same bounding set as the init
	assert_line "$(grep CapBnd "/proc/$PID/status")"
	rt exec --no-new-privs --cap CAP_SYS_ADMIN "$CID" grep -E "^(CapEff|NoNewPrivs):" /proc/self/status
	[ "$status" -eq 0 ]
	assert_line "NoNewPrivs:	1"
	# CAP_SYS_ADMIN is bit 21
	local eff
	eff=$(echo "$output" | awk '/CapEff/ {print $2}')
	(( (16#$eff >> 21) & 1 ))
}

@test "runtime exec --detach --pid-file: the process runs in the container's pid namespace" {
	start_ctr
	rt_bg exec --detach --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$CID" sleep 1000
	[ "$status" -eq 0 ]
	local p
	p=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	track_pid "$p"
	[ "$(readlink "/proc/$p/ns/pid")" = "$(readlink "/proc/$PID/ns/pid")" ]
	grep -q 'sleep' "/proc/$p/cmdline"
	# it is a process of the container: `ps` lists it
	rt ps --format json "$CID"
	[[ "$output" == *"$p"* ]]
}

@test "runtime exec --tty --console-socket: a pty made in the container" {
	start_ctr
	"$TOOLS_BIN/recvtty" "$BATS_TEST_TMPDIR/tty.sock" "$BATS_TEST_TMPDIR/tty.out" &
	track_pid $!
	wait_for test -S "$BATS_TEST_TMPDIR/tty.sock"
	rt exec --tty --console-socket "$BATS_TEST_TMPDIR/tty.sock" "$CID" sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo is-a-tty'
	[ "$status" -eq 0 ]
	wait_for grep -q is-a-tty "$BATS_TEST_TMPDIR/tty.out"
	grep -q '^/dev/pts/' "$BATS_TEST_TMPDIR/tty.out"
	[[ "$(cat "$BATS_TEST_TMPDIR/tty.out.name")" == /dev/pts/* ]]
}

@test "runtime exec --tty in the foreground: the runtime holds the pty (as runc exec -t)" {
	requires cmd:script
	start_ctr
	run script -qec "$RT --root $RT_ROOT exec -t $CID sh -c 'tty; [ -t 0 ] && echo is-a-tty; read x; echo \"got \$x\"; exit 5'" /dev/null <<<"typed"
	echo "$output" >&2
	[ "$status" -eq 5 ]
	[[ "$output" == *"/dev/pts/"* ]]
	[[ "$output" == *"is-a-tty"* ]]
	[[ "$output" == *"got typed"* ]]
	# the pty came from the container's own devpts, not the host's
	[[ "$output" != *"/dev/pts/ptmx"* ]]
	# detached, a terminal still needs somewhere to send the pty
	rt exec -t --detach "$CID" true
	[ "$status" -eq 255 ]
	[[ "$output" == *"needs --console-socket"* ]]
}

@test "runtime exec: no host fd reaches the process, --cwd through /proc/self/fd stays inside" {
	start_ctr
	rt exec "$CID" ls /proc/self/fd 7</ 8<"$BATS_TEST_TMPDIR"
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "0 1 2 3" ]
	rt exec --preserve-fds 1 "$CID" ls /proc/self/fd 3</dev/null 7</
	[ "$(echo $output)" = "0 1 2 3 4" ]
	local n
	for n in 3 4 5 6 7 8 9; do
		rt exec --cwd "/proc/self/fd/$n" "$CID" sh -c 'readlink /proc/self/cwd; ls' 7<"$BATS_TEST_TMPDIR" 8</
		refute_output --partial "unreachable"
		refute_output --partial "bundle"
	done
}

@test "runtime exec [bad input]: missing program, not executable, stopped and missing container (exit 255, as runc)" {
	start_ctr
	rt exec "$CID" no-such-program
	[ "$status" -eq 255 ]
	assert_output --partial 'exec: "no-such-program": executable file not found in $PATH'
	rt exec "$CID" /etc/passwd
	[ "$status" -eq 255 ]
	assert_output --partial "permission denied"
	rt exec "$CID" /no/such/file
	[ "$status" -eq 255 ]
	assert_output --partial "no such file or directory"

	rt exec no-such-container-$$ true
	[ "$status" -eq 255 ]
	assert_output --partial "does not exist"

	"$RT" --root "$RT_ROOT" kill "$CID" KILL
	retry 50 0.1 is_stopped
	rt exec "$CID" true
	[ "$status" -eq 255 ]
	assert_output --partial "stopped"
	[ "$(echo "$output" | wc -l)" -eq 1 ]

	rt exec "$CID"
	[ "$status" -eq 2 ]
}

@test "runtime exec --pid-file [bad input]: a pid file that cannot be written fails the exec with 255; the process's own 255 and 1 pass through" {
	start_ctr
	rt exec --pid-file "$BATS_TEST_TMPDIR/no/such/dir/pid" "$CID" true
	[ "$status" -eq 255 ]
	assert_output --partial "no/such/dir/pid"
	rt exec "$CID" sh -c 'exit 255'
	[ "$status" -eq 255 ]
	[ -z "$output" ]
	rt exec "$CID" false
	[ "$status" -eq 1 ]
}

@test "runtime exec: HOME comes from the container's /etc/passwd, never through a symlink to the host" {
	start_ctr
	rt exec "$CID" sh -c 'echo "home=$HOME"'
	assert_line "home=/root"
	echo "root:x:0:0:root:/host-leak:/bin/sh" >"$BATS_TEST_TMPDIR/host-passwd"
	rm "$BUNDLE/rootfs/etc/passwd"
	ln -s "$BATS_TEST_TMPDIR/host-passwd" "$BUNDLE/rootfs/etc/passwd"
	rt exec "$CID" sh -c 'echo "home=$HOME"'
	[ "$status" -eq 0 ]
	refute_output --partial "host-leak"
	assert_line "home=/"
}

@test "runtime exec --user: a cwd the user cannot enter is entered as root first (as runc)" {
	mkdir -p "$BUNDLE/rootfs/private"
	chmod 700 "$BUNDLE/rootfs/private"
	update_config "$BUNDLE/config.json" '.process.cwd = "/private"'
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	rt exec --user 1000:1000 "$CID" sh -c 'pwd; id -u; ls . >/dev/null 2>&1 || echo cannot-list'
	[ "$status" -eq 0 ]
	[ "$output" = $'/private\n1000\ncannot-list' ]
	# a cwd that does not exist is still an error
	rt exec --user 1000:1000 --cwd /no/such/dir "$CID" true
	[ "$status" -ne 0 ]
	[[ "$output" == *"chdir to cwd '/no/such/dir' in the container: No such file or directory"* ]]
}

@test "runtime exec --cgroup: [controller:]path runs the process in an existing sub-cgroup (as runc)" {
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	for d in $(cg_dirs_of "$CG"); do
		mkdir "$d/sub"
		if [ -f "$d/cpuset.cpus" ]; then # v1 cpuset starts empty
			cat "$d/cpuset.cpus" >"$d/sub/cpuset.cpus"
			cat "$d/cpuset.mems" >"$d/sub/cpuset.mems"
		fi
	done
	mem=$(cg_dir memory)
	mkdir "$mem/only-mem"
	rt_bg exec --detach --pid-file "$BATS_TEST_TMPDIR/p1" --cgroup sub "$CID" /tools/init pause
	[ "$status" -eq 0 ]
	p1=$(cat "$BATS_TEST_TMPDIR/p1")
	grep -q "^[0-9]*:memory:$CG/sub$" "/proc/$p1/cgroup"
	grep -q "^[0-9]*:pids:$CG/sub$" "/proc/$p1/cgroup"
	rt_bg exec --detach --pid-file "$BATS_TEST_TMPDIR/p2" --cgroup memory:only-mem "$CID" /tools/init pause
	[ "$status" -eq 0 ]
	p2=$(cat "$BATS_TEST_TMPDIR/p2")
	grep -q "^[0-9]*:memory:$CG/only-mem$" "/proc/$p2/cgroup"
	grep -q "^[0-9]*:pids:$CG$" "/proc/$p2/cgroup"
	rt exec --cgroup no-such "$CID" true
	[ "$status" -eq 255 ]
	[[ "$output" == *"--cgroup: sub-cgroup '"*"$CG/no-such' does not exist"* ]]
	rt exec --cgroup ../escape "$CID" true
	[ "$status" -eq 255 ]
	[[ "$output" == *"--cgroup: invalid sub-cgroup '../escape'"* ]]
	rt delete --force "$CID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

@test "runtime exec: the process gets the config's process.scheduler and linux.memoryPolicy" {
	set_args '["/tools/init", "pause"]'
	update_config "$BUNDLE/config.json" '.process.scheduler = {policy: "SCHED_IDLE"}
		| .linux.memoryPolicy = {mode: "MPOL_INTERLEAVE", nodes: "0"}'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	rt_bg exec --detach --pid-file "$BATS_TEST_TMPDIR/p" "$CID" /tools/init pause
	[ "$status" -eq 0 ]
	p=$(cat "$BATS_TEST_TMPDIR/p")
	wait_for grep -q pause "/proc/$p/cmdline"
	chrt -p "$p" | grep -q "policy: SCHED_IDLE"
	grep -q 'interleave' "/proc/$p/numa_maps"
}

@test "runtime exec [bad input]: a container still being created is refused (its init may still be the runtime)" {
	# a prestart hook holds create while the record says "creating"
	# (for at most 20 s, should the test fail before it says go)
	update_config "$BUNDLE/config.json" ".hooks.prestart = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"touch $BATS_TEST_TMPDIR/in-hook; for i in \$(seq 400); do [ -e $BATS_TEST_TMPDIR/go ] && break; sleep 0.05; done\"]}]"
	"$RT" --root "$RT_ROOT" create --bundle "$BUNDLE" "$CID" </dev/null >"$BATS_TEST_TMPDIR/create.log" 2>&1 3>&- &
	local creator=$!
	track_pid "$creator"
	wait_for test -e "$BATS_TEST_TMPDIR/in-hook"
	rt state "$CID"
	[ "$(jq -r .status <<<"$output")" = creating ]
	rt exec "$CID" true
	[ "$status" -eq 255 ]
	assert_output "kist-runtime: cannot exec in container '$CID' while it is being created"
	touch "$BATS_TEST_TMPDIR/go"
	wait "$creator" || fail "create: $(cat "$BATS_TEST_TMPDIR/create.log")"
	rt state "$CID"
	[ "$(jq -r .status <<<"$output")" = created ]
	rt exec "$CID" echo joined
	[ "$status" -eq 0 ]
	assert_output joined
	"$RT" --root "$RT_ROOT" delete --force "$CID"
	assert_no_leftovers
}
