#!/usr/bin/env bats
# kist-build: a Dockerfile to an image in the store, each RUN a real
# container; the built images are run with kist-runtime and checked from
# outside.
bats_require_minimum_version 1.5.0
load ../helpers
load build

setup() {
	build_setup
	import_base
}
teardown() { build_teardown; }

@test "kist-build: RUN, ENV, WORKDIR, COPY, CMD with docker's classic output; the image runs" {
	echo hello >"$CTX/app.txt"
	dockerfile 'FROM busybox:test' \
		'ENV GREETING=hi' \
		'RUN echo "$GREETING from run" && mkdir /made && echo x >/made/file' \
		'WORKDIR /root' \
		'WORKDIR demo' \
		'COPY app.txt /srv/' \
		'RUN cd /tmp' \
		'RUN ["/bin/sh", "-c", "pwd >/pwd.txt"]' \
		'CMD ["cat", "/srv/app.txt"]'
	kbuild -t demo:1 "$CTX"
	assert_success
	assert_line --index 0 'Step 1/9 : FROM busybox:test'
	assert_line 'Step 3/9 : RUN echo "$GREETING from run" && mkdir /made && echo x >/made/file'
	assert_line 'hi from run'
	assert_line --regexp '^ ---> Running in [0-9a-f]{12}$'
	assert_line --regexp '^Removing intermediate container [0-9a-f]{12}$'
	assert_line --regexp '^ ---> [0-9a-f]{12}$'
	local id
	id=$("$STORE" --root "$KIST_ROOT" inspect --format '{{.Id}}' demo:1)
	assert_line "Successfully built ${id:7:12}"
	assert_line --index $((${#lines[@]} - 1)) 'Successfully tagged demo:1'
	no_containers
	run_image demo:1
	assert_success
	assert_output hello
	# RUN cd /tmp did not carry over: the next RUN ran in the WORKDIR
	run_image demo:1 '{"Cmd":["sh","-c","cat /pwd.txt /made/file; echo $GREETING; stat -c %U:%G /srv/app.txt"]}'
	assert_output "/root/demo
x
hi
root:root"
	run image_config demo:1 '.config.WorkingDir, .config.Env, .config.Cmd'
	assert_line --index 0 '"/root/demo"'
	assert_line --index 1 --partial '"GREETING=hi"'
	assert_line --index 2 '["cat","/srv/app.txt"]'
}

@test "kist-build: a second build is all cache hits; a changed COPY source misses from there and says why; --no-cache" {
	echo one >"$CTX/app.py"
	echo keep >"$CTX/other"
	dockerfile 'FROM busybox:test' 'COPY other /other' 'RUN echo first' 'COPY app.py /app.py' \
		'RUN echo second' 'CMD ["cat", "/app.py"]'
	kbuild -t c:1 "$CTX"
	assert_success
	local first
	first=$("$STORE" --root "$KIST_ROOT" inspect --format '{{.Id}}' c:1)
	touch -d '2001-01-01' "$CTX/app.py" "$CTX/other" # mtimes are not content
	kbuild -t c:1 "$CTX"
	assert_success
	[ "$(grep -c '^ ---> Using cache$' <<<"$output")" -eq 5 ] || fail "not all cached"
	refute_output --partial 'Running in'
	assert_equal "$("$STORE" --root "$KIST_ROOT" inspect --format '{{.Id}}' c:1)" "$first"
	echo two >"$CTX/app.py"
	kbuild --progress=plain -t c:1 "$CTX"
	assert_success
	[ "$(grep -c '^ ---> Using cache$' <<<"$output")" -eq 2 ] || fail "want the first two steps cached"
	assert_line ' ---> cache miss: COPY source app.py changed'
	assert_line ' ---> cache miss: parent image changed'
	assert_line 'second'
	run_image c:1
	assert_output two
	kbuild --no-cache -t c:1 "$CTX"
	assert_success
	refute_output --partial 'Using cache'
	no_containers
}

@test "kist-build: a --build-arg change misses where the arg is first used; unused args warned" {
	dockerfile 'FROM busybox:test' 'RUN echo before' 'ARG FLAVOR=plain' 'RUN echo before-use' \
		'RUN echo "flavor=$FLAVOR" >/flavor' 'CMD ["cat", "/flavor"]'
	kbuild -t a:1 --build-arg FLAVOR=sweet "$CTX"
	assert_success
	run_image a:1
	assert_output flavor=sweet
	kbuild -v -t a:1 --build-arg FLAVOR=sour --build-arg UNUSED=1 "$CTX"
	assert_success
	# RUN sees the ARGs in scope: the first RUN after ARG misses
	assert_line --index 3 ' ---> Using cache'
	assert_line ' ---> cache miss: build arg FLAVOR changed'
	assert_line '[Warning] One or more build-args [UNUSED] were not consumed'
	run_image a:1
	assert_output flavor=sour
	# the ARG is not in the image's environment
	run image_config a:1 '.config.Env'
	refute_output --partial FLAVOR
}

@test "kist-build: reproducible: two stores, the same Dockerfile and context give the same digest" {
	echo data >"$CTX/f"
	mkdir -p "$CTX/dir/sub" && echo x >"$CTX/dir/sub/y"
	dockerfile 'FROM busybox:test' 'RUN echo made >/made' 'COPY f dir /dst/' 'ENV A=b'
	kbuild -q "$CTX"
	assert_success
	local one=$output
	[[ $one =~ ^sha256:[0-9a-f]{64}$ ]] || fail "-q printed '$one'"
	# the same base image in a second store (import stamps its own time)
	local root1=$KIST_ROOT
	"$STORE" --root "$KIST_ROOT" save -o "$BATS_TEST_TMPDIR/base.tar" busybox:test
	export KIST_ROOT="$BATS_TEST_TMPDIR/root2"
	"$STORE" --root "$KIST_ROOT" load -i "$BATS_TEST_TMPDIR/base.tar" >/dev/null
	touch "$CTX/f" "$CTX/dir/sub/y"
	kbuild -q "$CTX"
	assert_success
	assert_equal "$output" "$one"
	run jq -r .created "$KIST_ROOT/oci/blobs/sha256/${one#sha256:}"
	assert_output 1970-01-01T00:00:00Z
	SOURCE_DATE_EPOCH=86400 run "$BUILD" -q --no-cache "$CTX"
	assert_success
	[ "$output" != "$one" ] || fail "SOURCE_DATE_EPOCH did not change the timestamps"
	run jq -r .created "$KIST_ROOT/oci/blobs/sha256/${output#sha256:}"
	assert_output 1970-01-02T00:00:00Z
	export KIST_ROOT=$root1
}
