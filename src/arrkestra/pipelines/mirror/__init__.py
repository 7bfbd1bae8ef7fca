"""mirror: what Sonarr/Radarr import, delete or rename is done to the copy on a second server.

The entry point is :func:`run`, one ``mirror`` job per file, by the job's ``action``:

- ``copy`` -> ``batch.copy_with_siblings``: rsync copies the file with its sidecars, and
  with it the other waiting copies of its folder (``copy`` is one file on its own);
  then a Plex scan is queued (``scan``) and the file announced (``messages``);
- ``delete`` -> ``destination.delete_copy``, ``rename`` -> ``destination.move_copy``
  (``mirror.propagate_deletes`` / ``propagate_renames``);
- ``problem``: the event named no usable file; the job dies saying why.

``deps`` names what the pipeline uses from outside; ``manual`` plans a copy asked for by
hand (``arrkestra sync``, ``POST /api/v1/mirror/sync``).
"""

from __future__ import annotations

from arrkestra.core.errors import PermanentError
from arrkestra.core.job_kinds import (
    MIRROR,
    CopyParams,
    DeleteParams,
    MirrorParams,
    MirrorResult,
    RenameParams,
)
from arrkestra.core.jobs import Job
from arrkestra.core.paths import map_path
from arrkestra.pipelines.mirror.batch import copy_with_siblings
from arrkestra.pipelines.mirror.deps import Deps, require_roots
from arrkestra.pipelines.mirror.destination import delete_copy, move_copy

NAME = MIRROR

__all__ = ["NAME", "Deps", "run"]


async def run(job: Job, params: MirrorParams, deps: Deps) -> MirrorResult:
    result: MirrorResult | None = None
    try:
        if isinstance(params, CopyParams):
            mapped = map_path(params.library_path, deps.rules, instance=params.instance)
            await require_roots(mapped, deps)
            result = await copy_with_siblings(job, params, mapped, deps)
        elif isinstance(params, DeleteParams):
            result = await delete_copy(params, deps)
        elif isinstance(params, RenameParams):
            result = await move_copy(job, params, deps)
        else:
            raise PermanentError(
                "the import event cannot be mirrored: " + "; ".join(params.problems)
            )
        return result
    finally:
        deps.transfers.finished(job.id, result)
