"""Cross-checks csess's signing against the installed Django, both ways.

Run by tests/interop/django.sh as: python3 django_sign.py /path/to/csess
Prints one line per check: "PASS<TAB>name" or "FAIL<TAB>name<TAB>detail".
Every run draws fresh keys, salts and values; the seed is printed so a
failure can be replayed with CSESS_INTEROP_SEED.
"""
import json
import os
import random
import string
import subprocess
import sys
import time
from unittest import mock

import django
from django.conf import settings

settings.configure(
    SECRET_KEY='placeholder',
    USE_TZ=True,
    DEFAULT_HASHING_ALGORITHM='sha256',
    SESSION_ENGINE='django.contrib.sessions.backends.signed_cookies',
    PASSWORD_HASHERS=[
        'django.contrib.auth.hashers.PBKDF2PasswordHasher',
        'django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher',
    ],
)
django.setup()

from django.contrib.auth.hashers import (  # noqa: E402
    PBKDF2PasswordHasher, PBKDF2SHA1PasswordHasher, check_password)
from django.contrib.sessions.backends.signed_cookies import SessionStore  # noqa: E402
from django.core import signing  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.http.cookie import parse_cookie  # noqa: E402

CSESS = sys.argv[1]
SEED = int(os.environ.get('CSESS_INTEROP_SEED') or random.SystemRandom().randrange(2**32))
rnd = random.Random(SEED)
SESSION_SALT = 'django.contrib.sessions.backends.signed_cookies'


def out(status, name, detail=''):
    detail = detail.replace('\n', ' | ').replace('\t', ' ')
    print('%s\t%s\t%s' % (status, name, detail[:600]), flush=True)


def check(name, cond, detail=''):
    out('PASS' if cond else 'FAIL', name, '' if cond else detail)


def csess(args, key, stdin=None, extra_env=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith('CSESS_')}
    env['CSESS_SECRET_KEY'] = key
    env.update(extra_env or {})
    p = subprocess.run([CSESS] + args, input=stdin, capture_output=True,
                       env=env, text=True)
    return p.returncode, p.stdout[:-1] if p.stdout.endswith('\n') else p.stdout, p.stderr


def rand_text(n, alphabet=None):
    if alphabet is None:
        alphabet = string.ascii_letters + string.digits + ' :.-_!é€ø😀'
    return ''.join(rnd.choice(alphabet) for _ in range(n))


def rand_key():
    # Printable keys with punctuation and, sometimes, non-ASCII.
    extra = 'é€' if rnd.random() < 0.5 else ''
    return rand_text(50, string.ascii_letters + string.digits + '!@#%^&*(-_=+)' + extra)


def tamper(s):
    i = rnd.randrange(len(s) - 5, len(s))
    c = 'A' if s[i] != 'A' else 'B'
    return s[:i] + c + s[i + 1:]


def payload_of(token):
    return token.rsplit(':', 2)[0]


def rand_obj(depth=0):
    r = rnd.random()
    if depth > 2 or r < 0.3:
        return rnd.choice([
            rnd.randrange(-10**12, 10**12), rnd.random() * 10 ** rnd.randrange(-8, 20),
            rand_text(rnd.randrange(0, 12)), True, False, None, 2.5, 1e16, 1e-05, 0.1,
            '\x00\x1f\x7f"\\/\n\t', '😀é\u2028'])
    if r < 0.65:
        return [rand_obj(depth + 1) for _ in range(rnd.randrange(0, 5))]
    return {rand_text(rnd.randrange(1, 8)): rand_obj(depth + 1)
            for _ in range(rnd.randrange(0, 5))}


def objects():
    objs = [rand_obj() for _ in range(4)]
    objs.append({'user': rand_text(10), 'nested': {'list': list(range(50)), 'x': 'é' * 30}})
    objs.append(['compress me ' * 40])
    objs.append({'b': 'é', 'a': [1, 2.5, None, True]})
    objs.append('plain string')
    return objs


def signer_checks(key, tag):
    values = ['hello', rand_text(20), 'a:b:c', rand_text(300), 'é€😀:x']
    for i, v in enumerate(values):
        salt = rand_text(8, string.ascii_letters) if i % 2 else None
        name = '%s signer[%d] salt=%s' % (tag, i, salt)
        sarg = ['--salt', salt] if salt else []
        dj = signing.Signer(key=key, salt=salt).sign(v)
        rc, o, e = csess(['unsign'] + sarg + ['--', dj], key)
        check(name + ': csess unsigns Django', rc == 0 and o == v, '%r %r %r' % (rc, o, e))
        rc, o, e = csess(['sign'] + sarg + ['--', v], key)
        check(name + ': csess signs like Django', rc == 0 and o == dj, '%r %r %r' % (o, dj, e))
        try:
            ok = signing.Signer(key=key, salt=salt).unsign(o) == v
        except signing.BadSignature as ex:
            ok = False
            e = str(ex)
        check(name + ': Django unsigns csess', ok, e)
        rc, o, e = csess(['unsign'] + sarg + ['--', tamper(dj)], key)
        check(name + ': csess refuses tampered', rc == 1, '%r %r' % (rc, o))
        rc, o, e = csess(['unsign', '--salt', 'other-salt', '--', dj], key)
        check(name + ': csess refuses wrong salt', rc == 1, '%r %r' % (rc, o))


def timestamp_checks(key, tag):
    now = time.time()
    for i, v in enumerate(['hello', rand_text(40), 'x:y']):
        salt = rand_text(6, string.ascii_letters) if i % 2 else None
        sarg = ['--salt', salt] if salt else []
        name = '%s timestamp[%d]' % (tag, i)
        with mock.patch('time.time', return_value=now - 100):
            dj = signing.TimestampSigner(key=key, salt=salt).sign(v)
        rc, o, e = csess(['unsign', '--timestamp', '--max-age', '200'] + sarg + ['--', dj], key)
        check(name + ': csess unsigns Django within max_age', rc == 0 and o == v, '%r %r %r' % (rc, o, e))
        rc, o, e = csess(['unsign', '--timestamp', '--max-age', '50'] + sarg + ['--', dj], key)
        check(name + ': csess refuses Django value past max_age', rc == 1 and 'expired' in e, '%r %r' % (rc, e))
        rc, o, e = csess(['sign', '--timestamp'] + sarg + ['--', v], key)
        s = signing.TimestampSigner(key=key, salt=salt)
        with mock.patch('time.time', return_value=time.time() + 100):
            try:
                ok = s.unsign(o, max_age=200) == v
            except signing.BadSignature as ex:
                ok, e = False, str(ex)
            check(name + ': Django unsigns csess within max_age', ok, e)
            try:
                s.unsign(o, max_age=50)
                expired = False
            except signing.SignatureExpired:
                expired = True
            check(name + ': Django refuses csess value past max_age', expired)
        try:
            s.unsign(tamper(o))
            refused = False
        except signing.BadSignature:
            refused = True
        check(name + ': Django refuses tampered csess value', refused)


def dumps_checks(key, tag):
    for i, obj in enumerate(objects()):
        for compress in (False, True):
            salt = rand_text(10, string.ascii_letters) if i % 3 == 1 else None
            sarg = ['--salt', salt] if salt else []
            kw = {'salt': salt} if salt else {}
            name = '%s dumps[%d] compress=%s' % (tag, i, compress)
            want = json.dumps(obj, separators=(',', ':'))
            with mock.patch('time.time', return_value=time.time() - 100):
                dj = signing.dumps(obj, key=key, compress=compress, **kw)
            rc, o, e = csess(['loads', '--max-age', '200'] + sarg + ['--', dj], key)
            check(name + ': csess loads Django', rc == 0 and o == want, '%r %r %r' % (rc, o, e))
            rc, o2, e = csess(['loads', '--max-age', '50'] + sarg + ['--', dj], key)
            check(name + ': csess refuses expired Django token', rc == 1, '%r %r' % (rc, e))
            rc, o, e = csess(['dumps'] + (['--compress'] if compress else []) + sarg +
                             ['--', json.dumps(obj)], key)
            check(name + ': csess payload byte-identical to Django', rc == 0 and
                  payload_of(o) == payload_of(dj), '%r vs %r (%s)' % (o, dj, e))
            try:
                ok = signing.loads(o, key=key, max_age=60, **kw) == obj
            except signing.BadSignature as ex:
                ok, e = False, str(ex)
            check(name + ': Django loads csess', ok, e)
            try:
                signing.loads(tamper(o), key=key, **kw)
                refused = False
            except signing.BadSignature:
                refused = True
            check(name + ': Django refuses tampered csess token', refused)
            rc, o3, e = csess(['loads'] + sarg + ['--', tamper(dj)], key)
            check(name + ': csess refuses tampered Django token', rc == 1, '%r %r' % (rc, o3))


def cookie_checks(key, tag):
    settings.SECRET_KEY = key
    safe = string.ascii_letters + string.digits + '-_.:/!'
    for i in range(4):
        cname = rand_text(rnd.randrange(1, 10), string.ascii_letters)
        value = rand_text(rnd.randrange(1, 40), safe)
        salt = rand_text(6, string.ascii_letters) if i % 2 else ''
        sarg = ['--salt', salt] if salt else []
        name = '%s signed cookie[%d]' % (tag, i)
        resp = HttpResponse()
        with mock.patch('time.time', return_value=time.time() - 100):
            resp.set_signed_cookie(cname, value, salt=salt)
        header = resp.cookies[cname].OutputString().split(';')[0]
        env = {'HTTP_COOKIE': 'other=1; ' + header}
        rc, o, e = csess(['signed-cookie', 'get', cname, '--max-age', '200'] + sarg, key, extra_env=env)
        check(name + ': csess reads Django cookie', rc == 0 and o == value, '%r %r %r' % (rc, o, e))
        rc, o, e = csess(['signed-cookie', 'get', cname, '--max-age', '50'] + sarg, key, extra_env=env)
        check(name + ': csess refuses expired Django cookie', rc == 1, '%r %r' % (rc, e))
        rc, o, e = csess(['signed-cookie', 'get', cname, '--salt', 'wrong'], key, extra_env=env)
        check(name + ': csess refuses cookie under another salt', rc == 1, '%r %r' % (rc, e))
        rc, o, e = csess(['signed-cookie', 'get', 'absent'], key, extra_env=env)
        check(name + ': csess says not found for a missing cookie', rc == 1 and 'not found' in e, '%r %r' % (rc, e))
        rc, o, e = csess(['signed-cookie', 'set', '--path', '/'] + sarg + ['--', cname, value], key)
        if rc != 0:
            check(name + ': csess signed-cookie set', False, '%r %r' % (rc, e))
            continue
        req = HttpRequest()
        req.COOKIES = parse_cookie(o.split(';')[0])
        got = req.get_signed_cookie(cname, default='<refused>', salt=salt, max_age=60)
        check(name + ': Django reads csess cookie', rc == 0 and got == value, '%r %r %r' % (o, got, e))
        with mock.patch('time.time', return_value=time.time() + 100):
            got = req.get_signed_cookie(cname, default='<refused>', salt=salt, max_age=50)
        check(name + ': Django refuses expired csess cookie', got == '<refused>', got)
        got = req.get_signed_cookie(cname, default='<refused>', salt=salt + 'x')
        check(name + ': Django refuses csess cookie under another salt', got == '<refused>', got)
        req.COOKIES = {cname: tamper(req.COOKIES[cname])}
        got = req.get_signed_cookie(cname, default='<refused>', salt=salt)
        check(name + ': Django refuses tampered csess cookie', got == '<refused>', got)


def session_checks(key, tag):
    settings.SECRET_KEY = key
    for i, obj in enumerate(objects()[:5]):
        data = {'_auth_user_id': str(rnd.randrange(1, 10**6)), 'k%d' % i: obj}
        name = '%s signed_cookies session[%d]' % (tag, i)
        s = SessionStore()
        s.update(data)
        with mock.patch('time.time', return_value=time.time() - 100):
            s.save()
        tok = s.session_key
        rc, o, e = csess(['loads', '--salt', SESSION_SALT, '--max-age', '1209600', '--', tok], key)
        check(name + ': csess decodes Django session', rc == 0 and json.loads(o) == data, '%r %r' % (o, e))
        rc, o, e = csess(['dumps', '--compress', '--salt', SESSION_SALT, '--', json.dumps(data)], key)
        check(name + ': csess session cookie payload byte-identical',
              rc == 0 and payload_of(o) == payload_of(tok), '%r vs %r' % (o, tok))
        got = SessionStore(session_key=o).load()
        check(name + ': Django decodes csess session', got == data, repr(got))
        got = SessionStore(session_key=tamper(o)).load()
        check(name + ': Django refuses tampered csess session', got == {}, repr(got))
        with mock.patch('time.time', return_value=time.time() + 1209601):
            got = SessionStore(session_key=o).load()
        check(name + ': Django refuses csess session older than SESSION_COOKIE_AGE', got == {}, repr(got))


def password_checks(key, tag):
    for i in range(3):
        pw = rand_text(rnd.randrange(0, 30))
        salt = rand_text(22, string.ascii_letters + string.digits)
        iters = rnd.randrange(1, 2000)
        name = '%s password[%d] iterations=%d' % (tag, i, iters)
        dj = PBKDF2PasswordHasher().encode(pw, salt, iterations=iters)
        rc, o, e = csess(['password', 'check', dj], key, stdin=pw + '\n')
        check(name + ': csess accepts Django hash', rc == 0, '%r %r' % (rc, e))
        rc, o, e = csess(['password', 'check', dj], key, stdin=pw + 'x\n',
                         extra_env={'CSESS_PASSWORD_ITERATIONS': '1000'})
        check(name + ': csess refuses wrong password', rc == 1, '%r %r' % (rc, e))
        rc, o, e = csess(['password', 'hash', '--iterations', str(iters), '--salt', salt], key, stdin=pw + '\n')
        check(name + ': csess hash identical to Django', rc == 0 and o == dj, '%r %r' % (o, dj))
        rc, o, e = csess(['password', 'hash', '--iterations', str(iters)], key, stdin=pw + '\n')
        check(name + ': Django accepts csess hash (random salt)', rc == 0 and check_password(pw, o), '%r %r' % (o, e))
        check(name + ': Django refuses wrong password on csess hash', not check_password(pw + 'x', o))
        dj1 = PBKDF2SHA1PasswordHasher().encode(pw, salt, iterations=iters)
        rc, o, e = csess(['password', 'check', dj1], key, stdin=pw + '\n')
        check(name + ': csess accepts Django pbkdf2_sha1 hash', rc == 0, '%r %r' % (rc, e))


def default_count_checks(key):
    pw = rand_text(16)
    rc, o, e = csess(['password', 'hash'], key, stdin=pw + '\n')
    check('password at the default count (%s): Django accepts csess hash' % o.split('$')[1:2],
          rc == 0 and o.startswith('pbkdf2_sha256$600000$') and check_password(pw, o), '%r %r' % (o, e))
    dj = PBKDF2PasswordHasher().encode(pw, PBKDF2PasswordHasher().salt())
    rc, o, e = csess(['password', 'check', dj], key, stdin=pw + '\n')
    check("password at Django's default count: csess accepts Django hash", rc == 0, '%r %r' % (rc, e))


def legacy_and_rotation_checks(key):
    old = rand_key()
    v = rand_text(12)
    dj = signing.Signer(key=key, algorithm='sha1').sign(v)
    rc, o, e = csess(['unsign', '--', dj], key)
    check('sha1 legacy signature refused by default', rc == 1, '%r %r' % (rc, o))
    rc, o, e = csess(['unsign', '--', dj], key, extra_env={'CSESS_SIGNING_ACCEPT_SHA1': 'true'})
    check('sha1 legacy signature accepted with SIGNING_ACCEPT_SHA1', rc == 0 and o == v, '%r %r %r' % (rc, o, e))
    by_old = signing.dumps({'v': v}, key=old)
    rot = {'CSESS_SECRET_KEY_FALLBACKS': 'unrelated,' + old}
    rc, o, e = csess(['loads', '--', by_old], key, extra_env=rot)
    check('token signed with a fallback key verifies', rc == 0 and json.loads(o) == {'v': v}, '%r %r' % (o, e))
    rc, o, e = csess(['loads', '--', by_old], key)
    check('token signed with an old key is refused without fallbacks', rc == 1, '%r' % rc)
    rc, o, e = csess(['dumps', '--', '{"v":1}'], key, extra_env=rot)
    ok_new = signing.loads(o, key=key) == {'v': 1}
    try:
        signing.loads(o, key=old)
        by_fallback = True
    except signing.BadSignature:
        by_fallback = False
    check('with fallbacks, csess signs with SECRET_KEY only', ok_new and not by_fallback, o)
    rc, o, e = csess(['sign', 'x'], '')
    check('missing SECRET_KEY is a usage error naming it', rc == 2 and 'SECRET_KEY' in e, '%r %r' % (rc, e))


def cli_contract_checks(key):
    """Exit statuses: 0 success, 1 a negative answer, 2 usage or input error."""
    cases = [
        ('unknown option is a usage error', ['sign', '--nope', 'v'], None, {}, 2),
        ('sign without a value is a usage error', ['sign'], None, {}, 2),
        ('unsign --max-age without --timestamp is a usage error',
         ['unsign', '--max-age', '5', 'a:b'], None, {}, 2),
        ('--max-age must be a whole number', ['loads', '--max-age', '-1', 'a:b:c'], None, {}, 2),
        ('dumps of invalid JSON is an input error', ['dumps', '{"a":'], None, {}, 2),
        ('loads of garbage is a negative answer', ['loads', 'garbage'], None, {}, 1),
        ('password check of a malformed hash is an input error',
         ['password', 'check', 'md5$x$y'], 'pw\n', {'CSESS_PASSWORD_ITERATIONS': '1000'}, 2),
        ('password hash refuses a salt with $', ['password', 'hash', '--salt', 'a$b'], 'pw\n', {}, 2),
        ('password hash refuses zero iterations', ['password', 'hash', '--iterations', '0'], 'pw\n', {}, 2),
        ('signed-cookie get with no HTTP_COOKIE is not found', ['signed-cookie', 'get', 'a'], None, {}, 1),
        ('signed-cookie get over the Cookie header limit is an input error',
         ['signed-cookie', 'get', 'a'], None, {'HTTP_COOKIE': 'a=' + 'x' * 9000}, 2),
        ('signed-cookie set refuses an invalid cookie name',
         ['signed-cookie', 'set', 'bad name', 'v'], None, {}, 2),
        ('signed-cookie without a subcommand is a usage error', ['signed-cookie'], None, {}, 2),
    ]
    for name, args, stdin, env, want in cases:
        rc, o, e = csess(args, key, stdin=stdin, extra_env=env)
        one_line = e.count('\n') == 1 if want else True
        check('cli: ' + name, rc == want and one_line and (want == 0 or o == ''),
              'exit %r (want %r) stdout %r stderr %r' % (rc, want, o, e))


def main():
    print('SEED\t%d' % SEED, flush=True)
    for r in range(2):
        key = rand_key()
        tag = 'key%d' % r
        signer_checks(key, tag)
        timestamp_checks(key, tag)
        dumps_checks(key, tag)
        cookie_checks(key, tag)
        session_checks(key, tag)
        password_checks(key, tag)
    key = rand_key()
    legacy_and_rotation_checks(key)
    default_count_checks(key)
    cli_contract_checks(key)


if __name__ == '__main__':
    main()
