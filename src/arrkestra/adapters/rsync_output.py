"""Reading rsync's output: live progress, end-of-run statistics and the stderr tail.

rsync runs with ``--info=progress2,stats2 --no-human-readable --outbuf=L``:

- progress2 writes one whole-transfer update about once a second, each *starting* with a
  ``\\r`` (``\\r      110395392  36%  105.25MB/s    0:00:01  ``), and a line per finished
  file ending in ``(xfr#N, to-chk=M/T)``. An update is only terminated by the next one, so
  the reader also parses the unterminated tail of what it has read, or a job would always
  show the state of one second ago.
- stats2 writes ``Name: value`` lines at the end (``Total transferred file size: 3 bytes``).
- ``--no-human-readable`` makes every count plain digits; thousands separators (``,`` or
  ``.``, depending on the locale) are stripped anyway, in case an rsync prints them.
- The exit status is classified by one table, :data:`EXIT_CODES`.
"""

from __future__ import annotations

import codecs
import re
import signal
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from arrkestra.core.errors import PermanentError, TransientError

Kind = Literal["transient", "permanent"]

# Every exit code rsync documents (man rsync, EXIT VALUES; errcode.h for 6 and 124-127).
# 0 is success and is not an error. Transient: the cause can go away (I/O, a stale or
# busy mount, a full disk, a killed process, a timeout). Permanent: retrying the same
# command cannot change the answer.
EXIT_CODES: Mapping[int, tuple[Kind, str]] = MappingProxyType(
    {
        1: ("permanent", "syntax or usage error"),
        2: ("permanent", "protocol incompatibility"),
        # Mostly a destination folder that cannot be entered: a stale or unmounted share
        # more often than a wrong path (permissions already fail in our own makedirs).
        3: ("transient", "errors selecting input/output files, directories"),
        4: ("permanent", "requested action not supported"),
        5: ("transient", "error starting client-server protocol"),
        6: ("permanent", "daemon unable to append to log-file"),
        10: ("transient", "error in socket I/O"),
        11: ("transient", "error in file I/O"),
        12: ("transient", "error in rsync protocol data stream"),
        13: ("transient", "errors with program diagnostics"),
        14: ("transient", "error in IPC code"),
        15: ("transient", "sibling process crashed"),
        16: ("transient", "sibling process was killed by a signal"),
        19: ("transient", "received SIGUSR1"),
        20: ("transient", "received SIGINT, SIGTERM, or SIGHUP"),
        21: ("transient", "some error returned by waitpid()"),
        22: ("transient", "error allocating core memory buffers"),
        # Per-file errors: a missing source file, permission denied, an attribute that
        # cannot be set. The same command fails the same way again.
        23: ("permanent", "partial transfer due to error"),
        # A source file disappeared between listing and copying: Sonarr rewrote a sidecar
        # or replaced the file. A retry copies the new one, or fails with 23 if it is gone.
        24: ("transient", "partial transfer due to vanished source files"),
        25: ("permanent", "the --max-delete limit stopped deletions"),
        30: ("transient", "timeout in data send/receive"),
        35: ("transient", "timeout waiting for daemon connection"),
        124: ("transient", "remote shell failed"),
        125: ("transient", "remote shell killed"),
        126: ("permanent", "remote shell could not be run"),
        127: ("permanent", "remote shell not found"),
    }
)

# How much of stderr an error message carries (the job's "last error" shows it).
STDERR_TAIL_CHARS = 2000


@dataclass(frozen=True)
class Progress:
    """One live progress update of a whole transfer (all files of the job together)."""

    percent: float
    bytes_done: int
    rate: str  # as rsync prints it: "105.25MB/s"
    eta: str  # "0:00:05"; "0:00:00" once the last file is done; "" when unknown


@dataclass(frozen=True)
class TransferStats:
    """What one rsync run did (or, with ``dry_run``, would have done)."""

    files_transferred: int
    bytes_transferred: int  # file content sent ("Total transferred file size")
    total_size: int  # size of every file named in the transfer, sent or skipped
    seconds: float  # wall time of the run, measured by the caller's clock
    dry_run: bool

    @property
    def summary(self) -> str:
        """Human-readable one-liner: ``2 files, 300.0 MB in 1.2 s (250.0 MB/s)``."""
        noun = "file" if self.files_transferred == 1 else "files"
        text = f"{self.files_transferred} {noun}, {human_bytes(self.bytes_transferred)}"
        text += f" in {self.seconds:.1f} s"
        if self.seconds > 0 and self.bytes_transferred:
            text += f" ({human_bytes(int(self.bytes_transferred / self.seconds))}/s)"
        return text + (" (dry run)" if self.dry_run else "")


def human_bytes(count: int) -> str:
    """``1234567`` -> ``1.2 MB`` (decimal units, as ``rsync -h`` prints them)."""
    value = float(count)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


_SEPARATOR = re.compile(r"[\r\n]")
_PROGRESS = re.compile(
    r"^\s*(?P<bytes>\d[\d,.]*)\s+(?P<percent>\d{1,3})%\s+(?P<rate>\S+/s)\s+"
    r"(?P<time>\d+:\d\d:\d\d|\?\?:\?\?:\?\?)(?P<rest>\s.*)?$"
)
_FILE_DONE = re.compile(r"\(xfr#\d+, (?:to|ir)-chk=(?P<left>\d+)/\d+\)")


def _integer(text: str) -> int:
    return int(text.replace(",", "").replace(".", ""))


def parse_progress(line: str, previous: Progress | None = None) -> Progress | None:
    """A progress2 update, or ``None`` when ``line`` is something else.

    On a "file finished" line rsync prints the elapsed time where the ETA would be; the
    ETA is then ``0:00:00`` after the last file and the previous estimate otherwise.
    """
    match = _PROGRESS.match(line)
    if match is None:
        return None
    eta = match["time"]
    done = _FILE_DONE.search(match["rest"] or "")
    if done is not None:
        eta = "0:00:00" if done["left"] == "0" else (previous.eta if previous else "")
    elif eta.startswith("?"):
        eta = ""
    return Progress(
        percent=float(match["percent"]),
        bytes_done=_integer(match["bytes"]),
        rate=match["rate"],
        eta=eta,
    )


class OutputReader:
    """Splits rsync's stdout on ``\\r`` and ``\\n``: progress goes to a callback, the rest is kept.

    Feed it raw chunks as they arrive; call :meth:`close` at end of stream. ``lines`` keeps
    the last ``max_lines`` non-progress lines (the stats block is about 16).
    """

    def __init__(
        self, on_progress: Callable[[Progress], None] | None = None, *, max_lines: int = 200
    ) -> None:
        self._on_progress = on_progress
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._pending_reported = ""  # the unterminated update already passed on, if any
        self.lines: deque[str] = deque(maxlen=max_lines)
        self.last_progress: Progress | None = None

    def feed(self, data: bytes) -> None:
        text = self._pending + self._decoder.decode(data)
        *segments, self._pending = _SEPARATOR.split(text)
        for index, segment in enumerate(segments):
            already = index == 0 and segment == self._pending_reported
            self._segment(segment, report=not already)
        if segments:
            self._pending_reported = ""
        # The update rsync is showing right now has no terminator yet: report it at once.
        if self._pending != self._pending_reported and self._report(self._pending):
            self._pending_reported = self._pending

    def close(self) -> None:
        self.feed(b"")
        rest = self._pending + self._decoder.decode(b"", final=True)
        self._segment(rest, report=rest != self._pending_reported)
        self._pending = self._pending_reported = ""

    def _segment(self, segment: str, *, report: bool) -> None:
        if _PROGRESS.match(segment):
            if report:
                self._report(segment)
        elif segment.strip():
            self.lines.append(segment)

    def _report(self, segment: str) -> bool:
        progress = parse_progress(segment, self.last_progress)
        if progress is None:
            return False
        if progress == self.last_progress:
            return True  # rsync repeats its last update at the end
        self.last_progress = progress
        if self._on_progress is not None:
            self._on_progress(progress)
        return True


_STAT = re.compile(r"^(?P<name>[A-Z][A-Za-z ]+): (?P<value>\d[\d,.]*)")
_FILES = ("Number of regular files transferred", "Number of files transferred")  # 3.1+, 3.0
_BYTES = "Total transferred file size"
_TOTAL = "Total file size"


def parse_stats(lines: Iterable[str], *, seconds: float, dry_run: bool) -> TransferStats:
    """The stats2 block of a finished run; ``PermanentError`` when rsync printed none."""
    kept = list(lines)
    values: dict[str, int] = {}
    for line in kept:
        match = _STAT.match(line.strip())
        if match is not None:
            values[match["name"]] = _integer(match["value"])
    files = next((values[name] for name in _FILES if name in values), None)
    if files is None or _BYTES not in values or _TOTAL not in values:
        shown = " | ".join(line.strip() for line in kept[-3:])
        raise PermanentError(
            "rsync finished without printing its statistics (--info=stats2; rsync >= 3.1 "
            f"needed); its last output: {shown or '(none)'}"
        )
    return TransferStats(
        files_transferred=files,
        bytes_transferred=values[_BYTES],
        total_size=values[_TOTAL],
        seconds=seconds,
        dry_run=dry_run,
    )


class StderrTail:
    """The last bytes rsync wrote to stderr, for the job's error message."""

    def __init__(self, keep: int = 4 * STDERR_TAIL_CHARS) -> None:
        self._keep = keep
        self._data = b""

    def feed(self, data: bytes) -> None:
        self._data = (self._data + data)[-self._keep :]

    def text(self, limit: int = STDERR_TAIL_CHARS) -> str:
        """At most ``limit`` characters, cut at a line start, ``...`` marking a cut."""
        text = self._data.decode("utf-8", errors="replace").strip()
        if len(text) <= limit:
            return text
        text = text[-limit:]
        newline = text.find("\n")
        if 0 <= newline < len(text) - 1:
            text = text[newline + 1 :]
        return "... " + text


def exit_error(code: int, stderr: str) -> TransientError | PermanentError:
    """The error for a non-zero exit status (negative: killed by that signal)."""
    if code < 0:
        kind: Kind = "transient"
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        message = f"rsync was killed by {name}"
    else:
        kind, meaning = EXIT_CODES.get(code, ("transient", "undocumented exit code"))
        message = f"rsync failed with exit code {code} ({meaning})"
    if stderr:
        message += f": {stderr}"
    return PermanentError(message) if kind == "permanent" else TransientError(message)
