#!/bin/sh
# completion.sh BIN BUILD: docs/imapblast.bash is valid bash and completes
# options (from --help), subcommands, --format names (from `imapblast
# formats`) and --tz zones: sourced, its function called with COMP_WORDS set.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
top=$(cd "$(dirname "$0")/../.." && pwd)
script=$top/docs/imapblast.bash
if ! command -v bash > /dev/null 2>&1; then
	echo "skip: no bash"
	exit 0
fi
fail=0
check() { # name, command...
	name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
check "bash -n" bash -n "$script"
# comp WORDS...: what the completion offers for the last word, one a line
# (from /, where no file starts like a subcommand)
comp() {
	cd / && bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _imapblast
		printf "%s\n" "${COMPREPLY[@]}"' sh "$script" "$bin" "$@" 2>&1
}
check "registered for imapblast" bash -c ". '$script'; complete -p imapblast | grep -q _imapblast"
check "--form: --format and --format-out" [ "$(comp --form | tr '\n' ' ')" = "--format --format-out " ]
check "--save: --save-state" [ "$(comp --save)" = "--save-state" ]
check "first word: subcommands" [ "$(comp mer)" = "merge" ]
check "--format ng: nginx_mail" [ "$(comp --format ng)" = "nginx_mail" ]
check "--format: every parser" [ "$(comp --format '' | wc -l)" -eq "$("$bin" formats | wc -l)" ]
check "--format-out csv,j: csv,json" [ "$(comp --format-out csv,j)" = "csv,json" ]
if [ -f /usr/share/zoneinfo/Europe/Berlin ]; then
	check "--tz Europe/Ber: Europe/Berlin" [ "$(comp --tz Europe/Ber)" = "Europe/Berlin" ]
else
	echo "skip: no /usr/share/zoneinfo (tzdata)"
fi
check "rules --te: --test" [ "$(comp rules --te)" = "--test" ]
check "first word ev: events" [ "$(comp ev)" = "events" ]
check "events --pro: --protocols" [ "$(comp events --pro)" = "--protocols" ]
check "help ev: events" [ "$(comp help ev)" = "events" ]
exit $fail
