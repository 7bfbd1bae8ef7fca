"""Why a webhook became the jobs it did, or none: one line for the DEBUG log.

``routing.jobs_for`` answers *which* jobs; a user whose import was not mirrored asks
*why not*. :func:`explain` says it in the user's terms, naming the setting that decided
(``SeriesDelete from sonarr.hd: no job: sonarr.hd.cleanup is off``). Pure, like the
routing table it reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from arrkestra.core.events import (
    ArrKind,
    Event,
    Malformed,
    RadarrMovieFileDelete,
    RadarrRename,
    SonarrEpisodeFileDelete,
    SonarrRename,
    Unsupported,
)
from arrkestra.core.instances import InstanceRef
from arrkestra.core.job_kinds import CLEANUP, MIRROR
from arrkestra.core.jobs import JobSpec
from arrkestra.core.routing import ROUTES, JobBuilder

SHOWN = 3  # job keys named before "and N more"


def explain(
    event: Event | Unsupported | Malformed,
    instance: InstanceRef,
    *,
    pipelines: frozenset[str],
    specs: Sequence[JobSpec],
    routes: Mapping[tuple[ArrKind, str], Mapping[str, JobBuilder]] = ROUTES,
) -> str:
    """``Download from radarr.hd -> 1 mirror job: radarr.hd//movies/A/a.mkv``, or the
    reason no job came of it."""
    head = f"{event.event_type} from {instance.qualified}"
    if specs:
        return f"{head} -> {_jobs(specs)}"
    return f"{head}: no job: {_why_none(event, instance, pipelines, routes)}"


def unserved(
    event: Event | Unsupported | Malformed,
    instance: InstanceRef,
    *,
    pipelines: frozenset[str],
    routes: Mapping[tuple[ArrKind, str], Mapping[str, JobBuilder]] = ROUTES,
) -> list[str]:
    """The pipelines that act on this event but do not run here (not configured): a
    webhook they would have acted on is stored and answered, and does nothing."""
    if isinstance(event, Unsupported):
        return []
    wanted = routes.get((instance.kind, event.event_type), {})
    return sorted(pipeline for pipeline in wanted if pipeline not in pipelines)


def _jobs(specs: Sequence[JobSpec]) -> str:
    counts: dict[str, int] = {}
    for spec in specs:
        counts[spec.pipeline] = counts.get(spec.pipeline, 0) + 1
    kinds = ", ".join(f"{n} {p} job{'s' if n > 1 else ''}" for p, n in sorted(counts.items()))
    keys = ", ".join(spec.key for spec in specs[:SHOWN])
    more = f" and {len(specs) - SHOWN} more" if len(specs) > SHOWN else ""
    return f"{kinds}: {keys}{more}"


def _why_none(
    event: Event | Unsupported | Malformed,
    instance: InstanceRef,
    pipelines: frozenset[str],
    routes: Mapping[tuple[ArrKind, str], Mapping[str, JobBuilder]],
) -> str:
    if isinstance(event, Unsupported):
        return "an event type this version does not know"
    wanted = routes.get((instance.kind, event.event_type), {})
    if not wanted:
        return "no pipeline acts on this event type"
    running = sorted(p for p in wanted if p in pipelines)
    if not running:
        off = " or ".join(sorted(wanted))
        return f"the {off} pipeline is not running (not configured)"
    return "; ".join(_declined(pipeline, event, instance) for pipeline in running)


def _declined(pipeline: str, event: Event | Malformed, instance: InstanceRef) -> str:
    """Why a running pipeline's builder asked for nothing: the setting that said no."""
    name = instance.qualified
    if pipeline == CLEANUP:
        if not instance.cleanup:
            return f"{name}.cleanup is off"
        if instance.cleanup_only_when_files_deleted:
            return "its files were not deleted (cleanup.only_when_files_deleted is on)"
    if pipeline == MIRROR:
        if not instance.mirror:
            return f"{name}.mirror is off"
        deletes = SonarrEpisodeFileDelete | RadarrMovieFileDelete
        if isinstance(event, deletes) and not instance.mirror_deletes:
            return "mirror.propagate_deletes is off"
        if isinstance(event, SonarrRename | RadarrRename):
            return "the rename names no file with a library path"
    return f"the {pipeline} pipeline asked for nothing"
