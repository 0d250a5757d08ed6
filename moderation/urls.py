from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("items/<int:pk>/resolve/", views.resolve, name="resolve"),
    path("messages/<int:pk>/", views.message, name="message"),
    path("messages/<int:pk>/restore/", views.restore, name="restore"),
    path("messages/<int:pk>/held/", views.decide_held, name="decide_held"),
    path("members/<int:pk>/", views.member, name="member"),
    path("members/<int:pk>/account/", views.member_account, name="member_account"),
    path("members/<int:pk>/<str:action>/", views.member_action, name="member_action"),
    path("rooms/<slug:slug>/", views.room, name="room"),
    path("site/", views.site, name="site"),
    path("log/", views.log, name="log"),
    path("log.csv", views.log_csv, name="log_csv"),
    path("record/", views.record, name="record"),
    path("appeals/", views.appeals_list, name="appeals"),
    path("report/message/<int:pk>/", views.report_message, name="report_message"),
    path("report/member/<int:pk>/", views.report_member, name="report_member"),
    path("worry/<int:pk>/", views.worry, name="worry"),
    path("pause/<slug:slug>/", views.pause_request, name="pause_request"),
]
