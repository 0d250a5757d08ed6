"""What groups holds about one person, for their download (community/personal_data.py).

Only the person's own words: their messages (through `selectors.readable`, so a
withdrawn or hidden message reads as a placeholder) with the earlier texts of
their edits, never anyone else's message text.
"""

from typing import Any

from groups.models import Consent, Membership, Message, MessageRevision, Reaction, Resource
from groups.selectors import readable


def memberships(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "group": m.group.name,
            "role": m.role,
            "status": m.status,
            "pseudonym": m.pseudonym,
            "joined_at": m.joined_at,
            "left_at": m.left_at,
            # When each calendar link was made and stopped; never the token itself,
            # which would open the sessions to whoever holds the download.
            "calendar_links": [
                {"made_at": f.created_at, "stopped_at": f.revoked_at}
                for f in m.calendar_feeds.all()
            ],
        }
        for m in Membership.objects.filter(user=user)
        .select_related("group")
        .prefetch_related("calendar_feeds")
        .order_by("pk")
    ]


def consents(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "group": c.agreement.group.name,
            "agreement_version": c.agreement.version,
            "at": c.created_at,
        }
        for c in Consent.objects.filter(user=user)
        .select_related("agreement__group")
        .order_by("created_at", "pk")
    ]


def messages(user: Any) -> list[dict[str, Any]]:
    rows = []
    own = Message.objects.filter(author__user=user).select_related("group", "author")
    by_author: dict[int, list[Message]] = {}
    for message in own.order_by("group_id", "created_at", "pk"):
        by_author.setdefault(message.author_id, []).append(message)
    earlier: dict[int, list[str]] = {}
    for revision in MessageRevision.objects.filter(message__author__user=user).order_by(
        "created_at", "pk"
    ):
        earlier.setdefault(revision.message_id, []).append(revision.body)
    for mine in by_author.values():
        for message in readable(mine, reader=mine[0].author):
            rows.append(
                {
                    "group": message.group.name,
                    "seq": message.seq,
                    "created_at": message.created_at,
                    "edited_at": message.edited_at,
                    "body": message.body,
                    "content_warning": message.content_warning,
                    "intent": message.intent,
                    "withheld": message.withheld,
                    # The words before each edit; none for what was withdrawn or hidden.
                    "earlier_versions": [] if message.withheld else earlier.get(message.pk, []),
                }
            )
    return rows


def reactions(user: Any) -> list[dict[str, Any]]:
    # Which message by its number only: the words are someone else's.
    return [
        {
            "group": r.message.group.name,
            "message_seq": r.message.seq,
            "reaction": r.kind,
            "at": r.created_at,
        }
        for r in Reaction.objects.filter(member__user=user)
        .select_related("message__group")
        .order_by("created_at", "pk")
    ]


def resources_suggested(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "group": r.group.name if r.group else None,
            "title": r.title,
            "summary": r.summary,
            "body": r.body,
            "link": r.link,
            "status": r.status,
            "created_at": r.created_at,
        }
        for r in Resource.objects.filter(author=user).select_related("group").order_by("pk")
    ]


SECTIONS = {
    "memberships": memberships,
    "consents": consents,
    "messages": messages,
    "reactions": reactions,
    "resources_suggested": resources_suggested,
}
