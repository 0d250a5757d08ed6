"""The one write path: every group action, what it writes, and what a refusal leaves alone."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from community.errors import Refused
from groups import permissions, selectors
from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.default_agreement import DEFAULT_CLAUSES
from groups.models import (
    Agreement,
    AuditEntry,
    Consent,
    Group,
    Invite,
    JoinPolicy,
    JoinRequest,
    Membership,
    MembershipStatus,
    RequestStatus,
    Role,
    Topic,
)
from tests.factories import make_organizer, make_user
from tests.groups.conftest import join_open, join_with_invite
from tests.html import find, text_of


def everything() -> tuple[Any, ...]:
    """Every row the group actions can write, to show a refusal wrote nothing."""
    return (
        sorted(Group.objects.values_list()),
        sorted(Membership.objects.values_list()),
        sorted(JoinRequest.objects.values_list()),
        sorted(Invite.objects.values_list()),
        sorted(Agreement.objects.values_list()),
        sorted(Consent.objects.values_list()),
        sorted(AuditEntry.objects.values_list()),
        sorted(Topic.objects.values_list()),
    )


@contextmanager
def refused(code: str, message: str = "") -> Iterator[None]:
    """Expect a refusal with `code` (and `message` in its sentence) that wrote nothing."""
    before = everything()
    with pytest.raises(Refused) as caught:
        yield
    assert caught.value.code == code, caught.value.message
    assert message in caught.value.message
    assert everything() == before, "a refused action left something half-written"


@pytest.fixture
def organizer(db: None) -> Any:
    return make_organizer(display_name="Olive")


@pytest.fixture
def open_group(organizer: Any) -> Group:
    return group_actions.create_group(
        actor=organizer, name="Carrying Grief", topics=["Grief"], capacity=4
    )


@pytest.fixture
def facilitator(organizer: Any, open_group: Group) -> Any:
    person = make_user(display_name="Farah")
    join_open(person, open_group)
    member_actions.set_facilitator(actor=organizer, group=open_group, user=person, facilitator=True)
    return person


@pytest.fixture
def request_group(organizer: Any, facilitator: Any, open_group: Group) -> Group:
    """The same group, now taking members by request."""
    Group.objects.filter(pk=open_group.pk).update(join_policy=JoinPolicy.REQUEST)
    open_group.refresh_from_db()
    return open_group


def audit_actions(group: Group) -> list[tuple[str, Any, Any]]:
    """(action, actor, target) of the group's audit entries, oldest first."""
    return [
        (e.action, e.actor, e.target_user)
        for e in AuditEntry.objects.filter(group=group).order_by("created_at", "id")
    ]


# --- Creating, editing, archiving -------------------------------------------------------


def test_create_group_opens_it_with_the_default_agreement(organizer: Any) -> None:
    group = group_actions.create_group(
        actor=organizer,
        name="  Quiet   Minds ",
        description="A *gentle* space. <script>x</script>",
        topics=["Anxiety", " panic  attacks ", ""],
        listed=False,
        join_policy=JoinPolicy.INVITE,
        capacity=8,
        pseudonyms_allowed=False,
    )

    assert (group.name, group.listed, group.join_policy, group.capacity) == (
        "Quiet Minds",
        False,
        JoinPolicy.INVITE,
        8,
    )
    assert not group.pseudonyms_allowed and group.created_by == organizer
    assert "<em>gentle</em>" in group.description_html and "<script>" not in (
        group.description_html
    )
    assert sorted(group.topics.values_list("slug", flat=True)) == ["anxiety", "panic-attacks"]
    assert group.agreement_version == 1
    assert [(c.title, c.body) for c in group.agreements.get().clauses.all()] == DEFAULT_CLAUSES
    assert audit_actions(group) == [
        ("group_created", organizer, None),
        ("agreement_published", organizer, None),
    ]
    assert not Membership.objects.filter(group=group).exists()


@pytest.mark.parametrize("who", ["member", "unverified organizer", "suspended organizer"])
def test_only_organizers_in_good_standing_create_groups(db: None, who: str) -> None:
    actor = {
        "member": lambda: make_user(),
        "unverified organizer": lambda: make_organizer(verified=False),
        "suspended organizer": lambda: make_organizer(
            suspended_until=timezone.now() + timedelta(days=1)
        ),
    }[who]()
    with refused("forbidden", "Only organizers can do that."):
        group_actions.create_group(actor=actor, name="Night Owls", topics=["Sleep"])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "   "}, "Please give the group a name."),
        ({"capacity": 1}, "Capacity must be between 2 and 50 people."),
        ({"capacity": 51}, "Capacity must be between 2 and 50 people."),
        ({"join_policy": "whenever"}, "Please choose how people join."),
    ],
)
def test_create_group_refuses_bad_details(
    organizer: Any, fields: dict[str, Any], message: str
) -> None:
    with refused("invalid", message):
        group_actions.create_group(
            actor=organizer, **{"name": "Night Owls", "topics": ["Sleep"], **fields}
        )


def test_edit_group_saves_details_and_records_it(organizer: Any, open_group: Group) -> None:
    group_actions.edit_group(
        actor=organizer,
        group=open_group,
        name="Living with Loss",
        description="Still here.",
        topics=["Loss"],
        listed=False,
        join_policy=JoinPolicy.REQUEST,
        capacity=10,
        pseudonyms_allowed=False,
    )

    group = Group.objects.get(pk=open_group.pk)
    assert (group.name, group.listed, group.join_policy, group.capacity) == (
        "Living with Loss",
        False,
        JoinPolicy.REQUEST,
        10,
    )
    assert list(group.topics.values_list("name", flat=True)) == ["Loss"]
    assert audit_actions(group)[-1] == ("group_edited", organizer, None)


def test_edit_group_refuses_non_organizers_and_bad_details(
    organizer: Any, open_group: Group, facilitator: Any
) -> None:
    details: dict[str, Any] = {
        "name": "Renamed",
        "description": "",
        "topics": [],
        "listed": True,
        "join_policy": JoinPolicy.OPEN,
        "capacity": 12,
        "pseudonyms_allowed": True,
    }
    with refused("forbidden"):
        group_actions.edit_group(actor=facilitator, group=open_group, **details)
    with refused("invalid", "Capacity must be between 2 and 50 people."):
        group_actions.edit_group(actor=organizer, group=open_group, **{**details, "capacity": 0})


def test_archiving_closes_the_group_to_newcomers_but_members_still_read(
    organizer: Any, open_group: Group, facilitator: Any
) -> None:
    member = make_user()
    join_open(member, open_group)
    invite = member_actions.create_invite(actor=facilitator, group=open_group, max_uses=5)
    requester = make_user()
    Group.objects.filter(pk=open_group.pk).update(join_policy=JoinPolicy.REQUEST)
    request = member_actions.request_to_join(
        user=requester, group=Group.objects.get(pk=open_group.pk)
    )

    group_actions.set_archived(actor=organizer, group=open_group, archived=True)

    group = Group.objects.get(pk=open_group.pk)
    assert group.archived
    assert audit_actions(group)[-1] == ("group_archived", organizer, None)
    with refused("archived", "This group has closed"):
        join_with_invite(make_user(), group, invite)
    with refused("archived", "This group has closed"):
        member_actions.decide_request(actor=facilitator, join_request=request, approve=True)
    Group.objects.filter(pk=group.pk).update(join_policy=JoinPolicy.OPEN)
    group.refresh_from_db()
    with refused("archived", "This group has closed"):
        join_open(make_user(), group)
    with refused("archived", "This group has closed"):
        member_actions.create_invite(actor=facilitator, group=group)
    assert group not in selectors.directory()
    membership = permissions.membership_for(member, group)
    assert permissions.can_read(member, group, membership)
    assert not permissions.can_post(member, group, membership)

    group_actions.set_archived(actor=organizer, group=group, archived=False)
    assert audit_actions(group)[-1] == ("group_unarchived", organizer, None)
    assert join_open(make_user(), group).is_active


def test_only_organizers_archive(open_group: Group, facilitator: Any) -> None:
    with refused("forbidden"):
        group_actions.set_archived(actor=facilitator, group=open_group, archived=True)


# --- Joining ---------------------------------------------------------------------------


def test_joining_an_open_group_records_consent(open_group: Group) -> None:
    person = make_user()

    membership = join_open(person, open_group, pseudonym="Willow")

    assert (membership.status, membership.role, membership.consented_version) == (
        MembershipStatus.ACTIVE,
        Role.MEMBER,
        1,
    )
    assert membership.pseudonym == "Willow" and membership.name_key == "willow"
    consent = Consent.objects.get(user=person)
    assert consent.agreement == open_group.agreements.get(version=1)
    assert permissions.can_post(person, open_group, membership)


def test_the_join_page_takes_a_newcomer_through_consent_to_the_group_home(
    open_group: Group,
) -> None:
    person = make_user()
    client = Client()
    client.force_login(person)
    url = f"/groups/{open_group.slug}/"

    landing = client.get(url).content.decode()
    assert find(landing, "form", action=f"{url}join/")
    no_tick = client.post(f"{url}join/", {"agreement_version": 1, "pseudonym": "Willow"})
    assert no_tick.status_code == 400
    assert "Please tick the box to say you will keep the agreement." in text_of(
        no_tick.content.decode()
    )
    assert not Membership.objects.filter(user=person).exists()

    joined = client.post(
        f"{url}join/", {"agreement_version": 1, "consent": "on", "pseudonym": "Willow"}
    )
    assert joined.status_code == 302 and joined["Location"] == url
    home = client.get(url)
    assert "groups/group_home.html" in [t.name for t in home.templates]
    assert "Welcome. You are part of this group now." in text_of(home.content.decode())


@pytest.mark.parametrize("policy", [JoinPolicy.REQUEST, JoinPolicy.INVITE])
def test_joining_without_a_request_or_invitation_is_refused(open_group: Group, policy: str) -> None:
    Group.objects.filter(pk=open_group.pk).update(join_policy=policy)
    code = "request_needed" if policy == JoinPolicy.REQUEST else "invite_only"
    with refused(code, "This group welcomes new members by request or invitation."):
        join_open(make_user(), open_group)


def test_people_who_have_not_confirmed_their_email_cannot_join(open_group: Group) -> None:
    with refused("not_verified", "Please confirm your email address first"):
        join_open(make_user(verified=False), open_group)


def test_joining_twice_is_refused(open_group: Group) -> None:
    person = make_user()
    join_open(person, open_group)
    with refused("already_member", "You are already part of this group."):
        join_open(person, open_group)


def test_a_full_group_refuses_newcomers_until_someone_leaves(
    open_group: Group, facilitator: Any
) -> None:
    members = [make_user() for _ in range(3)]
    for person in members:
        join_open(person, open_group)
    invite = member_actions.create_invite(actor=facilitator, group=open_group)
    full = "This group is full right now."

    with refused("full", full):
        join_open(make_user(), open_group)
    with refused("full", full):
        join_with_invite(make_user(), open_group, invite)

    member_actions.leave_group(user=members[0], group=open_group)
    assert join_with_invite(make_user(), open_group, invite).is_active

    # The landing page says so before anyone tries.
    client = Client()
    client.force_login(make_user())
    landing = client.get(f"/groups/{open_group.slug}/").content.decode()
    assert "4 of 4 seats taken" in text_of(landing)
    assert "This group is full right now." in text_of(landing)
    assert not find(landing, "form", action=f"/groups/{open_group.slug}/join/")


def test_leaving_and_coming_back(organizer: Any, open_group: Group, facilitator: Any) -> None:
    membership = member_actions.leave_group(user=facilitator, group=open_group)

    assert (membership.status, membership.role) == (MembershipStatus.LEFT, Role.MEMBER)
    assert membership.left_at is not None
    assert not permissions.can_read(facilitator, open_group, membership)
    with refused("not_member"):
        member_actions.leave_group(user=facilitator, group=open_group)

    # The agreement changed while they were away; they come back to the new one.
    open_group.refresh_from_db()
    group_actions.publish_agreement(
        actor=organizer,
        group=open_group,
        clauses=[(str(t), str(b)) for t, b in DEFAULT_CLAUSES[:4]],
        note="Shorter.",
    )
    back = join_open(facilitator, open_group)

    assert back.pk == membership.pk, "the same row, so history keeps one name"
    assert (back.status, back.role, back.consented_version) == (
        MembershipStatus.ACTIVE,
        Role.MEMBER,
        2,
    )
    assert back.left_at is None
    assert sorted(
        Consent.objects.filter(user=facilitator).values_list("agreement__version", flat=True)
    ) == [1, 2]


def test_leaving_through_the_page_asks_first(open_group: Group) -> None:
    person = make_user()
    join_open(person, open_group)
    client = Client()
    client.force_login(person)
    url = f"/groups/{open_group.slug}/leave/"

    confirm = client.get(url)
    assert "Leave Carrying Grief?" in text_of(confirm.content.decode())
    assert Membership.objects.get(user=person).is_active

    left = client.post(url)
    assert left.status_code == 302 and left["Location"] == "/"
    assert Membership.objects.get(user=person).status == MembershipStatus.LEFT


def test_a_removed_member_may_come_back_by_request_or_invitation(
    open_group: Group, facilitator: Any
) -> None:
    person = make_user()
    join_open(person, open_group, pseudonym="Willow")
    Membership.objects.filter(user=person).update(status=MembershipStatus.REMOVED)
    with refused("request_needed", "You're welcome to ask to come back"):
        join_open(person, open_group)
    request = member_actions.request_to_join(user=person, group=open_group, note="I'm sorry.")
    member_actions.decide_request(actor=facilitator, join_request=request, approve=True)
    membership = Membership.objects.get(group=open_group, user=person)
    assert (membership.status, membership.pseudonym) == (MembershipStatus.ACTIVE, "Willow")

    Membership.objects.filter(user=person).update(status=MembershipStatus.REMOVED)
    invite = member_actions.create_invite(actor=facilitator, group=open_group)
    assert join_with_invite(person, open_group, invite).pseudonym == "Willow"


def test_a_banned_member_cannot_come_back_by_any_door(open_group: Group, facilitator: Any) -> None:
    person = make_user()
    join_open(person, open_group)
    invite = member_actions.create_invite(actor=facilitator, group=open_group)
    Group.objects.filter(pk=open_group.pk).update(join_policy=JoinPolicy.REQUEST)
    open_group.refresh_from_db()
    # Asked to join before the ban landed.
    member_actions.leave_group(user=person, group=open_group)
    request = member_actions.request_to_join(user=person, group=open_group)
    Membership.objects.filter(user=person).update(status=MembershipStatus.BANNED)
    banned = "You can't rejoin this group."

    with refused("banned", banned):
        join_with_invite(person, open_group, invite)
    with refused("banned", banned):
        member_actions.request_to_join(user=person, group=open_group)
    with refused("banned", banned):
        member_actions.decide_request(actor=facilitator, join_request=request, approve=True)
    Group.objects.filter(pk=open_group.pk).update(join_policy=JoinPolicy.OPEN)
    open_group.refresh_from_db()
    with refused("banned", banned):
        join_open(person, open_group)


# --- Invitations -----------------------------------------------------------------------


def test_an_invitation_lets_people_in_until_it_is_used_up(
    open_group: Group, facilitator: Any
) -> None:
    Group.objects.filter(pk=open_group.pk).update(join_policy=JoinPolicy.INVITE)
    open_group.refresh_from_db()
    invite = member_actions.create_invite(actor=facilitator, group=open_group, max_uses=2)
    assert audit_actions(open_group)[-1] == ("invite_created", facilitator, None)
    assert AuditEntry.objects.get(action="invite_created").expires_at == invite.expires_at

    join_with_invite(make_user(), open_group, invite)
    join_with_invite(make_user(), open_group, invite)

    invite.refresh_from_db()
    assert invite.uses == 2 and not invite.is_usable
    with refused("invite_unusable", "This invitation has expired or was withdrawn."):
        join_with_invite(make_user(), open_group, invite)


def test_an_expired_invitation_does_not_work(open_group: Group, facilitator: Any) -> None:
    invite = member_actions.create_invite(actor=facilitator, group=open_group, days=1)
    Invite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    invite.refresh_from_db()
    with refused("invite_unusable"):
        join_with_invite(make_user(), open_group, invite)
    client = Client()
    page = client.get(f"/groups/invite/{invite.token}/")
    assert page.status_code == 410
    assert "This invitation no longer works" in text_of(page.content.decode())


def test_a_revoked_invitation_does_not_work(open_group: Group, facilitator: Any) -> None:
    invite = member_actions.create_invite(actor=facilitator, group=open_group, max_uses=5)

    member_actions.revoke_invite(actor=facilitator, invite=invite)
    member_actions.revoke_invite(actor=facilitator, invite=invite)

    invite.refresh_from_db()
    assert invite.revoked_at is not None and not invite.is_usable
    assert [a for a, *_ in audit_actions(open_group)].count("invite_revoked") == 1
    with refused("invite_unusable"):
        join_with_invite(make_user(), open_group, invite)
    person = make_user()
    client = Client()
    client.force_login(person)
    response = client.post(
        f"/groups/invite/{invite.token}/", {"agreement_version": 1, "consent": "on"}
    )
    assert response.status_code == 410
    assert not Membership.objects.filter(user=person).exists()


def test_an_invitation_only_opens_its_own_group(
    organizer: Any, open_group: Group, facilitator: Any
) -> None:
    other = group_actions.create_group(
        actor=organizer, name="Quiet Minds", join_policy=JoinPolicy.INVITE
    )
    invite = member_actions.create_invite(actor=facilitator, group=open_group)
    with refused("invite_unusable"):
        join_with_invite(make_user(), other, invite)


@pytest.mark.parametrize(
    ("days", "max_uses"), [(0, 1), (31, 1), (7, 0), (7, 51)], ids=["0d", "31d", "0x", "51x"]
)
def test_invitation_limits(open_group: Group, facilitator: Any, days: int, max_uses: int) -> None:
    with refused("invalid", "Links last 1 to 30 days and can be used 1 to 50 times."):
        member_actions.create_invite(
            actor=facilitator, group=open_group, days=days, max_uses=max_uses
        )


def test_only_this_groups_facilitators_and_organizers_invite(
    organizer: Any, open_group: Group, facilitator: Any
) -> None:
    member = make_user()
    join_open(member, open_group)
    other = group_actions.create_group(actor=organizer, name="Quiet Minds")
    other_facilitator = make_user()
    join_open(other_facilitator, other)
    member_actions.set_facilitator(
        actor=organizer, group=other, user=other_facilitator, facilitator=True
    )
    invite = member_actions.create_invite(actor=organizer, group=open_group)

    for outsider in (member, other_facilitator):
        with refused("forbidden"):
            member_actions.create_invite(actor=outsider, group=open_group)
        with refused("forbidden"):
            member_actions.revoke_invite(actor=outsider, invite=invite)


# --- Requests ----------------------------------------------------------------------------


def test_request_approve_and_first_visit_consent(request_group: Group, facilitator: Any) -> None:
    person = make_user(display_name="Pia")
    client = Client()
    client.force_login(person)
    slug = request_group.slug

    asked = client.post(f"/groups/{slug}/request/", {"note": "  I lost my father.  "})
    assert asked.status_code == 302
    request = JoinRequest.objects.get(user=person)
    assert (request.status, request.note) == (RequestStatus.PENDING, "I lost my father.")
    assert "waiting for the facilitators" in text_of(client.get("/").content.decode())
    assert not AuditEntry.objects.filter(target_user=person).exists()

    member_actions.decide_request(actor=facilitator, join_request=request, approve=True)

    request.refresh_from_db()
    assert (request.status, request.decided_by) == (RequestStatus.APPROVED, facilitator)
    assert request.decided_at is not None
    assert (
        AuditEntry.objects.filter(
            action="join_approved", actor=facilitator, target_user=person, group=request_group
        ).count()
        == 1
    )
    membership = Membership.objects.get(user=person)
    assert membership.is_active and membership.consented_version == 0
    assert not permissions.can_read(person, request_group, membership)
    home = text_of(client.get("/").content.decode())
    assert "you were welcomed" in home and "Please read the agreement" in home

    # First visit: the group sends them to read the agreement and pick a name.
    first = client.get(f"/groups/{slug}/")
    assert first.status_code == 302 and first["Location"] == f"/groups/{slug}/agreement/"
    agreement = client.get(first["Location"]).content.decode()
    assert find(agreement, "input", name="pseudonym")
    done = client.post(
        f"/groups/{slug}/agreement/",
        {"agreement_version": 1, "consent": "on", "pseudonym": "Willow"},
    )
    assert done.status_code == 302
    membership.refresh_from_db()
    assert (membership.consented_version, membership.pseudonym) == (1, "Willow")
    assert Consent.objects.filter(user=person, agreement__version=1).count() == 1
    assert permissions.can_post(person, request_group, membership)


def test_declining_a_request(request_group: Group, facilitator: Any) -> None:
    person = make_user()
    request = member_actions.request_to_join(user=person, group=request_group)

    member_actions.decide_request(actor=facilitator, join_request=request, approve=False)

    request.refresh_from_db()
    assert (request.status, request.decided_by) == (RequestStatus.DECLINED, facilitator)
    assert not Membership.objects.filter(user=person).exists()
    assert audit_actions(request_group)[-1] == ("join_declined", facilitator, person)
    client = Client()
    client.force_login(person)
    assert "not this time" in text_of(client.get("/").content.decode())
    # Nothing stops them asking again later.
    assert member_actions.request_to_join(user=person, group=request_group).status == "pending"


def test_a_request_is_answered_once(request_group: Group, facilitator: Any) -> None:
    request = member_actions.request_to_join(user=make_user(), group=request_group)
    member_actions.decide_request(actor=facilitator, join_request=request, approve=False)
    with refused("not_pending", "Someone has already answered this request."):
        member_actions.decide_request(actor=facilitator, join_request=request, approve=True)


def test_only_this_groups_facilitators_or_organizers_answer_requests(
    organizer: Any, request_group: Group
) -> None:
    request = member_actions.request_to_join(user=make_user(), group=request_group)
    member = make_user()
    join_with_invite(
        member, request_group, member_actions.create_invite(actor=organizer, group=request_group)
    )
    other = group_actions.create_group(actor=organizer, name="Quiet Minds")
    other_facilitator = make_user()
    join_open(other_facilitator, other)
    member_actions.set_facilitator(
        actor=organizer, group=other, user=other_facilitator, facilitator=True
    )
    for actor in (member, other_facilitator, make_user()):
        with refused("forbidden"):
            member_actions.decide_request(actor=actor, join_request=request, approve=True)
    member_actions.decide_request(actor=organizer, join_request=request, approve=True)


def test_a_full_group_keeps_the_request_waiting(request_group: Group, facilitator: Any) -> None:
    Group.objects.filter(pk=request_group.pk).update(capacity=2)
    request = member_actions.request_to_join(user=make_user(), group=request_group)
    join_with_invite(
        make_user(),
        request_group,
        member_actions.create_invite(actor=facilitator, group=request_group),
    )
    with refused("full"):
        member_actions.decide_request(actor=facilitator, join_request=request, approve=True)
    assert JoinRequest.objects.get(pk=request.pk).status == RequestStatus.PENDING


def test_asking_twice_is_refused(request_group: Group) -> None:
    person = make_user()
    member_actions.request_to_join(user=person, group=request_group)
    with refused("already_requested", "Your request is already with the facilitators."):
        member_actions.request_to_join(user=person, group=request_group)


def test_open_and_invitation_groups_take_no_requests(open_group: Group) -> None:
    with refused("not_by_request"):
        member_actions.request_to_join(user=make_user(), group=open_group)


def test_withdrawing_a_request(request_group: Group, facilitator: Any) -> None:
    person = make_user()
    request = member_actions.request_to_join(user=person, group=request_group)
    with refused("not_pending"):
        member_actions.withdraw_request(user=make_user(), join_request=request)

    client = Client()
    client.force_login(person)
    response = client.post(f"/groups/requests/{request.pk}/withdraw/")

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN and request.decided_at is not None
    with refused("not_pending"):
        member_actions.withdraw_request(user=person, join_request=request)
    with refused("not_pending"):
        member_actions.decide_request(actor=facilitator, join_request=request, approve=True)
    assert "waiting for the facilitators" not in text_of(client.get("/").content.decode())


def test_joining_by_invitation_withdraws_a_waiting_request(
    request_group: Group, facilitator: Any
) -> None:
    person = make_user()
    request = member_actions.request_to_join(user=person, group=request_group)
    invite = member_actions.create_invite(actor=facilitator, group=request_group)

    join_with_invite(person, request_group, invite)

    assert JoinRequest.objects.get(pk=request.pk).status == RequestStatus.WITHDRAWN


# --- Facilitators ----------------------------------------------------------------------------


def test_appointing_and_revoking_a_facilitator(organizer: Any, open_group: Group) -> None:
    person = make_user()
    join_open(person, open_group)

    member_actions.set_facilitator(actor=organizer, group=open_group, user=person, facilitator=True)
    member_actions.set_facilitator(actor=organizer, group=open_group, user=person, facilitator=True)
    membership = permissions.membership_for(person, open_group)
    assert membership is not None and membership.role == Role.FACILITATOR
    assert permissions.can_facilitate(person, open_group, membership)

    member_actions.set_facilitator(
        actor=organizer, group=open_group, user=person, facilitator=False
    )
    membership = permissions.membership_for(person, open_group)
    assert membership is not None and membership.role == Role.MEMBER
    assert [entry for entry in audit_actions(open_group) if entry[2] == person] == [
        ("facilitator_appointed", organizer, person),
        ("facilitator_revoked", organizer, person),
    ], "one entry per change; appointing twice records nothing new"


def test_facilitators_are_appointed_by_organizers_from_members(
    organizer: Any, open_group: Group, facilitator: Any
) -> None:
    member = make_user()
    join_open(member, open_group)
    with refused("forbidden", "Only organizers can appoint facilitators."):
        member_actions.set_facilitator(
            actor=facilitator, group=open_group, user=member, facilitator=True
        )
    with refused("not_member", "That person needs to be a member of the group first."):
        member_actions.set_facilitator(
            actor=organizer, group=open_group, user=make_user(), facilitator=True
        )
    member_actions.leave_group(user=member, group=open_group)
    with refused("not_member"):
        member_actions.set_facilitator(
            actor=organizer, group=open_group, user=member, facilitator=True
        )


def test_appointing_by_email_on_the_manage_page(organizer: Any, open_group: Group) -> None:
    member = make_user(email="mara@hearth.test")
    join_open(member, open_group)
    client = Client()
    client.force_login(organizer)
    url = f"/groups/{open_group.slug}/manage/facilitators/"

    client.post(url, {"appoint": "1", "email": "MARA@hearth.test"})
    assert Membership.objects.get(user=member).role == Role.FACILITATOR

    client.post(url, {"appoint": "0", "user": member.pk})
    assert Membership.objects.get(user=member).role == Role.MEMBER

    nobody = client.post(url, {"appoint": "1", "email": "nobody@hearth.test"}, follow=True)
    assert "That person needs to be a member of the group first." in text_of(
        nobody.content.decode()
    )


# --- The audit log ----------------------------------------------------------------------


def test_audit_entries_are_never_edited_or_deleted(organizer: Any, open_group: Group) -> None:
    entry = AuditEntry.objects.filter(group=open_group).first()
    assert entry is not None
    entry.reason = "rewritten"
    with pytest.raises(ValueError, match="never edited"):
        entry.save()
    with pytest.raises(ValueError, match="never deleted"):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason != "rewritten"


# --- Pages given odd input -----------------------------------------------------------------


def test_withdrawing_a_link_of_an_archived_group(
    organizer: Any, open_group: Group, facilitator: Any
) -> None:
    invite = member_actions.create_invite(actor=facilitator, group=open_group)
    group_actions.set_archived(actor=organizer, group=open_group, archived=True)
    client = Client(raise_request_exception=False)
    client.force_login(facilitator)

    response = client.post(f"/groups/{open_group.slug}/invites/{invite.pk}/revoke/", follow=True)

    # Withdrawing is always allowed, so the link stays dead if the group reopens.
    assert response.status_code == 200
    assert "That link no longer works." in text_of(response.content.decode())
    assert Invite.objects.get(pk=invite.pk).revoked_at is not None
    group_actions.set_archived(actor=organizer, group=open_group, archived=False)
    with refused("invite_unusable"):
        join_with_invite(make_user(), open_group, invite)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("requests/", {"request": "not-a-number", "decision": "approve"}),
        ("requests/", {"decision": "approve"}),
        ("manage/facilitators/", {"appoint": "0", "user": "not-a-number"}),
        ("manage/facilitators/", {"appoint": "0"}),
    ],
)
def test_malformed_posts_are_answered_not_crashed(
    organizer: Any, open_group: Group, path: str, data: dict[str, str]
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(organizer)
    before = everything()

    response = client.post(f"/groups/{open_group.slug}/{path}", data)

    assert response.status_code in {302, 404}
    assert everything() == before
