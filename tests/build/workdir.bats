#!/usr/bin/env bats
# kist-build WORKDIR: the directory is in the image (BuildKit's rules: made
# with missing parents, mode 0755, owned by the USER in effect), a layer only
# when something was made.
bats_require_minimum_version 1.5.0
load ../helpers
load build

setup() {
	build_setup
	import_base
}
teardown() { build_teardown; }

@test "kist-build WORKDIR: a WORKDIR-only image has its directory, parents too, root-owned, 0755" {
	dockerfile 'FROM busybox:test' 'WORKDIR /app/sub' 'WORKDIR deeper'
	kbuild -t wd:1 "$CTX"
	assert_success
	no_containers
	run image_config wd:1 '.config.WorkingDir, (.rootfs.diff_ids | length), ([.history[] | select(.empty_layer != true)] | length)'
	assert_line --index 0 '"/app/sub/deeper"'
	local base_layers
	base_layers=$(image_config busybox:test '.rootfs.diff_ids | length')
	# one layer per WORKDIR that made something, each with its history entry
	assert_line --index 1 "$((base_layers + 2))"
	assert_line --index 2 "$((base_layers + 2))"
	# checked in the unpacked image, from outside
	kbuild -q -o "type=bundle,dest=$BATS_TEST_TMPDIR/bundle" -t wd:1 "$CTX"
	assert_success
	run stat -c '%F %a %u:%g' "$BATS_TEST_TMPDIR/bundle/rootfs/app" "$BATS_TEST_TMPDIR/bundle/rootfs/app/sub" "$BATS_TEST_TMPDIR/bundle/rootfs/app/sub/deeper"
	assert_output "directory 755 0:0
directory 755 0:0
directory 755 0:0"
	run_image wd:1 '{"Cmd":["pwd"]}'
	assert_success
	assert_output /app/sub/deeper
}

@test "kist-build WORKDIR: made as the USER in effect (name or uid:gid); an existing directory adds no layer" {
	# a uid alone: the same number for the group (BuildKit, as COPY --chown)
	dockerfile 'FROM busybox:test' 'USER kist' 'WORKDIR /data/k' 'USER 1234:4321' 'WORKDIR /num' \
		'USER 9999' 'WORKDIR /solo' 'USER root' 'WORKDIR /tmp'
	kbuild -t wd:2 "$CTX"
	assert_success
	local base_layers
	base_layers=$(image_config busybox:test '.rootfs.diff_ids | length')
	run image_config wd:2 '(.rootfs.diff_ids | length), .history[-1].empty_layer'
	assert_line --index 0 "$((base_layers + 3))"
	assert_line --index 1 true
	run_image wd:2 '{"Cmd":["stat","-c","%n %a %u:%g","/data","/data/k","/num","/solo","/tmp"]}'
	assert_success
	assert_output "/data 755 1000:1000
/data/k 755 1000:1000
/num 755 1234:4321
/solo 755 9999:9999
/tmp 1777 0:0"
}

@test "kist-build WORKDIR: a USER the image does not know fails with the line" {
	dockerfile 'FROM busybox:test' 'USER ghost' 'WORKDIR /w'
	kbuild -t wd:3 "$CTX"
	assert_failure
	assert_output --partial 'Dockerfile:3'
	assert_output --partial 'ghost'
	no_containers
}
