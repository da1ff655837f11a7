#!/usr/bin/env bash
# csess check: exit 2 naming a bad setting, 0 with warnings on stderr,
# 1 with --strict when there are warnings.
. "$(dirname "$0")/../lib/harness.sh"

strong=$(head -c 64 /dev/urandom | base64 | tr -d '\n/+=' | head -c 60)
# The store is checked too: keep it in the test's directory, not the
# machine's /var/lib/csess (which a non-root user cannot create).
export CSESS_SESSION_STORE=$T/store/sessions.mdb
unset CSESS_SESSION_ENGINE CSESS_SECRET_KEY

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

# What would stop the programs is a failure: exit 2, one line each, no result.
fails() {
	local name=$1 re=$2
	shift 2
	env "$@" "$CSESS" check >"$T/out" 2>"$T/err"
	local rc=$? lines
	lines=$(grep -v 'warning:' "$T/err" | wc -l)
	if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && [ ! -s "$T/out" ] &&
	    grep -v 'warning:' "$T/err" | grep -Eq "^csess: check: .*$re"; then
		t_pass "$name"
	else
		t_fail "$name" "exit $rc, $lines lines, stdout: $(cat "$T/out")" "err: $(cat "$T/err")"
	fi
}
fails "a store directory that cannot be made fails" "SESSION_STORE: directory $T/a/b does not exist" \
	CSESS_SESSION_STORE=$T/a/b/s.mdb
t_eq "...and check created nothing" "no" "$([ -e "$T/a" ] && echo yes || echo no)"
t_status "a store whose directory is made on first use passes" 0 \
	env CSESS_SESSION_STORE=$T/fresh/s.mdb "$CSESS" check
t_eq "...still created by nobody" "no" "$([ -e "$T/fresh" ] && echo yes || echo no)"
touch "$T/plain"
fails "a store under a plain file fails" "SESSION_STORE: directory $T/plain is not a directory" \
	CSESS_SESSION_STORE=$T/plain/s.mdb
echo "not an lmdb file" > "$T/garbage.mdb"
fails "a store file that does not open fails" "SESSION_STORE $T/garbage.mdb" \
	CSESS_SESSION_STORE=$T/garbage.mdb
printf 'pw\n' | CSESS_PASSWORD_ITERATIONS=1 CSESS_SESSION_STORE=$T/real/s.mdb "$CSESS" user add ann
t_status "an existing store that opens passes" 0 env CSESS_SESSION_STORE=$T/real/s.mdb "$CSESS" check
if [ "$(id -u)" -ne 0 ]; then
	mkdir "$T/ro" && chmod 500 "$T/ro"
	fails "a store directory that is not writable fails" "is not writable" CSESS_SESSION_STORE=$T/ro/s.mdb
fi
fails "an engine that cannot be used fails" "SESSION_ENGINE" CSESS_SESSION_ENGINE=redis \
	CSESS_SESSION_REDIS_URL=redis://127.0.0.1:1/0 CSESS_SESSION_REDIS_SOCKET_TIMEOUT=0.1
if env CSESS_SESSION_ENGINE=file CSESS_SESSION_FILE_PATH=$T "$CSESS" check >/dev/null 2>&1; then
	fails "the file engine's missing directory fails" "SESSION_FILE_PATH: $T/nodir does not exist" \
		CSESS_SESSION_ENGINE=file CSESS_SESSION_FILE_PATH=$T/nodir
else
	fails "the file engine, when not built in, fails" "SESSION_ENGINE" \
		CSESS_SESSION_ENGINE=file CSESS_SESSION_FILE_PATH=$T/nodir
fi

# SECRET_KEY: a warning in a bare development shell, a failure where login
# will serve (a CSESS_CONFIG file, --deploy, or the signed_cookies engine).
printf 'SESSION_COOKIE_SECURE = true\n' > "$T/nokey.conf"
fails "a configuration file without SECRET_KEY fails" "SECRET_KEY is required by login" \
	CSESS_CONFIG=$T/nokey.conf
env "$CSESS" check --deploy >"$T/out" 2>"$T/err"
t_eq "--deploy without SECRET_KEY fails (2)" "2" "$?"
t_match "...saying login needs it" "csess: check: SECRET_KEY is required by login" "$(cat "$T/err")"
fails "the signed_cookies engine without SECRET_KEY fails" "SECRET_KEY is required" \
	CSESS_SESSION_ENGINE=signed_cookies
t_status "--deploy with a key passes" 0 env CSESS_SECRET_KEY=$strong "$CSESS" check --deploy
t_status "--deploy=yes is a usage error (2)" 2 "$CSESS" check --deploy=yes
out=$("$CSESS" check --help 2>"$T/err"); rc=$?
t_eq "check --help prints its usage on stdout (0)" "0 usage: csess check [--strict] [--deploy]" \
	"$rc $out$(cat "$T/err")"

t_done
