"""``/ui/jobs``: the queue, newest first, with what each job is about and its buttons.

The list filters by pipeline, status and instance (the instance a job's params name:
index ``jobs_instance``) and searches titles and file paths (``q``: the API's search,
``store.jobs.list_jobs``), ``PAGE`` jobs a page, paged with ``before=<id>`` ("Older").
Filter values come from a GET form, so an empty field means "any"; a status or pipeline
nobody has is a 400 page. A running job's NOW cell refreshes itself from
``/ui/jobs/{id}/now`` (``data-live``, see ``job_detail``).

Routes of the same pages live next to this one: ``job_detail`` (a job's page, the NOW
fragment) and ``job_buttons`` (Retry, Cancel, Retry all failed); their routers are
included here, so ``/ui/jobs...`` is one entry in the dashboard's list of pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from arrkestra.core.job_kinds.outcomes import KINDS
from arrkestra.core.jobs import JobStatus
from arrkestra.runtime.services import Services
from arrkestra.store.jobs import JobFilter, list_jobs, next_job_id
from arrkestra.web.dashboard import job_buttons, job_detail
from arrkestra.web.dashboard.access import ViewerDep
from arrkestra.web.dashboard.filter_form import blank, options, qualified_instances, url
from arrkestra.web.dashboard.job_buttons import NOTICES, Done
from arrkestra.web.dashboard.job_detail import row_of
from arrkestra.web.dashboard.notices import notice
from arrkestra.web.dashboard.rendering import render
from arrkestra.web.deps import Cursor, ServicesDep

router = APIRouter(include_in_schema=False)
PAGE = 50
PIPELINE_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
"""Any pipeline a job row can name is a filter, a retired one's included (the overview
links every pipeline its queue shows); only what cannot be a name is refused."""
Text = Annotated[str | None, Query(max_length=200)]


def known_pipelines(services: Services) -> list[str]:
    """Every kind of job there is, and whatever else the worker runs."""
    return sorted(set(KINDS) | set(services.worker.pipelines))


@dataclass(frozen=True)
class Filters:
    status: JobStatus | None
    pipeline: str | None
    instance: str | None
    q: str | None

    def query(self, **extra: object) -> dict[str, str]:
        """The filters as query parameters (empty ones left out), and ``extra``."""
        values: dict[str, object] = {
            "pipeline": self.pipeline,
            "status": self.status.value if self.status else None,
            "instance": self.instance,
            "q": self.q,
            **extra,
        }
        return {k: str(v) for k, v in values.items() if v is not None}


def filters_of(
    services: Services,
    status: str | None,
    pipeline: str | None,
    instance: str | None,
    q: str | None,
) -> Filters:
    """The list's filters as the query gives them; a status or pipeline nobody has: 400."""
    wanted = blank(status)
    if wanted is not None and wanted not in {s.value for s in JobStatus}:
        raise HTTPException(400, "status: not a job status (pending, running, succeeded ...)")
    named = blank(pipeline)
    if named is not None and PIPELINE_NAME.fullmatch(named) is None:
        raise HTTPException(400, "pipeline: not a pipeline name (mirror, cleanup, plex_scan ...)")
    return Filters(
        status=None if wanted is None else JobStatus(wanted),
        pipeline=named,
        instance=blank(instance),
        q=blank(q),
    )


SEARCH_WINDOW = 20_000
"""Jobs a search reads per page. Finding text inside titles and paths reads each job's
JSON (no index can answer "contains"); all 100,000 jobs of a big database took 180 ms
(bench/dashboard.py), 20,000 take under 40 ms. A search that finds fewer than a page in
its window says which jobs it searched and links to the next, older, window."""


@dataclass(frozen=True)
class Window:
    """The ids a search page reads: ``floor <= id < top``."""

    top: int
    floor: int


async def search_window(services: Services, before: int | None) -> Window:
    top = before if before is not None else await services.db.read(next_job_id)
    return Window(top, max(1, top - SEARCH_WINDOW))


@router.get("/ui/jobs")
async def page(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    status: Text = None,
    pipeline: Text = None,
    instance: Text = None,
    q: Text = None,
    before: Cursor = None,
    done: Done | None = None,
    count: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> HTMLResponse:
    filters = filters_of(services, status, pipeline, instance, q)
    window = await search_window(services, before) if filters.q else None
    query = JobFilter(
        filters.status,
        filters.pipeline,
        window.top if window else before,
        PAGE,
        filters.q,
        instance=filters.instance,
        after=window.floor if window else None,
    )
    jobs = await services.db.read(list_jobs, query)
    older = url("/ui/jobs", filters.query(before=jobs[-1].id)) if len(jobs) == PAGE else ""
    if not older and window is not None and window.floor > 1:
        older = url("/ui/jobs", filters.query(before=window.floor))
    else:
        window = None  # the page is full, or every job was searched: nothing to say
    context = {
        "rows": [row_of(job, services) for job in jobs],
        "filters": filters,
        "filtered": any(filters.query().values()),
        "statuses": [s.value for s in JobStatus],
        "pipelines": sorted(options(known_pipelines(services), filters.pipeline)),
        "instances": options(qualified_instances(services.settings), filters.instance),
        "older": older,
        "window": window,
        "newest": url("/ui/jobs", filters.query()) if before is not None else "",
        "back": url("/ui/jobs", filters.query(before=before)),
        "notice": notice(NOTICES, done, count=count),
    }
    return render(request, services, viewer, "jobs.html", context, title="Jobs")


router.include_router(job_detail.router)
router.include_router(job_buttons.router)
