"""Accounts through allauth: sign-up, verification, signing in and out, password reset.

Every test goes through the pages a person uses, with the emails the site sends.
"""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY

from community.models import User
from tests.factories import PASSWORD, make_user
from tests.html import find, form_errors, text_of
from tests.mail import link_in, path_of, sent_to

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-lantern-7"


def signed_in_as(client) -> User | None:
    user_id = client.session.get(SESSION_KEY)
    return User.objects.get(pk=user_id) if user_id else None


def sign_up(client, email="river@hearth.test", display_name="River", password=PASSWORD):
    return client.post(
        "/accounts/signup/",
        {
            "email": email,
            "display_name": display_name,
            "password1": password,
            "password2": password,
        },
    )


def log_in(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def same_page(response_a, response_b, *replacements: tuple[str, str]) -> tuple[str, str]:
    """Return both bodies with per-request noise (CSRF tokens, nonces) and `replacements` masked."""
    bodies = []
    for response in (response_a, response_b):
        body = response.content.decode()
        body = re.sub(r'(name="csrfmiddlewaretoken" value=)"[^"]+"', r'\1"CSRF"', body)
        body = re.sub(r'nonce="[^"]+"', 'nonce="NONCE"', body)
        for old, new in replacements:
            body = body.replace(old, new)
        bodies.append(body)
    return bodies[0], bodies[1]


# --- Sign-up and verification ---------------------------------------------------------


def test_signup_sends_a_verification_link_that_signs_the_person_in(client):
    response = sign_up(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="river@hearth.test")
    assert user.display_name == "River"
    assert signed_in_as(client) is None, "not signed in before verifying"

    (message,) = sent_to("river@hearth.test")
    link = link_in(message, "/accounts/confirm-email/")

    # Opening the link only shows a confirmation button: mail scanners that
    # follow links must not verify an address (ACCOUNT_CONFIRM_EMAIL_ON_GET is off).
    page = client.get(path_of(link))
    assert page.status_code == 200
    assert find(page.content.decode(), "form", method="post")
    assert not EmailAddress.objects.get(email="river@hearth.test").verified

    response = client.post(path_of(link))
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="river@hearth.test").verified
    assert signed_in_as(client) == user

    home = client.get(response.headers["Location"])
    assert "Welcome back, River" in text_of(home.content.decode())


def test_a_verification_link_from_another_browser_verifies_but_asks_to_sign_in(client):
    sign_up(client)
    link = link_in(sent_to("river@hearth.test")[0], "/accounts/confirm-email/")
    client.logout()
    client.cookies.clear()
    client.post(path_of(link))
    assert EmailAddress.objects.get(email="river@hearth.test").verified
    assert signed_in_as(client) is None
    log_in(client, "river@hearth.test")
    assert signed_in_as(client) is not None


def test_a_tampered_verification_link_verifies_nothing(client):
    sign_up(client)
    link = link_in(sent_to("river@hearth.test")[0], "/accounts/confirm-email/")
    response = client.post(path_of(link).rstrip("/") + "x/")
    assert response.status_code in {200, 404}
    assert not EmailAddress.objects.get(email="river@hearth.test").verified
    assert signed_in_as(client) is None


def test_an_unverified_person_cannot_sign_in_and_is_sent_a_new_link(client):
    make_user(email="unverified@hearth.test", verified=False)
    response = log_in(client, "unverified@hearth.test")
    assert signed_in_as(client) is None
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/confirm-email/"
    (message,) = sent_to("unverified@hearth.test")
    assert link_in(message, "/accounts/confirm-email/")


def test_signup_refuses_a_weak_password(client):
    response = sign_up(client, password="password")
    assert response.status_code == 200
    assert form_errors(response.content.decode())
    assert not User.objects.filter(email="river@hearth.test").exists()


# --- Signing in and out -------------------------------------------------------------------


def test_a_verified_person_signs_in_and_out(client):
    user = make_user(email="mara@hearth.test", display_name="Mara")
    response = log_in(client, "MARA@hearth.test")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in_as(client) == user

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert signed_in_as(client) is None
    assert "Welcome back" not in client.get("/").content.decode()


def test_a_wrong_password_is_refused(client):
    make_user(email="mara@hearth.test")
    response = log_in(client, "mara@hearth.test", "not-my-password")
    assert response.status_code == 200
    assert signed_in_as(client) is None
    assert form_errors(response.content.decode()) == [
        "The email address and/or password you specified are not correct."
    ]


def test_an_inactive_account_cannot_sign_in(client):
    make_user(email="gone@hearth.test", is_active=False)
    log_in(client, "gone@hearth.test")
    assert signed_in_as(client) is None


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")


# --- Password reset -----------------------------------------------------------------------


def test_password_reset_by_email_link(client):
    user = make_user(email="mara@hearth.test")
    response = client.post("/accounts/password/reset/", {"email": "mara@hearth.test"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/password/reset/done/"

    (message,) = sent_to("mara@hearth.test")
    link = link_in(message, "/accounts/password/reset/key/")
    # The key moves from the URL into the session before the form is shown.
    form_page = client.get(path_of(link), follow=True)
    assert form_page.status_code == 200
    form_path = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path_of(link)
    assert find(form_page.content.decode(), "input", name="password1")

    response = client.post(form_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    client.logout()
    log_in(client, "mara@hearth.test", PASSWORD)
    assert signed_in_as(client) is None
    log_in(client, "mara@hearth.test", NEW_PASSWORD)
    assert signed_in_as(client) == user


def test_a_reset_link_works_only_once(client):
    make_user(email="mara@hearth.test")
    client.post("/accounts/password/reset/", {"email": "mara@hearth.test"})
    link = link_in(sent_to("mara@hearth.test")[0], "/accounts/password/reset/key/")
    page = client.get(path_of(link), follow=True)
    form_path = page.redirect_chain[-1][0] if page.redirect_chain else path_of(link)
    client.post(form_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    again = client.get(path_of(link), follow=True)
    assert not find(again.content.decode(), "input", name="password1")


# --- No account enumeration -----------------------------------------------------------


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client):
    make_user(email="known@hearth.test")
    known = client.post("/accounts/password/reset/", {"email": "known@hearth.test"}, follow=True)
    unknown = client.post(
        "/accounts/password/reset/", {"email": "unknown@hearth.test"}, follow=True
    )
    assert known.redirect_chain == unknown.redirect_chain
    assert known.status_code == unknown.status_code == 200
    a, b = same_page(
        known, unknown, ("known@hearth.test", "EMAIL"), ("unknown@hearth.test", "EMAIL")
    )
    assert a == b
    # Each address gets one email either way; only its owner learns which kind.
    assert len(sent_to("known@hearth.test")) == len(sent_to("unknown@hearth.test")) == 1


def test_signup_answers_the_same_for_a_taken_and_a_free_address(client, django_user_model):
    make_user(email="taken@hearth.test", display_name="Taken")
    taken = sign_up(client, email="taken@hearth.test", display_name="Someone")
    taken_page = client.get(taken.headers.get("Location", "/accounts/signup/"))
    client.cookies.clear()
    free = sign_up(client, email="free@hearth.test", display_name="Someone")
    free_page = client.get(free.headers.get("Location", "/accounts/signup/"))

    assert (taken.status_code, taken.headers.get("Location")) == (
        free.status_code,
        free.headers.get("Location"),
    )
    a, b = same_page(
        taken_page, free_page, ("taken@hearth.test", "EMAIL"), ("free@hearth.test", "EMAIL")
    )
    assert a == b
    assert len(sent_to("taken@hearth.test")) == len(sent_to("free@hearth.test")) == 1
    # The existing account is untouched.
    assert User.objects.get(email="taken@hearth.test").display_name == "Taken"
    assert django_user_model.objects.filter(email="taken@hearth.test").count() == 1


def test_login_errors_do_not_say_whether_an_account_exists(client):
    make_user(email="known@hearth.test")
    known = log_in(client, "known@hearth.test", "not-the-password")
    unknown = log_in(client, "unknown@hearth.test", "not-the-password")
    assert form_errors(known.content.decode()) == form_errors(unknown.content.decode())
    assert known.status_code == unknown.status_code == 200


# --- Rate limits ------------------------------------------------------------------------


def test_failed_logins_are_rate_limited_per_account(client):
    make_user(email="mara@hearth.test")
    for _ in range(5):
        response = log_in(client, "mara@hearth.test", "guessing-again")
        assert "not correct" in " ".join(form_errors(response.content.decode()))

    # Now even the right password is refused for a while, and the page says why.
    response = log_in(client, "mara@hearth.test", PASSWORD)
    assert signed_in_as(client) is None
    assert form_errors(response.content.decode()) == [
        "Too many failed login attempts. Try again later."
    ]


def test_the_failed_login_limit_is_per_account(client):
    make_user(email="mara@hearth.test")
    other = make_user(email="sam@hearth.test")
    for _ in range(6):
        log_in(client, "mara@hearth.test", "guessing-again")
    log_in(client, "sam@hearth.test", PASSWORD)
    assert signed_in_as(client) == other


def test_the_failed_login_limit_is_per_address_and_caps_one_ip(client):
    # 10 failures a minute from one address, whichever accounts they aim at.
    people = [make_user() for _ in range(3)]
    for person in people:
        for _ in range(4):
            log_in(client, person.email, "guessing-again")
    late = make_user()
    response = log_in(client, late.email, PASSWORD)
    assert signed_in_as(client) is None
    assert "Too many" in " ".join(form_errors(response.content.decode()))


# --- Two-step sign-in is there for whoever wants it -----------------------------------------


def current_totp(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_two_step_sign_in_with_an_authenticator_app_and_recovery_codes(client):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    user = make_user(email="mara@hearth.test")
    log_in(client, "mara@hearth.test")
    # Turning it on asks for the password again, then for a code from the app.
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.headers["Location"].startswith("/accounts/reauthenticate/")
    client.post(response.headers["Location"], {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    (secret_field,) = find(page.content.decode(), "input", id="authenticator_secret")
    response = client.post(
        "/accounts/2fa/totp/activate/", {"code": current_totp(secret_field.attrs["value"])}
    )
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    recovery = Authenticator.objects.get(user=user, type="recovery_codes")
    codes = RecoveryCodes(recovery).get_unused_codes()
    assert len(codes) >= 8

    # Signing in now takes the password and then a code (here, a recovery code).
    client.post("/accounts/logout/")
    response = log_in(client, "mara@hearth.test")
    assert response.headers["Location"] == "/accounts/2fa/authenticate/"
    assert signed_in_as(client) is None
    client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert signed_in_as(client) is None
    client.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert signed_in_as(client) == user
