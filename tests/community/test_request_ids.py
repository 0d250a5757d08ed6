"""Every page answers a malformed id or cursor with the site's 400 or 404, never a 500.

The table is walked from the URL patterns themselves, so a new view joins it: each
one is asked, by GET and by POST, with every id and cursor name the code reads
(found in the source: the calls to community/params.py) set to each bad value,
and with each of its number path arguments set to it. The views that read one
must answer exactly 400 or 404; every other view must simply not fail.
"""

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from tests.factories import make_user
from tests.groups.conftest import built_once

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("community", "groups", "moderation")
# Third-party pages with their own tests: allauth's account pages and Django's admin.
NOT_OURS = ("accounts/", "admin/")
BAD_VALUES = ["²", "abc", "-1", "9" * 30, "", "1.5", " 7", "0x1f"]
PLACEHOLDER = 987654321  # stands for a number path argument, then is replaced

# Views that read an id or a cursor from the query string or a posted form: the
# place it is read, its name, and what else the view needs to get that far.
READS: dict[str, list[tuple[str, str, dict[str, str]]]] = {
    "groups:group": [("GET", "before", {})],
    "groups:history": [("GET", "before", {})],
    "groups:requests": [("POST", "request", {"decision": "approve"})],
    "groups:facilitators": [("POST", "user", {})],
    "moderation:room_remove_filter": [("POST", "filter", {})],
    "moderation:site_remove_filter": [("POST", "filter", {})],
    "moderation:site_remove_phrase": [("POST", "phrase", {})],
    "moderation:site_unsuspend": [("POST", "user", {})],
    "moderation:message": [("GET", "report", {}), ("GET", "appeal", {})],
    "moderation:record": [("POST", "entry", {"text": "Please look at this again."})],
    "moderation:appeals": [("POST", "appeal", {"decision": "uphold", "note": ""})],
}
PARSERS = {"posted_id": "POST", "query_cursor": "GET"}


def patterns(
    resolvers: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, Any]]:
    """(name, route, callback) of every named URL pattern of the site."""
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route in NOT_OURS:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from patterns(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", route, entry.callback


SITE = sorted(patterns(get_resolver().url_patterns))


def parser_calls() -> Iterator[tuple[str, str, str]]:
    """(module:function, GET or POST, name) for every call to community/params.py."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            tree = ast.parse(path.read_text())
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef):
                    continue
                for node in ast.walk(function):
                    if (
                        isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Attribute)
                        and node.func.attr in PARSERS
                    ):
                        [_, name] = node.args
                        assert isinstance(name, ast.Constant) and isinstance(name.value, str)
                        yield f"{module}:{function.name}", PARSERS[node.func.attr], name.value


def view_of(callback: Any) -> str:
    view = inspect.unwrap(callback)
    return f"{view.__module__}:{view.__name__}"


def test_the_table_names_every_view_that_reads_an_id_and_nothing_else() -> None:
    views: dict[str, list[str]] = {}
    for name, _, callback in SITE:
        views.setdefault(view_of(callback), []).append(name)
    found = set()
    for function, source, param in parser_calls():
        # Read in the view itself, so the table can name the page that reads it.
        assert function in views, f"{function} reads “{param}”: read it in the view instead"
        found |= {(name, source, param) for name in views[function]}
    table = {(name, source, param) for name, rows in READS.items() for source, param, _ in rows}
    assert found == table
    assert "groups:group" in dict((n, r) for n, r, _ in SITE)  # the walk itself works


def build() -> dict[str, Any]:
    """An organizer (and superuser) who facilitates a group: every page lets them in."""
    owner = make_user(is_organizer=True, is_staff=True, is_superuser=True, display_name="Oona")
    group = group_actions.create_group(actor=owner, name="Evening circle")
    member_actions.join_group(user=owner, group=group, agreement_version=1)
    member_actions.set_facilitator(actor=owner, group=group, user=owner, facilitator=True)
    invite = member_actions.create_invite(actor=owner, group=group, days=7, max_uses=1)
    return {"owner": owner, "group": group, "invite": invite}


@pytest.fixture(scope="module")
def _module_site(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    with built_once(django_db_blocker, build) as built:
        yield built


@pytest.fixture
def site(_module_site: dict[str, Any], db: None) -> dict[str, Any]:
    return _module_site


def address(route: str, name: str, site: dict[str, Any], number: str) -> str:
    """The pattern's address for the site's group, with `number` in every number slot."""
    kwargs: dict[str, Any] = {}
    slots = (
        ("slug", "slug"),
        ("token", "token"),
        ("action", "action"),
        ("pk", "int"),
        ("language", "language"),
        ("version", "version"),
    )
    for slot, kind in slots:
        if f":{slot}>" in route:
            kwargs[slot] = {
                "slug": site["group"].slug,
                "token": site["invite"].token,
                "action": "mute",
                "int": PLACEHOLDER,
                "language": "es",  # the chat client's words
                "version": "1",
            }[kind]
    return reverse(name, kwargs=kwargs).replace(str(PLACEHOLDER), number)


NAMES = sorted({param for _, _, param in parser_calls()})


@pytest.mark.parametrize(("name", "route"), [(n, r) for n, r, _ in SITE], ids=[n for n, *_ in SITE])
def test_bad_ids_and_cursors_never_fail(site: dict[str, Any], name: str, route: str) -> None:
    client = Client()
    client.force_login(site["owner"])
    branches = [extra for _, _, extra in READS.get(name, [])] or [{}]
    for value in BAD_VALUES:
        url = address(route, name, site, value if "<int:" in route else str(PLACEHOLDER))
        everything = dict.fromkeys(NAMES, value)
        for extra in branches:
            get = client.get(url, everything)
            post = client.post(url, {**everything, **extra})
            for method, response in (("GET", get), ("POST", post)):
                assert response.status_code < 500, f"{method} {url} with {value!r}"


@pytest.mark.parametrize(
    ("name", "source", "param", "extra"),
    [(name, *row) for name, rows in READS.items() for row in rows],
    ids=[f"{name} {row[1]}" for name, rows in READS.items() for row in rows],
)
def test_views_that_read_an_id_answer_400_or_404(
    site: dict[str, Any], name: str, source: str, param: str, extra: dict[str, str]
) -> None:
    client = Client()
    client.force_login(site["owner"])
    route = dict((n, r) for n, r, _ in SITE)[name]
    url = address(route, name, site, str(PLACEHOLDER))
    for value in BAD_VALUES:
        if source == "GET":
            response = client.get(url, {param: value})
        else:
            response = client.post(url, {param: value, **extra})
        assert response.status_code in (400, 404), f"{source} {url} {param}={value!r}"
        assert b"<main" in response.content  # the site's own page, not a bare error
