"""One daemon per database: an exclusive ``flock`` on the database file itself.

The lock dies with its process (even on SIGKILL), so holding it proves that every job
still marked ``running`` belongs to a process that is gone. It is taken on the database
file, not on a file next to it: deleting a side file cannot let a second daemon in, and
a database replaced under a running daemon is a different file (its probe notices).

``flock`` locks belong to the open file description, so they do not interfere with the
POSIX byte-range locks SQLite takes on the same file; the descriptor stays open until
``release``, which runs after the database is closed (closing any descriptor of a file
drops the process's POSIX locks on it).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from arrkestra.store.connection import StoreError, unwritable_message

PROC_LOCKS = Path("/proc/locks")


class DatabaseLock:
    def __init__(self, db_file: Path) -> None:
        self.path = db_file
        self._fd: int | None = None

    def acquire(self) -> None:
        """Lock the database file (creating it empty if needed: SQLite takes an empty file
        as a new database); ``StoreError`` when another process holds it or it is read-only."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise StoreError(unwritable_message(self.path, exc)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = lock_holder(os.fstat(fd).st_ino)
            os.close(fd)
            raise StoreError(
                f"another arrkestra (pid {holder or 'unknown'}) is already using {self.path}; "
                "stop it first, or give this one a different storage.path"
            ) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def lock_holder(inode: int) -> str | None:
    """The pid holding a ``flock`` on ``inode``, from /proc/locks (Linux; None elsewhere)."""
    try:
        lines = PROC_LOCKS.read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        # "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == str(inode):
            return fields[4]
    return None
