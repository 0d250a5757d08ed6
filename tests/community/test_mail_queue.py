"""allauth's mail leaves through the task queue (community/mail.py), not inside the request.

With a queue that only records (Django's DummyBackend) a request that sends mail
sends nothing itself and queues one `deliver` job carrying plain strings; running
that job sends exactly the message allauth rendered. Embedded, the immediate
backend runs it at once (the other account tests read those messages); in
production the database worker does (tests/community/test_compose.py proves the
worker runs what the site queues).
"""

import json
from collections.abc import Iterator

import pytest
from django.core import mail
from django.tasks import task_backends
from django.tasks.backends.dummy import DummyBackend

from community.mail import deliver
from tests.factories import make_user
from tests.mail import link_in, sent_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue() -> Iterator[DummyBackend]:
    """The default task backend replaced by one that records jobs and runs none."""
    recording = DummyBackend(alias="default", params={})
    task_backends["default"] = recording
    try:
        yield recording
    finally:
        del task_backends["default"]  # the next use builds the configured one again


def test_a_password_reset_queues_its_mail_and_the_job_sends_it(client, queue) -> None:
    make_user(email="mara@hearth.test")
    response = client.post("/accounts/password/reset/", {"email": "mara@hearth.test"})
    assert response.status_code == 302

    assert mail.outbox == []  # nothing left inside the request
    (job,) = queue.results
    assert job.task.func is deliver.func
    assert job.kwargs["to"] == ["mara@hearth.test"]
    json.dumps(job.args), json.dumps(job.kwargs)  # plain data: the database queue stores it

    deliver.call(*job.args, **job.kwargs)
    (message,) = sent_to("mara@hearth.test")
    assert message.subject == job.kwargs["subject"]
    link_in(message, "/accounts/password/reset/key/")  # the working link, as allauth wrote it


def test_a_sign_up_queues_one_confirmation_and_no_other_mail(client, queue) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "email": "river@hearth.test",
            "display_name": "River",
            "password1": "a long and kind passphrase 42",
            "password2": "a long and kind passphrase 42",
        },
    )
    assert response.status_code == 302, response.content.decode()[:400]
    assert mail.outbox == []
    assert [job.kwargs["to"] for job in queue.results] == [["river@hearth.test"]]


def test_without_a_recording_queue_the_mail_arrives_at_once(client) -> None:
    make_user(email="sam@hearth.test")
    client.post("/accounts/password/reset/", {"email": "sam@hearth.test"})
    (message,) = sent_to("sam@hearth.test")
    link_in(message, "/accounts/password/reset/key/")
