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
