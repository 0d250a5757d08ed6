"""Reading Hearth in one's own language: the choice in Settings, else the browser's,
else English; the footer's switcher; sockets that answer in the person's language;
and a Spanish catalogue that is whole."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from tests.factories import make_user, signed_in

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"
SKIP = "Skip to content"


def spanish(english: str) -> str:
    with translation.override("es"):
        return translation.gettext(english)


def test_a_visitor_reads_the_language_their_browser_asks_for() -> None:
    page = Client(headers={"accept-language": "es-MX,es;q=0.9,en;q=0.5"}).get("/")
    html = page.content.decode()
    assert '<html lang="es"' in html
    assert page["Content-Language"] == "es"
    assert spanish(SKIP) in html and spanish(SKIP) != SKIP


def test_a_browser_asking_for_a_language_hearth_lacks_gets_english() -> None:
    page = Client(headers={"accept-language": "de-DE,de;q=0.9"}).get("/")
    assert '<html lang="en"' in page.content.decode()
    assert SKIP in page.content.decode()


def test_the_language_chosen_in_settings_goes_before_the_browsers() -> None:
    person = make_user(language="es")
    client = signed_in(person)
    page = client.get("/", headers={"accept-language": "en-GB,en"})
    assert '<html lang="es"' in page.content.decode()
    person.language = ""
    person.save(update_fields=["language"])
    page = client.get("/", headers={"accept-language": "en-GB,en"})
    assert '<html lang="en"' in page.content.decode()


def test_the_switcher_keeps_a_visitors_choice_in_a_cookie_and_goes_back() -> None:
    client = Client()
    response = client.post("/settings/language/", {"language": "es", "next": "/crisis/"})
    assert response.status_code == 302 and response["Location"] == "/crisis/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert '<html lang="es"' in client.get("/crisis/").content.decode()


def test_the_switcher_keeps_a_members_choice_on_their_account() -> None:
    person = make_user()
    client = signed_in(person)
    client.post("/settings/language/", {"language": "es", "next": "/"})
    person.refresh_from_db()
    assert person.language == "es"
    # Another device, with no cookie and an English browser, reads Spanish too.
    other = signed_in(person)
    assert '<html lang="es"' in other.get("/", headers={"accept-language": "en"}).content.decode()
    client.post("/settings/language/", {"language": "", "next": "/"})
    person.refresh_from_db()
    assert person.language == ""


def test_the_switcher_refuses_a_language_hearth_lacks_and_keeps_nothing() -> None:
    person = make_user()
    client = signed_in(person)
    response = client.post("/settings/language/", {"language": "xx", "next": "/"}, follow=True)
    assert "Hearth is not written in that language yet." in response.content.decode()
    person.refresh_from_db()
    assert person.language == ""
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def test_the_switcher_never_sends_anyone_to_another_site() -> None:
    response = Client().post("/settings/language/", {"language": "es", "next": "/\\evil.example"})
    assert response["Location"] == "/"


def test_every_page_offers_the_switcher_with_each_language_in_its_own_name() -> None:
    html = Client().get("/").content.decode()
    assert 'action="/settings/language/"' in html
    assert '<option value="es" lang="es"' in html and ">Español<" in html


def catalogue_address(client: Client, **headers: str) -> str:
    html = client.get("/", headers=headers).content.decode()
    (address,) = re.findall(r'<script src="(/jsi18n/[^"]+)"', html)
    return address


def test_the_javascript_catalogue_speaks_the_readers_language_and_is_kept_a_year() -> None:
    person = make_user()
    client = signed_in(person)  # signed-in pages are never stored; the words may be
    english = catalogue_address(client, **{"accept-language": "en"})
    address = catalogue_address(client, **{"accept-language": "es"})
    assert address.startswith("/jsi18n/es/") and english.startswith("/jsi18n/en/")
    response = client.get(address)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    body = response.content.decode()
    catalogue = polib.pofile(str(LOCALE / "djangojs.po"))
    entry = next(e for e in catalogue if e.msgstr and " " in e.msgid and not e.msgid_plural)
    assert entry.msgstr.replace('"', '\\"') in body
    # The address names the language, so a switch fetches the other catalogue.
    assert entry.msgstr.replace('"', '\\"') not in client.get(english).content.decode()
    assert client.get(address.replace("/es/", "/xx/")).status_code == 404


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_spanish_catalogue_is_whole_and_compiled(domain: str) -> None:
    catalogue = polib.pofile(str(LOCALE / f"{domain}.po"))
    assert len(catalogue) > 0
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []
    compiled = {(e.msgctxt, e.msgid): e for e in polib.mofile(str(LOCALE / f"{domain}.mo"))}
    stale = [
        e.msgid
        for e in catalogue.translated_entries()
        if (e.msgctxt, e.msgid) not in compiled
        or (compiled[(e.msgctxt, e.msgid)].msgstr or None) != (e.msgstr or None)
    ]
    assert stale == [], "run `make messages` to compile the catalogue"


def test_choosing_spanish_in_settings_speaks_spanish_from_the_next_page() -> None:
    person = make_user(display_name="Ana")
    client = signed_in(person)
    settings_page = client.get("/settings/profile/").content.decode()
    assert '<option value="" selected>Same as my browser</option>' in settings_page
    response = client.post(
        "/settings/profile/",
        {"display_name": "Ana", "region": "ES", "language": "es", "time_zone": ""},
        follow=True,
    )
    html = response.content.decode()
    assert '<html lang="es"' in html
    saved = spanish("Your profile is saved.")
    assert saved != "Your profile is saved." and saved in html
    person.refresh_from_db()
    assert person.language == "es" and person.region == "ES"
    # A code Hearth lacks is not kept.
    client.post("/settings/profile/", {"display_name": "Ana", "region": "ES", "language": "xx"})
    person.refresh_from_db()
    assert person.language == "es"
