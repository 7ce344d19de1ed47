#!/bin/sh
# m365.sh BIN BUILD: one incident (IMAP4 sign-ins failing on 2026-01-13
# between 08:30 and 08:45 UTC) rendered in every Microsoft 365 export shape
# of samples/formats/ (entra-*, purview-*) gives the same affected users
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
	"$top"/samples/formats/purview-audit.csv "$top"/samples/formats/purview-audit-classic.csv; do
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
[ "$n" -ge 12 ] || { echo "FAIL only $n shapes"; fail=1; }
exit $fail
