"""Library pages read with a fixed number of queries, however many resources there are.

Each test measures a page with 3 resources, grows the library to 15 (each with tags,
some pinned, some marked "helped" by the reader), and measures again: the count must
not move, and it must be the exact number written here. When a page legitimately
needs one more query, change the number and say why.
"""

import itertools
from typing import Any

from community.actions import add_default_themes
from community.models import Theme
from groups.actions import resources as actions
from groups.models import Group, Resource
from tests.groups.conftest import World
from tests.html import find
from tests.queries import QUEUE, SESSION, assert_constant, count_queries, signed_in
from tests.resources.conftest import Library, publish

# Every signed-in page: the session (above), the user, whether their email is verified, and
# the navigation's counts (one query, community/navigation.py; a second, QUEUE, for
# someone who moderates).
SIGNED_IN = SESSION + 3
_numbers = itertools.count(1)


def grow(author: Any, group: Group | None, to: int, reader: Any) -> None:
    """Add resources (every one findable by "calm", tagged) until the library holds `to`."""
    scope = Resource.objects.filter(group=group, status="published")
    while scope.count() < to:
        number = next(_numbers)
        resource = publish(
            author,
            group,
            f"Calm practice {number}",
            body=f"A calm **practice**, number {number}.",
            link=f"https://site{number}.example/page",
            tags=["Calm", f"Topic {number}", f"Kind {number % 3}"],
            themes=Theme.objects.all()[: number % 3],  # some folded for the reader
        )
        if number % 4 == 0:
            actions.set_pinned(actor=author, resource=resource, pinned=True)
        if number % 2 == 0:
            actions.set_helped(user=reader, resource=resource, helped=True)


def measure(
    world: World, *, author: str, reader: str, group: Group | None, url: str
) -> tuple[tuple[int, list[str]], tuple[int, list[str]]]:
    client = signed_in(world[reader])
    add_default_themes()
    world[reader].avoided_themes.set(Theme.objects.all()[:1])
    grow(world[author], group, 3, world[reader])
    small = count_queries(client, url)
    grow(world[author], group, 15, world[reader])
    large = count_queries(client, url)
    return small, large


def test_community_library(world: World, library: Library) -> None:
    small, large = measure(
        world, author="organizer", reader="member", group=None, url="/resources/"
    )
    # + the resources, their tags, their themes (with the reader's folded ones), which
    # ones the reader marked, the tag filter
    assert_constant(small, large, SIGNED_IN + 5)
    assert cards(world["member"], "/resources/") == 15


def test_community_search_with_a_tag(world: World, library: Library) -> None:
    small, large = measure(
        world, author="organizer", reader="member", group=None, url="/resources/?q=calm&tag=calm"
    )
    assert_constant(small, large, SIGNED_IN + 5)
    assert cards(world["member"], "/resources/?q=calm&tag=calm") == 14


def test_group_library_for_a_facilitator(world: World, library: Library) -> None:
    url = f"/groups/{world.group.slug}/resources/"
    small, large = measure(
        world, author="facilitator", reader="facilitator", group=world.group, url=url
    )
    # + the group, the membership, the resources, their tags, their themes, helped, the
    # tag filter, and the count of suggestions waiting
    assert_constant(small, large, SIGNED_IN + QUEUE + 8)
    assert cards(world["facilitator"], url) == 15


def test_group_search_for_a_member(world: World, library: Library) -> None:
    url = f"/groups/{world.group.slug}/resources/?q=calm+practice"
    small, large = measure(world, author="facilitator", reader="member", group=world.group, url=url)
    assert_constant(small, large, SIGNED_IN + 7)
    assert cards(world["member"], url) == 14


def test_group_detail_page(world: World, library: Library) -> None:
    url = library["shared"].get_absolute_url()
    small, large = measure(world, author="facilitator", reader="member", group=world.group, url=url)
    # + the group, the membership, the resource with its group and author, its tags, its
    # themes, helped
    assert_constant(small, large, SIGNED_IN + 6)


def test_community_detail_page(world: World, library: Library) -> None:
    url = library["community"].get_absolute_url()
    small, large = measure(world, author="organizer", reader="member", group=None, url=url)
    # + the resource, its tags, its themes, helped, and the reader's groups to share it into
    assert_constant(small, large, SIGNED_IN + 5)


def cards(user: Any, url: str) -> int:
    return len(find(signed_in(user).get(url).content.decode(), "li", class_="resource-card"))


def test_suggestions_page(world: World, library: Library) -> None:
    url = f"/groups/{world.group.slug}/resources/suggestions/"
    client = signed_in(world["facilitator"])
    waiting = Resource.objects.filter(group=world.group, status="suggested")

    def suggest(to: int) -> None:
        while waiting.count() < to:
            publish(world["member"], world.group, f"Idea {next(_numbers)}", tags=["Idea"])

    suggest(3)
    small = count_queries(client, url)
    suggest(15)
    large = count_queries(client, url)
    # + the group, the membership, the suggestions with their authors, and their themes
    # (no tags: the page does not show them, so it does not fetch them)
    assert_constant(small, large, SIGNED_IN + QUEUE + 4)
    assert not [q for q in large[1] if "resourcetag" in q.lower()]
    assert len(find(client.get(url).content.decode(), "li", class_="card")) == 15
