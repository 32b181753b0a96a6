#!/usr/bin/env bats
# kist-build RUN --mount: type=cache (kept across builds under the store
# root, never in the image; sharing, mode, uid, gid), type=bind (the context
# or a stage/image, read-only or with writes thrown away), type=tmpfs.
bats_require_minimum_version 1.5.0
load ../helpers
load build

setup() {
	build_setup
	import_base
}
teardown() { build_teardown; }

# unpack ARGS...: the image kist-build ARGS makes (cached), unpacked as a bundle
unpack() {
	rm -rf "$BATS_TEST_TMPDIR/bundle"
	"$BUILD" -q -o "type=bundle,dest=$BATS_TEST_TMPDIR/bundle" "$@" >/dev/null || fail "unpack $* failed"
}

@test "kist-build RUN --mount=type=cache: a file kept across two --no-cache builds, not in the image" {
	dockerfile 'FROM busybox:test' \
		'RUN --mount=type=cache,target=/var/cache/app,uid=1000,gid=100,mode=0700 \' \
		'  stat -c "cache %u:%g %a" /var/cache/app && \' \
		'  if [ -f /var/cache/app/stamp ]; then echo "seen $(cat /var/cache/app/stamp)"; fi && \' \
		'  echo one >/var/cache/app/stamp && grep " /var/cache/app " /proc/self/mounts | cut -d" " -f2' \
		'RUN test ! -e /var/cache/app/stamp && echo not-after'
	kbuild --no-cache -t m:1 "$CTX"
	assert_success
	assert_line 'cache 1000:100 700'
	refute_line --regexp '^seen'
	assert_line '/var/cache/app'
	assert_line 'not-after'
	kbuild --no-cache -t m:1 "$CTX"
	assert_success
	assert_line 'seen one'
	no_containers
	# neither the cache's files nor its mount point are in the image
	unpack -t m:1 "$CTX"
	[ -d "$BATS_TEST_TMPDIR/bundle/rootfs/bin" ] || fail "no rootfs unpacked"
	[ ! -e "$BATS_TEST_TMPDIR/bundle/rootfs/var/cache" ] || fail "mount point left in the image"
	run_image m:1 '{"Cmd":["sh","-c","ls -a /var; find / -name stamp -xdev"]}'
	assert_success
	refute_output --partial cache
	refute_output --partial stamp
	# the cache lives under the store root
	run find "$KIST_ROOT/build-cache/mounts" -name stamp
	assert_output --regexp 'build-cache/mounts/[0-9a-f]{64}/stamp$'
}

@test "kist-build RUN --mount=type=cache: id= shares one cache between targets; sharing=locked and private work" {
	dockerfile 'FROM busybox:test' \
		'RUN --mount=type=cache,id=shared1,target=/a,sharing=locked echo from-a >/a/f' \
		'RUN --mount=type=cache,id=shared1,target=/b,sharing=private cat /b/f' \
		'RUN --mount=type=cache,target=/c cat /c/f || echo separate'
	kbuild -t m:2 "$CTX"
	assert_success
	assert_line from-a
	assert_line separate
}

@test "kist-build RUN --mount=type=bind: sees the context read-only; rw writes do not persist; the key follows its content" {
	echo ctx-data >"$CTX/data.txt"
	mkdir -p "$CTX/sub"
	echo inner >"$CTX/sub/in.txt"
	dockerfile 'FROM busybox:test' \
		'RUN --mount=type=bind,target=/src cat /src/data.txt /src/sub/in.txt && (touch /src/new 2>/dev/null && echo writable || echo read-only)' \
		'RUN --mount=type=bind,source=sub,target=/s,rw echo changed >/s/in.txt && cat /s/in.txt && touch /s/made' \
		'RUN ls /src /s 2>&1 || true'
	kbuild -t m:3 "$CTX"
	assert_success
	assert_line ctx-data
	assert_line inner
	assert_line read-only
	assert_line changed
	# writes did not reach the context, mount points are gone
	assert_equal "$(cat "$CTX/sub/in.txt")" inner
	[ ! -e "$CTX/sub/made" ] || fail "rw bind wrote into the context"
	[ ! -e "$CTX/new" ] || fail "bind wrote into the context"
	unpack -t m:3 "$CTX"
	[ ! -e "$BATS_TEST_TMPDIR/bundle/rootfs/src" ] && [ ! -e "$BATS_TEST_TMPDIR/bundle/rootfs/s" ] ||
		fail "mount points in the image"
	# a changed bound file misses the cache from that step
	kbuild -t m:3 "$CTX"
	assert_success
	[ "$(grep -c '^ ---> Using cache$' <<<"$output")" -eq 3 ] || fail "not all cached"
	echo ctx-two >"$CTX/data.txt"
	kbuild -t m:3 "$CTX"
	assert_success
	assert_line ctx-two
	no_containers
}

@test "kist-build RUN --mount: a context and a store root given as relative paths" {
	mkdir -p "$CTX/sub"
	echo rel >"$CTX/sub/r.txt"
	dockerfile 'FROM busybox:test' 'RUN --mount=type=bind,source=sub,target=/s,rw cat /s/r.txt' \
		'RUN --mount=type=bind,source=sub/r.txt,target=/r.txt cat /r.txt' \
		'RUN --mount=type=cache,target=/c touch /c/in-cache'
	[ "${CTX%/*}" = "${KIST_ROOT%/*}" ] || fail "want the context and the root side by side"
	cd "${CTX%/*}"
	kbuild --root "${KIST_ROOT##*/}" -t m:6 "${CTX##*/}"
	assert_success
	[ "$(grep -c '^rel$' <<<"$output")" -eq 2 ] || fail "the context's file not seen twice"
	run find "$KIST_ROOT/build-cache/mounts" -name in-cache
	assert_output --partial in-cache
	no_containers
}

@test "kist-build RUN --mount=type=bind: the context without what .dockerignore leaves out" {
	mkdir -p "$CTX/sub" "$CTX/secret"
	echo kept >"$CTX/sub/kept.txt"
	echo hidden >"$CTX/sub/hidden.txt"
	echo key >"$CTX/secret/key"
	printf 'secret\nsub/hidden.txt\n' >"$CTX/.dockerignore"
	dockerfile 'FROM busybox:test' \
		'RUN --mount=type=bind,target=/ctx ls /ctx /ctx/sub' \
		'RUN --mount=type=bind,source=sub,target=/s,rw echo w >/s/kept.txt && cat /s/kept.txt'
	kbuild -t m:7 "$CTX"
	assert_success
	assert_line kept.txt
	refute_line secret
	refute_line hidden.txt
	assert_line w
	assert_equal "$(cat "$CTX/sub/kept.txt")" kept
	[ "$(find "$KIST_ROOT/build-cache/tmp" -mindepth 1 | wc -l)" -eq 0 ] || fail "copies left behind"
	# an ignored file's change does not miss the cache
	echo changed >"$CTX/sub/hidden.txt"
	kbuild -t m:7 "$CTX"
	assert_success
	[ "$(grep -c '^ ---> Using cache$' <<<"$output")" -eq 2 ] || fail "an ignored file changed the key"
	no_containers
}

@test "kist-build RUN --mount=type=bind,from=: a stage's files" {
	dockerfile 'FROM busybox:test AS tools' \
		'RUN mkdir /opt && echo from-stage >/opt/t.txt' \
		'FROM busybox:test' \
		'RUN --mount=type=bind,from=tools,source=/opt,target=/mnt/tools cat /mnt/tools/t.txt'
	kbuild -t m:4 "$CTX"
	assert_success
	assert_line from-stage
	no_containers
}

@test "kist-build RUN --mount=type=tmpfs: a tmpfs of the size asked, not in the image" {
	dockerfile 'FROM busybox:test' \
		'RUN --mount=type=tmpfs,target=/scratch,size=8m grep " /scratch " /proc/self/mounts && df -k /scratch | tail -1 && echo x >/scratch/f'
	kbuild -t m:5 "$CTX"
	assert_success
	assert_line --regexp '^tmpfs /scratch tmpfs .*size=8192k'
	unpack -t m:5 "$CTX"
	[ ! -e "$BATS_TEST_TMPDIR/bundle/rootfs/scratch" ] || fail "tmpfs mount point in the image"
}

@test "kist-build RUN --mount: bad options fail with the line" {
	dockerfile 'FROM busybox:test' 'RUN --mount=type=cache,target=/x,sharing=sometimes true'
	kbuild -t bad "$CTX"
	assert_failure
	assert_output --partial 'Dockerfile:2'
	assert_output --partial 'sharing'
	dockerfile 'FROM busybox:test' 'RUN --mount=type=bind,source=../etc,target=/x true'
	kbuild -t bad "$CTX"
	assert_failure
	assert_output --partial 'Dockerfile:2'
	assert_output --partial 'outside the build context'
	dockerfile 'FROM busybox:test' 'RUN --mount=type=weird,target=/x true'
	kbuild -t bad "$CTX"
	assert_failure
	assert_output --partial 'Dockerfile:2'
	dockerfile 'FROM busybox:test' 'RUN --mount=type=bind,from=nowhere,target=/x true'
	kbuild -t bad "$CTX"
	assert_failure
	assert_output --partial "Dockerfile:2: RUN --mount from: no stage or image named 'nowhere'"
	dockerfile 'FROM busybox:test' 'RUN --mount=type=tmpfs true'
	kbuild -t bad "$CTX"
	assert_failure
	assert_output --partial 'target is required'
	no_containers
}
