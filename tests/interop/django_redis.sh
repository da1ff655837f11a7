#!/usr/bin/env bash
# Sessions shared with Django 3.2 through Redis: django-redis-sessions
# (redis_sessions.session, Debian's python3-django-redis-sessions) and
# csess's redis engine, same SECRET_KEY, same Redis and prefix.  Each side
# reads, changes and deletes the other's sessions; the TTL is the expiry
# both ways, and a session past it is gone for both.
. "$(dirname "$0")/../lib/harness.sh"
. "$ROOT/tests/lib/redis.sh"

py=/usr/bin/python3
dj() { "$py" "$ROOT/tests/interop/django_redis.py" "$REDIS_PORT_main" site \
    "$SECRET" "$@"; }
if ! "$py" -c 'import django, redis_sessions' 2>/dev/null; then
	t_fail "python3 with django and redis_sessions (scripts/deps)"
	t_done
	exit
fi
if ! redis_start main; then
	t_fail "redis-server starts"
	t_done
	exit
fi

SECRET=interop-secret-key-with-enough-length-for-django-0123456789
export CSESS_SECRET_KEY=$SECRET CSESS_SESSION_ENGINE=redis
export CSESS_SESSION_REDIS_URL=redis://127.0.0.1:$REDIS_PORT_main/0
export CSESS_SESSION_REDIS_PREFIX=site
export CSESS_SESSION_REDIS_SOCKET_TIMEOUT=2

# Django writes, csess reads.
key=$(dj create '{"_auth_user_id":"7","cart":[1,2],"name":"Zoë"}' 300)
t_match "Django creates a session" '^[a-z0-9]{32}$' "$key"
show=$("$CSESS" sessions show "$key")
t_match "csess reads Django's data" '"cart":\[1,2\]' "$show"
t_match "csess reads non-ASCII text" '"name":"Zo(ë|\\u00eb)"' "$show"
exp=$(echo "$show" | sed -n 's/.*"expire":\([0-9]*\).*/\1/p')
now=$(date +%s)
t_ok "the expiry csess sees is Django's set_expiry(300)" \
    test "$((exp - now))" -ge 295 -a "$((exp - now))" -le 301

# csess writes (import: the operator path), Django reads and changes it.
ckey=abcdefghij0123456789abcdefghij01
echo "{\"key\":\"$ckey\",\"expire\":$((now + 120)),\"data\":{\"from\":\"csess\",\"n\":1}}" |
    "$CSESS" sessions import - >/dev/null
t_eq "Django reads csess's session" '{"from":"csess","n":1}' "$(dj load "$ckey")"
ttl=$(dj age "$ckey")
t_ok "Django sees csess's expiry as the TTL ($ttl)" test "$ttl" -ge 115 -a "$ttl" -le 120
dj update "$ckey" by django
t_match "csess reads Django's change" '"by":"django"' "$("$CSESS" sessions show "$ckey")"

# The raw value is Django's encode(): django decodes what csess stored,
# csess decodes what Django stored (checked above); keys are PREFIX:KEY.
t_eq "the key is PREFIX:KEY" 1 "$(redis_cli "$REDIS_PORT_main" EXISTS "site:$ckey")"

# Deletes, both ways.
"$CSESS" sessions delete "$key" >/dev/null
t_eq "csess deletes Django's session: Django sees it gone" False "$(dj exists "$key")"
dj delete "$ckey"
t_status "Django deletes csess's session: csess sees it gone" 1 \
    "$CSESS" sessions show "$ckey"

# Expiry both ways: past the TTL the session is gone for both.
short=$(dj create '{"a":1}' 1)
s2=bcdefghij0123456789abcdefghij012
echo "{\"key\":\"$s2\",\"expire\":$(( $(date +%s) + 1 )),\"data\":{\"b\":2}}" |
    "$CSESS" sessions import - >/dev/null
sleep 2.2
t_status "Django's expired session is gone for csess" 1 "$CSESS" sessions show "$short"
t_eq "csess's expired session is gone for Django" '{}' "$(dj load "$s2")"

# A session csess writes through the session API (as the programs do):
# the login program's user, logged in through csess, is readable by Django.
cat >"$T/put.c" <<'CEOF'
#include <stdio.h>
#include "csess.h"
int
main(void)
{
	struct cs_config cfg;
	struct cs_session *s;
	char err[256];

	if (cs_config_load(&cfg, err, sizeof(err)) ||
	    cs_session_new(&s, NULL, &cfg, NULL) ||
	    cs_session_set_string(s, "_auth_user_id", "alice") ||
	    cs_session_set_int(s, "_session_expiry", 600) ||
	    cs_session_save(s))
		return 1;
	puts(cs_session_key(s));
	cs_session_free(s);
	return 0;
}
CEOF
# Under SAN=1 the library needs the sanitizer runtime on the link line.
san=
[ "$(cat "$ROOT/build/variant" 2>/dev/null)" = san ] &&
	san="-fsanitize=address,undefined"
if cc -std=c11 $san -I"$ROOT/lib" -o "$T/put" "$T/put.c" "$ROOT/lib/libcsess.a" \
    -llmdb -ljansson -lfcgi -lhiredis -lz -ldl -lm -lpthread 2>"$T/cc.err"; then
	k3=$("$T/put")
	t_eq "Django reads a session csess's API saved" \
	    '{"_auth_user_id":"alice","_session_expiry":600}' "$(dj load "$k3")"
	ttl=$(dj age "$k3")
	t_ok "its TTL is its _session_expiry ($ttl)" test "$ttl" -ge 595 -a "$ttl" -le 600
else
	t_fail "build the API client" "$(tail -n 3 "$T/cc.err")"
fi
t_done
