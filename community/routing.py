"""WebSocket routes, gathered for the ASGI router.

The room's consumer comes from `groups`; moderation adds its report and
moderation frames to it (groups/frame_handlers.py), so groups never imports it.
The personal socket (ws/me/) keeps the navigation's counts live on every page.
A path no route serves is refused at the handshake (HTTP 403, as a foreign
origin is), instead of failing inside the router with a traceback.
"""

from channels.security.websocket import WebsocketDenier
from django.urls import URLPattern, URLResolver, path, re_path

from groups.personal import PersonalConsumer
from groups.routing import websocket_urlpatterns as room_routes

websocket_urlpatterns: list[URLPattern | URLResolver] = [
    *room_routes,
    path("ws/me/", PersonalConsumer.as_asgi()),
    re_path(r"^", WebsocketDenier.as_asgi()),
]
