"""Each finding of issue 13 that is not about open sockets, as a person would meet it.

(The socket findings are in test_revocation.py and test_two_processes.py.) Each of
these failed on the code before the fix: the hidden text on the report page, the
organizer reading by id, account names in the log and its CSV, the suspended
organizer in the admin, the muted suggestion, the co-facilitator's queue, the
cacheable landing and invitation pages, and the email naming the person who
typed someone else's address.
"""

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import User
from groups.actions import chat, resources
from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.models import AuditEntry, Invite, Message, MessageRevision
from moderation.actions import messages as message_actions
from moderation.actions import reports
from moderation.models import Report
from tests.factories import make_organizer, make_user
from tests.moderation.conftest import CLAUSE, World

pytestmark = pytest.mark.django_db

HIDDEN = "the words a facilitator took out of the room"
WARNING = "a warning that was hidden too"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def hidden(world: World) -> Message:
    """A message of t_member's, hidden by the facilitator."""
    sent = chat.send_message(
        user=world.people["t_member"],
        group=world.group,
        client_id="hide-me",
        body=HIDDEN,
        content_warning=WARNING,
    )
    message_actions.hide(
        actor=world.people["facilitator"], message_id=sent.message.pk, clause=CLAUSE
    )
    return sent.message


# --- 1. Hidden text stays hidden, on every surface a member can reach --------------


def test_no_surface_shows_a_member_the_hidden_words(world: World, hidden: Message) -> None:
    member = client_for(world.people["member"])
    slug = world.group.slug
    pages = {
        "room": member.get(f"/groups/{slug}/"),
        "history": member.get(f"/groups/{slug}/messages/?before={(hidden.seq or 0) + 1}"),
        "report form": member.get(f"/moderation/report/message/{hidden.pk}/"),
        "worry page": member.get(f"/moderation/worry/{hidden.pk}/"),
        "moderation page": member.get(f"/moderation/messages/{hidden.pk}/"),
        "queue": member.get("/moderation/"),
    }
    for name, response in pages.items():
        assert response.status_code in (200, 404), name
        body = response.content.decode()
        assert HIDDEN not in body, name
        assert WARNING not in body, name
    assert pages["report form"].status_code == 200
    assert "Removed by a facilitator" in pages["report form"].content.decode()
    # The facilitator still reads it in the room, marked as hidden.
    room = client_for(world.people["facilitator"]).get(f"/groups/{slug}/").content.decode()
    assert HIDDEN in room and "Only facilitators see this" in room


# --- 6. Organizers read a group's messages only through an item ----------------------


@pytest.fixture
def outsider_organizer(world: World) -> User:
    """An organizer who is not a member of the group."""
    return make_organizer(display_name="Opal")


def test_an_organizer_outside_the_group_cannot_read_a_message_by_its_id(
    world: World, outsider_organizer: User
) -> None:
    message = world.messages["t_member"]
    page = client_for(outsider_organizer).get(f"/moderation/messages/{message.pk}/")
    assert page.status_code == 404
    assert "Hello from t_member" not in page.content.decode()
    assert not AuditEntry.objects.filter(action="read_message").exists()


def test_an_organizer_reads_it_through_an_open_report_and_the_read_is_logged(
    world: World, outsider_organizer: User
) -> None:
    message = world.messages["t_member"]
    report = reports.report_message(
        reporter=world.people["bystander"], message_id=message.pk, clause=CLAUSE
    )
    client = client_for(outsider_organizer)
    url = f"/moderation/messages/{message.pk}/?report={report.pk}"
    for _ in range(2):  # read twice: logged once
        page = client.get(url)
        assert page.status_code == 200
        assert "Hello from t_member" in page.content.decode()
    read = AuditEntry.objects.get(action="read_message")
    assert (read.actor, read.target_message_id, read.via) == (
        outsider_organizer,
        message.pk,
        f"report {report.pk}",
    )
    # Not a decision about the author: their own record does not show it.
    record = client_for(world.people["t_member"]).get("/moderation/record/").content.decode()
    assert "read_message" not in record
    # Once the item is closed, it is no longer a reason to read.
    Report.objects.filter(pk=report.pk).update(status="resolved")
    assert client.get(url).status_code == 404
    # Another group's report is no reason to read this message either.
    assert client.get(f"/moderation/messages/{message.pk}/?report=999999").status_code == 404


def test_earlier_versions_are_for_facilitators_and_only_while_an_item_is_open(
    world: World, outsider_organizer: User
) -> None:
    sent = chat.send_message(
        user=world.people["t_member"], group=world.group, client_id="e", body="First words."
    )
    chat.edit_message(
        user=world.people["t_member"], group=world.group, message_id=sent.message.pk, body="New."
    )
    assert MessageRevision.objects.filter(message=sent.message).exists()
    url = f"/moderation/messages/{sent.message.pk}/"
    facilitator = client_for(world.people["facilitator"])
    assert "First words." not in facilitator.get(url).content.decode()  # no item: no revisions
    report = reports.report_message(
        reporter=world.people["bystander"], message_id=sent.message.pk, clause=CLAUSE
    )
    assert "First words." in facilitator.get(url).content.decode()
    assert AuditEntry.objects.filter(
        action="read_message", actor=world.people["facilitator"], via=f"report {report.pk}"
    ).exists()
    # The organizer reading through the item sees the message, never its earlier words.
    through = client_for(outsider_organizer).get(f"{url}?report={report.pk}").content.decode()
    assert "New." in through and "First words." not in through


def test_the_queue_logs_each_read_through_its_item_once(world: World) -> None:
    message = world.messages["t_member"]
    reports.report_message(reporter=world.people["bystander"], message_id=message.pk, clause=CLAUSE)
    organizer = client_for(world.people["organizer"])
    for _ in range(2):
        assert "Hello from t_member" in organizer.get("/moderation/").content.decode()
    assert (
        AuditEntry.objects.filter(action="read_message", target_message_id=message.pk).count() == 1
    )


# --- 7. Pseudonyms in the log ----------------------------------------------------------


@pytest.fixture
def pseudonymous(db: None) -> dict[str, Any]:
    owner = make_organizer(display_name="Oona")
    group = group_actions.create_group(actor=owner, name="Quiet hours", capacity=20)
    facilitator = make_user(display_name="Farah")
    member_actions.join_group(user=facilitator, group=group, agreement_version=1)
    member_actions.set_facilitator(actor=owner, group=group, user=facilitator, facilitator=True)
    hidden_one = make_user(display_name="Priyanka Account")
    member_actions.join_group(user=hidden_one, group=group, agreement_version=1, pseudonym="Wren")
    sent = chat.send_message(user=hidden_one, group=group, client_id="w", body="Hello.")
    message_actions.hide(actor=facilitator, message_id=sent.message.pk, clause=CLAUSE)
    return {"group": group, "facilitator": facilitator, "member": hidden_one, "owner": owner}


def test_the_log_and_its_csv_name_people_by_their_name_in_the_group(pseudonymous) -> None:
    client = client_for(pseudonymous["facilitator"])
    page = client.get("/moderation/log/").content.decode()
    assert "Wren" in page and "Priyanka Account" not in page
    response = client.get("/moderation/log.csv")
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(content.decode())))
    hide = next(row for row in rows if row[1] == "hide")
    assert hide[3] == "Wren"
    assert "Priyanka Account" not in str(rows)


def test_only_an_organizer_may_look_up_the_account_and_each_look_is_logged(pseudonymous) -> None:
    membership = pseudonymous["member"].memberships.get()
    url = reverse("moderation:member_account", args=[membership.pk])
    facilitator = client_for(pseudonymous["facilitator"])
    assert (
        "Priyanka Account"
        not in facilitator.get(f"/moderation/members/{membership.pk}/").content.decode()
    )
    assert facilitator.post(url).status_code == 404
    assert not AuditEntry.objects.filter(action="account_lookup").exists()
    page = client_for(pseudonymous["owner"]).post(url).content.decode()
    assert "Priyanka Account" in page
    entry = AuditEntry.objects.get(action="account_lookup")
    assert (entry.actor, entry.target_user) == (pseudonymous["owner"], pseudonymous["member"])


# --- 5. A suspended organizer keeps no admin powers ------------------------------------


def _admin_urls() -> list[str]:
    urls = []
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"{prefix}_change", args=[first.pk]))
    return urls


def test_a_suspended_organizer_reaches_no_admin_page(world: World) -> None:
    organizer = world.people["organizer"]
    client = client_for(organizer)
    urls = ["/admin/", *_admin_urls()]
    assert client.get(reverse("admin:community_crisisline_changelist")).status_code == 200
    User.objects.filter(pk=organizer.pk).update(suspended_until=timezone.now() + timedelta(days=1))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    add = client.post(reverse("admin:moderation_crisisphrase_add"), {"phrase": "anything at all"})
    assert add.status_code == 302 and "/admin/login/" in add["Location"]


def test_the_admin_shows_no_message_text() -> None:
    assert Message not in admin.site._registry
    assert MessageRevision not in admin.site._registry
    assert Report not in admin.site._registry


# --- 8. The rest --------------------------------------------------------------------


def test_a_muted_member_cannot_suggest_a_resource(world: World) -> None:
    member = world.membership("member")
    member.muted_until = timezone.now() + timedelta(hours=1)
    member.save(update_fields=["muted_until"])
    with pytest.raises(Exception) as refused:
        resources.create(actor=world.user("member"), group=world.group, title="A kind read")
    assert getattr(refused.value, "code", None) == "muted"
    page = client_for(world.people["member"]).get(f"/groups/{world.group.slug}/resources/new/")
    assert page.status_code == 404


def test_a_report_about_a_facilitator_is_not_in_a_co_facilitators_queue(world: World) -> None:
    # `unverified` is out of the picture; t_fac is a facilitator of A, like `facilitator`.
    message = world.messages["t_fac"]
    report = reports.report_message(
        reporter=world.people["bystander"], message_id=message.pk, clause=CLAUSE, note="Cold."
    )
    assert report.member is not None and report.member.role == "facilitator"
    queue = client_for(world.people["facilitator"]).get("/moderation/").content.decode()
    assert f'id="item-{report.pk}"' not in queue and "Cold." not in queue
    organizer = client_for(world.people["organizer"]).get("/moderation/").content.decode()
    assert f'id="item-{report.pk}"' in organizer


def test_landing_and_invitation_pages_are_never_cached_or_indexed(world: World) -> None:
    invite = Invite.objects.create(
        group=world.group,
        created_by=world.people["owner"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    visitor = Client()
    for url in (f"/groups/{world.group.slug}/", invite.get_absolute_url()):
        response = visitor.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store", url
        assert "noindex" in response["X-Robots-Tag"], url


def test_adding_someone_elses_address_sends_them_no_name(world: World) -> None:
    mara = world.people["member"]
    client = client_for(mara)
    mail.outbox.clear()
    response = client.post(
        "/accounts/email/", {"action_add": "", "email": "stranger@elsewhere.test"}
    )
    assert response.status_code in (200, 302)
    sent = [m for m in mail.outbox if "stranger@elsewhere.test" in m.to]
    assert len(sent) == 1
    assert mara.display_name not in sent[0].body and mara.display_name not in sent[0].subject
    assert mara.email not in sent[0].body
    assert "If it wasn't you" in sent[0].body
