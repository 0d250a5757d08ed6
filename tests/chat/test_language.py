"""A socket answers its own person in their language, whatever the others read."""

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import translation

from tests.chat.conftest import make_room


def spanish(english: str) -> str:
    with translation.override("es"):
        return translation.gettext(english)


@pytest.mark.asyncio
async def test_a_socket_answers_its_person_in_their_language(
    transactional_db: None, connect: Any
) -> None:
    people = await sync_to_async(make_room)()
    member = people["members"][0]
    member.language = "es"
    await sync_to_async(member.save)(update_fields=["language"])
    sock = await connect(member, people["group"])
    await sock.send({"type": "message.send", "client_id": "c1", "body": "hi", "intent": "nope"})
    error = await sock.receive_type("error")
    english = "Please choose one of the offered intentions."
    assert error["code"] == "invalid_intent"
    assert error["detail"] == spanish(english) != english
    # Someone else in the same room, whose browser asks for nothing, reads English.
    other = await connect(people["members"][1], people["group"])
    await other.send({"type": "message.send", "client_id": "c2", "body": "hi", "intent": "nope"})
    assert (await other.receive_type("error"))["detail"] == english
