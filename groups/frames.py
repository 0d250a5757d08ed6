"""Parsing and checking incoming WebSocket frames: refuse anything malformed, clearly."""

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from community.cleaning import check_storable
from community.errors import Refused

MAX_INT = 2**53 - 1  # what a browser can count exactly
MAX_DEPTH = 8  # a frame is a flat object; anything nested deeper than this is abuse


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 16:
        raise ValueError("number too large")
    return int(text)


def _too_deep(value: Any, depth: int = 1) -> bool:
    """Return True when objects and arrays nest more than `MAX_DEPTH` levels."""
    if isinstance(value, dict):
        children: Any = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return False
    if depth > MAX_DEPTH:
        return True
    return any(_too_deep(child, depth + 1) for child in children)


def too_big(text: str, limit: int) -> bool:
    """True when the frame is over `limit` bytes of UTF-8, as uvicorn counts it."""
    # "surrogatepass": a lone surrogate is refused later, as `invalid_text`, not here.
    return len(text.encode("utf-8", "surrogatepass")) > limit


def parse(text: str) -> dict[str, Any]:
    """Decode a JSON object frame with a string `type`, or refuse with a reason."""
    try:
        frame = json.loads(text, parse_constant=_reject_constant, parse_int=_bounded_int)
    except RecursionError:
        raise Refused("bad_json", _("That message is nested too deeply to read.")) from None
    except (ValueError, TypeError):
        raise Refused("bad_json", _("That message was not valid JSON.")) from None
    # Python 3.13 decodes thousands of levels without a RecursionError, and a
    # 16 KiB frame holds 8,000 of them: refuse them here, as the protocol says.
    if _too_deep(frame):
        raise Refused("bad_json", _("That message is nested too deeply to read."))
    if not isinstance(frame, dict):
        raise Refused("bad_frame", _("Each message must be a JSON object with a type."))
    kind = frame.get("type")
    if not isinstance(kind, str) or not kind:
        raise Refused("bad_frame", _("Each message must say its type."))
    return frame


def text(frame: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = frame.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        # Translators: %(name)s is a field of the socket's protocol, as sent ("body"): keep it.
        raise Refused("bad_field", _("“%(name)s” must be text.") % {"name": name}, field=name)
    return value


def integer(frame: dict[str, Any], name: str, *, required: bool = True) -> int:
    value = frame.get(name)
    if value is None and not required:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT:
        raise Refused(
            "bad_field",
            # Translators: %(name)s is a field of the socket's protocol, as sent ("id"): keep it.
            _("“%(name)s” must be a whole number.") % {"name": name},
            field=name,
        )
    return value


def flag(frame: dict[str, Any], name: str) -> bool:
    value = frame.get(name, False)
    if not isinstance(value, bool):
        raise Refused(
            "bad_field",
            # Translators: %(name)s is a field of the socket's protocol, as sent ("pass"): keep it.
            _("“%(name)s” must be true or false.") % {"name": name},
            field=name,
        )
    return value


def texts(frame: dict[str, Any], form: forms.Form, *names: str) -> dict[str, Any]:
    """The frame's text fields, each cleaned by the field of that name in `form`: the
    form the same action's page posts, so the limits, trimming and choices are its."""
    cleaned = {}
    for name in names:
        value = check_storable(text(frame, name, required=False), field=name)
        try:
            cleaned[name] = form.fields[name].clean(value)
        except ValidationError as error:
            raise _refusal(name, error.error_list[0]) from None
    return cleaned


def _label(name: str) -> str:
    """A frame's text field as a person reads its name in a sentence ("the reason")."""
    labels = {
        "clause": pgettext("field of a form", "clause"),
        "note": pgettext("field of a form", "note"),
        "reason": pgettext("field of a form", "reason"),
        "text": pgettext("field of a form", "text"),
        "message": pgettext("field of a form", "message"),
    }
    return labels.get(name, name.replace("_", " "))


def _refusal(name: str, error: ValidationError) -> Refused:
    label = _label(name)
    if error.code == "required":
        # Translators: %(field)s names the field left empty ("reason", "note", "clause").
        return Refused("empty", _("Please fill in the %(field)s.") % {"field": label}, field=name)
    if error.code == "max_length":
        limit = (error.params or {}).get("limit_value", 0)
        return Refused(
            "too_long",
            # Translators: %(field)s names the field ("reason", "note"); %(limit)s is a number.
            ngettext(
                "Please keep the %(field)s to %(limit)s character or fewer.",
                "Please keep the %(field)s to %(limit)s characters or fewer.",
                limit,
            )
            % {"field": label, "limit": number_format(limit, force_grouping=True)},
            field=name,
        )
    if error.code == "invalid_choice":
        return Refused(
            "invalid_choice",
            # Translators: %(field)s names the field ("clause").
            _("That %(field)s isn't one of the choices here.") % {"field": label},
            field=name,
        )
    # Translators: %(field)s names the field ("reason", "note", "clause").
    return Refused("bad_field", _("Please check the %(field)s.") % {"field": label}, field=name)
