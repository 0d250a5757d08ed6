"""What moderation holds about one person: for their download, and to erase them.

Reports they made (their own note, not the reported words) and their appeals.
Erased, their reports about others stay for the group's safety, detached from
them; their appeals keep the decision but lose their words.
"""

from typing import Any

from moderation.models import Appeal, ReportNote


def reports_made(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "group": n.report.group.name,
            "kind": n.report.kind,
            "clause": n.clause,
            "note": n.note,
            "at": n.created_at,
            "status": n.report.status,
        }
        for n in ReportNote.objects.filter(reporter=user)
        .select_related("report__group")
        .order_by("created_at", "pk")
    ]


def appeals(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "text": a.text,
            "status": a.status,
            "at": a.created_at,
            "decided_at": a.decided_at,
            "decision": a.decision,
        }
        for a in Appeal.objects.filter(user=user).order_by("created_at", "pk")
    ]


SECTIONS = {"reports_made": reports_made, "appeals": appeals}


def erase_person(user: Any) -> None:
    """Detach the person from their reports and take their words out of their appeals."""
    ReportNote.objects.filter(reporter=user).update(reporter=None)
    Appeal.objects.filter(user=user).update(text="")
