#!/bin/sh
# install.sh BIN BUILD: `make install-files DESTDIR=... PREFIX=/usr` (what
# `make install` runs after building) puts the binary, the man page, the
# bash completion and the docs where Linux tools keep them, and they work
# from there: the binary runs, man renders the page, `man imapblast`
# finds it on a MANPATH.
set -u
build=$(cd "$2" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
d=$build/e2e-install
rm -rf "$d"
mkdir -p "$d"
fail=0
check() { # name, command...
	name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -C "$top" BUILD="$build" \
	DESTDIR="$d/root" PREFIX=/usr install-files > "$d/out" 2>&1
check "make install-files DESTDIR=... PREFIX=/usr" [ $? -eq 0 ]
r=$d/root/usr
check "bin/imapblast, mode 755" [ "$(stat -c %a "$r/bin/imapblast")" = 755 ]
check "installed binary runs" sh -c "'$r/bin/imapblast' --version | grep -q '^imapblast '"
check "share/man/man1/imapblast.1, mode 644" [ "$(stat -c %a "$r/share/man/man1/imapblast.1")" = 644 ]
check "share/bash-completion/completions/imapblast" bash -n "$r/share/bash-completion/completions/imapblast"
for f in README.md method.md report.md formats.md rules.md robustness.md summary-schema.json; do
	check "share/doc/imapblast/$f" [ -s "$r/share/doc/imapblast/$f" ]
done
check "nothing outside usr/" [ "$(ls "$d/root")" = usr ]
if command -v man > /dev/null 2>&1; then
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$r/share/man/man1/imapblast.1" > "$d/page.txt" 2> "$d/man.err"
	check "man -l on the installed page: renders, no warning" sh -c "[ -s '$d/page.txt' ] && [ ! -s '$d/man.err' ]"
	LC_ALL=C.UTF-8 MANWIDTH=80 MANPATH="$r/share/man" man imapblast > "$d/page2.txt" 2> /dev/null
	check "man imapblast finds it on MANPATH" grep -q '^NAME' "$d/page2.txt"
else
	echo "skip: man is not installed (make check installs man-db)"
fi
[ $fail -eq 0 ] || sed 's/^/     /' "$d/out"
[ $fail -eq 0 ] && rm -rf "$d"
exit $fail
