"""A pause that helps the room breathe (issue 17 item 5, first part).

A pause without words of the facilitator's own carries a grounding prompt; the form
offers it to be kept or rewritten; the room shows a breathing guide while it rests,
as a shape (hidden from assistive technology) and in words, and not otherwise.
"""

from typing import Any

import pytest

from groups.models import Group
from moderation.actions import rooms
from moderation.actions.rooms import GROUNDING_PROMPT
from tests.chat.conftest import make_room
from tests.factories import signed_in
from tests.html import find

pytestmark = pytest.mark.django_db


@pytest.fixture
def circle(db: None) -> dict[str, Any]:
    return make_room(members=1, facilitators=1)


def guide(user: Any, group: Group) -> Any:
    (details,) = find(
        signed_in(user).get(f"/groups/{group.slug}/").content.decode(), "details", id="breathe"
    )
    return details


def test_a_pause_without_words_carries_the_grounding_prompt(circle):
    group = rooms.pause(actor=circle["facilitators"][0], group=circle["group"], minutes=5)
    assert group.pause_message == GROUNDING_PROMPT
    page = signed_in(circle["members"][0]).get(f"/groups/{group.slug}/").content.decode()
    (state,) = find(page, "div", id="room-state")
    assert " ".join(state.text.split()) == f"The room is paused for a moment. {GROUNDING_PROMPT}"


def test_a_facilitators_own_words_replace_it(circle):
    group = rooms.pause(
        actor=circle["facilitators"][0], group=circle["group"], minutes=5, message="  Back in 5.  "
    )
    assert group.pause_message == "Back in 5."


def test_the_pause_form_offers_the_prompt_to_keep_or_rewrite(circle):
    page = signed_in(circle["facilitators"][0]).get(f"/moderation/rooms/{circle['group'].slug}/")
    assert page.status_code == 200, page.status_code
    (field,) = find(page.content.decode(), "textarea", name="message")
    assert field.text.strip() == GROUNDING_PROMPT


def test_the_breathing_guide_shows_only_while_the_room_rests(circle):
    member, group = circle["members"][0], circle["group"]
    assert "hidden" in guide(member, group).attrs["class"].split()
    rooms.pause(actor=circle["facilitators"][0], group=group, minutes=5)
    shown = guide(member, group)
    assert "hidden" not in shown.attrs["class"].split()
    text = " ".join(shown.text.split())
    assert text.startswith("Breathe along while the room rests")
    assert "Breathe in for a count of four, hold for four, breathe out for four" in text
    (circle_shape,) = find(str_of(member, group), "div", class_="breathe-circle")
    assert circle_shape.attrs["aria-hidden"] == "true"
    rooms.resume(actor=circle["facilitators"][0], group=group)
    assert "hidden" in guide(member, group).attrs["class"].split()


def str_of(user: Any, group: Group) -> str:
    return signed_in(user).get(f"/groups/{group.slug}/").content.decode()
