from django.urls import path

from moderation.views import appeals, log, member, message, queue, record, reports, room, site

app_name = "moderation"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("items/<int:pk>/resolve/", queue.resolve, name="resolve"),
    path("messages/<int:pk>/", message.message, name="message"),
    path("messages/<int:pk>/restore/", message.restore, name="restore"),
    path("messages/<int:pk>/held/", message.decide_held, name="decide_held"),
    path("members/<int:pk>/", member.member, name="member"),
    path("members/<int:pk>/account/", member.member_account, name="member_account"),
    path("members/<int:pk>/<str:action>/", member.member_action, name="member_action"),
    path("rooms/<slug:slug>/", room.room, name="room"),
    path("rooms/<slug:slug>/settings/", room.room_settings, name="room_settings"),
    path("rooms/<slug:slug>/pause/", room.room_pause, name="room_pause"),
    path("rooms/<slug:slug>/resume/", room.room_resume, name="room_resume"),
    path("rooms/<slug:slug>/filters/", room.room_add_filter, name="room_add_filter"),
    path("rooms/<slug:slug>/filters/remove/", room.room_remove_filter, name="room_remove_filter"),
    path("site/", site.site, name="site"),
    path("site/filters/", site.site_add_filter, name="site_add_filter"),
    path("site/filters/remove/", site.site_remove_filter, name="site_remove_filter"),
    path("site/phrases/", site.site_add_phrase, name="site_add_phrase"),
    path("site/phrases/remove/", site.site_remove_phrase, name="site_remove_phrase"),
    path("site/suspensions/", site.site_suspend, name="site_suspend"),
    path("site/suspensions/lift/", site.site_unsuspend, name="site_unsuspend"),
    path("log/", log.log, name="log"),
    path("log.csv", log.log_csv, name="log_csv"),
    path("record/", record.record, name="record"),
    path("appeals/", appeals.appeals_list, name="appeals"),
    path("report/message/<int:pk>/", reports.report_message, name="report_message"),
    path("report/member/<int:pk>/", reports.report_member, name="report_member"),
    path("worry/<int:pk>/", reports.worry, name="worry"),
    path("pause/<slug:slug>/", reports.pause_request, name="pause_request"),
]
