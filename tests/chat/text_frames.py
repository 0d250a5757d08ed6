"""Every room frame that carries free text, and how long each text may be.

The limits are those of the form that does the same over HTTP. The socket test
(tests/moderation/test_frame_text.py) sends bad text in each field; the protocol
test (tests/chat/test_protocol_doc.py) checks that each frame is documented with
`invalid_text`, and that every field the room's handlers read is listed here or
in `NAMES`, so a new text field joins both.
"""

TEXT_FRAMES: dict[str, dict[str, int]] = {
    "message.send": {"body": 4000, "content_warning": 120},
    "message.edit": {"body": 4000},
    "report.message": {"clause": 80, "note": 1000},
    "report.member": {"clause": 80, "note": 1000},
    "moderation.hide": {"clause": 80, "reason": 500},
    "moderation.decline": {"clause": 80},
    "moderation.nudge": {"clause": 80, "text": 800},
    "moderation.mute": {"clause": 80, "reason": 500},
    "moderation.remove": {"clause": 80, "reason": 500},
    "moderation.ban": {"clause": 80, "reason": 500},
    "moderation.pause": {"message": 300},
    "pause.request": {"note": 300},
    "moderation.pause_answer": {"text": 800},
    "round.open": {"prompt": 200},
    "round.answer": {"words": 140},
}
# Text fields that name something rather than say it (refused with their own codes:
# `invalid_client_id`, `invalid_intent`, `invalid_reaction`, and the session frames'
# `invalid_round`, `invalid_order`, `invalid_step`).
NAMES = {"client_id", "intent", "reaction", "kind", "order", "step"}
