#!/bin/sh
# forced.sh BIN BUILD: `--format NAME` gives the same events as detection on
# every sample of samples/formats/ (and multilayer/). NAME is the detected
# format, or for a syslog file the message parser its name says it holds
# ("dovecot.log", "fetchmail-syslog.log"): a message parser forced by name
# reads the syslog file through the envelope, restricted to itself.
# Compared: every event of `rules --test -v` (category, signature, file,
# line, message) and the line accounting, and the per-user report.
set -u
bin=$1
build=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$build/e2e-forced
rm -rf "$dir"
mkdir -p "$dir"
fail=0
check() {
	what=$1
	shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
"$bin" formats > "$dir/formats"
n=0
for f in "$top"/samples/formats/*.* "$top"/samples/formats/multilayer/*.log; do
	b=$(basename "$f")
	"$bin" rules --year 2026 --test -v "$f" > "$dir/$b.det"
	det=$(sed -n '1s/.*: format //p' "$dir/$b.det")
	fmt=$det
	[ "$det" = syslog ] && fmt=$(echo "$b" | sed 's/[-.].*//')
	check "$b: $fmt is a format" grep -q "^$fmt " "$dir/formats"
	"$bin" rules --year 2026 --test -v --format "$fmt" "$f" > "$dir/$b.forced"
	check "$b: forced $fmt names it" grep -q ": format $fmt\$" "$dir/$b.forced"
	tail -n +2 "$dir/$b.det" > "$dir/$b.det.body"
	tail -n +2 "$dir/$b.forced" > "$dir/$b.forced.body"
	check "$b: --format $fmt gives the events of detection ($det)" \
		cmp "$dir/$b.det.body" "$dir/$b.forced.body"
	"$bin" -q --force --year 2026 --format-out csv -o "$dir/$b.rdet" "$f" >/dev/null 2>&1
	"$bin" -q --force --year 2026 --format-out csv -o "$dir/$b.rforced" --format "$fmt" "$f" >/dev/null 2>&1
	check "$b: same report files" diff -r "$dir/$b.rdet" "$dir/$b.rforced"
	n=$((n + 1))
done
check "every sample was compared" [ "$n" -ge 20 ]
exit $fail
