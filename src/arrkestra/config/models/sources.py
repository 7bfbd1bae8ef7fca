"""Where a setting's value came from: the config file, an ``ARRKESTRA_*`` variable, an old
tool's variable (an alias), or the default.

The loader records one :class:`Source` per leaf value (``Settings.sources``), so the
dashboard and a puzzled user can answer "why is it this?" without reading four layers of
precedence. A source names variables, never values: ``file (${SONARR_KEY})`` says the file
refers to a variable, not what the variable holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

SourceKind = Literal["file", "env", "alias", "default"]


@dataclass(frozen=True)
class Source:
    """``kind``, and what set it: the variable(s) for ``env`` and ``alias``, the
    ``${NAME}`` references for a file value that used them (else empty)."""

    kind: SourceKind
    names: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.kind == "file":
            refs = ", ".join(f"${{{name}}}" for name in self.names)
            return f"file ({refs})" if refs else "file"
        if self.kind in ("env", "alias") and self.names:
            return f"{self.kind} {' and '.join(self.names)}"
        return self.kind


DEFAULT = Source("default")


class Provenance(Mapping[str, Source]):
    """``{dotted path: Source}``, read-only. Equal to any other provenance: where values
    came from is no part of what the settings are, so settings loaded from a file equal
    the same values built in code (``Settings`` compares its private attributes too)."""

    __slots__ = ("_by_path",)

    def __init__(self, by_path: Mapping[str, Source] | None = None) -> None:
        self._by_path = dict(by_path or {})

    def __getitem__(self, path: str) -> Source:
        return self._by_path[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_path)

    def __len__(self) -> int:
        return len(self._by_path)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Provenance)

    __hash__ = None  # type: ignore[assignment]
