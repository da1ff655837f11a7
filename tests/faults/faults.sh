#!/usr/bin/env bash
# tests/faults/faults.sh -- the programs and the CLI against a faulty store:
# planted links and files others may write (a shared directory), a wrong
# owner or mode, a missing directory, a file that is not LMDB or is cut
# short, a map full at SESSION_STORE_MAX_SIZE, a full disk (a small tmpfs,
# when this machine lets us mount one) and a read-only file system.
# Each fault: the program answers 503 and logs one line naming the cause,
# the CLI exits 2 naming the path, nothing already stored is lost, and the
# store works again once the fault is gone.
source "$(dirname "$0")/../lib/harness.sh"

export CSESS_SESSION_STORE=$T/store/sessions.mdb CSESS_SESSION_SYNC=none
export CSESS_SECRET_KEY=faults-test-secret-faults-test-secret-faults-test-0
export CSESS_PASSWORD_ITERATIONS=1000
unset CSESS_CONFIG CSESS_SESSION_ENGINE
STORE=$CSESS_SESSION_STORE
echo "pw" | "$CSESS" user add alice

# cgi PROGRAM METHOD [body]: response in $T/out, log in $T/err, STATUS.
cgi() {
	local prog=$1 method=$2 body=${3:-}
	printf '%s' "$body" > "$T/in"
	REQUEST_METHOD=$method REQUEST_URI=/$prog HTTP_HOST=example.test \
		CONTENT_TYPE=application/x-www-form-urlencoded \
		CONTENT_LENGTH=$(stat -c %s "$T/in") REMOTE_ADDR=192.0.2.1 \
		"$ROOT/cgi-bin/$prog" < "$T/in" 2> "$T/err" | tr -d '\r' > "$T/out"
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/out" | head -n 1)
}
cookie_of() { sed -n "s/^Set-Cookie: \($1=[^;]*\).*/\1/p" "$T/out" | head -n 1; }
token() { sed -n 's/.*name="csrfmiddlewaretoken" value="\([A-Za-z0-9]*\)".*/\1/p' "$T/out" | head -n 1; }

# login: a new session for alice; its cookie in $SESSION.
login() {
	cgi login GET
	local c tok
	c=$(cookie_of csrftoken); tok=$(token)
	HTTP_COOKIE="$c; sessionid_test=worked" cgi login POST \
	    "username=alice&password=pw&csrfmiddlewaretoken=$tok"
	SESSION=$(cookie_of sessionid)
}

# fill_with_logins: alice logs in (her session in $FIRST), then logs in
# again until a login fails; STATUS_END is that login's status.
fill_with_logins() {
	local i
	echo "pw" | "$CSESS" user add alice
	login
	FIRST=$SESSION
	STATUS_END=302
	for i in $(seq 1 3000); do
		login
		[ "$STATUS" = 302 ] || { STATUS_END=$STATUS; break; }
	done
}

# visit: the protected page with $SESSION.
visit() { HTTP_COOKIE="$SESSION" cgi protected GET; }

# refused NAME WHY-REGEX: the program answers 503 with one log line
# matching WHY, and the CLI exits 2 with a message matching WHY.
refused() {
	local name=$1 why=$2 err rc
	visit
	t_eq "$name: the program answers 503" 503 "$STATUS"
	t_eq "$name: ...logging one line" 1 "$(wc -l < "$T/err")"
	t_match "$name: ...naming the cause" "$why" "$(cat "$T/err")"
	echo "#      log: $(cat "$T/err")"
	err=$("$CSESS" sessions list 2>&1 >/dev/null)
	rc=$?
	t_eq "$name: the CLI exits 2" 2 "$rc"
	t_match "$name: ...naming the cause" "$why" "$err"
}

# recovered NAME: the session made before the fault still opens the page.
recovered() {
	visit
	t_eq "$1: once repaired, the session stored before is still there (200)" 200 "$STATUS"
}

login
visit
t_eq "a logged-in session opens the protected page" 200 "$STATUS"
echo "victim's bytes" > "$T/victim"
chmod 600 "$T/victim"

# --- a shared directory: links and files others planted ---------------------
rm -f "$STORE-lock"
ln -s "$T/victim" "$STORE-lock"
refused "a symlinked lock file" "refusing $STORE-lock: is a symbolic link"
t_eq "...and the link's target is untouched" "victim's bytes" "$(cat "$T/victim")"
rm -f "$STORE-lock"
recovered "symlinked lock file"

mv "$STORE" "$T/store.real"
ln -s "$T/victim" "$STORE"
refused "a symlinked store file" "refusing $STORE: is a symbolic link"
t_eq "...and the link's target is untouched" "victim's bytes" "$(cat "$T/victim")"
rm -f "$STORE"
mv "$T/store.real" "$STORE"
recovered "symlinked store file"

chmod 666 "$STORE"
refused "a store file writable by others (0666)" "refusing $STORE: writable by group or others"
chmod 600 "$STORE"
recovered "store file mode 0666"

chmod 777 "$T/store"
refused "a store directory writable by others (0777)" \
    "refusing directory $T/store: writable by group or others"
chmod 700 "$T/store"
recovered "store directory mode 0777"

if [ "$(id -u)" -eq 0 ]; then
	chown nobody "$STORE"
	refused "a store file owned by another user" "refusing $STORE: owned by another user"
	chown root "$STORE"
	recovered "store file owned by nobody"
else
	echo "skip - a store file owned by another user: needs root to chown"
fi

# --- paths that cannot hold a store -------------------------------------------
# (The program cannot create it; the CLI's inspection never would.)
CSESS_SESSION_STORE=$T/missing/deeper/s.mdb refused "a missing directory two levels deep" \
    "(cannot create directory|no store at) $T/missing/deeper"
mkdir -p "$T/notlmdb"
chmod 700 "$T/notlmdb"
printf 'this is not an LMDB file\n%.0s' $(seq 1 500) > "$T/notlmdb/s.mdb"
chmod 600 "$T/notlmdb/s.mdb"
cp "$T/notlmdb/s.mdb" "$T/notlmdb.before"
CSESS_SESSION_STORE=$T/notlmdb/s.mdb refused "a file that is not LMDB" \
    "$T/notlmdb/s.mdb: .*(not an LMDB file|Invalid)"
t_ok "...and the file is left as it was" cmp "$T/notlmdb/s.mdb" "$T/notlmdb.before"

mkdir -p "$T/cut"
chmod 700 "$T/cut"
head -c 100 "$STORE" > "$T/cut/s.mdb"
chmod 600 "$T/cut/s.mdb"
CSESS_SESSION_STORE=$T/cut/s.mdb refused "a store file cut short" "$T/cut/s.mdb: "
recovered "after the bad paths, the real store"

# --- the map full at SESSION_STORE_MAX_SIZE -----------------------------------
export CSESS_SESSION_STORE=$T/full/s.mdb CSESS_SESSION_STORE_MAP_SIZE=1048576 \
    CSESS_SESSION_STORE_MAX_SIZE=1048576
STORE=$CSESS_SESSION_STORE
fill_with_logins
t_eq "logins into a store at SESSION_STORE_MAX_SIZE end in 503" 503 "$STATUS_END"
t_eq "...logging one line" 1 "$(wc -l < "$T/err")"
t_match "...naming the cause" "SESSION_STORE_MAX_SIZE|full" "$(cat "$T/err")"
echo "#      log: $(cat "$T/err")"
SESSION=$FIRST visit
t_eq "...a page that writes its session answers 503 too" 503 "$STATUS"
t_eq "...logging one line" 1 "$(wc -l < "$T/err")"
t_match "...naming the cause" "SESSION_STORE_MAX_SIZE" "$(cat "$T/err")"
echo "#      log: $(cat "$T/err")"
t_eq "...and verify finds the store sound" 0 "$("$CSESS" sessions verify >/dev/null 2>&1; echo $?)"
export CSESS_SESSION_STORE_MAX_SIZE=8388608
SESSION=$FIRST visit
t_eq "a larger SESSION_STORE_MAX_SIZE: the first session is still there (200)" 200 "$STATUS"
login
t_eq "...and logins work again" 302 "$STATUS"
unset CSESS_SESSION_STORE_MAP_SIZE CSESS_SESSION_STORE_MAX_SIZE

# --- a full disk and a read-only file system (a small tmpfs) -------------------
if mkdir -p "$T/mnt" && mount -t tmpfs -o size=1m,mode=0700 tmpfs "$T/mnt" 2>/dev/null; then
	trap 'umount "$T/mnt" 2>/dev/null; _t_cleanup' EXIT
	export CSESS_SESSION_STORE=$T/mnt/s.mdb
	STORE=$CSESS_SESSION_STORE
	fill_with_logins
	t_eq "logins onto a full disk end in 503" 503 "$STATUS_END"
	t_eq "...logging one line" 1 "$(wc -l < "$T/err")"
	t_match "...naming the cause" "space|full|SESSION_STORE" "$(cat "$T/err")"
	echo "#      log: $(cat "$T/err")"
	mount -o remount,size=16m "$T/mnt"
	SESSION=$FIRST visit
	t_eq "with room again, the first session is still there (200)" 200 "$STATUS"
	login
	t_eq "...and logins work again" 302 "$STATUS"

	SESSION=$FIRST
	mount -o remount,ro "$T/mnt"
	refused "a read-only file system" "$STORE: .*(Read-only|read-only)"
	mount -o remount,rw "$T/mnt"
	recovered "read-only file system"
	umount "$T/mnt"
else
	echo "skip - full disk and read-only file system: cannot mount a tmpfs here"
fi

t_done
