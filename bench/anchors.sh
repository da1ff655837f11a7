#!/usr/bin/env bash
# FastCGI side by side, in one run, under one nginx: requests per second
# with wrk on loopback, every request logged in (a Cookie header rotating
# over $SESSIONS sessions, default 200), each program 2 processes:
#   floor             bench/hello_fcgi: libfcgi writing a fixed page
#   gate              cgi-bin/gate as a plain FastCGI responder (no
#                     X-Original-URI: 200 + X-Remote-User), one FastCGI
#                     request per HTTP request like the floor
#   gate+static       nginx auth_request to the gate, then a static file
#   static            that static file without the gate (nginx alone)
#   protected full/meta/none   cgi-bin/protected (checks the session's
#                     user, counts the visit in the session: a write
#                     per request) under each SESSION_SYNC
#   php rw / php ro   PHP-FPM (pool of 2, files session handler):
#                     session_start() counting visits, and
#                     session_start(['read_and_close' => true])
#   django            a @login_required view reading request.session,
#                     db sessions on sqlite, gunicorn with 2 workers
#                     (nginx proxies to it)
#   lmdb full/meta/none   bench/lmdb_commit: one mdb_put + commit per
#                     iteration, one process: the ceiling for pages that
#                     write, with lib/lmdb_env.c's flags for each mode; it
#                     runs in 1 s slices alternating with the protected
#                     page of its mode, the pair seeing the same disk
#   store full/meta/none x2   bench/store_commit: the page's write without
#                     FastCGI -- load one of 200 sessions, save it back --
#                     through the csess store, two processes on one store;
#                     in the same slices as the page and the loop, so that
#                     page / store is what serving costs and store / lmdb
#                     what the store's commit costs
#   lmdb full/meta x2     the same loop in two processes on one store, as
#                     the protected page's two workers write it: LMDB
#                     holds its one writer lock through the sync, and the
#                     disk idles while the other process takes it over
# Rounds are interleaved so machine noise hits every row alike; each row
# is the median over rounds.  Ratios are to the floor (lmdb rows and the
# protected pages that sync are also compared with each other).
# Then worker RSS of the protected page (SESSION_SYNC=none) after 100,000
# requests, and what of it is the mapped store.
#
# Environment: ONLY (an extended regex: only the rows whose name matches,
# with the floor), DURATION (s per wrk run, default 5), ROUNDS (3), SLICE (s
# per slice of a protected page and its bare loop, 1), CONNS (32),
# SESSIONS (200), RSS_REQUESTS (100000), BENCH_OUT (a directory: writes
# anchors.tsv and metrics there for bench/run), BENCH_TMP (where the stores
# live, default /var/tmp: a real disk, as the sync modes need), TRACE (set:
# each protected page's slices and their loops' are recorded with perf, and
# bench/sync_trace.py prints where their syncs spend the time).
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
build=${CSESS_BUILD:-build/rel}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
SLICE=${SLICE:-1}
CONNS=${CONNS:-32}
SESSIONS=${SESSIONS:-200}
RSS_REQUESTS=${RSS_REQUESTS:-100000}
OUT=${BENCH_OUT:-}

for c in wrk nginx spawn-fcgi php-fpm8.2 gunicorn python3 curl; do
	if ! command -v "$c" >/dev/null; then
		# php-fpm's binary carries its version: any will do.
		[ "$c" = php-fpm8.2 ] && ls /usr/sbin/php-fpm* >/dev/null 2>&1 && continue
		echo "bench/anchors.sh: needs $c (scripts/deps bench installs it); skipped"
		exit 0
	fi
done
PHPFPM=$(command -v php-fpm8.2 || ls /usr/sbin/php-fpm* | head -n 1)
for f in "$build/bench/hello_fcgi" "$build/bench/lmdb_commit" fcgi/gate fcgi/protected fcgi/login; do
	[ -x "$f" ] || { echo "bench/anchors.sh: $f missing: run make bench" >&2; exit 1; }
done

T=$(mktemp -d "${BENCH_TMP:-/var/tmp}/csess-anchors.XXXXXX")
chmod 755 "$T"
stop_pids=()
cleanup() {
	local f p
	for f in "$T"/*.pids; do
		[ -f "$f" ] && for p in $(cat "$f"); do kill "$p" 2>/dev/null || true; done
	done
	for p in "${stop_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT HUP

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$port
mkdir -p "$T/run" "$T/nginx" "$T/htdocs/private" "$T/php/sessions"
printf '<!DOCTYPE html><p>private file</p>\n' > "$T/htdocs/private/doc.html"

# ---- csess: one store, one configuration per SESSION_SYNC mode
secret=$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')
for m in full meta none; do
	{
		echo "SECRET_KEY = $secret"
		echo "SESSION_STORE = $T/data/sessions.mdb"
		echo "SESSION_SYNC = $m"
		echo "PASSWORD_ITERATIONS = 1000"
	} > "$T/csess-$m.conf"
	chmod 600 "$T/csess-$m.conf"
done
mkdir -m 700 "$T/data"
echo bench-password | CSESS_CONFIG=$T/csess-full.conf bin/csess user add bench >/dev/null

# spawn NAME CONF PROGRAM: 2 processes on $T/run/NAME.sock.
spawn() {
	env -i PATH=/usr/bin:/bin CSESS_CONFIG="$2" spawn-fcgi -F 2 -s "$T/run/$1.sock" -M 0666 \
	    -P "$T/$1.pids" -- "$3" >/dev/null
}
spawn hello "$T/csess-full.conf" "$ROOT/$build/bench/hello_fcgi"
spawn gate "$T/csess-full.conf" "$ROOT/fcgi/gate"
spawn login "$T/csess-none.conf" "$ROOT/fcgi/login"
for m in full meta none; do
	spawn "protected-$m" "$T/csess-$m.conf" "$ROOT/fcgi/protected"
done
spawn protected-rss "$T/csess-none.conf" "$ROOT/fcgi/protected"

# ---- PHP-FPM: a pool of 2, files sessions
cat > "$T/php/login.php" <<'PHP'
<?php
session_start();
$_SESSION['user'] = 'bench';
$_SESSION['visits'] = 0;
echo session_id(), "\n";
PHP
cat > "$T/php/rw.php" <<'PHP'
<?php
session_start();
if (!isset($_SESSION['user'])) { header('Location: /login', true, 302); exit; }
$_SESSION['visits'] = ($_SESSION['visits'] ?? 0) + 1;
echo '<!DOCTYPE html><p>', htmlspecialchars($_SESSION['user']), ' visits ', $_SESSION['visits'], "</p>\n";
PHP
cat > "$T/php/ro.php" <<'PHP'
<?php
session_start(['read_and_close' => true]);
if (!isset($_SESSION['user'])) { header('Location: /login', true, 302); exit; }
echo '<!DOCTYPE html><p>', htmlspecialchars($_SESSION['user']), ' visits ', $_SESSION['visits'], "</p>\n";
PHP
phpuser=
[ "$(id -u)" -eq 0 ] && phpuser="user = root"
cat > "$T/php-fpm.conf" <<EOF
[global]
pid = $T/php-fpm.pid
error_log = $T/php-fpm.log
daemonize = no
[bench]
$phpuser
listen = $T/run/php.sock
listen.mode = 0666
pm = static
pm.max_children = 2
php_admin_value[session.save_handler] = files
php_admin_value[session.save_path] = $T/php/sessions
php_admin_value[session.gc_probability] = 0
php_admin_value[opcache.enable] = 1
EOF
# Debian's php.ini and modules (opcache on), this pool only.
"$PHPFPM" -R -y "$T/php-fpm.conf" >/dev/null 2>&1 &
stop_pids+=($!)

# ---- Django: a project generated here, gunicorn with 2 workers
mkdir -p "$T/dj/benchsite"
: > "$T/dj/benchsite/__init__.py"
cat > "$T/dj/benchsite/settings.py" <<EOF
SECRET_KEY = "$secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions"]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "benchsite.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "$T/dj/db.sqlite3"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
LOGIN_URL = "/login"
USE_TZ = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
EOF
cat > "$T/dj/benchsite/urls.py" <<'EOF'
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path
from django.utils.html import escape


@login_required
def protected(request):
    visits = request.session.get("visits", 0)
    return HttpResponse("<!DOCTYPE html><p>%s visits %s</p>\n"
                        % (escape(request.user.get_username()), visits))


urlpatterns = [path("django/", protected)]
EOF
cat > "$T/dj/benchsite/wsgi.py" <<'EOF'
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
EOF
cat > "$T/dj/sessions.py" <<'EOF'
# Logs the bench user in N times (force_login: a db session each, with the
# user's auth hash) and prints each Cookie header.
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")
import django
django.setup()
from django.core.management import call_command
from django.contrib.auth.models import User
from django.test import Client
call_command("migrate", verbosity=0)
user = User.objects.create_user("bench", password="bench-password")
for _ in range(int(sys.argv[1])):
    c = Client()
    c.force_login(user)
    print("sessionid=%s" % c.cookies["sessionid"].value)
EOF
(cd "$T/dj" && PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 sessions.py "$SESSIONS" > "$T/cookies-django")
(cd "$T/dj" && exec gunicorn --workers 2 --bind "unix:$T/run/django.sock" \
    --log-level warning --pid "$T/gunicorn.pid" benchsite.wsgi >"$T/gunicorn.log" 2>&1) &
stop_pids+=($!)

# ---- nginx (the PHP location repeats the CGI parameters: a location
# that sets one replaces the whole inherited list)
cat > "$T/fastcgi_params" <<EOF
fastcgi_param QUERY_STRING \$query_string;
fastcgi_param REQUEST_METHOD \$request_method;
fastcgi_param CONTENT_TYPE \$content_type;
fastcgi_param CONTENT_LENGTH \$content_length;
fastcgi_param SCRIPT_NAME \$fastcgi_script_name;
fastcgi_param REQUEST_URI \$request_uri;
fastcgi_param DOCUMENT_URI \$document_uri;
fastcgi_param SERVER_PROTOCOL \$server_protocol;
fastcgi_param REQUEST_SCHEME \$scheme;
fastcgi_param GATEWAY_INTERFACE CGI/1.1;
fastcgi_param SERVER_SOFTWARE nginx;
fastcgi_param REMOTE_ADDR \$remote_addr;
fastcgi_param REMOTE_PORT \$remote_port;
fastcgi_param SERVER_ADDR \$server_addr;
fastcgi_param SERVER_PORT \$server_port;
fastcgi_param SERVER_NAME \$server_name;
fastcgi_param HTTP_HOST \$http_host;
fastcgi_param HTTP_PROXY "";
EOF
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
	default_type text/html;
	server {
		listen 127.0.0.1:$port;
		root $T/htdocs;
		include $T/fastcgi_params;
		location = /hello { fastcgi_pass unix:$T/run/hello.sock; }
		location = /gate { fastcgi_pass unix:$T/run/gate.sock; }
		location = /login { fastcgi_pass unix:$T/run/login.sock; }
		location = /protected-full { fastcgi_pass unix:$T/run/protected-full.sock; }
		location = /protected-meta { fastcgi_pass unix:$T/run/protected-meta.sock; }
		location = /protected-none { fastcgi_pass unix:$T/run/protected-none.sock; }
		location = /protected-rss { fastcgi_pass unix:$T/run/protected-rss.sock; }
		location /static/ { alias $T/htdocs/private/; }
		location /private/ { auth_request /.gate; }
		location = /.gate {
			internal;
			fastcgi_pass unix:$T/run/gate.sock;
			fastcgi_pass_request_body off;
			fastcgi_param REQUEST_METHOD \$request_method;
			fastcgi_param REQUEST_URI \$request_uri;
			fastcgi_param HTTP_X_ORIGINAL_URI \$request_uri;
			fastcgi_param REMOTE_ADDR \$remote_addr;
		}
		location ~ ^/php/(rw|ro|login)\.php\$ {
			fastcgi_pass unix:$T/run/php.sock;
			include $T/fastcgi_params;
			fastcgi_param SCRIPT_FILENAME $T/php/\$1.php;
		}
		location /django/ {
			proxy_pass http://unix:$T/run/django.sock;
			proxy_set_header Host \$http_host;
		}
	}
}
EOF
nginx -c "$T/nginx.conf" -p "$T/nginx/" -g 'daemon off;' 2>"$T/nginx/stderr" &
stop_pids+=($!)

up() { curl -s -o /dev/null --max-time 2 "$1"; }
for _ in $(seq 1 100); do
	up "$BASE/hello" && [ -S "$T/run/php.sock" ] && [ -S "$T/run/django.sock" ] && break
	sleep 0.2
done

# ---- sessions: log in through the login page, as a browser does
login_one() {
	local jar=$T/jar.$1 tok
	tok=$(curl -s -c "$jar" -b "$jar" "$BASE/login" |
	    sed -n 's/.*name="csrfmiddlewaretoken" value="\([A-Za-z0-9]*\)".*/\1/p' | head -n 1)
	curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode username=bench \
	    --data-urlencode password=bench-password --data-urlencode "csrfmiddlewaretoken=$tok" \
	    "$BASE/login"
	awk '$6 == "sessionid" { s = $7 } $6 == "csrftoken" { c = $7 }
	    END { if (s != "") printf "sessionid=%s; csrftoken=%s\n", s, c }' "$jar"
	rm -f "$jar"
}
: > "$T/cookies-csess"
for i in $(seq 1 "$SESSIONS"); do login_one "$i" >> "$T/cookies-csess"; done
for i in $(seq 1 "$SESSIONS"); do
	echo "PHPSESSID=$(curl -s "$BASE/php/login.php")"
done > "$T/cookies-php"
for f in csess php django; do
	n=$(sort -u "$T/cookies-$f" | grep -c . || true)
	[ "$n" -eq "$SESSIONS" ] || {
		echo "bench/anchors.sh: $n of $SESSIONS $f sessions made" >&2
		cat "$T/nginx/error.log" "$T/php-fpm.log" "$T/gunicorn.log" >&2 2>/dev/null
		exit 1
	}
done
cp "$T/cookies-csess" "$T/cookies-none"

# ---- the rows: name, URL path, cookie file, what a logged-in answer
# contains, the processes that serve it (a spawn-fcgi pool, or the children
# of PHP-FPM's or gunicorn's master): their CPU per request is measured too
rows=(
	"floor|/hello|none|hello|hello"
	"gate|/gate|csess||gate"
	"gate+static|/private/doc.html|csess|private file|gate"
	"static|/static/doc.html|csess|private file|"
	"protected full|/protected-full|csess|bench|protected-full"
	"protected meta|/protected-meta|csess|bench|protected-meta"
	"protected none|/protected-none|csess|bench|protected-none"
	"php rw|/php/rw.php|php|bench visits|=php-fpm"
	"php ro|/php/ro.php|php|bench visits|=php-fpm"
	"django|/django/|django|bench visits|=gunicorn"
)

if [ -n "${ONLY:-}" ]; then
	kept=()
	for r in "${rows[@]}"; do
		n=${r%%|*}
		[ "$n" = floor ] || [[ $n =~ $ONLY ]] && kept+=("$r")
	done
	rows=("${kept[@]}")
fi

# check PATH COOKIEFILE TEXT: every 10th session gets 200 (and TEXT).
check() {
	local path=$1 file=$2 text=$3 line out
	while read -r line; do
		out=$(curl -s -i -H "Cookie: $line" "$BASE$path")
		case "$out" in
		"HTTP/1.1 200"*) ;;
		*) echo "bench/anchors.sh: $path answered: $(head -n 1 <<<"$out")" >&2; exit 1 ;;
		esac
		[ -z "$text" ] || grep -q "$text" <<<"$out" || {
			echo "bench/anchors.sh: $path: no '$text' in the answer" >&2; exit 1; }
	done < <(awk 'NR % 10 == 1' "$file")
}
for r in "${rows[@]}"; do
	IFS='|' read -r name path ck text pool <<<"$r"
	check "$path" "$T/cookies-$ck" "$text"
done
curl -s -D - -o /dev/null -H "Cookie: $(head -n 1 "$T/cookies-csess")" "$BASE/gate" |
    grep -qi '^X-Remote-User: bench' || { echo "bench/anchors.sh: the gate let nobody in" >&2; exit 1; }

# pool_pids POOL: the processes serving a row.
pool_pids() {
	case $1 in
	"") ;;
	=*) pgrep -P "$(cat "$T/${1#=}.pid")" ;;
	*) cat "$T/$1.pids" ;;
	esac
}
# cpu_ticks PID...: their user+system CPU so far, in clock ticks.
cpu_ticks() {
	local p t=0
	for p in "$@"; do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
HZ=$(getconf CLK_TCK)

# wrk_run PATH COOKIEFILE POOL [SECONDS]: "requests/s CPU-us-per-request"
# of one run ($DURATION s by default); fails on socket errors or non-2xx/3xx
# answers.
wrk_run() {
	local out pids t0 t1 n
	pids=$(pool_pids "$3")
	# shellcheck disable=SC2086
	t0=$(cpu_ticks $pids)
	out=$(wrk -t 2 -c "$CONNS" -d "${4:-$DURATION}s" -s bench/cookies.lua "$BASE$1" -- "$2")
	# shellcheck disable=SC2086
	t1=$(cpu_ticks $pids)
	if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
		echo "bench/anchors.sh: $1: $out" >&2
		exit 1
	fi
	echo "$out" >> "$T/wrk.log"
	n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$out")
	printf '%s %s\n' "$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$out")" \
	    "$(awk -v d=$((t1 - t0)) -v n="$n" -v hz="$HZ" -v p="$pids" \
	    'BEGIN { if (p == "") print "-"; else printf "%.1f", d / hz * 1e6 / n }')"
}

# With TRACE set, trace_start MODE starts perf recording the syncs and block
# requests of the whole machine into $T/trace-MODE.N and prints its PID
# (nothing without perf, or for none, which does not sync per commit);
# trace_stop PID ends it.
trace_start() {
	local n=0
	[ -n "${TRACE:-}" ] && [ "$1" != none ] && command -v perf >/dev/null || return 0
	while [ -e "$T/trace-$1.$n" ]; do n=$((n + 1)); done
	perf record -q -a -o "$T/trace-$1.$n" -e syscalls:sys_enter_fdatasync \
	    -e syscalls:sys_exit_fdatasync -e block:block_rq_issue \
	    -e block:block_rq_complete >/dev/null 2>"$T/trace.err" &
	echo $!
}
trace_stop() {
	[ -n "$1" ] || return 0
	kill -INT "$1" 2>/dev/null || true
	# Not this shell's child (trace_start ran in a subshell): poll.
	while kill -0 "$1" 2>/dev/null; do sleep 0.1; done
}

# The protected page of a mode and the bare LMDB loop of that mode run in
# alternating slices of $SLICE s, $DURATION s each in all: the disk's speed
# drifts by 2x and more within seconds, and two runs of 5 s back to back
# often met different disks (ratios of 0.38 to 0.81 in one run); slices a
# second apart meet the same one.  The store's own loop (store_commit)
# takes its slice after the bare loop's.  paired_run PATH COOKIEFILE POOL
# MODE prints "page/s CPU-us-per-request loop/s store/s", each the mean of
# its slices.
paired_run() {
	local i v c l st all="" tracer
	tracer=$(trace_start "$4")
	for i in $(seq 1 $(( DURATION > SLICE ? DURATION / SLICE : 1 ))); do
		read -r v c < <(wrk_run "$1" "$2" "$3" "$SLICE")
		l=$("$build/bench/lmdb_commit" "$T/commit-$4.mdb" "$4" "$SLICE")
		st=$("$build/bench/store_commit" "$T/store-$4.mdb" "$4" "$SLICE")
		all="$all$v $c $l $st
"
	done
	trace_stop "$tracer"
	awk 'NF == 4 { v += $1; c += $2; l += $3; s += $4; n++ }
	    END { printf "%.2f %.1f %.0f %.0f\n", v / n, c / n, l / n, s / n }' <<<"$all"
}

# lmdb_run MODE [paired]: the bare loop alone, for a mode whose protected
# page is not measured, then the loop in two processes; with `paired' the
# latter only (the one-process loop ran beside the page).
lmdb_run() {
	[[ "lmdb $1" =~ ${ONLY:-.} ]] || return 0
	[ -n "${2:-}" ] ||
	    res["lmdb $1"]="${res["lmdb $1"]:-} $("$build/bench/lmdb_commit" "$T/commit-$1.mdb" "$1" "$DURATION")"
	[ "$1" != none ] && [[ "lmdb $1 x2" =~ ${ONLY:-.} ]] || return 0
	"$build/bench/lmdb_commit" "$T/commit2-$1.mdb" "$1" "$DURATION" > "$T/commit2.a" &
	"$build/bench/lmdb_commit" "$T/commit2-$1.mdb" "$1" "$DURATION" > "$T/commit2.b"
	wait $!
	res["lmdb $1 x2"]="${res["lmdb $1 x2"]:-} $(( $(cat "$T/commit2.a") + $(cat "$T/commit2.b") ))"
}

# A new store grows its file in its first commits: grow each before timing.
for m in full meta none; do
	"$build/bench/lmdb_commit" "$T/commit-$m.mdb" "$m" 1 >/dev/null
	"$build/bench/store_commit" "$T/store-$m.mdb" "$m" 1 >/dev/null
done
declare -A res=() cpu=() done_lmdb=()
for round in $(seq 1 "$ROUNDS"); do
	done_lmdb=()
	for r in "${rows[@]}"; do
		IFS='|' read -r name path ck text pool <<<"$r"
		m=${name#protected }
		if [ "$m" != "$name" ] && [[ "lmdb $m" =~ ${ONLY:-.} ]]; then
			read -r v c l st < <(paired_run "$path" "$T/cookies-$ck" "$pool" "$m")
			res["lmdb $m"]="${res["lmdb $m"]:-} $l"
			res["store $m x2"]="${res["store $m x2"]:-} $st"
			lmdb_run "$m" paired
			done_lmdb[$m]=1
		else
			read -r v c < <(wrk_run "$path" "$T/cookies-$ck" "$pool")
		fi
		res[$name]="${res[$name]:-} $v"
		cpu[$name]="${cpu[$name]:-} $c"
	done
	for m in full meta none; do
		[ -n "${done_lmdb[$m]:-}" ] || lmdb_run "$m"
	done
	echo "round $round of $ROUNDS done" >&2
done

median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
floor=$(median <<<"${res[floor]}")
names=()
for r in "${rows[@]}"; do names+=("${r%%|*}"); done
for m in full meta none; do
	[[ "lmdb $m" =~ ${ONLY:-.} ]] && names+=("lmdb $m")
done
for m in full meta none; do
	[ -n "${res["store $m x2"]:-}" ] && names+=("store $m x2")
done
for m in full meta; do
	[ -n "${res["lmdb $m x2"]:-}" ] && names+=("lmdb $m x2")
done
[ -z "$OUT" ] || : > "$OUT/anchors.tsv"
echo "(median of $ROUNDS runs of ${DURATION}s, $CONNS connections, $SESSIONS sessions;"
echo " CPU: user+system of the serving processes per request, median)"
printf '%-16s %12s %9s %10s   %s\n' "row" "per second" "x floor" "CPU us/req" "runs"
for n in "${names[@]}"; do
	v=$(median <<<"${res[$n]}")
	c=$(median <<<"${cpu[$n]:-}")
	ratio=$(awk -v v="$v" -v f="$floor" 'BEGIN { printf "%.2f", v / f }')
	printf '%-16s %12.0f %9s %10s   %s\n' "$n" "$v" "$ratio" "${c:--}" "${res[$n]}"
	[ -z "$OUT" ] || printf '%s\t%.0f\t%s\t%s\t%s\n' "$n" "$v" "$ratio" "${c:--}" "${res[$n]# }" >> "$OUT/anchors.tsv"
done
# Each round's protected page over the loop run in slices beside it, then
# the median of those ratios: a ratio of two separate medians may pair a
# fast round of one with a slow round of the other.
# round_ratios A B: each round's row A over its row B.
round_ratios() {
	paste -d' ' <(tr ' ' '\n' <<<"${res[$1]}" | sed '/^$/d') \
	    <(tr ' ' '\n' <<<"${res[$2]}" | sed '/^$/d') |
	    awk '{ printf "%.2f ", $1 / $2 }'
}
# compare A B: prints "A / B: median (rounds: each round's)" when both ran.
compare() {
	local ratios
	[ -n "${res[$1]:-}" ] && [ -n "${res[$2]:-}" ] || return 0
	ratios=$(round_ratios "$1" "$2")
	echo "$1 / $2: $(median <<<"$ratios") (rounds: ${ratios% })"
}
for m in full meta none; do
	[ -n "${res["protected $m"]:-}" ] && [ -n "${res["lmdb $m"]:-}" ] || continue
	ratios=$(round_ratios "protected $m" "lmdb $m")
	r=$(median <<<"$ratios")
	echo "protected $m / lmdb $m: $r (median of the rounds' ratios: ${ratios% })"
	[ -z "$OUT" ] || printf 'protected_%s_vs_lmdb\t%s\n' "$m" "$r" >> "$OUT/metrics"
	compare "protected $m" "store $m x2"
	compare "store $m x2" "lmdb $m"
	compare "protected $m" "lmdb $m x2"
done
# TRACE: each mode's recorded slices, all rounds together.
for m in full meta none; do
	ls "$T"/trace-$m.* >/dev/null 2>&1 || continue
	echo "syncs of protected $m and its loops (bench/sync_trace.py):"
	for f in "$T"/trace-$m.*; do
		perf script -i "$f" -F comm,tid,cpu,time,event,trace 2>/dev/null
	done | python3 bench/sync_trace.py | sed 's/^/  /'
done
if [ -n "${TRACE:-}" ]; then
	if ! command -v perf >/dev/null; then
		echo "TRACE: no perf here (Debian: linux-perf)"
	elif ! ls "$T"/trace-* >/dev/null 2>&1; then
		echo "TRACE: perf recorded nothing: $(head -n 1 "$T/trace.err" 2>/dev/null)"
	fi
fi
[ -z "$OUT" ] || {
	awk -F'\t' '$1 == "gate" { print "gate_fcgi_vs_floor\t" $3 }
	    $1 == "protected none" { print "protected_none_vs_floor\t" $3 }' "$OUT/anchors.tsv" >> "$OUT/metrics"
	printf 'nproc_wrk\t2 threads, %s connections, %ss x %s rounds\n' "$CONNS" "$DURATION" "$ROUNDS" >> "$OUT/metrics"
}

# ---- worker RSS after RSS_REQUESTS requests (protected page, SESSION_SYNC=none)
served=0
while [ "$served" -lt "$RSS_REQUESTS" ]; do
	out=$(wrk -t 2 -c "$CONNS" -d 5s -s bench/cookies.lua "$BASE/protected-rss" -- "$T/cookies-csess")
	served=$((served + $(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$out")))
done
store=$T/data/sessions.mdb
echo "protected-page workers after $served requests (SESSION_SYNC=none):"
worst=0
for pid in $(cat "$T/protected-rss.pids"); do
	rss=$(ps -o rss= -p "$pid" | tr -d ' ')
	# What of the RSS is the store's mapping (its data file and lock file).
	mapped=$(awk -v a="$store" -v b="$store-lock" '
	    /^[0-9a-f]+-[0-9a-f]+ / { cur = $6 }
	    /^Rss:/ && (cur == a || cur == b) { s += $2 }
	    END { print s + 0 }' "/proc/$pid/smaps")
	own=$((rss - mapped))
	[ "$own" -gt "$worst" ] && worst=$own
	printf '  pid %s: RSS %s KiB, of which the mapped store %s KiB: %s KiB besides\n' \
	    "$pid" "$rss" "$mapped" "$own"
	[ -z "$OUT" ] || printf 'rss_worker\t%s\t%s\t%s\n' "$rss" "$mapped" "$own" >> "$OUT/metrics"
done
[ -z "$OUT" ] || printf 'rss_besides_store_kib\t%s\nrss_requests\t%s\n' "$worst" "$served" >> "$OUT/metrics"
