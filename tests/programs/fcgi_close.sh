#!/usr/bin/env bash
# How a FastCGI worker ends a connection.  A responder whose request has
# been read to its end closes at once: a server that keeps its side open
# (or is slow to close it) must not hold the worker, which would stall
# the next request for libfcgi's 2 s close wait.  A small body the
# program did not read is read and dropped first; a large unread body
# keeps the graceful close.  Every answer arrives whole either way.
source "$(dirname "$0")/../lib/harness.sh"

export CSESS_SESSION_STORE=$T/store/sessions.mdb CSESS_SESSION_SYNC=none
export CSESS_SECRET_KEY=programs-close-test-secret-programs-close-test-01234
unset CSESS_CONFIG

python3 - "$ROOT/fcgi/hello" "$T/s" > "$T/out" 2>&1 <<'PY'
import os, socket, struct, subprocess, sys, time

prog, path = sys.argv[1], sys.argv[2]
BEGIN, END, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6

def record(kind, content):
    return struct.pack(">BBHHBx", 1, kind, 1, len(content), 0) + content

def params(pairs):
    out = b""
    for n, v in pairs:
        out += bytes([len(n)]) + bytes([len(v)]) + n + v
    return out

def request(body=b""):
    pairs = [(b"REQUEST_METHOD", b"GET"), (b"REQUEST_URI", b"/hello"),
             (b"CONTENT_LENGTH", str(len(body)).encode())]
    msg = record(BEGIN, struct.pack(">HB5x", 1, 0))
    msg += record(PARAMS, params(pairs)) + record(PARAMS, b"")
    for i in range(0, len(body), 65535):
        msg += record(STDIN, body[i:i + 65535])
    return msg + record(STDIN, b"")

def answer(c):
    """Reads records up to FCGI_END_REQUEST; the stdout bytes, or None."""
    buf, out = b"", b""
    while True:
        chunk = c.recv(65536)
        if not chunk:
            return None
        buf += chunk
        while len(buf) >= 8:
            _, kind, _, n, pad = struct.unpack(">BBHHBx", buf[:8])
            if len(buf) < 8 + n + pad:
                break
            if kind == STDOUT:
                out += buf[8:8 + n]
            elif kind == END:
                return out
            buf = buf[8 + n + pad:]

def connect():
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(10)
    c.connect(path)
    return c

def whole(out):
    return out is not None and out.startswith(b"Status: 200") and b"</html>" in out

ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ls.bind(path)
ls.listen(4)
p = subprocess.Popen([prog], stdin=ls.fileno())
ls.close()
try:
    # Connection a stays open after its answer; b must not wait for it.
    a = connect()
    a.sendall(request())
    first = answer(a)
    t0 = time.monotonic()
    b = connect()
    b.sendall(request())
    second = answer(b)
    waited = time.monotonic() - t0
    print("kept-open", whole(first) and whole(second), "%.3f" % waited)
    a.close(); b.close()
    # A small body the program does not read (a GET with a body).
    c = connect()
    c.sendall(request(b"x" * 10000))
    print("small-body", whole(answer(c)))
    c.close()
    # A large unread body: answered whole, then closed gracefully.
    d = connect()
    d.sendall(request(b"y" * 200000))
    print("large-body", whole(answer(d)))
    d.close()
    e = connect()
    e.sendall(request())
    print("after", whole(answer(e)))
    e.close()
finally:
    p.terminate()
    p.wait()
PY
kept=$(sed -n 's/^kept-open //p' "$T/out")
t_eq "two answers, each whole, the first connection left open" True "${kept% *}"
waited=${kept#* }
if awk -v w="$waited" 'BEGIN { exit !(w < 1.0) }'; then
	t_pass "the next request is answered at once ($waited s), not after the close wait"
else
	t_fail "the next request is answered at once" "waited $waited s" "$(cat "$T/out")"
fi
t_eq "a small unread body: the answer arrives whole" True "$(sed -n 's/^small-body //p' "$T/out")"
t_eq "a large unread body: the answer arrives whole" True "$(sed -n 's/^large-body //p' "$T/out")"
t_eq "the worker serves on afterwards" True "$(sed -n 's/^after //p' "$T/out")"
t_done
