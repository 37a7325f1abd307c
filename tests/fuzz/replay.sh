#!/bin/sh
# Replays tests/fuzz/corpus/NAME/ through build*/fuzz-replay/fuzz_NAME once.
# Ends with "fuzz-replay: N passed, N failed" (one per target).
dir=$1
passed=0
failed=0
for bin in "$dir"/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin" | sed 's/^fuzz_//')
	corpus=tests/fuzz/corpus/$name
	if [ ! -d "$corpus" ]; then
		echo "fuzz-replay: $name: no corpus at $corpus"
		failed=$((failed + 1))
		continue
	fi
	if out=$("$bin" "$corpus" 2>&1); then
		echo "fuzz-replay: $name: $out"
		passed=$((passed + 1))
	else
		printf '%s\n' "$out" | tail -20
		echo "fuzz-replay: $name: FAILED"
		failed=$((failed + 1))
	fi
done
echo "fuzz-replay: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
