"""The baseline's ASGI application, routed as in the Channels tutorial."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.baseline.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path, re_path  # noqa: E402

from bench.baseline.consumers import ChatConsumer  # noqa: E402
from bench.baseline.views import room  # noqa: E402


def healthz(request: HttpRequest) -> HttpResponse:
    """Let the runner know the server is up (the tutorial has no such page)."""
    return HttpResponse("ok")


urlpatterns = [path("healthz", healthz), path("chat/<str:room_name>/", room)]

websocket_urlpatterns = [
    re_path(r"ws/chat/(?P<room_name>\w+)/$", ChatConsumer.as_asgi()),
]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
