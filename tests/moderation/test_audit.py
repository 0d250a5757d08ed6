"""The audit log: exactly one entry per action, with the right fields, never message text.

And time: a mute, a pause and a suspension end by themselves (with a controllable
clock, time-machine), after which the person may post again.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib import admin
from django.test import RequestFactory
from django.utils import timezone

from community.errors import Refused
from community.models import User
from groups import audit
from groups import permissions as group_permissions
from groups.actions import chat
from groups.models import AuditEntry, Consent, Group, Membership, Message
from groups.payloads import me_payload
from moderation.actions import appeals, filters, members, reports, rooms
from moderation.actions import messages as message_actions
from moderation.models import Appeal, CrisisPhrase, Report, WordFilter
from tests.factories import make_organizer
from tests.moderation.conftest import CLAUSE, World, build_world

SECRET = "my sister's name is Juniper and she lives at 12 Larch Row"
FIELDS = (
    "action",
    "actor",
    "target_user",
    "group",
    "clause",
    "reason",
    "expires_at",
    "target_message_id",
)


@pytest.fixture
def circle(db: None) -> World:
    world = build_world(("organizer", "member", "facilitator", "t_member", "bystander"))
    world.messages["secret"] = chat.send_message(
        user=world.people["member"], group=world.group, client_id="secret", body=SECRET
    ).message
    return world


def _held(world: World) -> Message:
    return Message.objects.create(
        group=world.group,
        author=world.membership("member"),
        held=True,
        client_id="held",
        body=SECRET,
        body_html=SECRET,
    )


Case = Callable[[World], dict[str, Any]]


def _about_member(w: World, action: str, **fields: Any) -> dict[str, Any]:
    """The fields an entry about the member should have (the rest are the defaults)."""
    return {"action": action, "target_user": w.people["member"], **fields}


def hide(w: World) -> dict[str, Any]:
    message = w.messages["secret"]
    message_actions.hide(
        actor=w.user("facilitator"), message_id=message.pk, clause=CLAUSE, reason="Private details"
    )
    return _about_member(
        w, "hide", clause=CLAUSE, reason="Private details", target_message_id=message.pk
    )


def restore(w: World) -> dict[str, Any]:
    message = w.messages["secret"]
    Message.objects.filter(pk=message.pk).update(hidden_at=timezone.now())
    message_actions.restore(actor=w.user("facilitator"), message_id=message.pk, reason="Misread it")
    return _about_member(w, "restore", reason="Misread it", target_message_id=message.pk)


def nudge(w: World) -> dict[str, Any]:
    members.nudge(
        actor=w.user("facilitator"),
        membership=w.membership("member"),
        clause=CLAUSE,
        text="A kind word about " + SECRET,
    )
    return _about_member(w, "nudge", clause=CLAUSE)


def mute(w: World) -> dict[str, Any]:
    muted = members.mute(
        actor=w.user("facilitator"),
        membership=w.membership("member"),
        minutes=60,
        clause=CLAUSE,
        reason="Heated",
    )
    return _about_member(w, "mute", clause=CLAUSE, reason="Heated", expires_at=muted.muted_until)


def unmute(w: World) -> dict[str, Any]:
    Membership.objects.filter(pk=w.membership("member").pk).update(
        muted_until=timezone.now() + timedelta(hours=1)
    )
    members.unmute(
        actor=w.user("facilitator"), membership=w.membership("member"), reason="Repaired"
    )
    return _about_member(w, "unmute", reason="Repaired")


def _member_out(w: World, take: Callable[..., Any], action: str, reason: str) -> dict[str, Any]:
    """The facilitator removes or bans the member (`take`): the entry it should log."""
    take(
        actor=w.user("facilitator"), membership=w.membership("member"), clause=CLAUSE, reason=reason
    )
    return _about_member(w, action, clause=CLAUSE, reason=reason)


def remove(w: World) -> dict[str, Any]:
    return _member_out(w, members.remove, "remove", "Repeated")


def ban(w: World) -> dict[str, Any]:
    return _member_out(w, members.ban, "ban", "Threats")


def suspend(w: World) -> dict[str, Any]:
    user = members.suspend(actor=w.user("organizer"), user=w.user("member"), days=7, reason="Spam")
    return _about_member(
        w,
        "suspend",
        actor=w.people["organizer"],
        group=None,
        reason="Spam",
        expires_at=user.suspended_until,
    )


def suspend_until_lifted(w: World) -> dict[str, Any]:
    members.suspend(actor=w.user("organizer"), user=w.user("member"), days=None, reason="Spam")
    return _about_member(w, "suspend", actor=w.people["organizer"], group=None, reason="Spam")


def unsuspend(w: World) -> dict[str, Any]:
    User.objects.filter(pk=w.people["member"].pk).update(
        suspended_until=timezone.now() + timedelta(days=1)
    )
    members.unsuspend(actor=w.user("organizer"), user=w.user("member"), reason="Talked")
    return _about_member(w, "unsuspend", actor=w.people["organizer"], group=None, reason="Talked")


def approve(w: World) -> dict[str, Any]:
    held = _held(w)
    message_actions.approve_held(actor=w.user("facilitator"), message_id=held.pk)
    return _about_member(w, "approve_message", target_message_id=held.pk)


def decline(w: World) -> dict[str, Any]:
    held = _held(w)
    message_actions.decline_held(
        actor=w.user("facilitator"), message_id=held.pk, clause=CLAUSE, reason="Names someone"
    )
    return _about_member(
        w, "decline_message", clause=CLAUSE, reason="Names someone", target_message_id=held.pk
    )


def slow_mode(w: World) -> dict[str, Any]:
    rooms.set_slow_mode(actor=w.user("facilitator"), group=w.group, seconds=30)
    return {"action": "slow_mode", "reason": "30 seconds"}


def pause(w: World) -> dict[str, Any]:
    room = rooms.pause(actor=w.user("facilitator"), group=w.group, minutes=15, message="Breathe")
    return {"action": "pause", "expires_at": room.paused_until}


def pause_until_resumed(w: World) -> dict[str, Any]:
    rooms.pause(actor=w.user("facilitator"), group=w.group, minutes=None)
    return {"action": "pause"}


def resume(w: World) -> dict[str, Any]:
    Group.objects.filter(pk=w.group.pk).update(paused_until=timezone.now() + timedelta(hours=1))
    rooms.resume(actor=w.user("facilitator"), group=w.group)
    return {"action": "resume"}


def hold_first(w: World) -> dict[str, Any]:
    rooms.hold_first_messages(actor=w.user("facilitator"), group=w.group, count=3)
    return {"action": "hold_first", "reason": "3 messages"}


def add_filter(w: World) -> dict[str, Any]:
    filters.add_filter(
        actor=w.user("facilitator"),
        group=w.group,
        phrase="Juniper",
        action="hold",
        clause="Confidentiality",
    )
    return {"action": "filter_added", "clause": "Confidentiality", "reason": "hold"}


def remove_filter(w: World) -> dict[str, Any]:
    word_filter = WordFilter.objects.create(group=w.group, phrase="Juniper", action="hold")
    filters.remove_filter(actor=w.user("facilitator"), word_filter=word_filter)
    return {"action": "filter_removed"}


def add_site_filter(w: World) -> dict[str, Any]:
    filters.add_filter(actor=w.user("organizer"), group=None, phrase="Juniper", action="flag")
    return {
        "actor": w.people["organizer"],
        "group": None,
        "action": "filter_added",
        "reason": "flag",
    }


def add_crisis_phrase(w: World) -> dict[str, Any]:
    filters.add_crisis_phrase(actor=w.user("organizer"), phrase="can't go on")
    return {"actor": w.people["organizer"], "group": None, "action": "crisis_phrase_added"}


def remove_crisis_phrase(w: World) -> dict[str, Any]:
    phrase = CrisisPhrase.objects.create(phrase="can't go on")
    filters.remove_crisis_phrase(actor=w.user("organizer"), crisis_phrase=phrase)
    return {"actor": w.people["organizer"], "group": None, "action": "crisis_phrase_removed"}


def _report(w: World) -> Report:
    report = reports.report_message(
        reporter=w.user("bystander"),
        message_id=w.messages["secret"].pk,
        clause=CLAUSE,
        note="Quoting " + SECRET,
    )
    assert (
        AuditEntry.objects.filter(action__startswith="report").count() == 0
    )  # filing is not an action
    return report


def resolve_report(w: World) -> dict[str, Any]:
    report = _report(w)
    reports.resolve(actor=w.user("facilitator"), report=report, note="Talked with them")
    return _about_member(
        w,
        "report_resolved",
        clause=CLAUSE,
        reason="Talked with them",
        target_message_id=w.messages["secret"].pk,
    )


def dismiss_report(w: World) -> dict[str, Any]:
    report = _report(w)
    reports.resolve(actor=w.user("facilitator"), report=report, dismiss=True)
    return _about_member(
        w, "report_dismissed", clause=CLAUSE, target_message_id=w.messages["secret"].pk
    )


def _appeal(w: World) -> Appeal:
    entry = audit.record(
        "nudge",
        actor=w.people["facilitator"],
        group=w.group,
        target_user=w.people["member"],
        clause=CLAUSE,
    )
    return appeals.appeal(user=w.user("member"), entry=entry, text="It was about " + SECRET)


def uphold_appeal(w: World) -> dict[str, Any]:
    appeal = _appeal(w)
    appeals.decide(actor=w.user("organizer"), appeal=appeal, overturn=False, note="It stands")
    return _about_member(w, "appeal_upheld", actor=w.people["organizer"], reason="It stands")


def overturn_appeal(w: World) -> dict[str, Any]:
    appeal = _appeal(w)
    appeals.decide(actor=w.user("organizer"), appeal=appeal, overturn=True, note="Reversed")
    return _about_member(w, "appeal_overturned", actor=w.people["organizer"], reason="Reversed")


def overturn_hide_appeal(w: World) -> dict[str, Any]:
    """Overturning a hide shows the message again: one decision, so one entry."""
    message = w.messages["secret"]
    message_actions.hide(actor=w.user("facilitator"), message_id=message.pk, clause=CLAUSE)
    entry = AuditEntry.objects.get(action="hide")
    appeal = appeals.appeal(user=w.user("member"), entry=entry, text="It was about " + SECRET)
    appeals.decide(actor=w.user("organizer"), appeal=appeal, overturn=True, note="Reversed")
    assert Message.objects.get(pk=message.pk).hidden_at is None
    return _about_member(
        w,
        "appeal_overturned",
        actor=w.people["organizer"],
        reason="Reversed",
        target_message_id=message.pk,
    )


CASES: list[Case] = [
    hide, restore, nudge, mute, unmute, remove, ban, suspend, suspend_until_lifted,
    unsuspend, approve, decline, slow_mode, pause, pause_until_resumed, resume, hold_first,
    add_filter, remove_filter, add_site_filter, add_crisis_phrase, remove_crisis_phrase,
    resolve_report, dismiss_report, uphold_appeal, overturn_appeal, overturn_hide_appeal,
]  # fmt: skip


def _values(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in FIELDS}


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_each_action_writes_exactly_one_entry_with_the_right_fields(
    circle: World, case: Case
) -> None:
    setup_entries = 1 if "appeal" in case.__name__ else 0
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    wanted = case(circle)
    new = AuditEntry.objects.exclude(pk__in=before).order_by("pk")
    assert new.count() == 1 + setup_entries, [e.action for e in new]
    entry = new.last()
    assert entry is not None
    defaults = {
        "actor": circle.people["facilitator"],
        "target_user": None,
        "group": circle.group,
        "clause": "",
        "reason": "",
        "expires_at": None,
        "target_message_id": None,
    }
    assert _values(entry) == {**defaults, **wanted}
    # The log never copies what anyone wrote: not the message, the note, the appeal.
    for stored in AuditEntry.objects.values_list():
        assert all(SECRET not in str(value) for value in stored), stored


def test_an_overturned_decision_is_undone(circle: World) -> None:
    member = circle.membership("member")
    facilitator, organizer = circle.user("facilitator"), circle.user("organizer")
    decider = make_organizer(display_name="Opal")  # not involved in any decision here
    members.mute(actor=facilitator, membership=member, minutes=60, clause=CLAUSE)
    message_actions.hide(actor=facilitator, message_id=circle.messages["member"].pk, clause=CLAUSE)
    members.suspend(actor=organizer, user=circle.user("t_member"), days=3, reason="r")
    members.ban(actor=facilitator, membership=circle.membership("bystander"), clause=CLAUSE)
    logged = {}
    for user_key, action in (
        ("member", "mute"),
        ("member", "hide"),
        ("t_member", "suspend"),
        ("bystander", "ban"),
    ):
        entry = AuditEntry.objects.get(action=action)
        appeal = appeals.appeal(user=circle.user(user_key), entry=entry, text="Please look again.")
        before = set(AuditEntry.objects.values_list("pk", flat=True))
        appeals.decide(actor=decider, appeal=appeal, overturn=True, note="We got this wrong.")
        logged[action] = list(
            AuditEntry.objects.exclude(pk__in=before)
            .order_by("pk")
            .values_list("action", flat=True)
        )
    assert not circle.membership("member").is_muted
    assert Message.objects.get(pk=circle.messages["member"].pk).hidden_at is None
    assert not circle.user("t_member").is_suspended
    bystander = circle.membership("bystander")
    assert bystander.status == "left"  # may come back by the usual ways
    assert group_permissions.can_join_directly(circle.user("bystander"), circle.group, bystander)
    # One entry for each decision, an overturned hide's included (it names the message).
    assert logged == {
        "mute": ["appeal_overturned"],
        "hide": ["appeal_overturned"],
        "suspend": ["appeal_overturned"],
        "ban": ["appeal_overturned"],
    }


def test_appeals_once_each_and_never_decided_by_the_one_who_decided(circle: World) -> None:
    organizer = circle.user("organizer")
    members.mute(actor=organizer, membership=circle.membership("member"), minutes=10, clause=CLAUSE)
    entry = AuditEntry.objects.get(action="mute")
    appeal = appeals.appeal(user=circle.user("member"), entry=entry, text="Please look again.")
    with pytest.raises(Refused) as twice:
        appeals.appeal(user=circle.user("member"), entry=entry, text="And again.")
    assert twice.value.code == "already_appealed"
    with pytest.raises(Refused) as not_mine:
        appeals.appeal(user=circle.user("bystander"), entry=entry, text="For them.")
    assert not_mine.value.code == "not_found"
    with pytest.raises(Refused) as involved:
        appeals.decide(actor=organizer, appeal=appeal, overturn=True)
    assert involved.value.code == "forbidden"
    assert Appeal.objects.get(pk=appeal.pk).status == "pending"
    # Another organizer, not involved, decides.
    other = make_organizer(display_name="Opal")
    appeals.decide(actor=other, appeal=appeal, overturn=False)
    with pytest.raises(Refused) as closed:
        appeals.decide(actor=other, appeal=appeal, overturn=True)
    assert closed.value.code == "closed"


def test_the_log_and_consents_refuse_edits_and_deletes(circle: World) -> None:
    entry = audit.record("nudge", actor=circle.people["facilitator"], group=circle.group)
    entry.reason = "rewritten"
    with pytest.raises(ValueError, match="never edited"):
        entry.save()
    with pytest.raises(ValueError, match="never deleted"):
        entry.delete()
    consent = Consent.objects.filter(user=circle.people["member"]).first()
    assert consent is not None
    with pytest.raises(ValueError, match="never edited"):
        consent.save()
    with pytest.raises(ValueError, match="never deleted"):
        consent.delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == ""
    # The admin offers no way to add, change or delete entries either.
    model_admin = admin.site._registry[AuditEntry]
    request = RequestFactory().get("/admin/")
    request.user = circle.user("organizer")
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)


# --- Time: restrictions end by themselves ---------------------------------------------


def test_a_mute_lifts_by_itself_when_its_time_is_up(circle: World) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        muted = members.mute(
            actor=circle.user("facilitator"),
            membership=circle.membership("member"),
            minutes=10,
            clause=CLAUSE,
        )
        assert muted.muted_until == start + timedelta(minutes=10)
        clock.move_to(start + timedelta(minutes=9, seconds=59))
        membership = circle.membership("member")
        assert membership.is_muted
        assert not group_permissions.can_post(circle.user("member"), circle.group, membership)
        with pytest.raises(Refused) as refused:
            chat.send_message(
                user=circle.user("member"), group=circle.group, client_id="early", body="Hi"
            )
        assert refused.value.code == "muted"

        clock.move_to(start + timedelta(minutes=10, seconds=1))
        membership = circle.membership("member")
        assert not membership.is_muted
        assert group_permissions.can_post(circle.user("member"), circle.group, membership)
        me = me_payload(circle.group, membership, can_post=True)
        assert (me["muted_until"], me["mute_reason"]) == (None, "")
        sent = chat.send_message(
            user=circle.user("member"), group=circle.group, client_id="later", body="Hi"
        )
        assert sent.created and sent.message.seq is not None


def test_a_timed_pause_and_a_suspension_end_by_themselves(circle: World) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        rooms.pause(actor=circle.user("facilitator"), group=circle.group, minutes=5)
        members.suspend(
            actor=circle.user("organizer"), user=circle.user("t_member"), days=1, reason="r"
        )
        with pytest.raises(Refused) as paused:
            chat.send_message(
                user=circle.user("member"), group=circle.group, client_id="p1", body="Hi"
            )
        assert paused.value.code == "paused"
        assert circle.user("t_member").is_suspended

        clock.move_to(start + timedelta(minutes=5, seconds=1))
        assert not Group.objects.get(pk=circle.group.pk).is_paused
        chat.send_message(user=circle.user("member"), group=circle.group, client_id="p2", body="Hi")
        assert circle.user("t_member").is_suspended

        clock.move_to(start + timedelta(days=1, seconds=1))
        assert not circle.user("t_member").is_suspended
        assert group_permissions.is_in_good_standing(circle.user("t_member"))
