"""Read HTML the way a browser would, so tests assert on structure, not on spelling."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

# Elements whose content the HTML parser treats as raw text or that run code.
EXECUTABLE_TAGS = frozenset(
    [
        "script",
        "style",
        "iframe",
        "frame",
        "object",
        "embed",
        "svg",
        "math",
        "base",
        "meta",
        "link",
        "form",
        "textarea",
        "noscript",
        "title",
        "template",
        "xmp",
        "plaintext",
        "noembed",
        "noframes",
        "img",
        "video",
        "audio",
        "source",
        "input",
        "button",
    ]
)
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "data", "srcset", "poster", "xlink:href", "background"}
)
SAFE_SCHEMES = frozenset({"", "http", "https", "mailto"})
_C0_OR_SPACE = "".join(chr(i) for i in range(0x21))
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    children: list["Element"] = field(default_factory=list)


class _Collector(HTMLParser):
    VOID = frozenset(
        [
            "br",
            "hr",
            "img",
            "input",
            "meta",
            "link",
            "source",
            "area",
            "base",
            "col",
            "embed",
            "wbr",
        ]
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.elements.append(element)
        if self._open:
            self._open[-1].children.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID and self._open and self._open[-1].tag == tag:
            self._open.pop()

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data


def parse(html: str) -> list[Element]:
    """Return every element of `html`, in document order, with its text content."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.elements


def find(html: str, tag: str, **attrs: str) -> list[Element]:
    """Return the `tag` elements whose attributes include `attrs` (class_ matches a class)."""
    found = []
    for element in parse(html):
        if element.tag != tag:
            continue
        ok = True
        for name, wanted in attrs.items():
            if name == "class_":
                ok = ok and wanted in element.attrs.get("class", "").split()
            else:
                ok = ok and element.attrs.get(name) == wanted
        if ok:
            found.append(element)
    return found


def url_scheme(url: str) -> str:
    """Return the scheme a browser would see in `url` (lower case), or "" for a relative URL.

    Follows the WHATWG URL parser: leading and trailing C0 controls and spaces are
    stripped and tabs and newlines removed anywhere before the scheme is read.
    """
    url = _TAB_OR_NEWLINE.sub("", url.strip(_C0_OR_SPACE))
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else ""


def executable_constructs(html: str) -> list[str]:
    """Describe everything in `html` that could run code or load something; [] if none.

    Looks for dangerous elements, any `on*` event-handler attribute, `style`
    attributes, and URL attributes whose scheme is not http, https or mailto.
    """
    problems = []
    for element in parse(html):
        if element.tag in EXECUTABLE_TAGS:
            problems.append(f"<{element.tag}> element")
        for name, value in element.attrs.items():
            if name.startswith("on"):
                problems.append(f"{name}= on <{element.tag}>")
            elif name == "style":
                problems.append(f"style= on <{element.tag}>")
            elif name in URL_ATTRIBUTES and url_scheme(value) not in SAFE_SCHEMES:
                problems.append(f"{name}={value!r} on <{element.tag}>")
    return problems


def text_of(html: str) -> str:
    """Return the visible text of `html` with whitespace collapsed."""
    parts: list[str] = []

    class _Text(HTMLParser):
        def handle_data(self, data: str) -> None:
            parts.append(data)

    reader = _Text(convert_charrefs=True)
    reader.feed(html)
    reader.close()
    return " ".join(" ".join(parts).split())


def form_errors(html: str) -> list[str]:
    """Return the error messages a form page shows (Django's error lists and the site's own)."""
    errors: list[str] = []
    for element in parse(html):
        classes = element.attrs.get("class", "").split()
        if element.tag == "ul" and "errorlist" in classes:
            errors.extend(" ".join(li.text.split()) for li in element.children if li.tag == "li")
        elif element.tag == "p" and "error" in classes:
            errors.append(" ".join(element.text.split()))
    return errors


_PER_RESPONSE = re.compile(rb'((?:name="csrfmiddlewaretoken" value|nonce)=")[^"]*"')


def unmasked(content: bytes) -> bytes:
    """The page with its per-response values (masked CSRF token, CSP nonce) blanked."""
    return _PER_RESPONSE.sub(rb'\1"', content)


def unmasked_headers(response: Any) -> dict[str, str]:
    """A response's headers with the per-response CSP nonce and request id blanked."""
    return {
        name: "" if name == "X-Request-ID" else re.sub(r"'nonce-[^']*'", "'nonce-'", value)
        for name, value in response.headers.items()
    }
