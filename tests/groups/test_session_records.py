"""The record of past sessions (issue 17 item 6): who may read it, what it says, and
what it never says (no message text, no answer's words, no one person's score)."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import User
from groups.actions import chat
from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.models import (
    Attendance,
    Group,
    LiveSession,
    Membership,
    Round,
    RoundAnswer,
    RoundKind,
)
from groups.session_records import OVERTIME, past_sessions
from moderation.actions import reports
from moderation.models import Report, ReportKind, ReportStatus
from tests.factories import make_organizer, make_user
from tests.groups.conftest import join_open
from tests.groups.test_queries import NAV, SESSION, assert_constant, count_queries, signed_in
from tests.html import text_of, unmasked
from tests.queries import QUEUE

pytestmark = pytest.mark.django_db

MESSAGE_MARKER = "Marker-said-in-the-session"
WORDS_MARKER = "Marker-answer-words"
PSEUDONYM = "Wrenna"
ACCOUNT_NAME = "Quinlan Account"


@dataclass
class Circle:
    group: Group
    other: Group
    people: dict[str, Any]
    session: LiveSession

    def client(self, role: str) -> Client:
        client = Client()
        if self.people[role] is not None:
            client.force_login(self.people[role])
        return client


def _sessions_url(group: Group) -> str:
    return reverse("groups:sessions", args=[group.slug])


def _session_url(group: Group, session: LiveSession) -> str:
    return reverse("groups:session", args=[group.slug, session.pk])


def _membership(group: Group, user: Any) -> Membership:
    return Membership.objects.get(group=group, user=user)


def hold_session(
    group: Group,
    facilitator: Any,
    members: list[Any],
    *,
    scores: list[int | None],
    minutes_ago: int = 90,
    length: int = 60,
) -> LiveSession:
    """An ended session: everyone came, a check-in (one answer each, in order of
    `scores`; None passes), a talking piece that reached two people, and a check-out."""
    started = timezone.now() - timedelta(minutes=minutes_ago)
    fac = _membership(group, facilitator)
    session = LiveSession.objects.create(
        group=group,
        started_by=fac,
        started_at=started,
        ends_at=started + timedelta(minutes=length),
        ended_at=started + timedelta(minutes=length),
    )
    people = [fac, *(_membership(group, m) for m in members)]
    for person in people:
        Attendance.objects.create(session=session, membership=person, first_seen=started)
    check_in = Round.objects.create(
        session=session,
        kind=RoundKind.CHECK_IN,
        prompt="How is your weather today, 1 to 5, and one word?",
        opened_at=started + timedelta(minutes=2),
        closed_at=started + timedelta(minutes=10),
    )
    for person, score in zip(people[1:], scores, strict=False):
        RoundAnswer.objects.create(
            round=check_in,
            membership=person,
            score=score,
            words="" if score is None else f"{WORDS_MARKER} {person.pk}",
            passed=score is None,
        )
    order = [p.pk for p in people[1:]]
    Round.objects.create(
        session=session,
        kind=RoundKind.TALKING_PIECE,
        opened_at=started + timedelta(minutes=12),
        closed_at=started + timedelta(minutes=40),
        order=order,
        position=max(0, min(1, len(order) - 1)),
    )
    Round.objects.create(
        session=session,
        kind=RoundKind.CHECK_OUT,
        prompt="One word to carry out?",
        opened_at=started + timedelta(minutes=50),
        closed_at=started + timedelta(minutes=58),
    )
    return session


@pytest.fixture
def circle() -> Circle:
    organizer = make_organizer(display_name="Olive")
    group = group_actions.create_group(actor=organizer, name="Carrying Grief", capacity=30)
    other = group_actions.create_group(actor=organizer, name="Quiet Minds", capacity=30)
    people: dict[str, Any] = {"visitor": None, "organizer": organizer}
    for role in ("outsider", "member", "facilitator", "other_fac", "reporter"):
        people[role] = make_user(display_name=role.replace("_", " ").title())
    people["author"] = make_user(display_name=ACCOUNT_NAME)
    for role in ("member", "facilitator", "reporter"):
        join_open(people[role], group)
    join_open(people["author"], group, pseudonym=PSEUDONYM)
    member_actions.set_facilitator(
        actor=organizer, group=group, user=people["facilitator"], facilitator=True
    )
    join_open(people["other_fac"], other)
    member_actions.set_facilitator(
        actor=organizer, group=other, user=people["other_fac"], facilitator=True
    )
    group.refresh_from_db()
    session = hold_session(
        group,
        people["facilitator"],
        [people["member"], people["author"], people["reporter"]],
        scores=[2, 4, 5],
    )
    return Circle(group=group, other=other, people=people, session=session)


# --- Who may read it ---------------------------------------------------------------

# As the group's other keepers' pages answer (the schedule, invitations, requests):
# a visitor is asked to sign in; anyone who does not keep the group meets the same
# 404 as a group that does not exist.
EXPECTED = {
    "visitor": "login",
    "outsider": 404,
    "member": 404,
    "author": 404,
    "other_fac": 404,
    "facilitator": 200,
    "organizer": 200,
}


@pytest.mark.parametrize("role", EXPECTED)
@pytest.mark.parametrize("page", ["list", "detail"])
def test_only_the_groups_keepers_read_its_sessions(circle: Circle, role: str, page: str) -> None:
    url = (
        _sessions_url(circle.group)
        if page == "list"
        else _session_url(circle.group, circle.session)
    )
    response = circle.client(role).get(url)
    expected = EXPECTED[role]
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
        return
    assert response.status_code == expected
    if expected == 404:
        missing = circle.client(role).get(url.replace(circle.group.slug, "nosuchgrp2"))
        assert missing.status_code == 404
        assert unmasked(response.content) == unmasked(missing.content)
    else:
        assert response["Cache-Control"] == "no-store"
        assert "noindex" in response["X-Robots-Tag"]


def test_another_groups_session_is_missing_here(circle: Circle) -> None:
    elsewhere = hold_session(
        circle.other, circle.people["other_fac"], [], scores=[], minutes_ago=200
    )
    for role in ("facilitator", "organizer"):
        client = circle.client(role)
        assert client.get(_session_url(circle.group, elsewhere)).status_code == 404
        assert client.get(f"{_sessions_url(circle.group)}999999/").status_code == 404
    # Its own facilitator reads it under its own group, not under another's.
    other_fac = circle.client("other_fac")
    assert other_fac.get(_session_url(circle.other, elsewhere)).status_code == 200
    assert other_fac.get(_session_url(circle.group, elsewhere)).status_code == 404


def test_a_running_session_is_not_yet_in_the_record(circle: Circle) -> None:
    now = timezone.now()
    running = LiveSession.objects.create(
        group=circle.group, started_at=now, ends_at=now + timedelta(minutes=60)
    )
    # Planned to end over two hours ago and never ended: over (the room's rule).
    forgotten = LiveSession.objects.create(
        group=circle.group,
        started_at=now - OVERTIME - timedelta(hours=1),
        ends_at=now - OVERTIME - timedelta(minutes=1),
    )
    # Past its planned end but within the overtime: the room may still be holding it.
    overtime = LiveSession.objects.create(
        group=circle.group,
        started_at=now - timedelta(hours=2),
        ends_at=now - OVERTIME + timedelta(minutes=5),
    )
    client = circle.client("facilitator")
    for unfinished in (running, overtime):
        assert client.get(_session_url(circle.group, unfinished)).status_code == 404
    shown = [s.pk for s in past_sessions(circle.group).object_list]
    assert running.pk not in shown and overtime.pk not in shown
    assert shown == [circle.session.pk, forgotten.pk]  # newest first
    page = client.get(_session_url(circle.group, forgotten))
    assert page.status_code == 200
    assert "nobody ended it in the room" in text_of(page.content.decode())


# --- What it says ------------------------------------------------------------------


def test_the_record_names_people_as_the_group_knows_them(circle: Circle) -> None:
    text = text_of(
        circle.client("facilitator")
        .get(_session_url(circle.group, circle.session))
        .content.decode()
    )
    assert PSEUDONYM in text
    assert ACCOUNT_NAME not in text
    for role in ("member", "reporter", "facilitator"):
        assert circle.people[role].display_name in text
    assert circle.people["author"].email not in text
    assert "Who came (4)" in text
    assert "Started by Facilitator" in text


def test_rounds_are_summed_up_never_answered_person_by_person(circle: Circle) -> None:
    text = text_of(
        circle.client("organizer").get(_session_url(circle.group, circle.session)).content.decode()
    )
    assert "Rounds held (3)" in text
    assert "How is your weather today, 1 to 5, and one word?" in text
    assert "3 answered, 0 passed." in text
    assert "average 3.7, lowest 2, highest 5" in text
    assert "2 of 3 people in the order held the piece." in text
    # The check-out nobody answered.
    assert "0 answered, 0 passed." in text
    assert WORDS_MARKER not in text


def test_too_few_scores_are_not_summed_up(circle: Circle) -> None:
    group = circle.group
    session = hold_session(
        group,
        circle.people["facilitator"],
        [circle.people["member"], circle.people["author"]],
        scores=[1, None],
        minutes_ago=300,
    )
    text = text_of(circle.client("facilitator").get(_session_url(group, session)).content.decode())
    assert "1 answered, 1 passed." in text
    assert "Fewer than three scores" in text
    assert "average" not in text


def test_no_message_text_nor_answer_words_anywhere(circle: Circle) -> None:
    """Words said in the room during the session, reported, held or marked as crisis
    words, and the words of every answer: none reach either page."""
    group, people = circle.group, circle.people
    within = circle.session.started_at + timedelta(minutes=20)
    said = chat.send_message(
        user=people["author"], group=group, client_id="m1", body=MESSAGE_MARKER
    ).message
    reports.report_message(
        reporter=people["reporter"],
        message_id=said.pk,
        clause="Honor boundaries",
        note=f"{MESSAGE_MARKER} note",
    )
    Group.objects.filter(pk=group.pk).update(hold_first_messages=5)
    newcomer = make_user(display_name="Nell")
    join_open(newcomer, group)
    group.refresh_from_db()
    chat.send_message(user=newcomer, group=group, client_id="h1", body=f"{MESSAGE_MARKER} held")
    Report.objects.filter(group=group).update(created_at=within)
    for role in ("facilitator", "organizer"):
        client = circle.client(role)
        for url in (_sessions_url(group), _session_url(group, circle.session)):
            body = client.get(url).content.decode()
            assert MESSAGE_MARKER not in body, (role, url)
            assert WORDS_MARKER not in body, (role, url)
            assert ACCOUNT_NAME not in body, (role, url)


def test_items_raised_while_it_ran_are_counted_with_links(circle: Circle) -> None:
    group, people, session = circle.group, circle.people, circle.session
    said = chat.send_message(
        user=people["author"], group=group, client_id="m1", body="Hello there."
    ).message
    also = chat.send_message(
        user=people["author"], group=group, client_id="m2", body="And again."
    ).message
    report = reports.report_message(
        reporter=people["reporter"], message_id=said.pk, clause="Honor boundaries"
    )
    Report.objects.create(kind=ReportKind.CRISIS, group=group, message=also, urgency=0)
    Report.objects.create(
        kind=ReportKind.HELD,
        group=group,
        message=also,
        status=ReportStatus.RESOLVED,
        resolved_at=timezone.now(),
    )
    before = Report.objects.create(
        kind=ReportKind.REPORT, group=group, member=_membership(group, people["member"])
    )
    within = session.started_at + timedelta(minutes=5)
    Report.objects.filter(group=group).update(created_at=within)
    Report.objects.filter(pk=before.pk).update(created_at=session.started_at - timedelta(minutes=1))
    # About the facilitator: for the organizers, not the facilitator's own record.
    Report.objects.create(
        kind=ReportKind.REPORT,
        group=group,
        member=_membership(group, people["facilitator"]),
        created_at=within,
    )
    fac = text_of(circle.client("facilitator").get(_session_url(group, session)).content.decode())
    assert "Crisis words: 1 (1 still open)" in fac
    assert "Reports: 1 (1 still open)" in fac
    assert "Messages held for review: 1 ·" in fac
    organizer_page = circle.client("organizer").get(_session_url(group, session))
    org = text_of(organizer_page.content.decode())
    assert "Reports: 2 (2 still open)" in org
    html = organizer_page.content.decode()
    assert f'href="{reverse("moderation:queue")}"' in html
    assert f"{reverse('moderation:log')}?group={group.slug}&amp;since=" in html
    assert report.pk  # filed through the write path


def test_nothing_raised_says_so(circle: Circle) -> None:
    text = text_of(
        circle.client("facilitator")
        .get(_session_url(circle.group, circle.session))
        .content.decode()
    )
    assert "Nothing was raised to the safety queue while the session ran." in text


def test_times_show_in_the_viewers_own_zone(circle: Circle) -> None:
    session = circle.session
    tokyo = ZoneInfo("Asia/Tokyo")
    User.objects.filter(pk=circle.people["facilitator"].pk).update(time_zone="Asia/Tokyo")
    text = text_of(
        circle.client("facilitator").get(_session_url(circle.group, session)).content.decode()
    )
    assert session.started_at.astimezone(tokyo).strftime("%H:%M") in text
    assert "Asia/Tokyo" in text
    listing = text_of(
        circle.client("facilitator").get(_sessions_url(circle.group)).content.decode()
    )
    assert session.started_at.astimezone(tokyo).strftime("%H:%M") in listing


def test_the_list_links_each_session_and_the_keepers_find_it(circle: Circle) -> None:
    client = circle.client("facilitator")
    html = client.get(_sessions_url(circle.group)).content.decode()
    assert f'href="{_session_url(circle.group, circle.session)}"' in html
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    # From the group's navigation, for its keepers only.
    schedule = client.get(reverse("groups:schedule", args=[circle.group.slug])).content.decode()
    assert f'href="{_sessions_url(circle.group)}"' in schedule
    member_room = circle.client("member").get(reverse("groups:members", args=[circle.group.slug]))
    assert _sessions_url(circle.group) not in member_room.content.decode()
    keeper_page = client.get(reverse("groups:members", args=[circle.group.slug]))
    assert f'href="{_sessions_url(circle.group)}"' in keeper_page.content.decode()


def test_the_list_is_paged(circle: Circle) -> None:
    for index in range(30):
        hold_session(
            circle.group,
            circle.people["facilitator"],
            [],
            scores=[],
            minutes_ago=200 + index * 60,
        )
    client = circle.client("facilitator")
    first = client.get(_sessions_url(circle.group)).content.decode()
    assert "Page 1 of 2." in first and "Older sessions" in first
    second = client.get(_sessions_url(circle.group) + "?page=2").content.decode()
    assert "Page 2 of 2." in second and "Newer sessions" in second


# --- A fixed number of queries -----------------------------------------------------


def test_both_pages_read_a_fixed_number_of_queries(circle: Circle) -> None:
    group, people = circle.group, circle.people
    client = signed_in(people["facilitator"])
    small = (
        count_queries(client, _sessions_url(group)),
        count_queries(client, _session_url(group, circle.session)),
    )
    # Grow it: more sessions, more people in each, more answers, more items raised.
    grown = [make_user() for _ in range(6)]
    for person in grown:
        join_open(person, group, pseudonym=f"Grown {person.pk}")
    for index in range(4):
        hold_session(
            group,
            people["facilitator"],
            [people["member"], *grown],
            scores=[1, 2, 3, 4, 5, None, 3],
            minutes_ago=300 + index * 120,
        )
    big = hold_session(
        group,
        people["facilitator"],
        [people["member"], people["author"], *grown],
        scores=[5, 4, 3, 2, 1, None, None, 4],
        minutes_ago=2000,
    )
    within = big.started_at + timedelta(minutes=3)
    for kind in (ReportKind.REPORT, ReportKind.CRISIS, ReportKind.WORRY, ReportKind.FILTER):
        for person in grown[:3]:
            Report.objects.create(
                kind=kind, group=group, member=_membership(group, person), created_at=within
            )
    large = (
        count_queries(client, _sessions_url(group)),
        count_queries(client, _session_url(group, big)),
    )
    # The person's account, the group, their membership, whether their address is
    # verified (their standing); the nav's query, and the queue's numbers (a facilitator).
    base = SESSION + 4 + NAV + QUEUE
    # The list: the count of past sessions and the page (with who started each, and
    # how many came and how many rounds, as subqueries).
    assert_constant(small[0], large[0], exact=base + 2)
    # One session: it (with who started it), who came, its rounds summed up, and what
    # was raised (one query, moderation's).
    assert_constant(small[1], large[1], exact=base + 4)
