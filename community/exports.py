"""Download my data: the request, the background build, the download and the clean-up."""

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community import notices, personal_data
from community.errors import Refused
from community.models import DataExport, Notice, User

KEEP_FOR = timedelta(days=7)


def request_export(*, user: User) -> DataExport:
    """Ask for a new download; it is built after commit (by the worker in production)."""
    if DataExport.objects.filter(user=user, ready_at__isnull=True).exists():
        raise Refused("export_pending", _("Your download is already being prepared."))
    export = DataExport.objects.create(user=user)
    transaction.on_commit(lambda: build_export.enqueue(export.pk))
    return export


@task
def build_export(export_id: int) -> None:
    """Build the ZIP for one request and tell its person it is ready."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.ready_at is not None:
        return
    # Built (by the worker) in the person's own language: the index page and the note.
    with translation.override(export.user.language or settings.LANGUAGE_CODE):
        _build(export)


def _build(export: DataExport) -> None:
    now = timezone.now()
    export.content = zip_for(export.user, now=now)
    export.ready_at, export.expires_at = now, now + KEEP_FOR
    export.save(update_fields=["content", "ready_at", "expires_at"])
    # The newest copy holds everything the older ones did: keep one per person.
    DataExport.objects.filter(user=export.user, ready_at__isnull=False).exclude(
        pk=export.pk
    ).delete()
    notices.notify(
        export.user,
        kind="export",
        title=_("Your download is ready"),
        text=_("The copy of your data you asked for is ready. It can be downloaded for 7 days."),
        link=reverse("data_export"),
        until=export.expires_at,
        ended_title=_("Your download has expired"),
    )


def zip_for(user: User, *, now: Any) -> bytes:
    """A JSON file per kind of data, and an index a person can read in a browser."""
    found = personal_data.sections(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in found.items():
            archive.writestr(
                f"{name}.json",
                json.dumps(rows, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
            )
        index = render_to_string(
            "community/export_index.html",
            {"now": now, "sections": [_readable(name, rows) for name, rows in found.items()]},
        )
        archive.writestr("index.html", index)
    return buffer.getvalue()


def _readable(name: str, rows: Any) -> dict[str, Any]:
    """A section as the index page shows it: each row as (label, text) pairs."""
    listed = rows if isinstance(rows, list) else [rows]
    return {
        "name": name,
        "title": personal_data.title_of(name),
        "rows": [
            [(key.replace("_", " "), _text(value)) for key, value in row.items()] for row in listed
        ],
    }


def _text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def ready_export_for(user: Any, export_id: int) -> DataExport | None:
    """The person's own unexpired download, or None (someone else's reads as missing)."""
    export = DataExport.objects.filter(
        pk=export_id, user_id=user.pk, ready_at__isnull=False
    ).first()
    return export if export is not None and not export.is_expired else None


def delete_expired(*, now: Any = None) -> int:
    """Delete every download past its seven days. Returns how many were deleted."""
    deleted, _ = DataExport.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def _profile(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "pronouns": user.pronouns,
        "bio": user.bio,
        "region": user.region,
        "time_zone": user.time_zone,
        "email_reminders": user.email_reminders,
        "joined": user.date_joined,
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("email")
        ],
    }


def _notes_received(user: User) -> list[dict[str, Any]]:
    return [
        {
            "title": n.title,
            "text": n.text,
            "created_at": n.created_at,
            "put_down_at": n.dismissed_at,
        }
        for n in Notice.objects.filter(user=user).order_by("created_at", "pk")
    ]


personal_data.register_section("profile", _profile, gettext_lazy("Profile"))
personal_data.register_section("notes_received", _notes_received, gettext_lazy("Notes received"))
