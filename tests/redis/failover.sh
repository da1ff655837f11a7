#!/usr/bin/env bash
# Sentinel failover: a Redis primary, one replica and three sentinels on
# loopback ports; a lighttpd host whose FastCGI programs find the primary
# through SESSION_REDIS_SENTINEL_LIST.  Log in, kill the primary by PID:
# after the sentinels' failover the same (long-lived) programs follow the
# new primary, the session written before it survives, and new logins
# work.  During the failover requests answer 503, never a crash or hang.
. "$(dirname "$0")/../lib/harness.sh"
. "$ROOT/tests/lib/redis.sh"

for c in lighttpd curl redis-server redis-sentinel; do
	if ! command -v $c >/dev/null; then
		t_fail "$c is installed (scripts/deps)"
		t_done
		exit 1
	fi
done
if ! redis_start primary; then
	t_fail "the primary starts"
	t_done
	exit 1
fi
redis_start replica --replicaof 127.0.0.1 "$REDIS_PORT_primary" ||
	t_fail "the replica starts"

sentinels=
for s in 1 2 3; do
	port=$(t_port)
	mkdir -p "$T/sentinel$s"
	cat >"$T/sentinel$s/sentinel.conf" <<CONF
port $port
bind 127.0.0.1
dir $T/sentinel$s
logfile $T/sentinel$s/log
sentinel monitor main 127.0.0.1 $REDIS_PORT_primary 2
sentinel down-after-milliseconds main 1000
sentinel failover-timeout main 10000
CONF
	redis-sentinel "$T/sentinel$s/sentinel.conf" </dev/null >/dev/null 2>&1 &
	t_cleanup_pid $!
	sentinels="$sentinels${sentinels:+,}127.0.0.1:$port"
	redis_wait "$port" || t_fail "sentinel $s starts"
done
t_pass "primary, replica and three sentinels run"

secret=$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')
HOST_REDIS="SESSION_REDIS_SENTINEL_LIST = $sentinels
SESSION_REDIS_SENTINEL_MASTER_ALIAS = main"
if ! host a; then
	t_fail "lighttpd starts" "$(cat "$T/a/stderr")"
	t_done
	exit 1
fi
echo pw | CSESS_CONFIG=$T/a/csess.conf "$CSESS" user add alice
login a alice pw "$T/jar"
t_eq "log in through the primary the sentinels name" 302 "$STATUS"
req a GET /protected "$T/jar"
t_eq "the protected page" 200 "$STATUS"
# The replica has everything before the primary dies.
redis_cli "$REDIS_PORT_primary" WAIT 1 5000 >/dev/null

redis_stop_pid "$REDIS_PID_primary"
t_pass "the primary is killed (by PID)"
codes=
for i in $(seq 1 60); do
	req a GET /protected "$T/jar" --max-time 5
	codes="$codes $STATUS"
	[ "$STATUS" = 200 ] && break
	sleep 0.5
done
t_eq "the programs follow the new primary; the session survived" 200 "$STATUS"
t_match "meanwhile only 503s (no anonymous page, no crash)" '^( 503)* 200$' "$codes"
t_eq "the replica is the primary now" master \
    "$(redis_cli "$REDIS_PORT_replica" ROLE)"
login a alice pw "$T/jar2"
t_eq "a new login after the failover" 302 "$STATUS"
req a GET /protected "$T/jar2"
t_eq "...opens the protected page" 200 "$STATUS"
t_done
