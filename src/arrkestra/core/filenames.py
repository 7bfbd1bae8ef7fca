"""What a path may carry: the characters and single file names the mirror accepts.

Shared by the path mapping (:mod:`arrkestra.core.paths`) and the sidecar selection
(:mod:`arrkestra.core.sidecars`), so both refuse exactly the same things.
"""

from __future__ import annotations

import re

NAME_MAX = 255
"""Longest file name (in UTF-8 bytes) the Linux file systems on either side can hold."""

UNSAFE_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
"""Characters no mirrored path may hold.

NUL and the other C0 controls (``\\n``, ``\\r``, ``\\t`` ...), DEL and the C1 controls
(Unicode category ``Cc``); the Unicode line and paragraph separators, which split a log
line as surely as ``\\n`` does; and lone surrogates, which are not text at all (Python
would turn them back into arbitrary bytes when the path reaches the operating system).
Everything else, spaces, quotes, brackets, emoji and joiners included, is a legal name.
"""

WINDOWS_FORBIDDEN = frozenset('<>:"|?*')
"""Characters a Windows file name cannot contain (``:`` would name an NTFS stream)."""


def unsafe_character(text: str) -> str | None:
    """The first character of ``text`` that :data:`UNSAFE_CHARACTERS` refuses, if any."""
    found = UNSAFE_CHARACTERS.search(text)
    return found.group() if found else None


def describe_character(character: str) -> str:
    """``U+000A`` for a refused character, for messages (never the raw character)."""
    return f"U+{ord(character):04X}"


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be one component of a mirrored path, or ``None`` when it can."""
    if name in ("", ".", ".."):
        return f"{name!r} is not a file name"
    if "/" in name:
        return f"{name!r} holds a '/'"
    bad = unsafe_character(name)
    if bad is not None:
        return f"{name!r} holds the control character {describe_character(bad)}"
    if len(name.encode("utf-8")) > NAME_MAX:
        return f"{name[:40]!r}... is longer than {NAME_MAX} bytes"
    return None


def windows_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a Windows file name (so a Windows instance never sent it)."""
    forbidden = sorted(WINDOWS_FORBIDDEN.intersection(name))
    if forbidden:
        return f"{name!r} holds {''.join(forbidden)!r}, which a Windows file name cannot"
    if name.endswith((".", " ")):
        return f"{name!r} ends with a dot or space, which Windows drops from file names"
    return None


def storable(text: str) -> bool:
    """Whether ``text`` is valid Unicode to store and show: a name the file system gave as
    undecodable bytes (a surrogate escape) or a lone surrogate in upstream JSON is not."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
