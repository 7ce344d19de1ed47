#!/bin/sh
# multilayer.sh BIN BUILD: the small multi-layer sample
# (samples/formats/multilayer/): the same user's failure at 09:01:03 shows
# at the client (fetchmail), the proxy (nginx) and the server (Dovecot),
# each counted at its own layer, and the user is affected once.
set -u
bin=$1
build=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$build/e2e-multilayer
rm -rf "$out"
fail=0
check() {
	name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
"$bin" -q --year 2026 --window 2026-01-14T09:00:00Z..2026-01-14T09:05:00Z -o "$out" \
	"$top"/samples/formats/multilayer/*.log
check "exit 0" [ $? -eq 0 ]
check "dave affected once, seen at proxy and server, temporary" \
	grep -q "^dave@example.org,2026-01-14T09:01:03Z,2026-01-14T09:01:03Z,1,0,5,2026-01-14T09:06:02Z,.*,proxy;server,temporary," \
	"$out/affected-users.csv"
check "one row only" [ "$(wc -l < "$out/affected-users.csv")" -eq 2 ]
check "a failure at each of client, proxy and server, all in the 09:00 bucket" /usr/bin/python3 - "$out/summary.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for layer in ("client", "proxy", "server"):
    row = j["layers"][layer]
    assert row["present"], layer
    assert sum(row["failures"].values()) >= 1, (layer, row)
b = [x for x in j["buckets"] if x["start"] == "2026-01-14T09:00:00Z"][0]
assert sum(b["failures"].values()) == 4, b   # client 1 + proxy 1 + server 2
PY
exit $fail
