"""Writing the audit log: one entry per decision, never message text."""

from datetime import datetime
from typing import Any

from groups.models import AuditEntry, Group


def record(
    action: str,
    *,
    actor: Any,
    group: Group | None = None,
    target_user: Any = None,
    message_id: int | None = None,
    clause: str = "",
    reason: str = "",
    expires_at: datetime | None = None,
    via: str = "",
) -> AuditEntry:
    """Append an entry to the audit log."""
    return AuditEntry.objects.create(
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        group=group,
        target_user=target_user,
        target_message_id=message_id,
        clause=clause[:80],
        reason=reason[:500],
        expires_at=expires_at,
        via=via,
    )
