"""The one text pipeline: every piece of user text is rendered here.

Rich text (agreements, descriptions, bios, resources) is limited Markdown parsed
with raw HTML off, then cleaned with bleach against an allow-list. Chat is plain
text: escaped, line breaks kept, links made clickable. Both give links the same
`rel`. This is the only module that imports bleach.
"""

import difflib
import html
import re
from functools import partial
from urllib.parse import quote, urlsplit

import bleach
from bleach.linkifier import LinkifyFilter, build_url_re
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {"p", "br", "em", "strong", "ul", "ol", "li", "blockquote", "code", "pre", "a", "hr"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener ugc"
MAX_DOMAIN = 200  # what is stored to show beside a link; real host names are shorter


def _set_rel(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = LINK_REL
    attrs.pop((None, "target"), None)
    return attrs


_markdown = MarkdownIt(
    "commonmark", {"html": False, "linkify": False, "typographer": False}
).disable(["heading", "lheading", "html_block", "html_inline"])


def _image_as_link(self, tokens, idx, options, env) -> str:
    # Pictures from elsewhere would be third-party requests: show a link instead.
    token = tokens[idx]
    alt = self.renderInline(token.children or [], options, env) or "image"
    src = html.escape(token.attrGet("src") or "", quote=True)
    return f'<a href="{src}">{alt}</a>'


_markdown.add_render_rule("image", _image_as_link)

# Text that looks like an address becomes a link only for the web schemes: bleach's
# default linkifier also links data:, ftp:, irc:, ssh: and more, bypassing the
# protocol allow-list (links made by the linkifier are not re-checked).
_LINKABLE_URL = build_url_re(protocols=["http", "https"])

_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[
        partial(
            LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"}, url_re=_LINKABLE_URL
        )
    ],
)

_chat_linker = bleach.Linker(callbacks=[_set_rel], skip_tags={"pre", "code"}, url_re=_LINKABLE_URL)
_MAYBE_LINK = re.compile(r"https?://|www\.|\.[a-z]{2,}", re.IGNORECASE)


def clean_html(fragment: str) -> str:
    """Sanitize an HTML fragment against the allow-list."""
    return _cleaner.clean(fragment).strip()


def render_markdown(source: str) -> str:
    """Render limited Markdown to sanitized HTML."""
    source = (source or "").replace("\x00", "")
    return clean_html(_markdown.render(source))


def render_chat(body: str) -> str:
    """Render a plain-text chat body: escaped, line breaks kept, links clickable."""
    escaped = html.escape(body or "", quote=True)
    if _MAYBE_LINK.search(escaped):
        escaped = _chat_linker.linkify(escaped)
    return escaped.replace("\r\n", "\n").replace("\n", "<br>\n")


def safe_link(url: str) -> str | None:
    """Return `url` if it is a plain http(s) link, else None."""
    url = (url or "").strip()
    if any(ord(ch) < 33 or ord(ch) == 127 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    try:  # a host name a browser could look up (labels of at most 63 letters, ...)
        looked_up = parts.hostname.encode("idna")
    except UnicodeError:
        return None
    return url if len(looked_up) <= MAX_DOMAIN else None


def link_domain(url: str) -> str:
    """Return the host name of a link, for showing beside it.

    A name with letters from other scripts is shown as the ASCII name the browser
    really asks for (punycode), so a look-alike spelt with a Cyrillic letter can't pass
    for the real name.
    """
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:  # not a name a browser could look up: show it escaped
        return quote(host, safe=".-")


def render_word_diff(old: str, new: str) -> str:
    """Show how plain text changed, word by word, with <del> and <ins>."""
    old_words, new_words = (old or "").split(), (new or "").split()
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(html.escape(" ".join(old_words[a1:a2])))
            continue
        if a2 > a1:
            out.append(f"<del>{html.escape(' '.join(old_words[a1:a2]))}</del>")
        if b2 > b1:
            out.append(f"<ins>{html.escape(' '.join(new_words[b1:b2]))}</ins>")
    return " ".join(out)
