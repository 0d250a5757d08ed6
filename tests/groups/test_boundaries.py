"""Mute and block over HTTP (issue 16 item 1): who may, what the pages show, and the
pseudonyms a boundary must never connect.

The sockets' side is tests/chat/test_boundaries.py (and test_two_processes.py).
"""

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from community.errors import Refused
from groups import permissions
from groups.actions import boundaries, chat
from groups.actions import groups as group_actions
from groups.models import Boundary, Membership, Reaction
from tests.chat.conftest import make_room
from tests.factories import make_organizer, make_user
from tests.groups.conftest import ROLES, join_open

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def membership(user: Any, group: Any) -> Membership:
    return Membership.objects.get(user=user, group=group)


# --- Who may ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_whoever_reads_the_room_may_mute_someone_else_in_it(world: Any, role: str) -> None:
    group, person = world.group, world[role] or AnonymousUser()
    target = world.membership("facilitator" if role != "facilitator" else "member")
    mine = world.membership(role) if world[role] is not None else None
    expected = permissions.can_read(person, group, mine)
    assert permissions.can_set_boundary(person, group, mine, target) is expected
    # Nobody mutes themselves, or someone of another group through this one.
    if mine is not None:
        assert not permissions.can_set_boundary(person, group, mine, mine)
    stranger = world.other_group.memberships.first()
    assert not permissions.can_set_boundary(person, group, mine, stranger)


def test_a_stale_consent_or_a_paused_member_may_still_set_a_boundary(world: Any) -> None:
    """As reporting: a boundary writes nothing anyone else reads."""
    person, group = world["unconsented"], world.group
    target = world.membership("member")
    boundaries.set_boundary(user=person, group=group, target_id=target.pk, kind="mute")
    assert Boundary.objects.filter(owner__user=person, target=target, kind="mute").exists()


# --- The write path ---------------------------------------------------------------


@pytest.fixture
def circle(db: None) -> dict[str, Any]:
    people = make_room(members=3, facilitators=1)
    people["ana"], people["ben"], people["cal"] = people["members"]
    return people


def test_mute_then_block_then_neither_is_one_row_that_changes(circle: dict[str, Any]) -> None:
    group, ana = circle["group"], circle["ana"]
    ben = membership(circle["ben"], group)
    for kind in ("mute", "block", "mute"):
        boundaries.set_boundary(user=ana, group=group, target_id=ben.pk, kind=kind)
        assert list(Boundary.objects.values_list("kind", flat=True)) == [kind]
    boundaries.set_boundary(user=ana, group=group, target_id=ben.pk, kind="none")
    assert not Boundary.objects.exists()


def test_blocked_reaction_over_http_is_refused_with_the_same_sentence(
    circle: dict[str, Any],
) -> None:
    group, ana, ben = circle["group"], circle["ana"], circle["ben"]
    message = chat.send_message(user=ana, group=group, client_id="a1", body="Hello all").message
    boundaries.set_boundary(
        user=ana, group=group, target_id=membership(ben, group).pk, kind="block"
    )
    response = signed_in(ben).post(
        f"/groups/{group.slug}/messages/{message.pk}/react/", {"reaction": "heard"}, follow=True
    )
    told = response.content.decode().split('<div class="messages"')[1].split("</div>")[0]
    assert "Reactions to this message aren&#x27;t available to you." in told
    assert "block" not in told.lower() and "Member 1" not in told
    assert not Reaction.objects.filter(message=message).exists()
    # Cal is not blocked: Cal's reaction is taken.
    signed_in(circle["cal"]).post(
        f"/groups/{group.slug}/messages/{message.pk}/react/", {"reaction": "heard"}
    )
    assert Reaction.objects.filter(message=message).count() == 1


def test_the_room_folds_a_muted_persons_messages_and_offers_mute_and_block(
    circle: dict[str, Any],
) -> None:
    group, ana, ben = circle["group"], circle["ana"], circle["ben"]
    chat.send_message(user=ben, group=group, client_id="b1", body="A hard week.")
    chat.send_message(user=circle["cal"], group=group, client_id="c1", body="I hear you.")
    client = signed_in(ana)
    page = client.get(f"/groups/{group.slug}/").content.decode()
    assert "someone you muted" not in page
    assert "Mute Member 2" in page and "Block Member 2" in page

    answer = client.post(
        f"/groups/{group.slug}/members/{membership(ben, group).pk}/boundary/",
        {"kind": "mute"},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 200
    assert answer.json()["detail"].startswith("You've muted Member 2 in this group.")
    page = client.get(f"/groups/{group.slug}/").content.decode()
    assert page.count("A message from someone you muted") == 1
    ben_message = page.split('data-client-id="b1"')[1].split("</li>")[0]
    assert "A message from someone you muted" in ben_message  # the words wait behind it
    cal_message = page.split('data-client-id="c1"')[1].split("</li>")[0]
    assert "someone you muted" not in cal_message
    # Ben's own room shows nothing of it.
    theirs = signed_in(ben).get(f"/groups/{group.slug}/").content.decode()
    assert "someone you muted" not in theirs and "A hard week." in theirs


def test_the_member_list_mutes_blocks_and_undoes(circle: dict[str, Any]) -> None:
    group, ana, ben = circle["group"], circle["ana"], circle["ben"]
    client = signed_in(ana)
    url = f"/groups/{group.slug}/members/"
    page = client.get(url).content.decode()
    assert "Block Member 2" in page and "Mute Member 1" not in page  # not oneself
    target = f"/groups/{group.slug}/members/{membership(ben, group).pk}/boundary/"
    response = client.post(target, {"kind": "block", "back": "members"})
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "(blocked for you)" in page and "Unblock Member 2" in page
    client.post(target, {"kind": "none", "back": "members"})
    assert not Boundary.objects.exists()


def test_muting_yourself_or_nonsense_is_refused_kindly(circle: dict[str, Any]) -> None:
    group, ana = circle["group"], circle["ana"]
    client = signed_in(ana)
    own = f"/groups/{group.slug}/members/{membership(ana, group).pk}/boundary/"
    answer = client.post(own, {"kind": "mute"}, headers={"Accept": "application/json"})
    assert answer.status_code == 400 and "That's you" in answer.json()["detail"]
    ben = f"/groups/{group.slug}/members/{membership(circle['ben'], group).pk}/boundary/"
    answer = client.post(ben, {"kind": "ignore"}, headers={"Accept": "application/json"})
    assert answer.status_code == 400
    assert not Boundary.objects.exists()


# --- Settings: "People you've muted or blocked" -----------------------------------


def test_settings_names_each_person_as_the_group_where_you_met_them_knows_them(
    db: None,
) -> None:
    """One account, two pseudonyms: a boundary set in one group says nothing of the other.

    The page names "Sky" in the group where Ana muted Sky; it never names "River",
    the same account in another group Ana shares with it, nor the account's own
    name, and River's messages in that other group are not folded.
    """
    organizer = make_organizer()
    first = group_actions.create_group(actor=organizer, name="Evening circle")
    second = group_actions.create_group(actor=organizer, name="Morning circle")
    ana = make_user(display_name="Ana")
    person = make_user(display_name="Jordan Account")
    for group in (first, second):
        join_open(ana, group)
    sky = join_open(person, first, pseudonym="Sky")
    join_open(person, second, pseudonym="River")
    chat.send_message(user=person, group=second, client_id="r1", body="Morning, all.")
    boundaries.set_boundary(user=ana, group=first, target_id=sky.pk, kind="mute")

    client = signed_in(ana)
    page = client.get("/settings/boundaries/").content.decode()
    assert "Sky" in page and "Evening circle" in page
    assert "River" not in page and "Jordan Account" not in page
    assert "Morning circle" not in page
    assert "Unmute" in page
    morning = client.get(f"/groups/{second.slug}/").content.decode()
    assert "someone you muted" not in morning and "Morning, all." in morning


def test_settings_unmute_and_unblock_and_only_your_own(circle: dict[str, Any]) -> None:
    group, ana = circle["group"], circle["ana"]
    ben = membership(circle["ben"], group)
    boundaries.set_boundary(user=ana, group=group, target_id=ben.pk, kind="block")
    boundary = Boundary.objects.get()
    # Someone else's boundary is not there to take back (and nothing says it exists).
    other = signed_in(circle["cal"])
    assert other.post(f"/settings/boundaries/{boundary.pk}/remove/").status_code == 404
    assert "Member 2" not in other.get("/settings/boundaries/").content.decode()
    assert Boundary.objects.exists()

    client = signed_in(ana)
    page = client.get("/settings/boundaries/").content.decode()
    assert "Unblock" in page and "Member 2" in page
    response = client.post(f"/settings/boundaries/{boundary.pk}/remove/", follow=True)
    assert "Member 2 is no longer muted or blocked for you." in response.content.decode()
    assert not Boundary.objects.exists()
    assert "You haven't muted or blocked anyone." in response.content.decode()


def test_a_person_removed_from_the_group_can_still_let_go_of_a_boundary(
    circle: dict[str, Any],
) -> None:
    group, ana = circle["group"], circle["ana"]
    boundaries.set_boundary(
        user=ana, group=group, target_id=membership(circle["ben"], group).pk, kind="mute"
    )
    Membership.objects.filter(user=ana, group=group).update(status="removed")
    boundary = Boundary.objects.get()
    assert signed_in(ana).post(f"/settings/boundaries/{boundary.pk}/remove/").status_code == 302
    assert not Boundary.objects.exists()


def test_a_facilitator_who_mutes_a_member_still_meets_their_reports_in_the_queue(
    circle: dict[str, Any],
) -> None:
    """A mute is for the facilitator's own reading: it hides nothing from their duties."""
    from moderation import selectors as moderation_selectors
    from moderation.actions import reports

    group, fen, ben = circle["group"], circle["facilitators"][0], circle["ben"]
    boundaries.set_boundary(
        user=fen, group=group, target_id=membership(ben, group).pk, kind="block"
    )
    message = chat.send_message(user=ben, group=group, client_id="b1", body="Sharp words.").message
    clause = group.agreements.order_by("-version").first().clauses.first().title
    report = reports.report_message(reporter=circle["cal"], message_id=message.pk, clause=clause)
    assert report in moderation_selectors.queue(fen)
    page = signed_in(fen).get("/moderation/").content.decode()
    assert "Sharp words." in page


def test_changes_are_paced_so_nobody_can_flicker_at_someone(
    circle: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(boundaries, "BURST", 3)
    group, ana = circle["group"], circle["ana"]
    ben = membership(circle["ben"], group)
    for kind in ("block", "none", "block"):
        boundaries.set_boundary(user=ana, group=group, target_id=ben.pk, kind=kind)
    with pytest.raises(Refused) as refused:
        boundaries.set_boundary(user=ana, group=group, target_id=ben.pk, kind="none")
    assert refused.value.code == "rate_limited"
    assert Boundary.objects.get().kind == "block"
    # Letting go from Settings is never paced: a boundary can always be taken back.
    boundaries.remove_boundary(user=ana, boundary_id=Boundary.objects.get().pk)
    assert not Boundary.objects.exists()
