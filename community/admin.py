from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from community.models import CrisisLine, Theme, User
from community.permissions import is_organizer, may_use_admin


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "region", "is_organizer", "is_staff", "is_active"]
    list_filter = ["is_organizer", "is_staff", "is_superuser", "is_active", "region"]
    search_fields = ["email", "display_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "pronouns", "bio", "region")}),
        ("Roles", {"fields": ("is_organizer", "is_active", "is_staff", "is_superuser")}),
        ("Suspension", {"fields": ("suspended_until",)}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")},
        ),
    )


class OrganizerAdmin(admin.ModelAdmin):
    """Admin pages that organizers (staff, not superusers) may use in full."""

    def _organizer(self, request: HttpRequest) -> bool:
        # An organizer in good standing: a suspension takes the admin's powers too.
        return may_use_admin(request.user) and is_organizer(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._organizer(request) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._organizer(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._organizer(request) or super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._organizer(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._organizer(request) or super().has_delete_permission(request, obj)


@admin.register(CrisisLine)
class CrisisLineAdmin(OrganizerAdmin):
    list_display = ["name", "region", "phone", "text", "hours", "order"]
    list_filter = ["region"]
    list_editable = ["order"]


@admin.register(Theme)
class ThemeAdmin(OrganizerAdmin):
    """The organizers' list of hard themes. Who keeps which theme folded is private."""

    list_display = ["name", "position"]
    list_editable = ["position"]
    fields = ["name", "position"]
