#!/bin/sh
# demo.sh BIN: run imapblast on the bundled sample incident and say where
# the report is.
set -u
bin=$1
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/imapblast-report
echo "\$ $bin -o imapblast-report --force samples/incident"
"$bin" -o "$out" --force "$top/samples/incident"
rc=$?
echo
if [ $rc -le 1 ]; then
	echo "Report written to $out/"
	echo "  summary.md          the PIR appendix (open it, or paste it)"
	echo "  timeline.svg        the chart summary.md shows"
	echo "  affected-users.csv  the claims list"
	echo "  excluded.csv        attack sources and unverified users"
	echo "  summary.json        everything, for other tools"
fi
exit $rc
