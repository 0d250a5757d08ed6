"""Boundaries a member sets for themselves: mute, block, and taking them back.

Quiet by design: nothing is written anyone else reads, no audit entry (it is not a
decision about the other person), and the other person is never told. The
person's own sockets in that group hear the change (`user.boundaries`), and so do
the other person's, which only re-read whom they may not show presence and typing
to and send their client nothing (groups/consumers.py).
"""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from community import ratelimit
from community.errors import Refused
from groups import events, permissions
from groups.models import Boundary, BoundaryKind, Group, Membership

# Plenty for anyone setting their boundaries; not enough to flicker someone's presence
# on and off at them (each block and unblock refreshes who they see here).
BURST = 20
RATE = 1 / 30  # a change every 30 seconds once the burst is spent


@transaction.atomic
def set_boundary(*, user: Any, group: Group, target_id: int, kind: str) -> Membership:
    """Mute or block a member of the group (`kind`), or take it back (`kind` "none").

    Returns the target's membership, for the caller to name them as the group does.
    """
    if kind not in (*BoundaryKind.values, "none"):
        raise Refused("invalid_kind", _("Please choose mute, block, or neither."))
    membership = permissions.membership_with_person(group, user)
    target = Membership.objects.select_related("user").filter(pk=target_id).first()
    person = membership.user if membership is not None else user
    permissions.check_can_set_boundary(person, group, membership, target)
    assert membership is not None and target is not None  # checked just above
    ratelimit.require(
        f"boundary:{membership.user_id}",
        rate=RATE,
        burst=BURST,
        refusal=_("That's a lot of changes in a short while. Please wait a moment and try again."),
    )
    if kind == "none":
        Boundary.objects.filter(owner=membership, target=target).delete()
    else:
        Boundary.objects.update_or_create(owner=membership, target=target, defaults={"kind": kind})
    _tell_sockets(membership, target)
    return target


@transaction.atomic
def remove_boundary(*, user: Any, boundary_id: int) -> Boundary:
    """Take back one of the person's own boundaries, whatever their standing in its group.

    Letting go of a boundary never needs the room: a person removed from a group
    may still want to undo a mute they set there. Someone else's boundary is
    "missing", as a boundary that does not exist.
    """
    boundary = (
        Boundary.objects.select_related("owner", "target__user")
        .filter(pk=boundary_id, owner__user=user)
        .first()
    )
    if boundary is None:
        raise Refused("not_found", _("That boundary can't be found."))
    boundary.delete()
    _tell_sockets(boundary.owner, boundary.target)
    return boundary


def _tell_sockets(owner: Membership, target: Membership) -> None:
    for user_id in (owner.user_id, target.user_id):
        events.boundaries_changed(user_id, group_id=owner.group_id)
