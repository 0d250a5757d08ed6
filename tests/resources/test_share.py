"""Sharing a resource into a group's chat, as a card, through the chat's one write path.

A member shares from the resource's page (the form) or from the room (the socket's
`message.send` with a `resource`); another member's open socket hears `message.new`
carrying the card, and the server-rendered room and the JSON history show it. A
resource of another group, one not yet published, or a person who is not a member:
refused, nothing stored, nothing heard.
"""

import secrets
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.models import Message, Resource
from tests.chat.conftest import make_room
from tests.factories import make_user, signed_in
from tests.html import executable_constructs, find, text_of
from tests.resources.conftest import publish
from tests.resources.hostile import BODY, HOSTILE, hostile_card

pytestmark = pytest.mark.django_db(transaction=True)


def card_of(resource: Resource) -> dict[str, Any]:
    return {
        "id": resource.pk,
        "title": resource.title,
        "summary": resource.summary,
        "domain": resource.link_domain,
        "url": resource.get_absolute_url(),
        "themes": [],
    }


def build() -> dict[str, Any]:
    people = make_room(members=2, facilitators=1)
    group, organizer = people["group"], people["organizer"]
    other = group_actions.create_group(actor=organizer, name="Another circle")
    other_facilitator = make_user(display_name="Felix")
    member_actions.join_group(user=other_facilitator, group=other, agreement_version=1)
    member_actions.set_facilitator(
        actor=organizer, group=other, user=other_facilitator, facilitator=True
    )
    facilitator = people["facilitators"][0]
    alice = people["members"][0]
    people.update(
        other=other,
        outsider=make_user(display_name="Otto"),
        community=publish(
            organizer,
            None,
            "Box breathing",
            summary="Four counts in, hold, four out, hold.",
            link="https://www.breathe.example/box",
        ),
        local=publish(
            facilitator,
            group,
            "Our reading list",
            summary="Books the circle found gentle.",
            link="https://books.example/list",
        ),
        suggestion=publish(alice, group, "A podcast I like", link="https://pod.example/"),
        elsewhere=publish(other_facilitator, other, "Their worksheet", body="Not ours."),
    )
    return people


@pytest.fixture
def circle(transactional_db: None) -> dict[str, Any]:
    return build()


def post(user: Any, path: str, data: dict[str, Any]) -> Any:
    return signed_in(user).post(path, data)


async def share(user: Any, path: str, group: Any, body: str, client_id: str) -> Any:
    """`user` posts the share form at `path` into `group`, as the resource's page does."""
    return await sync_to_async(post)(
        user, path, {"group": group.slug, "body": body, "client_id": client_id}
    )


def get(user: Any, path: str) -> Any:
    return signed_in(user).get(path)


def stored(circle: dict[str, Any]) -> list[tuple[int | None, str]]:
    return list(
        Message.objects.filter(group=circle["group"])
        .values_list("resource_id", "body")
        .order_by("pk")
    )


async def test_a_member_shares_a_community_resource_from_its_page(
    circle: dict[str, Any], connect: Any
) -> None:
    alice, bob = circle["members"]
    group, resource = circle["group"], circle["community"]
    listening = await connect(bob, group)
    form = (f"/resources/{resource.pk}/share/", group, "This one helps me sleep.", "share-1")
    response = await share(alice, *form)
    assert response.status_code == 302
    assert response["Location"] == f"/groups/{group.slug}/#composer"
    event = await listening.receive_type("message.new")
    message = event["message"]
    assert message["body"] == "This one helps me sleep."
    assert message["resource"] == card_of(resource)
    assert message["resource"]["domain"] == "breathe.example"
    assert message["author"]["name"] == "Member 1"

    # The room, rendered on the server for another member, shows the same card.
    html = (await sync_to_async(get)(bob, f"/groups/{group.slug}/")).content.decode()
    (card,) = find(html, "div", class_="resource-share")
    assert (
        text_of_element(card)
        == "Box breathing Four counts in, hold, four out, hold. breathe.example"
    )
    (link,) = [a for a in find(html, "a") if a.text == "Box breathing"]
    assert link.attrs["href"] == f"/resources/{resource.pk}/"

    # And the JSON history carries it too.
    history = (await sync_to_async(get)(bob, f"/groups/{group.slug}/messages/")).json()
    assert history["messages"][-1]["resource"] == card_of(resource)

    # Sending the same form again (a double click) shares it once.
    again = await share(alice, *form)
    assert again.status_code == 302
    assert await sync_to_async(stored)(circle) == [(resource.pk, "This one helps me sleep.")]
    assert await listening.nothing()


def text_of_element(element: Any) -> str:
    return " ".join(element.text.split())


async def test_a_member_shares_a_group_resource_over_the_socket(
    circle: dict[str, Any], connect: Any
) -> None:
    alice, bob = circle["members"]
    group, resource = circle["group"], circle["local"]
    speaking = await connect(alice, group)
    listening = await connect(bob, group)
    await speaking.send(
        {"type": "message.send", "client_id": "s1", "body": "", "resource": resource.pk}
    )
    ack = await speaking.receive_type("message.ack")
    event = await listening.receive_type("message.new")
    assert event["message"]["id"] == ack["id"]
    assert event["message"]["resource"] == card_of(resource)
    assert event["message"]["body"] == ""
    assert (await speaking.receive_type("message.new"))["message"]["id"] == ack["id"]
    html = (await sync_to_async(get)(bob, f"/groups/{group.slug}/")).content.decode()
    assert "Our reading list" in text_of(html)
    assert "books.example" in text_of(html)


async def test_a_member_shares_a_group_resource_from_its_page(
    circle: dict[str, Any], connect: Any
) -> None:
    alice, bob = circle["members"]
    group, resource = circle["group"], circle["local"]
    listening = await connect(bob, group)
    page = (await sync_to_async(get)(alice, resource.get_absolute_url())).content.decode()
    assert len(find(page, "select", name="group")) == 1
    main = page[: page.index('<footer class="site-footer"')]  # not the footer's languages
    options = [o for o in find(main, "option") if o.attrs.get("value")]
    assert [(o.attrs["value"], o.text) for o in options] == [(group.slug, group.name)]
    response = await share(alice, f"{resource.get_absolute_url()}share/", group, "", "share-2")
    assert response.status_code == 302
    event = await listening.receive_type("message.new")
    assert event["message"]["resource"] == card_of(resource)


@pytest.mark.parametrize("which", ["elsewhere", "suggestion", "missing"])
async def test_what_cannot_be_shared_here_is_refused_over_the_socket(
    circle: dict[str, Any], connect: Any, which: str
) -> None:
    alice, bob = circle["members"]
    group = circle["group"]
    resource_id = circle[which].pk if which != "missing" else 987654
    speaking = await connect(alice, group)
    listening = await connect(bob, group)
    await speaking.send(
        {"type": "message.send", "client_id": "x1", "body": "look", "resource": resource_id}
    )
    error = await speaking.receive_type("error")
    assert (error["code"], error["client_id"]) == ("not_found", "x1")
    assert error["detail"] == "That resource can't be shared here."
    assert await listening.nothing()
    assert await sync_to_async(stored)(circle) == []


async def test_an_archived_resource_is_no_longer_shareable(
    circle: dict[str, Any], connect: Any
) -> None:
    from groups.actions import resources as actions

    alice = circle["members"][0]
    local = circle["local"]
    await sync_to_async(actions.set_archived)(
        actor=circle["facilitators"][0], resource=local, archived=True
    )
    speaking = await connect(alice, circle["group"])
    await speaking.send(
        {"type": "message.send", "client_id": "x2", "body": "", "resource": local.pk}
    )
    assert (await speaking.receive_type("error"))["code"] == "not_found"
    assert await sync_to_async(stored)(circle) == []


def test_a_resource_of_another_group_cannot_be_shared_through_either_page(
    circle: dict[str, Any],
) -> None:
    alice = circle["members"][0]
    group, elsewhere = circle["group"], circle["elsewhere"]
    data = {"group": group.slug, "body": "", "client_id": secrets.token_hex(6)}
    # Under this group's address it does not exist; under its own, Alice is not a reader.
    assert (
        post(alice, f"/groups/{group.slug}/resources/{elsewhere.pk}/share/", data).status_code
        == 404
    )
    assert post(alice, f"{elsewhere.get_absolute_url()}share/", data).status_code == 404
    assert post(alice, f"/resources/{elsewhere.pk}/share/", data).status_code == 404
    assert stored(circle) == []


def test_a_non_member_cannot_share(circle: dict[str, Any]) -> None:
    outsider, group = circle["outsider"], circle["group"]
    data = {"group": group.slug, "body": "hello", "client_id": secrets.token_hex(6)}
    # A group resource: the group's pages do not exist for them.
    local = circle["local"]
    assert post(outsider, f"{local.get_absolute_url()}share/", data).status_code == 404
    # A community resource: the page offers no group to share into, and posting one anyway
    # is refused with a sentence, not stored.
    page = get(outsider, f"/resources/{circle['community'].pk}/").content.decode()
    assert find(page, "select", name="group") == []
    client = signed_in(outsider)
    response = client.post(f"/resources/{circle['community'].pk}/share/", data, follow=True)
    assert "Please choose a group you can post in." in text_of(response.content.decode())
    assert stored(circle) == []
    # Nor may a member of another group share into this one.
    felix = circle["other"].memberships.get(role="facilitator").user
    assert post(felix, f"/resources/{circle['community'].pk}/share/", data).status_code == 302
    assert stored(circle) == []


def test_sharing_follows_the_chat_rules_muted_members_are_refused(circle: dict[str, Any]) -> None:
    """The share goes through chat's write path, so its refusals come with it."""
    from datetime import timedelta

    from django.utils import timezone

    from groups.models import Membership

    alice, group = circle["members"][0], circle["group"]
    Membership.objects.filter(group=group, user=alice).update(
        muted_until=timezone.now() + timedelta(hours=1), mute_reason="Taking a breath."
    )
    response = signed_in(alice).post(
        f"/resources/{circle['community'].pk}/share/",
        {"group": group.slug, "body": "", "client_id": secrets.token_hex(6)},
        follow=True,
    )
    # A muted member's groups are not offered, so the form says so.
    assert "Please choose a group you can post in." in text_of(response.content.decode())
    local = circle["local"]
    response = signed_in(alice).post(
        f"{local.get_absolute_url()}share/",
        {"group": group.slug, "body": "", "client_id": secrets.token_hex(6)},
        follow=True,
    )
    assert "You are paused from posting for now." in text_of(response.content.decode())
    assert stored(circle) == []


async def test_a_hostile_card_over_the_socket_is_plain_text_and_an_address_on_this_site(
    circle: dict[str, Any], connect: Any
) -> None:
    """The socket sends the card's fields as text (the client sets them as text), the
    link as its domain only, and the card's address is the resource's page here."""
    alice, bob = circle["members"]
    group = circle["group"]
    hostile = await sync_to_async(publish)(circle["facilitators"][0], group, **HOSTILE)
    speaking = await connect(alice, group)
    listening = await connect(bob, group)
    await speaking.send(
        {"type": "message.send", "client_id": "h1", "body": BODY, "resource": hostile.pk}
    )
    message = (await listening.receive_type("message.new"))["message"]
    assert message["resource"] == hostile_card(hostile.pk, group.slug)
    # The note with it is chat text: escaped, nothing that runs, links only http(s).
    assert executable_constructs(message["html"]) == []
    assert not find(message["html"], "script") and "<img" not in message["html"]
