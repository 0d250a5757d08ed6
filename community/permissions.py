"""Site-wide standing: who may act at all, whatever the group. Groups build on these."""

from typing import Any

from allauth.account.models import EmailAddress
from django.utils.translation import gettext as _

from community.errors import Refused


def is_verified(user: Any) -> bool:
    """Return True when the user has confirmed an email address (cached per object)."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_hearth_verified", None)
    if cached is None:
        cached = EmailAddress.objects.filter(user=user, verified=True).exists()
        user._hearth_verified = cached
    return cached


def is_in_good_standing(user: Any) -> bool:
    """Signed in, active, verified and not suspended."""
    return (
        user.is_authenticated
        and user.is_active
        and not getattr(user, "is_suspended", False)
        and is_verified(user)
    )


def is_organizer(user: Any) -> bool:
    return is_in_good_standing(user) and bool(getattr(user, "is_organizer", False))


def may_use_admin(user: Any) -> bool:
    """The Django admin: active staff who are not suspended (superusers included).

    Verification is not asked here: `createsuperuser` makes an account with no
    address on file, and the site's own pages ask for it anyway.
    """
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and not getattr(user, "is_suspended", False)
    )


def check_can_delete_account(user: Any) -> None:
    """Raise `Refused` for those who hold the site for others: they hand over first."""
    if user.is_superuser or user.is_staff or getattr(user, "is_organizer", False):
        raise Refused(
            "hand_over_first",
            _(
                "You keep this site running for others, so your account can't be deleted from "
                "here yet. Please ask another organizer to take over your role first; once it's "
                "handed over, you can delete your account."
            ),
        )


def can_delete_account(user: Any) -> bool:
    """Whether the person may ask for their account to be deleted (the check does not raise)."""
    try:
        check_can_delete_account(user)
    except Refused:
        return False
    return True
