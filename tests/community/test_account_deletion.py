"""Delete my account: the page, the grace period that signing in ends, and the erasure."""

from datetime import timedelta
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from asgiref.sync import sync_to_async
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.erasure import erase, erase_due_accounts
from community.models import User
from groups.actions import boundaries, chat, schedules
from groups.actions import membership as member_actions
from groups.models import (
    AuditEntry,
    Boundary,
    CalendarFeed,
    Group,
    Membership,
    Message,
    Reaction,
)
from moderation.actions import messages as moderation_messages
from moderation.models import ReportNote
from tests.chat.conftest import Socket, open_socket, release_sync_thread_connection
from tests.community import personal_world
from tests.community.personal_world import (
    MARA_BIO,
    MARA_EMAIL,
    MARA_NAME,
    MARA_PSEUDONYM,
    OTTO_SECRET,
)
from tests.community.test_data_export import signed_in_again
from tests.factories import PASSWORD, SESSION_READS, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def asked_to_delete(person: Any) -> Client:
    client = signed_in_again(person)
    response = client.post(reverse("delete_account"))
    assert response.status_code == 200
    assert "Your account will be deleted" in response.content.decode()
    return client


def grace_over(person: Any) -> None:
    User.objects.filter(pk=person.pk).update(erase_after=timezone.now() - timedelta(seconds=1))
    call_command("erase_due_accounts")


def every_stored_value() -> list[tuple[str, str]]:
    """Each text value in every row of every table the project has, with where it was."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        fields = [f for f in model._meta.concrete_fields]
        for row in model._base_manager.all().values_list(*[f.attname for f in fields]):
            for field, value in zip(fields, row, strict=True):
                if value is None:
                    continue
                text = (
                    bytes(value).decode("latin-1")
                    if isinstance(field, models.BinaryField)
                    else str(value)
                )
                found.append((f"{model._meta.label}.{field.name}", text))
    return found


def test_after_the_grace_period_no_row_holds_who_she_was() -> None:
    world = personal_world.build()
    member_actions.set_facilitator(
        actor=world.organizer, group=world.group, user=world.mara, facilitator=True
    )
    second = chat.send_message(user=world.otto, group=world.group, client_id="o2", body="More")
    moderation_messages.hide(
        actor=world.mara, message_id=second.message.pk, clause="Listen without judgment"
    )
    Authenticator.objects.create(
        user=world.mara, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    # She muted Otto, and Otto blocked her: neither boundary outlives her.
    boundaries.set_boundary(
        user=world.mara,
        group=world.group,
        target_id=Membership.objects.get(group=world.group, user=world.otto).pk,
        kind="mute",
    )
    boundaries.set_boundary(
        user=world.otto,
        group=world.group,
        target_id=Membership.objects.get(group=world.group, user=world.mara).pk,
        kind="block",
    )
    # She went by another name for a while: the facilitators' record of it goes too.
    member_actions.rename(user=world.mara, group=world.group, pseudonym="Mara Before")
    member_actions.rename(user=world.mara, group=world.group, pseudonym=MARA_PSEUDONYM)
    secrets = [MARA_EMAIL, MARA_NAME, MARA_BIO, MARA_PSEUDONYM, "braver words", "unsure words"]
    secrets += ["Mara Before"]
    secrets += ["Today was heavy"]
    # Her calendar link: the token would still open the group's sessions.
    feed = schedules.open_feed(
        membership=Membership.objects.get(group=world.group, user=world.mara)
    )
    secrets += [feed.token]
    asked_to_delete(world.mara)
    assert User.objects.get(pk=world.mara.pk).is_active  # still hers during the grace period
    grace_over(world.mara)

    leaks = [
        (where, secret)
        for where, text in every_stored_value()
        for secret in secrets
        if secret.lower() in text.lower()
    ]
    assert leaks == []
    erased = User.objects.get(pk=world.mara.pk)
    assert (erased.display_name, erased.is_active, erased.has_usable_password()) == (
        "Former member",
        False,
        False,
    )
    assert not Authenticator.objects.filter(user=erased).exists()
    assert not Boundary.objects.exists()
    assert not CalendarFeed.objects.exists()

    # Her messages are quiet placeholders, and the room's numbers have no gap.
    hers = Message.objects.filter(author__user=erased)
    assert hers.count() == 3
    assert all(m.is_deleted and m.body == m.body_html == "" for m in hers)
    assert not hers.filter(revisions__isnull=False).exists()
    group = Group.objects.get(pk=world.group.pk)
    seqs = list(
        Message.objects.filter(group=group, seq__isnull=False).values_list("seq", flat=True)
    )
    assert sorted(s for s in seqs if s is not None) == list(range(1, group.last_seq + 1))
    assert Message.objects.get(pk=world.ottos.pk).body == OTTO_SECRET  # others' words untouched

    # Her reactions are gone, and the counts with them.
    assert not Reaction.objects.filter(member__user=erased).exists()
    assert Message.objects.get(pk=world.ottos.pk).reactions == {}
    # Her report stays for the group's safety, no longer hers.
    note = ReportNote.objects.get(note="It felt pushy")
    assert note.reporter_id is None
    # The decision she took as facilitator stays, by "Former member".
    entry = AuditEntry.objects.get(action="hide", target_message_id=second.message.pk)
    assert entry.actor_id == erased.pk and str(entry.actor) == "Former member"


def test_signing_in_during_the_grace_period_cancels_it() -> None:
    world = personal_world.build()
    asked_to_delete(world.mara)
    assert User.objects.get(pk=world.mara.pk).erase_after is not None
    browser = Client()
    response = browser.post(
        reverse("account_login"), {"login": MARA_EMAIL, "password": PASSWORD}, follow=True
    )
    assert "your account will not be deleted" in response.content.decode()
    assert User.objects.get(pk=world.mara.pk).erase_after is None
    assert erase_due_accounts(now=timezone.now() + timedelta(days=8)) == 0
    assert User.objects.get(pk=world.mara.pk).email == MARA_EMAIL
    # A run that listed her just before she signed in finds the request gone, and stops.
    erase(user=world.mara)
    assert User.objects.get(pk=world.mara.pk).erased_at is None


def test_asking_signs_her_out_everywhere_and_needs_a_recent_sign_in() -> None:
    world = personal_world.build()
    phone = Client()
    phone.force_login(world.mara)
    stale = Client()
    stale.force_login(world.mara)
    page = stale.get(reverse("delete_account"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "removed by its author" in text and "sign in again before then" in text
    refused = stale.post(reverse("delete_account"))  # not confirmed just now
    assert refused["Location"].startswith(reverse("account_reauthenticate"))
    assert User.objects.get(pk=world.mara.pk).erase_after is None

    asked_to_delete(world.mara)
    assert phone.get(reverse("profile")).status_code == 302  # signed out there too


@pytest.mark.parametrize("kind", ["organizer", "superuser"])
def test_organizers_and_superusers_hand_over_first(kind: str) -> None:
    person = make_user(is_organizer=kind == "organizer", is_superuser=kind == "superuser")
    client = signed_in_again(person)
    page = client.get(reverse("delete_account")).content.decode()
    assert "ask another organizer to take over your role first" in page
    assert "Delete my account in 7 days</button>" not in page
    response = client.post(reverse("delete_account"), follow=True)
    assert "ask another organizer to take over your role first" in response.content.decode()
    assert User.objects.get(pk=person.pk).erase_after is None


def test_the_last_facilitator_of_a_group_is_warned() -> None:
    world = personal_world.build()
    member_actions.set_facilitator(
        actor=world.organizer, group=world.group, user=world.mara, facilitator=True
    )
    client = signed_in_again(world.mara)
    warning = "You are the only facilitator of Carrying Grief"
    assert warning in client.get(reverse("delete_account")).content.decode()
    member_actions.set_facilitator(
        actor=world.organizer, group=world.group, user=world.otto, facilitator=True
    )
    assert warning not in client.get(reverse("delete_account")).content.decode()


def test_the_page_reads_in_fixed_queries(django_assert_num_queries) -> None:
    world = personal_world.build()
    client = signed_in_again(world.mara)
    # the person, the navigation's counts, the warnings (and the session, embedded)
    with django_assert_num_queries(3 + SESSION_READS):
        assert client.get(reverse("delete_account")).status_code == 200


async def test_erasing_closes_her_open_sockets() -> None:
    world = await sync_to_async(personal_world.build)()
    communicator, connected, code = await open_socket(world.mara, world.group)
    assert connected, code
    socket = Socket(communicator)
    await socket.receive_type("hello")
    await sync_to_async(User.objects.filter(pk=world.mara.pk).update)(
        erase_after=timezone.now() - timedelta(seconds=1)
    )
    await sync_to_async(call_command)("erase_due_accounts")
    assert await socket.closed(timeout=1.0) in (4401, 4403)
    await communicator.disconnect()
    await release_sync_thread_connection()
