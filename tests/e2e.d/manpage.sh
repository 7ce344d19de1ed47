#!/bin/sh
# manpage.sh BIN BUILD: docs/imapblast.1 against the binary. Every long
# option that `imapblast --help` (or a subcommand's --help) prints is in the
# man page; every long option in the man page is in a --help or, at least,
# known to the binary (getopt does not call it unrecognized); the page has
# the sections a man page needs; man renders it without a warning.
set -u
bin=$1
build=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
page=$top/docs/imapblast.1
dir=$build/e2e-manpage
rm -rf "$dir"
mkdir -p "$dir"
fail=0
check() { # name, command...
	name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
longopts() { grep -o -e '--[a-z][a-z0-9-]*' | sort -u; }

{
	"$bin" --help
	for sub in formats rules merge events; do "$bin" "$sub" --help 2> /dev/null; done
} | longopts > "$dir/help"
"$bin" --help | longopts > "$dir/help-main"
# the roff source with its escapes undone: \- is a hyphen, \f? a font
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' "$page" | longopts > "$dir/man"

check "--help lists options" [ "$(wc -l < "$dir/help-main")" -gt 20 ]
comm -23 "$dir/help" "$dir/man" > "$dir/missing"
check "every --help option is in the man page" [ ! -s "$dir/missing" ]
[ -s "$dir/missing" ] && sed 's/^/     not in docs\/imapblast.1: /' "$dir/missing"
comm -13 "$dir/help" "$dir/man" > "$dir/extra"
: > "$dir/unknown"
while read -r opt; do
	"$bin" "$opt" > /dev/null 2> "$dir/err" < /dev/null
	grep -q -e "unrecognized option" -e "unknown option" "$dir/err" && echo "$opt" >> "$dir/unknown"
done < "$dir/extra"
check "every man page option is known to the binary" [ ! -s "$dir/unknown" ]
[ -s "$dir/unknown" ] && sed 's/^/     unknown to imapblast: /' "$dir/unknown"
for s in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS FILES "EXIT STATUS" ENVIRONMENT EXAMPLES "SEE ALSO"; do
	check "section $s" grep -q "^\\.SH \"*$s\"*\$" "$page"
done
for f in affected-users.csv excluded.csv summary.md summary.json timeline.svg; do
	check "FILES names $f" sh -c "sed 's/\\\\-/-/g' '$page' | grep -q '^\\.I $f'"
done

if command -v man > /dev/null 2>&1; then
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" > "$dir/page.txt" 2> "$dir/man.err"
	check "man -l renders it" [ -s "$dir/page.txt" ]
	check "man --warnings: no warning" [ ! -s "$dir/man.err" ]
	[ -s "$dir/man.err" ] && sed 's/^/     /' "$dir/man.err"
	check "rendered page has the EXIT STATUS" grep -q '^EXIT STATUS' "$dir/page.txt"
else
	echo "skip: man is not installed (make check installs man-db)"
fi
if command -v groff > /dev/null 2>&1; then
	groff -man -ww -z "$page" > "$dir/groff.err" 2>&1
	check "groff -ww: no warning" [ ! -s "$dir/groff.err" ]
	[ -s "$dir/groff.err" ] && sed 's/^/     /' "$dir/groff.err"
fi
exit $fail
