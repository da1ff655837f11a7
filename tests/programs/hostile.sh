#!/usr/bin/env bash
# The programs under hostile or odd requests, run directly as CGI: missing
# settings, open-redirect attempts through next, paths that must survive the
# trip through LOGIN_URL?next=, and what a logged-in page may load.
source "$(dirname "$0")/../lib/harness.sh"

export CSESS_SESSION_STORE=$T/store/sessions.mdb CSESS_SESSION_SYNC=none
export CSESS_SECRET_KEY=programs-hostile-test-secret-programs-hostile-test-0
export CSESS_PASSWORD_ITERATIONS=1000
unset CSESS_CONFIG
echo "pw" | "$CSESS" user add alice

# cgi PROGRAM METHOD [body] -- as in cgi.sh; the server's log goes to $T/err.
cgi() {
	local prog=$1 method=$2 body=${3:-}
	printf '%s' "$body" > "$T/in"
	REQUEST_METHOD=$method REQUEST_URI=${REQUEST_URI:-/$prog} HTTP_HOST=${HTTP_HOST:-example.test} \
		CONTENT_TYPE=${CONTENT_TYPE:-application/x-www-form-urlencoded} \
		CONTENT_LENGTH=$(stat -c %s "$T/in") REMOTE_ADDR=${REMOTE_ADDR:-192.0.2.1} \
		"$ROOT/cgi-bin/$prog" < "$T/in" 2> "$T/err" | tr -d '\r' > "$T/out"
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/out" | head -n 1)
}
cookie_of() { sed -n "s/^Set-Cookie: \($1=[^;]*\).*/\1/p" "$T/out" | head -n 1; }
location() { sed -n 's/^Location: //p' "$T/out" | head -n 1; }
token() { sed -n 's/.*name="csrfmiddlewaretoken" value="\([A-Za-z0-9]*\)".*/\1/p' "$T/out" | head -n 1; }
hidden_next() { sed -n 's/.*name="next" value="\([^"]*\)".*/\1/p' "$T/out" | head -n 1; }

# html_unescape / form_encode: what a browser does with a form's field.
html_unescape() { python3 -c 'import html,sys; print(html.unescape(sys.argv[1]))' "$1"; }
form_encode() { python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

# fresh_form: GET the login form; sets C (CSRF cookie), S (test cookie), TOK.
fresh_form() {
	cgi login GET
	C=$(cookie_of csrftoken); S=$(cookie_of sessionid_test); TOK=$(token)
}

# --- SECRET_KEY missing ---------------------------------------------------------
fresh_form
jar="$C; $S"
login_post="username=alice&password=pw&csrfmiddlewaretoken=$TOK"
unset CSESS_SECRET_KEY
HTTP_COOKIE="$jar" cgi login POST "$login_post"
t_eq "no SECRET_KEY: login POST is 500" 500 "$STATUS"
t_match "...and the log names SECRET_KEY" 'SECRET_KEY' "$(cat "$T/err")"
cgi login GET
t_eq "no SECRET_KEY: the login form is 500 too (it could never work)" 500 "$STATUS"
t_match "...and the log names SECRET_KEY" 'SECRET_KEY' "$(cat "$T/err")"
REQUEST_URI=/protected cgi protected GET
t_eq "no SECRET_KEY: protected still sends anonymous visitors to login" 302 "$STATUS"
t_eq "...to LOGIN_URL?next=" "/login?next=/protected" "$(location)"
CSESS_SECRET_KEY= cgi login POST "$login_post"
t_match "an empty SECRET_KEY is as missing" 'SECRET_KEY' "$(cat "$T/err")"
export CSESS_SECRET_KEY=programs-hostile-test-secret-programs-hostile-test-0

# --- the order of checks on POST ----------------------------------------------
for hdr in "" " " ";" "; ; "; do
	HTTP_COOKIE=$hdr cgi login POST "username=alice&password=pw"
	t_eq "a Cookie header of [$hdr] is cookies disabled: 403" 403 "$STATUS"
	t_match "...saying to enable cookies" 'Please enable cookies and try again\.' "$(cat "$T/out")"
done
HTTP_COOKIE="other=1" cgi login POST "username=alice&password=pw"
t_eq "some cookie but no CSRF cookie: 403" 403 "$STATUS"
t_match "...the CSRF failure, not the cookies message" 'CSRF verification failed' "$(cat "$T/out")"

# --- TEMPLATE_DIR ---------------------------------------------------------------
mkdir -p "$T/tpl/login.html" "$T/tpl2"
CSESS_TEMPLATE_DIR=$T/no-such-dir cgi login GET
t_eq "a TEMPLATE_DIR that does not exist is 500, not the built-in page" 500 "$STATUS"
t_match "...and the log names TEMPLATE_DIR" "TEMPLATE_DIR $T/no-such-dir" "$(cat "$T/err")"
CSESS_TEMPLATE_DIR=$T/tpl cgi login GET
t_eq "a login.html that cannot be read is 500" 500 "$STATUS"
t_match "...logged" 'template login: .*TEMPLATE_DIR' "$(cat "$T/err")"
grep -q 'csrfmiddlewaretoken' "$T/out" && t_fail "...with no form in the answer" || t_pass "...with no form in the answer"
CSESS_TEMPLATE_DIR=$T/tpl2 cgi logout GET
t_eq "a page the directory lacks is the built-in one" 200 "$STATUS"
t_match "...with its form" 'name="csrfmiddlewaretoken"' "$(cat "$T/out")"

# --- the form posts to this site ------------------------------------------------
action() { sed -n 's/.*<form method="post" action="\([^"]*\)".*/\1/p' "$T/out" | head -n 1; }
REQUEST_URI=//evil.test/login cgi login GET
t_eq "login reached as //evil.test/login posts to a local path" "/evil.test/login" "$(action)"
REQUEST_URI=//evil.test/logout cgi logout GET
t_eq "logout reached as //evil.test/logout posts to a local path" "/evil.test/logout" "$(action)"
REQUEST_URI='/cgi-bin/login?next=/x' cgi login GET
t_eq "the action is the path, without the query" "/cgi-bin/login" "$(action)"

# --- next on the login POST: only a local path ----------------------------------
for n in '//evil.test' '/\evil.test' '\/evil.test' 'https:evil.test' 'https://evil.test/' \
	'javascript:alert(1)' $'/\t/evil.test' $'/\n/evil.test' $'/\r\nSet-Cookie: x=1' \
	' /x' "/$(head -c 3000 /dev/zero | tr '\0' a)"; do
	fresh_form
	HTTP_COOKIE="$C; $S" cgi login POST \
		"username=alice&password=pw&csrfmiddlewaretoken=$TOK&next=$(form_encode "$n")"
	t_eq "next $(printf '%q' "${n:0:30}") is refused: LOGIN_REDIRECT_URL" "302 /protected" "$STATUS $(location)"
done
grep -q '^Set-Cookie: x=1' "$T/out" && t_fail "no header injected through next" || t_pass "no header injected through next"
for n in '/%2F/evil.test' '/%5Cevil.test' '/ok?x=1&y=/%2F#frag'; do
	fresh_form
	HTTP_COOKIE="$C; $S" cgi login POST \
		"username=alice&password=pw&csrfmiddlewaretoken=$TOK&next=$(form_encode "$n")"
	t_eq "next $n is a local path: kept" "302 $n" "$STATUS $(location)"
done
for n in $'/\xc3\xbc' $'/\xef\xbc\x8fevil.test' $'/\xe2\x80\x8b/evil.test'; do
	fresh_form
	HTTP_COOKIE="$C; $S" cgi login POST \
		"username=alice&password=pw&csrfmiddlewaretoken=$TOK&next=$(form_encode "$n")"
	t_eq "next $n is local: followed, percent-encoded" \
		"302 $(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe="/"))' "$n")" \
		"$STATUS $(location)"
done
REQUEST_URI="/login?next=/%C3%BC" QUERY_STRING="next=/%C3%BC" cgi login GET
t_eq "a non-ASCII next is put in the form percent-encoded" "/%C3%BC" "$(hidden_next)"

# --- what the visitor sent is echoed escaped ------------------------------------
fresh_form
HTTP_COOKIE="$C; $S" REQUEST_URI='/login"><script>x</script>' cgi login POST \
	"username=$(form_encode '"><script>alert(1)</script>')&password=bad&csrfmiddlewaretoken=$TOK&next=$(form_encode '/x"><script>')"
t_eq "a failed login is the form again" 200 "$STATUS"
t_eq "...with one message" 1 "$(grep -c 'Please enter a correct username and password' "$T/out")"
grep -q '<script>' "$T/out" && t_fail "...and no markup from the username, next or path" "$(grep '<script>' "$T/out")" ||
	t_pass "...and no markup from the username, next or path"
t_match "...the username comes back escaped" 'value="&quot;&gt;&lt;script&gt;' "$(cat "$T/out")"

# --- session cookies that are not sessions --------------------------------------
for sid in abcdefghijklmnopqrstuvwxyz012345 short '<script>' '"quoted"'; do
	HTTP_COOKIE="sessionid=$sid" REQUEST_URI=/protected cgi protected GET
	t_eq "sessionid=$sid: anonymous" 302 "$STATUS"
	t_match "...and the stale cookie is deleted" '^Set-Cookie: sessionid=""; expires=Thu, 01 Jan 1970' \
		"$(grep '^Set-Cookie: sessionid' "$T/out")"
	HTTP_COOKIE="sessionid=$sid" cgi login GET
	t_match "...the login page never adopts it (nor starts a session)" '^(sessionid="")?$' "$(cookie_of sessionid)"
done

# --- odd requests ------------------------------------------------------------
fresh_form
for cl in -5 abc 10x '1 0'; do
	printf 'username=alice' > "$T/in"
	HTTP_COOKIE="$C; $S" REQUEST_METHOD=POST REQUEST_URI=/login HTTP_HOST=example.test CONTENT_LENGTH=$cl \
		CONTENT_TYPE=application/x-www-form-urlencoded "$ROOT/cgi-bin/login" < "$T/in" 2>/dev/null | tr -d '\r' > "$T/out"
	t_match "CONTENT_LENGTH [$cl] is 400" '^Status: 400' "$(head -n 1 "$T/out")"
done
printf 'username=alice' > "$T/in"
HTTP_COOKIE="$C; $S" REQUEST_METHOD=POST REQUEST_URI=/login HTTP_HOST=example.test CONTENT_LENGTH=99999999999999999999999 \
	CONTENT_TYPE=application/x-www-form-urlencoded "$ROOT/cgi-bin/login" < "$T/in" 2>/dev/null | tr -d '\r' > "$T/out"
t_match "a huge CONTENT_LENGTH is 413" '^Status: 413' "$(head -n 1 "$T/out")"
HTTP_COOKIE="$C; $S" REQUEST_METHOD=POST REQUEST_URI=/login HTTP_HOST=example.test CONTENT_LENGTH=500 \
	CONTENT_TYPE=application/x-www-form-urlencoded "$ROOT/cgi-bin/login" < "$T/in" 2>/dev/null | tr -d '\r' > "$T/out"
t_match "a body shorter than CONTENT_LENGTH is 400" '^Status: 400' "$(head -n 1 "$T/out")"
CONTENT_TYPE='application/x-www-form-urlencoded; charset=UTF-8' HTTP_COOKIE="$C; $S" cgi login POST \
	"username=alice&password=pw&csrfmiddlewaretoken=$TOK"
t_eq "a form with a charset parameter logs in" 302 "$STATUS"
env -i PATH="$PATH" CSESS_SESSION_STORE=$CSESS_SESSION_STORE CSESS_SECRET_KEY=$CSESS_SECRET_KEY \
	"$ROOT/cgi-bin/protected" < /dev/null 2>/dev/null | tr -d '\r' > "$T/out"
t_eq "no REQUEST_METHOD or REQUEST_URI: a GET of /" "/login?next=/" "$(location)"
for m in OPTIONS PUT DELETE PATCH; do
	cgi login $m
	t_eq "login answers $m with 405" 405 "$STATUS"
	cgi logout $m
	t_eq "logout answers $m with 405" 405 "$STATUS"
done

# --- next round-trips through LOGIN_URL?next= ----------------------------------

# roundtrip URI: anonymous GET of protected at URI, follow to the login form,
# log in with the form's next; prints where the login sends the browser.
roundtrip() {
	local uri=$1 qs= loc
	[[ "$uri" == *\?* ]] && qs=${uri#*\?}
	REQUEST_URI=$uri QUERY_STRING=$qs cgi protected GET
	loc=$(location)
	[[ "$loc" == /login\?next=* ]] || { echo "protected sent to: $loc"; return; }
	REQUEST_URI=$loc QUERY_STRING=${loc#*\?} cgi login GET
	C=$(cookie_of csrftoken); S=$(cookie_of sessionid_test); TOK=$(token)
	HTTP_COOKIE="$C; $S" cgi login POST \
		"username=alice&password=pw&csrfmiddlewaretoken=$TOK&next=$(form_encode "$(html_unescape "$(hidden_next)")")"
	location
}
t_eq "the query string survives the login" "/protected?a=1&b=%2F" "$(roundtrip '/protected?a=1&b=%2F')"
t_eq "percent-escapes in the path survive" "/protected/%C3%A9%20x" "$(roundtrip '/protected/%C3%A9%20x')"
t_eq "odd characters survive" '/protected/x?q="<>'"'"'{}|^`' "$(roundtrip '/protected/x?q="<>'"'"'{}|^`')"
t_eq "raw UTF-8 and spaces come back percent-encoded, not dropped" "/protected/%C3%A9?q=a%20b" \
	"$(roundtrip "/protected/$(printf '\xc3\xa9')?q=a b")"
t_eq "a raw backslash comes back encoded" "/protected/%5Cevil.test" "$(roundtrip '/protected/\evil.test')"
t_eq "a path of //host never becomes an open redirect" "/protected" "$(roundtrip '//evil.test/x')"
REQUEST_URI=/protected cgi protected GET
t_eq "no query string: no trailing ?" "/login?next=/protected" "$(location)"

# --- the logged-in page needs no cryptography ----------------------------------
fresh_form
HTTP_COOKIE="$C; $S" cgi login POST "username=alice&password=pw&csrfmiddlewaretoken=$TOK"
jar="$C; $(cookie_of sessionid)"
if command -v strace > /dev/null; then
	printf '' > "$T/in"
	HTTP_COOKIE=$jar REQUEST_METHOD=GET REQUEST_URI=/protected HTTP_HOST=example.test \
		strace -f -e trace=openat -o "$T/trace" "$ROOT/cgi-bin/protected" < "$T/in" > "$T/out"
	t_match "the logged-in page is shown under strace" '^Status: 200' "$(head -n 1 "$T/out")"
	grep -q 'libcrypto\|libssl' "$T/trace" && t_fail "the logged-in page opens no libcrypto" "$(grep crypto "$T/trace")" ||
		t_pass "the logged-in page opens no libcrypto"
else
	echo "skip - strace not installed"
fi

# --- the logout button posts to logout ----------------------------------------------
HTTP_COOKIE=$jar REQUEST_URI=/protected cgi protected GET
t_eq "/protected posts logout to the relative logout" "logout" "$(action)"
HTTP_COOKIE=$jar REQUEST_URI=/cgi-bin/protected/ PATH_INFO=/ cgi protected GET
t_eq "/cgi-bin/protected/ (PATH_INFO /) posts to /cgi-bin/logout, not to itself" "/cgi-bin/logout" "$(action)"
HTTP_COOKIE=$jar REQUEST_URI=/protected/a/b PATH_INFO=/a/b cgi protected GET
t_eq "/protected/a/b (PATH_INFO /a/b) posts to /logout" "/logout" "$(action)"
HTTP_COOKIE=$jar REQUEST_URI=//evil.test/protected/x PATH_INFO=/x cgi protected GET
t_eq "...and never to another host" "/evil.test/logout" "$(action)"

# posts_here ACTION: a browser resolving the form's action against this page
# (WHATWG URL: tabs and newlines dropped, a backslash read as a slash) stays
# on this host, and the action holds no byte a parser could read otherwise.
posts_here() {
	python3 - "$1" <<-'EOF'
	import html, re, sys, urllib.parse
	a = html.unescape(sys.argv[1])
	b = re.sub('[\t\n\r]', '', a).strip(''.join(map(chr, range(33)))).replace('\\', '/')
	u = urllib.parse.urlsplit(urllib.parse.urljoin('http://example.test/a/page', b))
	if a == '' or u.netloc != 'example.test' or re.search('[\x00-\x20\x7f-\xff\\\\"<>]', a):
	    print('posts to %r (%s)' % (a, u.geturl()))
	else:
	    print('here')
	EOF
}
for uri in '//evil.test/P' '///evil.test/P' '/\evil.test/P' '/\\evil.test/P' '/\/evil.test/P' \
	'//\evil.test/P' '/%5Cevil.test/P' '/%5C%5Cevil.test/P' '/%2F%2Fevil.test/P' $'/\t/evil.test/P' \
	$'/\n/evil.test/P' $'/\r\n/evil.test/P' $'/\t\\evil.test/P' '/ /evil.test/P' $'/\x01/evil.test/P' \
	'/"><a href=//evil.test>/P' $'/\xc3\xa9/P'; do
	for prog in login logout; do
		REQUEST_URI=${uri/P/$prog} cgi $prog GET
		t_eq "$prog reached as $(printf '%q' "${uri/P/$prog}"): the form posts here" here "$(posts_here "$(action)")"
	done
	HTTP_COOKIE=$jar REQUEST_URI=${uri/P/protected/x} PATH_INFO=/x cgi protected GET
	t_eq "protected reached as $(printf '%q' "${uri/P/protected/x}"): logout posts here" here \
		"$(posts_here "$(action)")"
done
REQUEST_URI='/\evil.test/login' cgi login GET
t_eq "/\\evil.test/login: the extra backslash is dropped as an extra slash is" "/evil.test/login" "$(action)"
REQUEST_URI='/%5Cevil.test/login' cgi login GET
t_eq "an encoded backslash stays encoded" "/%5Cevil.test/login" "$(action)"
REQUEST_URI=$'/a\tb c/login' cgi login GET
t_eq "whitespace in the path is percent-encoded" "/a%09b%20c/login" "$(action)"
HTTP_COOKIE=$jar REQUEST_URI='/\evil.test/protected/x' PATH_INFO=/x cgi protected GET
t_eq "protected reached as /\\evil.test/protected/x posts logout to a local path" "/evil.test/logout" "$(action)"

# --- session contents the page did not write ------------------------------------
# set_visits JSON: the session behind $jar gets "visits": JSON, as another
# site sharing the store might write it.
set_visits() {
	local key=${jar##*sessionid=}
	"$CSESS" sessions export | grep "\"$key\"" | python3 -c '
import json, sys
s = json.loads(sys.stdin.read()); s["data"]["visits"] = json.loads(sys.argv[1]); print(json.dumps(s))' "$1" \
		> "$T/session.json"
	"$CSESS" sessions import "$T/session.json"
}
visits() { sed -n 's/.*id="visits">\([^<]*\)<.*/\1/p' "$T/out"; }
set_visits '"many"'
HTTP_COOKIE=$jar REQUEST_URI=/protected cgi protected GET
t_eq "a visits counter that is a string: the page is still shown" 200 "$STATUS"
t_eq "...counting from 1 again" 1 "$(visits)"
set_visits 9223372036854775807
HTTP_COOKIE=$jar REQUEST_URI=/protected cgi protected GET
t_eq "a visits counter at INT64_MAX starts again instead of overflowing" 1 "$(visits)"
set_visits '"<script>alert(1)</script>"'
HTTP_COOKIE=$jar REQUEST_URI=/protected cgi protected GET
grep -q '<script>alert' "$T/out" && t_fail "session contents are escaped" || t_pass "session contents are escaped"

(unset CSESS_SECRET_KEY; HTTP_COOKIE=$jar REQUEST_URI=/protected cgi protected GET; echo "$STATUS") > "$T/status"
t_eq "a logged-in page needs no SECRET_KEY" 200 "$(cat "$T/status")"

# --- a cookie copied before logout is worth nothing after it ----------------------
fresh_form
HTTP_COOKIE="$C; $S" cgi login POST "username=alice&password=pw&csrfmiddlewaretoken=$TOK"
stolen="$C; $(cookie_of sessionid)"
HTTP_COOKIE=$stolen cgi logout GET
HTTP_COOKIE=$stolen cgi logout POST "csrfmiddlewaretoken=$(token)"
t_eq "logout redirects to LOGOUT_REDIRECT_URL" "302 /login" "$STATUS $(location)"
t_match "...deleting the session cookie" '^Set-Cookie: sessionid=""' "$(grep '^Set-Cookie: sessionid' "$T/out")"
HTTP_COOKIE=$stolen REQUEST_URI=/protected cgi protected GET
t_eq "the old cookie, replayed after logout, is anonymous" 302 "$STATUS"
HTTP_COOKIE=$stolen cgi logout POST "csrfmiddlewaretoken=wrong"
t_eq "a logout without the right token is 403" 403 "$STATUS"

# --- anti-framing and the other security headers --------------------------------
hdr() { sed -n "s/^$1: //p" "$T/out" | head -n 1; }
seen_headers() {
	echo "$(hdr X-Frame-Options)|$(hdr Content-Security-Policy)|$(hdr X-Content-Type-Options)|$(hdr Referrer-Policy)|$(hdr Cross-Origin-Opener-Policy)"
}
# every_page: every kind of answer of the three programs, one line each:
# "what status headers".
every_page() {
	local c s jar
	fresh_form; echo "login-form $STATUS $(seen_headers)"
	cgi login HEAD; echo "login-head $STATUS $(seen_headers)"
	cgi login POST "username=alice"; echo "login-no-cookies $STATUS $(seen_headers)"
	HTTP_COOKIE="$C; $S" cgi login POST "username=alice&password=pw"; echo "login-no-csrf $STATUS $(seen_headers)"
	HTTP_COOKIE="$C" cgi login POST "username=alice&password=pw&csrfmiddlewaretoken=$TOK"
	echo "login-no-test-cookie $STATUS $(seen_headers)"
	HTTP_COOKIE="$C; $S" cgi login POST "username=alice&password=no&csrfmiddlewaretoken=$TOK"
	echo "login-wrong $STATUS $(seen_headers)"
	HTTP_COOKIE="$C; $S" cgi login POST "username=alice&password=pw&csrfmiddlewaretoken=$TOK"
	echo "login-ok $STATUS $(seen_headers)"
	jar="$C; $(cookie_of sessionid)"
	cgi login PUT; echo "login-put $STATUS $(seen_headers)"
	REQUEST_URI=/protected cgi protected GET; echo "protected-anonymous $STATUS $(seen_headers)"
	HTTP_COOKIE=$jar REQUEST_URI=/protected cgi protected GET; echo "protected $STATUS $(seen_headers)"
	HTTP_COOKIE=$jar cgi protected POST; echo "protected-post $STATUS $(seen_headers)"
	HTTP_COOKIE=$jar cgi logout GET; echo "logout-form $STATUS $(seen_headers)"
	HTTP_COOKIE=$jar cgi logout POST "csrfmiddlewaretoken=bad"; echo "logout-bad-csrf $STATUS $(seen_headers)"
	HTTP_COOKIE=$jar cgi logout POST "csrfmiddlewaretoken=$(token)"; echo "logout $STATUS $(seen_headers)"
	CSESS_SESSION_STORE=/proc/nope/s.mdb HTTP_COOKIE="sessionid=abcdefghijklmnopqrstuvwxyz012345" \
		cgi protected GET; echo "protected-store-down $STATUS $(seen_headers)"
}
# check_pages SETTINGS WANT: every page, under these settings, sends WANT.
check_pages() {
	local line what status got n=0 bad=
	while read -r what status got; do
		n=$((n + 1))
		[ "$got" == "$2" ] || bad+="$what ($status): $got; "
	done < <(env $1 bash -c "$(declare -f every_page fresh_form cgi cookie_of token hdr seen_headers)
		ROOT='$ROOT' T='$T'; every_page")
	[ -z "$bad" ] && [ "$n" -eq 15 ] && t_pass "${1:-defaults}: all $n pages send $2" ||
		t_fail "${1:-defaults}: all pages send $2" "$n pages; $bad"
}
check_pages "" "DENY|frame-ancestors 'none'|nosniff|same-origin|same-origin"
check_pages "CSESS_X_FRAME_OPTIONS=SAMEORIGIN" "SAMEORIGIN|frame-ancestors 'self'|nosniff|same-origin|same-origin"
check_pages "CSESS_X_FRAME_OPTIONS=deny CSESS_SECURE_CONTENT_TYPE_NOSNIFF=false" \
	"DENY|frame-ancestors 'none'||same-origin|same-origin"
check_pages "CSESS_SECURE_REFERRER_POLICY=strict-origin-when-cross-origin CSESS_SECURE_CROSS_ORIGIN_OPENER_POLICY=unsafe-none" \
	"DENY|frame-ancestors 'none'|nosniff|strict-origin-when-cross-origin|unsafe-none"
check_pages "CSESS_SECURE_REFERRER_POLICY= CSESS_SECURE_CROSS_ORIGIN_OPENER_POLICY=" \
	"DENY|frame-ancestors 'none'|nosniff||"
echo "SECURE_REFERRER_POLICY = no-referrer" > "$T/sec.conf"
check_pages "CSESS_CONFIG=$T/sec.conf" "DENY|frame-ancestors 'none'|nosniff|no-referrer|same-origin"
check_pages "CSESS_CONFIG=$T/sec.conf CSESS_SECURE_REFERRER_POLICY=origin" \
	"DENY|frame-ancestors 'none'|nosniff|origin|same-origin"
for bad in X_FRAME_OPTIONS=ALLOWALL SECURE_CONTENT_TYPE_NOSNIFF=sometimes SECURE_REFERRER_POLICY=same-site \
	SECURE_CROSS_ORIGIN_OPENER_POLICY=cross-origin; do
	for prog in login protected logout; do
		env "CSESS_$bad" REQUEST_URI=/$prog bash -c "$(declare -f cgi); ROOT='$ROOT' T='$T'; cgi $prog GET"
		t_match "$prog with $bad: 500, the log names the setting" "^Status: 500.*${bad%%=*}:" \
			"$(head -n 1 "$T/out") $(cat "$T/err")"
	done
	t_status "csess check refuses $bad" 2 env "CSESS_$bad" "$CSESS" check
	env "CSESS_$bad" "$CSESS" check 2> "$T/err" > /dev/null
	t_match "...naming the setting" "${bad%%=*}" "$(cat "$T/err")"
done

# --- renamed cookies and moved pages ---------------------------------------------
export CSESS_SESSION_COOKIE_NAME=sid CSESS_CSRF_COOKIE_NAME=xsrf CSESS_LOGIN_URL='/accounts/login?from=app' \
	CSESS_LOGIN_REDIRECT_URL=/home CSESS_LOGOUT_REDIRECT_URL=/bye
REQUEST_URI='/protected?a=1' QUERY_STRING=a=1 cgi protected GET
t_eq "LOGIN_URL with a query: next is appended with &" "/accounts/login?from=app&next=/protected%3Fa%3D1" "$(location)"
cgi login GET
C=$(cookie_of xsrf); S=$(cookie_of sid_test); TOK=$(token)
t_match "the form sets the renamed cookies" '^xsrf=[A-Za-z0-9]{32} sid_test=worked$' "$C $S"
HTTP_COOKIE="$C; $S" cgi login POST "username=alice&password=pw&csrfmiddlewaretoken=$TOK"
t_eq "login goes to LOGIN_REDIRECT_URL" "302 /home" "$STATUS $(location)"
jar="$C; $(cookie_of sid)"
HTTP_COOKIE="$jar; sessionid=x" REQUEST_URI=/protected cgi protected GET
t_eq "the renamed session cookie is the session" 200 "$STATUS"
HTTP_COOKIE=$jar cgi logout GET
HTTP_COOKIE=$jar cgi logout POST "csrfmiddlewaretoken=$(token)"
t_eq "logout goes to LOGOUT_REDIRECT_URL" "302 /bye" "$STATUS $(location)"
t_match "...deleting the renamed cookie" '^Set-Cookie: sid=""' "$(grep '^Set-Cookie: sid=' "$T/out")"
unset CSESS_SESSION_COOKIE_NAME CSESS_CSRF_COOKIE_NAME CSESS_LOGIN_URL CSESS_LOGIN_REDIRECT_URL CSESS_LOGOUT_REDIRECT_URL
t_done
