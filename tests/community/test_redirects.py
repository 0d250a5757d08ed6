"""A form's `next` sends a person back only to a page of this site."""

import pytest
from django.test import RequestFactory

from community.models import Notice
from community.redirects import local_target
from tests.factories import make_user, signed_in

OURS = ["/notes/", "/groups/abc/#m-4", "/moderation/?page=2"]
NOT_OURS = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "http://testserver.evil.example/",
    "",
]


@pytest.mark.parametrize("target", OURS)
def test_a_page_of_ours_is_where_the_form_goes_back(target: str) -> None:
    request = RequestFactory().post("/notes/1/dismiss/", {"next": target})
    assert local_target(request) == target


@pytest.mark.parametrize("target", NOT_OURS)
def test_anything_else_is_refused(target: str) -> None:
    request = RequestFactory().post("/notes/1/dismiss/", {"next": target})
    assert local_target(request) == ""


@pytest.mark.django_db
def test_putting_a_note_down_never_sends_the_person_elsewhere() -> None:
    person = make_user()
    note = Notice.objects.create(user=person, kind="nudge", title="A word", text="Hello")
    client = signed_in(person)
    page = f"/notes/{note.pk}/put-down/"
    assert client.post(page, {"next": "/\\evil.example"})["Location"] == "/notes/"
    assert client.post(page, {"next": "/groups/"})["Location"] == "/groups/"
