#!/usr/bin/env bash
# The programs run directly as CGI (environment + stdin), for what needs
# exact control of the request: HTTPS signalling and cookie flags, escaping,
# templates, the remember cookie, methods, per-address throttling.
source "$(dirname "$0")/../lib/harness.sh"

export CSESS_SESSION_STORE=$T/store/sessions.mdb CSESS_SESSION_SYNC=none
export CSESS_SECRET_KEY=programs-cgi-test-secret-programs-cgi-test-secret-0
export CSESS_PASSWORD_ITERATIONS=1000
unset CSESS_CONFIG
echo "pw" | "$CSESS" user add alice

# cgi PROGRAM METHOD [body] -- extra environment comes from the caller's
# exports/assignments.  Output (CGI response) in $T/out; sets STATUS.
cgi() {
	local prog=$1 method=$2 body=${3:-}
	printf '%s' "$body" > "$T/in"
	REQUEST_METHOD=$method REQUEST_URI=${REQUEST_URI:-/$prog} HTTP_HOST=${HTTP_HOST:-example.test} \
		CONTENT_TYPE=${CONTENT_TYPE:-application/x-www-form-urlencoded} \
		CONTENT_LENGTH=$(stat -c %s "$T/in") REMOTE_ADDR=${REMOTE_ADDR:-192.0.2.1} \
		"$ROOT/cgi-bin/$prog" < "$T/in" | tr -d '\r' > "$T/out"
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/out" | head -n 1)
}
cookie_of() { sed -n "s/^Set-Cookie: \($1=[^;]*\).*/\1/p" "$T/out" | head -n 1; }
setcookie_line() { sed -n "s/^Set-Cookie: \($1=.*\)/\1/p" "$T/out" | head -n 1; }
token() { sed -n 's/.*name="csrfmiddlewaretoken" value="\([A-Za-z0-9]*\)".*/\1/p' "$T/out" | head -n 1; }

# login_as USER PASSWORD [extra form]: full GET + POST; leaves cookies in $JAR.
login_as() {
	cgi login GET
	local c s tok
	c=$(cookie_of csrftoken); s=$(cookie_of sessionid_test); tok=$(token)
	JAR="$c; $s"
	HTTP_COOKIE="$JAR" cgi login POST "username=$1&password=$2&csrfmiddlewaretoken=$tok${3:+&$3}"
	[ -n "$(cookie_of sessionid)" ] && JAR="$c; $(cookie_of sessionid)"
}

sessions() { "$CSESS" sessions stats | sed -n 's/^sessions\t//p'; }

# --- anonymous visitors write nothing to the store ----------------------------
cgi login HEAD
for i in 1 2 3 4 5 6 7 8 9 10; do
	cgi login GET
done
t_eq "anonymous GETs and HEADs of the login form store no session" 0 "$(sessions)"
t_eq "...and set no session cookie" "" "$(cookie_of sessionid)"
t_match "the test cookie is a plain cookie, with the session cookie's flags" \
	'^sessionid_test=worked; HttpOnly; Path=/; SameSite=Lax$' "$(setcookie_line sessionid_test)"
c=$(cookie_of csrftoken); tok=$(token)
HTTP_COOKIE="$c" cgi login POST "username=alice&password=wrong&csrfmiddlewaretoken=$tok"
t_eq "POST without the test cookie: the form again (200)" 200 "$STATUS"
t_match "...asking to enable cookies" 'Please enable cookies and try again\.' "$(cat "$T/out")"
HTTP_COOKIE="$c; sessionid_test=worked" cgi login POST "username=alice&password=wrong&csrfmiddlewaretoken=$tok"
t_match "a wrong password with the test cookie: the form again" 'Please enter a correct username' "$(cat "$T/out")"
t_eq "...and still nothing stored" 0 "$(sessions)"
HTTP_COOKIE="$c; sessionid_test=worked" cgi login POST "username=alice&password=pw&csrfmiddlewaretoken=$tok"
t_eq "with the test cookie the login succeeds" 302 "$STATUS"
t_eq "...storing one session" 1 "$(sessions)"
t_match "...and deleting the test cookie" '^sessionid_test=""; expires=Thu, 01 Jan 1970' "$(setcookie_line sessionid_test)"
CSESS_SESSION_COOKIE_NAME=sid CSESS_SESSION_COOKIE_PATH=/app CSESS_SESSION_COOKIE_SAMESITE=Strict \
	CSESS_SESSION_COOKIE_SECURE=true cgi login GET
t_match "the test cookie follows the session cookie's settings" \
	'^sid_test=worked; HttpOnly; Path=/app; SameSite=Strict; Secure$' "$(setcookie_line sid_test)"

# --- cookie flags ----------------------------------------------------------
login_as alice pw
line=$(setcookie_line sessionid)
t_match "session cookie is HttpOnly and SameSite=Lax" 'HttpOnly.*SameSite=Lax' "$line"
[[ "$line" == *Secure* ]] && t_fail "no Secure by default over HTTP" "$line" || t_pass "no Secure by default over HTTP"
export CSESS_SESSION_COOKIE_SECURE=auto
HTTPS=on cgi login GET
t_match "auto: the test cookie is Secure when the request came over HTTPS" '; Secure' \
	"$(setcookie_line sessionid_test)"
cgi login GET
[[ "$(setcookie_line sessionid_test)" == *Secure* ]] && t_fail "auto: no Secure over plain HTTP" ||
	t_pass "auto: no Secure over plain HTTP"
HTTPS=on cgi login GET
t_match "auto: the CSRF cookie is Secure over HTTPS too" '; Secure' "$(setcookie_line csrftoken)"
unset CSESS_SESSION_COOKIE_SECURE

# --- HTTPS CSRF: Referer required without Origin ----------------------------
HTTPS=on cgi login GET
c=$(cookie_of csrftoken); s=$(cookie_of sessionid_test); tok=$(token)
HTTPS=on HTTP_COOKIE="$c; $s" cgi login POST "username=alice&password=pw&csrfmiddlewaretoken=$tok"
t_eq "HTTPS POST without Origin or Referer is 403" 403 "$STATUS"
CSESS_SESSION_COOKIE_SECURE=auto HTTPS=on HTTP_REFERER=https://example.test/login HTTP_COOKIE="$c; $s" \
	cgi login POST "username=alice&password=pw&csrfmiddlewaretoken=$tok"
t_eq "HTTPS POST with a same-origin Referer logs in" 302 "$STATUS"
t_match "auto: the session cookie is Secure over HTTPS" '; Secure' "$(setcookie_line sessionid)"
HTTPS=on HTTP_ORIGIN=https://evil.test HTTP_COOKIE="$c; $s" \
	cgi login POST "username=alice&password=pw&csrfmiddlewaretoken=$tok"
t_eq "a foreign Origin is 403" 403 "$STATUS"

# --- escaping on the protected page ----------------------------------------
login_as alice pw
t_eq "login succeeds" 302 "$STATUS"
HTTP_COOKIE="$JAR; evil=<script>alert(1)</script>" REQUEST_URI=/protected cgi protected GET
t_eq "protected page for alice" 200 "$STATUS"
t_match "cookies are shown HTML-escaped" 'evil=&lt;script&gt;alert\(1\)&lt;/script&gt;' "$(cat "$T/out")"
grep -q '<script>alert' "$T/out" && t_fail "no raw script from a cookie" || t_pass "no raw script from a cookie"
t_match "the session contents are shown" '_auth_user_id.*alice' "$(tr -d '\n' < "$T/out")"
t_match "the page says not to cache it" 'Cache-Control: no-store' "$(cat "$T/out")"
HTTP_COOKIE="$JAR" cgi protected HEAD
t_eq "HEAD is answered" 200 "$STATUS"
t_eq "HEAD has no body" "" "$(sed '1,/^$/d' "$T/out")"
HTTP_COOKIE="$JAR" cgi protected PUT
t_eq "protected refuses PUT (405)" 405 "$STATUS"
t_match "...with Allow" 'Allow: GET, HEAD' "$(cat "$T/out")"
cgi login DELETE
t_eq "login refuses DELETE (405)" 405 "$STATUS"

# --- secrets stay out of the page ----------------------------------------------
# What HttpOnly hides from scripts must not be printed where a same-site
# script can read it: the session key, the CSRF secret, the auth hash.
login_as alice pw
key=${JAR##*sessionid=}; csrf=${JAR%%;*}; csrf=${csrf#csrftoken=}
hash=$("$CSESS" sessions export | python3 -c '
import json, sys
for l in sys.stdin:
    s = json.loads(l)
    if s["key"] == sys.argv[1]: print(s["data"]["_auth_user_hash"])' "$key")
t_match "the session holds an auth hash to hide" '^[0-9a-f]{64}$' "$hash"
HTTP_COOKIE="$JAR; remember=me; csess_username=alice:1r31eq:sig" REQUEST_URI=/protected cgi protected GET
body=$(sed '1,/^$/d' "$T/out")
t_eq "the page is shown" 200 "$STATUS"
[[ "$body" == *"$key"* ]] && t_fail "the session key is not in the page" || t_pass "the session key is not in the page"
[[ "$body" == *"$hash"* ]] && t_fail "the auth hash is not in the page" || t_pass "the auth hash is not in the page"
[[ "$body" == *"$csrf"* ]] && t_fail "the CSRF cookie is not in the page" || t_pass "the CSRF cookie is not in the page"
[[ "$body" == *"1r31eq:sig"* ]] && t_fail "the HttpOnly remember cookie is not in the page" ||
	t_pass "the HttpOnly remember cookie is not in the page"
t_match "...the cookies are still listed, masked" 'csrftoken=\*{20}.sessionid=\*{20}.remember=me.csess_username=\*{20}' \
	"$(tr '\n' '.' <<< "$body")"
t_match "...and the session's contents, the hash masked" '&quot;_auth_user_id&quot;: &quot;alice&quot;.*&quot;_auth_user_hash&quot;: &quot;\*{20}&quot;' \
	"$(tr -d '\n' <<< "$body")"
export CSESS_SESSION_COOKIE_NAME=sid CSESS_CSRF_COOKIE_NAME=xsrf
cgi login GET
c=$(cookie_of xsrf); s=$(cookie_of sid_test); tok=$(token)
HTTP_COOKIE="$c; $s" cgi login POST "username=alice&password=pw&csrfmiddlewaretoken=$tok"
HTTP_COOKIE="$c; $(cookie_of sid)" REQUEST_URI=/protected cgi protected GET
unset CSESS_SESSION_COOKIE_NAME CSESS_CSRF_COOKIE_NAME
t_match "renamed cookies are masked too" 'xsrf=\*{20}.sid=\*{20}' "$(sed '1,/^$/d' "$T/out" | tr '\n' '.')"

# --- a password change logs out other sessions -------------------------------
old_jar=$JAR
echo "pw2" | "$CSESS" user passwd alice
HTTP_COOKIE="$old_jar" REQUEST_URI=/protected cgi protected GET
t_eq "after a password change the old session is anonymous" 302 "$STATUS"
t_match "...and sent to the login with next" 'Location: /login\?next=/protected' "$(cat "$T/out")"

# --- the remember-my-username cookie ----------------------------------------
login_as alice pw2 remember=1
t_match "remember=1 sets a signed username cookie" '^csess_username=alice:[0-9A-Za-z]+:[A-Za-z0-9_-]{43}' \
	"$(cookie_of csess_username)"
remembered=$(cookie_of csess_username)
HTTP_COOKIE="$remembered" cgi login GET
t_match "the login form is pre-filled from it" 'name="username" value="alice"' "$(cat "$T/out")"
HTTP_COOKIE="csess_username=mallory:1r31eq:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" cgi login GET
t_match "a forged remember cookie is ignored" 'name="username" value=""' "$(cat "$T/out")"
t_eq "Django reads the remember cookie as a signed cookie" "alice" \
	"$(HTTP_COOKIE="$remembered" "$CSESS" signed-cookie get csess_username --salt csess.login.remember)"

# --- templates ---------------------------------------------------------------
mkdir -p "$T/tpl"
echo 'CUSTOM LOGIN {{csrf_token}} [{{next}}]' > "$T/tpl/login.html"
CSESS_TEMPLATE_DIR=$T/tpl REQUEST_URI='/login?next=/x' QUERY_STRING='next=/x"><b>' cgi login GET
t_match "TEMPLATE_DIR replaces the login page, values escaped" \
	'^CUSTOM LOGIN [A-Za-z0-9]{64} \[/x&quot;&gt;&lt;b&gt;\]' "$(sed '1,/^$/d' "$T/out")"
CSESS_TEMPLATE_DIR=$T/tpl QUERY_STRING='next=//evil.test' cgi login GET
t_match "an unsafe next is not even put in the form" '\[\]' "$(sed '1,/^$/d' "$T/out")"

# --- throttling per address --------------------------------------------------
export CSESS_LOGIN_FAILURES_PER_ADDRESS=3
for u in u1 u2 u3; do
	REMOTE_ADDR=198.51.100.7 login_as "$u" wrong
done
REMOTE_ADDR=198.51.100.7 login_as alice pw2
t_eq "too many failures from one address: 429" 429 "$STATUS"
t_match "...with Retry-After" 'Retry-After: [0-9]+' "$(cat "$T/out")"
REMOTE_ADDR=198.51.100.8 login_as alice pw2
t_eq "another address is not blocked" 302 "$STATUS"
unset CSESS_LOGIN_FAILURES_PER_ADDRESS

# --- request limits ----------------------------------------------------------
cgi login GET
c=$(cookie_of csrftoken); s=$(cookie_of sessionid)
CSESS_DATA_UPLOAD_MAX_MEMORY_SIZE=100 HTTP_COOKIE="$c; $s" cgi login POST "$(head -c 200 /dev/zero | tr '\0' a)"
t_eq "a body over DATA_UPLOAD_MAX_MEMORY_SIZE is 413" 413 "$STATUS"
CONTENT_TYPE=application/json HTTP_COOKIE="$c; $s" cgi login POST '{"username":"alice"}'
t_eq "a JSON body is 415" 415 "$STATUS"
HTTP_COOKIE="$c; $s" cgi login POST 'username=%zz'
t_eq "a malformed escape is 400" 400 "$STATUS"

# --- a store that cannot be opened --------------------------------------------
CSESS_SESSION_STORE=/proc/nope/sessions.mdb HTTP_COOKIE="sessionid=abcdefghijklmnopqrstuvwxyz012345" \
	cgi protected GET
t_eq "an unusable store answers 503" 503 "$STATUS"
t_done
