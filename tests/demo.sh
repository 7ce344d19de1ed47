#!/bin/sh
# demo.sh BIN: run imapblast on the bundled sample incident and say where
# the report is.
set -u
bin=$1
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/imapblast-report
# The sample's proxy logs backends by address; name them as the servers do.
aliases="--server-alias 10.0.1.10=imap1 --server-alias 10.0.1.11=imap2 --server-alias 10.0.1.12=imap3"
cd "$top" || exit 3
echo "\$ imapblast -o imapblast-report --force $aliases samples/incident"
# shellcheck disable=SC2086
"$bin" -o imapblast-report --force $aliases samples/incident
rc=$?
echo
if [ $rc -le 1 ]; then
	echo "Report written to $out/"
	echo "  summary.md          the PIR appendix (open it, or paste it)"
	echo "  timeline.svg        the chart summary.md shows"
	echo "  servers.svg         failure rate per server and bucket: which backend"
	echo "  affected-users.csv  the claims list"
	echo "  excluded.csv        attack sources and unverified users"
	echo "  summary.json        everything, for other tools"
fi
exit $rc
