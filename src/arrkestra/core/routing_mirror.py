"""The mirror pipeline's rows of the routing table: imports, file deletes, renames.

An import is a ``copy`` per file; a file an upgrade replaced, or an EpisodeFileDelete /
MovieFileDelete, a ``delete`` (with ``mirror.propagate_deletes``); a Rename a ``rename``
(with ``mirror.propagate_renames``; without it the file is copied under its new name, as
an import would). What each job carries and how it is keyed: ``core/job_kinds/mirror``.

Library paths are normalised (``core/paths.normalise_library_path``: no ``.``, no repeated
separators) before the jobs are built: the key is the path, so ``/tv/./Show/x.mkv`` and
``//tv//Show/x.mkv`` make one job, never two copies of one file running at once.
"""

from __future__ import annotations

from arrkestra.core.events import (
    Event,
    Malformed,
    RadarrDownload,
    RadarrMovieFileDelete,
    RadarrRename,
    SonarrDownload,
    SonarrEpisodeFileDelete,
    SonarrImportComplete,
    SonarrRename,
)
from arrkestra.core.instances import InstanceRef
from arrkestra.core.job_kinds import CopyParams, DeleteParams, MirrorProblem, RenameParams
from arrkestra.core.jobs import JobSpec
from arrkestra.core.paths import normalise_library_path as normalised

ImportEvent = SonarrDownload | SonarrImportComplete | RadarrDownload
FileDeleteEvent = SonarrEpisodeFileDelete | RadarrMovieFileDelete
RenameEvent = SonarrRename | RadarrRename


def _problem_job(instance: InstanceRef, subject: str, problems: list[str]) -> JobSpec:
    """A job that fails at once, naming what is missing: the event stays visible."""
    return MirrorProblem(instance=instance.qualified, subject=subject, problems=problems).spec()


def delete_spec(instance: InstanceRef, library_path: str, title: str | None, why: str) -> JobSpec:
    path = normalised(library_path)
    params = DeleteParams(instance=instance.qualified, library_path=path, title=title, reason=why)
    return params.spec()


def mirror_jobs(event: Event | Malformed, instance: InstanceRef) -> list[JobSpec]:
    """Download -> one copy job per imported file (a season pack gives one per file).

    Upgrades and Import Complete files replace a same-name copy; plain imports keep
    ``ignore_existing``. With ``propagate_deletes``, the files an upgrade replaced under
    another name are removed from the copy too.
    """
    if not instance.mirror:
        return []
    if isinstance(event, Malformed) or not isinstance(event, ImportEvent):
        problems = list(event.problems) if isinstance(event, Malformed) else ["not an import"]
        return [_problem_job(instance, "malformed", problems)]
    files = event.imported_files()
    if not files:
        problems = event.path_problems() or ["the import lists no file"]
        return [_problem_job(instance, f"no-path/{event.title}", problems)]
    replace = isinstance(event, SonarrImportComplete)
    specs = []
    for file in files:
        if file.library_path is None:
            problems = event.path_problems() or ["an imported file has no library path"]
            specs.append(_problem_job(instance, f"no-path/{file.relative_path}", problems))
            continue
        params = CopyParams(
            instance=instance.qualified,
            library_path=normalised(file.library_path),
            replace_existing=replace or file.is_upgrade,
            title=event.title,
            year=event.year,
            season=file.season_number,
            episodes=list(file.episode_numbers),
            episode_titles=list(file.episode_titles),
            quality=file.quality,
            size=file.size,
        )
        specs.append(params.spec())
    if instance.mirror_deletes:
        imported = {normalised(f.library_path) for f in files if f.library_path is not None}
        for path in event.replaced_paths():
            if normalised(path) not in imported:  # a same-name upgrade is replaced by its copy
                specs.append(delete_spec(instance, path, event.title, "upgrade"))
    return specs


def mirror_delete_jobs(event: Event | Malformed, instance: InstanceRef) -> list[JobSpec]:
    """EpisodeFileDelete / MovieFileDelete -> remove the copy (``propagate_deletes`` only)."""
    if not (instance.mirror and instance.mirror_deletes):
        return []
    if isinstance(event, Malformed):
        return [_problem_job(instance, "delete/malformed", list(event.problems))]
    if not isinstance(event, FileDeleteEvent):
        return []
    path = event.library_path
    if path is None:
        problems = event.path_problems() or ["the deleted file has no library path"]
        return [_problem_job(instance, f"delete/no-path/{event.title}", problems)]
    return [delete_spec(instance, path, event.title, event.delete_reason or "deleted")]


def mirror_rename_jobs(event: Event | Malformed, instance: InstanceRef) -> list[JobSpec]:
    """Rename -> move each copy (``propagate_renames``), else copy it under its new name."""
    if not instance.mirror or isinstance(event, Malformed) or not isinstance(event, RenameEvent):
        return []
    specs = []
    for file in event.renamed_files():
        if file.library_path is None:
            continue  # nothing to copy or move to; the event row keeps the payload
        where = {"instance": instance.qualified, "library_path": normalised(file.library_path)}
        if instance.mirror_renames and file.previous_path is not None:
            previous = normalised(file.previous_path)
            specs.append(RenameParams(**where, previous_path=previous, title=event.title).spec())
        else:
            specs.append(CopyParams(**where, title=event.title).spec())
    return specs
