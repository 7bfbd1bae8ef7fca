"""Reconcile's bulk copy by the real daemon against one plain ``rsync -a``; a table.

The second half of ``bench/reconcile.py`` (also runnable alone). A source folder of
``--bulk-files`` small files (1-16 KiB of random data, 100 to a season folder) and an
empty destination: every file is missing. Each round, in the same run:

- plain: ``rsync -a SRC/ FRESH/`` (one process, its wall time);
- arrkestra: ``arrkestra serve`` (a subprocess, as in production) with that root in
  ``mirror.paths``; the clock starts at ``POST /api/v1/reconcile`` (``confirm`` set) and
  stops when the daemon's database (read-only) shows one succeeded ``mirror`` job per
  file: the comparison, queueing one job per file, the bulk rsync runs over file lists
  (``--files-from``) and every job's outcome are all inside.

Both start after ``sync`` and take turns going first. The files are checked afterwards:
every one at the destination with its size. Throughput ratio = plain seconds / arrkestra
seconds (target >= 0.8).

Usage: python bench/reconcile_bulk.py [--bulk-files 20000] [--bulk-rounds 4] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import daemon  # bench/daemon.py: the script's folder is on sys.path
import httpx

API_KEY = "bench-api-key-0123456789abcdef"


def make_source(root: Path, files: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    sizes = {}
    for n in range(files):
        folder = root / f"Show {n // 1000:03d}" / f"Season {n // 100 % 10 + 1:02d}"
        if n % 100 == 0:
            folder.mkdir(parents=True)
        size = rng.randint(1024, 16 * 1024)
        (folder / f"Show - S01E{n:05d}.mkv").write_bytes(rng.randbytes(size))
        sizes[str((folder / f"Show - S01E{n:05d}.mkv").relative_to(root))] = size
    return sizes


def plain(source: Path, target: Path) -> float:
    os.sync()
    started = time.perf_counter()
    subprocess.run(["rsync", "-a", f"{source}/", f"{target}/"], check=True)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def succeeded(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        sql = "SELECT count(*) FROM jobs WHERE pipeline = 'mirror' AND status = 'succeeded'"
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def through_daemon(source: Path, target: Path, work: Path, files: int) -> float:
    target.mkdir()
    config: dict[str, Any] = {
        "server": {"api_key": API_KEY},
        "storage": {"path": str(work / "data")},
        "logging": {"level": "warning"},
        "sonarr": {"hd": {"url": "http://127.0.0.1:9"}},
        "mirror": {
            "paths": [{"arr_path": "/tv", "source": str(source), "destination": str(target)}]
        },
        "catchup": {"enabled": False},
        "reconcile": {"confirm_above": files + 1},
    }
    work.mkdir()
    port = free_port()
    process = daemon.start_daemon(work, port, config)
    try:
        os.sync()
        started = time.perf_counter()
        answer = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/reconcile",
            json={"confirm": True},
            headers={"X-Api-Key": API_KEY},
            timeout=10,
        )
        answer.raise_for_status()
        db = work / "data" / "arrkestra.db"
        while succeeded(db) < files:
            if process.poll() is not None:
                sys.exit("the daemon exited:\n" + (work / "daemon.log").read_text())
            time.sleep(0.01)
        return time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=30)


def check(sizes: dict[str, int], target: Path) -> None:
    wrong = [p for p, size in sizes.items() if (target / p).stat().st_size != size]
    if wrong:
        sys.exit(f"{len(wrong)} file(s) differ at {target}: {wrong[:3]}")


def run(files: int, rounds: int, workdir: str | None) -> None:
    with tempfile.TemporaryDirectory(prefix="arrkestra-bulk-", dir=workdir) as name:
        tmp = Path(name)
        sizes = make_source(tmp / "src", files)
        ours: list[float] = []
        theirs: list[float] = []
        for k in range(rounds):
            for step in ("plain", "daemon") if k % 2 == 0 else ("daemon", "plain"):
                if step == "plain":
                    theirs.append(plain(tmp / "src", tmp / f"plain{k}"))
                else:
                    ours.append(through_daemon(tmp / "src", tmp / f"dst{k}", tmp / f"d{k}", files))
            check(sizes, tmp / f"dst{k}")
            check(sizes, tmp / f"plain{k}")
    report(files, ours, theirs)


def report(files: int, ours: list[float], theirs: list[float]) -> None:
    print()
    print(f"bulk copy of {files} small missing files (1-16 KiB), {len(ours)} rounds")
    print(f"{'':<44} {'median s':>9} {'files/s':>9}  runs s")
    for label, runs in (("arrkestra reconcile (daemon, confirm)", ours), ("rsync -a", theirs)):
        median = statistics.median(runs)
        times = " ".join(f"{t:.2f}" for t in runs)
        print(f"{label:<44} {median:>9.2f} {files / median:>9.0f}  {times}")
    ratios = " ".join(f"{t / o:.2f}" for o, t in zip(ours, theirs, strict=True))
    ratio = statistics.median(theirs) / statistics.median(ours)
    print(f"throughput ratio arrkestra / rsync: {ratio:.2f} (per round: {ratios}; target >= 0.80)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bulk-files", type=int, default=20000, help="files (20000)")
    parser.add_argument("--bulk-rounds", type=int, default=4, help="timed rounds (4)")
    parser.add_argument("--workdir", help="where the temporary trees go (default: $TMPDIR)")
    parsed = parser.parse_args()
    run(parsed.bulk_files, parsed.bulk_rounds, parsed.workdir)
