"""The talking piece's rule for the one write path: during a round, only its holder posts.

Read by `chat.send_messages` with the group row it already holds: a room with no
talking-piece round open costs nothing; one with a round costs one read, and only
for those who are not the room's keepers (facilitators always may post, to hold
the space).
"""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from community.errors import Refused
from groups import permissions
from groups.models import Group, Membership, Round
from groups.session_state import is_current

# Translators: a place in the talking piece's order, as in "Your turn is second from now."
ORDINALS = [
    pgettext_lazy("place in order", "first"),
    pgettext_lazy("place in order", "second"),
    pgettext_lazy("place in order", "third"),
    pgettext_lazy("place in order", "fourth"),
    pgettext_lazy("place in order", "fifth"),
    pgettext_lazy("place in order", "sixth"),
    pgettext_lazy("place in order", "seventh"),
    pgettext_lazy("place in order", "eighth"),
    pgettext_lazy("place in order", "ninth"),
    pgettext_lazy("place in order", "tenth"),
    pgettext_lazy("place in order", "eleventh"),
    pgettext_lazy("place in order", "twelfth"),
]


def ordinal(n: int) -> str:
    """A place in the order as a word ("second"), up to the twelfth; a number after."""
    return str(ORDINALS[n - 1]) if 0 < n <= len(ORDINALS) else str(n)


def place_words(round_: Round, membership_id: int) -> str:
    """Where a person stands in the piece's order, in words: "Your turn is next."."""
    waiting = round_.order[round_.position + 1 :]
    if membership_id not in waiting:
        return _("You can ask for the piece if you'd like a turn.")
    place = waiting.index(membership_id) + 1
    if place == 1:
        return _("Your turn is next.")
    if place <= len(ORDINALS):
        # Translators: %(place)s is a word such as "second" or "third".
        return _("Your turn is %(place)s from now.") % {"place": ordinal(place)}
    return _("Your turn is number %(place)s from now.") % {"place": place}


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
        detail = (
            _("The talking piece is resting in the middle.")
            + " "
            + place_words(round_, membership.pk)
        )
    else:
        name = Membership.objects.select_related("user").get(pk=holder).display_name
        detail = (
            _("%(name)s is sharing just now.") % {"name": name}
            + " "
            + place_words(round_, membership.pk)
        )
    return Refused("not_your_turn", detail)
