"""Mirror throughput and latency of the real daemon, against plain ``rsync -a``; prints a table.

Builds a library in a temporary folder: movies of random data (3 x 300 MB), a season of
24 episodes with ``.srt`` and ``.nfo`` sidecars, and 20,000 small files (1-16 KiB) in 200
series folders of 100 "episodes" each. Every file is a media file or the sidecar of one,
so both runs copy exactly the same bytes. Then ``arrkestra serve`` (a subprocess, as in
production) mirrors each group after the webhooks Sonarr/Radarr would send, built from
the payload samples: one Radarr ``Download`` per movie, one Sonarr ``Download`` per
episode, one Sonarr "On Import Complete" (``Download`` with ``episodeFiles``) per small
files' folder. The same groups are copied by one plain ``rsync -a`` into a fresh folder in
the same run (the baseline); both runs start after ``sync``, from a warm page cache, and
take turns going first (on a VM the second run of a pair is often slower: an even
number of rounds balances that out).

Latency is measured on an idle queue: single-file imports are sent one at a time, and
for each one the time from sending the webhook to (a) the job being claimed (its
attempt's ``started_at``, what ``/api/v1/jobs/{id}`` shows in ``attempts_log``) and (b)
rsync creating the file in the mirror (the file's birth time, kept by the rename) is
taken. Job timestamps are read from the daemon's SQLite file, read-only, after the run.
No Plex and no notifications are configured: those are separate jobs and messages.

Verified copies: the media phases (movies, season) run again on a second daemon with
``mirror.verify: checksum`` (each copy's files hashed on both sides after rsync, before the
job succeeds), against a baseline of the same plain ``rsync -a`` followed by ``b2sum`` of
every source file, then of every copy (a one-off audit by hand, which reads twice). The
first daemon keeps the default ``mirror.verify`` (``size``), so its table is as before.

Usage: python bench/mirror.py [--media-mb 300] [--small-files 20000] [--concurrency N]
                              [--verify-rounds N]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import daemon  # bench/daemon.py: the script's folder is on sys.path
import httpx

ROOT = Path(__file__).resolve().parent.parent
PAYLOADS = ROOT / "tests" / "fixtures" / "payloads"
SECRET = "bench-secret-0123456789"
MIB = 1024 * 1024
CHUNK = 16 * MIB
PER_FOLDER = 100  # small files per series folder (one Import Complete webhook each)
SHOW = "Bench Show (2024)"


@dataclass
class Webhook:
    kind: str  # sonarr | radarr
    body: dict[str, Any]
    files: list[str]  # destination paths relative to the mirror root, media files only


@dataclass
class Phase:
    name: str
    sources: list[str]  # relative to src/: what the baseline copies
    webhooks: list[Webhook] = field(default_factory=list)
    files: int = 0  # every file copied, sidecars included
    bytes: int = 0
    rounds: int = 1


@dataclass
class Run:
    seconds: float
    files: dict[int, str]  # job id -> its media file, relative to the mirror root
    cpu: tuple[float, float]  # CPU seconds of the daemon itself, and of its rsyncs
    verified: dict[str, int] = field(default_factory=dict)  # result.verified -> jobs


@dataclass(frozen=True)
class Target:
    """Where one daemon's copies and the baseline's go (folders under the bench's tmp)."""

    mirror: str = "arrkestra"
    baseline: str = "rsync"
    verify: str | None = None  # mirror.verify; None: the default, and no b2sum afterwards
    home: str = ""  # the daemon's config, log and database ("": the bench's tmp itself)


VERIFIED = Target("arrkestra-verify", "rsync-verify", "checksum", "daemon-verify")


# -- the library ------------------------------------------------------------------------


def write_random(path: Path, size: int, rng: random.Random) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        left = size
        while left:
            block = min(left, CHUNK)
            handle.write(rng.randbytes(block))
            left -= block


def sample(kind: str, name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((PAYLOADS / kind / name).read_text())
    return body


def movies(src: Path, count: int, size: int, rng: random.Random) -> Phase:
    phase = Phase(f"movies ({count} x {size // MIB} MiB + .nfo)", [])
    template = sample("radarr", "v5-download.real.json")
    for n in range(1, count + 1):
        folder = f"Bench Movie {n:02d} ({2000 + n})"
        name = f"Bench Movie {n:02d} ({2000 + n}) [Bluray-1080p].mkv"
        phase.sources.append(f"movies/{folder}")
        write_random(src / "movies" / folder / name, size, rng)
        nfo = f"<movie><title>Bench Movie {n}</title></movie>\n".encode()
        (src / "movies" / folder / name.replace(".mkv", ".nfo")).write_bytes(nfo)
        body = copy.deepcopy(template)
        body["movie"].update(id=n, title=f"Bench Movie {n:02d}", folderPath=f"/movies/{folder}")
        body["movieFile"].update(id=n, relativePath=name, path=f"/downloads/{name}", size=size)
        phase.webhooks.append(Webhook("radarr", body, [f"movies/{folder}/{name}"]))
        phase.files += 2
        phase.bytes += size + len(nfo)
    return phase


def season(src: Path, episodes: int, size: int, rng: random.Random) -> Phase:
    phase = Phase(f"season ({episodes} eps + .srt .nfo)", [f"tv/{SHOW}"])
    template = sample("sonarr", "v4-download-single.real.json")
    folder = src / "tv" / SHOW / "Season 01"
    for n in range(1, episodes + 1):
        name = f"{SHOW} - S01E{n:02d} - Episode {n} [WEBDL-1080p].mkv"
        write_random(folder / name, size, rng)
        srt = f"1\n00:00:01,000 --> 00:00:04,000\nEpisode {n}\n".encode() * 400
        nfo = f"<episodedetails><episode>{n}</episode></episodedetails>\n".encode()
        (folder / name.replace(".mkv", ".en.srt")).write_bytes(srt)
        (folder / name.replace(".mkv", ".nfo")).write_bytes(nfo)
        body = copy.deepcopy(template)
        body["series"].update(id=1, title=SHOW, path=f"/tv/{SHOW}")
        body["episodes"] = [{**body["episodes"][0], "id": n, "episodeNumber": n, "seasonNumber": 1}]
        body["episodeFile"].update(id=n, relativePath=f"Season 01/{name}", size=size)
        phase.webhooks.append(Webhook("sonarr", body, [f"tv/{SHOW}/Season 01/{name}"]))
        phase.files += 3
        phase.bytes += size + len(srt) + len(nfo)
    return phase


def small_files(src: Path, count: int, max_kib: int, rng: random.Random) -> Phase:
    folders = (count + PER_FOLDER - 1) // PER_FOLDER
    phase = Phase(f"small files ({count} x 1-{max_kib} KiB)", [])
    template = sample("sonarr", "v4-import-complete-season-pack.constructed.json")
    left = count
    for f in range(1, folders + 1):
        series = f"Small Series {f:03d}"
        phase.sources.append(f"tv/{series}")
        body = copy.deepcopy(template)
        body["series"].update(id=1000 + f, title=series, path=f"/tv/{series}")
        episode, file = template["episodes"][0], template["episodeFiles"][0]
        body["episodes"], body["episodeFiles"], paths = [], [], []
        for n in range(1, min(PER_FOLDER, left) + 1):
            name = f"{series} - S01E{n:03d}.mkv"
            size = rng.randint(1024, max_kib * 1024)
            (src / "tv" / series / "Season 01").mkdir(parents=True, exist_ok=True)
            (src / "tv" / series / "Season 01" / name).write_bytes(rng.randbytes(size))
            body["episodes"].append({**episode, "id": f * 1000 + n, "episodeNumber": n})
            body["episodeFiles"].append(
                {**file, "id": f * 1000 + n, "relativePath": f"Season 01/{name}", "size": size}
            )
            paths.append(f"tv/{series}/Season 01/{name}")
            phase.files += 1
            phase.bytes += size
        body["episodes"] = [{**e, "seasonNumber": 1} for e in body["episodes"]]
        body["fileCount"] = len(paths)
        left -= len(paths)
        phase.webhooks.append(Webhook("sonarr", body, paths))
    return phase


def probes(src: Path, count: int, rng: random.Random) -> list[Webhook]:
    """Single small-file imports for the latency measurement (not part of the throughput)."""
    template = sample("radarr", "v5-download.real.json")
    out = []
    for n in range(1, count + 1):
        folder, name = f"Probe {n:03d} (1999)", f"Probe {n:03d} (1999).mkv"
        write_random(src / "movies" / folder / name, 64 * 1024, rng)
        body = copy.deepcopy(template)
        body["movie"].update(id=9000 + n, title=f"Probe {n}", folderPath=f"/movies/{folder}")
        body["movieFile"].update(id=9000 + n, relativePath=name, size=64 * 1024)
        out.append(Webhook("radarr", body, [f"movies/{folder}/{name}"]))
    return out


# -- the daemon -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_daemon(
    tmp: Path, port: int, concurrency: int | None, target: Target = Target()
) -> subprocess.Popen[bytes]:
    mirror: dict[str, Any] = {
        "paths": [
            {
                "arr_path": f"/{library}",
                "source": str(tmp / "src" / library),
                "destination": str(tmp / target.mirror / library),
            }
            for library in ("movies", "tv")
        ]
    }
    for library in ("movies", "tv"):  # both roots must exist: they are mount-checked
        (tmp / "src" / library).mkdir(parents=True, exist_ok=True)
        (tmp / target.mirror / library).mkdir(parents=True, exist_ok=True)
    if concurrency is not None:
        mirror["concurrency"] = concurrency
    if target.verify is not None:
        mirror["verify"] = target.verify
    home = tmp / target.home
    home.mkdir(exist_ok=True)
    config = {
        "server": {"rate_limit": None, "access_log": False},
        "logging": {"level": "warning"},
        "storage": {"path": str(home / "data")},
        "sonarr": {"hd": {"url": "http://sonarr:8989", "webhook": {"secret": SECRET}}},
        "radarr": {"hd": {"url": "http://radarr:7878", "webhook": {"secret": SECRET}}},
        "mirror": mirror,
    }
    return daemon.start_daemon(home, port, config)


class Jobs:
    """Read-only view of the daemon's job tables (the same rows /api/v1/jobs shows)."""

    def __init__(self, db_file: Path) -> None:
        self._conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=30)

    def unfinished(self, ids: list[int]) -> int:
        low, high = min(ids), max(ids)
        row = self._conn.execute(
            "SELECT COUNT(*) FROM jobs WHERE id BETWEEN ? AND ? AND finished_at IS NULL",
            (low, high),
        ).fetchone()
        return int(row[0])

    def rows(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        query = (
            "SELECT j.id, j.status, j.result, j.last_error, j.finished_at, a.started_at, "
            "a.finished_at AS attempt_done FROM jobs j JOIN job_attempts a "
            "ON a.job_id = j.id AND a.attempt = j.attempts WHERE j.id BETWEEN ? AND ?"
        )
        self._conn.row_factory = sqlite3.Row
        rows = self._conn.execute(query, (min(ids), max(ids))).fetchall()
        self._conn.row_factory = None
        return {int(r["id"]): dict(r) for r in rows}

    def close(self) -> None:
        self._conn.close()


def send(client: httpx.Client, hook: Webhook) -> tuple[float, list[int]]:
    sent = time.time()
    answer = client.post(
        f"/webhook/{hook.kind}/hd", json=hook.body, headers={"X-Webhook-Secret": SECRET}
    )
    if answer.status_code != 202:
        sys.exit(f"webhook refused: {answer.status_code} {answer.text}")
    ids: list[int] = answer.json()["jobs"]
    if len(ids) != len(hook.files):
        sys.exit(f"expected {len(hook.files)} job(s), got {ids}")
    return sent, ids


def wait_for(jobs: Jobs, ids: list[int], timeout: float, what: str) -> None:
    """Until every job of ``ids`` has finished (polled: the bench is not the daemon)."""
    deadline = time.monotonic() + timeout
    while jobs.unfinished(ids):
        if time.monotonic() > deadline:
            sys.exit(f"timed out waiting for {what}")
        time.sleep(0.02)


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(user + system of ``pid``, user + system of the children it waited for)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    utime, stime, cutime, cstime = (int(fields[i]) / tick for i in (11, 12, 13, 14))
    return utime + stime, cutime + cstime


def through_arrkestra(
    client: httpx.Client, jobs: Jobs, phase: Phase, daemon: int, round_no: int
) -> Run:
    """Fire the phase's webhooks back to back; wall time until the last job finished."""
    os.sync()
    files: dict[int, str] = {}
    cpu_before = cpu_seconds(daemon)
    start = time.time()
    for hook in phase.webhooks:
        # A marker makes each round's body new: the same body again is a redelivery.
        marked = Webhook(hook.kind, {**hook.body, "benchRound": round_no}, hook.files)
        _, ids = send(client, marked)
        files.update(zip(ids, hook.files, strict=True))
    ids = sorted(files)
    wait_for(jobs, ids, 24 * 3600, phase.name)
    rows = jobs.rows(ids)
    failed = {i: r["last_error"] for i, r in rows.items() if r["status"] != "succeeded"}
    if failed:
        sys.exit(f"{len(failed)} job(s) did not succeed: {dict(list(failed.items())[:5])}")
    end = max(float(r["finished_at"]) for r in rows.values())
    cpu_after = cpu_seconds(daemon)
    cpu = (cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1])
    verified: dict[str, int] = {}
    for r in rows.values():
        how = str(json.loads(r["result"]).get("verified"))
        verified[how] = verified.get(how, 0) + 1
    return Run(end - start, files, cpu, verified)


def through_rsync(src: Path, destination: Path, phase: Phase) -> float:
    """The baseline: one plain ``rsync -a`` of the same folders into a fresh folder."""
    os.sync()
    groups: dict[str, list[str]] = {}
    for source in phase.sources:
        groups.setdefault(str(Path(source).parent), []).append(str(src / source))
    start = time.perf_counter()
    for parent, sources in groups.items():
        (destination / parent).mkdir(parents=True, exist_ok=True)
        subprocess.run(["rsync", "-a", *sources, f"{destination / parent}/"], check=True)
    return time.perf_counter() - start


def through_rsync_and_b2sum(src: Path, destination: Path, phase: Phase) -> tuple[float, float]:
    """The verified-copy baseline: plain ``rsync -a``, then ``b2sum`` of every source file,
    then of every copy, and the two lists compared; (seconds in all, seconds of b2sum)."""
    copied = through_rsync(src, destination, phase)
    files = sorted(
        str(path.relative_to(src))
        for source in phase.sources
        for path in (src / source).rglob("*")
        if path.is_file()
    )
    start = time.perf_counter()
    sums = b2sum(src, files), b2sum(destination, files)
    hashed = time.perf_counter() - start
    if sums[0] != sums[1]:
        sys.exit(f"b2sum: the baseline copy of {phase.name} differs from its source")
    return copied + hashed, hashed


def b2sum(root: Path, files: list[str]) -> list[str]:
    argv = ["b2sum", "--", *files]
    out = subprocess.run(argv, cwd=root, capture_output=True, text=True, check=True).stdout
    return [line.split(maxsplit=1)[0] for line in out.splitlines()]


def rsync_per_file(src: Path, destination: Path, files: list[str], concurrency: int) -> float:
    """Files per second of plain rsync run once per file, ``concurrency`` at a time: what
    any one-rsync-per-file design costs on this machine, arrkestra aside."""
    os.sync()

    def copy_one(file: str) -> None:
        (destination / file).parent.mkdir(parents=True, exist_ok=True)
        argv = ["rsync", "-a", "--whole-file", str(src / file), f"{(destination / file).parent}/"]
        subprocess.run(argv, check=True)

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(copy_one, files))
    return len(files) / (time.perf_counter() - start)


# -- measurements -----------------------------------------------------------------------


def births(paths: list[Path]) -> dict[Path, float]:
    """Birth time of each file (statx btime: when rsync created it; the rename keeps it)."""
    out: dict[Path, float] = {}
    for start in range(0, len(paths), 500):
        text = subprocess.run(
            ["stat", "--printf", "%w|%n\n", *map(str, paths[start : start + 500])],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for line in text.splitlines():
            stamp, name = line.split("|", 1)  # 2024-06-01 12:00:00.123456789 +0000
            if stamp == "-":
                sys.exit("this filesystem does not keep birth times: no latency to rsync")
            day, clock, zone = stamp.split()
            whole, fraction = clock.split(".")
            moment = datetime.strptime(f"{day} {whole} {zone}", "%Y-%m-%d %H:%M:%S %z")
            out[Path(name)] = moment.timestamp() + float(f"0.{fraction}")
    return out


def latency(
    client: httpx.Client, jobs: Jobs, hooks: list[Webhook], mirror: Path
) -> tuple[list[float], list[float]]:
    """(webhook -> claimed, webhook -> rsync writing) in ms, one import at a time."""
    claimed, writing = [], []
    for hook in hooks:
        sent, ids = send(client, hook)
        wait_for(jobs, ids, 60, "a probe job")
        row = jobs.rows(ids)[ids[0]]
        if row["status"] != "succeeded":
            sys.exit(f"probe job {ids[0]} {row['status']}: {row['last_error']}")
        born = births([mirror / hook.files[0]])[mirror / hook.files[0]]
        claimed.append((float(row["started_at"]) - sent) * 1000)
        writing.append((born - sent) * 1000)
    return claimed, writing


@dataclass
class PerJob:
    """Where one job's time goes (medians, ms) and what it costs (mean CPU, ms)."""

    attempt: float  # claimed -> finished
    rsync: float  # run_transfer: mkdir, temp cleanup, rsync from start to exit
    to_write: float  # claimed -> rsync created the file
    daemon_cpu: float
    rsync_cpu: float


def per_job(jobs: Jobs, run: Run, mirror: Path) -> PerJob:
    files = run.files
    rows = jobs.rows(sorted(files))
    born = births([mirror / files[i] for i in sorted(files)])
    attempt, rsync, to_write = [], [], []
    for job_id, row in rows.items():
        started, done = float(row["started_at"]), float(row["attempt_done"])
        attempt.append((done - started) * 1000)
        rsync.append(float(json.loads(row["result"])["seconds"]) * 1000)
        to_write.append((born[mirror / files[job_id]] - started) * 1000)
    count = len(rows)
    return PerJob(
        statistics.median(attempt),
        statistics.median(rsync),
        statistics.median(to_write),
        run.cpu[0] * 1000 / count,
        run.cpu[1] * 1000 / count,
    )


def mean(values: list[float]) -> float:
    return statistics.fmean(values)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def tree_differences(a: Path, b: Path) -> list[str]:
    """Files whose presence or size differs between two trees (empty: the same)."""

    def listing(root: Path) -> dict[str, int]:
        return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*") if p.is_file()}

    left, right = listing(a), listing(b)
    return sorted(name for name in left.keys() | right.keys() if left.get(name) != right.get(name))


# -- main -------------------------------------------------------------------------------


@dataclass
class Row:
    phase: Phase
    arrkestra: list[float] = field(default_factory=list)  # seconds, one per round
    rsync: list[float] = field(default_factory=list)
    jobs: int = 0
    per_job: PerJob | None = None  # of the last round
    per_file_rate: float | None = None  # files/s of one plain rsync per file
    hashing: list[float] = field(default_factory=list)  # seconds of b2sum in the baseline
    verified: dict[str, int] = field(default_factory=dict)  # of the last round

    @property
    def ratios(self) -> list[float]:
        """Per round: arrkestra throughput / rsync throughput (same bytes)."""
        return [r / a for a, r in zip(self.arrkestra, self.rsync, strict=True)]


def library(tmp: Path, args: argparse.Namespace) -> Iterator[Phase]:
    rng = random.Random(20240601)
    if args.movies:
        yield replace(
            movies(tmp / "src", args.movies, args.media_mb * MIB, rng), rounds=args.rounds
        )
    if args.episodes:
        phase = season(tmp / "src", args.episodes, args.episode_mb * MIB, rng)
        yield replace(phase, rounds=args.rounds)
    if args.small_files:
        phase = small_files(tmp / "src", args.small_files, args.small_kib, rng)
        yield replace(phase, rounds=args.small_rounds)


def clear(root: Path, phase: Phase) -> None:
    """Remove what a previous round copied, so every round copies into a fresh folder."""
    for source in phase.sources:
        shutil.rmtree(root / source, ignore_errors=True)


def measure(
    client: httpx.Client,
    jobs: Jobs,
    phase: Phase,
    tmp: Path,
    daemon: int,
    round_no: int,
    row: Row,
    target: Target = Target(),
) -> None:
    """One round of a phase; the two runs take turns going first."""
    clear(tmp / target.baseline, phase)
    clear(tmp / target.mirror, phase)
    runs = ["rsync", "arrkestra"] if round_no % 2 == 0 else ["arrkestra", "rsync"]
    for which in runs:
        if which == "rsync" and target.verify:
            seconds, hashed = through_rsync_and_b2sum(tmp / "src", tmp / target.baseline, phase)
            row.rsync.append(seconds)
            row.hashing.append(hashed)
        elif which == "rsync":
            row.rsync.append(through_rsync(tmp / "src", tmp / target.baseline, phase))
        else:
            run = through_arrkestra(client, jobs, phase, daemon, round_no)
            row.arrkestra.append(run.seconds)
            row.jobs, row.per_job = len(run.files), per_job(jobs, run, tmp / target.mirror)
            row.verified = run.verified
    baseline = f"rsync -a {row.rsync[-1]:.2f}s"
    if target.verify:
        baseline = f"rsync -a + b2sum {row.rsync[-1]:.2f}s (b2sum {row.hashing[-1]:.2f}s)"
    print(
        f"{phase.name}, round {round_no + 1}: {baseline}, arrkestra {row.arrkestra[-1]:.2f}s",
        flush=True,
    )


def verified_rows(tmp: Path, phases: list[Phase], args: argparse.Namespace) -> list[Row]:
    """The media phases again, on a daemon of their own with ``mirror.verify: checksum``."""
    media = [p for p in phases if not p.name.startswith("small files")]
    if not media or args.verify_rounds < 1:
        return []
    port = free_port()
    daemon = start_daemon(tmp, port, args.concurrency, VERIFIED)
    rows: list[Row] = []
    try:
        jobs = Jobs(tmp / VERIFIED.home / "data" / "arrkestra.db")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for phase in media:
                rows.append(Row(replace(phase, name=f"{phase.name}, verify")))
                for round_no in range(args.verify_rounds):
                    measure(client, jobs, phase, tmp, daemon.pid, round_no, rows[-1], VERIFIED)
        jobs.close()
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=120)
    return rows


def main(args: argparse.Namespace) -> None:
    base = Path(args.workdir) if args.workdir else None
    if base is not None:
        base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="arrkestra-bench-", dir=base) as name:
        tmp = Path(name)
        made = time.perf_counter()
        phases = list(library(tmp, args))
        hooks = probes(tmp / "src", args.probes, random.Random(7))
        print(
            f"library: {sum(p.files for p in phases)} files, "
            f"{sum(p.bytes for p in phases) / MIB:.0f} MiB, "
            f"built in {time.perf_counter() - made:.0f}s under {tmp}",
            flush=True,
        )
        port = free_port()
        daemon = start_daemon(tmp, port, args.concurrency)
        rows: list[Row] = []
        try:
            jobs = Jobs(tmp / "data" / "arrkestra.db")
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                claimed, writing = latency(client, jobs, hooks, tmp / "arrkestra")
                for phase in phases:
                    rows.append(Row(phase))
                    for round_no in range(phase.rounds):
                        measure(client, jobs, phase, tmp, daemon.pid, round_no, rows[-1])
                    if len(phase.webhooks) > 1 and phase.files > 1000 and args.per_file_sample:
                        sample = [f for h in phase.webhooks for f in h.files][
                            : args.per_file_sample
                        ]
                        rate = rsync_per_file(
                            tmp / "src", tmp / "per-file", sample, args.concurrency or 2
                        )
                        rows[-1].per_file_rate = rate
            jobs.close()
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=120)
        for hook in hooks:  # the probes are not part of the baseline tree
            for file in hook.files:
                (tmp / "arrkestra" / file).unlink()
                (tmp / "arrkestra" / file).parent.rmdir()
        differences = tree_differences(tmp / "arrkestra", tmp / "rsync")
        verified = verified_rows(tmp, phases, args)
        verified_differences = (
            tree_differences(tmp / VERIFIED.mirror, tmp / VERIFIED.baseline) if verified else []
        )
    report(rows, claimed, writing, differences, args)
    if verified:
        report_verified(verified, verified_differences, args)


def report(
    rows: list[Row],
    claimed: list[float],
    writing: list[float],
    differences: list[str],
    args: argparse.Namespace,
) -> None:
    concurrency = args.concurrency or 2
    print()
    print(
        f"mirror throughput: arrkestra (webhook -> job -> rsync, mirror.concurrency={concurrency})"
        " vs one plain `rsync -a` of the same folders, same run"
    )
    print(
        f"{'phase':<34} {'files':>6} {'MiB':>7} {'arrkestra s':>11} {'MiB/s':>7} "
        f"{'files/s':>8} {'rsync -a s':>10} {'MiB/s':>7} {'ratio':>6}"
    )
    means = [
        (r.phase.name, r.phase.files, r.phase.bytes, mean(r.arrkestra), mean(r.rsync)) for r in rows
    ]
    total = (
        "total",
        sum(m[1] for m in means),
        sum(m[2] for m in means),
        sum(m[3] for m in means),
        sum(m[4] for m in means),
    )
    for name, files, size, ours, theirs in [*means, total]:
        mib = size / MIB
        print(
            f"{name:<34} {files:>6} {mib:>7.0f} {ours:>11.2f} {mib / ours:>7.1f} "
            f"{files / ours:>8.0f} {theirs:>10.2f} {mib / theirs:>7.1f} {theirs / ours:>6.2f}"
        )
    print("times are means of the rounds; the two runs take turns going first; ratio per round:")
    for row in rows:
        ratios = ", ".join(
            f"{r:.2f} ({'rsync' if i % 2 == 0 else 'arrkestra'} first)"
            for i, r in enumerate(row.ratios)
        )
        print(f"  {row.phase.name:<32} {ratios}")
    print("ratio = arrkestra throughput / rsync -a throughput (target >= 0.95)")
    if differences:
        print(f"MIRROR AND BASELINE DIFFER in {len(differences)} file(s): {differences[:5]}")
    else:
        print("the mirror and the baseline hold the same files with the same sizes")
    print()
    print(f"latency, idle queue, {len(claimed)} single-file imports one at a time:")
    print(f"{'':<44} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for label, values in (
        ("webhook sent -> job claimed", claimed),
        ("webhook sent -> rsync writing the file", writing),
    ):
        print(
            f"{label:<44} {percentile(values, 50):>7.1f} {percentile(values, 99):>7.1f} "
            f"{max(values):>7.1f}"
        )
    print("target: webhook -> rsync start p50 < 100 ms")
    print()
    print("per job (one job = one media file and its sidecars = one rsync run):")
    print(
        f"{'phase':<34} {'jobs':>6} {'attempt':>8} {'rsync run':>9} {'claim->write':>12} "
        f"{'daemon CPU':>10} {'rsync CPU':>9}"
    )
    for row in rows:
        cost = row.per_job
        assert cost is not None
        print(
            f"{row.phase.name:<34} {row.jobs:>6} {cost.attempt:>8.1f} {cost.rsync:>9.1f} "
            f"{cost.to_write:>12.1f} {cost.daemon_cpu:>10.1f} {cost.rsync_cpu:>9.1f}"
        )
    print(
        "ms; attempt, rsync run (mkdir, temp cleanup, rsync start to exit) and claim->write "
        "(claimed -> rsync created the file) are medians, CPU is the mean per job"
    )
    for row in rows:
        if row.per_file_rate is not None:
            ours = row.phase.files / mean(row.arrkestra)
            print(
                f"{row.phase.name}: plain rsync once per file, {concurrency} at a time "
                f"({args.per_file_sample} files): {row.per_file_rate:.0f} files/s; "
                f"arrkestra: {ours:.0f} files/s"
            )


def report_verified(rows: list[Row], differences: list[str], args: argparse.Namespace) -> None:
    print()
    print(
        "verified copies: arrkestra with mirror.verify=checksum (rsync, then both sides "
        f"hashed, mirror.concurrency={args.concurrency or 2})"
    )
    print(
        "vs one plain `rsync -a` of the same folders, then `b2sum` of the sources and of the copies"
    )
    print(
        f"{'phase':<42} {'files':>6} {'MiB':>6} {'arrkestra s':>11} {'MiB/s':>7} "
        f"{'rsync+b2sum s':>13} {'b2sum s':>7} {'MiB/s':>7} {'ratio':>6}"
    )
    for row in rows:
        mib, ours, theirs = row.phase.bytes / MIB, mean(row.arrkestra), mean(row.rsync)
        print(
            f"{row.phase.name:<42} {row.phase.files:>6} {mib:>6.0f} {ours:>11.2f} "
            f"{mib / ours:>7.1f} {theirs:>13.2f} {mean(row.hashing):>7.2f} "
            f"{mib / theirs:>7.1f} {theirs / ours:>6.2f}"
        )
    print("times are means of the rounds; the two runs take turns going first; ratio per round:")
    for row in rows:
        ratios = ", ".join(
            f"{r:.2f} ({'baseline' if i % 2 == 0 else 'arrkestra'} first)"
            for i, r in enumerate(row.ratios)
        )
        print(f"  {row.phase.name:<40} {ratios}")
    print(
        "ratio = arrkestra throughput / (rsync -a + b2sum of both sides) throughput (target >= 1.0)"
    )
    for row in rows:
        how = ", ".join(f"{count} {name}" for name, count in sorted(row.verified.items()))
        print(f"  {row.phase.name}: jobs' result.verified in the last round: {how}")
    if differences:
        print(f"MIRROR AND BASELINE DIFFER in {len(differences)} file(s): {differences[:5]}")
    else:
        print("the verified mirror and the baseline hold the same files with the same sizes")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--movies", type=int, default=3, help="movies (default 3)")
    parser.add_argument("--media-mb", type=int, default=300, help="MiB per movie (300)")
    parser.add_argument("--episodes", type=int, default=24, help="episodes in the season (24)")
    parser.add_argument("--episode-mb", type=int, default=40, help="MiB per episode (40)")
    parser.add_argument("--small-files", type=int, default=20000, help="small files (20000)")
    parser.add_argument("--small-kib", type=int, default=16, help="largest small file, KiB")
    parser.add_argument("--probes", type=int, default=50, help="latency samples (50)")
    parser.add_argument("--rounds", type=int, default=4, help="rounds of movies, season (4)")
    parser.add_argument("--small-rounds", type=int, default=1, help="rounds of small files (1)")
    parser.add_argument("--concurrency", type=int, help="mirror.concurrency (default: 2)")
    parser.add_argument(
        "--verify-rounds", type=int, default=4, help="rounds with verify=checksum (4; 0: none)"
    )
    parser.add_argument(
        "--per-file-sample", type=int, default=1000, help="small files copied by one rsync each"
    )
    parser.add_argument("--workdir", help="where the temporary library goes (default: $TMPDIR)")
    main(parser.parse_args())
