"""``migrate``'s data half: the old tools' databases into arrkestra's.

TVMaze-Sync's ``shows.db`` (with its ``state.json``) becomes discovery's catalogue and
checkpoints (``store/legacy_shows``); sync-webhook's job database becomes finished mirror
jobs (``store/legacy_jobs``). The import holds the database lock, as the daemon does:
while a daemon runs on that database the import is refused, not squeezed in beside it.
A dry run only reads the old files and says what would come over.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arrkestra.config import Settings
    from arrkestra.store.legacy_jobs import JobHistory
    from arrkestra.store.legacy_shows import CatalogueImport


@dataclass(frozen=True)
class DataInputs:
    """The old databases given on the command line (and TVMaze-Sync's checkpoints)."""

    shows: Path | None = None
    state: Mapping[str, Any] | None = None
    state_file: Path | None = None
    jobs: Path | None = None

    def __bool__(self) -> bool:
        return bool(self.shows or self.state_file or self.jobs)


def import_data(inputs: DataInputs, settings: Settings, *, dry_run: bool) -> list[str]:
    """Import (or, dry, survey) every old database; the report's lines. Raises
    ``StoreError`` when the database cannot be used (another arrkestra holds it)."""
    from arrkestra.store import legacy_jobs, legacy_shows

    state = inputs.state if inputs.shows else None
    lines = []
    if inputs.state_file and not inputs.shows:
        lines.append(
            f"not imported: {inputs.state_file.name}: its checkpoints describe the shows of "
            "shows.db; give both (without them the first cycle walks the TVMaze index again)"
        )
    if dry_run:
        verb = "would import"
        shows = legacy_shows.survey_catalogue(inputs.shows, state) if inputs.shows else None
        jobs = legacy_jobs.survey_jobs(inputs.jobs) if inputs.jobs else None
    else:
        verb = "imported"
        shows, jobs = _import(inputs, state, settings)
    lines.append(f"database: {settings.storage.db_file}")
    if shows is not None and inputs.shows is not None:
        lines += _shows_lines(verb, inputs.shows, shows, dry_run=dry_run)
    if jobs is not None and inputs.jobs is not None:
        lines += _jobs_lines(verb, inputs.jobs, jobs, dry_run=dry_run)
    return lines


def _import(
    inputs: DataInputs, state: Mapping[str, Any] | None, settings: Settings
) -> tuple[CatalogueImport | None, JobHistory | None]:
    from arrkestra.runtime.services import open_database
    from arrkestra.store import legacy_jobs, legacy_shows

    db, lock = open_database(settings, daemon=True)  # the lock: no daemon is using it
    try:
        now = time.time()
        shows = (
            db.call(legacy_shows.import_catalogue, inputs.shows, state, now=now)
            if inputs.shows
            else None
        )
        roots = [(str(rule.source), rule.arr_path) for rule in settings.mirror.paths]
        jobs = (
            db.call(legacy_jobs.import_jobs, inputs.jobs, now=now, roots=roots)
            if inputs.jobs
            else None
        )
    finally:
        db.close()
        if lock is not None:
            lock.release()
    return shows, jobs


def _shows_lines(verb: str, path: Path, found: CatalogueImport, *, dry_run: bool) -> Iterator[str]:
    statuses = ", ".join(f"{n} {status}" for status, n in sorted(found.by_status.items()))
    kept = "" if dry_run else f" ({found.new} new, {found.present} already in the catalogue)"
    yield f"{verb} {path.name}: {found.shows} shows{kept}: {statuses or 'none'}"
    if found.unreadable:
        yield f"  not imported: {found.unreadable} rows without a usable TVMaze id"
    if found.skipped:
        yield (
            f"  {found.skipped} skipped by hand in TVMaze-Sync: skipped by hand here too, no "
            "cycle adds them (POST /api/v1/discovery/shows/ID/unskip lifts one)"
        )
    if found.skipped_in_sonarr:
        yield f"  {found.skipped_in_sonarr} skipped in TVMaze-Sync but already in Sonarr: left so"
    if found.state:
        yield f"  checkpoints from state.json: {', '.join(found.state)}"
    yield from (f"  not kept: {note}" for note in found.state_notes)


def _jobs_lines(verb: str, path: Path, found: JobHistory, *, dry_run: bool) -> Iterator[str]:
    from arrkestra.core.job_kinds.words import size

    before = "" if dry_run else f"; {found.new} new, {found.finished - found.new} imported before"
    yield (
        f"{verb} {path.name}: {found.finished} finished copies ({found.succeeded} succeeded, "
        f"{found.dead} gave up), {size(found.bytes)}{before}"
    )
    if found.dead:
        yield (
            "  the copies that gave up are dead jobs: the daily summary lists them until "
            "retried (arrkestra jobs retry ID)"
        )
    if found.unfinished:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(found.unfinished.items()))
        yield (
            f"  not imported: {counts} (unfinished: sync-webhook would still have run them); "
            "queue each with `arrkestra sync PATH`, or let reconcile find them:"
        )
        yield from (f"    {title}" for title in found.unfinished_titles)
