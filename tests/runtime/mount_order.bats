#!/usr/bin/env bats
# kist-runtime mounts in config order: a bind whose source is a path inside
# the container (under the bundle's rootfs) made by earlier mounts sees
# those mounts, as runc resolves each source after the mounts before it.
bats_require_minimum_version 1.5.0
load ../helpers
load runtime

setup() { setup_bundle; }
teardown() { teardown_bundle; }

# add_bind SRC DST [rbind]
add_bind() {
	update_config "$BUNDLE/config.json" ".mounts += [{source: \"$1\", destination: \"$2\",
		type: \"bind\", options: [\"${3:-bind}\", \"rprivate\"]}]"
}

@test "runtime run: a bind source inside the container is resolved after the mounts before it (as runc)" {
	local src=$BATS_TEST_TMPDIR/src r=$BUNDLE/rootfs d
	for d in a/x b/y c/z; do
		mkdir -p "$src/$d"
		echo "$d" >"$src/$d/file"
		ln -s "${d%/*}" "$src/sym-${d%/*}"
	done
	mkdir -p "$r/mnt" "$r/final"
	# a tree of host binds (two through symlinks on the host)
	add_bind "$src/a" /mnt
	add_bind "$src/sym-b" /mnt/x
	add_bind "$src/c" /mnt/x/y
	add_bind "$src/sym-a" /mnt/x/y/z
	# binds of that tree onto itself, their sources and destinations named
	# as host paths under the rootfs: on the host, $r/mnt/x is empty
	add_bind "$r/mnt/x" "$r/mnt/x/y/z/x" rbind
	add_bind "$r/mnt/x/y" "$r/mnt/x/y/z" rbind
	add_bind "$r/mnt" "$r/final" rbind
	set_args '["sh", "-c", "cat /final/x/y/z/z/x/y/z/x/file; ls /mnt/x/y/z; cat /mnt/x/y/z/z/x/y/z/x/file"]'
	rt run --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	# /final is the whole tree; /mnt/x/y/z is now c (holding z), whose z
	# is a, whose x is the copy of b's tree made by the first self-bind
	[ "${lines[0]}" = a/x ]
	[ "${lines[1]}" = z ]
	[ "${lines[2]}" = a/x ]
	[ "${#lines[@]}" -eq 3 ]
	# nothing was made on the host: not below the sources, not as a copy
	# of the rootfs's path inside the rootfs
	[ -z "$(find "$src" -mindepth 1 -newer "$BUNDLE/config.json" -print -quit)" ]
	[ ! -e "$r/$r" ]
	[ -z "$(ls -A "$r/mnt")" ]
}
