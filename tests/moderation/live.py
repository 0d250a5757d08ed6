"""Taking moderation actions the two ways a person can: a socket frame or the site's forms.

`act(via, ...)` sends the action as a `moderation.*` (or report/worry) frame on
the actor's socket, or posts the matching form on the moderation pages with the
test client, and returns what the person was told: whether it worked, and the
sentence they read (the error's `detail`, or the page's message).
"""

from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from django.test import Client

from tests.chat.conftest import Socket
from tests.html import find, form_errors, text_of

VIAS = ("socket", "http")


@dataclass
class Outcome:
    worked: bool
    sentence: str
    status: int = 200
    code: str = ""


def http_form(kind: str, fields: dict[str, Any], slug: str) -> tuple[str, dict[str, Any]]:
    """The page and form fields that do what the frame `kind` does."""
    member = fields.get("member")
    message = fields.get("id")
    clause = {"clause": fields.get("clause", ""), "reason": fields.get("reason", "")}
    forms: dict[str, tuple[str, dict[str, Any]]] = {
        "moderation.hide": (f"/moderation/messages/{message}/", clause),
        "moderation.restore": (f"/moderation/messages/{message}/restore/", {}),
        "moderation.approve": (f"/moderation/messages/{message}/held/", {"decision": "approve"}),
        "moderation.decline": (
            f"/moderation/messages/{message}/held/",
            {"decision": "decline", "clause": fields.get("clause", "")},
        ),
        "moderation.nudge": (
            f"/moderation/members/{member}/nudge/",
            {"clause": fields.get("clause", ""), "text": fields.get("text", "")},
        ),
        "moderation.mute": (
            f"/moderation/members/{member}/mute/",
            {**clause, "minutes": fields.get("minutes", 10)},
        ),
        "moderation.unmute": (f"/moderation/members/{member}/unmute/", {}),
        # (the confirmation page's form: the member page asks first)
        "moderation.remove": (
            f"/moderation/members/{member}/remove/",
            {**clause, "confirmed": "yes"},
        ),
        "moderation.ban": (f"/moderation/members/{member}/ban/", {**clause, "confirmed": "yes"}),
        "moderation.slow_mode": (
            f"/moderation/rooms/{slug}/settings/",
            {
                "slow_mode_seconds": fields.get("seconds", 0),
                "hold_first_messages": fields.get("hold", 0),
            },
        ),
        "moderation.pause": (
            f"/moderation/rooms/{slug}/pause/",
            {
                "minutes": fields.get("minutes") or "",
                "message": fields.get("message", ""),
            },
        ),
        "moderation.resume": (f"/moderation/rooms/{slug}/resume/", {}),
        "report.message": (
            f"/moderation/report/message/{message}/",
            {"clause": fields.get("clause", ""), "note": fields.get("note", "")},
        ),
        "report.member": (
            f"/moderation/report/member/{member}/",
            {"clause": fields.get("clause", ""), "note": fields.get("note", "")},
        ),
        "worry": (f"/moderation/worry/{message}/", {}),
        # A queue item (its id in `id`), resolved or dismissed from the queue page.
        "resolve": (
            f"/moderation/items/{message}/resolve/",
            {"note": fields.get("note", ""), "outcome": fields.get("outcome", "resolve")},
        ),
    }
    return forms[kind]


@database_sync_to_async
def post_form(user: Any, path: str, data: dict[str, Any]) -> Outcome:
    """Post a form as `user`, follow the redirect, and read what the page says."""
    client = Client()
    client.force_login(user)
    response = client.post(path, data, follow=True)
    html = response.content.decode()
    first = response.redirect_chain[0][1] if response.redirect_chain else response.status_code
    errors = [" ".join(p.text.split()) for p in find(html, "p", class_="message-error")]
    errors += form_errors(html)
    errors += [" ".join(d.text.split()) for d in find(html, "div", class_="form-errors")]
    successes = [" ".join(p.text.split()) for p in find(html, "p", class_="message-success")]
    if response.status_code == 404:
        return Outcome(False, text_of(html), status=404)
    if errors:
        return Outcome(False, errors[0], status=first)
    return Outcome(True, successes[0] if successes else "", status=first)


async def over_socket(socket: Socket, kind: str, fields: dict[str, Any]) -> Outcome:
    await socket.send({"type": kind, **fields})
    while True:
        event = await socket.receive()
        if event["type"] in {"moderation.ack", "report.ack"}:
            return Outcome(True, event.get("detail", ""))
        if event["type"] == "error":
            return Outcome(False, event["detail"], code=event["code"])
        # Anything else (presence, the room's own events) is not the answer.


async def act(
    via: str, *, socket: Socket | None, user: Any, slug: str, kind: str, **fields: Any
) -> Outcome:
    """Take the action `kind` with `fields`, over the socket or the site's forms."""
    if via == "socket":
        assert socket is not None
        return await over_socket(socket, kind, fields)
    path, data = http_form(kind, fields, slug)
    return await post_form(user, path, data)


async def acts(
    via: str, world: Any, key: str, socket: Socket | None, kind: str, **fields: Any
) -> Outcome:
    """`act` by the person `key` of `world`, in `world.group`."""
    return await act(
        via, socket=socket, user=world.people[key], slug=world.group.slug, kind=kind, **fields
    )


async def sockets(connect: Any, world: Any, *keys: str) -> list[Any]:
    """An open socket on `world.group` for each person named, in order (with its `hello`)."""
    return [await connect(world.people[key], world.group) for key in keys]


async def events_until(socket: Socket, kind: str, timeout: float = 2) -> list[dict[str, Any]]:  # noqa: ASYNC109
    """Every event (but presence) up to and including the first of type `kind`."""
    seen = []
    while True:
        event = await socket.receive(timeout=timeout)
        if event["type"] == "presence":
            continue
        seen.append(event)
        if event["type"] == kind:
            return seen
