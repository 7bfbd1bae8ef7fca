"""Coalescing: many announcements of one group (a season pack) become one message.

A group is held until it has been quiet for ``window`` seconds, so the ten files of a
season pack copied two at a time still make one message, but never longer than
``max_hold`` (a slow trickle of imports is not held back for ever). What is held lives
in memory: ``flush()`` on shutdown sends it, so a clean stop loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from arrkestra.adapters.notify import Message

log = logging.getLogger("arrkestra.notify")
T = TypeVar("T")


@dataclass
class _Group(Generic[T]):
    first_at: float
    items: list[T] = field(default_factory=list)
    timer: asyncio.Task[None] | None = None


class Coalescer(Generic[T]):
    """Collects items per group key and sends ``combine(items)`` once the group is quiet."""

    def __init__(
        self,
        send: Callable[[Message], Awaitable[object]],
        combine: Callable[[Sequence[T]], Message],
        *,
        window: float,
        max_hold: float | None = None,
    ) -> None:
        self._send = send
        self._combine = combine
        self._window = max(window, 0.0)
        self._max_hold = max_hold if max_hold is not None else 10 * self._window
        self._groups: dict[str, _Group[T]] = {}
        self._sending: set[asyncio.Task[None]] = set()

    @property
    def held(self) -> int:
        """How many items wait in open groups."""
        return sum(len(group.items) for group in self._groups.values())

    def add(self, key: str, item: T) -> None:
        """Hold ``item`` in its group; (re)start the group's quiet-period timer."""
        loop = asyncio.get_running_loop()
        group = self._groups.setdefault(key, _Group(first_at=loop.time()))
        group.items.append(item)
        if group.timer is not None:
            group.timer.cancel()
        deadline = group.first_at + self._max_hold - loop.time()
        delay = max(0.0, min(self._window, deadline))
        group.timer = asyncio.create_task(self._send_later(key, delay))

    async def flush(self) -> None:
        """Send every held group now and wait for what is being sent (shutdown, tests)."""
        for key in list(self._groups):
            group = self._groups[key]
            if group.timer is not None:
                group.timer.cancel()
            self._start_sending(key)
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)

    async def _send_later(self, key: str, delay: float) -> None:
        await asyncio.sleep(delay)
        # From here on the send is its own task: a later add() must not cancel it.
        self._start_sending(key)

    def _start_sending(self, key: str) -> None:
        group = self._groups.pop(key, None)
        if group is None or not group.items:
            return
        task = asyncio.create_task(self._deliver(group.items))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _deliver(self, items: Sequence[T]) -> None:
        try:
            await self._send(self._combine(items))
        except Exception:  # an announcement must never take anything else down
            log.exception("a coalesced notification could not be sent")
