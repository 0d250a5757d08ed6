"""Sessions in the room: starting and ending them, check-in and check-out rounds, and
the talking piece. Sockets call these; every change reaches every open socket of
the room after commit, as the session's whole state (groups/session_state.py).

Only the room's keepers (its facilitators, and organizers who are members) run a
session; members answer rounds and take, pass or skip the piece.
"""

import random
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.cleaning import check_text
from community.errors import Refused
from groups import audit, events, permissions, screening, session_state
from groups.actions.chat import check_writer
from groups.models import (
    Attendance,
    Group,
    LiveSession,
    Membership,
    MembershipStatus,
    PieceOrder,
    Role,
    Round,
    RoundAnswer,
    RoundKind,
)
from groups.turns import place_words

DEFAULT_MINUTES = 60
MINUTES = (10, 240)
TURN_SECONDS = (30, 900)
PROMPT_MAX = 200
WORDS_MAX = 140
# A time box ends on the server's clock; a socket's timer may wake a little early.
TURN_SLACK = timedelta(seconds=1)

# The product's own opening words for each kind of round. A round stores its prompt
# in the language of the keeper who opens it, and the whole room reads it so.
DEFAULT_PROMPTS = {
    RoundKind.CHECK_IN: gettext_lazy("How is your weather today, 1 to 5, and one word?"),
    RoundKind.TALKING_PIECE: gettext_lazy(
        "When the piece comes to you, share what you'd like the group "
        "to hear, or pass. Everyone else: listen, without fixing."
    ),
    RoundKind.CHECK_OUT: gettext_lazy(
        "What are you taking with you from today, 1 to 5, and a word or two?"
    ),
}


def _not_keeper() -> Refused:
    return Refused("forbidden", _("Only the room's facilitators can run its sessions."))


def _no_session() -> Refused:
    return Refused("no_session", _("No session is running in this room just now."))


# --- Reading and judging ----------------------------------------------------------


def _keeper(actor: Any, group: Group) -> tuple[Group, Membership]:
    """The group, locked, and the actor's membership, if the actor keeps this room."""
    locked = Group.objects.select_for_update().get(pk=group.pk)
    membership = permissions.membership_with_person(locked, actor)
    person = membership.user if membership is not None else actor
    if membership is None or not permissions.keeps_room(person, locked, membership):
        raise _not_keeper()
    if locked.archived:
        raise Refused("archived", _("This group has closed; its conversation is read-only."))
    return locked, membership


def _member(person: Any, group: Group) -> tuple[Group, Membership]:
    """The group, locked, and the person's membership, if they may read the room."""
    locked = Group.objects.select_for_update().get(pk=group.pk)
    membership = permissions.membership_with_person(locked, person)
    return locked, permissions.require_reader(None, locked, membership)


def _session(group: Group) -> LiveSession:
    session = session_state.live_session(group)
    if session is None:
        raise _no_session()
    return session


def _open_round(session: LiveSession, *, piece: bool | None = None) -> Round:
    round_ = session.rounds.select_for_update().filter(closed_at__isnull=True).last()
    if round_ is None or (piece is not None and (round_.kind == RoundKind.TALKING_PIECE) != piece):
        if piece:
            raise Refused("no_round", _("There is no talking-piece round just now."))
        raise Refused("no_round", _("There is no check-in or check-out open just now."))
    return round_


def _minutes(minutes: int | None, default: int) -> int:
    if minutes is None:
        return default
    if not MINUTES[0] <= minutes <= MINUTES[1]:
        raise Refused(
            "invalid_minutes",
            _("A session can last from %(min)s to %(max)s minutes.")
            % {"min": MINUTES[0], "max": MINUTES[1]},
            field="minutes",
        )
    return minutes


def _attend(session: LiveSession, group: Group, ids: list[int]) -> None:
    """Note who is in the room now (ids from presence: only active members count)."""
    present = Membership.objects.filter(
        group=group, pk__in=set(ids), status=MembershipStatus.ACTIVE
    ).values_list("pk", flat=True)
    Attendance.objects.bulk_create(
        [Attendance(session=session, membership_id=pk) for pk in present], ignore_conflicts=True
    )


def attend(*, group: Group, membership: Membership) -> None:
    """Note that someone opened the room during its session (a socket's connect)."""
    session = session_state.live_session(group)
    if session is not None:
        _attend(session, group, [membership.pk])


# --- Telling the room -------------------------------------------------------------


def turn_of(state: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a socket needs to wake when a time box ends: the round, the place, who holds it."""
    round_ = (state or {}).get("round")
    if not round_ or not round_.get("turn_ends_at") or not round_.get("holder"):
        return None
    return {
        "round": round_["id"],
        "position": round_["position"],
        "holder": round_["holder"]["id"],
        "due": datetime.fromisoformat(round_["turn_ends_at"]).timestamp(),
    }


def _changed(group: Group, event: dict[str, Any]) -> None:
    """After commit, tell the room `event` with the session's state as it is now."""
    public, private = session_state.states(group)
    events.to_room_and_keepers(
        group.pk,
        {**event, "session": public},
        {**event, "session": private},
        turn=turn_of(public),
    )


# --- Sessions ---------------------------------------------------------------------


@transaction.atomic
def start_session(
    *,
    actor: Any,
    group: Group,
    minutes: int | None = None,
    present: list[int] | None = None,
    scheduled: tuple[datetime, datetime] | None = None,
) -> LiveSession | None:
    """Start a session now (`scheduled`: the schedule's session, started as it begins).

    A scheduled start is quiet when a session already runs or was already held for
    that time (a keeper ended it early): it returns None instead of refusing.
    """
    group, membership = _keeper(actor, group)
    now = timezone.now()
    running = session_state.live_session(group)
    if running is not None:
        if scheduled is not None:
            return None
        raise Refused("session_running", _("A session is already running in this room."))
    if scheduled is not None:
        if LiveSession.objects.filter(group=group, scheduled_for=scheduled[0]).exists():
            return None
        ends_at = scheduled[1]
    else:
        ends_at = now + timedelta(minutes=_minutes(minutes, DEFAULT_MINUTES))
    if group.live_session_id is not None:  # one its keepers forgot: over now
        LiveSession.objects.filter(pk=group.live_session_id, ended_at__isnull=True).update(
            ended_at=now
        )
    session = LiveSession.objects.create(
        group=group,
        started_by=membership,
        started_at=now,
        ends_at=ends_at,
        scheduled_for=scheduled[0] if scheduled else None,
    )
    group.live_session, group.piece_round = session, None
    group.save(update_fields=["live_session", "piece_round"])
    _attend(session, group, [*(present or []), membership.pk])
    audit.record("session_start", actor=membership.user, group=group)
    _changed(group, {"type": "session.started"})
    return session


@transaction.atomic
def end_session(*, actor: Any, group: Group) -> LiveSession:
    """End the running session: any open round closes with it."""
    group, membership = _keeper(actor, group)
    session = _session(group)
    now = timezone.now()
    session.rounds.filter(closed_at__isnull=True).update(closed_at=now)
    session.ended_at = now
    session.save(update_fields=["ended_at"])
    group.live_session, group.piece_round = None, None
    group.save(update_fields=["live_session", "piece_round"])
    audit.record("session_end", actor=membership.user, group=group)
    events.to_group(
        group.pk,
        {"type": "session.ended", "id": session.pk, "session": None},
        turn=None,
        ended=True,
    )
    return session


# --- Rounds -----------------------------------------------------------------------


def _order(group: Group, present: list[int], how: str) -> list[int]:
    """Who will hold the piece, from the members in the room (not its keepers)."""
    if how == PieceOrder.VOLUNTEERS:
        return []  # the piece rests in the middle until someone asks for it
    people = (
        Membership.objects.filter(
            group=group, pk__in=set(present), status=MembershipStatus.ACTIVE, role=Role.MEMBER
        )
        .exclude(user__is_organizer=True)
        .order_by("joined_at", "pk")
        .values_list("pk", flat=True)
    )
    order = list(people)
    if how == PieceOrder.RANDOM:
        random.SystemRandom().shuffle(order)
    return order


@transaction.atomic
def open_round(
    *,
    actor: Any,
    group: Group,
    kind: str,
    prompt: str = "",
    order: str = PieceOrder.JOINED,
    turn_seconds: int | None = None,
    present: list[int] | None = None,
) -> Round:
    """Open a check-in, a check-out or a talking-piece round in the running session."""
    group, _membership = _keeper(actor, group)
    if kind not in RoundKind.values:
        raise Refused(
            "invalid_round",
            _("Please choose a check-in, a talking piece or a check-out."),
            field="kind",
        )
    prompt = check_text(prompt, field="prompt", max_length=PROMPT_MAX, collapse=True)
    session = _session(group)
    if session.rounds.filter(closed_at__isnull=True).exists():
        raise Refused("round_open", _("Please end the round that is open first."))
    now = timezone.now()
    round_ = Round(
        session=session, kind=kind, prompt=prompt or str(DEFAULT_PROMPTS[RoundKind(kind)])
    )
    if kind == RoundKind.TALKING_PIECE:
        if order not in PieceOrder.values:
            raise Refused(
                "invalid_order",
                _("Please choose an order: as people joined, random, or volunteers first."),
                field="order",
            )
        if turn_seconds and not TURN_SECONDS[0] <= turn_seconds <= TURN_SECONDS[1]:
            raise Refused(
                "invalid_turn_seconds",
                _("A turn can be given from half a minute to 15 minutes, or no time box."),
                field="turn_seconds",
            )
        round_.order_kind = order
        round_.order = _order(group, present or [], order)
        round_.turn_seconds = turn_seconds or None
        round_.turn_started_at = now if round_.order else None
    round_.save()
    if kind == RoundKind.TALKING_PIECE:
        group.piece_round = round_
        group.save(update_fields=["piece_round"])
    _attend(session, group, present or [])
    _changed(group, {"type": "round.opened"})
    return round_


@transaction.atomic
def close_round(*, actor: Any, group: Group) -> Round:
    """End the open round; the room returns to open conversation."""
    group, _membership = _keeper(actor, group)
    round_ = _open_round(_session(group))
    round_.closed_at = timezone.now()
    round_.save(update_fields=["closed_at"])
    if group.piece_round_id is not None:
        group.piece_round = None
        group.save(update_fields=["piece_round"])
    _changed(group, {"type": "round.closed", "round": round_.pk})
    return round_


def _screened(words: str, group: Group) -> bool:
    """Screen an answer's words as a message's are; True if they carry crisis words.

    The room shows them, so the group's word filters apply: words a filter would
    block or hold for review are refused (an answer has no review queue of its own).
    """
    if not words:
        return False
    verdict = screening.screen(words, group)
    if verdict.action in ("block", "hold"):
        if verdict.clause:
            refusal = _(
                "Those words can't be shared in a round here because they touch the agreement "
                "(“%(clause)s”). You're welcome to say it another way, or to pass."
            ) % {"clause": verdict.clause}
        else:
            refusal = _(
                "Those words can't be shared in a round here because they touch the agreement. "
                "You're welcome to say it another way, or to pass."
            )
        raise Refused("blocked", refusal, field="words")
    return verdict.crisis


@transaction.atomic
def answer_round(
    *, member: Any, group: Group, score: int | None = None, words: str = "", passed: bool = False
) -> RoundAnswer:
    """Answer the open check-in or check-out once: a number and a few words, or a pass.

    Answering is speaking in the room, so it is judged as posting is (consent, a mute,
    a pause), except that passing is always open.
    """
    group, membership = _member(member, group)
    words = check_text(words, field="words", max_length=WORDS_MAX, collapse=True)
    if not passed:
        check_writer(group, membership)
    round_ = _open_round(_session(group), piece=False)
    if passed:
        score, words = None, ""
    elif score is not None and not 1 <= score <= 5:
        raise Refused("invalid_score", _("Please choose a number from 1 to 5."), field="score")
    elif score is None and not words:
        raise Refused("empty", _("Please choose a number or write a word, or pass."), field="score")
    crisis = _screened(words, group)
    try:
        with transaction.atomic():
            answer = RoundAnswer.objects.create(
                round=round_, membership=membership, score=score, words=words, passed=passed
            )
    except IntegrityError:
        raise Refused("already_answered", _("You've answered this round already.")) from None
    if crisis:
        screening.crisis_in_words(membership)
    _attend(round_.session, group, [membership.pk])
    _changed(group, {"type": "round.answered"})
    return answer


# --- The talking piece --------------------------------------------------------------


def _move(group: Group, round_: Round, position: int) -> Round:
    round_.position = position
    round_.turn_started_at = timezone.now() if round_.holder_id is not None else None
    round_.save(update_fields=["position", "turn_started_at", "order"])
    _changed(group, {"type": "piece.moved"})
    return round_


def _waiting(round_: Round) -> list[int]:
    return round_.order[round_.position + 1 :]


@transaction.atomic
def pass_piece(*, member: Any, group: Group) -> Round:
    """The holder is done (or passes without sharing): the piece goes to the next person."""
    group, membership = _member(member, group)
    round_ = _open_round(_session(group), piece=True)
    if round_.holder_id != membership.pk:
        raise Refused("not_your_turn", _("Only the person holding the piece can pass it."))
    return _move(group, round_, round_.position + 1)


@transaction.atomic
def move_piece(*, actor: Any, group: Group, step: str) -> Round:
    """A keeper moves the piece on to the next person, or back to the one before."""
    group, _membership = _keeper(actor, group)
    round_ = _open_round(_session(group), piece=True)
    if step == "next" and round_.position < len(round_.order):
        return _move(group, round_, round_.position + 1)
    if step == "back" and round_.position > 0:
        return _move(group, round_, round_.position - 1)
    if step not in ("next", "back"):
        raise Refused(
            "invalid_step", _("The piece moves to the next person or back."), field="step"
        )
    raise Refused("no_one_there", _("There is nobody there to move the piece to."))


def _join_order(group: Group, round_: Round, membership_id: int) -> Round:
    if membership_id in round_.order[round_.position :]:
        raise Refused(
            "already_in_order",
            _("Already in the order.") + " " + place_words(round_, membership_id),
        )
    resting = round_.holder_id is None
    round_.order = [*round_.order, membership_id]
    if resting:  # the piece was in the middle: it comes to the one who joins
        return _move(group, round_, len(round_.order) - 1)
    round_.save(update_fields=["order"])
    _changed(group, {"type": "piece.moved"})
    return round_


@transaction.atomic
def add_to_piece(*, actor: Any, group: Group, membership_id: int) -> Round:
    """A keeper adds someone to the order (at its end)."""
    group, _membership = _keeper(actor, group)
    round_ = _open_round(_session(group), piece=True)
    target = Membership.objects.filter(
        pk=membership_id, group=group, status=MembershipStatus.ACTIVE
    ).first()
    if target is None:
        raise Refused("not_found", _("That member can't be found in this group."))
    return _join_order(group, round_, target.pk)


@transaction.atomic
def ask_for_piece(*, member: Any, group: Group) -> Round:
    """A member asks for a turn: they join the end of the order."""
    group, membership = _member(member, group)
    check_writer(group, membership)
    round_ = _open_round(_session(group), piece=True)
    return _join_order(group, round_, membership.pk)


@transaction.atomic
def skip_turn(*, member: Any, group: Group) -> Round:
    """A member would rather not take their turn this round (the holder passes instead)."""
    group, membership = _member(member, group)
    round_ = _open_round(_session(group), piece=True)
    if round_.holder_id == membership.pk:
        return _move(group, round_, round_.position + 1)
    if membership.pk not in _waiting(round_):
        raise Refused("not_in_order", _("You're not waiting for a turn in this round."))
    later = [pk for pk in _waiting(round_) if pk != membership.pk]
    round_.order = [*round_.order[: round_.position + 1], *later]
    round_.save(update_fields=["order"])
    _changed(group, {"type": "piece.moved"})
    return round_


@transaction.atomic
def pass_when_due(*, group: Group, round_id: int, position: int) -> bool:
    """Pass the piece on when its time box has ended; True if this call passed it.

    Woken by the sockets of the room's keepers and of the holder: whichever comes
    first passes it, and the others find it moved and do nothing.
    """
    group = Group.objects.select_for_update().get(pk=group.pk)
    round_ = Round.objects.filter(pk=round_id, session__group=group, closed_at__isnull=True).first()
    if (
        round_ is None
        or round_.kind != RoundKind.TALKING_PIECE
        or round_.position != position
        or round_.holder_id is None
        or not round_.turn_seconds
        or round_.turn_started_at is None
        or timezone.now() + TURN_SLACK
        < round_.turn_started_at + timedelta(seconds=round_.turn_seconds)
    ):
        return False
    _move(group, round_, position + 1)
    return True
