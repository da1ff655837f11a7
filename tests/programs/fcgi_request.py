#!/usr/bin/env python3
"""One FastCGI request to a program started on a listening socket, as a
web server makes it: the program (argv[1]) is run with a listening Unix
socket as its stdin (how spawn-fcgi and mod_fcgid start FastCGI programs),
sent one request in the given role with NAME=VALUE params (the rest of
argv) and an empty stdin, and its answer (the CGI-style headers and body)
is printed.  The program is then stopped.

  fcgi_request.py [--role responder|authorizer] [--stdin TEXT | --no-stdin]
                  PROGRAM NAME=VALUE...

--no-stdin sends no FCGI_STDIN record at all, as for an Authorizer the
FastCGI specification has the server send none.
"""
import os
import socket
import struct
import subprocess
import sys
import tempfile

ROLES = {"responder": 1, "authorizer": 2}
BEGIN, END, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7


def record(kind, content, req=1):
    return struct.pack(">BBHHBx", 1, kind, req, len(content), 0) + content


def pair_len(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def params(pairs):
    out = b""
    for name, value in pairs:
        out += pair_len(len(name)) + pair_len(len(value)) + name + value
    return out


def main():
    args = sys.argv[1:]
    role, body, stdin = "responder", b"", True
    while args and args[0].startswith("--"):
        if args[0] == "--role":
            role, args = args[1], args[2:]
        elif args[0] == "--no-stdin":
            stdin, args = False, args[1:]
        elif args[0] == "--stdin":
            body, args = args[1].encode(), args[2:]
        else:
            sys.exit("unknown option " + args[0])
    prog, pairs = args[0], [a.encode().split(b"=", 1) for a in args[1:]]
    d = tempfile.mkdtemp()
    path = os.path.join(d, "s")
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(path)
    ls.listen(1)
    p = subprocess.Popen([prog], stdin=ls.fileno(), stderr=sys.stderr)
    ls.close()
    try:
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.settimeout(10)
        c.connect(path)
        msg = record(BEGIN, struct.pack(">HB5x", ROLES[role], 0))
        msg += record(PARAMS, params(pairs)) + record(PARAMS, b"")
        if body:
            msg += record(STDIN, body)
        if stdin:
            msg += record(STDIN, b"")
        c.sendall(msg)
        out, buf = b"", b""
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 8:
                _, kind, _, n, pad = struct.unpack(">BBHHBx", buf[:8])
                if len(buf) < 8 + n + pad:
                    break
                if kind == STDOUT:
                    out += buf[8:8 + n]
                elif kind == STDERR:
                    sys.stderr.buffer.write(buf[8:8 + n])
                elif kind == END:
                    sys.stdout.buffer.write(out)
                    return 0
                buf = buf[8 + n + pad:]
        sys.stdout.buffer.write(out)
        return 1
    finally:
        p.terminate()
        p.wait()
        os.unlink(path)
        os.rmdir(d)


if __name__ == "__main__":
    sys.exit(main())
