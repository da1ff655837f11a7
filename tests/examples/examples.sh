#!/usr/bin/env bash
# The Django tutorial's views in C (examples/login.c, index.c, logout.c) run
# as CGI programs, environment and stdin as a server gives them: log in,
# carry the cookie to the protected page, log out, and be sent back.
source "$(dirname "$0")/../lib/harness.sh"

export CSESS_SESSION_STORE=$T/store/sessions.mdb CSESS_SESSION_SYNC=none
export CSESS_SECRET_KEY=examples-test-secret-examples-test-secret-examples-0
export CSESS_PASSWORD_ITERATIONS=1000
unset CSESS_CONFIG
mkdir -p "$T/store"
echo "pw" | "$CSESS" user add alice

for p in login index logout; do
	[ -x "$ROOT/examples/$p" ] && t_pass "make builds examples/$p" || t_fail "make builds examples/$p"
done

# run PROGRAM METHOD [body]: response in $T/out, status in $STATUS (200
# when the program sends no Status line).
run() {
	local prog=$1 method=$2 body=${3:-}
	printf '%s' "$body" > "$T/in"
	REQUEST_METHOD=$method REQUEST_URI=/app/$prog SCRIPT_NAME=/app/$prog \
		HTTP_HOST=example.test HTTP_COOKIE=${JAR:-} \
		CONTENT_TYPE=application/x-www-form-urlencoded \
		CONTENT_LENGTH=$(stat -c %s "$T/in") REMOTE_ADDR=192.0.2.1 \
		"$ROOT/examples/$prog" < "$T/in" | tr -d '\r' > "$T/out"
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/out" | head -n 1)
	STATUS=${STATUS:-200}
}
cookie_of() { sed -n "s/^Set-Cookie: \($1=[^;]*\).*/\1/p" "$T/out" | head -n 1; }
location() { sed -n 's/^Location: //p' "$T/out"; }
token() { sed -n 's/.*name=csrfmiddlewaretoken value=\([A-Za-z0-9]*\)>.*/\1/p' "$T/out"; }
# keep NAME: replace NAME's cookie in $JAR with the one just set, if any.
keep() {
	local c; c=$(cookie_of "$1")
	[ -n "$c" ] || return 0
	JAR=$(printf '%s' "$JAR" | tr ';' '\n' | sed 's/^ *//' | grep -v "^$1=" | paste -sd';' | sed 's/;/; /g')
	JAR=${JAR:+$JAR; }$c
}

JAR=
run index GET
t_eq "index without a session redirects" 302 "$STATUS"
t_eq "...to login" login "$(location)"

run login GET
t_eq "login shows its form" 200 "$STATUS"
t_match "...with a CSRF token" '^[A-Za-z0-9]{64}$' "$(token)"
keep csrftoken; keep sessionid
tok=$(token)

run login POST "username=alice&password=nope&csrfmiddlewaretoken=$tok"
t_eq "a wrong password shows the form again" 200 "$STATUS"
t_match "...saying so" 'Wrong username or password' "$(cat "$T/out")"

run login POST "username=alice&password=pw"
t_eq "a POST without the CSRF token is refused" 403 "$STATUS"

run login POST "username=alice&password=pw&csrfmiddlewaretoken=$tok"
t_eq "the right password redirects" 302 "$STATUS"
t_eq "...to index" index "$(location)"
t_match "...with a new session cookie" '^sessionid=[a-z0-9]{32}$' "$(cookie_of sessionid)"
keep csrftoken; keep sessionid

run index GET
t_eq "index with the cookie is 200" 200 "$STATUS"
t_match "...and shows the user" 'Hello, alice!' "$(cat "$T/out")"
sid=${JAR##*sessionid=}; sid=${sid%%;*}
t_match "the session holds is_login and user, as Django's view sets them" \
	'"is_login": ?true.*"user": ?"alice"|"user": ?"alice".*"is_login": ?true' \
	"$("$CSESS" sessions show "$sid")"
tok=$(token)

run login GET
t_eq "login when already logged in redirects" 302 "$STATUS"
t_eq "...to index" index "$(location)"

run logout GET
t_eq "logout by GET does not log out" 302 "$STATUS"
run index GET
t_eq "...the session still works" 200 "$STATUS"

run logout POST "csrfmiddlewaretoken=$tok"
t_eq "logout redirects" 302 "$STATUS"
t_eq "...to login" login "$(location)"
t_match "...and deletes the session cookie" '^sessionid=""' "$(cookie_of sessionid)"
old=$JAR
keep sessionid
run index GET
t_eq "index after logout redirects to login" 302 "$STATUS"
t_eq "...to login" login "$(location)"
JAR=$old
run index GET
t_eq "the old session cookie no longer opens index" 302 "$STATUS"
t_status "the session is gone from the store" 1 "$CSESS" sessions show "$sid"

for p in login index logout; do
	echo "examples/$p.c: $(wc -l < "$ROOT/examples/$p.c") lines"
done
t_done
