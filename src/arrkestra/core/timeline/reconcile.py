"""What reconcile runs found about a title, as steps of its timeline.

A run's report keeps the titles Overseerr still lists that no instance has any more
(``missed_deletions``: Overseerr's ids, rarely a title; matched by the TVDB/TMDB ids the
title's events and jobs carried, or by title) and a sample of the files it found
missing, different or extra at the destination (``SAMPLE`` paths per list). A sample
path is this title's when one of its folders is named after it: ``The Show`` or
``Amélie (2001)`` (Sonarr's and Radarr's folder names), in any case.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from arrkestra.core.job_kinds.reconcile import RECONCILE, ReconcileReport
from arrkestra.core.job_kinds.words import counted, listed
from arrkestra.core.timeline.entry import Entry, Kind, TitleIds

LISTED_ONLY = (
    "listed only: no cleanup queued (apply_missed_deletions off, a dry run, or cleanup off)"
)
MEDIA_TYPES: dict[Kind, str] = {"series": "tv", "movie": "movie"}
FOUND: tuple[tuple[str, str], ...] = (
    ("sample_missing", "missing at the destination"),
    ("sample_different", "different at the destination"),
    ("sample_extra", "at the destination only"),
)


@dataclass(frozen=True)
class RunFacts:
    """What the timeline reads of a reconcile run."""

    id: int
    status: str
    started_at: float
    finished_at: float | None
    report: ReconcileReport


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def names_title(path: str, title: str) -> bool:
    """Whether a folder of ``path`` is named after ``title`` (``Title`` or ``Title (…``)."""
    wanted = _fold(title)
    folders = [_fold(part) for part in path.replace("\\", "/").split("/")[:-1]]
    return any(part == wanted or part.startswith(wanted + " (") for part in folders)


def _missed(run: RunFacts, kind: Kind, title: str, ids: TitleIds, at: float) -> list[Entry]:
    entries = []
    for missed in run.report.missed_deletions:
        if missed.media_type != MEDIA_TYPES[kind]:
            continue
        by_id = missed.tvdb_id in ids.tvdb or missed.tmdb_id in ids.tmdb
        if not by_id and missed.title != title:
            continue
        side = "4K " if missed.is_4k else ""
        what = (
            f"reconcile run {run.id} found it still available in Overseerr's {side}library "
            "though no instance has it"
        )
        if missed.action == "queued":
            entries.append(Entry(at, RECONCILE, what, "queued", "info", "reconcile", run.id))
        else:
            reason = LISTED_ONLY
            entries.append(
                Entry(at, RECONCILE, what, "listed", "skip", "reconcile", run.id, reason)
            )
    return entries


def _samples(run: RunFacts, title: str, at: float) -> list[Entry]:
    entries = []
    for field, where in FOUND:
        paths: Sequence[str] = getattr(run.report, field)
        mine = [path for path in paths if names_title(path, title)]
        if not mine:
            continue
        names = listed([path.replace("\\", "/").rsplit("/", 1)[-1] for path in mine])
        what = f"reconcile run {run.id} found {counted(len(mine), 'file')} {where}: {names}"
        badge = where.split(" ")[0] if field != "sample_extra" else "extra"
        note = "from the run's sample of each list"
        entries.append(Entry(at, RECONCILE, what, badge, "info", "reconcile", run.id, None, note))
    return entries


def run_entries(run: RunFacts, kind: Kind, title: str, ids: TitleIds) -> list[Entry]:
    """The run's findings about this title (none: the run is not shown)."""
    at = run.finished_at or run.started_at
    return [*_missed(run, kind, title, ids, at), *_samples(run, title, at)]
