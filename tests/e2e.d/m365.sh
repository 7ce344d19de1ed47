#!/bin/sh
# m365.sh BIN BUILD: one incident (IMAP4 sign-ins failing on 2026-01-13
# between 08:30 and 08:45 UTC) rendered in every Microsoft 365 export shape
# of samples/formats/ (entra-*, purview-*, and the Exchange front-end IMAP4
# protocol log of a hybrid setup) gives the same affected users
# from each, with the window given: ann, bob, cid and dan (fay's wrong
# password is before the window; gus failed in the browser, eve used
# ActiveSync: neither is an IMAP sign-in).
set -u
bin=$1
build=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$build/e2e-m365
rm -rf "$dir"
mkdir -p "$dir"
fail=0
want="ann@contoso.com bob@contoso.com cid@contoso.com dan@contoso.com"
win=2026-01-13T08:30:00Z..2026-01-13T08:45:00Z
n=0
for f in "$top"/samples/formats/entra-portal-interactive.csv "$top"/samples/formats/entra-portal-noninteractive.csv \
	"$top"/samples/formats/entra-portal.json "$top"/samples/formats/entra-graph-pages.json \
	"$top"/samples/formats/entra-graph.ndjson "$top"/samples/formats/entra-powershell.json \
	"$top"/samples/formats/entra-exportcsv-engb.csv "$top"/samples/formats/entra-loganalytics.csv \
	"$top"/samples/formats/entra-azuremonitor-PT1H.json "$top"/samples/formats/entra-eventhub.json \
	"$top"/samples/formats/purview-audit.csv "$top"/samples/formats/purview-audit-classic.csv \
	"$top"/samples/formats/exchange-imap4-fe.log; do
	b=$(basename "$f")
	"$bin" -q --force -o "$dir/$b" --window "$win" "$f" > "$dir/$b.out" 2>&1
	rc=$?
	got=$(tail -n +2 "$dir/$b/affected-users.csv" | cut -d, -f1 | tr '\n' ' ' | sed 's/ $//')
	if [ "$rc" = 0 ] && [ "$got" = "$want" ]; then
		echo "ok   $b: $got"
	else
		echo "FAIL $b: exit $rc, affected '$got', want '$want'"
		fail=1
	fi
	n=$((n + 1))
done
[ "$n" -ge 13 ] || { echo "FAIL only $n shapes"; fail=1; }

# The portal's JSON download is one array on one line: read as a stream of
# records, not bounded by --max-line (a line format would skip the line).
"$bin" -q --force -o "$dir/long" --max-line 1024 --window "$win" "$top/samples/formats/entra-portal.json" \
	> "$dir/long.out" 2>&1
got=$(tail -n +2 "$dir/long/affected-users.csv" | cut -d, -f1 | tr '\n' ' ' | sed 's/ $//')
if [ "$got" = "$want" ] && ! grep -q "over-long" "$dir/long.out"; then
	echo "ok   one-line JSON longer than --max-line read record by record"
else
	echo "FAIL one-line JSON with --max-line 1024: affected '$got'"
	fail=1
fi

# A line format keeps reading past an over-long first line (detection looks
# at the lines after it, as before pieces): only stream parsers take pieces.
{ head -c 70000 /dev/zero | tr '\0' x; echo; cat "$top/samples/formats/dovecot.log"; } > "$dir/longfirst.log"
"$bin" rules --test "$dir/longfirst.log" > "$dir/longfirst.out" 2>&1
if grep -q ": format syslog" "$dir/longfirst.out" && grep -q "unparseable 0 + over-long 1" "$dir/longfirst.out"; then
	echo "ok   an over-long first line of a line format is skipped, detection goes on"
else
	echo "FAIL over-long first line: $(grep '^lines' "$dir/longfirst.out")"
	fail=1
fi

# A Graph export whose last page still has @odata.nextLink is incomplete:
# said on stderr and in summary.md.
sed '$d' "$top/samples/formats/entra-graph-pages.json" | sed '$d' > "$dir/partial.json"
printf '  ],\n  "@odata.nextLink": "https://graph.microsoft.com/beta/auditLogs/signIns?$skiptoken=x"\n}\n' \
	>> "$dir/partial.json"
"$bin" -q --force -o "$dir/partial" "$dir/partial.json" > "$dir/partial.out" 2>&1
if grep -q "warning: .*incomplete Graph export" "$dir/partial.out" &&
	grep -q "incomplete Graph export" "$dir/partial/summary.md"; then
	echo "ok   incomplete Graph export said on stderr and in summary.md"
else
	echo "FAIL incomplete Graph export not said"
	fail=1
fi
# Export-Csv dates no day of which is above 12: refused, naming --date-order
# (on stderr too); with --date-order dmy they are read.
printf '"CreatedDateTime","UserPrincipalName","ClientAppUsed","ErrorCode"\r\n"05/01/2026 08:31:05","ann@contoso.com","IMAP4","90033"\r\n' \
	> "$dir/ambiguous.csv"
"$bin" -q --force -o "$dir/amb1" "$dir/ambiguous.csv" > "$dir/amb1.out" 2>&1
"$bin" -q --force -o "$dir/amb2" --date-order dmy --window 2026-01-05T08:30:00Z..2026-01-05T08:45:00Z \
	"$dir/ambiguous.csv" > "$dir/amb2.out" 2>&1
if grep -q "warning: .*--date-order dmy or mdy" "$dir/amb1.out" && grep -q "^ann@contoso.com,2026-01-05T08:31:05Z" "$dir/amb2/affected-users.csv"; then
	echo "ok   ambiguous day/month refused with --date-order named; read with it"
else
	echo "FAIL ambiguous Export-Csv dates"
	fail=1
fi

# The error-code table is in the rules: --rules moves a code (same name
# replaces in place), and a code written as a string reads the same.
printf 'rule entra-90033\n  category credentials\n  formats  entra_csv,entra_json,purview\n  match    ^AADSTS90033\\b\n' \
	> "$dir/move.rules"
"$bin" rules --test -v --rules "$dir/move.rules" "$top/samples/formats/entra-azuremonitor-PT1H.json" > "$dir/move.out" 2>&1
if grep -q "credentials entra-90033" "$dir/move.out" && ! grep -q "temporary   entra-90033" "$dir/move.out"; then
	echo "ok   --rules moves an Entra code (resultType as a string)"
else
	echo "FAIL --rules did not move entra-90033"
	fail=1
fi

# A sparse export (a few records per bucket) yields no window: summary.md says
# 0 is not a finding and shows the --window to give.
grep -e '"fay@' -e '"dan@' -e '"uid-4"' "$top/samples/formats/entra-graph.ndjson" > "$dir/sparse.ndjson"
"$bin" -q --force -o "$dir/sparse" "$dir/sparse.ndjson" > /dev/null 2>&1
if grep -q "Window | none found" "$dir/sparse/summary.md" &&
	grep -q -- "--window 2026-01-13T08:30:00Z..2026-01-13T08:45:00Z" "$dir/sparse/summary.md"; then
	echo "ok   sparse export: no window, the --window to give is shown"
else
	echo "FAIL sparse export hint"
	fail=1
fi

# Entra-only input: summary.md says what sign-in data cannot show; with the
# Exchange protocol log beside it, it does not.
if grep -q "Sign-in data only" "$dir/entra-graph.ndjson/summary.md" &&
	grep -q "BAV2ROPC" "$dir/purview-audit.csv/summary.md" &&
	! grep -q "Sign-in data only" "$dir/exchange-imap4-fe.log/summary.md"; then
	echo "ok   Entra-only input says what it cannot show"
else
	echo "FAIL the Entra-only note"
	fail=1
fi
"$bin" -q --force -o "$dir/mixed" --window "$win" "$top/samples/formats/entra-graph.ndjson" \
	"$top/samples/formats/exchange-imap4-fe.log" > /dev/null 2>&1
if ! grep -q "Sign-in data only" "$dir/mixed/summary.md"; then
	echo "ok   no Entra-only note beside a protocol log"
else
	echo "FAIL Entra-only note beside a protocol log"
	fail=1
fi
# Overlapping downloads (issue 13): the same sign-ins in two portal exports
# count once. The second export starts two records later than the first.
mkdir -p "$dir/overlap"
csv=$top/samples/formats/entra-signins.csv
cp "$csv" "$dir/overlap/a.csv"
{ head -n 1 "$csv"; tail -n +4 "$csv"; } > "$dir/overlap/b.csv"
"$bin" -q --force -o "$dir/overlap/one" "$dir/overlap/a.csv" > /dev/null 2>&1
"$bin" -q --force -o "$dir/overlap/two" "$dir/overlap/a.csv" "$dir/overlap/b.csv" > /dev/null 2>&1
if cmp -s "$dir/overlap/one/affected-users.csv" "$dir/overlap/two/affected-users.csv" &&
	grep -q "Repeated events" "$dir/overlap/two/summary.md" &&
	/usr/bin/python3 - "$dir/overlap/one/summary.json" "$dir/overlap/two/summary.json" <<'PY'
import json, sys
one, two = (json.load(open(p)) for p in sys.argv[1:3])
# the same attempts per layer: the repeated records were counted once
key = lambda d: {k: (v["attempts"], v["successes"]) for k, v in d["layers"].items()}
# and in the protocol table, the protocols --protocols leaves out included
assert len(one["protocols"]) > 1 and one["protocols"] == two["protocols"], (one["protocols"], two["protocols"])
sys.exit(0 if key(one) == key(two) else 1)
PY
then
	echo "ok   overlapping Entra exports: repeated sign-ins counted once"
else
	echo "FAIL overlapping Entra exports counted twice"
	fail=1
fi
# Day/month order from the whole file (issue 13): Export-Csv in en-GB where
# the first rows are ambiguous (05/01) and a later one settles it (13/01);
# a file no date settles is refused row by row, named on stderr, and
# --date-order reads it.
mkdir -p "$dir/order"
h='"CreatedDateTime","UserPrincipalName","ClientAppUsed","ErrorCode"'
printf '%s\n"05/01/2026 08:31:05","ann@contoso.com","IMAP4","90033"\n"06/01/2026 08:31:05","bob@contoso.com","IMAP4","0"\n"13/01/2026 08:31:05","cat@contoso.com","IMAP4","0"\n' "$h" > "$dir/order/late.csv"
printf '%s\n"05/01/2026 08:31:05","ann@contoso.com","IMAP4","90033"\n"06/01/2026 08:31:05","bob@contoso.com","IMAP4","0"\n' "$h" > "$dir/order/never.csv"
"$bin" -q --force -o "$dir/order/a" "$dir/order/late.csv" > /dev/null 2>&1
"$bin" -q --force -o "$dir/order/b" "$dir/order/never.csv" > /dev/null 2> "$dir/order/b.err"
"$bin" -q --force --date-order dmy -o "$dir/order/c" "$dir/order/never.csv" > /dev/null 2>&1
if grep -q -- "--date-order dmy or mdy" "$dir/order/b.err" &&
	/usr/bin/python3 - "$dir/order/a/summary.json" "$dir/order/b/summary.json" "$dir/order/c/summary.json" <<'PY'
import json, sys
a, b, c = (json.load(open(p))["files"][0] for p in sys.argv[1:4])
counts = lambda f: (f["lines"], f["events"], f["ignored"], f["unparseable"])
assert counts(a) == (4, 3, 1, 0), counts(a)   # the held rows read day-first
assert counts(b) == (3, 0, 1, 2), counts(b)   # refused, not guessed, not ignored
assert counts(c) == (3, 2, 1, 0), counts(c)
j = json.load(open(sys.argv[1]))
assert j["range"]["start"] == "2026-01-05T08:31:05Z", j["range"]
PY
then
	echo "ok   day/month order from the whole file; an unsettled file refused row by row"
else
	echo "FAIL day/month order from the whole file"
	fail=1
fi
exit $fail
