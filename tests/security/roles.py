"""One person in every role around group A, for the authorization matrices.

Group A takes members by request. Its room holds a message by a member who goes
by a pseudonym (the words, the pseudonym and the account's own name are private
markers), a message reported to the queue with a reporter's note, a held message,
a resource for members only, and two resources that member suggested (one
published, one waiting). Group B, elsewhere, has its own facilitator.

Each role is a person as life leaves them: joined through the write path, then
removed, banned, muted, suspended or unverified by the actions or by the rows.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.utils import timezone

from community.models import User
from groups.actions import chat, resources
from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.models import Group, Invite, JoinPolicy, JoinRequest, Membership, Message, Resource
from moderation.actions import members as member_moderation
from moderation.actions import messages as message_moderation
from moderation.actions import reports
from moderation.models import Report

CLAUSE = "Honor boundaries"
VICTIMS = ("to_mute", "to_remove", "to_ban")

ROLES = (
    "visitor",
    "outsider",  # signed in, in no group
    "applicant",  # asked to join A, still waiting
    "never_consented",  # a member of A who has not agreed to any version yet
    "stale",  # agreed to an older version of A's agreement
    "member",
    "muted",
    "removed",
    "banned",
    "suspended",  # a member of A whose account is suspended
    "unverified",  # a member of A whose address is no longer verified
    "other_fac",  # facilitator of group B, not in A
    "facilitator",  # of A
    "organizer",  # not in A
    "superuser",  # not in A
)
# Who reads A's room: members who agreed to some version and are in good standing.
READERS = frozenset({"stale", "member", "muted", "facilitator"})
# Who may write in it now.
POSTERS = frozenset({"member", "facilitator"})
# Who moderates A: its facilitator, and organizers anywhere.
MODERATORS = frozenset({"facilitator", "organizer", "superuser"})
ORGANIZERS = frozenset({"organizer", "superuser"})
# Who uses the queue and the log at all (B's facilitator sees B's).
QUEUE_USERS = MODERATORS | {"other_fac"}
SIGNED_IN = frozenset(ROLES) - {"visitor"}
# Signed in, active, verified, not suspended.
GOOD_STANDING = SIGNED_IN - {"suspended", "unverified"}

# Words that must never reach someone who may not see them.
WORDS = "Marker-words-of-the-room"
REPORTED_WORDS = "Marker-words-reported"
PSEUDONYM = "Wrenna"
ACCOUNT_NAME = "Quinlan Account"
RESOURCE_TITLE = "Marker-resource-for-members"
NOTE = "Marker-note-of-a-reporter"
HELD_WORDS = "Marker-held-words"
HIDDEN_WORDS = "Marker-hidden-words"


@dataclass
class Roles:
    a: Group
    b: Group
    people: dict[str, User] = field(default_factory=dict)
    words: Message = field(init=False)
    reported: Message = field(init=False)
    held: Message = field(init=False)
    report: Report = field(init=False)
    resource: Resource = field(init=False)
    community_resource: Resource = field(init=False)
    suggested: Resource = field(init=False)  # by the pseudonymous member, waiting
    shared: Resource = field(init=False)  # by the pseudonymous member, published
    invite: Invite = field(init=False)
    join_request: JoinRequest = field(init=False)
    author: Membership = field(init=False)  # the pseudonymous member
    hidden: Message = field(init=False)
    held_too: Message = field(init=False)
    clients: dict[str, Any] = field(default_factory=dict)  # a browser per role, if wanted

    def membership(self, role: str) -> Membership:
        return Membership.objects.get(group=self.a, user=self.people[role])


def _person(name: str, **fields: Any) -> User:
    from tests.factories import make_user

    return make_user(display_name=name, **fields)


def build_roles() -> Roles:
    from tests.factories import make_organizer

    owner = make_organizer(display_name="Oona Owner")
    a = group_actions.create_group(actor=owner, name="Circle A", capacity=40)
    b = group_actions.create_group(actor=owner, name="Circle B", capacity=40)
    world = Roles(a=a, b=b)
    people = world.people
    people["owner"] = owner
    people["organizer"] = make_organizer(display_name="Olive")
    people["superuser"] = _person("Sol", is_organizer=True, is_staff=True, is_superuser=True)
    for role in ROLES:
        if role not in people and role != "visitor":
            people[role] = _person(role.replace("_", " ").title())
    author = _person(ACCOUNT_NAME)
    reporter = _person("Rae Reporter")
    newcomer = _person("Nell Newcomer")
    people.update(author=author, reporter=reporter, newcomer=newcomer)
    # Members a facilitator's frames act on (one each, so the order of frames is free).
    for victim in VICTIMS:
        people[victim] = _person(victim.replace("_", " ").title())

    in_a = ("stale", "member", "muted", "removed", "banned", "suspended", "unverified")
    for role in (*in_a, "facilitator", "reporter", "newcomer", *VICTIMS):
        member_actions.join_group(user=people[role], group=a, agreement_version=1)
    world.author = member_actions.join_group(
        user=author, group=a, agreement_version=1, pseudonym=PSEUDONYM
    )
    fac, other_fac = people["facilitator"], people["other_fac"]
    member_actions.set_facilitator(actor=owner, group=a, user=fac, facilitator=True)
    member_actions.join_group(user=other_fac, group=b, agreement_version=1)
    member_actions.set_facilitator(actor=owner, group=b, user=other_fac, facilitator=True)
    # From here on A welcomes people by request (its members joined while it was open).
    Group.objects.filter(pk=a.pk).update(join_policy=JoinPolicy.REQUEST)
    a.refresh_from_db()
    # Never consented: welcomed, the agreement still unread (as an approved request leaves it).
    Membership.objects.create(group=a, user=people["never_consented"], consented_version=0)
    world.join_request = JoinRequest.objects.create(group=a, user=people["applicant"])

    world.words = chat.send_message(user=author, group=a, client_id="w", body=WORDS).message
    world.reported = chat.send_message(
        user=author, group=a, client_id="r", body=REPORTED_WORDS
    ).message
    world.hidden = chat.send_message(user=author, group=a, client_id="x", body=HIDDEN_WORDS).message
    message_moderation.hide(actor=fac, message_id=world.hidden.pk, clause=CLAUSE)
    world.report = reports.report_message(
        reporter=reporter, message_id=world.reported.pk, clause=CLAUSE, note=NOTE
    )
    Group.objects.filter(pk=a.pk).update(hold_first_messages=2)
    a.refresh_from_db()
    world.held = chat.send_message(user=newcomer, group=a, client_id="h", body=HELD_WORDS).message
    world.held_too = chat.send_message(
        user=newcomer, group=a, client_id="h2", body=HELD_WORDS
    ).message
    Group.objects.filter(pk=a.pk).update(hold_first_messages=0)
    world.resource = resources.create(
        actor=people["facilitator"], group=a, title=RESOURCE_TITLE, body="For us."
    )
    # The pseudonymous member suggests two: one waits for review, one is published.
    world.suggested = resources.create(
        actor=author, group=a, title="A walk at dusk", body="Out at dusk."
    )
    world.shared = resources.approve(
        actor=fac,
        resource=resources.create(
            actor=author, group=a, title="Breathing slowly", body="In for four."
        ),
    )
    world.community_resource = resources.create(
        actor=owner, group=None, title="For everyone", body="Hello."
    )
    world.invite = member_actions.create_invite(actor=people["facilitator"], group=a)

    member_moderation.mute(
        actor=fac, membership=world.membership("muted"), minutes=60, clause=CLAUSE
    )
    member_moderation.remove(actor=fac, membership=world.membership("removed"), clause=CLAUSE)
    member_moderation.ban(actor=fac, membership=world.membership("banned"), clause=CLAUSE)
    User.objects.filter(pk=people["suspended"].pk).update(
        suspended_until=timezone.now() + timedelta(days=3)
    )
    EmailAddress.objects.filter(user=people["unverified"]).update(verified=False)
    # A new version of A's agreement; everyone but `stale` agrees to it again.
    group_actions.publish_agreement(
        actor=owner, group=a, clauses=[(CLAUSE, "No means no."), ("Be kind", "Warmly.")]
    )
    a.refresh_from_db()
    for role in ("member", "muted", "facilitator", "suspended", "unverified"):
        Membership.objects.filter(group=a, user=people[role]).update(
            consented_version=a.agreement_version
        )
    for key in ("author", "reporter", "newcomer", *VICTIMS):
        Membership.objects.filter(group=a, user=people[key]).update(
            consented_version=a.agreement_version
        )
    return world
