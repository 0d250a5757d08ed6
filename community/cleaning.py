"""Checking the text people send, the same whichever door it came through.

Forms check length and trim; socket frames go through the same form fields
(groups/frames.py); and every action checks again what its rows can hold, so no
path gets past. Each refusal names the field it is about.
"""

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from community.errors import Refused

# What the refusals call each text, by the label (or field) the callers name it with, so
# a sentence reads "El campo «mensaje» está vacío." in Spanish. A caller may also pass
# a lazily translated label of its own.
_LABELS = {
    "message": pgettext_lazy("the text being checked", "message"),
    "body": pgettext_lazy("the text being checked", "message"),
    "content warning": pgettext_lazy("the text being checked", "content warning"),
    "prompt": pgettext_lazy("the text being checked", "prompt"),
    "words": pgettext_lazy("the text being checked", "words"),
    "clause": pgettext_lazy("the text being checked", "clause"),
    "reason": pgettext_lazy("the text being checked", "reason"),
    "note": pgettext_lazy("the text being checked", "note"),
    "phrase": pgettext_lazy("the text being checked", "phrase"),
    "appeal": pgettext_lazy("the text being checked", "appeal"),
    "text": pgettext_lazy("the text being checked", "text"),
}


def _named(label: str) -> str:
    return str(_LABELS.get(str(label), label))


def is_storable(value: str) -> bool:
    """False for text with a NUL (PostgreSQL can't store one) or a lone surrogate
    (not UTF-8 at all: it would fail at the write, or in every event carrying it)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_storable(value: str, *, field: str, label: str = "") -> str:
    if not is_storable(value):
        raise Refused(
            "invalid_text",
            # Translators: %(label)s is what the text is, as the caller names it ("message").
            _("The %(label)s has a character we can't store. Please take it out.")
            % {"label": _named(label or field)},
            field=field,
        )
    return value


def check_text(
    value: str,
    *,
    field: str,
    max_length: int,
    label: str = "",
    required: bool = False,
    collapse: bool = False,
) -> str:
    """The text trimmed (or with its spaces collapsed), or a refusal naming `field`."""
    label = label or field.replace("_", " ")
    check_storable(value, field=field, label=label)
    value = " ".join(value.split()) if collapse else value.strip()
    if required and not value:
        # Translators: %(label)s is what the text is, as the caller names it ("message").
        raise Refused("empty", _("The %(label)s is empty.") % {"label": _named(label)}, field=field)
    if len(value) > max_length:
        raise Refused(
            "too_long",
            # Translators: %(label)s is what the text is ("message"); %(max)s a number.
            ngettext(
                "Please keep the %(label)s to %(max)s character or fewer.",
                "Please keep the %(label)s to %(max)s characters or fewer.",
                max_length,
            )
            % {"label": _named(label), "max": number_format(max_length, force_grouping=True)},
            field=field,
        )
    return value
