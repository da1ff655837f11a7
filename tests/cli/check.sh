#!/usr/bin/env bash
# csess check: exit 2 naming a bad setting, 0 with warnings on stderr,
# 1 with --strict when there are warnings.
. "$(dirname "$0")/../lib/harness.sh"

strong=$(head -c 64 /dev/urandom | base64 | tr -d '\n/+=' | head -c 60)

out=$(env -u CSESS_CONFIG "$CSESS" check 2>"$T/err"); rc=$?
t_eq "defaults are valid" 0 "$rc"
t_eq "result line on stdout" "System check identified 2 issues." "$out"
t_match "warns that SECRET_KEY is unset" "warning: SECRET_KEY is not set" "$(cat "$T/err")"
t_match "warns that SESSION_COOKIE_SECURE is off" "warning: SESSION_COOKIE_SECURE" "$(cat "$T/err")"

t_status "--strict turns warnings into exit 1" 1 env -u CSESS_CONFIG "$CSESS" check --strict

out=$(CSESS_SECRET_KEY=$strong CSESS_SESSION_COOKIE_SECURE=true "$CSESS" check --strict 2>"$T/err"); rc=$?
t_eq "sound configuration passes --strict" 0 "$rc"
t_eq "no issues" "System check identified no issues." "$out"
t_eq "nothing on stderr" "" "$(cat "$T/err")"

CSESS_SECRET_KEY=$strong CSESS_SESSION_COOKIE_NAME=__Host-sid "$CSESS" check 2>"$T/err" >/dev/null
t_match "a __Host- name without Secure is flagged" "warning: SESSION_COOKIE_NAME a __Host- or __Secure- name requires SESSION_COOKIE_SECURE" "$(cat "$T/err")"
t_status "...and passes --strict with SECURE=auto" 0 env CSESS_SECRET_KEY=$strong \
	CSESS_SESSION_COOKIE_NAME=__Host-sid CSESS_SESSION_COOKIE_SECURE=auto "$CSESS" check --strict

out=$(CSESS_SESSION_COOKIE_AGE=soon "$CSESS" check 2>"$T/err"); rc=$?
t_eq "bad value exits 2" 2 "$rc"
t_eq "nothing on stdout for a bad value" "" "$out"
t_eq "one line on stderr" 1 "$(wc -l < "$T/err")"
t_match "the line names the setting" "SESSION_COOKIE_AGE" "$(cat "$T/err")"

printf '# demo\nSESSION_COOKIE_SAMESITE = sideways\n' > "$T/bad.conf"
CSESS_CONFIG=$T/bad.conf "$CSESS" check 2>"$T/err"; rc=$?
t_eq "bad value in the file exits 2" 2 "$rc"
t_match "file error names the setting" "SESSION_COOKIE_SAMESITE" "$(cat "$T/err")"

printf 'SESSION_COOKIE_AGEE = 5\n' > "$T/unknown.conf"
CSESS_CONFIG=$T/unknown.conf "$CSESS" check 2>"$T/err"; rc=$?
t_eq "unknown setting exits 2" 2 "$rc"
t_match "names the unknown setting" "unknown setting SESSION_COOKIE_AGEE" "$(cat "$T/err")"

t_status "missing CSESS_CONFIG file exits 2" 2 env CSESS_CONFIG="$T/none.conf" "$CSESS" check
t_status "unknown argument exits 2" 2 "$CSESS" check --bogus

printf 'SECRET_KEY = "%s"\nSESSION_COOKIE_SECURE = auto\n' "$strong" > "$T/good.conf"
out=$(CSESS_CONFIG=$T/good.conf "$CSESS" check --strict 2>&1); rc=$?
t_eq "configuration from a file passes --strict" 0 "$rc"

t_done
