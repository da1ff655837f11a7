#!/usr/bin/env bash
# Requests per second for cgi-bin/hello through a real lighttpd, side by
# side: FastCGI (/hello, one process kept) and CGI (/cgi-bin/hello, a
# process per request), plus a static file as the server's own ceiling.
# ab (apache2-utils) drives N requests at concurrency C per round; rounds
# are interleaved so machine noise hits every URL alike.  Prints the
# median requests/s and the ratio of FastCGI to CGI.
set -eu
cd "$(dirname "$0")/.."
command -v lighttpd >/dev/null && command -v ab >/dev/null || {
	echo "bench/fastcgi.sh: needs lighttpd and ab (apache2-utils); skipped"
	exit 0
}
[ -x fcgi/hello ] || { echo "bench/fastcgi.sh: run make first" >&2; exit 1; }
N=${N:-2000}
C=${C:-4}
ROUNDS=${ROUNDS:-3}
T=$(mktemp -d)
lpid=
trap '[ -n "$lpid" ] && kill "$lpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$T/state/sockets" "$T/htdocs"
printf '<!DOCTYPE html><p>static</p>\n' > "$T/htdocs/static.html"
: > "$T/csess.conf"
scripts/lighttpd-conf --cgi-dir "$PWD/cgi-bin" --fcgi-dir "$PWD/fcgi" --config "$T/csess.conf" \
    --logs "$T/state" --state "$T/state" --docroot "$T/htdocs" --port "$port" --no-user \
    hello > "$T/lighttpd.conf"
lighttpd -D -f "$T/lighttpd.conf" &
lpid=$!
for _ in $(seq 1 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done

urls=(/static.html /hello /cgi-bin/hello)
declare -A rps=()
for r in $(seq 1 "$ROUNDS"); do
	for u in "${urls[@]}"; do
		v=$(ab -q -n "$N" -c "$C" -C visits=7 "http://127.0.0.1:$port$u" 2>/dev/null |
		    sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p')
		rps[$u]="${rps[$u]:-} $v"
	done
done
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
printf '%-16s %12s\n' "url" "requests/s"
for u in "${urls[@]}"; do
	printf '%-16s %12s\n' "$u" "$(median <<<"${rps[$u]}")"
done
f=$(median <<<"${rps[/hello]}")
c=$(median <<<"${rps[/cgi-bin/hello]}")
awk -v f="$f" -v c="$c" 'BEGIN { printf "FastCGI / CGI: %.1fx\n", f / c }'
