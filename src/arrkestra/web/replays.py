"""Replaying a stored webhook: routing its body again through today's routing.

One function for the API's ``POST /api/v1/events/{id}/replay`` and the dashboard's Replay
button. Jobs already active for the same work are returned, not duplicated (idempotency
keys); the pipelines it reached are added to the event's ``routed_to``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Literal

from arrkestra.core.events import ArrKind
from arrkestra.core.routing import jobs_for
from arrkestra.runtime.services import Services
from arrkestra.store import events as event_store
from arrkestra.store.events import StoredEvent
from arrkestra.web.webhooks import KINDS, safe_parse


class ReplayRefused(Exception):
    """The event cannot be routed again: its source is not an *arr, its instance is gone,
    or its body is not JSON this version reads (an older version stored it)."""

    def __init__(self, why: Literal["source", "instance", "body"], message: str) -> None:
        super().__init__(message)
        self.why = why


@dataclass(frozen=True)
class Replay:
    event_id: int
    jobs: list[int]  # every job the routing named, new or already active
    created: list[int]  # the new ones


async def replay(services: Services, event: StoredEvent) -> Replay:
    """Route ``event`` again; :class:`ReplayRefused` when it cannot be."""
    if event.source not in KINDS:
        raise ReplayRefused("source", f"events from {event.source!r} cannot be replayed")
    kind: ArrKind = "sonarr" if event.source == "sonarr" else "radarr"
    ref = services.settings.instance_ref(kind, event.instance)
    if ref is None:
        raise ReplayRefused("instance", f"{kind}.{event.instance} is no longer configured")
    try:
        body = json.loads(event.body)
    except (ValueError, RecursionError):
        raise ReplayRefused("body", "its stored body is not JSON arrkestra reads") from None
    parsed = safe_parse(kind, body)
    specs = jobs_for(parsed, ref, pipelines=frozenset(services.worker.pipelines))
    job_ids, created = [], []
    for spec in specs:
        job, new = await services.queue.enqueue(replace(spec, event_id=event.id))
        job_ids.append(job.id)
        if new:
            created.append(job.id)
    await services.db.run(event_store.record_routing, event.id, [s.pipeline for s in specs])
    return Replay(event.id, job_ids, created)
