"""One daemon per database: an exclusive ``flock`` on a file next to it.

The lock dies with its process (even on SIGKILL), so holding it proves that every job
still marked ``running`` belongs to a process that is gone.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from arrkestra.store.connection import StoreError


class DatabaseLock:
    def __init__(self, db_file: Path) -> None:
        self.path = db_file.with_name(db_file.name + ".lock")
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise StoreError(
                f"another arrkestra (pid {holder}) is already using {self.path.with_suffix('')}; "
                "stop it first, or give this one a different storage.path"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    @property
    def held(self) -> bool:
        return self._handle is not None
