from django.contrib import admin

from groups.models import AuditEntry, Group, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    """Read-only here: groups change through the organizer pages (the one write path)."""

    list_display = ["name", "slug", "join_policy", "capacity", "listed", "archived"]
    readonly_fields = [f.name for f in Group._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor", "target_user", "group", "clause"]
    list_filter = ["action"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
