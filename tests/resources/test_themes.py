"""Resources carry the organizers' themes (issue 16 item 2).

Everyone sees which hard themes a resource touches on; a reader who keeps one of them
folded finds the resource folded behind that note on the library's cards, its page,
the suggestions page and the room's card (server-rendered and over the socket). The
author picks the themes on the resource's form, as for a message's content warning.
"""

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from community.actions import add_default_themes
from community.models import Theme
from community.selectors import touches, words
from groups.models import Resource
from tests.chat.conftest import make_room
from tests.factories import signed_in
from tests.html import find
from tests.resources.conftest import publish

FOLDED = "A theme you keep folded."


def page(user: Any, url: str) -> str:
    response = signed_in(user).get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def folds(html: str) -> list[str]:
    """The summary line of each resource fold on a page."""
    return [" ".join(d.text.split()) for d in find(html, "summary") if "touches on" in d.text]


def text_of_element(element: Any) -> str:
    return " ".join(element.text.split())


def theme(name: str) -> Theme:
    return Theme.objects.get(name=name)


def room_with_a_heavy_resource(*themes: str, **heavy: Any) -> dict[str, Any]:
    """Two members (the first avoids "Suicide") and a facilitator, who published "After a
    loss like this" (`heavy`) on `themes`."""
    add_default_themes()
    people = make_room(members=2, facilitators=1)
    people["members"][0].avoided_themes.set([theme("Suicide")])
    people["heavy"] = publish(
        people["facilitators"][0],
        people["group"],
        "After a loss like this",
        themes=[theme(name) for name in themes],
        **heavy,
    )
    return people


@pytest.fixture
def circle(db: None) -> dict[str, Any]:
    people = room_with_a_heavy_resource(
        "Suicide", "Loss of a child", summary="Words from people who lost someone."
    )
    people["light"] = publish(people["facilitators"][0], people["group"], "Box breathing")
    return people


@pytest.mark.parametrize(
    ("warning", "touched"),
    [
        ("suicide", True),
        ("Talk of suicide, and grief", True),
        ("SUICIDE.", True),
        ("suicidal thoughts", False),  # a different word: the reader chose a theme, not a stem
        ("self harm", True),  # "Self-harm" as the author wrote it without the hyphen
        ("self-harm", True),
        ("harm", False),
        ("", False),
    ],
)
def test_a_warning_touches_a_theme_it_names_as_whole_words(warning: str, touched: bool) -> None:
    avoided = {words("Suicide"), words("Self-harm")}
    assert touches(warning, avoided) is touched


def test_the_library_names_the_themes_to_everyone_and_folds_them_for_who_avoids_them(circle):
    url = f"/groups/{circle['group'].slug}/resources/"
    mara, jun = circle["members"]

    mara_sees = page(mara, url)
    assert folds(mara_sees) == [
        f"A resource that touches on Suicide, Loss of a child. {FOLDED} Show it"
    ]
    (fold,) = find(mara_sees, "details", class_="resource-fold")
    # The title, summary and themes are all inside the fold: nothing heavy shows first.
    assert "After a loss like this" in text_of_element(fold)
    assert "Touches on: Suicide, Loss of a child" in text_of_element(fold)

    jun_sees = page(jun, url)
    assert folds(jun_sees) == []
    themes = [" ".join(p.text.split()) for p in find(jun_sees, "p", class_="resource-themes")]
    assert themes == ["Touches on: Suicide, Loss of a child"]  # the light one names none


def test_the_resources_page_folds_its_words_but_keeps_its_title(circle):
    mara, jun = circle["members"]
    url = circle["heavy"].get_absolute_url()
    mara_sees = page(mara, url)
    assert folds(mara_sees) == [f"It touches on Suicide, Loss of a child. {FOLDED} Show it"]
    (fold,) = find(mara_sees, "details", class_="resource-fold")
    assert "Words from people who lost someone." in text_of_element(fold)
    assert "After a loss like this" in [h.text for h in find(mara_sees, "h2")]
    jun_sees = page(jun, url)
    assert folds(jun_sees) == []
    assert "Words from people who lost someone." in jun_sees


def test_a_member_names_the_themes_of_a_suggestion_and_the_facilitator_sees_them(circle):
    mara, _ = circle["members"]
    facilitator = circle["facilitators"][0]
    slug = circle["group"].slug
    response = signed_in(mara).post(
        f"/groups/{slug}/resources/new/",
        {
            "title": "A letter I wrote",
            "summary": "To my brother.",
            "kind": "article",
            "body": "Some words.",
            "themes": [theme("Suicide").pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    suggested = Resource.objects.get(title="A letter I wrote")
    assert suggested.status == "suggested"
    assert list(suggested.themes.all()) == [theme("Suicide")]

    review = page(facilitator, f"/groups/{slug}/resources/suggestions/")
    themes = [" ".join(p.text.split()) for p in find(review, "p", class_="resource-themes")]
    assert themes == ["Touches on: Suicide"]
    assert folds(review) == []  # the facilitator keeps no theme folded


def test_editing_a_resource_shows_its_themes_ticked_and_can_clear_them(circle):
    facilitator = circle["facilitators"][0]
    heavy = circle["heavy"]
    edit = f"/groups/{circle['group'].slug}/resources/{heavy.pk}/edit/"
    form = page(facilitator, edit)
    ticked = [b.attrs["value"] for b in find(form, "input", name="themes") if "checked" in b.attrs]
    assert sorted(ticked) == sorted([str(theme("Suicide").pk), str(theme("Loss of a child").pk)])
    (legend,) = [legend for legend in find(form, "legend") if "themes" in legend.text]
    assert legend.text == "Hard themes it touches on"

    response = signed_in(facilitator).post(
        edit, {"title": heavy.title, "summary": heavy.summary, "kind": "article", "body": "x"}
    )
    assert response.status_code == 302
    assert not heavy.themes.exists()


def test_an_unknown_theme_is_refused_on_the_form_and_nothing_is_saved(circle):
    facilitator = circle["facilitators"][0]
    response = signed_in(facilitator).post(
        f"/groups/{circle['group'].slug}/resources/new/",
        {"title": "Something", "kind": "article", "body": "x", "themes": ["999999"]},
    )
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Resource.objects.filter(title="Something").exists()


@pytest.mark.django_db(transaction=True)
async def test_a_shared_card_on_a_folded_theme_folds_in_the_room_live_and_on_reload(connect):
    circle = await sync_to_async(room_with_a_heavy_resource)("Suicide")
    mara, jun = circle["members"]
    group = circle["group"]
    listening = await connect(mara, group)
    sharing = await connect(jun, group)
    await sharing.send(
        {
            "type": "message.send",
            "client_id": "share-heavy",
            "body": "This helped me.",
            "resource": circle["heavy"].pk,
        }
    )
    event = await listening.receive_type("message.new")
    # The card names its themes for every reader; Mara's own script folds it (room.js
    # `touches`: her themes ride in her page, never in a payload for others).
    assert event["message"]["resource"]["themes"] == ["Suicide"]

    def room(user: Any) -> str:
        return page(user, f"/groups/{group.slug}/")

    mara_sees = await sync_to_async(room)(mara)
    assert folds(mara_sees) == [f"A shared resource that touches on Suicide. {FOLDED} Show it"]
    jun_sees = await sync_to_async(room)(jun)
    assert folds(jun_sees) == []
    (card,) = find(jun_sees, "div", class_="resource-share")
    assert "Touches on: Suicide" in text_of_element(card)
