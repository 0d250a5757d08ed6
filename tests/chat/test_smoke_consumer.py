import pytest

from groups.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


async def test_message_reaches_other_member_after_commit(room, connect):
    alice, bob = room["members"]
    a = await connect(alice, room["group"])
    b = await connect(bob, room["group"])
    await a.send({"type": "message.send", "client_id": "c1", "body": "hello <b>there</b>"})
    ack = await a.receive_type("message.ack")
    assert ack["seq"] == 1 and ack["client_id"] == "c1"
    new = await b.receive_type("message.new")
    assert new["message"]["html"] == "hello &lt;b&gt;there&lt;/b&gt;"
    assert await Message.objects.filter(pk=ack["id"]).aexists()
