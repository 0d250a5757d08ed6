"""The socket's user comes from the session (community/wsauth.py), as Django's views see it.

- a cookie header with other cookies around the session's is read;
- a session made before a password change no longer signs the socket in (4401);
- a session signed under a previous SECRET_KEY still listed in SECRET_KEY_FALLBACKS
  does (Django's own rule for views);
- the consumer's scope keeps the user, not the session or the parsed cookies.
"""

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from community.asgi import application
from groups import consumers
from tests.chat.conftest import HOST, ORIGIN, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def open_with_cookie(group: Any, cookie: bytes) -> tuple[WebsocketCommunicator, dict]:
    communicator = WebsocketCommunicator(
        application, f"/ws/groups/{group.slug}/", [HOST, ORIGIN, (b"cookie", cookie)]
    )
    connected, _ = await communicator.connect(timeout=3)
    assert connected
    return communicator, await communicator.receive_output(timeout=3)


async def test_the_session_cookie_is_found_among_others(room):
    cookie = await sync_to_async(session_cookie)(room["members"][0])
    communicator, first = await open_with_cookie(
        room["group"], b"csrftoken=abc; theme=dark; " + cookie + b"; lang=en"
    )
    assert first["type"] == "websocket.send" and '"type":"hello"' in first["text"]
    await communicator.disconnect()


async def test_a_password_change_signs_older_sessions_out_4401(room):
    member = room["members"][0]
    cookie = await sync_to_async(session_cookie)(member)

    def change_password() -> None:
        member.set_password("a new and different passphrase")
        member.save()

    await sync_to_async(change_password)()
    communicator, first = await open_with_cookie(room["group"], cookie)
    assert (first["type"], first["code"]) == ("websocket.close", 4401)
    await communicator.disconnect()


async def test_a_session_signed_under_a_fallback_secret_key_still_signs_in(room, settings):
    member = room["members"][0]
    old_key = settings.SECRET_KEY
    cookie = await sync_to_async(session_cookie)(member)
    settings.SECRET_KEY = "a-rotated-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-XYZ"
    settings.SECRET_KEY_FALLBACKS = [old_key]
    communicator, first = await open_with_cookie(room["group"], cookie)
    assert '"type":"hello"' in first.get("text", ""), first
    await communicator.disconnect()


async def test_the_consumer_keeps_the_user_not_the_session_or_cookies(room, monkeypatch):
    seen: dict[str, Any] = {}
    real = consumers.RoomConsumer.connect

    async def remember(self: consumers.RoomConsumer) -> None:
        seen.update(self.scope)
        await real(self)

    monkeypatch.setattr(consumers.RoomConsumer, "connect", remember)
    cookie = await sync_to_async(session_cookie)(room["members"][0])
    communicator, _first = await open_with_cookie(room["group"], cookie)
    assert seen["user"].pk == room["members"][0].pk
    assert "session" not in seen and "cookies" not in seen
    assert settings.SESSION_COOKIE_NAME.encode() in dict(seen["headers"])[b"cookie"]
    await communicator.disconnect()
