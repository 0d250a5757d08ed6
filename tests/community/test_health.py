"""/healthz: 200 when the database and the channel layer answer, 503 naming what failed.

Failures are real: a channel layer pointed at a port where nothing listens, a
database that cannot be opened or reached. Nothing of ours is mocked.
"""

import json

import pytest

from tests.processes import free_port, run_python

pytestmark = pytest.mark.django_db

HEALTHZ = """
import json, django
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps([response.status_code, json.loads(response.content)]))
"""


def healthz_in_a_process(**env: str) -> tuple[int, dict]:
    result = run_python(HEALTHZ, env=env)
    assert result.returncode == 0, result.stderr
    status, body = json.loads(result.stdout.strip().splitlines()[-1])
    return status, body


def test_healthy_when_database_and_channel_layer_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    "backend",
    ["channels_redis.pubsub.RedisPubSubChannelLayer", "channels_redis.core.RedisChannelLayer"],
)
def test_503_names_the_channel_layer_when_redis_is_unreachable(client, settings, backend):
    address = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": backend,
            "CONFIG": {"hosts": [{"address": address, "socket_connect_timeout": 1}]},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "channel_layer": "failed"}


def test_503_names_the_database_when_sqlite_cannot_be_opened(tmp_path):
    status, body = healthz_in_a_process(SQLITE_PATH=str(tmp_path / "missing-dir" / "db.sqlite3"))
    assert status == 503
    assert body == {"status": "unavailable", "database": "failed", "channel_layer": "ok"}


def test_503_names_the_database_when_postgresql_is_unreachable():
    status, body = healthz_in_a_process(
        DATABASE_URL=f"postgres://hearth@127.0.0.1:{free_port()}/hearth", DB_POOL_TIMEOUT="1"
    )
    assert status == 503
    assert body == {"status": "unavailable", "database": "failed", "channel_layer": "ok"}


def test_503_names_both_when_both_fail(tmp_path):
    status, body = healthz_in_a_process(
        SQLITE_PATH=str(tmp_path / "missing-dir" / "db.sqlite3"),
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
    )
    assert status == 503
    assert body == {"status": "unavailable", "database": "failed", "channel_layer": "failed"}


def test_healthz_only_answers_get(client):
    assert client.post("/healthz").status_code == 405
