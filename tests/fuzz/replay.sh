#!/usr/bin/env bash
# tests/fuzz/replay.sh -- the fuzz harnesses in `make check`: each replays
# its seed corpus (tests/fuzz/corpus/NAME: seeds and every regression input
# a crash left), then fuzzes a short burst (FUZZ_BURST seconds, default 8)
# from it into a scratch directory.  Longer runs: `make fuzz`.
# Needs the harnesses built (make fuzz-build; make check builds them).
. "$(dirname "$0")/../lib/harness.sh"

build=${FUZZ_BUILD:-$ROOT/build/fuzz}
burst=${FUZZ_BURST:-8}

for src in "$ROOT"/tests/fuzz/fuzz_*.c; do
	n=${src##*/fuzz_}
	n=${n%.c}
	bin=$build/fuzz_$n
	corpus=$ROOT/tests/fuzz/corpus/$n
	if [ ! -x "$bin" ]; then
		t_fail "fuzz_$n is built" "missing $bin: run make fuzz-build"
		continue
	fi
	count=$(find "$corpus" -type f | wc -l)
	if [ "$count" -eq 0 ]; then
		t_fail "fuzz_$n has a seed corpus" "$corpus is empty"
		continue
	fi
	# Each file once, as given (no fuzzing).
	if "$bin" -timeout=25 "$corpus"/* >"$T/replay-$n.log" 2>&1; then
		t_pass "fuzz_$n replays its $count corpus inputs"
	else
		t_fail "fuzz_$n replays its $count corpus inputs" \
		    "$(grep -E 'ERROR|check failed|SUMMARY' "$T/replay-$n.log" | head -n 3)"
	fi
	mkdir -p "$T/new-$n"
	dict=()
	[ -f "$ROOT/tests/fuzz/$n.dict" ] && dict=(-dict="$ROOT/tests/fuzz/$n.dict")
	if "$bin" -max_total_time="$burst" -max_len=9000 -timeout=25 \
	    -print_final_stats=1 "${dict[@]}" -artifact_prefix="$T/crash-$n-" \
	    "$T/new-$n" "$corpus" >"$T/burst-$n.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/burst-$n.log")
		t_pass "fuzz_$n: ${runs:-?} executions in ${burst}s without a crash"
	else
		t_fail "fuzz_$n: a ${burst}s burst found a crash (inputs kept in $build)" \
		    "$(grep -E 'ERROR|check failed|SUMMARY' "$T/burst-$n.log" | head -n 3)"
		cp "$T"/crash-"$n"-* "$build"/ 2>/dev/null
	fi
done
t_done
