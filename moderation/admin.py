from django.contrib import admin

from community.admin import OrganizerAdmin
from moderation.models import CrisisPhrase, NudgeTemplate, WordFilter


@admin.register(NudgeTemplate)
class NudgeTemplateAdmin(OrganizerAdmin):
    """Organizers keep the nudge templates warm and plain."""

    list_display = ["title", "order"]
    list_editable = ["order"]


@admin.register(CrisisPhrase)
class CrisisPhraseAdmin(OrganizerAdmin):
    list_display = ["phrase", "created_at"]


@admin.register(WordFilter)
class WordFilterAdmin(OrganizerAdmin):
    list_display = ["phrase", "action", "group", "clause"]
    list_filter = ["action"]
