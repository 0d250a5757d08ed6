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
from groups.balance import start_counting  # noqa: E402
from groups.heartbeat import get_heartbeat  # noqa: E402

application = ProtocolTypeRouter(
    {
        # From its first request a process counts its room sockets toward the balance
        # between processes (groups/balance.py), even while it has none.
        "http": start_counting(django_asgi_app, lambda: get_heartbeat().count()),
        "websocket": ObserveSockets(
            SameOriginValidator(SessionAuthMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
