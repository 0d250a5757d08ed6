"""Which function handles each `type` of frame a room's socket receives.

The room's consumer (groups/consumers.py) registers its own frames here, and other
apps register theirs in their `AppConfig.ready()` (moderation: reports, worries and
facilitators' actions, moderation/room_frames.py), so the one routed consumer
handles them all without groups importing those apps. A handler is called as
`await handler(socket, frame)`; a type nobody registered is refused by the socket.
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

FrameHandler = Callable[[Any, dict[str, Any]], Awaitable[None]]

# Every registered frame type and its handler (read by the consumer as its `HANDLERS`).
HANDLERS: dict[str, FrameHandler] = {}


def register(handlers: Mapping[str, FrameHandler]) -> None:
    """Add `handlers`; a type already handled by another function is a mistake."""
    for kind, handler in handlers.items():
        if HANDLERS.get(kind, handler) is not handler:
            raise ValueError(f"Frames of type {kind!r} already have a handler")
    HANDLERS.update(handlers)
