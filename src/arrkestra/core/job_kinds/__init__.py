"""Every kind of job: its params, its result and its key, one module per capability.

The job queue stores params and results as JSON; these models are what the rest of the
code reads and writes instead of dict keys. ``base`` has what all kinds share.
"""

from arrkestra.core.job_kinds.base import (
    JobParams,
    JobResult,
    StoredModel,
    subject_of,
    summary_of,
)
from arrkestra.core.job_kinds.catchup import CATCHUP, CatchupParams, CatchupResult
from arrkestra.core.job_kinds.cleanup import CLEANUP, CleanupParams, CleanupResult, WouldDo
from arrkestra.core.job_kinds.discovery import (
    DISCOVERY,
    CycleParams,
    CycleResult,
    LastRun,
    Refiltered,
)
from arrkestra.core.job_kinds.mirror import (
    MIRROR,
    PLEX_SCAN,
    BatchTotals,
    CopyParams,
    CopyResult,
    DeleteParams,
    DeleteResult,
    MirrorParams,
    MirrorProblem,
    MirrorResult,
    RenameParams,
    RenameResult,
    ScanParams,
    ScanResult,
    load_mirror_params,
    load_mirror_result,
    media_kind,
)
from arrkestra.core.job_kinds.server_update import (
    EMBY_SCAN,
    JELLYFIN_SCAN,
    EmbyScanParams,
    JellyfinScanParams,
    MediaChange,
    ServerUpdateParams,
    ServerUpdateResult,
)

__all__ = [
    "CATCHUP",
    "CLEANUP",
    "DISCOVERY",
    "EMBY_SCAN",
    "JELLYFIN_SCAN",
    "MIRROR",
    "PLEX_SCAN",
    "BatchTotals",
    "CatchupParams",
    "CatchupResult",
    "CleanupParams",
    "CleanupResult",
    "CopyParams",
    "CopyResult",
    "CycleParams",
    "CycleResult",
    "DeleteParams",
    "DeleteResult",
    "EmbyScanParams",
    "JellyfinScanParams",
    "JobParams",
    "JobResult",
    "LastRun",
    "MediaChange",
    "MirrorParams",
    "MirrorProblem",
    "MirrorResult",
    "Refiltered",
    "RenameParams",
    "RenameResult",
    "ScanParams",
    "ScanResult",
    "ServerUpdateParams",
    "ServerUpdateResult",
    "StoredModel",
    "WouldDo",
    "load_mirror_params",
    "load_mirror_result",
    "media_kind",
    "subject_of",
    "summary_of",
]
