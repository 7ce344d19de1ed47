#!/bin/sh
# build-config.sh BIN BUILD: the Makefile records its configuration in
# BUILD/config.mk and rebuilds when it changes: new flags recompile, an
# unchanged configuration recompiles nothing, and where ISA-L is installed
# `make INFLATE=zlib` then `make` rebuilds with ISA-L. One object in a
# scratch build folder, so the test costs seconds.
set -u
build=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
d=$(cd "$build" && pwd)/e2e-config
rm -rf "$d"
obj=$d/obj/analyzer/reader.o
fail=0
check() { # name, command...
	name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
# mk ARGS...: make the object in the scratch folder; prints what it compiled.
# The configuration comes from ARGS alone: make exports its own command
# line to the recipes' environment, so under `make check INFLATE=zlib`
# (as .ci/run does) a plain `make` here would inherit INFLATE=zlib.
# A second first: make compares modification times, and the kernel stamps
# files from a coarse clock.
mk() {
	sleep 1
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u INFLATE -u CFLAGS -u CPPFLAGS -u LDFLAGS \
		-u SAN -u DEFS -u CC -u SYSTEMD make --no-print-directory -C "$top" BUILD="$d" "$@" "$obj" 2>&1
}
compiled() { grep -q 'CC  *analyzer/reader.c' "$d/out"; }

mkdir -p "$d"
mk INFLATE=zlib > "$d/out"
check "first build compiles" compiled
check "config.mk records the backend" grep -q '^INFLATE = zlib$' "$d/config.mk"
mk INFLATE=zlib > "$d/out"
check "same configuration: nothing recompiled" sh -c "! grep -q 'CC ' '$d/out'"
mk INFLATE=zlib DEFS=-DIB_CONFIG_PROBE > "$d/out"
check "new DEFS: recompiled" compiled
check "config.mk records DEFS" grep -q '^DEFS = -DIB_CONFIG_PROBE$' "$d/config.mk"
mk INFLATE=zlib CFLAGS="-O1 -g" > "$d/out"
check "new CFLAGS: recompiled" compiled
if [ -f /usr/include/isa-l/igzip_lib.h ]; then
	mk INFLATE=zlib > "$d/out"
	check "INFLATE=zlib: no ISA-L in the object" sh -c "! nm '$obj' | grep -q isal_inflate"
	mk > "$d/out"
	check "then make: recompiled with ISA-L" compiled
	check "then make: ISA-L in the object" sh -c "nm '$obj' | grep -q isal_inflate"
else
	echo "skip: ISA-L not installed (the zlib-to-ISA-L rebuild is not tried)"
fi
[ $fail -eq 0 ] && rm -rf "$d"
exit $fail
