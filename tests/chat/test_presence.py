"""Who is here now: announced on join and leave, shared through the presence table
(Redis under REDIS_URL), and expiring on its own when a process dies."""

import time
from typing import Any

import pytest
import time_machine
from asgiref.sync import sync_to_async

from groups import presence
from groups.actions import membership as member_actions
from tests.chat import state
from tests.chat.conftest import make_room

pytestmark = pytest.mark.django_db(transaction=True)


async def names(sock: Any) -> list[str]:
    return [p["name"] for p in (await sock.receive_type("presence"))["here"]]


async def test_joining_and_leaving_are_announced(room, connect):
    group = room["group"]
    alice = await connect(room["members"][0], group)
    assert await names(alice) == ["Member 1"]
    bob = await connect(room["members"][1], group)
    assert await names(alice) == ["Member 1", "Member 2"]
    here = (await bob.receive_type("presence"))["here"]
    member = await sync_to_async(state.membership)(room["members"][1], group)
    assert {"id": member.pk, "name": "Member 2", "role": "member"} in here
    await bob.close()
    assert await names(alice) == ["Member 1"]


async def test_two_tabs_are_one_person_until_both_close(room, connect):
    group = room["group"]
    watcher = await connect(room["facilitators"][0], group)
    await names(watcher)
    tab1 = await connect(room["members"][0], group)
    assert await names(watcher) == ["Facilitator 1", "Member 1"]
    tab2 = await connect(room["members"][0], group)
    assert await names(watcher) == ["Facilitator 1", "Member 1"]
    await tab1.close()
    assert await names(watcher) == ["Facilitator 1", "Member 1"]
    await tab2.close()
    assert await names(watcher) == ["Facilitator 1"]


async def test_presence_of_a_dead_process_expires(room, connect, monkeypatch):
    """A socket in another process that died never leaves; its entry expires by itself."""
    group = room["group"]
    alice = await connect(room["members"][0], group)
    await names(alice)
    ghost = await sync_to_async(state.membership)(room["members"][1], group)
    # The other process entered with a short life left and then died (no refresh, no leave).
    monkeypatch.setattr(presence, "TTL", 1.0)
    await presence.get_presence().enter(group.pk, ghost.pk, "other-process!dead-channel")
    monkeypatch.undo()
    assert await presence.get_presence().here(group.pk) == {alice.hello["me"]["id"], ghost.pk}
    facilitator = await connect(room["facilitators"][0], group)  # renews the room's entries
    assert await names(alice) == ["Facilitator 1", "Member 1", "Member 2"]
    await names(facilitator)
    with time_machine.travel(time.time() + 1.1):  # the ghost's second has passed
        assert await presence.get_presence().here(group.pk) == {
            alice.hello["me"]["id"],
            facilitator.hello["me"]["id"],
        }
        # The next announcement no longer lists the departed member.
        await facilitator.close()
        assert await names(alice) == ["Member 1"]


async def test_presence_is_per_room(room, connect):
    from tests.chat.conftest import make_room

    other = await sync_to_async(make_room)(members=1, facilitators=0)
    here = await connect(room["members"][0], room["group"])
    await names(here)
    await connect(other["members"][0], other["group"])
    assert await here.nothing(ignore=())


@pytest.mark.redis
def test_presence_lives_in_redis_under_redis_url() -> None:
    """Under REDIS_URL, presence is shared across processes (not a per-process table)."""
    assert isinstance(presence.get_presence(), presence.RedisPresence)


async def test_an_open_room_hears_the_new_name(connect) -> None:
    people = await sync_to_async(make_room)(members=2, facilitators=0)
    group = people["group"]
    mara, sam = people["members"]
    hers = await connect(mara, group)
    his = await connect(sam, group)
    await his.receive_type("presence")

    await sync_to_async(member_actions.rename)(user=mara, group=group, pseudonym="Little Fern")
    me = await hers.receive_type("me")
    assert me["me"]["name"] == "Little Fern"
    while True:  # the presence list he sees names her anew
        here = (await his.receive_type("presence"))["here"]
        if "Little Fern" in [person["name"] for person in here]:
            break
    assert "Member 1" not in [person["name"] for person in here]


async def test_a_connect_reads_the_roster_only_when_it_is_stale_or_wrong_about_the_person(
    connect, monkeypatch
):
    """The names and roles a room lists come from one roster per process and room,
    read again when it could be wrong: not at every connect (a storm read each room's
    ten times), but when the person connecting is named or placed differently there,
    or when the copy is older than ROSTER_FRESH."""
    from groups import consumers
    from groups.models import Membership

    reads: list[int] = []
    load = consumers.load_roster

    async def counted(group: Any) -> Any:
        reads.append(group.pk)
        return await load(group)

    monkeypatch.setattr(consumers, "load_roster", counted)
    people = await sync_to_async(make_room)(members=3, facilitators=0)
    group, (mara, sam, ada) = people["group"], people["members"]
    watcher = await connect(mara, group)
    assert await names(watcher) == ["Member 1"]
    await connect(sam, group)
    assert await names(watcher) == ["Member 1", "Member 2"]
    assert len(reads) == 1  # the second connect found Sam in the first one's copy

    # Ada's name changed where this process did not see it (no signal reached it):
    # her own connect finds the copy wrong about her, reads again and lists her anew.
    await sync_to_async(Membership.objects.filter(user=ada, group=group).update)(
        pseudonym="Quiet Oak"
    )
    await connect(ada, group)
    assert await names(watcher) == ["Member 1", "Member 2", "Quiet Oak"]
    assert len(reads) == 2

    # Sam's changed too; a copy past ROSTER_FRESH is read again at the next connect.
    await sync_to_async(Membership.objects.filter(user=sam, group=group).update)(pseudonym="Birch")
    monkeypatch.setattr(consumers, "ROSTER_FRESH", 0.0)
    await connect(mara, group)
    assert len(reads) == 3
    assert await names(watcher) == ["Member 1", "Birch", "Quiet Oak"]  # in order of joining


async def test_an_open_room_hears_a_new_role(connect) -> None:
    """Appointed a facilitator while in the room, the list everyone sees says so."""
    people = await sync_to_async(make_room)(members=2, facilitators=0)
    group, (mara, sam), organizer = people["group"], people["members"], people["organizer"]
    await connect(mara, group)
    his = await connect(sam, group)
    await his.receive_type("presence")

    await sync_to_async(member_actions.set_facilitator)(
        actor=organizer, group=group, user=mara, facilitator=True
    )
    while True:  # the presence list he sees gives her the new role
        here = {p["name"]: p["role"] for p in (await his.receive_type("presence"))["here"]}
        if here.get("Member 1") == "facilitator":
            break
    assert here == {"Member 1": "facilitator", "Member 2": "member"}
