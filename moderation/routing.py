from django.urls import path

from moderation.consumers import RoomConsumer

websocket_urlpatterns = [
    path("ws/groups/<slug:slug>/", RoomConsumer.as_asgi()),
]
