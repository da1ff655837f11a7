#!/usr/bin/env bash
# make demo, as a new user runs it (scripts/demo after the build): the banner
# only once the server really answers, a taken port is a clear failure, an
# existing csess.conf is used as it is and the demo user is added only once.
. "$(dirname "$0")/../lib/harness.sh"

if ! command -v lighttpd >/dev/null || ! command -v curl >/dev/null; then
	t_fail "lighttpd and curl are installed (scripts/deps demo)"
	t_done
	exit
fi

DEMO=$T/demo
PORT=$(t_port)

# start_demo LOG: scripts/demo in the background, its PID in $dpid; waits
# (up to 15 s) for the banner or for the script to end.
start_demo() {
	setsid env DEMO_DIR=$DEMO PORT=$PORT "$ROOT/scripts/demo" >"$1" 2>&1 </dev/null &
	dpid=$!
	t_cleanup_pid "$dpid"
	for _ in $(seq 1 150); do
		grep -q '^csess demo on' "$1" && return 0
		kill -0 "$dpid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# login_status USER PASSWORD: the status of a login POST made as a browser
# would (form first, for the CSRF and test cookies).
login_status() {
	local jar=$T/jar.$RANDOM tok
	tok=$(curl -s -c "$jar" "http://127.0.0.1:$PORT/login" |
		sed -n 's/.*name="csrfmiddlewaretoken" value="\([A-Za-z0-9]*\)".*/\1/p' | head -n 1)
	curl -s -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" \
		-H "Origin: http://127.0.0.1:$PORT" "http://127.0.0.1:$PORT/login" \
		--data-urlencode "username=$1" --data-urlencode "password=$2" \
		--data-urlencode "csrfmiddlewaretoken=$tok"
}

stop_demo() {
	kill -TERM "$dpid" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$dpid" 2>/dev/null
}

start_demo "$T/run1.log"
t_eq "the banner is printed" 0 $?
banner=$(cat "$T/run1.log")
t_match "the banner names the URL" "csess demo on http://127.0.0.1:$PORT/" "$banner"
t_match "the banner gives the demo user's password" "log in as: demo / [A-Za-z0-9]{16}" "$banner"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/login")
t_eq "the login page answers when the banner is out" 200 "$code"
t_eq "csess.conf is private (0600)" 600 "$(stat -c %a "$DEMO/csess.conf")"
t_eq "the demo password file is private (0600)" 600 "$(stat -c %a "$DEMO/demo-password")"

# A second demo on the same port: a clear failure, not a second banner.
out=$(env DEMO_DIR=$T/other PORT=$PORT timeout 20 "$ROOT/scripts/demo" 2>&1 </dev/null); rc=$?
t_eq "a taken port exits 2" 2 "$rc"
t_match "...saying the port is taken" "port $PORT on 127.0.0.1 is taken" "$out"
t_eq "...and prints no banner" "" "$(printf '%s\n' "$out" | grep '^csess demo on')"

stop_demo
t_ok "a stop signal ends the demo" test ! -d "/proc/$dpid"
sleep 0.2
t_ok "...and frees the port" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null"

# A second start keeps csess.conf byte for byte, and the demo user's password.
before=$(sha256sum <"$DEMO/csess.conf")
pw1=$(cat "$DEMO/demo-password")
start_demo "$T/run2.log"
t_eq "the demo starts again" 0 $?
t_eq "an existing csess.conf is used as it is" "$before" "$(sha256sum <"$DEMO/csess.conf")"
t_eq "the demo user keeps its password" "$pw1" "$(cat "$DEMO/demo-password")"
t_eq "...and it logs in" 302 "$(login_status demo "$pw1")"
t_match "the banner shows the same password" "log in as: demo / $pw1" "$(cat "$T/run2.log")"
stop_demo

# A csess.conf made by hand (another demo's, say) is used as it is: the
# programs read its settings, and no demo user is forced into its store.
mkdir -p "$T/shared"
cat >"$T/shared/csess.conf" <<EOF
SECRET_KEY = $(head -c 64 /dev/urandom | base64 -w 0 | tr -dc 'A-Za-z0-9' | cut -c 1-50)
SESSION_STORE = $T/shared/sessions.mdb
SESSION_COOKIE_NAME = sharedsid
EOF
chmod 600 "$T/shared/csess.conf"
printf 'pw-for-demo-1234\n' | CSESS_CONFIG=$T/shared/csess.conf "$CSESS" user add demo
DEMO=$T/shared
start_demo "$T/run3.log"
t_eq "a demo starts on a hand-made csess.conf" 0 $?
t_match "...and does not reset a demo user it did not make" "log in as: demo \\(its password was set elsewhere" "$(cat "$T/run3.log")"
t_eq "...whose password still holds" 302 "$(login_status demo pw-for-demo-1234)"
hdrs=$(curl -s -D - -o /dev/null "http://127.0.0.1:$PORT/login")
t_match "...and whose settings the programs read (the cookie name)" "Set-Cookie: sharedsid" "$hdrs"
stop_demo

t_done
