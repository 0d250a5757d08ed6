"""Private-page headers on the async path (uvicorn serves every request through it)."""

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient

from tests.factories import make_user


@pytest.mark.django_db(transaction=True)
async def test_a_signed_in_missing_page_is_a_private_404_not_a_server_error() -> None:
    """A page that never looks at the user still gets the signed-in headers, without a crash."""
    user = await sync_to_async(make_user)(email="quiet@hearth.test")
    client = AsyncClient()
    await client.aforce_login(user)
    response = await client.get("/no-such-page/")
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.django_db(transaction=True)
async def test_a_visitors_missing_page_is_not_marked_private() -> None:
    response = await AsyncClient().get("/no-such-page/")
    assert response.status_code == 404
    assert "X-Robots-Tag" not in response.headers
