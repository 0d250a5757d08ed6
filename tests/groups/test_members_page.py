"""The member list shows each person's bio, as the profile form promises.

A bio belongs to the account, so beside a name someone chose for one group it
would say who that is: there it is left out.
"""

import pytest
from django.test import Client

from community import actions as community_actions
from community.forms import ProfileForm
from groups.actions import membership as member_actions
from tests.chat.conftest import make_room
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def save_bio(user, bio: str) -> None:
    community_actions.update_profile(
        user=user, display_name=user.display_name, pronouns="", bio=bio, region="GB"
    )


def members_page(viewer, group) -> str:
    client = Client()
    client.force_login(viewer)
    response = client.get(f"/groups/{group.slug}/members/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_member_list_shows_bios_rendered_by_the_text_pipeline() -> None:
    room = make_room(members=2, facilitators=0)
    writer, reader = room["members"]
    save_bio(writer, "Here for my *sister*. <script>alert(1)</script>")
    page = members_page(reader, room["group"])
    assert "Here for my <em>sister</em>." in page
    assert "<script>alert" not in page


def test_a_bio_is_not_shown_beside_a_name_chosen_for_the_group() -> None:
    room = make_room(members=1, facilitators=0)
    hidden = make_user(display_name="Jane Doe")
    save_bio(hidden, "Jane from Leeds, mum of two.")
    member_actions.join_group(
        user=hidden, group=room["group"], agreement_version=1, pseudonym="River"
    )
    page = members_page(room["members"][0], room["group"])
    assert "River" in page
    assert "Jane from Leeds" not in page and "Jane Doe" not in page


def test_the_profile_form_says_where_the_bio_is_shown() -> None:
    help_text = str(ProfileForm().fields["bio"].help_text)
    assert "member list" in help_text and "different name" in help_text
