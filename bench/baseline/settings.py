"""Settings for the baseline chat, as the Channels tutorial writes them.

Two changes, both outside what is measured, and one choice:

- The Redis address names a database number of its own (the tutorial's
  `("127.0.0.1", 6379)` means database 0), so the benchmark never touches a
  developer's keys. BENCH_REDIS_URL chooses it.
- redis-py 8 gives every connection a 5 s socket timeout, which kills the
  default layer's idle receive loop (the clients see their sockets drop after a
  quiet moment). Literally as written, the tutorial's chat loses messages on
  this stack at any rate; the host is therefore given `socket_timeout: None`,
  the one setting that makes it work. BENCH_BASELINE_LITERAL=1 runs it exactly
  as the tutorial writes it, to see that failure.
- BENCH_LAYER=pubsub swaps the tutorial's layer for channels-redis's pub/sub
  layer (`RedisPubSubChannelLayer`, the one Hearth uses), same host settings:
  the `baseline-pubsub` configuration.

The middleware and template settings are what `startproject` writes for the
tutorial (its admin and static files apps left out: the room page uses
neither), so its room page (`chat/<room_name>/`) costs what the tutorial's does.
"""

import os
from pathlib import Path

SECRET_KEY = "baseline-benchmark-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "channels",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
ASGI_APPLICATION = "bench.baseline.asgi.application"
ROOT_URLCONF = "bench.baseline.asgi"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True

ADDRESS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
LITERAL = os.environ.get("BENCH_BASELINE_LITERAL") == "1"
LAYERS = {
    "default": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": LAYERS[os.environ.get("BENCH_LAYER", "default")],
        "CONFIG": {"hosts": [ADDRESS if LITERAL else {"address": ADDRESS, "socket_timeout": None}]},
    },
}
