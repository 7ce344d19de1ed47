#!/bin/sh
# scenario.sh BIN BUILD: generated incidents with a known ground truth
# (bench/gen writes logs and truth). For each scenario: the affected users
# equal the truth exactly, and so does each one's first and last failure,
# failures and impacted minutes; every detected window is within one bucket
# (5 min) of the truth; attackers are excluded and never affected, typo
# users are not affected. Also checks that the generator is deterministic.
set -u
bin=$1
build=$2
gen=$build/bench/gen
py=/usr/bin/python3
bucket_s=300
fail=0

ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

if [ ! -x "$gen" ]; then
	bad "generator $gen missing (make tools)"
	exit 1
fi

# scenario NAME "ANALYSER OPTIONS" GENERATOR OPTIONS...
scenario() {
	name=$1
	aopts=$2
	shift 2
	dir=$build/scenario-$name
	rm -rf "$dir"
	if ! "$gen" --out "$dir/logs" --truth "$dir/truth" --gzip "$@" 2> "$dir.gen-err"; then
		bad "$name: generator failed: $(cat "$dir.gen-err")"
		return
	fi
	rm -f "$dir.gen-err"
	truth=$dir/truth
	# @USER_OF@: a --user-of GLOB=USER per line of the truth's user-of.txt
	case $aopts in
	*@USER_OF@*)
		uo=$(sed "s|^|--user-of $dir/logs/|" "$truth/user-of.txt" | tr '\n' ' ')
		aopts=$(echo "$aopts" | sed "s|@USER_OF@|$uo|")
		;;
	esac
	# shellcheck disable=SC2086
	(set -f; "$bin" $aopts -q -o "$dir/report" "$dir/logs") > "$dir/stdout" 2> "$dir/stderr"
	rc=$?
	if [ $rc -eq 0 ]; then ok "$name: exit code 0"; else bad "$name: exit code $rc ($(head -c 300 "$dir/stderr"))"; fi
	csv=$dir/report/affected-users.csv
	if [ ! -f "$csv" ]; then
		bad "$name: no affected-users.csv"
		return
	fi
	tail -n +2 "$csv" | cut -d, -f1 | LC_ALL=C sort > "$dir/got-users.txt"
	LC_ALL=C sort "$truth/affected-users.txt" > "$dir/want-users.txt"
	want=$(wc -l < "$dir/want-users.txt" | tr -d ' ')
	got=$(wc -l < "$dir/got-users.txt" | tr -d ' ')
	if cmp -s "$dir/want-users.txt" "$dir/got-users.txt"; then
		ok "$name: affected users equal the truth ($want users)"
	else
		missing=$(LC_ALL=C comm -23 "$dir/want-users.txt" "$dir/got-users.txt" | wc -l | tr -d ' ')
		extra=$(LC_ALL=C comm -13 "$dir/want-users.txt" "$dir/got-users.txt" | wc -l | tr -d ' ')
		bad "$name: affected users: want $want, got $got ($missing missing, $extra extra; e.g." \
			"$(LC_ALL=C comm -3 "$dir/want-users.txt" "$dir/got-users.txt" | head -3 | tr '\n\t' '  '))"
	fi

	# window: summary.json {"window": {"start": ISO, "end": ISO}} within one bucket
	read -r tstart tend < "$truth/window.txt"
	if [ -x "$py" ] && [ -f "$dir/report/summary.json" ]; then
		wmsg=$("$py" - "$dir/report/summary.json" "$tstart" "$tend" "$bucket_s" <<'PY'
import json, sys
from datetime import datetime
def t(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
doc = json.load(open(sys.argv[1]))
w = doc.get("window") or {}
s, e = w.get("start"), w.get("end")
if not s or not e:
    print("no window in summary.json (keys: %s)" % sorted(w))
    sys.exit(1)
ds, de = t(s) - t(sys.argv[2]), t(e) - t(sys.argv[3])
msg = "%s..%s vs truth %s..%s (start %+ds, end %+ds)" % (s, e, sys.argv[2], sys.argv[3], ds, de)
print(msg)
sys.exit(0 if abs(ds) <= int(sys.argv[4]) and abs(de) <= int(sys.argv[4]) else 1)
PY
)
		if [ $? -eq 0 ]; then ok "$name: window $wmsg"; else bad "$name: window $wmsg"; fi
	else
		bad "$name: cannot read the window (python3 or summary.json missing)"
	fi

	# each user's numbers (truth users.csv: user, first and last failure,
	# failures, impacted minutes) exactly, and every window to one bucket
	if [ -f "$truth/users.csv" ]; then
		tail -n +2 "$csv" | cut -d, -f1-4,6 > "$dir/got-rows.csv"
		tail -n +2 "$truth/users.csv" > "$dir/want-rows.csv"
		if cmp -s "$dir/want-rows.csv" "$dir/got-rows.csv"; then
			ok "$name: each user's first and last failure, failures and impacted minutes equal the truth"
		else
			bad "$name: user rows differ from the truth (< want, > got):" \
				"$(diff "$dir/want-rows.csv" "$dir/got-rows.csv" | grep '^[<>]' | head -4 | tr '\n' ' ')"
		fi
	fi
	if [ -f "$truth/windows.txt" ] && [ -x "$py" ]; then
		wmsg=$("$py" - "$dir/report/summary.json" "$truth/windows.txt" "$bucket_s" <<'PY'
import json, sys
from datetime import datetime
def t(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
got = [(w["start"], w["end"]) for w in json.load(open(sys.argv[1])).get("windows", [])]
want = [tuple(l.split()) for l in open(sys.argv[2]) if l.strip()]
b = int(sys.argv[3])
ok = len(got) == len(want) and all(abs(t(g[0]) - t(w[0])) <= b and abs(t(g[1]) - t(w[1])) <= b
                                   for g, w in zip(got, want))
print("%d windows %s vs truth %s" % (len(got), " ".join("%s..%s" % g for g in got),
                                      " ".join("%s..%s" % w for w in want)))
sys.exit(0 if ok else 1)
PY
)
		if [ $? -eq 0 ]; then ok "$name: every window: $wmsg"; else bad "$name: windows: $wmsg"; fi
	fi

	# a slow distributed spray: one campaign row; a NAT office is never excluded
	if [ -s "$truth/spray.txt" ]; then
		if grep -q '^spray-campaign,' "$dir/report/excluded.csv"; then
			ok "$name: the spray is one campaign row: $(grep '^spray-campaign,' "$dir/report/excluded.csv" | cut -d, -f2-4)"
		else
			bad "$name: no spray-campaign row in excluded.csv"
		fi
	fi
	if [ -s "$truth/nat-office.txt" ]; then
		if grep -qF "$(cat "$truth/nat-office.txt")" "$dir/report/excluded.csv"; then
			bad "$name: the NAT office $(cat "$truth/nat-office.txt") is excluded"
		else
			ok "$name: the NAT office $(cat "$truth/nat-office.txt") is not excluded"
		fi
	fi

	# log gaps: in data quality, when the proxy's log shows the logins it
	# routed (nginx's "client logged in[ while proxying]" successes)
	if [ -s "$truth/gaps.txt" ] && [ -x "$py" ]; then
		gmsg=$("$py" - "$dir/report/summary.json" "$truth/gaps.txt" "$bucket_s" <<'PY'
import json, sys
from datetime import datetime
def t(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
doc = json.load(open(sys.argv[1]))
if not doc["layers"]["proxy"]["successes"]:
    print("skipped: the proxy layer logged no successful login")
    sys.exit(2)
got = [(g["server"], g["start"], g["end"]) for g in doc["gaps"]]
want = [tuple(l.split()) for l in open(sys.argv[2]) if l.strip()]
b = int(sys.argv[3])
ok = len(got) == len(want) and all(g[0] == w[0] and abs(t(g[1]) - t(w[1])) <= b and
                                   abs(t(g[2]) - t(w[2])) <= b for g, w in zip(got, want))
print("gaps %s vs truth %s" % (got, want))
sys.exit(0 if ok else 1)
PY
)
		case $? in
		0) ok "$name: $gmsg" ;;
		2) echo "skip $name: gaps $gmsg" ;;
		*) bad "$name: $gmsg" ;;
		esac
	fi

	# attackers: never affected, always in excluded.csv
	ex=$dir/report/excluded.csv
	natk=0
	while read -r ip; do
		[ -n "$ip" ] || continue
		natk=$((natk + 1))
		if grep -qF "$ip" "$csv"; then bad "$name: attacker $ip appears in affected-users.csv"; fi
		if [ -f "$ex" ] && grep -qF "$ip" "$ex"; then :; else bad "$name: attacker $ip not in excluded.csv"; fi
	done < "$truth/attackers.txt"
	ok "$name: $natk attacker IPs checked against affected-users.csv and excluded.csv"

	# typo users (wrong password outside the window, then success): not affected
	ntypo=0
	while read -r u; do
		[ -n "$u" ] || continue
		ntypo=$((ntypo + 1))
		if grep -qxF "$u" "$dir/got-users.txt"; then bad "$name: typo user $u is in the affected list"; fi
	done < "$truth/typo-users.txt"
	ok "$name: $ntypo typo users checked"
}

# the generator itself: same seed, same bytes; another seed, other bytes
d1=$build/scenario-det1
d2=$build/scenario-det2
rm -rf "$d1" "$d2"
"$gen" --out "$d1" --seed 7 --hours 1 --users 50 > /dev/null 2>&1
"$gen" --out "$d2" --seed 7 --hours 1 --users 50 > /dev/null 2>&1
if [ -f "$d1/server-imap1.log" ] && diff -r "$d1" "$d2" > /dev/null; then
	ok "generator: same seed gives identical output"
else
	bad "generator: same seed gives different output"
fi
rm -rf "$d2"
"$gen" --out "$d2" --seed 8 --hours 1 --users 50 > /dev/null 2>&1
if diff -r "$d1" "$d2" > /dev/null 2>&1; then bad "generator: seed has no effect"; else ok "generator: seed changes the output"; fi
rm -rf "$d1" "$d2"

scenario temporary "" --style temporary --seed 11 --dovecot24 imap3 --failing imap2,imap3 --fail-prob 0.5
scenario exchange "" --style exchange --seed 12
scenario zurich-rollover "--tz Europe/Zurich" --tz Europe/Zurich --year-rollover --seed 13
# two waves with soft edges: a short failure of imap1, hours later imap2 and
# imap3 failing with a 15 minute ramp up and down
scenario waves "" --hours 8 --seed 21 --backends 4 --failing imap2,imap3 --ramp 15 \
	--wave 2026-01-14T08:00:00Z..2026-01-14T08:30:00Z@imap1 \
	--wave 2026-01-14T10:30:00Z..2026-01-14T11:30:00Z
# the same two windows given by hand (--window twice): the same users and numbers
w=$build/scenario-waves
if [ -f "$w/truth/windows.txt" ]; then
	# shellcheck disable=SC2046
	"$bin" -q -o "$w/given" $(awk '{printf "--window %s..%s ", $1, $2}' "$w/truth/windows.txt") "$w/logs" \
		> /dev/null 2>&1
	tail -n +2 "$w/given/affected-users.csv" 2> /dev/null | cut -d, -f1-4,6 > "$w/given-rows.csv"
	nw=$("$py" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["windows"]))' \
		"$w/given/summary.json" 2> /dev/null)
	if [ -s "$w/given-rows.csv" ] && cmp -s "$w/want-rows.csv" "$w/given-rows.csv" && [ "$nw" = 2 ]; then
		ok "waves: --window twice gives both windows and the same user rows"
	else
		bad "waves: --window twice differs from the truth"
	fi
fi
# stale clients: six forgotten devices poll with an old password all along,
# in an Exchange-style outage that looks like wrong passwords
scenario stale "" --style exchange --seed 12 --stale-users 6
# Exchange Online seen from the client side: only fetchmail logs and the
# Entra sign-in export (an outage attempt is an Entra success), stale devices too
# a slow distributed spray (300 addresses, 1-3 real users each) beside an
# Exchange-style outage, and a NAT office of 12 users
scenario spray "" --style exchange --seed 32 --spray 300 --nat-office 12
# imap1's logging stops for 40 minutes while it keeps serving: nobody is affected from it
scenario log-gap "--server-alias 10.0.1.10=imap1 --server-alias 10.0.1.11=imap2 --server-alias 10.0.1.12=imap3" \
	--seed 41 --log-gap imap1@2026-01-14T07:00:00Z..2026-01-14T07:40:00Z
# imap3 dies in the incident: it logs nothing, only the proxy sees the failures
scenario dead-backend "" --seed 52 --dead-backend imap3
scenario entra "" --style exchange --seed 14 --entra --client-side --users 120 --fetchmail-users 60 \
	--stale-users 4

# Repeated input (issue 15 item 4): a whole copy of a failing backend's log
# under backup/ counts once
scenario duplicate "" --seed 52 --duplicate
# Server identity (item 6): the dead backend appears under its own name,
# learnt from its lip= and the proxy's upstream
scenario dead-backend-name "" --seed 52 --dead-backend imap3
if grep -q '"server": "10.0.1.12' "$build/scenario-dead-backend-name/report/summary.json" 2>/dev/null; then
	bad "dead-backend-name: the proxy's failures are under 10.0.1.12:143, not imap3"
else
	ok "dead-backend-name: the proxy's failures are under imap3"
fi
# Zones per file (item 7): the proxy and the clients log Berlin time, the backends UTC
scenario mixed-zones "--tz server-*=UTC --tz proxy-*=Europe/Berlin --tz client-*=Europe/Berlin" \
	--seed 54 --mixed-zones Europe/Berlin --unnamed-clients 0

# Users a log does not name (item 8): mbsync logs that name no user, one per user
scenario unnamed "@USER_OF@" --seed 53 --unnamed-clients 20

exit $fail
