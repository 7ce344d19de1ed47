#!/bin/sh
# run.sh [SECONDS] [HARNESS...]: build the libFuzzer harnesses with clang
# (ASan+UBSan, the library rebuilt with the same sanitizers into
# build/fuzz/) and run each for SECONDS (default 60), one at a time. Seeds:
# samples/, tests/regress/ and the shared corpus read in place; the
# generated corpus goes to build/fuzz/corpus-NAME/, crash files to
# build/fuzz/. Fails when a harness does not build or finds a crash.
# FUZZ_JOBS=N builds with N parallel compiles (default 2). FUZZ_RUNS=N
# runs each harness N times from seed 1 instead (deterministic: CI uses it).
set -u
cd "$(dirname "$0")/../.."
root=$(pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
names=${*:-parser syslog rules classify reader state}
out=build/fuzz
CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null 2>&1 || { echo "fuzz: $CC not found" >&2; exit 1; }
mkdir -p "$out/obj"

san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cflags="-O1 -g -std=c11 -Iinclude -D_GNU_SOURCE -DIB_SOURCE_DIR=\"$root\" -DIB_SAMPLES_DIR=\"$root/samples\""
libs="$(pkg-config --libs libpcre2-8 zlib) -lJudy -lm -pthread"
cflags="$cflags $(pkg-config --cflags libpcre2-8 zlib)"
if [ -f /usr/include/isa-l/igzip_lib.h ]; then
	cflags="$cflags -DIB_HAVE_ISAL"
	libs="$libs -lisal"
fi
[ -f build/gen/default_rules.c ] || make -s build/gen/default_rules.c || exit 1

# library objects (everything but main.c), rebuilt when the source is newer
objs=""
for src in $(ls analyzer/*.c parsers/*.c | grep -v '^analyzer/main\.c$') build/gen/default_rules.c; do
	obj=$out/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
	objs="$objs $obj"
	if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find include parsers analyzer -name '*.h' -newer "$obj" 2>/dev/null | head -1)" ]; then
		echo "  CC      $src"
		$CC $cflags $san -fsanitize=fuzzer-no-link -c "$src" -o "$obj" || exit 1
	fi
done

# state seed: one saved aggregate, when the regular binary exists
seeds_state=$out/seed-state
if [ -x build/imapblast ] && [ ! -f "$seeds_state/sample.state" ]; then
	mkdir -p "$seeds_state"
	seedin=$(ls -d samples/* ../shared/corpus/fail2ban/dovecot 2>/dev/null | head -5)
	if [ -n "$seedin" ]; then
		build/imapblast -q --year 2026 --force -o "$out/seed-report" --save-state "$seeds_state/sample.state" \
			$seedin >/dev/null 2>&1
	fi
fi

corpus=$root/../shared/corpus
fail=0
for name in $names; do
	bin=$out/fuzz_$name
	echo "  LINK    $bin"
	$CC $cflags $san -fsanitize=fuzzer "tests/fuzz/fuzz_$name.c" $objs $libs -o "$bin" || exit 1
	mkdir -p "$out/corpus-$name"
	seeds=""
	for d in samples "tests/regress/$name" "$corpus/fail2ban"; do
		[ -d "$d" ] && [ -n "$(ls -A "$d" 2>/dev/null)" ] && seeds="$seeds $d"
	done
	case $name in
	parser) # inputs name their parser on the first line: every sample under every name
		mkdir -p "$out/seed-parser"
		for p in $(sed -n 's/^ *\.name = "\([a-z0-9_]*\)",$/\1/p' parsers/*.c); do
			for f in samples/formats/*.* samples/formats/multilayer/*.log; do
				{ echo "$p"; head -c 60000 "$f"; } > "$out/seed-parser/$p-$(basename "$f")"
			done
		done
		seeds="$seeds $out/seed-parser" ;;
	rules) seeds="$seeds $out/seed-rules"; mkdir -p "$out/seed-rules"; cp analyzer/default.rules "$out/seed-rules/" ;;
	state) seeds="$seeds $seeds_state"; mkdir -p "$seeds_state" ;;
	reader) # gzip seeds: one member, two members, made from the corpus
		mkdir -p "$out/seed-reader"
		for f in "$corpus"/fail2ban/*; do
			[ -f "$f" ] || continue
			b=$(basename "$f")
			head -c 20000 "$f" | gzip -c > "$out/seed-reader/$b.gz"
			cat "$out/seed-reader/$b.gz" "$out/seed-reader/$b.gz" > "$out/seed-reader/$b.2.gz"
		done
		seeds="$seeds $out/seed-reader" ;;
	esac
	maxlen=65536
	case $name in reader) maxlen=1048576 ;; classify) maxlen=8192 ;; esac
	# FUZZ_RUNS=N: a fixed number of runs from a fixed seed instead of a time
	# budget, so that CI explores exactly what a developer ran before pushing
	if [ -n "${FUZZ_RUNS:-}" ]; then
		budget="-runs=$FUZZ_RUNS -seed=1"
		echo "== fuzz: $name for $FUZZ_RUNS runs (seed 1)"
	else
		budget="-max_total_time=$secs"
		echo "== fuzz: $name for ${secs}s"
	fi
	# shellcheck disable=SC2086
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin" $budget -rss_limit_mb=2048 -max_len=$maxlen -timeout=30 \
		-print_final_stats=1 -artifact_prefix="$out/$name-" "$out/corpus-$name" $seeds \
		> "$out/$name.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$name.log" | tail -1)
	if [ $rc -ne 0 ]; then
		echo "== fuzz: $name: FAILED (exit $rc), see $out/$name.log"
		grep -E 'ERROR|SUMMARY|Test unit written' "$out/$name.log" | head -5
		fail=1
	else
		echo "== fuzz: $name: ok, ${execs:-?} executions"
	fi
done
exit $fail
