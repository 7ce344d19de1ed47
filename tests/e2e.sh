#!/bin/sh
# e2e.sh BIN BUILD: run every end-to-end script in tests/e2e.d/ with the
# binary and the build directory; fail when any fails.
set -u
bin=$1
build=$2
here=$(dirname "$0")
rc=0
for t in "$here"/e2e.d/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	echo "== e2e: $name"
	if sh "$t" "$bin" "$build"; then
		echo "== e2e: $name: ok"
	else
		echo "== e2e: $name: FAILED"
		rc=1
	fi
done
exit $rc
