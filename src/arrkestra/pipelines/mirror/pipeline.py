"""The mirror pipeline's entry point: one job, dispatched by its kind (see the package doc).

A run that fails has its roots checked again (``roots.blame_roots``): when one went down
meanwhile, the job waits on that mount instead of spending an attempt or dying.
"""

from __future__ import annotations

from arrkestra.core.errors import DeferredError, PermanentError
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
from arrkestra.pipelines.mirror.bulk import copy_bulk
from arrkestra.pipelines.mirror.deps import Deps
from arrkestra.pipelines.mirror.destination import delete_copy, move_copy
from arrkestra.pipelines.mirror.roots import blame_roots, require_roots

NAME = MIRROR


async def run(job: Job, params: MirrorParams, deps: Deps) -> MirrorResult:
    result: MirrorResult | None = None
    try:
        if isinstance(params, CopyParams):
            mapped = map_path(params.library_path, deps.rules, instance=params.instance)
            await require_roots(mapped, deps)
            if params.bulk:  # queued by reconcile: one rsync for the root's bulk copies
                result = await copy_bulk(job, params, mapped, deps)
            else:
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
    except DeferredError:
        raise  # it waits already (a mount down, its pipeline paused)
    except Exception:
        await blame_roots(params, deps)  # MountDown, from this failure, when a root went away
        raise
    finally:
        deps.transfers.finished(job.id, result)
