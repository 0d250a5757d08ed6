"""A request to join carries the name asked for (issue 16 item 3).

In a by-request group that allows pseudonyms, the facilitators reading a request see
the name the person asked to go by, never the account's own name behind it, and the
person is welcomed under that name. A name that looks like someone else's is refused
as it is on joining.
"""

from typing import Any

import pytest
from django.test import Client

from community.errors import Refused
from groups.actions import membership as member_actions
from groups.models import JoinPolicy, JoinRequest, Membership
from tests.factories import make_user
from tests.groups.conftest import group_with_fern, join_open
from tests.html import find, text_of

TAKEN = (
    "Someone in this group already goes by that name, or one that looks just like it. "
    "Please choose another."
)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def circle(db: None) -> dict[str, Any]:
    organizer, group, facilitator = group_with_fern("Quiet harbour")
    set_policy(group, JoinPolicy.REQUEST)
    asking = make_user(display_name="Rosalind Achterberg")  # a real name, kept private
    return {"organizer": organizer, "group": group, "facilitator": facilitator, "asking": asking}


def set_policy(group: Any, policy: str) -> None:
    group.join_policy = policy
    group.save(update_fields=["join_policy"])


def seat_someone_as(group: Any, pseudonym: str) -> None:
    """Someone else already goes by `pseudonym` (joined while the group was open)."""
    set_policy(group, JoinPolicy.OPEN)
    join_open(make_user(display_name="Someone else"), group, pseudonym=pseudonym)
    set_policy(group, JoinPolicy.REQUEST)


def ask(circle: dict[str, Any], **data: str) -> Any:
    return signed_in(circle["asking"]).post(f"/groups/{circle['group'].slug}/request/", data)


def test_the_form_asks_for_a_name_where_the_group_allows_one(circle):
    page = signed_in(circle["asking"]).get(f"/groups/{circle['group'].slug}/").content.decode()
    (field,) = find(page, "input", name="pseudonym")
    labels = [
        label.text for label in find(page, "label") if label.attrs.get("for") == field.attrs["id"]
    ]
    assert labels == ["Name in this group:"]


def test_facilitators_see_the_name_asked_for_and_never_the_account_behind_it(circle):
    response = ask(circle, note="I lost my dad in spring.", pseudonym="Wren")
    assert response.status_code == 302
    request = JoinRequest.objects.get(user=circle["asking"])
    assert request.pseudonym == "Wren"

    page = signed_in(circle["facilitator"]).get(f"/groups/{circle['group'].slug}/requests/")
    shown = text_of(page.content.decode())
    assert "Wren" in shown and "Welcome Wren" in shown
    assert "Rosalind" not in page.content.decode()
    assert circle["asking"].email not in page.content.decode()

    member_actions.decide_request(actor=circle["facilitator"], join_request=request, approve=True)
    seated = Membership.objects.get(group=circle["group"], user=circle["asking"])
    assert seated.display_name == "Wren"


def test_a_look_alike_of_someone_elses_name_is_refused_and_nothing_is_stored(circle):
    seat_someone_as(circle["group"], "Wren")
    response = ask(circle, pseudonym="wrén")
    assert response.status_code == 400
    assert TAKEN in response.content.decode()
    assert not JoinRequest.objects.filter(user=circle["asking"]).exists()


def test_a_name_taken_while_the_request_waited_leaves_the_choice_for_their_first_visit(circle):
    request = member_actions.request_to_join(
        user=circle["asking"], group=circle["group"], pseudonym="Wren"
    )
    group = circle["group"]
    seat_someone_as(group, "WREN")

    member_actions.decide_request(actor=circle["facilitator"], join_request=request, approve=True)
    seated = Membership.objects.get(group=group, user=circle["asking"])
    assert seated.pseudonym == ""
    assert seated.consented_version == 0  # they read the agreement and choose a name first


def test_without_pseudonyms_the_form_asks_for_none_and_a_posted_one_is_ignored(circle):
    group = circle["group"]
    group.pseudonyms_allowed = False
    group.save(update_fields=["pseudonyms_allowed"])
    page = signed_in(circle["asking"]).get(f"/groups/{group.slug}/").content.decode()
    assert not find(page, "input", name="pseudonym")
    assert ask(circle, pseudonym="Wren").status_code == 302
    assert JoinRequest.objects.get(user=circle["asking"]).pseudonym == ""


def test_the_action_refuses_a_name_that_is_not_a_name(circle):
    with pytest.raises(Refused) as refused:
        member_actions.request_to_join(
            user=circle["asking"], group=circle["group"], pseudonym="\u200b\u200b"
        )
    assert refused.value.code == "invalid_name"
    assert not JoinRequest.objects.exists()
