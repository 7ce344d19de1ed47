#!/bin/sh
# golden.sh BIN BUILD: every report file for the bundled sample incident
# (the list comes from `BIN formats --outputs`), byte for byte against
# tests/golden/incident/. Run from the source tree with the same
# arguments as `make demo`.
# IB_UPDATE_GOLDEN=1 rewrites the golden files (review the diff!).
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
build=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
gold=$top/tests/golden/incident
out=$(cd "$build" && pwd)/e2e-golden
cd "$top" || exit 1
outputs=$("$bin" formats --outputs | awk '{print $2}')
[ -n "$outputs" ] || { echo "FAIL '$bin formats --outputs' lists no file"; exit 1; }
rm -rf "$out"
# keep in step with tests/demo.sh
"$bin" -q -o "$out" --server-alias 10.0.1.10=imap1 --server-alias 10.0.1.11=imap2 \
	--server-alias 10.0.1.12=imap3 samples/incident
rc=$?
[ $rc -eq 0 ] || { echo "FAIL exit code $rc"; exit 1; }
if [ "${IB_UPDATE_GOLDEN:-}" = 1 ]; then
	mkdir -p "$gold"
	for f in $outputs; do
		cp "$out/$f" "$gold/$f"
	done
	echo "updated $gold"
	exit 0
fi
fail=0
for f in $outputs; do
	if cmp -s "$gold/$f" "$out/$f"; then
		echo "ok   $f matches tests/golden/incident/$f"
	else
		echo "FAIL $f differs from tests/golden/incident/$f:"
		diff "$gold/$f" "$out/$f" | head -20
		fail=1
	fi
done
# a golden file that no writer writes any more is stale
for g in "$gold"/*; do
	case " $(echo $outputs) " in
	*" $(basename "$g") "*) ;;
	*) echo "FAIL $g: no writer writes it (see '$bin formats --outputs')"; fail=1 ;;
	esac
done
exit $fail
