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
# On a terminal: two prompts without echo (a pty stands in for the operator).
cat > "$T/ttyask.py" <<'PY'
import os, pty, sys, time
first, second = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[3], sys.argv[3:])
seen = b""
def until(text):
    global seen
    end = time.time() + 10
    while text not in seen and time.time() < end:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    return text in seen
ok = until(b"Password: ")
os.write(fd, first.encode() + b"\n")
ok = ok and until(b"Password (again): ")
os.write(fd, second.encode() + b"\n")
until(b"\x00never")
for _ in range(100):
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    time.sleep(0.1)
else:
    os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
sys.stdout.write("%d %s %s\n" % (os.waitstatus_to_exitcode(status), "prompted" if ok else "no-prompt",
                 "echoed" if first.encode() in seen else "hidden"))
sys.stdout.write(seen.decode(errors="replace").replace("\r", "").replace("\n", "|") + "\n")
PY
out=$(python3 "$T/ttyask.py" tty-secret-1 tty-secret-1 "$CSESS" user add tina)
t_eq "user add on a terminal prompts twice without echo" "0 prompted hidden" "$(head -n 1 <<<"$out")"
stored_hash() {
	mdb_dump -n -s users -p "$CSESS_SESSION_STORE" | python3 -c '
import json, sys
lines = [l.strip() for l in sys.stdin]
for i, l in enumerate(lines):
    if l == sys.argv[1]:
        print(json.loads(lines[i + 1].replace("\\\\", "\\"))["password"])' "$1"
}
t_status "...and the password it read is the one stored" 0 \
    sh -c "echo tty-secret-1 | '$CSESS' password check '$(stored_hash tina)'"
out=$(python3 "$T/ttyask.py" tty-secret-2 tty-secret-2 "$CSESS" user passwd tina)
t_eq "user passwd on a terminal prompts twice too" "0 prompted hidden" "$(head -n 1 <<<"$out")"
out=$(python3 "$T/ttyask.py" one-thing another "$CSESS" user passwd tina)
t_eq "different answers are refused (2)" "2 prompted hidden" "$(head -n 1 <<<"$out")"
t_match "...saying the passwords do not match" "csess: passwords do not match" "$(tail -n 1 <<<"$out")"
out=$(python3 "$T/ttyask.py" "" "" "$CSESS" user add tom)
t_eq "an empty password on the terminal is refused (2)" "2" "${out%% *}"
t_status "...and no user was added" 1 "$CSESS" user del tom

# "-" is stdin wherever a FILE is taken.
printf 'uma:%s\n' "$django_hash" | "$CSESS" user import - 2>"$T/err"
t_eq "user import - reads stdin" "0 " "$? $(cat "$T/err")"
t_match "...and stores its users" "uma" "$("$CSESS" user list)"
printf 'vic:%s\nbad line\n' "$django_hash" | "$CSESS" user import - 2>"$T/err"
t_eq "a bad line on stdin is named as stdin:N (2)" "2 csess: stdin:2: expected name:pbkdf2_sha256\$iterations\$salt\$hash" \
    "$? $(cat "$T/err")"
t_eq "...and nothing of it is stored" "" "$("$CSESS" user list | grep -x vic)"

# Inspecting or maintaining users never creates a store; adding may.
for cmd in "list" "del alice" "passwd alice"; do
	err=$(echo pw | CSESS_SESSION_STORE=$T/typo/s.mdb "$CSESS" user $cmd 2>&1 >/dev/null)
	t_eq "user $cmd on a missing store exits 2 naming it" \
	    "2 csess: user ${cmd%% *}: SESSION_STORE: no store at $T/typo/s.mdb" "$? $err"
done
t_eq "...and none of them created it" "no" "$([ -e "$T/typo" ] && echo yes || echo no)"
echo pw | CSESS_SESSION_STORE=$T/new/s.mdb "$CSESS" user add wes
t_eq "user add creates a new store" "0 wes" "$? $(CSESS_SESSION_STORE=$T/new/s.mdb "$CSESS" user list)"

for sub in add passwd del list import; do
	out=$("$CSESS" user $sub --help 2>"$T/err"); rc=$?
	t_eq "user $sub --help prints its usage on stdout, exit 0" "0 usage: csess user $sub" \
	    "$rc ${out:0:$((18 + ${#sub}))}$(cat "$T/err")"
done
t_status "user --help exits 0" 0 "$CSESS" user --help
t_status "user add with two names is a usage error (2)" 2 sh -c "echo pw | '$CSESS' user add a b"
t_done
