#!/usr/bin/env bash
# Sessions against Django: random request sequences (session API calls,
# settings, status codes, tampered and duplicate cookies, clock moves) run
# through Django 3.2's SessionStore + SessionMiddleware and through
# csess's, with the clock pinned to the same second; data, flags,
# Set-Cookie attributes and Vary must agree, and signed_cookies values
# byte for byte.  The seed is printed; CSESS_INTEROP_SEED=N replays a run,
# CSESS_INTEROP_COUNT=N sets the number of sequences.
. "$(dirname "$0")/../lib/harness.sh"

py=
for cand in "${PYTHON:-}" python3 /usr/bin/python3; do
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

lib="$ROOT/lib/libcsess.a"
if [ ! -f "$lib" ]; then
	t_fail "library at $lib (run make)"
	t_done
	exit
fi
# The driver links the library as built; under SAN=1 the sanitizer
# runtime comes with the same flags.
san=
[ "$(cat "$ROOT/build/variant" 2>/dev/null)" = san ] &&
	san="-fsanitize=address,undefined"
if ! ${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $san \
    -I"$ROOT/lib" -o "$T/driver" "$(dirname "$0")/session_driver.c" "$lib" \
    -llmdb -ljansson -lfcgi -lhiredis -lz -ldl -lm -lpthread 2>"$T/cc.err"; then
	t_fail "build the session driver" "$(tail -n 5 "$T/cc.err")"
	t_done
	exit
fi

seed=${CSESS_INTEROP_SEED:-$RANDOM$RANDOM}
count=${CSESS_INTEROP_COUNT:-400}
T="$T" "$py" "$(dirname "$0")/django_sessions.py" "$T/driver" "$seed" \
    "$count" >"$T/out" 2>"$T/err"
rc=$?
pass=0
while IFS=$'\t' read -r status name detail; do
	case "$status" in
	SEED) echo "# seed $name" ;;
	PASS) pass=$((pass + 1)) ;;
	FAIL) t_fail "$name" "$detail" ;;
	esac
done <"$T/out"
t_eq "sequences that agree with Django" "$count" "$pass"

# The LMDB stores those sequences left behind: indexes still agree.
bad=0
nstores=0
for db in "$T"/s*.mdb; do
	[ -e "$db" ] || continue
	nstores=$((nstores + 1))
	if ! CSESS_SESSION_STORE=$db "$CSESS" sessions verify >"$T/verify" 2>&1
	then
		bad=$((bad + 1))
		t_fail "csess sessions verify $(basename "$db")" "$(head -n 3 "$T/verify")"
	fi
done
t_eq "stores left by the sequences verify" "0 bad" "$bad bad"
t_match "some sequences used LMDB" '^[1-9]' "$nstores"
if [ "$rc" -ne 0 ]; then
	t_fail "django_sessions.py exited $rc" "$(tail -n 5 "$T/err")"
fi
t_done
