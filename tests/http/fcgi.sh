#!/usr/bin/env bash
# fcgi/: the FastCGI deployment files, started for real.
#   - fcgi/csess-spawn: usage errors, N workers on one socket, their PIDs;
#   - systemd socket activation (fcgi/csess-fcgi@.socket/.service): the
#     programs adopt a socket handed over as LISTEN_FDS, as systemd does it
#     (systemd-socket-activate), and the unit files pass systemd-analyze;
#   - fcgi/apache-proxy-fcgi.conf: Apache mod_proxy_fcgi in front of both,
#     its socket paths pointed at this run's: login, protected, logout work.
. "$(dirname "$0")/../lib/harness.sh"

for c in spawn-fcgi apache2 curl systemd-socket-activate; do
	command -v "$c" >/dev/null || { t_fail "$c is installed (scripts/deps)"; t_done; exit; }
done

FCGI=$ROOT/fcgi
if [ "$(id -u)" -eq 0 ]; then
	USR=www-data
	chmod 711 "$T"
else
	USR=$(id -un)
fi
GRP=$(id -gn "$USR")
# setpriv execs (no process in between): $! is the program itself.
as_user() { if [ "$(id -u)" -eq 0 ]; then setpriv --reuid "$USR" --regid "$GRP" --init-groups -- "$@"; else "$@"; fi; }

# The programs' settings and store, the programs' user's own.
mkdir -p "$T/data" "$T/run" "$T/state"
chmod 700 "$T/data"
chmod 755 "$T/run" "$T/state"
cat >"$T/csess.conf" <<EOF
SECRET_KEY = $(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')
SESSION_STORE = $T/data/sessions.mdb
PASSWORD_ITERATIONS = 1000
EOF
chmod 600 "$T/csess.conf"
[ "$(id -u)" -eq 0 ] && chown -R "$USR:$GRP" "$T/data" "$T/csess.conf" "$T/run"
cp "$CSESS" "$T/csess" && chmod 755 "$T/csess"
printf 'fcgi-pw-1\n' | as_user env CSESS_CONFIG="$T/csess.conf" "$T/csess" user add alice

# ---- csess-spawn ------------------------------------------------------
SPAWN=$FCGI/csess-spawn
t_status "csess-spawn without a program is a usage error" 2 "$SPAWN" -s "$T/run/x.sock"
t_status "csess-spawn with -s and -p is a usage error" 2 "$SPAWN" -s "$T/run/x.sock" -p 9 "$FCGI/login"
t_status "csess-spawn -w 0 is a usage error" 2 "$SPAWN" -w 0 -s "$T/run/x.sock" "$FCGI/login"
t_status "csess-spawn with a missing program is a usage error" 2 "$SPAWN" -s "$T/run/x.sock" "$T/nothing"
out=$("$SPAWN" 2>&1 -s "$T/run/x.sock"); t_eq "...with one line on stderr" 1 "$(printf '%s\n' "$out" | wc -l)"
t_status "csess-spawn -h exits 0" 0 "$SPAWN" -h

spawned=()
for p in login logout; do
	who=()
	[ "$(id -u)" -eq 0 ] && who=(-u "$USR" -g "$GRP")
	"$SPAWN" -w 2 -c "$T/csess.conf" "${who[@]}" -P "$T/$p.pids" \
		-s "$T/run/$p.sock" "$FCGI/$p" >"$T/spawn-$p.log" 2>&1
	t_eq "csess-spawn starts $p" 0 $?
	t_eq "...with two workers" 2 "$(wc -w <"$T/$p.pids")"
	for pid in $(cat "$T/$p.pids"); do spawned+=("$pid"); t_cleanup_pid "$pid"; done
done
t_eq "the socket is the programs' user's" "$USR" "$(stat -c %U "$T/run/login.sock")"

# ---- systemd socket activation -----------------------------------------
# systemd-socket-activate hands the listening socket over as systemd does
# (fd 3, LISTEN_PID, LISTEN_FDS); protected serves from it.
# It passes no environment but what -E names, as a unit's Environment=.
as_user systemd-socket-activate -E CSESS_CONFIG="$T/csess.conf" \
	-l "$T/run/protected.sock" "$FCGI/protected" >"$T/activate.log" 2>&1 &
apid=$!
t_cleanup_pid "$apid"
for _ in $(seq 1 50); do [ -S "$T/run/protected.sock" ] && break; sleep 0.1; done
t_ok "systemd-socket-activate listens for protected" test -S "$T/run/protected.sock"

if command -v systemd-analyze >/dev/null; then
	mkdir -p "$T/units"
	for u in csess-fcgi@.socket csess-fcgi@.service; do
		sed -e "s|/usr/local/lib/csess/cgi-bin|$ROOT/cgi-bin|" "$FCGI/$u" >"$T/units/$u"
	done
	cp "$T/units/csess-fcgi@.socket" "$T/units/csess-fcgi@login.socket"
	cp "$T/units/csess-fcgi@.service" "$T/units/csess-fcgi@login.service"
	out=$(cd "$T/units" && SYSTEMD_LOG_LEVEL=err systemd-analyze verify --man=no \
		./csess-fcgi@login.socket ./csess-fcgi@login.service 2>&1 |
		grep -v 'Failed to \(connect\|prepare\|initialize\)\|Operation not permitted\|no such file.*bus\|System has not been booted')
	t_eq "the systemd units pass systemd-analyze verify" "" "$out"
fi

# ---- Apache mod_proxy_fcgi in front ------------------------------------
PORT=$(t_port)
sed -e "s|/run/csess/|$T/run/|g" "$FCGI/apache-proxy-fcgi.conf" >"$T/proxy-fcgi.conf"
cat >"$T/apache.conf" <<EOF
ServerRoot $T/state
PidFile $T/state/apache2.pid
DefaultRuntimeDir $T/state
Mutex file:$T/state default
ErrorLog $T/state/error.log
LogLevel warn
ServerName localhost
Listen 127.0.0.1:$PORT
User $USR
Group $GRP
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_fcgi_module /usr/lib/apache2/modules/mod_proxy_fcgi.so
StartServers 1
ServerLimit 2
DocumentRoot $T/state
Include $T/proxy-fcgi.conf
EOF
apache2 -f "$T/apache.conf" -DFOREGROUND >"$T/apache.log" 2>&1 &
hpid=$!
t_cleanup_pid "$hpid"
t_ok "Apache starts with fcgi/apache-proxy-fcgi.conf" t_wait_port "$PORT"
BASE=http://127.0.0.1:$PORT

code=$(curl -s -c "$T/jar" -o "$T/form" -w '%{http_code}' "$BASE/login")
t_eq "login through mod_proxy_fcgi and csess-spawn (200)" 200 "$code"
tok=$(sed -n 's/.*name="csrfmiddlewaretoken" value="\([A-Za-z0-9]*\)".*/\1/p' "$T/form" | head -n 1)
t_match "...with its form" '^[A-Za-z0-9]{64}$' "$tok"
code=$(curl -s -b "$T/jar" -c "$T/jar" -o /dev/null -w '%{http_code}' -H "Origin: $BASE" \
	--data "username=alice&password=fcgi-pw-1&csrfmiddlewaretoken=$tok" "$BASE/login")
t_eq "...and the login succeeds (302)" 302 "$code"
body=$(curl -s -b "$T/jar" "$BASE/protected")
t_match "protected, from a socket systemd-style activation handed over, shows the user" "alice" "$body"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/protected")
t_eq "...and sends anonymous visitors to the login (302)" 302 "$code"
tok=$(curl -s -b "$T/jar" -c "$T/jar" "$BASE/logout" |
	sed -n 's/.*name="csrfmiddlewaretoken" value="\([A-Za-z0-9]*\)".*/\1/p' | head -n 1)
code=$(curl -s -b "$T/jar" -c "$T/jar" -o /dev/null -w '%{http_code}' -H "Origin: $BASE" \
	--data "csrfmiddlewaretoken=$tok" "$BASE/logout")
t_eq "logout through csess-spawn's workers (302)" 302 "$code"
code=$(curl -s -b "$T/jar" -o /dev/null -w '%{http_code}' "$BASE/protected")
t_eq "...after which protected refuses the cookie (302)" 302 "$code"

# ---- stopping ----------------------------------------------------------
kill "${spawned[@]}" 2>/dev/null
for _ in $(seq 1 50); do
	alive=0
	for pid in "${spawned[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
	[ "$alive" -eq 0 ] && break
	sleep 0.1
done
t_eq "kill \$(cat PIDFILE) stops every worker" 0 "$alive"
# systemd-socket-activate started the program as its child on the first
# connection; systemd would signal the program itself.
prog=$(pgrep -P "$apid" | head -n 1)
t_match "protected was started on the first connection" '^[0-9]+$' "$prog"
kill "$prog" 2>/dev/null
for _ in $(seq 1 50); do kill -0 "$prog" 2>/dev/null || break; sleep 0.1; done
t_ok "SIGTERM ends the socket-activated program" bash -c "! kill -0 $prog 2>/dev/null"
kill "$apid" 2>/dev/null
kill "$hpid" 2>/dev/null
wait "$apid" "$hpid" 2>/dev/null
t_done
