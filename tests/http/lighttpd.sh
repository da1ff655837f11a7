#!/usr/bin/env bash
# A real lighttpd with the shipped lighttpd-example.conf (its settings set
# by scripts/lighttpd-conf in a copy under $T) serving hello twice: through
# mod_fastcgi at /hello (lighttpd spawns the process) and through mod_cgi
# at /cgi-bin/hello.  Checks the Set-Cookie round trip, status codes, and
# that lighttpd and its FastCGI child are stopped by PID.
. "$(dirname "$0")/../lib/harness.sh"

if ! command -v lighttpd >/dev/null || ! command -v curl >/dev/null; then
	t_fail "lighttpd and curl are required (Debian packages lighttpd, curl)"
	t_done
	exit 1
fi
for f in "$ROOT/fcgi/hello" "$ROOT/cgi-bin/hello"; do
	if [ ! -x "$f" ]; then
		t_fail "$f is not built (run make)"
		t_done
		exit 1
	fi
done

port=$(t_port)
mkdir -p "$T/htdocs" "$T/state/sockets"
echo '<!DOCTYPE html><title>csess</title>' > "$T/htdocs/index.html"
cat > "$T/csess.conf" <<EOF
# settings for this test
SESSION_COOKIE_AGE = 600
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
EOF
chmod 600 "$T/csess.conf"
# The shipped example with its var.csess_* lines set, as scripts/demo does;
# only hello is listed, though the other programs sit in the same directories.
"$ROOT/scripts/lighttpd-conf" --cgi-dir "$ROOT/cgi-bin" --fcgi-dir "$ROOT/fcgi" \
    --config "$T/csess.conf" --logs "$T/state" --state "$T/state" --docroot "$T/htdocs" --port "$port" \
    --no-user hello > "$T/lighttpd.conf"
t_eq "lighttpd-conf succeeds" 0 "$?"

t_eq "no default path is left in the config" "" \
    "$(grep -v '^#' "$T/lighttpd.conf" | grep -E '/usr/local/lib/csess|/etc/csess|/var/lib/csess|/var/log|8080')"
t_ok "lighttpd accepts the config" lighttpd -tt -f "$T/lighttpd.conf"
t_eq "one FastCGI mount, for hello" '( "/hello" =>' \
    "$(grep -o '^fastcgi.server += ( "/[a-z]*" =>' "$T/lighttpd.conf" | sed 's/^fastcgi.server += //')"
t_status "lighttpd-conf refuses a program name that is not a word" 2 \
    "$ROOT/scripts/lighttpd-conf" 'a|b'
t_status "lighttpd-conf refuses a path with a quote" 2 \
    "$ROOT/scripts/lighttpd-conf" --state '/tmp/a"b' hello

lighttpd -D -f "$T/lighttpd.conf" 2>"$T/lighttpd.stderr" &
lpid=$!
t_cleanup_pid "$lpid"
if ! t_wait_port "$port"; then
	t_fail "lighttpd did not start" "$(cat "$T/lighttpd.stderr" "$T/state/error.log" 2>/dev/null)"
	t_done
	exit 1
fi
base="http://127.0.0.1:$port"

# status URL [curl options...]: the HTTP status code only.
status() {
	local url=$1; shift
	curl -s -o /dev/null -w '%{http_code}' "$@" "$url"
}

for mount in /hello /cgi-bin/hello; do
	jar="$T/jar${mount//\//_}"
	url="$base$mount"

	# First visit: no cookie yet; the page counts 1 and sets visits=1.
	curl -s -D "$T/h1" -o "$T/b1" -c "$jar" "$url"
	t_match "$mount: first response is 200" "^HTTP/1.1 200" "$(head -n 1 "$T/h1")"
	t_match "$mount: first response sets the cookie" \
	    $'Set-Cookie: visits=1; [^\r]*Max-Age=600' "$(cat "$T/h1")"
	t_match "$mount: cookie is HttpOnly, Path=/, SameSite=Lax" \
	    'HttpOnly.*Path=/.*SameSite=Lax' "$(grep -i '^Set-Cookie' "$T/h1")"
	t_eq "$mount: one Set-Cookie field" 1 "$(grep -ci '^Set-Cookie:' "$T/h1")"
	t_match "$mount: response varies on Cookie" "Vary: Cookie" "$(cat "$T/h1")"
	t_match "$mount: page counts the first visit" "visited this page 1 time\." "$(cat "$T/b1")"

	# Second visit sends the cookie back; the page reflects it.
	curl -s -D "$T/h2" -o "$T/b2" -b "$jar" -c "$jar" "$url"
	t_match "$mount: cookie came back and was counted" "visited this page 2 times\." "$(cat "$T/b2")"
	t_match "$mount: second response sets visits=2" "Set-Cookie: visits=2;" "$(cat "$T/h2")"

	body=$(curl -s -b 'visits=41' "$url")
	t_match "$mount: a cookie sent by hand is read" "visited this page 42 times\." "$body"

	body=$(curl -s --data-urlencode 'name=<script>x</script>' "$url")
	t_match "$mount: POSTed form field is decoded and escaped" \
	    "Hello, &lt;script&gt;x&lt;/script&gt;!" "$body"
	body=$(curl -s "$url?name=a+b%2Bc")
	t_match "$mount: query is decoded" "Hello, a b\+c!" "$body"

	t_eq "$mount: PUT is 405" 405 "$(status "$url" -X PUT)"
	t_match "$mount: 405 says what is allowed" "Allow: GET, HEAD, POST" \
	    "$(curl -s -D - -o /dev/null -X DELETE "$url")"
	# (In a query string lighttpd itself re-encodes a stray '%' as %25, so
	# a malformed escape can only reach the program in a body.)
	t_eq "$mount: malformed escape in a form is 400" 400 "$(status "$url" --data 'name=%zz')"
	t_eq "$mount: NUL in a form is 400" 400 "$(status "$url" --data 'name=a%00b')"
	t_eq "$mount: JSON POST is 415" 415 \
	    "$(status "$url" -H 'Content-Type: application/json' --data '{"a":1}')"
	t_eq "$mount: form with charset parameter is 200" 200 \
	    "$(status "$url" -H 'Content-Type: application/x-www-form-urlencoded; charset=UTF-8' --data 'name=x')"
	t_eq "$mount: body of DATA_UPLOAD_MAX_MEMORY_SIZE is accepted" 200 \
	    "$(status "$url" --data "name=$(head -c 1019 /dev/zero | tr '\0' x)")"
	t_eq "$mount: one byte more is 413" 413 \
	    "$(status "$url" --data "name=$(head -c 1020 /dev/zero | tr '\0' x)")"

	curl -s -I -o /dev/null -D "$T/hh" "$url"
	t_match "$mount: HEAD is 200 with a Content-Length" \
	    $'^HTTP/1.1 200.*Content-Length: [1-9]' "$(tr -d '\r' < "$T/hh" | tr '\n' ' ')"
	t_eq "$mount: HEAD has no body" 0 "$(curl -s -I "$url" | sed '1,/^\r$/d' | wc -c)"
done

# FastCGI keeps one process across requests; CGI starts one per request.
a=$(curl -s "$base/hello" | sed -n 's/.*has served \([0-9]*\) request.*/\1/p')
b=$(curl -s "$base/hello" | sed -n 's/.*has served \([0-9]*\) request.*/\1/p')
t_eq "FastCGI process is reused" "$((a + 1))" "$b"
t_match "CGI process serves one request" "has served 1 request\." "$(curl -s "$base/cgi-bin/hello")"

t_eq "program sources are not served" 404 "$(status "$base/cgi-bin/hello.c")"
t_eq "a program that is not listed does not run as CGI" 404 "$(status "$base/cgi-bin/login")"
t_eq "a program that is not listed has no FastCGI mount" 404 "$(status "$base/login")"
t_eq "a path below a program is not found" 404 "$(status "$base/cgi-bin/hello/x")"
t_eq "nothing else is under /cgi-bin/" 404 "$(status "$base/cgi-bin/nope")"
t_eq "a body over the server's 3 MiB limit is 413" 413 \
    "$(head -c 3200000 /dev/zero | status "$base/cgi-bin/hello" --data-binary @-)"
t_eq "static index is served" 200 "$(status "$base/")"

# Stop by PID: lighttpd, then its FastCGI child must be gone too.
children=$(ps -o pid= --ppid "$lpid" | tr -d ' ')
t_match "lighttpd runs a FastCGI child" '^[0-9]+' "$children"
kill "$lpid"
wait "$lpid" 2>/dev/null
t_ok "lighttpd is stopped" bash -c "! kill -0 $lpid 2>/dev/null"
for c in $children; do
	for _ in $(seq 1 50); do
		kill -0 "$c" 2>/dev/null || break
		sleep 0.1
	done
	t_ok "FastCGI child $c is stopped" bash -c "! kill -0 $c 2>/dev/null"
done
# Under SAN=1 the programs' sanitizer reports (LeakSanitizer runs when the
# FastCGI process exits on SIGTERM) land in lighttpd's error log.
t_eq "no errors from the programs in the log" "" \
    "$(grep -iE 'csess|sanitizer|runtime error|fcgi.*(died|error)' "$T/state/error.log" || true)"

# The FastCGI process under valgrind: many requests through lighttpd, then
# a clean stop, and not a byte lost.  (Skipped for SAN builds: valgrind and
# AddressSanitizer do not mix.)
if [ "${SAN:-}" != 1 ] && command -v valgrind >/dev/null; then
	printf '#!/bin/sh\nexec valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file="%s" "%s"\n' \
	    "$T/valgrind.log" "$ROOT/fcgi/hello" > "$T/vg-hello"
	chmod 755 "$T/vg-hello"
	port2=$(t_port)
	sed -e "s|^var.csess_port .*|var.csess_port = $port2|" \
	    -e "s|csess_fcgi_dir + \"/hello\"|\"$T/vg-hello\"|" "$T/lighttpd.conf" > "$T/lighttpd-vg.conf"
	t_eq "valgrind config differs in port and program only" 2 \
	    "$(diff "$T/lighttpd.conf" "$T/lighttpd-vg.conf" | grep -c '^>')"
	lighttpd -D -f "$T/lighttpd-vg.conf" 2>>"$T/lighttpd.stderr" &
	vpid=$!
	t_cleanup_pid "$vpid"
	t_wait_port "$port2"
	ok=0
	for i in $(seq 1 200); do
		curl -s -b "visits=$i" --data "name=n$i" "http://127.0.0.1:$port2/hello" |
		    grep -q "visited this page $((i + 1)) times" && ok=$((ok + 1))
	done
	t_eq "200 requests to one FastCGI process under valgrind" 200 "$ok"
	served=$(curl -s "http://127.0.0.1:$port2/hello" | sed -n 's/.*has served \([0-9]*\) request.*/\1/p')
	t_eq "all served by the same process" 201 "$served"
	vchild=$(ps -o pid= --ppid "$vpid" | tr -d ' ')
	kill "$vpid"
	wait "$vpid" 2>/dev/null
	for _ in $(seq 1 100); do
		[ -n "$vchild" ] && kill -0 "$vchild" 2>/dev/null || break
		sleep 0.1
	done
	t_ok "valgrind wrote its report" test -f "$T/valgrind.log"
	t_eq "valgrind: no leaks, no errors" "" "$(cat "$T/valgrind.log" 2>/dev/null)"
fi

t_done
