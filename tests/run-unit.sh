#!/bin/sh
# Runs each cmocka test binary given as an argument, prints its output, and
# ends with one summary line over all of them: "unit: N passed, N failed".
# the code under test logs to stderr, not to syslog (see log.h)
export FORUMGATE_LOG=stderr
passed=0
failed=0
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^\[       OK \]')
	f=$(printf '%s\n' "$out" | grep '^\[  FAILED  \] [a-z_]' | sort -u | wc -l)
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$t: exited with status $rc"
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
