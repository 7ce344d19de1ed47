# bash completion for imapblast(1); installed as
# share/bash-completion/completions/imapblast. The options come from
# `imapblast --help` (and `imapblast SUBCOMMAND --help`) at completion time,
# the --format names from `imapblast formats`, the --tz zones from
# /usr/share/zoneinfo, so nothing here needs updating when they change.

# _imapblast_opts CMD [SUB]: the long and short options --help lists
_imapblast_opts()
{
	local help
	if [[ -n $2 ]]; then
		help=$("$1" "$2" --help 2> /dev/null)
	fi
	[[ -n $help ]] || help=$("$1" --help 2> /dev/null)
	printf '%s\n' "$help" | grep -o -e '--[a-z][a-z0-9-]*' -e '^ *-[a-zA-Z]\b' | tr -d ' ' | sort -u
}

# _imapblast_zones: zone names, e.g. Europe/Berlin, UTC
_imapblast_zones()
{
	local dir=/usr/share/zoneinfo
	[[ -d $dir ]] || return 0
	(cd "$dir" && find . \( -type f -o -type l \) ! -name '*.*' ! -path './posix/*' ! -path './right/*' \
		-name '[A-Z]*' 2> /dev/null | sed 's|^\./||')
}

_imapblast()
{
	local cur prev cmd sub
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	cmd=${COMP_WORDS[0]}
	command -v "$cmd" > /dev/null 2>&1 || cmd=imapblast

	# the subcommand, when the first word after the command is one
	sub=
	if ((COMP_CWORD > 1)); then
		case ${COMP_WORDS[1]} in
		formats | rules | merge | events | help) sub=${COMP_WORDS[1]} ;;
		esac
	fi

	case $prev in
	--format)
		COMPREPLY=($(compgen -W "$("$cmd" formats 2> /dev/null | awk '{print $1}')" -- "$cur"))
		return 0
		;;
	--tz)
		COMPREPLY=($(compgen -W "$(_imapblast_zones)" -- "$cur"))
		return 0
		;;
	--format-out)
		local prefix=${cur%"${cur##*,}"}
		COMPREPLY=($(compgen -P "$prefix" -W "csv md json svg" -- "${cur##*,}"))
		compopt -o nospace 2> /dev/null
		return 0
		;;
	-o | --output)
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0
		;;
	--rules | --redact | --save-state)
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
		;;
	-j | --jobs | --year | --max-line | --bucket | --since | --until | --window | \
		--attack-users | --attack-min-users | --attack-ratio | --trusted-proxy | \
		--server-alias | --window-factor | --window-min-rate | --window-min-failures | \
		--window-gap | --cred-factor | --server-factor | --protocols | --user-of | --default-domain)
		return 0 # a value: nothing to offer
		;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_imapblast_opts "$cmd" "$sub")" -- "$cur"))
		return 0
	fi
	if [[ $COMP_CWORD -eq 1 ]]; then
		COMPREPLY=($(compgen -W "formats rules merge events help" -- "$cur") $(compgen -f -- "$cur"))
		return 0
	fi
	[[ $sub == formats ]] && return 0
	if [[ $sub == help ]]; then
		((COMP_CWORD == 2)) &&
			COMPREPLY=($(compgen -W "formats rules merge events method report" -- "$cur"))
		return 0
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
	return 0
} &&
	complete -F _imapblast -o filenames imapblast
