"""The moderation log, and its CSV download."""

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from moderation import permissions, selectors
from moderation.forms import LogFilterForm

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _log_entries(request: HttpRequest) -> tuple[LogFilterForm, Any]:
    groups = permissions.moderated_groups(request.user).values_list("slug", "name")
    form = LogFilterForm(request.GET or None, groups=list(groups))
    data = form.cleaned_data if form.is_valid() else {}
    entries = selectors.log(
        request.user,
        group=data.get("group", ""),
        action=data.get("action", ""),
        since=data.get("since"),
        until=data.get("until"),
    )
    return form, entries


@login_required
def log(request: HttpRequest) -> HttpResponse:
    permissions.access_queue(request.user)
    form, entries = _log_entries(request)
    return render(
        request,
        "moderation/log.html",
        {"form": form, "entries": entries[:200], "query": request.GET.urlencode()},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def log_csv(request: HttpRequest) -> StreamingHttpResponse:
    permissions.access_queue(request.user)
    _form, entries = _log_entries(request)
    writer = csv.writer(_Echo())
    # Translators: the columns of the moderation log's CSV download.
    header = [
        _("time"),
        _("action"),
        _("actor"),
        _("target"),
        pgettext("csv column", "group"),
        _("message id"),
        _("clause"),
        _("reason"),
        _("expires"),
    ]

    def rows() -> Iterator[str]:
        yield writer.writerow(header)
        for e in entries.iterator(chunk_size=500):
            yield writer.writerow(
                [
                    csv_safe(v)
                    for v in (
                        e.created_at.isoformat(),
                        e.action,
                        e.actor_name,
                        e.target_name,
                        e.group.name if e.group else "",
                        e.target_message_id or "",
                        e.clause,
                        e.reason,
                        e.expires_at.isoformat() if e.expires_at else "",
                    )
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="moderation-log.csv"'
    return response
