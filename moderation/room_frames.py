"""The room socket's moderation frames: reports and worries from members, and
facilitators' actions. Each frame calls the same action as the HTTP forms, its text
cleaned by the same form fields.

Registered with the room's consumer (groups/frame_handlers.py) in
`ModerationConfig.ready()`; each handler is called with the socket and the frame.
"""

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from community.errors import Refused
from community.offloop import db_call
from groups import frames
from groups.models import Group, Membership, Message
from moderation import selectors
from moderation.actions import members, messages, pauses, reports, rooms
from moderation.forms import ClauseForm, MuteForm, NudgeForm, PauseForm, ReportForm

if TYPE_CHECKING:
    from groups.consumers import RoomConsumer


@db_call
def _member(group_id: int, membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("user", "group")
        .filter(pk=membership_id, group_id=group_id)
        .first()
    )
    if membership is None:
        raise Refused("not_found", _("That member can't be found in this group."))
    return membership


@db_call
def _message_in_room(group_id: int, message_id: int) -> int:
    """The id of a message of this room; a message elsewhere is as good as missing.

    The actions judge permission in the message's own group, so this changes no
    one's powers; it keeps a room's socket to its own room, like the member frames.
    """
    if not Message.objects.filter(pk=message_id, group_id=group_id).exists():
        raise Refused("not_found", _("That message can't be found."))
    return message_id


@db_call
def _clauses(group: Group) -> list[tuple[str, str]]:
    """The clauses a frame may cite: those the pages' forms offer."""
    return selectors.clause_choices(group)


# The arguments through which each action learns who is asking.
_PERSON_ARGS = ("actor", "reporter", "member")


def _run(function: Any) -> Any:
    """`function` off the loop, judging the person who asks as their account is now.

    The socket's user was read at connect (or its last re-check); a moderation power
    lost since (a suspension, a role taken away) must not act from an open socket.
    """

    def fresh(**fields: Any) -> Any:
        for name in _PERSON_ARGS:
            if name in fields:
                fields[name] = get_user_model().objects.get(pk=fields[name].pk)
        return function(**fields)

    return db_call(fresh)


async def _room_message(room: "RoomConsumer", frame: dict[str, Any]) -> int:
    return await _message_in_room(room.group.pk, frames.integer(frame, "id"))


async def _ack(room: "RoomConsumer", action: str, **fields: Any) -> None:
    await room.send_json({"type": "moderation.ack", "action": action, **fields})


async def on_report_message(room: "RoomConsumer", frame: dict[str, Any]) -> None:
    form = ReportForm(clauses=await _clauses(room.group))
    await _run(reports.report_message)(
        reporter=room.user,
        message_id=await _room_message(room, frame),
        **frames.texts(frame, form, "clause", "note"),
    )
    await room.send_json({"type": "report.ack", "detail": _(reports.THANKS)})


async def on_report_member(room: "RoomConsumer", frame: dict[str, Any]) -> None:
    target = await _member(room.group.pk, frames.integer(frame, "member"))
    form = ReportForm(clauses=await _clauses(room.group))
    await _run(reports.report_member)(
        reporter=room.user,
        membership_id=target.pk,
        **frames.texts(frame, form, "clause", "note"),
    )
    await room.send_json({"type": "report.ack", "detail": _(reports.THANKS)})


async def on_worry(room: "RoomConsumer", frame: dict[str, Any]) -> None:
    await _run(reports.worried_about)(member=room.user, message_id=await _room_message(room, frame))
    await room.send_json(
        {
            "type": "report.ack",
            "detail": _(
                "Thank you for caring. The facilitators will reach out, and the person "
                "has been offered support privately. You won't be named."
            ),
        }
    )


async def on_pause_request(room: "RoomConsumer", frame: dict[str, Any]) -> None:
    await _run(pauses.request_pause)(
        member=room.user, group=room.group, note=frames.text(frame, "note", required=False)
    )
    await room.send_json({"type": "pause.ack", "detail": _(pauses.REQUESTED)})


async def on_hide(room: "RoomConsumer", frame: dict[str, Any]) -> None:
    message_id = await _room_message(room, frame)
    form = ClauseForm(clauses=await _clauses(room.group))
    await _run(messages.hide)(
        actor=room.user, message_id=message_id, **frames.texts(frame, form, "clause", "reason")
    )
    await _ack(room, "hide", id=message_id)


async def on_restore(room: "RoomConsumer", frame: dict[str, Any]) -> None:
    message_id = await _room_message(room, frame)
    await _run(messages.restore)(actor=room.user, message_id=message_id)
    await _ack(room, "restore", id=message_id)


async def on_approve(room: "RoomConsumer", frame: dict[str, Any]) -> None:
    message_id = await _room_message(room, frame)
    await _run(messages.approve_held)(actor=room.user, message_id=message_id)
    await _ack(room, "approve", id=message_id)


async def on_decline(room: "RoomConsumer", frame: dict[str, Any]) -> None:
    message_id = await _room_message(room, frame)
    await _run(messages.decline_held)(
        actor=room.user,
        message_id=message_id,
        clause=frames.text(frame, "clause", required=False),
    )
    await _ack(room, "decline", id=message_id)


async def on_nudge(room: "RoomConsumer", frame: dict[str, Any]) -> None:
    target = await _member(room.group.pk, frames.integer(frame, "member"))
    form = NudgeForm(clauses=await _clauses(room.group))
    await _run(members.nudge)(
        actor=room.user, membership=target, **frames.texts(frame, form, "clause", "text")
    )
    await _ack(room, "nudge", member=target.pk)


async def on_pause_answer(room: "RoomConsumer", frame: dict[str, Any]) -> None:
    target = await _member(room.group.pk, frames.integer(frame, "member"))
    await _run(pauses.answer_pause)(
        actor=room.user, membership=target, text=frames.text(frame, "text", required=False)
    )
    await _ack(room, "pause_answer", member=target.pk)


async def on_mute(room: "RoomConsumer", frame: dict[str, Any]) -> None:
    target = await _member(room.group.pk, frames.integer(frame, "member"))
    form = MuteForm(clauses=await _clauses(room.group))
    await _run(members.mute)(
        actor=room.user,
        membership=target,
        minutes=frames.integer(frame, "minutes"),
        **frames.texts(frame, form, "clause", "reason"),
    )
    await _ack(room, "mute", member=target.pk)


async def on_unmute(room: "RoomConsumer", frame: dict[str, Any]) -> None:
    target = await _member(room.group.pk, frames.integer(frame, "member"))
    await _run(members.unmute)(actor=room.user, membership=target)
    await _ack(room, "unmute", member=target.pk)


def _ending(action: Callable[..., Any], name: str) -> Callable[..., Awaitable[None]]:
    """The handler of `moderation.remove` or `moderation.ban`: the same frame, ending a
    membership by `action` under a clause."""

    async def handler(room: "RoomConsumer", frame: dict[str, Any]) -> None:
        target = await _member(room.group.pk, frames.integer(frame, "member"))
        form = ClauseForm(clauses=await _clauses(room.group))
        await _run(action)(
            actor=room.user, membership=target, **frames.texts(frame, form, "clause", "reason")
        )
        await _ack(room, name, member=target.pk)

    return handler


on_remove = _ending(members.remove, "remove")
on_ban = _ending(members.ban, "ban")


async def on_slow_mode(room: "RoomConsumer", frame: dict[str, Any]) -> None:
    seconds = frames.integer(frame, "seconds")
    await _run(rooms.set_slow_mode)(actor=room.user, group=room.group, seconds=seconds)
    await _ack(room, "slow_mode", seconds=seconds)


async def on_pause(room: "RoomConsumer", frame: dict[str, Any]) -> None:
    minutes = frames.integer(frame, "minutes", required=False) or None
    await _run(rooms.pause)(
        actor=room.user,
        group=room.group,
        minutes=minutes,
        **frames.texts(frame, PauseForm(), "message"),
    )
    await _ack(room, "pause")


async def on_resume(room: "RoomConsumer", frame: dict[str, Any]) -> None:
    await _run(rooms.resume)(actor=room.user, group=room.group)
    await _ack(room, "resume")


# Registered with the room's consumer in `ModerationConfig.ready()`.
HANDLERS: dict[str, Any] = {
    "report.message": on_report_message,
    "report.member": on_report_member,
    "worry": on_worry,
    "pause.request": on_pause_request,
    "moderation.hide": on_hide,
    "moderation.restore": on_restore,
    "moderation.approve": on_approve,
    "moderation.decline": on_decline,
    "moderation.nudge": on_nudge,
    "moderation.pause_answer": on_pause_answer,
    "moderation.mute": on_mute,
    "moderation.unmute": on_unmute,
    "moderation.remove": on_remove,
    "moderation.ban": on_ban,
    "moderation.slow_mode": on_slow_mode,
    "moderation.pause": on_pause,
    "moderation.resume": on_resume,
}
