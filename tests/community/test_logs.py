"""Log lines: JSON in production, plain in development, and never who was where.

The servers of the multi-process tests are read for the same in production's
format (tests/multiprocess.py, `assert_clean_logs`); bin/serve's own JSON lines
in tests/community/test_serve.py.
"""

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.test import Client

from community import logs
from tests.chat.conftest import Socket, open_socket
from tests.processes import run_python_each

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What Hearth's own loggers write, through production's handler and formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestId())
    handler.addFilter(logs.Redact())
    loggers = [logging.getLogger(name) for name in ("hearth.requests", "hearth.sockets", "x")]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield stream
    for logger in loggers:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)


def parsed(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_request_line_has_its_fields_and_no_slug(json_lines):
    from tests.chat.conftest import make_room

    room = make_room()
    group, member = room["group"], room["members"][0]
    client = Client()
    client.force_login(member)
    response = client.get(f"/groups/{group.slug}/", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    (line,) = [each for each in parsed(json_lines) if each["logger"] == "hearth.requests"]
    assert line["message"] == "request"
    assert line["request_id"] == response["X-Request-ID"]
    assert line["view"] == "groups:group"
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")
    text = json_lines.getvalue()
    for secret in (group.slug, group.name, member.email, member.display_name, "203.0.113.9"):
        assert secret not in text


def test_a_proxy_request_id_is_kept_only_if_it_looks_like_one(json_lines):
    kept = Client().get(
        "/crisis/", headers={"X-Request-ID": "0f8e2b6c-1d2a-4c3b-9e8f-7a6b5c4d3e2f"}
    )
    assert kept["X-Request-ID"] == "0f8e2b6c-1d2a-4c3b-9e8f-7a6b5c4d3e2f"
    replaced = Client().get("/crisis/", headers={"X-Request-ID": "grief-circle for sam@x.org"})
    assert replaced["X-Request-ID"] != "grief-circle for sam@x.org"
    assert "grief-circle" not in json_lines.getvalue()


def test_probes_are_counted_but_not_logged_at_info(json_lines):
    assert Client().get("/healthz").status_code in (200, 503)
    assert not [each for each in parsed(json_lines) if each.get("view") == "healthz"]


async def test_a_socket_logs_its_open_and_close_with_code_and_duration(json_lines):
    from asgiref.sync import sync_to_async

    from tests.chat.conftest import make_room

    room = await sync_to_async(make_room)()
    group, member = room["group"], room["members"][0]
    communicator, connected, _code = await open_socket(member, group)
    assert connected
    socket = Socket(communicator)
    await socket.receive_type("hello")
    await socket.send({"type": "message.send", "client_id": "c1", "body": "A private sentence"})
    await socket.receive_type("message.ack", skip=("message.new",))
    await communicator.disconnect(code=4000)
    lines = [each for each in parsed(json_lines) if each["logger"] == "hearth.sockets"]
    opened, closed = lines
    assert opened["message"] == "socket opened" and opened["kind"] == "room"
    assert closed["message"] == "socket closed" and closed["kind"] == "room"
    assert closed["request_id"] == opened["request_id"]
    assert closed["close_code"] == "other"  # 4000 is no code of Hearth's
    assert isinstance(closed["duration_ms"], float) and closed["duration_ms"] > 0
    text = json_lines.getvalue()
    for secret in (group.slug, group.name, "A private sentence", "/ws/"):
        assert secret not in text


def test_an_exception_line_keeps_its_type_and_stack_but_not_its_message(json_lines):
    try:
        raise ValueError('duplicate key (slug)=(grief-circle) for "Grief circle"')
    except ValueError:
        logging.getLogger("x").exception("saving failed")
    (line,) = parsed(json_lines)
    assert line["message"] == "saving failed"
    assert line["error"] == "ValueError"
    assert line["stack"] and "test_logs.py" in line["stack"][0]
    assert "grief-circle" not in json_lines.getvalue()


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("mail to sam.jones+x@example.org failed", "mail to [email] failed"),
        ("client 203.0.113.9:51234 went away", "client [address]:51234 went away"),
        ("client [2001:db8::1]:443 went away", "client [[address]]:443 went away"),
        ("GET /groups/grief-circle/agreement/ 404", "GET /groups/[…] 404"),
        ("ws /ws/groups/grief-circle/ closed", "ws /ws/groups/[…] closed"),
        ("at 13:26:32 and 1.5 s, version 6.1.3", "at 13:26:32 and 1.5 s, version 6.1.3"),
    ],
)
def test_every_line_is_scrubbed_of_emails_addresses_and_group_paths(said, written):
    record = logging.LogRecord("lib", logging.WARNING, __file__, 1, "%s", (said,), None)
    logs.Redact().filter(record)
    assert record.getMessage() == written


def test_a_library_line_is_scrubbed_whoever_wrote_it(json_lines):
    logging.getLogger("x").warning("Invalid HTTP_HOST header: %r from %s", "10.2.3.4", "a@b.co")
    (line,) = parsed(json_lines)
    assert "10.2.3.4" not in line["message"] and "a@b.co" not in line["message"]


def test_production_logs_json_and_development_plain():
    code = (
        "import django, logging; django.setup();"
        "logging.getLogger('hearth.requests').info('request', extra={'view': 'home'})"
    )
    production, development, forced, refused = run_python_each(
        code,
        [
            {"DEBUG": "0", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "hearth.example"},
            {"DEBUG": "1"},
            {"DEBUG": "1", "LOG_FORMAT": "json"},
            {"LOG_FORMAT": "xml"},
        ],
    )
    assert production.returncode == 0, production.stderr
    line = json.loads(production.stderr.strip().splitlines()[-1])
    assert line["logger"] == "hearth.requests" and line["view"] == "home"
    assert development.returncode == 0, development.stderr
    last = development.stderr.strip().splitlines()[-1]
    assert " INFO hearth.requests request view=home" in last and not last.startswith("{")
    assert json.loads(forced.stderr.strip().splitlines()[-1])["view"] == "home"
    assert refused.returncode != 0 and "LOG_FORMAT" in refused.stderr


def test_a_line_whose_arguments_do_not_fit_does_not_break_the_caller():
    record = logging.LogRecord("lib", logging.WARNING, __file__, 1, "%s and %s", ("one",), None)
    assert logs.Redact().filter(record) is True
