"""A clock a test moves on by hand, instead of sleeping until real time has passed.

`MovableClock` stands in for the `time` module inside one module under test (see the
`consumer_clock` fixture in tests/conftest.py): its `monotonic()` is the real one plus
however far the test has moved it; everything else is the real `time` module's, so the
event loop and every other module keep real time.
"""

import time
from typing import Any


class MovableClock:
    def __init__(self) -> None:
        self.ahead = 0.0

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass at once, as far as the patched module can tell."""
        self.ahead += seconds

    def monotonic(self) -> float:
        return time.monotonic() + self.ahead

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


async def until(condition: Any, within: float = 5.0) -> None:
    """Wait, polling, until `condition()` holds; fail after `within` seconds."""
    import asyncio

    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.01)
