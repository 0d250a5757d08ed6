"""The close codes of the room's and the personal socket (docs/protocol.md).

Application closes are 4000 + the nearest HTTP status: daphne refuses to send any
code but 1000 and 3000-4999, so 1008, 1009, 1011 and 1013 would fail under it.
"""

CLOSE_NOT_SIGNED_IN = 4401
CLOSE_NOT_ALLOWED = 4403
CLOSE_TOO_BIG = 4413
CLOSE_POLICY = 4429
CLOSE_TRY_AGAIN = 4503
CLOSE_SERVER_ERROR = 4500
