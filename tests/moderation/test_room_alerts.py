"""What the pages show the people who keep a group safe, before any socket speaks.

- The navigation says "Safety queue · 1 urgent" on every page, to the group's
  facilitators and the organizers only, in two queries however much waits (the
  queue's numbers are a second read, for those who moderate: everyone else's page
  counts in one).
- In the room, an urgent item brings a banner linking to it; messages waiting
  for review show as a compact "1 message waiting for you" bar with the queue's
  own actions inline, each labelled by why it is held (a new member's, a word
  filter's, crisis words): a long-time member's filtered message is not called
  a new member's.
"""

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from community import navigation
from groups.actions import chat
from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.models import Group, HeldReason, Message
from moderation import screening
from moderation.actions import filters, reports
from moderation.models import Report, ReportKind
from tests.factories import make_user
from tests.html import find, text_of
from tests.moderation.conftest import CLAUSE, World, build_world, watch_for_crisis

pytestmark = pytest.mark.django_db


@pytest.fixture
def circle(db: None) -> World:
    world = build_world(("member", "facilitator", "organizer", "bystander", "t_fac"))
    watch_for_crisis(world)
    filters.add_filter(
        actor=world.people["facilitator"],
        group=world.group,
        phrase="pills",
        action="block",
        clause=CLAUSE,
    )
    screening.forget_rules()  # the rules changed inside this test's transaction
    return world


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def say(world: World, key: str, body: str) -> Message:
    world.group.refresh_from_db()
    return chat.send_message(
        user=world.people[key], group=world.group, client_id=f"c-{key}-{len(body)}", body=body
    ).message


def nav_safety(html: str) -> str | None:
    """The navigation's safety link as it reads, or None when there is none."""
    found = find(html, "a", id="nav-safety")
    if not found:
        return None
    (count,) = [c for c in found[0].children if "nav-count" in c.attrs.get("class", "")]
    return "Safety queue" if "hidden" in count.attrs["class"] else " ".join(found[0].text.split())


def test_each_held_message_says_why_it_is_held(circle: World) -> None:
    filtered = say(circle, "member", "Happy to share my phone number")  # a long-time member
    Group.objects.filter(pk=circle.group.pk).update(hold_first_messages=5)
    newcomer = make_user(display_name="Nell")
    member_actions.join_group(user=newcomer, group=circle.group, agreement_version=1)
    circle.people["newcomer"] = newcomer
    first = say(circle, "newcomer", "Hello, I'm new here.")
    Group.objects.filter(pk=circle.group.pk).update(hold_first_messages=0)
    crisis = say(circle, "bystander", "I want to die, I have the pills")  # blocked words + crisis
    assert [m.held_reason for m in (filtered, first, crisis)] == [
        HeldReason.FILTER,
        HeldReason.NEWCOMER,
        HeldReason.CRISIS,
    ]

    queue = client_for(circle.people["facilitator"]).get("/moderation/").content.decode()
    titles = [text_of(h.text) for h in find(queue, "h2")]
    assert "Held by a word filter in Evening circle" in titles
    assert "New member's message in Evening circle" in titles
    assert "Crisis words in Evening circle" in titles
    assert "Urgent Crisis words in Evening circle" in titles  # its urgent item, too

    room = client_for(circle.people["facilitator"]).get(circle.group.get_absolute_url())
    html = room.content.decode()
    (bar,) = find(html, "details", id="held-details")
    assert text_of(bar.children[0].text) == "3 messages waiting for you"
    badges = [b.text for b in find(html, "span", class_="badge") if b.text != "Facilitator"]
    assert {"Held by a word filter", "New member's message", "Crisis words"} <= set(badges)


def test_the_held_bar_is_for_the_rooms_keepers_and_acts_like_the_queue(circle: World) -> None:
    held = say(circle, "member", "Call my phone number any time")
    slug = circle.group.slug
    facilitator = client_for(circle.people["facilitator"])
    html = facilitator.get(f"/groups/{slug}/").content.decode()
    (form,) = find(html, "form", class_="held-form")
    assert form.attrs["action"] == f"/moderation/messages/{held.pk}/held/"
    assert "Call my phone number any time" in text_of(html)
    main = html[: html.index('<footer class="site-footer"')]  # not the footer's switcher
    (back,) = [i for i in find(main, "input") if i.attrs.get("name") == "next"]
    assert back.attrs["value"] == f"/groups/{slug}/#held-bar"

    # Members see no bar, and another member's held words are nowhere on their page.
    for key in ("bystander",):
        page = client_for(circle.people[key]).get(f"/groups/{slug}/").content.decode()
        assert not find(page, "div", id="room-alerts")
        assert "phone number" not in page
        assert client_for(circle.people[key]).get(f"/groups/{slug}/messages/held/").status_code == (
            404
        )
    # Nobody decides on their own message: the author's own bar would not offer it.
    own = say(circle, "t_fac", "My phone number is on the board")
    fragment = facilitator.get(f"/groups/{slug}/messages/held/").content.decode()
    assert len(find(fragment, "li", class_="held-item")) == 2
    theirs = client_for(circle.people["t_fac"]).get(f"/groups/{slug}/messages/held/")
    assert f"held-{own.pk}" not in theirs.content.decode()
    assert f"held-{held.pk}" in theirs.content.decode()


def test_posting_from_the_bar_answers_the_page_and_without_script_returns_to_the_room(
    circle: World,
) -> None:
    first = say(circle, "member", "Text my phone number")
    second = say(circle, "bystander", "Or my phone number")
    facilitator = client_for(circle.people["facilitator"])
    answer = facilitator.post(
        f"/moderation/messages/{first.pk}/held/",
        {"decision": "approve"},
        headers={"accept": "application/json"},
    )
    assert answer.json() == {"ok": True, "detail": "Posted to the room."}
    again = facilitator.post(
        f"/moderation/messages/{first.pk}/held/",
        {"decision": "approve"},
        headers={"accept": "application/json"},
    )
    assert again.status_code == 409 and again.json()["ok"] is False
    # The page said it; no flash waits for the next page.
    assert "Posted to the room." not in facilitator.get("/").content.decode()

    slug = circle.group.slug
    response = facilitator.post(
        f"/moderation/messages/{second.pk}/held/",
        {"decision": "decline", "next": f"/groups/{slug}/#held-bar"},
    )
    assert response.status_code == 302 and response["Location"] == f"/groups/{slug}/#held-bar"
    assert not Report.objects.filter(kind=ReportKind.HELD, status="open").exists()
    page = facilitator.get(f"/groups/{slug}/").content.decode()
    assert not find(page, "details", id="held-details")
    assert "Not posted. Its author was told kindly." in text_of(page)


def test_the_navigation_and_the_room_tell_keepers_of_an_urgent_item(circle: World) -> None:
    for key in ("facilitator", "organizer", "member"):
        assert nav_safety(client_for(circle.people[key]).get("/").content.decode()) == (
            None if key == "member" else "Safety queue"
        )
    say(circle, "bystander", "Some nights I want to die")
    item = Report.objects.get(kind=ReportKind.CRISIS)
    for key in ("facilitator", "organizer"):
        for path in ("/", "/crisis/", "/resources/", "/notes/"):
            html = client_for(circle.people[key]).get(path).content.decode()
            assert nav_safety(html) == "Safety queue · 1 urgent"  # read: "Safety queue 1 urgent"
    member_home = client_for(circle.people["member"]).get("/").content.decode()
    assert nav_safety(member_home) is None

    room = client_for(circle.people["facilitator"]).get(circle.group.get_absolute_url())
    (banner,) = find(room.content.decode(), "div", id="urgent-banner")
    assert "Someone in this room may need support now." in text_of(banner.text)
    (link,) = [a for a in find(room.content.decode(), "a") if a.text == "Open it"]
    assert link.attrs["href"] == f"/moderation/#item-{item.pk}"
    (safety,) = find(room.content.decode(), "a", id="nav-safety")
    assert safety.attrs["data-item"] == str(item.pk)
    assert safety.attrs["data-group"] == str(circle.group.pk)
    assert "want to die" not in str(safety.attrs)  # numbers only, on every page
    member_room = client_for(circle.people["member"]).get(circle.group.get_absolute_url())
    assert not find(member_room.content.decode(), "div", id="urgent-banner")


def test_the_navigation_costs_two_queries_however_much_waits(circle: World) -> None:
    client = client_for(circle.people["facilitator"])
    client.get("/crisis/")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/crisis/").status_code == 200
        return len(captured.captured_queries)

    quiet = queries()
    for number in range(4):
        other = group_actions.create_group(actor=circle.people["owner"], name=f"Circle {number}")
        member_actions.join_group(
            user=circle.people["facilitator"], group=other, agreement_version=1
        )
        member_actions.set_facilitator(
            actor=circle.people["owner"],
            group=other,
            user=circle.people["facilitator"],
            facilitator=True,
        )
    say(circle, "bystander", "I want to die")
    say(circle, "member", "my phone number again")
    reports.worried_about(member=circle.people["member"], message_id=circle.messages["t_fac"].pk)
    busy = queries()
    assert busy == quiet
    html = client.get("/crisis/").content.decode()
    assert nav_safety(html) == "Safety queue · 2 urgent"
    # the session (with database sessions), the user, the navigation and the queue's
    # numbers, the crisis lines
    assert busy == (1 if settings.SESSION_ENGINE.endswith(".db") else 0) + 4


def test_someone_who_moderates_nothing_counts_in_one_query(circle: World) -> None:
    """A member's navigation asks whether they moderate and counts their notes in one
    read; the queue's numbers are not compiled for them, and come out empty."""
    say(circle, "bystander", "I want to die")  # an urgent item, not theirs to see
    client = client_for(circle.people["member"])
    client.get("/crisis/")
    with CaptureQueriesContext(connection) as captured:
        html = client.get("/crisis/").content.decode()
    queue = [q["sql"] for q in captured.captured_queries if "moderation_report" in q["sql"]]
    assert queue == []
    # the session (with database sessions), the user, the navigation, the crisis lines
    assert (
        len(captured.captured_queries) == (1 if settings.SESSION_ENGINE.endswith(".db") else 0) + 3
    )
    assert not find(html, "a", id="nav-safety")
    assert navigation.values(circle.people["member"]) == {
        "notes": 0,
        "moderates": False,
        "urgent": 0,
        "held": 0,
        "urgent_item": None,
        "urgent_group": None,
    }
    urgent = Report.objects.get(kind=ReportKind.CRISIS)
    assert navigation.values(circle.people["facilitator"]) == {
        "notes": 0,
        "moderates": True,
        "urgent": 1,
        "held": 0,
        "urgent_item": urgent.pk,
        "urgent_group": circle.group.pk,
    }
