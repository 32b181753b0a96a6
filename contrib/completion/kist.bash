# bash completion for kist (installed as
# PREFIX/share/bash-completion/completions/kist).
#
# Commands and flags come from kist's own --help texts, container and image
# names from kist's own listings (kist ps, kist images), so the completion
# follows the kist it runs.
# shellcheck shell=bash

# _kist_commands [GROUP]: the command names of kist --help (or of a group)
_kist_commands() {
	"${_kist_bin:-kist}" "$@" --help 2>/dev/null |
		awk '/^(Management )?Commands:/ { on = 1; next } /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }'
}

# _kist_flags VERB...: the long and short flags of a verb's --help
_kist_flags() {
	"${_kist_bin:-kist}" "$@" --help 2>/dev/null |
		awk '/^Options:/ { on = 1; next } /^$/ { on = 0 }
			on { for (i = 1; i <= NF; i++) if ($i ~ /^-/) { f = $i; sub(/,$/, "", f); print f } }'
}

# _kist_flag_takes_value VERB... FLAG: does FLAG have a value in the help?
_kist_flag_takes_value() {
	local flag=${*: -1}
	"${_kist_bin:-kist}" "${@:1:$#-1}" --help 2>/dev/null |
		awk -v f="$flag" '/^Options:/ { on = 1; next } /^$/ { on = 0 }
			on { for (i = 1; i <= NF; i++) { g = $i; sub(/,$/, "", g)
				if (g == f && $(i + 1) ~ /^[a-z]+$/ && $(i + 1) != "Print") { found = 1 } } }
			END { exit !found }'
}

_kist_containers() {
	"${_kist_bin:-kist}" ps "$@" --format '{{.Names}}' 2>/dev/null
}

_kist_images() {
	"${_kist_bin:-kist}" images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null |
		grep -v '<none>'
}

_kist() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local i w verb="" group="" nargs=0
	local -a path=()
	_kist_bin=${COMP_WORDS[0]}

	# the command (and its group) typed so far, skipping global options
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ -z "$verb" ]; then
			case $w in
			--root) ((i++)) ;;
			-*) ;;
			container | image | system)
				if [ -z "$group" ]; then group=$w; else verb=$w; fi ;;
			*) verb=$w ;;
			esac
		elif [[ $w != -* ]]; then
			nargs=$((nargs + 1))
		fi
	done
	[ -n "$group" ] && path+=("$group")
	[ -n "$verb" ] && path+=("$verb")

	if [ -z "$verb" ]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_kist_flags "${path[@]}")" -- "$cur")
		elif [ "$prev" = --root ]; then
			mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$(_kist_commands "${path[@]}")" -- "$cur")
		fi
		return 0
	fi
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_kist_flags "${path[@]}")" -- "$cur")
		return 0
	fi
	# a flag's value: no names
	if [[ $prev == -* ]] && _kist_flag_takes_value "${path[@]}" "$prev"; then
		return 0
	fi
	local words
	case $group:$verb in
	image:ls | image:list | :images) return 0 ;;
	image:* | :rmi | :history | :tag | :save | :push)
		words=$(_kist_images) ;;
	*:run | *:create)
		# the image, then the command is the image's business
		[ "$nargs" -eq 0 ] || return 0
		words=$(_kist_images) ;;
	*:start | *:rm | *:remove | *:inspect | *:logs | *:wait | *:rename | *:commit | \
		*:export | *:diff | *:restart)
		[ "$verb" = rename ] && [ "$nargs" -gt 0 ] && return 0
		words=$(_kist_containers -a) ;;
	*:stop | *:kill | *:exec | *:attach | *:top | *:pause | *:unpause | *:stats)
		[ "$verb" = exec ] && [ "$nargs" -gt 0 ] && return 0
		words=$(_kist_containers) ;;
	*:cp)
		# CONTAINER: (no space after it), or a local path
		mapfile -t COMPREPLY < <(compgen -W "$(_kist_containers -a | sed 's/$/:/')" -- "$cur"
			compgen -f -- "$cur")
		compopt -o nospace 2>/dev/null
		return 0 ;;
	*) return 0 ;;
	esac
	mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
	return 0
}

complete -F _kist kist
