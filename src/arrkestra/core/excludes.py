"""Excludes: which names a tree comparison skips, decided the way rsync's ``--exclude`` does.

The mirror's rsync runs pass each pattern of ``mirror.excludes`` as ``--exclude=PATTERN``;
reconcile lists the source and destination trees itself, and must skip exactly what those
runs skip, or it would queue (or report) files the mirror never copies.
:class:`ExcludeMatcher` answers "is this path excluded?" for one path at a time, without
looking at its parents: the caller prunes an excluded folder's subtree by not descending
into it (what rsync does).

The rules followed (rsync(1), "INCLUDE/EXCLUDE PATTERN RULES", and its ``exclude.c`` and
``wildmatch.c``; each case is checked against the real binary in
``tests/core/test_excludes.py``):

- a pattern without ``/`` (a trailing one aside) and without ``**`` matches the final name
  component, at any depth: ``@eaDir`` skips every ``@eaDir`` folder and all inside it;
- a trailing ``/`` matches folders only (``cache/``);
- a leading ``/`` anchors the pattern at the transfer root (``/#recycle`` is the top-level
  one only);
- any other pattern holding ``/`` is matched against the relative path's trailing
  components (as many as the pattern has), one holding ``**`` against any trailing
  sub-path that starts after a ``/`` (``**`` first: against the whole path);
- wildcards: ``*`` (anything but ``/``), ``**`` (anything), ``?`` (one character, not
  ``/``), ``[...]`` (a class: ``[!x]``/``[^x]`` negate, ranges, ``[:digit:]``-style
  classes; never ``/``), ``\\`` escapes the next character. A pattern without any of
  ``*?[`` is a plain string (a backslash in it is a backslash). ``**`` never matches
  nothing-plus-a-slash: ``a/**/b`` does not match ``a/b`` (rsync's wildmatch, unlike git).
  ``dir/***`` matches ``dir`` itself and everything in it;
- ``- PATTERN`` is ``PATTERN`` (rsync reads the old ``- `` prefix on ``--exclude`` too).

Not supported, refused with ``ValueError`` naming the pattern (a comparison that silently
skipped other files than the mirror would be worse than none): an include rule
(``+ PATTERN``: rsync reads it as "include", and the first matching rule wins), the
list-clearing ``!``, and an empty pattern. Merge files, per-directory ``.rsync-filter``
files, ``--filter`` rule modifiers and ``--cvs-exclude`` cannot be written through
``--exclude`` at all, so they do not arise. An unclosed ``[`` makes a pattern match
nothing, as in rsync. Matching is on ``str`` paths (undecodable bytes arrive as
surrogate escapes and never match a class or ``?`` the way rsync's byte-wise ``?`` does:
such names are not expected in a media library).

Speed: one call per name listed (~400,000 per reconcile run). Patterns are compiled once,
into a set of plain names (the default ``#recycle``, ``@eaDir``, ``.DS_Store``: one set
lookup per call) and at most four combined regexes (name or path, file or folder). The
hot loop can ask :attr:`ExcludeMatcher.names_only` and use :meth:`excluded_name`, which
needs no joined path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["ExcludeMatcher"]

_Search = Callable[[str], "re.Match[str] | None"]

_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z",
    "xdigit": "0-9A-Fa-f",
}

_NEVER = "(?!)"  # what a pattern with an unclosed "[" becomes


@dataclass(frozen=True)
class _Rule:
    """One parsed pattern: the regex source and where it applies."""

    regex: str  # for a name rule: matched against the name; else against "/" + path
    literal: str | None  # a name rule without wildcards: the name itself
    name_only: bool
    dirs_only: bool
    keeps_dir_slash: bool  # "dir/***": a folder's text ends in "/", the pattern eats it


class ExcludeMatcher:
    """rsync's ``--exclude`` decision for relative paths (see the module doc)."""

    __slots__ = (
        "_dir_names",
        "_dir_paths",
        "_dir_regex",
        "_file_names",
        "_file_paths",
        "_file_regex",
        "patterns",
    )

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns: tuple[str, ...] = tuple(patterns)
        rules = [_parse(pattern) for pattern in self.patterns]
        names = [r for r in rules if r.name_only]
        paths = [r for r in rules if not r.name_only]
        self._file_names = frozenset(r.literal for r in names if r.literal and not r.dirs_only)
        self._dir_names = frozenset(r.literal for r in names if r.literal)
        wild = [r for r in names if r.literal is None]
        self._file_regex = _combined([r.regex for r in wild if not r.dirs_only])
        self._dir_regex = _combined([r.regex for r in wild])
        self._file_paths = _combined([r.regex for r in paths if not r.dirs_only])
        self._dir_paths = _combined(
            [r.regex if r.keeps_dir_slash else r.regex + "/" for r in paths]
        )

    @property
    def names_only(self) -> bool:
        """Whether every pattern looks at the final name only (:meth:`excluded_name` is enough)."""
        return self._file_paths is None and self._dir_paths is None

    def excluded(self, relative_path: str, *, is_dir: bool) -> bool:
        """Whether rsync would skip ``relative_path`` (POSIX, relative to the transfer root,
        no leading ``./``), judged on its own: its parents are the caller's business."""
        name = relative_path[relative_path.rfind("/") + 1 :]
        if self.excluded_name(name, is_dir=is_dir):
            return True
        paths = self._dir_paths if is_dir else self._file_paths
        if paths is None:
            return False
        text = "/" + relative_path + "/" if is_dir else "/" + relative_path
        return paths(text) is not None

    def excluded_name(self, name: str, *, is_dir: bool) -> bool:
        """The name-only part of :meth:`excluded`: the whole answer when :attr:`names_only`."""
        if is_dir:
            if name in self._dir_names:
                return True
            regex = self._dir_regex
        else:
            if name in self._file_names:
                return True
            regex = self._file_regex
        return regex is not None and regex(name) is not None

    def __repr__(self) -> str:
        return f"ExcludeMatcher({list(self.patterns)!r})"


def _combined(sources: list[str]) -> _Search | None:
    if not sources:
        return None
    return re.compile("|".join(f"(?:{source})" for source in sources), re.DOTALL).fullmatch


def _parse(pattern: str) -> _Rule:
    if pattern.startswith("- "):
        pattern = pattern[2:]
    elif pattern.startswith("+ "):
        raise ValueError(f"exclude {pattern!r} is an include rule: not supported")
    if pattern == "!":
        raise ValueError("exclude '!' clears rsync's list: not supported")
    if not pattern:
        raise ValueError("an exclude pattern is empty")
    dirs_only = len(pattern) > 1 and pattern.endswith("/")
    if dirs_only:
        pattern = pattern[:-1]
    wild = any(char in pattern for char in "*?[")
    double = wild and "**" in pattern
    if "/" not in pattern and not double:
        regex = _translate(pattern) if wild else re.escape(pattern)
        return _Rule(regex, None if wild else pattern, True, dirs_only, False)
    regex = _translate(pattern) if wild else re.escape(pattern)
    if pattern.startswith("/") or pattern.startswith("**"):
        # anchored: "/" + path against "/x/y"; "**..." against "/" + path, as rsync does
        pass
    else:
        # the trailing components (no "**") or any sub-path after a "/" (with "**"): the
        # same thing, as the pattern's own "/"s are the only ones it can match without "**"
        regex = ".*/" + regex
    keeps = double and pattern.endswith("***")
    return _Rule(regex, None, False, dirs_only, keeps)


def _translate(pattern: str) -> str:
    """The regex for one rsync wildcard pattern (whole-string match)."""
    out: list[str] = []
    i, end = 0, len(pattern)
    while i < end:
        char = pattern[i]
        if char == "*":
            stars = len(pattern[i:]) - len(pattern[i:].lstrip("*"))
            out.append(".*" if stars > 1 else "[^/]*")
            i += stars
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            parsed = _bracket(pattern, i + 1)
            if parsed is None:
                return _NEVER
            klass, i = parsed
            out.append(klass)
        elif char == "\\" and i + 1 < end:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def _bracket(pattern: str, start: int) -> tuple[str, int] | None:
    """A ``[...]`` class starting after its ``[``: (regex, index after ``]``), or None
    when it is never closed."""
    i, end = start, len(pattern)
    negate = i < end and pattern[i] in "!^"
    i += negate
    parts: list[str] = []
    first = True
    while i < end:
        char = pattern[i]
        if char == "]" and not first:
            body = "".join(parts)
            if negate:
                return f"[^/{body}]", i + 1
            return (f"(?!/)[{body}]" if body else _NEVER), i + 1
        first = False
        if char == "[" and pattern.startswith("[:", i):
            close = pattern.find(":]", i + 2)
            if close != -1 and pattern[i + 2 : close] in _POSIX_CLASSES:
                parts.append(_POSIX_CLASSES[pattern[i + 2 : close]])
                i = close + 2
                continue
        if char == "\\" and i + 1 < end:
            i += 1
            char = pattern[i]
        low = char
        i += 1
        if i + 1 < end and pattern[i] == "-" and pattern[i + 1] != "]":
            high = pattern[i + 1]
            if high == "\\" and i + 2 < end:
                high = pattern[i + 2]
                i += 1
            i += 2
            parts.append(_class_char(low) + "-" + _class_char(high) if low <= high else "")
            continue
        parts.append(_class_char(low))
    return None


def _class_char(char: str) -> str:
    return "\\" + char if char in "\\]^-[" else char
