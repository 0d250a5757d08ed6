"""Demo safety settings, reports and log entries for `manage.py seed_demo`."""

from typing import TextIO

from community.demo import person
from groups.actions import chat
from groups.models import Group, Membership
from moderation.actions import filters, members, reports
from moderation.models import CrisisPhrase, NudgeTemplate, Report

CRISIS_PHRASES = [
    "kill myself",
    "end my life",
    "want to die",
    "end it all",
    "no reason to live",
    "better off without me",
    "hurt myself",
    "suicide",
]

NUDGES = [
    (
        "Listening first",
        "Hi. I noticed your reply offered advice where the person asked to be "
        "heard. Could you try reflecting back what you heard instead? Thank you for being here.",
    ),
    (
        "Room for everyone",
        "Hi. You've shared a lot tonight, and that's welcome. Could you leave "
        "a little space so quieter members can come in too?",
    ),
    (
        "Gentle with each other",
        "Hi. A message of yours landed harder than you may have meant. "
        "Would you be willing to check in with the person? Repair is always possible here.",
    ),
]


def seed(out: TextIO) -> None:
    organizer = person("olive@hearth.example")
    for phrase in CRISIS_PHRASES:
        if not CrisisPhrase.objects.filter(phrase=phrase).exists():
            filters.add_crisis_phrase(actor=organizer, phrase=phrase)
    for order, (title, text) in enumerate(NUDGES):
        NudgeTemplate.objects.update_or_create(title=title, defaults={"text": text, "order": order})
    if Report.objects.exists():
        return
    grief = Group.objects.get(name="Carrying Grief")
    anxiety = Group.objects.get(name="Quiet Minds: Living with Anxiety")
    # An open report: advice given where listening was asked for.
    _reported_message(
        grief,
        (
            "jun@hearth.example",
            "demo-advice",
            "You should really just stay busy, that's what worked for me.",
        ),
        ("mara@hearth.example", "No fixing unless asked", "I asked for listening."),
    )
    # A resolved one, with a nudge and a short mute in the log.
    report = _reported_message(
        anxiety,
        ("leo@hearth.example", "demo-sharp", "Honestly that sounds like overthinking."),
        ("priya@hearth.example", "Listen without judgment", ""),
    )
    facilitator = person("felix@hearth.example")
    leo = Membership.objects.get(group=anxiety, user=person("leo@hearth.example"))
    members.nudge(
        actor=facilitator, membership=leo, clause="Listen without judgment", text=NUDGES[0][1]
    )
    members.mute(
        actor=facilitator,
        membership=leo,
        minutes=10,
        clause="Listen without judgment",
        reason="A cooling-off moment.",
    )
    members.unmute(actor=facilitator, membership=leo, reason="Talked it through.")
    reports.resolve(actor=facilitator, report=report, note="Nudged; repaired in the room.")
    out.write("Demo moderation: crisis phrases, nudge templates, one open and one resolved report")


def _reported_message(
    group: Group, said: tuple[str, str, str], reported: tuple[str, str, str]
) -> Report:
    """A demo message (author, client id, words) and one member's report of it
    (reporter, clause, note)."""
    author, client_id, body = said
    message = chat.send_message(
        user=person(author), group=group, client_id=client_id, body=body
    ).message
    reporter, clause, note = reported
    return reports.report_message(
        reporter=person(reporter), message_id=message.pk, clause=clause, note=note
    )
