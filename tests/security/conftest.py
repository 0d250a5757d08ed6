"""The fixtures of the apps' suites, for tests that cross apps: sockets and rooms
(tests/chat), and the moderation world with a person in every role."""

from tests.chat.conftest import (  # noqa: F401 (fixtures)
    chat_limits,
    connect,
    refused,
    room,
    server_log,
)
from tests.moderation.conftest import _fresh_rules, world  # noqa: F401 (fixtures)
