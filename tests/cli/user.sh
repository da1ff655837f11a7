#!/usr/bin/env bash
# csess user add|passwd|del|list|import: the CLI contract.
source "$(dirname "$0")/../lib/harness.sh"

export CSESS_SESSION_STORE=$T/store/sessions.mdb
export CSESS_SECRET_KEY=user-cli-test-secret-user-cli-test-secret-0123456789
export CSESS_PASSWORD_ITERATIONS=1000
export CSESS_SESSION_SYNC=none
unset CSESS_CONFIG

out=$(echo "pw-one" | "$CSESS" user add alice 2>&1); rc=$?
t_eq "user add succeeds quietly" "0:" "$rc:$out"
t_eq "the store file is private (0600)" 600 "$(stat -c %a "$CSESS_SESSION_STORE")"
t_status "adding an existing user is refused (1)" 1 sh -c "echo x | '$CSESS' user add alice"
t_status "an invalid username is a usage error (2)" 2 sh -c "echo x | '$CSESS' user add 'bad name'"
t_status "an empty password is refused (2)" 2 sh -c "printf '' | '$CSESS' user add carol"
t_status "a multi-line password is refused (2)" 2 sh -c "printf 'a\nb\n' | '$CSESS' user add carol"
err=$(printf '' | "$CSESS" user add carol 2>&1 >/dev/null)
t_eq "errors are one line on stderr" 1 "$(printf '%s\n' "$err" | wc -l)"
echo "pw-two" | "$CSESS" user add bob
t_eq "list prints names in order" "alice bob" "$(echo $("$CSESS" user list))"

# A stored hash is Django's format and checks with csess password check.
hash=$(python3 - "$CSESS_SESSION_STORE" <<'PY' 2>/dev/null
import subprocess, sys
out = subprocess.run(["mdb_dump", "-n", "-s", "users", "-p", sys.argv[1]],
                     capture_output=True, text=True).stdout
for line in out.splitlines():
    if '"password"' in line and "pbkdf2" in line:
        import json; print(json.loads(line.strip().replace("\\\\", "\\"))["password"]); break
PY
)
t_match "the password is stored as a Django pbkdf2_sha256 hash" '^pbkdf2_sha256\$1000\$[A-Za-z0-9]{22}\$' "$hash"
if [ -n "$hash" ]; then
	t_status "that hash checks against the password" 0 sh -c "echo pw-one | '$CSESS' password check '$hash'"
fi

t_status "passwd of a missing user is not found (1)" 1 sh -c "echo x | '$CSESS' user passwd nobody"
t_status "passwd of an existing user succeeds" 0 sh -c "echo pw-three | '$CSESS' user passwd alice"
t_status "del removes a user" 0 "$CSESS" user del bob
t_status "del of a missing user is not found (1)" 1 "$CSESS" user del bob
t_eq "list after del" "alice" "$("$CSESS" user list)"

# Import from a Django site: name:hash lines, validated before anything is stored.
django_hash='pbkdf2_sha256$260000$abcdefgh12345678$Au5zmYh1w5TY28Cf771sujpB2DHaWs9lKuSCiZ/D40k='
printf 'dave:%s\n# comment\n\nerin:%s\n' "$django_hash" "$django_hash" > "$T/users.txt"
t_status "import of name:django-hash lines succeeds" 0 "$CSESS" user import "$T/users.txt"
t_eq "imported users are listed" "alice dave erin" "$(echo $("$CSESS" user list))"
printf 'frank:%s\nbad line\n' "$django_hash" > "$T/bad.txt"
err=$("$CSESS" user import "$T/bad.txt" 2>&1); rc=$?
t_eq "a bad import line is a usage error (2)" 2 "$rc"
t_match "...naming the line" "bad.txt:2" "$err"
t_eq "...and nothing of that file is stored" "alice dave erin" "$(echo $("$CSESS" user list))"
printf 'gina:bcrypt$whatever\n' > "$T/bcrypt.txt"
t_status "hashes csess cannot verify are refused" 2 "$CSESS" user import "$T/bcrypt.txt"

# Hashes that can never match would lock their user out: each is refused,
# the line named, and nothing of the file stored.
b64='Au5zmYh1w5TY28Cf771sujpB2DHaWs9lKuSCiZ/D40k='
i=0
for bad in 'pbkdf2_sha256$$$' "pbkdf2_sha256\$abc\$abcdefgh12345678\$$b64" \
	"pbkdf2_sha256\$0\$abcdefgh12345678\$$b64" "pbkdf2_sha256\$007\$abcdefgh12345678\$$b64" \
	"pbkdf2_sha256\$99999999999\$abcdefgh12345678\$$b64" "pbkdf2_sha256\$1000\$\$$b64" \
	'pbkdf2_sha256$1000$abcdefgh12345678$' 'pbkdf2_sha256$1000$abcdefgh12345678$not*base64' \
	"pbkdf2_sha1\$1000\$abcdefgh12345678\$$b64" "pbkdf2_sha256\$2000000000\$abcdefgh12345678\$$b64"; do
	i=$((i + 1))
	printf 'hank:%s\nivy:%s\n' "$django_hash" "$bad" > "$T/never$i.txt"
	err=$("$CSESS" user import "$T/never$i.txt" 2>&1); rc=$?
	t_eq "import refuses $bad (2)" "2:1" "$rc:$(printf '%s\n' "$err" | wc -l)"
	t_match "...naming the line and the user" "never$i.txt:2: user ivy: unusable hash" "$err"
done
t_match "...saying when the count is over the bound" "PASSWORD_MAX_ITERATIONS" "$err"
t_eq "...and nothing of those files is stored" "alice dave erin" "$(echo $("$CSESS" user list))"
printf 'hank:pbkdf2_sha256$20000$abcdefgh12345678$%s\n' "$b64" > "$T/bounded.txt"
t_status "PASSWORD_MAX_ITERATIONS bounds what import accepts" 2 \
	env CSESS_PASSWORD_MAX_ITERATIONS=10000 "$CSESS" user import "$T/bounded.txt"
err=$(echo pw | "$CSESS" password check "pbkdf2_sha256\$2000000000\$abcdefgh12345678\$$b64" 2>&1); rc=$?
t_eq "password check of an absurd count is an input error at once (2)" 2 "$rc"
t_match "...saying why" "PASSWORD_MAX_ITERATIONS" "$err"
t_status "password check of an empty salt is an input error (2)" 2 \
	sh -c "echo pw | '$CSESS' password check 'pbkdf2_sha256\$1000\$\$$b64'"

# Re-importing an unchanged hash is no password change: sessions stay.
"$CSESS" sessions import - <<'EOF2' >/dev/null 2>&1
{"key": "keepmekeepmekeepmekeepmekeepme01", "expire": 4102444800, "user": "dave", "data": {}}
EOF2
t_status "(a session of dave)" 0 "$CSESS" sessions show keepmekeepmekeepmekeepmekeepme01
t_status "re-import of the same hashes succeeds" 0 "$CSESS" user import "$T/users.txt"
t_status "...and dave's session stays" 0 "$CSESS" sessions show keepmekeepmekeepmekeepmekeepme01
t_status "usage without a subcommand (2)" 2 "$CSESS" user
t_status "import of a missing file (2)" 2 "$CSESS" user import "$T/nope.txt"
t_done
