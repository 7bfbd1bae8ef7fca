"""``/ui/``: the overview. What needs a person first, then how everything is.

The page reads the health registry (each component's state, detail and since when), the
scheduler (next runs) and, in one call on the database thread, what ``store/overview``
counts; ``core/attention`` words the "Action required" list and ``core/daily_chart``
draws the bytes mirrored per day. The queue block is also served alone at
``/ui/overview/live``, which ``dashboard.js`` fetches every few seconds.

``POST /ui/pipelines/{name}/resume`` is the Resume button of a paused pipeline (CSRF
checked by ``FormDep``); it answers with a redirect to ``/ui/?done=...``, which the page
turns into one of a few fixed messages (:data:`NOTICES`, see ``notices``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from arrkestra.core.attention import Attention, DownMount, actions
from arrkestra.core.daily_chart import bar_chart, last_days
from arrkestra.core.job_kinds import words
from arrkestra.runtime.capabilities import catchup, discovery, reconcile
from arrkestra.runtime.health import MOUNT, ComponentState
from arrkestra.runtime.services import Services
from arrkestra.runtime.summary import SUMMARY_TASK
from arrkestra.store.mount_outages import Outage
from arrkestra.store.overview import Overview, PipelineQueue, QueueState, queue_state, read_overview
from arrkestra.web.dashboard.access import FormDep, ViewerDep
from arrkestra.web.dashboard.notices import Notice, notice, table
from arrkestra.web.dashboard.rendering import render
from arrkestra.web.deps import ServicesDep
from arrkestra.web.health import mount_names

router = APIRouter(include_in_schema=False)

CHART_DAYS = 30
SCHEDULED = (
    (catchup.TASK, "Catch-up"),
    (reconcile.TASK, "Reconcile"),
    (discovery.TASK, "Discovery"),
    (SUMMARY_TASK, "Daily summary"),
    ("store.backup", "Database backup"),
    ("store.integrity", "Integrity check"),
)
"""The scheduled tasks a person waits for, by the scheduler's name (the others run every
few seconds or minutes: the queue's lease reclaim, the health probes)."""


class Done(enum.StrEnum):
    """What the Resume button did (``?done=``)."""

    RESUMED = "resumed"
    NOT_PAUSED = "not_paused"


NOTICES = table(
    Done,
    {
        Done.RESUMED: Notice("The pipeline is resumed: its waiting jobs run now."),
        Done.NOT_PAUSED: Notice(
            "That pipeline was not paused (resumed meanwhile?): nothing to do."
        ),
    },
)
DoneQuery = Annotated[str | None, Query(max_length=40)]
"""Any short text: a value the page does not know says nothing (the overview never
refused one, so no old link to it breaks)."""
PipelineName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_.-]{0,63}$")]


@dataclass(frozen=True)
class ComponentRow:
    name: str
    state: str
    since: float | None
    detail: str


def component_rows(services: Services, outages: dict[str, Outage]) -> list[ComponentRow]:
    """Every health component, the store first; details redacted; a mount that is down
    since before a restart says since when it really is (its outage is recorded)."""
    health = services.health
    roots = mount_names(services.settings)  # "/tv destination": the rule's words, not a path
    rows = []
    for name, component in sorted(health.components.items(), key=lambda i: (i[0] != "store", i[0])):
        since = health.since(name)
        detail = component.detail
        outage = None
        if name.startswith(MOUNT):
            path = name[len(MOUNT) :]
            outage = outages.get(path)
            name, detail = f"mount {roots.get(path, path)}", detail or path
        if outage is not None and component.state is ComponentState.DOWN:
            since = outage.since
        rows.append(ComponentRow(name, component.state.value, since, services.redactor(detail)))
    return rows


def attention(services: Services, found: Overview) -> Attention:
    """What the Action required list is made of, from the registry and the store."""
    components = services.health.components
    mounts = []
    for name, component in sorted(components.items()):
        if not name.startswith(MOUNT) or component.state is not ComponentState.DOWN:
            continue
        path = name[len(MOUNT) :]
        outage = found.outages.get(path)
        detail = outage.detail if outage is not None else component.detail
        since = outage.since if outage is not None else services.health.since(name)
        mounts.append(DownMount(path, detail, since, found.waiting_on.get(path, 0)))
    return Attention(
        paused=found.queue.paused,
        auth_failed=[
            (name, component.detail)
            for name, component in components.items()
            if component.state is ComponentState.AUTH_FAILED
        ],
        mounts_down=mounts,
        held_run=found.held_run,
        # dead in the last 7 days: a dead job cannot be cancelled, so counting every dead
        # job ever would keep this item forever; older ones stay on /ui/jobs?status=dead
        dead={line.pipeline: line.week[2] for line in found.counters},
        pending_tvdb=found.pending_tvdb,
    )


def queue_lines(services: Services, state: QueueState) -> list[PipelineQueue]:
    """The queue per pipeline, with the configured pipelines that have no job yet."""
    lines = {line.pipeline: line for line in state.queue}
    for name in services.worker.pipelines:
        lines.setdefault(name, PipelineQueue(name))
    return [lines[name] for name in sorted(lines)]


def queue_context(services: Services, state: QueueState) -> dict[str, Any]:
    lines = queue_lines(services, state)
    return {
        "queue": lines,
        "paused": {
            name: services.redactor(str(why.get("reason") or ""))
            for name, why in state.paused.items()
        },
        "running": sum(line.running for line in lines),
        "waiting": sum(line.waiting for line in lines),
    }


def scheduled_runs(services: Services) -> list[tuple[str, float | None]]:
    known = set(services.scheduler.task_names)
    return [
        (label, services.scheduler.next_run(name)) for name, label in SCHEDULED if name in known
    ]


@router.get("/ui/")
async def page(
    request: Request, services: ServicesDep, viewer: ViewerDep, done: DoneQuery = None
) -> HTMLResponse:
    now = services.clock.now()
    days = last_days(now, ZoneInfo(services.settings.storage.timezone), CHART_DAYS)
    found = await services.db.read(read_overview, now=now, days=days)
    context = {
        "notice": notice(NOTICES, done),
        "actions": actions(attention(services, found), services.redactor),
        "components": component_rows(services, found.outages),
        "notes": [services.redactor(note) for note in services.health.notes],
        "counters": found.counters,
        "chart": bar_chart(days, found.bytes_per_day, words.size),
        "chart_days": CHART_DAYS,
        "schedule": scheduled_runs(services),
        **queue_context(services, found.queue),
    }
    return render(request, services, viewer, "overview.html", context, title="Overview")


@router.get("/ui/overview/live")
async def live(request: Request, services: ServicesDep, viewer: ViewerDep) -> HTMLResponse:
    """The queue block alone: ``overview.html`` shows it inside ``data-live``."""
    state = await services.db.read(queue_state)
    context = queue_context(services, state)
    return render(request, services, viewer, "overview_queue.html", context)


@router.post("/ui/pipelines/{name}/resume")
async def resume(
    name: PipelineName, services: ServicesDep, viewer: ViewerDep, _form: FormDep
) -> RedirectResponse:
    done = Done.RESUMED if await services.queue.resume(name) else Done.NOT_PAUSED
    return RedirectResponse(f"/ui/?done={done.value}", 303)
