#!/usr/bin/env bash
# tests/http/servers.sh -- the shipped server configs, run for real.
#
# Starts lighttpd, Apache and nginx from lighttpd-example.conf,
# apache-example.conf and nginx-example.conf with only paths, ports and the
# program list substituted (and their HTTPS part enabled with a self-signed
# certificate), and checks that a program mounted by them works as FastCGI
# (/NAME) and as CGI (/cgi-bin/NAME): its configuration reaches it, cookies
# go both ways, request bodies arrive whole up to the configs' limit and are
# refused past it, HTTPS is told to the program (SESSION_COOKIE_SECURE=auto),
# nothing but the listed programs runs, and stopping the server leaves no
# process behind.
#
# The transport checks use echo.c, a fixture that reports what the server
# handed it; the demo program hello and the login page are checked when
# built.
. "$(dirname "$0")/../lib/harness.sh"
. "$ROOT/tests/lib/servers.sh"

# http METHOD URL [curl args...]: sets STATUS, HEADERS, BODY.
http() {
	local method=$1 url=$2; shift 2
	STATUS=$(curl -sS -X "$method" -D "$T/headers" -o "$T/body" -w '%{http_code}' \
	    --max-time 20 "$@" "$url" 2>"$T/curl.err") || STATUS="curl failed: $(cat "$T/curl.err")"
	HEADERS=$(tr -d '\r' <"$T/headers" 2>/dev/null)
	BODY=$(cat "$T/body" 2>/dev/null)
}

# field NAME: the "NAME=value" line of the echo fixture's body.
field() {
	sed -n "s/^$1=//p" <<<"$BODY" | head -n 1
}

header() {
	sed -n "s/^$1: *//Ip" <<<"$HEADERS" | head -n 1
}

echo_checks() {
	local s=$1 mode=$2 path=$3 pid1 big
	local n="${s}_${mode}"

	http GET "$BASE_URL$path?x=1&y=%20"
	t_eq "${n}_get_answers_200" 200 "$STATUS"
	t_match "${n}_content_type_reaches_client" '^text/plain; charset=utf-8$' "$(header Content-Type)"
	t_eq "${n}_runs_the_program_as_$mode" "$mode" "$(field mode)"
	t_eq "${n}_program_finds_CSESS_CONFIG" "$SRV_CONF" "$(field config)"
	t_eq "${n}_query_string_arrives" 'x=1&y=%20' "$(field query)"
	t_eq "${n}_request_uri_is_the_mount" "$path?x=1&y=%20" "$(field uri)"
	pid1=$(field pid)

	# Cookie round trip through a cookie jar, as a browser would.
	rm -f "$T/jar"
	http GET "$BASE_URL$path" -c "$T/jar" -b "$T/jar"
	t_match "${n}_set_cookie_reaches_client" '^echo_count=1; Path=/; SameSite=Lax$' "$(header Set-Cookie)"
	http GET "$BASE_URL$path" -c "$T/jar" -b "$T/jar"
	t_eq "${n}_cookie_comes_back_to_program" 'echo_count=1' "$(field cookie)"
	http GET "$BASE_URL$path" -c "$T/jar" -b "$T/jar"
	t_match "${n}_cookie_counter_increments" '^echo_count=3;' "$(header Set-Cookie)"

	if [ "$mode" = fastcgi ]; then
		t_eq "${n}_process_serves_many_requests" "$pid1" "$(field pid)"
	else
		t_ok "${n}_process_per_request" test "$pid1" != "$(field pid)"
	fi

	http POST "$BASE_URL$path" -d 'username=alice&password=s%20cret'
	t_eq "${n}_post_method_reaches_program" POST "$(field method)"
	t_eq "${n}_post_body_reaches_program" 'username=alice&password=s%20cret' "$(field body)"

	# Concurrent requests all get an answer (mod_fcgid starts more
	# processes, spawn-fcgi's one process and fcgiwrap take them in turn).
	local i codes pids=()
	: >"$T/codes"
	for i in $(seq 1 16); do
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 20 "$BASE_URL$path?n=$i" >>"$T/codes" &
		pids+=("$!")
	done
	wait "${pids[@]}"	# not a bare wait: the servers are children too
	codes=$(sort "$T/codes" | uniq -c | tr -s ' ')
	t_eq "${n}_sixteen_concurrent_requests_all_200" " 16 200" "$codes"

	# Larger than mod_fcgid's and nginx's default limits, below csess's
	# DATA_UPLOAD_MAX_MEMORY_SIZE: the configs must let it through.
	big=2000000
	head -c "$big" /dev/zero | tr '\0' 'a' >"$T/big"
	http POST "$BASE_URL$path" --data-binary "@$T/big" -H 'Content-Type: application/octet-stream'
	t_eq "${n}_two_megabyte_body_arrives_whole" "200 $big" "$STATUS $(field body_bytes)"

	# Past the configs' 3 MiB limit the body never reaches the program:
	# the server answers 413 itself, except Apache's mod_fcgid, which
	# passes the request on without its body (and its Content-Length, by
	# which a csess program answers 413); never a 500.
	head -c 3500000 /dev/zero | tr '\0' 'a' >"$T/big"
	http POST "$BASE_URL$path" --data-binary "@$T/big" -H 'Content-Type: application/octet-stream'
	if [ "$STATUS" = 200 ]; then
		t_eq "${n}_body_over_server_limit_never_reaches_program" "3500000 0" \
		    "$(field content_length) $(field body_bytes)"
	else
		t_eq "${n}_body_over_server_limit_is_413" 413 "$STATUS"
	fi
}

# Over the example's HTTPS part the programs see HTTPS=on; over plain HTTP
# they do not.  With SESSION_COOKIE_SECURE = auto (set for this suite) the
# login page's test cookie (set as the session cookie is) is Secure over
# HTTPS only.
tls_checks() {
	local s=$1 mode=$2 prefix=$3
	local n="${s}_${mode}"

	http GET "$TLS_URL$prefix/echo" -k
	t_eq "${n}_https_request_has_HTTPS_on" "200 on" "$STATUS $(field https)"
	http GET "$BASE_URL$prefix/echo"
	t_eq "${n}_http_request_has_no_HTTPS" "200 " "$STATUS $(field https)"
	[ "$login" -eq 1 ] || return 0
	http GET "$TLS_URL$prefix/login" -k
	t_match "${n}_auto_secure_session_cookie_over_https" '; Secure(;|$)' \
	    "$(grep -i '^set-cookie: sessionid_test=' <<<"$HEADERS")"
	http GET "$BASE_URL$prefix/login"
	local c
	c=$(grep -i '^set-cookie: sessionid_test=' <<<"$HEADERS")
	t_ok "${n}_auto_plain_session_cookie_over_http" test -n "$c" -a -z "$(grep -i '; Secure' <<<"$c")"
}

# hello counts visits in an HttpOnly "visits" cookie, says how many
# requests its process has served and shows a POSTed note, escaped.
hello_checks() {
	local s=$1 mode=$2 path=$3
	local n="${s}_${mode}_hello"

	rm -f "$T/jar"
	http GET "$BASE_URL$path" -c "$T/jar" -b "$T/jar"
	t_eq "${n}_answers_200" 200 "$STATUS"
	t_match "${n}_is_html" '^text/html' "$(header Content-Type)"
	t_match "${n}_sets_visits_cookie" '^visits=1;.*HttpOnly' "$(header Set-Cookie)"
	t_match "${n}_first_visit_counted" 'visited this page 1 time\.' "$BODY"
	http GET "$BASE_URL$path" -c "$T/jar" -b "$T/jar"
	t_match "${n}_cookie_round_trip_counts_second_visit" \
	    "^visits=2; .*visited this page 2 times" "$(header Set-Cookie) $BODY"
	if [ "$mode" = fastcgi ]; then
		t_match "${n}_one_process_serves_many" 'has served ([2-9]|[1-9][0-9]+) requests' "$BODY"
	else
		t_match "${n}_one_process_per_request" 'has served 1 request\.' "$BODY"
	fi
	http POST "$BASE_URL$path" -c "$T/jar" -b "$T/jar" \
	    --data-urlencode 'note=<b>posted</b> & through' --data-urlencode 'name=Ann'
	t_eq "${n}_post_answers_200" 200 "$STATUS"
	t_match "${n}_post_body_reaches_program_escaped" \
	    'Hello, Ann!.*Your note: &lt;b&gt;posted&lt;/b&gt; &amp; through' "$BODY"
	if [ -n "$TLS_URL" ]; then
		http GET "${TLS_URL}$path" -k
		t_match "${n}_over_https_cookie_is_secure" \
		    '^visits=1;.*Secure.* over HTTPS' "$(header Set-Cookie) $BODY"
	fi
}

unlisted_checks() {
	local s=$1 p
	# A program in the same directories but not in the mounted list.
	for p in "$SRV_DIR/cgi-bin/unlisted" "$SRV_DIR/fcgi/unlisted"; do
		printf '#!/bin/sh\ntouch %s\necho "Content-Type: text/plain"\necho\necho ran\n' \
		    "$T/unlisted-ran" >"$p"
		chmod 755 "$p"
	done
	http GET "$BASE_URL/cgi-bin/unlisted"
	t_eq "${s}_cgi_unlisted_program_is_404" 404 "$STATUS"
	http GET "$BASE_URL/unlisted"
	t_eq "${s}_fastcgi_unlisted_program_is_404" 404 "$STATUS"
	http GET "$BASE_URL/cgi-bin/echo/extra"
	t_eq "${s}_path_below_a_program_is_404" 404 "$STATUS"
	t_ok "${s}_unlisted_program_never_ran" test ! -e "$T/unlisted-ran"
}

if ! cc -std=c11 -D_GNU_SOURCE -O2 -o "$T/echo" "$ROOT/tests/http/echo.c" -lfcgi; then
	t_fail "echo_fixture_builds"
	t_done
	exit
fi
progs=("$T/echo")
if [ -x "$ROOT/cgi-bin/hello" ]; then
	progs+=(hello)
else
	echo "skipped: hello checks: cgi-bin/hello not built"
fi
login=0
if [ -x "$ROOT/cgi-bin/login" ]; then
	progs+=(login)
	login=1
else
	echo "skipped: Secure=auto checks: cgi-bin/login not built"
fi
SRV_TLS=1
srv_config_set SESSION_COOKIE_SECURE auto

for server in apache nginx lighttpd; do
	if ! why=$(srv_available "$server"); then
		echo "skipped: $server: $why"
		continue
	fi
	if ! srv_start "$server" "${progs[@]}"; then
		t_fail "${server}_starts_from_shipped_config"
		srv_stop
		continue
	fi
	t_pass "${server}_starts_from_shipped_config"
	failed_before=$_t_fail
	echo_checks "$server" fastcgi /echo
	echo_checks "$server" cgi /cgi-bin/echo
	if [ -x "$ROOT/cgi-bin/hello" ]; then
		hello_checks "$server" fastcgi /hello
		hello_checks "$server" cgi /cgi-bin/hello
	fi
	tls_checks "$server" fastcgi ""
	tls_checks "$server" cgi /cgi-bin
	unlisted_checks "$server"
	if srv_stop; then
		t_pass "${server}_stop_leaves_no_process"
	else
		t_fail "${server}_stop_leaves_no_process" "$(srv_leftovers)"
	fi
	[ "$_t_fail" -eq "$failed_before" ] || srv_logs
done
t_done
