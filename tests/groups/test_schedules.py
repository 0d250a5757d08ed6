"""Meeting times (issue 17 item 1): when sessions fall, how each viewer reads them,
and the private calendar feed.

Sessions are wall-clock times in the group's zone, so they move in UTC when the
clocks change; each viewer reads them in their own zone. Clocks are fixed.
"""

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from community.errors import Refused
from community.models import Notice
from groups.actions import membership as member_actions
from groups.actions import schedules
from groups.meetings import next_session, sessions, when_words
from groups.models import MembershipStatus, Repeat, Schedule
from groups.reminders import send_due_reminders
from tests.factories import make_user, signed_in
from tests.groups.conftest import group_with_fern
from tests.html import text_of

THURSDAY = 3


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def schedule(**fields: Any) -> Schedule:
    """An unsaved schedule: the computation needs no database."""
    fields = {
        "repeat": Repeat.WEEKLY,
        "weekdays": str(THURSDAY),
        "first_date": date(2026, 1, 1),
        "start_time": time(19, 0),
        "duration_minutes": 90,
        "time_zone": "Europe/London",
        **fields,
    }
    return Schedule(**fields)


def starts(found: Schedule, after: datetime, count: int = 3) -> list[datetime]:
    return [s.start for _, s in zip(range(count), sessions(found, after=after), strict=False)]


# --- When sessions fall -----------------------------------------------------------------


def test_a_weekly_session_keeps_its_local_time_when_the_clocks_go_back() -> None:
    # London leaves summer time on Sunday 25 October 2026: 19:00 was 18:00 UTC, is 19:00.
    assert starts(schedule(), utc(2026, 10, 20, 12)) == [
        utc(2026, 10, 22, 18),
        utc(2026, 10, 29, 19),
        utc(2026, 11, 5, 19),
    ]


def test_and_when_they_go_forward() -> None:
    # Summer time starts Sunday 29 March 2026.
    assert starts(schedule(), utc(2026, 3, 24), 2) == [utc(2026, 3, 26, 19), utc(2026, 4, 2, 18)]


def test_a_start_inside_the_spring_gap_is_read_an_hour_later() -> None:
    # 01:30 on 29 March 2026 does not happen in London; the session is at 02:30 summer time.
    early = schedule(weekdays="6", start_time=time(1, 30))
    (start,) = starts(early, utc(2026, 3, 28), 1)
    assert start == utc(2026, 3, 29, 1, 30)
    assert timezone.localtime(start, timezone=early_zone()).strftime("%H:%M") == "02:30"


def early_zone() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/London")


def test_every_other_week_counts_from_the_first_dates_week() -> None:
    fortnightly = schedule(
        repeat=Repeat.FORTNIGHTLY, weekdays="0,3", first_date=date(2026, 11, 30)
    )  # Monday 30 November: that week, 14 and 17 December, then 28 and 31
    assert starts(fortnightly, utc(2026, 12, 1), 5) == [
        utc(2026, 12, 3, 19),
        utc(2026, 12, 14, 19),
        utc(2026, 12, 17, 19),
        utc(2026, 12, 28, 19),
        utc(2026, 12, 31, 19),
    ]


def test_a_series_starts_no_earlier_than_its_first_date() -> None:
    later = schedule(first_date=date(2026, 12, 10))
    assert starts(later, utc(2026, 12, 1), 1) == [utc(2026, 12, 10, 19)]


def test_given_dates_only_and_none_once_they_have_passed() -> None:
    once = schedule(repeat=Repeat.DATES, weekdays="", dates=["2026-12-24", "2026-12-05"])
    assert starts(once, utc(2026, 12, 1)) == [utc(2026, 12, 5, 19), utc(2026, 12, 24, 19)]
    assert next_session(once, now=utc(2026, 12, 25)) is None
    assert next_session(None, now=utc(2026, 12, 25)) is None


def test_a_session_under_way_is_the_next_one_until_it_ends() -> None:
    weekly = schedule(time_zone="America/New_York", start_time=time(23, 30))
    # Thursday 3 December 23:30 in New York is 04:30 UTC on Friday; it runs to 06:00.
    on = next_session(weekly, now=utc(2026, 12, 4, 5))
    assert on is not None and on.start == utc(2026, 12, 4, 4, 30) and on.is_on(utc(2026, 12, 4, 5))
    after = next_session(weekly, now=utc(2026, 12, 4, 6))
    assert after is not None and after.start == utc(2026, 12, 11, 4, 30)


# --- How a viewer reads it ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "now", "words"),
    [
        ("Europe/London", utc(2026, 12, 1, 9), "Thursday 19:00, in 2 days"),
        ("America/New_York", utc(2026, 12, 1, 9), "Thursday 14:00, in 2 days"),
        # London and New York change a week apart: 19:00 GMT is 15:00 there, not 14:00.
        ("America/New_York", utc(2026, 10, 27, 9), "Thursday 15:00, in 2 days"),
        ("Asia/Tokyo", utc(2026, 12, 1, 9), "Friday 04:00, in 3 days"),
        ("Europe/London", utc(2026, 12, 3, 9), "Today 19:00"),
        ("Europe/London", utc(2026, 12, 2, 23, 30), "Tomorrow 19:00"),
        ("Europe/London", utc(2026, 12, 3, 20), "On now, until 20:30"),
        ("Europe/London", utc(2026, 12, 3, 21), "Thursday 10 December 19:00, in 7 days"),
    ],
)
def test_each_viewer_reads_the_session_in_their_own_zone(zone: str, now: datetime, words: str):
    session = next_session(schedule(), now=now)
    assert session is not None
    with timezone.override(zone):
        assert when_words(session, now=now) == words


# --- Setting the schedule -----------------------------------------------------------------


@pytest.fixture
def circle(db: None) -> dict[str, Any]:
    organizer, group, facilitator = group_with_fern("Quiet Harbour")
    member = make_user(display_name="Mara", time_zone="America/New_York")
    membership = member_actions.join_group(
        user=member, group=group, agreement_version=1, pseudonym="Wren"
    )
    return {
        "organizer": organizer,
        "facilitator": facilitator,
        "member": member,
        "membership": membership,
        "group": group,
    }


WEEKLY_FORM = {
    "repeat": "weekly",
    "weekdays": ["3"],
    "first_date": "2026-11-01",
    "start_time": "19:00",
    "duration_minutes": "90",
    "time_zone": "Europe/London",
    "reminder_minutes": "60",
}


def set_weekly(circle: dict[str, Any], by: str = "facilitator") -> Schedule:
    return schedules.set_schedule(
        actor=circle[by],
        group=circle["group"],
        repeat=Repeat.WEEKLY,
        weekdays=[THURSDAY],
        first_date=date(2026, 11, 1),
        dates=[],
        start_time=time(19, 0),
        duration_minutes=90,
        time_zone="Europe/London",
        reminder_minutes=60,
    )


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"weekdays": []}, "Please choose at least one day of the week."),
        ({"repeat": "dates", "dates": ""}, "Please give at least one date."),
        ({"repeat": "dates", "dates": "next thursday"}, "“next” is not a date like 2026-12-31."),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice."),
        ({"duration_minutes": "5"}, "Ensure this value is greater than or equal to 15."),
        ({"first_date": ""}, "Please say from which date the group meets."),
    ],
)
def test_a_bad_schedule_is_refused_with_why_and_nothing_is_saved(circle, change, error):
    response = signed_in(circle["facilitator"]).post(
        f"/groups/{circle['group'].slug}/schedule/", {**WEEKLY_FORM, **change}
    )
    assert response.status_code == 400
    assert error in text_of(response.content.decode())
    assert not Schedule.objects.exists()


def test_only_keepers_may_set_it_through_the_action_too(circle):
    with pytest.raises(Refused) as refused:
        set_weekly(circle, by="member")
    assert refused.value.code == "forbidden"
    assert not Schedule.objects.exists()


def test_the_form_saves_and_clears_the_schedule(circle):
    client = signed_in(circle["facilitator"])
    url = f"/groups/{circle['group'].slug}/schedule/"
    assert client.post(url, WEEKLY_FORM).status_code == 302
    page = client.get(url).content.decode()
    assert 'value="19:00"' in page and "Remove the meeting times" in page
    assert client.post(url, {"clear": "1"}).status_code == 302
    assert not Schedule.objects.exists()


# --- Where people see it ------------------------------------------------------------------


@time_machine.travel(utc(2026, 12, 1, 9), tick=False)
def test_home_directory_and_group_page_show_the_next_session_in_the_viewers_zone(circle):
    set_weekly(circle)
    member = signed_in(circle["member"])  # New York
    slug = circle["group"].slug
    expected = "Next session: Thursday 14:00, in 2 days"
    assert expected in text_of(member.get("/").content.decode())
    assert expected in text_of(member.get("/groups/").content.decode())
    assert expected + " · 90 minutes, in your time zone" in text_of(
        member.get(f"/groups/{slug}/").content.decode()
    )
    visitor = make_user(display_name="Otto", time_zone="Europe/London")
    landing = text_of(signed_in(visitor).get(f"/groups/{slug}/").content.decode())
    assert "Next session: Thursday 19:00, in 2 days" in landing


def test_without_a_schedule_nothing_is_promised(circle):
    member = signed_in(circle["member"])
    assert "Next session" not in text_of(member.get("/groups/").content.decode())
    page = text_of(member.get(f"/groups/{circle['group'].slug}/calendar/").content.decode())
    assert "This group has no set meeting times yet" in page


# --- The calendar feed --------------------------------------------------------------------


def feed_url(circle: dict[str, Any]) -> str:
    client = signed_in(circle["member"])
    slug = circle["group"].slug
    assert client.post(f"/groups/{slug}/calendar/").status_code == 302
    page = client.get(f"/groups/{slug}/calendar/").content.decode()
    (token,) = circle["membership"].calendar_feeds.values_list("token", flat=True)
    link = f"http://testserver/groups/calendar/{token}.ics"
    assert f'value="{link}"' in page
    return link.removeprefix("http://testserver")


@time_machine.travel(utc(2026, 12, 1, 9), tick=False)
def test_the_feed_is_valid_icalendar_titled_hearth_session_and_never_names_the_group(circle):
    set_weekly(circle)
    response = Client().get(feed_url(circle))  # a calendar app: not signed in
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    for secret in ("Quiet Harbour", "Quiet", "Harbour", "Wren", "Mara", "Fern"):
        assert secret not in body
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == 57  # Thursdays from a week back to the horizon, 400 days on
    assert {str(e["SUMMARY"]) for e in events} == {"Hearth session"}
    first = events[0]
    assert first.decoded("DTSTART") == utc(2026, 11, 26, 19)  # a week back stays in view
    assert first.decoded("DTEND") == utc(2026, 11, 26, 20, 30)
    assert len({str(e["UID"]) for e in events}) == 57
    # Stable across fetches, so calendar apps update rather than duplicate.
    again = Calendar.from_ical(Client().get(feed_url(circle)).content).walk("VEVENT")
    assert [str(e["UID"]) for e in again] == [str(e["UID"]) for e in events]


@time_machine.travel(utc(2026, 12, 1, 9), tick=False)
def test_the_feed_speaks_the_members_language_whatever_the_calendar_app_asks(circle):
    set_weekly(circle)
    circle["member"].language = "es"
    circle["member"].save(update_fields=["language"])
    url = feed_url(circle)
    response = Client(headers={"accept-language": "en-US"}).get(url)
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Reuniones de Hearth"
    assert {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")} == {"Reunión de Hearth"}


def test_a_stopped_link_gives_404_and_a_new_one_works(circle):
    set_weekly(circle)
    old = feed_url(circle)
    member = signed_in(circle["member"])
    slug = circle["group"].slug
    assert member.post(f"/groups/{slug}/calendar/", {"revoke": "1"}).status_code == 302
    assert Client().get(old).status_code == 404
    assert "Make my calendar link" in member.get(f"/groups/{slug}/calendar/").content.decode()
    member.post(f"/groups/{slug}/calendar/")
    (new,) = circle["membership"].calendar_feeds.filter(revoked_at=None)
    assert f"/groups/calendar/{new.token}.ics" != old
    assert Client().get(f"/groups/calendar/{new.token}.ics").status_code == 200


@pytest.mark.parametrize("status", [MembershipStatus.LEFT, MembershipStatus.REMOVED])
def test_the_link_stops_when_the_member_is_no_longer_in_the_group(circle, status):
    link = feed_url(circle)
    circle["membership"].status = status
    circle["membership"].save(update_fields=["status"])
    assert Client().get(link).status_code == 404


def test_an_unknown_token_is_404(circle):
    assert Client().get("/groups/calendar/not-a-token.ics").status_code == 404


# --- Reminders ----------------------------------------------------------------------------


def sweep() -> int:
    """What the compose file's `reminders` service does each minute."""
    result = send_due_reminders.enqueue()  # the immediate backend runs it here and now
    return int(result.return_value)


def test_reminders_go_out_once_at_the_chosen_time_and_email_only_those_who_asked(
    circle, mailoutbox
):
    set_weekly(circle)  # Thursdays 19:00 London, a reminder an hour before
    member = circle["member"]
    member.email_reminders = True
    member.save(update_fields=["email_reminders"])
    with time_machine.travel(utc(2026, 12, 3, 17, 59), tick=False):
        assert sweep() == 0
    assert not Notice.objects.filter(kind="reminder").exists() and not mailoutbox
    with time_machine.travel(utc(2026, 12, 3, 18, 0), tick=False):
        assert sweep() == 1
        assert sweep() == 0  # once per session, however often the sweep runs
    notes = Notice.objects.filter(kind="reminder")
    assert {n.user for n in notes} == {member, circle["facilitator"]}
    mine = notes.get(user=member)
    assert mine.text == (
        "One of your groups meets Thursday at 14:00 (America/New_York time). "
        "Come as you are; listening is enough."
    )
    assert mine.link == f"/groups/{circle['group'].slug}/"
    assert mine.until == utc(2026, 12, 3, 20, 30)
    (email,) = mailoutbox  # the facilitator did not ask for email
    assert email.to == [member.email]
    assert "Thursday at 14:00 (America/New_York time)" in email.body
    for secret in ("Quiet Harbour", "Quiet", "Harbour", "Wren"):
        assert secret not in email.subject + email.body + mine.title + mine.text
    with time_machine.travel(utc(2026, 12, 10, 18, 0), tick=False):
        assert sweep() == 1  # next week's session has its own


def test_no_reminder_when_turned_off_for_the_group_or_after_the_start(circle, mailoutbox):
    schedule = set_weekly(circle)
    with time_machine.travel(utc(2026, 12, 3, 19, 5), tick=False):
        assert sweep() == 0  # started already: too late to remind
    schedule.reminder_minutes = 0
    schedule.save(update_fields=["reminder_minutes"])
    with time_machine.travel(utc(2026, 12, 10, 18, 30), tick=False):
        assert sweep() == 0
    assert not Notice.objects.filter(kind="reminder").exists() and not mailoutbox


def test_people_who_left_get_no_reminder(circle, mailoutbox):
    set_weekly(circle)
    member_actions.leave_group(user=circle["member"], group=circle["group"])
    with time_machine.travel(utc(2026, 12, 3, 18, 30), tick=False):
        assert sweep() == 1
    assert list(Notice.objects.filter(kind="reminder").values_list("user", flat=True)) == [
        circle["facilitator"].pk
    ]


def test_the_profile_setting_turns_email_reminders_on_and_off(circle):
    member = circle["member"]
    client = signed_in(member)
    page = client.get("/settings/profile/").content.decode()
    assert "Email me before my groups&#x27; sessions" in page
    form = {
        "display_name": "Mara",
        "region": member.region,
        "time_zone": "America/New_York",
        "email_reminders": "on",
    }
    assert client.post("/settings/profile/", form).status_code == 302
    member.refresh_from_db()
    assert member.email_reminders
    del form["email_reminders"]
    client.post("/settings/profile/", form)
    member.refresh_from_db()
    assert not member.email_reminders
