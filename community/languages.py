"""Which language a person reads Hearth in: their own choice in Settings, else their
browser's (the language cookie the switcher sets, then Accept-Language), else English."""

from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation


def chosen(user: Any) -> str | None:
    """The language the person chose in Settings, if it is one Hearth is written in."""
    code = getattr(user, "language", "") or ""
    return code if code in dict(settings.LANGUAGES) else None


def for_reader(user: Any, cookies: dict[str, str], accept_language: str) -> str:
    """The language to answer this person in, from what their request carries."""
    request = SimpleNamespace(
        COOKIES=cookies, META={"HTTP_ACCEPT_LANGUAGE": accept_language}, path_info="/"
    )
    return chosen(user) or translation.get_language_from_request(request)  # type: ignore[arg-type]


def for_recipient(user: Any) -> str:
    """The language of a message written for someone who is not asking right now (an
    email, a reminder): their choice, else the site's default."""
    return chosen(user) or settings.LANGUAGE_CODE


def choose(user: Any, code: str) -> None:
    """Keep the person's choice ("" follows the browser) for every page and socket."""
    if getattr(user, "is_authenticated", False):
        get_user_model().objects.filter(pk=user.pk).update(language=code)
