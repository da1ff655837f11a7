"""Django 3.2's file session backend, driven from tests/interop/django_file.sh.

usage: django_file.py DIR AGE COMMAND [ARGS]
  create JSON [MTIME]   a new session (Django's create()), prints its key
  save KEY JSON         replace the data of an existing session (save())
  read KEY              {"data", "expire", "age"} as Django computes them,
                        without load()'s side effects, or "missing"
  exists KEY            "yes" or "no"
  clear                 SessionStore.clear_expired()
"""
import json
import os
import sys

import django
from django.conf import settings

directory, age, cmd, args = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
settings.configure(SECRET_KEY='s3cr3t', USE_TZ=True,
                   SESSION_ENGINE='django.contrib.sessions.backends.file',
                   SESSION_FILE_PATH=directory, SESSION_COOKIE_AGE=age,
                   INSTALLED_APPS=['django.contrib.sessions'])
django.setup()
from django.contrib.sessions.backends.file import SessionStore  # noqa: E402
from django.utils import timezone  # noqa: E402

if cmd == 'create':
    s = SessionStore()
    s.update(json.loads(args[0]))
    s.create()
    if len(args) > 1:
        t = int(args[1])
        os.utime(s._key_to_file(), (t, t))
    print(s.session_key)
elif cmd == 'save':
    s = SessionStore(args[0])
    s.load()
    s.clear()
    s.update(json.loads(args[1]))
    s.save()
elif cmd == 'read':
    s = SessionStore(args[0])
    try:
        with open(s._key_to_file(), encoding='ascii') as f:
            raw = f.read()
    except FileNotFoundError:
        print('missing')
        sys.exit(0)
    data = s.decode(raw) if raw else {}
    expiry = s._expiry_date(data)
    a = s.get_expiry_age(expiry=expiry)
    print(json.dumps({'data': data, 'age': a,
                      'expire': int(timezone.now().timestamp()) + a}))
elif cmd == 'exists':
    print('yes' if SessionStore().exists(args[0]) else 'no')
elif cmd == 'clear':
    SessionStore.clear_expired()
else:
    sys.exit('unknown command ' + cmd)
