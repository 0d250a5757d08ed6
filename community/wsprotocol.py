"""uvicorn's WebSocket protocol, letting go of the opening handshake once it is done,
and keeping each socket's address and path out of the logs.

uvicorn's websockets-sansio protocol keeps the opening request and its response
(both with parsed headers) for the connection's whole life, though it reads
neither after the handshake: about 4 KB of an idle socket (docs/performance.md).
This subclass drops them when the handshake completes; everything else is
uvicorn's. bin/serve names it with `--ws`, and so do the benchmark and the test
servers. Should uvicorn rename those attributes, nothing breaks: the memory is
kept again, and tests/community/test_wsprotocol.py says so.

uvicorn logs every handshake at INFO with the client's address and the path,
`/ws/groups/<slug>/`, whatever `--no-access-log` says; the slug names the group,
which can reveal what someone is living with (DESIGN.md rule 9). Its protocol
logs through `self.logger`, so this one gets a logger of its own that settings
hold at WARNING: the errors (an application that fails) still show.
"""

import logging
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

# The import path bin/serve passes to uvicorn's --ws.
PATH = "community.wsprotocol:WebSocketProtocol"


class WebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logger = logging.getLogger(__name__)

    async def send(self, message: Any) -> None:
        await super().send(message)
        if self.handshake_complete and getattr(self, "request", None) is not None:
            self.request = self.response = None  # type: ignore[assignment]
