"""A rule's two roots (source, destination) and their mount checks.

Every action checks both roots of the file's rule before it touches anything: a stale
NFS mount makes only its own jobs wait (a transient error), never the others'.
"""

from __future__ import annotations

from arrkestra.adapters.mounts import MountSpec
from arrkestra.core.paths import MappedPath, PathRule
from arrkestra.pipelines.mirror.deps import Deps


def mount_specs(rule: PathRule, anchor_file: str | None) -> tuple[MountSpec, MountSpec]:
    """The (source, destination) roots of one rule, as the mount checker checks them."""
    return (
        MountSpec(rule.source_root, "source", anchor_file),
        MountSpec(rule.destination_root, "destination", anchor_file),
    )


async def require_roots(mapped: MappedPath, deps: Deps) -> None:
    """Both roots of the file's rule answer their mount check (else: transient, wait)."""
    source, destination = mount_specs(mapped.rule, deps.anchor_file)
    await deps.mounts.require(source)
    await deps.mounts.require(destination)
