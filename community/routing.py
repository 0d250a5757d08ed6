"""WebSocket routes, gathered for the ASGI router.

The room's consumer comes from `moderation`, which extends the chat consumer of
`groups` with report and moderation frames (groups never imports moderation).
"""

from django.urls import URLPattern, URLResolver

from moderation.routing import websocket_urlpatterns as room_routes

websocket_urlpatterns: list[URLPattern | URLResolver] = [*room_routes]
