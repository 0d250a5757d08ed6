"""How Hearth writes its logs: JSON lines in production, plain lines in development,
and never what would tell a reader who was where.

Every line, from Hearth or a library, passes `Redact` on its way out: an email
address, an IP address or a path under /groups/ or /ws/groups/ (which names a
group) is replaced before it is written. The JSON lines also leave an exception's
message out (a database error can quote a row: a group's name, a slug) and keep
its type and where it was raised. Hearth's own lines carry no message text,
group names or slugs to begin with (DESIGN.md rule 9); these are the net under it.

    {"time": "...", "level": "INFO", "logger": "hearth.requests", "message": "request",
     "request_id": "6f1c...", "view": "groups:group", "method": "GET", "status": 200,
     "duration_ms": 12.4}
"""

import contextvars
import json
import logging
import re
import traceback
from datetime import UTC, datetime
from typing import Any

# The request (or socket) a line was written for: set by community/observe.py.
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

# Fields a line may carry besides its message (`log.info("...", extra={...})`).
FIELDS = (
    "request_id",
    "view",
    "method",
    "status",
    "duration_ms",
    "kind",
    "close_code",
)

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
# Two or more groups of hex digits between colons: an IPv6 address, not a time.
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
GROUP_PATH = re.compile(r"/(ws/)?groups/[^\s\"'?#]+")


def redact(text: str) -> str:
    if "@" in text:
        text = EMAIL.sub("[email]", text)
    if "groups/" in text:
        text = GROUP_PATH.sub(lambda m: f"/{m.group(1) or ''}groups/[…]", text)
    if "." in text:
        text = IPV4.sub("[address]", text)
    if ":" in text:
        text = IPV6.sub(lambda m: "[address]" if _looks_like_ipv6(m.group(0)) else m.group(0), text)
    return text


def _looks_like_ipv6(candidate: str) -> bool:
    import ipaddress

    try:
        ipaddress.IPv6Address(candidate.strip("[]"))
    except ValueError:
        return False
    return True


class Redact(logging.Filter):
    """Scrub emails, addresses and group paths from every line (its message and args)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # args that do not fit: the handler reports it, as without us
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class RequestId(logging.Filter):
    """Give each line the id of the request or socket it was written for."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the known fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in FIELDS:
            value = getattr(record, field, None)
            if value not in (None, ""):
                line[field] = value
        if record.exc_info and record.exc_info[0] is not None:
            kind, _error, trace = record.exc_info
            # Where, never what: the message of an exception can quote a row.
            line["error"] = kind.__name__
            line["stack"] = [
                f"{frame.filename}:{frame.lineno} {frame.name}"
                for frame in traceback.extract_tb(trace)
            ]
        return json.dumps(line, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """Development's lines: time, level, logger, message, then the known fields."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = [
            f"{field}={getattr(record, field)}"
            for field in FIELDS
            if getattr(record, field, None) not in (None, "")
        ]
        if not fields:
            return text
        head, newline, rest = text.partition("\n")
        return f"{head} {' '.join(fields)}{newline}{rest}"
