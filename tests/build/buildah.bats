#!/usr/bin/env bats
# kist-build against buildah (Debian's): the seed workflows' Dockerfiles,
# on the busybox base, built by both; their image configs and file trees
# (names, types, modes, owners, sizes, link targets, contents; not mtimes)
# must match.  buildah runs RUN with runc (its crun refuses hybrid cgroup
# hosts), its storage (vfs) and temp files in the test's directory.
bats_require_minimum_version 1.5.0
load ../helpers
load build

setup() {
	build_setup
	command -v buildah >/dev/null || fail "buildah is not installed (tests/build/packages.txt)"
	# the base with a PATH, as real images have (buildah adds one when the
	# base lacks it)
	run "$STORE" --root "$KIST_ROOT" import -c 'CMD ["sh"]' \
		-c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		"$(busybox_tar)" busybox:test
	assert_success
	BHDIR="$BATS_TEST_TMPDIR/buildah"
	mkdir -p "$BHDIR/tmp"
	BH=(buildah --root "$BHDIR/root" --runroot "$BHDIR/run" --storage-driver vfs)
	"$STORE" --root "$KIST_ROOT" save --format oci-archive -o "$BHDIR/base.tar" busybox:test ||
		fail "save the base failed"
	TMPDIR="$BHDIR/tmp" "${BH[@]}" pull -q "oci-archive:$BHDIR/base.tar" >/dev/null ||
		fail "buildah pull of the base failed"
}

teardown() {
	if [ -n "${BHDIR:-}" ] && [ -d "$BHDIR" ]; then
		"${BH[@]}" rm --all >/dev/null 2>&1
		"${BH[@]}" rmi --all --force >/dev/null 2>&1
		awk -v d="$BHDIR" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
			while read -r m; do umount -l "$m"; done
		rm -rf "$BHDIR"
	fi
	build_teardown
}

# tree DIR: one line a path below DIR (DIR's own mode is the storage's) (type+mode, owner, size, link target, sha256 of
# a regular file's bytes), sorted.  buildah leaves the empty files and
# directory it mounts over in RUN (/etc/hosts, /etc/hostname,
# /etc/resolv.conf, /run) in the image; BuildKit removes them, as kist does:
# they are left out when empty.
tree() {
	(
		cd "$1" || exit 1
		find . -xdev -mindepth 1 \( -path ./etc/hosts -o -path ./etc/hostname -o -path ./etc/resolv.conf -o -path ./run \) -empty -prune -o \
			-printf '%p %M %U:%G %s %l\n' | sort
		find . -xdev -type f ! -empty -exec sha256sum {} + | sort -k2
	)
}

# The config fields compared (buildah's own version label taken out).
CONFIG_FIELDS='{Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts, Volumes, Labels: ((.Labels // {}) | del(."io.buildah.version") | if . == {} then null else . end), StopSignal}'

# compare NAME: build $CTX with both tools, compare configs and trees.
compare() {
	local name=$1 c m
	kbuild -q -t "$name" -o "type=bundle,dest=$BATS_TEST_TMPDIR/kist-$name" "$CTX"
	assert_success
	run env TMPDIR="$BHDIR/tmp" "${BH[@]}" bud -q --runtime runc --pull=never --network host -t "$name" "$CTX"
	echo "buildah bud: $status $output" >&2
	assert_success
	image_config "$name" ".config | $CONFIG_FIELDS" | jq -S -c . >"$BATS_TEST_TMPDIR/kist-config"
	"${BH[@]}" inspect --type image "$name" | jq -S -c ".OCIv1.config | $CONFIG_FIELDS" >"$BATS_TEST_TMPDIR/buildah-config"
	run diff "$BATS_TEST_TMPDIR/kist-config" "$BATS_TEST_TMPDIR/buildah-config"
	assert_success
	c=$("${BH[@]}" from --pull=never "$name") || fail "buildah from $name failed"
	m=$("${BH[@]}" mount "$c") || fail "buildah mount failed"
	tree "$m" >"$BATS_TEST_TMPDIR/buildah-tree"
	"${BH[@]}" umount "$c" >/dev/null
	"${BH[@]}" rm "$c" >/dev/null
	tree "$BATS_TEST_TMPDIR/kist-$name/rootfs" >"$BATS_TEST_TMPDIR/kist-tree"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/kist-tree")" -ge 2 ] || fail "empty tree"
	run diff "$BATS_TEST_TMPDIR/kist-tree" "$BATS_TEST_TMPDIR/buildah-tree"
	assert_success
	no_containers
}

@test "kist-build vs buildah: the hello image (every config instruction, WORKDIR, COPY, ADD of a tar.gz, RUN forms)" {
	printf '#!/bin/sh\necho "hello $NAME $*"\n' >"$CTX/app.sh"
	echo notes >"$CTX/notes.txt"
	mkdir -p "$BATS_TEST_TMPDIR/t/sub"
	echo inner >"$BATS_TEST_TMPDIR/t/sub/inner.txt"
	tar -C "$BATS_TEST_TMPDIR/t" -czf "$CTX/pkg.tar.gz" sub
	dockerfile 'FROM busybox:test' \
		'MAINTAINER someone <s@example.com>' \
		'LABEL com.example.version=0.1 description="hello app"' \
		'ENV APP_HOME=/root NAME=world' \
		'WORKDIR /root' \
		'WORKDIR demo' \
		'COPY app.sh ./' \
		'ADD pkg.tar.gz /opt/' \
		'ADD notes.txt /opt/notes.txt' \
		'RUN chmod +x app.sh && mkdir -p /data && echo built >/data/stamp' \
		'RUN ["/bin/sh", "-c", "echo exec-form >/data/exec"]' \
		'RUN cd /tmp' \
		'VOLUME /data' \
		'EXPOSE 80 443/tcp' \
		'USER 1000:1000' \
		'WORKDIR /home/app' \
		'STOPSIGNAL SIGTERM' \
		'ENTRYPOINT ["/root/demo/app.sh"]' \
		'CMD ["--greet", "world"]'
	compare hello
}

@test "kist-build vs buildah: the httpd image (shell-form CMD, EXPOSE) and a multi-stage build" {
	dockerfile 'FROM busybox:test' \
		"RUN mkdir -p /var/www && echo '<h1>hi</h1>' >/var/www/index.html" \
		'EXPOSE 8080' \
		'CMD busybox httpd -f -p 8080 -h /var/www'
	compare httpd
	dockerfile 'FROM busybox:test AS build' \
		'WORKDIR /src' \
		'RUN echo "compiled" >out.bin && chmod 755 out.bin' \
		'FROM busybox:test' \
		'COPY --from=build /src/out.bin /usr/local/bin/' \
		'ENTRYPOINT /usr/local/bin/out.bin'
	compare multi
}

@test "kist-build vs buildah: FROM scratch with COPY" {
	printf 'static\n' >"$CTX/hello"
	chmod 755 "$CTX/hello"
	dockerfile 'FROM scratch' 'COPY hello /' 'CMD ["/hello"]'
	compare fromscratch # ("scratch" is buildah's empty container)
}
