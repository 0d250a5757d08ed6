from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from community.admin import OrganizerAdmin
from moderation.actions import filters
from moderation.models import CrisisPhrase, NudgeTemplate, WordFilter


@admin.register(NudgeTemplate)
class NudgeTemplateAdmin(OrganizerAdmin):
    """Organizers keep the nudge templates warm and plain."""

    list_display = ["title", "order"]
    list_editable = ["order"]


class AuditedAdmin(OrganizerAdmin):
    """Changes made here land in the audit log like the same changes made on the site."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change and hasattr(obj, "created_by_id") and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        filters.record_admin_change(
            actor=request.user, rule=obj, what="changed" if change else "added"
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        filters.record_admin_change(actor=request.user, rule=obj, what="removed")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            filters.record_admin_change(actor=request.user, rule=obj, what="removed")
        super().delete_queryset(request, queryset)


@admin.register(CrisisPhrase)
class CrisisPhraseAdmin(AuditedAdmin):
    list_display = ["phrase", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(WordFilter)
class WordFilterAdmin(AuditedAdmin):
    list_display = ["phrase", "action", "group", "clause"]
    list_filter = ["action"]
    readonly_fields = ["created_by", "created_at"]
