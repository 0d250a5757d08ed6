"""The room page's settings (slow mode, holding newcomers' first messages) are saved
by one action in one transaction: if either part is refused, neither is written."""

from unittest import mock

import pytest
from django.test import Client

from community.errors import Refused
from groups.models import AuditEntry, Group
from moderation.actions import rooms
from tests.moderation.conftest import World

SETTINGS_ACTIONS = ("slow_mode", "hold_first")


def settings_of(group: Group) -> tuple[int, int]:
    group.refresh_from_db()
    return group.slow_mode_seconds, group.hold_first_messages


def logged(group: Group) -> int:
    return AuditEntry.objects.filter(group=group, action__in=SETTINGS_ACTIONS).count()


def test_both_parts_are_saved_together(small_world: World) -> None:
    group = small_world.group
    rooms.update_settings(
        actor=small_world.people["facilitator"],
        group=group,
        slow_mode_seconds=30,
        hold_first_messages=3,
    )
    assert settings_of(group) == (30, 3)
    assert logged(group) == 2


@pytest.mark.parametrize(
    ("seconds", "hold", "refusal"),
    [
        (30, 21, "Choose between 0 and 20 messages."),  # slow mode fine, holding refused
        (3601, 3, "Slow mode can be between 0 seconds and an hour."),  # the other way
    ],
)
def test_a_refused_part_leaves_the_other_part_unwritten(
    small_world: World, seconds: int, hold: int, refusal: str
) -> None:
    group = small_world.group
    with pytest.raises(Refused) as refused:
        rooms.update_settings(
            actor=small_world.people["facilitator"],
            group=group,
            slow_mode_seconds=seconds,
            hold_first_messages=hold,
        )
    assert refused.value.message == refusal
    assert settings_of(group) == (0, 0)
    assert logged(group) == 0


def test_the_room_page_saves_nothing_when_one_part_is_refused(small_world: World) -> None:
    """Through the form (whose own limits match the action's), a refusal of the second
    part shows its sentence, and the first part, already saved within the action, is
    rolled back with it."""
    group = small_world.group
    client = Client()
    client.force_login(small_world.people["facilitator"])
    with mock.patch.object(
        rooms, "_hold", side_effect=Refused("invalid", "Choose between 0 and 20 messages.")
    ):
        page = client.post(
            f"/moderation/rooms/{group.slug}/settings/",
            {"slow_mode_seconds": 30, "hold_first_messages": 3},
            follow=True,
        )
    assert page.redirect_chain[0][0] == f"/moderation/rooms/{group.slug}/"
    assert "Choose between 0 and 20 messages." in page.content.decode()
    assert "Room settings saved." not in page.content.decode()
    assert settings_of(group) == (0, 0)
    assert logged(group) == 0


def test_a_member_of_the_room_cannot_post_its_settings(small_world: World) -> None:
    group = small_world.group
    client = Client()
    client.force_login(small_world.people["member"])
    answer = client.post(
        f"/moderation/rooms/{group.slug}/settings/",
        {"slow_mode_seconds": 30, "hold_first_messages": 3},
    )
    assert answer.status_code == 404
    assert settings_of(group) == (0, 0)
