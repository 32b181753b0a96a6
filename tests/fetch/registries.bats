#!/usr/bin/env bats
# kist-fetch and registry configuration: TLS with a self-signed certificate
# (certs.d CA, insecure-registries) and registry-mirrors for docker.io,
# offline.  KIST_CONFIG and KIST_CERTS_D keep the tests out of /etc.
bats_require_minimum_version 1.5.0
load ../helpers
load fixtures

setup_file() {
	local d=$BATS_FILE_TMPDIR
	export SRC="$d/src"
	make_rootfs "$d/rootfs"
	export IMG
	IMG=$(make_image "$SRC" busybox "$d/rootfs")
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/tls.key" -out "$d/tls.crt" -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
	start_registry "$d/tls" --tls "$d/tls.crt" "$d/tls.key"
	export TLSREG="$REGISTRY"
	skopeo copy -q --dest-tls-verify=false "oci:$SRC:busybox" "docker://$TLSREG/lib/app:v1"
	start_registry "$d/mirror"
	export MIRROR="$REGISTRY"
	skopeo_push "$SRC" busybox "$MIRROR/library/busybox:latest"
	start_mtls_registry
}

# A registry that wants a client certificate signed by a CA of its own.
start_mtls_registry() {
	local d=$BATS_FILE_TMPDIR/mtls port
	mkdir -p "$d/data"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/cca.key" -out "$d/cca.crt" -days 2 \
		-subj /CN=kist-client-ca >/dev/null 2>&1
	openssl req -newkey rsa:2048 -nodes -keyout "$d/client.key" -out "$d/client.csr" \
		-subj /CN=kist-client >/dev/null 2>&1
	openssl x509 -req -in "$d/client.csr" -CA "$d/cca.crt" -CAkey "$d/cca.key" -CAcreateserial \
		-out "$d/client.cert" -days 2 >/dev/null 2>&1
	port=$(free_port)
	cat >"$d/config.yml" <<-YML
	version: 0.1
	log: {level: error, accesslog: {disabled: true}}
	storage: {filesystem: {rootdirectory: $d/data}}
	http:
	  addr: 127.0.0.1:$port
	  tls:
	    certificate: $BATS_FILE_TMPDIR/tls.crt
	    key: $BATS_FILE_TMPDIR/tls.key
	    clientcas: [$d/cca.crt]
	YML
	docker-registry serve "$d/config.yml" >"$d/registry.log" 2>&1 &
	echo $! >"$d/registry.pid"
	export MTLS="127.0.0.1:$port"
	retry 100 0.05 port_listens "$port"
}

teardown_file() { stop_helpers; }

setup() {
	export KIST_ROOT="$BATS_TEST_TMPDIR/root"
	export KIST_CONFIG="$BATS_TEST_TMPDIR/config.json"
	export KIST_CERTS_D="$BATS_TEST_TMPDIR/certs.d"
	export HOME="$BATS_TEST_TMPDIR/home"
}
teardown() { kist_cleanup; }

@test "fetch pull: a self-signed registry fails without its CA" {
	fetch pull "$TLSREG/lib/app:v1"
	assert_failure 1
	assert_output --partial "certificate verify failed"
	assert_output --partial "certs.d"
	[ "$(jq '.manifests | length' "$KIST_ROOT/oci/index.json")" -eq 0 ]
}

@test "fetch pull: works with the CA in certs.d/HOST:PORT/ca.crt" {
	mkdir -p "$KIST_CERTS_D/$TLSREG"
	cp "$BATS_FILE_TMPDIR/tls.crt" "$KIST_CERTS_D/$TLSREG/ca.crt"
	fetch pull "$TLSREG/lib/app:v1"
	assert_success
	assert_line "Digest: $IMG"
	fetch push "$TLSREG/lib/app:v1" "$TLSREG/lib/again:v1"
	assert_success
}

@test "fetch pull: works when listed in insecure-registries" {
	jq -n --arg r "$TLSREG" '{"insecure-registries": [$r]}' >"$KIST_CONFIG"
	fetch pull "$TLSREG/lib/app:v1"
	assert_success
	assert_line "Digest: $IMG"
}

@test "fetch pull: a broken config file is reported, naming it" {
	echo '{"registry-mirrors": "nope"' >"$KIST_CONFIG"
	fetch pull "$TLSREG/lib/app:v1"
	assert_failure 1
	assert_output --partial "$KIST_CONFIG"
}

@test "fetch pull busybox: served by a registry mirror, offline" {
	jq -n --arg m "http://$MIRROR" '{"registry-mirrors": [$m]}' >"$KIST_CONFIG"
	fetch pull busybox
	assert_success
	assert_line "Using default tag: latest"
	assert_line "latest: Pulling from library/busybox"
	assert_line "Digest: $IMG"
	assert_line "Status: Downloaded newer image for busybox:latest"
	assert_line "docker.io/library/busybox:latest"
	run -0 jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"], .manifests[0].digest' "$KIST_ROOT/oci/index.json"
	assert_output "$(printf 'docker.io/library/busybox:latest\n%s' "$IMG")"
	store_ok "$KIST_ROOT"
	# a dead mirror first is skipped
	jq -n --arg m "http://$MIRROR" --arg d "http://127.0.0.1:$(free_port)" '{"registry-mirrors": [$d, $m]}' >"$KIST_CONFIG"
	fetch pull docker.io/library/busybox:latest
	assert_success
	assert_line "Status: Image is up to date for busybox:latest"
}

@test "fetch pull: client certificate from certs.d for a registry that requires one" {
	local d=$BATS_FILE_TMPDIR/mtls
	mkdir -p "$KIST_CERTS_D/$MTLS"
	cp "$BATS_FILE_TMPDIR/tls.crt" "$KIST_CERTS_D/$MTLS/ca.crt"
	fetch push "oci:$SRC:busybox" "$MTLS/m/app:v1"
	assert_failure 1
	cp "$d/client.cert" "$d/client.key" "$KIST_CERTS_D/$MTLS/"
	fetch push "oci:$SRC:busybox" "$MTLS/m/app:v1"
	assert_success
	fetch pull "$MTLS/m/app:v1"
	assert_success
	assert_line "Digest: $IMG"
}
