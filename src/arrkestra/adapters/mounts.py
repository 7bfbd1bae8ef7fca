"""Mount health: is each source and destination root there, readable and (destination) writable?

A ``stat()`` on a dead NFS server can block in the kernel for minutes and cannot be
cancelled, so every check runs on this module's own small set of threads, never on the
event loop and never on the default executor other blocking work needs. The caller waits
at most ``timeout`` seconds and then answers "hung"; the stuck thread stays stuck until the
kernel gives up, and while it does:

* a new check of the same path answers "still hanging" at once (no second thread is spent
  on a mount already known to hang);
* when every check thread is stuck, any check answers at once instead of queueing behind
  them forever.

The threads are daemon threads (a ``ThreadPoolExecutor`` joins its workers at interpreter
exit, so one stuck ``stat()`` would keep the daemon from ever exiting).

A check, in order: the root exists and is a directory, is a mount point (when required),
can be listed, its anchor file can be opened and read (when configured: the anchor must be
*readable*, which proves the share behind the root is the mounted one), and for a
destination a probe file ``.arrkestra-write-test-<random>`` can be created and removed
(``os.access`` is not enough: root squash and read-only exports make it lie).
"""

from __future__ import annotations

import asyncio
import errno
import os
import queue
import secrets
import stat
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Literal

from arrkestra.core.errors import MountDown

__all__ = ["PROBE_PREFIX", "MountChecker", "MountSpec", "MountState", "inspect_root"]

PROBE_PREFIX = ".arrkestra-write-test-"
# A job waiting on a mount is due again after this at the latest; the mount monitor wakes
# it as soon as it sees the root back (every minute), so this is only a safety net (for a
# root the monitor no longer watches). Each recheck of a root still down is an attempt row
# and a log line per waiting job: 6 h keeps a week-long outage to a few dozen per job.
WAIT_RECHECK = 6 * 3600.0
OK = "ok"
_PROBE_BODY = b"arrkestra write test: safe to delete\n"

Role = Literal["source", "destination"]


@dataclass(frozen=True)
class MountSpec:
    """One root to check. ``anchor_file`` is relative to ``path`` and must be readable."""

    path: str
    role: Role
    anchor_file: str | None = None
    require_mount_point: bool = False


@dataclass(frozen=True)
class MountState:
    path: str
    role: str
    ok: bool
    detail: str  # "ok", or what is wrong, e.g. "does not exist", "check timed out after 5s ..."


# -- the check itself (runs on a check thread) -----------------------------------------------


def inspect_root(spec: MountSpec) -> str:
    """Check one root with blocking syscalls; "ok" or what is wrong. Never raises OSError."""
    for step in (_check_directory, _check_mount_point, _check_listing, _check_anchor):
        problem = step(spec)
        if problem:
            return problem
    if spec.role == "destination":
        return _check_writable(spec.path) or OK
    return OK


def _check_directory(spec: MountSpec) -> str:
    try:
        mode = os.stat(spec.path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "does not exist"
    except OSError as exc:
        return f"cannot be examined ({_reason(exc)})"
    return "" if stat.S_ISDIR(mode) else "is not a directory"


def _check_mount_point(spec: MountSpec) -> str:
    if spec.require_mount_point and not os.path.ismount(spec.path):
        return "is not a mount point (is the share mounted?)"
    return ""


def _check_listing(spec: MountSpec) -> str:
    try:
        with os.scandir(spec.path) as entries:
            next(entries, None)
    except OSError as exc:
        return f"not readable ({_reason(exc)})"
    return ""


def _check_anchor(spec: MountSpec) -> str:
    if not spec.anchor_file:
        return ""
    anchor = os.path.join(spec.path, spec.anchor_file)
    try:
        with open(anchor, "rb") as handle:  # a read proves the share answers, not just its cache
            handle.read(1)
    except FileNotFoundError:
        return f"anchor file {spec.anchor_file!r} is missing (is the share mounted?)"
    except IsADirectoryError:
        return f"anchor file {spec.anchor_file!r} is a directory"
    except OSError as exc:
        return f"anchor file {spec.anchor_file!r} is not readable ({_reason(exc)})"
    return ""


def _check_writable(root: str) -> str:
    probe = os.path.join(root, PROBE_PREFIX + secrets.token_hex(6))
    try:
        handle = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        return f"not writable ({_reason(exc)})"
    try:
        os.write(handle, _PROBE_BODY)
    except OSError as exc:
        problem = f"not writable ({_reason(exc)})"
    else:
        problem = ""
    finally:
        os.close(handle)
    try:
        os.unlink(probe)
    except OSError as exc:
        name = os.path.basename(probe)
        return f"not writable: probe file {name} could not be removed ({_reason(exc)})"
    return problem


def _reason(exc: OSError) -> str:
    if exc.errno == errno.EROFS:
        return "read-only file system"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or type(exc).__name__


# -- the threads -----------------------------------------------------------------------------

_Work = tuple[Future[str], Callable[[MountSpec], str], MountSpec]


class _CheckThreads:
    """A fixed set of daemon threads taking work from one queue (started on first use)."""

    def __init__(self, size: int, name: str) -> None:
        self.size = size
        self._name = name
        self._queue: queue.SimpleQueue[_Work | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, work: Callable[[MountSpec], str], spec: MountSpec) -> Future[str]:
        future: Future[str] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("mount checker is closed")
            while len(self._threads) < self.size:
                number = len(self._threads) + 1
                thread = threading.Thread(
                    target=self._serve, name=f"{self._name}-{number}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
            self._queue.put((future, work, spec))
        return future

    def close(self) -> None:
        with self._lock:
            self._closed = True
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
            for _ in self._threads:  # a stuck thread takes its stop signal when it comes back
                self._queue.put(None)

    def _serve(self) -> None:
        while (item := self._queue.get()) is not None:
            future, work, spec = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(work(spec))
            except BaseException as exc:  # delivered to the awaiting coroutine
                future.set_exception(exc)


# -- the checker -----------------------------------------------------------------------------


@dataclass
class _Run:
    spec: MountSpec
    future: Future[str]
    started: float  # event-loop time of submission: the deadline counts from here
    hung: bool = field(default=False)


class MountChecker:
    """Checks roots with a timeout on its own threads; see the module docstring."""

    def __init__(self, *, timeout: float = 5.0, max_workers: int = 2) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._timeout = timeout
        self._threads = _CheckThreads(max_workers, "arrkestra-mount-check")
        self._runs: dict[MountSpec, _Run] = {}  # touched only on the event loop thread
        self._closed = False

    async def check(self, spec: MountSpec) -> MountState:
        """The root's state, within ``timeout`` seconds; never raises."""
        loop = asyncio.get_running_loop()
        self._runs = {s: r for s, r in self._runs.items() if not r.future.done()}
        stuck = self._hung_run(spec.path)
        if stuck is not None:
            waited = loop.time() - stuck.started
            return self._state(spec, f"check still hanging after {waited:.0f}s (stale NFS?)")
        if self._closed:
            return self._state(spec, "not checked: the mount checker is closed")
        run = self._runs.get(spec)
        if run is None:
            hung = sum(1 for r in self._runs.values() if r.hung)
            if hung >= self._threads.size:
                return self._state(
                    spec, f"not checked: all {hung} mount-check threads hang on other roots"
                )
            run = _Run(spec, self._threads.submit(inspect_root, spec), loop.time())
            self._runs[spec] = run
        return self._state(spec, await self._outcome(run, loop))

    async def check_all(self, specs: Sequence[MountSpec]) -> list[MountState]:
        """Every root's state, in the order given (checked concurrently)."""
        return list(await asyncio.gather(*(self.check(spec) for spec in specs)))

    async def require(self, spec: MountSpec) -> None:
        """Raise ``MountDown`` when the root is not usable: its jobs wait on it (no attempt
        spent) until the mount monitor sees it back."""
        state = await self.check(spec)
        if not state.ok:
            raise MountDown(
                f"{spec.role} root {spec.path}: {state.detail} (waiting for it to come back)",
                path=spec.path,
                role=spec.role,
                retry_after=WAIT_RECHECK,
            )

    def hanging(self) -> list[str]:
        """Paths whose check is stuck past its timeout right now."""
        return sorted({r.spec.path for r in self._runs.values() if r.hung and not r.future.done()})

    def close(self) -> None:
        """Stop the threads (stuck ones exit when their syscall returns); checks then fail."""
        self._closed = True
        self._threads.close()

    # -- internals -------------------------------------------------------------------------

    def _hung_run(self, path: str) -> _Run | None:
        for run in self._runs.values():
            if run.hung and run.spec.path == path and not run.future.done():
                return run
        return None

    async def _outcome(self, run: _Run, loop: asyncio.AbstractEventLoop) -> str:
        waiter = asyncio.wrap_future(run.future, loop=loop)
        try:
            remaining = run.started + self._timeout - loop.time()
            await asyncio.wait({waiter}, timeout=max(0.0, remaining))
        finally:
            # a cancelled waiter is never completed from the thread, even after the loop closed
            if not waiter.done():
                waiter.cancel()
        future = run.future
        if future.cancelled() or (not future.done() and future.cancel()):
            # it never started (every thread busy); whoever timed out first took it back
            return f"not checked within {self._timeout:g}s: every mount-check thread was busy"
        if future.done():
            return _result(future)
        run.hung = True  # running, so stuck in a syscall: its thread is lost until it returns
        return f"check timed out after {self._timeout:g}s (stale NFS?)"

    def _state(self, spec: MountSpec, detail: str) -> MountState:
        return MountState(spec.path, spec.role, detail == OK, detail)


def _result(future: Future[str]) -> str:
    try:
        return future.result()
    except Exception as exc:  # inspect_root() catches OSError; anything else is still a failure
        return f"check failed ({type(exc).__name__}: {exc})"
