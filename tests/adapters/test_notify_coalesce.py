"""Coalescing: a group is sent once it is quiet, bounded by max_hold, and flushed on stop."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from tests.conftest import eventually

from arrkestra.adapters.notify import Message
from arrkestra.adapters.notify_coalesce import Coalescer


class Outbox:
    def __init__(self) -> None:
        self.sent: list[Message] = []

    async def send(self, message: Message) -> None:
        self.sent.append(message)


def combine(items: Sequence[str]) -> Message:
    return Message(f"{len(items)} items", ",".join(items))


async def test_items_of_one_group_become_one_message_once_quiet() -> None:
    outbox = Outbox()
    coalescer: Coalescer[str] = Coalescer(outbox.send, combine, window=0.2)
    for n in range(5):
        coalescer.add("show", f"e{n}")
        await asyncio.sleep(0.05)  # arrivals closer together than the window
    coalescer.add("other", "x")
    assert outbox.sent == [] and coalescer.held == 6

    async def both_sent() -> bool:
        return len(outbox.sent) == 2

    await eventually(both_sent, within=5)
    assert sorted(m.body for m in outbox.sent) == ["e0,e1,e2,e3,e4", "x"]
    assert coalescer.held == 0


async def test_max_hold_bounds_how_long_a_trickle_is_held() -> None:
    outbox = Outbox()
    coalescer: Coalescer[str] = Coalescer(outbox.send, combine, window=0.15, max_hold=0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not outbox.sent:
        coalescer.add("show", "e")  # never quiet for the window
        await asyncio.sleep(0.05)
        assert loop.time() - started < 3, "max_hold did not release the group"
    assert outbox.sent[0].title.endswith("items")
    await coalescer.flush()


async def test_flush_sends_what_is_held_at_once() -> None:
    outbox = Outbox()
    coalescer: Coalescer[str] = Coalescer(outbox.send, combine, window=3600)
    coalescer.add("a", "1")
    coalescer.add("a", "2")
    coalescer.add("b", "3")
    await coalescer.flush()
    assert sorted(m.body for m in outbox.sent) == ["1,2", "3"]
    assert coalescer.held == 0


async def test_a_failing_send_is_contained() -> None:
    async def broken(message: Message) -> None:
        raise RuntimeError("telegram down")

    coalescer: Coalescer[str] = Coalescer(broken, combine, window=0)
    coalescer.add("a", "1")
    await coalescer.flush()  # does not raise
    assert coalescer.held == 0
