"""Who hears, live, that a group's safety queue moved: its facilitators and the organizers.

Their personal sockets (groups/personal.py) read their counts again and update
the navigation ("Safety queue · 1 urgent") and, in a room, the urgent banner
and the bar of messages waiting for review.
"""

from django.db.models import Q

from community.models import User
from groups import events
from groups.models import MembershipStatus, Role


def keepers(group_id: int) -> list[int]:
    """The people who may act on the group's queue: its facilitators and the organizers."""
    return list(
        User.objects.filter(
            Q(
                memberships__group_id=group_id,
                memberships__role=Role.FACILITATOR,
                memberships__status=MembershipStatus.ACTIVE,
            )
            | Q(is_organizer=True),
            is_active=True,
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def queue_changed(group_id: int) -> None:
    """After commit, the group's keepers' navigation counts are read again."""
    events.alerts_changed(keepers(group_id))
