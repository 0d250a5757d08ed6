from django.urls import path

from groups import boundary_views, calendar_views, chat_views, session_views, views
from groups import resource_views as resources

app_name = "groups"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.new_group, name="new"),
    path("requests/<int:pk>/withdraw/", views.withdraw_request, name="withdraw"),
    path("invite/<str:token>/", views.invite, name="invite"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("<slug:slug>/", views.group, name="group"),
    path("<slug:slug>/messages/", chat_views.history, name="history"),
    path("<slug:slug>/messages/post/", chat_views.post_message, name="post"),
    path("<slug:slug>/messages/held/", chat_views.held, name="held"),
    path("<slug:slug>/messages/<int:pk>/react/", chat_views.react, name="react"),
    path("<slug:slug>/messages/<int:pk>/delete/", chat_views.delete, name="delete"),
    path("<slug:slug>/resources/", resources.library, name="resources"),
    path("<slug:slug>/resources/new/", resources.write, name="resource_new"),
    path("<slug:slug>/resources/suggestions/", resources.suggestions, name="resource_suggestions"),
    path("<slug:slug>/resources/<int:pk>/", resources.detail, name="resource"),
    path("<slug:slug>/resources/<int:pk>/edit/", resources.write, name="resource_edit"),
    path("<slug:slug>/resources/<int:pk>/manage/", resources.manage, name="resource_manage"),
    path("<slug:slug>/resources/<int:pk>/helped/", resources.helped, name="resource_helped"),
    path("<slug:slug>/resources/<int:pk>/share/", resources.share, name="resource_share"),
    path("<slug:slug>/join/", views.join, name="join"),
    path("<slug:slug>/request/", views.request_join, name="request"),
    path("<slug:slug>/agreement/", views.agreement, name="agreement"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/name/", views.rename, name="rename"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/schedule/", calendar_views.schedule, name="schedule"),
    path("<slug:slug>/calendar/", calendar_views.calendar, name="calendar"),
    path("<slug:slug>/sessions/", session_views.sessions, name="sessions"),
    path("<slug:slug>/sessions/<int:pk>/", session_views.session, name="session"),
    path("<slug:slug>/members/<int:pk>/boundary/", boundary_views.set_boundary, name="boundary"),
    path("<slug:slug>/requests/", views.requests, name="requests"),
    path("<slug:slug>/invites/", views.invites, name="invites"),
    path("<slug:slug>/invites/<int:pk>/revoke/", views.revoke_invite, name="revoke_invite"),
    path("<slug:slug>/manage/", views.manage, name="manage"),
    path("<slug:slug>/manage/archive/", views.archive, name="archive"),
    path("<slug:slug>/manage/facilitators/", views.facilitators, name="facilitators"),
    path("<slug:slug>/manage/agreement/", views.edit_agreement, name="edit_agreement"),
]
