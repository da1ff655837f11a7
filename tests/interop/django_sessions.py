"""Differential test of sessions: random request sequences run through
Django's SessionStore + SessionMiddleware and through csess's (the driver
built from session_driver.c), with the clock pinned to the same second on
both sides.  Compared per request: each operation's result, the view's
accessed/modified/empty flags and data, the status, the Set-Cookie
attribute sets and values, and Vary.

Django 3.2 is adjusted only where lib/csess/session.h documents that csess
follows later Django or differs on purpose (see CsessMiddleware and
patch_django): 4.2's ISO-8601 _session_expiry and no save on any 5xx,
5.2.14's Vary: Cookie with every session cookie, csess's key shape, a
signed_cookies cookie that does not verify reading as no session, and a
gone record under save-every-request deleting the cookie.

Usage: django_sessions.py DRIVER [SEED] [COUNT]; prints TAB-separated
SEED / PASS / FAIL lines for django_sessions.sh.
"""
import datetime
import json
import os
import random
import re
import subprocess
import sys
import time

SECRET = "interop-" + "k" * 40
KEYCHARS = "abcdefghijklmnopqrstuvwxyz0123456789"

NOW = [1700000000]
time.time = lambda: float(NOW[0])

import django
from django.conf import settings

settings.configure(
    SECRET_KEY=SECRET,
    USE_TZ=True,
    INSTALLED_APPS=["django.contrib.sessions"],
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    SESSION_ENGINE="django.contrib.sessions.backends.cache",
)
django.setup()

from django.contrib.sessions.backends import base as sbase
from django.contrib.sessions.backends import cache as scache
from django.contrib.sessions.backends import signed_cookies as ssigned
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date

UTC = datetime.timezone.utc
timezone.now = lambda: datetime.datetime.fromtimestamp(NOW[0], UTC)


# ---- Django 4.2's expiry (csess stores an absolute expiry as ISO-8601) ----

def set_expiry(self, value):
    if value is None:
        try:
            del self["_session_expiry"]
        except KeyError:
            pass
        return
    if isinstance(value, datetime.timedelta):
        value = timezone.now() + value
    if isinstance(value, datetime.datetime):
        value = value.isoformat()
    self["_session_expiry"] = value


def get_expiry_age(self, **kw):
    modification = kw.get("modification") or timezone.now()
    expiry = kw["expiry"] if "expiry" in kw else self.get("_session_expiry")
    if not expiry:
        return self.get_session_cookie_age()
    if not isinstance(expiry, (datetime.datetime, str)):
        return expiry
    if isinstance(expiry, str):
        expiry = datetime.datetime.fromisoformat(expiry)
    delta = expiry - modification
    return delta.days * 86400 + delta.seconds


def get_expiry_date(self, **kw):
    modification = kw.get("modification") or timezone.now()
    expiry = kw["expiry"] if "expiry" in kw else self.get("_session_expiry")
    if isinstance(expiry, datetime.datetime):
        return expiry
    if isinstance(expiry, str):
        return datetime.datetime.fromisoformat(expiry)
    expiry = expiry or self.get_session_cookie_age()
    return modification + datetime.timedelta(seconds=expiry)


sbase.SessionBase.set_expiry = set_expiry
sbase.SessionBase.get_expiry_age = get_expiry_age
sbase.SessionBase.get_expiry_date = get_expiry_date


def csess_key_shape(self, key):
    # csess: a key must have its own shape (session.h, KEYS).
    return bool(key) and len(key) == 32 and all(c in KEYCHARS for c in key)


class CacheStore(scache.SessionStore):
    _validate_session_key = csess_key_shape

    def clear(self):
        self._csess_unloaded_clear = not hasattr(self, "_session_cache")
        super().clear()

    def csess_presave(self):
        # csess: clear() before any load, and the record is gone: the
        # save issues a fresh key (session.h, KEYS); Django raises
        # UpdateError (400).
        if (getattr(self, "_csess_unloaded_clear", False)
                and self.session_key and not self.exists(self.session_key)):
            self._session_key = None

    # Keep Django's key salt and cache prefix despite the subclass.
    __qualname__ = "SessionStore"


SIGNED_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:.")


class SignedStore(ssigned.SessionStore):
    __qualname__ = "SessionStore"

    def _validate_session_key(self, key):
        return bool(key) and 8 <= len(key) <= 4096 and set(key) <= SIGNED_CHARS

    def load(self):
        # csess: a cookie that does not verify reads as no session (it is
        # then deleted), where Django signs a fresh empty one.
        try:
            return sbase.signing.loads(
                self.session_key, serializer=self.serializer,
                max_age=self.get_session_cookie_age(),
                salt="django.contrib.sessions.backends.signed_cookies")
        except Exception:
            self._session_key = None
        return {}


class SessionInterrupted(Exception):
    pass


class CsessMiddleware(SessionMiddleware):
    """SessionMiddleware of 5.2.14 (5xx, Vary), plus csess's handling of a
    gone record under save-every-request."""

    def process_response(self, request, response):
        s = request.session
        if (settings.SESSION_SAVE_EVERY_REQUEST and s.session_key
                and not hasattr(s, "_session_cache")
                and response.status_code < 500):
            # csess loads to learn whether the record is still there
            # (the flags are read before, as Django does).
            was = s.accessed
            s._get_session()
            s.accessed = was
        accessed = s.accessed
        modified = s.modified
        empty = s.is_empty()
        if settings.SESSION_COOKIE_NAME in request.COOKIES and empty:
            response.delete_cookie(
                settings.SESSION_COOKIE_NAME,
                path=settings.SESSION_COOKIE_PATH,
                domain=settings.SESSION_COOKIE_DOMAIN,
                samesite=settings.SESSION_COOKIE_SAMESITE)
            patch_vary_headers(response, ("Cookie",))
            return response
        if accessed:
            patch_vary_headers(response, ("Cookie",))
        if (modified or settings.SESSION_SAVE_EVERY_REQUEST) and not empty:
            if s.get_expire_at_browser_close():
                max_age = None
                expires = None
            else:
                max_age = s.get_expiry_age()
                expires = http_date(time.time() + max_age)
            if response.status_code < 500:
                try:
                    # csess does not write again what the view wrote and
                    # did not change since (session.h); Django does.
                    if not getattr(s, "_csess_written", False):
                        getattr(s, "csess_presave", lambda: None)()
                        s.save()
                except UpdateError:
                    # Django's 400 is a new response; csess's keeps the
                    # view's headers and the Vary: Cookie already added
                    # (session.h).
                    r = HttpResponse(status=400)
                    if response.has_header("Vary"):
                        r["Vary"] = response["Vary"]
                    if accessed:
                        patch_vary_headers(r, ("Cookie",))
                    return r
                response.set_cookie(
                    settings.SESSION_COOKIE_NAME, s.session_key,
                    max_age=max_age, expires=expires,
                    domain=settings.SESSION_COOKIE_DOMAIN,
                    path=settings.SESSION_COOKIE_PATH,
                    secure=settings.SESSION_COOKIE_SECURE or None,
                    httponly=settings.SESSION_COOKIE_HTTPONLY or None,
                    samesite=settings.SESSION_COOKIE_SAMESITE)
                patch_vary_headers(response, ("Cookie",))
        return response


# ---- operations ------------------------------------------------------

# Operations after which csess counts the session as changed since it was
# last written (the change log); the second element tells whether the
# key must have existed (True), been absent (False) or either (None).
CHANGES = {"set": None, "update": None, "clear": None, "flush": None,
           "expiry": None, "expiry_at": None, "set_test": None,
           "del": True, "pop": True, "popd": True, "del_test": True,
           "setdefault": False, "expiry_none": True}
KEY_OF = {"del_test": "testcookie", "expiry_none": "_session_expiry"}


def run_op(s, o):
    name = o[0]
    if name in CHANGES:
        need = CHANGES[name]
        k = KEY_OF.get(name, o[1] if len(o) > 1 and isinstance(o[1], str) else None)
        if need is None or (k in s._session) == need:
            s._csess_written = False
    r = run_op1(s, o)
    if name in ("save", "cycle") and r is None:
        s._csess_written = True
    return r


def run_op1(s, o):
    name, args = o[0], o[1:]
    try:
        if name == "get":
            return s[args[0]]
        if name == "getd":
            return s.get(args[0], args[1])
        if name == "contains":
            return args[0] in s
        if name == "set":
            s[args[0]] = args[1]
            return None
        if name == "setdefault":
            return s.setdefault(args[0], args[1])
        if name == "pop":
            return s.pop(args[0])
        if name == "popd":
            return s.pop(args[0], args[1])
        if name == "del":
            del s[args[0]]
            return None
        if name == "update":
            s.update(args[0])
            return None
        if name == "clear":
            s.clear()
            return None
        if name == "flush":
            s.flush()
            return None
        if name == "cycle":
            s.cycle_key()
            return None
        if name == "save":
            # csess loads first: a key with no record is dropped there and
            # the save issues a fresh one (session.h, KEYS), where Django's
            # save of an unloaded session raises UpdateError.
            s._get_session()
            getattr(s, "csess_presave", lambda: None)()
            s.save()
            return None
        if name == "expiry":
            s.set_expiry(args[0])
            return None
        if name == "expiry_none":
            s.set_expiry(None)
            return None
        if name == "expiry_at":
            s.set_expiry(datetime.datetime.fromtimestamp(args[0], UTC))
            return None
        if name == "age":
            return s.get_expiry_age()
        if name == "date":
            return int(s.get_expiry_date().timestamp())
        if name == "close":
            return s.get_expire_at_browser_close()
        if name == "set_test":
            s.set_test_cookie()
            return None
        if name == "test_worked":
            return s.test_cookie_worked()
        if name == "del_test":
            s.delete_test_cookie()
            return None
        if name == "keys":
            return list(s.keys())
        if name == "len":
            return len(s._session)
        if name == "key":
            return s.session_key
        if name == "state":
            return {"accessed": s.accessed, "modified": s.modified,
                    "empty": s.is_empty()}
    except KeyError:
        return "KeyError"
    except UpdateError:
        s._csess_interrupted = True
        return "error"
    raise ValueError(name)


def django_request(env, cookie_header, ops, status, https, vary):
    """Run one request through Django; returns the same shape as the driver."""
    rf = RequestFactory()
    extra = {}
    if cookie_header is not None:
        extra["HTTP_COOKIE"] = cookie_header
    req = rf.get("/page", secure=https, **extra)
    out = {}

    def view(request):
        s = request.session
        out["results"] = [run_op(s, o) for o in ops]
        out["view"] = {"accessed": s.accessed, "modified": s.modified,
                       "empty": s.is_empty()}
        if s.accessed:
            out["view"]["data"] = dict(s._session_cache)
        resp = HttpResponse("ok", status=status)
        if vary:
            resp["Vary"] = vary
        return resp

    mw = CsessMiddleware(view)
    mw.SessionStore = (SignedStore if "signed" in settings.SESSION_ENGINE
                       else CacheStore)
    try:
        resp = mw(req)
    except SessionInterrupted:
        resp = HttpResponse(status=400)
    cookies = []
    for m in resp.cookies.values():
        cookies.append(m.output(header="").strip())
    out["status"] = resp.status_code
    out["cookies"] = cookies
    out["vary"] = resp.get("Vary")
    return out


def parse_raw(raw):
    status, cookies, vary = 200, [], None
    head = raw.split("\r\n\r\n", 1)[0].split("\n\n", 1)[0]
    for line in head.replace("\r\n", "\n").split("\n"):
        if line.startswith("Status: "):
            status = int(line[8:].split()[0])
        elif line.lower().startswith("set-cookie: "):
            cookies.append(line[12:])
        elif line.lower().startswith("vary: "):
            vary = line[6:]
    return status, cookies, vary


def cookie_parts(c):
    """name, value and the attribute set of a Set-Cookie value."""
    parts = [p.strip() for p in c.split(";")]
    name, _, value = parts[0].partition("=")
    if value.startswith('"') and value.endswith('"'):
        value = value[1:-1]
    attrs = set()
    for p in parts[1:]:
        k, eq, v = p.partition("=")
        if k.lower() == "max-age" and v.startswith("-"):
            v = "0"     # csess clamps (session.h)
        attrs.add((k.lower(), v) if eq else (k.lower(),))
    return name, value, attrs


# ---- random scenarios ------------------------------------------------

NAMES = ["a", "b", "cart", "testcookie", "_auth_user_id", "n\u00e9"]


def rand_value(r, depth=0):
    c = r.randrange(10 if depth < 2 else 7)
    if c == 0:
        return r.randrange(-10**6, 10**6)
    if c == 1:
        return r.choice(["", "x", "w\u00f6rld", "a\"b\\c", "<&>", "\U0001f600", "worked"])
    if c == 2:
        return r.choice([True, False, None])
    if c == 3:
        return r.choice([0.1, 1.5, -0.0, 1e20, 1e-7, 123456789.125, 2.0**60])
    if c == 4:
        return r.choice([2**53 + 1, -2**63, 2**63 - 1])
    if c in (5, 6):
        return r.choice(["v", "1", "long " * 20])
    if c in (7, 8):
        return [rand_value(r, depth + 1) for _ in range(r.randrange(3))]
    return {r.choice(NAMES): rand_value(r, depth + 1) for _ in range(r.randrange(3))}


def rand_op(r, now):
    k = r.choice(NAMES)
    c = r.randrange(30)
    if c < 5:
        return ["set", k, rand_value(r)]
    if c < 7:
        return ["get", k]
    if c < 8:
        return ["getd", k, rand_value(r)]
    if c < 9:
        return ["contains", k]
    if c < 10:
        return ["setdefault", k, rand_value(r)]
    if c < 11:
        return ["pop", k]
    if c < 12:
        return ["popd", k, rand_value(r)]
    if c < 13:
        return ["del", k]
    if c < 14:
        return ["update", {r.choice(NAMES): rand_value(r) for _ in range(r.randrange(3))}]
    if c < 15:
        return [r.choice(["clear", "flush", "cycle", "save"])]
    if c < 16:
        return ["expiry", r.choice([0, 1, 60, 300, 3600, 100000])]
    if c < 17:
        return ["expiry_none"]
    if c < 18:
        return ["expiry_at", now + r.choice([-100, 0, 1, 90, 7200])]
    if c < 21:
        return [r.choice(["age", "date", "close"])]
    if c < 24:
        return [r.choice(["set_test", "test_worked", "del_test"])]
    if c < 26:
        return [r.choice(["keys", "len", "key"])]
    if c < 27:
        return ["state"]
    if c < 28:
        # _session_expiry as Django 3.2 (int) and 4.2+ (ISO) write it.
        at = datetime.datetime.fromtimestamp(now + r.choice([-30, 5, 90, 7200]), UTC)
        return ["set", "_session_expiry", r.choice([
            r.choice([-5, 0, 45, 100000]),
            (at + datetime.timedelta(microseconds=473466)).isoformat(),
            at.astimezone(datetime.timezone(datetime.timedelta(hours=2))).isoformat(),
        ])]
    return ["get", k]


def rand_config(r):
    cfg = {"engine": r.choice(["signed_cookies", "lmdb"])}
    cfg["name"] = r.choice(["sessionid", "sessionid", "sid", "__Host-s"])
    cfg["age"] = r.choice([1209600, 3600, 120, 1])
    cfg["domain"] = r.choice([None, None, ".ex.com"]) if cfg["name"] != "__Host-s" else None
    cfg["path"] = r.choice(["/", "/", "/app"]) if cfg["name"] != "__Host-s" else "/"
    cfg["secure"] = r.choice([False, True]) or cfg["name"] == "__Host-s"
    cfg["httponly"] = r.choice([True, True, False])
    cfg["samesite"] = r.choice(["Lax", "Lax", "Strict", "None", None])
    if cfg["samesite"] == "None":
        cfg["secure"] = True
    cfg["every"] = r.random() < 0.3
    cfg["close"] = r.random() < 0.2
    return cfg


def apply_config(cfg, storepath):
    settings.SESSION_ENGINE = ("django.contrib.sessions.backends.signed_cookies"
                               if cfg["engine"] == "signed_cookies" else
                               "django.contrib.sessions.backends.cache")
    settings.SESSION_COOKIE_NAME = cfg["name"]
    settings.SESSION_COOKIE_AGE = cfg["age"]
    settings.SESSION_COOKIE_DOMAIN = cfg["domain"]
    settings.SESSION_COOKIE_PATH = cfg["path"]
    settings.SESSION_COOKIE_SECURE = cfg["secure"]
    settings.SESSION_COOKIE_HTTPONLY = cfg["httponly"]
    settings.SESSION_COOKIE_SAMESITE = cfg["samesite"]
    settings.SESSION_SAVE_EVERY_REQUEST = cfg["every"]
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = cfg["close"]
    env = [
        "CSESS_SECRET_KEY=" + SECRET,
        "CSESS_SESSION_ENGINE=" + cfg["engine"],
        "CSESS_SESSION_STORE=" + storepath,
        "CSESS_SESSION_COOKIE_NAME=" + cfg["name"],
        "CSESS_SESSION_COOKIE_AGE=%d" % cfg["age"],
        "CSESS_SESSION_COOKIE_PATH=" + cfg["path"],
        "CSESS_SESSION_COOKIE_SECURE=%s" % ("true" if cfg["secure"] else "false"),
        "CSESS_SESSION_COOKIE_HTTPONLY=%s" % ("true" if cfg["httponly"] else "false"),
        "CSESS_SESSION_COOKIE_SAMESITE=" + (cfg["samesite"] or ""),
        "CSESS_SESSION_SAVE_EVERY_REQUEST=%s" % ("true" if cfg["every"] else "false"),
        "CSESS_SESSION_EXPIRE_AT_BROWSER_CLOSE=%s" % ("true" if cfg["close"] else "false"),
    ]
    # The touch interval is about LMDB writes (session.h); signed cookies
    # are re-signed on every response whatever it is, so they keep the
    # default.
    if cfg["engine"] != "signed_cookies":
        env.append("CSESS_SESSION_TOUCH_INTERVAL=0")
    if cfg["domain"]:
        env.append("CSESS_SESSION_COOKIE_DOMAIN=" + cfg["domain"])
    return env


class Keys:
    """Random session keys (lmdb vs Django's cache) compared by order of
    appearance on each side."""

    def __init__(self):
        self.maps = ({}, {})

    def mask(self, side, obj):
        if isinstance(obj, str) and len(obj) == 32 and all(c in KEYCHARS for c in obj):
            m = self.maps[side]
            m.setdefault(obj, "K%d" % len(m))
            return m[obj]
        if isinstance(obj, list):
            return [self.mask(side, x) for x in obj]
        if isinstance(obj, dict):
            return {k: self.mask(side, v) for k, v in obj.items()}
        return obj


def normalise(out, keys, side, engine):
    cookies = []
    for c in out["cookies"]:
        name, value, attrs = cookie_parts(c)
        if engine != "signed_cookies":
            value = keys.mask(side, value)
        cookies.append((name, value, sorted(attrs, key=repr)))
    vary = out["vary"]
    return {
        "status": out["status"],
        "results": keys.mask(side, out["results"]) if engine != "signed_cookies" else out["results"],
        "view": out["view"],
        "cookies": cookies,
        "vary": vary,
    }


def jar_update(jar, cookies, name):
    for c in cookies:
        n, value, attrs = cookie_parts(c)
        if n != name:
            continue
        if ("max-age", "0") in attrs:
            jar.pop(n, None)
        else:
            jar[n] = value


def main():
    driver = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else random.randrange(1 << 30)
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    storedir = os.environ.get("T", "/tmp")
    print("SEED\t%d" % seed, flush=True)
    r = random.Random(seed)
    proc = subprocess.Popen([driver], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, bufsize=1)
    fails = 0
    for n in range(count):
        cfg = rand_config(r)
        storepath = os.path.join(storedir, "s%d.mdb" % n)
        env = apply_config(cfg, storepath)
        cache.clear()
        keys = Keys()
        jars = ({}, {})
        NOW[0] = 1700000000 + r.randrange(10**6)
        https = cfg["secure"] and r.random() < 0.5
        log = []
        bad = None
        for step in range(r.randrange(1, 5)):
            NOW[0] += r.choice([0, 1, 30, 119, 121, 4000])
            ops = [rand_op(r, NOW[0]) for _ in range(r.randrange(0, 7))]
            status = r.choice([200, 200, 200, 302, 404, 500, 503])
            tamper = r.random() < 0.08
            how = r.randrange(8)
            headers = []
            for side in (0, 1):
                jar = dict(jars[side])
                if tamper:
                    # The same damage to each side's own cookie.
                    cur = jars[side].get(cfg["name"], "k" * 32)
                    jar[cfg["name"]] = ["x" * 32, "short", "e30:1abc:bad", "A" * 40,
                                        "", '"%s"' % cur, cur + "x", cur[:-1]][how]
                headers.append(jar)
            dup = not tamper and jars[0] and r.random() < 0.1
            hdr = [("; ".join("%s=%s" % kv for kv in h.items()) or None) for h in headers]
            if dup:
                # Of duplicate names Django takes the last; csess the first
                # that names a live session, else the last (session.h):
                # with the real cookie last both read it, live or not.
                junk = "%s=%s" % (cfg["name"], r.choice(["junk", "x" * 32]))
                hdr = ["%s; %s" % (junk, hdr[0]), "%s; %s" % (junk, hdr[1])]
            vary = r.choice([None] * 6 + ["Accept-Encoding", "cookie", "*", "Origin, Cookie"])
            d = django_request(env, hdr[0], ops, status, https, vary)
            cgi = ["REQUEST_METHOD=GET", "REQUEST_URI=/page", "SERVER_NAME=testserver"]
            if https:
                cgi.append("HTTPS=on")
            if hdr[1] is not None:
                cgi.append("HTTP_COOKIE=" + hdr[1])
            proc.stdin.write(json.dumps({"now": NOW[0], "config": env, "cgi": cgi,
                                         "status": status, "ops": ops,
                                         "vary": vary}) + "\n")
            line = proc.stdout.readline()
            if not line:
                print("FAIL\tdriver died\t", flush=True)
                return 1
            c = json.loads(line)
            st, ck, vary = parse_raw(c["raw"])
            c = {"results": c["results"], "view": c.get("view"), "status": st,
                 "cookies": ck, "vary": vary}
            nd = normalise(d, keys, 0, cfg["engine"])
            nc = normalise(c, keys, 1, cfg["engine"])
            log.append({"now": NOW[0], "cookie": hdr, "ops": ops, "status": status,
                        "vary": vary})
            if nd != nc:
                bad = (nd, nc)
                break
            jar_update(jars[0], d["cookies"], cfg["name"])
            jar_update(jars[1], ck, cfg["name"])
        name = "scenario %d (%s%s)" % (n, cfg["engine"], ", every" if cfg["every"] else "")
        if bad is None:
            print("PASS\t%s" % name, flush=True)
        else:
            fails += 1
            detail = json.dumps({"cfg": cfg, "https": https, "requests": log,
                                 "django": bad[0], "csess": bad[1]})
            print("FAIL\t%s\t%s" % (name, detail), flush=True)
    proc.stdin.close()
    proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
