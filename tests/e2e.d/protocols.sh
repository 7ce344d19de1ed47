#!/bin/sh
# protocols.sh BIN BUILD: SMTP AUTH on a mail proxy is not an IMAP login.
# samples/formats/nginx-mail-ports.log holds nginx mail lines on ports 993
# and 110 (IMAP, POP3), 25 and 587 (SMTP) and 11143 (unknown, upstream
# :143 makes it IMAP). By default only IMAP, POP3 and unknown logins count;
# --protocols all counts the SMTP ones too; --protocols smtp adds them.
set -u
bin=$1
build=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$build/e2e-protocols
rm -rf "$out"
mkdir -p "$out"
fail=0
check() {
	name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
f=$top/samples/formats/nginx-mail-ports.log
"$bin" -q --force --format-out json -o "$out/def" "$f" > /dev/null 2>&1
check "default: exit 0" [ $? -eq 0 ]
"$bin" -q --force --format-out json --protocols all -o "$out/all" "$f" > /dev/null 2>&1
"$bin" -q --force --format-out json --protocols imap,pop3,smtp -o "$out/smtp" "$f" > /dev/null 2>&1
check "default counts the 3 IMAP/POP3 logins, all and smtp the 6" \
	/usr/bin/python3 - "$out/def/summary.json" "$out/all/summary.json" "$out/smtp/summary.json" <<'PY'
import json, sys
def events(p):
    j = json.load(open(p))
    return sum(f["events"] for f in j["files"])
d, a, s = (events(p) for p in sys.argv[1:4])
assert d == 3, d      # 993 ok, 11143 ok, 110 failure
assert a == 6, a      # + the 25 success, the 587 failure, the 25 refusal
assert s == a, (s, a)
PY
"$bin" --protocols bogus "$f" > /dev/null 2> "$out/err"
check "a bad protocol is a usage error (exit 2)" [ $? -eq 2 ]
check "and names the option" grep -q "'--protocols'" "$out/err"
exit $fail
