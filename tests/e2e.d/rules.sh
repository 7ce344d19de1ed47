#!/bin/sh
# rules.sh BIN BUILD: the `imapblast rules` subcommand: the list, --test
# through the same pipeline as an analysis (held-back Exchange events
# included), the "no rule" list with control bytes escaped, added rules,
# and a bad rules file.
set -u
bin=$1
build=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$build/e2e-rules
rm -rf "$dir"
mkdir -p "$dir"
fail=0
check() {
	name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
"$bin" rules > "$dir/list"
check "rules lists the defaults" grep -q "^dovecot-auth-failed  *credentials" "$dir/list"
check "rules counts them" grep -Eq "^[0-9]+ rules$" "$dir/list"

# Exchange: the not-connected failure is released by a later line (drain)
"$bin" rules --test -v "$top/samples/formats/exchange-imap4.log" > "$dir/ex"
check "--test names the format" grep -q "exchange-imap4.log: format exchange" "$dir/ex"
check "--test shows the held-back not-connected failure" grep -q "credentials exchange-not-connected" "$dir/ex"

printf '%s\n' \
	'Jan 14 09:00:02 imap1 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<bob>, method=PLAIN, rip=192.0.2.11, lip=10.0.0.1, session=<B>' \
	'Jan 14 09:00:03 imap1 dovecot: imap-login: Disconnected (auth zorblax happened): user=<eve>, rip=192.0.2.12, lip=10.0.0.1, session=<C>' \
	> "$dir/t.log"
printf 'Jan 14 09:00:04 imap1 dovecot: imap-login: Disconnected (auth zorblax \033[31m): user=<mal>, rip=192.0.2.13\n' >> "$dir/t.log"
"$bin" rules --year 2026 --test "$dir/t.log" > "$dir/t"
check "--test counts lines" grep -q "^lines 3 = events 1 + ignored 2 + unparseable 0 + over-long 0$" "$dir/t"
check "--test lists the auth line no rule matched" grep -q "no rule .*t.log:2: imap-login: Disconnected (auth zorblax happened)" "$dir/t"
check "--test escapes control bytes" grep -q 'auth zorblax \\x1b\[31m' "$dir/t"
check "--test per rule" grep -Eq "^ +1  dovecot-auth-failed +credentials$" "$dir/t"

cat > "$dir/site.rules" <<'RULES'
rule site-zorblax
  category temporary
  formats  dovecot
  match    \(auth zorblax
RULES
"$bin" rules --year 2026 --rules "$dir/site.rules" --test "$dir/t.log" > "$dir/t2"
check "--rules adds a rule that takes the unmatched lines" grep -Eq "^ +2  site-zorblax +temporary$" "$dir/t2"

printf 'rule broken\n  category credentials\n  match (unclosed\n' > "$dir/bad.rules"
"$bin" rules --rules "$dir/bad.rules" > /dev/null 2> "$dir/err"
check "bad rules file: exit 2" [ $? -eq 2 ]
check "bad rules file: file, line and PCRE2's message" grep -q "bad.rules:1: rule 'broken': bad pattern at offset" "$dir/err"
# a scope no parser can produce is a typo, not a rule that never fires
printf 'rule typo\n  category credentials\n  formats  dovecot,dovecto\n  match x\n' > "$dir/fmt.rules"
"$bin" rules --rules "$dir/fmt.rules" > /dev/null 2> "$dir/err"
check "unknown format scope: exit 2" [ $? -eq 2 ]
check "unknown format scope: file, line and the name" \
	grep -q "fmt.rules:3: unknown format 'dovecto' in rule 'typo'" "$dir/err"
printf '# site\nrule typo2\n  category credentials\n  programs imap*,dovecot-auht\n  match x\n' > "$dir/prog.rules"
"$bin" -q -o "$dir/out" --rules "$dir/prog.rules" "$top/samples/formats/dovecot.log" > /dev/null 2> "$dir/err"
check "unknown program scope: exit 2" [ $? -eq 2 ]
check "unknown program scope: file, line and the name" \
	grep -q "prog.rules:4: unknown program 'dovecot-auht' in rule 'typo2'" "$dir/err"
printf 'rule ok\n  category credentials\n  formats  haproxy,syslog\n  programs cyrus/imap,perdition.imaps,dove*,courierpop3d\n  match x\n' > "$dir/known.rules"
"$bin" rules --rules "$dir/known.rules" > /dev/null 2> "$dir/err"
check "programs some parser reads are known" [ $? -eq 0 ]
exit $fail
