#!/usr/bin/env bats
# kist-build: every instruction's effect, checked in the image's config and
# by running the built image; multi-stage builds; kist build.
bats_require_minimum_version 1.5.0
load ../helpers
load build

setup() {
	build_setup
	import_base
}
teardown() { build_teardown; }

@test "kist-build: LABEL, MAINTAINER, EXPOSE, VOLUME, USER, STOPSIGNAL, SHELL, HEALTHCHECK, ONBUILD, ENTRYPOINT go to the config" {
	dockerfile 'FROM busybox:test' \
		'LABEL org.x=1 "two words"="v 2"' \
		'MAINTAINER someone' \
		'EXPOSE 80 53/udp' \
		'VOLUME /data' \
		'USER kist' \
		'STOPSIGNAL SIGINT' \
		'SHELL ["/bin/sh", "-ec"]' \
		'HEALTHCHECK --interval=5s --retries=2 CMD echo ok' \
		'ONBUILD RUN echo triggered >/tmp/trig' \
		'ENTRYPOINT ["/bin/echo", "ep"]'
	kbuild -t cfg:1 --label from.cli=yes "$CTX"
	assert_success
	run image_config cfg:1 '.config.Labels, .author, .config.ExposedPorts, .config.Volumes, .config.User, .config.StopSignal, .config.Shell, .config.Healthcheck, .config.OnBuild, .config.Entrypoint, .config.Cmd'
	assert_output '{"org.x":"1","two words":"v 2","from.cli":"yes"}
"someone"
{"80/tcp":{},"53/udp":{}}
{"/data":{}}
"kist"
"SIGINT"
["/bin/sh","-ec"]
{"Test":["CMD-SHELL","echo ok"],"Interval":5000000000,"Retries":2}
["RUN echo triggered >/tmp/trig"]
["/bin/echo","ep"]
null'
	# ENTRYPOINT dropped the base's CMD; the image runs as USER kist
	run_image cfg:1
	assert_output ep
	run_image cfg:1 '{"Entrypoint":["id","-u"],"Cmd":[]}'
	assert_output 1000
	# the trigger runs in a build FROM this image, and is not inherited
	dockerfile 'FROM cfg:1' 'USER root' 'RUN test -f /tmp/trig'
	kbuild -t child:1 "$CTX"
	assert_success
	assert_line '# Executing 1 build trigger'
	run image_config child:1 '.config.OnBuild'
	assert_output null
}

@test "kist-build: CMD and ENTRYPOINT shell and exec forms combine as docker's; only the last CMD counts" {
	dockerfile 'FROM busybox:test' 'CMD echo first' 'CMD echo "$0 shell"' 
	kbuild -t c:1 "$CTX"
	assert_success
	run image_config c:1 '.config.Cmd'
	assert_output '["/bin/sh","-c","echo \"$0 shell\""]'
	run_image c:1
	assert_output "/bin/sh shell"
	dockerfile 'FROM busybox:test' 'CMD ["world"]' 'ENTRYPOINT ["echo", "hello"]'
	kbuild -t c:2 "$CTX"
	run_image c:2
	assert_output "hello world"
	dockerfile 'FROM busybox:test' 'ENTRYPOINT echo from-shell'
	kbuild -t c:3 "$CTX"
	run image_config c:3 '.config.Entrypoint, .config.Cmd'
	assert_output '["/bin/sh","-c","echo from-shell"]
null'
}

@test "kist-build: FROM scratch, multi-stage COPY --from stage and image, unused stages skipped, --target" {
	echo a >"$CTX/a.txt"
	dockerfile 'ARG BASE=busybox:test' \
		'FROM ${BASE} AS build' \
		'RUN echo built >/out.txt' \
		'FROM busybox:test AS unused' \
		'RUN echo should-not-run' \
		'FROM scratch AS files' \
		'COPY a.txt /' \
		'FROM $BASE' \
		'COPY --from=build /out.txt /from-build.txt' \
		'COPY --from=files /a.txt /from-scratch.txt' \
		'COPY --from=busybox:test /etc/passwd /passwd-copy' \
		'CMD ["cat", "/from-build.txt", "/from-scratch.txt"]'
	kbuild -t ms:1 "$CTX"
	assert_success
	refute_output --partial should-not-run
	assert_line 'Step 1/9 : FROM ${BASE} AS build'
	run_image ms:1
	assert_output "built
a"
	run_image ms:1 '{"Cmd":["sh","-c","test -f /passwd-copy && ! test -e /out.txt && echo ok"]}'
	assert_output ok
	# the scratch stage alone: one layer, just the file
	kbuild -t files:1 --target files "$CTX"
	assert_success
	refute_output --partial 'RUN'
	run image_config files:1 '.rootfs.diff_ids | length'
	assert_output 1
	kbuild --target nosuch "$CTX"
	assert_failure
	assert_output --partial 'failed to reach build target nosuch in Dockerfile'
	no_containers
}

@test "kist-build: COPY wildcards, directories' contents, --chown/--chmod, trailing slash; ADD unpacks a tar.gz; RUN heredoc" {
	echo a >"$CTX/a.txt"
	echo b >"$CTX/b.txt"
	mkdir -p "$CTX/sub/deep" "$BATS_TEST_TMPDIR/tree/x"
	echo s >"$CTX/sub/deep/s"
	echo t >"$BATS_TEST_TMPDIR/tree/x/t"
	tar -czf "$CTX/arch.tar.gz" -C "$BATS_TEST_TMPDIR/tree" .
	dockerfile 'FROM busybox:test' \
		'COPY *.txt /glob/' \
		'COPY a.txt /renamed' \
		'COPY --chown=1000:100 --chmod=600 sub /subdir' \
		'ADD arch.tar.gz /unpacked/' \
		'RUN <<EOF' \
		'echo heredoc-ran >/heredoc' \
		'EOF'
	kbuild -t cp:1 "$CTX"
	assert_success
	run_image cp:1 '{"Cmd":["sh","-c","ls /glob; cat /renamed; stat -c \"%u:%g %a\" /subdir/deep/s; cat /unpacked/x/t /heredoc"]}'
	assert_output "a.txt
b.txt
a
1000:100 600
t
heredoc-ran"
}

@test "kist build: the kist verb runs kist-build with docker's flags" {
	dockerfile 'FROM busybox:test' 'RUN echo via-kist' 'CMD ["echo", "built"]'
	run "$KIST_BIN/kist" build -t viakist:1 "$CTX"
	assert_success
	assert_line via-kist
	assert_line 'Successfully tagged viakist:1'
	run_image viakist:1
	assert_output built
	run "$KIST_BIN/kist" image build --nope "$CTX"
	assert_failure 125
	assert_output --partial 'unknown flag: --nope'
}

@test "kist-build: intermediate images are listed by images -a and go with image prune once the result is removed" {
	dockerfile 'FROM busybox:test' 'ENV A=1' 'RUN echo x >/x' 'CMD ["sh"]'
	kbuild -t inter:1 "$CTX"
	assert_success
	run "$STORE" --root "$KIST_ROOT" ls -q
	assert_equal "${#lines[@]}" 2
	run "$STORE" --root "$KIST_ROOT" ls -a -q
	assert_equal "${#lines[@]}" 4
	run "$STORE" --root "$KIST_ROOT" prune -f
	refute_output --partial deleted
	run "$STORE" --root "$KIST_ROOT" rm inter:1
	assert_success
	run "$STORE" --root "$KIST_ROOT" prune -f
	assert_success
	run "$STORE" --root "$KIST_ROOT" ls -a --format '{{.Repository}}:{{.Tag}}'
	assert_output busybox:test
	# the cache entries point at images that are gone: the next build misses
	kbuild -t inter:1 "$CTX"
	assert_success
	refute_output --partial 'Using cache'
}

@test "kist-build: .dockerignore keeps files out of COPY and out of the cache key; ! exceptions" {
	mkdir -p "$CTX/logs" "$CTX/src"
	echo keep >"$CTX/src/main.c"
	echo noise >"$CTX/logs/a.log"
	echo important >"$CTX/logs/keep.log"
	echo tmp >"$CTX/src/x.tmp"
	printf '%s\n' 'logs' '!logs/keep.log' '**/*.tmp' >"$CTX/.dockerignore"
	dockerfile 'FROM busybox:test' 'COPY . /app/'
	kbuild -t ign:1 "$CTX"
	assert_success
	run_image ign:1 '{"Cmd":["sh","-c","cd /app && find . -type f | sort"]}'
	assert_output "./.dockerignore
./Dockerfile
./logs/keep.log
./src/main.c"
	echo more-noise >"$CTX/logs/b.log"
	echo changed >"$CTX/src/y.tmp"
	kbuild -t ign:1 "$CTX"
	assert_success
	assert_line --index 3 ' ---> Using cache'
}

@test "kist-build --output: an OCI layout, oci and docker archives, a bundle runc runs; --iidfile" {
	requires cmd:runc
	echo hi >"$CTX/f"
	dockerfile 'FROM busybox:test' 'COPY f /f' 'CMD ["cat", "/f"]'
	local o=$BATS_TEST_TMPDIR/out
	kbuild -q --iidfile "$o.iid" -o "type=oci,dest=$o/layout" -o "type=oci-archive,dest=$o/oci.tar" \
		-o "type=docker-archive,dest=$o/docker.tar" -o "type=bundle,dest=$o/bundle" "$CTX"
	assert_success
	assert_equal "$(cat "$o.iid")" "$output"
	run jq -r '.manifests | length' "$o/layout/index.json"
	assert_output 1
	run tar -tf "$o/docker.tar" manifest.json
	assert_success
	run tar -tf "$o/oci.tar" index.json
	assert_success
	run runc run --bundle "$o/bundle" "kist-bo-$$"
	assert_success
	assert_output hi
	# the mark of the build's own containers is not the bundle's
	run jq -r '.annotations["io.kist.build.owner"] // "none"' "$o/bundle/config.json"
	assert_output none
	no_containers
}
