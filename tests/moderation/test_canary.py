"""Canaries: no group name and no message text reaches an email, a notice or a log line.

A group is named with a unique canary string, and a member writes messages with
another. Then everything that could leak runs: sign-up, verification and password
reset emails; every moderation action over the socket and the forms; reports,
worries and the crisis path; frames that fail. Every log record (all loggers, at
DEBUG), every email and every private notice is searched for the canaries. Page
titles and redirect addresses of the group's pages never carry its name either.
"""

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.core import mail
from django.test import Client

import community.asgi  # noqa: F401  (its django.setup() re-configures logging: do it before capturing)
from community.models import Notice
from groups.models import Group, Message
from moderation import screening
from moderation.models import Appeal, CrisisPhrase, Report, WordFilter
from tests.moderation.conftest import CLAUSE, World, build_world
from tests.moderation.live import act

pytestmark = pytest.mark.django_db(transaction=True)
GROUP_CANARY = "Zephyrine Quillfeather Circle"
TEXT_CANARY = "xylophone-marmalade-41"
CANARIES = (GROUP_CANARY, TEXT_CANARY)
Connect = Callable[..., Any]


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every record of every logger, at DEBUG."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog


@pytest.fixture
def canary_world(transactional_db: None) -> World:
    world = build_world(("organizer", "member", "facilitator", "t_member", "bystander"))
    Group.objects.filter(pk=world.group.pk).update(name=GROUP_CANARY)
    world.group.refresh_from_db()
    CrisisPhrase.objects.create(phrase="no way out")
    WordFilter.objects.create(group=None, phrase="gossip", action="flag", clause=CLAUSE)
    WordFilter.objects.create(group=world.group, phrase="moron", action="block", clause=CLAUSE)
    WordFilter.objects.create(group=world.group, phrase="idiot", action="hold", clause=CLAUSE)
    screening.forget_rules()
    return world


def leaks(text: str) -> list[str]:
    folded = text.casefold()
    found = [c for c in CANARIES if c.casefold() in folded]
    slugged = GROUP_CANARY.casefold().replace(" ", "-")
    if slugged in folded:
        found.append(slugged)
    return found


class Visitor:
    """A test client that remembers every page title and redirect address it met."""

    def __init__(self, user: Any = None) -> None:
        self.client = Client()
        if user is not None:
            self.client.force_login(user)
        self.seen: list[str] = []

    def _note(self, response: Any) -> Any:
        for url, _ in getattr(response, "redirect_chain", []):
            self.seen.append(f"Location: {url}")
        if response.get("Location"):
            self.seen.append(f"Location: {response['Location']}")
        title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
        if title:
            self.seen.append(f"title: {title.group(1)}")
        return response

    def get(self, path: str) -> Any:
        return self._note(self.client.get(path, follow=True))

    def post(self, path: str, data: dict[str, Any] | None = None) -> Any:
        first = self.client.post(path, data or {})
        self._note(first)
        if first.status_code in (301, 302):
            self._note(self.client.get(first["Location"], follow=True))
        return first


@database_sync_to_async
def account_emails(world: World) -> None:
    """Sign up (arriving from the group's page), verify, and reset a member's password."""
    visitor = Visitor()
    visitor.get(f"/groups/{world.group.slug}/")
    visitor.post(
        f"/accounts/signup/?next=/groups/{world.group.slug}/",
        {
            "email": "newcomer@hearth.test",
            "display_name": "Newcomer",
            "password1": "a-quiet-kettle-42",
            "password2": "a-quiet-kettle-42",
        },
    )
    body = str(mail.outbox[-1].body)
    link = re.search(r"http://testserver(/accounts/confirm-email/[^\s]+)", body)
    assert link, body
    visitor.post(link.group(1))
    Visitor().post("/accounts/password/reset/", {"email": world.people["member"].email})
    assert len(mail.outbox) >= 2


@database_sync_to_async
def visit_group_pages(world: World) -> list[str]:
    """Every page of the group and its moderation, as a member, a facilitator and an outsider."""
    slug = world.group.slug
    message = Message.objects.filter(group=world.group, body__contains=TEXT_CANARY).first()
    assert message is not None
    member_id = world.membership("member").pk
    seen = []
    for key, paths in {
        "member": [
            f"/groups/{slug}/",
            f"/groups/{slug}/members/",
            f"/groups/{slug}/agreement/",
            f"/groups/{slug}/resources/",
            f"/groups/{slug}/leave/",
            f"/groups/{slug}/messages/",
            f"/moderation/report/message/{message.pk}/",
            f"/moderation/report/member/{world.membership('bystander').pk}/",
            "/moderation/record/",
            "/",
        ],
        "facilitator": [
            "/moderation/",
            "/moderation/log/",
            f"/moderation/rooms/{slug}/",
            f"/moderation/messages/{message.pk}/",
            f"/moderation/members/{member_id}/",
            f"/groups/{slug}/requests/",
            f"/groups/{slug}/invites/",
        ],
        "organizer": [f"/groups/{slug}/manage/", "/moderation/appeals/", "/moderation/site/"],
        "owner": [f"/groups/{slug}/manage/agreement/"],
    }.items():
        visitor = Visitor(world.people[key])
        for path in paths:
            visitor.get(path)
        seen += visitor.seen
    outsider = Visitor(build_outsider())
    outsider.get(f"/groups/{slug}/")
    outsider.post(f"/groups/{slug}/join/", {})
    outsider.get(f"/groups/{slug}/members/")  # not theirs: a 404, logged by path
    anonymous = Visitor()
    anonymous.get(f"/groups/{slug}/")
    anonymous.get(f"/groups/{slug}/members/")
    return [*seen, *outsider.seen, *anonymous.seen]


def build_outsider() -> Any:
    from tests.factories import make_user

    return make_user(display_name="Outsider")


async def test_no_group_name_or_message_text_leaks_into_mail_notices_logs_titles_or_urls(
    canary_world: World, connect: Connect, every_log: pytest.LogCaptureFixture
) -> None:
    world, slug = canary_world, canary_world.group.slug
    ids = await database_sync_to_async(
        lambda: {k: world.membership(k).pk for k in world.people if k != "owner"}
    )()
    facilitator = await connect(world.people["facilitator"], world.group)
    member = await connect(world.people["member"], world.group)
    bystander = await connect(world.people["bystander"], world.group)

    # Messages carrying the canary through every verdict: plain, crisis, flagged, held, blocked.
    sent = {}
    for client_id, body in {
        "plain": f"Tonight I want to talk about {TEXT_CANARY}.",
        "crisis": f"{TEXT_CANARY}: there's no way out",
        "flag": f"some gossip about {TEXT_CANARY}",
        "held": f"{TEXT_CANARY} you idiot",
    }.items():
        await member.send({"type": "message.send", "client_id": client_id, "body": body})
        sent[client_id] = await member.receive_type("message.ack", skip=("message.new", "notice"))
    await member.send({"type": "message.send", "client_id": "no", "body": f"{TEXT_CANARY} moron"})
    assert (await member.receive_type("error", skip=("message.new", "notice")))["code"] == "blocked"
    plain, held = sent["plain"]["id"], sent["held"]["id"]

    # Frames that fail, each carrying the canary.
    for text in (
        f'{{"type": "message.send", "body": "{TEXT_CANARY}"',  # not JSON
        f'{{"type": "{TEXT_CANARY}"}}',  # unknown type
        f'{{"type": "message.send", "client_id": "{TEXT_CANARY} !", "body": "x"}}',
        f'{{"type": "message.edit", "id": "{TEXT_CANARY}", "body": "x"}}',
        f'{{"type": "report.message", "id": {plain}, "clause": 5, "note": "{TEXT_CANARY}"}}',
        f'{{"type": "moderation.mute", "member": {ids["bystander"]}, "minutes": 5, '
        f'"clause": "{TEXT_CANARY}"}}',
    ):
        await member.send_text(text)
        await member.receive_type("error", skip=("message.new", "notice"))

    # Reports, worries, and every moderation action, over the socket and the forms.
    for via, socket, user, kind, fields in [
        (
            "socket",
            bystander,
            "bystander",
            "report.message",
            {"id": plain, "clause": CLAUSE, "note": TEXT_CANARY},
        ),
        (
            "http",
            None,
            "t_member",
            "report.message",
            {"id": plain, "clause": CLAUSE, "note": TEXT_CANARY},
        ),
        (
            "socket",
            bystander,
            "bystander",
            "report.member",
            {"member": ids["member"], "clause": CLAUSE, "note": TEXT_CANARY},
        ),
        ("socket", bystander, "bystander", "worry", {"id": plain}),
        ("socket", facilitator, "facilitator", "moderation.approve", {"id": held}),
        (
            "socket",
            facilitator,
            "facilitator",
            "moderation.hide",
            {"id": plain, "clause": CLAUSE, "reason": "hid"},
        ),
        ("http", None, "facilitator", "moderation.restore", {"id": plain}),
        (
            "socket",
            facilitator,
            "facilitator",
            "moderation.nudge",
            {"member": ids["member"], "clause": CLAUSE, "text": "Be gentle."},
        ),
        (
            "socket",
            facilitator,
            "facilitator",
            "moderation.mute",
            {"member": ids["member"], "minutes": 10, "clause": CLAUSE},
        ),
        ("http", None, "facilitator", "moderation.unmute", {"member": ids["member"]}),
        ("socket", facilitator, "facilitator", "moderation.slow_mode", {"seconds": 5}),
        (
            "socket",
            facilitator,
            "facilitator",
            "moderation.pause",
            {"minutes": 5, "message": "Breathe."},
        ),
        ("http", None, "facilitator", "moderation.resume", {}),
        (
            "http",
            None,
            "facilitator",
            "moderation.remove",
            {"member": ids["t_member"], "clause": CLAUSE},
        ),
        (
            "socket",
            facilitator,
            "facilitator",
            "moderation.ban",
            {"member": ids["bystander"], "clause": CLAUSE},
        ),
    ]:
        outcome = await act(
            via, socket=socket, user=world.people[user], slug=slug, kind=kind, **fields
        )
        assert outcome.worked, (kind, outcome)

    @database_sync_to_async
    def close_the_loop() -> None:
        visitor = Visitor(world.people["facilitator"])
        for report in Report.objects.filter(status="open"):
            visitor.post(
                f"/moderation/items/{report.pk}/resolve/", {"note": "Talked.", "outcome": "resolve"}
            )
        from groups.models import AuditEntry

        entry = AuditEntry.objects.filter(target_user=world.people["member"], action="mute").first()
        assert entry is not None
        Visitor(world.people["member"]).post(
            "/moderation/record/", {"entry": entry.pk, "text": "Please."}
        )
        organizer = Visitor(world.people["organizer"])
        organizer.post(
            "/moderation/site/suspensions/",
            {"email": world.people["t_member"].email, "days": 2, "reason": "r"},
        )
        organizer.post(
            f"/moderation/rooms/{slug}/filters/",
            {"phrase": "rumour", "action": "flag", "clause": ""},
        )
        organizer.post("/moderation/site/phrases/", {"phrase": "can't go on"})
        appeal = Appeal.objects.get()
        organizer.post(
            "/moderation/appeals/", {"appeal": appeal.pk, "decision": "overturn", "note": "Sorry."}
        )
        assert Appeal.objects.get().status == "overturned"
        assert CrisisPhrase.objects.filter(phrase="can't go on").exists()

    await close_the_loop()
    await account_emails(world)
    seen = await visit_group_pages(world)

    # Nothing carried a canary: not the pages' titles or addresses...
    assert [line for line in seen if leaks(line)] == []
    assert any(line.startswith("title:") for line in seen) and any(
        "Location" in line for line in seen
    )
    # ...nor any email...
    assert mail.outbox
    for message in mail.outbox:
        parts = [str(message.subject), str(message.body), *map(str, message.to)]
        parts += [str(content) for content, _ in getattr(message, "alternatives", [])]
        assert leaks(" ".join(parts)) == [], message.subject
    # ...nor any private notice...
    notices = await database_sync_to_async(
        lambda: list(Notice.objects.values_list("title", "text", "link"))
    )()
    assert len(notices) >= 8
    assert [n for n in notices if leaks(" ".join(n))] == []
    # ...nor any log line, traceback included.
    records = every_log.records
    assert any("Not Found" in r.getMessage() for r in records), "is capture working?"
    for record in records:
        assert leaks(record.getMessage()) == [], record.getMessage()
    assert leaks(every_log.text) == []
