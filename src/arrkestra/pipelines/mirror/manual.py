"""A copy asked for by hand (``arrkestra sync``, ``POST /api/v1/mirror/sync``, sync-webhook's
``/sync/manual``): exactly the job an import of that file would have queued.

Its key is the import's (instance and library path), so a file already waiting is not
queued twice. The path is checked against ``mirror.paths`` before anything is stored: a
path no rule maps, or one that escapes its root, is refused at once rather than stored as
a job bound to die. The instance, when not given, is the one that would have imported it.
A folder is ``manual_folder``'s: the job of each media file in it, planned here one by one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from arrkestra.config import Settings
from arrkestra.core.events import ArrKind
from arrkestra.core.job_kinds import CopyParams
from arrkestra.core.jobs import JobSpec
from arrkestra.core.paths import MappedPath, PathRefused, PathRule, map_path

MediaType = Literal["movie", "episode"]
KINDS: tuple[ArrKind, ...] = ("sonarr", "radarr")
KIND_OF: dict[MediaType, ArrKind] = {"movie": "radarr", "episode": "sonarr"}
# sync-webhook's manual sync documented "movie" and "tv" and defaulted to "unknown"
TYPE_NAMES: dict[str, MediaType | None] = {
    "movie": "movie",
    "episode": "episode",
    "tv": "episode",
    "unknown": None,
    "": None,
}
EPISODE_NAME = re.compile(r"\bS\d{1,4}E\d{1,4}|[\\/]Season \d+[\\/]", re.IGNORECASE)


class SyncRefused(Exception):
    """A manual sync that cannot be queued; ``status`` is the HTTP status saying why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def media_type(value: str | None) -> MediaType | None:
    """``movie`` or ``episode``; sync-webhook's ``tv`` is an episode, ``unknown`` is none."""
    if value is None:
        return None
    name = value.strip().lower()
    if name not in TYPE_NAMES:
        raise SyncRefused(400, f"type {value!r} is not one of: movie, episode")
    return TYPE_NAMES[name]


@dataclass(frozen=True)
class ManualSync:
    path: str  # as Sonarr/Radarr name the file (a mirror.paths arr_path below)
    media_type: MediaType | None = None
    instance: str | None = None  # "sonarr.hd"; None: chosen from the path


@dataclass(frozen=True)
class SyncPlan:
    spec: JobSpec
    mapped: MappedPath


def plan(settings: Settings, request: ManualSync) -> SyncPlan:
    """The job an import of ``request.path`` would have queued; ``SyncRefused`` if none.

    The caller has checked that mirror runs (``runtime/capabilities/mirror``).
    """
    rules = settings.mirror.path_rules()
    try:
        map_path(request.path, rules)  # refusals that hold for every instance come first
    except PathRefused as exc:
        raise SyncRefused(400, str(exc)) from None
    instance, mapped = _choose_instance(settings, rules, request)
    params = CopyParams(
        instance=instance,
        library_path=request.path,
        media_type="movie" if instance.startswith("radarr.") else "episode",
        manual=True,
    )
    return SyncPlan(params.spec(), mapped)


def _candidates(settings: Settings, request: ManualSync) -> list[str]:
    if request.instance is not None:
        kind = next((k for k in KINDS if request.instance.startswith(f"{k}.")), None)
        if kind is None or request.instance[len(kind) + 1 :] not in settings.instances(kind):
            raise SyncRefused(
                400, f"no instance {request.instance!r} is configured (sonarr.NAME or radarr.NAME)"
            )
        if request.media_type is not None and KIND_OF[request.media_type] != kind:
            raise SyncRefused(400, f"a {request.media_type} cannot come from {request.instance}")
        return [request.instance]
    kinds = [KIND_OF[request.media_type]] if request.media_type else list(KINDS)
    found = [
        f"{kind}.{name}"
        for kind in kinds
        for name, instance in sorted(settings.instances(kind).items())
        if instance.mirror
    ]
    if not found:
        raise SyncRefused(400, f"no {' or '.join(kinds)} instance has mirror: true")
    return found


def _choose_instance(
    settings: Settings, rules: tuple[PathRule, ...], request: ManualSync
) -> tuple[str, MappedPath]:
    """The instance that would have imported the file, so the job key is the import's.

    Among the instances whose rules map the path: one its rule names explicitly, then
    (with no type given) the kind the name suggests (``SxxEyy`` or a ``Season N`` folder:
    an episode), then a kind's default instance, then the first by name.
    """
    mapped: dict[str, MappedPath] = {}
    refusal: PathRefused | None = None
    for candidate in _candidates(settings, request):
        try:
            mapped[candidate] = map_path(request.path, rules, instance=candidate)
        except PathRefused as exc:
            refusal = refusal or exc
    if not mapped:
        raise SyncRefused(400, str(refusal))
    guess = "sonarr." if EPISODE_NAME.search(request.path) else "radarr."
    defaults = {f"{kind}.{settings.default_instance(kind)}" for kind in KINDS}

    def rank(candidate: str) -> tuple[bool, bool, bool]:
        named = candidate in (mapped[candidate].rule.instances or ())
        return named, candidate.startswith(guess), candidate in defaults

    best = max(mapped, key=rank)  # max keeps the first of equals: name order
    return best, mapped[best]
