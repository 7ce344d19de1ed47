#!/bin/sh
# report-tools.sh BIN BUILD: check the report writers with external tools
# (python3 csv/json/jsonschema, xmllint, rsvg-convert) on the report of a
# hand-built incident with hostile user names ($BUILD/bench/report_fixture).
# One line per check; exit non-zero when any check fails.
BIN=$1
BUILD=${2:-build}
FIX=$BUILD/bench/report_fixture
PY=/usr/bin/python3
fail=0
ok() { echo "ok:   report-tools: $1"; }
bad() { echo "FAIL: report-tools: $1"; fail=1; }
skip() { echo "skip: report-tools: $1"; }

[ -n "$BIN" ] || true
if [ ! -x "$FIX" ]; then
	bad "fixture tool $FIX missing (make tools)"
	exit 1
fi
if [ ! -x "$PY" ]; then
	skip "no $PY"
	exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/ibreport.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM

"$FIX" "$T/a" >"$T/a.out" 2>&1 && ok "fixture report written" || bad "fixture report: $(cat "$T/a.out")"
"$FIX" "$T/b" >/dev/null 2>&1 || bad "second fixture report"
"$FIX" "$T/r1" "key-one" >/dev/null 2>&1 || bad "redacted report"
"$FIX" "$T/r2" "key-one" >/dev/null 2>&1 || bad "redacted report again"
"$FIX" "$T/r3" "key-two" >/dev/null 2>&1 || bad "redacted report, other key"

# determinism: same result, same bytes
same=1
outputs=$("$BIN" formats --outputs | awk '{print $2}')
[ -n "$outputs" ] || bad "'$BIN formats --outputs' lists no file"
for f in $outputs; do
	cmp -s "$T/a/$f" "$T/b/$f" || same=0
	cmp -s "$T/r1/$f" "$T/r2/$f" || same=0
done
[ $same = 1 ] && ok "two runs give identical bytes" || bad "output differs between runs"

# CSV: a real RFC 4180 reader gives the users back after undoing the documented escapes
if "$PY" - "$T/a" <<'PYEOF'
import csv, re, sys
d = sys.argv[1]
hostile = [b'=HYPERLINK("http://x","y")', b'+1', b'-2', b'@SUM(1)', b'\tx', b'a|b',
           b'<script>alert(1)</script>', b'quo"te', b'new\nline', b'cr\rx', b'bad\xff\xfeutf8',
           b'back\\slash\\x41', b"'quoted", b']]>&amp;<!--', 'caf\u00e9 \u20ac'.encode()]
def undo(cell):
    if cell.startswith("'"):
        cell = cell[1:]
    return re.sub(rb'\\(\\|x([0-9a-f]{2}))',
                  lambda m: b'\\' if m.group(1) == b'\\' else bytes([int(m.group(2), 16)]),
                  cell.encode('utf-8'))
raw = open(d + '/affected-users.csv', 'rb').read()
assert raw.endswith(b'\r\n')
with open(d + '/affected-users.csv', newline='', encoding='utf-8') as f:
    rows = list(csv.reader(f, strict=True))
assert rows[0] == ['user', 'first_failure', 'last_failure', 'failures', 'successes', 'impacted_minutes',
                   'recovered_at', 'servers', 'layers', 'categories', 'evidence'], rows[0]
users = []
for r in rows[1:]:
    assert len(r) == 11, r
    for c in r:
        assert not c or c[0] not in '=+-@\t\r', c
    users.append(undo(r[0]))
    assert undo(r[7]) == users[-1] or b'example' in users[-1] or users[-1].startswith(b'long'), r
for h in hostile:
    assert h in users, h
big = [u for u in users if u.startswith(b'long,"name\n')]
assert len(big) == 1 and len(big[0]) == 65536
with open(d + '/excluded.csv', newline='', encoding='utf-8') as f:
    ex = list(csv.reader(f, strict=True))
assert ex[0] == ['kind', 'id', 'users', 'failures', 'successes', 'first', 'last', 'reason']
assert all(len(r) == 8 for r in ex)
assert undo([r for r in ex if r[0] == 'unverified'][0][1]) == b"=cmd|' /C calc'!A0"
PYEOF
then ok "CSV parses back (python csv) to the exact user names"; else bad "CSV parse-back"; fi

# JSON: parses and validates against docs/summary-schema.json
SCHEMA=$(dirname "$0")/../../docs/summary-schema.json
for d in a r1; do
	if "$PY" -m json.tool "$T/$d/summary.json" >/dev/null 2>&1; then
		ok "summary.json ($d) parses (json.tool)"
	else
		bad "summary.json ($d) does not parse"
	fi
	if "$PY" -c 'import jsonschema' 2>/dev/null; then
		if "$PY" - "$SCHEMA" "$T/$d/summary.json" <<'PYEOF'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2], encoding='utf-8')))
PYEOF
		then ok "summary.json ($d) validates against the schema"; else bad "summary.json ($d) schema validation"; fi
	else
		skip "python3-jsonschema absent"
	fi
done

# Markdown: every table row keeps the column count of its header; no raw HTML
if "$PY" - "$T/a/summary.md" <<'PYEOF'
import re, sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
assert lines[0] == '<!-- imapblast report -->'
def cols(l):
    return len(re.findall(r'(?<!\\)\|', re.sub(r'\\.', 'x', l)))
want = None; rows = 0
for l in lines[1:]:
    if l.startswith('|'):
        if want is None:
            want = cols(l)
        assert cols(l) == want, l
        rows += 1
    else:
        want = None
    assert not re.search(r'(?<!\\)<', l), l
assert rows > 50
PYEOF
then ok "summary.md tables keep their columns, no raw HTML"; else bad "summary.md structure"; fi

# SVG: well-formed, renders to a non-blank 960x400 PNG
if command -v xmllint >/dev/null 2>&1; then
	for d in a r1; do
		xmllint --noout "$T/$d/timeline.svg" && ok "timeline.svg ($d) well-formed (xmllint)" ||
			bad "timeline.svg ($d) not well-formed"
		xmllint --noout "$T/$d/servers.svg" && ok "servers.svg ($d) well-formed (xmllint)" ||
			bad "servers.svg ($d) not well-formed"
	done
else
	skip "xmllint absent"
fi
if command -v rsvg-convert >/dev/null 2>&1; then
	if rsvg-convert -w 960 "$T/a/timeline.svg" -o "$T/timeline.png" &&
		"$PY" - "$T/timeline.png" <<'PYEOF'
import struct, sys, zlib
b = open(sys.argv[1], 'rb').read()
assert b[:8] == b'\x89PNG\r\n\x1a\n'
pos, idat, hdr = 8, b'', None
while pos < len(b):
    n, t = struct.unpack('>I4s', b[pos:pos + 8])
    data = b[pos + 8:pos + 8 + n]
    if t == b'IHDR':
        hdr = struct.unpack('>IIBBBBB', data)
    elif t == b'IDAT':
        idat += data
    pos += 12 + n
w, h, depth, ctype = hdr[:4]
assert (w, h) == (960, 400), (w, h)
assert depth == 8 and ctype in (2, 6)
bpp = 4 if ctype == 6 else 3
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colours = set()
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        up = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + up) & 255
        elif f == 3: line[i] = (line[i] + (a + up) // 2) & 255
        elif f == 4:
            p = a + up - c
            pa, pb, pc = abs(p - a), abs(p - up), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else up if pb <= pc else c)) & 255
    prev = line
    for x in range(0, stride, bpp * 3):
        colours.add(bytes(line[x:x + bpp]))
assert len(colours) >= 8, len(colours)
PYEOF
	then
		cp "$T/timeline.png" "$BUILD/report-fixture-timeline.png" 2>/dev/null
		ok "timeline.svg renders (rsvg-convert) to a non-blank 960x400 PNG"
	else
		bad "timeline.svg rendering"
	fi
else
	skip "rsvg-convert absent"
fi

# servers.svg (issue 15 item 10): renders to a 960-wide PNG with the grid's colours
if command -v rsvg-convert >/dev/null 2>&1; then
	if rsvg-convert "$T/a/servers.svg" -o "$T/servers.png" &&
		"$PY" - "$T/servers.png" <<'PYEOF'
import struct, sys, zlib
b = open(sys.argv[1], 'rb').read()
assert b[:8] == b'\x89PNG\r\n\x1a\n'
pos, idat, hdr = 8, b'', None
while pos < len(b):
    n, t = struct.unpack('>I4s', b[pos:pos + 8])
    if t == b'IHDR':
        hdr = struct.unpack('>IIBBBBB', b[pos + 8:pos + 8 + n])
    elif t == b'IDAT':
        idat += b[pos + 8:pos + 8 + n]
    pos += 12 + n
w, h, depth, ctype = hdr[:4]
assert w == 960 and 100 < h < 400, (w, h)
bpp = 4 if ctype == 6 else 3
raw, stride = zlib.decompress(idat), w * bpp
prev, colours = bytearray(stride), set()
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        up, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + up) & 255
        elif f == 3: line[i] = (line[i] + (a + up) // 2) & 255
        elif f == 4:
            p = a + up - c
            pa, pb, pc = abs(p - a), abs(p - up), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else up if pb <= pc else c)) & 255
    prev = line
    for x in range(0, stride, bpp * 3):
        colours.add(bytes(line[x:x + bpp]))
assert len(colours) >= 6, len(colours)
PYEOF
	then
		ok "servers.svg renders (rsvg-convert) to a non-blank 960-wide PNG"
	else
		bad "servers.svg rendering"
	fi
	grep -q '| evil | server |' "$T/a/servers.svg" && ok "servers.svg labels escaped" ||
		bad "servers.svg: the hostile server name is not in the file as escaped text"
fi

# --redact: no raw user in md/json/svg; same key same pseudonyms; other key differs; CSV exact
if "$PY" - "$T" <<'PYEOF'
import json, sys
t = sys.argv[1]
def users(d):
    j = json.load(open(t + '/' + d + '/summary.json', encoding='utf-8'))
    return [u['user'] for u in j['users']] + [u['user'] for u in j['unverified']], j['redacted']
p1, red1 = users('r1'); p2, _ = users('r2'); p3, _ = users('r3'); plain, red0 = users('a')
assert red1 and not red0
assert p1 == p2 and p1 != p3
assert all(u.startswith('u-') and len(u) == 14 for u in p1 + p3)
for d in ('r1', 'r3'):
    for f in ('summary.md', 'summary.json', 'timeline.svg'):
        text = open(t + '/' + d + '/' + f, 'rb').read()
        for name in (b'alice', b'bob@', b'frank', b'mallory', b'calc'):  # names used only as users
            assert name not in text, (d, f, name)
for f in ('affected-users.csv', 'excluded.csv'):
    assert open(t + '/a/' + f, 'rb').read() == open(t + '/r1/' + f, 'rb').read(), f
PYEOF
then ok "--redact pseudonymises md/json/svg, stable per key; CSV stays exact"; else bad "--redact"; fi

# safety: a foreign file is not overwritten; a symlinked out_dir is refused
mkdir -p "$T/f" && echo "hand-written notes" >"$T/f/summary.md"
if "$FIX" "$T/f" >"$T/f.out" 2>&1; then
	bad "overwrote a foreign summary.md"
elif grep -q "refusing to overwrite '$T/f/summary.md' (not written by imapblast; use --force)" "$T/f.out" &&
	[ "$(cat "$T/f/summary.md")" = "hand-written notes" ]; then
	ok "refuses to overwrite a file imapblast did not write"
else
	bad "foreign file refusal message: $(cat "$T/f.out")"
fi
ln -s "$T/a" "$T/l"
if "$FIX" "$T/l" >"$T/l.out" 2>&1; then
	bad "wrote through a symlinked output directory"
elif grep -q "symbolic link" "$T/l.out"; then
	ok "refuses a symlinked output directory"
else
	bad "symlink refusal message: $(cat "$T/l.out")"
fi
"$FIX" "$T/a" >/dev/null 2>&1 && ok "rewrites its own report in place" || bad "could not rewrite its own report"

exit $fail
