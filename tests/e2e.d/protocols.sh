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

# The Protocols table (docs/method.md, "Protocols"): an Entra export where
# IMAP4 sign-ins fail with 90033 (transient) for 30 minutes while POP3,
# ActiveSync and the browser go on, the EX1215307 shape. Rows in the
# portal download's columns (samples/formats/entra-signins.csv).
e=$out/entra.csv
{
	printf '%s\n' "Date (UTC),Request ID,Correlation ID,User,Username,Application,Resource,IP address,Location,Status,Sign-in error code,Failure reason,Client app,Session ID"
	for m in $(seq 0 89); do
		for u in 1 2 3 4; do
			for app in IMAP4 POP3 "Exchange ActiveSync" Browser; do
				st=Success code=0 why=
				if [ "$app" = IMAP4 ] && [ "$m" -ge 30 ] && [ "$m" -lt 60 ] && [ "$u" -le 3 ]; then
					st=Failure code=90033 why="A transient error has occurred. Please try again."
				fi
				printf '2026-01-13T08:%02d:%02dZ,r%s-%s-%s,c,U%s,u%s@contoso.com,Office 365 Exchange Online,Office 365 Exchange Online,203.0.113.%s,,%s,%s,%s,%s,s\n' \
					$((m % 60)) "$u" "$m" "$u" "$app" "$u" "$u" "$u" "$st" "$code" "$why" "$app" |
					sed "s/^2026-01-13T08:\([0-9][0-9]\)/2026-01-13T$(printf %02d $((8 + m / 60))):\1/"
			done
		done
	done
} > "$e"
"$bin" -q --force --window 2026-01-13T08:30:00Z..2026-01-13T09:00:00Z -o "$out/pt" "$e" > /dev/null 2>&1
check "Entra export: exit 0" [ $? -eq 0 ]
check "summary.md says IMAP failed while POP3, ActiveSync and HTTP did not" \
	grep -qF "IMAP (75.0% of 120 events; 0.0% outside) failed in the window while POP3 (0.0% of 120 events), ActiveSync (0.0% of 120 events) and HTTP (0.0% of 120 events) did not." "$out/pt/summary.md"
check "summary.json: the four protocols, only IMAP and POP3 counted" \
	/usr/bin/python3 - "$out/pt/summary.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
rows = {p["protocol"]: p for p in j["protocols"]}
assert list(rows) == ["imap", "pop3", "eas", "http"], list(rows)
assert [rows[k]["counted"] for k in rows] == [True, True, False, False]
assert all(rows[k]["events"] == 360 for k in rows), rows
assert rows["imap"]["win_outage_failures"] == 90 and rows["imap"]["outage_failures"] == 90, rows["imap"]
assert rows["imap"]["failed_in_window"] and not any(rows[k]["failed_in_window"] for k in ("pop3", "eas", "http"))
assert j["headline"]["affected_users"] == 3, j["headline"]
PY
# saved in two halves and merged: the same table
head -n 181 "$e" > "$out/a.csv"
{ head -n 1 "$e"; tail -n +182 "$e"; } > "$out/b.csv"
"$bin" -q --force -o "$out/sa" --save-state "$out/a.state" "$out/a.csv" > /dev/null 2>&1
"$bin" -q --force -o "$out/sb" --save-state "$out/b.state" "$out/b.csv" > /dev/null 2>&1
"$bin" merge -q --force --window 2026-01-13T08:30:00Z..2026-01-13T09:00:00Z -o "$out/pm" "$out/a.state" "$out/b.state" > /dev/null 2>&1
check "merged states give the same Protocols section" \
	sh -c "sed -n '/^## Protocols/,/^## Top/p' '$out/pt/summary.md' > '$out/p1'; sed -n '/^## Protocols/,/^## Top/p' '$out/pm/summary.md' > '$out/p2'; [ -s '$out/p1' ] && cmp -s '$out/p1' '$out/p2'"
exit $fail
