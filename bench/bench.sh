#!/bin/sh
# bench.sh BUILD: imapblast throughput against zcat and a grep pipeline on a
# generated corpus (bench/gen, >= 1 GB uncompressed by default; BENCH_BYTES
# overrides, e.g. BENCH_BYTES=50000000 for a quick run). The corpus is
# cached in BUILD/bench-corpus/. Prints a table and writes bench/results.md.
# The last rows run on a generated day of many users logging in every 15
# minutes (BENCH_DAY_USERS, default 500000, issue 18's day: about 65 KB
# of plain logs per user, 32 GB; generated in BUILD/bench-tmp and deleted
# after) at -j 1 and -j 2, once each, for the peak RSS per user
# (docs/method.md, "Memory model"), then at -j 2 with --save-state, and
# `imapblast merge` of that state alone: the state's size, both peaks,
# and whether the merged report is the run's. The day is written .gz (about 9.5 KB
# a user, slower to generate) when the disk has no room for it plain, or
# with BENCH_DAY_GZIP=1; it is left out when neither fits, and with
# BENCH_DAY_USERS=0. BENCH_RSS_BEFORE (MiB, default 80.0: row 3 of
# results.md before issue 18) is what the -j 1 peak RSS is compared to.
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/imapblast
gen=$build/bench/gen
bytes=${BENCH_BYTES:-1073741824}
runs=${BENCH_RUNS:-3}
day_users=${BENCH_DAY_USERS:-500000}
day_gzip=${BENCH_DAY_GZIP:-0}
rss_before=${BENCH_RSS_BEFORE:-80.0}
cdir=$build/bench-corpus/v1-$bytes
results=$top/bench/results.md
tmp=$build/bench-tmp
rm -rf "$tmp"
mkdir -p "$tmp" || exit 1

die() {
	echo "bench: $*" >&2
	exit 1
}

[ -x "$gen" ] || die "$gen missing: run make tools"
[ -x "$bin" ] || die "$bin missing: run make"

# ---- corpus: generate once, keep plain, .gz and 4 split .gz ----
if [ ! -f "$cdir/done" ]; then
	echo "bench: generating a $bytes-byte corpus in $cdir (once)"
	rm -rf "$cdir"
	mkdir -p "$cdir" || exit 1
	"$gen" --out "$cdir/gen" --truth "$cdir/truth" --bench-size "$bytes" --combined \
		--proxy-share 0 --seed 42 || die "generator failed"
	mv "$cdir/gen/messages.log" "$cdir/all.log" || exit 1
	rm -rf "$cdir/gen"
	gzip -6 -n -c "$cdir/all.log" > "$cdir/all.log.gz" || die "gzip failed"
	(cd "$cdir" && split -n l/4 -d -a 1 all.log part-) || die "split failed"
	for p in "$cdir"/part-?; do
		gzip -6 -n "$p" || die "gzip failed"
		mv "$p.gz" "$p.log.gz"
	done
	touch "$cdir/done"
fi
plain=$cdir/all.log
gz=$cdir/all.log.gz
parts=$(ls "$cdir"/part-?.log.gz)
size=$(wc -c < "$plain" | tr -d ' ')
users=$(wc -l < "$cdir/truth/affected-users.txt" | tr -d ' ')
lines=$(wc -l < "$plain" | tr -d ' ')
logins=$(LC_ALL=C grep -c 'imap-login: Login:' "$plain")

# syslog dates have no year; the corpus is dated 2026
iopts="--year 2026 -q --force"

# ---- timing ----
have_time=0
[ -x /usr/bin/time ] && have_time=1
[ $have_time -eq 1 ] || echo "bench: /usr/bin/time missing: wall time from date(1), no peak RSS"

# measure NAME CMD [N]: runs CMD (a shell string) N times (default $runs); appends
# "NAME med min max rss rc" to $tmp/rows
measure() {
	name=$1
	cmd=$2
	n=${3:-$runs}
	: > "$tmp/t"
	rc=0
	i=0
	while [ $i -lt "$n" ]; do
		i=$((i + 1))
		if [ $have_time -eq 1 ]; then
			/usr/bin/time -f '%e %M' -o "$tmp/one" sh -c "$cmd" > "$tmp/out.$name" 2> "$tmp/err.$name"
			r=$?
			tail -n 1 "$tmp/one" >> "$tmp/t"
		else
			s=$(date +%s.%N)
			sh -c "$cmd" > "$tmp/out.$name" 2> "$tmp/err.$name"
			r=$?
			e=$(date +%s.%N)
			awk -v s="$s" -v e="$e" 'BEGIN { print e - s, 0 }' >> "$tmp/t"
		fi
		# imapblast exits 1 when some input was unreadable; that is still a run
		[ $r -le 1 ] || rc=$r
	done
	sort -n "$tmp/t" | awk -v n="$name" -v rc="$rc" '
		{ t[NR] = $1; if ($2 > rss) rss = $2 }
		END { printf "%s %s %s %s %d %d\n", n, t[int((NR + 1) / 2)], t[1], t[NR], rss, rc }' \
		>> "$tmp/rows"
	echo "bench: $name done (exit $rc)"
}

: > "$tmp/rows"
measure zcat "zcat '$gz' > /dev/null"
measure grep "zcat '$gz' | LC_ALL=C grep -c 'auth failed'"
[ -x "$build/bench/read_bench" ] && measure rd_gz "'$build/bench/read_bench' '$gz'"
zbin=$build/zlib/imapblast
[ -x "$build/zlib/bench/read_bench" ] && measure rd_gz_zlib "'$build/zlib/bench/read_bench' '$gz'"
# -j 1 is one thread for everything; the default (-j 2 here, one file)
# adds a reading thread that inflates while the first parses
measure ib_gz1 "'$bin' $iopts -j 1 -o '$build/bench-report-gz1' '$gz'"
measure ib_gz "'$bin' $iopts -j 2 -o '$build/bench-report' '$gz'"
if [ -x "$zbin" ]; then
	measure ib_gz_zlib1 "'$zbin' $iopts -j 1 -o '$build/bench-report-zlib' '$gz'"
	measure ib_gz_zlib "'$zbin' $iopts -j 2 -o '$build/bench-report-zlib' '$gz'"
fi
measure ib_plain1 "'$bin' $iopts -j 1 -o '$build/bench-report-plain' '$plain'"
measure ib_plain "'$bin' $iopts -j 2 -o '$build/bench-report-plain' '$plain'"
# shellcheck disable=SC2086
measure ib_parts1 "'$bin' $iopts -j 1 -o '$build/bench-report-j1' $(echo $parts)"
# shellcheck disable=SC2086
measure ib_j2 "'$bin' $iopts -j 2 -o '$build/bench-report-j2' $(echo $parts)"
# many users, every login bucket a cell: memory, not speed (once each at
# -j 1 and -j 2; the peak RSS of such a run varies little)
day_note=""
if [ "$day_users" -gt 0 ]; then
	# KiB the day needs: about 65 KB a user plain, 9.5 KB gzip'd (gen -6), and a fifth more
	need_plain=$((day_users * 78))
	need_gz=$((day_users * 12))
	avail=$(df -Pk "$build" | awk 'NR == 2 { print $4 }')
	day_flag=""
	if [ "$day_gzip" = 1 ] || [ "${avail:-0}" -lt "$need_plain" ]; then
		day_flag="--gzip"
		[ "${avail:-0}" -ge "$need_gz" ] || day_flag="none"
	fi
	if [ "$day_flag" = none ]; then
		day_note="day of $day_users users: left out, $need_gz KiB needed even gzip'd, ${avail:-0} KiB free"
		echo "bench: $day_note" >&2
		day_users=0
	else
		echo "bench: generating a day of $day_users users ${day_flag:-plain} in $tmp/day"
		"$gen" --out "$tmp/day" --users "$day_users" --interval 15 --hours 24 --background-rate 0 \
			--seed 3 $day_flag > /dev/null || die "generator failed (day)"
		if [ -n "$day_flag" ]; then
			day_size=$(cat "$tmp/day"/*.log.gz | gzip -dc | wc -c | tr -d ' ')
			day_kind="gzip'd"
		else
			day_size=$(cat "$tmp/day"/*.log | wc -c | tr -d ' ')
			day_kind="uncompressed"
		fi
		measure ib_day "'$bin' -q --force -j 1 -o '$build/bench-report-day' '$tmp/day'" 1
		measure ib_day2 "'$bin' -q --force -j 2 -o '$build/bench-report-day2' '$tmp/day'" 1
		# the state a machine would send for imapblast merge, and that merge alone
		measure ib_day_save "'$bin' -q --force -j 2 -o '$build/bench-report-day3' --save-state '$tmp/day.state' '$tmp/day'" 1
		rm -rf "$tmp/day"
		day_state=$(wc -c < "$tmp/day.state" 2>/dev/null | tr -d ' ')
		measure ib_day_merge "'$bin' merge -q --force -o '$build/bench-report-daym' '$tmp/day.state'" 1
		rm -f "$tmp/day.state"
		day_same="identical"
		for f in affected-users.csv summary.json timeline.svg; do
			cmp -s "$build/bench-report-day2/$f" "$build/bench-report-daym/$f" || day_same="DIFFERENT ($f)"
		done
	fi
fi
# the -j 1 reports are the byte-identity references
same1="identical"
for f in "$build/bench-report-gz1"/*; do
	cmp -s "$f" "$build/bench-report/$(basename "$f")" || same1="DIFFERENT ($(basename "$f"))"
done
same="identical"
if [ ! -d "$build/bench-report-j1" ] || [ ! -d "$build/bench-report-j2" ]; then
	same="NOT CHECKED (a report is missing)"
else
	for f in "$build/bench-report-j1"/*; do
		b=$(basename "$f")
		if ! cmp -s "$f" "$build/bench-report-j2/$b"; then
			same="DIFFERENT ($b)"
			break
		fi
	done
	[ "$(ls "$build/bench-report-j1" | wc -l)" -gt 0 ] || same="NOT CHECKED (empty report)"
fi

# ---- table ----
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')
ncpu=$(grep -c '^processor' /proc/cpuinfo 2>/dev/null)
version=$("$bin" --version 2>&1 | tr '\n' ' ')
now=$(date -u '+%Y-%m-%d %H:%M UTC')
grepcount=$(cat "$tmp/out.grep" 2>/dev/null)

awk -v size="$size" -v day_size="${day_size:-0}" -v day_users="$day_users" -v day_kind="${day_kind:-}" \
	-v rss_before="$rss_before" -v day_note="$day_note" -v day_state="${day_state:-0}" '
	function mbs(t) { return t > 0 ? size / 1e6 / t : 0 }
	BEGIN {
		label["zcat"] = "1. zcat FILE.gz > /dev/null"
		label["grep"] = "2. zcat FILE.gz \\| grep -c '\''auth failed'\''"
		label["rd_gz"] = "0. reader alone on FILE.gz (inflate + lines, default backend)"
		label["rd_gz_zlib"] = "0z. reader alone on FILE.gz, zlib backend"
		label["ib_gz1"] = "3. imapblast -j 1 FILE.gz (one thread)"
		label["ib_gz"] = "3a. imapblast -j 2 FILE.gz (+ reading thread)"
		label["ib_gz_zlib1"] = "3z. imapblast -j 1 FILE.gz, zlib backend (one thread)"
		label["ib_gz_zlib"] = "3za. imapblast -j 2 FILE.gz, zlib backend (+ reading thread)"
		label["ib_plain1"] = "4. imapblast -j 1 FILE (uncompressed, one thread)"
		label["ib_plain"] = "4a. imapblast -j 2 FILE (uncompressed, + reading thread)"
		label["ib_parts1"] = "5a. imapblast -j 1 on 4 split .gz"
		label["ib_j2"] = "5. imapblast -j 2 on 4 split .gz"
		label["ib_day"] = "6. imapblast -j 1 on a day of " day_users " users every 15 min (" day_kind ", one run)"
		label["ib_day2"] = "6a. imapblast -j 2 on the same day (one run)"
		label["ib_day_save"] = "6b. imapblast -j 2 --save-state on the same day (one run)"
		label["ib_day_merge"] = "6c. imapblast merge of that state alone (MB/s: bytes of the logs behind it)"
		print "| run | MB/s median | MB/s min | MB/s max | seconds (median) | peak RSS MB | exit |"
		print "|---|---|---|---|---|---|---|"
	}
	$1 ~ /^ib_day/ {
		dsz = size; size = day_size
	}
	{
		v[$1] = mbs($2)
		rss[$1] = $5
		printf "| %s | %.1f | %.1f | %.1f | %.2f | %.1f | %s |\n", label[$1], mbs($2), mbs($4), mbs($3), $2, $5 / 1024, $6
	}
	$1 ~ /^ib_day/ {
		size = dsz
	}
	END {
		print ""
		if (v["zcat"] > 0) {
			printf "imapblast / zcat: %.2f (gz, -j 1), %.2f (gz, -j 2 one file), %.2f (zlib, -j 1), %.2f (zlib, -j 2 one file), %.2f (-j 2, 4 files)\n", v["ib_gz1"] / v["zcat"], v["ib_gz"] / v["zcat"], v["ib_gz_zlib1"] / v["zcat"], v["ib_gz_zlib"] / v["zcat"], v["ib_j2"] / v["zcat"]
			printf "reader alone / zcat: %.2f (default backend), %.2f (zlib)\n", v["rd_gz"] / v["zcat"], v["rd_gz_zlib"] / v["zcat"]
		}
		if (v["ib_parts1"] > 0) printf "-j 2 / -j 1 on the 4 split files: %.2f\n", v["ib_j2"] / v["ib_parts1"]
		if (v["ib_gz1"] > 0) printf "-j 2 on 4 files / -j 1 on the single .gz: %.2f\n", v["ib_j2"] / v["ib_gz1"]
		printf "uncompressed: %.0f MB/s (-j 1), %.0f MB/s (-j 2 one file)\n", v["ib_plain1"], v["ib_plain"]
		if (rss["ib_day"] > 0) printf "day of %d users: peak RSS %.1f MiB (-j 1), %.1f MiB (-j 2), %.1f KiB per user (-j 1)\n", day_users, rss["ib_day"] / 1024, rss["ib_day2"] / 1024, rss["ib_day"] / day_users
		if (day_state > 0) printf "day of %d users: state %.1f MB (%.0f bytes per user) for %.1f GB of logs; --save-state peak RSS %.1f MiB; merge peak RSS %.1f MiB\n", day_users, day_state / 1e6, day_state / day_users, day_size / 1e9, rss["ib_day_save"] / 1024, rss["ib_day_merge"] / 1024
		if (v["grep"] > 0) printf "imapblast / (zcat | grep): %.2f (gz, -j 1), %.2f (gz, -j 2 one file), %.2f (-j 2, 4 files)\n", v["ib_gz1"] / v["grep"], v["ib_gz"] / v["grep"], v["ib_j2"] / v["grep"]
		print ""
		print "Issue 18 targets:"
		if (v["zcat"] > 0) {
			target("gz, -j 1, one file / zcat", v["ib_gz1"] / v["zcat"], ">=", 2.3, "%.2f")
			target("gz, -j 2, one file / zcat", v["ib_gz"] / v["zcat"], ">=", 3.2, "%.2f")
		}
		target("uncompressed, -j 1, MB/s", v["ib_plain1"], ">=", 1000, "%.0f")
		target("peak RSS MiB, gz -j 1 (before: " rss_before ")", rss["ib_gz1"] / 1024, "<=", rss_before / 2, "%.1f")
		if (rss["ib_day"] > 0) {
			target("peak RSS MiB, day of " day_users " users, -j 1", rss["ib_day"] / 1024, "<=", 1536, "%.1f")
			target("peak RSS MiB, day of " day_users " users, -j 2", rss["ib_day2"] / 1024, "<=", 1536, "%.1f")
		} else if (day_note != "") {
			print "- " day_note
		}
	}
	# one line per target: what, the measured value, and met or missed
	function target(what, got, op, want, fmt) {
		printf "- %s: " fmt " (target " op " " fmt "): %s\n", what, got, want,
			(op == ">=" ? got >= want : got <= want) ? "met" : "MISSED"
	}' "$tmp/rows" > "$tmp/table"

classify=""
if [ -x "$build/bench/classify_bench" ]; then
	classify=$("$build/bench/classify_bench" 2>&1 | tail -n 40)
fi

{
	echo "# imapblast benchmark"
	echo
	echo "- date: $now"
	echo "- CPU: $cpu ($ncpu logical CPUs)"
	echo "- imapblast: $version"
	echo "- corpus: $size bytes uncompressed ($lines lines, $logins successful logins, ~100k users," \
		"$users affected), gzip -6; generated by \`gen --bench-size $bytes --combined --proxy-share 0 --seed 42\`"
	echo "- each run $runs times; MB/s is uncompressed input per wall-clock second (median, min, max)"
	[ $have_time -eq 1 ] || echo "- /usr/bin/time missing: no peak RSS"
	echo
	cat "$tmp/table"
	echo
	echo "grep pipeline count of 'auth failed': $grepcount"
	echo
	echo "-j 2 report vs -j 1 report on the same 4 files: $same"
	echo
	echo "-j 2 report (reading thread) vs -j 1 report on the single .gz: $same1"
	if [ -n "${day_same:-}" ]; then
		echo
		echo "merge of the day's state vs the -j 2 run on the day (affected-users.csv, summary.json, timeline.svg): $day_same"
	fi
	if [ -n "$classify" ]; then
		echo
		echo "## classify_bench"
		echo
		echo '```'
		echo "$classify"
		echo '```'
	fi
} > "$results"
cat "$results"
echo
echo "bench: written to $results"
for n in ib_gz1 ib_gz ib_plain ib_j2; do
	if [ -s "$tmp/err.$n" ]; then
		echo "bench: stderr of $n: $(head -c 300 "$tmp/err.$n")"
	fi
done
case $same$same1${day_same:-identical} in
identicalidenticalidentical) exit 0 ;;
*) exit 1 ;;
esac
