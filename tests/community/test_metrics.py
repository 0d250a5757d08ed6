"""/metrics: only with the bearer token (or from a listed network), never naming anyone.

The socket counters and the label canary over HTTP and socket traffic are in
tests/chat/test_metrics.py.
"""

import pytest
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from community import metrics
from tests.processes import run_python

TOKEN = "a-long-test-token-0123456789"
pytestmark = pytest.mark.django_db


def scrape(client: Client | None = None, **headers: str) -> dict[tuple[str, tuple], float]:
    client = client or Client()
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}", **headers})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@override_settings(HEARTH_METRICS_TOKEN="", HEARTH_METRICS_NETWORKS=[])
def test_without_a_token_configured_there_is_no_metrics_page():
    for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}):
        assert Client().get("/metrics", headers=headers).status_code == 404


@override_settings(HEARTH_METRICS_TOKEN=TOKEN, HEARTH_METRICS_NETWORKS=[])
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        f"Basic {TOKEN}",
        f"Bearer {TOKEN[:-1]}é",
    ],
)
def test_a_request_without_the_right_token_is_refused_loopback_included(authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    for address in ("127.0.0.1", "::1", "10.1.2.3"):
        response = Client(REMOTE_ADDR=address).get("/metrics", headers=headers)
        assert response.status_code == 401, (authorization, address)
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert b"hearth_" not in response.content
        assert (
            response["Cache-Control"].startswith("max-age=0")
            or "no-store" in (response["Cache-Control"])
        )


@override_settings(HEARTH_METRICS_TOKEN=TOKEN, HEARTH_METRICS_NETWORKS=[])
def test_the_token_opens_the_page():
    response = Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert b"hearth_http_request_duration_seconds" in response.content
    # The scheme's case does not matter (RFC 6750).
    assert Client().get("/metrics", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200


@override_settings(HEARTH_METRICS_TOKEN="", HEARTH_METRICS_NETWORKS=["10.0.0.0/8", "fd00::/8"])
def test_a_listed_network_may_read_without_a_token_and_nobody_else():
    assert Client(REMOTE_ADDR="10.9.8.7").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="fd00::5").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 401
    assert Client(REMOTE_ADDR="192.168.1.1").get("/metrics").status_code == 401


@override_settings(HEARTH_METRICS_TOKEN=TOKEN)
def test_requests_are_timed_and_counted_by_view_name_not_path():
    client = Client()
    before = scrape(client)
    client.get("/crisis/")
    client.get("/groups/no-such-group-slug-here/")
    client.get("/no/such/page/at-all/")
    after = scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("hearth_http_request_duration_seconds_count", view="crisis") == 1
    assert moved("hearth_http_responses_total", view="crisis", status="2xx") == 1
    assert moved("hearth_http_responses_total", view="groups:group", status="4xx") == 1
    assert moved("hearth_http_responses_total", view="unresolved", status="4xx") == 1
    text = str(after)
    assert "no-such-group-slug-here" not in text and "/groups/" not in text


def test_the_settings_refuse_a_short_token_and_a_network_that_is_not_one():
    for env in ({"HEARTH_METRICS_TOKEN": "short"}, {"HEARTH_METRICS_NETWORKS": "10.0.0.0/8,nope"}):
        result = run_python("import django; django.setup()", env=env)
        assert result.returncode != 0
        assert "HEARTH_METRICS_" in result.stderr


def test_labels_of_unknown_close_codes_and_event_types_are_bounded():
    assert metrics.close_code(4503) == "4503"
    assert metrics.close_code(3999) == "other"
    assert metrics.close_code("1000") == "other"
    metrics.frame_sent('{"body":"secret text","type":"message.new"}')
    metrics.frame_sent('{"type":"A Group Name"}')
    metrics.frame_sent(None)
    assert set(metrics._sent_by_type) <= {"other", *metrics._sent_by_type}
    assert not any(" " in kind or "secret" in kind for kind in metrics._sent_by_type)


@override_settings(HEARTH_METRICS_TOKEN=TOKEN)
def test_service_failures_are_counted_by_service():
    import redis
    from django.db import OperationalError

    before = scrape()
    metrics.outage(OperationalError("could not connect"))
    metrics.outage(redis.ConnectionError("refused"))
    metrics.outage(service="channel_layer")
    metrics.outage(ValueError("not a service"))
    after = scrape()
    for service in ("database", "redis", "channel_layer"):
        moved = value(after, "hearth_service_errors_total", service=service) - value(
            before, "hearth_service_errors_total", service=service
        )
        assert moved == 1, service


@override_settings(
    HEARTH_METRICS_TOKEN=TOKEN, TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
)
def test_tasks_waiting_are_read_when_the_worker_queue_is_in_the_database(tmp_path):
    from tests.community.worker_task import write_marker

    assert value(scrape(), "hearth_tasks_waiting") == 0
    write_marker.enqueue(str(tmp_path / "a"), "one")
    write_marker.enqueue(str(tmp_path / "b"), "two")
    assert value(scrape(), "hearth_tasks_waiting") == 2
    assert not (tmp_path / "a").exists()  # queued, not run


@override_settings(HEARTH_METRICS_TOKEN=TOKEN)
def test_the_database_pool_is_reported_on_postgresql_and_nothing_on_sqlite(django_user_model):
    from django.conf import settings

    django_user_model.objects.exists()  # this test's connection, lent out by the pool
    samples = scrape()
    pool = {key: figure for key, figure in samples.items() if key[0].startswith("hearth_db_pool")}
    if not settings.IS_POSTGRES:
        assert pool == {}
        return
    alias = {"alias": "default"}
    maximum = settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]
    assert value(samples, "hearth_db_pool_max_connections", **alias) == maximum
    held = value(samples, "hearth_db_pool_connections", **alias)
    idle = value(samples, "hearth_db_pool_idle_connections", **alias)
    assert 1 <= held <= maximum
    assert held - idle >= 1  # at least this test's connection is in use
    assert value(samples, "hearth_db_pool_requests_waiting", **alias) == 0
