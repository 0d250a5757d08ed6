"""uvicorn's WebSocket protocol, letting go of the opening handshake once it is done.

uvicorn's websockets-sansio protocol keeps the opening request and its response
(both with parsed headers) for the connection's whole life, though it reads
neither after the handshake: about 4 KB of an idle socket (docs/performance.md).
This subclass drops them when the handshake completes; everything else is
uvicorn's. bin/serve names it with `--ws`, and so do the benchmark and the test
servers. Should uvicorn rename those attributes, nothing breaks: the memory is
kept again, and tests/community/test_wsprotocol.py says so.
"""

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

# The import path bin/serve passes to uvicorn's --ws.
PATH = "community.wsprotocol:WebSocketProtocol"


class WebSocketProtocol(WebSocketsSansIOProtocol):
    async def send(self, message: Any) -> None:
        await super().send(message)
        if self.handshake_complete and getattr(self, "request", None) is not None:
            self.request = self.response = None  # type: ignore[assignment]
