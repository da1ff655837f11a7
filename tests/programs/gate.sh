#!/usr/bin/env bash
# The gate run directly: as CGI (environment-driven, as a server would run
# it), as an nginx auth_request target (X-Original-URI) and as a FastCGI
# Authorizer (FCGI_ROLE=AUTHORIZER, through fcgi_request.py, a FastCGI
# client).  Logged in through the login program as tests/programs/hostile.sh
# does; the gate must find the same user as the protected page, end access
# when the protected page would, and never write the store.
source "$(dirname "$0")/../lib/harness.sh"

export CSESS_SESSION_STORE=$T/store/sessions.mdb CSESS_SESSION_SYNC=none
export CSESS_SECRET_KEY=programs-gate-test-secret-programs-gate-test-0123456
export CSESS_PASSWORD_ITERATIONS=1000
unset CSESS_CONFIG
echo "pw" | "$CSESS" user add alice
FCGI=$ROOT/tests/programs/fcgi_request.py

# cgi PROGRAM METHOD [body]: run as CGI; STATUS, headers and body in $T/out.
cgi() {
	local prog=$1 method=$2 body=${3:-}
	printf '%s' "$body" > "$T/in"
	REQUEST_METHOD=$method REQUEST_URI=${REQUEST_URI:-/$prog} HTTP_HOST=example.test \
		CONTENT_TYPE=application/x-www-form-urlencoded \
		CONTENT_LENGTH=$(stat -c %s "$T/in") REMOTE_ADDR=192.0.2.1 \
		"$ROOT/cgi-bin/$prog" < "$T/in" 2> "$T/err" | tr -d '\r' > "$T/out"
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/out" | head -n 1)
}
# authorizer [fcgi_request options] NAME=VALUE...: the gate as a FastCGI Authorizer.
authorizer() {
	local opts=()
	while [ "${1:-}" != "${1#--}" ]; do opts+=("$1"); shift; done
	timeout 10 python3 "$FCGI" --role authorizer "${opts[@]}" "$ROOT/fcgi/gate" \
		REQUEST_METHOD=GET HTTP_HOST=example.test "$@" 2> "$T/err" | tr -d '\r' > "$T/out"
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/out" | head -n 1)
}
header() { sed -n "/^\$/q; s/^$1: //Ip" "$T/out" | head -n 1; }
cookie_of() { sed -n "s/^Set-Cookie: \($1=[^;]*\).*/\1/p" "$T/out" | head -n 1; }
token() { sed -n 's/.*name="csrfmiddlewaretoken" value="\([A-Za-z0-9]*\)".*/\1/p' "$T/out" | head -n 1; }

# login USER PASSWORD: logs in through the login program; sets JAR.
login() {
	local c s
	cgi login GET
	c=$(cookie_of csrftoken); s=$(cookie_of sessionid_test)
	HTTP_COOKIE="$c; $s" cgi login POST "username=$1&password=$2&csrfmiddlewaretoken=$(token)"
	JAR="$c; $(cookie_of sessionid)"
}

# no_session_headers NAME: the gate's answer sets no cookie and no Vary.
no_session_headers() {
	if grep -qi '^Set-Cookie:\|^Vary:' "$T/out"; then
		t_fail "$1: no Set-Cookie, no Vary" "$(grep -i '^Set-Cookie:\|^Vary:' "$T/out")"
	else
		t_pass "$1: no Set-Cookie, no Vary"
	fi
}

# --- anonymous --------------------------------------------------------------------
REQUEST_URI='/private/a b/é.html?x=1&y=/' cgi gate GET
t_eq "anonymous CGI: 302" 302 "$STATUS"
t_eq "...to LOGIN_URL?next=<the URI, encoded as the protected page does>" \
	'/login?next=/private/a%2520b/%25C3%25A9.html%3Fx%3D1%26y%3D/' "$(header Location)"
no_session_headers "anonymous CGI"
HTTP_X_ORIGINAL_URI='/private/doc.txt?q=1' REQUEST_URI=/gate cgi gate GET
t_eq "anonymous auth_request (X-Original-URI): 401" 401 "$STATUS"
t_eq "...with the login URL for the original URI in X-Login-URL" '/login?next=/private/doc.txt%3Fq%3D1' \
	"$(header X-Login-URL)"
t_eq "...and no Location (nginx would pass it on as is)" "" "$(header Location)"
authorizer REQUEST_URI=/private/doc.txt HTTP_X_ORIGINAL_URI=/elsewhere
t_eq "anonymous Authorizer: 302" 302 "$STATUS"
t_eq "...to the login with the request's own URI (X-Original-URI is ignored)" \
	'/login?next=/private/doc.txt' "$(header Location)"
no_session_headers "anonymous Authorizer"
REQUEST_URI=/private/$(head -c 3000 /dev/zero | tr '\0' a) cgi gate GET
t_eq "an over-long URI is not carried: LOGIN_URL alone" "302 /login" "$STATUS $(header Location)"
CSESS_LOGIN_URL='/accounts/login?from=gate' REQUEST_URI=/private/x cgi gate GET
t_eq "LOGIN_URL with a query: &next=" '/accounts/login?from=gate&next=/private/x' "$(header Location)"
HTTP_COOKIE="sessionid=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" REQUEST_URI=/private/x cgi gate GET
t_eq "a forged session key is anonymous" "302 /login?next=/private/x" "$STATUS $(header Location)"
no_session_headers "forged key"
HTTP_COOKIE='sessionid=../../etc;x' REQUEST_URI=/private/x cgi gate GET
t_eq "a malformed session cookie is anonymous" 302 "$STATUS"

# --- logged in ----------------------------------------------------------------------
login alice pw
[ -n "${JAR##*sessionid=}" ] && t_pass "logged in through the login program" || t_fail "logged in through the login program"
HTTP_COOKIE=$JAR REQUEST_URI=/private/x cgi gate GET
t_eq "logged-in CGI: 200" 200 "$STATUS"
t_eq "...X-Remote-User names the user" alice "$(header X-Remote-User)"
no_session_headers "logged-in CGI"
HTTP_COOKIE=$JAR HTTP_X_ORIGINAL_URI=/private/x cgi gate HEAD
t_eq "logged-in auth_request (HEAD too): 200 alice" "200 alice" "$STATUS $(header X-Remote-User)"
authorizer HTTP_COOKIE="$JAR" REQUEST_URI=/private/x
t_eq "logged-in Authorizer: 200" 200 "$STATUS"
t_eq "...Variable-REMOTE_USER names the user (the server sets REMOTE_USER from it)" alice \
	"$(header Variable-REMOTE_USER)"
no_session_headers "logged-in Authorizer"
authorizer --no-stdin HTTP_COOKIE="$JAR" REQUEST_URI=/private/form REQUEST_METHOD=POST CONTENT_LENGTH=512
t_eq "an Authorizer asked about a POST (CONTENT_LENGTH, no stdin) answers, not waits for a body" 200 "$STATUS"
HTTP_COOKIE="sessionid=abcdefghijklmnopqrstuvwxyz012345; $JAR" REQUEST_URI=/private/x cgi gate GET
t_eq "a dead session cookie before the live one: the live one counts" "200 alice" "$STATUS $(header X-Remote-User)"

# --- read only --------------------------------------------------------------------------
store_state() { "$CSESS" sessions export | sort; stat -c '%s %Y' "$CSESS_SESSION_STORE"; }
before=$(store_state)
sleep 1.1	# a write would show in the file's mtime
for every in false true; do
	HTTP_COOKIE=$JAR CSESS_SESSION_SAVE_EVERY_REQUEST=$every CSESS_SESSION_TOUCH_INTERVAL=0 \
		REQUEST_URI=/private/x cgi gate GET
	authorizer HTTP_COOKIE="$JAR" REQUEST_URI=/private/x CSESS_SESSION_SAVE_EVERY_REQUEST=$every
done
HTTP_COOKIE=$JAR REQUEST_URI=/private/x cgi gate GET
t_eq "the gate never writes the store (sessions, expiry, file), save-every-request or not" \
	"$before" "$(store_state)"

if command -v strace > /dev/null; then
	HTTP_COOKIE=$JAR REQUEST_METHOD=GET REQUEST_URI=/private/x \
		strace -f -e trace=openat -o "$T/trace" "$ROOT/cgi-bin/gate" < /dev/null > "$T/out"
	t_match "the gate answers under strace" '^Status: 200' "$(head -n 1 "$T/out")"
	grep -q 'libcrypto\|libssl\|libz' "$T/trace" &&
		t_fail "the gate opens no libcrypto" "$(grep 'crypto\|ssl\|libz' "$T/trace")" ||
		t_pass "the gate opens no libcrypto"
else
	echo "skip - strace not installed"
fi
(unset CSESS_SECRET_KEY; HTTP_COOKIE=$JAR REQUEST_URI=/private/x cgi gate GET; echo "$STATUS") > "$T/status"
t_eq "the gate needs no SECRET_KEY" 200 "$(cat "$T/status")"

# --- expiry ----------------------------------------------------------------------------
login alice pw
key=${JAR##*sessionid=}
"$CSESS" sessions export | grep "\"$key\"" | python3 -c '
import json, sys
s = json.loads(sys.stdin.read()); s["expire"] = 1; print(json.dumps(s))' > "$T/expired.json"
"$CSESS" sessions import "$T/expired.json" > /dev/null
HTTP_COOKIE=$JAR REQUEST_URI=/private/x cgi gate GET
t_eq "an expired session is anonymous" "302 /login?next=/private/x" "$STATUS $(header Location)"

# --- access ends when the protected page would end it ----------------------------------
login alice pw
key=${JAR##*sessionid=}
"$CSESS" sessions export | grep "\"$key\"" > "$T/old.json"
echo "pw2" | "$CSESS" user passwd alice
HTTP_COOKIE=$JAR REQUEST_URI=/private/x cgi gate GET
t_eq "after a password change the old session is anonymous" 302 "$STATUS"
# The session as it was before the change (its hash the old password's),
# as if passwd had not deleted it: the gate refuses it and leaves it be.
"$CSESS" sessions import "$T/old.json" > /dev/null
HTTP_COOKIE=$JAR REQUEST_URI=/private/x cgi gate GET
t_eq "a session with the old password's hash is anonymous" 302 "$STATUS"
t_match "...and the gate did not flush it (read only: the protected page does)" "\"$key\"" \
	"$("$CSESS" sessions export)"
HTTP_COOKIE=$JAR REQUEST_URI=/protected cgi protected GET
t_eq "...as the protected page sees it" 302 "$STATUS"
login alice pw2
HTTP_COOKIE=$JAR REQUEST_URI=/private/x cgi gate GET
t_eq "logged in again with the new password: 200" 200 "$STATUS"
# SECRET_KEY rotated: with the old key among the fallbacks access goes on,
# without it the session is over (as the protected page says).
new_key=programs-gate-test-rotated-programs-gate-test-rotated-0123
old_key=$CSESS_SECRET_KEY
CSESS_SECRET_KEY=$new_key CSESS_SECRET_KEY_FALLBACKS=$old_key \
	HTTP_COOKIE=$JAR REQUEST_URI=/private/x cgi gate GET
t_eq "SECRET_KEY rotated, the old one a fallback: still 200" 200 "$STATUS"
CSESS_SECRET_KEY=$new_key HTTP_COOKIE=$JAR REQUEST_URI=/private/x cgi gate GET
t_eq "SECRET_KEY rotated without the old one: anonymous" 302 "$STATUS"
CSESS_SECRET_KEY=$new_key HTTP_COOKIE=$JAR REQUEST_URI=/protected cgi protected GET
t_eq "...as the protected page sees it" 302 "$STATUS"
login alice pw2
"$CSESS" sessions revoke-user alice > /dev/null
authorizer HTTP_COOKIE="$JAR" REQUEST_URI=/private/x
t_eq "after sessions revoke-user: anonymous" 302 "$STATUS"
login alice pw2
cgi logout GET
HTTP_COOKIE=$JAR cgi logout GET
HTTP_COOKIE=$JAR cgi logout POST "csrfmiddlewaretoken=$(token)"
HTTP_COOKIE=$JAR HTTP_X_ORIGINAL_URI=/private/x cgi gate GET
t_eq "after logout: anonymous (401 to auth_request)" 401 "$STATUS"
login alice pw2
"$CSESS" user del alice > /dev/null
HTTP_COOKIE=$JAR REQUEST_URI=/private/x cgi gate GET
t_eq "a deleted user's session is anonymous" 302 "$STATUS"

# --- errors ----------------------------------------------------------------------------
mkdir -p "$T/ro"
HTTP_COOKIE=$JAR CSESS_SESSION_STORE=$T/ro REQUEST_URI=/private/x cgi gate GET
t_eq "a store that is a directory: 503, not a login loop" 503 "$STATUS"
head -c 8192 /dev/urandom > "$T/junk.mdb"
HTTP_COOKIE=$JAR CSESS_SESSION_STORE=$T/junk.mdb REQUEST_URI=/private/x cgi gate GET
t_eq "a store that is not an LMDB file: 503" 503 "$STATUS"
CSESS_SESSION_COOKIE_AGE=soon REQUEST_URI=/private/x cgi gate GET
t_eq "a bad setting: 500" 500 "$STATUS"
t_match "...the log names it" 'SESSION_COOKIE_AGE' "$(cat "$T/err")"

# --- linked statically; the twin for what loads libraries --------------------------------
# cgi-bin/gate is linked statically (no dynamic loader at each CGI start)
# and carries a dynamically linked twin that it runs for the configurations
# that load shared libraries (lib/static_twin.c).  The sanitizer build
# links it dynamically: there only the engines are checked.
echo "pw" | "$CSESS" user add alice
static=false
if [ "$(cat "$ROOT/build/variant" 2>/dev/null)" != san ]; then
	static=true
	for prog in gate protected logout; do
		readelf -l "$ROOT/cgi-bin/$prog" | grep -q 'INTERP' &&
			t_fail "cgi-bin/$prog is linked statically (no program interpreter)" ||
			t_pass "cgi-bin/$prog is linked statically (no program interpreter)"
	done
fi
# gate_engine NAME ENV...: logs in with that engine, visits the protected
# page (status in $T/protected), then asks the gate under strace;
# ENGINE_TRACE holds what the gate opened and executed.
gate_engine() {
	local name=$1; shift
	( export "$@"; login alice pw
	  HTTP_COOKIE=$JAR REQUEST_URI=/protected cgi protected GET; echo "$STATUS" > "$T/protected"
	  HTTP_COOKIE=$JAR REQUEST_METHOD=GET REQUEST_URI=/private/x \
		strace -f -e trace=openat,execveat,memfd_create -o "$T/trace" \
		"$ROOT/cgi-bin/gate" < /dev/null 2> "$T/err" | tr -d '\r' > "$T/out" )
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/out" | head -n 1)
	ENGINE_TRACE=$(grep -v ENOENT "$T/trace")
}
if command -v strace > /dev/null; then
	for engine in signed_cookies file; do
		gate_engine $engine CSESS_SESSION_ENGINE=$engine CSESS_SESSION_FILE_PATH="$T"
		t_eq "$engine engine: the protected page sees the login" 200 "$(cat "$T/protected")"
		t_eq "$engine engine: the logged-in user passes" "200 alice" "$STATUS $(header X-Remote-User)"
		if $static; then
			grep -q '\.so' <<< "$ENGINE_TRACE" &&
				t_fail "$engine engine: no shared library is opened" "$(grep '\.so' <<< "$ENGINE_TRACE")" ||
				t_pass "$engine engine: no shared library is opened"
		fi
	done
	mc_port=$(t_port)
	memcached -l 127.0.0.1 -p "$mc_port" -U 0 -m 16 -P "$T/memcached.pid" -d -u "$(id -un)"
	t_wait_port "$mc_port" && t_cleanup_pid "$(cat "$T/memcached.pid")"
	for engine in cache cached_db; do
		gate_engine $engine CSESS_SESSION_ENGINE=$engine \
			CSESS_SESSION_CACHE_URL=memcached://127.0.0.1:$mc_port
		t_eq "$engine engine (memcached): the protected page sees the login" 200 "$(cat "$T/protected")"
		t_eq "$engine engine (memcached): the logged-in user passes" "200 alice" \
			"$STATUS $(header X-Remote-User)"
		if $static; then
			t_match "...through the dynamically linked twin, from a sealed memfd" \
				'execveat\(3, ""' "$ENGINE_TRACE"
		fi
	done
	if $static; then
		for url in redis://127.0.0.1:1/0 redis://localhost:1/0; do
			REQUEST_METHOD=GET REQUEST_URI=/private/x HTTP_COOKIE=$JAR \
			CSESS_SESSION_ENGINE=redis CSESS_SESSION_REDIS_URL=$url \
				strace -f -e trace=execveat -o "$T/trace" "$ROOT/cgi-bin/gate" \
				< /dev/null 2> "$T/err" | tr -d '\r' > "$T/out"
			STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/out" | head -n 1)
			t_eq "redis engine, $url down: 503" 503 "$STATUS"
			twin=no; grep -q 'execveat' "$T/trace" && twin=yes
			want=no; [ "$url" = redis://localhost:1/0 ] && want=yes
			t_eq "...a host given by name (resolved through NSS) runs the twin: $want" "$want" "$twin"
		done
	fi
else
	echo "skip - strace not installed"
fi
t_done
