#!/usr/bin/env bash
# tests/cli/cookie.sh -- the "csess cookie parse" and "csess cookie set"
# contract: output bytes, exit codes, one-line errors.
. "$(dirname "$0")/../lib/harness.sh"

# Run csess with stdin from the file $1 (or /dev/null); capture the output
# byte for byte in $T/out and $T/err, the status in RC.
run() {
	local in=$1
	shift
	"$CSESS" "$@" <"$in" >"$T/out" 2>"$T/err"
	RC=$?
}

# parse_eq NAME INPUT EXPECTED (printf formats, so \t \n \x.. work)
parse_eq() {
	printf "$2" >"$T/in"
	printf "$3" >"$T/want"
	run "$T/in" cookie parse
	if [ "$RC" -eq 0 ] && cmp -s "$T/want" "$T/out" && [ ! -s "$T/err" ]; then
		t_pass "$1"
	else
		t_fail "$1" "exit $RC" "want: $(od -c "$T/want" | head -5)" \
		    "got:  $(od -c "$T/out" | head -5)" "err: $(cat "$T/err")"
	fi
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
		    "err: $(cat "$T/err")"
	fi
}

parse_refused() {
	printf "$2" >"$T/in"
	run "$T/in" cookie parse
	refused "$1"
}

set_refused() {
	local name=$1
	shift
	run /dev/null cookie set "$@"
	refused "$name"
}

# set_eq NAME EXPECTED ARGS...
set_eq() {
	local name=$1 want=$2
	shift 2
	run /dev/null cookie set "$@"
	if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" == "$want" ] &&
	    [ "$(tail -c 1 "$T/out" | od -An -c | tr -d ' ')" == '\n' ] && [ ! -s "$T/err" ]; then
		t_pass "$name"
	else
		t_fail "$name" "exit $RC" "want: $want" "got:  $(cat "$T/out")" "err: $(cat "$T/err")"
	fi
}

# ---- cookie parse -------------------------------------------------------------

parse_eq "parse prints name TAB value per pair in order" 'a=1; b=2\n' 'a\t1\nb\t2\n'
parse_eq "parse without trailing newline" 'a=1; b=2' 'a\t1\nb\t2\n'
parse_eq "parse drops only one trailing newline" 'a=1\n\n' 'a\t1\n\n'
parse_eq "parse accepts missing space after semicolon" 'a=1;b=2;c=3' 'a\t1\nb\t2\nc\t3\n'
parse_eq "parse trims spaces and tabs" ' a = 1 ;\tb\t=\t2\t' 'a\t1\nb\t2\n'
parse_eq "parse nameless pair has an empty name" 'novalue; a=1' '\tnovalue\na\t1\n'
parse_eq "parse leading equals is not a __Host- cookie" '=__Host-x=1' '\t__Host-x=1\n'
parse_eq "parse cuts at the first equals" 'AAA=000=xyz' 'AAA\t000=xyz\n'
parse_eq "parse keeps empty values" 'a=; b=' 'a\t\nb\t\n'
parse_eq "parse skips empty parts" ';;a=1;; ; ;b=2;' 'a\t1\nb\t2\n'
parse_eq "parse skips a lone equals sign" 'a=1; =; b=2' 'a\t1\nb\t2\n'
parse_eq "parse keeps duplicates in order" 'a=1; a=2; b=3; a=4' 'a\t1\na\t2\nb\t3\na\t4\n'
parse_eq "parse does not split on comma" 'a=1, b=2' 'a\t1, b=2\n'
parse_eq "parse strips one quote pair" 'a="b c"; d=""x""' 'a\tb c\nd\t"x"\n'
parse_eq "parse keeps unbalanced quotes" 'a="open; b=close"; c="' 'a\t"open\nb\tclose"\nc\t"\n'
parse_eq "parse does not unescape backslashes" 'a="x\\054y"' 'a\tx\\054y\n'
parse_eq "parse does not url-decode" '%%5F%%5FHost-x=%%20' '%%5F%%5FHost-x\t%%20\n'
parse_eq "parse keeps name case" 'SID=1; sid=2' 'SID\t1\nsid\t2\n'
parse_eq "parse does not trim unicode whitespace" '\xe2\x80\x80__Host-x=1; \xc2\xa0b=2' '\xe2\x80\x80__Host-x\t1\n\xc2\xa0b\t2\n'
parse_eq "parse does not trim vertical tab" '\va=1\v' '\va\t1\v\n'
parse_eq "parse prints a tab inside a value raw" 'a=x\ty' 'a\tx\ty\n'
parse_eq "parse prints other control bytes raw" 'a=x\x01y\x7f' 'a\tx\x01y\x7f\n'
parse_eq "parse keeps utf-8 values" 'a=\xc3\xa9' 'a\t\xc3\xa9\n'
parse_eq "parse empty input prints nothing" '' ''
parse_eq "parse only a newline prints nothing" '\n' ''
parse_eq "parse only semicolons prints nothing" ';;;\n' ''
parse_eq "parse a top-site header" 'AAA=0; BBB=1BBbB11Bbbb; __Cccccc-CCC=; EEEE=EeEe%%22%%22' \
    'AAA\t0\nBBB\t1BBbB11Bbbb\n__Cccccc-CCC\t\nEEEE\tEeEe%%22%%22\n'

# Limits: 8192 bytes and 3000 pairs by default.
head -c 8190 /dev/zero | tr '\0' v | sed 's/^/a=/' | tr -d '\n' >"$T/in"
run "$T/in" cookie parse
# "a" TAB 8190 bytes of value LF
t_eq "parse accepts a header of exactly 8192 bytes" "0 8193" "$RC $(wc -c <"$T/out")"
printf '\n' >>"$T/in"
run "$T/in" cookie parse
t_eq "parse accepts 8192 bytes plus a newline" "0 8193" "$RC $(wc -c <"$T/out")"
{ head -c 8191 /dev/zero | tr '\0' v | sed 's/^/a=/' | tr -d '\n'; } >"$T/in"
run "$T/in" cookie parse
refused "parse refuses a header of 8193 bytes"
head -c 100000 /dev/zero | tr '\0' v >"$T/in"
run "$T/in" cookie parse
refused "parse refuses a very long header"

pairs() { local i; for ((i = 1; i < $1; i++)); do printf 'a;'; done; printf 'a'; }
pairs 3000 >"$T/in"
run "$T/in" cookie parse
t_eq "parse accepts exactly 3000 pairs" "0 3000" "$RC $(wc -l <"$T/out")"
pairs 3001 >"$T/in"
run "$T/in" cookie parse
refused "parse refuses 3001 pairs"

printf 'a=12345678' >"$T/in"
CSESS_COOKIE_HEADER_MAX_SIZE=64 run "$T/in" cookie parse
t_eq "parse under a configured size limit" "0" "$RC"
head -c 65 /dev/zero | tr '\0' v >"$T/in"
CSESS_COOKIE_HEADER_MAX_SIZE=64 run "$T/in" cookie parse
refused "parse honours COOKIE_HEADER_MAX_SIZE"
printf 'a=1; b=2' >"$T/in"
CSESS_COOKIE_MAX_PAIRS=2 run "$T/in" cookie parse
t_eq "parse at a configured pair limit" "0 2" "$RC $(wc -l <"$T/out")"
printf 'a=1; b=2; c' >"$T/in"
CSESS_COOKIE_MAX_PAIRS=2 run "$T/in" cookie parse
refused "parse honours COOKIE_MAX_PAIRS"
printf 'a=1' >"$T/in"
CSESS_COOKIE_MAX_PAIRS=zero run "$T/in" cookie parse
refused "parse reports a bad limit setting"
run /dev/null cookie parse extra two
refused "parse takes at most one argument"
run /dev/null cookie parse 'a=1; b="x y"'
t_eq "parse HEADER parses the argument instead of stdin" "0 $(printf 'a\t1\nb\tx y')" "$RC $(cat "$T/out")"
printf 'a=1\n' >"$T/in"
run "$T/in" cookie parse -
t_eq "parse - reads stdin" "0 $(printf 'a\t1')" "$RC $(cat "$T/out")"
run /dev/null cookie parse "$(head -c 9000 /dev/zero | tr '\0' a)=1"
refused "parse HEADER is bounded like stdin"

# ---- cookie set ----------------------------------------------------------------

D='Sun, 06 Nov 1994 08:49:37 GMT'
set_eq "set prints name=value" 'a=b' a b
set_eq "set writes an empty value as two quotes" 'a=""' a ''
set_eq "set without --path writes no Path" 'a=b; Secure' a b --secure
set_eq "set writes Django attribute order" \
    "__Secure-s=v; Domain=example.com; expires=$D; HttpOnly; Path=/p; SameSite=None; Secure; Partitioned" \
    __Secure-s v --partitioned --samesite None --secure --path /p --httponly --domain example.com --expires "$D"
set_eq "set accepts options before the words" 'a=b; Path=/' --path / a b
set_eq "set accepts options between the words" 'a=b; Path=/' a --path / b
set_eq "set accepts --opt=value" 'a=b; Path=/x; SameSite=Lax' a b --path=/x --samesite=lax
set_eq "set samesite is case-insensitive and canonical" 'a=b; SameSite=Strict' a b --samesite STRICT
set_eq "set takes a value starting with one dash" 'a=-x' a -x
set_eq "set takes a name starting with one dash" '-n=v' -n v
set_eq "set -- allows a value starting with two dashes" 'a=--x' a -- --x
set_eq "set keeps a quoted value" 'a="b"' a '"b"'
set_eq "set __Host- done right" '__Host-sid=x; HttpOnly; Path=/; SameSite=Lax; Secure' \
    __Host-sid x --secure --httponly --path / --samesite Lax
set_eq "set explicit expires" "a=b; expires=$D" a b --expires "$D"

run /dev/null cookie set a b --max-age 3600
t_match "set --max-age writes expires then Max-Age" \
    '^a=b; expires=(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT; Max-Age=3600$' \
    "$(cat "$T/out")"
want=$(date -u -d "@$(( $(date +%s) + 3600 ))" '+%a, %d %b %Y %H')
t_match "set --max-age expires is now plus max-age" "expires=$want:" "$(cat "$T/out")"
run /dev/null cookie set a b --max-age=-5
t_match "set negative --max-age writes Max-Age=0" '; Max-Age=0$' "$(cat "$T/out")"
run /dev/null cookie set a b --max-age 10 --expires "$D"
t_eq "set --expires with --max-age keeps the given date" "a=b; expires=$D; Max-Age=10" "$(cat "$T/out")"

set_refused "set refuses an empty name" '' v
set_refused "set refuses a name with a space" 'a b' v
set_refused "set refuses a name with a semicolon" 'a;b' v
set_refused "set refuses a name with an equals sign" 'a=b' v
set_refused "set refuses a name with CR LF" $'a\r\nSet-Cookie: x' v
set_refused "set refuses a non-ascii name" $'\xc3\xa9' v
set_refused "set refuses a value with a space" a 'b c'
set_refused "set refuses a value with a comma" a 'b,c'
set_refused "set refuses a value with a semicolon" a 'b; Domain=evil.example'
set_refused "set refuses a value with a backslash" a 'b\c'
set_refused "set refuses a value with a lone quote" a '"b'
set_refused "set refuses a value with LF" a $'b\nc'
set_refused "set refuses a value with CR" a $'b\rc'
set_refused "set refuses a value with a tab" a $'b\tc'
set_refused "set refuses a non-ascii value" a $'\xc3\xa9'
set_refused "set refuses name+value over 4096 bytes" a "$(head -c 4096 /dev/zero | tr '\0' v)"
set_eq "set accepts name+value of exactly 4096 bytes" "a=$(head -c 4095 /dev/zero | tr '\0' v)" \
    a "$(head -c 4095 /dev/zero | tr '\0' v)"
set_refused "set refuses a path without leading slash" a b --path p
set_refused "set refuses an empty path" a b --path ''
set_refused "set refuses a path with a semicolon" a b --path '/a;b'
set_refused "set refuses a path with CR LF" a b --path $'/a\r\nX: y'
set_refused "set refuses a path over 1024 bytes" a b --path "/$(head -c 1024 /dev/zero | tr '\0' p)"
set_refused "set refuses an empty domain" a b --domain ''
set_refused "set refuses a domain with a trailing dot" a b --domain example.com.
set_refused "set refuses a domain with a semicolon" a b --domain 'a.com; Path=/'
set_refused "set refuses a domain with an underscore" a b --domain a_b.com
set_refused "set refuses a domain label over 63" a b --domain "$(head -c 64 /dev/zero | tr '\0' a).com"
set_refused "set refuses a non-ascii domain" a b --domain $'\xc3\xa9.com'
set_refused "set refuses SameSite=None without Secure" a b --samesite None
set_refused "set refuses Partitioned without Secure" a b --partitioned
set_refused "set refuses __Secure- without Secure" __Secure-a b
set_refused "set refuses __Host- without Secure" __Host-a b --path /
set_refused "set refuses __Host- with Domain" __Host-a b --path / --secure --domain example.com
set_refused "set refuses __Host- without Path" __Host-a b --secure
set_refused "set refuses __Host- with another Path" __Host-a b --secure --path /p
set_refused "set refuses a lower-case __host- without Secure" __host-a b --path /
set_refused "set refuses an unknown option" a b --bogus
set_refused "set refuses a third word (single-dash words are words)" a b -x
set_refused "set refuses an option without its value" a b --path
set_refused "set refuses a flag with a value" a b --secure=yes
set_refused "set refuses a non-numeric max-age" a b --max-age abc
set_refused "set refuses a fractional max-age" a b --max-age 1.5
set_refused "set refuses an overflowing max-age" a b --max-age 99999999999999999999
set_refused "set refuses a max-age past year 9999" a b --max-age 9000000000000
set_refused "set refuses an unknown samesite" a b --samesite Sometimes
set_refused "set refuses an empty samesite" a b --samesite ''
set_refused "set refuses a malformed expires" a b --expires 'tomorrow'
set_refused "set refuses an RFC 850 expires" a b --expires 'Sunday, 06-Nov-94 08:49:37 GMT'
set_refused "set refuses an expires with the wrong weekday" a b --expires 'Mon, 06 Nov 1994 08:49:37 GMT'
set_refused "set refuses an expires before 1601" a b --expires 'Sat, 01 Jan 1600 00:00:00 GMT'
set_refused "set refuses a missing value" a
set_refused "set refuses extra words" a b c
set_refused "set with no arguments" 

run /dev/null cookie
refused "cookie without a subcommand"
run /dev/null cookie frob
refused "cookie with an unknown subcommand"

# ---- against the installed Django (3.2), where the rules coincide ---------------

py=
for cand in "${PYTHON:-}" /usr/bin/python3 python3; do
	[ -n "$cand" ] || continue
	if "$cand" -c 'import django' 2>/dev/null; then
		py=$cand
		break
	fi
done
if [ -z "$py" ]; then
	echo "# skipped: no python3 that imports django (install python3-django)"
else
	cat >"$T/dj.py" <<'PY'
import random, subprocess, sys
from unittest import mock

import django
from django.conf import settings
settings.configure(USE_TZ=True)
django.setup()
from django.http import HttpResponse
from django.http.cookie import parse_cookie

csess = sys.argv[1]
rng = random.Random(int(sys.argv[2]))

def run(args, stdin=b""):
    p = subprocess.run([csess] + args, input=stdin, capture_output=True)
    return p.returncode, p.stdout

def report(ok, name, detail=""):
    print("%s\t%s\t%s" % ("PASS" if ok else "FAIL", name, detail.replace("\n", " ")))

# set_cookie: the same arguments give the same bytes.  Values are kept to
# the characters Django 3.2 leaves unquoted (it wraps others in quotes).
legal = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~:"
fails = 0
for i in range(150):
    name = "".join(rng.choice(legal[:-1]) for _ in range(rng.randint(1, 12)))
    if name.lower() in ("expires", "path", "comment", "domain", "max-age",
                        "secure", "httponly", "version", "samesite"):
        continue
    value = "".join(rng.choice(legal) for _ in range(rng.randint(0, 20)))
    kw, args = {}, []
    path = rng.choice([None, "/", "/p", "/a/b"])
    kw["path"] = path
    if path:
        args += ["--path", path]
    if rng.random() < 0.4:
        kw["domain"] = rng.choice(["example.com", ".example.com", "a.b-c.example"])
        args += ["--domain", kw["domain"]]
    secure = rng.random() < 0.5
    if secure:
        kw["secure"] = True
        args.append("--secure")
    if rng.random() < 0.5:
        kw["httponly"] = True
        args.append("--httponly")
    ss = rng.choice([None, "Lax", "Strict"] + (["None"] if secure else []))
    if ss:
        kw["samesite"] = ss
        args += ["--samesite", ss]
    if rng.random() < 0.3:
        kw["expires"] = "Sun, 06 Nov 1994 08:49:37 GMT"
        args += ["--expires", kw["expires"]]
    max_age = rng.choice([None, 0, 60, 3600, 1209600])
    if max_age is not None:
        kw["max_age"] = max_age
        args += ["--max-age", str(max_age)]
    # Options first, then "--": a name or value may itself start with "--".
    args += ["--", name, value]
    rc, out = run(["cookie", "set"] + args)
    got = out.decode().rstrip("\n")
    now = None
    if max_age is not None and "expires" not in kw:
        # csess used its own clock: read it back, give Django the same.
        import email.utils
        if "expires=" not in got:
            fails += 1
            report(False, "set_cookie with max-age: %r" % args, "exit %d, %r" % (rc, got))
            continue
        exp = got.split("expires=")[1].split(";")[0]
        now = email.utils.parsedate_to_datetime(exp).timestamp() - max_age
    r = HttpResponse()
    with mock.patch("time.time", return_value=now if now is not None else 0):
        r.set_cookie(name, value, **kw)
    want = r.cookies[name].OutputString()
    if rc != 0 or got != want:
        fails += 1
        if fails <= 5:
            report(False, "set_cookie matches Django: %r" % args, "want %r got %r" % (want, got))
report(fails == 0, "csess cookie set equals Django set_cookie on 150 random cookies", "%d differ" % fails)

# delete_cookie written with the CLI's options.
for name, kw, extra in [
        ("a", {}, []),
        ("__Host-x", {}, ["--secure"]),
        ("a", {"samesite": "None"}, ["--samesite", "None", "--secure"]),
        ("a", {"path": "/x", "domain": "d.com", "samesite": "Lax"},
         ["--domain", "d.com", "--samesite", "Lax"])]:
    r = HttpResponse()
    r.delete_cookie(name, **kw)
    want = r.cookies[name].OutputString()
    rc, out = run(["cookie", "set", name, "", "--max-age", "0", "--expires",
                   "Thu, 01 Jan 1970 00:00:00 GMT", "--path", kw.get("path", "/")] + extra)
    report(rc == 0 and out.decode().rstrip("\n") == want,
           "deletion of %s reads like Django delete_cookie %r" % (name, kw), out.decode())

# parse_cookie: on ASCII input without backslashes or non-blank whitespace
# the two agree once csess's duplicates are folded last-wins as Django does.
# (No TAB inside the random text: a name holding one would make the
# name<TAB>value output ambiguous.  TABs around names and values are
# trimmed by both; the fixed cases below have them.)
alphabet = "abcAB01_-=;;  \",.%"
fails = 0
fixed = ["\ta\t=\t1\t;\tb=2", "a=x\ty", "\t;\t;", "a=\"\t\"", "=\t"]
for i in range(300 + len(fixed)):
    h = fixed[i - 300] if i >= 300 else \
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
    rc, out = run(["cookie", "parse"], h.encode())
    mine = {}
    for line in out.decode().split("\n")[:-1]:
        k, v = line.split("\t", 1)
        mine[k] = v
    want = parse_cookie(h)
    if rc != 0 or mine != want:
        fails += 1
        if fails <= 5:
            report(False, "parse_cookie agrees: %r" % h, "want %r got %r" % (want, mine))
report(fails == 0, "csess cookie parse equals Django parse_cookie (last wins) on 300 random headers", "%d differ" % fails)

# And where csess differs on purpose.
rc, out = run(["cookie", "parse"], "a=1; a=2".encode())
report(out == b"a\t1\na\t2\n" and parse_cookie("a=1; a=2") == {"a": "2"},
       "duplicates: Django keeps the last, csess lists both (first first)")
h = "\u2000__Host-x=1"
rc, out = run(["cookie", "parse"], h.encode())
report("__Host-x" in parse_cookie(h) and out == h.replace("=", "\t").encode() + b"\n",
       "unicode whitespace: Django strips it into __Host-x, csess keeps it")
rc, out = run(["cookie", "parse"], b'a="\\101"')
report(parse_cookie('a="\\101"') == {"a": "A"} and out == b"a\t\\101\n",
       "quoted escapes: Django decodes \\101, csess keeps the bytes")
PY
	seed=${CSESS_COOKIE_SEED:-$RANDOM}
	echo "# django cross-check seed $seed (CSESS_COOKIE_SEED=$seed replays it)"
	"$py" "$T/dj.py" "$CSESS" "$seed" >"$T/dj.out" 2>"$T/dj.err"
	rc=$?
	while IFS=$'\t' read -r status name detail; do
		case "$status" in
		PASS) t_pass "$name" ;;
		FAIL) t_fail "$name" "$detail" ;;
		esac
	done <"$T/dj.out"
	[ "$rc" -eq 0 ] || t_fail "django cross-check ran to the end" "$(tail -3 "$T/dj.err")"
fi

t_done
