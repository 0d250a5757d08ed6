"""One clock: every time a person reads is in their own time zone, once per sentence.

The people here live in Kolkata (UTC+05:30, no summer time), so a moment at
20:14 UTC reads 01:44 the next day. The home page's notes, the room (its
messages and its muted composer), the moderation pages (queue, message
preview, member page, record) and the notes themselves all say so, and none
says "UTC". The words stored for a pause name no time at all.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import AsyncClient, Client

from community.models import Notice, User
from groups.actions import chat
from groups.models import Membership
from moderation.actions import members, reports
from tests.html import text_of
from tests.moderation.conftest import CLAUSE, World, build_world

pytestmark = pytest.mark.django_db
ZONE = "Asia/Kolkata"
MOMENT = datetime(2026, 11, 22, 20, 14, tzinfo=UTC)  # 23 Nov, 01:44 in Kolkata
HERE, HERE_LATER = "23 Nov, 01:44", "23 November, 02:44"  # the moment, and an hour on


@pytest.fixture
def circle(db: None) -> World:
    with time_machine.travel(MOMENT, tick=False):
        world = build_world(("member", "facilitator", "bystander"))
        User.objects.filter(pk__in=[p.pk for p in world.people.values()]).update(time_zone=ZONE)
        said = chat.send_message(
            user=world.people["member"], group=world.group, client_id="late", body="Still up."
        ).message
        reports.report_message(
            reporter=world.people["bystander"], message_id=said.pk, clause=CLAUSE
        )
        members.mute(
            actor=world.people["facilitator"],
            membership=world.membership("member"),
            minutes=60,
            clause=CLAUSE,
        )
    return world


def page(user: Any, path: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    return text_of(response.content.decode()).replace(" .", ".")  # "<time>…</time>."


def test_every_page_shows_times_in_the_persons_zone_and_never_utc(circle: World) -> None:
    member, facilitator = circle.people["member"], circle.people["facilitator"]
    muted = Membership.objects.get(group=circle.group, user=member)
    with time_machine.travel(MOMENT + timedelta(minutes=5), tick=False):
        home = page(member, "/")
        assert f"Until {HERE_LATER}." in home  # the pause's note, in the member's zone
        assert "Posting paused for a while" in home and HERE in home

        room = page(member, circle.group.get_absolute_url())
        assert HERE in room  # every message's time
        # The composer says until when, once, in one zone.
        assert "You are paused from posting until 23 Nov, 02:44. A facilitator paused" in room

        queue = page(facilitator, "/moderation/")
        assert f"Opened {HERE}" in queue and HERE in queue  # and the message previews
        member_page = page(facilitator, f"/moderation/members/{muted.pk}/")
        assert "posting paused until 23 Nov, 02:44" in member_page
        record = page(member, "/moderation/record/")
        assert "until 23 Nov, 02:44" in record
        notes = page(member, "/notes/")
        assert f"Until {HERE_LATER}." in notes

        for text in (home, room, queue, member_page, record, notes):
            assert "UTC" not in text


def test_a_person_without_a_zone_reads_utc_until_the_browser_says(circle: World) -> None:
    member = circle.people["member"]
    User.objects.filter(pk=member.pk).update(time_zone="")
    with time_machine.travel(MOMENT + timedelta(minutes=5), tick=False):
        assert "Until 22 November, 21:14." in page(member, "/")


def test_the_words_of_a_pause_name_no_time(circle: World) -> None:
    muted = Membership.objects.get(group=circle.group, user=circle.people["member"])
    note = Notice.objects.get(user=circle.people["member"], kind="mute")
    for words in (muted.mute_reason, note.text):
        assert "“Honor boundaries”" in words
        assert "UTC" not in words and ":" not in words.split("”")[-1]
    assert note.until == muted.muted_until


@pytest.mark.django_db(transaction=True)
async def test_the_async_path_shows_the_same_zone() -> None:
    """uvicorn serves every request through the async middleware chain."""
    from asgiref.sync import sync_to_async

    world = await sync_to_async(build_world)(("member", "facilitator"))
    member = world.people["member"]
    await User.objects.filter(pk=member.pk).aupdate(time_zone=ZONE)
    await sync_to_async(Notice.objects.create)(
        user=member, kind="nudge", title="A note", text="Hello.", created_at=MOMENT
    )
    client = AsyncClient()
    await client.aforce_login(member)
    home = text_of((await client.get("/")).content.decode())
    assert HERE in home and "UTC" not in home


def test_notes_written_before_keep_no_clock_and_learn_when_they_ended(circle: World) -> None:
    """The migration that takes the UTC times out of older words (moderation 0002)."""
    from importlib import import_module

    from django.apps import apps

    from groups import audit

    migration = import_module("moderation.migrations.0002_held_label_and_timeless_notes")
    member = circle.people["member"]
    old = (
        "A facilitator paused your posting because a message touched the agreement's "
        "“Honor boundaries”. You can keep reading, and post again after 22 November, 21:14 UTC."
    )
    Notice.objects.filter(user=member).delete()
    with time_machine.travel(MOMENT, tick=False):
        note = Notice.objects.create(
            user=member, kind="mute", title="Posting paused for a while", text=old,
            link=circle.group.get_absolute_url(),
        )  # fmt: skip
        Membership.objects.filter(group=circle.group, user=member).update(mute_reason=old)
    with time_machine.travel(MOMENT + timedelta(minutes=20), tick=False):
        audit.record("unmute", actor=circle.people["facilitator"], group=circle.group,
                     target_user=member)  # fmt: skip
    migration.forget_clock_times(apps, None)
    note.refresh_from_db()
    assert note.until == MOMENT + timedelta(minutes=20)  # lifted early, by hand
    assert note.ended_title == "Your posting was paused for a while"
    assert note.text.endswith("You can keep reading, and post again when the pause lifts.")
    reason = Membership.objects.get(group=circle.group, user=member).mute_reason
    assert "UTC" not in reason and reason.endswith("when the pause lifts.")
