#!/bin/sh
# layering.sh BIN BUILD: the shape of the library (issue 16, STYLE.md).
# - No two object files of the library use each other's symbols: a module
#   either uses another or is used by it, never both (checked with nm over
#   the objects of BUILD/libimapblast.a).
# - No library source is over 900 lines: past that a file holds more than
#   one module and is split at the seam with a private *_int.h header.
set -u
build=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
lib=$build/libimapblast.a
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

if ! command -v nm >/dev/null 2>&1; then
	echo "skip layering: nm not found (binutils)"
	exit 0
fi
[ -f "$lib" ] || { bad "no $lib"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# "SYMBOL OBJECT" for what each member defines and what it uses
nm -g --defined-only "$lib" 2>/dev/null | awk '/:$/ {o=substr($0,1,length($0)-1); next} NF==3 {print $3, o}' |
	LC_ALL=C sort > "$tmp/defs"
nm -u "$lib" 2>/dev/null | awk '/:$/ {o=substr($0,1,length($0)-1); next} NF==2 {print $2, o}' |
	LC_ALL=C sort > "$tmp/uses"
LC_ALL=C join "$tmp/uses" "$tmp/defs" | awk '$2 != $3 {print $2, $3}' | LC_ALL=C sort -u > "$tmp/deps"
n=$(wc -l < "$tmp/deps" | tr -d ' ')
[ "$n" -gt 20 ] || bad "only $n dependencies between library objects: is nm reading $lib?"
cycles=$(awk 'NR==FNR {d[$1 " " $2] = 1; next} ($2 " " $1) in d && $1 < $2 {print $1 " <-> " $2}' \
	"$tmp/deps" "$tmp/deps")
if [ -z "$cycles" ]; then
	ok "no two library objects use each other's symbols ($n dependencies)"
else
	bad "library objects that use each other: $cycles"
fi

long=""
for f in "$top"/analyzer/*.c "$top"/parsers/*.c; do
	l=$(wc -l < "$f" | tr -d ' ')
	[ "$l" -le 900 ] || long="$long ${f#"$top"/} ($l)"
done
if [ -z "$long" ]; then ok "every library source is 900 lines or fewer"; else bad "over 900 lines:$long"; fi
exit $fail
