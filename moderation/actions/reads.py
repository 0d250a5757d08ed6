"""Reads of message text outside the room, written to the audit log.

An organizer or facilitator reads a message outside its room only through an item
that names it (a report, a queue item, an appeal). Each such read is logged once
per reader, message and item: who read, which message, through which item. The
entry names the message by id only, and never reaches the author's own record.
"""

from typing import Any

from groups.models import AuditEntry, Message

ACTION = "read_message"


def record_reads(*, actor: Any, reads: list[tuple[Message, str]]) -> None:
    """Log each (message, item) read this actor has not been logged for yet.

    One statement whatever was read before: a repeat is skipped by the log's own
    constraint (one read per reader, message and item), so pages keep a fixed count.
    """
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                action=ACTION,
                actor=actor,
                group_id=message.group_id,
                target_user_id=message.author.user_id,
                target_message_id=message.pk,
                via=via,
            )
            for message, via in dict.fromkeys(reads)
            if via
        ],
        ignore_conflicts=True,
    )
