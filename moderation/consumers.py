"""The room consumer with moderation frames: reports and worries from members, and
facilitators' actions. Each frame calls the same action as the HTTP forms, its text
cleaned by the same form fields."""

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from community.errors import Refused
from community.offloop import db_call
from groups import frames
from groups.consumers import RoomConsumer as BaseRoomConsumer
from groups.models import Group, Membership, Message
from moderation import selectors
from moderation.actions import members, messages, pauses, reports, rooms
from moderation.forms import ClauseForm, MuteForm, NudgeForm, PauseForm, ReportForm


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


class RoomConsumer(BaseRoomConsumer):
    async def room_message(self, frame: dict[str, Any]) -> int:
        return await _message_in_room(self.group.pk, frames.integer(frame, "id"))

    async def clauses(self) -> list[tuple[str, str]]:
        """The clauses a frame may cite: those the pages' forms offer."""
        return await _clauses(self.group)

    async def ack(self, action: str, **fields: Any) -> None:
        await self.send_json({"type": "moderation.ack", "action": action, **fields})

    async def on_report_message(self, frame: dict[str, Any]) -> None:
        form = ReportForm(clauses=await self.clauses())
        await _run(reports.report_message)(
            reporter=self.user,
            message_id=await self.room_message(frame),
            **frames.texts(frame, form, "clause", "note"),
        )
        await self.send_json({"type": "report.ack", "detail": _(reports.THANKS)})

    async def on_report_member(self, frame: dict[str, Any]) -> None:
        target = await _member(self.group.pk, frames.integer(frame, "member"))
        form = ReportForm(clauses=await self.clauses())
        await _run(reports.report_member)(
            reporter=self.user,
            membership_id=target.pk,
            **frames.texts(frame, form, "clause", "note"),
        )
        await self.send_json({"type": "report.ack", "detail": _(reports.THANKS)})

    async def on_worry(self, frame: dict[str, Any]) -> None:
        await _run(reports.worried_about)(
            member=self.user, message_id=await self.room_message(frame)
        )
        await self.send_json(
            {
                "type": "report.ack",
                "detail": _(
                    "Thank you for caring. The facilitators will reach out, and the person "
                    "has been offered support privately. You won't be named."
                ),
            }
        )

    async def on_pause_request(self, frame: dict[str, Any]) -> None:
        await _run(pauses.request_pause)(
            member=self.user, group=self.group, note=frames.text(frame, "note", required=False)
        )
        await self.send_json({"type": "pause.ack", "detail": _(pauses.REQUESTED)})

    async def on_hide(self, frame: dict[str, Any]) -> None:
        message_id = await self.room_message(frame)
        form = ClauseForm(clauses=await self.clauses())
        await _run(messages.hide)(
            actor=self.user, message_id=message_id, **frames.texts(frame, form, "clause", "reason")
        )
        await self.ack("hide", id=message_id)

    async def on_restore(self, frame: dict[str, Any]) -> None:
        message_id = await self.room_message(frame)
        await _run(messages.restore)(actor=self.user, message_id=message_id)
        await self.ack("restore", id=message_id)

    async def on_approve(self, frame: dict[str, Any]) -> None:
        message_id = await self.room_message(frame)
        await _run(messages.approve_held)(actor=self.user, message_id=message_id)
        await self.ack("approve", id=message_id)

    async def on_decline(self, frame: dict[str, Any]) -> None:
        message_id = await self.room_message(frame)
        await _run(messages.decline_held)(
            actor=self.user,
            message_id=message_id,
            clause=frames.text(frame, "clause", required=False),
        )
        await self.ack("decline", id=message_id)

    async def on_nudge(self, frame: dict[str, Any]) -> None:
        target = await _member(self.group.pk, frames.integer(frame, "member"))
        form = NudgeForm(clauses=await self.clauses())
        await _run(members.nudge)(
            actor=self.user, membership=target, **frames.texts(frame, form, "clause", "text")
        )
        await self.ack("nudge", member=target.pk)

    async def on_pause_answer(self, frame: dict[str, Any]) -> None:
        target = await _member(self.group.pk, frames.integer(frame, "member"))
        await _run(pauses.answer_pause)(
            actor=self.user, membership=target, text=frames.text(frame, "text", required=False)
        )
        await self.ack("pause_answer", member=target.pk)

    async def on_mute(self, frame: dict[str, Any]) -> None:
        target = await _member(self.group.pk, frames.integer(frame, "member"))
        form = MuteForm(clauses=await self.clauses())
        await _run(members.mute)(
            actor=self.user,
            membership=target,
            minutes=frames.integer(frame, "minutes"),
            **frames.texts(frame, form, "clause", "reason"),
        )
        await self.ack("mute", member=target.pk)

    async def on_unmute(self, frame: dict[str, Any]) -> None:
        target = await _member(self.group.pk, frames.integer(frame, "member"))
        await _run(members.unmute)(actor=self.user, membership=target)
        await self.ack("unmute", member=target.pk)

    async def on_remove(self, frame: dict[str, Any]) -> None:
        target = await _member(self.group.pk, frames.integer(frame, "member"))
        form = ClauseForm(clauses=await self.clauses())
        await _run(members.remove)(
            actor=self.user, membership=target, **frames.texts(frame, form, "clause", "reason")
        )
        await self.ack("remove", member=target.pk)

    async def on_ban(self, frame: dict[str, Any]) -> None:
        target = await _member(self.group.pk, frames.integer(frame, "member"))
        form = ClauseForm(clauses=await self.clauses())
        await _run(members.ban)(
            actor=self.user, membership=target, **frames.texts(frame, form, "clause", "reason")
        )
        await self.ack("ban", member=target.pk)

    async def on_slow_mode(self, frame: dict[str, Any]) -> None:
        seconds = frames.integer(frame, "seconds")
        await _run(rooms.set_slow_mode)(actor=self.user, group=self.group, seconds=seconds)
        await self.ack("slow_mode", seconds=seconds)

    async def on_pause(self, frame: dict[str, Any]) -> None:
        minutes = frames.integer(frame, "minutes", required=False) or None
        await _run(rooms.pause)(
            actor=self.user,
            group=self.group,
            minutes=minutes,
            **frames.texts(frame, PauseForm(), "message"),
        )
        await self.ack("pause")

    async def on_resume(self, frame: dict[str, Any]) -> None:
        await _run(rooms.resume)(actor=self.user, group=self.group)
        await self.ack("resume")

    HANDLERS = {
        **BaseRoomConsumer.HANDLERS,
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
