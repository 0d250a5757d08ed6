"""Small synchronous helpers for chat tests: write through the actions, read the rows."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from groups.actions import chat
from groups.models import Group, Membership, Message, MessageRevision, Reaction


def send(
    user: Any, group: Group, body: str, client_id: str | None = None, **fields: Any
) -> chat.Sent:
    """Send one message through the one write path (as a socket or form would)."""
    client_id = client_id or f"t-{timezone.now().timestamp()}-{Message.objects.count()}"
    return chat.send_message(
        user=user, group=Group.objects.get(pk=group.pk), client_id=client_id, body=body, **fields
    )


def send_many(user: Any, group: Group, count: int, *, prefix: str = "m") -> list[Message]:
    """Send `count` messages ("m1", "m2", ...) with client ids of the same names."""
    return [
        send(user, group, f"{prefix}{n}", client_id=f"{prefix}{n}").message
        for n in range(1, count + 1)
    ]


def membership(user: Any, group: Group) -> Membership:
    return Membership.objects.select_related("user").get(user=user, group=group)


def update_membership(user: Any, group: Group, **fields: Any) -> None:
    """Change a membership row directly (no event), as a concurrent writer would."""
    Membership.objects.filter(user=user, group=group).update(**fields)


def update_group(group: Group, **fields: Any) -> None:
    Group.objects.filter(pk=group.pk).update(**fields)


def age_message(message_id: int, minutes: int) -> None:
    Message.objects.filter(pk=message_id).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )


def snapshot(group: Group) -> dict[str, Any]:
    """Everything a chat write could change, to prove that a refusal changed nothing."""
    numbers = Group.objects.values_list("last_seq", "last_change").get(pk=group.pk)
    return {
        "numbers": numbers,
        "messages": list(
            Message.objects.filter(group=group)
            .order_by("pk")
            .values_list(
                "pk",
                "seq",
                "change",
                "client_id",
                "body",
                "content_warning",
                "intent",
                "edited_at",
                "deleted_at",
                "reactions",
            )
        ),
        "revisions": MessageRevision.objects.filter(message__group=group).count(),
        "reactions": list(
            Reaction.objects.filter(message__group=group).values_list(
                "message_id", "member_id", "kind"
            )
        ),
        "read_markers": list(
            Membership.objects.filter(group=group).order_by("pk").values_list("pk", "last_read_seq")
        ),
    }
