#!/usr/bin/env bash
# Start-up CPU of a CGI process: whole-process task-clock (perf stat) of
#   hello       a hello-world, nothing linked (the floor)
#   nosign      links libcsess, loads config, makes a session key, no signing
#   nosign+ssl  the same with libcrypto and zlib linked at build time (what
#               csess avoids by loading them with dlopen)
#   sign        links libcsess and signs once (libcrypto loaded lazily)
# Printed as ratios to hello, measured side by side in one run.
# Usage: bench/startup_sign.sh [RUNS]   (after make bench; needs perf)
set -eu
cd "$(dirname "$0")/.."
b=${CSESS_BUILD:-build/rel}/bench
runs=${1:-300}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -Ilib -o "$tmp/nosign_ssl" bench/startup_nosign.c lib/libcsess.a \
    -llmdb -ljansson -lfcgi -lhiredis -Wl,--no-as-needed -lcrypto -lz -Wl,--as-needed -ldl -lm
export CSESS_SECRET_KEY=bench-secret-bench-secret-bench-secret-bench-secret
ms() {
	perf stat -x, -e task-clock -r "$runs" "$@" 2>&1 >/dev/null |
	    awk -F, '/task-clock/ { print $1 }'
}
# Three interleaved rounds; the fastest of each is kept (noise only adds).
declare -A best
progs=(hello:"$b/startup_hello" nosign:"$b/startup_nosign"
    nosign+ssl:"$tmp/nosign_ssl" sign:"$b/startup_sign")
for round in 1 2 3; do
	for p in "${progs[@]}"; do
		name=${p%%:*}
		t=$(ms "${p#*:}")
		if [ -z "${best[$name]:-}" ] || awk -v a="$t" -v b="${best[$name]}" 'BEGIN { exit !(a < b) }'; then
			best[$name]=$t
		fi
	done
done
for p in "${progs[@]}"; do
	name=${p%%:*}
	awk -v n="$name" -v t="${best[$name]}" -v h="${best[hello]}" \
	    'BEGIN { printf "%-11s %7.3f ms task-clock  %5.2fx hello\n", n, t, t / h }'
done
