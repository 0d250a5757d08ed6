"""The crisis path, "I'm worried about this person", and reports, end to end.

A crisis phrase never blocks or shames: the message goes through, its author alone
is offered crisis lines for their region, and the group's facilitators get an
urgent item at the top of the queue. Nobody else hears anything about it.
"""

from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from community.models import CrisisLine, Notice, User
from groups.actions import chat
from groups.models import AuditEntry, Message
from moderation import screening
from moderation.actions import rooms
from moderation.models import CrisisPhrase, Report, ReportKind, ReportStatus
from tests.chat.conftest import Socket
from tests.html import find, text_of
from tests.moderation.conftest import CLAUSE, World, build_world, facilitator_speaks
from tests.moderation.live import VIAS, acts, sockets

pytestmark = pytest.mark.django_db(transaction=True)
Connect = Callable[..., Any]
CRISIS_TEXT = "Honestly I feel like there's no way out anymore."


@pytest.fixture
def circle(transactional_db: None) -> World:
    """A committed world with crisis lines in three regions and a crisis phrase.

    The facilitator speaks twice after everyone's hello, so the messages shown around
    a new one in the queue are theirs, never a reporter's.
    """
    world = build_world(("organizer", "member", "facilitator", "t_fac", "bystander", "t_member"))
    User.objects.filter(pk=world.people["member"].pk).update(region="GB")
    CrisisLine.objects.create(name="Listening Line UK", region="GB", phone="116 000", order=0)
    CrisisLine.objects.create(name="Anywhere Chat", region="INTL", text="Text HOME", order=1)
    CrisisLine.objects.create(name="US Lifeline", region="US", phone="988", order=0)
    CrisisLine.objects.create(name="Canada Line", region="CA", phone="1-833", order=0)
    CrisisPhrase.objects.create(phrase="no way out")
    screening.forget_rules()  # the hellos above cached the rules without it
    facilitator_speaks(world, [f"Thank you all for being here ({n})." for n in range(2)])
    world.group.refresh_from_db()
    return world


@database_sync_to_async
def page(user: Any, path: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


@database_sync_to_async
def notices_by_person(world: World) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, person in world.people.items():
        kinds = list(Notice.objects.filter(user=person).values_list("kind", flat=True))
        if kinds:
            found[key] = kinds
    return found


@database_sync_to_async
def open_items() -> list[tuple[str, int, int]]:
    return [
        (r.kind, r.urgency, r.notes.count())
        for r in Report.objects.filter(status=ReportStatus.OPEN).order_by("pk")
    ]


async def send(socket: Socket, body: str, client_id: str) -> dict[str, Any]:
    await socket.send({"type": "message.send", "client_id": client_id, "body": body})
    return await socket.receive_type("message.ack")


def queue_items(html: str) -> list[str]:
    return [" ".join(item.text.split()) for item in find(html, "li", class_="queue-item")]


async def test_a_crisis_phrase_goes_through_and_only_its_author_is_offered_care(
    circle: World, connect: Connect
) -> None:
    group = circle.group
    author = await connect(circle.people["member"], group)
    others = {
        key: await connect(circle.people[key], group)
        for key in ("bystander", "facilitator", "t_fac")
    }

    ack = await send(author, CRISIS_TEXT, "hard-night")
    assert ack["seq"] == group.last_seq + 1 and ack["held"] is False

    # Everyone, the author included, gets the message as usual; the author also a card.
    for socket in others.values():
        new = (await socket.receive_type("message.new"))["message"]
        assert (new["id"], new["body"]) == (ack["id"], CRISIS_TEXT)
    mine: dict[str, dict[str, Any]] = {}
    while len(mine) < 2:
        event = await author.receive()
        if event["type"] != "presence":
            assert event["type"] in {"notice", "message.new"} and event["type"] not in mine
            mine[event["type"]] = event
    assert mine["message.new"]["message"]["id"] == ack["id"]
    card = mine["notice"]
    assert card["kind"] == "crisis"
    assert [line["name"] for line in card["lines"]] == ["Listening Line UK", "Anywhere Chat"]
    assert card["lines"][0]["phone"] == "116 000"
    # What the client shows as links: a number to call, ready to tap.
    assert card["lines"][0]["links"] == [{"label": "Call 116 000", "href": "tel:116000"}]
    assert card["link"] == "/crisis/" and card["link_text"]
    assert CRISIS_TEXT not in card["text"] and "no way out" not in card["text"]
    assert "Evening circle" not in card["text"]
    assert await author.nothing()
    for socket in others.values():
        assert await socket.nothing()  # nobody else hears anything about it
    assert await notices_by_person(circle) == {"member": ["crisis"]}

    # The group's facilitators find an urgent item at the top of the queue.
    assert await open_items() == [(ReportKind.CRISIS, 0, 0)]
    for key in ("facilitator", "t_fac", "organizer"):
        items = queue_items(await page(circle.people[key], "/moderation/"))
        assert items and items[0].startswith("Urgent Crisis words"), (key, items)
        assert CRISIS_TEXT in items[0]  # with the message in its context


async def test_the_crisis_card_names_the_message_it_follows_so_it_is_shown_after_it(
    circle: World, connect: Connect
) -> None:
    """The card and the message leave on one commit; the card may reach a socket first.

    It names the author's message, and the sending socket always has that message
    (its ack) before the card; another tab of the author's holds the card until the
    message arrives (room.js).
    """
    author, other_tab = await sockets(connect, circle, "member", "member")

    await author.send({"type": "message.send", "client_id": "hard-night", "body": CRISIS_TEXT})
    seen: list[dict[str, Any]] = []
    while len(seen) < 3:
        event = await author.receive()
        if event["type"] != "presence":
            seen.append(event)
    ack = seen[0]
    assert ack["type"] == "message.ack"  # the message is on the author's screen first
    by_type = {e["type"]: e for e in seen}
    assert set(by_type) == {"message.ack", "notice", "message.new"}
    assert by_type["notice"]["kind"] == "crisis"
    assert (
        by_type["notice"]["after_message"] == ack["id"] == by_type["message.new"]["message"]["id"]
    )

    tab: dict[str, dict[str, Any]] = {}
    while len(tab) < 2:
        event = await other_tab.receive()
        if event["type"] != "presence":
            tab[event["type"]] = event
    assert tab["notice"]["after_message"] == tab["message.new"]["message"]["id"] == ack["id"]
    assert await author.nothing() and await other_tab.nothing()


async def test_a_held_crisis_message_brings_a_card_that_follows_nothing(
    circle: World, connect: Connect
) -> None:
    """A held message never reaches the room, so its card must not wait for it."""
    await database_sync_to_async(rooms.hold_first_messages)(
        actor=circle.people["facilitator"], group=circle.group, count=5
    )
    author = await connect(circle.people["member"], circle.group)
    ack = await send(author, CRISIS_TEXT, "held-night")
    assert ack["held"] is True
    card = await author.receive_type("notice", skip=("message.new",))  # its own held copy
    assert card["kind"] == "crisis" and "after_message" not in card
    assert await author.nothing()


@pytest.mark.parametrize("via", VIAS)
async def test_worry_brings_the_same_care_and_never_names_who_worried(
    via: str, circle: World, connect: Connect
) -> None:
    group = circle.group
    message = await database_sync_to_async(chat.send_message)(
        user=circle.people["member"],
        group=group,
        client_id="quiet",
        body="I haven't slept in days and I don't see the point.",
    )
    author, worrier, facilitator = await sockets(
        connect, circle, "member", "bystander", "facilitator"
    )

    outcome = await acts(via, circle, "bystander", worrier, "worry", id=message.message.pk)
    assert outcome.worked, outcome
    assert "You won't be named" in outcome.sentence

    card = await author.receive_type("notice")
    assert card["kind"] == "crisis" and card["link"] == "/crisis/"
    assert "Bea" not in str(card)
    assert await facilitator.nothing()
    assert await notices_by_person(circle) == {"member": ["crisis"]}
    assert await open_items() == [(ReportKind.WORRY, 0, 1)]

    # A second person's worry merges into the same item; the author is not told twice.
    second = await acts("http", circle, "t_member", None, "worry", id=message.message.pk)
    assert second.worked
    assert await author.nothing()
    assert await open_items() == [(ReportKind.WORRY, 0, 2)]

    html = await page(circle.people["facilitator"], "/moderation/")
    [item] = queue_items(html)
    assert item.startswith("Urgent A member is worried") and "2 reports" in item
    for name in ("Bea", "Tamsin"):  # the worriers
        assert name not in text_of(html)


async def test_reports_merge_never_name_the_reporter_and_each_reporter_hears_back(
    circle: World, connect: Connect
) -> None:
    target = circle.messages["member"]
    reported, first, second = await sockets(connect, circle, "member", "bystander", "t_member")

    for socket, note in ((first, "It felt like a dig at me."), (second, "")):
        await socket.send(
            {"type": "report.message", "id": target.pk, "clause": CLAUSE, "note": note}
        )
        ack = await socket.receive_type("report.ack")
        assert "you won't be named" in ack["detail"]
    assert await reported.nothing()  # the reported member hears nothing at all
    assert await open_items() == [(ReportKind.REPORT, 1, 2)]

    html = await page(circle.people["facilitator"], "/moderation/")
    [item] = queue_items(html)
    assert "2 reports" in item and "It felt like a dig at me." in item
    for name in ("Bea", "Tamsin"):
        assert name not in text_of(html)

    report = await database_sync_to_async(Report.objects.get)()
    resolved = await acts("http", circle, "facilitator", None, "resolve", id=report.pk)
    assert resolved.worked, resolved
    assert await notices_by_person(circle) == {
        "bystander": ["report_outcome"],
        "t_member": ["report_outcome"],
    }
    # The reported member's record shows no trace of the report.
    record = await page(circle.people["member"], "/moderation/record/")
    assert find(record, "li", class_="record-entry") == []
    entry = await database_sync_to_async(AuditEntry.objects.get)(action="report_resolved")
    assert entry.target_user_id == circle.people["member"].pk


@pytest.mark.parametrize("via", VIAS)
async def test_reports_are_rate_limited_the_same_way_over_socket_and_form(
    via: str, circle: World, connect: Connect
) -> None:
    reporter = await connect(circle.people["bystander"], circle.group)
    targets = await database_sync_to_async(
        lambda: list(
            Message.objects.exclude(author__user=circle.people["bystander"]).values_list(
                "pk", flat=True
            )
        )
    )()
    assert len(targets) >= 6
    for message_id in targets[:5]:
        await reporter.send({"type": "report.message", "id": message_id, "clause": CLAUSE})
        await reporter.receive_type("report.ack")
    outcome = await acts(
        via, circle, "bystander", reporter, "report.message", id=targets[5], clause=CLAUSE
    )
    assert not outcome.worked
    assert outcome.sentence.startswith("You have sent several reports in a short time.")
    if via == "socket":
        assert outcome.code == "rate_limited"
    assert len(await open_items()) == 5
