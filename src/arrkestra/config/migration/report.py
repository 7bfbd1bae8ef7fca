"""What ``arrkestra migrate`` tells the user: every old setting, and what became of it.

Three kinds of entry, so nothing is dropped without a word: **mapped** (old name -> new
key), **defaulted** (what arrkestra uses because the old files did not say) and **not
mapped** (with why: an unknown key, one arrkestra replaces differently, a conflict). The
report never holds a value that came from the old files, only names, keys and the
``${NAME}`` references written in their place, so it cannot leak a secret.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    MAPPED = "mapped"
    DEFAULTED = "defaulted"
    NOT_MAPPED = "not mapped"


@dataclass(frozen=True)
class Entry:
    """One old setting (or one default) and what became of it.

    ``old``: the old name (``PORT``, ``sync.poll_interval``), empty for a default;
    ``new``: the new key(s); ``source``: the file it came from; ``note``: why, or the
    ``${NAME}`` reference written for a secret.
    """

    kind: Kind
    old: str
    new: str
    source: str = ""
    note: str = ""

    def render(self) -> str:
        if self.kind is Kind.MAPPED:
            line = f"{self.old} -> {self.new}"
        elif self.kind is Kind.DEFAULTED:
            line = self.new + (f" (no {self.old})" if self.old else "")
        else:
            line = self.old
        if self.note:
            line += f": {self.note}"
        return line + (f"  [{self.source}]" if self.source else "")


@dataclass(frozen=True)
class Reference:
    """A variable the new file references as ``${NAME}``, and where its value is today."""

    name: str
    where: str  # "in .env" / "written inline in config.yaml: move it to the environment"


@dataclass
class Report:
    entries: list[Entry] = field(default_factory=list)
    references: dict[str, Reference] = field(default_factory=dict)

    def add(self, kind: Kind, old: str, new: str, source: str = "", note: str = "") -> None:
        self.entries.append(Entry(kind, old, new, source, note))

    def reference(self, name: str, where: str) -> None:
        self.references.setdefault(name, Reference(name, where))

    def of(self, kind: Kind) -> list[Entry]:
        return [entry for entry in self.entries if entry.kind is kind]

    def lines(self) -> Iterator[str]:
        """The report as text, section by section (empty sections left out)."""
        for kind in Kind:
            found = self.of(kind)
            if found:
                yield f"{kind} ({len(found)}):"
                yield from (f"  {entry.render()}" for entry in found)
        if self.references:
            yield (
                "keep these variables set when arrkestra runs (the file references them as "
                "${NAME}; e.g. keep `env_file: .env` in docker-compose):"
            )
            yield from (f"  {ref.name}: {ref.where}" for ref in self.references.values())
