"""Template tags for the safety controls every page carries."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def quick_exit_url() -> str:
    """Where "Leave quickly" goes: a neutral page (settings.HEARTH_QUICK_EXIT_URL).

    A tag rather than a context processor, so the error pages (rendered without a
    request context) carry the button too.
    """
    return str(settings.HEARTH_QUICK_EXIT_URL)
