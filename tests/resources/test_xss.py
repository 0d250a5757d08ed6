"""Hostile text through every field of a resource, on every page that shows it.

A resource whose title, summary, body, tags and link carry the classic XSS families
is rendered on the library list, the detail page, the edit form, the server-side
preview, the suggestions page, and as a chat card (the server-rendered room and the
JSON history). Each page is parsed like a browser would (tests/html.py) and compared
with the same page for a plain resource: the hostile one may not add a single
executable construct anywhere (so nothing broke out of its element), every link in
user content carries the safe `rel`, and the hostile words are shown as text.

Links themselves must be http or https: every obfuscated scheme is refused.
"""

import json
import secrets
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urljoin

import pytest
from django.test import Client

from community.errors import Refused
from community.text import LINK_REL
from groups.actions import chat
from groups.actions import resources as actions
from groups.models import Resource
from tests.groups.conftest import World
from tests.html import Element, executable_constructs, find, form_errors, parse, url_scheme
from tests.resources.conftest import Library, publish
from tests.resources.hostile import (
    BODY,
    BODY_VECTORS,
    HOSTILE,
    LINK,
    PLAIN,
    SUMMARY,
    TAGS,
    TITLE,
    hostile_card,
)


def descendants(element: Element) -> Iterator[Element]:
    for child in element.children:
        yield child
        yield from descendants(child)


def constructs(html: str) -> Counter[str]:
    return Counter(executable_constructs(html))


def assert_inert_region(region: Element, resource: Resource) -> None:
    """User content: nothing that runs, every link http(s)/mailto with the safe rel."""
    for element in [region, *descendants(region)]:
        assert element.tag not in {"script", "img", "svg", "iframe", "style", "object"}, element
        for name, value in element.attrs.items():
            assert not name.startswith("on") and name != "style", (element.tag, name)
            if name in {"href", "src", "action", "formaction"}:
                assert url_scheme(value) in {"", "http", "https", "mailto"}, value
        if element.tag == "a" and element.attrs.get("href") != resource.get_absolute_url():
            assert element.attrs.get("rel") == LINK_REL, element.attrs


def words(text: str) -> str:
    return " ".join(text.split())


def shows_as_text(region: Element, *texts: str) -> None:
    for text in texts:
        assert words(text) in words(region.text), (text, words(region.text)[:400])


@pytest.fixture
def pair(world: World, library: Library) -> dict[str, Resource]:
    """A hostile and a plain resource in the world's group, published by its facilitator."""
    facilitator = world["facilitator"]
    return {
        "hostile": publish(facilitator, world.group, **HOSTILE),
        "plain": publish(facilitator, world.group, **PLAIN),
    }


@pytest.fixture
def member(world: World) -> Client:
    client = Client()
    client.force_login(world["member"])
    return client


@pytest.fixture
def facilitator(world: World) -> Client:
    client = Client()
    client.force_login(world["facilitator"])
    return client


def get(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_stored_fields_are_the_ones_typed_and_the_body_is_sanitized(
    pair: dict[str, Resource],
) -> None:
    hostile = Resource.objects.get(pk=pair["hostile"].pk)
    # Kept as typed (escaped when shown), not "cleaned" into something else.
    assert (hostile.title, hostile.summary, hostile.link) == (
        " ".join(TITLE.split()),
        SUMMARY,
        LINK,
    )
    assert hostile.link_domain == "ok.example"
    assert executable_constructs(hostile.body_html) == []


def test_library_list_and_search_and_tag_filter(
    world: World, pair: dict[str, Resource], member: Client
) -> None:
    hostile, plain = pair["hostile"], pair["plain"]
    library = f"/groups/{world.group.slug}/resources/"
    for query in ("", "?q=alert", f"?tag={hostile.tags.first().slug}"):  # type: ignore[union-attr]
        html = get(member, library + query)
        cards = {c.children[0].text.strip(): c for c in find(html, "li", class_="resource-card")}
        card = cards[" ".join(TITLE.split())]
        assert_inert_region(card, hostile)
        shows_as_text(card, TITLE, SUMMARY, *TAGS, "ok.example")
        if not query:
            assert_inert_region(cards[PLAIN["title"]], plain)
    # The same page for the hostile resource and for the plain one (the tag filter
    # lists the hostile tag names on both): the hostile text adds nothing that runs.
    hostile_only = get(member, library + f"?tag={hostile.tags.first().slug}")  # type: ignore[union-attr]
    plain_only = get(member, library + "?tag=calm")
    assert constructs(hostile_only) == constructs(plain_only)
    filters = find(get(member, library), "nav", **{"aria-label": "Filter by tag"})
    shows_as_text(filters[0], *TAGS)
    links = [e for e in descendants(filters[0]) if e.tag == "a"]
    assert [e.tag for e in descendants(filters[0])] == ["ul"] + ["li", "a"] * len(links)
    assert all(a.attrs["href"].startswith("?") for a in links)


def test_search_words_are_echoed_inert(world: World, pair: dict[str, Resource], member: Client):
    """What someone typed into search comes back in the box and in the tag links."""
    library = f"/groups/{world.group.slug}/resources/"
    typed = "\"><script>alert(7)</script><img src=x onerror=alert(8)>&q2='"
    html = get(member, library + "?" + urlencode({"q": typed}))
    assert constructs(html) == constructs(get(member, library + "?q=nothing"))
    (box,) = find(html, "input", name="q")
    assert box.attrs["value"] == typed


def test_detail_page(world: World, pair: dict[str, Resource], member: Client) -> None:
    hostile, plain = pair["hostile"], pair["plain"]
    html = get(member, hostile.get_absolute_url())
    assert constructs(html) == constructs(get(member, plain.get_absolute_url()))
    (article,) = find(html, "article", class_="resource")
    assert_inert_region(article, hostile)
    shows_as_text(article, TITLE, SUMMARY, *TAGS, "(ok.example)")
    (opener,) = [a for a in descendants(article) if a.text == "Open the link"]
    assert opener.attrs == {"href": LINK, "rel": LINK_REL}
    (prose,) = [e for e in descendants(article) if e.attrs.get("class") == "prose"]
    hrefs = [a.attrs.get("href") for a in descendants(prose) if a.tag == "a"]
    # What stays linked in the body is http(s); what could not be made safe lost its
    # href, or became an address relative to this page (which a browser opens over https).
    assert sorted(h for h in hrefs if h and url_scheme(h)) == [
        "https://bare.org/",
        "https://kind.example/",
        "https://ok.example/t",
        "https:evil.example",
    ]
    page = "https://hearth.example" + hostile.get_absolute_url()
    assert all(urljoin(page, h).startswith("https://") for h in hrefs if h)
    shows_as_text(prose, "raw html", "<script>in code</script>", "<script>indented code</script>")


@pytest.mark.parametrize("vector", BODY_VECTORS, ids=range(len(BODY_VECTORS)))
def test_each_body_vector_alone_renders_inert(
    world: World, library: Library, member: Client, vector: str
) -> None:
    resource = publish(world["facilitator"], world.group, "One vector", body=vector)
    html = get(member, resource.get_absolute_url())
    (prose,) = find(html, "div", class_="prose")
    assert_inert_region(prose, resource)
    for element in parse(resource.body_html):
        assert element.tag in {"p", "a", "pre", "code", "br"}, element.tag


def test_edit_form_prefilled_with_hostile_text(
    world: World, pair: dict[str, Resource], facilitator: Client
) -> None:
    hostile, plain = pair["hostile"], pair["plain"]
    html = get(facilitator, f"{hostile.get_absolute_url()}edit/")
    assert constructs(html) == constructs(get(facilitator, f"{plain.get_absolute_url()}edit/"))
    values = {
        i.attrs["name"]: i.attrs.get("value") for i in find(html, "input") if "name" in i.attrs
    }
    assert values["title"] == " ".join(TITLE.split())
    assert values["link"] == LINK
    assert find(html, "textarea", name="body")[0].text.removeprefix("\n") == BODY.strip()


@pytest.mark.parametrize("who", ["facilitator", "member"])
def test_server_side_preview(world: World, library: Library, who: str) -> None:
    client = Client()
    client.force_login(world[who])
    new = f"/groups/{world.group.slug}/resources/new/"

    def preview(fields: dict[str, Any]) -> str:
        data = {**fields, "kind": "article", "tags": ", ".join(fields["tags"]), "preview": "1"}
        response = client.post(new, data)
        assert response.status_code == 200
        return response.content.decode()

    before = Resource.objects.count()
    html = preview(HOSTILE)
    assert Resource.objects.count() == before, "a preview saves nothing"
    assert constructs(html) == constructs(preview(PLAIN))
    (section,) = find(html, "section", class_="preview")
    probe = Resource(group=world.group, pk=0)
    assert_inert_region(section, probe)
    shows_as_text(section, TITLE, SUMMARY)
    assert find(html, "textarea", name="body")[0].text.removeprefix("\n") == BODY


def test_suggestions_page(world: World, library: Library, facilitator: Client) -> None:
    page = f"/groups/{world.group.slug}/resources/suggestions/"
    before = get(facilitator, page)
    hostile = publish(world["member"], world.group, **HOSTILE)
    assert hostile.status == "suggested"
    html = get(facilitator, page)
    # One more suggestion: exactly its own approve/decline form (token, next, two
    # buttons) and nothing else that could run, anywhere on the page.
    assert constructs(html) == constructs(before) + Counter(
        {"<form> element": 1, "<input> element": 2, "<button> element": 2}
    )
    (card,) = [c for c in find(html, "li", class_="card") if "ok.example" in c.text]
    assert_inert_region(card, hostile)
    shows_as_text(card, TITLE, SUMMARY)


# --- The chat card ------------------------------------------------------------------


def _share(world: World, resource: Resource) -> None:
    chat.send_message(
        user=world["member"],
        group=world.group,
        client_id=secrets.token_hex(8),
        body="",
        resource_id=resource.pk,
    )


def test_chat_card_in_the_room_and_the_json_history(
    world: World, pair: dict[str, Resource], facilitator: Client
) -> None:
    hostile, plain = pair["hostile"], pair["plain"]
    room = f"/groups/{world.group.slug}/"
    empty = constructs(get(facilitator, room))
    _share(world, plain)
    with_plain = constructs(get(facilitator, room))
    _share(world, hostile)
    html = get(facilitator, room)
    # The hostile card adds what the plain one did (a message's own forms), nothing more.
    assert constructs(html) == with_plain + (with_plain - empty)
    cards = find(html, "div", class_="resource-share")
    assert len(cards) == 2
    assert_inert_region(cards[1], hostile)
    shows_as_text(cards[1], TITLE, SUMMARY, "ok.example")

    response = facilitator.get(f"{room}messages/")
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    payload = json.loads(response.content)["messages"][-1]
    assert payload["resource"] == hostile_card(hostile.pk, world.group.slug)
    assert executable_constructs(payload["html"]) == []


# --- Links: http and https only, shown by their domain ---------------------------------

REFUSED_LINKS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "  javascript:alert(1)",
    "\tjavascript:alert(1)",
    "\njavascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript&#x3A;alert(1)",
    "java\u200bscript:alert(1)",
    "\u200bjavascript:alert(1)",
    "\x01javascript:alert(1)",
    "javascript://https://ok.example/%0aalert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/",
    "https:evil.example",
    "https:/evil.example",
    "http://",
    "https:// evil.example",
    "ftp://files.example/",
    "file:///etc/passwd",
    "mailto:someone@example.org",
    "evil.example",
    "https://ok.example/\u0000",
    # Host names no browser could look up (and too long to show beside the link).
    "https://\u202eelpmaxe.evil/",
    "https://a..b/",
    "https://" + "a" * 64 + ".example/",
    "https://" + ".".join(["a" * 63] * 4) + "/",
]


@pytest.mark.parametrize("link", REFUSED_LINKS, ids=repr)
def test_a_link_that_is_not_plain_http_is_refused_and_nothing_saved(
    world: World, library: Library, facilitator: Client, link: str
) -> None:
    before = Resource.objects.count()
    response = facilitator.post(
        f"/groups/{world.group.slug}/resources/new/",
        {"title": "A link", "kind": "link", "link": link, "body": "", "tags": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    said = form_errors(html) + [words(p.text) for p in find(html, "div", class_="form-errors")]
    if "\x00" in link:
        # A NUL never reaches the form: the site refuses the whole request at the door.
        assert "Your browser sent something we couldn't read." in words(html)
    else:
        assert said == ["Links must start with http:// or https://."]
    assert Resource.objects.count() == before
    # The write path refuses it on edit too, whoever calls it.
    shared = library["shared"]
    with pytest.raises(Refused) as refusal:
        actions.edit(actor=world["facilitator"], resource=shared, title="A link", link=link)
    assert refusal.value.code in {"invalid_link", "invalid"}
    assert Resource.objects.get(pk=shared.pk).link == "https://letters.example/start"


@pytest.mark.parametrize(
    ("link", "domain"),
    [
        ("https://www.Example.org/a?b=c", "example.org"),
        ("HTTP://Sub.Example.org:8080/x", "sub.example.org"),
        ("  https://spaced.example/  ", "spaced.example"),
        ("https://good.example@evil.example/", "evil.example"),
        ("https://xn--bcher-kva.example/", "xn--bcher-kva.example"),
        # Look-alikes from other scripts show the name the browser really visits.
        ("https://p\u0430ypal.example/login", "xn--pypal-4ve.example"),
        ("https://www.b\u00fccher.example/", "xn--bcher-kva.example"),
        (
            "https://" + ".".join(["a" * 63] * 2) + ".example/",
            ".".join(["a" * 63] * 2) + ".example",
        ),
    ],
)
def test_an_http_link_is_kept_and_shown_with_the_domain_it_really_goes_to(
    world: World, library: Library, member: Client, link: str, domain: str
) -> None:
    resource = publish(world["facilitator"], world.group, "A link", link=link)
    assert resource.link == link.strip()
    assert resource.link_domain == domain
    html = get(member, resource.get_absolute_url())
    (opener,) = [a for a in find(html, "a") if a.text == "Open the link"]
    assert opener.attrs == {"href": link.strip(), "rel": LINK_REL}
    assert f"({domain})" in " ".join(find(html, "article")[0].text.split())
    card = find(get(member, f"/groups/{world.group.slug}/resources/"), "li", class_="resource-card")
    assert domain in card[0].text
