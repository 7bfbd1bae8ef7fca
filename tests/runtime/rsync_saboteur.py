"""A stand-in ``rsync`` first on ``PATH``: it runs the real rsync, then damages one file
at the destination, as a flaky disk or link would, between rsync and the verification.

``flip``: one byte of the copy is inverted and its modification time put back, so the copy
keeps the source's size and time: rsync's quick check cannot see it, only ``--checksum``
(runs with ``--checksum`` are left alone). ``truncate``: the copy loses its second half.
Every run's argv is logged, so a test can tell which runs had ``--checksum``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

__all__ = ["Saboteur", "install_saboteur"]

SCRIPT = """#!{python}
import json, os, subprocess, sys

argv = sys.argv[1:]
code = subprocess.call([{real!r}, *argv])
with open({log!r}, "a") as log:
    log.write(json.dumps(argv) + "\\n")
target, count, times = {target!r}, {count!r}, {times!r}
done = int(open(count).read()) if os.path.exists(count) else 0
wanted = times is None or done < times
if code == 0 and wanted and "--checksum" not in argv and "--dry-run" not in argv:
    if os.path.isfile(target):
        info = os.stat(target)
        with open(target, "r+b") as copy:
            if {damage!r} == "truncate":
                copy.truncate(info.st_size // 2)
            else:
                copy.seek(info.st_size // 2)
                byte = copy.read(1)[0]
                copy.seek(info.st_size // 2)
                copy.write(bytes([byte ^ 0xFF]))
        os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
        with open(count, "w") as counter:
            counter.write(str(done + 1))
sys.exit(code)
"""


@dataclass(frozen=True)
class Saboteur:
    log: Path
    count: Path

    def runs(self) -> list[list[str]]:
        """Each rsync run's arguments, in order."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def checksum_runs(self) -> list[bool]:
        """Per run: whether it had ``--checksum``."""
        return ["--checksum" in argv for argv in self.runs()]

    @property
    def damaged(self) -> int:
        """How many times the target was damaged."""
        return int(self.count.read_text()) if self.count.exists() else 0


def install_saboteur(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    target: Path,
    *,
    damage: Literal["flip", "truncate"],
    times: int | None = None,
) -> Saboteur:
    """Put the stand-in first on ``PATH``; it damages ``target`` after each run (up to
    ``times``) that exits 0 without ``--checksum``."""
    real = shutil.which("rsync")
    assert real is not None, "the tests need rsync"
    folder = tmp_path / "saboteur"
    folder.mkdir()
    saboteur = Saboteur(folder / "runs.jsonl", folder / "damaged")
    script = folder / "rsync"
    script.write_text(
        SCRIPT.format(
            python=sys.executable,
            real=real,
            log=str(saboteur.log),
            target=str(target),
            count=str(saboteur.count),
            times=times,
            damage=damage,
        )
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:{os.environ.get('PATH', '')}")
    return saboteur
