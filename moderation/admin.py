from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from community.admin import OrganizerAdmin
from groups import audit
from moderation.models import CrisisPhrase, NudgeTemplate, WordFilter


@admin.register(NudgeTemplate)
class NudgeTemplateAdmin(OrganizerAdmin):
    """Organizers keep the nudge templates warm and plain."""

    list_display = ["title", "order"]
    list_editable = ["order"]


class AuditedAdmin(OrganizerAdmin):
    """Changes made here land in the audit log like the same changes made on the site."""

    noun = ""  # "filter", "crisis_phrase": the audit log's own words

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change and hasattr(obj, "created_by_id") and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        self.log(request, obj, "changed" if change else "added")

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.log(request, obj, "removed")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.log(request, obj, "removed")
        super().delete_queryset(request, queryset)

    def log(self, request: HttpRequest, obj: Any, what: str) -> None:
        audit.record(
            f"{self.noun}_{what}",
            actor=request.user,
            group=getattr(obj, "group", None),
            clause=getattr(obj, "clause", ""),
            reason=getattr(obj, "action", ""),
        )


@admin.register(CrisisPhrase)
class CrisisPhraseAdmin(AuditedAdmin):
    noun = "crisis_phrase"
    list_display = ["phrase", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(WordFilter)
class WordFilterAdmin(AuditedAdmin):
    noun = "filter"
    list_display = ["phrase", "action", "group", "clause"]
    list_filter = ["action"]
    readonly_fields = ["created_by", "created_at"]
