#!/bin/sh
# run-unit.sh TEST...: run each Check suite; fail if any fails.
# IB_VALGRIND=1 runs them under valgrind with leak checking.
rc=0
for t in "$@"; do
	if [ "${IB_VALGRIND:-}" = 1 ]; then
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$t" || rc=1
	else
		"$t" || rc=1
	fi
done
exit $rc
