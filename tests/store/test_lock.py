import subprocess
import sys
from pathlib import Path

import pytest

from arrkestra.store.connection import StoreError
from arrkestra.store.lock import DatabaseLock


def test_second_lock_on_the_same_database_is_refused(tmp_path: Path) -> None:
    first = DatabaseLock(tmp_path / "arrkestra.db")
    first.acquire()
    with pytest.raises(StoreError, match="already using"):
        DatabaseLock(tmp_path / "arrkestra.db").acquire()
    first.release()
    second = DatabaseLock(tmp_path / "arrkestra.db")
    second.acquire()
    assert second.held
    second.release()


def test_the_lock_dies_with_a_killed_process(tmp_path: Path) -> None:
    db = tmp_path / "arrkestra.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from arrkestra.store.lock import DatabaseLock;"
            f"lock = DatabaseLock(Path({str(db)!r})); lock.acquire();"
            "print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with pytest.raises(StoreError, match=f"pid {holder.pid}"):
        DatabaseLock(db).acquire()
    holder.kill()
    holder.wait(timeout=10)
    lock = DatabaseLock(db)
    lock.acquire()
    lock.release()
