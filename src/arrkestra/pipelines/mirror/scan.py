"""plex_scan: a targeted Plex scan of one folder, queued by a copy, a delete or a move.

Its own job so that Plex being down never fails a copy. Jobs are keyed by folder and
start at the end of ``plex.scan_debounce``: every copy into that folder within the
window joins the same pending job, so the folder is scanned once, after the last file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from arrkestra.adapters.plex import PlexClient
from arrkestra.core.job_kinds import PLEX_SCAN, ScanParams, ScanResult
from arrkestra.core.jobs import Job, JobSpec
from arrkestra.pipelines.mirror.deps import Changed

NAME = PLEX_SCAN


@dataclass(frozen=True)
class Deps:
    plex: PlexClient


def scan_specs(changes: Sequence[Changed], *, debounce: float) -> list[JobSpec]:
    """The scans of the changed files' folders, as Plex sees them, one per folder; scans
    of one folder within ``debounce`` become one."""
    folders = {
        (change.mapped.plex_dir, change.mapped.rule.plex_section): None for change in changes
    }
    return [
        ScanParams(folder=folder, section=section).spec(delay=debounce, debounce=True)
        for folder, section in folders
    ]


async def run(job: Job, params: ScanParams, deps: Deps) -> ScanResult:
    section = await deps.plex.scan(params.folder, section=params.section)
    return ScanResult(
        outcome="scanned",
        section=section,
        folder=params.folder,
        summary=f"Plex section {section}: {params.folder}",
    )
