#!/bin/sh
# peers-loud.sh BIN BUILD: never silent on real lines. For each peer test
# log in ../shared/corpus/peers/ (CrowdSec hub, SSHGuard; see its README),
# every line the peer expects to be a login outcome (failure or success,
# without "doubt") is either an event a rule took, or counted among the
# login-looking lines nothing took (summary.json login_unmatched). Lines
# the peer stored without their syslog envelope are left out here.
set -u
bin=$1
build=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${IB_CORPUS_DIR:-$top/../shared/corpus}/peers
py=/usr/bin/python3
[ -d "$corpus" ] || { echo "skip: corpus absent"; exit 0; }
dir=$(cd "$build" && pwd)/e2e-peers-loud
rm -rf "$dir"
mkdir -p "$dir"
fail=0
for log in "$corpus"/*/*.log; do
	name=$(basename "$(dirname "$log")")-$(basename "$log" .log)
	expect=${log%.log}.expect.jsonl
	[ -f "$expect" ] || continue
	"$bin" events --year 2026 "$log" > "$dir/$name.jsonl" 2> /dev/null
	"$bin" -q --year 2026 -o "$dir/$name" "$log" 2> /dev/null
	if $py - "$expect" "$dir/$name.jsonl" "$dir/$name/summary.json" <<'PY'; then
import json, sys
exp = [json.loads(l) for l in open(sys.argv[1])]
took = {r["line"] for r in map(json.loads, open(sys.argv[2])) if r["kind"] == "event" and r["category"]}
s = json.load(open(sys.argv[3]))
unmatched = sum(f["login_unmatched"] for f in s["files"])
want = [e["line"] for e in exp if e["expect"] in ("failure", "success") and "doubt" not in e
        and "bare_program" not in e]
missed = [n for n in want if n not in took]
# every missed login line is counted as a login-looking line nothing took
assert len(missed) <= unmatched, ("silent", missed, unmatched)
print("ok   %s: %d login lines, %d taken, %d shown as not taken" % (sys.argv[1].split("/")[-1], len(want),
      len(want) - len(missed), len(missed)))
PY
		:
	else
		echo "FAIL $name: login lines neither taken nor shown"
		fail=1
	fi
done
exit $fail
