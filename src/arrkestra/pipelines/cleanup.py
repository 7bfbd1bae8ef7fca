"""cleanup: a series or movie deleted in Sonarr/Radarr is removed from Overseerr/Jellyseerr.

Instance-aware: a 4K instance's delete removes the row only when no non-4K copy is left
(available, partially available, or requested and pending/approved), and the reverse
for a non-4K instance. When the other copy remains, only the deleted side's requests
go; Overseerr's API cannot reset ``status4k`` alone, its own availability sync does.
Jellyseerr's blacklisted rows (status 6, on either side) are never deleted: that would
lift the ban. A row already marked deleted (status 7) on the deleted side is absent; on
the other side only, it is no copy left, and the row goes.

Outcomes (``CleanupResult.outcome``): deleted, not_in_overseerr, kept_other_copy,
kept_blacklisted, dry_run. Everything else is an error for the job queue to handle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from arrkestra.adapters.overseerr import Media, OverseerrClient
from arrkestra.core.errors import PermanentError
from arrkestra.core.job_kinds import CLEANUP, CleanupParams, CleanupResult, WouldDo
from arrkestra.core.job_kinds.cleanup import CleanupOutcome
from arrkestra.core.jobs import Job
from arrkestra.pipelines.budget import BudgetGuard

NAME = CLEANUP
AVAILABLE = frozenset({4, 5})  # partially available, available
ACTIVE_REQUEST = frozenset({1, 2})  # pending, approved
BLACKLISTED, DELETED = 6, 7  # Jellyseerr
STATUS4K_NOTE = (
    "Overseerr's API cannot reset the other side's availability alone; "
    "its own availability sync clears it"
)


@dataclass(frozen=True)
class Deps:
    overseerr: OverseerrClient
    dry_run: bool
    budget: BudgetGuard


@dataclass(frozen=True)
class Plan:
    """What to do with a found media row."""

    action: Literal["delete_media", "delete_requests", "keep_blacklisted", "absent"]
    request_ids: tuple[int, ...] = ()


def plan(media: Media, *, is_4k: bool) -> Plan:
    """Pure: the instance-aware decision for one Overseerr media row.

    The deleted side's own status decides whether the row is already gone (``status``
    for a non-4K instance, ``status4k`` for a 4K one): the other side marked deleted says
    nothing about this one. A blacklist on either side keeps the row.
    """
    own_status, other_status = (
        (media.status4k, media.status) if is_4k else (media.status, media.status4k)
    )
    if BLACKLISTED in (media.status, media.status4k):
        return Plan("keep_blacklisted")
    if own_status == DELETED:
        return Plan("absent")
    other_requested = any(r.is_4k != is_4k and r.status in ACTIVE_REQUEST for r in media.requests)
    if other_status in AVAILABLE or other_requested:
        own = tuple(sorted(r.id for r in media.requests if r.is_4k == is_4k))
        return Plan("delete_requests", own)
    return Plan("delete_media")


def check(params: CleanupParams) -> None:
    """The job can find its title, or it dies now naming what the event lacked."""
    if params.problems:
        raise PermanentError("the delete event is malformed: " + "; ".join(params.problems))
    if params.media_type == "movie" and params.tmdb_id is None:
        raise PermanentError(
            "the MovieDelete event has no movie.tmdbId: cannot find it in Overseerr"
        )
    if params.media_type == "tv" and params.tmdb_id is None and params.tvdb_id is None:
        raise PermanentError(
            "the SeriesDelete event has neither series.tmdbId nor series.tvdbId: "
            "cannot find it in Overseerr"
        )


async def find(params: CleanupParams, overseerr: OverseerrClient) -> Media | None:
    if params.media_type == "movie":
        assert params.tmdb_id is not None  # checked in check()
        return await overseerr.find_movie(params.tmdb_id)
    return await overseerr.find_tv(tmdb_id=params.tmdb_id, tvdb_id=params.tvdb_id)


def _result(
    params: CleanupParams,
    media: Media | None,
    outcome: CleanupOutcome,
    summary: str,
    *,
    would: WouldDo | None = None,
    removed_requests: list[int] | None = None,
    note: str | None = None,
) -> CleanupResult:
    return CleanupResult(
        outcome=outcome,
        instance=params.instance,
        media_type=params.media_type,
        tmdb_id=params.tmdb_id,
        tvdb_id=params.tvdb_id,
        title=(media.title if media else None) or params.title,
        media_id=media.id if media else None,
        summary=summary,
        would=would,
        removed_requests=removed_requests,
        note=note,
    )


async def run(job: Job, params: CleanupParams, deps: Deps) -> CleanupResult:
    check(params)
    media = await find(params, deps.overseerr)
    title = (media.title if media else None) or params.title
    if media is None:
        return _result(params, media, "not_in_overseerr", f"{title}: not in Overseerr")
    decision = plan(media, is_4k=params.is_4k)
    if decision.action == "absent":
        return _result(params, media, "not_in_overseerr", f"{title}: marked deleted")
    if decision.action == "keep_blacklisted":
        return _result(params, media, "kept_blacklisted", f"{title}: blacklisted, kept")
    if deps.dry_run:
        would = WouldDo(action=decision.action, request_ids=list(decision.request_ids))
        return _result(params, media, "dry_run", f"{title}: dry run", would=would)
    if decision.action == "delete_requests":
        removed = [rid for rid in decision.request_ids if await deps.overseerr.delete_request(rid)]
        side = "4K" if params.is_4k else "non-4K"
        summary = f"{title}: other copy kept, {len(removed)} {side} request(s) removed"
        return _result(
            params,
            media,
            "kept_other_copy",
            summary,
            removed_requests=removed,
            note=STATUS4K_NOTE,
        )
    async with deps.budget.deletion():
        existed = await deps.overseerr.delete_media(media.id)  # its row leaves the cached index
    outcome: CleanupOutcome = "deleted" if existed else "not_in_overseerr"
    return _result(params, media, outcome, f"{title}: removed from Overseerr")
