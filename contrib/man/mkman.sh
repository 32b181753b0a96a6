#!/bin/sh
# contrib/man/mkman.sh PROGRAM [VERSION] > PROGRAM.1: a man page made from the
# program's own --help (and, for kist, every command's --help), so the page
# says what the build says.  Plain roff: .TH, .SH, and the help texts as
# literal blocks (backslashes, leading dots and quotes escaped).
set -eu
prog=$1
version=${2:-}
name=${prog##*/}

# roff_block: stdin as a literal block
roff_block() {
	printf '.nf\n'
	sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" -e 's/\t/    /g'
	printf '.fi\n'
}

summary() {
	case $name in
	kist) echo "docker's command line, daemonless, over the kist programs" ;;
	kist-runtime) echo "OCI runtime with runc's command line" ;;
	kist-shim) echo "per-container monitor: stdio, logs, exit record, restarts" ;;
	kist-store) echo "image and container store (OCI image layout, layers, bundles)" ;;
	kist-fetch) echo "registry client: pull, push, login" ;;
	kist-build) echo "build images from Dockerfiles" ;;
	kist-init) echo "minimal init for containers (kist run --init)" ;;
	*) echo "part of kist" ;;
	esac
}

help_of() {
	# kist-init's help goes to stderr; every other program's to stdout
	"$@" --help 2>&1 || true
}

printf '.TH %s 1 "" "kist %s" "kist manual"\n' "$(echo "$name" | tr '[:lower:]' '[:upper:]')" "$version"
printf '.SH NAME\n%s \\- %s\n' "$(echo "$name" | sed 's/-/\\-/g')" "$(summary)"
printf '.SH DESCRIPTION\n'
help_of "$prog" | roff_block
if [ "$name" = kist ]; then
	printf '.SH COMMANDS\n'
	for c in $("$prog" --help | awk '/^(Management )?Commands:/ { on = 1; next } /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }'); do
		printf '.SS kist %s\n' "$c"
		help_of "$prog" "$c" | roff_block
	done
fi
printf '.SH SEE ALSO\n'
for p in kist kist-runtime kist-shim kist-store kist-fetch kist-init; do
	[ "$p" = "$name" ] || printf '.BR %s (1)\n' "$p"
done
