"""Tree diff: what reconcile finds between a root's source and destination listings.

A listing maps a relative path to a file size (``adapters.tree_scan`` makes them, the
mirror's excludes already applied). A file is the same on both sides when its size is:
the mirror copies whole files and never edits one in place, so a file of the right size
is a finished copy (rsync's temp files have other names). Times are not compared: a copy
made before arrkestra, or by another tool, need not keep them, and re-sending a library
because its times differ is what reconcile must never do.

- ``missing``: in the source only -> copied later;
- ``different``: on both sides, sizes differ -> copied later (replacing the copy);
- ``extra``: in the destination only -> reported, never deleted here.

:func:`diff_trees` compares two whole listings. :class:`TreeDiffBuilder` is the same
comparison fed one folder at a time (names, not paths, as keys): what the scanner uses,
as small per-folder dicts stay in the CPU cache and a folder in step costs one C-level
dict comparison (measured in ``adapters/tree_scan``'s docstring). Partial results of
disjoint parts of a tree (one per scanning process) are merged with :meth:`add_diff`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["TreeDiff", "TreeDiffBuilder", "diff_trees", "merge"]


@dataclass(frozen=True)
class TreeDiff:
    """Sorted relative paths of each kind of difference, and what they weigh."""

    missing: list[str]  # in the source only
    different: list[str]  # on both sides, with another size
    extra: list[str]  # in the destination only
    missing_bytes: int = 0  # source sizes of ``missing``
    different_bytes: int = 0  # source sizes of ``different``
    extra_bytes: int = 0  # destination sizes of ``extra``
    same: int = 0  # files on both sides with the same size

    @property
    def to_copy(self) -> list[str]:
        """``missing`` and ``different``, sorted: what reconcile queues."""
        return sorted(self.missing + self.different)

    @property
    def bytes_to_copy(self) -> int:
        return self.missing_bytes + self.different_bytes

    @property
    def in_step(self) -> bool:
        """Nothing to copy and nothing extra."""
        return not (self.missing or self.different or self.extra)


def diff_trees(source: Mapping[str, int], destination: Mapping[str, int]) -> TreeDiff:
    """Compare two ``{relative path: size}`` listings (see the module doc)."""
    builder = TreeDiffBuilder()
    builder.add("", source, destination)
    return builder.result()


class TreeDiffBuilder:
    """A :class:`TreeDiff` collected folder by folder (or part by part)."""

    __slots__ = ("_different", "_extra", "_missing", "_totals")

    def __init__(self) -> None:
        self._missing: list[str] = []
        self._different: list[str] = []
        self._extra: list[str] = []
        self._totals = [0, 0, 0, 0]  # missing, different, extra bytes; same files

    def add(self, folder: str, source: Mapping[str, int], destination: Mapping[str, int]) -> None:
        """One folder's files on each side, keyed by name; ``folder`` is prefixed to the
        names reported (``""``, or a relative path ending in ``/``)."""
        totals = self._totals
        if source == destination:  # the usual case, compared in C
            totals[3] += len(source)
            return
        get = destination.get
        seen = 0
        for name, size in source.items():
            other = get(name)
            if other is None:
                self._missing.append(folder + name)
                totals[0] += size
                continue
            seen += 1
            if other != size:
                self._different.append(folder + name)
                totals[1] += size
            else:
                totals[3] += 1
        if len(destination) > seen:
            for name in destination.keys() - source.keys():
                self._extra.append(folder + name)
                totals[2] += destination[name]

    def add_diff(self, part: TreeDiff) -> None:
        """Merge the result of another part of the tree (no path in both parts)."""
        self._missing += part.missing
        self._different += part.different
        self._extra += part.extra
        sums = (part.missing_bytes, part.different_bytes, part.extra_bytes, part.same)
        self._totals = [a + b for a, b in zip(self._totals, sums, strict=True)]

    def result(self) -> TreeDiff:
        missing, different, extra, same = self._totals
        return TreeDiff(
            missing=sorted(self._missing),
            different=sorted(self._different),
            extra=sorted(self._extra),
            missing_bytes=missing,
            different_bytes=different,
            extra_bytes=extra,
            same=same,
        )


def merge(parts: Iterable[TreeDiff]) -> TreeDiff:
    """One :class:`TreeDiff` of disjoint parts of a tree."""
    builder = TreeDiffBuilder()
    for part in parts:
        builder.add_diff(part)
    return builder.result()
