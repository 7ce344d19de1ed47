#!/bin/sh
# basic.sh BIN BUILD: the command line end to end: mixed inputs (plain,
# gzip, multi-member gzip, a corrupt gzip, a missing file), the counts in
# summary.json, and the exit codes 0, 1 and 2.
set -u
bin=$1
build=$2
dir=$build/e2e-basic
rm -rf "$dir"
mkdir -p "$dir/in/sub" "$dir/bad"
fail=0
check() { # name, condition command...
	name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
py=/usr/bin/python3

cat > "$dir/in/a.log" <<'LOG'
Jan 14 09:00:01 imap1 dovecot: imap-login: Login: user=<alice@example.com>, method=PLAIN, rip=192.0.2.10, lip=10.0.0.1, mpid=100, TLS, session=<AAAA>
Jan 14 09:00:02 imap1 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<bob@example.com>, method=PLAIN, rip=192.0.2.11, lip=10.0.0.1, TLS, session=<BBBB>
Jan 14 09:00:03 imap1 postfix/smtpd[123]: connect from unknown[192.0.2.99]
LOG
printf 'Jan 14 09:01:01 imap2 dovecot: imap-login: Login: user=<carol@example.com>, method=PLAIN, rip=192.0.2.12, lip=10.0.0.2, mpid=101, TLS, session=<CCCC>\n' > "$dir/in/sub/b.log"
# another session id: a copy of b.log would be read once (docs/method.md, "Repeated input")
sed 's/CCCC/DDDD/' "$dir/in/sub/b.log" | gzip -c > "$dir/in/sub/c.log.gz"
gzip -c "$dir/in/a.log" > "$dir/m1.gz"
gzip -c "$dir/in/sub/b.log" >> "$dir/m1.gz"
cp "$dir/m1.gz" "$dir/in/multi.gz"

"$bin" --year 2026 -q -o "$dir/r0" "$dir/in" > "$dir/out0" 2> "$dir/err0"
rc=$?
check "exit 0 on clean input" [ $rc -eq 0 ]
check "report written" [ -f "$dir/r0/summary.json" ]
if [ -f "$dir/r0/summary.json" ]; then
	check "4 files, 9 lines counted" $py - "$dir/r0/summary.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
def find(o, key):
    if isinstance(o, dict):
        if key in o: return o[key]
        for v in o.values():
            r = find(v, key)
            if r is not None: return r
    elif isinstance(o, list):
        for v in o:
            r = find(v, key)
            if r is not None: return r
    return None
files = find(j, "files")
assert files is not None and len(files) == 4, files
total = sum(f.get("lines", 0) for f in files)
assert total == 9, total
PY
fi

# a corrupt gzip among good files: exit 1, error names file and offset, good files kept
head -c 40 "$dir/m1.gz" > "$dir/bad/trunc.log.gz"
cp "$dir/in/a.log" "$dir/bad/good.log"
"$bin" --year 2026 -q -o "$dir/r1" "$dir/bad" "$dir/missing.log" > "$dir/out1" 2> "$dir/err1"
rc=$?
check "exit 1 on corrupt and missing input" [ $rc -eq 1 ]
check "error names the truncated file and offset" grep -q "trunc.log.gz.*truncated gzip member at byte" "$dir/err1"
check "error names the missing file" grep -q "cannot open '$dir/missing.log'" "$dir/err1"
check "report still written" [ -f "$dir/r1/summary.md" ]

"$bin" --no-such-option "$dir/in" > /dev/null 2> "$dir/err2"
check "exit 2 on unknown option" [ $? -eq 2 ]
check "message names the option" grep -q "no-such-option" "$dir/err2"
"$bin" --bucket 7x "$dir/in" > /dev/null 2> "$dir/err3"
check "exit 2 on bad value" [ $? -eq 2 ]
check "message names the option" grep -q -- "--bucket" "$dir/err3"
"$bin" > /dev/null 2>&1
check "exit 2 without input" [ $? -eq 2 ]

# stdin
"$bin" --year 2026 -q -o "$dir/r4" - < "$dir/m1.gz"
check "stdin (gzip) exit 0" [ $? -eq 0 ]

# an over-long line: skipped, counted, warned about, exit 1
printf 'short\n%070000d\nend\n' 0 > "$dir/long.log"
"$bin" -q -o "$dir/r8" "$dir/long.log" 2> "$dir/err8"
check "over-long line: exit 1" [ $? -eq 1 ]
check "over-long line: warning names the count and the option" grep -q "1 over-long lines skipped (longer than --max-line 65536)" "$dir/err8"

# imap2 logs lip=10.0.1.11, the proxy upstream: 10.0.1.11:143: joined without
# --server-alias (docs/method.md, "Server identity"); the option still works
top=$(cd "$(dirname "$0")/../.." && pwd)
"$bin" -q -o "$dir/r5" "$top/samples/incident"
check "sample: proxy upstream address joined with the backend that logs it" sh -c "! grep -q '10.0.1.11' '$dir/r5/affected-users.csv' && grep -q ',imap2,proxy;server,' '$dir/r5/affected-users.csv'"
"$bin" -q -o "$dir/r6" --server-alias 10.0.1.11=imap2 "$top/samples/incident"
check "--server-alias 10.0.1.11=imap2 merges it into imap2" sh -c "! grep -q '10.0.1.11' '$dir/r6/affected-users.csv' && grep -q ',imap2,proxy;server,' '$dir/r6/affected-users.csv'"
"$bin" -q -o "$dir/r7" --server-alias nonsense "$top/samples/incident" 2> "$dir/err7"
check "--server-alias without = is a usage error" [ $? -eq 2 ]
check "top failure signatures list no successes" sh -c "! sed -n '/Top failure/,/Timeline/p' '$dir/r5/summary.md' | grep -q '| ok |'"
exit $fail
