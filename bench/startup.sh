#!/usr/bin/env bash
# Whole-process CPU of one CGI request, side by side with a hello-world C CGI:
# the protected page with a logged-in LMDB session (the path that must stay
# free of libcrypto), the same page anonymous (a redirect), the login form,
# and a login POST's first half (it loads libcrypto for the password), and
# the gate (cgi-bin/gate as CGI) logged in and anonymous: its target is
# 1.25x hello at most.
# CPU is user+sys of the children (getrusage), rounds interleaved so machine
# noise hits every command alike; each figure is the median over rounds.  Prints microseconds and ratios to hello.
set -eu
cd "$(dirname "$0")/.."
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
N=${N:-300}

cat > "$T/hello.c" <<'C'
#include <stdio.h>
int main(void) { fputs("Status: 200 OK\r\nContent-Type: text/html\r\n\r\nhello\n", stdout); return 0; }
C
cc -O2 -o "$T/hello" "$T/hello.c"

export CSESS_SESSION_STORE=$T/sessions.mdb CSESS_SESSION_SYNC=none
export CSESS_SECRET_KEY=bench-startup-secret-bench-startup-secret-0123456789
export CSESS_PASSWORD_ITERATIONS=1000
echo pw | bin/csess user add bench

# Log in once through the CGI program to get a real session.
get=$(REQUEST_METHOD=GET REQUEST_URI=/login cgi-bin/login </dev/null)
csrf=$(printf '%s\n' "$get" | sed -n 's/^Set-Cookie: csrftoken=\([^;]*\);.*/\1/p')
tc=$(printf '%s\n' "$get" | sed -n 's/^Set-Cookie: sessionid_test=\([^;]*\);.*/\1/p')
printf 'username=bench&password=pw&csrfmiddlewaretoken=%s' "$csrf" > "$T/body"
post=$(REQUEST_METHOD=POST REQUEST_URI=/login HTTP_COOKIE="csrftoken=$csrf; sessionid_test=$tc" \
	CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=$(stat -c %s "$T/body") \
	cgi-bin/login < "$T/body")
sid=$(printf '%s\n' "$post" | sed -n 's/^Set-Cookie: sessionid=\([^;]*\);.*/\1/p')
[ -n "$sid" ] || { echo "bench/startup.sh: login failed" >&2; exit 1; }

python3 - "$N" "$T" "$sid" "$csrf" <<'PY'
import os, resource, statistics, subprocess, sys
n, T, sid, csrf = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
base = dict(os.environ, REQUEST_URI="/protected", SERVER_PORT="80", HTTP_HOST="localhost")
cases = [
    ("hello-world C CGI", [f"{T}/hello"], dict(base, REQUEST_METHOD="GET")),
    ("protected, logged in (LMDB)", ["cgi-bin/protected"],
     dict(base, REQUEST_METHOD="GET", HTTP_COOKIE=f"sessionid={sid}; csrftoken={csrf}")),
    ("protected, anonymous", ["cgi-bin/protected"], dict(base, REQUEST_METHOD="GET")),
    ("login form (GET)", ["cgi-bin/login"], dict(base, REQUEST_METHOD="GET", REQUEST_URI="/login")),
    ("gate, logged in", ["cgi-bin/gate"],
     dict(base, REQUEST_METHOD="GET", REQUEST_URI="/private/x", HTTP_COOKIE=f"sessionid={sid}; csrftoken={csrf}")),
    ("gate, anonymous", ["cgi-bin/gate"], dict(base, REQUEST_METHOD="GET", REQUEST_URI="/private/x")),
]
devnull = open(os.devnull, "wb")
rounds = 10
per = n // rounds
samples = {name: [] for name, _, _ in cases}
for _ in range(rounds):
    for name, cmd, env in cases:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        for _ in range(per):
            subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=devnull, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        samples[name].append(((after.ru_utime - before.ru_utime) +
                              (after.ru_stime - before.ru_stime)) / per)
med = {name: statistics.median(v) for name, v in samples.items()}
hello = med[cases[0][0]]
print(f"CPU per request (user+sys; median of {rounds} interleaved rounds of {per} runs each):")
for name, _, _ in cases:
    print(f"  {name:32s} {med[name] * 1e6:8.0f} us   {med[name] / hello:5.2f}x hello")
out = os.environ.get("BENCH_OUT")
if out:
    with open(os.path.join(out, "metrics"), "a") as f:
        f.write("gate_cgi_vs_hello\t%.2f\n" % (med["gate, logged in"] / hello))
        f.write("protected_cgi_vs_hello\t%.2f\n" % (med["protected, logged in (LMDB)"] / hello))
PY
