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
- wildcards: ``*`` (anything but ``/``), ``**`` (anything), ``?`` (one byte, not
  ``/``), ``[...]`` (one byte of a class: ``[!x]``/``[^x]`` negate, ranges,
  ``[:digit:]``-style ASCII classes; never ``/``), ``\\`` escapes the next character. A
  pattern without any of ``*?[`` is a plain string (a backslash in it is a backslash).
  ``**`` never matches nothing-plus-a-slash: ``a/**/b`` does not match ``a/b`` (rsync's
  wildmatch, unlike git's). ``dir/***`` matches ``dir`` itself and everything in it. An
  unclosed ``[`` (or an unknown ``[:name:]``) makes the pattern match nothing;
- wildcards match bytes, as rsync's do: names and patterns are compared as UTF-8 (a
  name's undecodable bytes, which Python holds as surrogate escapes, as themselves), so
  ``?`` does not match ``é`` (two bytes) and ``??`` does. That is ``os.fsencode`` on any
  Linux system whose filesystem encoding is UTF-8 (Python's default, in every locale
  but an explicitly non-UTF-8 one);
- ``- PATTERN`` is ``PATTERN`` (rsync reads the old ``- `` prefix on ``--exclude`` too),
  and an empty pattern is skipped (as rsync skips it).

Not supported, refused with ``ValueError`` naming the pattern (a comparison that silently
skipped other files than the mirror would be worse than none): an include rule
(``+ PATTERN``: rsync reads it as "include", and the first matching rule wins) and the
list-clearing ``!``. Merge files, per-directory ``.rsync-filter`` files, ``--filter``
rule modifiers and ``--cvs-exclude`` cannot be written through ``--exclude`` at all, so
they do not arise.

Speed: one call per name listed (~400,000 per reconcile run). Patterns are compiled once,
into a set of plain names (the default ``#recycle``, ``@eaDir``, ``.DS_Store``: one set
lookup per call, no encoding) and at most four combined byte regexes (name or path, file
or folder). The hot loop can ask :attr:`ExcludeMatcher.names_only` and use
:meth:`excluded_name`, which needs no joined path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["ExcludeMatcher"]

_Search = Callable[[bytes], "re.Match[bytes] | None"]

_POSIX_CLASSES = {  # ASCII, as rsync's isalpha() & co. in the C locale
    "alnum": rb"0-9A-Za-z",
    "alpha": rb"A-Za-z",
    "blank": rb" \t",
    "cntrl": rb"\x00-\x1f\x7f",
    "digit": rb"0-9",
    "graph": rb"\x21-\x7e",
    "lower": rb"a-z",
    "print": rb"\x20-\x7e",
    "punct": rb"\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e",
    "space": rb" \t\n\r\f\v",
    "upper": rb"A-Z",
    "xdigit": rb"0-9A-Fa-f",
}

_NEVER = b"(?!)"  # what a pattern that can never match becomes (an unclosed "[")


@dataclass(frozen=True)
class _Rule:
    """One parsed pattern: the regex source and where it applies."""

    regex: bytes  # for a name rule: matched against the name; else against "/" + path
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
        rules = [_parse(pattern) for pattern in self.patterns if pattern]  # rsync skips ""
        names = [r for r in rules if r.name_only]
        paths = [r for r in rules if not r.name_only]
        self._file_names = frozenset(r.literal for r in names if r.literal and not r.dirs_only)
        self._dir_names = frozenset(r.literal for r in names if r.literal)
        wild = [r for r in names if r.literal is None]
        self._file_regex = _combined([r.regex for r in wild if not r.dirs_only])
        self._dir_regex = _combined([r.regex for r in wild])
        self._file_paths = _combined([r.regex for r in paths if not r.dirs_only])
        self._dir_paths = _combined(
            [r.regex if r.keeps_dir_slash else r.regex + b"/" for r in paths]
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
        return paths(_encoded(text)) is not None

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
        return regex is not None and regex(_encoded(name)) is not None

    def __repr__(self) -> str:
        return f"ExcludeMatcher({list(self.patterns)!r})"


def _combined(sources: list[bytes]) -> _Search | None:
    if not sources:
        return None
    return re.compile(b"|".join(b"(?:%s)" % source for source in sources), re.DOTALL).fullmatch


def _parse(pattern: str) -> _Rule:
    if pattern.startswith("- "):
        pattern = pattern[2:]
    elif pattern.startswith("+ "):
        raise ValueError(f"exclude {pattern!r} is an include rule: not supported")
    if pattern == "!":
        raise ValueError("exclude '!' clears rsync's list: not supported")
    dirs_only = len(pattern) > 1 and pattern.endswith("/")
    if dirs_only:
        pattern = pattern[:-1]
    wild = any(char in pattern for char in "*?[")
    double = wild and "**" in pattern
    raw = _encoded(pattern)
    regex = _translate(raw) if wild else re.escape(raw)
    if "/" not in pattern and not double:
        return _Rule(regex, None if wild else pattern, True, dirs_only, False)
    if not pattern.startswith(("/", "**")):
        # anchored ("/x") and "**x" patterns match "/" + path whole, as in rsync; others
        # match the trailing components (no "**") or any sub-path after a "/" (with "**"):
        # the same thing, as without "**" only the pattern's own "/"s can match a "/"
        regex = b".*/" + regex
    return _Rule(regex, None, False, dirs_only, double and pattern.endswith("***"))


def _encoded(text: str) -> bytes:
    """The bytes rsync sees: UTF-8, undecodable bytes back from their surrogate escapes."""
    return text.encode("utf-8", "surrogateescape")


def _translate(pattern: bytes) -> bytes:
    """The regex for one rsync wildcard pattern (whole-string match), byte by byte."""
    out: list[bytes] = []
    i, end = 0, len(pattern)
    while i < end:
        byte = pattern[i : i + 1]
        if byte == b"*":
            stars = len(pattern) - i - len(pattern[i:].lstrip(b"*"))
            out.append(b".*" if stars > 1 else b"[^/]*")
            i += stars
        elif byte == b"?":
            out.append(b"[^/]")
            i += 1
        elif byte == b"[":
            parsed = _bracket(pattern, i + 1)
            if parsed is None:
                return _NEVER
            klass, i = parsed
            out.append(klass)
        elif byte == b"\\" and i + 1 < end:
            out.append(re.escape(pattern[i + 1 : i + 2]))
            i += 2
        else:
            out.append(re.escape(byte))
            i += 1
    return b"".join(out)


def _bracket(pattern: bytes, start: int) -> tuple[bytes, int] | None:
    """A ``[...]`` class starting after its ``[``: (regex, index after ``]``), or None
    when it can never match (never closed, an unknown ``[:name:]``), as in rsync."""
    i, end = start, len(pattern)
    negate = pattern[i : i + 1] in (b"!", b"^")
    i += negate
    parts: list[bytes] = []
    first = True
    while i < end:
        if pattern[i] == ord("]") and not first:
            body = b"".join(parts)
            if negate:
                return b"[^/%s]" % body, i + 1
            return (b"(?!/)[%s]" % body if body else _NEVER), i + 1
        first = False
        if pattern.startswith(b"[:", i):
            close = pattern.find(b"]", i + 2)
            if close == -1:
                return None
            if pattern[close - 1] == ord(":") and close - 1 >= i + 2:
                name = pattern[i + 2 : close - 1].decode("ascii", "replace")
                if name not in _POSIX_CLASSES:
                    return None
                parts.append(_POSIX_CLASSES[name])
                i = close + 1
                continue
        low, i = _class_member(pattern, i)
        if i + 1 < end and pattern[i] == ord("-") and pattern[i + 1] != ord("]"):
            high, i = _class_member(pattern, i + 1)
            # wildmatch also matches a range's first byte on its own: "[z-a]" matches "z"
            parts.append(b"\\x%02x-\\x%02x" % (low, high) if low <= high else b"\\x%02x" % low)
            continue
        parts.append(b"\\x%02x" % low)
    return None


def _class_member(pattern: bytes, i: int) -> tuple[int, int]:
    """The byte at ``i`` (after a backslash, the next one) and the index after it."""
    if pattern[i] == ord("\\") and i + 1 < len(pattern):
        i += 1
    return pattern[i], i + 1
