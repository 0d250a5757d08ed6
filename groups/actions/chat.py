"""Chat writes: send, edit, delete, react, mark read. Sockets and forms both call these."""

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import BigIntegerField, Count, Q, Subquery, Value
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from community import ratelimit, rows
from community.cleaning import check_text
from community.errors import Refused
from community.text import render_chat
from groups import events, permissions, screening, turns
from groups.models import (
    Group,
    HeldReason,
    Intent,
    Membership,
    Message,
    MessageRevision,
    Reaction,
    ReactionKind,
    RemovedBy,
    Resource,
    ResourceStatus,
)
from groups.payloads import message_payload

CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
LIMITS: dict[str, Any] = settings.HEARTH_CHAT


@dataclass(frozen=True)
class Sent:
    message: Message
    created: bool


@dataclass
class Draft:
    """A message as a member sent it (from a socket frame or a form), not yet stored."""

    user: Any
    group: Group
    client_id: str
    body: str
    intent: str = ""
    content_warning: str = ""
    resource_id: int | None = None
    # The rate limit took this message's token already (a batch tried again one by one).
    paced: bool = False


class _Taken(Exception):
    """The author already used this client id: a retry, or a mistake."""


Outcome = Sent | Exception


def check_writer(group: Group, membership: Membership | None) -> Membership:
    """Return the membership if its person may write in the room now, else refuse.

    The person is judged as read with the membership (`membership.user`, fresh from
    the database), never as a socket saw them at connect: `permissions.check_can_post`.
    """
    return permissions.check_can_post(None, group, membership)


# The columns of the send's one read (membership, group, user), listed once per
# connection so the read is not compiled again for every message (community/rows.py).
_WRITER_ROW = rows.Joined(Membership, Group, get_user_model())


def _numbered_membership(group_id: int, user_id: int) -> Membership | None:
    """The person's membership and user, and their group with its next numbers taken.

    Taking the numbers locks the group's row until commit, so messages are numbered
    in the order they commit; a send that is refused, held or a repeat gives them
    back with `_give_back`. Written by hand, numbers and read in one statement on
    PostgreSQL: the plain-ORM send (a `select_related` read under
    `select_for_update`, `F()` updates, the insert in a savepoint) cost 2.1x the
    servers' CPU per message where both kept up (14.4 against 6.9 ms at 25 msg/s)
    and fell behind at 50 msg/s in every round (docs/performance.md, 4 December 2026).
    """
    db = connections[DEFAULT_DB_ALIAS]  # resolved once: `connection` is a proxy
    quote = db.ops.quote_name
    member, room = quote(Membership._meta.db_table), quote(Group._meta.db_table)
    person = quote(get_user_model()._meta.db_table)
    take = (
        f"UPDATE {room} SET last_seq = last_seq + 1, last_change = last_change + 1 "  # noqa: S608
        "WHERE id = %s"
    )
    # Whether the person has a verified address, in the same row: the send judges
    # the account as it is now, not as the socket saw it at connect.
    verified = permissions.verified_column(db)
    read = (
        f"SELECT {_WRITER_ROW.columns(db)}, {verified} FROM {member} "  # noqa: S608
        f"JOIN {room} ON {room}.id = {member}.group_id "
        f"JOIN {person} ON {person}.id = {member}.user_id "
        f"WHERE {member}.group_id = %s AND {member}.user_id = %s"
    )
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            # One round trip: the updated row, named like its table, stands in for it.
            cursor.execute(
                f"WITH {room} AS ({take} RETURNING *) {read}", [group_id, True, group_id, user_id]
            )
        else:  # SQLite has no UPDATE inside WITH (and one writer at a time)
            cursor.execute(take, [group_id])
            cursor.execute(read, [True, group_id, user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    membership, group, user = _WRITER_ROW.instances(row, db)
    user._hearth_verified = bool(row[-1])  # as permissions.is_verified caches it
    membership.group, membership.user = group, user
    return membership


def _give_back(group: Group, *, seq: int, change: int) -> None:
    """Return numbers a send took but will not use (the group's row is still locked).

    They are taken in the read's own statement, before the checks, to save a round
    trip; so a send that is refused, held or a repeat hands them back here.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Group._meta.db_table} SET last_seq = last_seq - %s, "  # noqa: S608
            "last_change = last_change - %s WHERE id = %s",
            [seq, change, group.pk],
        )
    group.last_seq -= seq
    group.last_change -= change


def _next_numbers(group: Group, *, new_message: bool) -> tuple[int, int]:
    """Take the next sequence and change numbers under the group's row lock.

    One statement with RETURNING: the ORM's `update()` returns a count, so it
    would take a second statement to read the numbers back.
    """
    seq_step = 1 if new_message else 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Group._meta.db_table} SET last_seq = last_seq + %s, "  # noqa: S608
            "last_change = last_change + 1 WHERE id = %s RETURNING last_seq, last_change",
            [seq_step, group.pk],
        )
        seq, change = cursor.fetchone()
    return seq, change


def _counted(membership: Membership, seq: int) -> tuple[str, list[Any]]:
    """The author has read their own message; it counts towards their first messages.

    An UPDATE for `rows.insert` to run with the message's INSERT: on PostgreSQL in
    the same statement, one round trip fewer per message.
    """
    return (
        f"UPDATE {Membership._meta.db_table} SET published_count = published_count + 1, "  # noqa: S608
        "last_read_seq = %s WHERE id = %s",
        [seq, membership.pk],
    )


def _screen(text: str, group: Group) -> screening.Verdict:
    """The verdict on this text, from the screening moderation registers (groups/screening.py)."""
    return screening.screen(text, group)


def _existing(membership_user: Any, group: Group, client_id: str) -> Message | None:
    return (
        Message.objects.select_related("author__user", "resource__group")
        .filter(group=group, author__user=membership_user, client_id=client_id)
        .first()
    )


def _check_pace(group: Group, membership: Membership, draft: Draft) -> None:
    if not permissions.is_exempt_from_room_limits(membership) and group.slow_mode_seconds:
        last = (
            Message.objects.filter(author=membership)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        if last is not None:
            wait = last + timedelta(seconds=group.slow_mode_seconds) - timezone.now()
            if wait.total_seconds() > 0:
                raise Refused(
                    "slow_mode",
                    _("The room is in slow mode so everyone can keep up. Please wait a moment."),
                    retry_after=round(wait.total_seconds(), 1),
                )
    if draft.paced:
        return
    verdict = ratelimit.take(f"chat:{membership.pk}", rate=LIMITS["RATE"], burst=LIMITS["BURST"])
    draft.paced = verdict.allowed
    if not verdict.allowed:
        raise Refused(
            "rate_limited",
            _("You are sending messages very quickly. Please wait a moment."),
            retry_after=verdict.retry_after,
        )


def send_message(
    *,
    user: Any,
    group: Group,
    client_id: str,
    body: str,
    intent: str = "",
    content_warning: str = "",
    resource_id: int | None = None,
) -> Sent:
    """Store a message, then (after commit) tell the room. Retries are idempotent.

    With `resource_id`, the message shares a resource as a card and the body is optional.
    """
    draft = Draft(user, group, client_id, body, intent, content_warning, resource_id)
    outcome = send_messages([draft])[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def send_messages(drafts: list[Draft]) -> list[Outcome]:
    """Store several messages in one transaction, then tell their rooms: one commit for all.

    A process's sockets hand in their sends together (groups/sending.py): PostgreSQL's
    round trips and commits were the largest cost a message had (docs/performance.md).
    Each message is checked and numbered as if alone; one that is refused, held or a
    repeat gives back the numbers it took, so the others stand without savepoints.
    Groups are locked in the order of their ids, so two processes' batches never wait
    on each other in a circle. If the transaction fails as a whole (a dead connection,
    a deadlock with another writer, a bug), each message is tried again in its own,
    so a failure stays with the message that caused it.

    Each outcome is the message's `Sent`, or the exception that refused it.
    """
    outcomes: list[Outcome | None] = [None] * len(drafts)
    waiting: list[tuple[int, Draft]] = []
    for index, draft in enumerate(drafts):
        try:
            _clean(draft)
        except Refused as refusal:
            outcomes[index] = refusal
        else:
            waiting.append((index, draft))
    waiting.sort(key=lambda item: item[1].group.pk)  # stable: a group's messages keep their order
    try:
        with transaction.atomic():
            for index, draft in waiting:
                try:
                    outcomes[index] = _send(draft)
                except (Refused, _Taken) as refusal:
                    outcomes[index] = refusal
    except Exception:  # a database failure, or a bug: nothing of the batch was kept
        if len(waiting) < 2:
            raise
        for index, draft in waiting:
            outcomes[index] = _alone(draft)  # its own batch, retries looked up there
    else:
        # A refusal or a repeat may be the retry of a message already stored, which
        # deserves its first ack (it may have passed before a mute or a pause).
        for index, draft in waiting:
            outcome = outcomes[index]
            if isinstance(outcome, (Refused, _Taken)):
                outcomes[index] = _retried(draft, outcome)
    return cast(list[Outcome], outcomes)  # every draft has its outcome by now


def _alone(draft: Draft) -> Outcome:
    try:
        return send_messages([draft])[0]
    except Exception as error:  # this message's own failure, reported to its sender only
        return error


def _retried(draft: Draft, refusal: Exception) -> Outcome:
    previous = _existing(draft.user, draft.group, draft.client_id)
    if previous is None:
        if isinstance(refusal, _Taken):  # the row that took the id is gone: our fault
            return IntegrityError("The message id was taken, and its message is not found.")
        return refusal
    try:
        return _replay(previous, draft.body)
    except Refused as replay_refusal:
        return replay_refusal


def _clean(draft: Draft) -> None:
    """Refuse what no check of the room could let through; tidy the text."""
    if not CLIENT_ID.fullmatch(draft.client_id or ""):
        raise Refused("invalid_client_id", _("The message id from your device is not valid."))
    draft.body = check_text(
        draft.body,
        field="body",
        label="message",
        max_length=LIMITS["MAX_BODY"],
        required=draft.resource_id is None,
    )
    draft.content_warning = check_text(
        draft.content_warning, field="content_warning", max_length=120
    )
    if draft.intent not in ("", *Intent.values):
        raise Refused("invalid_intent", _("Please choose one of the offered intentions."))


def _replay(previous: Message, body: str) -> Sent:
    if previous.body != body and not previous.is_deleted:
        raise Refused(
            "client_id_reused", _("That message id was already used for a different message.")
        )
    return Sent(previous, created=False)


def _shareable(group: Group, resource_id: int | None) -> Resource | None:
    """A published resource of this group or of the whole community, or a refusal."""
    if resource_id is None:
        return None
    resource = (
        Resource.objects.filter(pk=resource_id, status=ResourceStatus.PUBLISHED)
        .filter(Q(group__isnull=True) | Q(group=group))
        .first()
    )
    if resource is None:
        raise Refused("not_found", _("That resource can't be shared here."))
    return resource


def _send(draft: Draft) -> Sent:
    membership = _numbered_membership(draft.group.pk, draft.user.pk)
    if membership is None:
        _give_back(draft.group, seq=1, change=1)
        raise permissions.not_member()
    group = membership.group
    try:
        message, verdict = _checked(draft, group, membership)
    except Refused:
        _give_back(group, seq=1, change=1)
        raise
    if message.held:
        _give_back(group, seq=1, change=0)
    # By hand: a repeated client id is skipped by ON CONFLICT instead of a savepoint
    # per message, and a published message counts for its author in the same round trip.
    along = None if message.held else _counted(membership, group.last_seq)
    if not rows.insert(message, connection, along=along, unless_taken=("author_id", "client_id")):
        _give_back(group, seq=0 if message.held else 1, change=1)
        raise _Taken
    if not message.held:
        events.to_group(group.pk, {"type": "message.new", "message": message_payload(message)})
    # After the broadcast is registered, so a crisis card reaches the author after
    # their own message (on-commit callbacks run in the order they were added).
    screening.after_store(message, verdict)
    return Sent(message, created=True)


def _checked(draft: Draft, group: Group, membership: Membership) -> tuple[Message, Any]:
    """The message to store, numbered, and moderation's verdict on it; or a refusal."""
    membership = check_writer(group, membership)
    resource = _shareable(group, draft.resource_id)
    text = f"{draft.content_warning}\n{draft.body}"
    # Out of turn in a talking-piece round: refused, unless it carries crisis words,
    # which are never held back from the facilitators (nor the author's crisis card).
    turn = turns.out_of_turn(group, membership)
    verdict = _screen(text, group) if turn is not None else None
    if turn is not None and verdict is not None and not verdict.crisis:
        raise turn
    _check_pace(group, membership, draft)
    if verdict is None:
        verdict = _screen(text, group)
    if verdict.action == "block":
        if verdict.clause:
            refusal = _(
                "This message can't be posted here because it touches the agreement "
                "(“%(clause)s”). You're welcome to say it another way."
            ) % {"clause": verdict.clause}
        else:
            refusal = _(
                "This message can't be posted here because it touches the agreement. "
                "You're welcome to say it another way."
            )
        raise Refused("blocked", refusal)
    newcomer = (
        not permissions.is_exempt_from_room_limits(membership)
        and membership.published_count < group.hold_first_messages
    )
    held = verdict.action == "hold" or newcomer or turn is not None
    # The most pressing reason first: crisis words, then a filter, then a newcomer's turn.
    reason = ""
    if held:
        reason = (
            HeldReason.CRISIS
            if verdict.crisis
            else HeldReason.FILTER
            if verdict.action == "hold"
            else HeldReason.NEWCOMER
        )
    message = Message(
        group=group,
        author=membership,
        seq=None if held else group.last_seq,
        change=group.last_change,
        client_id=draft.client_id,
        body=draft.body,
        body_html=render_chat(draft.body),
        intent=draft.intent,
        content_warning=draft.content_warning,
        held=held,
        held_reason=reason,
        resource=resource,
    )
    return message, verdict


def _own_message(user: Any, group: Group, message_id: int) -> tuple[Membership, Message]:
    membership = permissions.membership_with_person(group, user)
    message = (
        Message.objects.select_for_update().filter(pk=message_id, group=group, held=False).first()
    )
    membership, message = permissions.check_can_edit(None, group, membership, message)
    message.author = membership
    return membership, message


@transaction.atomic
def edit_message(*, user: Any, group: Group, message_id: int, body: str) -> Message:
    """Change the text of one's own message, within the edit window."""
    body = check_text(
        body, field="body", label="message", max_length=LIMITS["MAX_BODY"], required=True
    )
    group = Group.objects.select_for_update().get(pk=group.pk)
    __, message = _own_message(user, group, message_id)
    window = timedelta(seconds=LIMITS["EDIT_WINDOW_SECONDS"])
    if timezone.now() - message.created_at > window:
        raise Refused(
            "edit_window", _("Messages can be edited for 15 minutes. You can still delete it.")
        )
    if body == message.body:
        return message
    MessageRevision.objects.create(message=message, body=message.body)
    _seq, change = _next_numbers(group, new_message=False)
    message.body, message.body_html = body, render_chat(body)
    message.edited_at, message.change = timezone.now(), change
    message.save(update_fields=["body", "body_html", "edited_at", "change"])
    events.to_group(group.pk, {"type": "message.updated", "message": message_payload(message)})
    return message


@transaction.atomic
def delete_message(*, user: Any, group: Group, message_id: int) -> Message:
    """Withdraw one's own message, leaving a quiet placeholder."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    membership = permissions.require_reader(
        None, group, permissions.membership_with_person(group, user)
    )
    message = Message.objects.select_for_update().filter(pk=message_id, group=group).first()
    if message is None or message.author_id != membership.pk:
        raise Refused("not_found", _("That message can't be found, or it isn't yours."))
    if message.is_deleted:
        return message
    MessageRevision.objects.create(message=message, body=message.body)
    _seq, change = _next_numbers(group, new_message=False)
    message.body = message.body_html = message.content_warning = ""
    message.deleted_at, message.change = timezone.now(), change
    message.save(update_fields=["body", "body_html", "content_warning", "deleted_at", "change"])
    if message.seq is not None:
        events.to_group(group.pk, events.message_removed(message, reason=RemovedBy.AUTHOR))
    return message


@transaction.atomic
def toggle_reaction(*, user: Any, group: Group, message_id: int, kind: str) -> bool:
    """Add or take back a supportive reaction. Returns True when it is now on."""
    if kind not in ReactionKind.values:
        raise Refused("invalid_reaction", _("Please choose one of the offered reactions."))
    group = Group.objects.select_for_update().get(pk=group.pk)
    membership = check_writer(group, permissions.membership_with_person(group, user))
    message = (
        Message.objects.select_for_update()
        .filter(
            pk=message_id, group=group, held=False, deleted_at__isnull=True, hidden_at__isnull=True
        )
        .first()
    )
    if message is None:
        raise Refused("not_found", _("That message can't be found."))
    removed, __ = Reaction.objects.filter(message=message, member=membership, kind=kind).delete()
    if not removed:
        # Taking a reaction back stays open to everyone; giving one asks the author.
        permissions.check_can_react(None, group, membership, message.author_id)
        Reaction.objects.create(message=message, member=membership, kind=kind)
    recount_reactions(group, message)
    return not removed


def recount_reactions(group: Group, message: Message) -> None:
    """Store a message's reaction counts afresh and tell the room (after commit)."""
    counts = dict(
        Reaction.objects.filter(message=message)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    message.reactions, message.change = counts, take_change(group)
    message.save(update_fields=["reactions", "change"])
    events.to_group(
        group.pk,
        {
            "type": "reaction.updated",
            "id": message.pk,
            "seq": message.seq,
            "reactions": counts,
            "change": message.change,
        },
    )


def mark_read(*, user: Any, group: Group, seq: int) -> None:
    """Remember how far the person has read (never backwards, never past the last message)."""
    # `group` may be stale (a socket reads it once at connect), so the room's last
    # number is read by the UPDATE itself.
    last_seq = Group.objects.filter(pk=group.pk).order_by().values("last_seq")[:1]
    Membership.objects.filter(group=group, user=user, last_read_seq__lt=seq).update(
        last_read_seq=Least(Value(seq), Subquery(last_seq), output_field=BigIntegerField())
    )


def take_change(group: Group) -> int:
    """Take the group's next change number (inside the caller's transaction)."""
    return _next_numbers(group, new_message=False)[1]


def take_seq(group: Group) -> tuple[int, int]:
    """Take the group's next sequence and change numbers, to publish a held message."""
    return _next_numbers(group, new_message=True)
