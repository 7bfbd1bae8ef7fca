"""``/api/v1/events``: the stored webhooks, and replaying one through today's routing.

A body is shown as JSON when it is what intake accepts today; one an older version
stored (nested deeper than ``webhooks.MAX_DEPTH``, a lone surrogate, ``NaN``) is shown
as its redacted text instead, so no stored row can make the read fail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel

from arrkestra.core.redact import redact_payload
from arrkestra.store import events as event_store
from arrkestra.store.events import EventFilter, EventNotFound, StoredEvent
from arrkestra.web.api import iso
from arrkestra.web.deps import Cursor, RowId, ServicesDep, authenticated
from arrkestra.web.replays import ReplayRefused, replay
from arrkestra.web.webhooks import BadWebhook, load_json

router = APIRouter(prefix="/api/v1/events", dependencies=[Depends(authenticated)], tags=["events"])


class EventOut(BaseModel):
    id: int
    source: str
    instance: str
    event_type: str
    received_at: str | None
    remote_addr: str | None
    routed_to: list[str]


class EventDetail(EventOut):
    body: Any
    jobs: list[int]


class EventPage(BaseModel):
    events: list[EventOut]
    next_before: int | None


class Replayed(BaseModel):
    event_id: int
    jobs: list[int]
    created: list[int]


def _out(event: StoredEvent) -> EventOut:
    return EventOut(
        id=event.id,
        source=event.source,
        instance=event.instance,
        event_type=event.event_type,
        received_at=iso(event.received_at),
        remote_addr=event.remote_addr,
        routed_to=event.routed_to,
    )


async def _load(services: ServicesDep, event_id: int) -> StoredEvent:
    try:
        return await services.db.run(event_store.get_event, event_id)
    except EventNotFound:
        raise HTTPException(404, f"no event with id {event_id}") from None


@router.get("", response_model=EventPage, summary="List stored webhooks, newest first")
async def list_events(
    services: ServicesDep,
    instance: str | None = None,
    source: Annotated[str | None, Query(description="sonarr or radarr")] = None,
    type: Annotated[str | None, Query(description="eventType, e.g. SeriesDelete")] = None,
    since: Annotated[datetime | None, Query(description="received at or after (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="received before (ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Cursor = None,
) -> EventPage:
    query = EventFilter(
        source=source,
        instance=instance,
        event_type=type,
        since=since.timestamp() if since else None,
        until=until.timestamp() if until else None,
        before=before,
        limit=limit,
    )
    events = await services.db.run(event_store.list_events, query)
    next_before = events[-1].id if len(events) == limit else None
    return EventPage(events=[_out(e) for e in events], next_before=next_before)


@router.get(
    "/{event_id}", response_model=EventDetail, summary="One stored webhook with its body and jobs"
)
async def get_event(event_id: RowId, services: ServicesDep) -> EventDetail:
    event = await _load(services, event_id)
    jobs = await services.db.run(event_store.job_ids_of, event_id)
    try:
        body = redact_payload(load_json(event.body), services.redactor)
    except (BadWebhook, ValueError, RecursionError):
        body = services.redactor(event.body)
    return EventDetail(**_out(event).model_dump(), body=body, jobs=jobs)


@router.post("/{event_id}/replay", response_model=Replayed, summary="Route a stored webhook again")
async def replay_event(event_id: RowId, services: ServicesDep) -> Replayed:
    """Jobs already active for the same work are returned, not duplicated (idempotency keys)."""
    event = await _load(services, event_id)
    try:
        done = await replay(services, event)
    except ReplayRefused as exc:
        raise HTTPException(409, str(exc)) from None
    return Replayed(event_id=event_id, jobs=done.jobs, created=done.created)
