"""Where a room's session is, as clients see it: for everyone, and for its keepers.

Built whenever the session changes (a handful of queries, a few times a session)
and sent whole, so a client only ever replaces its copy; `hello` and `sync.batch`
carry the same state, so a late joiner or a returning client catches up at once.
Keepers see also who has not answered a round yet and the round's aggregate;
members never see a score beside anything but the answer it belongs to, and
never a history of scores.
"""

from datetime import timedelta
from statistics import mean
from typing import Any

from django.utils import timezone

from groups import selectors
from groups.models import (
    Attendance,
    Group,
    LiveSession,
    Membership,
    MembershipStatus,
    Role,
    Round,
    RoundKind,
)

# A session its facilitators forgot to end is over this long after its planned end:
# it no longer shows, and its talking piece no longer holds the room.
OVERTIME = timedelta(hours=2)


def is_current(session: LiveSession | None) -> bool:
    return (
        session is not None
        and session.ended_at is None
        and timezone.now() < session.ends_at + OVERTIME
    )


def live_session(group: Group) -> LiveSession | None:
    """The group's running session, or None (no query when none is running)."""
    if group.live_session_id is None:
        return None
    session = LiveSession.objects.filter(pk=group.live_session_id).first()
    return session if is_current(session) else None


def open_round(session: LiveSession) -> Round | None:
    return session.rounds.filter(closed_at__isnull=True).last()


def _person(membership: Membership) -> dict[str, Any]:
    return {"id": membership.pk, "name": membership.display_name}


def _names(group: Group, ids: set[int]) -> dict[int, dict[str, Any]]:
    found = Membership.objects.select_related("user").filter(group=group, pk__in=ids)
    return {m.pk: _person(m) for m in found}


def aggregate(answers: list[dict[str, Any]]) -> dict[str, Any]:
    """A round's shape, for its keepers: how many answered or passed, and the scores' spread."""
    scores = [a["score"] for a in answers if a["score"] is not None]
    return {
        "answered": sum(1 for a in answers if not a["passed"]),
        "passed": sum(1 for a in answers if a["passed"]),
        "average": round(mean(scores), 1) if scores else None,
        "counts": {str(n): scores.count(n) for n in range(1, 6)},
    }


def turn_ends_at(round_: Round) -> str | None:
    if round_.turn_seconds and round_.turn_started_at and round_.holder_id is not None:
        return (round_.turn_started_at + timedelta(seconds=round_.turn_seconds)).isoformat()
    return None


def _round(group: Group, round_: Round, names: dict[int, dict[str, Any]]) -> dict[str, Any]:
    state: dict[str, Any] = {
        "id": round_.pk,
        "kind": round_.kind,
        "prompt": round_.prompt,
        "opened_at": round_.opened_at.isoformat(),
    }
    if round_.kind == RoundKind.TALKING_PIECE:
        holder = round_.holder_id
        state |= {
            "order": [names[i] for i in round_.order if i in names],
            "position": round_.position,
            "holder": names.get(holder) if holder is not None else None,
            "order_kind": round_.order_kind,
            "turn_seconds": round_.turn_seconds,
            "turn_ends_at": turn_ends_at(round_),
        }
    else:
        state["answers"] = [
            {
                "member": _person(answer.membership),
                "score": answer.score,
                "words": answer.words,
                "passed": answer.passed,
            }
            for answer in round_.answers.select_related("membership__user")
        ]
    return state


def phase(session: LiveSession, round_: Round | None) -> str:
    if round_ is not None:
        return str(round_.kind)
    return "open" if session.rounds.exists() else "opening"


def states(group: Group) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The session's state for members, and for keepers; (None, None) if none is running."""
    session = live_session(group)
    if session is None:
        return None, None
    round_ = open_round(session)
    keepers = selectors.room_keepers(group)
    ids = set(round_.order) if round_ is not None else set()
    names = _names(group, ids) if ids else {}
    public: dict[str, Any] = {
        "id": session.pk,
        "started_at": session.started_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "facilitators": [_person(m) for m in keepers if m.role == Role.FACILITATOR]
        or [_person(m) for m in keepers],
        "phase": phase(session, round_),
        "round": _round(group, round_, names) if round_ is not None else None,
    }
    private = {**public}
    if round_ is not None and round_.kind != RoundKind.TALKING_PIECE:
        answered = {a["member"]["id"] for a in public["round"]["answers"]}
        keeper_ids = {m.pk for m in keepers}
        waiting = (
            Attendance.objects.select_related("membership__user")
            .filter(session=session, membership__status=MembershipStatus.ACTIVE)
            .exclude(membership_id__in=answered | keeper_ids)
            .order_by("first_seen")
        )
        private["round"] = {
            **public["round"],
            "waiting": [_person(a.membership) for a in waiting],
            "aggregate": aggregate(public["round"]["answers"]),
        }
    return public, private
