"""Writes with rules for site-wide things: profiles, the themes a person filters."""

from functools import cache
from zoneinfo import available_timezones

from django.conf import settings

from community.models import Theme, User
from community.names import validate_name
from community.text import render_markdown

# The organizers' starting list of hard themes (as migration 0006 seeded it).
DEFAULT_THEMES = ("Self-harm", "Suicide", "Abuse", "Eating", "Substance use", "Loss of a child")


def add_default_themes() -> None:
    """Put the starting themes back where they are missing (demo data, emptied databases)."""
    for position, name in enumerate(DEFAULT_THEMES):
        Theme.objects.get_or_create(name=name, defaults={"position": position})


@cache
def time_zones() -> tuple[str, ...]:
    """The IANA zones a person may choose, in name order (read from the system once)."""
    return tuple(sorted(zone for zone in available_timezones() if "/" in zone or zone == "UTC"))


def update_profile(
    *,
    user: User,
    display_name: str,
    pronouns: str,
    bio: str,
    region: str,
    time_zone: str = "",
    email_reminders: bool = False,
    language: str | None = None,
) -> User:
    """Save a person's profile, cleaning the name and rendering the bio."""
    user.display_name = validate_name(display_name)
    user.pronouns = " ".join(pronouns.split())[:40]
    user.bio = bio.strip()
    user.bio_html = render_markdown(user.bio)
    user.region = region
    user.time_zone = time_zone if time_zone in time_zones() else ""
    user.email_reminders = email_reminders
    fields = [
        *("display_name", "pronouns", "bio", "bio_html", "region", "time_zone"),
        "email_reminders",
    ]
    if language is not None:  # None: left as it is; "": follow the browser
        user.language = language if language in language_codes() else ""
        fields.append("language")
    user.save(update_fields=fields)
    return user


def language_codes() -> set[str]:
    """The codes a person may choose as their language (settings.LANGUAGES)."""
    return {code for code, _name in settings.LANGUAGES}


def adopt_time_zone(*, user: User, name: str) -> bool:
    """Take the browser's zone as the person's, unless they already have one. True if taken."""
    if user.time_zone or name not in time_zones():
        return False
    return bool(User.objects.filter(pk=user.pk, time_zone="").update(time_zone=name))


def set_avoided_themes(*, user: User, theme_ids: list[int]) -> list[Theme]:
    """Replace the themes a person would rather not see (unknown ids are ignored)."""
    chosen = list(Theme.objects.filter(pk__in=theme_ids))
    user.avoided_themes.set(chosen)
    return chosen
