#!/usr/bin/env bats
# kist-fetch login/logout and authenticated pulls and pushes: htpasswd
# (Basic), token auth (Bearer, JWTs from tests/fetch/server.py), and docker
# credential helpers.
bats_require_minimum_version 1.5.0
load ../helpers
load fixtures

setup_file() {
	local d=$BATS_FILE_TMPDIR
	export SRC="$d/src"
	mkdir -p "$d/l/etc" && echo auth >"$d/l/etc/auth"
	export IMG
	IMG=$(make_image "$SRC" app "$d/l")
	# htpasswd registry
	htpasswd -Bbc "$d/htpasswd" kist s3cret >/dev/null 2>&1
	start_registry "$d/basic" --htpasswd "$d/htpasswd"
	export BASIC="$REGISTRY"
	# token registry: a key pair for the token server, its cert as the bundle
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/token.key" -out "$d/token.crt" \
		-days 2 -subj /CN=kist-token >/dev/null 2>&1
	export TOKEN_PORT
	TOKEN_PORT=$(free_port)
	start_helper token "$TOKEN_PORT" token "$TOKEN_PORT" "$d/token.key" "$d/token.crt" kist-issuer \
		"$d/token-requests" --user kist --password t0ken
	start_registry "$d/tokenreg" --token "http://127.0.0.1:$TOKEN_PORT/token" kist-registry kist-issuer "$d/token.crt"
	export TOKENREG="$REGISTRY"
}

teardown_file() { stop_helpers; }

setup() {
	export KIST_ROOT="$BATS_TEST_TMPDIR/root"
	export HOME="$BATS_TEST_TMPDIR/home"
	unset DOCKER_CONFIG
	mkdir -p "$HOME"
}
teardown() { kist_cleanup; }

@test "fetch login: wrong password is refused with 401, nothing saved" {
	fetch login -u kist -p wrong "$BASIC"
	assert_failure 1
	assert_output --partial "login attempt to http://$BASIC/v2/ failed with status: 401 Unauthorized"
	[ ! -e "$HOME/.docker/config.json" ]
}

@test "fetch pull: htpasswd registry without credentials says unauthorized" {
	fetch push "oci:$SRC:app" "$BASIC/a/app:v1"
	assert_failure 1
	assert_output --partial "unauthorized"
	fetch pull "$BASIC/a/app:v1"
	assert_failure 1
	assert_output --partial "unauthorized: authentication required"
}

@test "fetch login: htpasswd, saved 0600 in ~/.docker/config.json, push and pull, logout" {
	echo s3cret | "$FETCH" login -u kist --password-stdin "$BASIC"
	run -0 stat -c %a "$HOME/.docker/config.json"
	assert_output 600
	run -0 jq -r --arg h "$BASIC" '.auths[$h].auth' "$HOME/.docker/config.json"
	assert_output "$(printf 'kist:s3cret' | base64)"
	fetch push "oci:$SRC:app" "$BASIC/a/app:v1"
	assert_success
	fetch pull "$BASIC/a/app:v1"
	assert_success
	assert_line "Digest: $IMG"
	fetch logout "$BASIC"
	assert_success
	assert_output "Removing login credentials for $BASIC"
	run -0 jq -r --arg h "$BASIC" '.auths[$h]' "$HOME/.docker/config.json"
	assert_output null
	fetch pull "$BASIC/a/app:v1"
	assert_failure 1
}

@test "fetch login/logout: a symlinked config.json stays a link, its target is updated" {
	mkdir -p "$HOME/dotfiles" "$HOME/.docker"
	echo '{"auths": {}}' >"$HOME/dotfiles/docker.json"
	ln -s ../dotfiles/docker.json "$HOME/.docker/config.json"
	fetch login -u kist -p s3cret "$BASIC"
	assert_success
	[ -L "$HOME/.docker/config.json" ]
	run -0 jq -r --arg h "$BASIC" '.auths[$h].auth' "$HOME/dotfiles/docker.json"
	assert_output "$(printf 'kist:s3cret' | base64)"
	fetch logout "$BASIC"
	assert_success
	[ -L "$HOME/.docker/config.json" ]
	run -0 jq -r --arg h "$BASIC" '.auths[$h]' "$HOME/dotfiles/docker.json"
	assert_output null
}

@test "fetch login: bad arguments" {
	fetch login "$BASIC"
	assert_failure 2
	assert_output --partial "--username"
	fetch login -u kist -p x --password-stdin "$BASIC"
	assert_failure 2
	fetch logout "$BASIC"
	assert_success
	assert_output "Not logged in to $BASIC"
}

@test "fetch pull: credentials from a docker credential helper" {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cat >"$BATS_TEST_TMPDIR/bin/docker-credential-kisttest" <<-'SH'
	#!/bin/sh
	read -r server
	[ "$1" = get ] || exit 1
	echo "$server" >>"$HOME/helper.log"
	printf '{"ServerURL":"%s","Username":"kist","Secret":"s3cret"}\n' "$server"
	SH
	chmod +x "$BATS_TEST_TMPDIR/bin/docker-credential-kisttest"
	mkdir -p "$HOME/.docker"
	jq -n --arg h "$BASIC" '{credHelpers: {($h): "kisttest"}}' >"$HOME/.docker/config.json"
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" run "$FETCH" --root "$KIST_ROOT" push "oci:$SRC:app" "$BASIC/a/helper:v1"
	echo "$output" >&2
	assert_success
	grep -qx "$BASIC" "$HOME/helper.log"
}

@test "fetch: token auth, login checks the password, pull and push with Bearer tokens" {
	fetch pull "$TOKENREG/t/app:v1"
	assert_failure 1
	assert_output --partial "unauthorized"
	fetch login -u kist -p wrong "$TOKENREG"
	assert_failure 1
	assert_output --partial "unauthorized"
	fetch login -u kist -p t0ken "$TOKENREG"
	assert_success
	assert_line "Login Succeeded"
	fetch push "oci:$SRC:app" "$TOKENREG/t/app:v1"
	assert_success
	assert_line --partial "v1: digest: $IMG"
	fetch pull "$TOKENREG/t/app:v1"
	assert_success
	assert_line "Digest: $IMG"
	fetch tags "$TOKENREG/t/app"
	assert_success
	assert_output v1
	# the token server saw scoped requests from the logged-in user
	grep -q '^kist repository:t/app:pull,push$' "$BATS_FILE_TMPDIR/token-requests"
	grep -q '^kist repository:t/app:pull$' "$BATS_FILE_TMPDIR/token-requests"
}

@test "fetch login/logout: credsStore helper stores and erases, config.json keeps no secret" {
	mkdir -p "$BATS_TEST_TMPDIR/bin" "$HOME/.docker"
	cat >"$BATS_TEST_TMPDIR/bin/docker-credential-kiststore" <<-'SH'
	#!/bin/sh
	# a file-backed credential store: one JSON document per server
	store="$HOME/creds"
	mkdir -p "$store"
	case "$1" in
	store) cat >"$store/tmp" && key=$(jq -r .ServerURL "$store/tmp" | tr / _) && mv "$store/tmp" "$store/$key" ;;
	get) read -r s; key=$(printf %s "$s" | tr / _)
	     [ -f "$store/$key" ] || { echo "credentials not found in native keychain"; exit 1; }
	     jq -c '{ServerURL, Username, Secret}' "$store/$key" ;;
	erase) read -r s; rm "$store/$(printf %s "$s" | tr / _)" ;;
	*) exit 1 ;;
	esac
	SH
	chmod +x "$BATS_TEST_TMPDIR/bin/docker-credential-kiststore"
	echo '{"credsStore": "kiststore"}' >"$HOME/.docker/config.json"
	export PATH="$BATS_TEST_TMPDIR/bin:$PATH"
	echo s3cret | "$FETCH" login -u kist --password-stdin "$BASIC"
	run -0 jq -r --arg h "$BASIC" '.Secret' "$HOME/creds/$BASIC"
	assert_output s3cret
	! grep -q s3cret "$HOME/.docker/config.json"
	run -0 jq -c --arg h "$BASIC" '.auths[$h]' "$HOME/.docker/config.json"
	assert_output '{}'
	fetch push "oci:$SRC:app" "$BASIC/a/store:v1"
	assert_success
	fetch logout "$BASIC"
	assert_success
	[ ! -e "$HOME/creds/$BASIC" ]
	fetch pull "$BASIC/a/store:v1"
	assert_failure 1
	assert_output --partial unauthorized
}

@test "fetch pull: a Bearer token that expires mid-pull is fetched again on 401" {
	local d=$BATS_FILE_TMPDIR tp pp i dirs=() log=$BATS_FILE_TMPDIR/short-requests
	# six layers of 768 KiB behind a proxy sending 256 KiB/s per connection:
	# each layer takes at least 3 seconds, longer than a token lasts (2).
	# The token server announces 60 seconds, so only the registry's 401
	# tells the client that its token is gone.
	for i in 1 2 3 4 5 6; do
		rand_dir "$BATS_TEST_TMPDIR/s$i" 768
		dirs+=("$BATS_TEST_TMPDIR/s$i")
	done
	local img
	img=$(make_image "$BATS_TEST_TMPDIR/slow" slow "${dirs[@]}")
	tp=$(free_port)
	start_helper token-short "$tp" token "$tp" "$d/token.key" "$d/token.crt" kist-issuer \
		"$log" --lifetime 2 --expires-in 60
	start_registry "$d/shortreg" --token "http://127.0.0.1:$tp/token" kist-registry kist-issuer "$d/token.crt"
	local reg=$REGISTRY
	fetch copy -q "oci:$BATS_TEST_TMPDIR/slow:slow" "docker://$reg/t/slow:v1"
	assert_success
	pp=$(free_port)
	start_helper proxy-slow "$pp" proxy "$pp" "${reg#*:}" "$BATS_TEST_TMPDIR/requests" --rate 262144
	local before after
	before=$(wc -l <"$log")
	fetch pull -q "127.0.0.1:$pp/t/slow:v1"
	assert_success
	after=$(wc -l <"$log")
	run -0 jq -r '.manifests[0].digest' "$KIST_ROOT/oci/index.json"
	assert_output "$img"
	store_ok "$KIST_ROOT"
	# the one command asked for a token more than once ...
	echo "token requests during the pull: $((after - before))" >&2
	[ $((after - before)) -ge 2 ]
	# ... because a layer was refused (401) and asked for again
	run -0 bash -c "grep -ao 'GET /v2/t/slow/blobs/sha256:[0-9a-f]*' '$BATS_TEST_TMPDIR/requests' | sort | uniq -d"
	[ -n "$output" ]
	stop_helper proxy-slow
	stop_helper token-short
}

@test "fetch push: a Bearer token that expires mid-push is fetched again" {
	local d=$BATS_FILE_TMPDIR t=$BATS_TEST_TMPDIR tp pp img layer n size
	local log=$t/token-requests reqs=$t/requests
	# one layer of 1 MiB (random: gzip keeps its size) in 64 KiB chunks
	# through a proxy passing 128 KiB/s upstream: the upload takes at least
	# 8 seconds, and a token lives 3 (expires_in and issued_at say so)
	rand_dir "$t/big" 1024
	img=$(make_image "$t/lay" big "$t/big")
	layer=$(jq -r '.layers[0].digest' "$t/lay/blobs/sha256/${img#sha256:}")
	tp=$(free_port)
	start_helper token-push "$tp" token "$tp" "$d/token.key" "$d/token.crt" kist-issuer \
		"$log" --lifetime 3
	start_registry "$t/reg" --token "http://127.0.0.1:$tp/token" kist-registry kist-issuer "$d/token.crt"
	local reg=$REGISTRY
	pp=$(free_port)
	start_helper proxy-push "$pp" proxy "$pp" "${reg#*:}" "$reqs" --up-rate 131072
	KIST_FETCH_CHUNK_SIZE=65536 run "$FETCH" --root "$KIST_ROOT" push "oci:$t/lay:big" "127.0.0.1:$pp/t/big:v1"
	echo "$output" >&2
	stop_helper proxy-push
	assert_success
	assert_line "v1: digest: $img size: $(stat -c %s "$t/lay/blobs/sha256/${img#sha256:}")"
	n=$(wc -l <"$log")
	echo "token requests during the push: $n" >&2
	# the registry holds the layer and serves the manifest under its digest
	cmp "$(registry_blob_path "$t/reg" "$layer")" "$t/lay/blobs/sha256/${layer#sha256:}"
	run -0 skopeo inspect --raw --tls-verify=false "docker://$reg/t/big:v1"
	[ "sha256:$(printf %s "$output" | sha256sum | cut -d' ' -f1)" = "$img" ]
	# the layer went up in one request per 64 KiB (the last one the PUT) ...
	size=$(stat -c %s "$t/lay/blobs/sha256/${layer#sha256:}")
	[ "$(grep -ao 'PATCH /v2/t/big/blobs/uploads/' "$reqs" | wc -l)" -eq $(((size - 1) / 65536)) ]
	# ... during which new tokens were fetched before the old ones ran out
	# (a token is reused for 2.7 s at most; 8 s need three) ...
	[ "$n" -ge 3 ]
	# ... so the registry refused none: no chunk or closing PUT went twice
	run -0 bash -c "grep -ao 'Content-Range: [0-9]*-[0-9]*' '$reqs' | sort | uniq -d"
	assert_output ""
	run -0 bash -c "grep -ao 'PUT /v2/t/big/[^ ]*' '$reqs' | sort | uniq -d"
	assert_output ""
	stop_helper token-push
}
