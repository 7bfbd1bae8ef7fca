"""The mirror pipeline's rows of the routing table: imports, file deletes, renames.

Job params carry an ``action``: ``copy`` (the default, an import), ``delete`` (a file an
upgrade replaced, or an EpisodeFileDelete / MovieFileDelete, with
``mirror.propagate_deletes``) or ``rename`` (with ``mirror.propagate_renames``; without
it a Rename copies the file under its new name, as an import would).

Keys: a copy is keyed by instance and library path, so the same file arriving twice
("On File Import" and "On Import Complete") is one job while the first waits; a delete
by the path it removes (an upgrade's ``deletedFiles`` and the EpisodeFileDelete Sonarr
sends for the same file become one job); a rename by the path it moves away from.
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
from arrkestra.core.jobs import JobSpec

ImportEvent = SonarrDownload | SonarrImportComplete | RadarrDownload
FileDeleteEvent = SonarrEpisodeFileDelete | RadarrMovieFileDelete
RenameEvent = SonarrRename | RadarrRename
NAME = "mirror"


def _problem_job(instance: InstanceRef, ident: str, problems: list[str]) -> JobSpec:
    """A job that fails at once, naming what is missing: the event stays visible."""
    return JobSpec(NAME, f"{instance.qualified}/{ident}", {"problems": problems})


def _copy_spec(instance: InstanceRef, library_path: str, details: dict[str, object]) -> JobSpec:
    where = {"action": "copy", "instance": instance.qualified, "library_path": library_path}
    return JobSpec(NAME, f"{instance.qualified}/{library_path}", where | details)


def delete_spec(instance: InstanceRef, library_path: str, title: str | None, why: str) -> JobSpec:
    params = {
        "action": "delete",
        "instance": instance.qualified,
        "library_path": library_path,
        "title": title,
        "reason": why,
    }
    return JobSpec(NAME, f"{instance.qualified}/delete/{library_path}", params)


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
        params: dict[str, object] = {
            "replace_existing": replace or file.is_upgrade,
            "title": event.title,
            "year": event.year,
            "season": file.season_number,
            "episodes": list(file.episode_numbers),
            "episode_titles": list(file.episode_titles),
            "quality": file.quality,
            "size": file.size,
        }
        specs.append(_copy_spec(instance, file.library_path, params))
    if instance.mirror_deletes:
        imported = {f.library_path for f in files}
        for path in event.replaced_paths():
            if path not in imported:  # a same-name upgrade is replaced by its copy
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
        if instance.mirror_renames and file.previous_path is not None:
            params = {
                "action": "rename",
                "instance": instance.qualified,
                "library_path": file.library_path,
                "previous_path": file.previous_path,
                "title": event.title,
            }
            key = f"{instance.qualified}/rename/{file.previous_path}"
            specs.append(JobSpec(NAME, key, params))
        else:
            specs.append(_copy_spec(instance, file.library_path, {"title": event.title}))
    return specs
