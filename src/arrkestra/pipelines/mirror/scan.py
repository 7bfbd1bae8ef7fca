"""plex_scan: a targeted Plex scan of one folder, queued by a copy, a delete or a move.

Its own job so that Plex being down never fails a copy. Jobs are keyed by folder and
start at the end of ``plex.scan_debounce``: every copy into that folder within the
window joins the same pending job, so the folder is scanned once, after the last file.
"""

from __future__ import annotations

from dataclasses import dataclass

from arrkestra.adapters.plex import PlexClient
from arrkestra.core.job_kinds import PLEX_SCAN, ScanParams, ScanResult
from arrkestra.core.jobs import Job, JobSpec
from arrkestra.core.paths import MappedPath

NAME = PLEX_SCAN


@dataclass(frozen=True)
class Deps:
    plex: PlexClient


def scan_job(mapped: MappedPath, *, debounce: float) -> JobSpec:
    """The scan of a mirrored file's folder, as Plex sees it; scans of one folder within
    ``debounce`` become one."""
    params = ScanParams(folder=mapped.plex_dir, section=mapped.rule.plex_section)
    return params.spec(delay=debounce, debounce=True)


async def run(job: Job, params: ScanParams, deps: Deps) -> ScanResult:
    section = await deps.plex.scan(params.folder, section=params.section)
    return ScanResult(
        outcome="scanned",
        section=section,
        folder=params.folder,
        summary=f"Plex section {section}: {params.folder}",
    )
