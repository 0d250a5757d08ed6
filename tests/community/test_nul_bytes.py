"""A NUL byte anywhere in an address or a form is refused at the door with a 400."""

import pytest

from groups.models import Topic


@pytest.mark.parametrize(
    "path",
    ["/groups/?topic=%00", "/groups/?topic=grief%00", "/resources/?q=a%00b", "/crisis/?%00=1"],
)
def test_nul_in_the_address_is_a_bad_request(user_client, path: str) -> None:
    response = user_client.get(path)
    assert response.status_code == 400


def test_nul_in_a_form_is_a_bad_request_and_saves_nothing(user_client, user) -> None:
    response = user_client.post(
        "/settings/profile/", {"display_name": "Mara\x00", "region": "US", "pronouns": ""}
    )
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.display_name == "Mara"


def test_ordinary_requests_pass(user_client) -> None:
    Topic.objects.create(name="Grief", slug="grief")
    assert user_client.get("/groups/?topic=grief").status_code == 200


# A form Django can't read (urlencoded forms must be UTF-8) is a bad request too. In
# development the debug page reads the form again while explaining the 400: the guard
# answers with the site's page itself, so nothing is raised a second time.
@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded; charset=utf-16",
        "application/x-www-form-urlencoded; charset=iso-8859-1",
        "application/x-www-form-urlencoded; charset=no-such-charset",
        "multipart/form-data",
        "multipart/form-data; boundary=",
    ],
)
def test_a_form_that_cannot_be_read_is_a_bad_request(
    user_client, user, settings, debug: bool, content_type: str
) -> None:
    settings.DEBUG = debug
    body = "display_name=Changed&region=US".encode("utf-16")
    response = user_client.generic("POST", "/settings/profile/", body, content_type=content_type)
    assert response.status_code == 400
    assert b"Something didn't arrive right" in response.content
    user.refresh_from_db()
    assert user.display_name == "Mara"


async def test_a_form_that_cannot_be_read_is_a_bad_request_under_asgi(async_client, settings):
    settings.DEBUG = True
    response = await async_client.generic(
        "POST",
        "/crisis/",
        "a=1".encode("utf-16"),
        content_type="application/x-www-form-urlencoded; charset=utf-16",
    )
    assert response.status_code == 400
