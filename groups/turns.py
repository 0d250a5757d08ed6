"""The talking piece's rule for the one write path: during a round, only its holder posts.

Read by `chat.send_messages` with the group row it already holds: a room with no
talking-piece round open costs nothing; one with a round costs one read, and only
for those who are not the room's keepers (facilitators always may post, to hold
the space).
"""

from community.errors import Refused
from groups import permissions
from groups.models import Group, Membership, Round
from groups.session_state import is_current

ORDINALS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
]


def ordinal(n: int) -> str:
    return ORDINALS[n - 1] if 0 < n <= len(ORDINALS) else f"number {n}"


def place_words(round_: Round, membership_id: int) -> str:
    """Where a person stands in the piece's order, in words: "Your turn is next."."""
    waiting = round_.order[round_.position + 1 :]
    if membership_id not in waiting:
        return "You can ask for the piece if you'd like a turn."
    place = waiting.index(membership_id) + 1
    return "Your turn is next." if place == 1 else f"Your turn is {ordinal(place)} from now."


def out_of_turn(group: Group, membership: Membership) -> Refused | None:
    """The refusal for a post out of turn now, or None if this person may post."""
    if group.piece_round_id is None or permissions.keeps_room(membership.user, group, membership):
        return None
    round_ = Round.objects.select_related("session").filter(pk=group.piece_round_id).first()
    if round_ is None or round_.closed_at is not None or not is_current(round_.session):
        return None  # a round its session outlived no longer holds the room
    holder = round_.holder_id
    if holder == membership.pk:
        return None
    if holder is None:
        detail = "The talking piece is resting in the middle. " + place_words(round_, membership.pk)
    else:
        name = Membership.objects.select_related("user").get(pk=holder).display_name
        detail = f"{name} is sharing just now. " + place_words(round_, membership.pk)
    return Refused("not_your_turn", detail)
