#!/usr/bin/env bash
# The gate under real servers, from the shipped configurations: lighttpd
# (mod_fastcgi "mode" => "authorizer"), Apache (mod_fcgid's FastCGI
# Authorizer role) and nginx (auth_request to the gate under spawn-fcgi).
# Each protects /private/ (static files) and /cgi-bin/echo (a CGI program
# that shows the REMOTE_USER it was given).  Driven with curl: anonymous
# visits go to the login with next, a login lets them through, logout,
# a password change and revoke-user end access, forged and expired cookies
# are anonymous, and the gate never writes the store.
# Then `make demo` (scripts/demo): its private/ directory behind the gate.
# Usage: tests/http/gate.sh [SERVER...|demo]   (default: every server and the demo)
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/servers.sh"

servers=()
for a in "$@"; do [ "$a" = demo ] || servers+=("$a"); done
[ $# -gt 0 ] || servers=(lighttpd apache nginx)
PASSWORD='correct horse battery staple'

# req METHOD URL JAR [curl args...]: one request (redirects not followed);
# sets STATUS, LOCATION; headers in $T/h, body in $T/b.
req() {
	local method=$1 url=$2 jar=$3
	shift 3
	STATUS=$(curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' -X "$method" --max-time 20 \
		${jar:+-b "$jar" -c "$jar"} "$@" "$url")
	LOCATION=$(tr -d '\r' < "$T/h" | sed -n 's/^[Ll]ocation: //p')
}
field() { sed -n "s/^$1=//p" "$T/b" | head -n 1; }
form_token() {
	sed -n 's/.*name="csrfmiddlewaretoken" value="\([A-Za-z0-9]*\)".*/\1/p' "$T/b" | head -n 1
}
jar_value() { awk -v n="$2" '$6 == n { v = $7 } END { print v }' "$1"; }

# login JAR USER PASSWORD NEXT: follows the login form as a browser would;
# sets STATUS and LOCATION of the POST's answer.
login() {
	req GET "$BASE_URL/login?next=$4" "$1"
	req POST "$BASE_URL/login" "$1" --data-urlencode "username=$2" \
		--data-urlencode "password=$3" --data-urlencode "csrfmiddlewaretoken=$(form_token)" \
		--data-urlencode "next=$4"
}

store_state() { srv_csess sessions export | sort; }

gate_checks() {
	local s=$1 user="gate-$1" jar="$T/jar-$1" before key
	rm -f "$jar"
	echo "$PASSWORD" | srv_csess user add "$user" >/dev/null
	printf 'secret of %s\n' "$s" > "$SRV_PRIVATE/doc.txt"
	mkdir -p "$SRV_PRIVATE/sub dir"
	printf '<!DOCTYPE html><p>private index</p>\n' > "$SRV_PRIVATE/sub dir/index.html"
	chmod -R a+rX "$SRV_PRIVATE"

	req GET "$BASE_URL/private/doc.txt?v=1" ""
	t_eq "$s: anonymous static file: 302" 302 "$STATUS"
	t_eq "$s: ...to the login with next (encoded as the protected page does)" \
		"/login?next=/private/doc.txt%3Fv%3D1" "$LOCATION"
	grep -q "secret of" "$T/b" && t_fail "$s: ...and not the file" || t_pass "$s: ...and not the file"
	req GET "$BASE_URL/cgi-bin/echo" ""
	t_eq "$s: anonymous CGI behind the gate: 302 to the login" "302 /login?next=/cgi-bin/echo" \
		"$STATUS $LOCATION"
	req GET "$BASE_URL/private/doc.txt" "" -H "Cookie: sessionid=abcdefghijklmnopqrstuvwxyz012345"
	t_eq "$s: a forged session cookie: to the login" "302 /login?next=/private/doc.txt" "$STATUS $LOCATION"

	login "$jar" "$user" "$PASSWORD" "/private/doc.txt?v=1"
	t_eq "$s: login sends back to next" "302 /private/doc.txt?v=1" "$STATUS $LOCATION"
	req GET "$BASE_URL$LOCATION" "$jar"
	t_eq "$s: logged in: the file is served" "200 secret of $s" "$STATUS $(cat "$T/b")"
	req GET "$BASE_URL/private/sub%20dir/" "$jar"
	t_match "$s: ...and a directory's index" "200 .*private index" "$STATUS $(cat "$T/b")"
	req GET "$BASE_URL/private/nothing-here" "$jar"
	t_eq "$s: ...a missing file is the server's 404" 404 "$STATUS"
	req GET "$BASE_URL/cgi-bin/echo" "$jar"
	t_eq "$s: the CGI program runs for the user" "200 cgi" "$STATUS $(field mode)"
	t_eq "$s: ...and sees REMOTE_USER" "$user" "$(field remote_user)"
	req GET "$BASE_URL/echo" "$jar"
	t_eq "$s: an unprotected program sees no REMOTE_USER" "200 " "$STATUS $(field remote_user)"

	before=$(store_state)
	for i in 1 2 3; do req GET "$BASE_URL/private/doc.txt" "$jar"; done
	req GET "$BASE_URL/cgi-bin/echo" "$jar"
	t_eq "$s: the gate never writes the store" "$before" "$(store_state)"
	grep -qi '^set-cookie: sessionid' "$T/h" && t_fail "$s: no session cookie set through the gate" ||
		t_pass "$s: no session cookie set through the gate"

	# Logout ends it; so do a password change and revoke-user.
	req GET "$BASE_URL/logout" "$jar"
	req POST "$BASE_URL/logout" "$jar" --data "csrfmiddlewaretoken=$(form_token)"
	req GET "$BASE_URL/private/doc.txt" "$jar"
	t_eq "$s: after logout: to the login" "302 /login?next=/private/doc.txt" "$STATUS $LOCATION"

	login "$jar" "$user" "$PASSWORD" /private/doc.txt
	key=$(jar_value "$jar" sessionid)
	echo "new $PASSWORD" | srv_csess user passwd "$user"
	req GET "$BASE_URL/private/doc.txt" "" -H "Cookie: sessionid=$key"
	t_eq "$s: after a password change: to the login" 302 "$STATUS"

	login "$jar" "$user" "new $PASSWORD" /private/doc.txt
	req GET "$BASE_URL/private/doc.txt" "$jar"
	t_eq "$s: logged in with the new password: served" 200 "$STATUS"
	srv_csess sessions revoke-user "$user" >/dev/null
	req GET "$BASE_URL/cgi-bin/echo" "$jar"
	t_eq "$s: after revoke-user: to the login" 302 "$STATUS"

	# An expired session.
	login "$jar" "$user" "new $PASSWORD" /private/doc.txt
	key=$(jar_value "$jar" sessionid)
	srv_csess sessions export | grep "\"$key\"" | python3 -c '
import json, sys
s = json.loads(sys.stdin.read()); s["expire"] = 1; print(json.dumps(s))' > "$T/expired.json"
	srv_csess sessions import - < "$T/expired.json" > /dev/null
	req GET "$BASE_URL/private/doc.txt" "$jar"
	t_eq "$s: an expired session: to the login" 302 "$STATUS"
}

for s in "${servers[@]}"; do
	if ! why=$(srv_available "$s"); then
		t_fail "$s available" "$why"
		continue
	fi
	if [ ! -x "$T/echo" ] && ! cc -std=c11 -D_GNU_SOURCE -O2 -o "$T/echo" "$ROOT/tests/http/echo.c" -lfcgi; then
		t_fail "echo fixture builds"
		break
	fi
	fails_before=$_t_fail
	srv_config_set LOGIN_FAILURES_PER_ADDRESS 1000
	if ! srv_start "$s" login logout gate "$T/echo"; then
		t_fail "$s starts with the gate" "$(srv_logs 2>&1 | tail -n 20)"
		continue
	fi
	gate_checks "$s"
	[ "$_t_fail" -gt "$fails_before" ] && srv_logs 2>&1 | tail -n 40 | sed 's/^/    log: /'
	srv_stop && t_pass "$s stops cleanly" || t_fail "$s stops cleanly" "$(srv_leftovers)"
done
# make demo: $DEMO_DIR/private/ at /private/ behind the gate.
demo_checks() {
	local dpid port log=$T/demo.log jar=$T/jar-demo
	port=$(t_port)
	setsid env DEMO_DIR="$T/demo" PORT="$port" "$ROOT/scripts/demo" >"$log" 2>&1 </dev/null &
	dpid=$!
	t_cleanup_pid "$dpid"
	for _ in $(seq 1 150); do
		grep -q '^csess demo on' "$log" && break
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.1
	done
	t_match "demo: the banner names /private/" "private +http://127.0.0.1:$port/private/" "$(cat "$log")"
	BASE_URL=http://127.0.0.1:$port
	req GET "$BASE_URL/private/" ""
	t_eq "demo: anonymous /private/ goes to the login" "302 /login?next=/private/" "$STATUS $LOCATION"
	login "$jar" demo "$(cat "$T/demo/demo-password")" /private/
	t_eq "demo: the login sends back to /private/" "302 /private/" "$STATUS $LOCATION"
	req GET "$BASE_URL/private/" "$jar"
	t_match "demo: ...which shows private/index.html, made by the demo" \
		"^200 .*You see this because you are logged in" "$STATUS $(tr -d '\n' < "$T/b")"
	kill -TERM "$dpid" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$dpid" 2>/dev/null
}
if [ ${#@} -eq 0 ] || [[ " $* " == *" demo "* ]]; then
	command -v lighttpd >/dev/null && [ -x "$ROOT/cgi-bin/gate" ] && demo_checks
fi
t_done
