"""``/ui/discovery``: the TVMaze catalogue discovery keeps, by status, with why each show
was accepted or rejected; trigger, refilter, skip / unskip, and review mode's approve.

At the top, the last cycle (``/state``'s source: ``discovery_api.read_discovery_state``,
refreshed live) and, in review mode, how many shows wait for a person. Then the counts
by status (links that filter), a title search (``?q=``) and one page of shows, newest
TVMaze id first (``store/show_search``). With review on and shows waiting, the page
opens on them.

Every button acts through the functions the ``/api/v1/discovery`` routes call
(``trigger_cycle``, ``refilter_now``, ``skip_show``, ``unskip_show``, ``approve_show``)
and answers with a 303 back to the same view; the message shown after it is a fixed
text chosen by ``?done=`` (:data:`NOTICES`, see ``notices``). Text that can hold an
upstream's answer (errors, the paused reason) goes through the redactor. A page costs a
count by status (a covering index scan) and one indexed page of rows; a search scans one
index, never the table.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from arrkestra.core.show_words import STATUS_WORDS, reason_of
from arrkestra.core.shows import ShowStatus
from arrkestra.pipelines.discovery_sonarr import targets_of
from arrkestra.runtime.capabilities import discovery as capability
from arrkestra.runtime.services import Services
from arrkestra.store import show_search
from arrkestra.store import shows as show_store
from arrkestra.store.shows import IN_SONARR, ShowRow, Skip
from arrkestra.web.dashboard.access import FormDep, ViewerDep
from arrkestra.web.dashboard.filter_form import url
from arrkestra.web.dashboard.notices import Notice, notice, table
from arrkestra.web.dashboard.rendering import render
from arrkestra.web.deps import RowId, ServicesDep
from arrkestra.web.discovery_api import (
    DiscoveryState,
    approve_show,
    read_discovery_state,
    refilter_now,
    skip_show,
    trigger_cycle,
    unskip_show,
)

router = APIRouter(include_in_schema=False)
PAGE = 50
ALL = "all"
STATUSES = frozenset({ALL, *(status.value for status in ShowStatus)})


class Done(enum.StrEnum):
    """What a button did (``?done=``)."""

    TRIGGERED = "triggered"
    ALREADY_QUEUED = "already_queued"
    REFILTERED = "refiltered"
    APPROVED = "approved"
    SKIPPED = "skipped"
    UNSKIPPED = "unskipped"


NOTICES = table(
    Done,
    {
        Done.TRIGGERED: Notice("A discovery cycle was queued: it runs now."),
        Done.ALREADY_QUEUED: Notice("A discovery cycle was already queued or running: it goes on."),
        Done.REFILTERED: Notice(
            "The cache was judged again with the current filters; a cycle adds what now passes."
        ),
        Done.APPROVED: Notice("Approved: a discovery cycle adds the show to Sonarr now."),
        Done.SKIPPED: Notice(
            "Skipped by hand: no cycle adds this show (Unskip lets the filters judge it again)."
        ),
        Done.UNSKIPPED: Notice("Unskipped: the filters judged the show again (see its status)."),
    },
)
StatusQuery = Annotated[str | None, Query(max_length=20)]
Words = Annotated[str | None, Query(max_length=200)]
PageNumber = Annotated[int, Query(ge=1, le=10_000)]
SKIPPABLE = frozenset(
    status.value for status in ShowStatus if status not in (*IN_SONARR, ShowStatus.SKIPPED)
)
"""Statuses a Skip button is offered for: not in Sonarr, not skipped already."""


def _status(value: str | None) -> str | None:
    """The status asked for (``all`` or a processing status); 400 for anything else."""
    if value is None or value == "":
        return None
    if value not in STATUSES:
        choices = ", ".join(sorted(STATUSES))
        raise HTTPException(400, f"status must be one of: {choices}")
    return value


def view_url(status: str | None, words: str | None, page: int = 1, **extra: str) -> str:
    """The page's address for this view (what a link or a redirect goes to)."""
    query = {"status": status, "q": words or None, "page": page if page > 1 else None, **extra}
    return url("/ui/discovery", query)


def _chosen(status: str | None, known: DiscoveryState, review: bool) -> str:
    """With no status asked for: the shows waiting for review, if any, else all."""
    if status is not None:
        return status
    return ShowStatus.REVIEW.value if review and known.counts.get("review") else ALL


def _tabs(known: DiscoveryState, chosen: str, review: bool) -> list[dict[str, Any]]:
    """The counts by status (links that filter): statuses with shows, and review in
    review mode, in the order of ``STATUS_WORDS``."""
    tabs = [{"status": ALL, "label": "all", "count": sum(known.counts.values())}]
    for status, label in STATUS_WORDS.items():
        count = known.counts.get(status.value, 0)
        wanted = count or status.value == chosen or (review and status is ShowStatus.REVIEW)
        if wanted:
            tabs.append({"status": status.value, "label": label, "count": count})
    return tabs


def _shown(services: Services, rows: list[ShowRow], skips: dict[int, Skip]) -> list[Any]:
    targets = [target.instance for target in targets_of(services.settings)]
    redact = services.redactor
    return [
        {
            "row": row,
            "show": row.show,
            "why": redact(
                reason_of(
                    row.status,
                    filter_reason=row.filter_reason,
                    rule=row.rule,
                    error=row.error_message,
                    targets=targets,
                )
            ),
            "skipped_by_hand": row.show.tvmaze_id in skips,
        }
        for row in rows
    ]


async def _live(services: Services) -> dict[str, Any]:
    """The live part: the last cycle, the next, and how many shows wait for review."""
    running = services.runtime_data(capability.NAME, capability.DiscoveryData)
    known = await read_discovery_state(services, running)
    paused = known.paused_reason
    return {
        "known": known,
        "running": running is not None,
        "why_not": capability.why_not(services.settings),
        "review": services.settings.discovery.review,
        "waiting": known.counts.get(ShowStatus.REVIEW.value, 0),
        "paused": services.redactor(paused) if paused else None,
        "words": STATUS_WORDS,
    }


@router.get("/ui/discovery")
async def discovery_page(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    status: StatusQuery = None,
    q: Words = None,
    page: PageNumber = 1,
    done: Annotated[Done | None, Query()] = None,
) -> HTMLResponse:
    asked = _status(status)
    words = (q or "").strip() or None
    live = await _live(services)
    chosen = _chosen(asked, live["known"], live["review"])
    wanted = None if chosen == ALL else ShowStatus(chosen)

    def read(conn: Any) -> tuple[show_search.ShowPage, dict[int, Skip]]:
        found = show_search.find_shows(conn, wanted, words, limit=PAGE, offset=(page - 1) * PAGE)
        ids = [row.show.tvmaze_id for row in found.rows]
        return found, show_store.skips_of(conn, ids)

    found, skips = await services.db.read(read)
    context = {
        **live,
        "notice": notice(NOTICES, done),
        "chosen": chosen,
        "tabs": _tabs(live["known"], chosen, live["review"]),
        "q": words or "",
        "page": page,
        "shows": _shown(services, found.rows, skips),
        "newer": view_url(chosen, words, page - 1) if page > 1 else None,
        "older": view_url(chosen, words, page + 1) if found.more else None,
        "tab_url": lambda s: view_url(s, words),
        "clear_url": view_url(chosen, None),
        "skippable": SKIPPABLE,
        "back": {"status": asked or "", "q": words or "", "page": str(page)},
    }
    return render(request, services, viewer, "discovery.html", context, title="Discovery")


@router.get("/ui/discovery/state")
async def state_fragment(
    request: Request, services: ServicesDep, viewer: ViewerDep
) -> HTMLResponse:
    return render(request, services, viewer, "discovery_state.html", await _live(services))


def _back(form: dict[str, str], done: Done) -> RedirectResponse:
    """303 to the view the form was posted from (its fields checked, never echoed raw)."""
    status = form.get("status")
    status = status if status in STATUSES else None
    words = (form.get("q") or "").strip()[:200] or None
    number = form.get("page") or ""
    page = min(int(number), 10_000) if number.isdigit() and int(number) >= 1 else 1
    return RedirectResponse(view_url(status, words, page, done=done), status_code=303)


@router.post("/ui/discovery/trigger")
async def trigger(services: ServicesDep, form: FormDep) -> RedirectResponse:
    _, created = await trigger_cycle(services)
    return _back(form, Done.TRIGGERED if created else Done.ALREADY_QUEUED)


@router.post("/ui/discovery/refilter")
async def refilter(services: ServicesDep, form: FormDep) -> RedirectResponse:
    await refilter_now(services)
    return _back(form, Done.REFILTERED)


@router.post("/ui/discovery/shows/{tvmaze_id}/approve")
async def approve(services: ServicesDep, form: FormDep, tvmaze_id: RowId) -> RedirectResponse:
    await approve_show(services, tvmaze_id)
    return _back(form, Done.APPROVED)


@router.post("/ui/discovery/shows/{tvmaze_id}/skip")
async def skip(services: ServicesDep, form: FormDep, tvmaze_id: RowId) -> RedirectResponse:
    await skip_show(services, tvmaze_id, (form.get("reason") or "")[:500])
    return _back(form, Done.SKIPPED)


@router.post("/ui/discovery/shows/{tvmaze_id}/unskip")
async def unskip(services: ServicesDep, form: FormDep, tvmaze_id: RowId) -> RedirectResponse:
    await unskip_show(services, tvmaze_id)
    return _back(form, Done.UNSKIPPED)
