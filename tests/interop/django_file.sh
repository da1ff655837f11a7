#!/usr/bin/env bash
# The file engine against Django 3.2's file backend, both ways, in one
# SESSION_FILE_PATH: what one writes the other reads with the same data
# and the same expiry (mtime + SESSION_COOKIE_AGE, or _session_expiry),
# an expired session is expired for both and removed by either's
# clear-expired, a delete on one side is seen on the other.
. "$(dirname "$0")/../lib/harness.sh"

py=
for cand in "${PYTHON:-}" /usr/bin/python3 python3; do
	[ -n "$cand" ] || continue
	if "$cand" -c 'import django' 2>/dev/null; then
		py=$cand
		break
	fi
done
if [ -z "$py" ]; then
	t_fail "a python3 that can import django (install python3-django)"
	t_done
	exit
fi

dir="$T/sessions"
mkdir -m 700 "$dir"
age=3600
export CSESS_SECRET_KEY=s3cr3t CSESS_SESSION_ENGINE=file \
    CSESS_SESSION_FILE_PATH="$dir" CSESS_SESSION_COOKIE_AGE=$age \
    CSESS_SESSION_STORE="$T/db/sessions.mdb"
dj() { "$py" "$(dirname "$0")/django_file.py" "$dir" "$age" "$@"; }
# One field of a JSON document on stdin.
field() { "$py" -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v)' "$1"; }
# The record csess shows for a key, as one JSON line.
show() { "$CSESS" sessions export | grep "\"key\":\"$1\""; }
now=$(date +%s)
k1=abcdefghijklmnopqrstuvwxyz012345
k2=0123456789abcdefghijklmnopqrstuv
k3=zyxwvutsrqponmlkjihgfedcba987654

# ---- csess writes, Django reads
printf '%s\n' \
    "{\"key\":\"$k1\",\"expire\":$((now + 600)),\"data\":{\"a\":1,\"s\":\"\\u00e9t\\u00e9\",\"l\":[1,2.5,null,true]}}" \
    "{\"key\":\"$k2\",\"expire\":$((now - 10)),\"data\":{\"old\":1}}" \
    "{\"key\":\"$k3\",\"expire\":$((now + 300)),\"data\":{\"_session_expiry\":300}}" |
    "$CSESS" sessions import - >/dev/null
t_eq "csess's file is 0600" "600" "$(stat -c %a "$dir/sessionid$k1")"
t_eq "Django reads csess's data" '{"a": 1, "l": [1, 2.5, null, true], "s": "\u00e9t\u00e9"}' \
    "$(dj read $k1 | field data)"
e=$(dj read $k1 | field expire)
t_ok "Django's expiry of csess's session is csess's ($((now + 600)) ~ $e)" \
    test "$e" -ge $((now + 599)) -a "$e" -le $((now + 601))
t_match "an expired csess session is expired for Django" '^-' "$(dj read $k2 | field age)"
t_eq "an int _session_expiry is an age for both" 300 "$(dj read $k3 | field age)"

# ---- Django writes, csess reads
kd=$(dj create '{"b":[1,2],"_auth_user_id":"alice","n":{"x":"y"}}')
t_match "Django made a key" '^[a-z0-9]{32}$' "$kd"
t_eq "csess reads Django's data" '{"_auth_user_id": "alice", "b": [1, 2], "n": {"x": "y"}}' \
    "$(show "$kd" | field data)"
t_eq "csess's expiry is Django's (mtime + SESSION_COOKIE_AGE)" \
    "$(( $(stat -c %Y "$dir/sessionid$kd") + age ))" "$(show "$kd" | field expire)"
t_eq "the user is the session's _auth_user_id" alice "$(show "$kd" | field user)"
old=$((now - age - 100))
kx=$(dj create '{"gone":1}' $old)
ki=$(dj create '{"_session_expiry":1,"kept":1}' $old)
t_ok "csess sees the old Django session as expired" \
    test "$(show "$kx" | field expire)" -lt "$now"

# ---- updates cross over
dj save $k1 '{"a":2}'
t_eq "csess reads Django's update of its session" '{"a": 2}' "$(show $k1 | field data)"
echo "{\"key\":\"$kd\",\"expire\":$((now + 900)),\"data\":{\"b\":3}}" |
    "$CSESS" sessions import - >/dev/null
t_eq "Django reads csess's update of its session" '{"b": 3}' "$(dj read "$kd" | field data)"

# ---- clear-expired: csess removes Django's expired files, Django csess's
"$CSESS" sessions clear-expired >/dev/null
t_eq "csess clear-expired removed Django's expired session" no "$(dj exists "$kx")"
t_eq "... and csess's own" no "$(dj exists $k2)"
t_eq "... kept the int-expiry session, as Django does" yes "$(dj exists "$ki")"
t_eq "... and the live one" yes "$(dj exists $k1)"
echo "{\"key\":\"$k2\",\"expire\":$((now - 5)),\"data\":{}}" |
    "$CSESS" sessions import - >/dev/null
dj clear
t_eq "Django's clear_expired removes csess's expired session" no "$(dj exists $k2)"
t_eq "... and keeps the live one" yes "$(dj exists $k1)"

# ---- delete, hostile keys
"$CSESS" sessions delete $k1 >/dev/null
t_eq "a csess delete is gone for Django" no "$(dj exists $k1)"
# Were a key put in a path, "/../../victim" would name $T/victim.
touch "$T/victim"
mkdir "$dir/sessionid"
for bad in "/../../victim" "/../../victim/../../../../../../../../../../x" "$k1/x" "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"; do
	"$CSESS" sessions delete "$bad" >/dev/null 2>&1
	t_ok "hostile key '$bad' removes nothing" test -e "$T/victim"
done
t_eq "no stray temporary files" "" "$(ls "$dir" | grep _out_)"
t_done
