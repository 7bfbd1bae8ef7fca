"""The instance a webhook came from, as routing needs to know it."""

from __future__ import annotations

from dataclasses import dataclass

from arrkestra.core.events import ArrKind


@dataclass(frozen=True)
class InstanceRef:
    """What routing needs to know about the instance a webhook came from."""

    kind: ArrKind
    name: str
    is_4k: bool = False
    cleanup: bool = True
    mirror: bool = True
    cleanup_only_when_files_deleted: bool = False
    mirror_deletes: bool = False  # mirror.propagate_deletes
    mirror_renames: bool = False  # mirror.propagate_renames

    @property
    def qualified(self) -> str:
        return f"{self.kind}.{self.name}"
