"""Who may do what to whom, in which group: every moderation action, every role.

The rule (DESIGN.md, issue 5): facilitators act within their own groups,
organizers anywhere; only organizers act on a facilitator; nobody but the
superuser acts on an organizer; nobody acts on themselves. Site-wide tools
(suspension, site filters, crisis phrases, appeals) are for organizers.

Each case runs the action (moderation.actions.*) inside a savepoint that is
rolled back afterwards, so every case starts from the same world. An allowed
case must work and log exactly one audit entry; a refused one must raise
Refused("forbidden") and leave every table as it was, with no event queued.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from community.errors import Refused
from community.models import Notice, User
from groups import audit
from groups.models import AuditEntry, Group, Membership, Message
from moderation.actions import appeals, filters, members, reports, rooms
from moderation.actions import messages as message_actions
from moderation.models import (
    Appeal,
    CrisisPhrase,
    Report,
    ReportKind,
    ReportNote,
    WordFilter,
)
from tests.moderation.conftest import ACTORS, CLAUSE, TARGETS, World

SELF = "self"
MODERATORS_OF_A = {"facilitator", "organizer", "superuser"}
ORGANIZERS = {"organizer", "superuser"}


@dataclass(frozen=True)
class Action:
    name: str
    scope: str  # "group": group A's moderators; "site": organizers
    prepare: Callable[[World, User, str], Callable[[], Any]]
    targeted: bool = True
    entries: int = 1  # how many audit entries it writes when allowed


def expected(actor: str, action: Action, target: str | None) -> bool:
    allowed_here = actor in (MODERATORS_OF_A if action.scope == "group" else ORGANIZERS)
    if not allowed_here:
        return False
    if not action.targeted or target is None:
        return True
    if target == SELF:
        return False
    if target == "t_org":
        return actor == "superuser"
    if target == "t_fac":
        return actor in ORGANIZERS
    return True


# --- Preparing one case: setup now, the action itself later -----------------------
# Each `prepare` function does the case's setup (a held message, a hidden one, an open
# report, a decision under appeal) and returns the action, not yet run.

Prepared = Callable[[], Any]


def _key(actor_key: str, target: str | None) -> str:
    assert target is not None
    return actor_key if target == SELF else target


def _held_message(world: World, key: str) -> Message:
    return Message.objects.create(
        group=world.group,
        author=world.membership(key),
        seq=None,
        held=True,
        client_id=f"held-{key}",
        body="Waiting to be seen.",
        body_html="Waiting to be seen.",
    )


def hide(world: World, actor: User, key: str) -> Prepared:
    message = world.messages[key]
    return lambda: message_actions.hide(
        actor=actor, message_id=message.pk, clause=CLAUSE, reason="r"
    )


def restore(world: World, actor: User, key: str) -> Prepared:
    message = world.messages[key]
    Message.objects.filter(pk=message.pk).update(hidden_at=timezone.now(), hidden_clause=CLAUSE)
    return lambda: message_actions.restore(actor=actor, message_id=message.pk)


def approve(world: World, actor: User, key: str) -> Prepared:
    held = _held_message(world, key)
    return lambda: message_actions.approve_held(actor=actor, message_id=held.pk)


def decline(world: World, actor: User, key: str) -> Prepared:
    held = _held_message(world, key)
    return lambda: message_actions.decline_held(actor=actor, message_id=held.pk, clause=CLAUSE)


def nudge(world: World, actor: User, key: str) -> Prepared:
    membership = world.membership(key)
    return lambda: members.nudge(
        actor=actor, membership=membership, clause=CLAUSE, text="A kind note."
    )


def mute(world: World, actor: User, key: str) -> Prepared:
    membership = world.membership(key)
    return lambda: members.mute(actor=actor, membership=membership, minutes=10, clause=CLAUSE)


def unmute(world: World, actor: User, key: str) -> Prepared:
    membership = world.membership(key)
    Membership.objects.filter(pk=membership.pk).update(
        muted_until=timezone.now() + timedelta(hours=1), mute_reason="Paused."
    )
    return lambda: members.unmute(actor=actor, membership=membership)


def remove(world: World, actor: User, key: str) -> Prepared:
    membership = world.membership(key)
    return lambda: members.remove(actor=actor, membership=membership, clause=CLAUSE)


def ban(world: World, actor: User, key: str) -> Prepared:
    membership = world.membership(key)
    return lambda: members.ban(actor=actor, membership=membership, clause=CLAUSE)


def suspend(world: World, actor: User, key: str) -> Prepared:
    user = world.user(key)
    return lambda: members.suspend(actor=actor, user=user, days=3, reason="r")


def resolve_report(world: World, actor: User, key: str) -> Prepared:
    report = Report.objects.create(
        kind=ReportKind.REPORT,
        group=world.group,
        message=world.messages[key],
        member=world.membership(key),
        clause=CLAUSE,
    )
    ReportNote.objects.create(report=report, reporter=world.people["bystander"], clause=CLAUSE)
    return lambda: reports.resolve(actor=actor, report=report, note="Talked it through.")


def decide_appeal(world: World, actor: User, key: str) -> Prepared:
    entry = audit.record(
        "nudge",
        actor=world.people["owner"],
        group=world.group,
        target_user=world.people[key],
        clause=CLAUSE,
    )
    appeal = Appeal.objects.create(entry=entry, user=world.people[key], text="Please look again.")
    return lambda: appeals.decide(actor=actor, appeal=appeal, overturn=False, note="It stands.")


def slow_mode(world: World, actor: User, key: str) -> Prepared:
    return lambda: rooms.set_slow_mode(actor=actor, group=world.group, seconds=30)


def pause(world: World, actor: User, key: str) -> Prepared:
    return lambda: rooms.pause(actor=actor, group=world.group, minutes=10, message="Breathe.")


def resume(world: World, actor: User, key: str) -> Prepared:
    Group.objects.filter(pk=world.group.pk).update(
        paused_until=timezone.now() + timedelta(minutes=5)
    )
    return lambda: rooms.resume(actor=actor, group=world.group)


def hold_first(world: World, actor: User, key: str) -> Prepared:
    return lambda: rooms.hold_first_messages(actor=actor, group=world.group, count=2)


def room_settings(world: World, actor: User, key: str) -> Prepared:
    return lambda: rooms.update_settings(
        actor=actor, group=world.group, slow_mode_seconds=30, hold_first_messages=2
    )


def add_group_filter(world: World, actor: User, key: str) -> Prepared:
    return lambda: filters.add_filter(
        actor=actor, group=world.group, phrase="gossip", action="flag"
    )


def remove_group_filter(world: World, actor: User, key: str) -> Prepared:
    word_filter = WordFilter.objects.create(group=world.group, phrase="gossip", action="flag")
    return lambda: filters.remove_filter(actor=actor, word_filter=word_filter)


def add_site_filter(world: World, actor: User, key: str) -> Prepared:
    return lambda: filters.add_filter(actor=actor, group=None, phrase="gossip", action="flag")


def remove_site_filter(world: World, actor: User, key: str) -> Prepared:
    word_filter = WordFilter.objects.create(group=None, phrase="gossip", action="flag")
    return lambda: filters.remove_filter(actor=actor, word_filter=word_filter)


def add_crisis_phrase(world: World, actor: User, key: str) -> Prepared:
    return lambda: filters.add_crisis_phrase(actor=actor, phrase="no way out")


def remove_crisis_phrase(world: World, actor: User, key: str) -> Prepared:
    phrase = CrisisPhrase.objects.create(phrase="no way out")
    return lambda: filters.remove_crisis_phrase(actor=actor, crisis_phrase=phrase)


ACTIONS = [
    Action("hide", "group", hide),
    Action("restore", "group", restore),
    Action("nudge", "group", nudge),
    Action("mute", "group", mute),
    Action("unmute", "group", unmute),
    Action("remove", "group", remove),
    Action("ban", "group", ban),
    Action("approve held", "group", approve),
    Action("decline held", "group", decline),
    Action("resolve report", "group", resolve_report),
    Action("suspend", "site", suspend),
    Action("decide appeal", "site", decide_appeal),
    Action("slow mode", "group", slow_mode, targeted=False),
    Action("pause", "group", pause, targeted=False),
    Action("resume", "group", resume, targeted=False),
    Action("hold first", "group", hold_first, targeted=False),
    # Slow mode and holding first messages, each logged as when set alone.
    Action("room settings", "group", room_settings, targeted=False, entries=2),
    Action("add group filter", "group", add_group_filter, targeted=False),
    Action("remove group filter", "group", remove_group_filter, targeted=False),
    Action("add site filter", "site", add_site_filter, targeted=False),
    Action("remove site filter", "site", remove_site_filter, targeted=False),
    Action("add crisis phrase", "site", add_crisis_phrase, targeted=False),
    Action("remove crisis phrase", "site", remove_crisis_phrase, targeted=False),
]


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Everything an action could write, as plain values."""
    tables: list[Any] = [
        AuditEntry,
        Notice,
        Membership,
        Message,
        Group,
        WordFilter,
        CrisisPhrase,
        Report,
        ReportNote,
        Appeal,
    ]
    state = {model.__name__: list(model.objects.order_by("pk").values_list()) for model in tables}
    state["User"] = list(User.objects.order_by("pk").values_list("pk", "suspended_until"))
    return state


class _Rollback(Exception):
    pass


def attempt(world: World, actor_key: str, action: Action, target: str | None) -> str:
    """Run one case in a savepoint that is always rolled back; describe any mismatch."""
    should = expected(actor_key, action, target)
    problem = ""
    try:
        with transaction.atomic():
            actor = world.user(actor_key)
            key = _key(actor_key, target) if action.targeted else actor_key
            run = action.prepare(world, actor, key)
            before = snapshot()
            callbacks = len(connection.run_on_commit)
            try:
                run()
            except Refused as refusal:
                if should:
                    problem = f"refused ({refusal.code}: {refusal.message})"
                elif refusal.code != "forbidden":
                    problem = f"refused with {refusal.code!r}, not 'forbidden'"
                elif snapshot() != before:
                    problem = "refused, but something was written"
                elif len(connection.run_on_commit) != callbacks:
                    problem = "refused, but an event was queued"
            else:
                logged = len(snapshot()["AuditEntry"]) - len(before["AuditEntry"])
                if not should:
                    problem = "allowed"
                elif logged != action.entries:
                    problem = f"allowed, but logged {logged} entries"
            raise _Rollback
    except _Rollback:
        pass
    return problem


@pytest.mark.parametrize("actor_key", ACTORS)
def test_who_may_do_what_to_whom(world: World, actor_key: str) -> None:
    mismatches = []
    for action in ACTIONS:
        targets: tuple[str | None, ...] = (*TARGETS, SELF) if action.targeted else (None,)
        for target in targets:
            problem = attempt(world, actor_key, action, target)
            if problem:
                mismatches.append(f"{actor_key} → {action.name} → {target}: {problem}")
    assert not mismatches, "\n".join(mismatches)


def test_the_matrix_expects_what_the_rule_says() -> None:
    """The table itself, spelled out for the person-targeted actions in group A."""
    table = {
        # actor:       t_member, t_fac, t_org, self
        "member": (False, False, False, False),
        "facilitator": (True, False, False, False),
        "other_fac": (False, False, False, False),
        "organizer": (True, True, False, False),
        "superuser": (True, True, True, False),
        "unverified": (False, False, False, False),
        "suspended": (False, False, False, False),
    }
    mute_action = next(a for a in ACTIONS if a.name == "mute")
    for actor, row in table.items():
        got = tuple(expected(actor, mute_action, t) for t in (*TARGETS, SELF))
        assert got == row, actor
