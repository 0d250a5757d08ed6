"""The refusal every write path raises: a code for programs, a sentence for people."""

from typing import Any


class Refused(Exception):
    """An action was refused. Nothing was written."""

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra

    def as_event(self) -> dict[str, Any]:
        return {"type": "error", "code": self.code, "detail": self.message, **self.extra}
