#!/usr/bin/env bash
# tests/valgrind/valgrind.sh -- the CLI and the programs under valgrind:
# every csess subcommand an operator runs (cookie, sign, dumps, user,
# sessions, check, throttle) and each program as CGI on its success and
# failure paths (login, protected, logout, gate, hello).  Each run must
# report no error and leak nothing (definitely or indirectly lost), and
# still answer as it does without valgrind.  Skipped for SAN=1 builds:
# valgrind and AddressSanitizer do not mix.
source "$(dirname "$0")/../lib/harness.sh"

if [ "${SAN:-}" = 1 ] || [ "$(cat "$ROOT/build/variant" 2>/dev/null)" = san ]; then
	echo "# skipped: a SAN=1 build (valgrind and AddressSanitizer do not mix)"
	t_done
	exit
fi
# A program linked statically (the Makefile's STATIC_PROGS) runs here as
# its dynamically linked twin, built from the same objects: valgrind can
# neither replace malloc in a static glibc nor follow its start-up.
program() {
	local twin=$ROOT/${CSESS_BUILD:-build/rel}/twin/$1
	if [ -x "$twin" ] && ! readelf -l "$ROOT/cgi-bin/$1" | grep -q INTERP; then
		echo "$twin"
	else
		echo "$ROOT/cgi-bin/$1"
	fi
}
if ! command -v valgrind >/dev/null; then
	t_fail "valgrind is installed (apt-get install valgrind)"
	t_done
	exit
fi

export CSESS_SESSION_STORE=$T/store/sessions.mdb CSESS_SESSION_SYNC=none
export CSESS_SECRET_KEY=valgrind-test-secret-valgrind-test-secret-valgrind0
export CSESS_PASSWORD_ITERATIONS=1000
unset CSESS_CONFIG CSESS_SESSION_ENGINE

# vg NAME IN OUT CMD...: run CMD under valgrind, stdin from IN, stdout to
# OUT, stderr to $T/err; a report in the log or valgrind's error exit
# fails NAME.  RC is CMD's exit status.
vg() {
	local name=$1 in=$2 out=$3 log=$T/vg.log
	shift 3
	rm -f "$log"
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	    --log-file="$log" "$@" < "$in" > "$out" 2> "$T/err"
	RC=$?
	if [ "$RC" -ne 99 ] && [ ! -s "$log" ]; then
		t_pass "$name: no errors, no leaks"
	else
		t_fail "$name: no errors, no leaks (exit $RC)" \
		    "$(grep -v '^==[0-9]*== *$' "$log" | head -n 30)"
	fi
}

# cli NAME ARGS...: csess ARGS under valgrind, stdin from $T/in; its
# output in $T/out.
cli() {
	local name=$1
	shift
	vg "csess $name" "$T/in" "$T/out" "$CSESS" "$@"
}

# cgi PROGRAM METHOD [body]: the program under valgrind as CGI, with
# HTTP_COOKIE from $JAR; STATUS, headers and body in $T/out.
cgi() {
	local prog=$1 method=$2 body=${3:-}
	printf '%s' "$body" > "$T/body"
	REQUEST_METHOD=$method REQUEST_URI=/$prog HTTP_HOST=example.test \
	    CONTENT_TYPE=application/x-www-form-urlencoded \
	    CONTENT_LENGTH=$(stat -c %s "$T/body") REMOTE_ADDR=192.0.2.1 \
	    HTTP_COOKIE=$JAR vg "$prog $method ${NAME:-}" "$T/body" \
	    "$T/out.raw" "$(program "$prog")"
	tr -d '\r' < "$T/out.raw" > "$T/out"
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/out" | head -n 1)
}
cookie_of() { sed -n "s/^Set-Cookie: \($1=[^;]*\).*/\1/p" "$T/out" | head -n 1; }
token() { sed -n 's/.*name="csrfmiddlewaretoken" value="\([A-Za-z0-9]*\)".*/\1/p' "$T/out" | head -n 1; }

# ---- the CLI ------------------------------------------------------------
: > "$T/in"
cli "cookie parse" cookie parse 'a=1; b="x y"; sessionid=abc'
t_match "cookie parse: answers" 'sessionid' "$(cat "$T/out")"
cli "cookie set" cookie set sessionid abc --max-age 60 --secure --httponly
t_match "cookie set: answers" '^sessionid=abc; ' "$(cat "$T/out")"
cli "sign" sign --salt s --timestamp hello
signed=$(cat "$T/out")
cli "unsign" unsign --salt s --timestamp --max-age 60 "$signed"
t_eq "unsign: answers" hello "$(cat "$T/out")"
cli "unsign (bad signature)" unsign --salt s "${signed}x"
t_eq "unsign (bad signature): refused" 1 "$RC"
cli "dumps" dumps --compress '{"a": [1, 2, 3], "b": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}'
token_d=$(cat "$T/out")
cli "loads" loads --max-age 60 "$token_d"
t_match "loads: answers" '"a"' "$(cat "$T/out")"
cli "loads (bad token)" loads "x$token_d"
t_eq "loads (bad token): refused" 1 "$RC"

echo pw > "$T/in"
cli "user add" user add alice
echo pw > "$T/in"
cli "user add (second)" user add bob
printf 'pw2\n' > "$T/in"
cli "user passwd" user passwd bob
: > "$T/in"
cli "user list" user list
t_match "user list: answers" 'alice' "$(cat "$T/out")"
cli "check" check
cli "check --deploy" check --deploy

# ---- the programs -------------------------------------------------------
JAR=
NAME=anonymous cgi protected GET
t_eq "protected GET anonymous: redirected to login" 302 "$STATUS"
NAME=anonymous cgi gate GET
t_match "gate GET anonymous: refused" '^(302|401|403)$' "$STATUS"
cgi hello GET
t_eq "hello GET: 200" 200 "$STATUS"
NAME=form cgi login GET
t_eq "login GET: 200" 200 "$STATUS"
csrf=$(cookie_of csrftoken)
tok=$(token)
JAR="$csrf; sessionid_test=worked"
NAME="wrong password" cgi login POST "username=alice&password=no&csrfmiddlewaretoken=$tok"
t_eq "login POST wrong password: the form again" 200 "$STATUS"
NAME="no CSRF token" cgi login POST "username=alice&password=pw"
t_eq "login POST without a CSRF token: 403" 403 "$STATUS"
NAME=success cgi login POST "username=alice&password=pw&csrfmiddlewaretoken=$tok"
t_eq "login POST success: 302" 302 "$STATUS"
session=$(cookie_of sessionid)
csrf=$(cookie_of csrftoken)
[ -n "$csrf" ] || csrf=${JAR%%;*}
JAR="$csrf; $session"
NAME="logged in" cgi protected GET
t_eq "protected GET logged in: 200" 200 "$STATUS"
tok=$(token)
NAME="logged in" cgi gate GET
t_match "gate GET logged in: allowed" '^20[04]$' "$STATUS"
NAME="logged in" cgi logout GET
t_eq "logout GET: the confirmation form" 200 "$STATUS"
NAME="no CSRF token" cgi logout POST ""
t_eq "logout POST without a CSRF token: 403" 403 "$STATUS"

# ---- sessions and throttle, over what the programs stored ---------------
: > "$T/in"
cli "sessions list" sessions list
key=$(awk -F '\t' 'NR > 1 && $3 == "alice" { print $1; exit }' "$T/out")
t_match "sessions list: alice's session" '^[a-z0-9]{32}$' "$key"
cli "sessions show" sessions show "$key"
cli "sessions show (missing)" sessions show 00000000000000000000000000000000
cli "sessions stats" sessions stats
cli "sessions verify" sessions verify
t_eq "sessions verify: clean" 0 "$RC"
cli "sessions export" sessions export
cp "$T/out" "$T/export"
cli "throttle list" throttle list
t_match "throttle list: the failed login" '192\.0\.2\.1' "$(cat "$T/out")"

NAME="logged in" cgi logout POST "csrfmiddlewaretoken=$tok"
t_match "logout POST: logged out" '^(200|302)$' "$STATUS"
NAME="logged out" cgi protected GET
t_eq "protected GET after logout: redirected" 302 "$STATUS"

cp "$T/export" "$T/in"
cli "sessions import" sessions import -
t_eq "sessions import: exit 0" 0 "$RC"
: > "$T/in"
cli "sessions clear-expired" sessions clear-expired --verbose
cli "sessions revoke-user" sessions revoke-user alice
cli "user del" user del bob
t_done
