from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpRequest
from django.urls import include, path

from community import language_views, metrics, views
from community.permissions import may_use_admin
from groups import boundary_views
from groups import views as group_views


def may_use_admin_site(request: HttpRequest) -> bool:
    return may_use_admin(request.user)


admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
# A suspended account keeps no admin powers (superusers included).
admin.site.has_permission = may_use_admin_site  # type: ignore[method-assign]
admin.site.site_header = "Hearth administration"

urlpatterns = [
    path("", group_views.home, name="home"),
    path("groups/", include("groups.urls")),
    path("moderation/", include("moderation.urls")),
    path("resources/", include("groups.resource_urls")),
    path("crisis/", views.crisis, name="crisis"),
    path("settings/profile/", views.profile, name="profile"),
    path("settings/boundaries/", boundary_views.boundary_list, name="boundaries"),
    path(
        "settings/boundaries/<int:pk>/remove/",
        boundary_views.remove_boundary,
        name="boundary_remove",
    ),
    path("settings/my-data/", views.data_export, name="data_export"),
    path("settings/my-data/<int:pk>/download/", views.download_export, name="download_export"),
    path("settings/delete-account/", views.delete_account, name="delete_account"),
    path("settings/themes/", views.avoided_themes, name="avoided_themes"),
    path("settings/language/", language_views.set_language, name="set_language"),
    path("settings/time-zone/", views.detected_time_zone, name="detected_time_zone"),
    path("notes/", views.notes, name="notes"),
    path("notes/put-down/", views.dismiss_notes, name="dismiss_notes"),
    path("notes/<int:pk>/put-down/", views.dismiss_note, name="dismiss_note"),
    # The chat client's words in the reader's language (gettext, ngettext, interpolate).
    path(
        "jsi18n/<str:language>/<str:version>.js",
        language_views.javascript_catalog,
        name="javascript-catalog",
    ),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
