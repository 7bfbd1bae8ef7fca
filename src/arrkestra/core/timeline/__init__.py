"""One timeline per series or movie, across every pipeline: pure merging and wording.

The store finds a title's rows (``store/titles``): the webhooks Sonarr/Radarr sent about
it, the jobs that name it, the Plex scans of its folders, what discovery made of its show,
and what reconcile runs found. This package turns each into steps (:class:`Entry`: time,
pipeline, words, outcome badge, reason for skips and failures, source row) and merges them
oldest first, so a title "shows its steps in order": imported, copied (announced),
scanned, deleted in Sonarr, removed from Overseerr (or why not) ...

No I/O here: rows come in as plain values (``EventFacts``, ``Job``, ``ShowFacts``,
``RunFacts``), entries go out; the page redacts and renders them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from arrkestra.core.job_kinds import CleanupParams
from arrkestra.core.job_kinds.outcomes import params_of
from arrkestra.core.jobs import Job
from arrkestra.core.timeline.discovery import ShowFacts, show_entries, shows_of
from arrkestra.core.timeline.entry import (
    KINDS,
    Entry,
    Kind,
    TitleIds,
    Tone,
    in_order,
    kind_of,
)
from arrkestra.core.timeline.events import EventFacts, event_entry
from arrkestra.core.timeline.jobs import job_entry, scan_folders
from arrkestra.core.timeline.reconcile import RunFacts, names_title, run_entries

__all__ = [
    "KINDS",
    "Entry",
    "EventFacts",
    "Kind",
    "RunFacts",
    "ShowFacts",
    "TitleIds",
    "Tone",
    "event_entry",
    "ids_of",
    "in_order",
    "job_entry",
    "kind_of",
    "names_title",
    "scan_folders",
    "show_entries",
    "shows_of",
    "steps",
]


def _known(values: Iterable[int | None]) -> frozenset[int]:
    return frozenset(value for value in values if value is not None and value > 0)


def ids_of(events: Iterable[EventFacts], jobs: Iterable[Job]) -> TitleIds:
    """The TVDB and TMDB ids a title's events and cleanup jobs carried."""
    events, cleanups = list(events), [params_of(job) for job in jobs]
    params = [p for p in cleanups if isinstance(p, CleanupParams)]
    return TitleIds(
        tvdb=_known([*(e.tvdb_id for e in events), *(p.tvdb_id for p in params)]),
        tmdb=_known([*(e.tmdb_id for e in events), *(p.tmdb_id for p in params)]),
    )


def steps(
    kind: Kind,
    title: str,
    *,
    events: Sequence[EventFacts] = (),
    jobs: Sequence[Job] = (),
    shows: Sequence[ShowFacts] = (),
    runs: Sequence[RunFacts] = (),
    announcing: bool = False,
    limit: int | None = None,
) -> list[Entry]:
    """Every step of the title, oldest first (the latest ``limit`` of them).

    ``jobs`` are the title's own and the scans of its folders; ``shows`` the candidate
    rows (a series' shows are picked by :func:`shows_of`); ``announcing``: notifications
    are configured, so each copy was announced.
    """
    ids = ids_of(events, jobs)
    entries = [event_entry(event) for event in events]
    entries += [job_entry(job, announcing=announcing) for job in jobs]
    if kind == "series":
        entries += [e for show in shows_of(shows, title, ids) for e in show_entries(show)]
    entries += [e for run in runs for e in run_entries(run, kind, title, ids)]
    return in_order(entries, limit)
