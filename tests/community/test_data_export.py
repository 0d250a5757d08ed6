"""Download my data: what the ZIP holds, who may fetch it, and that it is gone after 7 days."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from community.models import DataExport, Notice
from groups.actions import membership as member_actions
from groups.actions import schedules
from groups.models import Membership
from tests.community import personal_world
from tests.community.personal_world import MARA_BIO, MARA_EMAIL, MARA_NAME, OTTO_SECRET
from tests.factories import PASSWORD, SESSION_READS, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in_again(person) -> Client:
    """A browser that signed in and, just now, confirmed its password again."""
    client = Client()
    client.force_login(person)
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def asked_for(client: Client) -> DataExport:
    response = client.post(reverse("data_export"), follow=True)
    assert "preparing your download" in response.content.decode()
    return DataExport.objects.latest("requested_at")


def unzipped(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def test_the_zip_holds_exactly_the_members_own_data() -> None:
    world = personal_world.build()
    seat = Membership.objects.get(group=world.group, user=world.mara)
    link = schedules.open_feed(membership=seat)
    client = signed_in_again(world.mara)
    export = asked_for(client)

    response = client.get(reverse("download_export", args=[export.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    files = unzipped(response.content)
    assert sorted(files) == [
        "appeals.json",
        "consents.json",
        "index.html",
        "memberships.json",
        "messages.json",
        "notes_received.json",
        "profile.json",
        "reactions.json",
        "reports_made.json",
        "resources_suggested.json",
    ]
    data = {
        name.removesuffix(".json"): json.loads(text)
        for name, text in files.items()
        if name.endswith(".json")
    }
    profile = data["profile"]
    assert (profile["email"], profile["display_name"], profile["bio"]) == (
        MARA_EMAIL,
        MARA_NAME,
        MARA_BIO,
    )
    assert profile["email_addresses"] == [{"email": MARA_EMAIL, "verified": True, "primary": True}]
    assert [(m["group"], m["role"], m["pseudonym"]) for m in data["memberships"]] == [
        ("Carrying Grief", "member", personal_world.MARA_PSEUDONYM)
    ]
    # Her calendar link is listed by when it was made, never by its token.
    assert [len(m["calendar_links"]) for m in data["memberships"]] == [1]
    assert data["memberships"][0]["calendar_links"][0]["stopped_at"] is None
    assert link.token not in "".join(files.values())
    assert [(c["group"], c["agreement_version"]) for c in data["consents"]] == [
        ("Carrying Grief", 1)
    ]
    first, second, third = world.mine
    assert [
        (m["seq"], m["body"], m["earlier_versions"], m["withheld"]) for m in data["messages"]
    ] == [
        (first.seq, "First, braver words", ["First, unsure words"], False),
        (second.seq, "Today was heavy", [], False),
        # Withdrawn: its words go to nobody, not even back to her.
        (third.seq, "", [], True),
    ]
    assert [(r["message_seq"], r["reaction"]) for r in data["reactions"]] == [
        (world.ottos.seq, "heard")
    ]
    assert [(r["clause"], r["note"]) for r in data["reports_made"]] == [
        ("No fixing unless asked", "It felt pushy")
    ]
    assert data["appeals"] == [] and data["resources_suggested"] == []
    assert data["notes_received"] == []  # the "ready" note is left once the ZIP is built
    index = files["index.html"]
    assert "messages.json" in index and '<html lang="en">' in index
    # The page a person opens shows their own words, escaped like every page of ours.
    assert "First, braver words" in index and "It felt pushy" in index


def test_the_index_escapes_what_the_person_wrote() -> None:
    world = personal_world.build()
    world.mara.bio = "<script>alert(1)</script>"
    world.mara.save(update_fields=["bio"])
    export = asked_for(signed_in_again(world.mara))
    export.refresh_from_db()
    index = unzipped(bytes(export.content))["index.html"]
    assert "<script>" not in index and "&lt;script&gt;" in index


def test_no_other_members_words_are_inside() -> None:
    world = personal_world.build()
    client = signed_in_again(world.mara)
    export = asked_for(client)
    export.refresh_from_db()
    everything = "\n".join(unzipped(bytes(export.content)).values())
    assert OTTO_SECRET not in everything
    assert "Otto" not in everything  # not even his name


def test_she_is_told_in_the_app_and_the_note_names_no_group() -> None:
    world = personal_world.build()
    asked_for(signed_in_again(world.mara))
    note = Notice.objects.get(user=world.mara, kind="export")
    assert note.title == "Your download is ready"
    assert note.link == reverse("data_export")
    assert "Grief" not in note.title + note.text


def test_the_download_needs_a_recent_sign_in() -> None:
    world = personal_world.build()
    export = asked_for(signed_in_again(world.mara))
    stale = Client()
    stale.force_login(world.mara)  # signed in, but not confirmed just now
    response = stale.get(reverse("download_export", args=[export.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_nobody_else_can_download_it() -> None:
    world = personal_world.build()
    export = asked_for(signed_in_again(world.mara))
    url = reverse("download_export", args=[export.pk])
    visitor = Client().get(url)
    assert visitor.status_code == 302 and reverse("account_login") in visitor["Location"]
    superuser = make_user(is_superuser=True, is_staff=True)
    facilitator = make_user(display_name="Farah")
    world.group.refresh_from_db()
    member_actions.join_group(
        user=facilitator, group=world.group, agreement_version=world.group.agreement_version
    )
    member_actions.set_facilitator(
        actor=world.organizer, group=world.group, user=facilitator, facilitator=True
    )
    outsider = make_user(display_name="Otis")
    for person in (world.otto, facilitator, outsider, world.organizer, superuser):
        assert signed_in_again(person).get(url).status_code == 404
    assert signed_in_again(world.mara).get(url).status_code == 200


def test_expiry_deletes_the_file_and_the_link_stops_working() -> None:
    world = personal_world.build()
    client = signed_in_again(world.mara)
    export = asked_for(client)
    url = reverse("download_export", args=[export.pk])
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(url).status_code == 404  # expired, even before the clean-up ran
    other = asked_for(signed_in_again(world.otto))
    call_command("delete_expired_exports")
    assert list(DataExport.objects.values_list("pk", flat=True)) == [other.pk]
    assert client.get(url).status_code == 404


def test_one_download_at_a_time_is_prepared() -> None:
    world = personal_world.build()
    DataExport.objects.create(user=world.mara)  # still being prepared
    client = signed_in_again(world.mara)
    response = client.post(reverse("data_export"), follow=True)
    assert "already being prepared" in response.content.decode()
    assert DataExport.objects.filter(user=world.mara).count() == 1


def test_the_settings_page_lists_downloads_in_fixed_queries(django_assert_num_queries) -> None:
    world = personal_world.build()
    client = signed_in_again(world.mara)
    older = asked_for(client)
    newer = asked_for(client)
    page = client.get(reverse("data_export"))
    assert page.status_code == 200
    # Only the newest is kept: it holds everything the older one did.
    assert page.content.decode().count(">Download</a>") == 1
    assert reverse("download_export", args=[newer.pk]) in page.content.decode()
    assert not DataExport.objects.filter(pk=older.pk).exists()
    assert 'href="/settings/my-data/"' in page.content.decode()
    # the person, the downloads, the navigation's counts (and the session, embedded)
    with django_assert_num_queries(3 + SESSION_READS):
        client.get(reverse("data_export"))


def test_in_production_the_worker_builds_it_not_the_request() -> None:
    world = personal_world.build()
    client = signed_in_again(world.mara)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        export = asked_for(client)
        export.refresh_from_db()
        assert export.ready_at is None  # queued: the page answered at once
        page = client.get(reverse("data_export")).content.decode()
        assert "Being prepared" in page
        call_command("db_worker", "--batch", "--no-startup-delay")
    export.refresh_from_db()
    assert export.is_ready
    assert "profile.json" in unzipped(bytes(export.content))
    assert Notice.objects.filter(user=world.mara, kind="export").exists()
