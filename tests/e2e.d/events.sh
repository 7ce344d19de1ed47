#!/bin/sh
# events.sh BIN BUILD: `imapblast events` on every sample of
# samples/formats/ (and multilayer/), byte for byte against
# tests/golden/events/NAME.jsonl, and every record checked field by field
# against the schema of docs/events.md. IB_UPDATE_GOLDEN=1 rewrites the
# golden files (review the diff!).
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
build=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
gold=$top/tests/golden/events
out=$(cd "$build" && pwd)/e2e-events
py=/usr/bin/python3
rm -rf "$out"
mkdir -p "$out" "$gold"
fail=0
cd "$top" || exit 1
for f in samples/formats/*.* samples/formats/multilayer/*.log; do
	name=$(echo "$f" | sed 's|^samples/formats/||; s|/|-|g')
	"$bin" events --year 2026 "$f" > "$out/$name.jsonl" 2> "$out/$name.err"
	rc=$?
	# offlineimap.log has no timestamps: none of its lines is an event, exit 1
	want=0
	[ "$name" = offlineimap.log ] && want=1
	if [ $rc -ne $want ]; then
		echo "FAIL $f: exit $rc, expected $want"; cat "$out/$name.err"; fail=1
	fi
	if [ "${IB_UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$out/$name.jsonl" "$gold/$name.jsonl"
	elif cmp -s "$gold/$name.jsonl" "$out/$name.jsonl"; then
		echo "ok   $f matches tests/golden/events/$name.jsonl"
	else
		echo "FAIL $f differs from tests/golden/events/$name.jsonl:"
		diff "$gold/$name.jsonl" "$out/$name.jsonl" | head -10
		echo "     (a new or changed sample: IB_UPDATE_GOLDEN=1 sh $0 BIN BUILD, then review the diff)"
		fail=1
	fi
	if ! $py - "$out/$name.jsonl" "$f" <<'PY'
import json, re, sys
KEYS = ["kind", "time", "time_ms", "layer", "format", "protocol", "host", "program", "server", "user",
        "ip", "session", "category", "signature", "connection", "reason", "file", "line"]
CATS = {"ok", "credentials", "temporary", "timeout", "policy", "other"}
path, n, lines = sys.argv[2], 0, sum(1 for _ in open(sys.argv[2], "rb"))
seen = set()
for raw in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(raw)
    n += 1
    assert list(r) == KEYS, (list(r), raw)
    assert r["kind"] in ("event", "ignored", "unparseable"), raw
    assert r["file"] == path and isinstance(r["line"], int) and 1 <= r["line"] <= lines, raw
    assert isinstance(r["connection"], bool), raw
    seen.add(r["line"])
    if r["kind"] != "event":
        # format: the file's parser (null when none); the rest null
        assert all(r[k] is None for k in KEYS[1:14] if k != "format"), raw
        assert r["format"] is None or re.fullmatch(r"[a-z0-9_]+", r["format"]), raw
        assert r["kind"] == "ignored" or isinstance(r["reason"], str), raw
        continue
    if r["time"] is None:
        assert r["time_ms"] is None and r["reason"] == "event without a timestamp", raw
    else:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["time"]), raw
        assert isinstance(r["time_ms"], int), raw
    assert r["layer"] in ("client", "proxy", "server"), raw
    assert re.fullmatch(r"[a-z0-9_]+", r["format"]), raw
    # event.h's ib_proto_name, "none" printed as null
    assert r["protocol"] is None or r["protocol"] in ("imap", "pop3", "smtp", "eas", "http", "other"), raw
    for k in ("host", "program", "server", "user", "ip", "session", "signature"):
        assert r[k] is None or (isinstance(r[k], str) and r[k]), (k, raw)
    assert r["ip"] is None or re.fullmatch(r"[0-9a-fA-F.:]+", r["ip"]), raw
    if r["category"] is None:
        assert r["signature"] is None and r["reason"] in ("no rule", "event without a timestamp"), raw
    else:
        assert r["category"] in CATS and r["signature"], raw
# every line of the file has a record (over-long lines aside; the samples have none)
assert seen == set(range(1, lines + 1)), (sorted(set(range(1, lines + 1)) - seen))
PY
	then
		echo "FAIL $f: a record does not fit docs/events.md"; fail=1
	fi
done
[ "${IB_UPDATE_GOLDEN:-}" = 1 ] && { echo "updated $gold"; exit 0; }
# a file in no format: exit 1, named on stderr, one unparseable record per line
printf 'hello world\nfoo bar\n' > "$out/unknown.txt"
"$bin" events "$out/unknown.txt" > "$out/unknown.jsonl" 2> "$out/unknown.err"
rc=$?
[ $rc -eq 1 ] || { echo "FAIL unknown format: exit $rc, expected 1"; fail=1; }
grep -q "unknown.txt': no parser recognised its format" "$out/unknown.err" ||
	{ echo "FAIL unknown format: not named on stderr"; fail=1; }
[ "$(grep -c '"kind":"unparseable"' "$out/unknown.jsonl")" -eq 2 ] ||
	{ echo "FAIL unknown format: expected 2 unparseable records"; fail=1; }
# a held-back event's line: the records are in file order per kind, and jq-style use works
"$bin" events --year 2026 --since 2026-01-14T09:00:03Z samples/formats/dovecot.log > "$out/since.jsonl"
grep -q '"reason":"outside --since/--until"' "$out/since.jsonl" ||
	{ echo "FAIL --since: lines outside are not shown as ignored"; fail=1; }
[ $fail -eq 0 ] && echo "ok   unknown format and --since"
exit $fail
