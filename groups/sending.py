"""A process's chat sends, written together: those waiting while one commits go in the next.

One send alone cost PostgreSQL four round trips (begin, number, store, commit),
and those round trips were the largest cost a message had on two cores
(docs/performance.md). Here each event loop (one per server process) has a few
writers: a send waits in line, and a free writer takes everything waiting into
one transaction (`chat.send_messages`), then hands each socket its own outcome.
A quiet room's send goes alone and at once; under load the line is what came
while the last commit was written, and each message pays a share of the begin
and the commit.

A batch's refusals are written in one language (an action builds its sentences as
it refuses), so a batch holds the sends of sockets that speak the same one: a
send waits with the language its socket had active, and the writer takes the
sends of the first one waiting, in that language.
"""

import asyncio
import logging
from typing import Any

from django.conf import settings
from django.utils import translation

from community import metrics
from community.offloop import db_call
from community.perloop import per_loop
from groups import events
from groups.actions import chat

log = logging.getLogger(__name__)

# Enough to share a commit widely, few enough that one transaction holds its
# groups' rows for milliseconds, not longer.
MOST_AT_ONCE = 32
# Writers at work at once, each with its own transaction: while one waits for the
# database the other can, as single sends did on the database threads.
WRITERS = settings.DB_THREADS if settings.IS_POSTGRES else 1


@db_call
def _send_messages(drafts: list[chat.Draft]) -> tuple[list[chat.Outcome], list[Any]]:
    """The batch stored, and the events its commit released (sent by the caller)."""
    with events.held() as released:
        outcomes = chat.send_messages(drafts)
    return outcomes, released


async def _publish(released: list[tuple[str, dict[str, Any]]]) -> None:
    """Tell the rooms, in commit order. A failure loses only the broadcast: the
    messages are stored, and clients catch up with `sync` (docs/protocol.md)."""
    for channel_group, message in released:
        try:
            await events.publish(channel_group, message)
        except Exception:
            metrics.outage(service="channel_layer")
            log.exception("broadcast after commit failed (%s)", channel_group)


# A send waiting for a writer: the draft, its socket's future, its socket's language.
Waiting = tuple[chat.Draft, "asyncio.Future[chat.Sent]", str | None]


def _take(waiting: list[Waiting]) -> tuple[list[Waiting], list[Waiting]]:
    """The next batch (the first send's language, at most MOST_AT_ONCE, in order) and
    what still waits."""
    language = waiting[0][2]
    batch: list[Waiting] = []
    rest: list[Waiting] = []
    for entry in waiting:
        (batch if entry[2] == language and len(batch) < MOST_AT_ONCE else rest).append(entry)
    return batch, rest


class SendBatcher:
    """A loop's line of chat sends, and the writers that store them in batches."""

    def __init__(self) -> None:
        self.waiting: list[Waiting] = []
        self.writing = 0
        self.tasks: set[asyncio.Task[None]] = set()  # held, so a writer is not collected

    async def send(self, draft: chat.Draft) -> chat.Sent:
        future: asyncio.Future[chat.Sent] = asyncio.get_running_loop().create_future()
        self.waiting.append((draft, future, translation.get_language()))
        if self.writing < WRITERS:
            # Counted here and uncounted in the writer's last step, with no await
            # between its last look at the line and leaving: no send is left behind.
            self.writing += 1
            task = asyncio.create_task(self.write())
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        # Each socket waits on its own future: one that closes meanwhile cancels only
        # that, and its message is still stored, as a lone send's would be.
        return await future

    async def write(self) -> None:
        batch: list[Waiting] = []
        try:
            while self.waiting:
                batch, self.waiting = _take(self.waiting)
                try:
                    # The database thread answers in the batch's language (the context
                    # is copied into the call), whichever socket started this writer.
                    with translation.override(batch[0][2]):
                        outcomes, released = await _send_messages([entry[0] for entry in batch])
                except Exception as error:  # each waiting socket reports it as its own
                    outcomes, released = [error] * len(batch), []
                # Before the acks, as a lone send did: a sender's ack still reaches it
                # before its own broadcast (frames and events take turns per socket).
                await _publish(released)
                for (_, future, _language), outcome in zip(batch, outcomes, strict=True):
                    if future.cancelled():
                        continue
                    if isinstance(outcome, Exception):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
        finally:
            self.writing -= 1
            # Only if the writer itself was cancelled (the loop is closing): nobody waits.
            for _, future, _language in batch:
                future.cancel()


# One batcher per event loop (community/perloop.py).
_batcher = per_loop(SendBatcher)


async def send_message(**fields: Any) -> chat.Sent:
    """`chat.send_message`, for sockets: awaited, and sharing its transaction with others."""
    return await _batcher().send(chat.Draft(**fields))
