"""jellyfin_scan and emby_scan: tell a Jellyfin or Emby server which paths of one folder
changed, queued by a copy, a delete or a move.

Their own jobs, as a Plex scan is, so that a server down never fails a copy and never
holds Plex back. Jobs are keyed by server and folder and start at the end of the
server's ``scan_debounce``; every change to the folder within the window joins the
waiting job (``core/job_kinds/server_update``), so a season pack is one request naming
each file, with the paths as that server sees them (``mirror.paths[].jellyfin_path``,
``emby_path``). The server refreshes the items those paths belong to: never a library.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from arrkestra.adapters.media_browser import MediaBrowserClient
from arrkestra.core.errors import PermanentError
from arrkestra.core.job_kinds.server_update import (
    PARAMS,
    MediaChange,
    ServerKind,
    ServerUpdateParams,
    ServerUpdateResult,
    merged,
)
from arrkestra.core.jobs import Job, JobSpec
from arrkestra.pipelines.mirror.deps import Changed


@dataclass(frozen=True)
class Deps:
    clients: Mapping[str, MediaBrowserClient]  # by server: jellyfin.default, emby.living ...


def update_specs(
    kind: ServerKind, server: str, changes: Sequence[Changed], *, debounce: float
) -> list[JobSpec]:
    """One job per folder (as ``server``, ``jellyfin.default``, sees it) naming each
    changed file in it; a later change of the same folder within ``debounce`` joins it."""
    folders: dict[str, list[MediaChange]] = {}
    for changed in changes:
        folder = changed.mapped.folder_seen_by(kind)
        path = changed.mapped.seen_by(kind)
        folders.setdefault(folder, []).append(MediaChange(path=path, type=changed.change))
    params = PARAMS[kind]
    return [
        params(server=server, folder=folder, changes=merged([], found)).spec(delay=debounce)
        for folder, found in folders.items()
    ]


async def run(job: Job, params: ServerUpdateParams, deps: Deps) -> ServerUpdateResult:
    client = deps.clients.get(params.server)
    if client is None:
        raise PermanentError(f"{params.server} is not configured any more: nobody to tell")
    sent = params.sent()
    await client.report_updates(sent)
    return ServerUpdateResult(
        outcome="reported",
        server=params.server,
        folder=params.folder,
        paths=len(sent),
        changes=len(params.changes),
        summary=f"{params.server}: {params.folder}",
    )
