#!/bin/sh
# adversarial.sh BIN BUILD: hostile input through the binary. Each case
# checks the exit code, that errors name file, offset and reason, that
# good lines before and after the bad spot are counted (summary.json), the
# accounting identity lines = events + ignored + unparseable + overlong
# per file and in total, and the report's safety (symlinks, foreign files,
# --redact, escaping). Files are made here; docs/robustness.md lists them.
set -u
bin=$1
build=$2
here=$(cd "$(dirname "$0")/../.." && pwd)
dir=$build/e2e-adversarial
rm -rf "$dir"
mkdir -p "$dir/in"
dir=$(cd "$dir" && pwd)
py=/usr/bin/python3
fail=0
check() { # name, command...
	name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
# run NAME ARGS...: imapblast -q --year 2026 -o $dir/r-NAME ARGS; sets rc, out in $dir/NAME.err
run() {
	n=$1
	shift
	"$bin" -q --year 2026 -o "$dir/r-$n" "$@" > "$dir/$n.out" 2> "$dir/$n.err"
	rc=$?
}
# counts NAME EXPR: evaluate a Python expression over the summary (j, files by basename f, totals t)
counts() {
	$py - "$dir/r-$1/summary.json" "$2" <<'PY'
import json, os, sys
j = json.load(open(sys.argv[1]))
f = {os.path.basename(x["path"]): x for x in j["files"]}
t = j["totals"]
for x in list(j["files"]) + [t]:
    assert x["lines"] == x["events"] + x["ignored"] + x["unparseable"] + x["overlong"], x
    assert x["accounted"] is True, x
assert eval(sys.argv[2]), (sys.argv[2], j["files"], j["errors"])
PY
}

ok='2026-01-14T09:00:01Z imap1 dovecot: imap-login: Login: user=<alice@example.com>, method=PLAIN, rip=192.0.2.10, lip=10.0.0.1, mpid=100, TLS, session=<AAAA>'
bad='2026-01-14T09:00:02Z imap1 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<bob@example.com>, method=PLAIN, rip=192.0.2.11, lip=10.0.0.1, TLS, session=<BBBB>'
at() { echo "$1 imap1 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<carol@example.com>, method=PLAIN, rip=192.0.2.12, lip=10.0.0.1, TLS"; }
good10() { for i in 1 2 3 4 5; do echo "$ok"; echo "$bad"; done; }

# ---- broken gzip among good files: a0 and z9 are read in full ----
g=$dir/in/gz
mkdir -p "$g"
good10 > "$g/a0-good.log"
# other session ids: identical files would be read once (docs/method.md, "Repeated input")
good10 | sed 's/AAAA/ZZZZ/' > "$g/z9-good.log"
good10 | gzip -c > "$dir/m.gz"
msize=$(wc -c < "$dir/m.gz")
{ cat "$dir/m.gz"; head -c $((msize / 2)) "$dir/m.gz"; } > "$g/b1-trunc.log.gz"
tsize=$(wc -c < "$g/b1-trunc.log.gz")
$py - "$dir/m.gz" "$g/b2-crc.log.gz" <<'PY'
import sys
m = bytearray(open(sys.argv[1], "rb").read())
bad = bytearray(m)
bad[-8] ^= 0x55
open(sys.argv[2], "wb").write(bytes(m + bad + m))
PY
{ cat "$dir/m.gz"; echo "trailing garbage"; good10; } > "$g/b3-garbage.log.gz"
{ cat "$dir/m.gz"; printf '' | gzip -c; cat "$dir/m.gz"; } > "$g/b4-emptymember.log.gz"
: > "$g/b5-empty.gz"
good10 | sed 's/AAAA/NNNN/' > "$g/b6-notgzip.gz"
run gz "$g"
check "broken gzip: exit 1" [ $rc -eq 1 ]
check "truncated: file, offset, reason" grep -q "b1-trunc.log.gz': truncated gzip member at byte $tsize" "$dir/gz.err"
check "bad CRC: file and reason" grep -q "b2-crc.log.gz': bad gzip CRC.* at byte [0-9]" "$dir/gz.err"
check "garbage: file, offset, reason" grep -q "b3-garbage.log.gz': garbage after gzip member at byte $msize" "$dir/gz.err"
check "broken gzip: every good line counted" counts gz \
	'f["a0-good.log"]["events"] == 10 and f["z9-good.log"]["events"] == 10 and f["b1-trunc.log.gz"]["lines"] >= 10 and f["b2-crc.log.gz"]["lines"] == 20 and f["b3-garbage.log.gz"]["lines"] == 10 and f["b4-emptymember.log.gz"]["events"] == 20 and f["b5-empty.gz"]["lines"] == 0 and f["b6-notgzip.gz"]["events"] == 10 and len(j["errors"]) == 3 and all(e["offset"] > 0 for e in j["errors"])'

# ---- gzip bomb: ~1 MB of gzip to 1 GiB of zeros, at flat memory ----
$py - "$dir/bomb.gz" <<'PY'
import sys, zlib
c = zlib.compressobj(9, zlib.DEFLATED, 31)
member = c.compress(bytes(1 << 20)) + c.flush()
with open(sys.argv[1], "wb") as f:
    for _ in range(1024):
        f.write(member)
PY
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f %M -o "$dir/bomb.rss" "$bin" -q -o "$dir/r-bomb" "$dir/bomb.gz" > /dev/null 2> "$dir/bomb.err"
	rc=$?
	rss=$(tail -1 "$dir/bomb.rss")
	check "gzip bomb: exit 1 (one over-long line)" [ $rc -eq 1 ]
	check "gzip bomb: peak RSS $rss kB < 100 MB" [ "$rss" -lt 102400 ]
else
	run bomb "$dir/bomb.gz"
	check "gzip bomb: exit 1 (one over-long line)" [ $rc -eq 1 ]
fi
check "gzip bomb: 1 GiB inflated, one over-long line" counts bomb \
	'f["bomb.gz"]["bytes_out"] == 1 << 30 and f["bomb.gz"]["lines"] == 1 and f["bomb.gz"]["overlong"] == 1'
rm -f "$dir/bomb.gz"

# ---- odd lines: 100 MB without newline, NUL, invalid UTF-8, CR-only, 64 KiB user ----
o=$dir/in/odd
mkdir -p "$o"
{ good10; head -c 100000000 /dev/zero | tr '\0' A; echo; good10; } > "$o/huge.log"
{ good10; printf '\0\0%s\n' "$ok"; printf '2026-01-14T09:00:03Z imap1 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<da\0ve>, rip=192.0.2.13\n'; good10; } > "$o/nul.log"
{ good10; printf '2026-01-14T09:00:05Z imap1 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<\377\376\300\257\355\240\200>, rip=192.0.2.14\n'; good10; } > "$o/utf8.log"
printf '%s\r%s\r%s\r' "$ok" "$bad" "$ok" > "$o/cr.log"
{ good10; printf '2026-01-14T09:00:03Z imap1 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<'; head -c 65536 /dev/zero | tr '\0' u; echo '>, rip=192.0.2.15'; good10; } > "$o/user64k.log"
run odd "$o"
check "odd lines: exit 1 (over-long lines)" [ $rc -eq 1 ]
check "odd lines: counts before and after each bad spot" counts odd \
	'f["huge.log"]["events"] == 20 and f["huge.log"]["overlong"] == 1 and f["nul.log"]["events"] == 21 and f["nul.log"]["unparseable"] == 1 and f["utf8.log"]["events"] == 21 and f["cr.log"]["lines"] == 1 and f["user64k.log"]["events"] == 20 and f["user64k.log"]["overlong"] == 1'
rm -f "$o/huge.log"
run odd-big --max-line 1048576 "$o/user64k.log"
check "64 KiB user with --max-line 1M: exit 0, 21 events" [ $rc -eq 0 ]
check "64 KiB user with --max-line 1M: counted" counts odd-big 'f["user64k.log"]["events"] == 21'

# ---- timestamps ----
t=$dir/in/ts
mkdir -p "$t"
{ at 2026-01-14T09:05:00Z; at 2026-01-14T09:00:00Z; at 2026-01-14T09:03:00Z; } > "$t/order.log"
{ good10; at 2099-12-31T23:59:59Z; } > "$t/future.log"
{ at 1970-01-01T00:00:00Z; at 1970-01-01T00:00:01Z; } > "$t/epoch.log"
{ at 2038-01-19T03:14:07Z; at 2038-01-19T03:14:08Z; } > "$t/y2038.log"
{ good10; at 2026-02-30T09:00:00Z; good10; } > "$t/feb30.log"
for c in order epoch y2038 feb30; do
	run "ts-$c" "$t/$c.log"
	check "timestamps $c: exit 0" [ $rc -eq 0 ]
done
check "out of order: 3 events" counts ts-order 't["events"] == 3'
check "1970: 2 events" counts ts-epoch 't["events"] == 2'
check "2038: 2 events" counts ts-y2038 't["events"] == 2'
check "Feb 30: unparseable, 20 good lines around it" counts ts-feb30 't["events"] == 20 and t["unparseable"] == 1'
# events decades apart: the analysis keeps the buckets around the median and leaves the far
# ones out, with a warning and a line in summary.md; the file accounting still counts them
run ts-future "$t/future.log"
check "2026 + 2099: exit 1" [ $rc -eq 1 ]
check "2026 + 2099: warning names the left-out event" grep -q "1 events left out" "$dir/ts-future.err"
check "2026 + 2099: 11 events read, 10 analysed, range in 2026" counts ts-future \
	't["events"] == 11 and j["headline"]["events"] == 10 and j["range"]["end"].startswith("2026-")'
check "2026 + 2099: summary.md lists it" grep -q "Events left out.*| 1 |" "$dir/r-ts-future/summary.md"
run ts-future2 --until 2030-01-01 "$t/future.log"
check "2026 + 2099 with --until: exit 0, future line ignored" [ $rc -eq 0 ]
check "2026 + 2099 with --until: counted" counts ts-future2 't["events"] == 10 and t["ignored"] == 1'

# ---- files that are not plain files ----
good10 > "$dir/in/good.log"
run missing "$dir/in/good.log" "$dir/in/no-such.log"
check "missing file: exit 1" [ $rc -eq 1 ]
check "missing file: named with reason" grep -q "cannot open '$dir/in/no-such.log': No such file or directory" "$dir/missing.err"
check "missing file: good file counted" counts missing 'f["good.log"]["events"] == 10'

good10 > "$dir/noread.log"
chmod 000 "$dir/noread.log"
if [ "$(id -u)" != 0 ]; then
	run noread "$dir/noread.log"
	check "unreadable file: exit 1" [ $rc -eq 1 ]
	check "unreadable file: Permission denied" grep -q "noread.log': Permission denied" "$dir/noread.err"
elif command -v setpriv > /dev/null 2>&1 && setpriv --reuid=65534 --regid=65534 --clear-groups true 2> /dev/null; then
	# nobody may not enter the clone (a 0700 /root or home): the probe runs
	# from a copy of the binary and the input in a folder nobody can reach
	nb=$(mktemp -d /tmp/ib-nobody.XXXXXX)
	chmod 755 "$nb"
	cp "$bin" "$nb/imapblast"
	cp "$dir/noread.log" "$nb/noread.log"
	chmod 000 "$nb/noread.log"
	mkdir "$nb/out"
	chmod 777 "$nb/out"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$nb/imapblast" -q -o "$nb/out/r" "$nb/noread.log" \
		> /dev/null 2> "$dir/noread.err"
	rc=$?
	rm -rf "$nb"
	check "unreadable file (as nobody): exit 1" [ $rc -eq 1 ]
	check "unreadable file: Permission denied" grep -q "noread.log': Permission denied" "$dir/noread.err"
else
	echo "skip: unreadable file (root, cannot drop privileges)"
fi

l=$dir/in/loop
mkdir -p "$l/sub"
good10 > "$l/sub/a.log"
ln -s .. "$l/sub/up"
ln -s self "$l/self"
run loop "$l"
check "symlink loops: exit 1" [ $rc -eq 1 ]
check "symlink loops: both named" sh -c "grep -q 'loop at .*sub/up' '$dir/loop.err' && grep -q 'loop at .*self' '$dir/loop.err'"
check "symlink loops: a.log read once" counts loop 'len(j["files"]) == 1 and t["events"] == 10'

mkfifo "$dir/fifo"
( sleep 0.3; good10; good10 ) > "$dir/fifo" &
run fifo "$dir/fifo"
wait
check "FIFO: exit 0" [ $rc -eq 0 ]
check "FIFO: 20 events" counts fifo 't["events"] == 20'

head -c 50M /dev/zero | "$bin" -q -o "$dir/r-zero" - > /dev/null 2> "$dir/zero.err"
rc=$?
check "/dev/zero capped at 50 MiB: exit 1 (over-long)" [ $rc -eq 1 ]
check "/dev/zero capped: one over-long line" counts zero 't["bytes_in"] == 50 << 20 and t["lines"] == 1 and t["overlong"] == 1'
run zero-max --max-line 256 - < /dev/null
check "empty stdin: exit 0" [ $rc -eq 0 ]

# ---- accounting identity on every sample ----
if [ -n "$(ls -A "$here/samples" 2> /dev/null)" ]; then
	run samples --bucket 1h "$here/samples" # samples span years: 5-minute buckets would be too many
	# the READMEs and the truth lists are no logs, and offlineimap.log has no
	# timestamps (its events need ts(1)): each is named, and the exit is 1
	check "samples: exit 1, the files not understood are named" [ $rc -eq 1 ]
	check "samples: identity per file and in total" counts samples 'len(j["files"]) > 0'
	check "samples: exactly the non-logs and offlineimap.log are not understood" counts samples \
		'sorted(k for k, x in f.items() if x["status"] != "read") == sorted(["README.md", "offlineimap.log", "affected-users.txt", "attackers.txt", "servers.txt", "typo-users.txt", "window.txt"])'
	check "samples: every log is read" counts samples \
		'all(x["status"] == "read" for k, x in f.items() if k.endswith((".log", ".gz", ".csv", ".json")) and k != "offlineimap.log")'
else
	echo "skip: samples/ is empty"
fi

# ---- report safety ----
good10 > "$dir/s.log"
mkdir -p "$dir/outside"
ln -s "$dir/outside" "$dir/outlink"
"$bin" -q -o "$dir/outlink" "$dir/s.log" > /dev/null 2> "$dir/sec1.err"
rc=$?
check "out dir is a symlink: refused (exit 2)" [ $rc -eq 2 ]
check "out dir is a symlink: nothing written through it" [ -z "$(ls -A "$dir/outside")" ]
mkdir -p "$dir/planted"
echo precious > "$dir/victim"
ln -s "$dir/victim" "$dir/planted/summary.md"
"$bin" -q -o "$dir/planted" "$dir/s.log" > /dev/null 2>&1
check "planted summary.md symlink: refused" [ $? -ne 0 ]
"$bin" -q --force -o "$dir/planted" "$dir/s.log" > /dev/null 2>&1
check "planted symlink, even with --force: target untouched" [ "$(cat "$dir/victim")" = precious ]
mkdir -p "$dir/foreign"
echo "my notes" > "$dir/foreign/summary.md"
"$bin" -q -o "$dir/foreign" "$dir/s.log" > /dev/null 2> "$dir/sec3.err"
rc=$?
check "foreign summary.md: refused (exit 2)" [ $rc -eq 2 ]
check "foreign summary.md: kept" [ "$(cat "$dir/foreign/summary.md")" = "my notes" ]
"$bin" -q --force -o "$dir/foreign" "$dir/s.log" > /dev/null 2>&1
check "foreign summary.md with --force: replaced" grep -q imapblast "$dir/foreign/summary.md"
"$bin" -q -o "$dir/foreign" "$dir/s.log" > /dev/null 2>&1
check "own report: rewritten without --force" [ $? -eq 0 ]
"$bin" -q --redact "0123456789abcdef0123456789abcdef" -o "$dir/r-redact0" "$dir/s.log" > /dev/null 2> "$dir/sec4.err"
check "--redact takes a key file, not a literal key (exit 2)" [ $? -eq 2 ]
check "--redact: the key is not echoed" sh -c "! grep -q 0123456789abcdef '$dir/sec4.err' || grep -q \"key file '0123456789abcdef\" '$dir/sec4.err'"
printf 'a-secret-key-of-32-bytes-or-so!!\n' > "$dir/key"
"$bin" -q --redact "$dir/key" -o "$dir/r-redact" "$dir/s.log" > /dev/null 2>&1
check "--redact KEYFILE: exit 0" [ $? -eq 0 ]
check "--redact: no user name in md, json, svg" sh -c "! grep -l 'bob@example.com' '$dir/r-redact/summary.md' '$dir/r-redact/summary.json' '$dir/r-redact/timeline.svg'"

# escaping against the roundcube corpus' injection lines
rc_corpus=$here/../shared/corpus/fail2ban/roundcube-auth
if [ -f "$rc_corpus" ]; then
	"$bin" -q --year 2026 --bucket 1h -o "$dir/r-rc" "$rc_corpus" > /dev/null 2>&1
	rc=$?
	check "roundcube corpus: exit 0 or 1" [ $rc -le 1 ]
	check "roundcube corpus: CSVs parse back, same width per row" $py - "$dir/r-rc" <<'PY'
import csv, os, sys
for name in ("affected-users.csv", "excluded.csv"):
    p = os.path.join(sys.argv[1], name)
    rows = list(csv.reader(open(p, newline="", encoding="utf-8", errors="strict")))
    assert rows, name
    w = len(rows[0])
    for r in rows:
        assert len(r) == w, (name, r)
        for cell in r:
            assert not cell.startswith(("=", "+", "-", "@")) or cell.startswith("-") and cell[1:].replace(".", "").isdigit(), (name, cell)
PY
	check "roundcube corpus: summary.md tables keep their columns" $py - "$dir/r-rc/summary.md" <<'PY'
import re, sys
width = None
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if not line.startswith("|"):
        width = None
        continue
    cells = len(re.findall(r"(?<!\\)\|", line))
    if width is None:
        width = cells
    assert cells == width, line
PY
else
	echo "skip: roundcube corpus absent"
fi

rm -rf "$dir/in/odd" "$dir/r-bomb"
exit $fail
