"""Resources around the groups' world of roles (tests/groups/conftest.py).

`library` adds, once per test module and through the resource write path:

- community: a published community-wide resource (by the organizer)
- community_archived: an archived community-wide resource
- shared: a published resource of the world's group (by its facilitator)
- suggested: a member's suggestion to the world's group, waiting for approval
- archived: an archived resource of the world's group
- elsewhere: a published resource of the other group (by its facilitator)

Each test runs in its own savepoint, so what one test writes is gone before the next.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from groups.actions import resources as actions
from groups.models import Group, Resource
from tests.chat.conftest import connect  # noqa: F401  (fixture: sockets through the ASGI stack)
from tests.groups.conftest import World, _module_world, world  # noqa: F401  (fixtures)

# Words each resource is known by; no two share a word, so a search finds exactly one.
TITLES = {
    "community": "Box breathing for hard evenings",
    "community_archived": "An outdated list of hotlines",
    "shared": "Letters to the one we lost",
    "suggested": "A walk at dusk",
    "archived": "Notes from last winter",
    "elsewhere": "Quiet minds worksheet",
}


def publish(actor: Any, group: Group | None, title: str, **fields: Any) -> Resource:
    """Publish (or, for a member, suggest) through the write path with sensible defaults."""
    fields.setdefault("summary", f"About {title.lower()}.")
    fields.setdefault("body", f"Some words about *{title.lower()}*.")
    return actions.create(actor=actor, group=group, title=title, **fields)


@dataclass
class Library:
    ids: dict[str, int]

    def __getitem__(self, name: str) -> Resource:
        return Resource.objects.select_related("group").get(pk=self.ids[name])


def build_library(people: World) -> Library:
    organizer, facilitator = people["organizer"], people["facilitator"]
    made = {
        "community": publish(
            organizer,
            None,
            TITLES["community"],
            link="https://breathe.example/box",
            tags=["Breathing", "Evenings"],
        ),
        "community_archived": publish(organizer, None, TITLES["community_archived"]),
        "shared": publish(
            facilitator,
            people.group,
            TITLES["shared"],
            link="https://letters.example/start",
            tags=["Grief", "Writing"],
        ),
        "suggested": publish(people["member"], people.group, TITLES["suggested"], tags=["Walking"]),
        "archived": publish(facilitator, people.group, TITLES["archived"]),
        "elsewhere": publish(people["other_fac"], people.other_group, TITLES["elsewhere"]),
    }
    actions.set_archived(actor=organizer, resource=made["community_archived"], archived=True)
    actions.set_archived(actor=facilitator, resource=made["archived"], archived=True)
    assert made["suggested"].status == "suggested"
    return Library({name: resource.pk for name, resource in made.items()})


@pytest.fixture(scope="module")
def _module_library(_module_world: World, django_db_blocker: Any) -> Library:  # noqa: F811
    """Built inside the world's module transaction, so it is rolled back with it."""
    with django_db_blocker.unblock():
        return build_library(_module_world)


@pytest.fixture
def library(_module_library: Library, world: World) -> Library:  # noqa: F811
    return _module_library


@pytest.fixture
def count_helped() -> Callable[[Resource], tuple[int, int]]:
    """(stored count, rows) for a resource, read fresh from the database."""

    def _count(resource: Resource) -> tuple[int, int]:
        resource.refresh_from_db()
        return resource.helped_count, resource.helped.count()

    return _count
