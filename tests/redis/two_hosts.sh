#!/usr/bin/env bash
# Two hosts, one Redis: two lighttpd servers, each with its own FastCGI
# programs and its own csess.conf (its own SESSION_STORE path, which
# nothing uses), share SESSION_ENGINE = redis.  A user added on A logs in
# on B; a login on A works on B; a logout on B ends it on A; failures on
# both count against one limit.  Then Redis goes away: 503 and one log line
# naming it, never an anonymous page; when it is back, the session is too.
. "$(dirname "$0")/../lib/harness.sh"
. "$ROOT/tests/lib/redis.sh"

for c in lighttpd curl redis-server; do
	if ! command -v $c >/dev/null; then
		t_fail "$c is installed (scripts/deps)"
		t_done
		exit 1
	fi
done
# Persistence on, so a restart keeps the sessions (the outage test).
if ! redis_start main --appendonly yes --appendfsync always; then
	t_fail "redis-server starts"
	t_done
	exit 1
fi
secret=$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')
HOST_REDIS="SESSION_REDIS_URL = redis://127.0.0.1:$REDIS_PORT_main/0"

for h in a b; do
	if ! host $h; then
		t_fail "lighttpd for host $h starts" "$(cat "$T/$h/stderr" 2>/dev/null)"
		t_done
		exit 1
	fi
done
echo pw | CSESS_CONFIG=$T/a/csess.conf "$CSESS" user add alice
t_status "the user is not in host A's LMDB store (there is none)" 1 test -e "$T/a/unused.mdb"

login b alice pw "$T/jar1"
t_eq "a user added on A logs in on B" 302 "$STATUS"
req a GET /protected "$T/jar1"
t_eq "B's session opens the protected page on A" 200 "$STATUS"
t_match "...as alice" 'alice' "$(cat "$T/body")"

login a alice pw "$T/jar2"
t_eq "log in on A" 302 "$STATUS"
req b GET /protected "$T/jar2"
t_eq "the protected page works on B" 200 "$STATUS"
req b GET /logout "$T/jar2"
tok=$(token)
req b POST /logout "$T/jar2" --data "csrfmiddlewaretoken=$tok"
t_eq "log out on B" 302 "$STATUS"
cp "$T/jar1" "$T/jar1.saved"
req a GET /protected "$T/jar2"
t_eq "A refuses the cookie B logged out" 302 "$STATUS"

# revoke-user on A ends the session B made.
CSESS_CONFIG=$T/a/csess.conf "$CSESS" sessions revoke-user alice >/dev/null
req b GET /protected "$T/jar1"
t_eq "revoke-user on A ends alice's session on B" 302 "$STATUS"

# Throttling counts failures from both hosts (LOGIN_FAILURES_PER_USER = 3).
login a alice bad1 "$T/jar3"
login b alice bad2 "$T/jar3"
login a alice bad3 "$T/jar3"
login b alice pw "$T/jar3"
t_eq "the 4th attempt, on B, after failures on A and B: 429" 429 "$STATUS"
out=$(CSESS_CONFIG=$T/a/csess.conf "$CSESS" throttle list)
t_match "throttle list on A shows the counter both hosts filled" "user	alice	3	" "$out"
CSESS_CONFIG=$T/b/csess.conf "$CSESS" throttle reset --user alice
t_eq "throttle reset on B (Redis) succeeds" 0 $?
login a alice pw "$T/jar4"
t_eq "after the reset on B, A lets alice in" 302 "$STATUS"

# Redis goes away and comes back.
redis_stop_pid "$REDIS_PID_main"
req a GET /protected "$T/jar4"
t_eq "Redis down: the protected page answers 503" 503 "$STATUS"
req b GET /login "$T/jar5"
login b alice pw "$T/jar5"
t_eq "Redis down: a login answers 503, not a wrong-password page" 503 "$STATUS"
sleep 0.2
n=$(cat "$T"/a/state/*.log "$T/a/stderr" 2>/dev/null | grep -c "redis 127.0.0.1:$REDIS_PORT_main")
t_ok "host A logged the outage naming Redis and its address ($n lines for 1 request)" \
    test "$n" -ge 1 -a "$n" -le 2
REDIS_WANT_PORT=$REDIS_PORT_main redis_start main --appendonly yes --appendfsync always
req a GET /protected "$T/jar4"
t_eq "Redis back: the session written before the outage works again" 200 "$STATUS"
[ "$_t_fail" -eq 0 ] || { echo "# host A stderr:"; tail -n 5 "$T/a/stderr" "$T"/a/state/error.log; }
t_done
