"""The moderation pages: the queue, the log and its CSV, my record, appeals.

- The queue: facilitators see their groups' items, organizers all; urgent first,
  then oldest; each message shown with at most two before and after it; a fixed
  number of queries however many items there are.
- The log: filters, and a CSV that spreadsheet programs can't run as formulas.
- My record: decisions about me, each appealable once; decisions are logged and
  an overturned mute lifts at once on the member's open socket.
"""

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groups import audit
from groups.actions import chat
from groups.actions import membership as member_actions
from groups.models import AuditEntry, Message
from moderation import permissions
from moderation.actions import appeals, members
from moderation.models import Appeal, Report, ReportKind, ReportNote, Urgency
from tests.factories import make_organizer, make_user
from tests.html import find, parse, text_of
from tests.moderation.conftest import CLAUSE, World, build_world, facilitator_speaks

Connect = Callable[..., Any]


@pytest.fixture
def circles(db: None) -> World:
    """Group A with nine messages (seq 1-9); group B, facilitated by other_fac, with one."""
    world = build_world(
        ("organizer", "member", "facilitator", "other_fac", "t_member", "bystander")
    )
    facilitator_speaks(world, [f"Filler number {n + 7}." for n in range(3)])
    member_actions.join_group(
        user=world.people["bystander"], group=world.other_group, agreement_version=1
    )
    world.messages["in_b"] = chat.send_message(
        user=world.people["bystander"],
        group=world.other_group,
        client_id="b-1",
        body="Morning, everyone.",
    ).message
    return world


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def item(world: World, key: str, *, kind: str = ReportKind.REPORT, age: int, urgent: bool = False,
         group: Any = None, note: str = "") -> Report:  # fmt: skip
    """A queue item about `key`'s message, opened `age` minutes ago."""
    message = world.messages[key]
    report = Report.objects.create(
        kind=kind,
        group=group or world.group,
        message=message,
        member=message.author,
        clause=CLAUSE,
        urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
        created_at=timezone.now() - timedelta(minutes=age),
    )
    if note:
        ReportNote.objects.create(report=report, reporter=world.people["bystander"], note=note)
    return report


def queue_ids(html: str) -> list[int]:
    return [
        int(li.attrs["id"].removeprefix("item-")) for li in find(html, "li", class_="queue-item")
    ]


def test_the_queue_shows_each_person_their_groups_urgent_first_then_oldest(
    circles: World,
) -> None:
    old = item(circles, "t_member", age=60)
    about_organizer = item(circles, "organizer", age=10)
    urgent_newest = item(circles, "member", kind=ReportKind.CRISIS, age=1, urgent=True)
    urgent_older = item(circles, "bystander", kind=ReportKind.WORRY, age=30, urgent=True)
    in_b = item(circles, "in_b", age=90, group=circles.other_group)
    about_facilitator = item(circles, "facilitator", age=5)
    closed = item(circles, "other_fac", age=120)
    Report.objects.filter(pk=closed.pk).update(status="resolved")

    def seen_by(key: str) -> list[int]:
        response = client_for(circles.people[key]).get("/moderation/")
        assert response.status_code == 200
        return queue_ids(response.content.decode())

    urgent = [urgent_older.pk, urgent_newest.pk]
    # Nobody sees an item about themselves: the organizer not `newer`, the facilitator not
    # `about_facilitator`. The other group's item is not the facilitator's to see, and an
    # item about an organizer is not for a facilitator either: only the site's
    # administrator acts on organizers (issue 13: the queue shows what its reader can act on).
    assert seen_by("organizer") == [*urgent, in_b.pk, old.pk, about_facilitator.pk]
    assert seen_by("facilitator") == [*urgent, old.pk]
    assert about_organizer.pk not in seen_by("organizer") + seen_by("facilitator")
    assert seen_by("other_fac") == [in_b.pk]
    for key in ("member", "bystander"):
        assert client_for(circles.people[key]).get("/moderation/").status_code == 404


def test_each_item_shows_the_message_and_at_most_two_either_side(circles: World) -> None:
    target = Message.objects.get(group=circles.group, seq=5)
    report = Report.objects.create(
        kind=ReportKind.REPORT, group=circles.group, message=target, member=target.author
    )
    html = client_for(circles.people["facilitator"]).get("/moderation/").content.decode()
    wanted = [
        text_of(m.body_html)
        for m in Message.objects.filter(group=circles.group, seq__range=(3, 7)).order_by("seq")
    ]
    previews = find(html, "div", class_="msg-preview")
    assert len(previews) == 5
    bodies = [" ".join(p.text.split()) for p in previews]
    for text, preview in zip(wanted, bodies, strict=True):
        assert text in preview
    assert "msg-current" in previews[2].attrs["class"]
    for outside in Message.objects.filter(group=circles.group).exclude(seq__range=(3, 7)):
        assert outside.body not in html
    assert report.pk in queue_ids(html)


def test_the_queue_costs_the_same_queries_for_one_item_or_many(circles: World) -> None:
    client = client_for(circles.people["organizer"])
    item(circles, "member", age=50, note="It hurt.")
    client.get("/moderation/")  # warm up the session

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/moderation/")
        assert response.status_code == 200
        return len(captured.captured_queries)

    one = queries()
    item(circles, "t_member", age=40, note="Twice.", kind=ReportKind.WORRY, urgent=True)
    item(circles, "in_b", age=30, group=circles.other_group, note="Mean.")
    item(circles, "facilitator", age=20, kind=ReportKind.FILTER)
    Report.objects.create(
        kind=ReportKind.REPORT,
        group=circles.group,
        member=circles.membership("bystander"),
        clause=CLAUSE,
    )  # about a member, no message
    held = Message.objects.create(
        group=circles.group,
        author=circles.membership("t_member"),
        held=True,
        client_id="held",
        body="Waiting.",
        body_html="Waiting.",
    )
    Report.objects.create(
        kind=ReportKind.HELD, group=circles.group, message=held, member=held.author
    )
    many = queries()
    assert len(queue_ids(client.get("/moderation/").content.decode())) == 6
    assert many == one


# --- The log and its CSV ------------------------------------------------------------------


def _entries(circles: World) -> None:
    facilitator, other_fac = circles.people["facilitator"], circles.people["other_fac"]
    audit.record(
        "mute", actor=facilitator, group=circles.group, target_user=circles.people["member"]
    )
    audit.record(
        "hide", actor=facilitator, group=circles.group, target_user=circles.people["member"]
    )
    audit.record(
        "mute", actor=other_fac, group=circles.other_group, target_user=circles.people["bystander"]
    )
    old = audit.record("nudge", actor=facilitator, group=circles.group)
    AuditEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))


def log_rows(client: Client, query: str = "") -> list[list[str]]:
    html = client.get(f"/moderation/log/{query}").content.decode()
    rows = find(html, "tbody")[0].children if find(html, "tbody") else []
    return [[" ".join(td.text.split()) for td in row.children] for row in rows]


def test_the_log_filters_and_shows_each_person_their_groups(circles: World) -> None:
    _entries(circles)
    organizer = client_for(circles.people["organizer"])
    facilitator = client_for(circles.people["facilitator"])
    every = log_rows(organizer, "?action=mute")
    assert sorted(row[4] for row in every) == ["Evening circle", "Morning circle"]
    assert [row[1] for row in log_rows(facilitator, "?action=mute")] == ["mute"]
    mine = log_rows(facilitator)
    assert "Morning circle" not in {row[4] for row in mine}
    slug_b = circles.other_group.slug
    assert {row[4] for row in log_rows(organizer, f"?group={slug_b}")} == {"Morning circle"}
    since = (timezone.now() - timedelta(days=2)).date().isoformat()
    until = (timezone.now() - timedelta(days=5)).date().isoformat()
    assert "nudge" not in {row[1] for row in log_rows(facilitator, f"?since={since}")}
    assert {row[1] for row in log_rows(facilitator, f"?until={until}")} == {"nudge"}
    assert client_for(circles.people["member"]).get("/moderation/log/").status_code == 404
    assert client_for(circles.people["member"]).get("/moderation/log.csv").status_code == 404


def test_the_csv_export_cannot_run_as_a_formula(circles: World) -> None:
    sly = make_user(display_name='=HYPERLINK("http://x.test","hi")')
    dangerous = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tTabbed", "\rReturn"]
    for value in dangerous:
        audit.record("nudge", actor=sly, group=circles.group, clause=value[:80], reason=value)
    response = client_for(circles.people["organizer"]).get("/moderation/log.csv?action=nudge")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["time", "action", "actor"]
    cells = [cell for row in rows[1:] for cell in row]
    assert cells, "no rows exported"
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), repr(cell)
    for value in dangerous:
        assert "'" + value in cells
    assert '\'=HYPERLINK("http://x.test","hi")' in cells


# --- My record and appeals ---------------------------------------------------------------


def test_my_record_shows_decisions_about_me_and_each_can_be_appealed_once(circles: World) -> None:
    facilitator = circles.user("facilitator")
    members.mute(
        actor=facilitator, membership=circles.membership("member"), minutes=60, clause=CLAUSE
    )
    members.nudge(
        actor=facilitator, membership=circles.membership("member"), clause=CLAUSE, text="Hi."
    )
    members.mute(
        actor=facilitator, membership=circles.membership("t_member"), minutes=60, clause=CLAUSE
    )
    mute = AuditEntry.objects.get(action="mute", target_user=circles.people["member"])
    someone_elses = AuditEntry.objects.get(action="mute", target_user=circles.people["t_member"])

    client = client_for(circles.people["member"])
    html = client.get("/moderation/record/").content.decode()
    entries = [" ".join(li.text.split()) for li in find(html, "li", class_="record-entry")]
    assert len(entries) == 2 and any("mute" in e for e in entries)
    assert len(find(html, "input", name="entry")) == 2

    response = client.post(
        "/moderation/record/", {"entry": mute.pk, "text": "I was upset."}, follow=True
    )
    page = response.content.decode()
    assert "Your appeal is with the organizers." in text_of(page)
    assert "Waiting for an organizer" in text_of(page)
    assert [i.attrs["value"] for i in find(page, "input", name="entry")] != [str(mute.pk)] * 2
    again = client.post("/moderation/record/", {"entry": mute.pk, "text": "Again."}, follow=True)
    assert "You have already appealed this decision." in text_of(again.content.decode())
    assert Appeal.objects.count() == 1
    assert (
        client.post("/moderation/record/", {"entry": someone_elses.pk, "text": "x"}).status_code
        == 404
    )


def facilitator_mutes_member(world: World) -> AuditEntry:
    """The facilitator mutes the member for an hour; the log's entry for it."""
    members.mute(
        actor=world.user("facilitator"),
        membership=world.membership("member"),
        minutes=60,
        clause=CLAUSE,
    )
    return AuditEntry.objects.get(action="mute")


def test_organizers_decide_appeals_and_the_decision_is_logged(circles: World) -> None:
    entry = facilitator_mutes_member(circles)
    client_for(circles.people["member"]).post(
        "/moderation/record/", {"entry": entry.pk, "text": "Please."}
    )
    appeal = Appeal.objects.get()
    assert client_for(circles.people["facilitator"]).get("/moderation/appeals/").status_code == 404
    organizer = client_for(circles.people["organizer"])
    assert "Please." in organizer.get("/moderation/appeals/").content.decode()
    response = organizer.post(
        "/moderation/appeals/",
        {"appeal": appeal.pk, "decision": "overturn", "note": "Fair point."},
        follow=True,
    )
    assert "Decided. The member was told." in text_of(response.content.decode())
    assert not circles.membership("member").is_muted
    logged = AuditEntry.objects.get(action="appeal_overturned")
    assert (logged.actor, logged.target_user, logged.reason) == (
        circles.people["organizer"],
        circles.people["member"],
        "Fair point.",
    )
    record = client_for(circles.people["member"]).get("/moderation/record/").content.decode()
    assert "The decision was reversed" in text_of(record)


def test_the_appeals_page_offers_a_decision_only_to_those_the_action_accepts(
    circles: World,
) -> None:
    """Nobody is offered a decision they made, their own appeal, or (unless a superuser)
    an organizer's appeal; they still read it, told that someone else decides."""
    organizer = circles.user("organizer")
    members.mute(
        actor=organizer, membership=circles.membership("member"), minutes=60, clause=CLAUSE
    )
    by_me = appeals.appeal(
        user=circles.user("member"), entry=AuditEntry.objects.get(action="mute"), text="Mine?"
    )
    olive = make_organizer(display_name="Olga")
    member_actions.join_group(user=olive, group=circles.group, agreement_version=1)
    nudged = audit.record(
        "nudge", actor=circles.people["facilitator"], group=circles.group, target_user=olive
    )
    from_organizer = appeals.appeal(user=olive, entry=nudged, text="An organizer's.")
    superuser = make_user(display_name="Sol", is_organizer=True, is_staff=True, is_superuser=True)
    other = make_organizer(display_name="Opal")

    def offered(user: Any) -> set[int]:
        html = client_for(user).get("/moderation/appeals/").content.decode()
        assert "Mine?" in html and "An organizer&#x27;s." in html  # everyone reads both
        told = text_of(html).count("Someone else decides this appeal")
        decide = {int(i.attrs["value"]) for i in find(html, "input", name="appeal")}
        buttons = [b for b in find(html, "button") if b.text.strip() == "Decide"]
        assert len(buttons) == len(decide) == 2 - told
        return decide

    expected = {
        "the organizer who decided": (organizer, set()),
        "the organizer who appealed": (olive, {by_me.pk}),
        "an uninvolved organizer": (other, {by_me.pk}),
        "a superuser": (superuser, {by_me.pk, from_organizer.pk}),
    }
    seen = {who: offered(user) for who, (user, _) in expected.items()}
    assert seen == {who: decide for who, (_, decide) in expected.items()}
    # The same predicate as the action: what is offered is accepted, the rest refused.
    for who, (user, decide) in expected.items():
        for appeal in (by_me, from_organizer):
            allowed = permissions.can_decide_appeal(user, appeal)
            assert allowed == (appeal.pk in decide), (who, appeal.pk)


@pytest.mark.django_db(transaction=True)
async def test_an_overturned_mute_lifts_at_once_on_the_open_socket(
    live_world: World, connect: Connect
) -> None:
    @database_sync_to_async
    def mute_and_appeal() -> Appeal:
        entry = facilitator_mutes_member(live_world)
        return Appeal.objects.create(entry=entry, user=live_world.people["member"], text="Please.")

    appeal = await mute_and_appeal()
    member = await connect(live_world.people["member"], live_world.group)
    assert member.hello["me"]["can_post"] is False

    @database_sync_to_async
    def overturn() -> int:
        decider = make_organizer(display_name="Opal")
        response = client_for(decider).post(
            "/moderation/appeals/", {"appeal": appeal.pk, "decision": "overturn"}
        )
        return response.status_code

    assert await overturn() == 302
    me = (await member.receive_type("me"))["me"]
    assert me["can_post"] is True and me["muted_until"] is None


def test_the_member_page_gives_each_form_its_own_field_ids(circles: World) -> None:
    """Three forms share field names; each label must still point at its own field."""
    member_id = circles.membership("member").pk
    html = client_for(circles.people["facilitator"]).get(f"/moderation/members/{member_id}/")
    page = html.content.decode()
    ids = [element.attrs["id"] for element in parse(page) if "id" in element.attrs]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for label in find(page, "label"):
        if "for" in label.attrs:
            assert label.attrs["for"] in ids, label.attrs["for"]
    for action in ("nudge", "mute", "remove"):
        assert find(page, "form", action=f"/moderation/members/{member_id}/{action}/")


def test_the_room_says_when_slow_mode_is_on_and_when_the_group_has_closed(
    small_world: World,
) -> None:
    from groups.actions import groups as group_actions
    from moderation.actions import rooms

    group = small_world.group
    member = client_for(small_world.people["member"])

    def room_state() -> str:
        html = member.get(f"/groups/{group.slug}/").content.decode()
        (state,) = find(html, "div", id="room-state")
        return " ".join(state.text.split())

    assert room_state() == ""
    rooms.set_slow_mode(actor=small_world.people["facilitator"], group=group, seconds=30)
    assert room_state() == (
        "Slow mode is on: one message every 30 seconds, so everyone can keep up."
    )
    group_actions.set_archived(actor=small_world.people["owner"], group=group, archived=True)
    assert room_state() == "This group has closed; its conversation is read-only."


@pytest.mark.parametrize(
    ("action", "status", "consequence"),
    [
        ("remove", "removed", "They can come back later by asking to join or with an invitation."),
        ("ban", "banned", "They can't come back, by request or by invitation, unless an organizer"),
    ],
)
def test_remove_and_ban_ask_first_with_the_name_and_what_follows(
    circles: World, action: str, status: str, consequence: str
) -> None:
    target = circles.membership("member")
    name = target.display_name
    client = client_for(circles.people["facilitator"])
    path = f"/moderation/members/{target.pk}/{action}/"

    # On the member page they sit apart from the gentler choices, named, asking first.
    page = client.get(f"/moderation/members/{target.pk}/").content.decode()
    words = text_of(page)
    assert f"Remove {name}…" in words and f"Ban {name}…" in words
    (danger,) = find(page, "button", class_="button-danger")  # only Ban is filled red
    assert danger.text.strip() == f"Ban {name}…"

    # The first post only asks.
    asked = client.post(path, {"clause": CLAUSE, "reason": "Kept crossing lines"})
    assert asked.status_code == 200
    question = text_of(asked.content.decode())
    verb = "Ban" if action == "ban" else "Remove"
    assert f"{verb} {name} from {circles.group.name}?" in question
    assert consequence in question
    assert f"“{CLAUSE}”" in question and "Kept crossing lines" in question
    assert "No, go back" in question
    target.refresh_from_db()
    assert target.status == "active"
    assert not AuditEntry.objects.filter(action=action, target_user=target.user).exists()

    # Confirming does it, with what was chosen on the first page.
    done = client.post(
        path, {"clause": CLAUSE, "reason": "Kept crossing lines", "confirmed": "yes"}
    )
    assert done.status_code == 302
    target.refresh_from_db()
    assert target.status == status
    entry = AuditEntry.objects.get(action=action, target_user=target.user)
    assert (entry.clause, entry.reason) == (CLAUSE, "Kept crossing lines")
