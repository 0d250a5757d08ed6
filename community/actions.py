"""Writes with rules for site-wide things: profiles."""

from community.models import User
from community.names import validate_name
from community.text import render_markdown


def update_profile(*, user: User, display_name: str, pronouns: str, bio: str, region: str) -> User:
    """Save a person's profile, cleaning the name and rendering the bio."""
    user.display_name = validate_name(display_name)
    user.pronouns = " ".join(pronouns.split())[:40]
    user.bio = bio.strip()
    user.bio_html = render_markdown(user.bio)
    user.region = region
    user.save(update_fields=["display_name", "pronouns", "bio", "bio_html", "region"])
    return user
