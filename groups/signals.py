"""Changes to a person's account reach their open sockets, whichever path made them.

A socket re-reads its standing when told (groups/consumers.py). The moderation
actions tell it themselves; these receivers cover what no action of ours does:
the Django admin deactivating an account or editing a suspension, a password
changed anywhere (other sessions stop being valid), an email address removed or
unverified, and signing out or a session deleted (only that session's sockets
close). Telling a socket
costs one message on the person's channel; the socket then reads its own rows.
"""

from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.signals import user_logged_out
from django.contrib.sessions.models import Session
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from community.wsauth import session_tag
from groups import events

# Saved at every sign-in; says nothing about whether the person may stay.
_HARMLESS = frozenset({"last_login"})


@receiver(post_save, sender=get_user_model(), dispatch_uid="standing-account-saved")
def account_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if created or (fields is not None and set(fields) <= _HARMLESS):
        return
    events.recheck_user(instance.pk)


@receiver(post_save, sender=EmailAddress, dispatch_uid="standing-address-saved")
@receiver(post_delete, sender=EmailAddress, dispatch_uid="standing-address-deleted")
def address_changed(sender: Any, instance: EmailAddress, **kwargs: Any) -> None:
    events.recheck_user(instance.user_id)


@receiver(user_logged_out, dispatch_uid="standing-signed-out")
def signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and key:
        events.signed_out(user.pk, session_tag(key))


@receiver(post_delete, sender=Session, dispatch_uid="standing-session-deleted")
def session_deleted(sender: Any, instance: Session, **kwargs: Any) -> None:
    """A session stored in the database ended (expired and cleared, or removed by hand).

    Sessions kept only in the cache end without a signal; the sockets' fallback
    re-check finds those within its bound.
    """
    user_id = instance.get_decoded().get(SESSION_KEY)
    if user_id is not None:
        events.signed_out(int(user_id), session_tag(instance.session_key))
