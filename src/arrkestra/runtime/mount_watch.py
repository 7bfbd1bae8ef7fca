"""The mount monitor: every mirror root checked each minute, its state on /health and in
the metrics, one notification when it goes down and one when it is back, and the jobs
waiting on it woken once it is.

A job whose run finds a root down waits on it (``MountDown``: pending, no attempt spent,
``waiting_on`` the root's path). This monitor is what ends the wait: at every check, each
job waiting on a root that is not down now (it is back, or it is no root any more) is made
due, so a NAS reboot costs nothing and nobody has to retry by hand.

Announcements follow what the checks see, not each job: a root is announced down when a
check first finds it down, and back when a later check finds it usable again; the checks
between say nothing. A mount that drops and returns between two checks is announced at
most once each way (usually not at all: its jobs were woken by the next check). Which
roots are down is kept in the database (``store/mount_outages``), so a restart in the
middle of an outage announces neither a second "down" nor loses the "back".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from arrkestra.adapters.mounts import MountChecker, MountSpec, MountState
from arrkestra.adapters.notify import Message, Notifier
from arrkestra.core.job_kinds.words import duration
from arrkestra.core.redact import Redactor
from arrkestra.runtime.clock import Clock
from arrkestra.runtime.health import ComponentState, HealthRegistry
from arrkestra.runtime.metrics import Metrics
from arrkestra.store import mount_outages
from arrkestra.store.database import Database
from arrkestra.store.mount_outages import Outage

log = logging.getLogger("arrkestra.mounts")


@dataclass(frozen=True)
class RootState:
    """One root path as a check saw it (a path that is one rule's source and another's
    destination is checked twice and shown once)."""

    path: str
    role: str  # "source", "destination" or "source and destination"
    ok: bool
    detail: str


def by_path(states: Sequence[MountState]) -> list[RootState]:
    """The check's states merged per path: down when any check of the path failed."""
    merged: dict[str, RootState] = {}
    for state in states:
        seen = merged.get(state.path)
        if seen is None:
            merged[state.path] = RootState(state.path, state.role, state.ok, state.detail)
            continue
        role = seen.role if state.role in seen.role else f"{seen.role} and {state.role}"
        failing = seen if not seen.ok else state
        merged[state.path] = RootState(state.path, role, seen.ok and state.ok, failing.detail)
    return list(merged.values())


def waiting_text(count: int) -> str:
    return f"{count} job(s) wait on it" if count else "no job waits on it"


def down_message(root: RootState, waiting: int) -> Message:
    body = (
        f"The {root.role} root {root.path} fails its mount check: {root.detail}.\n"
        f"{waiting_text(waiting)}. Waiting costs no attempt and no job gives up meanwhile; "
        "they run as soon as the mount is back."
    )
    return Message(f"arrkestra: {root.role} mount down: {root.path}", body, "critical")


def up_message(root: RootState, outage: Outage, waiting: int, now: float) -> Message:
    lasted = max(now - outage.since, 0.0)
    runs = f"{waiting} waiting job(s) run now" if waiting else "no job was waiting on it"
    body = (
        f"The {root.role} root {root.path} passes its mount check again "
        f"(down for about {duration(lasted)}); {runs}."
    )
    return Message(f"arrkestra: {root.role} mount back: {root.path}", body, "info")


@dataclass
class MountWatch:
    mounts: MountChecker
    roots: Sequence[MountSpec]
    db: Database
    clock: Clock
    health: HealthRegistry
    metrics: Metrics
    notifier: Notifier
    redactor: Redactor
    wake: Callable[[], None]  # jobs were made due: the worker looks at once

    async def check(self) -> None:
        """Check every root; update /health and the metrics; wake, record and announce."""
        states = await self.mounts.check_all(self.roots)
        for state in states:
            self.metrics.set_mount(state.path, state.role, state.ok)
        roots = by_path(states)
        now = self.clock.now()
        down = [root.path for root in roots if not root.ok]
        if await self.db.run(mount_outages.wake_waiting, down, now=now):
            self.wake()
        waiting = await self.db.run(mount_outages.waiting_counts)
        known = await self.db.run(mount_outages.known_down)
        for root in roots:
            count = waiting.get(root.path, 0)
            self._show(root, count)
            outage = known.get(root.path)
            if not root.ok and outage is None:
                await self._went_down(root, count, now)
            elif root.ok and outage is not None:
                await self._came_back(root, outage, count, now)

    def _show(self, root: RootState, waiting: int) -> None:
        """``mount:<path>`` on /health; a root that is down says how many jobs wait."""
        if root.ok:
            self.health.set(f"mount:{root.path}", ComponentState.OK)
            return
        detail = f"{root.detail}; {waiting_text(waiting)}"
        self.health.set(f"mount:{root.path}", ComponentState.DOWN, detail)

    async def _went_down(self, root: RootState, waiting: int, now: float) -> None:
        outage = Outage(root.path, root.role, now, root.detail)
        await self.db.run(mount_outages.record_down, outage)
        log.warning(
            "%s root %s is down (%s); %s until it is back",
            root.role,
            root.path,
            root.detail,
            waiting_text(waiting),
        )
        await self._send(down_message(root, waiting))

    async def _came_back(self, root: RootState, outage: Outage, waiting: int, now: float) -> None:
        await self.db.run(mount_outages.record_up, root.path)
        log.info(
            "%s root %s is back after %s; %d waiting job(s) run now",
            root.role,
            root.path,
            duration(max(now - outage.since, 0.0)),
            waiting,
        )
        await self._send(up_message(root, outage, waiting, now))

    async def _send(self, message: Message) -> None:
        redact = self.redactor
        await self.notifier.send(
            Message(redact(message.title), redact(message.body), message.severity)
        )
