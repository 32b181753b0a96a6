#!/usr/bin/env bats
# podman drives kist-runtime (`--runtime`): run, detach + stop, exec, a pty,
# resource flags, capabilities, read-only root.  Private storage and config
# under the file's tmp dir; no network.
bats_require_minimum_version 1.5.0
load ../helpers
load ../podman-cgroups

setup_file() {
	requires root cmd:podman cmd:conmon cmd:script
	export PD=$BATS_FILE_TMPDIR/podman
	mkdir -p "$PD/tmp" "$PD/net" "$PD/rootfs"
	# root lacks CAP_SYS_RESOURCE here: podman's default ulimits would fail
	cat >"$PD/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PD/events.log"
tmp_dir = "$PD/tmp"
[network]
network_config_dir = "$PD/net"
EOF
	export CONTAINERS_CONF=$PD/containers.conf
	# what podman leaves under /sys/fs/cgroup goes at the end
	podman_cgroups_note "$PD"
	# podman's cleanup process runs kist-runtime with its default state root
	# (/run/kist/runtime): remove it at the end if it was not there before
	if [ -e /run/kist ]; then
		echo 1 >"$PD/had-run-kist"
	fi
	make_rootfs "$PD/rootfs"
	chmod 755 "$PD/rootfs"
	tar -C "$PD/rootfs" -cf "$PD/rootfs.tar" .
	pm import "$PD/rootfs.tar" localhost/kist-bb:latest >/dev/null
}

teardown_file() {
	[ -n "${PD:-}" ] || return 0
	pm rm -af -t 0 >/dev/null 2>&1 || true
	pm system reset -f >/dev/null 2>&1 || true
	cleanup_mounts "$PD"
	podman_cgroups_clean "$PD"
	if [ ! -e "$PD/had-run-kist" ]; then
		# and the runtime's seccomp cache there (runtime/seccomp.c)
		rm -rf /run/kist/runtime/.seccomp
		rmdir /run/kist/runtime /run/kist/shim /run/kist 2>/dev/null || true
	fi
	rm -rf "$PD"
}

teardown() {
	pm rm -af -t 0 >/dev/null 2>&1 || true
	kist_cleanup
}

pm() {
	podman --root "$PD/root" --runroot "$PD/runroot" --storage-driver vfs \
		--runtime "$RT" --cgroup-manager cgroupfs "$@"
}
p() { run pm "$@"; echo "podman $*: $status $output" >&2; }
# podman with kist-shim as its conmon: a link named conmon (the name that
# makes kist-shim speak conmon's command line and protocol)
pc() {
	ln -sf "$KIST_BIN/kist-shim" "$PD/conmon"
	run pm --conmon "$PD/conmon" "$@"
	echo "podman --conmon kist-shim $*: $status $output" >&2
}

@test "podman run --rm with kist-runtime" {
	p run --rm --network none localhost/kist-bb echo hi
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	# it really was kist-runtime: podman records the runtime it used
	p run --name rt-check --network none localhost/kist-bb true
	[ "$status" -eq 0 ]
	p inspect --format '{{.OCIRuntime}}' rt-check
	[[ "$output" == *kist-runtime ]]
	p run --rm --network none localhost/kist-bb sh -c 'exit 3'
	[ "$status" -eq 3 ]
}

@test "podman run -d, exec, stop" {
	p run -d --name c1 --network none localhost/kist-bb sleep 1000
	[ "$status" -eq 0 ]
	local id=$output
	# kist-runtime holds its state
	# (kist-runtime's default state root: podman's cleanup process does not
	# pass --runtime-flag on, so a private root would outlive podman rm)
	run "$RT" state "$id"
	[ "$(echo "$output" | jq -r .status)" = running ]
	p exec c1 sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "'
	[ "$status" -eq 0 ]
	assert_line in-exec
	assert_line --partial "sleep 1000"
	p exec c1 sh -c 'exit 7'
	[ "$status" -eq 7 ]
	p run --rm --network none --user 1000:1000 localhost/kist-bb id -u
	[ "$status" -eq 0 ]
	[ "$output" = 1000 ]
	p exec --user 1000:1000 --workdir /tmp -e FOO=bar c1 sh -c 'echo "$(id -u) $(pwd) $FOO"'
	assert_line "1000 /tmp bar"
	p stop -t 1 c1
	[ "$status" -eq 0 ]
	p inspect --format '{{.State.Status}}' c1
	[ "$output" = exited ]
	# the runtime's state for it is gone after podman rm
	p rm c1
	[ "$status" -eq 0 ]
	run "$RT" list -q
	[[ "$output" != *"$id"* ]]
}

@test "podman run -it through a pty" {
	# each command waits a second before it exits: podman's attach can miss
	# the output of a process that exits at once (measured here: nothing
	# printed, exit 0, in 4 runs of 30 with runc and conmon, 1 in 20 with
	# kist-runtime and conmon, 7 in 30 with kist-shim as conmon; none of 30
	# with the second's wait)
	run script -qec "podman --root $PD/root --runroot $PD/runroot --storage-driver vfs --runtime $RT run -it --rm --network none localhost/kist-bb sh -c 'tty; [ -t 0 ] && echo stdin-is-a-tty; sleep 1'" /dev/null
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[[ "$output" == */dev/pts/0* ]]
	[[ "$output" == *stdin-is-a-tty* ]]
	# exec -it: conmon passes --tty --console-socket to kist-runtime exec
	p run -d --name c-tty --network none localhost/kist-bb sleep 1000
	[ "$status" -eq 0 ]
	run script -qec "podman --root $PD/root --runroot $PD/runroot --storage-driver vfs --runtime $RT exec -it c-tty sh -c 'tty; echo exec-tty-ok; sleep 1'" /dev/null
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[[ "$output" == */dev/pts/* ]]
	[[ "$output" == *exec-tty-ok* ]]
}

@test "podman run --memory, --pids-limit" {
	local f
	if [ -d /sys/fs/cgroup/memory ]; then f=/sys/fs/cgroup/memory/memory.limit_in_bytes; else f=/sys/fs/cgroup/memory.max; fi
	p run --rm --network none --memory 64m localhost/kist-bb cat "$f"
	[ "$status" -eq 0 ]
	[ "$output" = 67108864 ]
	if [ -d /sys/fs/cgroup/pids ]; then f=/sys/fs/cgroup/pids/pids.max; else f=/sys/fs/cgroup/pids.max; fi
	p run --rm --network none --pids-limit 33 localhost/kist-bb cat "$f"
	[ "$status" -eq 0 ]
	[ "$output" = 33 ]
}

@test "podman run --cap-drop, --cap-add, --read-only" {
	p run --rm --network none --cap-drop all localhost/kist-bb grep CapEff /proc/self/status
	[ "$status" -eq 0 ]
	[ "$output" = "CapEff:	0000000000000000" ]
	p run --rm --network none --cap-drop all --cap-add CAP_KILL localhost/kist-bb grep CapEff /proc/self/status
	[ "$output" = "CapEff:	0000000000000020" ]
	p run --rm --network none --cap-drop all localhost/kist-bb chown 1000 /tmp
	[ "$status" -ne 0 ]
	p run --rm --network none --read-only localhost/kist-bb touch /x
	[ "$status" -ne 0 ]
	assert_output --partial "Read-only file system"
	p run --rm --network none --read-only localhost/kist-bb touch /tmp/x
	[ "$status" -eq 0 ]
}

@test "podman run: a missing program is exit code 127" {
	# podman maps kist-runtime's runc-worded errors to docker's exit codes
	run -127 pm run --rm --network none localhost/kist-bb no-such-program
	run -126 pm run --rm --network none localhost/kist-bb /etc/passwd
}

@test "podman with kist-shim as conmon: run -d, logs, wait, stop, rm" {
	pc run -d --name shim-d --network none localhost/kist-bb sh -c 'echo out; echo err >&2; sleep 0.3; exit 3'
	[ "$status" -eq 0 ]
	pc wait shim-d
	[ "$output" = 3 ]
	pc logs shim-d
	[[ "$output" == *out* ]]
	[[ "$output" == *err* ]]
	pc inspect --format '{{.State.Status}} {{.State.ExitCode}}' shim-d
	[ "$output" = "exited 3" ]
	pc rm shim-d
	[ "$status" -eq 0 ]

	pc run -d --name shim-stop --network none localhost/kist-bb sleep 100
	[ "$status" -eq 0 ]
	# the container's monitor is kist-shim, not conmon
	pid=$(pm inspect --format '{{.State.ConmonPid}}' shim-stop)
	[[ "$(readlink "/proc/$pid/exe")" == */kist-shim ]]
	pc stop -t 1 shim-stop
	[ "$status" -eq 0 ]
	pc inspect --format '{{.State.Status}} {{.State.ExitCode}}' shim-stop
	[ "$output" = "exited 137" ]
	pc rm shim-stop
	[ "$status" -eq 0 ]
}

@test "podman with kist-shim as conmon: run in the foreground, stdin, exit code" {
	pc run --rm --network none localhost/kist-bb sh -c 'echo fg; exit 4'
	[ "$status" -eq 4 ]
	[ "$output" = fg ]
	run bash -c 'echo hello | "$@"' _ podman --root "$PD/root" --runroot "$PD/runroot" \
		--storage-driver vfs --runtime "$RT" --cgroup-manager cgroupfs --conmon "$PD/conmon" \
		run --rm -i --network none localhost/kist-bb cat
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	pc ps -a -q
	[ -z "$output" ]
}

@test "podman with kist-shim as conmon: exec (output, stdin, exit code, detached)" {
	pc run -d --name shim-x --network none localhost/kist-bb sleep 1000
	[ "$status" -eq 0 ]
	pc exec shim-x sh -c 'echo exec-out; echo exec-err >&2; exit 5'
	[ "$status" -eq 5 ]
	[[ "$output" == *exec-out* ]]
	[[ "$output" == *exec-err* ]]
	run bash -c 'echo typed | "$@"' _ podman --root "$PD/root" --runroot "$PD/runroot" \
		--storage-driver vfs --runtime "$RT" --cgroup-manager cgroupfs --conmon "$PD/conmon" \
		exec -i shim-x cat
	[ "$status" -eq 0 ]
	[ "$output" = typed ]
	# detached: the file it writes shows it ran
	pc exec -d shim-x sh -c 'echo done >/tmp/detached'
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do
		pm exec shim-x cat /tmp/detached >/dev/null 2>&1 && break
		sleep 0.1
	done
	pc exec shim-x cat /tmp/detached
	[ "$output" = done ]
	# each session's monitor went away with it
	[ -z "$(pgrep -f "kist-shim.*--exec" || true)" ]
	[ -z "$(pgrep -af conmon | grep -- --exec || true)" ]
	pc rm -f -t 0 shim-x
	[ "$status" -eq 0 ]
}

@test "podman with kist-shim as conmon: -it through a pty, sized from the terminal (ctl fifo)" {
	local pm_cmd="podman --root $PD/root --runroot $PD/runroot --storage-driver vfs --runtime $RT --cgroup-manager cgroupfs --conmon $PD/conmon"
	run script -qec "stty rows 33 cols 77; $pm_cmd run -it --rm --network none localhost/kist-bb sh -c 'tty; stty size; sleep 1'" /dev/null
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[[ "$output" == */dev/pts/0* ]]
	[[ "$output" == *"33 77"* ]]
	pc run -d --name shim-t --network none localhost/kist-bb sleep 1000
	[ "$status" -eq 0 ]
	# podman sends an exec's size once the process runs (with conmon too):
	# read it after a moment
	run script -qec "stty rows 21 cols 61; $pm_cmd exec -it shim-t sh -c 'tty; sleep 1; stty size; sleep 1'" /dev/null
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[[ "$output" == */dev/pts/* ]]
	[[ "$output" == *"21 61"* ]]
	pc rm -f -t 0 shim-t
}
