#!/usr/bin/env bash
# tests/crash/kill.sh -- SIGKILL writers at random points and check that the
# LMDB store is never left corrupt and nothing acknowledged is lost.
#
# Per SESSION_SYNC mode (full, meta, none), CSESS_CRASH_KILLS rounds (30;
# `make stress` runs STRESS_KILLS, 300), each killing one writer after a
# random delay (0-60 ms; 0-10 or 15 ms for the short
# revoke and sweep): a session saved in a loop (tests/crash/driver.c), a
# session whose key is cycled before each save, logins through
# cgi-bin/login, `csess sessions revoke-user` over a thousand sessions and
# `csess sessions clear-expired` over a store of expired ones.  After each
# kill: `sessions verify` exits 0, the indexes agree with the sessions, a
# session stored before still opens the protected page, and every write
# the killed writer acknowledged is there.
#
# That last check holds in every mode, not only "full": a killed process
# loses nothing in LMDB, since its committed pages are in the OS page cache,
# which outlives the process.  The modes differ only on an OS crash or a
# power cut (csess/lmdb.h), which this test does not simulate.
source "$(dirname "$0")/../lib/harness.sh"

kills=${CSESS_CRASH_KILLS:-30}
export CSESS_SECRET_KEY=crash-test-secret-crash-test-secret-crash-test-00
export CSESS_PASSWORD_ITERATIONS=1000
unset CSESS_CONFIG CSESS_SESSION_ENGINE

lib="$ROOT/lib/libcsess.a"
san=
[ "$(cat "$ROOT/build/variant" 2>/dev/null)" = san ] &&
	san="-fsanitize=address,undefined"
if ! ${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $san \
    -I"$ROOT/lib" -o "$T/driver" "$(dirname "$0")/driver.c" "$lib" \
    -llmdb -ljansson -lfcgi -lhiredis -lz -ldl -lm -lpthread 2>"$T/cc.err"; then
	t_fail "build the crash driver" "$(tail -n 5 "$T/cc.err")"
	t_done
	exit
fi
DRIVER=$T/driver

# cgi PROGRAM METHOD [body]: the response, CR removed, on stdout.
cgi() {
	printf '%s' "${3:-}" > "$T/in.$$"
	REQUEST_METHOD=$2 REQUEST_URI=/$1 HTTP_HOST=example.test \
	    CONTENT_TYPE=application/x-www-form-urlencoded \
	    CONTENT_LENGTH=$(stat -c %s "$T/in.$$") REMOTE_ADDR=192.0.2.1 \
	    "$ROOT/cgi-bin/$1" < "$T/in.$$" 2>/dev/null | tr -d '\r'
}
status_of() { sed -n 's/^Status: \([0-9]*\).*/\1/p' | head -n 1; }
cookie_of() { sed -n "s/^Set-Cookie: \($1=[^;]*\).*/\1/p" | head -n 1; }
export -f cgi status_of cookie_of
export ROOT T

# login_loop: alice logs in until killed, printing "acked COOKIE" once a
# login's response (302 with the session cookie) is complete.
login_loop() {
	local out c
	while :; do
		out=$(HTTP_COOKIE="$CSRF; sessionid_test=worked" cgi login POST \
		    "username=alice&password=pw&csrfmiddlewaretoken=$TOKEN")
		c=$(cookie_of sessionid <<<"$out")
		[ "$(status_of <<<"$out")" = 302 ] && [ -n "$c" ] &&
		    echo "acked $c"
	done
}
export -f login_loop

# run_killed OUT MS CMD...: start CMD in its own process group, SIGKILL
# the group after a random 0-MS milliseconds, wait for it.  The group's id
# is read from inside it (a shell that writes its pid, then execs CMD):
# $! may be a subshell of this script rather than the group leader (when
# bash does not exec the background command in place), and killing the
# group "-$!" then missed and left CMD running forever.
run_killed() {
	local out=$1 ms=$2 pidf=$T/killed.pid bg
	shift 2
	rm -f "$pidf"
	setsid bash -c 'echo $$ > "$0"; exec "$@"' "$pidf" "$@" > "$out" 2>/dev/null &
	bg=$!
	while [ ! -s "$pidf" ] && kill -0 "$bg" 2>/dev/null; do sleep 0.001; done
	sleep "$(printf '0.%03d' $((RANDOM % (ms + 1))))"
	[ -s "$pidf" ] && kill -KILL -- "-$(cat "$pidf")" 2>/dev/null
	wait "$bg" 2>/dev/null
}

stat_of() { "$CSESS" sessions stats | awk -v k="$1" '$1 == k { print $2 }'; }
count_user() { "$CSESS" sessions list | awk -F '\t' -v u="$1" 'NR > 1 && $3 == u' | wc -l; }

# consistent: verify is clean, the indexes hold an entry for each session
# (expiry) and each live owned session (user), and the session made before
# the kills still opens the protected page.  Empty output when all hold.
consistent() {
	local v sessions owned live entries
	v=$("$CSESS" sessions verify 2>&1) || echo "verify: $v"
	# A sweep cut short may leave expired sessions without their user
	# entry and expiry entries of sessions it removed (the next sweep
	# removes both): every session has its expiry entry and every live
	# owned one its user entry (verify checks each one), and no user
	# entry is left over.
	sessions=$(stat_of sessions)
	[ "$(stat_of expiry_entries)" -ge "$sessions" ] ||
		echo "expiry entries $(stat_of expiry_entries) for $sessions sessions"
	read -r owned live <<<"$("$CSESS" sessions list --epoch | awk -F '\t' \
	    -v now="$(date +%s)" 'NR > 1 && $3 != "" { n++; if ($2 > now) l++ }
	    END { print n + 0, l + 0 }')"
	entries=$(stat_of user_entries)
	[ "$entries" -ge "$live" ] && [ "$entries" -le "$owned" ] ||
		echo "user entries $entries for $owned owned sessions, $live live"
	[ "$(HTTP_COOKIE=$SENTINEL cgi protected GET | status_of)" = 200 ] ||
		echo "the session stored before no longer opens the page"
}

# Each round kills one writer and prints what it found wrong (nothing
# when all holds).
# writer OP USER: kill `driver OP USER`; its last acknowledged counter must
# be stored.
writer() {
	local acked stored
	run_killed "$T/out" 60 "$DRIVER" "$1" "$2"
	acked=$(awk '$1 == "acked" { n = $2 } END { print n + 0 }' "$T/out")
	stored=$("$DRIVER" max "$2")
	[ "$stored" -gt "$acked" ] 2>/dev/null &&
		echo "$1 killed after a commit, before its acknowledgement" >> "$T/tally"
	[ "$stored" -ge "$acked" ] 2>/dev/null ||
		echo "$1: acknowledged $acked, stored $stored"
}

round_save() { writer save "w$1"; }

# The old key goes as the new one is written: at most both are left.
round_cycle() {
	writer cycle "c$1"
	[ "$(count_user "c$1")" -le 2 ] ||
		echo "cycle: $(count_user "c$1") sessions left for one writer"
}

round_login() {
	local last
	run_killed "$T/out" 60 bash -c login_loop
	last=$(awk '$1 == "acked" { c = $2 } END { print c }' "$T/out")
	[ -z "$last" ] ||
	    [ "$(HTTP_COOKIE=$last cgi protected GET | status_of)" = 200 ] ||
		echo "login: the last acknowledged login's session is gone"
}

# revoke-user deletes in one transaction: all of bob's sessions or none.
round_revoke() {
	local before after
	[ "$(count_user bob)" -ge 100 ] || "$DRIVER" fill 1000 bob 3600 >/dev/null
	before=$(count_user bob)
	run_killed "$T/out" 10 "$CSESS" sessions revoke-user bob
	after=$(count_user bob)
	[ "$after" = 0 ] && echo "revoke-user killed after its commit" >> "$T/tally"
	[ "$after" = "$before" ] && echo "revoke-user killed before its commit" >> "$T/tally"
	[ "$after" = 0 ] || [ "$after" = "$before" ] ||
		echo "revoke-user: $after of $before sessions left"
}

# A sweep removes expired sessions only, in batches.
round_sweep() {
	local live_before live_after expired
	[ "$(stat_of expired)" -ge 200 ] || "$DRIVER" fill 1500 old -100 >/dev/null
	expired=$(stat_of expired)
	live_before=$(( $(stat_of sessions) - expired ))
	run_killed "$T/out" 15 "$CSESS" sessions clear-expired --batch 25
	live_after=$(( $(stat_of sessions) - $(stat_of expired) ))
	case $(stat_of expired) in
	0) echo "clear-expired killed after it finished" ;;
	"$expired") echo "clear-expired killed before its first batch" ;;
	*) echo "clear-expired killed between batches" ;;
	esac >> "$T/tally"
	[ "$live_before" = "$live_after" ] ||
		echo "clear-expired: live sessions $live_before, then $live_after"
}

ops=(save cycle login revoke sweep)
summary=()
for mode in full meta none; do
	export CSESS_SESSION_SYNC=$mode CSESS_SESSION_STORE=$T/$mode/sessions.mdb
	mkdir -m 700 "$T/$mode"
	echo "pw" | "$CSESS" user add alice >/dev/null
	login=$(cgi login GET)
	CSRF=$(cookie_of csrftoken <<<"$login")
	TOKEN=$(sed -n 's/.*name="csrfmiddlewaretoken" value="\([A-Za-z0-9]*\)".*/\1/p' \
	    <<<"$login" | head -n 1)
	export CSRF TOKEN
	SENTINEL=$(bash -c login_loop | head -n 1 | sed 's/^acked //')
	t_match "$mode: alice logs in before the kills" '^sessionid=' "$SENTINEL"
	survived=0
	for i in $(seq 1 "$kills"); do
		op=${ops[i % ${#ops[@]}]}
		wrong=$("round_$op" "$i"; consistent)
		if [ -z "$wrong" ]; then
			survived=$((survived + 1))
		else
			t_fail "$mode: kill $i during $op" "$wrong"
		fi
	done
	t_eq "$mode: kills survived" "$kills" "$survived"
	summary+=("$mode: $survived of $kills kills survived")
done
printf '# %s\n' "${summary[@]}"
sort "$T/tally" | uniq -c | sed 's/^ */#   /' 
t_done
