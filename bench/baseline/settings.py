"""Settings for the baseline chat, as the Channels tutorial writes them.

Two changes, both outside what is measured:

- The Redis address names a database number of its own (the tutorial's
  `("127.0.0.1", 6379)` means database 0), so the benchmark never touches a
  developer's keys. BENCH_REDIS_URL chooses it.
- redis-py 8 gives every connection a 5 s socket timeout, which kills the
  default layer's idle receive loop (the clients see their sockets drop after a
  quiet moment). Literally as written, the tutorial's chat loses messages on
  this stack at any rate; the host is therefore given `socket_timeout: None`,
  the one setting that makes it work. BENCH_BASELINE_LITERAL=1 runs it exactly
  as the tutorial writes it, to see that failure.
"""

import os

SECRET_KEY = "baseline-benchmark-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "channels",
]
ASGI_APPLICATION = "bench.baseline.asgi.application"
ROOT_URLCONF = "bench.baseline.asgi"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True

ADDRESS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
LITERAL = os.environ.get("BENCH_BASELINE_LITERAL") == "1"
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [ADDRESS if LITERAL else {"address": ADDRESS, "socket_timeout": None}]},
    },
}
