"""The resource write path: create, suggest, edit, approve, pin, archive and "this helped me".

Every refusal is checked to leave the database exactly as it was. "This helped me" is
one per person and counted: the form says whether it is said (a double click says it
once), taking it back takes it away, and people pressing at the same moment never
leave a count that disagrees with who said it.
"""

from functools import partial
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from community.errors import Refused
from groups.actions import resources as actions
from groups.models import Resource, ResourceHelped, ResourceTag
from groups.tagging import MAX_TAGS
from tests.groups.conftest import World
from tests.html import find, text_of
from tests.resources.conftest import Library, publish


def snapshot() -> tuple[Any, ...]:
    return (
        sorted(
            Resource.objects.values_list(
                "id",
                "title",
                "summary",
                "body",
                "body_html",
                "link",
                "link_domain",
                "kind",
                "status",
                "pinned",
                "helped_count",
                "updated_at",
            )
        ),
        sorted(Resource.tags.through.objects.values_list("resource_id", "resourcetag_id")),
        sorted(ResourceTag.objects.values_list("id", "name")),
        sorted(ResourceHelped.objects.values_list("resource_id", "user_id")),
    )


def refused(code: str, call: Any) -> Refused:
    """Run `call`, which must be refused with `code` and write nothing."""
    before = snapshot()
    with pytest.raises(Refused) as refusal:
        call()
    assert refusal.value.code == code, refusal.value.message
    assert snapshot() == before
    return refusal.value


# --- Create and suggest ---------------------------------------------------------------


def test_who_publishes_and_who_suggests(world: World, library: Library) -> None:
    community = publish(world["organizer"], None, "For everyone")
    published = publish(world["facilitator"], world.group, "For the group")
    suggested = publish(world["member"], world.group, "From a member")
    assert [(r.group_id, r.status) for r in (community, published, suggested)] == [
        (None, "published"),
        (world.group.pk, "published"),
        (world.group.pk, "suggested"),
    ]
    assert (community.author, suggested.author) == (world["organizer"], world["member"])


@pytest.mark.parametrize(
    ("role", "where"),
    [
        ("facilitator", "community"),  # facilitators publish in their group only
        ("member", "community"),
        ("organizer", "group"),  # not a member: the group's library is not theirs
        ("other_fac", "group"),
        ("unconsented", "group"),  # must agree to the current version first
        ("welcomed", "group"),
        ("pending", "group"),
        ("removed", "group"),
        ("banned", "group"),
        ("unverified", "community"),
        ("visitor", "community"),
    ],
)
def test_those_who_may_not_add_are_refused(
    world: World, library: Library, role: str, where: str
) -> None:
    actor = world[role] or AnonymousUser()
    group = None if where == "community" else world.group
    refused("forbidden", lambda: publish(actor, group, "Not here"))


def test_a_closed_group_takes_no_suggestions(world: World, library: Library) -> None:
    world.group.archived = True
    world.group.save(update_fields=["archived"])
    refused("forbidden", lambda: publish(world["member"], world.group, "Too late"))


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": "   "}, "invalid"),
        ({"title": "No text", "body": "  ", "link": ""}, "invalid"),
        ({"title": "Odd kind", "kind": "poem"}, "invalid"),
        ({"title": "Bad link", "link": "javascript:alert(1)"}, "invalid_link"),
    ],
)
def test_incomplete_resources_are_refused(
    world: World, library: Library, fields: dict[str, Any], code: str
) -> None:
    def call() -> None:
        actions.create(actor=world["facilitator"], group=world.group, **{"body": "x", **fields})

    refused(code, call)


def test_text_is_tidied_rendered_and_stored_beside_the_source(
    world: World, library: Library
) -> None:
    resource = actions.create(
        actor=world["facilitator"],
        group=world.group,
        title="  Breathing \n  together  ",
        summary=" Four counts in,\n four out. ",
        body="Try **this**.\n",
        link=" https://www.breathe.example/a ",
        kind="exercise",
        tags=["Calm", " calm ", "CALM", "Sleep well", ""],
    )
    resource.refresh_from_db()
    assert (resource.title, resource.summary, resource.body) == (
        "Breathing together",
        "Four counts in, four out.",
        "Try **this**.",
    )
    assert resource.body_html == "<p>Try <strong>this</strong>.</p>"
    assert (resource.link, resource.link_domain) == (
        "https://www.breathe.example/a",
        "breathe.example",
    )
    assert sorted(resource.tags.values_list("slug", flat=True)) == ["calm", "sleep-well"]


def test_a_link_alone_is_enough_and_tags_are_capped(world: World, library: Library) -> None:
    names = [f"Tag {i}" for i in range(MAX_TAGS + 4)]
    resource = actions.create(
        actor=world["organizer"], group=None, title="A link", link="https://a.example/", tags=names
    )
    assert resource.body_html == ""
    assert resource.tags.count() == MAX_TAGS


# --- Edit, approve, pin, archive ------------------------------------------------------


def test_edit_rewrites_the_text_and_the_tags_and_keeps_the_status(
    world: World, library: Library
) -> None:
    suggestion = library["suggested"]
    edited = actions.edit(
        actor=world["facilitator"],
        resource=suggestion,
        title="A walk at dusk, gently",
        body="Go *slowly*.",
        tags=["Walking", "Evenings"],
    )
    edited.refresh_from_db()
    assert edited.status == "suggested", "a facilitator's edit is not an approval"
    assert edited.body_html == "<p>Go <em>slowly</em>.</p>"
    assert edited.updated_at > edited.created_at
    assert sorted(edited.tags.values_list("name", flat=True)) == ["Evenings", "Walking"]
    assert edited.author == world["member"], "the suggestion stays the member's"


@pytest.mark.parametrize("role", ["member", "unconsented", "other_fac", "organizer"])
def test_only_the_groups_facilitators_change_its_resources(
    world: World, library: Library, role: str
) -> None:
    actor = world[role]
    for name in ("shared", "suggested", "archived"):
        resource = library[name]
        refused("forbidden", lambda r=resource: actions.edit(actor=actor, resource=r, title="Mine"))
        refused(
            "forbidden", lambda r=resource: actions.set_pinned(actor=actor, resource=r, pinned=True)
        )
        refused(
            "forbidden",
            lambda r=resource: actions.set_archived(actor=actor, resource=r, archived=True),
        )
        refused("forbidden", lambda r=resource: actions.approve(actor=actor, resource=r))


@pytest.mark.parametrize("role", ["facilitator", "other_fac", "member"])
def test_only_organizers_change_community_resources(
    world: World, library: Library, role: str
) -> None:
    actor, resource = world[role], library["community"]
    refused("forbidden", lambda: actions.edit(actor=actor, resource=resource, title="Mine"))
    refused("forbidden", lambda: actions.set_pinned(actor=actor, resource=resource, pinned=True))


def test_approve_publishes_a_suggestion_once(world: World, library: Library) -> None:
    facilitator = world["facilitator"]
    approved = actions.approve(actor=facilitator, resource=library["suggested"])
    assert Resource.objects.get(pk=approved.pk).status == "published"
    refused("not_suggested", lambda: actions.approve(actor=facilitator, resource=approved))
    refused(
        "not_suggested", lambda: actions.approve(actor=facilitator, resource=library["archived"])
    )


def test_a_suggestion_reaches_the_library_only_when_approved(
    world: World, library: Library
) -> None:
    member = Client()
    member.force_login(world["member"])
    other = Client()
    other.force_login(world["unconsented"])
    suggestion = library["suggested"]
    page = f"/groups/{world.group.slug}/resources/"
    for client in (member, other):
        assert suggestion.title not in client.get(page).content.decode()
    assert other.get(suggestion.get_absolute_url()).status_code == 404
    actions.approve(actor=world["facilitator"], resource=suggestion)
    for client in (member, other):
        assert suggestion.title in client.get(page).content.decode()
    assert other.get(suggestion.get_absolute_url()).status_code == 200


def test_pinned_resources_come_first_and_archiving_unpins(world: World, library: Library) -> None:
    facilitator = world["facilitator"]
    older = library["shared"]
    newer = publish(facilitator, world.group, "Newer")
    client = Client()
    client.force_login(world["member"])
    page = f"/groups/{world.group.slug}/resources/"

    def positions() -> list[str]:
        html = client.get(page).content.decode()
        return sorted((older.title, newer.title), key=html.index)

    assert positions() == [newer.title, older.title]
    actions.set_pinned(actor=facilitator, resource=older, pinned=True)
    assert positions() == [older.title, newer.title]
    archived = actions.set_archived(actor=facilitator, resource=older, archived=True)
    assert (archived.status, archived.pinned) == ("archived", False)
    assert older.title not in client.get(page).content.decode()
    restored = actions.set_archived(actor=facilitator, resource=older, archived=False)
    assert (restored.status, restored.pinned) == ("published", False)
    assert positions() == [newer.title, older.title]


def test_archived_resources_are_seen_only_by_those_who_tidy(world: World, library: Library):
    archived = library["archived"]
    for role, status in (("facilitator", 200), ("member", 404), ("unconsented", 404)):
        client = Client()
        client.force_login(world[role])
        assert client.get(archived.get_absolute_url()).status_code == status, role


def test_manage_goes_back_only_to_an_address_on_this_site(world: World, library: Library) -> None:
    client = Client()
    client.force_login(world["facilitator"])
    shared = library["shared"]
    pin, unpin = (f"{shared.get_absolute_url()}{step}/" for step in ("pin", "unpin"))
    for target in (
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example/",
        "/\t/evil.example",
    ):
        location = client.post(pin, {"next": target})["Location"]
        # Read the way a browser would: backslashes count as slashes, tabs are dropped.
        browser_reads = location.replace("\\", "/").replace("\t", "")
        assert urlsplit(urljoin("https://hearth.example/x/", browser_reads)).netloc == (
            "hearth.example"
        ), (target, location)
    response = client.post(unpin, {"next": "/resources/"})
    assert response["Location"] == "/resources/"


# --- This helped me ---------------------------------------------------------------------


def counted(resource: Resource) -> tuple[int, int]:
    resource.refresh_from_db()
    return resource.helped_count, resource.helped.count()


def test_helped_is_one_per_person_counted_and_taken_back(world: World, library: Library) -> None:
    shared = library["shared"]
    member, facilitator = world["member"], world["facilitator"]
    assert actions.set_helped(user=member, resource=shared, helped=True) is True
    assert counted(shared) == (1, 1)
    assert actions.set_helped(user=member, resource=shared, helped=True) is True  # said once
    assert counted(shared) == (1, 1)
    assert actions.set_helped(user=facilitator, resource=shared, helped=True) is True
    assert counted(shared) == (2, 2)
    assert actions.set_helped(user=member, resource=shared, helped=False) is False
    assert counted(shared) == (1, 1)
    assert actions.set_helped(user=member, resource=shared, helped=False) is False  # once
    assert counted(shared) == (1, 1)
    assert list(shared.helped.values_list("user", flat=True)) == [facilitator.pk]


def test_the_page_shows_the_count_and_whether_you_said_it(world: World, library: Library) -> None:
    from tests.html import find

    shared = library["shared"]
    client = Client()
    client.force_login(world["member"])
    url = shared.get_absolute_url()

    def button() -> tuple[str, str]:
        (found,) = [
            b for b in find(client.get(url).content.decode(), "button") if "helped" in b.text
        ]
        return " ".join(found.text.split()), found.attrs["aria-pressed"]

    assert button() == ("This helped me", "false")
    assert client.post(f"{url}helped/", {"helped": "on"})["Location"] == url
    assert button() == ("This helped me (1)", "true")
    client.post(f"{url}helped/", {"helped": "off"})
    assert button() == ("This helped me", "false")


def test_a_double_click_on_this_helped_me_says_it_once(world: World, library: Library) -> None:
    """Both clicks send the form as the page drew it: the second must not take it back."""
    from tests.html import find

    shared = library["shared"]
    client = Client()
    client.force_login(world["member"])
    url = shared.get_absolute_url()

    def page() -> tuple[tuple[str, str], dict[str, str]]:
        html = client.get(url).content.decode()
        assert [f for f in find(html, "form") if f.attrs.get("action") == f"{url}helped/"]
        (found,) = [b for b in find(html, "button") if "helped" in b.text]
        fields = {i.attrs["name"]: i.attrs["value"] for i in find(html, "input", name="helped")}
        return (" ".join(found.text.split()), found.attrs["aria-pressed"]), fields

    button, form = page()
    assert button == ("This helped me", "false")
    for _ in range(2):  # the same form, sent twice
        client.post(f"{url}helped/", form)
    button, form = page()
    assert button == ("This helped me (1)", "true")
    assert counted(shared) == (1, 1)
    for _ in range(2):  # and taking it back, twice
        client.post(f"{url}helped/", form)
    assert page()[0] == ("This helped me", "false")
    assert counted(shared) == (0, 0)


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("suggested", "member"),  # its author may see it, but it is not published
        ("archived", "facilitator"),
        ("shared", "other_fac"),
        ("shared", "organizer"),
        ("elsewhere", "member"),
        ("community_archived", "member"),
    ],
)
def test_helped_is_refused_where_it_does_not_belong(
    world: World, library: Library, name: str, role: str
) -> None:
    resource = library[name]
    for helped in (True, False):
        refused(
            "not_found",
            partial(actions.set_helped, user=world[role], resource=resource, helped=helped),
        )


# --- Each button posts to its own address -------------------------------------------------


def _buttons(html: str) -> dict[str, str]:
    """The manage card's buttons: their words, and where each posts."""
    return {
        text_of(b.text).strip(): b.attrs.get("formaction", "")
        for b in find(html, "button")
        if "formaction" in b.attrs
    }


@pytest.mark.parametrize(
    ("who", "name", "shown", "after"),
    [
        (
            "organizer",
            "community",
            {"Pin to the top": "pin", "Archive": "archive"},
            {"pinned": True},
        ),
        ("organizer", "community_archived", {"Bring it back": "restore"}, {"status": "published"}),
        (
            "facilitator",
            "shared",
            {"Pin to the top": "pin", "Archive": "archive"},
            {"pinned": True},
        ),
        ("facilitator", "archived", {"Bring it back": "restore"}, {"status": "published"}),
        (
            "facilitator",
            "suggested",
            {"Publish this suggestion": "approve", "Decline": "archive"},
            {"status": "published"},
        ),
    ],
)
def test_each_button_of_a_resource_posts_to_its_own_action(
    world: World,
    library: Library,
    who: str,
    name: str,
    shown: dict[str, str],
    after: dict[str, Any],
) -> None:
    """The library's buttons post to one address each (no `what=` to dispatch on); the
    first button does what it says there, in the site's library or a group's."""
    resource = library[name]
    client = Client()
    client.force_login(world[who])
    html = client.get(resource.get_absolute_url()).content.decode()
    buttons = _buttons(html)
    assert buttons == {
        label: f"{resource.get_absolute_url()}{step}/" for label, step in shown.items()
    }
    first = next(iter(buttons.values()))
    assert client.post(first).status_code == 302
    changed = Resource.objects.get(pk=resource.pk)
    assert {field: getattr(changed, field) for field in after} == after


def test_the_suggestions_page_publishes_and_declines_each_at_its_own_address(
    world: World, library: Library
) -> None:
    suggested = library["suggested"]
    client = Client()
    client.force_login(world["facilitator"])
    page = f"{world.group.get_absolute_url()}resources/suggestions/"
    html = client.get(page).content.decode()
    (form,) = [f for f in find(html, "form") if "button-row" in f.attrs.get("class", "")]
    assert form.attrs["action"] == f"{suggested.get_absolute_url()}approve/"
    assert _buttons(html) == {"Decline": f"{suggested.get_absolute_url()}archive/"}
    assert client.post(_buttons(html)["Decline"], {"next": page})["Location"] == page
    assert Resource.objects.get(pk=suggested.pk).status == "archived"
