"""Who may do what with resources: every page and action of both libraries, for every role.

The world (tests/groups/conftest.py) is one by-request group on agreement v2 with one
person in each role; the library (tests/resources/conftest.py) adds a published,
a suggested and an archived resource to that group, two community resources, and
one resource of another group. Each role runs in a savepoint that is rolled back.

Outcome codes:
    page / page:<how>   200; shows and hides what the row says (<how>: which button
                        the library offers: add, suggest, none)
    login               302 to sign in, as for a group that does not exist
    404                 byte for byte what a missing group (or resource) answers
    done                302 to where the row says, and the row's effect happened
    refused:<why>       302 back with the reason said, and nothing written
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from groups.models import Message, Resource, ResourceHelped, ResourceTag
from tests.groups.conftest import ROLES, World
from tests.html import find, text_of, unmasked
from tests.matrix import assert_looks_missing, rolled_back
from tests.matrix import request_page as _request
from tests.resources.conftest import TITLES, Library

MISSING_ID = 987654

# Everyone signed in, verified and not suspended: the community library's readers.
SIGNED_IN = tuple(r for r in ROLES if r not in {"visitor", "unverified"})
# Members who read the group (consented to some version): the group library's readers.
READERS = ("unconsented", "member", "facilitator")


def everyone(default: str, **exceptions: str) -> dict[str, str]:
    unknown = set(exceptions) - set(ROLES)
    assert not unknown, unknown
    return {role: exceptions.get(role, default) for role in ROLES}


def community(signed_in: str, **exceptions: str) -> dict[str, str]:
    """A community page: visitors sign in, unverified people get 404, the rest `signed_in`."""
    return everyone(signed_in, **{"visitor": "login", "unverified": "404", **exceptions})


def group(**exceptions: str) -> dict[str, str]:
    """A group page: visitors sign in, everyone not named gets a missing group's 404."""
    return everyone("404", **{"visitor": "login", **exceptions})


def only(code: str, roles: tuple[str, ...]) -> dict[str, str]:
    return dict.fromkeys(roles, code)


# --- What a "done" did ----------------------------------------------------------------

NEW = {
    "title": "A gentle new resource",
    "summary": "Five minutes, a chair, and your breath.",
    "kind": "exercise",
    "link": "https://gentle.example/start",
    "body": "Sit *comfortably*.",
    "tags": "Calm, Sleep",
}
EDITED = {**NEW, "title": "A revised title", "body": "Sit **still**."}


def created(scope: str, status: str) -> Callable[[World, Library, Any], None]:
    def check(world: World, library: Library, user: Any) -> None:
        resource = Resource.objects.get(title=NEW["title"])
        group_id = None if scope == "community" else world.group.pk
        assert (resource.group_id, resource.status, resource.author) == (group_id, status, user)
        assert resource.body_html == "<p>Sit <em>comfortably</em>.</p>"
        assert resource.link_domain == "gentle.example"
        assert sorted(resource.tags.values_list("name", flat=True)) == ["Calm", "Sleep"]

    return check


def edited(name: str) -> Callable[[World, Library, Any], None]:
    def check(world: World, library: Library, user: Any) -> None:
        resource = library[name]
        assert (resource.title, resource.body_html) == (
            "A revised title",
            "<p>Sit <strong>still</strong>.</p>",
        )
        assert resource.updated_at > resource.created_at

    return check


def state(name: str, **expected: Any) -> Callable[[World, Library, Any], None]:
    def check(world: World, library: Library, user: Any) -> None:
        resource = library[name]
        assert {key: getattr(resource, key) for key in expected} == expected

    return check


def helped(name: str) -> Callable[[World, Library, Any], None]:
    def check(world: World, library: Library, user: Any) -> None:
        resource = library[name]
        assert resource.helped_count == 1
        assert list(resource.helped.values_list("user", flat=True)) == [user.pk]

    return check


def shared(name: str) -> Callable[[World, Library, Any], None]:
    def check(world: World, library: Library, user: Any) -> None:
        (message,) = Message.objects.filter(group=world.group, resource_id=library.ids[name])
        assert (message.author.user, message.body, message.seq) == (
            user,
            "This helped me this week.",
            world.group.last_seq + 1,
        )

    return check


def share_data(world: World) -> dict[str, Any]:
    return {
        "group": world.group.slug,
        "body": "This helped me this week.",
        "client_id": secrets.token_hex(8),
    }


def pin_first(name: str) -> Callable[[World, Library], None]:
    def setup(world: World, library: Library) -> None:
        Resource.objects.filter(pk=library.ids[name]).update(pinned=True)

    return setup


# --- The rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    method: str
    path: str  # formatted with {slug} and each resource's name
    expect: dict[str, str]
    data: Callable[[World], dict[str, Any]] | None = None
    setup: Callable[[World, Library], None] | None = None
    done: Callable[[World, Library, Any], None] | None = None
    done_to: str = ""  # formatted like path
    shows: tuple[str, ...] = ()  # TITLES keys (or literal text) a page must show
    hides: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.name


C = "/resources"
G = "/groups/{slug}/resources"
EVERY_TITLE = tuple(TITLES)


def _hides(*shown: str) -> tuple[str, ...]:
    return tuple(name for name in EVERY_TITLE if name not in shown)


PAGES = [
    # The community library: everyone signed in reads; organizers publish and tidy.
    Page(
        "community library",
        "get",
        C + "/",
        community("page:none", organizer="page:add"),
        shows=("community",),
        hides=_hides("community"),
    ),
    Page(
        "community search",
        "get",
        C + "/?q=words",
        community("page:none", organizer="page:add"),
        shows=("community",),
        hides=_hides("community"),
    ),
    Page(
        "community tag filter",
        "get",
        C + "/?tag=breathing",
        community("page:none", organizer="page:add"),
        shows=("community",),
        hides=_hides("community"),
    ),
    Page(
        "community detail",
        "get",
        C + "/{community}/",
        community("page"),
        shows=("community", "breathe.example"),
    ),
    Page(
        "community detail (archived)",
        "get",
        C + "/{community_archived}/",
        community("404", organizer="page"),
        shows=("community_archived", "Bring it back"),
    ),
    Page(
        "community new",
        "get",
        C + "/new/",
        community("404", organizer="page"),
        shows=("Add a resource", "Publish"),
    ),
    Page(
        "community new POST",
        "post",
        C + "/new/",
        community("404", organizer="done"),
        data=lambda w: NEW,
        done=created("community", "published"),
    ),
    Page(
        "community new POST (preview)",
        "post",
        C + "/new/",
        community("404", organizer="page"),
        data=lambda w: {**NEW, "preview": "1"},
        shows=("Preview", "<em>comfortably</em>"),
    ),
    Page(
        "community edit",
        "get",
        C + "/{community}/edit/",
        community("404", organizer="page"),
        shows=("Edit a resource", TITLES["community"]),
    ),
    Page(
        "community edit POST",
        "post",
        C + "/{community}/edit/",
        community("404", organizer="done"),
        data=lambda w: EDITED,
        done=edited("community"),
        done_to=C + "/{community}/",
    ),
    Page(
        "community pin POST",
        "post",
        C + "/{community}/pin/",
        community("refused:forbidden", organizer="done"),
        done=state("community", pinned=True),
        done_to=C + "/{community}/",
    ),
    Page(
        "community unpin POST",
        "post",
        C + "/{community}/unpin/",
        community("refused:forbidden", organizer="done"),
        setup=pin_first("community"),
        done=state("community", pinned=False),
        done_to=C + "/{community}/",
    ),
    Page(
        "community archive POST",
        "post",
        C + "/{community}/archive/",
        community("refused:forbidden", organizer="done"),
        done=state("community", status="archived"),
        done_to=C + "/{community}/",
    ),
    Page(
        "community restore POST",
        "post",
        C + "/{community_archived}/restore/",
        community("404", organizer="done"),
        done=state("community_archived", status="published"),
        done_to=C + "/{community_archived}/",
    ),
    Page(
        "community approve POST (nothing to approve)",
        "post",
        C + "/{community}/approve/",
        community("refused:forbidden", organizer="refused:not_suggested"),
    ),
    Page(
        "community helped POST",
        "post",
        C + "/{community}/helped/",
        community("done"),
        done=helped("community"),
        done_to=C + "/{community}/",
    ),
    Page(
        "community share POST (into the group)",
        "post",
        C + "/{community}/share/",
        community("refused:choose", member="done", facilitator="done"),
        data=share_data,
        done=shared("community"),
        done_to="/groups/{slug}/",
    ),
    # A group's library: its readers only; members suggest, facilitators publish.
    Page(
        "group library",
        "get",
        G + "/",
        group(unconsented="page:none", member="page:suggest", facilitator="page:add"),
        shows=("shared",),
        hides=_hides("shared"),
    ),
    Page(
        "group search",
        "get",
        G + "/?q=words",
        group(unconsented="page:none", member="page:suggest", facilitator="page:add"),
        shows=("shared",),
        hides=_hides("shared"),
    ),
    Page(
        "group tag filter",
        "get",
        G + "/?tag=grief",
        group(unconsented="page:none", member="page:suggest", facilitator="page:add"),
        shows=("shared",),
        hides=_hides("shared"),
    ),
    Page(
        "group detail",
        "get",
        G + "/{shared}/",
        group(**only("page", READERS)),
        shows=("shared", "letters.example"),
    ),
    Page(
        "group detail (suggestion)",
        "get",
        G + "/{suggested}/",
        group(member="page", facilitator="page"),
        shows=("suggested", "Suggested by a member"),
    ),
    Page(
        "group detail (archived)",
        "get",
        G + "/{archived}/",
        group(facilitator="page"),
        shows=("archived", "Bring it back"),
    ),
    Page(
        "group new",
        "get",
        G + "/new/",
        group(member="page", facilitator="page"),
    ),
    Page(
        "group new POST",
        "post",
        G + "/new/",
        group(member="done:suggested", facilitator="done:published"),
        data=lambda w: NEW,
    ),
    Page(
        "group new POST (preview)",
        "post",
        G + "/new/",
        group(member="page", facilitator="page"),
        data=lambda w: {**NEW, "preview": "1"},
        shows=("Preview", "<em>comfortably</em>"),
    ),
    Page(
        "group suggestions",
        "get",
        G + "/suggestions/",
        group(facilitator="page"),
        shows=("suggested", "Mara"),
        hides=_hides("suggested"),
    ),
    Page(
        "group edit",
        "get",
        G + "/{shared}/edit/",
        group(facilitator="page"),
        shows=("Edit a resource", TITLES["shared"]),
    ),
    Page(
        "group edit POST",
        "post",
        G + "/{shared}/edit/",
        group(facilitator="done"),
        data=lambda w: EDITED,
        done=edited("shared"),
        done_to=G + "/{shared}/",
    ),
    Page(
        "group pin POST",
        "post",
        G + "/{shared}/pin/",
        group(unconsented="refused:forbidden", member="refused:forbidden", facilitator="done"),
        done=state("shared", pinned=True),
        done_to=G + "/{shared}/",
    ),
    Page(
        "group unpin POST",
        "post",
        G + "/{shared}/unpin/",
        group(unconsented="refused:forbidden", member="refused:forbidden", facilitator="done"),
        setup=pin_first("shared"),
        done=state("shared", pinned=False),
        done_to=G + "/{shared}/",
    ),
    Page(
        "group archive POST",
        "post",
        G + "/{shared}/archive/",
        group(unconsented="refused:forbidden", member="refused:forbidden", facilitator="done"),
        done=state("shared", status="archived", pinned=False),
        done_to=G + "/{shared}/",
    ),
    Page(
        "group restore POST",
        "post",
        G + "/{archived}/restore/",
        group(facilitator="done"),
        done=state("archived", status="published"),
        done_to=G + "/{archived}/",
    ),
    Page(
        "group approve POST",
        "post",
        G + "/{suggested}/approve/",
        group(member="refused:forbidden", facilitator="done"),
        done=state("suggested", status="published"),
        done_to=G + "/{suggested}/",
    ),
    Page(
        "group decline POST",
        "post",
        G + "/{suggested}/archive/",
        group(member="refused:forbidden", facilitator="done"),
        data=lambda w: {"next": w.group.get_absolute_url() + "resources/"},
        done=state("suggested", status="archived"),
        done_to=G + "/",
    ),
    Page(
        "group helped POST",
        "post",
        G + "/{shared}/helped/",
        group(**only("done", READERS)),
        done=helped("shared"),
        done_to=G + "/{shared}/",
    ),
    Page(
        "group share POST",
        "post",
        G + "/{shared}/share/",
        group(unconsented="refused:consent", member="done", facilitator="done"),
        data=share_data,
        done=shared("shared"),
        done_to="/groups/{slug}/",
    ),
]

# Pages whose "done" depends on who acts (published for facilitators, suggested for members).
DONE_BY_CODE = {
    "done:published": (created("group", "published"), "{created}"),
    "done:suggested": (created("group", "suggested"), G + "/"),
}

REFUSALS = {
    "forbidden": "You can't change this resource.",
    "not_suggested": "That resource is not waiting for approval.",
    "choose": "Please choose a group you can post in.",
    "consent": "The group's agreement changed. Please read it and agree again to post.",
}


def _format(path: str, world: World, library: Library, *, missing: bool = False) -> str:
    if missing:
        ids = dict.fromkeys(library.ids, MISSING_ID)
        return path.format(slug=secrets.token_hex(5), **ids)
    return path.format(slug=world.group.slug, **library.ids)


def _missing_path(page: Page, world: World, library: Library) -> str:
    """The same request aimed at a group (or resource) that does not exist."""
    path = _format(page.path, world, library, missing=True)
    if path.split("?")[0] == _format(page.path, world, library).split("?")[0]:
        return f"{C}/{MISSING_ID}/edit/"  # the community library or its "new" page
    return path


def snapshot() -> tuple[Any, ...]:
    """Everything resource pages could write, so a refusal can be shown to write nothing."""
    return (
        sorted(
            Resource.objects.values_list(
                "id", "title", "body", "status", "pinned", "helped_count", "updated_at"
            )
        ),
        sorted(Resource.tags.through.objects.values_list("resource_id", "resourcetag_id")),
        ResourceTag.objects.count(),
        ResourceHelped.objects.count(),
        Message.objects.count(),
    )


def _shown(name: str) -> str:
    return TITLES.get(name, name)


def check(
    code: str, response: Any, page: Page, world: World, library: Library, role: str, client: Client
) -> None:
    kind, _, how = code.partition(":")
    real_path = _format(page.path, world, library)
    if kind == "404":
        assert response.status_code == 404
        assert_looks_missing(
            response, _request(client, page, _missing_path(page, world, library), world)
        )
        return
    if kind == "login":
        from urllib.parse import quote

        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={quote(real_path, safe='/')}"
        if "{slug}" in page.path:
            missing_path = _missing_path(page, world, library)
            missing = _request(client, page, missing_path, world)
            assert (
                missing["Location"].replace(
                    quote(missing_path, safe="/"), quote(real_path, safe="/")
                )
                == (response["Location"])
            )
        return
    if kind == "done":
        assert response.status_code == 302, text_of(response.content.decode())[:500]
        done, done_to = page.done, page.done_to
        if how:
            done, done_to = DONE_BY_CODE[code]
        assert done is not None
        done(world, library, world[role])
        if done_to == "{created}":
            done_to = Resource.objects.get(title=NEW["title"]).get_absolute_url()
        if done_to:
            assert response["Location"].split("#")[0] == _format(done_to, world, library)
        return
    if kind == "refused":
        assert response.status_code == 302
        data = page.data(world) if page.data else {}
        assert response["Location"] == data.get("next", real_path.rsplit("/", 2)[0] + "/")
        said = [str(m) for m in get_messages(response.wsgi_request)]
        assert said == [REFUSALS[how]]
        return
    assert kind == "page", code
    html = response.content.decode()
    assert response.status_code == 200, (response.status_code, text_of(html)[:300])
    assert response["Cache-Control"] == "no-store"
    for name in page.shows:
        assert _shown(name) in html, name
    for name in page.hides:
        assert _shown(name) not in html, name
    if how:
        slug = world.group.slug
        new = {"add": ("Add a resource",), "suggest": ("Suggest a resource",), "none": ()}[how]
        offered = [
            " ".join(a.text.split())
            for a in find(html, "a")
            if a.attrs.get("href") in {f"{C}/new/", f"/groups/{slug}/resources/new/"}
        ]
        assert tuple(offered) == new, offered


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_page_for_every_role(world: World, library: Library, page: Page, subtests: Any) -> None:
    for role in ROLES:
        with subtests.test(role=role, expect=page.expect[role]), rolled_back():
            client = Client()
            if world[role] is not None:
                client.force_login(world[role])
            if page.setup:
                page.setup(world, library)
            writes = page.method == "post" and not page.expect[role].startswith("done")
            before = snapshot() if writes else None
            response = _request(client, page, _format(page.path, world, library), world)
            check(page.expect[role], response, page, world, library, role, client)
            if writes:
                assert snapshot() == before, "a refused or denied request wrote something"


def test_matrix_covers_every_resource_url() -> None:
    from django.urls import get_resolver, resolve

    from groups.resource_urls import urlpatterns as community_patterns
    from groups.urls import urlpatterns as group_patterns

    sample = {"slug": "abcdefghjk", **dict.fromkeys(TITLES, 1)}
    covered = {resolve(page.path.format(**sample).split("?")[0]).view_name for page in PAGES}
    wanted = {f"resources:{p.name}" for p in community_patterns} | {
        f"groups:{p.name}" for p in group_patterns if "resource" in (p.name or "")
    }
    assert get_resolver()  # the project's URLconf is loaded
    assert not wanted - covered, f"resource pages without a row in PAGES: {wanted - covered}"


# --- Group resources never leave the group ----------------------------------------------


def test_a_group_resource_is_missing_everywhere_outside_its_group(
    world: World, library: Library
) -> None:
    """At the community address, under another group, in other libraries and searches."""
    shared = library.ids["shared"]
    other = world.other_group.slug
    for role in ("member", "facilitator", "other_fac", "organizer"):
        client = Client()
        client.force_login(world[role])
        for path in (
            f"{C}/{shared}/",
            f"{C}/{shared}/edit/",
            f"/groups/{other}/resources/{shared}/",
            f"/groups/{other}/resources/{shared}/edit/",
        ):
            # Exactly what the same address answers for a resource that never existed.
            response = client.get(path)
            missing = client.get(path.replace(f"/{shared}/", f"/{MISSING_ID}/"))
            assert response.status_code == 404, (role, path)
            assert unmasked(response.content) == unmasked(missing.content), (role, path)
        for path in (f"{C}/?q=letters", f"{C}/?tag=grief", f"/groups/{other}/resources/?q=letters"):
            response = client.get(path)
            assert TITLES["shared"] not in response.content.decode(), (role, path)
            assert "Grief" not in text_of(response.content.decode()), (role, path)
        for action, data in (
            ("archive", {}),
            ("helped", {}),
            ("share", share_data(world)),
        ):
            before = snapshot()
            response = client.post(f"{C}/{shared}/{action}/", data)
            assert response.status_code == 404, (role, action)
            assert snapshot() == before


def test_tags_of_suggestions_and_archived_resources_are_not_offered_as_filters(
    world: World, library: Library
) -> None:
    """A tag shows in a library's filter only when a published resource there carries it."""
    client = Client()
    client.force_login(world["facilitator"])
    html = client.get(f"/groups/{world.group.slug}/resources/").content.decode()
    offered = {a.text.strip() for a in find(html, "a") if "tag=" in a.attrs.get("href", "")}
    assert offered == {"Grief", "Writing"}
    # "Walking" is on the member's suggestion; publish a community resource with it too.
    from tests.resources.conftest import publish

    publish(world["organizer"], None, "A walking meditation", tags=["Walking"])
    html = client.get(f"/groups/{world.group.slug}/resources/").content.decode()
    offered = {a.text.strip() for a in find(html, "a") if "tag=" in a.attrs.get("href", "")}
    assert offered == {"Grief", "Writing"}
    html = client.get(f"{C}/").content.decode()
    offered = {a.text.strip() for a in find(html, "a") if "tag=" in a.attrs.get("href", "")}
    assert offered == {"Breathing", "Evenings", "Walking"}
