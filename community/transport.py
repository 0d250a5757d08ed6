"""What each ASGI server raises when we write to a socket whose client has left.

uvicorn raises ClientDisconnected (an OSError); daphne, the development server,
raises autobahn's Disconnected, which is not one. Either means: nothing to
deliver, nothing to log.
"""

try:
    from autobahn.exception import Disconnected
except ImportError:  # production runs uvicorn alone
    CLIENT_GONE: tuple[type[Exception], ...] = (OSError,)
else:
    CLIENT_GONE = (OSError, Disconnected)
