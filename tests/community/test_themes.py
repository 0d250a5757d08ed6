"""Themes a member would rather not see: the seeded list, their settings page, the room."""

import importlib
import json
from typing import Any

import pytest
from django.test import Client

from community.actions import DEFAULT_THEMES, add_default_themes
from community.models import Theme
from groups.actions import chat
from groups.actions import groups as group_actions
from tests.factories import make_organizer, make_user
from tests.groups.conftest import join_open
from tests.groups.test_queries import SESSION, count_queries, signed_in
from tests.html import find

SEEDED = ["Self-harm", "Suicide", "Abuse", "Eating", "Substance use", "Loss of a child"]
FOLDED_NOTE = "A theme you keep folded."


@pytest.fixture(autouse=True)
def themes(db: None) -> None:
    """The migration's list, put back if an earlier transactional test emptied the table."""
    add_default_themes()


def test_the_list_starts_with_the_hard_themes_organizers_asked_for(db):
    migration = importlib.import_module("community.migrations.0006_themes")
    assert list(migration.THEMES) == list(DEFAULT_THEMES) == SEEDED
    assert [theme.name for theme in Theme.objects.all()] == SEEDED


def test_a_visitor_is_asked_to_sign_in_first(client, db):
    response = client.get("/settings/themes/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["member", "organizer"])
def test_a_person_chooses_themes_and_finds_them_kept(db, role):
    person = make_organizer() if role == "organizer" else make_user()
    client = signed_in(person)
    suicide, eating = Theme.objects.get(name="Suicide"), Theme.objects.get(name="Eating")
    response = client.post("/settings/themes/", {"themes": [suicide.pk, eating.pk]})
    assert response.status_code == 302
    assert set(person.avoided_themes.all()) == {suicide, eating}

    page = client.get("/settings/themes/").content.decode()
    checked = [
        box.attrs["value"] for box in find(page, "input", type="checkbox") if "checked" in box.attrs
    ]
    assert checked == [str(suicide.pk), str(eating.pk)]
    assert "Your themes are saved." in page

    # Unticking everything clears the list.
    client.post("/settings/themes/", {})
    assert not person.avoided_themes.exists()


def test_the_settings_page_reads_with_a_fixed_number_of_queries(db):
    person = make_user()
    person.avoided_themes.set(Theme.objects.all()[:3])
    queries, sql = count_queries(signed_in(person), "/settings/themes/")
    # the user (sessions are in the cache with Redis), the themes with the person's
    # choices, the navigation's counts, the form's own choices
    assert queries == SESSION + 4, "\n".join(sql)


def test_one_persons_themes_do_not_change_anyone_elses_list(db):
    mara, jun = make_user(), make_user()
    signed_in(mara).post("/settings/themes/", {"themes": [Theme.objects.get(name="Abuse").pk]})
    assert not jun.avoided_themes.exists()


@pytest.fixture
def room(db) -> dict[str, Any]:
    organizer = make_organizer()
    group = group_actions.create_group(
        actor=organizer, name="Evening circle", description="Gently run.", topics=[], capacity=20
    )
    people = {name: make_user(display_name=name) for name in ("Mara", "Jun", "Ari")}
    for person in people.values():
        join_open(person, group)
    group.refresh_from_db()
    chat.send_message(
        user=people["Ari"], group=group, client_id="c1", body="Hard day.", content_warning="suicide"
    )
    group.refresh_from_db()
    chat.send_message(
        user=people["Ari"], group=group, client_id="c2", body="Grief.", content_warning="Grief"
    )
    people["Mara"].avoided_themes.set([Theme.objects.get(name="Suicide")])
    return {"group": group, **people}


def warnings_seen(client: Client, group: Any) -> list[str]:
    page = client.get(f"/groups/{group.slug}/").content.decode()
    lines = [" ".join(summary.text.split()) for summary in find(page, "summary")]
    return [line for line in lines if line.startswith("Content warning")]


def test_a_warning_on_a_chosen_theme_says_it_stays_folded_for_that_reader_only(room):
    mara_sees = warnings_seen(signed_in(room["Mara"]), room["group"])
    assert [FOLDED_NOTE in line for line in mara_sees] == [True, False]
    jun_sees = warnings_seen(signed_in(room["Jun"]), room["group"])
    assert [FOLDED_NOTE in line for line in jun_sees] == [False, False]


def test_the_composer_offers_the_themes_and_leaves_room_for_other_words(room):
    page = signed_in(room["Jun"]).get(f"/groups/{room['group'].slug}/").content.decode()
    (field,) = find(page, "input", name="content_warning")
    assert field.attrs["list"] == "cw-themes"
    (datalist,) = find(page, "datalist", id="cw-themes")
    assert [option.attrs["value"] for option in datalist.children] == SEEDED
    # Free words are still welcome: the field is a text box, not a menu.
    assert field.attrs["type"] == "text"


def test_an_organizer_adds_a_theme_members_can_then_choose(db):
    organizer = make_organizer()
    client = signed_in(organizer)
    response = client.post("/admin/community/theme/add/", {"name": "Miscarriage", "position": 6})
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert response.headers["Location"] == "/admin/community/theme/", response.headers["Location"]
    assert Theme.objects.filter(name="Miscarriage").exists()
    member_page = signed_in(make_user()).get("/settings/themes/").content.decode()
    labels = [label.text for label in find(member_page, "label")]
    assert "Miscarriage" in labels, labels


def test_the_organizers_page_never_shows_who_keeps_which_theme_folded(db):
    mara = make_user(display_name="Mara Quietly")
    mara.avoided_themes.set([Theme.objects.get(name="Abuse")])
    client = signed_in(make_organizer())
    abuse = Theme.objects.get(name="Abuse")
    page = client.get(f"/admin/community/theme/{abuse.pk}/change/").content.decode()
    assert response_ok(page)
    assert "Mara Quietly" not in page and mara.email not in page


def test_a_member_cannot_edit_the_list(db):
    response = signed_in(make_user()).get("/admin/community/theme/")
    assert response.status_code == 302
    assert "/admin/login/" in response.headers["Location"]


def response_ok(page: str) -> bool:
    return 'name="name"' in page


def test_the_room_script_learns_only_this_readers_themes(room):
    page = signed_in(room["Mara"]).get(f"/groups/{room['group'].slug}/").content.decode()
    (data,) = find(page, "script", id="me-data")
    assert json.loads(data.text)["avoided"] == ["suicide"]
    page = signed_in(room["Jun"]).get(f"/groups/{room['group'].slug}/").content.decode()
    (data,) = find(page, "script", id="me-data")
    assert json.loads(data.text)["avoided"] == []
