"""The room's WebSocket route, gathered by the root routing (community/routing.py).

One consumer serves the room: other apps add their frames to it through
groups/frame_handlers.py (moderation's, in `ModerationConfig.ready()`).
"""

from django.urls import path

from groups.consumers import RoomConsumer

websocket_urlpatterns = [
    path("ws/groups/<slug:slug>/", RoomConsumer.as_asgi()),
]
