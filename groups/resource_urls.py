from django.urls import path

from groups import resource_views as views

app_name = "resources"

urlpatterns = [
    path("", views.library, name="library"),
    path("new/", views.write, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.write, name="edit"),
    path("<int:pk>/manage/", views.manage, name="manage"),
    path("<int:pk>/helped/", views.helped, name="helped"),
    path("<int:pk>/share/", views.share, name="share"),
]
