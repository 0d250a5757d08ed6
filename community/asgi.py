"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
django_asgi_app = get_asgi_application()

# Imported after Django is set up: routing pulls in models.
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from community.observe import ObserveSockets  # noqa: E402
from community.origin import SameOriginValidator  # noqa: E402
from community.routing import websocket_urlpatterns  # noqa: E402
from community.wsauth import SessionAuthMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": ObserveSockets(
            SameOriginValidator(SessionAuthMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
