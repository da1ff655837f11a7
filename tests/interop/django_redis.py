"""Django 3.2 with django-redis-sessions (redis_sessions.session), driven
from the command line by tests/interop/django_redis.sh:

  django_redis.py PORT PREFIX SECRET create JSON [EXPIRY]  -> prints the new key
  django_redis.py PORT PREFIX SECRET load KEY              -> prints the data (JSON)
  django_redis.py PORT PREFIX SECRET update KEY NAME VALUE -> sets one string
  django_redis.py PORT PREFIX SECRET delete KEY
  django_redis.py PORT PREFIX SECRET exists KEY            -> True / False
  django_redis.py PORT PREFIX SECRET age KEY               -> get_expiry_age()
"""
import json
import sys

import django
from django.conf import settings

port, prefix, secret, op = sys.argv[1:5]
args = sys.argv[5:]
settings.configure(
    SECRET_KEY=secret,
    INSTALLED_APPS=["django.contrib.sessions"],
    SESSION_ENGINE="redis_sessions.session",
    SESSION_REDIS={"host": "127.0.0.1", "port": int(port), "db": 0,
                   "prefix": prefix, "socket_timeout": 2},
)
django.setup()

from redis_sessions.session import SessionStore  # noqa: E402

if op == "create":
    s = SessionStore()
    s.update(json.loads(args[0]))
    if len(args) > 1:
        s.set_expiry(int(args[1]))
    s.create()
    print(s.session_key)
elif op == "load":
    s = SessionStore(args[0])
    print(json.dumps(dict(s.items()), sort_keys=True, separators=(",", ":")))
elif op == "update":
    s = SessionStore(args[0])
    s[args[1]] = args[2]
    s.save()
elif op == "delete":
    SessionStore(args[0]).delete()
elif op == "exists":
    print(bool(SessionStore().exists(args[0])))
elif op == "age":
    s = SessionStore(args[0])
    s.load()
    print(s.server.ttl(s.get_real_stored_key(args[0])))
else:
    sys.exit("unknown op " + op)
