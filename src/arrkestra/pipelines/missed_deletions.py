"""Missed deletions: titles Overseerr/Jellyseerr shows as available that no configured
instance of their kind has any more (a SeriesDelete/MovieDelete sent while arrkestra was
down is lost for good: Sonarr's history has no record of a series being deleted).

Each side of a row is judged on its own: the HD side (``status``) against the instances
that are not ``is_4k``, the 4K side (``status4k``) against the 4K ones; only an available
or partially available side is a candidate, so a pending request is never touched. A
series matches by TVDB id, then TMDB; a movie by TMDB id (Overseerr's rows carry no IMDb
id); a row with no id the side's library carries is not judged (and counted).
**An instance whose library answer is empty, failed or partial (an item without
any id) is never trusted**: no title of its side is a candidate, not even on confirm, and
the run names it. A side no instance serves is not judged at all.

With ``reconcile.apply_missed_deletions`` each candidate becomes a ``cleanup`` job, the
same a SeriesDelete/MovieDelete would queue, so cleanup's deletion budget and dry-run
apply; otherwise they are only listed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from arrkestra.adapters.overseerr_models import Media, MediaStatus
from arrkestra.core.errors import ArrkestraError
from arrkestra.core.instances import InstanceRef
from arrkestra.core.job_kinds import CleanupParams
from arrkestra.core.job_kinds.reconcile import MissedDeletion, ReconcileReport
from arrkestra.core.jobs import JobSpec
from arrkestra.pipelines.reconcile import MissedFound

AVAILABLE = frozenset({int(MediaStatus.AVAILABLE), int(MediaStatus.PARTIALLY_AVAILABLE)})
MediaType = Literal["tv", "movie"]


class LibraryItemLike(Protocol):
    @property
    def tvdb_id(self) -> int | None: ...

    @property
    def tmdb_id(self) -> int | None: ...

    @property
    def imdb_id(self) -> str | None: ...


class MediaSource(Protocol):
    async def all_media(self) -> list[Media]: ...


@dataclass(frozen=True)
class Deps:
    overseerr: MediaSource
    libraries: Mapping[
        str, Callable[[], Awaitable[Sequence[LibraryItemLike]]] | None
    ]  # None: no key
    instances: Mapping[str, InstanceRef]  # by qualified name
    apply: bool  # reconcile.apply_missed_deletions
    cleanup_runs: bool  # else candidates are listed only


@dataclass
class Side:
    """What the instances of one side (``("tv", False)``: HD Sonarr) hold."""

    instances: list[str] = field(default_factory=list)
    tvdb: set[int] = field(default_factory=set)
    tmdb: set[int] = field(default_factory=set)
    trusted: bool = True


def _media_type(ref: InstanceRef) -> MediaType:
    return "tv" if ref.kind == "sonarr" else "movie"


async def read_sides(deps: Deps) -> tuple[dict[tuple[MediaType, bool], Side], list[str]]:
    sides: dict[tuple[MediaType, bool], Side] = {}
    untrusted = []
    for name, ref in sorted(deps.instances.items()):
        side = sides.setdefault((_media_type(ref), ref.is_4k), Side())
        side.instances.append(name)
        fetch = deps.libraries.get(name)
        problem = None
        items: Sequence[LibraryItemLike] = []
        if fetch is None:
            problem = "no api_key: its library cannot be read"
        else:
            try:
                items = await fetch()
            except ArrkestraError as exc:
                problem = f"its library could not be read: {exc}"
        if problem is None and not items:
            problem = "its library answer was empty"
        if problem is None and any(not (i.tvdb_id or i.tmdb_id) for i in items):
            problem = "its library answer was partial (an item without TVDB/TMDB id)"
        if problem is not None:
            side.trusted = False
            untrusted.append(f"{name}: {problem}")
            continue
        side.tvdb.update(i.tvdb_id for i in items if i.tvdb_id)
        side.tmdb.update(i.tmdb_id for i in items if i.tmdb_id)
    return sides, untrusted


def judge(media: Media, side: Side) -> Literal["kept", "gone", "unknown"]:
    """Whether the side still has the title. ``unknown`` when no id of the row is one the
    side's library carries (a row without ids; TMDB ids against a Sonarr v3 that has
    none): such a title is never a candidate."""
    tvdb = media.tvdb_id if media.media_type == "tv" and side.tvdb else None
    tmdb = media.tmdb_id if side.tmdb else None
    if not tvdb and not tmdb:
        return "unknown"
    if (tvdb and tvdb in side.tvdb) or (tmdb and tmdb in side.tmdb):
        return "kept"
    return "gone"


async def find(deps: Deps, queue: bool) -> MissedFound:
    """The candidates, and their cleanup jobs when ``queue`` and the settings allow."""
    sides, untrusted = await read_sides(deps)
    problems: list[str] = []
    try:
        rows = await deps.overseerr.all_media()
    except ArrkestraError as exc:
        problems.append(f"missed deletions not checked: Overseerr: {exc}")
        rows = []
    found: list[MissedDeletion] = []
    jobs: list[JobSpec] = []
    unknown = 0
    act = queue and deps.apply and deps.cleanup_runs
    for media in rows:
        for is_4k, status in ((False, media.status), (True, media.status4k)):
            side = sides.get((media.media_type, is_4k))
            if status not in AVAILABLE or side is None or not side.trusted:
                continue
            verdict = judge(media, side)
            unknown += verdict == "unknown"
            if verdict != "gone":
                continue
            found.append(
                MissedDeletion(
                    media_type=media.media_type,
                    media_id=media.id,
                    tmdb_id=media.tmdb_id,
                    tvdb_id=media.tvdb_id,
                    is_4k=is_4k,
                    action="queued" if act else "listed",
                )
            )
            if act:
                params = CleanupParams(
                    media_type=media.media_type,
                    instance=side.instances[0],
                    is_4k=is_4k,
                    tmdb_id=media.tmdb_id,
                    tvdb_id=media.tvdb_id,
                )
                jobs.append(params.spec())
    if unknown:
        problems.append(f"{unknown} available title(s) have no id to match: not judged")
    if deps.apply and not deps.cleanup_runs and found:
        problems.append("apply_missed_deletions is on but cleanup does not run: listed only")
    report = ReconcileReport(missed_deletions=found, untrusted=untrusted, problems=problems)
    return MissedFound(report, jobs)
