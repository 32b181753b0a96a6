#!/usr/bin/env bats
# kist-runtime process setup: hostname, env, cwd, user and groups, rlimits,
# umask, oomScoreAdj, sysctl, noNewPrivileges, stdio, --preserve-fds, tty.
bats_require_minimum_version 1.5.0
load ../helpers
load runtime

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "runtime run: hostname and domainname" {
	update_config "$BUNDLE/config.json" '.hostname = "kistbox" | .domainname = "example.org"'
	set_args '["sh", "-c", "hostname; cat /proc/sys/kernel/domainname"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = kistbox ]
	[ "${lines[1]}" = example.org ]
	[ "$(hostname)" != kistbox ]
}

@test "runtime run: env, cwd and HOME from the container's passwd" {
	mkdir -p "$BUNDLE/rootfs/srv/dir"
	update_config "$BUNDLE/config.json" '.process.env = ["PATH=/bin", "FOO=bar baz"] | .process.cwd = "/srv/dir"
		| .process.user = {uid: 1000, gid: 1000}'
	set_args '["sh", "-c", "echo \"$FOO\"; pwd; echo $HOME; env | sort"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "bar baz" ]
	[ "${lines[1]}" = /srv/dir ]
	[ "${lines[2]}" = /home/kist ]
	# nothing of the runtime's environment leaks in
	! grep -q BATS <<<"$output"
}

@test "runtime run: user, group and additional groups (id inside)" {
	update_config "$BUNDLE/config.json" '.process.user = {uid: 1000, gid: 100, additionalGids: [1, 65534]}'
	set_args '["id"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = "uid=1000(kist) gid=100(users) groups=1(daemon),65534(nogroup)" ]
}

@test "runtime run: rlimits (ulimit inside) and umask" {
	update_config "$BUNDLE/config.json" '.process.rlimits = [
		{type: "RLIMIT_NOFILE", soft: 512, hard: 1000},
		{type: "RLIMIT_NPROC", soft: 77, hard: 77},
		{type: "RLIMIT_CORE", soft: 0, hard: 0}] | .process.user.umask = 63'
	set_args '["sh", "-c", "ulimit -n; ulimit -Hn; ulimit -u; ulimit -c; umask"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[*]}" = "512 1000 77 0 0077" ]
}

@test "runtime create: an rlimit above the runtime's hard limit fails naming CAP_SYS_RESOURCE" {
	hard=$(ulimit -Hn)
	if [ "$hard" = unlimited ] || grep -q "^CapEff:.*[f]" /proc/self/status && capsh --has-p=cap_sys_resource 2>/dev/null; then
		skip_or_fail "this root has CAP_SYS_RESOURCE: raising a hard limit works"
	fi
	update_config "$BUNDLE/config.json" ".process.rlimits = [{type: \"RLIMIT_NOFILE\", soft: $((hard * 2)), hard: $((hard * 2))}]"
	set_args '["true"]'
	rt create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"'process.rlimits[0]': set RLIMIT_NOFILE"*"CAP_SYS_RESOURCE"*"Operation not permitted"* ]]
	assert_no_leftovers
}

@test "runtime run: oomScoreAdj, read from the host" {
	update_config "$BUNDLE/config.json" '.process.oomScoreAdj = 123'
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$(cat "/proc/$(ctr_pid)/oom_score_adj")" = 123 ]
}

@test "runtime run: namespaced sysctl set inside, host untouched" {
	host=$(cat /proc/sys/net/ipv4/ip_default_ttl)
	update_config "$BUNDLE/config.json" '.linux.sysctl = {"net.ipv4.ip_default_ttl": "33", "kernel.shmmni": "1234"}'
	set_args '["sh", "-c", "cat /proc/sys/net/ipv4/ip_default_ttl /proc/sys/kernel/shmmni"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[*]}" = "33 1234" ]
	[ "$(cat /proc/sys/net/ipv4/ip_default_ttl)" = "$host" ]
}

@test "runtime run: noNewPrivileges sets no_new_privs" {
	update_config "$BUNDLE/config.json" '.process.noNewPrivileges = true'
	set_args '["grep", "NoNewPrivs", "/proc/self/status"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"NoNewPrivs:"*1 ]]
	update_config "$BUNDLE/config.json" '.process.noNewPrivileges = false'
	rt run --bundle "$BUNDLE" "$CID"
	[[ "$output" == *"NoNewPrivs:"*0 ]]
}

@test "runtime create: stdio is the caller's; --preserve-fds passes extra fds" {
	set_args '["sh", "-c", "read line; echo \"got $line\"; echo to-stderr >&2; echo to-fd3 >&3; /tools/init fds"]'
	echo hello >"$BATS_TEST_TMPDIR/in"
	"$RT" --root "$RT_ROOT" run --preserve-fds 1 --bundle "$BUNDLE" "$CID" \
		<"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>"$BATS_TEST_TMPDIR/fd3"
	[ "$(head -1 "$BATS_TEST_TMPDIR/out")" = "got hello" ]
	[ "$(cat "$BATS_TEST_TMPDIR/err")" = to-stderr ]
	[ "$(cat "$BATS_TEST_TMPDIR/fd3")" = to-fd3 ]
	# only 0, 1, 2 and the preserved 3 reach the program: no runtime fd leaks
	[ "$(tail -n +2 "$BATS_TEST_TMPDIR/out" | sort | tr '\n' ' ')" = "0 1 2 3 " ]
}

@test "runtime run: --preserve-fds wider than the fds open: the runtime's own fds stay out of the range and never reach the program" {
	set_args '["/tools/init", "fds"]'
	# fds 3 and 4 open, 3..22 passed on: the runtime's own sockets and
	# pipes would otherwise be numbered from 5, inside the range
	# shellcheck disable=SC2016 # for the inner shell
	timeout 20 bash -c 'for fd in $(seq 5 30); do eval "exec $fd>&-"; done; exec "$@"' _ \
		"$RT" --root "$RT_ROOT" run --preserve-fds 20 --bundle "$BUNDLE" "$CID" \
		</dev/null >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3</dev/null 4</dev/null
	[ "$(sort -n "$BATS_TEST_TMPDIR/out" | tr '\n' ' ')" = "0 1 2 3 4 " ]
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
}

@test "runtime run: terminal through --console-socket (SCM_RIGHTS, as runc)" {
	update_config "$BUNDLE/config.json" '.process.terminal = true'
	set_args '["sh", "-c", "tty; [ -t 0 ] && [ -t 1 ] && echo is-a-tty; ls -l /dev/console"]'
	"$TOOLS_BIN/recvtty" "$BATS_TEST_TMPDIR/tty.sock" "$BATS_TEST_TMPDIR/tty.out" &
	track_pid $!
	wait_for test -S "$BATS_TEST_TMPDIR/tty.sock"
	rt run --console-socket "$BATS_TEST_TMPDIR/tty.sock" --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	wait_for grep -q console "$BATS_TEST_TMPDIR/tty.out"
	grep -q '^/dev/pts/0' "$BATS_TEST_TMPDIR/tty.out"
	grep -q is-a-tty "$BATS_TEST_TMPDIR/tty.out"
	grep -q '136, *0 .*/dev/console' "$BATS_TEST_TMPDIR/tty.out"
	[ "$(cat "$BATS_TEST_TMPDIR/tty.out.name")" = /dev/pts/0 ]
}

@test "runtime create: terminal without --console-socket is refused" {
	update_config "$BUNDLE/config.json" '.process.terminal = true'
	rt create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"'process.terminal' is true but no --console-socket"* ]]
	assert_no_leftovers
}

@test "runtime run: terminal in the foreground without --console-socket (the runtime holds the pty)" {
	requires cmd:script
	update_config "$BUNDLE/config.json" '.process.terminal = true'
	set_args '["sh", "-c", "tty; read x; echo \"got $x\"; exit 4"]'
	run script -qec "$RT --root $RT_ROOT run --bundle $BUNDLE $CID" /dev/null <<<"typed"
	echo "$output" >&2
	[ "$status" -eq 4 ]
	[[ "$output" == *"/dev/pts/0"* ]]
	[[ "$output" == *"got typed"* ]]
	assert_no_leftovers
}

@test "runtime run: the program starts with default signal dispositions, whatever its caller ignored" {
	# a monitor that ignores SIGPIPE (conmon does) must not pass that on:
	# `yes | head` would spin on EPIPE forever
	# glibc's reserved 32 and 33 too: a CI runner or make may ignore them,
	# and sigaction() cannot reset them
	set_args '["sh", "-c", "grep -E \"^Sig(Ign|Blk)\" /proc/self/status; yes | head -c 100000 | wc -c"]'
	run timeout 20 "$TOOLS_BIN/init" ignore 2,13,32,33 "$RT" --root "$RT_ROOT" run --bundle "$BUNDLE" "$CID" </dev/null
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[[ "$output" == *"SigIgn:	0000000000000000"* ]]
	[[ "$output" == *"SigBlk:	0000000000000000"* ]]
	[[ "$output" == *100000* ]]
}

@test "runtime run: a terminal held by the runtime sends bare newlines (ONLCR cleared, as runc)" {
	update_config "$BUNDLE/config.json" '.process.terminal = true'
	set_args '["sh", "-c", "echo X; echo Y"]'
	# into a pipe: exactly what the program wrote, no CR, no NUL
	run bash -c "'$RT' --root '$RT_ROOT' run --bundle '$BUNDLE' '$CID' </dev/null | od -An -c | tr -s ' '"
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$output" = " X \n Y \n" ]
	assert_no_leftovers
}

@test "runtime run: a terminal held by the runtime on the caller's terminal: one CR per newline" {
	requires cmd:script
	update_config "$BUNDLE/config.json" '.process.terminal = true'
	set_args '["sh", "-c", "echo X"]'
	script -qec "$RT --root $RT_ROOT run --bundle $BUNDLE $CID" /dev/null \
		</dev/null >"$BATS_TEST_TMPDIR/out"
	od -An -c "$BATS_TEST_TMPDIR/out" >&2
	[ "$(od -An -c "$BATS_TEST_TMPDIR/out" | tr -s ' ')" = " X \r \n" ]
}

@test "runtime run: an end of input pending on the caller's terminal is no NUL for the container" {
	requires cmd:script
	update_config "$BUNDLE/config.json" '.process.terminal = true'
	set_args '["sh", "-c", "echo X"]'
	# script(1) with its input at end sends ^D to the terminal at once:
	# turned raw, the terminal would hand it on as a NUL, echoed as ^@
	local i
	for i in 1 2 3; do
		script -qec "$RT --root $RT_ROOT run --bundle $BUNDLE $CID-$i" /dev/null \
			</dev/null >"$BATS_TEST_TMPDIR/out"
		od -An -c "$BATS_TEST_TMPDIR/out" >&2
		[ "$(od -An -c "$BATS_TEST_TMPDIR/out" | tr -s ' ')" = " X \r \n" ]
	done
}

@test "runtime run: the pty belongs to process.user (uid; the tty group from devpts)" {
	update_config "$BUNDLE/config.json" '.process.terminal = true | .process.user = {uid: 1000, gid: 1000}'
	set_args '["sh", "-c", "ls -ln $(tty)"]'
	"$TOOLS_BIN/recvtty" "$BATS_TEST_TMPDIR/tty.sock" "$BATS_TEST_TMPDIR/tty.out" &
	track_pid $!
	wait_for test -S "$BATS_TEST_TMPDIR/tty.sock"
	rt run --console-socket "$BATS_TEST_TMPDIR/tty.sock" --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	wait_for grep -q /dev/pts/0 "$BATS_TEST_TMPDIR/tty.out"
	cat "$BATS_TEST_TMPDIR/tty.out" >&2
	[ "$(awk '{print $3, $4}' "$BATS_TEST_TMPDIR/tty.out" | tr -d '\r')" = "1000 5" ]
	# through --console-socket the receiver chooses: ONLCR is left on
	grep -q $'/dev/pts/0\r$' "$BATS_TEST_TMPDIR/tty.out"
}

@test "runtime exec -t: the pty belongs to the exec'd --user" {
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	run bash -c "'$RT' --root '$RT_ROOT' exec -t --user 1000:1000 '$CID' sh -c 'ls -ln \$(tty)' </dev/null"
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$(awk '{print $3, $4}' <<<"$output")" = "1000 5" ]
}

@test "runtime run: an empty HOME= is filled from the container's passwd; duplicate env names, the last wins" {
	update_config "$BUNDLE/config.json" '.process.env = ["PATH=/bin", "HOME=", "A=1", "B=x", "A=2"]
		| .process.user = {uid: 1000, gid: 1000}'
	set_args '["sh", "-c", "env | sort"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	assert_line HOME=/home/kist
	assert_line A=2
	assert_line B=x
	[ "$(grep -c '^A=' <<<"$output")" -eq 1 ]
	[ "$(grep -c '^HOME=' <<<"$output")" -eq 1 ]
}

@test "runtime exec: an empty HOME= is filled, duplicate --env names folded (the last wins)" {
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	rt exec --env HOME= --env A=1 --env A=2 --user 1000 "$CID" sh -c 'env | sort'
	[ "$status" -eq 0 ]
	assert_line HOME=/home/kist
	assert_line A=2
	[ "$(grep -c '^A=' <<<"$output")" -eq 1 ]
}

@test "runtime run: socket activation: LISTEN_FDS for the runtime go on from fd 3, before --preserve-fds (as runc)" {
	echo listen-a >"$BATS_TEST_TMPDIR/a"
	echo listen-b >"$BATS_TEST_TMPDIR/b"
	echo preserved >"$BATS_TEST_TMPDIR/c"
	set_args '["sh", "-c", "echo \"$LISTEN_FDS $LISTEN_PID\"; cat <&3; cat <&4; cat <&5; [ -e /proc/self/fd/6 ] || echo no-fd-6"]'
	# LISTEN_PID names the runtime itself (bash execs it in place)
	run bash -c 'export LISTEN_FDS=2 LISTEN_PID=$$; exec "$0" --root "$1" run --preserve-fds 1 --bundle "$2" "$3" </dev/null' \
		"$RT" "$RT_ROOT" "$BUNDLE" "$CID" 3<"$BATS_TEST_TMPDIR/a" 4<"$BATS_TEST_TMPDIR/b" 5<"$BATS_TEST_TMPDIR/c"
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$output" = $'2 1\nlisten-a\nlisten-b\npreserved\nno-fd-6' ]
}

@test "runtime run: LISTEN_FDS meant for another process are not passed on" {
	echo listen-a >"$BATS_TEST_TMPDIR/a"
	set_args '["sh", "-c", "echo \"${LISTEN_FDS:-none}\"; [ -e /proc/self/fd/3 ] || echo no-fd-3"]'
	run bash -c 'export LISTEN_FDS=1 LISTEN_PID=1; exec "$0" --root "$1" run --bundle "$2" "$3" </dev/null' \
		"$RT" "$RT_ROOT" "$BUNDLE" "$CID" 3<"$BATS_TEST_TMPDIR/a"
	[ "$status" -eq 0 ]
	[ "$output" = $'none\nno-fd-3' ]
}

@test "runtime create: a created container holds none of the caller's fds" {
	set_args '["/tools/init", "pause"]'
	echo x >"$BATS_TEST_TMPDIR/caller-file"
	rt_bg create --bundle "$BUNDLE" "$CID" 7<"$BATS_TEST_TMPDIR/caller-file" 9>"$BATS_TEST_TMPDIR/caller-out"
	[ "$status" -eq 0 ]
	pid=$(ctr_pid)
	ls -l "/proc/$pid/fd" >&2
	! ls -l "/proc/$pid/fd" | grep -q "$BATS_TEST_TMPDIR/caller-"
	# only stdio and the start pipe
	[ "$(find "/proc/$pid/fd" -mindepth 1 | wc -l)" -le 5 ]
}

@test "runtime run: linux.memoryPolicy is applied with set_mempolicy (numa_maps from the host)" {
	set_args '["/tools/init", "pause"]'
	update_config "$BUNDLE/config.json" '.linux.memoryPolicy = {mode: "MPOL_INTERLEAVE", nodes: "0", flags: ["MPOL_F_STATIC_NODES"]}'
	run_until_paused
	grep -q 'interleave=static:0' "/proc/$pid/numa_maps" || grep -q 'interleave:0' "/proc/$pid/numa_maps"
}

@test "runtime create [bad input]: linux.memoryPolicy mode, nodes and flags are checked" {
	while IFS='|' read -r mp msg; do
		update_config "$BUNDLE/config.json" ".linux.memoryPolicy = $mp"
		rt create --bundle "$BUNDLE" "$CID"
		[ "$status" -eq 1 ] || fail "accepted: $mp"
		[[ "$output" == *"$msg"* ]] || fail "$mp: $output"
		[ "${#lines[@]}" -eq 1 ]
		assert_no_leftovers
	done <<'CASES'
{"mode": "MPOL_FOO"}|'linux.memoryPolicy.mode': unknown mode 'MPOL_FOO'
{"mode": "MPOL_BIND"}|'linux.memoryPolicy.nodes': MPOL_BIND needs nodes
{"mode": "MPOL_LOCAL", "nodes": "0"}|'linux.memoryPolicy.nodes': MPOL_LOCAL takes no nodes, got '0'
{"mode": "MPOL_BIND", "nodes": "3-1"}|'linux.memoryPolicy.nodes': invalid range in '3-1'
{"mode": "MPOL_BIND", "nodes": "0,x"}|'linux.memoryPolicy.nodes': invalid node list '0,x'
{"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_NOPE"]}|'linux.memoryPolicy.flags': unknown flag 'MPOL_F_NOPE'
{"mode": "MPOL_BIND", "nodes": "1000"}|'linux.memoryPolicy': set_mempolicy (are the nodes online?): Invalid argument
CASES
}

@test "runtime run/exec: stdio (a file, a pipe) is given to the process's user, as runc and crun; /dev/null is left alone" {
	update_config "$BUNDLE/config.json" '.process.user = {uid: 1000, gid: 1000}'
	set_args '["sh", "-c", "stat -L -c %u:%g /proc/self/fd/1; echo more >>/proc/self/fd/1"]'
	null_owner=$(stat -c %u:%g /dev/null)
	"$RT" --root "$RT_ROOT" run --bundle "$BUNDLE" "$CID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
	# the user could reopen its own stdout (a regular file of the host)
	[ "$(head -1 "$BATS_TEST_TMPDIR/out")" = 1000:1000 ]
	[ "$(tail -1 "$BATS_TEST_TMPDIR/out")" = more ]
	[ "$(stat -c %u:%g "$BATS_TEST_TMPDIR/out")" = 1000:1000 ]
	[ "$(stat -c %u:%g /dev/null)" = "$null_owner" ]
	assert_no_leftovers
	# a pipe, and exec's process as another user
	set_args '["/tools/init", "pause"]'
	rt_bg run --detach --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	out=$("$RT" --root "$RT_ROOT" exec --user 1234:5678 "$CID" stat -L -c %u:%g /proc/self/fd/1 </dev/null | cat)
	[ "$out" = 1234:5678 ]
	[ "$(stat -c %u:%g /dev/null)" = "$null_owner" ]
	rt delete --force "$CID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

@test "runtime run: process.scheduler is applied with sched_setattr (policy and nice from the host)" {
	set_args '["/tools/init", "pause"]'
	update_config "$BUNDLE/config.json" '.process.scheduler = {policy: "SCHED_BATCH", nice: 7}'
	run_until_paused
	chrt -p "$pid" | grep -q "policy: SCHED_BATCH"
	[ "$(ps -o ni= -p "$pid" | tr -d ' ')" = 7 ]
}

@test "runtime create [bad input]: process.scheduler policy, nice, priority and SCHED_DEADLINE parameters" {
	while IFS='|' read -r sc msg; do
		update_config "$BUNDLE/config.json" ".process.scheduler = $sc"
		rt create --bundle "$BUNDLE" "$CID"
		[ "$status" -eq 1 ] || fail "accepted: $sc"
		[[ "$output" == *"$msg"* ]] || fail "$sc: $output"
		[ "${#lines[@]}" -eq 1 ]
		assert_no_leftovers
	done <<'CASES'
{"policy": "SCHED_FAST"}|'process.scheduler.policy': unknown policy 'SCHED_FAST'
{"policy": "SCHED_OTHER", "nice": 20}|'process.scheduler.nice': 20 is not between -20 and 19
{"policy": "SCHED_OTHER", "priority": 5}|'process.scheduler.priority': only SCHED_FIFO and SCHED_RR take a priority
{"policy": "SCHED_BATCH", "runtime": 10000}|'process.scheduler': runtime, deadline and period are for SCHED_DEADLINE only, not SCHED_BATCH
{"policy": "SCHED_DEADLINE", "runtime": 20000, "deadline": 10000, "period": 30000}|SCHED_DEADLINE needs 1024 <= runtime <= deadline <= period (ns), got runtime 20000, deadline 10000, period 30000
{"policy": "SCHED_DEADLINE", "runtime": 100, "deadline": 10000}|SCHED_DEADLINE needs 1024 <= runtime <= deadline <= period
{"policy": "SCHED_DEADLINE", "runtime": 1000000, "deadline": 2000000, "period": 1500000}|got runtime 1000000, deadline 2000000, period 1500000
{"policy": "SCHED_OTHER", "flags": ["SCHED_FLAG_NOPE"]}|'process.scheduler.flags': unknown flag 'SCHED_FLAG_NOPE'
CASES
}
