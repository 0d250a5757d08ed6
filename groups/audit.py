"""Writing the audit log: one entry per decision, never message text."""

from datetime import datetime
from typing import Any

from django.utils.translation import pgettext_lazy

from groups.models import AuditEntry, Group

# How the log's readers (facilitators, organizers) read each action: the English is
# the code as it always showed, the other languages say it in their own words. The
# code itself stays what filters, the CSV and the tests use.
ACTION_LABELS = {
    "account_lookup": pgettext_lazy("moderation log", "account lookup"),
    "agreement_published": pgettext_lazy("moderation log", "agreement published"),
    "appeal_overturned": pgettext_lazy("moderation log", "appeal: decision reversed"),
    "appeal_upheld": pgettext_lazy("moderation log", "appeal: decision kept"),
    "approve_message": pgettext_lazy("moderation log", "approve message"),
    "ban": pgettext_lazy("moderation log", "ban"),
    "crisis_phrase_added": pgettext_lazy("moderation log", "crisis phrase added"),
    "crisis_phrase_removed": pgettext_lazy("moderation log", "crisis phrase removed"),
    "decline_message": pgettext_lazy("moderation log", "decline message"),
    "facilitator_appointed": pgettext_lazy("moderation log", "facilitator appointed"),
    "facilitator_revoked": pgettext_lazy("moderation log", "facilitator revoked"),
    "filter_added": pgettext_lazy("moderation log", "filter added"),
    "filter_removed": pgettext_lazy("moderation log", "filter removed"),
    "group_archived": pgettext_lazy("moderation log", "group archived"),
    "group_created": pgettext_lazy("moderation log", "group created"),
    "group_edited": pgettext_lazy("moderation log", "group edited"),
    "group_unarchived": pgettext_lazy("moderation log", "group unarchived"),
    "hide": pgettext_lazy("moderation log", "hide"),
    "hold_first": pgettext_lazy("moderation log", "hold first"),
    "invite_created": pgettext_lazy("moderation log", "invite created"),
    "invite_revoked": pgettext_lazy("moderation log", "invite revoked"),
    "join_approved": pgettext_lazy("moderation log", "join approved"),
    "join_declined": pgettext_lazy("moderation log", "join declined"),
    "mute": pgettext_lazy("moderation log", "mute"),
    "nudge": pgettext_lazy("moderation log", "nudge"),
    "pause": pgettext_lazy("moderation log", "pause"),
    "pause_answer": pgettext_lazy("moderation log", "pause answer"),
    "read_message": pgettext_lazy("moderation log", "read message"),
    "remove": pgettext_lazy("moderation log", "remove"),
    "report_dismissed": pgettext_lazy("moderation log", "report dismissed"),
    "report_resolved": pgettext_lazy("moderation log", "report resolved"),
    "restore": pgettext_lazy("moderation log", "restore"),
    "resume": pgettext_lazy("moderation log", "resume"),
    "schedule_cleared": pgettext_lazy("moderation log", "schedule cleared"),
    "schedule_set": pgettext_lazy("moderation log", "schedule set"),
    "session_end": pgettext_lazy("moderation log", "session end"),
    "session_start": pgettext_lazy("moderation log", "session start"),
    "slow_mode": pgettext_lazy("moderation log", "slow mode"),
    "suspend": pgettext_lazy("moderation log", "suspend"),
    "unmute": pgettext_lazy("moderation log", "unmute"),
    "unsuspend": pgettext_lazy("moderation log", "unsuspend"),
}


def action_label(code: str) -> str:
    """An action as the log's reader reads it (a code no label names shows as it is)."""
    return str(ACTION_LABELS.get(code, code))


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
