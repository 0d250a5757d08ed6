"""Notes people can put down: home shows the few still open, the notes page keeps them all.

- home lists the unread notes, newest first, at most three, then "See all";
- each can be put down (stored per person) and stays put down after a reload;
- a note whose moment has passed (a pause that lifted) is no longer shown as
  current: it leaves home and the unread count, and reads in the past on the
  notes page;
- the navigation counts the unread notes on every page, in the one query it has.
"""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from community.models import Notice
from community.notices import end_notices, notify
from tests.factories import make_user, signed_in
from tests.html import find, text_of

pytestmark = pytest.mark.django_db


def home_notes(client: Client) -> list[str]:
    html = client.get("/").content.decode()
    return [text_of(h.text) for h in find(html, "h3") if h.text.startswith("Note")]


def nav_notes(client: Client, path: str = "/crisis/") -> str:
    """The navigation's notes link as it reads (a hidden count is not read)."""
    html = client.get(path).content.decode()
    (link,) = find(html, "a", id="nav-notes")
    (count,) = [c for c in link.children if "nav-count" in c.attrs.get("class", "")]
    return "Notes" if "hidden" in count.attrs["class"] else " ".join(link.text.split())


def test_home_shows_the_three_newest_unread_notes_then_a_way_to_all(user: Any) -> None:
    for number in range(1, 6):
        with time_machine.travel(timezone.now() + timedelta(minutes=number)):
            notify(user, kind="nudge", title=f"Note {number}", text="A gentle word.")
    client = signed_in(user)
    assert home_notes(client) == ["Note 5", "Note 4", "Note 3"]
    html = client.get("/").content.decode()
    assert "See all your notes" in text_of(html) and "(5 still open)" in text_of(html)
    assert nav_notes(client) == "Notes · 5 unread"  # "Notes 5 unread" to a screen reader
    notes_page = client.get("/notes/").content.decode()
    assert [h.text for h in find(notes_page, "h3")] == [f"Note {n}" for n in (5, 4, 3, 2, 1)]


def test_a_note_put_down_stays_put_down_after_a_reload(user: Any) -> None:
    keep = notify(user, kind="nudge", title="Note kept", text="Still here.")
    done = notify(user, kind="nudge", title="Note done", text="Read it, thanks.")
    client = signed_in(user)
    response = client.post(f"/notes/{done.pk}/put-down/", {"next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert home_notes(client) == ["Note kept"]
    assert home_notes(client) == ["Note kept"]  # and again: it is stored, not remembered
    assert nav_notes(client) == "Notes · 1 unread"
    page = client.get("/notes/").content.decode()
    earlier = page[page.index("earlier-notes-heading") :]
    assert "Note done" in earlier and "Put down" in text_of(earlier)
    assert Notice.objects.get(pk=keep.pk).dismissed_at is None


def test_nobody_puts_down_someone_elses_note(user: Any) -> None:
    other = make_user()
    theirs = notify(other, kind="nudge", title="Note theirs", text="Not yours.")
    signed_in(user).post(f"/notes/{theirs.pk}/put-down/", {"next": "/"})
    assert Notice.objects.get(pk=theirs.pk).dismissed_at is None
    assert home_notes(signed_in(other)) == ["Note theirs"]


def test_put_them_all_down(user: Any) -> None:
    for number in range(3):
        notify(user, kind="nudge", title=f"Note {number}", text="A word.")
    client = signed_in(user)
    assert client.post("/notes/put-down/").status_code == 302
    assert home_notes(client) == []
    assert nav_notes(client) == "Notes"
    assert not Notice.objects.filter(user=user, dismissed_at__isnull=True).exists()


def test_a_note_whose_moment_passed_is_history_not_current(user: Any) -> None:
    until = timezone.now() + timedelta(minutes=10)
    notify(
        user,
        kind="mute",
        title="Note: posting paused for a while",
        ended_title="Note: your posting was paused for a while",
        text="You can keep reading, and post again when the pause lifts.",
        link="/groups/somewhere/",
        until=until,
    )
    client = signed_in(user)
    assert home_notes(client) == ["Note: posting paused for a while"]
    assert "Until" in text_of(client.get("/").content.decode())

    with time_machine.travel(until + timedelta(minutes=1)):
        client = signed_in(user)
        assert home_notes(client) == []
        assert nav_notes(client) == "Notes"
        page = client.get("/notes/").content.decode()
        earlier = page[page.index("earlier-notes-heading") : page.index("</main>")]
        assert "Note: your posting was paused for a while" in earlier
        assert "Note: posting paused for a while" not in page
        assert "This ended" in text_of(earlier) and "Until" not in text_of(page)
        assert not find(earlier, "form")  # nothing left to put down


def test_ending_a_note_early_makes_it_history_at_once(user: Any) -> None:
    notify(
        user,
        kind="mute",
        title="Note: paused",
        text="...",
        link="/groups/a/",
        until=timezone.now() + timedelta(days=1),
    )
    notify(user, kind="mute", title="Note: elsewhere", text="...", link="/groups/b/")
    assert end_notices(user, kind="mute", link="/groups/a/") == 1
    assert home_notes(signed_in(user)) == ["Note: elsewhere"]


def test_the_notes_page_is_for_signed_in_people_only(client: Client) -> None:
    assert client.get("/notes/").status_code == 302
    assert client.post("/notes/1/put-down/").status_code == 302
