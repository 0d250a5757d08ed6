"""Delete my account: the request, its cancellation by signing in, and the erasure.

The person's row is kept as an anonymous anchor ("Former member", an address
that can't receive mail, no password), because messages hang off memberships and
the audit log names its actor by row: erasing the person scrubs everything that
says who they were, and leaves the history's shape (sequences, audit entries)
whole. Each app scrubs what it holds through `personal_data.register_eraser`.
"""

from datetime import timedelta
from importlib import import_module
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from community import personal_data
from community.models import DataExport, Notice, Region, User
from community.permissions import check_can_delete_account

GRACE = timedelta(days=7)
ERASED_NAME = "Former member"


def request_deletion(*, user: User) -> User:
    """Ask for the account to be erased after the grace period; refused for organizers."""
    check_can_delete_account(user)
    user.erase_after = timezone.now() + GRACE
    user.save(update_fields=["erase_after"])
    end_sessions(user)
    return user


def cancel_deletion(*, user: User) -> bool:
    """Keep the account after all. True when a deletion was waiting."""
    return bool(
        User.objects.filter(pk=user.pk, erase_after__isnull=False, erased_at__isnull=True).update(
            erase_after=None
        )
    )


@receiver(user_logged_in, dispatch_uid="deletion-cancelled-by-signing-in")
def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if getattr(user, "erase_after", None) and cancel_deletion(user=user):
        user.erase_after = None
        if request is not None and hasattr(request, "_messages"):
            messages.info(
                request,
                _(
                    "Welcome back. Because you signed in, your account will not be deleted: "
                    "everything is as you left it."
                ),
            )


def end_sessions(user: User) -> int:
    """Sign the person out everywhere (each deletion tells their sockets, groups/signals.py)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            # Through the engine, so a cached copy goes too (cached_db sessions).
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


def due(now: Any = None) -> list[User]:
    return list(User.objects.filter(erase_after__lte=now or timezone.now(), erased_at__isnull=True))


@transaction.atomic
def erase(*, user: User, now: Any = None) -> User:
    """Erase one person whose grace period is over: each app's part, then who they were."""
    user = User.objects.select_for_update().get(pk=user.pk)
    # Read under the lock: a sign-in that cancelled (or another run that erased) wins.
    now = now or timezone.now()
    if user.erased_at is not None or user.erase_after is None or user.erase_after > now:
        return user
    for eraser in personal_data.erasers():
        eraser(user)
    end_sessions(user)
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    Notice.objects.filter(user=user).delete()
    DataExport.objects.filter(user=user).delete()
    # The admin's history of changes to this account names it in `object_repr`.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).update(object_repr=ERASED_NAME, change_message="")
    user.email = f"erased-{user.pk}@erased.invalid"
    user.display_name = ERASED_NAME
    user.pronouns = user.bio = user.bio_html = user.time_zone = ""
    user.email_reminders = False
    user.region = Region.OTHER
    user.is_active = user.is_staff = user.is_superuser = user.is_organizer = False
    user.set_unusable_password()
    user.last_login = None
    user.erase_after, user.erased_at = None, timezone.now()
    # A plain save: groups/signals.py hears it and closes the person's open sockets.
    user.save()
    return user


def erase_due_accounts(*, now: Any = None) -> int:
    """Erase everyone whose grace period is over. Returns how many."""
    now = now or timezone.now()
    found = due(now)
    for user in found:
        erase(user=user, now=now)
    return len(found)
