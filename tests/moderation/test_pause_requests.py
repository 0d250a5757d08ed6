""" "I need a pause": a member's private signal reaches the room's keepers live, and
only them; a keeper answers privately (issue 17, item 5).

Through the whole ASGI stack, as the other moderation tests: each person's own
socket on the room, and `nothing()` to prove what must not arrive.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from community.errors import Refused
from community.models import Notice, User
from groups.models import AuditEntry, Group, Membership
from moderation.actions import pauses
from tests.chat import state
from tests.chat.conftest import Socket
from tests.moderation.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)
Connect = Callable[..., Any]
FORBIDDEN = "You can't take that action here."


@pytest.fixture
def ids(live_world: World) -> dict[str, int]:
    return {key: live_world.membership(key).pk for key in live_world.people if key != "owner"}


async def answer(socket: Socket, *kinds: str) -> dict[str, Any]:
    """The first event of one of `kinds`, or an error; the room's own events are skipped."""
    while True:
        event = await socket.receive()
        if event["type"] in {*kinds, "error"}:
            return event


@database_sync_to_async
def notices(world: World, key: str) -> list[tuple[str, str, str]]:
    return list(Notice.objects.filter(user=world.people[key]).values_list("kind", "title", "text"))


@database_sync_to_async
def give_pseudonym(world: World, key: str, name: str) -> None:
    state.update_membership(world.people[key], world.group, pseudonym=name)


# --- The member's signal ------------------------------------------------------------


async def test_a_pause_request_reaches_the_keepers_and_nobody_else(
    live_world: World, ids: dict[str, int], connect: Connect
) -> None:
    group = live_world.group
    await give_pseudonym(live_world, "member", "Wren")
    member = await connect(live_world.people["member"], group)
    facilitator = await connect(live_world.people["facilitator"], group)
    t_fac = await connect(live_world.people["t_fac"], group)
    organizer = await connect(live_world.people["organizer"], group)  # a member of the group
    bystander = await connect(live_world.people["bystander"], group)

    await member.send({"type": "pause.request", "note": "  It's a lot\n today.  "})
    ack = await answer(member, "pause.ack")
    assert ack == {"type": "pause.ack", "detail": pauses.REQUESTED}
    assert "privately" in ack["detail"]

    for keeper in (facilitator, t_fac, organizer):
        event = await answer(keeper, "pause.requested")
        assert event["member"] == {"id": ids["member"], "name": "Wren"}
        assert event["note"] == "It's a lot today."
        assert event["paused"] is False
        assert "Mara" not in str(event)  # the group's name for them, never the account's
    assert await bystander.nothing()
    assert await member.nothing()
    for keeper in (facilitator, t_fac, organizer):
        assert await keeper.nothing()

    # The keepers' notes page (and so their navigation's count) hears too, with no
    # name and no note; nothing is left for the member or anyone else.
    for key in ("facilitator", "t_fac", "organizer"):
        [(kind, title, text)] = await notices(live_world, key)
        assert kind == "pause_request"
        assert "Wren" not in title + text and "lot" not in text
    assert await notices(live_world, "member") == []
    assert await notices(live_world, "bystander") == []
    # A request is not a decision: the audit log holds nothing of it.
    assert (
        await database_sync_to_async(AuditEntry.objects.filter(action__contains="pause").count)()
        == 0
    )


async def test_the_note_is_optional(live_world: World, connect: Connect) -> None:
    member = await connect(live_world.people["member"], live_world.group)
    facilitator = await connect(live_world.people["facilitator"], live_world.group)
    await member.send({"type": "pause.request"})
    assert (await answer(member, "pause.ack"))["type"] == "pause.ack"
    assert (await answer(facilitator, "pause.requested"))["note"] == ""


async def test_a_keeper_who_asks_is_not_told_of_their_own_request(
    live_world: World, ids: dict[str, int], connect: Connect
) -> None:
    facilitator = await connect(live_world.people["facilitator"], live_world.group)
    t_fac = await connect(live_world.people["t_fac"], live_world.group)
    member = await connect(live_world.people["member"], live_world.group)
    await facilitator.send({"type": "pause.request", "note": "I need a minute."})
    assert (await answer(facilitator, "pause.ack"))["type"] == "pause.ack"
    event = await answer(t_fac, "pause.requested")
    assert event["member"]["id"] == ids["facilitator"]
    assert await facilitator.nothing()
    assert await member.nothing()
    assert await notices(live_world, "facilitator") == []


async def test_an_organizer_may_ask_too(live_world: World, connect: Connect) -> None:
    organizer = await connect(live_world.people["organizer"], live_world.group)
    facilitator = await connect(live_world.people["facilitator"], live_world.group)
    await organizer.send({"type": "pause.request"})
    assert (await answer(organizer, "pause.ack"))["type"] == "pause.ack"
    assert (await answer(facilitator, "pause.requested"))["type"] == "pause.requested"


@pytest.mark.parametrize("how", ["muted", "older consent", "room paused"])
async def test_asking_for_a_pause_stays_open_when_posting_is_closed(
    live_world: World, connect: Connect, how: str
) -> None:
    """As reporting harm and asking for help stay open to everyone in the group."""
    group, person = live_world.group, live_world.people["member"]
    if how == "muted":
        until = timezone.now() + timedelta(hours=1)
        await database_sync_to_async(state.update_membership)(person, group, muted_until=until)
    elif how == "older consent":
        await database_sync_to_async(state.update_group)(group, agreement_version=2)
    else:
        until = timezone.now() + timedelta(minutes=10)
        await database_sync_to_async(state.update_group)(group, paused_until=until)
    member = await connect(person, group)
    assert member.hello["me"]["can_post"] is False
    facilitator = await connect(live_world.people["facilitator"], group)
    await member.send({"type": "pause.request", "note": "Please."})
    assert (await answer(member, "pause.ack"))["type"] == "pause.ack"
    event = await answer(facilitator, "pause.requested")
    assert event["paused"] is (how == "room paused")


@pytest.mark.parametrize("who", ["outsider", "pending", "never consented", "left"])
def test_only_a_reader_of_the_room_may_ask(live_world: World, who: str) -> None:
    """Who cannot open the room's socket is refused by the action too (the one write path)."""
    group = Group.objects.get(pk=live_world.group.pk)
    person = live_world.user("bystander")
    if who == "outsider":
        Membership.objects.filter(user=person, group=group).delete()
    elif who == "pending":
        Membership.objects.filter(user=person, group=group).update(status="pending")
    elif who == "never consented":
        Membership.objects.filter(user=person, group=group).update(consented_version=0)
    else:
        Membership.objects.filter(user=person, group=group).update(status="left")
    with pytest.raises(Refused) as refusal:
        pauses.request_pause(member=person, group=group, note="")
    assert refusal.value.code == "not_member"
    assert not Notice.objects.filter(kind="pause_request").exists()


async def test_a_request_a_minute_then_rate_limited(live_world: World, connect: Connect) -> None:
    member = await connect(live_world.people["member"], live_world.group)
    facilitator = await connect(live_world.people["facilitator"], live_world.group)
    await member.send({"type": "pause.request"})
    assert (await answer(member, "pause.ack"))["type"] == "pause.ack"
    assert (await answer(facilitator, "pause.requested"))["type"] == "pause.requested"
    await member.send({"type": "pause.request", "note": "Again"})
    refusal = await answer(member, "pause.ack")
    assert refusal["code"] == "rate_limited"
    assert 0 < refusal["retry_after"] <= 60
    assert "facilitators already have" in refusal["detail"]
    assert await facilitator.nothing()
    assert len(await notices(live_world, "facilitator")) == 1
    # Another member's allowance is their own.
    bystander = await connect(live_world.people["bystander"], live_world.group)
    await bystander.send({"type": "pause.request"})
    assert (await answer(bystander, "pause.ack"))["type"] == "pause.ack"


@pytest.mark.parametrize(
    ("note", "code"), [("x" * 301, "too_long"), ("a\x00b", "invalid_text"), (7, "bad_field")]
)
async def test_bad_notes_are_refused_and_nothing_is_sent(
    live_world: World, connect: Connect, note: Any, code: str
) -> None:
    member = await connect(live_world.people["member"], live_world.group)
    facilitator = await connect(live_world.people["facilitator"], live_world.group)
    await member.send({"type": "pause.request", "note": note})
    refusal = await answer(member, "pause.ack")
    assert (refusal["type"], refusal["code"], refusal["field"]) == ("error", code, "note")
    assert await facilitator.nothing()
    assert await notices(live_world, "facilitator") == []
    # The refusal took no turn of the rate limit.
    await member.send({"type": "pause.request", "note": "x" * 300})
    assert (await answer(member, "pause.ack"))["type"] == "pause.ack"


# --- The keeper's answer --------------------------------------------------------------


async def test_the_answer_reaches_only_the_member_named(
    live_world: World, ids: dict[str, int], connect: Connect
) -> None:
    group = live_world.group
    member = await connect(live_world.people["member"], group)
    bystander = await connect(live_world.people["bystander"], group)
    t_fac = await connect(live_world.people["t_fac"], group)
    facilitator = await connect(live_world.people["facilitator"], group)
    text = "Thank you for telling us.\n\nTake all the time you need."
    await facilitator.send(
        {"type": "moderation.pause_answer", "member": ids["member"], "text": text}
    )
    ack = await answer(facilitator, "moderation.ack")
    assert ack == {"type": "moderation.ack", "action": "pause_answer", "member": ids["member"]}
    notice = await answer(member, "notice")
    assert notice["kind"] == "pause_answer"
    assert notice["text"] == "Thank you for telling us. Take all the time you need."
    for other in (bystander, t_fac, facilitator, member):
        assert await other.nothing()
    # Kept on the member's notes page; logged without the words.
    assert await notices(live_world, "member") == [
        ("pause_answer", notice["title"], notice["text"])
    ]
    [entry] = await database_sync_to_async(list)(
        AuditEntry.objects.filter(action="pause_answer").values(
            "actor_id", "target_user_id", "group_id", "reason", "clause"
        )
    )
    assert entry == {
        "actor_id": live_world.people["facilitator"].pk,
        "target_user_id": live_world.people["member"].pk,
        "group_id": group.pk,
        "reason": "",
        "clause": "",
    }


@pytest.mark.parametrize(
    ("actor", "target", "works"),
    [
        ("facilitator", "member", True),
        ("facilitator", "t_fac", True),  # care, not a sanction: a fellow facilitator too
        ("organizer", "member", True),
        ("t_fac", "facilitator", True),
        ("facilitator", "facilitator", False),  # not oneself
        ("member", "bystander", False),
        ("bystander", "member", False),
        ("t_member", "t_member", False),
    ],
)
async def test_who_may_answer(
    live_world: World, ids: dict[str, int], connect: Connect, actor: str, target: str, works: bool
) -> None:
    sender = await connect(live_world.people[actor], live_world.group)
    receiver = (
        await connect(live_world.people[target], live_world.group) if target != actor else None
    )
    await sender.send({"type": "moderation.pause_answer", "member": ids[target], "text": "Here."})
    event = await answer(sender, "moderation.ack")
    if works:
        assert event["type"] == "moderation.ack"
        assert receiver is not None
        assert (await answer(receiver, "notice"))["kind"] == "pause_answer"
    else:
        assert (event["code"], event["detail"]) == ("forbidden", FORBIDDEN)
        if receiver is not None:
            assert await receiver.nothing()
        count = AuditEntry.objects.filter(action="pause_answer").count
        assert await database_sync_to_async(count)() == 0


def test_a_keeper_no_longer_may_not_answer(live_world: World) -> None:
    """The action judges the actor as the account is now (the socket re-reads it too)."""
    target = live_world.membership("member")
    actor = live_world.user("facilitator")
    Membership.objects.filter(user=actor, group=live_world.group).update(role="member")
    with pytest.raises(Refused) as refusal:
        pauses.answer_pause(actor=User.objects.get(pk=actor.pk), membership=target, text="Hi")
    assert refusal.value.code == "forbidden"


async def test_answering_someone_not_in_the_room(
    live_world: World, ids: dict[str, int], connect: Connect
) -> None:
    facilitator = await connect(live_world.people["facilitator"], live_world.group)
    await facilitator.send({"type": "moderation.pause_answer", "member": 999_999, "text": "Hi"})
    assert (await answer(facilitator, "moderation.ack"))["code"] == "not_found"
    await database_sync_to_async(state.update_membership)(
        live_world.people["bystander"], live_world.group, status="left"
    )
    await facilitator.send(
        {"type": "moderation.pause_answer", "member": ids["bystander"], "text": "Hi"}
    )
    assert (await answer(facilitator, "moderation.ack"))["code"] == "not_member"


@pytest.mark.parametrize(
    ("text", "code"),
    [("x" * 801, "too_long"), ("a\x00b", "invalid_text"), ("   ", "empty"), (None, "empty")],
)
async def test_a_bad_answer_is_refused_and_nothing_reaches_the_member(
    live_world: World, ids: dict[str, int], connect: Connect, text: Any, code: str
) -> None:
    member = await connect(live_world.people["member"], live_world.group)
    facilitator = await connect(live_world.people["facilitator"], live_world.group)
    frame: dict[str, Any] = {"type": "moderation.pause_answer", "member": ids["member"]}
    if text is not None:
        frame["text"] = text
    await facilitator.send(frame)
    refusal = await answer(facilitator, "moderation.ack")
    assert (refusal["type"], refusal["code"], refusal["field"]) == ("error", code, "text")
    assert await member.nothing()
    assert await notices(live_world, "member") == []


# --- Without the room's script, and after an answer ------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 200), ("facilitator", 200), ("outsider", 404), ("left", 404)],
)
def test_the_page_without_script_asks_by_the_same_action(
    live_world: World, client: Any, who: str, status: int
) -> None:
    group = Group.objects.get(pk=live_world.group.pk)
    person = live_world.user("bystander" if who in ("outsider", "left") else who)
    if who == "outsider":
        Membership.objects.filter(user=person, group=group).delete()
    elif who == "left":
        Membership.objects.filter(user=person, group=group).update(status="left")
    client.force_login(person)
    page = f"/moderation/pause/{group.slug}/"
    assert client.get(page).status_code == status
    response = client.post(page, {"note": "  Too much\n right now. "}, follow=True)
    if status == 404:
        assert response.status_code == 404
        assert not Notice.objects.filter(kind="pause_request").exists()
        return
    assert response.redirect_chain == [(f"/groups/{group.slug}/", 302)]
    assert pauses.REQUESTED in response.content.decode()
    keepers = set(Notice.objects.filter(kind="pause_request").values_list("user_id", flat=True))
    everyone = {"facilitator", "t_fac", "organizer"} - {who}
    assert keepers == {live_world.people[k].pk for k in everyone}
    # Asked again within the minute: refused with the sentence, nothing more sent.
    again = client.post(page, {"note": ""})
    assert again.status_code == 400
    assert "You can ask again in a minute" in again.content.decode()
    assert Notice.objects.filter(kind="pause_request").count() == len(everyone)


def test_the_room_offers_the_page_to_a_reader_without_script(
    live_world: World, client: Any
) -> None:
    group = Group.objects.get(pk=live_world.group.pk)
    client.force_login(live_world.user("member"))
    html = client.get(f"/groups/{group.slug}/").content.decode()
    assert f'href="/moderation/pause/{group.slug}/">I need a pause</a>' in html


def test_an_answer_ends_every_keepers_note_of_that_request(live_world: World) -> None:
    group = Group.objects.get(pk=live_world.group.pk)
    pauses.request_pause(member=live_world.user("member"), group=group, note="")
    pauses.request_pause(member=live_world.user("bystander"), group=group, note="")
    assert Notice.objects.filter(kind="pause_request", until__isnull=True).count() == 6
    pauses.answer_pause(
        actor=live_world.user("facilitator"),
        membership=live_world.membership("member"),
        text="We're here with you.",
    )
    ended = Notice.objects.filter(kind="pause_request", until__isnull=False)
    # Each keeper's note of Mara's request is history now (not counted as unread);
    # Bea's request still waits for an answer.
    assert ended.count() == 3
    assert all(not n.is_unread for n in ended)
    assert {n.ended_title for n in ended} == {"Someone asked for a pause, and was answered"}
    waiting = Notice.objects.filter(kind="pause_request", until__isnull=True)
    assert waiting.count() == 3
    assert all(n.link.endswith(f"#pause-{live_world.membership('bystander').pk}") for n in waiting)
