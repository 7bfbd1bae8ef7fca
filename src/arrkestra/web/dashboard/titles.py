"""``/ui/titles``: find a series or movie, and one timeline per title across every pipeline.

Decisions, written down:

- **A title is its text and its kind**, as Sonarr/Radarr send it (``series.title``,
  ``movie.title``; jobs carry the same text in their params): ``The Expanse`` the series
  and ``Dune`` the movie are two titles. Two movies of the same name share a page (the
  text is all most rows carry); a year shows in the steps that know it.
- **Stable, bookmarkable URLs**: ``/ui/titles/series/The%20Expanse``,
  ``/ui/titles/movie/Am%C3%A9lie`` (every character but a few safe ones encoded, ``/``
  too, so ``Face/Off`` is one segment for any proxy that does not decode ``%2F``; the
  route takes the rest of the path either way). An unknown kind or a title nothing
  records is a 404 page.
- **Search** ``?q=`` finds titles containing the text in any case (``store/title_search``).
  A title whose text is exactly ``q`` (a job page links ``/ui/titles?q=<its title>``) or
  a single match answers with a 303 to the title's page, which keeps ``q`` to link back
  to every match (``?q=...&list=1`` lists them even then). Several: a list with counts;
  none: a friendly empty state. Without ``q``: the titles the latest webhooks named.
- **The timeline** (``core/timeline``): the latest ``ROWS`` events and jobs of the title,
  the Plex scans of its folders (its files mapped through ``mirror.paths``, as each copy
  queued them), discovery's verdict on its show, reconcile findings naming it; oldest
  first, each step with time, pipeline, words, outcome badge, the reason of a skip or
  failure, and a link to its job, event, run or the discovery page. While a step waits
  (queued, running, retrying) the list refreshes itself (``data-live``, ``?part=steps``).
- **Secrets**: every step's text passes the redactor (errors can hold URLs and keys).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arrkestra.core import timeline
from arrkestra.core.job_kinds import MIRROR
from arrkestra.core.timeline import KINDS, Entry, Kind
from arrkestra.runtime.services import Services
from arrkestra.store import title_search
from arrkestra.store import titles as title_store
from arrkestra.store.title_search import Found
from arrkestra.web.dashboard.access import ViewerDep
from arrkestra.web.dashboard.rendering import render
from arrkestra.web.deps import ServicesDep

router = APIRouter(include_in_schema=False)
ROWS = 100  # the latest events and jobs of a title read for its timeline
SCANS = 100
RUNS = 20
SHOWN = 200  # steps on a page (the latest)
LISTED = 50  # titles a search lists
RECENT = 20
SAFE = "()',!*:@&=+$;"  # kept as they are in a title's URL
SearchText = Annotated[str | None, Query(max_length=200)]
TITLE_LONGEST = 500
TitleText = Annotated[str, Path(min_length=1, max_length=TITLE_LONGEST)]


def title_url(kind: Kind, title: str, **params: object) -> str:
    """The page of a title: ``/ui/titles/series/The%20Expanse``."""
    kept = {k: str(v) for k, v in params.items() if v is not None}
    query = f"?{urlencode(kept)}" if kept else ""
    return f"/ui/titles/{kind}/{quote(title, safe=SAFE)}{query}"


def _landing(found: Found) -> tuple[Kind, str] | None:
    """The one title a search lands on: the title exactly searched for, or the only match."""
    if len(found.exact) == 1:
        return found.exact[0]
    if not found.exact and len(found.matches) == 1 and not found.more:
        only = found.matches[0]
        if len(only.title) <= TITLE_LONGEST:  # a longer one has no page (nor a sane URL)
            return (only.kind, only.title)
    return None


@router.get("/ui/titles")
async def search(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    q: SearchText = None,
    listed: Annotated[bool, Query(alias="list")] = False,
) -> Response:
    text = (q or "").strip()
    context: dict[str, Any] = {"q": text, "matches": [], "more": False, "recent": []}
    if not text:
        recent = await services.db.read(title_search.recent_titles, limit=RECENT)
        context["recent"] = [
            {"kind": kind, "title": services.redactor(title), "href": title_url(kind, title)}
            | {"at": at}
            for kind, title, at in recent
        ]
        return render(request, services, viewer, "titles.html", context, title="Titles")
    found = await services.db.read(title_search.search_titles, text, limit=LISTED)
    landing = _landing(found)
    if landing is not None and not listed:
        return RedirectResponse(title_url(*landing, q=text), status_code=303)
    context["matches"] = [
        {"match": match, "name": services.redactor(match.title)}
        | {"href": title_url(match.kind, match.title, q=text)}
        for match in found.matches
    ]
    context["more"] = found.more
    return render(request, services, viewer, "titles.html", context, title=f"Titles: {text}")


LINKS: dict[str, str] = {
    "event": "/ui/events/{id}",
    "job": "/ui/jobs/{id}",
    "reconcile": "/ui/reconcile/{id}",
}


def _step(entry: Entry, services: Services, show_titles: dict[int, str]) -> dict[str, Any]:
    """A step as the page shows it: its text redacted, its link."""
    said = services.redactor
    shown = replace(
        entry,
        what=said(entry.what),
        reason=said(entry.reason) if entry.reason else None,
        note=said(entry.note) if entry.note else None,
    )
    if entry.source == "show":
        words = show_titles.get(entry.source_id, "")
        href = "/ui/discovery?" + urlencode({"status": "all", "q": words})
        label = f"TVMaze {entry.source_id}"
    else:
        href = LINKS[entry.source].format(id=entry.source_id)
        label = f"{'run' if entry.source == 'reconcile' else entry.source} {entry.source_id}"
    return {"step": shown, "href": href, "label": label}


async def _steps(services: Services, kind: Kind, title: str) -> dict[str, Any] | None:
    """The title's timeline and counts (None: nothing records this title)."""
    settings = services.settings
    rows = await services.db.read(title_store.title_rows, kind, title, limit=ROWS)
    ids = timeline.ids_of(rows.events, rows.jobs)
    mirrored = [job for job in rows.jobs if job.pipeline == MIRROR]
    folders = timeline.scan_folders(mirrored, settings.mirror.path_rules())
    first = min((job.id for job in mirrored), default=0)
    related = await services.db.read(
        title_store.related_rows, kind, title, ids, folders, after=first, scans=SCANS, runs=RUNS
    )
    shows = timeline.shows_of(related.shows, title, ids) if kind == "series" else []
    if not rows.known and not shows:
        return None
    show_titles = {show.tvmaze_id: show.title for show in shows}
    entries = timeline.steps(
        kind,
        title,
        events=rows.events,
        jobs=[*rows.jobs, *related.scans],
        shows=shows,
        runs=related.runs,
        announcing=settings.notifications.enabled,
        limit=SHOWN,
    )
    return {
        "steps": [_step(entry, services, show_titles) for entry in entries],
        "waiting": any(entry.tone == "wait" for entry in entries),
        "event_total": rows.event_total,
        "job_total": rows.job_total,
        "older": rows.event_total > len(rows.events) or rows.job_total > len(rows.jobs),
        "shows": len(shows),
    }


@router.get("/ui/titles/{kind}/{title:path}")
async def title_page(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    kind: str,
    title: TitleText,
    q: SearchText = None,
    part: Literal["steps"] | None = None,
) -> HTMLResponse:
    known = next((k for k in KINDS if k == kind), None)
    if known is None:
        raise HTTPException(
            404, "a title's address is /ui/titles/series/... or /ui/titles/movie/..."
        )
    found = await _steps(services, known, title)
    name = services.redactor(title)
    if found is None:
        raise HTTPException(404, f"no {known} called “{name}” is known here")
    if part is not None:
        return render(request, services, viewer, "title_steps.html", found)
    search = (q or "").strip()
    context = {
        **found,
        "kind": known,
        "name": name,
        "q": search,
        "every_match": "/ui/titles?" + urlencode({"q": search, "list": 1}) if search else "",
        "live": title_url(known, title, part="steps") if found["waiting"] else "",
        "jobs_search": "/ui/jobs?" + urlencode({"q": title}),
    }
    return render(request, services, viewer, "title.html", context, title=name)
