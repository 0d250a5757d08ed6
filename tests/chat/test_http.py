"""Chat over HTTP: the server-rendered room, JSON history pages and the no-JS form."""

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.actions import add_default_themes
from community.models import Theme
from groups.actions import chat
from groups.actions import resources as resource_actions
from groups.models import Group, Message
from tests.chat import state
from tests.chat.conftest import make_room
from tests.factories import signed_in
from tests.html import find, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db: None, fast_chat: None) -> dict[str, Any]:
    return make_room(members=3, facilitators=1)


def grow_history(people: dict[str, Any], upto: int) -> None:
    """Add varied messages until the room has `upto`: authors, reactions, edits, removals,
    hidden and held messages, warnings and shared resources all appear on every page."""
    group = Group.objects.get(pk=people["group"].pk)
    authors = [*people["members"], *people["facilitators"]]
    viewer = people["members"][0]
    add_default_themes()
    shared = [
        resource_actions.create(
            actor=people["facilitators"][0],
            group=group,
            title="Grounding",
            body="Five senses.",
            themes=Theme.objects.all()[:2],
        ),
        resource_actions.create(
            actor=people["organizer"], group=None, title="Lines", link="https://example.org/help"
        ),
    ]
    n = Message.objects.filter(group=group, held=False).count()
    while n < upto:
        n += 1
        author = authors[n % len(authors)]
        fields: dict[str, Any] = {"intent": ["", "sharing", "listening"][n % 3]}
        if n % 5 == 0:
            fields["content_warning"] = "loss"
        if n % 7 == 0:
            fields["resource_id"] = shared[n % 2].pk
        sent = chat.send_message(
            user=author, group=group, client_id=f"h{n}", body=f"Message {n}", **fields
        )
        message = sent.message
        if n % 2 == 0:
            chat.toggle_reaction(user=viewer, group=group, message_id=message.pk, kind="care")
        if n % 3 == 0:
            chat.toggle_reaction(user=authors[1], group=group, message_id=message.pk, kind="heard")
        if n % 4 == 0:
            chat.edit_message(user=author, group=group, message_id=message.pk, body=f"Edit {n}")
        if n % 9 == 0:
            chat.delete_message(user=author, group=group, message_id=message.pk)
        if n % 11 == 0:
            Message.objects.filter(pk=message.pk).update(
                hidden_at=timezone.now(), hidden_clause="Honor boundaries"
            )
    if not Message.objects.filter(group=group, held=True).exists():
        # One message of the viewer waiting for approval (shown to the viewer only).
        Group.objects.filter(pk=group.pk).update(hold_first_messages=10_000)
        chat.send_message(user=viewer, group=group, client_id="held", body="Waiting")
        Group.objects.filter(pk=group.pk).update(hold_first_messages=0)


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# With the database session backend, reading the session is one more query.
SESSION_QUERIES = 1 if settings.SESSION_ENGINE.endswith(".db") else 0


def test_page_and_history_queries_do_not_grow_with_history(people: dict[str, Any]) -> None:
    """The room page (latest 50) and JSON history pages cost a fixed number of queries.

    Room page: group, session*, user, membership, verified address, the page of
    messages (with authors and shared resources), the shared resources' themes, the
    viewer's held ones, the read marker update, the viewer's reactions, whose messages
    fold for the viewer (their mutes and blocks, issue 16); the navigation's counts
    (and, for someone who moderates, the safety queue's in a second read); the crisis
    lines behind "Need help now?"; the themes for the composer with those the viewer
    keeps folded; for a facilitator, the messages waiting for review. The viewer's name
    comes from the account already read (`membership_for`), not a read of its own.
    History: session*, user, group, membership, verified address, the page, the shared
    resources' themes, the viewer's reactions. (* only with database sessions.)
    """
    group = people["group"]
    page = reverse("groups:group", args=[group.slug])
    history = reverse("groups:history", args=[group.slug])
    member = signed_in(people["members"][0])
    facilitator = signed_in(people["facilitators"][0])
    views = {
        "member page": (member, page, page),
        "facilitator page": (facilitator, page, page),
        "history": (member, history, history),
        "earlier history": (member, f"{history}?before=9", f"{history}?before=71"),
    }
    grow_history(people, 8)  # a shared resource from the seventh
    for client, url, _ in views.values():
        client.get(url)  # warm the per-process caches (content types, templates)
    small = {name: count_queries(client, url) for name, (client, url, _) in views.items()}
    grow_history(people, 120)
    large = {name: count_queries(client, url) for name, (client, _, url) in views.items()}
    assert large == small
    assert large == {
        "member page": 13 + SESSION_QUERIES,
        "facilitator page": 15 + SESSION_QUERIES,
        "history": 7 + SESSION_QUERIES,
        "earlier history": 7 + SESSION_QUERIES,
    }
    shown = member.get(page).content.decode()
    assert shown.count('<li class="msg') == 51  # the latest 50 + the viewer's held one
    assert len(member.get(f"{history}?before=71").json()["messages"]) == 50


def test_history_pages_by_keyset(people: dict[str, Any]) -> None:
    group = people["group"]
    state.send_many(people["members"][1], group, 120)
    client = signed_in(people["members"][0])
    base = reverse("groups:history", args=[group.slug])

    seen: list[int] = []
    url = base
    while True:
        data = client.get(url).json()
        seqs = [m["seq"] for m in data["messages"]]
        assert seqs == sorted(seqs) and len(seqs) <= 50
        seen = seqs + seen
        if not data["has_more"]:
            break
        url = f"{base}?before={seqs[0]}"
    assert seen == list(range(1, 121))
    # The pages are exactly 71..120, 21..70, 1..20.
    assert [m["seq"] for m in client.get(f"{base}?before=71").json()["messages"]] == list(
        range(21, 71)
    )
    first = client.get(f"{base}?before=21").json()
    assert [m["seq"] for m in first["messages"]] == list(range(1, 21))
    assert first["has_more"] is False
    # A nonsense cursor is a bad request (tests/community/test_request_ids.py has more).
    for before in ("abc", "-5", "1" * 30, "²"):
        assert client.get(f"{base}?before={before}").status_code == 400


def test_group_page_shows_latest_fifty_and_links_to_earlier(people: dict[str, Any]) -> None:
    group = people["group"]
    state.send_many(people["members"][1], group, 60)
    client = signed_in(people["members"][0])
    url = reverse("groups:group", args=[group.slug])
    page = client.get(url).content.decode()
    assert "m60" in page and "m11<" in page and "m10<" not in page
    assert '?before=11"' in page
    earlier = client.get(f"{url}?before=11").content.decode()
    assert "m10<" in earlier and "m1<" in earlier and "m11<" not in earlier


def test_the_room_marks_where_the_unread_messages_begin(people: dict[str, Any]) -> None:
    """Once per visit: before the first message published since the reader's marker."""
    group = people["group"]
    reader, writer = people["members"][:2]
    state.send_many(writer, group, 5)
    client = signed_in(reader)
    url = reverse("groups:group", args=[group.slug])

    def divider(page: str) -> list[Any]:
        return find(page, "li", id="unread")

    # Someone new has not been here before: no divider, they start at the newest.
    assert divider(client.get(url).content.decode()) == []
    # Everything read (the visit above marked it): none.
    assert divider(client.get(url).content.decode()) == []
    # Two new ones since: the divider comes right before the first of them.
    state.send_many(writer, group, 2, prefix="new")
    page = client.get(url).content.decode()
    (marker,) = divider(page)
    assert text_of(marker.text) == "Unread since you were last here"
    assert page.index('id="unread"') < page.index(">new1<") and page.index(">m5<") < page.index(
        'id="unread"'
    )
    # Earlier pages are not where the reader left off.
    state.send_many(writer, group, 1, prefix="later")
    assert divider(client.get(f"{url}?before=3").content.decode()) == []


def test_history_withholds_hidden_text_from_members_but_not_facilitators(
    people: dict[str, Any],
) -> None:
    group = people["group"]
    sent = state.send(people["members"][1], group, "Something unkind", client_id="x").message
    Message.objects.filter(pk=sent.pk).update(hidden_at=timezone.now(), hidden_clause="Worth")
    base = reverse("groups:history", args=[group.slug])
    page_url = reverse("groups:group", args=[group.slug])

    member = signed_in(people["members"][0])
    (message,) = member.get(base).json()["messages"]
    assert message["hidden"] == {"clause": "Worth"}
    assert message["body"] == message["html"] == ""
    assert "Something unkind" not in member.get(page_url).content.decode()

    facilitator = signed_in(people["facilitators"][0])
    (message,) = facilitator.get(base).json()["messages"]
    assert message["hidden"] == {"clause": "Worth"} and message["body"] == "Something unkind"
    assert "Something unkind" in facilitator.get(page_url).content.decode()


def test_deleted_messages_carry_no_text_anywhere(people: dict[str, Any]) -> None:
    group, author = people["group"], people["members"][1]
    sent = state.send(author, group, "Regretted words", client_id="r", content_warning="cw")
    chat.delete_message(user=author, group=group, message_id=sent.message.pk)
    base = reverse("groups:history", args=[group.slug])
    page_url = reverse("groups:group", args=[group.slug])
    for viewer in (people["members"][0], people["facilitators"][0], author):
        client = signed_in(viewer)
        (message,) = client.get(base).json()["messages"]
        assert message["deleted"] is True
        assert message["body"] == message["html"] == message["content_warning"] == ""
        page = client.get(page_url).content.decode()
        assert "Regretted words" not in page and "Removed by its author." in page


def test_history_is_for_members_only(people: dict[str, Any], make_user: Any) -> None:
    group = people["group"]
    state.send(people["members"][1], group, "Members only", client_id="x")
    base = reverse("groups:history", args=[group.slug])
    assert signed_in(make_user()).get(base).status_code == 404
    assert Client().get(base).status_code == 302  # to sign in


# --- The no-JS form -------------------------------------------------------------------


def post(client: Client, group: Group, **fields: Any) -> Any:
    data = {"client_id": "form-1", "body": "Hello from a plain form", **fields}
    return client.post(reverse("groups:post", args=[group.slug]), data)


def test_form_post_stores_through_the_action_and_redirects(people: dict[str, Any]) -> None:
    group = people["group"]
    client = signed_in(people["members"][0])
    response = post(client, group, intent="listening", content_warning="a hard day")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/groups/{group.slug}/#composer")
    message = Message.objects.get(group=group)
    assert (message.seq, message.body, message.intent, message.content_warning) == (
        1, "Hello from a plain form", "listening", "a hard day",
    )  # fmt: skip
    assert "Hello from a plain form" in client.get(response["Location"]).content.decode()


def test_form_double_submit_makes_one_message(people: dict[str, Any]) -> None:
    group = people["group"]
    client = signed_in(people["members"][0])
    assert post(client, group).status_code == 302
    assert post(client, group).status_code == 302
    assert Message.objects.filter(group=group).count() == 1


def test_form_and_socket_share_client_ids(people: dict[str, Any]) -> None:
    """The same client id from the form and then the socket (or back) is one message."""
    group, member = people["group"], people["members"][0]
    first = chat.send_message(
        user=member, group=group, client_id="form-1", body="Hello from a plain form"
    )
    assert post(signed_in(member), group).status_code == 302
    assert list(Message.objects.filter(group=group).values_list("pk", flat=True)) == [
        first.message.pk
    ]


async def _socket_refusal(member: Any, group: Group) -> str:
    from tests.chat.conftest import Socket, open_socket

    communicator, connected, _ = await open_socket(member, group)
    assert connected
    sock = Socket(communicator)
    await sock.receive_type("hello")
    await sock.send({"type": "message.send", "client_id": "sock-1", "body": "hi"})
    error = await sock.receive_type("error")
    await communicator.disconnect()
    return error["detail"]


@pytest.mark.django_db(transaction=True)
def test_muted_member_is_refused_with_the_same_sentence_as_over_the_socket(
    transactional_db: None, fast_chat: None
) -> None:
    from asgiref.sync import async_to_sync

    people = make_room(members=1, facilitators=0)
    group, member = people["group"], people["members"][0]
    state.update_membership(
        member, group, muted_until=timezone.now() + timedelta(hours=1),
        mute_reason="Let's take a breath.",
    )  # fmt: skip
    over_socket = async_to_sync(_socket_refusal)(member, group)
    response = post(signed_in(member), group)
    assert response.status_code == 400
    page = response.content.decode()
    from html import escape

    assert escape(over_socket) in page
    assert "Let's take a breath." in over_socket
    assert not Message.objects.filter(group=group).exists()


def test_form_refusals_keep_the_text(people: dict[str, Any]) -> None:
    """A refused form comes back with the person's words still in the box."""
    group = people["group"]
    client = signed_in(people["members"][0])
    Group.objects.filter(pk=group.pk).update(paused_until=timezone.now() + timedelta(minutes=5))
    response = post(client, group, body="Words worth keeping")
    assert response.status_code == 400
    page = response.content.decode()
    assert "The room is paused for a moment" in page
    assert "Words worth keeping" in page
    assert not Message.objects.filter(group=group).exists()


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"body": ""}, "The message is empty."),
        ({"body": "  "}, "The message is empty."),
        ({"body": "a" * 4001}, "at most 4000 characters"),
        ({"intent": "rant"}, "Select a valid choice."),
        ({"content_warning": "w" * 121}, "at most 120 characters"),
        ({"client_id": "bad id"}, "The message id from your device is not valid."),
    ],
)
def test_form_refuses_bad_input_without_writing(
    people: dict[str, Any], fields: dict[str, str], sentence: str
) -> None:
    group = people["group"]
    response = post(signed_in(people["members"][0]), group, **fields)
    assert response.status_code == 400
    errors = response.content.decode().split('class="form-errors" role="alert">', 1)[1]
    assert sentence in errors.split("</div>", 1)[0]
    assert not Message.objects.filter(group=group).exists()


def test_form_with_a_nul_byte_is_refused_at_the_door(people: dict[str, Any]) -> None:
    group = people["group"]
    assert post(signed_in(people["members"][0]), group, body="a\x00b").status_code == 400
    assert not Message.objects.filter(group=group).exists()


def test_form_post_by_non_member_is_not_found(people: dict[str, Any], make_user: Any) -> None:
    group = people["group"]
    assert post(signed_in(make_user()), group).status_code == 404
    assert not Message.objects.filter(group=group).exists()


def _within(element: Any) -> list[Any]:
    found = []
    for child in element.children:
        found += [child, *_within(child)]
    return found


@pytest.mark.parametrize("slug", ["", "circle-2147483647"])
def test_each_message_links_and_posts_to_its_own_addresses(
    people: dict[str, Any], slug: str
) -> None:
    """The room builds its messages' addresses once per page (chat_views.message_links):
    each form and link still leads to that message (or its author), also in a group whose
    slug holds the very digits the page fills in, for its author, a member and a keeper."""
    group = people["group"]
    if slug:
        Group.objects.filter(pk=group.pk).update(slug=slug)
        group.refresh_from_db()
    grow_history(people, 14)  # a shared resource, a removal, a hidden message
    messages = {m.pk: m for m in Message.objects.filter(group=group)}
    member, facilitator = people["members"][0], people["facilitators"][0]
    for viewer in (member, facilitator):
        html = signed_in(viewer).get(reverse("groups:group", args=[group.slug])).content.decode()
        shown = find(html, "li", class_="msg")
        assert len(shown) >= 14
        for li in shown:
            message = messages[int(li.attrs["data-id"])]
            own = message.author.user_id == viewer.pk
            inside = _within(li)
            actions = {e.attrs["action"] for e in inside if e.tag == "form"}
            links = {e.attrs["href"] for e in inside if e.tag == "a"}
            if message.deleted_at or message.hidden_at or message.held:
                continue
            expected_forms = {reverse("groups:react", args=[group.slug, message.pk])}
            expected_links = set()
            if own:
                expected_forms.add(reverse("groups:delete", args=[group.slug, message.pk]))
            else:
                expected_forms.add(reverse("groups:boundary", args=[group.slug, message.author_id]))
                expected_links |= {
                    reverse("moderation:report_message", args=[message.pk]),
                    reverse("moderation:worry", args=[message.pk]),
                }
            if viewer == facilitator:
                expected_links.add(reverse("moderation:message", args=[message.pk]))
            assert actions == expected_forms, (viewer, message.pk)
            assert links - {r.get_absolute_url() for r in _resources(message)} == expected_links


def _resources(message: Message) -> list[Any]:
    return [message.resource] if message.resource else []
