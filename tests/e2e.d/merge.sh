#!/bin/sh
# merge.sh BIN BUILD: scale-out checks on the bundled sample incident.
# - -j 2 writes byte-identical reports to -j 1;
# - input order does not change the report;
# - the README recipe: GNU parallel runs imapblast --save-state on two
#   halves, `imapblast merge` combines them, and the report is
#   byte-identical to one run over everything;
# - a state file is the same bytes whatever the thread count and input order,
#   and states merged and saved again are the bytes of one run's state;
# - a version 4 state still merges, to one run's reports and state bytes;
# - a truncated or corrupt state file is refused with exit 2;
# - states of different --bucket lengths are refused with exit 2;
# - --save-state onto a symbolic link replaces the link and never writes
#   through it, nor through a planted temporary file.
set -u
bin=$1
build=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
sample=$top/samples/incident
dir=$build/e2e-merge
rm -rf "$dir"
mkdir -p "$dir/h1" "$dir/h2"
fail=0
check() {
	name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
outputs=$("$bin" formats --outputs | awk '{print $2}')
same() { # two report dirs
	[ -n "$outputs" ] || { echo "     no report files listed"; return 1; }
	for f in $outputs; do
		cmp -s "$1/$f" "$2/$f" || { echo "     differs: $f"; return 1; }
	done
}
[ -d "$sample" ] || { echo "FAIL no sample at $sample"; exit 1; }
files=$(find "$sample" -type f | sort)
n=0
for f in $files; do
	n=$((n + 1))
	if [ $((n % 2)) -eq 1 ]; then cp "$f" "$dir/h1/"; else cp "$f" "$dir/h2/"; fi
done

"$bin" -q -o "$dir/one" "$dir/h1" "$dir/h2"
check "single run" [ $? -le 1 ]
"$bin" -q -j 2 -o "$dir/two" "$dir/h2" "$dir/h1"
check "-j 2, inputs reversed" [ $? -le 1 ]
check "-j 2 report byte-identical to -j 1" same "$dir/one" "$dir/two"
"$bin" -q -j 1 -o "$dir/s1" --save-state "$dir/all1.state" "$dir/h1" "$dir/h2"
"$bin" -q -j 2 -o "$dir/s2" --save-state "$dir/all2.state" "$dir/h2" "$dir/h1"
check "state file byte-identical at -j 1 and -j 2, inputs reversed" cmp -s "$dir/all1.state" "$dir/all2.state"

if command -v parallel >/dev/null 2>&1; then
	parallel -j2 "$bin" -q -o "$dir/part-{}" --save-state "$dir/{}.state" "$dir/{}" ::: h1 h2
	check "parallel --save-state on two halves" [ -s "$dir/h1.state" ] && [ -s "$dir/h2.state" ]
	"$bin" merge -q -o "$dir/merged" "$dir/h2.state" "$dir/h1.state"
	check "merge exit code" [ $? -le 1 ]
	check "merged report byte-identical to one run" same "$dir/one" "$dir/merged"
else
	echo "FAIL GNU parallel missing (make deps-check installs it)"
	fail=1
fi

if [ -s "$dir/h1.state" ] && [ -s "$dir/h2.state" ]; then
	"$bin" merge -q -o "$dir/m21" --save-state "$dir/m21.state" "$dir/h2.state" "$dir/h1.state"
	check "merged states saved: the same bytes as one run's state" cmp -s "$dir/m21.state" "$dir/all1.state"
fi

# a version 4 state (made by 4873bd0 from samples/formats/*.log --year 2026) still merges,
# to the reports of one run and to the bytes of a fresh (version 5) state
absbin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
(cd "$top" && "$absbin" -q --year 2026 -o "$dir/fx" --save-state "$dir/fx.state" samples/formats/*.log 2> /dev/null)
"$bin" merge -q -o "$dir/fx4" --save-state "$dir/fx4.state" "$top/tests/regress/state/formats-v4.state" 2> /dev/null
check "version 4 state: merge exit code" [ $? -le 1 ]
check "version 4 state: reports byte-identical to one run" same "$dir/fx" "$dir/fx4"
check "version 4 state saved again: the bytes of a fresh state" cmp -s "$dir/fx4.state" "$dir/fx.state"

head -c 100 "$dir/h1.state" > "$dir/trunc.state"
"$bin" merge -q -o "$dir/bad" "$dir/trunc.state" 2> "$dir/err"
check "truncated state refused (exit 2)" [ $? -eq 2 ]
check "truncated state message" grep -q "trunc.state" "$dir/err"

"$bin" -q -o "$dir/b1" --bucket 1m --save-state "$dir/b1.state" "$dir/h1"
"$bin" merge -q -o "$dir/bmix" "$dir/h1.state" "$dir/b1.state" 2> "$dir/err"
check "states with different --bucket refused (exit 2)" [ $? -eq 2 ]
check "different --bucket message" grep -q "cannot merge '$dir/b1.state': bucket lengths differ: 300000 ms and 60000 ms" "$dir/err"

echo "not a state" > "$dir/victim"
ln -s victim "$dir/link.state"
"$bin" -q -o "$dir/ln" --save-state "$dir/link.state" "$dir/h1"
check "--save-state onto a symlink: exit code" [ $? -le 1 ]
check "--save-state onto a symlink: the link's target untouched" grep -qx "not a state" "$dir/victim"
check "--save-state onto a symlink: a state file in its place" \
	sh -c '[ ! -L "$1" ] && cmp -s "$1" "$2"' sh "$dir/link.state" "$dir/h1.state"
ln -s victim "$dir/plant.state.tmp"
"$bin" -q -o "$dir/pl" --save-state "$dir/plant.state" "$dir/h1"
check "--save-state beside a planted .tmp symlink: target untouched" grep -qx "not a state" "$dir/victim"
check "--save-state leaves no temporary file" sh -c '! ls -a "$1" | grep -q "^\..*\.tmp$"' sh "$dir"
exit $fail
