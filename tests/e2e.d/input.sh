#!/bin/sh
# input.sh BIN BUILD: the input-side options of issue 15 on small inputs
# built from the samples (their line shapes; see each sample's source):
# --tz GLOB=ZONE per file, --user-of and --default-domain.
set -u
bin=$1
build=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$build/e2e-input
rm -rf "$dir"
mkdir -p "$dir/in"
fail=0
check() {
	name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
ml=$top/samples/formats/multilayer
win=2026-01-14T07:00:00Z..2026-01-14T10:00:00Z

# --- 7. time zones per file: the nginx proxy logs Berlin time (CET, UTC+1)
cp "$ml/nginx-mail.log" "$ml/dovecot-syslog.log" "$dir/in/"
"$bin" -q --year 2026 --window $win --tz 'nginx-*=Europe/Berlin' -o "$dir/tz" "$dir/in"
check "tz rule: exit 0" [ $? -eq 0 ]
check "tz rule: the proxy's failure at 08:01:03Z, the server's at 09:01:03Z" /usr/bin/python3 - "$dir/tz/summary.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
b = {x["start"]: sum(x["failures"].values()) for x in j["buckets"]}
assert b["2026-01-14T08:00:00Z"] == 1, b   # nginx, read in Europe/Berlin
assert b["2026-01-14T09:00:00Z"] == 2, b   # dovecot (2 lines), read in UTC
PY
check "tz rule: summary.md says which zone each file was read in" \
	sh -c "grep -qF 'nginx\-mail\.log | Europe/Berlin |' '$dir/tz/summary.md' &&
	       grep -qF 'dovecot\-syslog\.log | UTC |' '$dir/tz/summary.md'"
"$bin" -q --year 2026 --window $win --tz Europe/Berlin --tz "$dir/in/dovecot-*=UTC" -o "$dir/tz2" "$dir/in"
check "tz default + rule on the full path: same result" \
	cmp -s "$dir/tz/summary.json" "$dir/tz2/summary.json"
"$bin" -q --year 2026 --window $win -o "$dir/tz0" "$dir/in"
check "no rule: no zone table" sh -c "! grep -q 'read in these zones' '$dir/tz0/summary.md'"
"$bin" -q --tz '=UTC' -o "$dir/bad" "$dir/in" 2>"$dir/err"
check "tz: '=UTC' refused with exit 2" [ $? -eq 2 ]
"$bin" -q --tz 'x=Mars/Olympus' -o "$dir/bad" "$dir/in" 2>"$dir/err"
check "tz: unknown zone in a rule refused" grep -q "unknown time zone 'Mars/Olympus'" "$dir/err"

# --- 8. users a log does not name: a Thunderbird MOZ_LOG (shape of
# samples/formats/thunderbird-moz.log) names no user; Dovecot logs a bare name
mkdir -p "$dir/u"
cat > "$dir/u/tb-ws9.log" <<'LOG'
2026-01-14 09:01:02.412987 UTC - [Parent 4242: IMAP]: I/IMAP 0x7f3a1c0:mail.example.org:NA:CreateNewLineFromSocket: 3 NO [UNAVAILABLE] Temporary authentication failure.
2026-01-14 09:11:02.413100 UTC - [Parent 4242: IMAP]: I/IMAP 0x7f3a2d0:mail.example.org:A:CreateNewLineFromSocket: 3 OK AUTHENTICATE completed.
LOG
cat > "$dir/u/dovecot-mx2.log" <<'LOG'
Jan 14 09:02:03 mx2 dovecot: imap-login: Disconnected (auth service reported temporary failure): user=<bob>, method=PLAIN, rip=203.0.113.52, lip=10.0.0.22, session=<kQx3RvY8PLSkXGoA>
Jan 14 09:12:02 mx2 dovecot: imap-login: Login: user=<bob>, method=PLAIN, rip=203.0.113.52, lip=10.0.0.22, mpid=31023, session=<pZw4RvY8PLSkXGoB>
LOG
echo 'tb-*=erin' > "$dir/users.map"
w2=2026-01-14T09:00:00Z..2026-01-14T09:10:00Z
"$bin" -q --year 2026 --window $w2 -o "$dir/u0" "$dir/u"
check "without options: only bob, bare" sh -c "cut -d, -f1 '$dir/u0/affected-users.csv' | tail -n +2 | tr -d '\r' | tr '\n' ' ' | grep -qx 'bob '"
"$bin" -q --year 2026 --window $w2 --user-of 'tb-*=erin' --default-domain example.org -o "$dir/u1" "$dir/u"
check "--user-of and --default-domain: bob@ and erin@example.org" \
	sh -c "cut -d, -f1 '$dir/u1/affected-users.csv' | tail -n +2 | tr -d '\r' | tr '\n' ' ' | grep -qx 'bob@example.org erin@example.org '"
check "erin's failure is the Thunderbird line" grep -q "^erin@example.org,2026-01-14T09:01:02Z,.*,client,temporary,.*tb-ws9.log:1.\$" "$dir/u1/affected-users.csv"
"$bin" -q --year 2026 --window $w2 --user-of "@$dir/users.map" --default-domain example.org -o "$dir/u2" "$dir/u"
check "--user-of @FILE: the same" cmp -s "$dir/u1/affected-users.csv" "$dir/u2/affected-users.csv"
printf 'no equals sign\n' > "$dir/bad.map"
"$bin" -q --user-of "@$dir/bad.map" -o "$dir/bad" "$dir/u" 2>"$dir/err"
check "--user-of @FILE: a bad line refused with exit 2" [ $? -eq 2 ]
check "... and file:line" grep -q 'bad.map:1: bad line' "$dir/err"
"$bin" -q --default-domain 'a@b' -o "$dir/bad" "$dir/u" 2>"$dir/err"
check "--default-domain with '@' refused" [ $? -eq 2 ]

# --- 6. server identity: a backend logs lip=, the proxy upstream: ADDR:port
# (line shapes of samples/formats/multilayer/, nginx ngx_mail_proxy_module.c)
"$bin" -q --year 2026 --window 2026-01-14T09:00:00Z..2026-01-14T09:05:00Z -o "$dir/join" "$ml"
check "join: the proxy's 10.0.0.22:143 is mx2" grep -q '^dave@example.org,.*,mx2,proxy;server,temporary,' "$dir/join/affected-users.csv"
check "join: summary.md lists the join" grep -qF '| 10\.0\.0\.22\:143 | mx2 |' "$dir/join/summary.md"
"$bin" -q --year 2026 --window 2026-01-14T09:00:00Z..2026-01-14T09:05:00Z --server-alias 10.0.0.22=edge -o "$dir/join-alias" "$ml"
check "join: --server-alias wins" grep -q '^dave@example.org,.*,edge;mx2,proxy;server,' "$dir/join-alias/affected-users.csv"
mkdir -p "$dir/dead"
cat > "$dir/dead/nginx-mail.log" <<'LOG'
2026/01/14 09:01:03 [info] 21#21: *1101 upstream timed out (110: Connection timed out) while connecting to upstream, client: 203.0.113.61, server: 0.0.0.0:993, login: "erin@example.org", upstream: 10.0.0.23:143
2026/01/14 09:02:03 [info] 21#21: *1102 upstream timed out (110: Connection timed out) while connecting to upstream, client: 203.0.113.62, server: 0.0.0.0:993, login: "frank@example.org", upstream: 10.0.0.23:143
2026/01/14 09:12:03 [info] 21#21: *1103 proxied session done while proxying, client: 203.0.113.61, server: 0.0.0.0:993, login: "erin@example.org", upstream: 10.0.0.24:143
LOG
"$bin" -q --year 2026 --window $w2 -o "$dir/dead0" "$dir/dead"
check "dead backend, never logged: listed under its address" grep -q '^erin@example.org,.*,10.0.0.23:143,proxy,timeout,' "$dir/dead0/affected-users.csv"
# mx3 wrote its lines a day before it died: its name is learnable
cat > "$dir/dead/dovecot-mx3.log" <<'LOG'
Jan 13 07:00:01 mx3 dovecot: imap-login: Login: user=<erin@example.org>, method=PLAIN, rip=203.0.113.61, lip=10.0.0.23, mpid=1022, session=<pZw4RvY8PLSkXGoC>
LOG
"$bin" -q --year 2026 --window $w2 -o "$dir/dead1" "$dir/dead"
check "dead backend, logged before: listed under its name" grep -q '^erin@example.org,.*,mx3,proxy,timeout,' "$dir/dead1/affected-users.csv"
"$bin" -q --year 2026 --window $w2 -j 1 -o "$dir/deadj1" "$dir/dead"
check "join: -j 1 and -j 2 give the same bytes" sh -c "cmp -s '$dir/dead1/summary.md' '$dir/deadj1/summary.md' && cmp -s '$dir/dead1/affected-users.csv' '$dir/deadj1/affected-users.csv'"
# the backend and the proxy read on two machines: merge joins them too
"$bin" -q --year 2026 --window $w2 --save-state "$dir/a.state" -o "$dir/sa" "$dir/dead/dovecot-mx3.log"
"$bin" -q --year 2026 --window $w2 --save-state "$dir/b.state" -o "$dir/sb" "$dir/dead/nginx-mail.log"
"$bin" merge -q --window $w2 -o "$dir/merged" "$dir/a.state" "$dir/b.state"
check "join: merge of two states joins too" cmp -s "$dir/dead1/affected-users.csv" "$dir/merged/affected-users.csv"
# two backends claim the same address (a NAT, a local proxy): nothing is joined
sed 's/ mx3 / mx4 /' "$dir/dead/dovecot-mx3.log" > "$dir/dead/dovecot-mx4.log"
"$bin" -q --year 2026 --window $w2 -o "$dir/dead2" "$dir/dead"
check "an address two backends claim joins nothing" grep -q '^erin@example.org,.*,10.0.0.23:143,proxy,timeout,' "$dir/dead2/affected-users.csv"

# --- 4. repeated input: the same rotated file under backup/, and its plain twin
mkdir -p "$dir/dup/backup"
cp "$top/samples/incident/server-imap2.log.gz" "$top/samples/incident/proxy-nginx.log.gz" "$dir/dup/"
cp "$top/samples/incident/server-imap2.log.gz" "$dir/dup/backup/"
gzip -dc "$top/samples/incident/server-imap2.log.gz" > "$dir/dup/imap2-plain.log"
"$bin" -q -o "$dir/once" "$top/samples/incident/server-imap2.log.gz" "$top/samples/incident/proxy-nginx.log.gz"
"$bin" -q -o "$dir/dup1" -j 1 "$dir/dup"
check "repeated input: exit 0" [ $? -eq 0 ]
check "repeated input: counted once (same users, failures, minutes as one copy)" \
	sh -c "cut -d, -f1-10 '$dir/once/affected-users.csv' > '$dir/a' && cut -d, -f1-10 '$dir/dup1/affected-users.csv' > '$dir/b' && cmp -s '$dir/a' '$dir/b'"
check "repeated input: summary.md lists both files not read and the one read" \
	sh -c "grep -q 'Repeated input: 2 files not read' '$dir/dup1/summary.md' &&
	       grep -qF 'imap2\-plain\.log | $(echo "$dir" | sed 's/[-.]/\\&/g')/dup/backup/server\-imap2\.log\.gz |' '$dir/dup1/summary.md'"
"$bin" -q -o "$dir/dup2" -j 2 "$dir/dup/proxy-nginx.log.gz" "$dir/dup/imap2-plain.log" "$dir/dup/backup" "$dir/dup/server-imap2.log.gz"
check "repeated input: same bytes whatever the order and -j" \
	sh -c "for f in affected-users.csv summary.md summary.json; do cmp -s '$dir/dup1/'\$f '$dir/dup2/'\$f || exit 1; done"
"$bin" -q -o "$dir/dup3" --save-state "$dir/dup.state" "$dir/dup"
"$bin" merge -q -o "$dir/dup4" "$dir/dup.state"
check "repeated input: the list survives the state file" cmp -s "$dir/dup3/summary.md" "$dir/dup4/summary.md"

# --- 4. repeated events: copytruncate left two lines of mail.log.1 at the top
# of mail.log (Dovecot lines in the shape of samples/formats/multilayer/)
mkdir -p "$dir/ct"
cat > "$dir/ct/mail.log.1" <<'LOG'
Jan 14 09:01:03 mx2 dovecot: imap-login: Disconnected (auth service reported temporary failure): user=<dave@example.org>, method=PLAIN, rip=203.0.113.51, lip=10.0.0.22, session=<kQx3RvY8PLSkXGo1>
Jan 14 09:02:03 mx2 dovecot: imap-login: Disconnected (auth service reported temporary failure): user=<erin@example.org>, method=PLAIN, rip=203.0.113.52, lip=10.0.0.22, session=<kQx3RvY8PLSkXGo2>
Jan 14 09:03:03 mx2 dovecot: imap-login: Disconnected (auth service reported temporary failure): user=<dave@example.org>, method=PLAIN, rip=203.0.113.51, lip=10.0.0.22, session=<kQx3RvY8PLSkXGo3>
LOG
{ tail -n 2 "$dir/ct/mail.log.1"; cat <<'LOG'
Jan 14 09:06:02 mx2 dovecot: imap-login: Login: user=<dave@example.org>, method=PLAIN, rip=203.0.113.51, lip=10.0.0.22, mpid=31022, session=<pZw4RvY8PLSkXGo4>
LOG
} > "$dir/ct/mail.log"
# another backend's log over the same minutes is not a repeat
sed 's/ mx2 / mx3 /' "$dir/ct/mail.log.1" > "$dir/ct/mx3.log"
"$bin" -q --year 2026 --window $w2 -j 2 -o "$dir/ct1" "$dir/ct"
check "copytruncate: dave 2+2 failures (mx2 once, mx3), erin 1+1" \
	sh -c "grep -q '^dave@example.org,2026-01-14T09:01:03Z,2026-01-14T09:03:03Z,4,' '$dir/ct1/affected-users.csv' &&
	       grep -q '^erin@example.org,2026-01-14T09:02:03Z,2026-01-14T09:02:03Z,2,' '$dir/ct1/affected-users.csv'"
check "copytruncate: summary.md says which file repeated how many" \
	grep -q 'mail\\\.log\\\.1 | 2 | .*ct/mail\\\.log |' "$dir/ct1/summary.md"
"$bin" -q --year 2026 --window $w2 -j 1 -o "$dir/ct2" "$dir/ct/mx3.log" "$dir/ct/mail.log.1" "$dir/ct/mail.log"
check "copytruncate: same bytes whatever the order and -j" \
	sh -c "cmp -s '$dir/ct1/summary.md' '$dir/ct2/summary.md' && cmp -s '$dir/ct1/affected-users.csv' '$dir/ct2/affected-users.csv'"
# A re-read stops at the first event past the times it needs, but only for a
# file whose events came in time order: out of order, the repeats after a
# later line are still found (a: the earlier input; b: the later one).
mkdir -p "$dir/ord1" "$dir/ord2"
L='dovecot: imap-login: Disconnected (auth service reported temporary failure): user=<'
R='@example.org>, method=PLAIN, rip=203.0.113.51, lip=10.0.0.22, session=<'
# (40 cron lines keep the repeats past the lines read to detect the format)
pad() { for i in $(seq 1 40); do echo "Jan 14 09:05:00 mx2 CRON[$i]: (root) CMD (true)"; done; }
# 1: the later input out of order: a line past the earlier input's end, then the repeats
printf 'Jan 14 09:02:03 mx2 %serin%sS1>\nJan 14 09:03:03 mx2 %sdave%sS2>\n' "$L" "$R" "$L" "$R" > "$dir/ord1/a.log"
{ printf 'Jan 14 09:07:00 mx2 %sfay%sS3>\n' "$L" "$R"; pad; cat "$dir/ord1/a.log"; } > "$dir/ord1/b.log"
# 2: the earlier input out of order: a line past the later input's end, then a repeat
{ printf 'Jan 14 09:02:03 mx2 %serin%sS1>\nJan 14 09:09:00 mx2 %sfay%sS3>\n' "$L" "$R" "$L" "$R"; pad
	printf 'Jan 14 09:03:03 mx2 %sdave%sS2>\n' "$L" "$R"; } > "$dir/ord2/a.log"
printf 'Jan 14 09:02:03 mx2 %serin%sS1>\nJan 14 09:03:03 mx2 %sdave%sS2>\nJan 14 09:04:00 mx2 %sgus%sS4>\n' \
	"$L" "$R" "$L" "$R" "$L" "$R" > "$dir/ord2/b.log"
for k in 1 2; do
	"$bin" -q --year 2026 --window $w2 -j 1 -o "$dir/ord$k.out" "$dir/ord$k/a.log" "$dir/ord$k/b.log"
	check "repeats in a file out of time order ($k): dave and erin counted once" \
		sh -c "grep -q '^dave@example.org,2026-01-14T09:03:03Z,2026-01-14T09:03:03Z,1,' '$dir/ord$k.out/affected-users.csv' &&
		       grep -q '^erin@example.org,2026-01-14T09:02:03Z,2026-01-14T09:02:03Z,1,' '$dir/ord$k.out/affected-users.csv'"
done

# A re-read of the earlier input starts at its last checkpoint (a minute's
# first event) before the later input's first time, parsing before it only
# what parsers with per-file state need: rotated hours of Dovecot failures
# (past the 64 checkpoints kept) whose last three minutes copytruncate
# repeated, once with a PAM line held across the checkpoint (not lone), once
# without (lone). Each must equal one file holding every line once.
w3=2026-01-14T07:00:00Z..2026-01-14T09:15:00Z
for k in lone pam; do
	mkdir -p "$dir/rot$k"
	for m in $(seq 0 129); do
		t=$(printf 'Jan 14 %02d:%02d:03' $((7 + m / 60)) $((m % 60)))
		[ $k = pam ] && [ $m -eq 126 ] &&
			printf 'Jan 14 09:06:30 mx2 auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=pat rhost=203.0.113.60 user=pat\n'
		printf '%s mx2 %su%d%sR%d>\n' "$t" "$L" $m "$R" $m
		[ $m -eq 127 ] && printf '%s mx2 %sv%d%sV%d>\n' "$t" "$L" $m "$R" $m
	done > "$dir/rot$k/a.log"
	{ tail -n 4 "$dir/rot$k/a.log"
	  printf 'Jan 14 09:10:03 mx2 %sw1%sW1>\nJan 14 09:11:03 mx2 %sw2%sW2>\n' "$L" "$R" "$L" "$R"; } > "$dir/rot$k/b.log"
	{ cat "$dir/rot$k/a.log"; tail -n 2 "$dir/rot$k/b.log"; } > "$dir/rot$k.one.log"
	"$bin" -q --year 2026 --window $w3 -j 1 -o "$dir/rot$k.two" "$dir/rot$k/a.log" "$dir/rot$k/b.log"
	"$bin" -q --year 2026 --window $w3 -j 1 -o "$dir/rot$k.one" "$dir/rot$k.one.log"
	check "rotated hours, copytruncate ($k): the repeats counted once, as in one file" /usr/bin/python3 - \
		"$dir/rot$k.one" "$dir/rot$k.two" <<'PY'
import json, sys
a, b = (json.load(open(p + "/summary.json")) for p in sys.argv[1:3])
assert a["buckets"] == b["buckets"], (a["buckets"], b["buckets"])
assert [x["events"] for x in b["repeated_input"]] == [4], b["repeated_input"]
# the evidence (file:line) differs; every other column is the same
ua, ub = ([r.rsplit(",", 1)[0] for r in open(p + "/affected-users.csv")] for p in sys.argv[1:3])
assert ua == ub and len(ua) == 1 + 133 + any(r.startswith("pat@") for r in ua), (len(ua), ua[:3])
PY
done

# overlapping Entra sign-in exports (rows of samples/formats/entra-signins.csv)
e=$top/samples/formats/entra-signins.csv
head -n 4 "$e" > "$dir/ct/entra-a.csv"
{ head -n 1 "$e"; tail -n +3 "$e"; } > "$dir/ct/entra-b.csv"
"$bin" -q -o "$dir/en1" "$e"
"$bin" -q -o "$dir/en2" "$dir/ct/entra-a.csv" "$dir/ct/entra-b.csv"
check "overlapping exports: the shared rows counted once" /usr/bin/python3 - "$dir/en1/summary.json" "$dir/en2/summary.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["buckets"] == b["buckets"], (a["buckets"], b["buckets"])
PY

# summary.json carries the joins and the repeats, valid under docs/summary-schema.json
check "summary.json: server_joins, repeated_input, schema-valid" /usr/bin/python3 - "$top/docs/summary-schema.json" "$dir/join/summary.json" "$dir/dup1/summary.json" "$dir/ct1/summary.json" <<'PY'
import json, sys
schema = json.load(open(sys.argv[1]))
j, d, c = (json.load(open(p)) for p in sys.argv[2:5])
assert j["server_joins"] == [{"from": "10.0.0.22:143", "to": "mx2"}], j["server_joins"]
assert [x["events"] for x in d["repeated_input"]] == [0, 0], d["repeated_input"]
assert [x["events"] for x in c["repeated_input"]] == [2], c["repeated_input"]
try:
    import jsonschema
except ImportError:
    sys.exit(0)
for x in (j, d, c):
    jsonschema.validate(x, schema)
PY
exit $fail
