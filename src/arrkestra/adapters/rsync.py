"""rsync adapter: copy one media file and its sidecars into the mirror, as one rsync run.

The argv is built without a shell (:func:`build_argv`, pure) and run by
:func:`run_transfer`, which reports live progress, parses the statistics and turns every
failure into :class:`TransientError` or :class:`PermanentError` (:data:`EXIT_CODES`).
No retries here: the job queue owns them.

Decisions:

- Defaults match sync-webhook (``rsync -avh --ignore-existing`` and its three excludes),
  except that ``-v``/``-h`` are replaced by ``--info=progress2,stats2 --no-human-readable``:
  exact numbers are parsed, and :attr:`TransferStats.summary` is the human-readable form.
- Whole files (``--whole-file``, rsync's own default for a local copy). Measured here on
  ext4 with a 1 GB file: a fresh whole-file copy took 0.9-1.4 s, resuming from a 50 %
  partial with ``--partial-dir --no-whole-file`` took 5.5-6.1 s, as the delta algorithm
  reads and checksums both sides. Between two mounts a resume never writes less to the
  destination either, so it is off unless ``resume_partial`` asks for it. ``--append-verify``
  is never used: it writes into the destination file, so the library would show a partial.
- rsync writes each file to a hidden temp file (``.name.XXXXXX``) in the destination
  folder, same filesystem, and renames it into place when complete: the library never
  shows a partial file. A stopped rsync (SIGTERM) deletes its temp file itself; a killed
  one (SIGKILL, power loss) cannot, so every run first removes the temp files left for its
  own file names (:func:`cleanup_partials`), and so does a run we stopped, after rsync exits
  (a signal between rsync creating its temp file and registering it for removal leaves
  it: seen once in CI); never other names, as another job may be
  copying them into the same season folder right now. (Two runs copying the *same* file
  at once would break each other: the caller runs one job per destination file.)
- rsync runs in its own session (``start_new_session``): a signal meant for the daemon
  (Ctrl-C, SIGTERM at shutdown) does not reach it, so a transfer the drain timeout would
  let finish is not cut short. On Linux it also gets SIGTERM when the daemon dies
  (``PR_SET_PDEATHSIG``; SIGKILL, the OOM killer): an orphaned rsync would otherwise
  copy on alone, beside the restarted daemon's copy of the same file. Timeout and
  cancellation stop the whole process group: SIGTERM (+ SIGCONT, so a stopped rsync acts
  on it), SIGKILL after ``kill_grace``.
- ``checksum`` adds ``--checksum``: files of the same size are compared by content
  (read whole, on both sides) instead of size and modification time. Only for a copy
  whose earlier copy failed its verification (``pipelines/mirror/verification``): a
  corrupted copy with the source's size and time is invisible to the quick check.
- The destination folder is created (``mkdir -p``) by :func:`os.makedirs` in a thread
  rather than by ``--mkpath``, which needs rsync >= 3.2.3. A dry run creates nothing.
- Paths must be absolute and normalised; ``--`` ends the options and ``-s``
  (``--secluded-args``, alias ``--protect-args``) keeps rsync from reinterpreting names,
  so spaces, quotes, brackets, ``*`` and a file named ``-rf.srt`` are plain characters.
- A run ends when rsync exits, not when its output does: a child rsync forked can outlive
  it (its first process killed from outside) and hold the pipes open, and asyncio's
  ``wait()`` answers only once they close. Its output gets ``PIPE_GRACE`` seconds after
  the exit, then the group is stopped; without that a run hung until its 4 h timeout
  (seen in CI, and reproduced with a stand-in rsync that leaves a child behind).
- rsync is looked up on ``PATH`` before each run (:func:`require_binary`): missing, or
  not executable, is ``ToolMissing`` (the mirror pipeline pauses and the job waits, no
  attempt spent), never a job failure; nothing is created at the destination first.
- Needs rsync >= 3.1 (``--info``, ``--outbuf``); an older one fails at once with exit
  code 1, a permanent error that names the unknown option.
- ``on_progress`` is called on the event loop, about once a second; an exception from it
  stops rsync and propagates.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import signal
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from arrkestra.adapters.rsync_output import (
    EXIT_CODES,
    OutputReader,
    Progress,
    StderrTail,
    TransferStats,
    exit_error,
    parse_stats,
)
from arrkestra.core.errors import PermanentError, ToolMissing, TransientError

PR_SET_PDEATHSIG = 1  # linux/prctl.h
PIPE_GRACE = 5.0  # seconds rsync's output may take to end after rsync exited
EXIT_POLL = 0.5  # seconds between looks at whether rsync exited while its output is open
FIRST = asyncio.FIRST_COMPLETED

__all__ = [
    "DEFAULT_EXCLUDES",
    "EXIT_CODES",
    "Progress",
    "RsyncOptions",
    "Transfer",
    "TransferStats",
    "build_argv",
    "checked_path",
    "cleanup_partials",
    "execute",
    "run_transfer",
]

DEFAULT_EXCLUDES = ("#recycle", "@eaDir", ".DS_Store")


@dataclass(frozen=True)
class RsyncOptions:
    excludes: tuple[str, ...] = DEFAULT_EXCLUDES
    ignore_existing: bool = True  # mirror.ignore_existing
    dry_run: bool = False
    timeout: float = 4 * 3600  # seconds for the whole run, mkdir included
    binary: str = "rsync"
    partial_dir: str = ".arrkestra-partial"  # inside the destination folder; resume only
    resume_partial: bool = False  # --partial-dir + --no-whole-file (see the module doc)
    kill_grace: float = 10.0  # seconds between SIGTERM and SIGKILL
    bwlimit: str | None = None  # rsync's --bwlimit value (validated by the config)
    checksum: bool = False  # --checksum: compare content, not size and time (see the module doc)


@dataclass(frozen=True)
class Transfer:
    sources: tuple[str, ...]  # absolute source file paths, all in one folder
    destination_dir: str  # absolute destination folder, created with parents if missing
    replace_existing: bool = False  # upgrades / Import Complete: size-and-time check


def build_argv(transfer: Transfer, options: RsyncOptions) -> list[str]:
    """The rsync command line for ``transfer``; ``PermanentError`` for a path it refuses."""
    sources = _checked_sources(transfer.sources)
    destination = checked_path(transfer.destination_dir, "destination_dir").rstrip("/")
    argv = [options.binary, "--archive", "-s", "--no-human-readable"]
    argv += ["--info=progress2,stats2", "--outbuf=L"]
    if options.resume_partial:
        argv += [f"--partial-dir={_checked_partial_dir(options.partial_dir)}", "--no-whole-file"]
    else:
        argv.append("--whole-file")
    argv += [f"--exclude={pattern}" for pattern in options.excludes]
    if options.ignore_existing and not transfer.replace_existing:
        argv.append("--ignore-existing")
    if options.dry_run:
        argv.append("--dry-run")
    if options.bwlimit:
        argv.append(f"--bwlimit={options.bwlimit}")
    if options.checksum:
        argv.append("--checksum")
    return [*argv, "--", *sources, destination + "/"]


def checked_path(path: str, what: str) -> str:
    # The same rules as core.paths.safe_for_argv, checked again at the last moment.
    if not path.startswith("/"):
        raise PermanentError(f"{what} {path!r} is not an absolute path: refused for rsync")
    if any(ord(char) < 32 or ord(char) == 127 for char in path):
        raise PermanentError(f"{what} {path!r} holds a control character: refused for rsync")
    parts = path.rstrip("/").split("/")[1:]
    if path != "/" and any(part in ("", ".", "..") for part in parts):
        raise PermanentError(f"{what} {path!r} is not a normalised path: refused for rsync")
    return path


def _checked_sources(sources: tuple[str, ...]) -> list[str]:
    if not sources:
        raise PermanentError("a transfer needs at least one source file")
    checked = [checked_path(source, "source") for source in sources]
    if any(source.endswith("/") for source in checked):
        raise PermanentError(f"sources must be files, not folders: {list(sources)!r}")
    if len({os.path.dirname(source) for source in checked}) != 1:
        raise PermanentError(f"sources must share one folder: {list(sources)!r}")
    if len({os.path.basename(source) for source in checked}) != len(checked):
        raise PermanentError(f"a source is named twice: {list(sources)!r}")
    return checked


def _checked_partial_dir(name: str) -> str:
    if not name or "/" in name or name in (".", "..") or name.startswith("-"):
        raise PermanentError(f"partial_dir {name!r} must be one folder name")
    return name


async def run_transfer(
    transfer: Transfer,
    options: RsyncOptions,
    *,
    on_progress: Callable[[Progress], None] | None = None,
) -> TransferStats:
    """Run rsync for ``transfer``; its stats, or an error saying whether to retry."""
    argv = build_argv(transfer, options)
    require_binary(options.binary)
    names = [os.path.basename(source) for source in transfer.sources]
    reader, tail = OutputReader(on_progress), StderrTail()
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = asyncio.timeout(options.timeout)
    code = None
    try:
        async with deadline:
            if not options.dry_run:
                await asyncio.to_thread(_prepare_destination, transfer.destination_dir, names)
            code = await execute(argv, reader, tail, options.kill_grace)
    except TimeoutError:
        if not deadline.expired():
            raise
        said = tail.text()
        raise TransientError(
            f"rsync timed out after {_duration(options.timeout)} and was stopped"
            + (f"; it said: {said}" if said else "")
        ) from None
    finally:
        if code is None and not options.dry_run:
            # Stopped (timeout, cancelled): rsync removes its temp file itself, except when
            # the signal falls between creating it and registering it for cleanup.
            with contextlib.suppress(OSError, ValueError):
                cleanup_partials(transfer.destination_dir, names)
    if code != 0:
        raise exit_error(code, tail.text())
    return parse_stats(reader.lines, seconds=loop.time() - started, dry_run=options.dry_run)


def find_binary(binary: str) -> str | None:
    """Where ``binary`` is (looked up on ``PATH`` now, or the path itself); None when it
    is missing or not executable."""
    return shutil.which(binary)


def require_binary(binary: str) -> str:
    """``binary``'s path, or ``ToolMissing`` saying it cannot be found."""
    found = find_binary(binary)
    if found is None:
        raise ToolMissing(_missing_text(binary, "not found on PATH"), tool=_tool_name(binary))
    return found


def _tool_name(binary: str) -> str:
    return os.path.basename(binary) or binary


def _missing_text(binary: str, why: str) -> str:
    return f"{_tool_name(binary)} is missing: {binary!r} {why}; install it (rsync >= 3.1)"


def _prepare_destination(destination_dir: str, names: list[str]) -> None:
    try:
        os.makedirs(destination_dir, exist_ok=True)
    except OSError as exc:
        message = f"cannot create the destination folder {destination_dir!r}: {exc.strerror}"
        if exc.errno in _PERMANENT_ERRNOS:
            raise PermanentError(message) from exc
        raise TransientError(message) from exc
    cleanup_partials(destination_dir, names)


_PERMANENT_ERRNOS = frozenset(
    {errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EEXIST, errno.ENAMETOOLONG, errno.ELOOP}
)


async def execute(argv: list[str], reader: OutputReader, tail: StderrTail, grace: float) -> int:
    """Run rsync to its end: its exit code, its output read into ``reader`` and ``tail``.

    The output normally ends when rsync does. When rsync's first process dies of a signal
    (the NAS shutting down) a child it forked may live on, holding the pipes open: once
    rsync has exited its output gets ``PIPE_GRACE`` seconds, then the whole group is
    stopped, rather than waiting on the pipes until the transfer's timeout.
    """
    process = await _spawn(argv, grace)
    stdout = asyncio.create_task(_pump(process.stdout, reader.feed))
    stderr = asyncio.create_task(_pump(process.stderr, tail.feed))
    try:
        # ``process.wait()`` answers only once the pipes close, so the exit is watched on
        # ``returncode`` while the output is read.
        pending: set[asyncio.Task[None]] = {stdout, stderr}
        while pending and process.returncode is None:
            done, pending = await asyncio.wait(pending, timeout=EXIT_POLL, return_when=FIRST)
            for task in done:
                task.result()  # a failing progress callback stops rsync now
        if pending:  # rsync exited, its output has not ended yet
            _, pending = await asyncio.wait(pending, timeout=PIPE_GRACE)
        if pending or _group_alive(process.pid):  # children still winding down, or orphaned
            await _stop(process, grace)
            await asyncio.wait({stdout, stderr}, timeout=1.0)
        if stdout.done() and not stdout.cancelled():
            stdout.result()  # the output ended with an error: it surfaces here
        reader.close()
        return await process.wait()
    except BaseException:  # timeout, cancellation, a failing progress callback
        try:
            await _stop(process, grace)
            await asyncio.wait({stderr}, timeout=1.0)  # rsync's last words, if any
        finally:
            for task in (stdout, stderr):
                task.cancel()
        raise
    finally:
        for task in (stdout, stderr):
            task.cancel()


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGTERM the child when the daemon dies (else None).

    SIGTERM, not SIGKILL: rsync then removes its temp file itself.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def arrange() -> None:  # runs in the child between fork and exec: keep it minimal
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the daemon died before prctl took effect
            os._exit(1)

    return arrange


async def _spawn(argv: list[str], grace: float) -> asyncio.subprocess.Process:
    starting = asyncio.ensure_future(
        asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # its own session and process group (see module doc)
            preexec_fn=_die_with_parent(),
        )
    )
    try:
        return await asyncio.shield(starting)
    except asyncio.CancelledError:
        # Cancelled while asyncio was still connecting the pipes: asyncio would kill only
        # rsync's first process and then wait for pipes its children hold. Stop the group.
        with contextlib.suppress(OSError):
            await _stop(await starting, grace)
        raise
    except (FileNotFoundError, PermissionError) as exc:  # gone since it was looked up
        why = f"cannot be run ({exc.strerror})"
        raise ToolMissing(_missing_text(argv[0], why), tool=_tool_name(argv[0])) from exc
    except OSError as exc:  # out of processes or memory
        raise TransientError(f"cannot start {argv[0]!r}: {exc.strerror}") from exc


async def _pump(stream: asyncio.StreamReader | None, sink: Callable[[bytes], None]) -> None:
    assert stream is not None
    while chunk := await stream.read(65536):
        sink(chunk)


async def _stop(process: asyncio.subprocess.Process, grace: float) -> None:
    """Stop rsync and every process of its group: SIGTERM, then SIGKILL after ``grace``."""
    group = process.pid  # the session leader's pid is the group id
    _signal_group(group, signal.SIGTERM)
    _signal_group(group, signal.SIGCONT)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    exited = asyncio.ensure_future(process.wait())
    try:
        await asyncio.wait({exited}, timeout=grace)
        # rsync's children may still be finishing their own cleanup; no event says
        # "the group is empty", so poll, briefly.
        while exited.done() and _group_alive(group) and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    finally:
        if not exited.done() or _group_alive(group):
            _signal_group(group, signal.SIGKILL)
    await exited


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone
        os.killpg(group, signum)


def _group_alive(group: int) -> bool:
    """Whether a process of the group still runs.

    Zombies do not count: rsync's children, orphaned when it exits, wait for init to reap
    them, which some inits do only every few seconds (and a daemon running as PID 1
    without an init never does).
    """
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        pids = [pid for pid in os.listdir("/proc") if pid.isdigit()]
    except OSError:
        return True  # no /proc: kill() is all we know
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                data = handle.read()
        except OSError:
            continue  # gone meanwhile
        state, _parent, pgrp = data[data.rindex(b")") + 2 :].split(maxsplit=3)[:3]
        if int(pgrp) == group and state != b"Z":
            return True
    return False


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:g}s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    units = ((hours, "h"), (minutes, "m"), (secs, "s"))
    return "".join(f"{value}{unit}" for value, unit in units if value)


# mkstemp's "XXXXXX" after the temp name's prefix
_TEMP_SUFFIX = re.compile(rb"\.[A-Za-z0-9]{6}\Z")
_NAME_MAX = 255
_HIGH_BYTES = bytes(range(0x80, 0x100))


def cleanup_partials(destination_dir: str, names: Iterable[str]) -> list[str]:
    """Remove the temp files (``.name.XXXXXX``) a killed rsync left for these target names.

    Only rsync's temp names for the given names are touched, so a concurrent transfer of
    other files into the same folder is safe. Returns the removed paths.
    """
    prefixes: set[bytes] = set()
    for name in names:
        if not name or "/" in name or name in (".", ".."):
            raise ValueError(f"not a file name: {name!r}")
        prefixes |= _temp_prefixes(os.fsencode(name))
    folder = os.fsencode(destination_dir)
    try:
        entries = os.listdir(folder)
    except FileNotFoundError:
        return []
    removed: list[str] = []
    for entry in entries:
        if not _TEMP_SUFFIX.search(entry) or entry[:-7] not in prefixes:
            continue
        path = os.path.join(folder, entry)
        try:
            if stat.S_ISREG(os.lstat(path).st_mode):
                os.unlink(path)
                removed.append(os.fsdecode(path))
        except FileNotFoundError:
            continue
    return removed


def _temp_prefixes(name: bytes) -> set[bytes]:
    """What rsync's temp name for ``name`` holds before ``.XXXXXX`` (receiver.c get_tmpname).

    ``"." + name``, the name cut to fit NAME_MAX, at whole UTF-8 characters. Newer rsyncs
    also drop the name's own leading dot and one dot before the suffix (a name of only
    cut multi-byte characters then becomes plain ``.XXXXXX``); older ones do neither.
    """
    prefixes = set()
    for modern in (True, False):
        base = name[1:] if modern and name.startswith(b".") else name
        cut = base[: _NAME_MAX - 1 - 7 - 1]  # room for ".", ".XXXXXX" and the NUL
        if len(base) > len(cut) and base[len(cut)] & 0x80:
            cut = cut.rstrip(_HIGH_BYTES)
        prefix = b"." + cut
        if modern and prefix.endswith(b"."):
            prefix = prefix[:-1]
        prefixes.add(prefix)
    return prefixes
