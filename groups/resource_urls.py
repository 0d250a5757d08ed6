from django.urls import path

from groups import resource_views as views

app_name = "resources"

urlpatterns = [
    path("", views.library, name="library"),
    path("new/", views.write, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.write, name="edit"),
    path("<int:pk>/pin/", views.pin, name="pin"),
    path("<int:pk>/unpin/", views.unpin, name="unpin"),
    path("<int:pk>/archive/", views.archive, name="archive"),
    path("<int:pk>/restore/", views.restore, name="restore"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/helped/", views.helped, name="helped"),
    path("<int:pk>/share/", views.share, name="share"),
]
