#!/bin/sh
# help.sh BIN BUILD: the help generated from the option table. Each
# command's --help lists exactly the options the command accepts (an option
# it does not list is refused with "does not apply" or "belongs to", exit
# 2; one it lists never is), every help ends with the Docs line, 'help
# TOPIC' points at the docs, and usage errors exit 2.
set -u
bin=$1
build=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$build/e2e-help
rm -rf "$dir"
mkdir -p "$dir"
fail=0
check() { # name, condition command...
	name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
# the long options a help text lists, one a line
opts() { grep -E '^  (-[A-Za-z0-9], |    )--[a-z]' "$1" | sed -E 's/^ +(-[A-Za-z0-9], )?--([a-z0-9-]+).*/\2/' | sort; }

"$bin" --help > "$dir/main" 2>&1
check "--help exits 0" [ $? -eq 0 ]
for c in merge rules formats; do
	"$bin" $c --help > "$dir/$c" 2>&1
	check "$c --help exits 0" [ $? -eq 0 ]
	check "$c --help shows its usage" grep -q "^usage: imapblast $c" "$dir/$c"
	"$bin" help $c > "$dir/help-$c" 2>&1
	check "help $c starts with $c --help" sh -c "head -n \$(wc -l < '$dir/$c') '$dir/help-$c' | cmp -s - '$dir/$c'"
done
"$bin" help > "$dir/help" 2>&1
check "help is --help" cmp -s "$dir/help" "$dir/main"
for f in main merge rules formats; do
	check "$f help ends with the Docs line" sh -c "tail -2 '$dir/$f' | grep -q '^Docs: .imapblast help TOPIC'"
	opts "$dir/$f" > "$dir/$f.opts"
	check "$f help lists options" [ -s "$dir/$f.opts" ]
	check "$f help lists no option twice" sh -c "[ \$(sort -u '$dir/$f.opts' | wc -l) -eq \$(wc -l < '$dir/$f.opts') ]"
done
check "--help lists --server-alias and --tz" sh -c "grep -qx server-alias '$dir/main.opts' && grep -qx tz '$dir/main.opts'"
check "rules --help lists --test and --verbose" sh -c "grep -qx test '$dir/rules.opts' && grep -qx verbose '$dir/rules.opts'"
check "--help does not list --test" sh -c "! grep -qx test '$dir/main.opts'"
# every row of the table, from its source
sed -nE 's/^ *OPT_[A-Z]+\("([a-z0-9-]+)",.*/\1/p' "$top/analyzer/options.c" | sort > "$dir/all.opts"
check "the table's rows are found" [ $(wc -l < "$dir/all.opts") -ge 30 ]
check "every row is in some command's help" sh -c "cat '$dir'/main.opts '$dir'/merge.opts '$dir'/rules.opts '$dir'/formats.opts | sort -u | cmp -s - '$dir/all.opts'"

# listed <=> accepted, for every command and every row
for f in main merge rules formats; do
	sub=$f
	[ $f = main ] && sub=
	while read -r o; do
		case $o in help | version) continue ;; esac
		# never an operand: nothing is read or written
		"$bin" $sub "--$o=x" < /dev/null > /dev/null 2> "$dir/err" ||:
		if grep -q "takes no value" "$dir/err"; then
			"$bin" $sub "--$o" < /dev/null > /dev/null 2> "$dir/err" ||:
		fi
		if grep -Eq "does not apply|belongs to" "$dir/err"; then refused=1; else refused=0; fi
		if grep -qx -- "$o" "$dir/$f.opts"; then
			[ $refused = 0 ] || { echo "FAIL ${sub:-imapblast} lists --$o but refuses it"; fail=1; }
		else
			[ $refused = 1 ] || { echo "FAIL ${sub:-imapblast} takes --$o but does not list it"; fail=1; }
		fi
	done < "$dir/all.opts"
done
echo "ok   each command's help lists exactly the options it accepts ($(wc -l < "$dir/all.opts") options)"

"$bin" merge --bucket 1m "$dir/none.state" 2> "$dir/err"
check "an option of another command: exit 2" [ $? -eq 2 ]
check "... saying so" grep -q "option '--bucket' does not apply to 'imapblast merge' (see 'imapblast merge --help')" "$dir/err"
"$bin" --test x 2> "$dir/err"
check "--test outside rules: exit 2" [ $? -eq 2 ]
check "... belongs to rules" grep -q "option '--test' belongs to 'imapblast rules'" "$dir/err"
"$bin" --no-such-option x 2> "$dir/err"
check "unknown option: exit 2" [ $? -eq 2 ]
check "... named" grep -q "unknown option '--no-such-option'" "$dir/err"
"$bin" --att=3 x 2> "$dir/err"
check "ambiguous abbreviation: exit 2" [ $? -eq 2 ]
check "... with the candidates" grep -q "ambiguous option '--att' (could be --attack-users, " "$dir/err"
"$bin" --attack-u 3 --outp "$dir/abbrev" -q 2> "$dir/err"
check "a unique abbreviation works (GNU)" grep -q "no input" "$dir/err"
"$bin" merge --format dovecot "$dir/none.state" 2> "$dir/err"
check "another command's option is no abbreviation (merge --format)" grep -q "option '--format' does not apply to 'imapblast merge'" "$dir/err"
"$bin" -j 2> "$dir/err"
check "a missing value: exit 2" [ $? -eq 2 ]
check "... named" grep -q "option '--jobs' needs a value" "$dir/err"
"$bin" --force=yes x 2> "$dir/err"
check "a value for a flag: exit 2" [ $? -eq 2 ]
"$bin" --jobs 0 x 2> "$dir/err"
check "bad value: exit 2" [ $? -eq 2 ]
check "... with the option named" grep -q "bad value for option '--jobs'" "$dir/err"
"$bin" formats extra 2> /dev/null
check "formats with an argument: exit 2" [ $? -eq 2 ]
"$bin" help no-such-topic 2> /dev/null
check "help on an unknown topic: exit 2" [ $? -eq 2 ]
"$bin" help merge rules 2> /dev/null
check "help with two topics: exit 2" [ $? -eq 2 ]
for t in method report formats rules; do
	"$bin" help $t > "$dir/topic" 2>&1
	check "help $t: exit 0, names the doc" sh -c "[ $? -eq 0 ] && grep -q 'share/doc/imapblast/$t.md' '$dir/topic' && grep -q 'docs/$t.md' '$dir/topic'"
done
check "the docs named exist in the source tree" sh -c "for t in method report formats rules; do [ -f '$top/docs/'\$t.md ] || exit 1; done"
exit $fail
