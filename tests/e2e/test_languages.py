"""The browser tour, read in Spanish and in a pseudo-locale.

In Spanish (chosen with the switcher's cookie) every page of every role's tour says
`lang="es"` and is axe-clean in both colour schemes; tests/community/test_languages.py
shows the Spanish catalogue has every string. In the pseudo-locale (tests/pseudo.py)
every string that went through the i18n machinery is wrapped in ⟦ ⟧, the chat
client's too: what a page shows outside a wrap, apart from what people wrote and
words inside another language's `lang`, was never marked for translation.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import pseudo
from tests.e2e import tour
from tests.e2e.seeded import Demo, db_open_fixture, off_the_loop, seeded_fixture
from tests.live_server import LiveServer

pytestmark = pytest.mark.e2e

demo = seeded_fixture()
db_open = db_open_fixture()

ROLES = ["visitor", "member", "facilitator", "organizer"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_in_spanish_says_so_and_is_accessible(
    browser: Any, asgi_server: LiveServer, demo: Demo, role: str
) -> None:
    reports = tour.tour(browser, asgi_server.url, demo, role, language="es")
    assert len(reports) == len(tour.stops_for(role))
    wrong = [f"{r.name}: lang={r.lang!r}" for r in reports if r.lang != "es"]
    wrong += [
        f"{r.name} ({scheme}): {line}"
        for r in reports
        for scheme, lines in r.violations.items()
        for line in lines
    ]
    wrong += [f"{r.name}: {p}" for r in reports for p in r.problems]
    assert wrong == [], "\n".join(wrong)


@pytest.fixture(scope="module")
def pseudo_locale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with pseudo.installed(tmp_path_factory.mktemp("pseudo")) as directory:
        yield directory


@pytest.mark.parametrize("role", ROLES)
def test_every_word_on_every_page_went_through_the_catalogue(
    browser: Any, asgi_server: LiveServer, demo: Demo, pseudo_locale: Path, role: str
) -> None:
    wrote = sorted([*off_the_loop(pseudo.people_wrote), *tour.TYPED], key=len, reverse=True)
    reports = tour.tour(browser, asgi_server.url, demo, role, language=pseudo.CODE, measure=False)
    found: dict[str, list[str]] = {}
    for report in reports:
        assert report.lang == pseudo.CODE, report.name
        theirs = sorted(set(report.other_languages), key=len, reverse=True)
        for piece in pseudo.unmarked(report.text, [*theirs, *wrote]):
            found.setdefault(piece, []).append(report.name)
    assert found == {}, "\n".join(f"{text!r}: {', '.join(pages)}" for text, pages in found.items())
