"""A member chooses another name in a group (issue 16 item 3).

The new name is used everywhere in that group at once, earlier messages too; the
group's facilitators keep the earlier one; a look-alike of someone else's name, a
group that uses account names, a pause on posting and a fourth change in a day are
refused with a sentence that says why. Open sockets telling the room the new name:
tests/chat/test_presence.py.
"""

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from community.errors import Refused
from groups import permissions
from groups.actions import chat
from groups.actions import membership as member_actions
from groups.models import Group, Membership, NameChange
from moderation.actions import members as member_moderation
from tests.chat.conftest import make_room
from tests.factories import SESSION_READS
from tests.groups.conftest import ROLES

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rename_url(group: Group) -> str:
    return reverse("groups:rename", args=[group.slug])


def name_of(user: Any, group: Group) -> str:
    return Membership.objects.select_related("user").get(user=user, group=group).display_name


@pytest.fixture
def circle() -> dict[str, Any]:
    people = make_room(members=2, facilitators=1)
    group, mara = people["group"], people["members"][0]
    chat.send_message(user=mara, group=group, client_id="before", body="Hello, all of you")
    return people


# --- Who may ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_a_member_who_may_speak_may_choose_another_name(world: Any, role: str) -> None:
    group, person = world.group, world[role] or AnonymousUser()
    mine = world.membership(role) if world[role] is not None else None
    may_speak = permissions.can_read(person, group, mine) and not permissions.needs_consent(
        group, mine
    )
    assert permissions.can_rename(person, group, mine) is may_speak
    assert (role in {"member", "facilitator"}) is may_speak


@pytest.mark.parametrize(
    ("role", "status"),
    [("visitor", 302), ("outsider", 404), ("pending", 404), ("organizer", 404), ("removed", 404)],
)
def test_people_outside_the_group_find_no_page(world: Any, role: str, status: int) -> None:
    client = signed_in(world[role]) if world[role] is not None else Client()
    response = client.get(rename_url(world.group))
    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"].startswith("/accounts/login/")


def test_a_stale_consent_reads_why_it_cannot_change_its_name_yet(world: Any) -> None:
    client = signed_in(world["unconsented"])
    page = client.get(rename_url(world.group)).content.decode()
    assert "Please read it and agree again first." in page
    assert 'name="pseudonym"' not in page
    client.post(rename_url(world.group), {"pseudonym": "Someone Else"})
    assert name_of(world["unconsented"], world.group) == "Uma"


# --- Changing it ------------------------------------------------------------------


def test_the_new_name_is_used_everywhere_in_the_group_and_earlier_messages_too(
    circle: dict[str, Any],
) -> None:
    group = circle["group"]
    mara, sam = circle["members"]
    response = signed_in(mara).post(rename_url(group), {"pseudonym": "Little Fern"})
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("groups:members", args=[group.slug])

    seen_by_sam = signed_in(sam)
    room = seen_by_sam.get(reverse("groups:group", args=[group.slug])).content.decode()
    assert "Little Fern" in room and "Member 1" not in room  # her earlier message too
    members = seen_by_sam.get(reverse("groups:members", args=[group.slug])).content.decode()
    assert "Little Fern" in members and "Member 1" not in members
    # The record is the facilitators': old and new, nothing for members to read.
    (change,) = NameChange.objects.all()
    assert (change.old_name, change.new_name) == ("Member 1", "Little Fern")


def test_the_facilitators_see_the_earlier_names_on_the_members_page_of_moderation(
    circle: dict[str, Any],
) -> None:
    group, mara = circle["group"], circle["members"][0]
    member_actions.rename(user=mara, group=group, pseudonym="Little Fern")
    mine = Membership.objects.get(user=mara, group=group)
    page = signed_in(circle["facilitators"][0]).get(reverse("moderation:member", args=[mine.pk]))
    assert "Earlier names in this group: Member 1" in page.content.decode()


def test_back_to_the_account_name_with_an_empty_field(circle: dict[str, Any]) -> None:
    group, mara = circle["group"], circle["members"][0]
    member_actions.rename(user=mara, group=group, pseudonym="Little Fern")
    member_actions.rename(user=mara, group=group, pseudonym="")
    assert name_of(mara, group) == "Member 1"
    assert list(NameChange.objects.values_list("old_name", "new_name")) == [
        ("Little Fern", "Member 1"),
        ("Member 1", "Little Fern"),
    ]


def test_the_same_name_again_changes_and_records_nothing(circle: dict[str, Any]) -> None:
    group, mara = circle["group"], circle["members"][0]
    member_actions.rename(user=mara, group=group, pseudonym="Little Fern")
    member_actions.rename(user=mara, group=group, pseudonym="  Little Fern ")
    assert NameChange.objects.count() == 1


# --- Refused, with a reason -------------------------------------------------------


def test_a_look_alike_of_someone_elses_name_is_refused_and_nothing_changes(
    circle: dict[str, Any],
) -> None:
    (mara, sam), group = circle["members"], circle["group"]
    member_actions.rename(user=sam, group=group, pseudonym="Ann")
    response = signed_in(mara).post(rename_url(group), {"pseudonym": "\u0410nn"})  # Cyrillic A
    assert response.status_code == 200
    assert "Someone in this group already goes by that name" in response.content.decode()
    assert name_of(mara, group) == "Member 1"
    assert NameChange.objects.filter(membership__user=mara).count() == 0


def test_the_account_name_is_refused_when_someone_here_goes_by_a_look_alike(
    circle: dict[str, Any],
) -> None:
    group = circle["group"]
    mara, sam = circle["members"]
    member_actions.rename(user=mara, group=group, pseudonym="Little Fern")
    member_actions.rename(user=sam, group=group, pseudonym="Member l")  # l for 1
    with pytest.raises(Refused) as refused:
        member_actions.rename(user=mara, group=group, pseudonym="")
    assert refused.value.code == "name_taken"
    assert name_of(mara, group) == "Little Fern"


def test_a_group_that_uses_account_names_refuses_a_new_name(circle: dict[str, Any]) -> None:
    group, mara = circle["group"], circle["members"][0]
    Group.objects.filter(pk=group.pk).update(pseudonyms_allowed=False)
    page = signed_in(mara).get(rename_url(group)).content.decode()
    assert "In this group everyone goes by the name on their account." in page
    with pytest.raises(Refused) as refused:
        member_actions.rename(user=mara, group=group, pseudonym="Little Fern")
    assert refused.value.code == "names_fixed"
    members = signed_in(mara).get(reverse("groups:members", args=[group.slug])).content
    assert b"Change your name in this group" not in members


def test_a_paused_member_cannot_change_their_name(circle: dict[str, Any]) -> None:
    group, mara = circle["group"], circle["members"][0]
    member_moderation.mute(
        actor=circle["facilitators"][0],
        membership=Membership.objects.get(user=mara, group=group),
        minutes=30,
        clause="Honor boundaries",
    )
    response = signed_in(mara).post(rename_url(group), {"pseudonym": "Little Fern"})
    assert "that includes changing your name here" in response.content.decode()
    assert name_of(mara, group) == "Member 1"


def test_a_fourth_change_in_a_day_waits_until_tomorrow(circle: dict[str, Any]) -> None:
    group, mara = circle["group"], circle["members"][0]
    for name in ("Fern", "Moss", "Reed"):
        member_actions.rename(user=mara, group=group, pseudonym=name)
    response = signed_in(mara).post(rename_url(group), {"pseudonym": "Rush"})
    assert "You can choose again tomorrow." in response.content.decode()
    assert name_of(mara, group) == "Reed"


def test_the_page_reads_in_fixed_queries(circle: dict[str, Any], django_assert_num_queries) -> None:
    client = signed_in(circle["members"][0])
    client.get(rename_url(circle["group"]))  # the session's first read
    with django_assert_num_queries(5 + SESSION_READS):
        assert client.get(rename_url(circle["group"])).status_code == 200
