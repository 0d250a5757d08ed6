"""Versioned agreements: a new version stops posting until members consent again."""

from typing import Any

import pytest
from django.test import Client

from community.errors import Refused
from groups import permissions
from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.default_agreement import DEFAULT_CLAUSES
from groups.models import Agreement, AuditEntry, Consent, Group, Membership
from tests.factories import make_organizer, make_user
from tests.groups.conftest import (
    V2_ADDED,
    V2_DROPPED_TITLE,
    V2_NOTE,
    V2_REWORDED_TITLE,
    consent_current,
    join_open,
    v2_clauses,
)
from tests.html import find, text_of


@pytest.fixture
def circle(db: None) -> dict[str, Any]:
    """An open group on v1 with a facilitator and a member who both agreed to v1."""
    organizer = make_organizer(display_name="Olive")
    group = group_actions.create_group(actor=organizer, name="Carrying Grief")
    member = make_user(display_name="Mara")
    facilitator = make_user(display_name="Farah")
    join_open(member, group)
    join_open(facilitator, group)
    member_actions.set_facilitator(actor=organizer, group=group, user=facilitator, facilitator=True)
    return {"organizer": organizer, "group": group, "member": member, "facilitator": facilitator}


def publish_v2(circle: dict[str, Any]) -> Agreement:
    group = circle["group"]
    group.refresh_from_db()
    return group_actions.publish_agreement(
        actor=circle["organizer"], group=group, clauses=v2_clauses(group), note=V2_NOTE
    )


def rights(user: Any, group: Group) -> tuple[bool, bool, bool]:
    """(can_read, can_post, needs_consent) as the pages see them."""
    group = Group.objects.get(pk=group.pk)
    membership = permissions.membership_for(user, group)
    return (
        permissions.can_read(user, group, membership),
        permissions.can_post(user, group, membership),
        permissions.needs_consent(group, membership),
    )


def test_a_new_group_starts_from_the_default_agreement(circle: dict[str, Any]) -> None:
    group = circle["group"]
    v1 = Agreement.objects.get(group=group, version=1)
    assert [(c.title, c.body) for c in v1.clauses.order_by("position")] == DEFAULT_CLAUSES
    assert group.agreement_version == 1
    assert all(c.body_html.startswith("<p>") for c in v1.clauses.all())


def test_new_version_stops_posting_until_members_consent_again(circle: dict[str, Any]) -> None:
    group, member, facilitator = circle["group"], circle["member"], circle["facilitator"]
    assert rights(member, group) == (True, True, False)
    v1 = Agreement.objects.get(group=group, version=1)
    v1_consent = Consent.objects.get(user=member, agreement=v1)

    v2 = publish_v2(circle)

    assert v2.version == 2 and Group.objects.get(pk=group.pk).agreement_version == 2
    # Everyone may still read, nobody may post, facilitators included.
    assert rights(member, group) == (True, False, True)
    assert rights(facilitator, group) == (True, False, True)
    # What they agreed to before stays on record, untouched.
    assert Consent.objects.get(pk=v1_consent.pk).created_at == v1_consent.created_at
    assert not Consent.objects.filter(user=member, agreement=v2).exists()

    consent_current(member, group)

    assert rights(member, group) == (True, True, False)
    assert rights(facilitator, group) == (True, False, True)
    assert set(
        Consent.objects.filter(user=member).values_list("agreement__version", flat=True)
    ) == {1, 2}
    assert Membership.objects.get(group=group, user=member).consented_version == 2
    assert AuditEntry.objects.filter(
        action="agreement_published", group=group, actor=circle["organizer"], reason="Version 2"
    ).exists()


def test_members_who_have_not_consented_still_read_the_group(circle: dict[str, Any]) -> None:
    publish_v2(circle)
    client = Client()
    client.force_login(circle["member"])
    slug = circle["group"].slug

    home = client.get(f"/groups/{slug}/")
    assert home.status_code == 200
    assert "This group's agreement changed." in text_of(home.content.decode())
    assert client.get(f"/groups/{slug}/members/").status_code == 200

    site_home = client.get("/")
    links = find(site_home.content.decode(), "a", href=f"/groups/{slug}/agreement/")
    assert [text_of(a.text) for a in links] == ["Review the new agreement of Carrying Grief"]


def test_agreement_page_shows_what_changed_as_a_readable_diff(circle: dict[str, Any]) -> None:
    publish_v2(circle)
    client = Client()
    client.force_login(circle["member"])

    page = client.get(f"/groups/{circle['group'].slug}/agreement/")

    html = page.content.decode()
    assert page.status_code == 200
    assert V2_NOTE in text_of(html)
    changes = {
        kind: [text_of(li.text) for li in find(html, "li", class_=f"change-{kind}")]
        for kind in ("added", "removed", "changed", "same")
    }
    assert [c.split(":")[0] for c in changes["added"]] == ["New"]
    assert changes["added"][0].startswith(f"New: {V2_ADDED[0]} {V2_ADDED[1]}")
    assert changes["removed"][0].startswith(f"Removed: {V2_DROPPED_TITLE}")
    assert len(changes["changed"]) == 1
    assert changes["changed"][0].startswith(f"Changed: {V2_REWORDED_TITLE}")
    assert changes["same"] == [], "unchanged clauses are not listed as changes"
    # Word by word: what was taken out and what was put in.
    [diff] = find(html, "p", class_="diff")
    assert [el.text for el in diff.children if el.tag == "del"] == ["attention,"]
    assert [el.text for el in diff.children if el.tag == "ins"] == ["patience and care,"]
    assert "we listen with" in diff.text and "not verdicts." in diff.text
    # Then the whole new agreement and the consent form.
    assert find(html, "input", name="consent", type="checkbox")
    assert find(html, "input", name="agreement_version", value="2")
    assert V2_DROPPED_TITLE not in text_of(html).split("The new agreement", 1)[1]


def test_diff_covers_every_version_since_the_last_consent(circle: dict[str, Any]) -> None:
    publish_v2(circle)
    group = Group.objects.get(pk=circle["group"].pk)
    clauses = [(t, b) for t, b in v2_clauses(group) if t != V2_ADDED[0]]
    group_actions.publish_agreement(actor=circle["organizer"], group=group, clauses=clauses)
    client = Client()
    client.force_login(circle["member"])

    html = client.get(f"/groups/{group.slug}/agreement/").content.decode()

    # v1 to v3: the clause added in v2 and dropped in v3 never shows; the rest does.
    assert V2_ADDED[0] not in text_of(html)
    removed = [text_of(li.text) for li in find(html, "li", class_="change-removed")]
    changed = [text_of(li.text) for li in find(html, "li", class_="change-changed")]
    assert [r.split(" ", 1)[1][: len(V2_DROPPED_TITLE)] for r in removed] == [V2_DROPPED_TITLE]
    assert len(changed) == 1 and V2_REWORDED_TITLE in changed[0]
    assert not find(html, "li", class_="change-added")
    assert find(html, "input", name="agreement_version", value="3")


def test_diff_escapes_what_the_organizer_wrote(circle: dict[str, Any]) -> None:
    group = circle["group"]
    clauses = [(str(t), str(b)) for t, b in DEFAULT_CLAUSES]
    clauses[0] = (clauses[0][0], clauses[0][1] + " <script>alert(1)</script>")
    group_actions.publish_agreement(actor=circle["organizer"], group=group, clauses=clauses)
    client = Client()
    client.force_login(circle["member"])

    html = client.get(f"/groups/{group.slug}/agreement/").content.decode()

    assert "<script>" not in html
    [diff] = find(html, "p", class_="diff")
    assert [el.text for el in diff.children if el.tag == "ins"] == ["<script>alert(1)</script>"]


def test_consenting_through_the_page_restores_posting(circle: dict[str, Any]) -> None:
    publish_v2(circle)
    group, member = circle["group"], circle["member"]
    client = Client()
    client.force_login(member)

    response = client.post(
        f"/groups/{group.slug}/agreement/", {"agreement_version": 2, "consent": "on"}
    )

    assert response.status_code == 302 and response["Location"] == f"/groups/{group.slug}/"
    assert rights(member, group) == (True, True, False)
    page = client.get(f"/groups/{group.slug}/agreement/")
    assert "You agreed to this version." in text_of(page.content.decode())


def test_consent_needs_the_box_ticked(circle: dict[str, Any]) -> None:
    publish_v2(circle)
    client = Client()
    client.force_login(circle["member"])

    response = client.post(f"/groups/{circle['group'].slug}/agreement/", {"agreement_version": 2})

    assert response.status_code == 400
    assert "Please tick the box" in text_of(response.content.decode())
    assert rights(circle["member"], circle["group"]) == (True, False, True)


def test_consent_to_a_version_that_was_replaced_while_reading_is_refused(
    circle: dict[str, Any],
) -> None:
    publish_v2(circle)
    client = Client()
    client.force_login(circle["member"])
    consents = Consent.objects.count()

    # The page was opened on v2; v3 is published before the member ticks the box.
    group = Group.objects.get(pk=circle["group"].pk)
    group_actions.publish_agreement(
        actor=circle["organizer"], group=group, clauses=v2_clauses(group)[:3]
    )
    response = client.post(
        f"/groups/{group.slug}/agreement/", {"agreement_version": 2, "consent": "on"}
    )

    assert response.status_code == 400
    text = text_of(response.content.decode())
    assert "The agreement changed while you were reading. Please read the new version." in text
    assert Consent.objects.count() == consents
    assert rights(circle["member"], group) == (True, False, True)


def test_joining_with_an_outdated_version_is_refused(circle: dict[str, Any]) -> None:
    publish_v2(circle)
    newcomer = make_user()
    with pytest.raises(Refused) as refused:
        member_actions.join_group(user=newcomer, group=circle["group"], agreement_version=1)
    assert refused.value.code == "agreement_changed"
    assert not Membership.objects.filter(user=newcomer).exists()
    assert not Consent.objects.filter(user=newcomer).exists()


def test_consent_records_are_never_edited_or_deleted(circle: dict[str, Any]) -> None:
    consent = Consent.objects.filter(user=circle["member"]).get()
    with pytest.raises(ValueError, match="never edited"):
        consent.save()
    with pytest.raises(ValueError, match="never deleted"):
        consent.delete()
    # Leaving and coming back keeps the old record and adds nothing for the same version.
    group = circle["group"]
    member_actions.leave_group(user=circle["member"], group=group)
    join_open(circle["member"], group)
    assert list(Consent.objects.filter(user=circle["member"])) == [consent]


@pytest.mark.parametrize("who", ["facilitator", "member"])
def test_only_organizers_publish_agreements(circle: dict[str, Any], who: str) -> None:
    group = circle["group"]
    with pytest.raises(Refused) as refused:
        group_actions.publish_agreement(
            actor=circle[who], group=group, clauses=[("Be kind", "Always.")]
        )
    assert refused.value.code == "forbidden"
    assert Agreement.objects.filter(group=group).count() == 1
    assert Group.objects.get(pk=group.pk).agreement_version == 1


@pytest.mark.parametrize(
    ("clauses", "message"),
    [
        ([], "An agreement needs at least one clause."),
        ([("", ""), ("  ", " ")], "An agreement needs at least one clause."),
        ([("Be kind", "")], "Each clause needs a short title and its text."),
        ([("", "Always.")], "Each clause needs a short title and its text."),
        ([("Be kind", "Always."), ("be  KIND", "Really.")], "Two clauses are both called"),
    ],
)
def test_a_broken_agreement_is_refused_and_nothing_is_published(
    circle: dict[str, Any], clauses: list[tuple[str, str]], message: str
) -> None:
    group = circle["group"]
    audit = AuditEntry.objects.count()
    with pytest.raises(Refused) as refused:
        group_actions.publish_agreement(actor=circle["organizer"], group=group, clauses=clauses)
    assert refused.value.code == "invalid" and message in refused.value.message
    assert Agreement.objects.filter(group=group).count() == 1
    assert Group.objects.get(pk=group.pk).agreement_version == 1
    assert AuditEntry.objects.count() == audit
    assert rights(circle["member"], group) == (True, True, False)
