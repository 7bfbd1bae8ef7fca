"""``/ui/events`` and ``/ui/events/{id}``: the stored webhooks, and replaying one.

The list shows each event without its body (``store.events.list_summaries``): where it
came from, its type, the title its body names, when it arrived, what it was routed to and
how many jobs it caused; newest first, filtered by source, instance and type, paged with
``before=<id>``. An event's page shows its body pretty-printed with every secret masked
(values the configuration knows, secret-shaped URL parts, and whole values of keys that
name a secret: ``core.redact.redact_payload``), the jobs it caused, and a Replay button:
the API's replay (``web.replays``), answered with a redirect whose ``?done=`` the page
turns into a fixed sentence (:data:`NOTICES`, see ``notices``).

A body too large to show whole (a Rename of a whole series) is cut at ``BODY_SHOWN``
characters, saying so; one an older version stored that is not valid JSON today is shown
as its redacted text.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from arrkestra.core.events import ArrKind
from arrkestra.core.events.radarr import RADARR_EVENTS
from arrkestra.core.events.sonarr import SONARR_EVENTS
from arrkestra.runtime.services import Services
from arrkestra.store import events as event_store
from arrkestra.store.events import EventFilter, EventNotFound, StoredEvent
from arrkestra.web.dashboard.access import FormDep, ViewerDep
from arrkestra.web.dashboard.filter_form import blank, instance_names, options, url
from arrkestra.web.dashboard.job_detail import pretty, row_of
from arrkestra.web.dashboard.notices import Notice, notice, table
from arrkestra.web.dashboard.rendering import render
from arrkestra.web.deps import Cursor, RowId, ServicesDep
from arrkestra.web.replays import ReplayRefused, replay
from arrkestra.web.webhooks import BadWebhook, load_json

router = APIRouter(include_in_schema=False)
PAGE = 50
JOBS_SHOWN = 200
BODY_SHOWN = 200_000  # characters of a pretty-printed body
Text = Annotated[str | None, Query(max_length=100)]
Count = Annotated[int, Query(ge=0, le=10**9)]
SOURCES: tuple[ArrKind, ...] = ("sonarr", "radarr")


class Done(enum.StrEnum):
    """What the Replay button did (``?done=``)."""

    REPLAYED = "replayed"
    NOT_REPLAYABLE = "not_replayable"
    INSTANCE_GONE = "instance_gone"
    UNREADABLE = "unreadable"


NOTICES = table(
    Done,
    {
        Done.REPLAYED: Notice("Routed again: {jobs} job(s), {created} new."),
        Done.NOT_REPLAYABLE: Notice(
            "This event cannot be replayed: only Sonarr and Radarr events can.", error=True
        ),
        Done.INSTANCE_GONE: Notice(
            "This event cannot be replayed: its instance is no longer configured.", error=True
        ),
        Done.UNREADABLE: Notice(
            "This event cannot be replayed: its body is not JSON arrkestra reads today.",
            error=True,
        ),
    },
)
ROUTED_TO_NOTHING = Notice("Routed again: today's routing starts no job for it.")
ROUTED_TO_WAITING = Notice("Routed again: {jobs} job(s), {created} new, {waiting} already waiting.")
"""What a replay says instead of its plain sentence: no job at all, or jobs already waiting."""


def replay_notice(done: Done | None, jobs: int, created: int) -> Notice | None:
    """The notice of ``?done=``; a replay's depends on the jobs it routed to."""
    waiting = jobs - created
    if done is Done.REPLAYED and jobs == 0:
        return ROUTED_TO_NOTHING
    if done is Done.REPLAYED and waiting:
        return ROUTED_TO_WAITING.filled(jobs=jobs, created=created, waiting=waiting)
    return notice(NOTICES, done, jobs=jobs, created=created)


EVENT_TYPES = sorted(set(SONARR_EVENTS) | set(RADARR_EVENTS))


@router.get("/ui/events")
async def page(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    source: Text = None,
    instance: Text = None,
    type: Text = None,
    before: Cursor = None,
) -> HTMLResponse:
    chosen = {"source": blank(source), "instance": blank(instance), "type": blank(type)}
    query = EventFilter(
        source=chosen["source"],
        instance=chosen["instance"],
        event_type=chosen["type"],
        before=before,
        limit=PAGE,
    )
    events = await services.db.read(event_store.list_summaries, query)
    older = url("/ui/events", {**chosen, "before": events[-1].id}) if len(events) == PAGE else ""
    context = {
        "events": events,
        "chosen": chosen,
        "filtered": any(chosen.values()),
        "sources": options([str(s) for s in SOURCES], chosen["source"]),
        "instances": options(instance_names(services.settings), chosen["instance"]),
        "types": options(EVENT_TYPES, chosen["type"]),
        "titles": [services.redactor(e.title) if e.title else "" for e in events],
        "older": older,
        "newest": url("/ui/events", chosen) if before is not None else "",
    }
    return render(request, services, viewer, "events.html", context, title="Events")


def shown_body(event: StoredEvent, services: Services) -> tuple[str, Any]:
    """The body pretty-printed with secrets masked, and its JSON (None: not JSON today)."""
    try:
        data = load_json(event.body)
        text = pretty(data, services, sort_keys=False)  # the order Sonarr or Radarr wrote
    except (BadWebhook, ValueError, RecursionError):
        return services.redactor(event.body), None
    return text, data


def title_in(data: Any) -> str | None:
    """The series or movie title a Sonarr or Radarr body names."""
    if not isinstance(data, dict):
        return None
    for key in ("series", "movie"):
        found = data.get(key)
        if isinstance(found, dict) and isinstance(found.get("title"), str) and found["title"]:
            return str(found["title"])
    return None


async def load(services: Services, event_id: int) -> StoredEvent:
    try:
        return await services.db.read(event_store.get_event, event_id)
    except EventNotFound:
        raise HTTPException(404, f"there is no event {event_id}") from None


@router.get("/ui/events/{event_id}")
async def event_page(
    request: Request,
    event_id: RowId,
    services: ServicesDep,
    viewer: ViewerDep,
    done: Done | None = None,
    jobs: Count = 0,
    created: Count = 0,
) -> HTMLResponse:
    event = await load(services, event_id)
    caused = await services.db.read(event_store.jobs_of, event_id, JOBS_SHOWN + 1)
    body, data = shown_body(event, services)
    title = title_in(data)
    context = {
        "event": event,
        "title": None if title is None else services.redactor(title),
        "body": body[:BODY_SHOWN],
        "body_length": len(body),
        "cut": len(body) > BODY_SHOWN,
        "is_json": data is not None,
        "rows": [row_of(job, services) for job in caused[:JOBS_SHOWN]],
        "more_jobs": len(caused) > JOBS_SHOWN,
        "replayable": event.source in SOURCES and data is not None,
        "notice": replay_notice(done, jobs, created),
    }
    return render(request, services, viewer, "event.html", context, title=f"Event {event_id}")


@router.post("/ui/events/{event_id}/replay")
async def replay_event(event_id: RowId, services: ServicesDep, _: FormDep) -> RedirectResponse:
    """Route the event again (``web.replays``: the API's replay), then back to its page."""
    event = await load(services, event_id)
    target = f"/ui/events/{event_id}"
    try:
        done = await replay(services, event)
    except ReplayRefused as exc:
        refused = {
            "source": Done.NOT_REPLAYABLE,
            "instance": Done.INSTANCE_GONE,
            "body": Done.UNREADABLE,
        }[exc.why]
        return RedirectResponse(url(target, {"done": refused.value}), status_code=303)
    counts = {"jobs": len(done.jobs), "created": len(done.created)}
    answer = url(target, {"done": Done.REPLAYED.value, **counts})
    return RedirectResponse(answer, status_code=303)
