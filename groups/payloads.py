"""The JSON shapes of chat messages and room state, shared by socket and HTTP."""

from typing import Any

from groups.models import Group, Membership, Message


def member_payload(membership: Membership) -> dict[str, Any]:
    return {"id": membership.pk, "name": membership.display_name, "role": membership.role}


def message_payload(message: Message, *, reveal_hidden: bool = False) -> dict[str, Any]:
    """A message as clients see it. Hidden or deleted text is left out unless revealed."""
    hidden = message.is_hidden
    withheld = message.is_deleted or (hidden and not reveal_hidden)
    return {
        "id": message.pk,
        "seq": message.seq,
        "change": message.change,
        "client_id": message.client_id,
        "author": member_payload(message.author),
        "body": "" if withheld else message.body,
        "html": "" if withheld else message.body_html,
        "intent": message.intent,
        "content_warning": "" if withheld else message.content_warning,
        "created_at": message.created_at.isoformat(),
        "edited": message.edited_at is not None,
        "deleted": message.is_deleted,
        "hidden": {"clause": message.hidden_clause} if hidden else None,
        "held": message.held,
        "reactions": message.reactions or {},
        "resource": None if withheld else resource_card(message),
    }


def resource_card(message: Message) -> dict[str, Any] | None:
    """A shared resource as the room shows it: title, summary, the link's domain, and the
    hard themes it touches on (each reader's script folds those it keeps folded)."""
    resource = message.resource
    if resource is None:
        return None
    return {
        "id": resource.pk,
        "title": resource.title,
        "summary": resource.summary,
        "domain": resource.link_domain,
        "url": resource.get_absolute_url(),
        "themes": [theme.name for theme in resource.themes.all()],
    }


def me_payload(group: Group, membership: Membership, *, can_post: bool) -> dict[str, Any]:
    """What the person's own client needs to enable or explain the composer."""
    muted = membership.is_muted
    return {
        **member_payload(membership),
        "can_post": can_post,
        "needs_consent": membership.consented_version < group.agreement_version,
        "muted_until": membership.muted_until.isoformat()
        if muted and membership.muted_until
        else None,
        "mute_reason": membership.mute_reason if muted else "",
    }
