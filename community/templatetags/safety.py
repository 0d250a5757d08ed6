"""Template tags for the safety controls every page carries, and its client's words."""

from django import template
from django.conf import settings

from community.language_views import catalogue_url

register = template.Library()


@register.simple_tag
def quick_exit_url() -> str:
    """Where "Leave quickly" goes: a neutral page (settings.HEARTH_QUICK_EXIT_URL).

    A tag rather than a context processor, so the error pages (rendered without a
    request context) carry the button too.
    """
    return str(settings.HEARTH_QUICK_EXIT_URL)


@register.simple_tag
def javascript_catalogue_url() -> str:
    """The address of the chat client's words in the page's language (cached a year)."""
    return catalogue_url()
