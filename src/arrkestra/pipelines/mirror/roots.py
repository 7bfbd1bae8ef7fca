"""A rule's two roots (source, destination) and their mount checks.

Every action checks both roots of the file's rule before it touches anything: a root that
is down makes only its own jobs wait (``MountDown``: no attempt spent, never dead, woken
by the mount monitor once the root is back), never the others'. An action that fails
anyway has its roots checked again (:func:`blame_roots`): a mount that went away during
the run is the mount's failure, not the job's, so the job waits on it too.
"""

from __future__ import annotations

from arrkestra.adapters.mounts import MountChecker, MountSpec
from arrkestra.core.errors import ArrkestraError
from arrkestra.core.job_kinds import CopyParams, DeleteParams, MirrorParams, RenameParams
from arrkestra.core.paths import MappedPath, PathRule, map_path
from arrkestra.pipelines.mirror.deps import Deps


def mount_specs(rule: PathRule, anchor_file: str | None) -> tuple[MountSpec, MountSpec]:
    """The (source, destination) roots of one rule, as the mount checker checks them."""
    return (
        MountSpec(rule.source_root, "source", anchor_file),
        MountSpec(rule.destination_root, "destination", anchor_file),
    )


async def require_roots(mapped: MappedPath, deps: Deps) -> None:
    """Both roots of the file's rule answer their mount check (else ``MountDown``: wait)."""
    await require_rule_roots(deps.mounts, mapped.rule, deps.anchor_file)


async def require_rule_roots(mounts: MountChecker, rule: PathRule, anchor: str | None) -> None:
    """Both roots of ``rule`` answer their mount check (else ``MountDown``: wait)."""
    for spec in mount_specs(rule, anchor):
        await mounts.require(spec)


async def blame_roots(params: MirrorParams, deps: Deps) -> None:
    """After an action failed: ``MountDown`` when a root it uses is down now, else nothing
    (the failure stands). A path no rule maps has no roots to blame."""
    paths: list[str] = []
    if isinstance(params, CopyParams | DeleteParams):
        paths = [params.library_path]
    elif isinstance(params, RenameParams):
        paths = [params.library_path, params.previous_path]
    rules: list[PathRule] = []
    for path in paths:
        try:
            rule = map_path(path, deps.rules, instance=params.instance).rule
        except ArrkestraError:
            continue
        if rule not in rules:
            rules.append(rule)
    for rule in rules:
        for spec in mount_specs(rule, deps.anchor_file):
            await deps.mounts.require(spec)
