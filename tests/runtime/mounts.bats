#!/usr/bin/env bats
# kist-runtime file system: default mounts, bind/tmpfs options seen in the
# container's /proc/self/mountinfo, destinations kept inside the rootfs,
# read-only root, devices, masked and read-only paths, --no-pivot.
bats_require_minimum_version 1.5.0
load ../helpers
load runtime

setup() { setup_bundle; }
teardown() { teardown_bundle; }

# mountinfo line of mount point $1 in $output: "options superoptions"
mnt_opts() { awk -v m="$1" '$5 == m { for (i = 7; $i != "-"; i++); print $6, $(i + 3) }' <<<"$output" | tail -1; }
mnt_type() { awk -v m="$1" '$5 == m { for (i = 7; $i != "-"; i++); print $(i + 1) }' <<<"$output" | tail -1; }

@test "runtime run: the default mounts of kist-runtime spec, with their options" {
	set_args '["cat", "/proc/self/mountinfo"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$(mnt_type /proc)" = proc ]
	[ "$(mnt_type /dev)" = tmpfs ]
	[ "$(mnt_type /dev/pts)" = devpts ]
	[ "$(mnt_type /dev/shm)" = tmpfs ]
	[ "$(mnt_type /dev/mqueue)" = mqueue ]
	[ "$(mnt_type /sys)" = sysfs ]
	[[ "$(mnt_opts /sys)" == ro,nosuid,nodev,noexec* ]]
	[[ "$(mnt_opts /dev/shm)" == rw,nosuid,nodev,noexec*size=65536k* ]]
	[[ "$(mnt_opts /dev/pts)" == *newinstance*ptmxmode=666* || "$(mnt_opts /dev/pts)" == *ptmxmode=666* ]]
	# the cgroup mount is read-only, one hierarchy per host hierarchy
	[[ "$(mnt_opts /sys/fs/cgroup)" == ro,* ]]
	if [ -d /sys/fs/cgroup/memory ]; then
		[ "$(mnt_type /sys/fs/cgroup/memory)" = cgroup ]
		[[ "$(mnt_opts /sys/fs/cgroup/memory)" == ro,* ]]
	fi
	# only the container's root: nothing of the host's mount table
	[ "$(awk '$5 == "/" {print $5}' <<<"$output")" = / ]
	mounts_all_from_config "$output"
}

# mounts_all_from_config MOUNTINFO: every mount point in the container's
# mountinfo is one the config makes ("/", mounts, maskedPaths,
# readonlyPaths, the cgroup hierarchies): the old root is gone before the
# program runs, and no host mount came along.
mounts_all_from_config() {
	local allowed m
	allowed=$(jq -r '"/", .mounts[].destination, (.linux.maskedPaths // [])[],
		(.linux.readonlyPaths // [])[]' "$BUNDLE/config.json")
	while read -r m; do
		[[ "$m" == /sys/fs/cgroup/* ]] && continue
		grep -qxF -- "$m" <<<"$allowed" || fail "mount point '$m' is not the config's"
	done < <(awk '{print $5}' <<<"$1")
}

@test "runtime run: the old root is gone before the program runs, also with a read-only root and many mounts" {
	# mounts made after pivot_root (masked paths, a read-only root)
	update_config "$BUNDLE/config.json" '.root.readonly = true
		| .linux.maskedPaths += ["/etc/m1", "/etc/m2"]'
	mkdir -p "$BUNDLE/rootfs/etc/m1" "$BUNDLE/rootfs/etc/m2"
	echo hidden >"$BUNDLE/rootfs/etc/m1/file"
	set_args '["sh", "-c", "cat /proc/self/mountinfo; touch /x 2>/dev/null && echo root-rw; ls /etc/m1 | wc -l"]'
	for i in 1 2 3; do
		rt run --bundle "$BUNDLE" "$CID-$i"
		[ "$status" -eq 0 ]
		[ "$(awk '$5 == "/" {print $5}' <<<"$output" | grep -c /)" -eq 1 ]
		[[ "$(mnt_opts /)" == ro,* ]]
		[[ "$output" != *root-rw* ]]
		[ "$(tail -1 <<<"$output")" = 0 ]
		mounts_all_from_config "$(grep -v -e root-rw -e '^0$' <<<"$output")"
	done
}

@test "runtime run: bind and tmpfs mounts with ro, nosuid, nodev, noexec, relatime" {
	mkdir -p "$BATS_TEST_TMPDIR/host-data"
	echo from-host >"$BATS_TEST_TMPDIR/host-data/file"
	echo single >"$BATS_TEST_TMPDIR/one-file"
	update_config "$BUNDLE/config.json" ".mounts += [
		{destination: \"/data\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/host-data\", options: [\"rbind\", \"ro\", \"nosuid\", \"nodev\", \"noexec\"]},
		{destination: \"/rw/data\", source: \"$BATS_TEST_TMPDIR/host-data\", options: [\"bind\", \"rw\"]},
		{destination: \"/etc/one-file\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/one-file\", options: [\"bind\", \"ro\"]},
		{destination: \"/scratch\", type: \"tmpfs\", source: \"tmpfs\", options: [\"nosuid\", \"noexec\", \"size=1m\", \"mode=700\", \"relatime\"]}]"
	set_args '["sh", "-c", "cat /data/file /etc/one-file; touch /data/x 2>/dev/null && echo wrote-ro; touch /rw/data/y && echo wrote-rw; stat -c %a /scratch; cat /proc/self/mountinfo"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = from-host ]
	[ "${lines[1]}" = single ]
	[ "${lines[2]}" = wrote-rw ]
	[ "${lines[3]}" = 700 ]
	[ -e "$BATS_TEST_TMPDIR/host-data/y" ]
	[ ! -e "$BATS_TEST_TMPDIR/host-data/x" ]
	[[ "$(mnt_opts /data)" == ro,nosuid,nodev,noexec* ]]
	[[ "$(mnt_opts /rw/data)" == rw* ]]
	[[ "$(mnt_opts /etc/one-file)" == ro* ]]
	[[ "$(mnt_opts /scratch)" == rw,nosuid,noexec,relatime*size=1024k,mode=700* ]]
	assert_no_leftovers
}

@test "runtime run: a mount destination that is a symlink out of the rootfs stays inside" {
	mkdir -p "$BATS_TEST_TMPDIR/outside"
	ln -s "$BATS_TEST_TMPDIR/outside" "$BUNDLE/rootfs/escape"
	ln -s ../../../../../../../../.. "$BUNDLE/rootfs/up"
	update_config "$BUNDLE/config.json" '.mounts += [
		{destination: "/escape", type: "tmpfs", source: "tmpfs"},
		{destination: "/up/etc/evil", type: "tmpfs", source: "tmpfs"}]'
	set_args '["sh", "-c", "echo inside >/escape/marker && cat /proc/self/mountinfo"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	# the host directory the link names got nothing
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/outside")" ]
	[ ! -e /etc/evil ]
	# both mounts landed under the container's root
	[ "$(mnt_type "$BATS_TEST_TMPDIR/outside")" = tmpfs ]
	[ "$(mnt_type /etc/evil)" = tmpfs ]
	[ -d "$BUNDLE/rootfs/etc/evil" ]
}

@test "runtime run: root.readonly makes / read-only, mounts on it stay writable" {
	update_config "$BUNDLE/config.json" '.root.readonly = true'
	set_args '["sh", "-c", "touch /file 2>/dev/null && echo root-rw; touch /dev/shm/f && echo shm-rw; cat /proc/self/mountinfo"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = shm-rw ]
	[[ "$(mnt_opts /)" == ro,* ]]
	[ ! -e "$BUNDLE/rootfs/file" ]
}

@test "runtime run: default devices, /dev links and linux.devices" {
	update_config "$BUNDLE/config.json" '.linux.devices = [{path: "/dev/kist-null", type: "c", major: 1, minor: 3, fileMode: 438, uid: 1000, gid: 100}]
		| .linux.resources.devices = [{allow: false, access: "rwm"}, {allow: true, type: "c", major: 1, minor: 3, access: "rwm"}]'
	set_args '["sh", "-c", "for d in null zero full random urandom tty kist-null; do stat -c \"%n %F %t:%T %a %u:%g\" /dev/$d; done; for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done; head -c 4 /dev/zero | wc -c; echo x >/dev/kist-null && echo null-ok"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/dev/null character special file 1:3 666 0:0" ]
	[ "${lines[1]}" = "/dev/zero character special file 1:5 666 0:0" ]
	[ "${lines[2]}" = "/dev/full character special file 1:7 666 0:0" ]
	[ "${lines[5]}" = "/dev/tty character special file 5:0 666 0:0" ]
	[ "${lines[6]}" = "/dev/kist-null character special file 1:3 666 1000:100" ]
	[ "${lines[7]}" = /proc/self/fd ]
	[ "${lines[8]}" = /proc/self/fd/0 ]
	[ "${lines[11]}" = pts/ptmx ]
	[ "${lines[12]}" = 4 ]
	[ "${lines[13]}" = null-ok ]
}

@test "runtime run: maskedPaths hidden, readonlyPaths read-only" {
	mkdir -p "$BUNDLE/rootfs/secret-dir"
	echo s >"$BUNDLE/rootfs/secret-dir/s"
	update_config "$BUNDLE/config.json" '.linux.maskedPaths = ["/proc/cmdline", "/secret-dir", "/does/not/exist"]
		| .linux.readonlyPaths = ["/proc/sys", "/tmp"]'
	set_args '["sh", "-c", "wc -c </proc/cmdline; ls /secret-dir | wc -l; echo 1 2>/dev/null >/proc/sys/kernel/shmmni && echo sys-rw; touch /tmp/x 2>/dev/null && echo tmp-rw; echo done"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = done ]
}

@test "runtime run: masked directories share one empty read-only tmpfs (as runc)" {
	mkdir -p "$BUNDLE/rootfs/m1" "$BUNDLE/rootfs/m2" "$BUNDLE/rootfs/m3"
	echo s >"$BUNDLE/rootfs/m2/s"
	update_config "$BUNDLE/config.json" '.linux.maskedPaths += ["/m1", "/m2", "/m3"]'
	set_args '["sh", "-c", "stat -c %d /m1 /m2 /m3 | uniq | wc -l; ls -A /m2 | wc -l; touch /m3/x 2>&1; grep -c \" /m[123] \" /proc/self/mountinfo"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = 0 ]
	[[ "${lines[2]}" == *"Read-only file system"* ]]
	[ "${lines[3]}" = 3 ]
	assert_no_leftovers
}

@test "runtime run --no-pivot: MS_MOVE and chroot instead of pivot_root" {
	set_args '["sh", "-c", "ls /tools/init && cat /proc/self/mountinfo | wc -l"]'
	rt run --no-pivot --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /tools/init ]
	assert_no_leftovers
}

@test "runtime run: propagation options on a bind mount and rootfsPropagation" {
	mkdir -p "$BATS_TEST_TMPDIR/shared-src"
	update_config "$BUNDLE/config.json" ".linux.rootfsPropagation = \"rslave\" | .mounts += [
		{destination: \"/private\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/shared-src\", options: [\"rbind\", \"rprivate\"]},
		{destination: \"/shared\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/shared-src\", options: [\"rbind\", \"rshared\"]}]"
	set_args '["sh", "-c", "cat /proc/self/mountinfo"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	# private: no shared:/master: tag; shared: a peer group of its own
	line=$(awk '$5 == "/private"' <<<"$output")
	[ -n "$line" ]
	! grep -q "shared:\|master:" <<<"$line"
	grep -q "shared:" <<<"$(awk '$5 == "/shared"' <<<"$output")"
}

@test "runtime run: rro makes every submount of an rbind read-only" {
	mkdir -p "$BATS_TEST_TMPDIR/tree/sub"
	mount -t tmpfs tmpfs "$BATS_TEST_TMPDIR/tree/sub"
	update_config "$BUNDLE/config.json" ".mounts += [
		{destination: \"/plain\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/tree\", options: [\"rbind\", \"ro\"]},
		{destination: \"/deep\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/tree\", options: [\"rbind\", \"rro\"]}]"
	set_args '["sh", "-c", "touch /plain/sub/a 2>/dev/null && echo plain-sub-rw; touch /deep/sub/b 2>/dev/null && echo deep-sub-rw; echo end"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	# ro covers only the top of the tree; rro reaches the submount too
	[ "${lines[0]}" = plain-sub-rw ]
	[ "${lines[1]}" = end ]
}

@test "runtime run: tmpcopyup fills a tmpfs with what it hides" {
	mkdir -p "$BUNDLE/rootfs/seeded/dir"
	echo seed >"$BUNDLE/rootfs/seeded/dir/file"
	chmod 604 "$BUNDLE/rootfs/seeded/dir/file"
	chown 1000:100 "$BUNDLE/rootfs/seeded/dir/file"
	ln -s dir/file "$BUNDLE/rootfs/seeded/link"
	update_config "$BUNDLE/config.json" '.mounts += [{destination: "/seeded", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup", "mode=755"]}]'
	set_args '["sh", "-c", "cat /seeded/link; stat -c \"%a %u:%g\" /seeded/dir/file; echo new >/seeded/dir/file2; grep \" /seeded \" /proc/self/mountinfo | grep -c tmpfs"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = seed ]
	[ "${lines[1]}" = "604 1000:100" ]
	[ "${lines[2]}" = 1 ]
	# the copy went to the tmpfs, the rootfs is untouched
	[ ! -e "$BUNDLE/rootfs/seeded/dir/file2" ]
}

@test "runtime create [bad input]: /proc a symlink in the rootfs is refused, no hang (as runc)" {
	mkdir -p "$BUNDLE/rootfs/fakeproc"
	rm -rf "$BUNDLE/rootfs/proc"
	ln -s /fakeproc "$BUNDLE/rootfs/proc"
	run timeout 60 "$RT" --root "$RT_ROOT" create --bundle "$BUNDLE" "$CID"
	echo "$output" >&2
	[ "$status" -eq 1 ]
	# runc's wording, then what was found
	[[ "$output" == *"mount proc on '/proc': must be mounted on ordinary directory ('/proc' in the rootfs is a symlink)"* ]]
	[ "${#lines[@]}" -eq 1 ]
	[ -z "$(ls -A "$BUNDLE/rootfs/fakeproc")" ]
	assert_no_leftovers
}

@test "runtime create [bad input]: /sys a symlink (to a missing target) in the rootfs is refused" {
	rm -rf "$BUNDLE/rootfs/sys"
	ln -s /symlink "$BUNDLE/rootfs/sys"
	run timeout 60 "$RT" --root "$RT_ROOT" create --bundle "$BUNDLE" "$CID"
	echo "$output" >&2
	[ "$status" -eq 1 ]
	[[ "$output" == *"mount sysfs on '/sys': must be mounted on ordinary directory ('/sys' in the rootfs is a symlink)"* ]]
	[ ! -e "$BUNDLE/rootfs/symlink" ]
	assert_no_leftovers
}

@test "runtime create [bad input]: /dev a symlink in the rootfs is refused (as crun), nothing made where it points, in or out of the rootfs" {
	outside="$BATS_TEST_TMPDIR/outside-dev"
	mkdir -p "$outside" "$BUNDLE/rootfs$outside"
	echo marker >"$outside/ptmx"
	rm -rf "$BUNDLE/rootfs/dev"
	ln -s "$outside" "$BUNDLE/rootfs/dev"
	run timeout 60 "$RT" --root "$RT_ROOT" create --bundle "$BUNDLE" "$CID"
	echo "$output" >&2
	[ "$status" -eq 1 ]
	[ "$output" = "kist-runtime: rootfs '$BUNDLE/rootfs': '/dev' is a symlink" ]
	[ "$(ls -A "$outside")" = ptmx ]
	[ "$(cat "$outside/ptmx")" = marker ]
	[ -z "$(ls -A "$BUNDLE/rootfs$outside")" ]
	assert_no_leftovers
}

@test "runtime run: a tmpfs on a directory of the image takes its mode, unless mode= is given (as runc)" {
	mkdir -p "$BUNDLE/rootfs/data" "$BUNDLE/rootfs/data2"
	chmod 0710 "$BUNDLE/rootfs/data"
	chmod 0710 "$BUNDLE/rootfs/data2"
	update_config "$BUNDLE/config.json" '.mounts += [
		{destination: "/data", type: "tmpfs", source: "tmpfs", options: ["nosuid"]},
		{destination: "/data2", type: "tmpfs", source: "tmpfs", options: ["mode=755"]},
		{destination: "/fresh", type: "tmpfs", source: "tmpfs"}]'
	set_args '["sh", "-c", "stat -c \"%n %a\" /data /data2 /fresh"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	assert_line "/data 710"
	assert_line "/data2 755"
	assert_line "/fresh 1777"
}

@test "runtime run: rootfsPropagation shared, rshared, unbindable and runbindable apply to the container's / (as runc)" {
	local host_peers p tag
	host_peers=$(grep -o 'shared:[0-9]*' /proc/self/mountinfo | sort -u | tr '\n' ' ')
	set_args '["sh", "-c", "awk '\''$5 == \"/\"'\'' /proc/self/mountinfo"]'
	for p in shared rshared unbindable runbindable; do
		update_config "$BUNDLE/config.json" ".linux.rootfsPropagation = \"$p\""
		rt run --bundle "$BUNDLE" "$CID-$p"
		[ "$status" -eq 0 ] || fail "$p: $output"
		case $p in
		*shared)
			tag=$(grep -o 'shared:[0-9]*' <<<"$output") || fail "$p: / is not shared: $output"
			# a peer group of its own: mounts inside never reach the host
			[[ " $host_peers" != *" $tag "* ]] || fail "$p: / is a peer of the host's $tag"
			;;
		*) grep -q unbindable <<<"$output" || fail "$p: / is not unbindable: $output" ;;
		esac
	done
}

@test "runtime run: a read-only /dev (and tmpfs) still gets devpts, devices and links, then is read-only (as runc)" {
	update_config "$BUNDLE/config.json" '.mounts |= map(if .destination == "/dev" then .options += ["ro"] else . end)
		| .mounts += [{destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["ro", "nosuid", "mode=750"]}]'
	set_args '["sh", "-c", "ls -d /dev/pts /dev/null /dev/ptmx; echo x >/dev/null && echo null-ok; touch /dev/new 2>/dev/null || echo dev-ro; touch /scratch/f 2>/dev/null || echo scratch-ro; stat -c %a /scratch; awk '\''$5 == \"/dev\" || $5 == \"/scratch\" {print $5, $6}'\'' /proc/self/mountinfo"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	assert_line /dev/pts
	assert_line null-ok
	assert_line dev-ro
	assert_line scratch-ro
	assert_line 750
	assert_line --regexp '^/dev ro,nosuid'
	assert_line --regexp '^/scratch ro,nosuid'
}

@test "runtime run: a bind onto a dangling symlink makes its target inside the rootfs (as runc), never on the host" {
	mkdir -p "$BUNDLE/rootfs/etc"
	rm -f "$BUNDLE/rootfs/etc/resolv.conf"
	ln -s ../run/resolve/stub.conf "$BUNDLE/rootfs/etc/resolv.conf"
	ln -s "../../../../../../../../$BATS_TEST_TMPDIR/escape/file" "$BUNDLE/rootfs/etc/escape"
	echo "nameserver 192.0.2.1" >"$BATS_TEST_TMPDIR/resolv"
	update_config "$BUNDLE/config.json" ".mounts += [
		{destination: \"/etc/resolv.conf\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/resolv\", options: [\"rbind\", \"ro\"]},
		{destination: \"/etc/escape\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/resolv\", options: [\"rbind\", \"ro\"]}]"
	set_args '["sh", "-c", "cat /etc/resolv.conf /etc/escape"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = $'nameserver 192.0.2.1\nnameserver 192.0.2.1' ]
	[ -f "$BUNDLE/rootfs/run/resolve/stub.conf" ]
	[ ! -e "$BATS_TEST_TMPDIR/escape" ]
	[ -f "$BUNDLE/rootfs/$BATS_TEST_TMPDIR/escape/file" ]
}
