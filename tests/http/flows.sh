#!/usr/bin/env bash
# End-to-end flows of the login, protected and logout programs under real
# servers (lighttpd, Apache, nginx), each through its FastCGI mount (/NAME)
# and its CGI mount (/cgi-bin/NAME), driven with curl.
# Usage: tests/http/flows.sh [SERVER...]   (default: every available server)
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/servers.sh"

servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(lighttpd apache nginx)
PASSWORD='correct horse battery staple'

# req NAME METHOD URL JAR [curl args...]: one request; sets STATUS, LOCATION,
# and leaves headers in $T/h and the body in $T/b.
req() {
	local jar=$4 method=$2 url=$3
	shift 4
	STATUS=$(curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' -X "$method" \
		${jar:+-b "$jar" -c "$jar"} "$@" "$url")
	LOCATION=$(tr -d '\r' < "$T/h" | sed -n 's/^[Ll]ocation: //p')
}

# The hidden CSRF token of the page in $T/b.
form_token() {
	sed -n 's/.*name="csrfmiddlewaretoken" value="\([A-Za-z0-9]*\)".*/\1/p' "$T/b" | head -n 1
}

jar_value() { # jar_value JAR NAME
	awk -v n="$2" '$6 == n { v = $7 } END { print v }' "$1"
}

set_cookie_line() { # set_cookie_line NAME: the Set-Cookie value for NAME in $T/h
	tr -d '\r' < "$T/h" | sed -n "s/^[Ss]et-[Cc]ookie: \($1=.*\)/\1/p" | head -n 1
}

# login_page JAR URL: GET the form; its token in $tok.
login_page() {
	req get GET "$2" "$1"
	tok=$(form_token)
}

login_post() { # login_post JAR PREFIX USER PASSWORD TOKEN [NEXT]
	req post POST "$BASE_URL$2/login" "$1" \
		--data-urlencode "username=$3" --data-urlencode "password=$4" \
		--data-urlencode "csrfmiddlewaretoken=$5" --data-urlencode "next=${6:-}"
}

stored_sessions() { srv_csess sessions stats | sed -n 's/^sessions\t//p'; }

flow() { # flow SERVER PREFIX USER
	local s=$1 p=$2 user=$3 jar="$T/jar-$1-${2//\//}" tok old stolen
	local tag="$s ${p:-fastcgi}${p:+ cgi}"
	rm -f "$jar"

	login_page "$jar" "$BASE_URL$p/login?next=$p/protected"
	t_eq "$tag: login form answers 200" 200 "$STATUS"
	t_match "$tag: login form carries next" "name=\"next\" value=\"$p/protected\"" "$(cat "$T/b")"
	t_match "$tag: login form sets the CSRF cookie" "^csrftoken=" "$(set_cookie_line csrftoken)"
	t_match "$tag: login form sets the test cookie, a plain cookie" \
		"^sessionid_test=worked; HttpOnly.*SameSite=Lax" "$(set_cookie_line sessionid_test)"
	t_eq "$tag: ...and no session" "" "$(set_cookie_line sessionid)"
	[ ${#tok} -eq 64 ] && t_pass "$tag: masked CSRF token in the form" ||
		t_fail "$tag: masked CSRF token in the form" "got '$tok'"

	# Anonymous visitors of the form write nothing to the store.
	local before i
	before=$(stored_sessions)
	for i in $(seq 1 20); do
		curl -s -o /dev/null "$BASE_URL$p/login"
		curl -s -o /dev/null --head "$BASE_URL$p/login"
	done
	t_eq "$tag: 20 anonymous GETs and HEADs of the form store no session" "$before" "$(stored_sessions)"

	# Cookies disabled: nothing comes back.
	req nocookies POST "$BASE_URL$p/login" "" --data "username=$user&password=x&csrfmiddlewaretoken=$tok"
	t_eq "$tag: POST without cookies is 403" 403 "$STATUS"
	t_match "$tag: ...and asks to enable cookies" "Please enable cookies and try again." "$(cat "$T/b")"

	# CSRF missing, then wrong.
	req nocsrf POST "$BASE_URL$p/login" "$jar" --data "username=$user&password=x"
	t_eq "$tag: POST without CSRF token is 403" 403 "$STATUS"
	# A different last character (not always "x": the token may end in x).
	local bad=${tok:0:63}x
	[ "$bad" = "$tok" ] && bad=${tok:0:63}y
	login_post "$jar" "$p" "$user" "$PASSWORD" "$bad"
	t_eq "$tag: POST with a wrong CSRF token is 403" 403 "$STATUS"

	# Wrong password: the form again, one message.
	login_post "$jar" "$p" "$user" "wrong" "$tok" "$p/protected"
	t_eq "$tag: wrong password shows the form (200)" 200 "$STATUS"
	t_match "$tag: ...with one message" "Please enter a correct username and password" "$(cat "$T/b")"
	# A name of its own per flow: failures per username add up across the
	# servers, which share one store.
	login_post "$jar" "$p" "nosuchuser-$s-${p//\//}" "wrong" "$tok" "$p/protected"
	t_match "$tag: unknown user gets the same message" "Please enter a correct username and password" "$(cat "$T/b")"

	# Success: the key is cycled, we go to next.
	old=$(jar_value "$jar" sessionid)
	login_post "$jar" "$p" "$user" "$PASSWORD" "$tok" "$p/protected"
	t_eq "$tag: right password redirects (302)" 302 "$STATUS"
	t_eq "$tag: ...to the safe next" "$p/protected" "$LOCATION"
	stolen=$(jar_value "$jar" sessionid)
	[ -n "$stolen" ] && [ "$stolen" != "$old" ] && t_pass "$tag: session key cycled on login" ||
		t_fail "$tag: session key cycled on login" "before $old after $stolen"

	req prot GET "$BASE_URL$p/protected" "$jar"
	t_eq "$tag: protected page for the user (200)" 200 "$STATUS"
	t_match "$tag: ...shows the username" "id=\"username\">$user<" "$(cat "$T/b")"
	t_match "$tag: ...counts visits" 'id="visits">1<' "$(cat "$T/b")"
	req prot GET "$BASE_URL$p/protected" "$jar"
	t_match "$tag: ...second visit counted" 'id="visits">2<' "$(cat "$T/b")"
	tok=$(form_token)

	# Logout, then the stolen cookie is worthless.
	req logout POST "$BASE_URL$p/logout" "$jar" --data "csrfmiddlewaretoken=$tok"
	t_eq "$tag: logout redirects (302)" 302 "$STATUS"
	t_eq "$tag: ...to LOGOUT_REDIRECT_URL" "/login" "$LOCATION"
	t_match "$tag: ...and deletes the session cookie" '^sessionid=""; expires=Thu, 01 Jan 1970' \
		"$(set_cookie_line sessionid)"
	req stolen GET "$BASE_URL$p/protected" "" -H "Cookie: sessionid=$stolen"
	t_eq "$tag: stolen session after logout is refused" 302 "$STATUS"
	t_eq "$tag: ...and sent to the login" "/login?next=$p/protected" "$LOCATION"

	# Unsafe next is ignored.
	rm -f "$jar"
	login_page "$jar" "$BASE_URL$p/login"
	login_post "$jar" "$p" "$user" "$PASSWORD" "$tok" "//evil.example/x"
	t_eq "$tag: unsafe next (//host) is refused" "/protected" "$LOCATION"
	login_page "$jar" "$BASE_URL$p/login"
	login_post "$jar" "$p" "$user" "$PASSWORD" "$tok" "https://evil.example/"
	t_eq "$tag: unsafe next (scheme) is refused" "/protected" "$LOCATION"
	login_page "$jar" "$BASE_URL$p/login"
	login_post "$jar" "$p" "$user" "$PASSWORD" "$tok" '/\evil.example'
	t_eq "$tag: unsafe next (backslash) is refused" "/protected" "$LOCATION"

	# The test cookie did not come back (only the CSRF cookie is sent).
	rm -f "$jar"
	login_page "$jar" "$BASE_URL$p/login"
	req notest POST "$BASE_URL$p/login" "" -H "Cookie: csrftoken=$(jar_value "$jar" csrftoken)" \
		--data "username=$user&password=x&csrfmiddlewaretoken=$tok"
	t_eq "$tag: missing test cookie shows the form (200)" 200 "$STATUS"
	t_match "$tag: ...asking to enable cookies" "Please enable cookies and try again." "$(cat "$T/b")"

	# Throttling: 5 failures for one username, then 429 with Retry-After,
	# even with the right password.
	local victim="victim-$s-${p//\//}" i
	echo "$PASSWORD" | srv_csess user add "$victim" >/dev/null
	rm -f "$jar"
	login_page "$jar" "$BASE_URL$p/login"
	for i in 1 2 3 4 5; do
		login_post "$jar" "$p" "$victim" "wrong$i" "$tok"
	done
	login_post "$jar" "$p" "$victim" "$PASSWORD" "$tok"
	t_eq "$tag: sixth attempt for one username is throttled (429)" 429 "$STATUS"
	t_match "$tag: ...with Retry-After" "Retry-After: [0-9]+" "$(tr -d '\r' < "$T/h")"
}

for s in "${servers[@]}"; do
	if ! why=$(srv_available "$s"); then
		t_fail "$s available" "$why"
		continue
	fi
	fails_before=$_t_fail
	# Before the start: FastCGI programs read their settings once.
	srv_config_set LOGIN_FAILURES_PER_ADDRESS 1000
	srv_config_set PASSWORD_ITERATIONS 20000
	if ! srv_start "$s" login protected logout; then
		t_fail "$s starts" "$(srv_logs 2>&1 | tail -n 20)"
		continue
	fi
	user="user-$s"
	echo "$PASSWORD" | srv_csess user add "$user" >/dev/null
	flow "$s" "" "$user"
	flow "$s" "/cgi-bin" "$user"
	# A failure under this server: show its logs (the programs' stderr too).
	[ "$_t_fail" -gt "$fails_before" ] && srv_logs 2>&1 | tail -n 40 | sed 's/^/    log: /'
	srv_stop && t_pass "$s stops cleanly" || t_fail "$s stops cleanly" "$(srv_leftovers)"
done
t_done
