"""The seams through which moderation plugs into groups: the room socket's frame
handlers (groups/frame_handlers.py) and the write path's screening (groups/screening.py)."""

from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured

from groups import consumers, frame_handlers
from groups import screening as seam
from groups.models import Group, Membership, Message
from moderation import room_frames
from moderation import screening as moderation_screening
from moderation.actions import reports


async def _nothing(socket: Any, frame: dict[str, Any]) -> None:
    return None


def test_the_rooms_consumer_handles_its_own_frames_and_moderations() -> None:
    handled = consumers.RoomConsumer.HANDLERS
    assert handled is frame_handlers.HANDLERS
    assert handled["message.send"] is consumers.RoomConsumer.on_send
    assert handled["round.answer"] is consumers.SessionFrames.on_round_answer
    for kind, handler in room_frames.HANDLERS.items():
        assert handled[kind] is handler, kind


def test_a_frame_type_gets_one_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frame_handlers, "HANDLERS", dict(frame_handlers.HANDLERS))
    frame_handlers.register(room_frames.HANDLERS)  # the same again: nothing changes
    with pytest.raises(ValueError, match=r"moderation\.hide"):
        frame_handlers.register({"moderation.hide": _nothing})
    assert frame_handlers.HANDLERS["moderation.hide"] is room_frames.on_hide
    frame_handlers.register({"test.new": _nothing})
    assert frame_handlers.HANDLERS["test.new"] is _nothing
    assert "test.new" not in consumers.RoomConsumer.HANDLERS  # patched away again after


def test_moderation_answers_the_write_paths_screening() -> None:
    registered = seam._registered()
    assert registered.screen is moderation_screening.screen_in
    assert registered.after_store is reports.after_store
    assert registered.crisis_in_words is reports.crisis_in_words
    assert moderation_screening.Verdict is seam.Verdict


def test_the_seam_calls_what_is_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    verdict = seam.Verdict(action="flag", clause="kindness")
    screener = seam.Screener(
        screen=mock.Mock(return_value=verdict), after_store=mock.Mock(), crisis_in_words=mock.Mock()
    )
    monkeypatch.setattr(seam, "_screener", screener)
    group, message, membership = Group(pk=7), Message(), Membership()
    assert seam.screen("some words", group) is verdict
    screener.screen.assert_called_once_with("some words", group)  # type: ignore[attr-defined]
    seam.after_store(message, verdict)
    screener.after_store.assert_called_once_with(message, verdict)  # type: ignore[attr-defined]
    seam.crisis_in_words(membership)
    screener.crisis_in_words.assert_called_once_with(membership)  # type: ignore[attr-defined]


def test_nothing_is_posted_unscreened(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seam, "_screener", None)
    with pytest.raises(ImproperlyConfigured):
        seam.screen("some words", Group(pk=7))
    with pytest.raises(ImproperlyConfigured):
        seam.after_store(Message(), seam.Verdict())
    with pytest.raises(ImproperlyConfigured):
        seam.crisis_in_words(Membership())


def test_moderations_screen_in_reads_the_groups_id(monkeypatch: pytest.MonkeyPatch) -> None:
    found = seam.Verdict(crisis=True)
    screen = mock.Mock(return_value=found)
    monkeypatch.setattr(moderation_screening, "screen", screen)
    assert moderation_screening.screen_in("no way out", Group(pk=7)) is found
    screen.assert_called_once_with("no way out", group_id=7)


@pytest.mark.parametrize(
    ("verdict", "held", "expected"),
    [
        (seam.Verdict(), False, {"flagged": False, "held": False, "crisis": False, "clause": ""}),
        (
            seam.Verdict(action="flag", clause="c"),
            False,
            {"flagged": True, "held": False, "crisis": False, "clause": "c"},
        ),
        (
            seam.Verdict(action="hold", clause="c", crisis=True),
            True,
            {"flagged": False, "held": True, "crisis": True, "clause": "c"},
        ),
    ],
)
def test_after_store_opens_what_the_verdict_calls_for(
    monkeypatch: pytest.MonkeyPatch, verdict: seam.Verdict, held: bool, expected: dict
) -> None:
    after_screening = mock.Mock()
    monkeypatch.setattr(reports, "after_screening", after_screening)
    message = Message(held=held)
    reports.after_store(message, verdict)
    after_screening.assert_called_once_with(message, **expected)
