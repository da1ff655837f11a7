#!/usr/bin/env bash
# tests/cli/contract.sh -- the csess exit-status and output contract under
# hostile input: 0 success with only the result on stdout, 1 a negative
# answer, 2 a usage or input error with exactly one line on stderr.
. "$(dirname "$0")/../lib/harness.sh"

export CSESS_SESSION_STORE=$T/store/sessions.mdb
export CSESS_SECRET_KEY=contract-test-secret-contract-test-secret-0123456789
export CSESS_PASSWORD_ITERATIONS=1
export CSESS_SESSION_SYNC=none
unset CSESS_CONFIG CSESS_SECRET_KEY_FALLBACKS HTTP_COOKIE

# run STDIN-FILE ARGS...: status in RC, output in $T/out and $T/err.
run() {
	local in=$1
	shift
	"$CSESS" "$@" <"$in" >"$T/out" 2>"$T/err"
	RC=$?
}

# Exit 2, exactly one line on stderr starting "csess: ", nothing on stdout.
refused() {
	local name=$1 lines
	lines=$(wc -l <"$T/err")
	if [ "$RC" -eq 2 ] && [ "$lines" -eq 1 ] && [ ! -s "$T/out" ] &&
	    grep -q '^csess: ' "$T/err"; then
		t_pass "$name"
	else
		t_fail "$name" "exit $RC, $lines stderr lines, stdout $(wc -c <"$T/out") bytes" \
		    "err: $(head -c 300 "$T/err")"
	fi
}

# Exit 0, the expected stdout, nothing on stderr.
printed() {
	local name=$1 want=$2
	if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" == "$want" ] && [ ! -s "$T/err" ]; then
		t_pass "$name"
	else
		t_fail "$name" "exit $RC" "want: $want" "got:  $(head -c 300 "$T/out")" \
		    "err: $(head -c 300 "$T/err")"
	fi
}

# pbkdf2 computed here, independently of csess.
pbkdf2() {
	python3 -c 'import base64, hashlib, sys
pw = sys.argv[1].encode("latin-1")
print("pbkdf2_sha256$1$abcdefgh12345678$" + base64.b64encode(hashlib.pbkdf2_hmac(
    "sha256", pw, b"abcdefgh12345678", 1, 32)).decode())' "$1"
}
# ---- a result that cannot be written is no success --------------------------------------

now=$(date +%s)
printf '{"key":"abcdefghijklmnopqrstuvwxyz012345","expire":%d,"user":"bob","data":{"a":1}}\n' \
    $((now + 3600)) >"$T/one.jsonl"
run /dev/null sessions import "$T/one.jsonl"
printed "sessions import prints the count" "1"
full() {
	local name=$1
	shift
	"$CSESS" "$@" </dev/null >/dev/full 2>"$T/err"
	RC=$?
	: >"$T/out"
	refused "$name"
}
full "sessions list to a full disk exits 2" sessions list
full "sessions show to a full disk exits 2" sessions show abcdefghijklmnopqrstuvwxyz012345
full "sessions stats to a full disk exits 2" sessions stats
full "sessions export to a full disk exits 2" sessions export
printf 'pw\n' | "$CSESS" user add zoe
full "sessions revoke-user to a full disk exits 2" sessions revoke-user zoe
full "user list to a full disk exits 2" user list
"$CSESS" check </dev/null >/dev/full 2>"$T/err"
t_eq "check to a full disk exits 2, saying so last (warnings come first)" \
    "2 csess: cannot write the output" "$? $(tail -n 1 "$T/err")"
full "--help to a full disk exits 2" --help
full "sign to a full disk exits 2" sign v
"$ROOT/bin/clear-expired" --verbose </dev/null >/dev/full 2>"$T/err"
RC=$?
: >"$T/out"
refused "clear-expired --verbose to a full disk exits 2"

# ---- the command itself -----------------------------------------------------------

run /dev/null
refused "csess without a command is one line on stderr"
run /dev/null --help
if [ "$RC" -eq 0 ] && grep -q '^usage: csess' "$T/out" && [ ! -s "$T/err" ]; then
	t_pass "csess --help prints the usage on stdout"
else
	t_fail "csess --help prints the usage on stdout" "exit $RC"
fi
run /dev/null ''
refused "an empty command is a usage error"

# ---- errors that echo the input stay one line -----------------------------------

run /dev/null $'bogus\ncommand'
refused "an unknown command holding a newline is one line on stderr"
run /dev/null sessions $'bogus\r\nx'
refused "an unknown sessions command holding CR LF is one line"
run /dev/null sign $'--bogus\nx' v
refused "an unknown option holding a newline is one line"
printf 'pw\n' >"$T/pw"
run "$T/pw" user add $'a\nb'
refused "an invalid username holding a newline is one line"
run /dev/null user import $'/no\nsuch'
refused "a missing import file named with a newline is one line"
run /dev/null sessions import $'/no\nsuch'
refused "a missing sessions import file named with a newline is one line"
CSESS_CONFIG=$'/no\nsuch' run /dev/null sign v
refused "a missing CSESS_CONFIG named with a newline is one line"
run /dev/null user del $'no\nsuch'
refused "user del of a name holding a newline is one line"
run /dev/null sign $'--bo\x01gus' v
if ! grep -q $'\x01' "$T/err" && grep -q 'x01' "$T/err"; then
	t_pass "control bytes in messages are written as \\xHH"
else
	t_fail "control bytes in messages are written as \\xHH" "$(od -c "$T/err" | head -3)"
fi

# ---- configuration ----------------------------------------------------------------------

mkdir -p "$T/dir"
CSESS_CONFIG=$T/dir run /dev/null sign v
refused "a CSESS_CONFIG that cannot be read (a directory) is an error"
t_match "the message names CSESS_CONFIG" 'CSESS_CONFIG' "$(cat "$T/err")"
CSESS_CONFIG=$T/nonexistent run /dev/null sign v
refused "a missing CSESS_CONFIG is an error"
printf 'SESSION_COOKIE_AGE = soon\n' >"$T/bad.conf"
CSESS_CONFIG=$T/bad.conf run /dev/null sign v
refused "a bad value in CSESS_CONFIG is an error"
t_match "the message names the setting" 'SESSION_COOKIE_AGE' "$(cat "$T/err")"
CSESS_SESSION_COOKIE_SAMESITE=sometimes run /dev/null check
refused "a bad value in the environment is an error"
t_match "the message names the setting" 'SESSION_COOKIE_SAMESITE' "$(cat "$T/err")"
CSESS_SECRET_KEY= run /dev/null sign v
refused "sign without SECRET_KEY is an error"
t_match "the message names SECRET_KEY" 'SECRET_KEY' "$(cat "$T/err")"
CSESS_SECRET_KEY= CSESS_SECRET_KEY_FALLBACKS=old run /dev/null sign v
refused "sign never falls back to SECRET_KEY_FALLBACKS"

# The cookie settings must make headers the programs can write.
bad_setting() {
	env "CSESS_$1=$2" "$CSESS" check </dev/null >"$T/out" 2>"$T/err"
	RC=$?
	refused "csess check refuses $1='$2'"
	t_match "and names $1" "$1" "$(cat "$T/err")"
}
bad_setting SESSION_COOKIE_NAME 'session id'
bad_setting SESSION_COOKIE_NAME 'sid;Domain=evil.example'
bad_setting CSRF_COOKIE_NAME 'csrf=token'
bad_setting SESSION_COOKIE_DOMAIN 'example.com;Secure'
bad_setting SESSION_COOKIE_DOMAIN 'example.com.'
bad_setting SESSION_COOKIE_PATH '/app;HttpOnly'
for kv in SESSION_COOKIE_NAME=__Host-sessionid CSRF_COOKIE_NAME=csrftoken \
    SESSION_COOKIE_DOMAIN=.example.com SESSION_COOKIE_DOMAIN=localhost \
    SESSION_COOKIE_DOMAIN= SESSION_COOKIE_PATH=/app; do
	env "CSESS_$kv" "$CSESS" check </dev/null >/dev/null 2>&1
	t_eq "csess check accepts $kv" 0 "$?"
done

# ---- signed-cookie set says what is wrong ------------------------------------------

# refused_because NAME REGEX ARGS...: exit 2, one line matching REGEX.
refused_because() {
	local name=$1 re=$2
	shift 2
	run /dev/null "$@"
	refused "$name"
	t_match "$name: the message says why" "$re" "$(cat "$T/err")"
}
refused_because "signed-cookie set refuses a name with a space" 'name' \
    signed-cookie set 'a b' v
refused_because "signed-cookie set refuses a value with a space" 'value' \
    signed-cookie set a 'b c'
refused_because "signed-cookie set refuses SameSite=None without Secure" '[Ss]ecure' \
    signed-cookie set a v --samesite None
refused_because "signed-cookie set refuses __Host- without Secure" '__Host-|[Ss]ecure' \
    signed-cookie set __Host-a v --path /
refused_because "signed-cookie set refuses a path with CR LF" '[Pp]ath' \
    signed-cookie set a v --path $'/a\r\nX: y'
refused_because "signed-cookie set refuses a domain with a semicolon" '[Dd]omain' \
    signed-cookie set a v --domain 'a.com; x'
refused_because "signed-cookie set refuses a value over 4096 bytes once signed" '4096' \
    signed-cookie set a "$(head -c 4060 /dev/zero | tr '\0' v)"

# ---- options: "--opt VALUE" and "--opt=VALUE" alike, as the cookie options ------------

run /dev/null sign --salt x hello
want=$(cat "$T/out")
run /dev/null sign --salt=x hello
printed "sign --salt=x is --salt x" "$want"
run /dev/null sign --salt= hello
printed "sign --salt= is the default salt, like --salt ''" \
    "$("$CSESS" sign hello)"
run /dev/null unsign --salt=x --timestamp --max-age=60 "$("$CSESS" sign --salt x --timestamp hello)"
printed "unsign takes --salt=x and --max-age=60" "hello"
run /dev/null loads --max-age=60 "$("$CSESS" dumps '{"a":1}')"
printed "loads takes --max-age=60" '{"a":1}'
run /dev/null loads --max-age=-1 "$("$CSESS" dumps '{"a":1}')"
refused "loads refuses --max-age=-1"
run /dev/null loads --max-age= "$("$CSESS" dumps '{"a":1}')"
refused "loads refuses an empty --max-age="
run "$T/pw" password hash --iterations=1 --salt=abcdefgh12345678
printed "password hash takes --iterations=1 --salt=S" "$(pbkdf2 pw)"
run /dev/null signed-cookie set --salt=pepper c2 blue
cv=$(cut -d';' -f1 <"$T/out")
HTTP_COOKIE="$cv" run /dev/null signed-cookie get c2 --salt pepper
printed "signed-cookie set --salt=pepper is --salt pepper" "blue"
run /dev/null sign --saltx hello
refused "an option that only starts like --salt is unknown"
run /dev/null sign --timestamp=yes hello
refused "a flag given a value is refused"
run /dev/null unsign --timestamp --max-age
refused "--max-age without its value is refused"

# ---- signed-cookie set writes what Django's set_signed_cookie writes ------------------

run /dev/null signed-cookie set color blue
t_match "signed-cookie set has Django's default Path=/" \
    '^color=blue:[0-9A-Za-z]+:[A-Za-z0-9_-]{43}; Path=/$' "$(cat "$T/out")"
run /dev/null signed-cookie set c2 blue --salt pepper --max-age 3600
t_match "signed-cookie set with --max-age reads like Django's" \
    '^c2=blue:[0-9A-Za-z]+:[A-Za-z0-9_-]{43}; expires=[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT; Max-Age=3600; Path=/$' \
    "$(cat "$T/out")"
run /dev/null signed-cookie set c v --path /app
t_match "signed-cookie set --path replaces the default" '; Path=/app$' "$(cat "$T/out")"

# ---- signed-cookie get reads what Django's set_signed_cookie wrote -----------------------

# Django 3.2 quotes a value outside the cookie-octets with Python's escapes
# (\ooo octal, \" and \\); browsers send it back as it came, and Django's
# parse_cookie undoes them before checking the signature.  Vectors from
# Django 3.2, SECRET_KEY as exported above.
dj_cookie() {
	local name=$1 want=$2 header=$3
	shift 3
	HTTP_COOKIE=$header run /dev/null signed-cookie get c "$@"
	printed "$name" "$want"
}
dj_cookie "signed-cookie get reads a Django value with a comma (\\054)" 'a,b' \
    'c="a\054b:1xWHh1:dx7dA_kd4D5sJe7QEVXP3q0s34ycpjh1kQFxHNdsHo8"'
dj_cookie "signed-cookie get reads a Django value with a latin-1 letter (\\351)" 'é' \
    'c="\351:1xWHh1:J8CTLPAq9BXgf1YCA7lYBAUgWxeQwBrO1DUXOSiM_mc"' --salt pepper
dj_cookie "signed-cookie get reads a Django value with a quote" 'a"b' \
    'c="a\"b:1xWHh1:aiLyV-7HmQPejhYqAqgJXqLz-0aI7-lQQFSDaq8ILB4"'
dj_cookie "signed-cookie get reads a Django value with a backslash" 'a\b' \
    'c="a\\b:1xWHh1:Utlu9LpPtLVj6o6YGD1mrA5tVga8zhlNd7uzRRN6Sk4"'
dj_cookie "signed-cookie get reads a Django value with ; and a control byte" $'x;y\x01' \
    'c="x\073y\001:1xWHh1:r4mjyodiM7lpT05cUt8UxHEzGZ4pWMvSdcfF3gTp8qA"'
HTTP_COOKIE='c="a\054c:1xWHh1:dx7dA_kd4D5sJe7QEVXP3q0s34ycpjh1kQFxHNdsHo8"' \
    run /dev/null signed-cookie get c
t_eq "the unescaped value must still carry the signature" 1 "$RC"
HTTP_COOKIE='c=a\054b:1xWHh1:dx7dA_kd4D5sJe7QEVXP3q0s34ycpjh1kQFxHNdsHo8' \
    run /dev/null signed-cookie get c
t_eq "escapes count only inside a quoted value, as in Django" 1 "$RC"

# ---- dumps / loads: whatever Python's json reads, written back as Python does ----------

# roundtrip NAME JSON: loads(dumps(JSON)) prints json.dumps(json.loads(JSON),
# separators=(',', ':')), as Python computes it here.
roundtrip() {
	local want
	want=$(python3 -c 'import json, sys
print(json.dumps(json.loads(sys.argv[1]), separators=(",", ":")))' "$2")
	run /dev/null dumps -- "$2"
	if [ "$RC" -ne 0 ]; then
		t_fail "$1" "dumps exit $RC: $(cat "$T/err")"
		return
	fi
	run /dev/null loads -- "$(cat "$T/out")"
	printed "$1" "$want"
}
roundtrip "dumps/loads keep an integer beyond 64 bits" '{"id":123456789012345678901234567890}'
roundtrip "dumps/loads keep a negative integer beyond 64 bits" '[-9223372036854775809,9223372036854775808]'
roundtrip "dumps/loads keep the 64-bit limits" '[9223372036854775807,-9223372036854775808]'
roundtrip "dumps/loads keep NaN and the infinities" '[NaN,Infinity,-Infinity]'
roundtrip "dumps/loads read an overflowing real as Infinity" '{"a":1e400,"b":-2E+308}'
roundtrip "dumps/loads keep NUL strings next to markers" '["\u0000",NaN,"\u0000\u00000",1e999]'
roundtrip "dumps/loads keep a 600-digit integer" "[$(head -c 600 /dev/zero | tr '\0' 7)]"
roundtrip "dumps/loads leave strings that look like NaN alone" '{"NaN":"NaN","x":"1e400"}'
roundtrip "dumps/loads keep a lone surrogate, as Python does" '["a\ud800b","\uDE00\uD83D","\udbff"]'
roundtrip "dumps/loads still pair surrogates around a lone one" '"\ud800\ud83d\ude00\udfff"'
roundtrip "dumps/loads keep escapes beside a lone surrogate" '"\ud800\/\b\f\n\r\t\"\\é\u0000"'
run /dev/null dumps -- '"\ud800\uzzzz"'
refused "dumps refuses a bad escape after a lone surrogate"
run /dev/null dumps -- '{NaN:1}'
refused "dumps refuses NaN as an object key"
run /dev/null dumps -- '-NaN'
refused "dumps refuses -NaN (Python does too)"
run /dev/null dumps -- '[01]'
refused "dumps refuses a leading zero (Python does too)"
# The payload is Python's bytes: a Django 3.2 token for the same object
# (signing.dumps([2**64, float("nan")]), the key above) has it.
run /dev/null dumps -- '[18446744073709551616,NaN]'
t_eq "dumps writes the payload Django writes for [2**64, nan]" \
    "WzE4NDQ2NzQ0MDczNzA5NTUxNjE2LE5hTl0" "$(cut -d: -f1 "$T/out")"
run /dev/null loads 'WzE4NDQ2NzQ0MDczNzA5NTUxNjE2LE5hTl0:1xWHkW:uUfoTWJjpu1K1RzVP7tGHBcPMVSQScVDJ-h28YMwnso'
printed "loads reads a Django token holding 2**64 and NaN" '[18446744073709551616,NaN]'

# Random objects against the installed Django, when there is one: the same
# payload bytes from dumps, and loads printing what Python prints.
py=
for cand in "${PYTHON:-}" python3 /usr/bin/python3; do
	if [ -n "$cand" ] && "$cand" -c 'import django' 2>/dev/null; then
		py=$cand
		break
	fi
done
if [ -n "$py" ]; then
	cat >"$T/dj.py" <<'PY'
import json, os, random, subprocess, sys
import django
from django.conf import settings
settings.configure(SECRET_KEY=os.environ["CSESS_SECRET_KEY"])
from django.core import signing
seed = int(sys.argv[2])
rnd = random.Random(seed)
def text():
    al = ["a", "é", "€", "😀", '"', "\\", "/", "\n", "\x00", "\x1f", "\u2028", "\U0010ffff", " ",
          "\ud800", "\udfff"]
    return "".join(rnd.choice(al) for _ in range(rnd.randrange(0, 6)))
def num():
    return rnd.choice([rnd.randrange(-2**70, 2**70), rnd.randrange(-1000, 1000), 2**63, -2**63 - 1,
                       rnd.random() * 10 ** rnd.randrange(-320, 308), -0.0, 1e16, 5e-324,
                       float("nan"), float("inf"), float("-inf")])
def obj(d=0):
    r = rnd.random()
    if d > 3 or r < 0.4:
        return rnd.choice([num(), text(), True, False, None])
    if r < 0.7:
        return [obj(d + 1) for _ in range(rnd.randrange(0, 4))]
    # jansson keeps no NUL in an object key; csess no lone surrogate there
    return {text().replace("\x00", "").replace("\ud800", "").replace("\udfff", ""): obj(d + 1)
            for _ in range(rnd.randrange(0, 4))}
bad = []
for i in range(120):
    o = obj()
    src = json.dumps(o, **rnd.choice([{}, {"ensure_ascii": False}, {"indent": 1}]))
    if any(0xd800 <= ord(c) < 0xe000 for c in src):
        src = json.dumps(o)     # argv is UTF-8: no raw surrogate
    compress = rnd.random() < 0.3
    p = subprocess.run([sys.argv[1], "dumps"] + (["--compress"] if compress else []) + ["--", src],
                       capture_output=True)
    dj = signing.dumps(o, compress=compress)
    if p.returncode or p.stdout.decode().rsplit(":", 2)[0] != dj.rsplit(":", 2)[0]:
        bad.append("dumps %r" % src[:80])
        continue
    q = subprocess.run([sys.argv[1], "loads", "--", dj], capture_output=True)
    if q.returncode or q.stdout.decode() != json.dumps(o, separators=(",", ":")) + "\n":
        bad.append("loads %r" % dj[:80])
print("%d %s" % (len(bad), "; ".join(bad[:3])))
PY
	seed=${CSESS_CONTRACT_SEED:-$RANDOM}
	echo "# django dumps/loads seed $seed (CSESS_CONTRACT_SEED=$seed replays it)"
	t_eq "dumps and loads agree with Django on 120 random objects (big ints, NaN, lone surrogates)" \
	    "0 " "$("$py" "$T/dj.py" "$CSESS" "$seed" 2>&1 | tail -n 1)"
	# signed-cookie set: the whole header as Django writes it at csess's second.
	cat >"$T/djc.py" <<'PY'
import os, subprocess, sys
import django
from django.conf import settings
settings.configure(SECRET_KEY=os.environ["CSESS_SECRET_KEY"])
from django.http import HttpResponse
from django.utils.baseconv import base62
from unittest import mock
cases = [
    ([], {}),
    (["--salt", "pepper", "--max-age", "3600"], {"salt": "pepper", "max_age": 3600}),
    (["--httponly", "--secure", "--samesite", "Strict", "--domain", "example.com"],
     {"httponly": True, "secure": True, "samesite": "Strict", "domain": "example.com"}),
    (["--path", "/app", "--expires", "Sun, 06 Nov 1994 08:49:37 GMT"],
     {"path": "/app", "expires": "Sun, 06 Nov 1994 08:49:37 GMT"}),
]
bad = []
for args, kw in cases:
    p = subprocess.run([sys.argv[1], "signed-cookie", "set", "color", "blue"] + args,
                       capture_output=True, text=True)
    got = p.stdout.rstrip("\n")
    ts = base62.decode(got.split(":")[1]) if got.count(":") >= 2 else 0
    r = HttpResponse()
    with mock.patch("time.time", return_value=ts):
        r.set_signed_cookie("color", "blue", **kw)
    want = r.cookies["color"].OutputString()
    if p.returncode or got != want:
        bad.append("%r: want %r got %r" % (args, want, got))
print("%d %s" % (len(bad), "; ".join(bad[:2])))
PY
	t_eq "signed-cookie set writes Django's set_signed_cookie header byte for byte" \
	    "0 " "$("$py" "$T/djc.py" "$CSESS" 2>&1 | tail -n 1)"
else
	echo "# no python3 with django: the random cross-check is skipped"
fi

# ---- password hash -------------------------------------------------------------------

run "$T/pw" password hash --iterations 1 --salt $'ab\ncd'
refused "password hash refuses a salt with a newline (the hash is one line)"
run "$T/pw" password hash --iterations 1 --salt $'ab\tcd'
refused "password hash refuses a salt with a tab"
run "$T/pw" password hash --iterations 1 --salt ''
refused "password hash refuses an empty salt"
run "$T/pw" password hash --iterations 1 --salt 'a$b'
refused "password hash refuses a salt with a dollar"

# ---- user import ----------------------------------------------------------------------

H='pbkdf2_sha256$1$abcdefgh12345678$LkHEnjZlTK9W8FlE7s9D7+0J4H0DZGHkXsgI2bgHzrU='
mkdir -p "$T/dir"
run /dev/null user import "$T/dir"
refused "user import of a directory is an input error"
{ printf '#'; head -c 8190 /dev/zero | tr '\0' a; printf 'mallory:%s\n' "$H"; } >"$T/long"
run /dev/null user import "$T/long"
refused "user import refuses a line longer than it reads"
run /dev/null user list
t_eq "the tail of a long comment line is not imported as a user" "" "$(grep mallory "$T/out")"
{ head -c 9000 /dev/zero | tr '\0' a; printf ':%s\n' "$H"; } >"$T/long2"
run /dev/null user import "$T/long2"
refused "user import refuses a long line"
t_match "a long line is reported at its own line number" ':1: ' "$(cat "$T/err")"
printf 'eve:%s' "$H" >"$T/nonl"
run /dev/null user import "$T/nonl"
printed "user import takes a last line without a newline" ""
run /dev/null user list
t_eq "user import stored it" "eve" "$(grep -x eve "$T/out")"

# ---- malformed (2) versus missing (1) ------------------------------------------------

run /dev/null user del ''
refused "user del of an empty name is a usage error"
run /dev/null user del 'bad name'
refused "user del of a name no user can have is a usage error"
run /dev/null user del nosuchuser
t_eq "user del of a missing user is a negative answer" "1 1" "$RC $(wc -l <"$T/err")"
run /dev/null sessions show abc
refused "sessions show of a malformed key is a usage error"
run /dev/null sessions show bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
t_eq "sessions show of a missing key is a negative answer" "1 1" "$RC $(wc -l <"$T/err")"
run /dev/null sessions delete "$(head -c 100000 /dev/zero | tr '\0' a)"
refused "sessions delete of a 100 KB key is a usage error"
run /dev/null signed-cookie set '' v
refused "signed-cookie set of an empty name is a usage error"
t_match "and says the name is empty" 'name' "$(cat "$T/err")"

# ---- stdin: exactly one line ending is dropped --------------------------------------

hash_of() {
	printf "$1" >"$T/in"
	run "$T/in" password hash --iterations 1 --salt abcdefgh12345678
	printed "$2" "$(pbkdf2 "$3")"
}
hash_of 'pw\n' "password hash drops the trailing LF" 'pw'
hash_of 'pw' "password hash without a line ending takes all bytes" 'pw'
hash_of 'pw\r\n' "password hash drops a trailing CR LF" 'pw'
hash_of 'pw\r' "password hash keeps a lone trailing CR (it is no line ending)" $'pw\r'
hash_of 'pw\n\n' "password hash drops only one LF" $'pw\n'
hash_of 'pw\n\r' "password hash keeps a CR after the LF" $'pw\n\r'

# ---- one input convention -----------------------------------------------------------

# Every command and subcommand: --help prints its usage on stdout, exit 0.
for cmd in "cookie" "cookie parse" "cookie set" sign unsign dumps loads signed-cookie \
    "signed-cookie get" "signed-cookie set" password "password hash" "password check" \
    user "user add" "user passwd" "user del" "user list" "user import" sessions \
    "sessions list" "sessions show" "sessions delete" "sessions revoke-user" \
    "sessions stats" "sessions verify" "sessions clear-expired" "sessions export" \
    "sessions import" throttle "throttle list" "throttle reset" check; do
	run /dev/null $cmd --help
	if [ "$RC" -eq 0 ] && grep -q '^usage: csess' "$T/out" && [ ! -s "$T/err" ]; then
		t_pass "csess $cmd --help prints its usage on stdout, exit 0"
	else
		t_fail "csess $cmd --help prints its usage on stdout, exit 0" "exit $RC" \
		    "out: $(head -c 200 "$T/out")" "err: $(head -c 200 "$T/err")"
	fi
done

# A VALUE of - is read from stdin (one line): the same result as the argument.
printf 'hello\n' >"$T/val"
signed=$("$CSESS" sign --salt s hello)
run "$T/val" sign --salt s -
printed "sign - signs the line on stdin" "$signed"
printf '%s\n' "$signed" >"$T/val"
run "$T/val" unsign --salt=s -
printed "unsign - with --salt=S reads stdin" "hello"
printf '{"a": [1, 2]}\n' >"$T/val"
run "$T/val" dumps -
token=$(cat "$T/out")
printf '%s\n' "$token" >"$T/val"
run "$T/val" loads -
printed "dumps - | loads - round trips" '{"a":[1,2]}'
run /dev/null sign -- --looks-like-an-option
printed "-- ends the options" "$("$CSESS" sign -- --looks-like-an-option </dev/null)"
run /dev/null sign --sal s v
refused "an abbreviated option is refused"
run /dev/null sign --timestamp=1 v
refused "a value for a flag is refused"
run /dev/null unsign --max-age
refused "an option without its value is refused"

t_done
