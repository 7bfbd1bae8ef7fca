"""THE table of which webhook event starts which job.

``jobs_for`` is pure: the same stored event always routes to the same job specs, with
idempotency keys derived from the event, so replaying an event (or receiving it twice)
never runs the same work twice while the first job is still active.

Pipelines add their rows as they land (cleanup: SeriesDelete/MovieDelete; mirror:
Download/Rename/file deletes). Until then an event routes to no job, and the event row
records that (``routed_to = []``) so it can be replayed once a pipeline exists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from arrkestra.core.events import (
    ArrKind,
    Event,
    Malformed,
    RadarrMovieDelete,
    SonarrSeriesDelete,
    Unsupported,
    known_id,
)
from arrkestra.core.instances import InstanceRef
from arrkestra.core.job_kinds import CleanupParams
from arrkestra.core.jobs import JobSpec
from arrkestra.core.routing_mirror import mirror_delete_jobs, mirror_jobs, mirror_rename_jobs

JobBuilder = Callable[[Event | Malformed, InstanceRef], JobSpec | list[JobSpec] | None]
"""Builds one pipeline's job(s) for an event; None or [] when that pipeline does not want it."""


def cleanup_job(event: Event | Malformed, instance: InstanceRef) -> JobSpec | None:
    """SeriesDelete / MovieDelete -> remove the title from Overseerr (or only its side's requests).

    A delete without any usable id still becomes a job: the job fails at once with a
    permanent error naming what is missing, so the event is visible and can be replayed.
    """
    if not instance.cleanup:
        return None
    media_type: Literal["tv", "movie"] = "tv" if instance.kind == "sonarr" else "movie"
    if isinstance(event, Malformed):
        return CleanupParams(
            media_type=media_type,
            instance=instance.qualified,
            is_4k=instance.is_4k,
            problems=list(event.problems),
        ).spec()
    if not isinstance(event, SonarrSeriesDelete | RadarrMovieDelete):
        return None
    if instance.cleanup_only_when_files_deleted and not event.deleted_files:
        return None
    if isinstance(event, SonarrSeriesDelete):
        arr_id, tvdb_id = event.series_id, known_id(event.tvdb_id)
    else:
        arr_id, tvdb_id = event.movie_id, None
    return CleanupParams(
        media_type=media_type,
        instance=instance.qualified,
        is_4k=instance.is_4k,
        tmdb_id=known_id(event.tmdb_id),
        tvdb_id=tvdb_id,
        arr_id=known_id(arr_id),
        title=event.title,
        deleted_files=event.deleted_files,
    ).spec()


ROUTES: Mapping[tuple[ArrKind, str], Mapping[str, JobBuilder]] = {
    ("sonarr", "SeriesDelete"): {"cleanup": cleanup_job},
    ("radarr", "MovieDelete"): {"cleanup": cleanup_job},
    ("sonarr", "Download"): {"mirror": mirror_jobs},
    ("radarr", "Download"): {"mirror": mirror_jobs},
    ("sonarr", "EpisodeFileDelete"): {"mirror": mirror_delete_jobs},
    ("radarr", "MovieFileDelete"): {"mirror": mirror_delete_jobs},
    ("sonarr", "Rename"): {"mirror": mirror_rename_jobs},
    ("radarr", "Rename"): {"mirror": mirror_rename_jobs},
}
"""(kind, eventType) -> {pipeline: builder}."""


def jobs_for(
    event: Event | Unsupported | Malformed,
    instance: InstanceRef,
    *,
    pipelines: frozenset[str],
    routes: Mapping[tuple[ArrKind, str], Mapping[str, JobBuilder]] = ROUTES,
) -> list[JobSpec]:
    """The jobs an event causes, limited to the ``pipelines`` that are running."""
    if isinstance(event, Unsupported):
        return []
    builders = routes.get((instance.kind, event.event_type), {})
    specs = []
    for pipeline, build in sorted(builders.items()):
        if pipeline in pipelines:
            built = build(event, instance)
            if isinstance(built, JobSpec):
                specs.append(built)
            elif built:
                specs.extend(built)
    return specs
