"""The room page's settings (slow mode, holding newcomers' first messages) are saved
by one action in one transaction: if either part is refused, neither is written."""

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from community.errors import Refused
from groups.models import AuditEntry, Group
from moderation.actions import rooms
from moderation.models import CrisisPhrase, WordFilter
from tests.html import find, parse
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


def test_each_form_of_the_room_and_site_pages_posts_to_its_own_action(
    small_world: World,
) -> None:
    """The pages' forms name the action they post to; none posts back to the page."""
    group = small_world.group
    WordFilter.objects.create(group=group, phrase="room word")
    WordFilter.objects.create(group=None, phrase="site word")
    CrisisPhrase.objects.create(phrase="a crisis phrase")
    suspended = small_world.people["member"]
    suspended.suspended_until = timezone.now() + timedelta(days=1)
    suspended.save(update_fields=["suspended_until"])
    client = Client()
    client.force_login(small_world.people["organizer"])

    def actions(path: str) -> list[str]:
        html = client.get(path).content.decode()
        return sorted(
            resolve(form.attrs["action"]).url_name or ""
            for form in find(html, "form")
            if form.attrs.get("method") == "post"
            and "action" in form.attrs
            and resolve(form.attrs["action"]).namespace == "moderation"
        )

    assert actions(f"/moderation/rooms/{group.slug}/") == [
        "room_add_filter",
        "room_pause",
        "room_remove_filter",
        "room_settings",
    ]
    assert actions("/moderation/site/") == [
        "site_add_filter",
        "site_add_phrase",
        "site_remove_filter",
        "site_remove_phrase",
        "site_suspend",
        "site_unsuspend",
    ]


def test_the_pages_take_no_post_themselves_and_stay_404_to_others(small_world: World) -> None:
    """Their forms post to their actions. A post to the page (from a copy opened before
    its forms had their own actions) saves nothing and says so to who may see it, and is
    404, as before, to everyone else."""
    room = f"/moderation/rooms/{small_world.group.slug}/"
    data = {"what": "settings", "slow_mode_seconds": 30, "hold_first_messages": 3}
    for key, path, status in [
        ("facilitator", room, 302),
        ("member", room, 404),
        ("organizer", "/moderation/site/", 302),
        ("facilitator", "/moderation/site/", 404),
    ]:
        client = Client()
        client.force_login(small_world.people[key])
        response = client.post(path, data, follow=status == 302)
        if status == 302:
            assert response.redirect_chain == [(path, 302)], (key, path)
            assert "Nothing was saved: please try again." in response.content.decode()
        else:
            assert response.status_code == status, (key, path)
    assert settings_of(small_world.group) == (0, 0)


def test_an_action_says_nothing_to_whoever_may_not_see_its_page(small_world: World) -> None:
    """A GET to an action's address is 405 to a keeper of the room, and 404 to anyone
    else, exactly as for a group that does not exist."""
    settings = f"/moderation/rooms/{small_world.group.slug}/settings/"
    for key, path, status in [
        ("facilitator", settings, 405),
        ("member", settings, 404),
        ("member", "/moderation/rooms/no-such-room/settings/", 404),
        ("organizer", "/moderation/site/filters/", 405),
        ("facilitator", "/moderation/site/filters/", 404),
    ]:
        client = Client()
        client.force_login(small_world.people[key])
        assert client.get(path).status_code == status, (key, path)


def test_each_label_on_the_room_and_site_pages_names_its_own_field(small_world: World) -> None:
    """The site page has two forms with a phrase (a word filter, a crisis phrase): each
    label must lead a screen reader, and a tap, to its own field."""
    client = Client()
    client.force_login(small_world.people["organizer"])
    for path in (f"/moderation/rooms/{small_world.group.slug}/", "/moderation/site/"):
        elements = parse(client.get(path).content.decode())
        ids = [e.attrs["id"] for e in elements if "id" in e.attrs]
        assert len(ids) == len(set(ids)), (path, sorted(i for i in ids if ids.count(i) > 1))
        targets = [e.attrs["for"] for e in elements if e.tag == "label" and "for" in e.attrs]
        assert targets and set(targets) <= set(ids), path
