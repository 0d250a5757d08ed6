"""Passkey pages (allauth's MFA WebAuthn) for each kind of visitor; the browser flow is in e2e."""

import pytest

from tests.community.test_accounts import log_in
from tests.factories import make_user

PAGES = ["/accounts/2fa/", "/accounts/2fa/webauthn/"]


@pytest.mark.parametrize("path", PAGES)
def test_a_visitor_is_asked_to_sign_in_first(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", ["member", "organizer"])
def test_a_signed_in_person_sees_their_passkeys(client, db, path, role):
    make_user(email="wren@hearth.test", is_organizer=role == "organizer")
    log_in(client, "wren@hearth.test")
    response = client.get(path)
    assert response.status_code == 200
    assert "<main" in response.content.decode()
