"""A pseudonym stays private: no surface of a group shows the account behind it.

A member goes by "Wren" in the group; their account is "Zebulon Quartermaine-Account"
(an address to match). Every page of the group a member or facilitator can reach, and
every socket event of its room, is searched for the account's name and address.
"""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from groups.actions import chat, resources
from groups.actions import membership as member_actions
from moderation.actions import reports
from tests.chat.conftest import make_room
from tests.factories import make_user

ACCOUNT_NAME = "Zebulon Quartermaine-Account"
EMAIL = "zebulon.quartermaine@hearth.test"
PSEUDONYM = "Wren"
LEAKS = (ACCOUNT_NAME, "Zebulon", "Quartermaine", "zebulon.quartermaine")


def _seed() -> dict[str, Any]:
    room = make_room(members=2, facilitators=1)
    group = room["group"]
    zeb = make_user(email=EMAIL, display_name=ACCOUNT_NAME)
    wren = member_actions.join_group(
        user=zeb, group=group, agreement_version=group.agreement_version, pseudonym=PSEUDONYM
    )
    member, other = room["members"][0], room["members"][1]
    fac = room["facilitators"][0]
    said = chat.send_message(user=zeb, group=group, client_id="z1", body="Tonight was hard.")
    heard = chat.send_message(user=member, group=group, client_id="m1", body="I hear you.")
    chat.toggle_reaction(user=zeb, group=group, message_id=said.message.pk, kind="care")
    suggested = resources.create(actor=zeb, group=group, title="A walk at dusk", body="Slow.")
    # Wren's suggestion, published by a facilitator: its author is still Wren's account.
    published = resources.approve(
        actor=fac,
        resource=resources.create(actor=zeb, group=group, title="Breathing", body="In, out."),
    )
    reports.report_message(
        reporter=zeb, message_id=heard.message.pk, clause="Be kind", note="Just checking."
    )
    reports.report_member(
        reporter=other, membership_id=wren.pk, clause="Honor boundaries", note="A worry."
    )
    return {
        **room,
        "zeb": zeb,
        "wren": wren,
        "said": said.message,
        "suggested": suggested,
        "published": published,
        "member": member,
        "fac": fac,
    }


def _pages(w: dict[str, Any]) -> list[str]:
    slug = w["group"].slug
    g = lambda name, *args: reverse(f"groups:{name}", args=[slug, *args])  # noqa: E731
    return [
        reverse("home"),
        reverse("notes"),
        g("group"),
        g("history"),
        g("held"),
        g("members"),
        g("resources"),
        g("resource_suggestions"),
        g("resource", w["suggested"].pk),
        g("resource", w["published"].pk),
        g("agreement"),
        g("leave"),
        g("manage"),
        g("requests"),
        g("invites"),
        reverse("moderation:queue"),
        reverse("moderation:log"),
        reverse("moderation:log_csv"),
        reverse("moderation:record"),
        reverse("moderation:room", args=[slug]),
        reverse("moderation:message", args=[w["said"].pk]),
        reverse("moderation:member", args=[w["wren"].pk]),
        reverse("moderation:report_message", args=[w["said"].pk]),
        reverse("moderation:report_member", args=[w["wren"].pk]),
        reverse("moderation:worry", args=[w["said"].pk]),
    ]


def _assert_private(text: str, where: str) -> None:
    lowered = text.lower()
    for leak in LEAKS:
        assert leak.lower() not in lowered, f"{leak!r} shows on {where}"


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["member", "fac"])
def test_no_page_of_the_group_names_the_account(viewer: str) -> None:
    w = _seed()
    client = Client()
    client.force_login(w[viewer])
    seen = 0
    for url in _pages(w):
        response = client.get(url, follow=True)
        if response.status_code == 200:
            seen += 1
            body = (
                b"".join(response.streaming_content)  # type: ignore[attr-defined]
                if response.streaming
                else response.content
            )
            _assert_private(body.decode(), url)
    assert seen >= (10 if viewer == "member" else 18), "fewer pages reached than expected"


@pytest.mark.django_db
def test_the_pseudonym_is_what_the_group_sees() -> None:
    w = _seed()
    member, fac = Client(), Client()
    member.force_login(w["member"])
    fac.force_login(w["fac"])
    slug = w["group"].slug
    suggestions = fac.get(reverse("groups:resource_suggestions", args=[slug])).content.decode()
    assert f"Suggested by {PSEUDONYM}" in suggestions
    detail = member.get(reverse("groups:resource", args=[slug, w["published"].pk]))
    assert f"shared by {PSEUDONYM}" in detail.content.decode()
    library = member.get(reverse("groups:resources", args=[slug])).content.decode()
    assert "Breathing" in library
    own = Client()
    own.force_login(w["zeb"])
    mine = own.get(reverse("groups:resource", args=[slug, w["suggested"].pk]))
    assert f"shared by {PSEUDONYM}" in mine.content.decode()


@pytest.mark.django_db(transaction=True)
async def test_no_socket_event_names_the_account(connect: Any) -> None:
    from asgiref.sync import sync_to_async

    w = await sync_to_async(_seed)()
    group = w["group"]
    watcher = await connect(w["member"], group)
    _assert_private(str(watcher.hello), "the hello")
    wren = await connect(w["zeb"], group)
    await wren.send({"type": "typing"})
    await wren.send({"type": "message.send", "client_id": "z2", "body": "Still here."})
    new = await wren.receive_type("message.ack")
    await wren.send({"type": "reaction.toggle", "id": new["id"], "reaction": "care"})
    await wren.send({"type": "sync", "after_seq": 0})
    seen: list[dict[str, Any]] = []
    while not await watcher.communicator.receive_nothing(timeout=0.5):
        seen.append(await watcher.receive())
    await watcher.send({"type": "sync", "after_seq": 0})
    while not await watcher.communicator.receive_nothing(timeout=0.5):
        seen.append(await watcher.receive())
    kinds = {event["type"] for event in seen}
    assert "message.new" in kinds, kinds
    assert any(PSEUDONYM in str(event) for event in seen)
    for event in seen:
        _assert_private(str(event), event["type"])
