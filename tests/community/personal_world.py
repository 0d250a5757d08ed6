"""A seeded member, Mara, with something of every kind, beside another member's words.

Shared by the download and erasure tests; everything is made through the write path.
"""

from dataclasses import dataclass
from typing import Any

from groups.actions import chat
from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.models import Group, Message
from moderation.actions import reports
from tests.factories import make_organizer, make_user

MARA_EMAIL = "mara.erin@hearth.test"
MARA_NAME = "Mara Quillfeather"
MARA_BIO = "Walking with grief since the spring; gardening helps."
MARA_PSEUDONYM = "Willowmoth"
OTTO_SECRET = "Otto's private words about his brother"


@dataclass
class PersonalWorld:
    organizer: Any
    mara: Any
    otto: Any
    group: Group
    mine: list[Message]
    ottos: Message


def build() -> PersonalWorld:
    organizer = make_organizer(email="organizer@hearth.test")
    group = group_actions.create_group(actor=organizer, name="Carrying Grief")
    mara = make_user(email=MARA_EMAIL, display_name=MARA_NAME)
    mara.bio = MARA_BIO
    mara.save(update_fields=["bio"])
    otto = make_user(email="otto@hearth.test", display_name="Otto")
    for person, pseudonym in ((mara, MARA_PSEUDONYM), (otto, "")):
        group.refresh_from_db()
        member_actions.join_group(
            user=person, group=group, agreement_version=group.agreement_version, pseudonym=pseudonym
        )
    first = chat.send_message(user=mara, group=group, client_id="m1", body="First, unsure words")
    chat.send_message(user=otto, group=group, client_id="o1", body=OTTO_SECRET)
    second = chat.send_message(user=mara, group=group, client_id="m2", body="Today was heavy")
    third = chat.send_message(user=mara, group=group, client_id="m3", body="Never mind this")
    mine = [Message.objects.get(pk=s.message.pk) for s in (first, second, third)]
    ottos = Message.objects.get(group=group, client_id="o1")
    chat.edit_message(user=mara, group=group, message_id=mine[0].pk, body="First, braver words")
    chat.delete_message(user=mara, group=group, message_id=mine[2].pk)
    chat.toggle_reaction(user=mara, group=group, message_id=ottos.pk, kind="heard")
    chat.toggle_reaction(user=otto, group=group, message_id=mine[1].pk, kind="care")
    reports.report_message(
        reporter=mara, message_id=ottos.pk, clause="No fixing unless asked", note="It felt pushy"
    )
    return PersonalWorld(organizer, mara, otto, group, mine, ottos)
