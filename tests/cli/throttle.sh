#!/usr/bin/env bash
# csess throttle list | reset [--user NAME] [--address ADDR], and user passwd
# clearing the user's counter: what an operator sees and can undo after
# failed logins made through the login program (run as CGI).
source "$(dirname "$0")/../lib/harness.sh"

export CSESS_SESSION_STORE=$T/store/sessions.mdb CSESS_SESSION_SYNC=none
export CSESS_SECRET_KEY=throttle-cli-test-secret-throttle-cli-test-secret-01
export CSESS_PASSWORD_ITERATIONS=1000
unset CSESS_CONFIG

err=$("$CSESS" throttle list 2>&1); rc=$?
t_eq "list without a store is a usage error (2)" 2 "$rc"
t_match "...naming the path" "$CSESS_SESSION_STORE" "$err"
t_eq "...and creates none" no "$([ -e "$CSESS_SESSION_STORE" ] && echo yes || echo no)"

echo "pw" | "$CSESS" user add alice
echo "pw" | "$CSESS" user add bob

# login ADDR USER PASSWORD: the form (GET) then its POST, every cookie the
# form set sent back; the status in $STATUS.
login() {
	local jar tok
	REQUEST_METHOD=GET REQUEST_URI=/login HTTP_HOST=example.test REMOTE_ADDR=$1 \
		"$ROOT/cgi-bin/login" < /dev/null | tr -d '\r' > "$T/form"
	jar=$(sed -n 's/^Set-Cookie: \([^;]*\).*/\1/p' "$T/form" | paste -sd ';' | sed 's/;/; /g')
	tok=$(sed -n 's/.*name="csrfmiddlewaretoken" value="\([A-Za-z0-9]*\)".*/\1/p' "$T/form" | head -n 1)
	printf 'username=%s&password=%s&csrfmiddlewaretoken=%s' "$2" "$3" "$tok" > "$T/in"
	REQUEST_METHOD=POST REQUEST_URI=/login HTTP_HOST=example.test REMOTE_ADDR=$1 \
		HTTP_COOKIE="$jar" CONTENT_TYPE=application/x-www-form-urlencoded \
		CONTENT_LENGTH=$(stat -c %s "$T/in") \
		"$ROOT/cgi-bin/login" < "$T/in" | tr -d '\r' > "$T/out"
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/out" | head -n 1)
}

out=$("$CSESS" throttle list); rc=$?
t_eq "list of no counters: the header only, exit 0" "0:kind	name	failures	window_end" "$rc:$out"

login 192.0.2.1 alice wrong
t_eq "a wrong password is the form again" 200 "$STATUS"
login 192.0.2.1 alice wrong
login 192.0.2.2 bob wrong
out=$("$CSESS" throttle list)
t_match "one line per counter: kind, name, failures, window end (ISO-8601)" \
	$'\nuser\talice\t2\t[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z' "$out"
t_match "address counters are listed too" $'\naddress\t192.0.2.1\t2\t' "$out"
t_eq "header + 4 counters" 5 "$(printf '%s\n' "$out" | wc -l)"
end=$(printf '%s\n' "$out" | awk -F'\t' '$2 == "alice" { print $4 }')
t_eq "the window ends LOGIN_FAILURE_WINDOW after the first failure" ok \
	"$(python3 -c 'import sys, datetime, time
e = datetime.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()
print("ok" if 0 <= e - time.time() <= 900 and e - time.time() > 880 else e - time.time())' "$end")"

t_status "reset of a user without a counter matches nothing (1)" 1 "$CSESS" throttle reset --user carol
t_status "reset of an invalid username is a usage error (2)" 2 "$CSESS" throttle reset --user 'no such'
t_status "reset with an unknown option is a usage error (2)" 2 "$CSESS" throttle reset --everyone
t_status "reset --user alice" 0 "$CSESS" throttle reset --user alice
out=$("$CSESS" throttle list)
t_eq "...alice's counter is gone, the others stay" "address 192.0.2.1 address 192.0.2.2 user bob" \
	"$(printf '%s\n' "$out" | awk -F'\t' 'NR > 1 { printf "%s%s %s", sep, $1, $2; sep = " " }')"
t_status "reset --address 192.0.2.1" 0 "$CSESS" throttle reset --address 192.0.2.1
t_status "reset --user bob --address 192.0.2.2 (either matches)" 0 \
	"$CSESS" throttle reset --user bob --address 192.0.2.2
t_eq "...list is the header again" "kind	name	failures	window_end" "$("$CSESS" throttle list)"
login 192.0.2.3 bob wrong
t_status "reset without options resets all" 0 "$CSESS" throttle reset
t_eq "...nothing left" 1 "$("$CSESS" throttle list | wc -l)"
t_status "reset of nothing: exit 1" 1 "$CSESS" throttle reset

# Locked out, then given a new password: the lockout ends with it.
for i in 1 2 3 4 5; do login 198.51.100.$i alice wrong; done
login 198.51.100.9 alice pw
t_eq "after LOGIN_FAILURES_PER_USER failures even the right password is 429" 429 "$STATUS"
echo "new-pw" | "$CSESS" user passwd alice
t_eq "user passwd clears that user's counter" "" \
	"$("$CSESS" throttle list | awk -F'\t' '$1 == "user" && $2 == "alice"')"
login 198.51.100.9 alice new-pw
t_eq "...and the new password logs in" 302 "$STATUS"

t_status "throttle without a subcommand is a usage error (2)" 2 "$CSESS" throttle
t_status "throttle --help exits 0" 0 "$CSESS" throttle --help
t_done
