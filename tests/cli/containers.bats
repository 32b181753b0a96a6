#!/usr/bin/env bats
# kist's container verbs on real containers (kist-store, kist-shim,
# kist-runtime): run, create, start, stop, restart, kill, rm, ps, logs,
# exec, attach, wait, inspect, container prune; docker's messages and exit
# codes on bad input, with the store unchanged.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup() {
	requires root
	cli_setup
	# short: the shim's socket path ($KIST_RUN/shim/<64 hex>/attach) must
	# fit a unix socket address (108 bytes)
	KIST_RUN=$(mktemp -d /tmp/kr.XXXXXX)
	export KIST_RUN
	kist_import bb
}

teardown() { ctr_teardown; }

# ctr_state NAME: the container's State.Status
ctr_state() { "$KIST" inspect --type container --format '{{.State.Status}}' "$1"; }
ctr_is() { [ "$(ctr_state "$1")" = "$2" ]; }
ctr_pid() { "$KIST" inspect --type container --format '{{.State.Pid}}' "$1"; }

@test "kist run: output streams, the exit code passes through, --rm removes the container" {
	run --separate-stderr "$KIST" run --name fg bb sh -c 'echo out; echo err >&2; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = out ]
	[ "$stderr" = err ]
	kist ps -a --format '{{.Names}} {{.Status}}'
	assert_output --regexp '^fg Exited \(3\) '
	kist run --rm bb echo hello
	assert_success
	assert_output hello
	kist ps -a -q
	[ "${#lines[@]}" -eq 1 ]
	kist run --rm bb sh -c 'exit 7'
	[ "$status" -eq 7 ]
	kist ps -a -q
	[ "${#lines[@]}" -eq 1 ]
}

# no_containers: kist ps -a lists nothing
no_containers() { [ -z "$("$KIST" ps -a -q)" ]; }

@test "kist run -d --rm: the container and its anonymous volume go when it exits, or is stopped" {
	kist run -d --rm -v /data bb sh -c 'echo x >/data/f; sleep 1'
	assert_success
	local id=$output
	kist volume ls -q
	[ "${#lines[@]}" -eq 1 ]
	# no kist waits on it: its shim's exit command removes it
	wait_for no_containers
	[ ! -e "$KIST_ROOT/containers/$id" ]
	[ ! -e "$KIST_RUN/shim/$id" ]
	[ ! -e "$KIST_RUN/runtime/$id" ]
	kist volume ls -q
	assert_output ""
	kist inspect --type container "$id"
	assert_failure
	assert_output --partial "No such container"
	# stopped: the same
	kist run -d --rm --name gone bb sleep 1000
	assert_success
	kist stop -t 1 gone
	assert_success
	wait_for no_containers
	# create --rm, then start (no kist waits) or start -a (kist removes it)
	kist create --rm --name later bb true
	kist start later
	assert_success
	wait_for no_containers
	kist create --rm --name att bb sh -c 'echo here; exit 4'
	kist start -a att
	[ "$status" -eq 4 ]
	assert_output here
	no_containers
}

@test "kist run -d: prints the id and the container outlives the kist that made it" {
	kist run -d --name bg bb sleep 1000
	assert_success
	assert_output --regexp '^[0-9a-f]{64}$'
	local id=$output pid
	# the shim is not kist's child: kist is gone, the container runs
	pid=$(ctr_pid bg)
	kill -0 "$pid"
	[ "$(ctr_state bg)" = running ]
	[ "$(ctr_state "${id:0:5}")" = running ]
	kist ps --format '{{.ID}} {{.Names}} {{.Image}} {{.Command}}'
	assert_output "${id:0:12} bg bb \"sleep 1000\""
	kist ps --no-trunc -q
	assert_output "$id"
	kist container ls --format '{{.Status}}'
	assert_output --regexp '^Up '
}

@test "kist run -d from a terminal that then closes; top, pause, unpause, rm -f of a paused one" {
	run script -qec "$KIST run -d --name term bb sleep 1000" /dev/null
	assert_success
	# script's pty is gone (its session hung up): the container runs on
	ctr_is term running
	kist top term
	assert_success
	assert_line --index 0 --regexp '^UID +PID +PPID'
	assert_output --partial "sleep 1000"
	kist pause term
	assert_success
	assert_output term
	local id
	id=$("$KIST" inspect --format '{{.Id}}' term)
	[ "$(cat /sys/fs/cgroup/freezer/"$id"/freezer.state)" = FROZEN ]
	kist unpause term
	assert_success
	[ "$(cat /sys/fs/cgroup/freezer/"$id"/freezer.state)" = THAWED ]
	kist pause term
	kist rm -f term
	assert_success
	kist ps -a -q
	assert_output ""
}

@test "kist create, start, stop, restart, rm: the lifecycle by name and by id prefix" {
	kist create --name c1 bb sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
	assert_success
	local id=$output
	kist ps -a --format '{{.Names}} {{.Status}}'
	assert_output "c1 Created"
	kist ps -q
	assert_output ""
	kist start "${id:0:6}"
	assert_success
	assert_output "${id:0:6}"
	ctr_is c1 running
	kist stop c1
	assert_success
	assert_output c1
	kist inspect --type container --format '{{.State.Status}} {{.State.ExitCode}}' c1
	assert_output "exited 0"
	kist container start c1
	local pid1
	pid1=$(ctr_pid c1)
	kist restart c1
	assert_success
	assert_output c1
	ctr_is c1 running
	[ "$(ctr_pid c1)" != "$pid1" ]
	kist rename c1 c2
	assert_success
	ctr_is c2 running
	kist inspect --format '{{.Name}}' "${id:0:8}"
	assert_output /c2
	kist create --name c1 bb true
	assert_success
	kist rm "$output"
	kist rename c2 c2x/bad
	[ "$status" -eq 1 ]
	assert_output --partial "invalid container name 'c2x/bad'"
	kist rm -f c2
	assert_success
	assert_output c2
	kist ps -a -q
	assert_output ""
	[ ! -d "$KIST_ROOT/containers/$id" ]
	[ ! -e "$KIST_RUN/shim/$id" ]
	! kill -0 "$pid1" 2>/dev/null
}

@test "kist stop: the stop signal, then SIGKILL after -t seconds" {
	kist run -d --name stubborn bb sh -c 'trap "" TERM; while :; do sleep 0.1; done'
	assert_success
	local t0 t1
	t0=$(date +%s%N)
	kist stop -t 2 stubborn
	assert_success
	t1=$(date +%s%N)
	# lower bound only: SIGTERM was ignored, the kill came after 2 s
	[ $(((t1 - t0) / 1000000)) -ge 2000 ]
	kist inspect --type container --format '{{.State.ExitCode}}' stubborn
	assert_output 137
	# --stop-signal is the container's stop signal
	kist run -d --name usr1 --stop-signal USR1 bb sh -c 'trap "exit 10" USR1; while :; do sleep 0.1; done'
	kist stop -t 30 usr1
	kist inspect --type container --format '{{.State.ExitCode}} {{.Config.StopSignal}}' usr1
	assert_output "10 USR1"
}

@test "kist kill -s and kist wait" {
	kist run -d --name k bb sh -c 'trap "exit 42" HUP; while :; do sleep 0.1; done'
	"$KIST" wait k >"$BATS_TEST_TMPDIR/waited" &
	local w=$!
	track_pid "$w"
	kist kill -s HUP k
	assert_success
	assert_output k
	wait "$w"
	[ "$(cat "$BATS_TEST_TMPDIR/waited")" = 42 ]
	kist kill k
	[ "$status" -eq 1 ]
	assert_output --partial "is not running"
}

@test "kist logs: stdout and stderr, -t, --tail, --since, and -f follows a running container" {
	kist run --name l bb sh -c 'echo a; echo b >&2; echo c'
	run --separate-stderr "$KIST" logs l
	assert_success
	[ "$output" = "a
c" ]
	[ "$stderr" = b ]
	kist run --name l2 bb sh -c 'echo a; echo b; echo c'
	kist logs --tail 1 l2
	assert_output c
	kist logs --tail 2 l2
	assert_output "b
c"
	kist logs -t --tail 1 l2
	assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z c$'
	kist logs --since 1h l
	[ "${#lines[@]}" -eq 3 ]
	kist logs --since "$(($(date +%s) + 3600))" l
	assert_output ""
	# -f: lines written after the follower started reach it; it ends with the container
	kist run -d --name f bb sh -c 'echo one; sleep 1; echo two; sleep 1; echo three'
	"$KIST" logs -f f >"$BATS_TEST_TMPDIR/followed" &
	local p=$!
	track_pid "$p"
	wait "$p"
	[ "$(cat "$BATS_TEST_TMPDIR/followed")" = "one
two
three" ]
}

@test "kist exec: -e -w -u into a running container; exec -it holds a pty" {
	kist run -d --name x bb sleep 1000
	kist exec -e A=1 -w /tmp -u 1000 x sh -c 'echo $A $(pwd) $(id -u)'
	assert_success
	assert_output "1 /tmp 1000"
	kist exec x sh -c 'exit 4'
	[ "$status" -eq 4 ]
	# the process's own 255 passes through; an exec that cannot start is
	# docker's 126
	kist exec x sh -c 'exit 255'
	[ "$status" -eq 255 ]
	kist exec x /nonexistent
	[ "$status" -eq 126 ]
	assert_output --partial "/nonexistent"
	run ls "$KIST_RUN/shim/$("$KIST" inspect --format "{{.Id}}" x)"
	refute_output --partial exec-
	run script -qec "$KIST exec -it x sh -c 'tty; exit 6'" /dev/null
	[ "$status" -eq 6 ]
	assert_output --partial /dev/pts/
	# detached: the process runs on
	kist exec -d x sh -c 'echo hi >/tmp/d; sleep 1'
	assert_success
	wait_for "$KIST" exec x test -f /tmp/d
}

@test "kist exec: the process has the container's no-new-privileges, as docker's" {
	kist run -d --name nnp --security-opt no-new-privileges bb sleep 1000
	kist exec nnp grep NoNewPrivs /proc/self/status
	assert_success
	assert_output "NoNewPrivs:	1"
	kist run -d --name plain bb sleep 1000
	kist exec plain grep NoNewPrivs /proc/self/status
	assert_success
	assert_output "NoNewPrivs:	0"
}

@test "kist run -it: a real terminal, the exit code passed through" {
	run bash -c '(sleep 1; echo "tty; echo \$((6*7)); exit 5") | script -qec "$1 run -it --rm bb sh" /dev/null' _ "$KIST"
	[ "$status" -eq 5 ]
	assert_output --partial /dev/pts/
	assert_output --partial 42
	kist ps -a -q
	assert_output ""
	# -i without -t: stdin reaches the container
	run bash -c 'echo piped | "$1" run -i --rm bb cat' _ "$KIST"
	assert_success
	assert_output piped
}

@test "kist attach: a terminal into a detached -it container, ctrl-p ctrl-q detaches" {
	kist run -d -it --name at bb sh
	assert_success
	run bash -c '(sleep 1; printf "echo marker\$((1+1))\n"; sleep 1; printf "\020\021"; sleep 1) |
		script -qec "$1 attach at" /dev/null' _ "$KIST"
	assert_success
	assert_output --partial marker2
	# detached, not stopped
	ctr_is at running
	kist logs at
	assert_output --partial marker2
}

@test "kist run: the docker flags reach the container" {
	kist run --rm -e A=1 --env B=2 -w /tmp -u 1000:1000 -h myhost bb sh -c 'echo $A $B $(pwd) $(id -u) $(hostname)'
	assert_success
	assert_output "1 2 /tmp 1000 myhost"
	printf 'C=3\n# comment\n' >"$BATS_TEST_TMPDIR/envf"
	kist run --rm --env-file "$BATS_TEST_TMPDIR/envf" bb sh -c 'echo $C'
	assert_output 3
	kist run --rm --entrypoint echo bb hi there
	assert_output "hi there"
	kist run --rm --read-only bb touch /x
	assert_failure
	kist run --rm --cap-drop ALL bb sh -c 'grep CapEff /proc/self/status'
	assert_output --regexp 'CapEff:[[:space:]]+0+$'
	# --privileged runs with every capability this host can give (the
	# caller's bounding set: root here may lack some), as podman's does
	kist run --rm --privileged bb sh -c 'grep CapEff /proc/self/status'
	assert_success
	[ "$(awk '{print $2}' <<<"$output")" = "$(awk '/^CapBnd/ {print $2}' /proc/self/status)" ]
	kist run --rm --security-opt seccomp=unconfined bb sh -c 'grep Seccomp: /proc/self/status'
	assert_output --regexp 'Seccomp:[[:space:]]+0$'
	kist run --rm bb sh -c 'grep Seccomp: /proc/self/status'
	assert_output --regexp 'Seccomp:[[:space:]]+2$'
	kist create --name lim -l a=b --label c=d --memory 64m --pids-limit 50 --cpus 0.5 \
		--restart on-failure:3 --stop-timeout 3 bb true
	assert_success
	local id=$output cfg
	cfg="$KIST_ROOT/containers/$id/bundle/config.json"
	jq -e '.linux.resources.memory.limit == 67108864 and .linux.resources.pids.limit == 50
		and .linux.resources.cpu.quota > 0' "$cfg"
	kist inspect --format '{{.Config.Labels.a}} {{.Config.Labels.c}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}} {{.Config.StopTimeout}}' lim
	assert_output "b d on-failure:3 3"
	kist ps -a -f label=a=b --format '{{.Names}}'
	assert_output lim
}

@test "kist run --restart always: a container killed from the host comes back" {
	kist run -d --name r --restart always bb sleep 1000
	local pid
	pid=$(ctr_pid r)
	kill -9 "$pid"
	wait_for bash -c "[ \"\$(\"$KIST\" inspect --format '{{.RestartCount}}' r)\" -ge 1 ]"
	wait_for ctr_is r running
	[ "$(ctr_pid r)" != "$pid" ]
	# a user's stop is not restarted
	kist stop -t 1 r
	ctr_is r exited
}

@test "kist ps: -a -q -l -n, filters and --format" {
	kist run --name p1 -l tier=a bb true
	kist run --name p2 bb sh -c 'exit 2'
	kist run -d --name p3 bb sleep 1000
	kist ps --format '{{.Names}}'
	assert_output p3
	kist ps -a --format '{{.Names}}'
	assert_output "p3
p2
p1"
	kist ps -l --format '{{.Names}}'
	assert_output p3
	kist ps -n 2 --format '{{.Names}}'
	assert_output "p3
p2"
	kist container ls -f status=exited --format '{{.Names}}'
	assert_output "p2
p1"
	kist ps -a -f exited=2 --format '{{.Names}}'
	assert_output p2
	kist ps -a -f name=p1 -q
	[ "${#lines[@]}" -eq 1 ]
	kist ps -a -f label=tier=a --format '{{.Names}}'
	assert_output p1
	kist ps -a -f ancestor=bb -q
	[ "${#lines[@]}" -eq 3 ]
	kist ps -a -f before=p2 --format '{{.Names}}'
	assert_output p1
	kist ps -a -f since=p2 --format '{{.Names}}'
	assert_output p3
	kist ps -a --format 'table {{.Names}}\t{{.State}}'
	assert_line --index 0 --regexp '^NAMES +STATE$'
	kist ps -a --format '{{json .}}'
	jq -e -s 'length == 3' <<<"$output"
	# docker's idiom: remove every exited container
	kist container rm $("$KIST" container ls -f 'status=exited' -q)
	assert_success
	kist ps -a --format '{{.Names}}'
	assert_output p3
	# -s: what the container wrote
	kist exec p3 sh -c 'head -c 200000 /dev/zero >/big'
	kist ps -s --format '{{.Names}} {{.Size}}'
	assert_output --regexp "^p3 20[0-9]kB$"
}

@test "kist inspect and container prune" {
	kist run --name i1 -e Z=9 bb true
	kist inspect i1
	assert_success
	jq -e '.[0].Name == "/i1" and .[0].State.Status == "exited" and (.[0].Config.Env | index("Z=9"))' <<<"$output"
	kist container inspect --format '{{.Config.Image}}' i1
	assert_output bb
	kist run -d --name keep bb sleep 1000
	kist container prune -f
	assert_success
	assert_line "Deleted Containers:"
	kist ps -a --format '{{.Names}}'
	assert_output keep
}

@test "kist create -i, start -a -i: stdin and output attached, the exit code passed through" {
	kist create -i --name ci bb sh -c 'read x; echo "got $x"; exit 9'
	assert_success
	run bash -c 'echo hello | "$1" start -a -i ci' _ "$KIST"
	[ "$status" -eq 9 ]
	assert_output "got hello"
	kist create --name ca bb sh -c 'echo early; exit 0'
	kist start -a ca
	assert_success
	assert_output early
}

@test "kist diff, commit, export: a container's changes" {
	kist run --name ch bb sh -c 'echo x >/new; rm /bin/ps'
	kist diff ch
	assert_success
	assert_line "A /new"
	assert_line "D /bin/ps"
	kist commit -m msg ch me/changed:1
	assert_success
	assert_output --regexp '^sha256:[0-9a-f]{64}$'
	kist run --rm me/changed:1 cat /new
	assert_output x
	kist export -o "$BATS_TEST_TMPDIR/c.tar" ch
	assert_success
	tar -tf "$BATS_TEST_TMPDIR/c.tar" | grep -qxE '(\./)?new'
	kist container diff nosuch
	[ "$status" -eq 1 ]
	assert_output "Error: No such container: nosuch"
}

@test "kist run --log-opt: the shim rotates the container's log" {
	kist run --name lo --log-opt max-size=2k --log-opt max-file=2 bb sh -c 'seq 1 3000'
	assert_success
	local id
	id=$("$KIST" inspect --format '{{.Id}}' lo)
	[ -f "$KIST_ROOT/containers/$id/log.json.1" ]
	[ ! -e "$KIST_ROOT/containers/$id/log.json.2" ]
	kist logs --tail 1 lo
	assert_output 3000
}

@test "kist run: 20 concurrent runs of one name, exactly one wins" {
	local i pids=()
	for i in $(seq 1 20); do
		"$KIST" run -d --name same bb sleep 1000 >"$BATS_TEST_TMPDIR/o$i" 2>"$BATS_TEST_TMPDIR/e$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || true; done
	[ "$(cat "$BATS_TEST_TMPDIR"/o* | grep -c .)" -eq 1 ]
	[ "$(grep -l 'Conflict. The container name "/same" is already in use by container' "$BATS_TEST_TMPDIR"/e* | wc -l)" -eq 19 ]
	kist ps -a -q
	[ "${#lines[@]}" -eq 1 ]
	ctr_is same running
	[ "$(find "$KIST_ROOT/containers" -mindepth 1 -maxdepth 1 -name '[0-9a-f]*' | wc -l)" -eq 1 ]
}

@test "kist ps: a container whose shim was killed shows as Dead; rm -f cleans up" {
	kist run -d --name dd bb sleep 1000
	local shim pid
	shim=$("$KIST" inspect --format '{{.State.ShimPid}}' dd)
	pid=$(ctr_pid dd)
	kill -9 "$shim"
	wait_for ctr_is dd dead
	kist ps -a --format '{{.Names}} {{.Status}}'
	assert_output "dd Dead"
	# its process still runs: plain rm refuses, rm -f kills and removes
	kist rm dd
	[ "$status" -eq 1 ]
	assert_output --partial "known to the runtime"
	kist rm -f dd
	assert_success
	wait_for bash -c "! kill -0 $pid 2>/dev/null"
	kist ps -a -q
	assert_output ""
}

@test "kist-store rm-container refuses a container its shim runs" {
	kist run -d --name busy bb sleep 1000
	local id
	id=$("$KIST" inspect --format '{{.Id}}' busy)
	store rm-container busy
	assert_failure
	assert_output --partial "container 'busy' is running"
	ctr_is busy running
	[ -d "$KIST_ROOT/containers/$id" ]
}

@test "kist container verbs, bad input: docker's message and exit code, nothing changed" {
	kist run -d --name live bb sleep 1000
	kist run --name dead bb true
	local before
	before=$(store_snapshot)
	local v
	for v in start stop restart kill rm logs wait attach pause; do
		kist "$v" nosuch
		[ "$status" -eq 1 ] || fail "$v: $status"
		assert_output "Error: No such container: nosuch"
	done
	run --separate-stderr "$KIST" inspect nosuch
	[ "$status" -eq 1 ]
	[ "$output" = "[]" ]
	[ "$stderr" = "Error: No such object: nosuch" ]
	kist exec nosuch true
	[ "$status" -eq 1 ]
	assert_output "Error: No such container: nosuch"
	kist run --pull never nosuchimage
	[ "$status" -eq 125 ]
	kist run --name live bb true
	[ "$status" -eq 125 ]
	assert_output --regexp '^Error: Conflict\. The container name "/live" is already in use by container "[0-9a-f]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\.$'
	kist rm live
	[ "$status" -eq 1 ]
	assert_output --regexp '^Error: You cannot remove a running container [0-9a-f]{64}\. Stop the container before attempting removal or force remove$'
	ctr_is live running
	kist exec dead true
	[ "$status" -eq 1 ]
	assert_output --partial "is not running"
	kist logs --since yesterday live
	[ "$status" -ne 0 ]
	assert_output --partial "yesterday"
	kist ps --format '{{.Nope}}'
	[ "$status" -eq 125 ] || [ "$status" -eq 1 ]
	assert_output --partial "Nope"
	kist run --bogus bb true
	[ "$status" -eq 125 ]
	assert_output --partial "unknown flag: --bogus"
	kist run --pids-limit abc bb true
	[ "$status" -eq 125 ]
	assert_output --partial 'invalid argument "abc" for "--pids-limit" flag'
	kist run --memory lots bb true
	[ "$status" -eq 125 ]
	kist run --restart sometimes bb true
	[ "$status" -eq 125 ]
	assert_output --partial "sometimes"
	kist run --pull often bb true
	[ "$status" -eq 125 ]
	assert_output --partial "often"
	[ "$(store_snapshot)" = "$before" ] || fail "the store changed"
	# the command: 127 not found, 126 not executable
	run -127 "$KIST" run --rm bb nosuchcmd
	assert_output --partial nosuchcmd
	kist run --rm bb /etc
	[ "$status" -eq 126 ]
}
