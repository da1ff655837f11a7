#!/usr/bin/env bash
# Django interop: csess's signing, signed cookies, signed_cookies sessions
# and password hashes against the installed Django, in both directions,
# with fresh random keys, salts and values on every run (the seed is
# printed; CSESS_INTEROP_SEED=N replays a run).
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
if [ ! -x "$CSESS" ]; then
	t_fail "csess binary at $CSESS (run make)"
	t_done
	exit
fi

t_eq "django version" "ok" "$("$py" -c 'import django; print("ok" if django.VERSION >= (3, 2) else django.get_version())')"

out="$T/interop.out"
"$py" "$(dirname "$0")/django_sign.py" "$CSESS" >"$out" 2>"$T/interop.err"
rc=$?
while IFS=$'\t' read -r status name detail; do
	case "$status" in
	SEED) echo "# seed $name" ;;
	PASS) t_pass "$name" ;;
	FAIL) t_fail "$name" "$detail" ;;
	esac
done <"$out"
if [ "$rc" -ne 0 ]; then
	t_fail "django_sign.py exited $rc" "$(tail -n 5 "$T/interop.err")"
fi
t_done
