"""A pseudo-locale for the i18n tests: every string that goes through Django's i18n
comes out wrapped in ⟦ ⟧, so words left unwrapped on a page were never marked.

The catalogue is built from the msgids of Hearth's Spanish catalogue (so a string
marked but missing from locale/ shows up unwrapped too) and of the Spanish catalogues
Django and allauth ship (their own words are theirs to translate, and are).
"""

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import override_settings
from django.utils.html import strip_tags

CODE = "en-xa"
OPEN, CLOSE = "⟦", "⟧"
OURS = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"
WRAPPED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
# Words a page may show in no language's catalogue: the site's name.
NAMES = {"Hearth"}
# Shown to people, so checked as text: the attributes a browser reads out or displays.
SPOKEN_ATTRIBUTES = {"aria-label", "aria-description", "title", "alt", "placeholder", "label"}
BUTTON_TYPES = {"submit", "button", "reset"}


def catalogues(domain: str = "django") -> list[Path]:
    """Our Spanish catalogue, then every installed app's and Django's own."""
    found = [path for path in [OURS / f"{domain}.po"] if path.exists()]
    import django

    roots = [Path(django.__file__).parent / "conf"]
    roots += [Path(config.path) for config in apps.get_app_configs()]
    for root in roots:
        path = root / "locale" / "es" / "LC_MESSAGES" / f"{domain}.po"
        if path.exists() and path not in found:
            found.append(path)
    return found


def wrap(text: str) -> str:
    return f"{OPEN}{text}{CLOSE}"


def build(directory: Path) -> Path:
    """Write the pseudo-locale's catalogues (the pages' and the JavaScript client's)
    under `directory`, a LOCALE_PATHS entry."""
    target = directory / "en_XA" / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    for domain in ("django", "djangojs"):
        _catalogue(domain).save(str(target / f"{domain}.mo"))
    return target


@contextmanager
def installed(directory: Path) -> Iterator[Path]:
    """The pseudo-locale built under `directory` and offered as a language meanwhile."""
    build(directory)
    with override_settings(
        LOCALE_PATHS=[directory, *settings.LOCALE_PATHS],
        LANGUAGES=[*settings.LANGUAGES, (CODE, "Pseudo")],
    ):
        yield directory


def _catalogue(domain: str) -> polib.MOFile:
    mo = polib.MOFile()
    mo.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Plural-Forms": "nplurals=2; plural=(n != 1);",
    }
    seen: set[tuple[str | None, str]] = set()
    for path in catalogues(domain):
        for entry in polib.pofile(str(path)):
            key = (entry.msgctxt, entry.msgid)
            if entry.obsolete or not entry.msgid or key in seen:
                continue
            seen.add(key)
            if entry.msgid_plural:
                plural = {0: wrap(entry.msgid), 1: wrap(entry.msgid_plural)}
                mo.append(
                    polib.MOEntry(
                        msgctxt=entry.msgctxt,
                        msgid=entry.msgid,
                        msgid_plural=entry.msgid_plural,
                        msgstr_plural=plural,
                    )
                )
            else:
                mo.append(
                    polib.MOEntry(
                        msgctxt=entry.msgctxt, msgid=entry.msgid, msgstr=wrap(entry.msgid)
                    )
                )
    return mo


class _Text(HTMLParser):
    """The text a person can see or hear: text nodes (outside scripts and styles) and
    the attributes read out; an element in another `lang` (a language's own name) and
    everything in it is left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        void = tag in {"input", "img", "meta", "br", "hr", "link", "source", "area", "col", "wbr"}
        leave_out = self.skip or tag in {"script", "style"} or values.get("lang")
        if not void and leave_out and tag != "html":
            self.skip.append(tag)
            return
        if self.skip:
            return
        for name, value in attrs:
            if value and name in SPOKEN_ATTRIBUTES:
                self.parts.append(value)
        if tag == "input" and values.get("type") in BUTTON_TYPES and values.get("value"):
            self.parts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if self.skip and self.skip[-1] == tag:
            self.skip.pop()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    # Joined with a character that is no letter: a wrapped sentence may span the
    # text nodes of a link inside it.
    return "\x1f".join(parser.parts)


def people_wrote() -> list[str]:
    """Every text stored in the database (names, messages, agreements, resources):
    what people wrote is not ours to translate. Longest first, so a name inside a
    longer text goes with the text."""
    found: set[str] = set()
    ours = [
        m
        for label in ("community", "groups", "moderation")
        for m in apps.get_app_config(label).get_models()
    ]
    for model in ours:
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            # A field with choices holds a code, shown through its (translated) label.
            if isinstance(f, models.CharField | models.TextField) and not f.choices
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                if not isinstance(value, str) or not value.strip():
                    continue
                found.add(value.strip())
                if "<" in value:  # stored HTML: its text, as the page shows it
                    found.update(line.strip() for line in unescape(strip_tags(value)).splitlines())
                found.update(line.strip() for line in value.splitlines())
    return sorted((text for text in found if text), key=len, reverse=True)


def unmarked(text: str, wrote: Iterable[str]) -> list[str]:
    """The words of `text` that came through no catalogue (nor from people)."""
    while True:
        stripped = WRAPPED.sub("\x1f", text)
        if stripped == text:
            break
        text = stripped
    # Addresses, links, host names ("findahelpline.com", "gob.mx") and time zones by
    # their IANA names ("Europe/Madrid", "Etc/UTC"): names, in no language.
    text = re.sub(
        r"\S+@\S+|https?://\S+|\b(?:[A-Za-z0-9-]+\.)+[a-z]{2,}\b"
        r"|\b[A-Z][A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+|\bUTC\b",
        " ",
        text,
    )
    written = [re.escape(w) for w in wrote if len(w) >= 3]
    if written:
        text = re.sub(r"(?<!\w)(?:" + "|".join(written) + r")(?!\w)", "\x1f", text)
    return list(dict.fromkeys(_pieces(text)))


def _pieces(text: str) -> Iterator[str]:
    """Each stretch of text with a word in it (two letters or more) that is no name."""
    for piece in text.split("\x1f"):
        if any(w not in NAMES for w in re.findall(r"[A-Za-z][A-Za-z']+", piece)):
            yield " ".join(piece.split())[:100]
