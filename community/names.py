"""Cleaning of names people choose: display names and per-group pseudonyms."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_NAME_LENGTH = 40

# Characters that reorder or hide text: bidi controls, zero-width marks, BOM.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
_SPACES = re.compile(r"\s+")

# Look-alike letters folded together so "Ann" and "Аnn" (Cyrillic A) collide.
_CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "ѕ": "s",
        "і": "i",
        "ј": "j",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "ɡ": "g",
        "ο": "o",
        "α": "a",
        "ν": "v",
        "ρ": "p",
        "τ": "t",
        "ι": "i",
        "κ": "k",
        "χ": "x",
        "υ": "u",
        "ϲ": "c",
        "ɩ": "l",
        "0": "o",
        "1": "l",
        "3": "e",
        "5": "s",
        "|": "l",
        "$": "s",
        "@": "a",
        "!": "i",
    }
)


def clean_name(value: str) -> str:
    """Return `value` normalized and stripped of invisible and control characters."""
    value = unicodedata.normalize("NFC", value or "")
    value = _INVISIBLE.sub("", value)
    value = "".join(ch if not unicodedata.category(ch).startswith("C") else " " for ch in value)
    return _SPACES.sub(" ", value).strip()


def validate_name(value: str) -> str:
    """Clean a display name or pseudonym, raising ValidationError if none is left."""
    cleaned = clean_name(value)
    if not cleaned:
        raise ValidationError(_("Please choose a name with at least one visible letter."))
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ValidationError(
            ngettext(
                "Please keep the name to %(max)s character or fewer.",
                "Please keep the name to %(max)s characters or fewer.",
                MAX_NAME_LENGTH,
            )
            % {"max": MAX_NAME_LENGTH}
        )
    return cleaned


def name_key(value: str) -> str:
    """Return a comparison key that is case-, accent- and look-alike-insensitive."""
    folded = unicodedata.normalize("NFKD", clean_name(value).casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = folded.translate(_CONFUSABLES)
    folded = re.sub(r"rn", "m", folded)
    return re.sub(r"[\s._\-]+", "", folded)
