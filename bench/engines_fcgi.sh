#!/usr/bin/env bash
# The FastCGI protected page per session engine, side by side in one run
# under one nginx: requests per second with wrk on loopback, every request
# logged in (a Cookie header rotating over $SESSIONS sessions of that
# engine), each program 2 processes (spawn-fcgi).  The page checks the
# session's user and counts the visit in the session: a write per request.
#   floor        bench/hello_fcgi (libfcgi writing a fixed page)
#   lmdb         SESSION_SYNC=none (the fastest durable-enough setting)
#   redis        a redis-server on a loopback port (no persistence)
#   file         SESSION_FILE_PATH on the same disk as the LMDB store
#   cache        a memcached on a loopback port
#   cached_db    memcached in front of LMDB (SESSION_SYNC=none)
# Rounds are interleaved; each row is the median; ratios are to lmdb and to
# the floor.  Redis and memcached are started here, stopped by their PIDs.
#
# Environment: DURATION (s per wrk run, default 5), ROUNDS (3), CONNS (32),
# SESSIONS (100), BENCH_TMP (where the stores live, default /var/tmp).
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
build=${CSESS_BUILD:-build/rel}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-32}
SESSIONS=${SESSIONS:-100}

for c in wrk nginx spawn-fcgi redis-server memcached curl python3; do
	command -v "$c" >/dev/null || {
		echo "bench/engines_fcgi.sh: needs $c (scripts/deps bench installs it); skipped"
		exit 0
	}
done
for f in "$build/bench/hello_fcgi" fcgi/protected fcgi/login bin/csess; do
	[ -x "$f" ] || { echo "bench/engines_fcgi.sh: $f missing: run make bench" >&2; exit 1; }
done

T=$(mktemp -d "${BENCH_TMP:-/var/tmp}/csess-engines.XXXXXX")
chmod 755 "$T"
pids=()
cleanup() {
	local f p
	for f in "$T"/*.pids; do
		[ -f "$f" ] && for p in $(cat "$f"); do kill "$p" 2>/dev/null || true; done
	done
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT HUP

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
port=$(free_port)
rport=$(free_port)
mport=$(free_port)
BASE=http://127.0.0.1:$port
mkdir -p "$T/run" "$T/nginx" "$T/redis"
mkdir -m 700 "$T/data" "$T/files"

redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$T/redis" --daemonize no >"$T/redis.log" 2>&1 &
pids+=($!)
# memcached will not run as root unless told which user to be.
memcached -l 127.0.0.1 -p "$mport" -U 0 -m 256 -u "$(id -un)" >"$T/memcached.log" 2>&1 &
pids+=($!)

engines=(lmdb redis file cache cached_db)
secret=$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')
for e in "${engines[@]}"; do
	{
		echo "SECRET_KEY = $secret"
		echo "SESSION_ENGINE = $e"
		echo "SESSION_STORE = $T/data/sessions.mdb"
		echo "SESSION_SYNC = none"
		echo "PASSWORD_ITERATIONS = 1000"
		echo "SESSION_REDIS_URL = redis://127.0.0.1:$rport/0"
		echo "SESSION_FILE_PATH = $T/files"
		echo "SESSION_CACHE_URL = memcached://127.0.0.1:$mport"
	} > "$T/$e.conf"
	chmod 600 "$T/$e.conf"
done
for _ in $(seq 1 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$rport") 2>/dev/null &&
	    (exec 3<>"/dev/tcp/127.0.0.1/$mport") 2>/dev/null && break
	sleep 0.1
done
# Users live in the LMDB store, or in Redis with the redis engine.
echo bench-password | CSESS_CONFIG=$T/lmdb.conf bin/csess user add bench >/dev/null
echo bench-password | CSESS_CONFIG=$T/redis.conf bin/csess user add bench >/dev/null

spawn() {
	env -i PATH=/usr/bin:/bin CSESS_CONFIG="$2" spawn-fcgi -F 2 -s "$T/run/$1.sock" -M 0666 \
	    -P "$T/$1.pids" -- "$3" >/dev/null
}
spawn hello "$T/lmdb.conf" "$ROOT/$build/bench/hello_fcgi"
locations="location = /hello { fastcgi_pass unix:$T/run/hello.sock; }"
for e in "${engines[@]}"; do
	spawn "login-$e" "$T/$e.conf" "$ROOT/fcgi/login"
	spawn "protected-$e" "$T/$e.conf" "$ROOT/fcgi/protected"
	locations="$locations
		location = /$e/login { fastcgi_pass unix:$T/run/login-$e.sock; }
		location = /$e/protected { fastcgi_pass unix:$T/run/protected-$e.sock; }"
done

cat > "$T/nginx.conf" <<EOF
user $(id -un) $(id -gn);
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $T/nginx/client_body;
	fastcgi_temp_path $T/nginx/fastcgi;
	proxy_temp_path $T/nginx/proxy;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	server {
		listen 127.0.0.1:$port;
		include /etc/nginx/fastcgi_params;
		fastcgi_param REQUEST_URI \$request_uri;
		$locations
	}
}
EOF
nginx -c "$T/nginx.conf" -p "$T/nginx/" -g 'daemon off;' 2>"$T/nginx/stderr" &
pids+=($!)
for _ in $(seq 1 100); do
	curl -s -o /dev/null --max-time 2 "$BASE/hello" && break
	sleep 0.1
done

# login_one ENGINE N: a session made through that engine's login page.
login_one() {
	local jar=$T/jar.$1.$2 tok
	tok=$(curl -s -c "$jar" -b "$jar" "$BASE/$1/login" |
	    sed -n 's/.*name="csrfmiddlewaretoken" value="\([A-Za-z0-9]*\)".*/\1/p' | head -n 1)
	curl -s -o /dev/null -c "$jar" -b "$jar" -H "Origin: $BASE" --data-urlencode username=bench \
	    --data-urlencode password=bench-password --data-urlencode "csrfmiddlewaretoken=$tok" \
	    "$BASE/$1/login"
	awk '$6 == "sessionid" { s = $7 } END { if (s != "") printf "sessionid=%s\n", s }' "$jar"
	rm -f "$jar"
}
for e in "${engines[@]}"; do
	for i in $(seq 1 "$SESSIONS"); do login_one "$e" "$i"; done > "$T/cookies-$e"
	n=$(sort -u "$T/cookies-$e" | grep -c . || true)
	[ "$n" -eq "$SESSIONS" ] || {
		echo "bench/engines_fcgi.sh: $n of $SESSIONS $e sessions made" >&2
		cat "$T/nginx/error.log" >&2
		exit 1
	}
	# A logged-in answer, not a redirect to the login.
	out=$(curl -s -i -H "Cookie: $(head -n 1 "$T/cookies-$e")" "$BASE/$e/protected")
	case "$out" in
	"HTTP/1.1 200"*) grep -q bench <<<"$out" || { echo "bench/engines_fcgi.sh: $e: not logged in" >&2; exit 1; } ;;
	*) echo "bench/engines_fcgi.sh: $e/protected answered: $(head -n 1 <<<"$out")" >&2; exit 1 ;;
	esac
done
echo "x" > "$T/cookies-none"

wrk_rps() {
	local out
	out=$(wrk -t 2 -c "$CONNS" -d "${DURATION}s" -s bench/cookies.lua "$BASE$1" -- "$2")
	if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
		echo "bench/engines_fcgi.sh: $1: $out" >&2
		exit 1
	fi
	sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$out"
}

declare -A res=()
for round in $(seq 1 "$ROUNDS"); do
	res[floor]="${res[floor]:-} $(wrk_rps /hello "$T/cookies-none")"
	for e in "${engines[@]}"; do
		res[$e]="${res[$e]:-} $(wrk_rps "/$e/protected" "$T/cookies-$e")"
	done
	echo "round $round of $ROUNDS done" >&2
done

median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
floor=$(median <<<"${res[floor]}")
lmdb=$(median <<<"${res[lmdb]}")
echo "FastCGI protected page per session engine (wrk, $CONNS connections, ${DURATION}s x $ROUNDS rounds, median)"
printf '%-12s %10s %9s %9s\n' row "req/s" "x lmdb" "x floor"
printf '%-12s %10.0f %9s %9.2f\n' floor "$floor" - 1
for e in "${engines[@]}"; do
	v=$(median <<<"${res[$e]}")
	printf '%-12s %10.0f %9.2f %9.2f\n' "$e" "$v" "$(awk -v a="$v" -v b="$lmdb" 'BEGIN { print a / b }')" \
	    "$(awk -v a="$v" -v b="$floor" 'BEGIN { print a / b }')"
done
