#!/usr/bin/env bats
# kist-build ADD of an http URL: a server on 127.0.0.1 (busybox httpd)
# started and stopped by each test; file name from the URL, mode 0600, mtime
# from Last-Modified, --checksum checked, the content in the cache key.
bats_require_minimum_version 1.5.0
load ../helpers
load build

setup() {
	build_setup
	import_base
	WWW="$BATS_TEST_TMPDIR/www"
	mkdir -p "$WWW/dir"
	PORT=$(free_port)
	busybox httpd -f -p "127.0.0.1:$PORT" -h "$WWW" &
	HTTPD_PID=$!
	URL="http://127.0.0.1:$PORT"
	local i
	for i in $(seq 100); do
		ss -Htln "sport = :$PORT" | grep -q . && break
		sleep 0.1
	done
	ss -Htln "sport = :$PORT" | grep -q . || fail "httpd did not start"
}
teardown() {
	[ -n "${HTTPD_PID:-}" ] && kill "$HTTPD_PID" 2>/dev/null && wait "$HTTPD_PID" 2>/dev/null
	build_teardown
}

@test "kist-build ADD URL: named from the URL, 0600, mtime from Last-Modified, --checksum, archives not unpacked" {
	echo remote-data >"$WWW/dir/data.txt"
	touch -d '2001-02-03 04:05:06 UTC' "$WWW/dir/data.txt"
	mkdir -p "$BATS_TEST_TMPDIR/t" && echo inner >"$BATS_TEST_TMPDIR/t/inner.txt"
	tar -C "$BATS_TEST_TMPDIR/t" -czf "$WWW/pkg.tar.gz" inner.txt
	local sum
	sum=$(sha256sum "$WWW/dir/data.txt" | cut -d' ' -f1)
	dockerfile 'FROM busybox:test' \
		"ADD --checksum=sha256:$sum $URL/dir/data.txt /srv/" \
		"ADD $URL/dir/data.txt?x=1 /renamed.txt" \
		"ADD --chmod=644 $URL/pkg.tar.gz /pkgs/"
	# timestamps later than the file's, so its mtime is kept in the layer
	SOURCE_DATE_EPOCH=2000000000 kbuild -t u:1 "$CTX"
	assert_success
	no_containers
	run_image u:1 '{"Cmd":["sh","-c","cat /srv/data.txt /renamed.txt; stat -c \"%n %a %u:%g %Y\" /srv/data.txt /renamed.txt /pkgs/pkg.tar.gz; ls /pkgs"]}'
	assert_success
	local mtime
	mtime=$(date -d '2001-02-03 04:05:06 UTC' +%s)
	assert_output "remote-data
remote-data
/srv/data.txt 600 0:0 $mtime
/renamed.txt 600 0:0 $mtime
/pkgs/pkg.tar.gz 644 0:0 $(stat -c %Y "$WWW/pkg.tar.gz")
pkg.tar.gz"
	# the same content: cached; changed content: a miss that names the URL
	kbuild -t u:1 "$CTX"
	assert_success
	[ "$(grep -c '^ ---> Using cache$' <<<"$output")" -eq 3 ] || fail "not all cached"
	echo changed >"$WWW/pkg.tar.gz"
	kbuild --progress=plain -t u:1 "$CTX"
	assert_success
	assert_line " ---> cache miss: ADD source $URL/pkg.tar.gz changed"
	[ "$(find "$KIST_ROOT/build-cache/tmp" -mindepth 1 | wc -l)" -eq 0 ] || fail "downloads left behind"
}

@test "kist-build ADD URL: a checksum mismatch is refused with the line; no tag, no container" {
	echo remote-data >"$WWW/f.txt"
	local bad
	bad=$(echo other | sha256sum | cut -d' ' -f1)
	dockerfile 'FROM busybox:test' 'RUN true' "ADD --checksum=sha256:$bad $URL/f.txt /f.txt"
	kbuild -t u:2 "$CTX"
	assert_failure
	assert_output --partial "Dockerfile:3: ADD $URL/f.txt: digest mismatch sha256:$bad: sha256:$(sha256sum "$WWW/f.txt" | cut -d' ' -f1)"
	run "$STORE" --root "$KIST_ROOT" inspect u:2
	assert_failure
	no_containers
}

@test "kist-build ADD URL: a missing file, COPY of a URL, --checksum on a local file, a bad checksum are refused" {
	echo x >"$CTX/local.txt"
	dockerfile 'FROM busybox:test' "ADD $URL/nothing.txt /n"
	kbuild -t u:3 "$CTX"
	assert_failure
	assert_output --partial "Dockerfile:2: ADD $URL/nothing.txt: GET $URL/nothing.txt: unexpected status 404"
	dockerfile 'FROM busybox:test' "COPY $URL/nothing.txt /n"
	kbuild -t u:3 "$CTX"
	assert_failure
	assert_output --partial "Dockerfile:2: source can't be a URL for COPY"
	dockerfile 'FROM busybox:test' "ADD --checksum=sha256:$(printf '0%.0s' {1..64}) local.txt /n"
	kbuild -t u:3 "$CTX"
	assert_failure
	assert_output --partial "Dockerfile:2: checksum can't be specified for non-HTTP(S) sources"
	dockerfile 'FROM busybox:test' "ADD --checksum=md5:abc $URL/f /n"
	kbuild -t u:3 "$CTX"
	assert_failure
	assert_output --partial "Dockerfile:2: ADD: unsupported digest algorithm in --checksum=md5:abc"
	no_containers
}

@test "kist-build ADD URL --checksum: the checksum is the key, a cached rebuild needs no server" {
	echo pinned >"$WWW/pinned.txt"
	local sum
	sum=$(sha256sum "$WWW/pinned.txt" | cut -d' ' -f1)
	dockerfile 'FROM busybox:test' "ADD --checksum=sha256:$sum $URL/pinned.txt /pinned.txt"
	kbuild -t u:4 "$CTX"
	assert_success
	kill "$HTTPD_PID"
	wait "$HTTPD_PID" 2>/dev/null || true
	HTTPD_PID=
	kbuild -t u:4 "$CTX"
	assert_success
	assert_line ' ---> Using cache'
	# a miss has to download: the server is gone
	kbuild --no-cache -t u:4 "$CTX"
	assert_failure
	assert_output --partial "Dockerfile:2: ADD $URL/pinned.txt: GET $URL/pinned.txt"
	run_image u:4 '{"Cmd":["cat","/pinned.txt"]}'
	assert_output pinned
	no_containers
}
