#!/bin/sh
# Replays tests/fuzz/corpus/NAME/ through build*/fuzz-replay/fuzz_NAME once;
# the page parsers also get the spool fixtures and the demo spool (kept once,
# not copied into the corpus). Ends with "fuzz-replay: N passed, N failed".
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
	case $name in
	vb_html) extra=$(ls tests/fixtures/spool/*.html config/demo-spool/*.html 2>/dev/null) ;;
	vb_text) extra=$(ls tests/fixtures/spool/*.txt config/demo-spool/*.txt 2>/dev/null) ;;
	spool_json) extra=$(ls config/demo-spool/*.json 2>/dev/null) ;;
	board_vbulletin) extra=$(ls tests/fixtures/boards/vbulletin/* tests/fixtures/spool/*.html 2>/dev/null) ;;
	board_phpbb) extra=$(ls tests/fixtures/boards/phpbb/* ../shared/corpora/forum-html/phpbb/*/*.html 2>/dev/null) ;;
	*) extra= ;;
	esac
	# shellcheck disable=SC2086
	if out=$("$bin" "$corpus" $extra 2>&1); then
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
