"""WebSocket routes, gathered for the ASGI router.

The room's consumer comes from `moderation`, which extends the chat consumer of
`groups` with report and moderation frames (groups never imports moderation).
A path no route serves is refused at the handshake (HTTP 403, as a foreign
origin is), instead of failing inside the router with a traceback.
"""

from channels.security.websocket import WebsocketDenier
from django.urls import URLPattern, URLResolver, re_path

from moderation.routing import websocket_urlpatterns as room_routes

websocket_urlpatterns: list[URLPattern | URLResolver] = [
    *room_routes,
    re_path(r"^", WebsocketDenier.as_asgi()),
]
