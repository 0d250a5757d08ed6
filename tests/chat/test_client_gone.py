"""A client that left while an event was on its way is dropped quietly, under either server.

uvicorn raises an OSError for a write to a gone client; daphne (the development
server) raises autobahn's Disconnected. Either one only means the socket is over:
it must not be logged as a failed room event, nor end the consumer with an error.
"""

import logging

import pytest
from autobahn.exception import Disconnected

from groups.consumers import RoomConsumer
from groups.personal import PersonalConsumer


def gone(error: Exception):
    async def base_send(message: object) -> None:
        raise error

    return base_send


@pytest.mark.parametrize("error", [Disconnected("closed"), ConnectionResetError()])
async def test_a_room_event_for_a_gone_client_is_dropped_without_an_error(error, caplog) -> None:
    consumer = RoomConsumer()
    consumer.base_send = gone(error)
    consumer.can_read = True
    with caplog.at_level(logging.ERROR):
        await consumer.send(text_data='{"type": "message.new"}')
        await consumer.shut(4403)
    assert consumer.can_read is False
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("error", [Disconnected("closed"), ConnectionResetError()])
async def test_the_personal_socket_closes_a_gone_client_without_an_error(error, caplog) -> None:
    consumer = PersonalConsumer()
    consumer.base_send = gone(error)
    with caplog.at_level(logging.ERROR):
        await consumer.shut(4401)
    assert consumer.closed is True
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
