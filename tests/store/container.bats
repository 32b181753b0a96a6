#!/usr/bin/env bats
# kist-store create-container, mount, umount, rm-container; the overlay rootfs.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup() {
	store_setup
	requires root overlay
}
teardown() {
	runc delete -f "kist-st-$$-$BATS_TEST_NUMBER" >/dev/null 2>&1 || true
	store_teardown
}

@test "store create-container: overlay rootfs mounted, bundle runs with runc" {
	requires cmd:runc
	import_busybox
	store create-container --name web busybox:test '{"Cmd":["sh","-c","echo from-container; cat /etc/passwd | head -1"]}'
	assert_success
	id=$output
	[[ "$id" =~ ^[0-9a-f]{64}$ ]]
	c="$KIST_ROOT/containers/$id"
	[ -f "$c/container.json" ] && [ -d "$c/upper" ] && [ -d "$c/work" ]
	jq -e --arg n web '.Name == $n and (.Layers | length == 1)' "$c/container.json"
	jq -e '.root.path == "rootfs"' "$c/bundle/config.json"
	mountpoint -q "$c/bundle/rootfs"
	grep -q " $c/bundle/rootfs .* overlay " /proc/self/mountinfo
	[ -x "$c/bundle/rootfs/bin/busybox" ]
	run runc run --bundle "$c/bundle" "kist-st-$$-$BATS_TEST_NUMBER"
	assert_success
	assert_line --index 0 from-container
	assert_line --index 1 "root:x:0:0:root:/root:/bin/sh"
}

@test "store create-container: name conflicts, bad names, bad overrides, missing image" {
	import_busybox
	store create-container --name dup busybox:test
	assert_success
	store create-container --name dup busybox:test
	assert_failure 1
	assert_output --partial "container name 'dup' is already in use"
	store create-container --name 'bad/name' busybox:test
	assert_failure 1
	assert_output --partial "invalid container name 'bad/name'"
	store create-container --name x busybox:test '{"Cmd":'
	assert_failure 1
	store create-container --name x busybox:test '[1]'
	assert_failure 1
	assert_output --partial "overrides must be a JSON object"
	store create-container --name y nosuch:image
	assert_failure 1
	assert_output --partial "no such image: 'nosuch:image'"
	[ "$(ls "$KIST_ROOT/containers" | grep -cv '^\.')" -eq 1 ]
	[ -z "$(ls -A "$KIST_ROOT/containers" | grep '^\.tmp-')" ]
	# the failed creations left no name behind
	[ "$(ls "$KIST_ROOT/containers/.names")" = dup ]
}

@test "store container names: the index, a crash's leftover link, a store without the index" {
	import_busybox
	store create-container --name one busybox:test
	assert_success
	id1=$output
	[ "$(readlink "$KIST_ROOT/containers/.names/one")" = "$id1" ]
	# a link left by a crash (its container never finished) does not hold the name
	ln -s "$(printf '%064d' 7)" "$KIST_ROOT/containers/.names/ghost"
	store create-container --name ghost busybox:test
	assert_success
	[ "$(readlink "$KIST_ROOT/containers/.names/ghost")" = "$output" ]
	# rm-container frees the name
	store rm-container one
	assert_success
	[ ! -e "$KIST_ROOT/containers/.names/one" ] && [ ! -L "$KIST_ROOT/containers/.names/one" ]
	store create-container --name one busybox:test
	assert_success
	id1=$output
	# a store made before the index: it is rebuilt from the records, so
	# names stay unique, and lookups by name work meanwhile
	rm -r "$KIST_ROOT/containers/.names"
	store mount one
	assert_success
	store create-container --name one busybox:test
	assert_failure 1
	assert_output --partial "container name 'one' is already in use by container ${id1:0:12}"
	[ "$(readlink "$KIST_ROOT/containers/.names/ghost")" != "" ]
	# gc drops links whose container is gone
	ln -s "$(printf '%064d' 9)" "$KIST_ROOT/containers/.names/stale"
	store gc
	assert_success
	[ ! -L "$KIST_ROOT/containers/.names/stale" ]
	[ -L "$KIST_ROOT/containers/.names/one" ]
}

@test "store mount/umount/rm-container: the rootfs comes and goes" {
	import_busybox
	store create-container --name m busybox:test
	assert_success
	id=$output
	r="$KIST_ROOT/containers/$id/bundle/rootfs"
	echo changed >"$r/newfile"
	store umount m
	assert_success
	! mountpoint -q "$r"
	[ ! -e "$r/newfile" ]
	store mount m
	assert_success
	assert_output "$r"
	[ "$(cat "$r/newfile")" = changed ]
	store mount m # already mounted: no second mount
	assert_success
	[ "$(grep -c " $r " /proc/self/mountinfo)" -eq 1 ]
	# what a removal killed after its rename leaves goes with the next one
	dead="$KIST_ROOT/containers/.tmp-del-$(printf '%064d' 7)"
	mkdir -p "$dead/bundle"
	store rm-container "${id:0:12}"
	assert_success
	[ ! -e "$KIST_ROOT/containers/$id" ]
	[ ! -e "$dead" ]
	! grep -q " $r " /proc/self/mountinfo
	store rm-container m
	assert_failure 1
	assert_output --partial "no such container: 'm'"
}

@test "store rm-container: a truncated or garbage container.json does not block removal" {
	import_busybox
	store create-container --name trunc busybox:test
	assert_success
	local id1=$output r1="$KIST_ROOT/containers/$output/bundle/rootfs"
	mountpoint -q "$r1"
	truncate -s 20 "$KIST_ROOT/containers/$id1/container.json"
	# by name (through the name index)
	store rm-container trunc
	assert_success
	assert_line --partial "kist-store: container ${id1:0:12}: damaged record (parse"
	assert_line "$id1"
	! grep -q " $r1 " /proc/self/mountinfo
	[ ! -e "$KIST_ROOT/containers/$id1" ]
	[ ! -L "$KIST_ROOT/containers/.names/trunc" ]
	# by id prefix, with garbage for a record; its name is freed too
	store create-container --name garbage busybox:test
	assert_success
	local id2=$output r2="$KIST_ROOT/containers/$output/bundle/rootfs"
	mountpoint -q "$r2"
	printf '\0\1garbage' >"$KIST_ROOT/containers/$id2/container.json"
	store rm-container "${id2:0:12}"
	assert_success
	assert_line "$id2"
	! grep -q " $r2 " /proc/self/mountinfo
	[ ! -e "$KIST_ROOT/containers/$id2" ]
	[ ! -L "$KIST_ROOT/containers/.names/garbage" ]
	store create-container --name garbage busybox:test
	assert_success
	store rm-container garbage
	assert_success
	# a record that is missing altogether, and the runtime's state still guards it
	store create-container --name gone busybox:test
	assert_success
	local id3=$output
	rm "$KIST_ROOT/containers/$id3/container.json"
	mkdir -p "$BATS_TEST_TMPDIR/run/runtime/$id3"
	echo '{}' >"$BATS_TEST_TMPDIR/run/runtime/$id3/state.json"
	run "$STORE" --root "$KIST_ROOT" --run "$BATS_TEST_TMPDIR/run" rm-container gone
	assert_failure 1
	assert_output --partial "is known to the runtime"
	[ -d "$KIST_ROOT/containers/$id3" ]
	run "$STORE" --root "$KIST_ROOT" --run "$BATS_TEST_TMPDIR/run" rm-container -f gone
	assert_success
	[ ! -e "$KIST_ROOT/containers/$id3" ]
	# still nothing to remove: the usual error
	store rm-container trunc
	assert_failure 1
	assert_output --partial "kist-store: no such container: 'trunc'"
}

@test "store export -o: a device, FIFO or socket is refused and left alone; a symlink is followed" {
	import_busybox
	store create-container --name ex busybox:test
	assert_success
	local d=$BATS_TEST_TMPDIR/out
	special_outputs "$d"
	store export -o "$d/full" ex
	assert_failure 1
	assert_output "kist-store: cannot write '$d/full': is a device"
	store export -o "$d/fifo" ex
	assert_failure 1
	assert_output "kist-store: cannot write '$d/fifo': is a named pipe"
	store export -o "$d/sock" ex
	assert_failure 1
	assert_output "kist-store: cannot write '$d/sock': is a socket"
	store export -o "$d/devlink" ex
	assert_failure 1
	assert_output "kist-store: cannot write '$d/devlink': its target '$d/full' is a device"
	outputs_intact "$d"
	ln -s "$d/rootfs.tar" "$d/link.tar"
	store export -o "$d/link.tar" ex
	assert_success
	[ -L "$d/link.tar" ]
	tar -tf "$d/rootfs.tar" | grep -qx bin/busybox
	store rm-container ex
	assert_success
}

@test "store create-container: whiteouts and opaque dirs hide lower files through a real overlay" {
	mkdir -p "$BATS_TEST_TMPDIR"/{l1,l2}
	cd "$BATS_TEST_TMPDIR/l1"
	mkdir -p a keep && echo 1 >a/f1 && echo 2 >a/f2 && echo b >b && echo k >keep/k
	tar -cf ../l1.tar .
	cd ../l2
	mkdir -p a keep && touch a/.wh..wh..opq keep/.wh.k .wh.b && echo 3 >a/f3
	tar -cf ../l2.tar .
	cd "$BATS_TEST_TMPDIR"
	make_layout lay wh:1 "$(busybox_tar)" l1.tar l2.tar
	store import-layout lay:wh:1 wh:1
	assert_success
	store create-container --name w wh:1
	assert_success
	r="$KIST_ROOT/containers/$output/bundle/rootfs"
	[ "$(ls "$r/a")" = f3 ]
	[ ! -e "$r/b" ]
	[ -d "$r/keep" ] && [ -z "$(ls -A "$r/keep")" ]
	[ -x "$r/bin/busybox" ]
}

@test "store create-container --driver vfs: layers copied in order, whiteouts applied" {
	mkdir -p "$BATS_TEST_TMPDIR"/{l1,l2}
	cd "$BATS_TEST_TMPDIR/l1"
	mkdir -p a && echo 1 >a/f1 && echo b >b && ln -s b blink
	tar -cf ../l1.tar .
	cd ../l2
	mkdir -p a && touch a/.wh..wh..opq .wh.b && echo 3 >a/f3
	tar -cf ../l2.tar .
	cd "$BATS_TEST_TMPDIR"
	make_layout lay v:1 "$(busybox_tar)" l1.tar l2.tar
	store import-layout lay:v:1 v:1
	assert_success
	store --driver vfs create-container --name v v:1
	assert_success
	id=$output
	r="$KIST_ROOT/containers/$id/bundle/rootfs"
	! mountpoint -q "$r"
	[ "$(ls "$r/a")" = f3 ]
	[ ! -e "$r/b" ]
	[ -L "$r/blink" ]
	[ -x "$r/bin/busybox" ]
	jq -e '.Driver == "vfs"' "$KIST_ROOT/containers/$id/container.json"
	store rm-container v
	assert_success
	[ ! -e "$KIST_ROOT/containers/$id" ]
}

@test "store create-container: a 127-layer image mounts and runs" {
	requires cmd:runc
	local tars=("$(busybox_tar)") i
	many_layer_tars "$BATS_TEST_TMPDIR/L" 126
	for ((i = 0; i < 126; i++)); do tars+=("$BATS_TEST_TMPDIR/L/$i.tar"); done
	make_layout "$BATS_TEST_TMPDIR/lay" many:1 "${tars[@]}"
	store import-layout "$BATS_TEST_TMPDIR/lay:many:1" many:1
	assert_success
	store create-container --name many many:1 '{"Cmd":["sh","-c","ls / | grep -c ^f[0-9]"]}'
	assert_success
	id=$output
	[ "$(count_layers)" -eq 127 ]
	run runc run --bundle "$KIST_ROOT/containers/$id/bundle" "kist-st-$$-$BATS_TEST_NUMBER"
	assert_success
	assert_output 126
}

@test "store create-container: a 400-layer image mounts (beyond the old option page limit)" {
	local tars=() i
	many_layer_tars "$BATS_TEST_TMPDIR/L" 400
	for ((i = 0; i < 400; i++)); do tars+=("$BATS_TEST_TMPDIR/L/$i.tar"); done
	make_layout "$BATS_TEST_TMPDIR/lay" many:2 "${tars[@]}"
	store import-layout "$BATS_TEST_TMPDIR/lay:many:2" many:2
	assert_success
	store create-container --name many2 many:2
	assert_success
	r="$KIST_ROOT/containers/$output/bundle/rootfs"
	[ "$(ls "$r" | grep -c '^f')" -eq 400 ]
	[ "$(cat "$r/f0") $(cat "$r/f399")" = "0 399" ]
}

@test "store create-container: a container removed when it exits (io.kist.rm) gets a volatile overlay" {
	import_busybox
	store create-container --name keep busybox:test
	assert_success
	local keep=$output
	store create-container --name gone busybox:test '{"Annotations":{"io.kist.rm":"true"}}'
	assert_success
	local gone=$output
	# mountinfo's super options of each rootfs
	run -0 grep " $KIST_ROOT/containers/$gone/bundle/rootfs " /proc/self/mountinfo
	assert_output --partial volatile
	run -0 grep " $KIST_ROOT/containers/$keep/bundle/rootfs " /proc/self/mountinfo
	refute_output --partial volatile
	store rm-container gone
	assert_success
	[ ! -e "$KIST_ROOT/containers/$gone" ]
	! grep -q "$gone" /proc/self/mountinfo
}
