"""Every word Hearth shows goes through Django's i18n: each page of the URL matrix,
as each role meets it (error pages too), rendered in a pseudo-locale that wraps every
translated string in ⟦ ⟧ (tests/pseudo.py), shows no word outside a wrap except what
people wrote and the site's name."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests import pseudo
from tests.security.roles import Roles
from tests.security.test_url_matrix import ROWS, roles, signed_in, visit

__all__ = ["roles", "signed_in"]  # the matrix's fixtures, used here too

pytestmark = pytest.mark.django_db

GETS = [
    (name, i) for name, rows in ROWS.items() for i, row in enumerate(rows) if row.method == "GET"
]


@pytest.fixture(scope="module")
def pseudo_locale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with pseudo.installed(tmp_path_factory.mktemp("pseudo")) as directory:
        yield directory


@pytest.fixture
def reading_pseudo(signed_in: dict[str, Client], pseudo_locale: Path) -> dict[str, Client]:
    for client in signed_in.values():
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = pseudo.CODE
    return signed_in


@pytest.fixture(scope="module")
def wrote(roles: Roles, django_db_blocker: Any) -> list[str]:
    with django_db_blocker.unblock():
        return pseudo.people_wrote()


@pytest.mark.parametrize(("name", "index"), GETS, ids=[f"{n}[{i}]" for n, i in GETS])
def test_no_page_shows_a_word_outside_the_catalogue(
    name: str, index: int, roles: Roles, reading_pseudo: dict[str, Client], wrote: list[str]
) -> None:
    row = ROWS[name][index]
    found: dict[str, list[str]] = {}  # unmarked text -> who met it
    for role, client in reading_pseudo.items():
        status, body, _ = visit(client, row, roles)
        if "<html" not in body[:400]:
            continue  # a redirect, a file, a feed
        for piece in pseudo.unmarked(pseudo.visible_text(body), wrote):
            found.setdefault(piece, []).append(f"{role} {status}")
    assert found == {}, "\n".join(f"{text!r}: {', '.join(who)}" for text, who in found.items())


def test_the_check_finds_an_unmarked_word(pseudo_locale: Path) -> None:
    page = (
        "<html><body><p>⟦Leave the group⟧</p><p>Stay a while</p>"
        "<p lang='es'>Español</p></body></html>"
    )
    assert pseudo.unmarked(pseudo.visible_text(page), []) == ["Stay a while"]
