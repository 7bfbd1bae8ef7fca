"""catch-up: replay what an instance's history holds since its high-water mark, so an
import made while arrkestra was down is mirrored as if its webhook had arrived.

One job reads one instance (``run``): the records since the mark (less ``OVERLAP`` for
clock skew; the first run looks back ``catchup.first_lookback`` and no further), oldest
first. Each record becomes the webhook body the app would have sent
(``core/history.webhook_body``), goes through the webhook parser and the routing table,
and its jobs are committed in chunks of ``CHUNK`` records, each chunk with the mark
(``store/catchup.commit_chunk``): a crash mid-run resumes from the last chunk.

Nothing is queued twice: a record stored by an earlier run is skipped by its id, and a
job a webhook already queued for the same file since the record was written is not
queued again. What cannot be replayed (outside ``mirror.paths``, another event type, a
malformed record) is counted in the result, never raised.

An instance that cannot be reached raises (the queue retries with backoff; /health
shows it); one that rejects the key ends the run as ``auth_failed`` (no attempts burnt,
one notification, the mark kept) and the next run tries again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol, TypeVar

from arrkestra.core.errors import ArrkestraError, PermanentError, UpstreamAuthError
from arrkestra.core.events import Malformed, Unsupported, parse_event
from arrkestra.core.filenames import storable
from arrkestra.core.history import (
    Family,
    HistoryEpisode,
    HistoryMovie,
    HistoryRecord,
    HistorySeries,
    Skipped,
    upgraded_imports,
    webhook_body,
)
from arrkestra.core.instances import InstanceRef
from arrkestra.core.job_kinds import MIRROR, MirrorProblem, load_mirror_params
from arrkestra.core.job_kinds.catchup import CatchupParams, CatchupResult, Skips
from arrkestra.core.jobs import Job, JobSpec
from arrkestra.core.paths import PathRule, map_path
from arrkestra.core.routing import jobs_for
from arrkestra.store.catchup import Committed, Replayed, commit_chunk, get_mark, record_key
from arrkestra.store.database import Database
from arrkestra.store.events import IncomingEvent

log = logging.getLogger("arrkestra.catchup")
T = TypeVar("T")

NAME = "catchup"
OVERLAP = 300.0  # seconds read again below the mark: records written late, clock skew
CHUNK = 200  # records committed per transaction (with the mark)
ROUTED_TO = frozenset({MIRROR})  # history holds imports, deletes and renames: mirror's work


class HistoryBatchLike(Protocol):
    @property
    def records(self) -> list[HistoryRecord]: ...

    @property
    def malformed(self) -> int: ...

    @property
    def route(self) -> Literal["since", "paged"]: ...


class HistorySource(Protocol):
    """What catch-up reads of one instance (``adapters/arr_history.ArrHistoryClient``)."""

    async def history(self, since: datetime, families: Sequence[Family]) -> HistoryBatchLike: ...

    async def series(self, series_id: int) -> HistorySeries: ...

    async def episode(self, episode_id: int) -> HistoryEpisode: ...

    async def movie(self, movie_id: int) -> HistoryMovie: ...


InstanceProblem = Literal["down", "auth_failed"]


@dataclass(frozen=True)
class Deps:
    db: Database
    sources: Mapping[str, HistorySource]  # by qualified instance name (``sonarr.hd``)
    instances: Mapping[str, InstanceRef]
    rules: tuple[PathRule, ...]
    first_lookback: float
    now: Callable[[], float]
    report: Callable[[str, InstanceProblem | None, str], Awaitable[None]]  # health, alerts
    queued: Callable[[], None]  # jobs were committed: wake the worker


# Deletes are read even without ``propagate_deletes``: an upgrade's delete record is how a
# same-name upgrade is known to replace the copy.
FAMILIES: tuple[Family, ...] = ("import", "delete", "rename")


def as_iso(moment: datetime) -> str:
    """The mark's one format (UTC, microseconds), so marks compare as strings."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def window_start(params: CatchupParams, mark: str | None, deps: Deps) -> float:
    if params.since is not None:
        return params.since
    if mark is not None:
        return datetime.fromisoformat(mark).timestamp() - OVERLAP
    return deps.now() - deps.first_lookback


async def run(job: Job, params: CatchupParams, deps: Deps) -> CatchupResult:
    instance = deps.instances.get(params.instance)
    source = deps.sources.get(params.instance)
    if instance is None or source is None:
        raise PermanentError(f"catch-up: no instance {params.instance!r} with a url is configured")
    mark = await deps.db.run(get_mark, params.instance)
    since = window_start(params, mark, deps)
    try:
        batch = await source.history(datetime.fromtimestamp(since, UTC), FAMILIES)
        records = await _complete(source, instance, batch.records)
    except UpstreamAuthError as exc:
        await deps.report(params.instance, "auth_failed", str(exc))
        return CatchupResult(
            outcome="auth_failed", instance=params.instance, since=since, mark=mark
        )
    except ArrkestraError as exc:
        await deps.report(params.instance, "down", str(exc))
        raise
    await deps.report(params.instance, None, "")
    replay = Replay(instance, deps)
    records.sort(key=lambda r: (r.date, r.id))
    upgraded = upgraded_imports(instance.kind, records)
    for start in range(0, len(records), CHUNK):
        chunk = records[start : start + CHUNK]
        items = [item for r in chunk if (item := replay.item(r, r.id in upgraded)) is not None]
        committed = await deps.db.run(
            commit_chunk, params.instance, items, mark=as_iso(chunk[-1].date), now=deps.now()
        )
        replay.add(committed)
        if committed.jobs:
            deps.queued()
    new_mark = as_iso(records[-1].date) if records else mark
    result = replay.result(since, new_mark, batch.route, len(records), batch.malformed)
    if result.queued or result.skipped.already_received:
        log.info("%s", result.summary)
    return result


async def _complete(
    source: HistorySource, instance: InstanceRef, records: list[HistoryRecord]
) -> list[HistoryRecord]:
    """Records with their series/episode/movie, looked up (once each) where not embedded."""
    series: dict[int, HistorySeries | None] = {}
    movies: dict[int, HistoryMovie | None] = {}
    done = []
    for record in records:
        update: dict[str, object] = {}
        if instance.kind == "sonarr":
            if record.series is None and record.series_id:
                if record.series_id not in series:
                    series[record.series_id] = await _lookup(source.series, record.series_id)
                update["series"] = series[record.series_id]
            if record.episode is None and record.episode_id:
                update["episode"] = await _lookup(source.episode, record.episode_id)
        elif record.movie is None and record.movie_id:
            if record.movie_id not in movies:
                movies[record.movie_id] = await _lookup(source.movie, record.movie_id)
            update["movie"] = movies[record.movie_id]
        done.append(record.model_copy(update=update) if update else record)
    return done


async def _lookup(fetch: Callable[[int], Awaitable[T]], item_id: int) -> T | None:
    """A lookup; None when the item is gone (deleted since): the record keeps its path."""
    try:
        return await fetch(item_id)
    except PermanentError:
        return None


class Replay:
    """Turns records into stored events with their jobs, and counts what it skipped."""

    def __init__(self, instance: InstanceRef, deps: Deps) -> None:
        self.instance, self.deps = instance, deps
        self.skips: dict[str, int] = {}
        self.events, self.queued = 0, 0

    def skip(self, why: str) -> None:
        self.skips[why] = self.skips.get(why, 0) + 1

    def item(self, record: HistoryRecord, upgrade: bool) -> Replayed | None:
        kind = self.instance.kind
        body = webhook_body(kind, record, upgrade=upgrade)
        if isinstance(body, Skipped):
            self.skip(body.reason)
            return None
        parsed = parse_event(kind, body)
        text = json.dumps(body | {"historyRecordId": record.id}, ensure_ascii=False)
        if isinstance(parsed, Malformed | Unsupported) or not storable(text):
            self.skip("malformed")
            return None
        specs = jobs_for(parsed, self.instance, pipelines=ROUTED_TO)
        kept = self._mappable(specs)
        if not kept:
            return None
        event = IncomingEvent(
            source=kind,
            instance=self.instance.name,
            event_type=parsed.event_type,
            body=text,
            dedupe_key=record_key(self.instance.qualified, record.id),
            received_at=self.deps.now(),
            remote_addr="catchup",
            jobs=tuple(kept),
        )
        return Replayed(event, not_before=record.timestamp - OVERLAP)

    def _mappable(self, specs: list[JobSpec]) -> list[JobSpec]:
        if not specs:
            self.skip("not_routed")
            return []
        kept = []
        for spec in specs:
            params = load_mirror_params(spec.params)
            if isinstance(params, MirrorProblem):
                continue
            try:
                map_path(params.library_path, self.deps.rules, instance=params.instance)
            except ArrkestraError:
                continue
            kept.append(spec)
        if not kept:
            problem = all(isinstance(load_mirror_params(s.params), MirrorProblem) for s in specs)
            self.skip("malformed" if problem else "unmapped")
        return kept

    def add(self, committed: Committed) -> None:
        self.events += committed.events
        self.queued += len(committed.jobs)
        self.skips["seen"] = self.skips.get("seen", 0) + committed.seen
        received = self.skips.get("already_received", 0) + committed.already_received
        self.skips["already_received"] = received

    def result(
        self,
        since: float,
        mark: str | None,
        route: Literal["since", "paged"],
        read: int,
        malformed: int,
    ) -> CatchupResult:
        skips = Skips(**(self.skips | {"malformed": self.skips.get("malformed", 0) + malformed}))
        summary = (
            f"catch-up of {self.instance.qualified}: {read} record(s) read,"
            f" {self.queued} job(s) queued, {skips.already_received} already received"
        )
        return CatchupResult(
            outcome="caught_up",
            summary=summary,
            instance=self.instance.qualified,
            since=since,
            mark=mark,
            route=route,
            records=read + malformed,
            queued=self.queued,
            events=self.events,
            skipped=skips,
        )
