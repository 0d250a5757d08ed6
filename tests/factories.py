"""People for tests: verified members and organizers, created the way sign-up leaves them."""

import itertools

from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client

from community.models import User

PASSWORD = "a-quiet-kettle-42"
# Queries a signed-in request spends on its session: embedded, sessions are read from
# the database every time; with Redis, through the cache (community/settings.py).
SESSION_READS = 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
_numbers = itertools.count(1)


def make_user(
    *,
    email: str | None = None,
    display_name: str | None = None,
    password: str = PASSWORD,
    verified: bool = True,
    **fields: object,
) -> User:
    """Create a person with a primary email address, verified unless told otherwise."""
    number = next(_numbers)
    email = email or f"person{number}@hearth.test"
    user = User.objects.create_user(
        email=email, password=password, display_name=display_name or f"Person {number}", **fields
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=verified, primary=True)
    return user


def make_organizer(**fields: object) -> User:
    """Create a verified organizer (site-wide role; staff so they may use the admin)."""
    fields.setdefault("display_name", "Olive Organizer")
    return make_user(is_organizer=True, is_staff=True, **fields)  # type: ignore[arg-type]


def signed_in(user: object) -> Client:
    """A test client signed in as `user`."""
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client
