"""Reading the emails the site sends (captured in django.core.mail.outbox)."""

import re
from urllib.parse import urlsplit

from django.core import mail

_LINK = re.compile(r"https?://[^\s<>\"']+")


def links_in(message: mail.EmailMessage) -> list[str]:
    """Return every http(s) link in a message's plain-text body."""
    return _LINK.findall(str(message.body))


def link_in(message: mail.EmailMessage, path_prefix: str) -> str:
    """Return the one link whose path starts with `path_prefix`; fail if there is not one."""
    found = [link for link in links_in(message) if urlsplit(link).path.startswith(path_prefix)]
    assert len(found) == 1, f"expected one {path_prefix} link in {message.body!r}"
    return found[0]


def path_of(link: str) -> str:
    """Return the path (and query) of an absolute link, for the test client."""
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sent_to(address: str) -> list[mail.EmailMessage]:
    """Return the captured messages addressed to `address`."""
    return [message for message in mail.outbox if address in message.to]
