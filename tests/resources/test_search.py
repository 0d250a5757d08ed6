"""Finding resources: PostgreSQL full-text search, the SQLite fallback, and tag filters.

The PostgreSQL tests need PostgreSQL (skipped without it, failing under CI); the
fallback's tests run only on SQLite, the embedded default. Both are asked through
the library page, the way a person searches, and read back in the order shown.
"""

import pytest
from django.db import connection
from django.test import Client

from groups.models import Group
from tests.groups.conftest import World
from tests.html import find
from tests.resources.conftest import TITLES, Library, publish

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the substring fallback runs only where FTS does not"
)


def found(client: Client, url: str) -> list[str]:
    """The titles a library page lists, in its order."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    return [
        " ".join(card.children[0].text.split()) for card in find(html, "li", class_="resource-card")
    ]


@pytest.fixture
def shelf(world: World, library: Library) -> dict[str, str]:
    """Community resources that differ in where a word appears (made oldest first)."""
    organizer = world["organizer"]
    made = {
        "in_title": publish(
            organizer, None, "Grounding when panic rises", summary="", body="Name five things."
        ),
        "in_summary": publish(
            organizer,
            None,
            "Five senses",
            summary="A grounding practice for the evening.",
            body="Look around.",
        ),
        "in_body": publish(
            organizer,
            None,
            "When the night is long",
            summary="",
            body="Some people find grounding helps when sleep won't come.",
            tags=["Sleep"],
        ),
        "breathe": publish(
            organizer,
            None,
            "Learning to breathe slowly",
            summary="",
            body="In for four, out for six.",
            tags=["Calm"],
        ),
        "walk": publish(
            organizer,
            None,
            "A walk after work",
            summary="",
            body="Leave the phone at home; notice your breathing as you go.",
            tags=["Calm", "Outdoors"],
        ),
    }
    titles = {name: resource.title for name, resource in made.items()}
    return {**titles, "box": TITLES["community"]}  # the library's: "Box breathing ..."


@pytest.fixture
def member(world: World) -> Client:
    client = Client()
    client.force_login(world["member"])
    return client


# --- PostgreSQL full-text search --------------------------------------------------------


def test_postgres_ranks_a_title_match_above_a_summary_match_above_a_body_match(
    require_postgres: None, shelf: dict[str, str], member: Client
) -> None:
    # The body match is the newest: only the ranking can put the title first.
    assert found(member, "/resources/?q=grounding") == [
        shelf["in_title"],
        shelf["in_summary"],
        shelf["in_body"],
    ]


def test_postgres_pinned_resources_still_come_first(
    require_postgres: None, world: World, shelf: dict[str, str], member: Client
) -> None:
    from groups.actions import resources as actions
    from groups.models import Resource

    body_match = Resource.objects.get(title=shelf["in_body"])
    actions.set_pinned(actor=world["organizer"], resource=body_match, pinned=True)
    assert found(member, "/resources/?q=grounding")[0] == shelf["in_body"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Stemming: one word finds its other forms.
        ("breathing", ["breathe", "walk", "box"]),
        ("breathe", ["breathe", "walk", "box"]),
        ("senses", ["in_summary"]),
        # websearch syntax: quoted phrases, "or", and "-" to leave a word out.
        ('"panic rises"', ["in_title"]),
        ('"rises panic"', []),
        ("breathing -phone", ["breathe", "box"]),
        ("panic or sleep", ["in_title", "in_body"]),
        ("grounding evening", ["in_summary"]),
        # Words that are only punctuation or unmatched quotes are not an error.
        ('"unclosed', []),
        ("& | ! ( ) : *", []),
        # A tag's name finds what carries it, even when no text says it.
        ("outdoors", ["walk"]),
    ],
)
def test_postgres_full_text_search(
    require_postgres: None,
    shelf: dict[str, str],
    member: Client,
    query: str,
    expected: list[str],
) -> None:
    from urllib.parse import urlencode

    titles = found(member, "/resources/?" + urlencode({"q": query}))
    assert sorted(titles) == sorted(shelf[name] for name in expected), query


# --- The SQLite fallback ----------------------------------------------------------------


@sqlite_only
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("grounding", ["in_title", "in_summary", "in_body"]),
        ("GROUNDING", ["in_title", "in_summary", "in_body"]),
        ("ground", ["in_title", "in_summary", "in_body"]),  # a substring of a word
        ("grounding night", ["in_body"]),  # every word, anywhere, in any order
        ("night grounding", ["in_body"]),
        ("breathing", ["walk", "box"]),  # no stemming: "breathe" is not "breathing"
        ("outdoors", ["walk"]),  # a tag's name
        ("calm leave", ["walk"]),  # a tag and a word of the text
        ("  panic   rises ", ["in_title"]),
        ("%", []),  # LIKE's wildcards are plain characters
        ("_", []),
        ("nothing like this", []),
    ],
)
def test_sqlite_substring_fallback(
    shelf: dict[str, str], member: Client, query: str, expected: list[str]
) -> None:
    from urllib.parse import urlencode

    titles = found(member, "/resources/?" + urlencode({"q": query}))
    assert sorted(titles) == sorted(shelf[name] for name in expected), query


@sqlite_only
def test_sqlite_fallback_lists_newest_first(shelf: dict[str, str], member: Client) -> None:
    assert found(member, "/resources/?q=grounding") == [
        shelf["in_body"],
        shelf["in_summary"],
        shelf["in_title"],
    ]


# --- On either backend ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("tag=calm", ["breathe", "walk"]),
        ("tag=calm&q=phone", ["walk"]),
        ("tag=sleep&q=grounding", ["in_body"]),
        ("tag=outdoors&q=grounding", []),
        ("tag=no-such-tag", []),
        ("tag=calm&q=", ["breathe", "walk"]),
    ],
)
def test_tag_filters_combine_with_search(
    shelf: dict[str, str], member: Client, params: str, expected: list[str]
) -> None:
    titles = found(member, f"/resources/?{params}")
    assert sorted(titles) == sorted(shelf[name] for name in expected), params


def test_the_page_keeps_the_search_and_the_tag_together(
    shelf: dict[str, str], member: Client
) -> None:
    html = member.get("/resources/?q=grounding&tag=sleep").content.decode()
    (box,) = find(html, "input", name="q")
    assert box.attrs["value"] == "grounding"
    assert find(html, "input", type="hidden", name="tag", value="sleep")
    calm = [a for a in find(html, "a") if a.text == "Calm"]
    assert calm[0].attrs["href"] == "?tag=calm&q=grounding"
    assert [a.text for a in find(html, "a") if a.attrs.get("aria-current") == "page"] == [
        "Resources",
        "Sleep",
    ]


def test_nothing_found_says_so_kindly(shelf: dict[str, str], member: Client) -> None:
    html = member.get("/resources/?q=zebra").content.decode()
    assert find(html, "li", class_="resource-card") == []
    (empty,) = find(html, "p", class_="empty")
    assert " ".join(empty.text.split()) == "Nothing matches that yet. Try fewer or different words."


def test_search_stays_inside_its_library(world: World, library: Library) -> None:
    """The same words in a group, in the community and in another group: each finds its own."""
    for author, group in (
        (world["organizer"], None),
        (world["facilitator"], world.group),
        (world["other_fac"], world.other_group),
    ):
        where = "community" if group is None else group.name
        publish(author, group, f"Shared words in {where}", body="lantern evening")
    client = Client()
    client.force_login(world["facilitator"])
    assert found(client, "/resources/?q=lantern") == ["Shared words in community"]
    assert found(client, f"/groups/{world.group.slug}/resources/?q=lantern") == [
        f"Shared words in {Group.objects.get(pk=world.group.pk).name}"
    ]


def test_a_very_long_search_is_cut_short_not_an_error(shelf: dict[str, str], member: Client):
    assert found(member, "/resources/?q=" + "grounding " * 300) != []


@pytest.mark.parametrize("params", ["q=%00", "q=ground%00ing", "tag=%00", "tag=calm%00&q=a%00"])
def test_a_nul_in_the_address_is_a_bad_request_not_a_server_error(
    shelf: dict[str, str], member: Client, params: str
) -> None:
    """PostgreSQL refuses any query holding a NUL; the site turns it away at the door."""
    for library in (
        "/resources/",
        f"/groups/{Group.objects.get(name='Carrying Grief').slug}/resources/",
    ):
        response = member.get(f"{library}?{params}")
        assert response.status_code == 400, (library, params)
        assert "Something didn" in response.content.decode()
