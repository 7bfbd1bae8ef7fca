"""plex_scan: a targeted Plex scan of one folder, queued by mirror after a copy.

Its own job so that Plex being down never fails a copy. Jobs are keyed by folder and
start at the end of ``plex.scan_debounce``: every copy into that folder within the
window joins the same pending job, so the folder is scanned once, after the last file.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, ValidationError

from arrkestra.adapters.plex import PlexClient
from arrkestra.core.errors import PermanentError
from arrkestra.core.jobs import Job, JobSpec, JsonObject

NAME = "plex_scan"


class ScanParams(BaseModel):
    model_config = ConfigDict(extra="ignore")

    folder: str
    section: int | str | None = None


@dataclass(frozen=True)
class Deps:
    plex: PlexClient


def scan_job(folder: str, section: int | str | None, *, debounce: float) -> JobSpec:
    return JobSpec(
        NAME,
        f"{section or 'auto'}:{folder}",
        {"folder": folder, "section": section},
        delay=debounce,
        debounce=True,  # scans of one folder within the window become one
    )


async def run(job: Job, deps: Deps) -> JsonObject:
    try:
        params = ScanParams.model_validate(job.params)
    except ValidationError as exc:
        raise PermanentError(f"invalid plex_scan job: {exc.errors()[0]['msg']}") from None
    section = await deps.plex.scan(params.folder, section=params.section)
    return {
        "outcome": "scanned",
        "section": section,
        "folder": params.folder,
        "summary": f"Plex section {section}: {params.folder}",
    }
