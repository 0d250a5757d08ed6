"""Security and privacy headers on every page, for visitors and for signed-in people."""

import re
from urllib.parse import urlsplit

import pytest

from tests.html import parse

pytestmark = pytest.mark.django_db

VISITOR_PAGES = [
    "/",
    "/crisis/",
    "/crisis/?region=GB",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/confirm-email/",
    "/healthz",
    "/admin/login/",
    "/admin/",
    "/settings/profile/",
    "/no-such-page/",
]
SIGNED_IN_PAGES = [
    "/",
    "/crisis/",
    "/settings/profile/",
    "/settings/themes/",
    "/accounts/2fa/webauthn/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/logout/",
    "/healthz",
    "/no-such-page/",
]
ORGANIZER_PAGES = [
    "/admin/",
    "/admin/community/crisisline/",
    "/admin/community/crisisline/add/",
    "/admin/community/theme/",
]
SOURCE = re.compile(r"^'(self|none|nonce-[A-Za-z0-9+/_=-]+)'$|^data:$")


def csp_of(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    policy = {}
    for directive in header.split(";"):
        name, *sources = directive.split()
        policy[name] = sources
    return policy


def assert_security_headers(response) -> None:
    policy = csp_of(response)
    assert policy["default-src"] == ["'self'"]
    assert "'self'" in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    for name, sources in policy.items():
        for source in sources:
            # Only our own origin, nonces and (for images) data: - never unsafe-inline,
            # unsafe-eval, wildcards or any other origin.
            assert SOURCE.match(source), f"{name} allows {source}"
            assert source != "data:" or name == "img-src", f"{name} allows data:"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def assert_nothing_third_party_or_inline(response) -> None:
    """The page loads nothing from elsewhere and has nothing the CSP would block."""
    if not response.headers["Content-Type"].startswith("text/html"):
        return
    policy = csp_of(response)
    nonces = {s[len("'nonce-") : -1] for s in policy["script-src"] if s.startswith("'nonce-")}
    for element in parse(response.content.decode()):
        for name in element.attrs:
            assert not name.startswith("on"), f"inline handler {name} on <{element.tag}>"
            assert name != "style", f"inline style on <{element.tag}> (style-src is 'self')"
        if element.tag == "style":
            raise AssertionError("inline <style> element (style-src is 'self')")
        if element.tag == "script":
            if "src" in element.attrs:
                assert not urlsplit(element.attrs["src"]).netloc, element.attrs
            elif element.attrs.get("type") == "application/json":
                pass  # a data block (allauth's passkey options): never run, so no nonce
            else:
                assert element.attrs.get("nonce") in nonces, "inline script without the nonce"
        loaded = {
            "link": "href",
            "img": "src",
            "iframe": "src",
            "source": "src",
            "video": "src",
            "audio": "src",
            "form": "action",
        }.get(element.tag)
        if loaded and element.attrs.get(loaded):
            url = element.attrs[loaded]
            assert not urlsplit(url).netloc or urlsplit(url).netloc == "testserver", url


def served_safely(client, path):
    """GET `path`: an answer with the security headers and nothing third-party or inline."""
    response = client.get(path)
    assert response.status_code in {200, 302, 404}
    assert_security_headers(response)
    assert_nothing_third_party_or_inline(response)
    return response


@pytest.mark.parametrize("path", VISITOR_PAGES)
def test_visitor_pages_send_the_security_headers(client, path):
    served_safely(client, path)


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages_are_never_cached_or_indexed(user_client, path):
    response = served_safely(user_client, path)
    assert "no-store" in response.headers["Cache-Control"]
    assert "noindex" in response.headers["X-Robots-Tag"]


@pytest.mark.parametrize("path", ORGANIZER_PAGES)
def test_admin_pages_for_organizers(organizer_client, path):
    response = organizer_client.get(path)
    assert response.status_code == 200
    assert_security_headers(response)
    assert_nothing_third_party_or_inline(response)
    assert "no-store" in response.headers["Cache-Control"]
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_signed_in_pages_also_say_noindex_in_the_markup(user_client):
    robots = [
        element
        for element in parse(user_client.get("/").content.decode())
        if element.tag == "meta" and element.attrs.get("name") == "robots"
    ]
    assert robots and "noindex" in robots[0].attrs["content"]


def test_form_posts_carry_the_headers_too(client):
    response = client.post("/accounts/login/", {"login": "x@hearth.test", "password": "nope"})
    assert_security_headers(response)


def test_a_signed_in_form_post_is_not_cached(user_client):
    response = user_client.post("/settings/profile/", {"display_name": ""})
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.urls("tests.community.csp_urls")
def test_inline_scripts_run_only_with_the_per_response_nonce(client):
    first, second = client.get("/scripted/"), client.get("/scripted/")
    nonces = []
    for response in (first, second):
        policy = csp_of(response)
        scripts = [e for e in parse(response.content.decode()) if e.tag == "script"]
        (script,) = [e for e in scripts if "src" not in e.attrs]  # the page's one inline script
        # The site's own files (Leave quickly's, on every page) carry the same nonce.
        assert {e.attrs.get("nonce") for e in scripts} == {script.attrs["nonce"]}
        assert f"'nonce-{script.attrs['nonce']}'" in policy["script-src"]
        assert "'unsafe-inline'" not in policy["script-src"]
        nonces.append(script.attrs["nonce"])
        assert len(script.attrs["nonce"]) >= 16
    assert nonces[0] != nonces[1]
