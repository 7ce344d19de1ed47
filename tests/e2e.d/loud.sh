#!/bin/sh
# loud.sh BIN BUILD: never silently wrong (docs/robustness.md). A file in
# no known format, and a file in a known format of which no line became an
# event, exit 1 and are named on stderr, on stdout and in summary.md with
# their first lines; login-looking lines in a wording no rule knows are
# shown by shape in summary.md and summary.json, redacted under --redact,
# and kept through save-state and merge.
set -u
bin=$1
build=$2
dir=$(cd "$build" && pwd)/e2e-loud
py=/usr/bin/python3
rm -rf "$dir"
mkdir -p "$dir"
fail=0
check() {
	name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
json() { # FILE EXPR
	$py -c 'import json, sys; j = json.load(open(sys.argv[1])); assert eval(sys.argv[2]), sys.argv[2]' "$@"
}

# ---- a file in no format ----
printf 'hello world\nfoo\tbar\n' > "$dir/notes.txt"
"$bin" -o "$dir/r1" "$dir/notes.txt" > "$dir/r1.out" 2> "$dir/r1.err"
check "unknown format: exit 1" [ $? -eq 1 ]
check "unknown format: named on stderr with its first line" \
	grep -q "notes.txt': no parser recognised its format; line 1: hello world" "$dir/r1.err"
check "unknown format: named on stdout" grep -q "^not understood:  '.*notes.txt'" "$dir/r1.out"
check "unknown format: summary.md names it with its first lines, escaped" \
	grep -q '^  - line 2: foo bar$' "$dir/r1/summary.md"
check "unknown format: summary.md says why" grep -q 'notes\\\.txt: no parser recognised its format (2 lines)' "$dir/r1/summary.md"
check "unknown format: summary.json status and samples" json "$dir/r1/summary.json" \
	'j["files"][0]["status"] == "unknown" and [s["line"] for s in j["files"][0]["samples"]] == [1, 2]'

# ---- a known format, skipped wholesale (>= 10 lines, no event) ----
# Dovecot's own wording for the end of a session (Dovecot 2.3 docs, "Logging")
i=0
: > "$dir/quiet.log"
while [ $i -lt 10 ]; do
	echo "Jan 14 09:00:0$((i % 10)) mx1 dovecot: imap(u$i@example.org)<12$i><abcdef$i>: Disconnected: Logged out in=120 out=2300" >> "$dir/quiet.log"
	i=$((i + 1))
done
"$bin" -q --year 2026 -o "$dir/r2" "$dir/quiet.log" 2> "$dir/r2.err"
check "skipped wholesale: exit 1" [ $? -eq 1 ]
check "skipped wholesale: named on stderr" \
	grep -q "quiet.log': read as syslog, but none of its 10 lines became an event" "$dir/r2.err"
check "skipped wholesale: summary.json status" json "$dir/r2/summary.json" 'j["files"][0]["status"] == "skipped"'
head -9 "$dir/quiet.log" > "$dir/short.log"
"$bin" -q --year 2026 -o "$dir/r3" "$dir/short.log" 2> "$dir/r3.err"
check "9 lines without an event: not wholesale, exit 0" [ $? -eq 0 ]
"$bin" -q --year 2026 --until 2020-01-01T00:00:00Z -o "$dir/r3c" \
	"$(dirname "$0")/../../samples/formats/courier.log" 2> "$dir/r3c.err"
check "events outside --since/--until are not a file skipped" [ $? -eq 0 ]

# ---- login lines in a wording no rule knows ----
# The frobnicator and frobd are made up on purpose: no rule may ever know them.
cat > "$dir/mixed.log" << 'LOG'
Jan 14 09:00:01 mx1 dovecot: imap-login: Login: user=<alice@example.org>, method=PLAIN, rip=192.0.2.10, lip=10.0.0.1, mpid=100, TLS, session=<AAAA>
Jan 14 09:00:02 mx1 dovecot: imap-login: Login vetoed by the frobnicator: user=<bob@example.org>, rip=192.0.2.11, lip=10.0.0.1, session=<BBBB>
Jan 14 09:00:03 mx1 dovecot: imap-login: Login vetoed by the frobnicator: user=<carol@example.org>, rip=192.0.2.12, lip=10.0.0.1, session=<CCCC>
Jan 14 09:00:04 mx1 frobd[77]: password check denied for dave from 192.0.2.13
Jan 14 09:00:05 mx1 cron[88]: (root) CMD (run-parts /etc/cron.hourly)
LOG
"$bin" --year 2026 -o "$dir/r4" --save-state "$dir/r4.state" "$dir/mixed.log" > "$dir/r4.out" 2> "$dir/r4.err"
check "unmatched login lines: exit 0 (the file was read)" [ $? -eq 0 ]
check "unmatched login lines: share on the data-quality line of stdout" \
	grep -q "login lines not taken: 3 of 4, 75.0%" "$dir/r4.out"
check "unmatched login lines: summary.md shows them" \
	grep -q '^\*\*Login-looking lines no parser or rule took: 3\*\* (75\.0% of 4 login lines)' "$dir/r4/summary.md"
check "unmatched login lines: summary.md shows the shape and a sample" \
	grep -q '^| .*Login vetoed by the frobnicator\\: user\\=\\<\\\*\\>, rip\\=\\\*.* | 2 | .*user\\=\\<bob@example\\.org\\>' "$dir/r4/summary.md"
check "unmatched login lines: summary.json per file and per shape" json "$dir/r4/summary.json" \
	'j["files"][0]["login_unmatched"] == 3 and j["unmatched_login"]["lines"] == 3 and [s["count"] for s in j["unmatched_login"]["shapes"]] == [2, 1] and j["unmatched_login"]["shapes"][1]["first_seen"].endswith("mixed.log:4")'
check "unmatched login lines: the cron line is no login line" json "$dir/r4/summary.json" \
	'j["unmatched_login"]["login_lines"] == 4'
"$bin" merge -q -o "$dir/r5" "$dir/r4.state" "$dir/r4.state" 2> "$dir/r5.err"
check "merge keeps them (twice the same state: counts double)" json "$dir/r5/summary.json" \
	'j["files"][0]["login_unmatched"] == 6 and j["unmatched_login"]["shapes"][0]["count"] == 4'
printf 'k3y-for-the-test-of-redact' > "$dir/key"
"$bin" -q --year 2026 --redact "$dir/key" -o "$dir/r6" "$dir/mixed.log" "$dir/notes.txt" 2> /dev/null
check "--redact: no user of those lines in summary.md or summary.json" \
	sh -c "! grep -E 'bob|carol|dave' '$dir/r6/summary.md' '$dir/r6/summary.json'"
check "--redact: the samples are shapes" grep -q 'password check denied for \\\* from \\#' "$dir/r6/summary.md"
exit $fail
