#!/usr/bin/env bash
# tests/browser/browser.sh -- the programs in a real browser.
#
# Starts each server in $BROWSER_SERVERS (default: lighttpd apache nginx)
# from its shipped example config (tests/lib/servers.sh) and drives
# /usr/bin/chromium, headless, with playwright-core (tests/browser/flows.mjs):
# the echo fixture's cookie counter across reloads, the demo program hello
# (visit counter, HttpOnly cookie, a posted note), and the login ->
# protected -> logout flow, each when built, through the FastCGI and the CGI
# mounts.  Screenshots go to tests/out/browser/SERVER/.
#
# playwright-core is installed into tests/browser/node_modules from the
# lock file on first run (npm ci); it uses the system Chromium and downloads
# no browser.
. "$(dirname "$0")/../lib/harness.sh"
. "$ROOT/tests/lib/servers.sh"

HERE=$ROOT/tests/browser
OUT=$ROOT/tests/out/browser
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
LOGIN_USER=alice
LOGIN_PASSWORD="correct horse $(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"

# flows.mjs prints PASS/FAIL/SKIP lines; count them here.
run_flows() {
	local line fails=0
	while IFS= read -r line; do
		case "$line" in
		"PASS "*) t_pass "${line#PASS }" ;;
		"FAIL "*) t_fail "${line#FAIL }"; fails=$((fails + 1)) ;;
		"exit 0") ;;
		"exit "*) [ "$fails" -gt 0 ] || t_fail "browser_flows_exit_cleanly" "node $line" ;;
		*) echo "$line" ;;
		esac
	done < <(cd "$HERE" && BASE_URL=$BASE_URL PROFILE_DIR=$1 OUT_DIR=$OUT/$SRV_NAME \
	    FLOWS=$2 SERVER_NAME=$SRV_NAME CHROMIUM=$CHROMIUM LOGIN_USER=$LOGIN_USER \
	    LOGIN_PASSWORD=$LOGIN_PASSWORD timeout 120 node flows.mjs 2>&1; echo "exit $?")
}

if [ ! -x "$CHROMIUM" ] || ! command -v node >/dev/null; then
	echo "skipped: browser tests: $CHROMIUM or node not installed"
	t_done
	exit
fi
if [ ! -d "$HERE/node_modules/playwright-core" ]; then
	if ! command -v npm >/dev/null; then
		echo "skipped: browser tests: npm not installed"
		t_done
		exit
	fi
	# From the lock file; npm install only if the lock file no longer fits.
	if (cd "$HERE" && { npm ci --no-audit --no-fund --loglevel=error ||
	    npm install --no-audit --no-fund --loglevel=error; } >"$T/npm.log" 2>&1); then
		t_pass "browser_npm_dependencies_install"
	else
		t_fail "browser_npm_dependencies_install" "$(tail -n 5 "$T/npm.log")"
		t_done
		exit
	fi
fi
if ! cc -std=c11 -D_GNU_SOURCE -O2 -o "$T/echo" "$ROOT/tests/http/echo.c" -lfcgi; then
	t_fail "echo_fixture_builds"
	t_done
	exit
fi

progs=("$T/echo")
flows="echo: echo:/cgi-bin"
if [ -x "$ROOT/cgi-bin/hello" ]; then
	progs+=(hello)
	flows+=" hello: hello:/cgi-bin"
else
	echo "skipped: hello flow: cgi-bin/hello not built"
fi
login=0
if [ -x "$ROOT/cgi-bin/login" ] && [ -x "$ROOT/cgi-bin/protected" ] && [ -x "$ROOT/cgi-bin/logout" ]; then
	progs+=(login protected logout)
	login=1
else
	echo "skipped: login flow: login program not built"
fi

# One account in the store all servers share.
if [ "$login" -eq 1 ]; then
	srv_config_set LOGIN_URL /login
	if printf '%s\n' "$LOGIN_PASSWORD" | srv_csess user add "$LOGIN_USER" >"$T/useradd.log" 2>&1; then
		t_pass "browser_login_user_added"
	else
		t_fail "browser_login_user_added" "$(cat "$T/useradd.log")"
	fi
fi

for server in ${BROWSER_SERVERS:-lighttpd apache nginx}; do
	if ! why=$(srv_available "$server"); then
		echo "skipped: $server: $why"
		continue
	fi
	rm -rf "${OUT:?}/$server"
	srv_config_set LOGIN_URL /login
	srv_config_set LOGIN_REDIRECT_URL /protected
	srv_config_set LOGOUT_REDIRECT_URL /login
	if ! srv_start "$server" "${progs[@]}"; then
		t_fail "browser_${server}_server_starts"
		continue
	fi
	flows_fcgi=$flows
	[ "$login" -eq 1 ] && flows_fcgi+=" login:"
	echo "# $server: $BASE_URL"
	run_flows "$T/profile-$server-1" "$flows_fcgi"
	if [ "$login" -eq 1 ]; then
		# The CGI mounts redirect among themselves: CGI programs read the
		# configuration per request, so this takes effect at once.
		srv_config_set LOGIN_URL /cgi-bin/login
		srv_config_set LOGIN_REDIRECT_URL /cgi-bin/protected
		srv_config_set LOGOUT_REDIRECT_URL /cgi-bin/login
		run_flows "$T/profile-$server-2" "login:/cgi-bin"
	fi
	if srv_stop; then
		t_pass "browser_${server}_stop_leaves_no_process"
	else
		t_fail "browser_${server}_stop_leaves_no_process" "$(srv_leftovers)"
		srv_logs
	fi
done
t_done
