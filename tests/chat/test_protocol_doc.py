"""docs/protocol.md names every frame type, error code and close code the room uses.

The lists are read from the code itself (the routed consumer's handlers, the
`"type"` and `"code"` literals the server sends, the first argument of every
`Refused(...)`, the consumer's close codes), so a frame, code or close added
without documenting it fails here, and so does a documented one that is gone.
"""

import ast
import inspect
import json
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from channels.security.websocket import WebsocketDenier

from community import navigation
from community.routing import websocket_urlpatterns
from groups import closes, personal
from groups import consumers as chat
from moderation import room_frames as moderation
from tests.chat.text_frames import NAMES, TEXT_FRAMES

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "protocol.md"
PACKAGES = ("groups", "moderation", "community")
# Channel-layer envelopes that carry a frame to a socket: each is handled by a
# consumer method of the same name (dots as underscores), never sent as a frame.
ENVELOPES = {
    "room.event",
    "user.event",
    "user.recheck",
    "user.boundaries",
    "user.signed_out",
    "room.overflow",
}
# Layer messages that never touch a room socket, by where they are sent.
NOT_ROOM = {"healthz": "community/views.py"}  # the /healthz/ probe of the layer
# The personal socket (ws/me/): the envelope that pokes it, and the frame it sends.
PERSONAL_ENVELOPES = {"alerts.changed": "groups/events.py"}
PERSONAL_FRAMES = {"alerts": "groups/personal.py"}


# --- What the code says ---------------------------------------------------------------


def sources() -> Iterator[tuple[str, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield str(path.relative_to(ROOT)), ast.parse(path.read_text(), str(path))


def called(node: ast.Call) -> str:
    function = node.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else ""


def strings(node: ast.AST) -> set[str]:
    """Every string constant in an expression (`"a" if x else "b"` gives both)."""
    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def literal_values(key: str) -> dict[str, set[str]]:
    """Values of `{"<key>": "..."}` in dict literals, with the files they are in.

    A dict given as a form widget's `attrs` (`{"type": "date"}`) is HTML, not a frame.
    """
    found: dict[str, set[str]] = {}
    for path, tree in sources():
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        html_attrs = {id(k.value) for n in calls for k in n.keywords if k.arg == "attrs"}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Dict) or id(node) in html_attrs:
                continue
            for name, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(name, ast.Constant)
                    and name.value == key
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                ):
                    found.setdefault(value.value, set()).add(path)
    return found


def routed() -> dict[str, Any]:
    return {
        str(pattern.pattern): getattr(pattern.callback, "consumer_class", None)
        for pattern in websocket_urlpatterns
    }


def client_frame_types() -> set[str]:
    """The `type`s the routed room consumer handles."""
    # The last route turns away every path the room's and the personal socket's do not serve.
    assert routed() == {
        "ws/groups/<slug:slug>/": chat.RoomConsumer,
        "ws/me/": personal.PersonalConsumer,
        "^": WebsocketDenier,
    }
    # The routed consumer handles moderation's frames too (registered with it).
    assert set(moderation.HANDLERS) <= set(chat.RoomConsumer.HANDLERS)
    return set(chat.RoomConsumer.HANDLERS)


def server_frame_types() -> set[str]:
    found = literal_values("type")
    for envelope in ENVELOPES:
        assert envelope in found, f"{envelope} is no longer sent: drop it from ENVELOPES"
        assert callable(getattr(chat.RoomConsumer, envelope.replace(".", "_"), None))
    for kind, path in {**NOT_ROOM, **PERSONAL_ENVELOPES, **PERSONAL_FRAMES}.items():
        assert found.get(kind) == {path}, f"update the test: {kind} is sent from {found.get(kind)}"
    return set(found) - ENVELOPES - set(NOT_ROOM) - set(PERSONAL_ENVELOPES) - set(PERSONAL_FRAMES)


def error_codes() -> set[str]:
    """The first argument of every `Refused(...)`, and `"code"` literals (`server_error`)."""
    codes = set(literal_values("code"))
    for path, tree in sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or called(node) != "Refused":
                continue
            argument = node.args[0] if node.args else None
            for keyword in node.keywords:
                if keyword.arg == "code":
                    argument = keyword.value
            found = strings(argument) if argument is not None else set()
            assert found, f"{path}:{node.lineno}: a Refused code must be a string literal"
            codes |= found
    return codes


def close_codes() -> set[int]:
    """The sockets' CLOSE_* constants, and any number closed with directly."""
    codes = {value for name, value in vars(closes).items() if name.startswith("CLOSE_")}
    for _path, tree in sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and called(node) in {"close", "shut"}:
                for argument in [*node.args, *(k.value for k in node.keywords if k.arg == "code")]:
                    if isinstance(argument, ast.Constant) and isinstance(argument.value, int):
                        codes.add(argument.value)
    return codes


def handler_text_fields() -> dict[str, set[str]]:
    """The text fields each frame's handler reads, by `frames.text(frame, "x")` or
    `frames.texts(frame, form, "x", "y")`."""
    found: dict[str, set[str]] = {}
    for kind, handler in chat.RoomConsumer.HANDLERS.items():
        tree = ast.parse(textwrap.dedent(inspect.getsource(handler)))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and called(node) in {"text", "texts"}:
                skip = 1 if called(node) == "text" else 2  # the frame (and the form)
                names |= {
                    a.value
                    for a in node.args[skip:]
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                }
        found[kind] = names
    return found


# --- What the document says -----------------------------------------------------------


def sections() -> dict[str, str]:
    """The document's `## ` sections (with their `###` subsections) by title."""
    parts = re.split(r"^## (.+)$", DOC.read_text(), flags=re.MULTILINE)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}


def section(title: str) -> str:
    found = sections()
    assert title in found, f"docs/protocol.md has no “## {title}” section"
    return found[title]


def quoted(text: str) -> set[str]:
    return set(re.findall(r"`([^`\n]+)`", text))


def table_keys(text: str) -> set[str]:
    """The first cell of each table row, as quoted (`x`) or bare (4401)."""
    keys = set()
    for row in re.findall(r"^\|([^|\n]+)\|", text, flags=re.MULTILINE):
        cell = row.strip()
        if cell and not set(cell) <= set("-: ") and cell not in {"type", "code"}:
            keys.add(cell.strip("`"))
    return keys


def examples() -> Iterator[Any]:
    """Every JSON value in the document's ```json blocks (one or more per block)."""
    decoder = json.JSONDecoder()
    for block in re.findall(r"```json\n(.*?)```", DOC.read_text(), flags=re.DOTALL):
        position = 0
        while block[position:].strip():
            position += len(block[position:]) - len(block[position:].lstrip())
            value, position = decoder.raw_decode(block, position)
            yield value


def objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from objects(item)


def returned_keys(module: Path, function: str) -> set[str]:
    """The keys of the dict literal a function returns (`message_payload`, ...)."""
    tree = ast.parse(module.read_text())
    [definition] = [
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function
    ]
    returns = [n.value for n in ast.walk(definition) if isinstance(n, ast.Return)]
    [returned] = [value for value in returns if isinstance(value, ast.Dict)]
    return {
        k.value for k in returned.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
    }


# --- The checks -----------------------------------------------------------------------


def test_every_client_frame_is_documented_and_every_documented_one_exists() -> None:
    text = section("Client → server")
    handled = client_frame_types()
    assert handled - quoted(text) == set(), "frames the server handles but the doc omits"
    assert table_keys(text) == handled


def test_every_server_frame_is_documented_and_every_documented_one_exists() -> None:
    text = section("Server → client")
    sent = server_frame_types()
    assert sent - quoted(text) == set(), "frames the server sends but the doc omits"
    assert table_keys(text) == sent


def test_every_error_code_is_documented_and_every_documented_one_exists() -> None:
    text = section("Errors")
    codes = error_codes()
    assert {"blocked", "server_error", "bad_json"} <= codes  # the scan itself works
    assert codes - quoted(text) == set(), "error codes the code uses but the doc omits"
    assert table_keys(text) <= codes, "the doc's error tables name codes nothing raises"


def test_every_text_field_of_every_frame_is_in_the_text_table() -> None:
    """A new text field, or a new frame with text, joins tests/chat/text_frames.py (and
    so the socket test of bad text) before this passes."""
    fields = handler_text_fields()
    assert fields["message.send"] >= {"body", "client_id"}  # the scan itself works
    for kind, names in fields.items():
        assert names - NAMES == set(TEXT_FRAMES.get(kind, {})), kind


def test_invalid_text_is_documented_for_every_frame_that_carries_text() -> None:
    rows = re.findall(r"^\| `invalid_text` \|([^\n]+)$", section("Errors"), flags=re.MULTILINE)
    documented = quoted(" ".join(rows))
    for kind, limits in TEXT_FRAMES.items():
        assert kind in documented, f"invalid_text is not documented for {kind}"
        assert set(limits) <= documented, f"a text field of {kind} is not named"


def test_every_close_code_is_documented_and_every_documented_one_exists() -> None:
    text = section("Close codes")
    codes = close_codes()
    assert codes == {4401, 4403, 4413, 4429, 4500, 4503}
    assert all(4000 <= code <= 4999 for code in codes)  # what daphne and uvicorn both send
    assert {int(key) for key in table_keys(text) if key.isdigit()} == codes


def test_examples_are_json_of_known_frames_and_full_messages_have_every_key() -> None:
    known = client_frame_types() | server_frame_types() | set(PERSONAL_FRAMES)
    message_keys = returned_keys(ROOT / "groups" / "payloads.py", "message_payload")
    card_keys = returned_keys(ROOT / "groups" / "payloads.py", "resource_card")
    me_keys = returned_keys(ROOT / "groups" / "payloads.py", "me_payload") | {"id", "name", "role"}
    state_keys = returned_keys(ROOT / "groups" / "events.py", "room_state")
    seen = {"message": 0, "card": 0, "me": 0, "state": 0}
    for value in examples():
        for frame in objects(value):
            assert "type" not in frame or frame["type"] in known, frame
            if "..." in frame:
                continue  # an abbreviated example
            if "author" in frame and "html" in frame:
                assert set(frame) == message_keys, frame
                seen["message"] += 1
            if "domain" in frame:
                assert set(frame) == card_keys, frame
                seen["card"] += 1
            if "can_post" in frame:
                assert set(frame) == me_keys, frame
                seen["me"] += 1
            if frame.get("type") == "room.state":
                assert set(frame) == state_keys, frame
                seen["state"] += 1
    assert all(seen.values()), seen


def test_the_personal_socket_is_documented_with_every_value_it_sends() -> None:
    text = section("The personal socket")
    assert table_keys(text) == set(PERSONAL_FRAMES)
    # The values are exactly what the navigation counts (every registered provider's).
    from community.models import User

    values = set(navigation.expressions(User(pk=1, is_active=True)))
    documented = [f for v in examples() for f in objects(v) if f.get("type") == "alerts"]
    assert documented and all(set(f) == values | {"type"} for f in documented), documented
    assert quoted(text) >= values | set(PERSONAL_ENVELOPES) | {"user.recheck"}
    # Its close codes are the room's, and each is explained.
    for code in (personal.CLOSE_NOT_SIGNED_IN, personal.CLOSE_POLICY, personal.CLOSE_SERVER_ERROR):
        assert str(code) in text
    # The layer event that pokes it is handled by it (and never reaches a room's handlers).
    assert "alerts.changed" in inspect.getsource(personal.PersonalConsumer.deliver)
    assert not hasattr(chat.RoomConsumer, "alerts_changed")
