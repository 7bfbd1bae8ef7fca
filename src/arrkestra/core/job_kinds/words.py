"""How job kinds put things in words: a title in quotes, a size, a duration, a count.

The finished-job log line, the history file and the failure messages all say what a job
did in the same few shapes (``mirrored "Amélie (2001)" 1.2 GiB in 8 s``); the job-kind
modules build their sentences from these so every kind reads alike.
"""

from __future__ import annotations

from collections.abc import Sequence

UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
SHOWN = 3  # names listed before "and N more"


def quoted(text: str) -> str:
    """``"Amélie (2001)"``: a title or file name as it appears in a sentence (one line)."""
    return '"' + " ".join(text.split()) + '"'


def size(count: float, units: Sequence[str] = UNITS) -> str:
    """``1.2 GiB``, ``512 B``: binary units, one decimal above bytes (``units`` names them:
    sync-webhook's messages said ``GB`` for the same numbers)."""
    value = float(count)
    for unit in units[:-1]:
        if abs(value) < 1024:
            return f"{value:.0f} {unit}" if unit == units[0] else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} {units[-1]}"


def duration(seconds: float) -> str:
    """``8 s``, ``0.04 s``, ``2 min 05 s``, ``1 h 03 min``."""
    if seconds < 10:
        return f"{seconds:.2f} s" if seconds < 1 else f"{seconds:.0f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def counted(count: int, noun: str) -> str:
    """``1 file``, ``3 files``: a noun whose plural takes an s."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def listed(names: Sequence[str]) -> str:
    """``"A", "B", "C" and 2 more``: the first few names, quoted."""
    shown = ", ".join(quoted(n) for n in names[:SHOWN])
    rest = len(names) - SHOWN
    return f"{shown} and {rest} more" if rest > 0 else shown


def file_name(path: str) -> str:
    """The last part of a path, whichever separator it uses."""
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
