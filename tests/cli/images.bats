#!/usr/bin/env bats
# kist's image verbs on a real store: images/image ls, tag, rmi, history,
# inspect, import, save/load, image prune, system df, info, version.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup() { cli_setup; }
teardown() { cli_teardown; }

@test "kist import: --change and -m, prints the id; docker's image spellings list it" {
	kist import -c 'CMD ["sh"]' -c 'ENV A=1' -c 'WORKDIR /w' -c 'LABEL com.example.version=0.1' \
		-m 'from busybox' "$(busybox_tar)" busybox:1
	assert_success
	assert_output --regexp '^sha256:[0-9a-f]{64}$'
	local id=${output#sha256:}
	kist images
	assert_success
	assert_line --index 0 --regexp '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$'
	assert_line --index 1 --regexp "^busybox +1 +${id:0:12} +(Less than a second|[0-9]+ seconds) ago +[0-9.]+MB$"
	kist image ls -q
	assert_output "${id:0:12}"
	kist image list --no-trunc -q
	assert_output "sha256:$id"
	kist inspect --format '{{json .Config.Cmd}} {{.Config.WorkingDir}} {{index .Config.Labels "com.example.version"}} {{.Comment}}' busybox:1
	assert_success
	assert_output '["sh"] /w 0.1 from busybox'
	kist image inspect -f '{{range .Config.Env}}{{.}};{{end}}' busybox:1
	assert_output --partial 'A=1;'
	# every instruction docker import takes
	kist import -c 'ENTRYPOINT ["/bin/busybox"]' -c 'CMD ["echo", "hi"]' -c 'ENV B=2 C="x y"' \
		-c 'EXPOSE 80/tcp 443' -c 'USER nobody' -c 'LABEL "com.example key"=v' -c 'WORKDIR /srv' \
		"$(busybox_tar)" all:1
	assert_success
	kist inspect --format '{{json .Config}}' all:1
	assert_success
	jq -e '.Entrypoint == ["/bin/busybox"] and .Cmd == ["echo","hi"] and .Env == ["B=2","C=x y"]
		and (.ExposedPorts | keys) == ["443/tcp","80/tcp"] and .User == "nobody"
		and .Labels["com.example key"] == "v" and .WorkingDir == "/srv"' <<<"$output"
	kist import -c 'RUN ls' "$(busybox_tar)" bad:1
	assert_failure 1
	assert_output "Error: change 'RUN ls': unsupported instruction 'RUN'"
	# without a name: untagged
	kist import "$(busybox_tar)"
	assert_success
	kist images -f dangling=true --format '{{.Repository}}:{{.Tag}}'
	assert_output '<none>:<none>'
}

@test "kist images: by repository, tag, filters, --format table and json" {
	kist_import busybox:1
	kist_import busybox:2
	kist_import other:1
	kist images busybox
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	kist image ls busybox:2 --format '{{.Repository}}:{{.Tag}}'
	assert_output 'busybox:2'
	kist image ls -f reference='busy*' -q
	[ "${#lines[@]}" -eq 2 ]
	kist images --format "table {{.ID}}\t{{.Repository}}\t{{.Tag}}" other
	assert_line --index 0 --regexp '^IMAGE ID +REPOSITORY +TAG$'
	assert_line --index 1 --regexp '^[0-9a-f]{12} +other +1$'
	kist images --format json other
	jq -e '.Repository == "other" and .Tag == "1"' <<<"$output"
	kist images --format '{{if eq .Tag "2"}}{{upper .Repository}}{{else}}no{{end}}' busybox:2
	assert_output 'BUSYBOX'
	kist images --format '{{if eq .Tag "2"}}{{upper .Repository}}{{else}}no{{end}}' busybox:1
	assert_output 'no'
}

@test "kist tag, rmi and image rm: Untagged/Deleted lines, short id, name" {
	kist_import busybox:1
	kist tag busybox:1 127.0.0.1:5000/team/myhello:v1
	assert_success
	kist images -q
	[ "${#lines[@]}" -eq 2 ]
	kist rmi 127.0.0.1:5000/team/myhello:v1
	assert_success
	assert_output 'Untagged: 127.0.0.1:5000/team/myhello:v1'
	local id
	id=$("$KIST" images -q busybox:1)
	kist image rm "${id:0:4}"
	assert_success
	assert_line --index 0 'Untagged: busybox:1'
	assert_line --regexp '^Deleted: sha256:[0-9a-f]{64}$'
	kist images -q
	assert_output ''
}

@test "kist history: docker's columns, -q, --format" {
	kist import -m 'first' "$(busybox_tar)" busybox:1
	kist history busybox:1
	assert_success
	assert_line --index 0 --regexp '^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$'
	assert_line --index 1 --regexp '^[0-9a-f]{12} +.* ago +kist-store import +[0-9.]+MB +first$'
	kist history -q busybox:1
	assert_output --regexp '^[0-9a-f]{12}$'
	kist image history --format '{{.Comment}}|{{.Size}}' busybox:1
	assert_output --regexp '^first\|[0-9.]+MB$'
}

@test "kist save and load: -o and -i, and through a pipe" {
	kist_import busybox:1
	kist save -o "$BATS_TEST_TMPDIR/bb.tar" busybox:1
	assert_success
	[ -s "$BATS_TEST_TMPDIR/bb.tar" ]
	tar -tf "$BATS_TEST_TMPDIR/bb.tar" | grep -q manifest.json
	"$KIST" rmi busybox:1
	kist load -i "$BATS_TEST_TMPDIR/bb.tar"
	assert_success
	assert_output --partial 'Loaded image: busybox:1'
	"$KIST" rmi busybox:1
	run bash -c '"$KIST" load <"$BATS_TEST_TMPDIR/bb.tar"'
	assert_success
	assert_output --partial 'Loaded image: busybox:1'
	kist images -q busybox:1
	assert_output --regexp '^[0-9a-f]{12}$'
}

@test "kist image prune: asks y/N, -f skips the question" {
	kist_import busybox:1
	"$KIST" import "$(busybox_tar)" >/dev/null
	run bash -c 'echo n | "$KIST" image prune'
	assert_success
	assert_output --partial 'WARNING! This will remove all dangling images.'
	assert_output --partial 'Are you sure you want to continue? [y/N]'
	refute_output --partial 'Total reclaimed space'
	kist images -q -a
	[ "${#lines[@]}" -eq 2 ]
	run bash -c 'echo y | "$KIST" image prune'
	assert_success
	assert_output --partial 'Deleted Images:'
	assert_output --partial 'Total reclaimed space:'
	kist images -q -a
	[ "${#lines[@]}" -eq 1 ]
	kist image prune -a -f
	assert_success
	assert_output --partial 'untagged: busybox:1'
	kist images -q -a
	assert_output ''
}

@test "kist system df, info and version" {
	kist_import busybox:1
	kist system df
	assert_success
	assert_line --index 0 --regexp '^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$'
	assert_line --index 1 --regexp '^Images +1 +0 +[0-9.]+MB +[0-9.]+MB \(100%\)$'
	kist info
	assert_success
	assert_line --regexp '^ Images: 1$'
	assert_line " Docker Root Dir: $KIST_ROOT"
	kist system info --format '{{.Images}} {{.DockerRootDir}}'
	assert_output "1 $KIST_ROOT"
	kist version
	assert_success
	assert_line --regexp '^ Version: +.+'
	kist --version
	assert_output --regexp '^kist version .+'
	kist version --format '{{.Client.Os}}'
	assert_output 'linux'
	kist -D images -q
	assert_success
	assert_output --regexp '^[0-9a-f]{12}$'
}

@test "kist links neither libcurl nor libarchive, and a listing is one exec" {
	run ldd "$KIST"
	assert_success
	refute_output --partial libcurl
	refute_output --partial libarchive
	# (LeakSanitizer cannot run under strace's ptrace)
	requires plain-build
	kist_import busybox:1
	run strace -f -qq -e trace=execve -o "$BATS_TEST_TMPDIR/trace" "$KIST" images
	assert_success
	run grep -c 'execve(' "$BATS_TEST_TMPDIR/trace"
	assert_output 2 # kist itself, then kist-store
}
